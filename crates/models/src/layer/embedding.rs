//! [`Embedding`]: a learned vector for each token id.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Var};
use nabla_ops::Init;
use rand::Rng;

/// A table of `vocab` learned vectors of `dim` values, one per token id: the input holds ids
/// as float values (`[N, t]` contexts, say, or any shape `[N, ...]`), and each id is replaced
/// by its row of the table, giving `[N, ..., dim]` (PyTorch's `nn.Embedding`). The table
/// starts as N(0, 1), as in PyTorch. The gradient of a row adds up over every place its id
/// was read; ids get no gradient.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{Embedding, ForwardCtx, Layer};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let embed = Embedding::<f32>::new(27, 32, &mut rng);
/// assert_eq!(embed.param_count(), 27 * 32);
/// let tape = Tape::new();
/// let ids = tape.constant(Tensor::from_vec(vec![0.0, 5.0, 26.0, 5.0], &[2, 2]));
/// let y = embed.forward(ids, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[2, 2, 32]);
/// assert_eq!(&y.value().data()[..32], &embed.weight().value().data()[..32]); // row of id 0
/// ```
///
/// # Panics
/// [`Layer::forward`] panics if an id is not a whole number from 0 to `vocab - 1`: the
/// message names the layer, the id, its position and the vocabulary size. A wrong id never
/// gives numbers silently.
#[derive(Debug, Clone)]
pub struct Embedding<T: Float> {
    weight: Param<T>,
}

impl<T: Float> Embedding<T> {
    /// A table of `vocab` rows of `dim` values drawn from N(0, 1).
    pub fn new<R: Rng + ?Sized>(vocab: usize, dim: usize, rng: &mut R) -> Self {
        let init = Init::Normal {
            mean: 0.0,
            std: 1.0,
        };
        Embedding {
            weight: Param::new("weight", init.tensor(&[vocab, dim], vocab, dim, rng)),
        }
    }

    /// Number of ids the table holds.
    pub fn vocab(&self) -> usize {
        self.weight.value().shape()[0]
    }

    /// Values per id.
    pub fn dim(&self) -> usize {
        self.weight.value().shape()[1]
    }

    /// The table, `[vocab, dim]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }
}

impl<T: Float> Layer<T> for Embedding<T> {
    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::Embedding {
            vocab: self.vocab(),
            dim: self.dim(),
        })
    }

    fn name(&self) -> String {
        format!("embedding {}x{}", self.vocab(), self.dim())
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let vocab = self.vocab();
        let ids = x.value();
        if let Some(at) = ids.data().iter().position(|&id| {
            let id = id.to_f64();
            !(id >= 0.0 && id.fract() == 0.0 && id < vocab as f64)
        }) {
            panic!(
                "{}: id {} at position {:?} of ids of shape {:?} is not a token id; ids must be \
                 whole numbers from 0 to {} for a vocabulary of {vocab}",
                Layer::<T>::name(self),
                ids.data()[at],
                unravel(at, ids.shape()),
                ids.shape(),
                vocab.saturating_sub(1)
            );
        }
        self.weight.bind(x.tape()).lookup(x)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.weight]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight]
    }
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &extent) in shape.iter().enumerate().rev() {
        index[i] = flat % extent.max(1);
        flat /= extent.max(1);
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn embed(ids: Vec<f64>, shape: &[usize]) {
        let mut rng = StdRng::seed_from_u64(0);
        let layer = Embedding::<f64>::new(5, 3, &mut rng);
        let tape = Tape::new();
        let x = tape.constant(Tensor::from_vec(ids, shape));
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
        expected = "embedding 5x3: id 5 at position [1, 0] of ids of shape [2, 2] is \
                               not a token id; ids must be whole numbers from 0 to 4 for a \
                               vocabulary of 5"
    )]
    fn an_id_past_the_vocabulary_names_itself_and_the_vocabulary() {
        embed(vec![0.0, 4.0, 5.0, 1.0], &[2, 2]);
    }

    #[test]
    #[should_panic(expected = "embedding 5x3: id 1.5 at position [0, 1]")]
    fn a_fractional_id_is_refused() {
        embed(vec![0.0, 1.5], &[1, 2]);
    }

    #[test]
    #[should_panic(expected = "embedding 5x3: id -1 at position [0]")]
    fn a_negative_id_is_refused() {
        embed(vec![-1.0], &[1]);
    }

    #[test]
    #[should_panic(expected = "embedding 5x3: id NaN at position [0]")]
    fn a_nan_id_is_refused() {
        embed(vec![f64::NAN], &[1]);
    }
}
