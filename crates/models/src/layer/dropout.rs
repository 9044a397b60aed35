//! [`Dropout`]: zeroes a random share of activations while training.

use super::{ForwardCtx, Layer};
use crate::param::Param;
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

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }
}
