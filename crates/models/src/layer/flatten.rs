//! [`Flatten`]: each sample's values in one row.

use super::{ForwardCtx, Layer};
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Var};

/// Flattens every axis but the first: `[N, d_1, ..., d_k]` becomes `[N, d_1 * ... * d_k]`
/// (row-major, as PyTorch's `nn.Flatten`), so a convolutional stack can feed a [`Dense`]
/// layer. A 1-D input `[N]` becomes `[N, 1]`. No parameters.
///
/// [`Dense`]: super::Dense
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{Flatten, ForwardCtx, Layer};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let tape = Tape::<f32>::new();
/// let x = tape.constant(Tensor::zeros(&[4, 32, 2, 2]));
/// let mut rng = StdRng::seed_from_u64(0);
/// let y = Flatten.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[4, 128]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flatten;

impl<T: Float> Layer<T> for Flatten {
    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::Flatten)
    }

    fn name(&self) -> String {
        "flatten".into()
    }

    /// # Panics
    /// If `x` is a scalar (it has no batch axis).
    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let shape = x.shape();
        let Some((&n, rest)) = shape.split_first() else {
            panic!("flatten: expected an input of shape [N, ...], got a scalar (shape [])")
        };
        if rest.len() == 1 {
            return x;
        }
        x.reshape(&[n, rest.iter().product()])
    }
}
