//! [`Dropout`]: zeroes a random share of activations while training.

use super::{ForwardCtx, Layer};
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Tensor, Var};
use rand::Rng;

/// Inverted dropout: while training, each element is zeroed with probability `rate` and the
/// survivors are scaled by `1 / (1 - rate)`, so evaluation needs no rescaling and passes `x`
/// through unchanged.
#[derive(Debug, Clone, Copy)]
pub struct Dropout {
    rate: f64,
}

impl Dropout {
    /// Dropout with drop probability `rate`.
    ///
    /// # Panics
    /// If `rate` is not in `[0, 1)`.
    pub fn new(rate: f64) -> Self {
        assert!(
            (0.0..1.0).contains(&rate),
            "dropout: rate must be in [0, 1), got {rate}"
        );
        Dropout { rate }
    }
}

impl<T: Float> Layer<T> for Dropout {
    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::Dropout { rate: self.rate })
    }

    fn name(&self) -> String {
        format!("dropout {}", self.rate)
    }

    fn forward<'t>(&self, x: Var<'t, T>, ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        if !ctx.training || self.rate == 0.0 {
            return x;
        }
        let keep = T::from_f64(1.0 / (1.0 - self.rate));
        let shape = x.shape();
        let mask = Tensor::from_fn(&shape, |_| {
            if ctx.rng.random::<f64>() < self.rate {
                T::ZERO
            } else {
                keep
            }
        });
        x * x.tape().constant(mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tape;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn drops_the_rate_while_training_and_nothing_in_evaluation() {
        let tape = Tape::<f64>::new();
        let mut rng = StdRng::seed_from_u64(0);
        let x = tape.constant(Tensor::ones(&[100, 100]));
        let layer = Dropout::new(0.3);
        let y = layer.forward(
            x,
            &mut ForwardCtx {
                training: true,
                rng: &mut rng,
            },
        );
        let kept = y.value().data().iter().filter(|&&v| v != 0.0).count();
        assert!((6_700..7_300).contains(&kept), "kept {kept} of 10000");
        assert!(
            y.value()
                .data()
                .iter()
                .all(|&v| v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-15)
        );
        let e = layer.forward(
            x,
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
        assert_eq!(e.id(), x.id(), "evaluation passes the input through");
    }
}
