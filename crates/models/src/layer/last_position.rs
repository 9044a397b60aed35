//! [`LastPosition`]: the last position of each sequence.

use super::{ForwardCtx, Layer};
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Var};

/// Keeps the last position of each sequence: `[N, t, d]` becomes `[N, d]`, the features at
/// position `t - 1`. Put it after a causal transformer to predict the next token from
/// everything before it. No parameters; the gradient reaches only the last position.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{ForwardCtx, LastPosition, Layer};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let tape = Tape::<f64>::new();
/// // Two sequences of 3 positions with 2 features: values 0..12.
/// let x = tape.constant(Tensor::from_fn(&[2, 3, 2], |i| i as f64));
/// let mut rng = StdRng::seed_from_u64(0);
/// let y = LastPosition.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[2, 2]);
/// assert_eq!(y.value().data(), &[4.0, 5.0, 10.0, 11.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastPosition;

impl<T: Float> Layer<T> for LastPosition {
    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::LastPosition)
    }

    fn name(&self) -> String {
        "last_position".into()
    }

    /// # Panics
    /// If `x` is not `[N, t, d]` with `t > 0`; the message names the layer and the shape.
    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let shape = x.shape();
        let &[n, t, d] = shape.as_slice() else {
            panic!(
                "last_position: expected an input of shape [N, t, d], got shape {:?}",
                shape.as_slice()
            )
        };
        assert!(
            t > 0,
            "last_position: an input of shape {:?} has no positions",
            shape.as_slice()
        );
        x.narrow(1, t - 1, 1).reshape(&[n, d])
    }
}
