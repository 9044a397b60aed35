//! [`LayerNorm`]: normalises each sample's features to zero mean and unit variance.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use nabla_autodiff::{Float, Tensor, Var};

/// Layer normalisation (Ba, Kiros & Hinton, 2016) over the last axis:
/// `y = (x - mean) / sqrt(var + eps) * gamma + beta`, with the biased variance, `gamma`
/// starting at 1 and `beta` at 0. Built from tape primitives, so its gradient is exact.
#[derive(Debug, Clone)]
pub struct LayerNorm<T: Float> {
    gamma: Param<T>,
    beta: Param<T>,
    eps: f64,
}

impl<T: Float> LayerNorm<T> {
    /// Normalisation over `features` features with eps 1e-5.
    pub fn new(features: usize) -> Self {
        LayerNorm {
            gamma: Param::new("gamma", Tensor::ones(&[features])),
            beta: Param::new("beta", Tensor::zeros(&[features])),
            eps: 1e-5,
        }
    }
}

impl<T: Float> Layer<T> for LayerNorm<T> {
    fn name(&self) -> String {
        "layer_norm".into()
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let tape = x.tape();
        let last = x.shape().len() - 1;
        let centred = x - x.mean_axes(&[last], true);
        let var = (centred * centred).mean_axes(&[last], true);
        let normed = centred / (var + T::from_f64(self.eps)).sqrt();
        normed * self.gamma.bind(tape) + self.beta.bind(tape)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.gamma, &self.beta]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.gamma, &mut self.beta]
    }
}
