//! [`PositionEmbedding`]: a learned vector added at each position of a sequence.

use super::{Embedding, ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Var};
use rand::Rng;

/// Learned absolute positions (as in GPT-2): a table `[max_len, dim]` drawn from N(0, 1), whose
/// row `i` is added to position `i` of each sequence. The input is `[N, t, dim]` with `t <=
/// max_len` (the output of an [`Embedding`], say) and the output has the same shape.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{ForwardCtx, Layer, PositionEmbedding};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let positions = PositionEmbedding::<f64>::new(8, 4, &mut rng);
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::zeros(&[2, 3, 4])); // sequences of 3 <= 8 positions
/// let y = positions.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[2, 3, 4]);
/// // On zeros, each sequence is the first 3 rows of the table.
/// let table = positions.weight().value();
/// assert_eq!(&y.value().data()[12..], &table.data()[..12]);
/// ```
#[derive(Debug, Clone)]
pub struct PositionEmbedding<T: Float> {
    /// One row per position: an embedding table whose ids are the positions.
    table: Embedding<T>,
}

impl<T: Float> PositionEmbedding<T> {
    /// A table for sequences of up to `max_len` positions of `dim` values, drawn from N(0, 1).
    pub fn new<R: Rng + ?Sized>(max_len: usize, dim: usize, rng: &mut R) -> Self {
        PositionEmbedding {
            table: Embedding::new(max_len, dim, rng),
        }
    }

    /// The longest sequence the table covers.
    pub fn max_len(&self) -> usize {
        self.table.vocab()
    }

    /// Values per position.
    pub fn dim(&self) -> usize {
        self.table.dim()
    }

    /// The table, `[max_len, dim]`.
    pub fn weight(&self) -> &Param<T> {
        self.table.weight()
    }
}

impl<T: Float> Layer<T> for PositionEmbedding<T> {
    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::PositionEmbedding {
            max_len: self.max_len(),
            dim: self.dim(),
        })
    }

    fn name(&self) -> String {
        format!("position_embedding {}x{}", self.max_len(), self.dim())
    }

    /// # Panics
    /// If `x` is not `[N, t, dim]` or `t` is more than `max_len`; the message names the layer
    /// and both shapes.
    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let shape = x.shape();
        let (max_len, dim) = (self.max_len(), self.dim());
        let t = match *shape.as_slice() {
            [_, t, d] if d == dim && t <= max_len => t,
            [_, t, d] if d == dim => panic!(
                "{}: an input of shape {:?} has {t} positions, more than the {max_len} of the \
                 table of shape [{max_len}, {dim}]",
                Layer::<T>::name(self),
                shape.as_slice()
            ),
            _ => panic!(
                "{}: expected an input of shape [N, t, {dim}] for a table of shape [{max_len}, \
                 {dim}], got shape {:?}",
                Layer::<T>::name(self),
                shape.as_slice()
            ),
        };
        let table = self.weight().bind(x.tape());
        let rows = if t == max_len {
            table
        } else {
            table.narrow(0, 0, t)
        };
        x + rows
    }

    fn params(&self) -> Vec<&Param<T>> {
        self.table.params()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        self.table.params_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn run(shape: &[usize]) {
        let mut rng = StdRng::seed_from_u64(0);
        let layer = PositionEmbedding::<f64>::new(4, 3, &mut rng);
        let tape = Tape::new();
        let x = tape.constant(Tensor::zeros(shape));
        layer.forward(
            x,
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
    }

    #[test]
    #[should_panic(
        expected = "position_embedding 4x3: an input of shape [2, 5, 3] has 5 \
                               positions, more than the 4 of the table of shape [4, 3]"
    )]
    fn a_sequence_longer_than_the_table_names_both() {
        run(&[2, 5, 3]);
    }

    #[test]
    #[should_panic(
        expected = "position_embedding 4x3: expected an input of shape [N, t, 3] for \
                               a table of shape [4, 3], got shape [2, 4, 2]"
    )]
    fn a_width_other_than_the_table_names_both() {
        run(&[2, 4, 2]);
    }
}
