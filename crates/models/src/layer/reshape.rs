//! [`Reshape`]: gives each sample a new shape.

use super::{ForwardCtx, Layer};
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Var};

/// Views each sample under a new shape, keeping the batch axis: `[N, ...]` becomes `[N,
/// sample_shape...]` (row-major, as PyTorch's `view`), so that a `[rows, 64]` feature matrix
/// becomes `[rows, 1, 8, 8]` images for a [`Conv2d`]. No parameters.
///
/// [`Conv2d`]: super::Conv2d
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{ForwardCtx, Layer, Reshape};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let to_images = Reshape::new(&[1, 8, 8]);
/// assert_eq!(Layer::<f32>::name(&to_images), "reshape [1, 8, 8]");
/// let tape = Tape::<f32>::new();
/// let x = tape.constant(Tensor::zeros(&[5, 64]));
/// let mut rng = StdRng::seed_from_u64(0);
/// let y = to_images.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[5, 1, 8, 8]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reshape {
    sample_shape: Vec<usize>,
}

impl Reshape {
    /// Reshapes each sample to `sample_shape` (the shape without the batch axis).
    pub fn new(sample_shape: &[usize]) -> Self {
        Reshape {
            sample_shape: sample_shape.to_vec(),
        }
    }

    /// The shape each sample gets.
    pub fn sample_shape(&self) -> &[usize] {
        &self.sample_shape
    }
}

impl<T: Float> Layer<T> for Reshape {
    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::Reshape {
            sample_shape: self.sample_shape.clone(),
        })
    }

    fn name(&self) -> String {
        format!("reshape {:?}", self.sample_shape)
    }

    /// # Panics
    /// If `x` has no batch axis or its samples do not have as many values as
    /// `sample_shape`; the message names the layer and both shapes.
    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let shape = x.shape();
        let per_sample: usize = self.sample_shape.iter().product();
        let fits = match shape.split_first() {
            Some((_, rest)) => rest.iter().product::<usize>() == per_sample,
            None => false,
        };
        assert!(
            fits,
            "reshape {:?}: cannot view an input of shape {:?} as [N, {}]: each sample has {} \
             values, not {per_sample}",
            self.sample_shape,
            shape.as_slice(),
            self.sample_shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            shape.iter().skip(1).product::<usize>()
        );
        let mut out = Vec::with_capacity(self.sample_shape.len() + 1);
        out.push(shape[0]);
        out.extend_from_slice(&self.sample_shape);
        x.reshape(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    #[should_panic(
        expected = "reshape [1, 8, 8]: cannot view an input of shape [2, 63] as \
                               [N, 1, 8, 8]: each sample has 63 values, not 64"
    )]
    fn a_sample_of_another_size_names_both_shapes() {
        let tape = Tape::<f32>::new();
        let x = tape.constant(Tensor::zeros(&[2, 63]));
        let mut rng = StdRng::seed_from_u64(0);
        Reshape::new(&[1, 8, 8]).forward(
            x,
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
    }
}
