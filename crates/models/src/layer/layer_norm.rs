//! [`LayerNorm`]: normalises each sample's features to zero mean and unit variance.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, StateSource};
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

    /// With this `eps` added to the variance.
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
}

/// `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis of `x`, from tape
/// primitives.
pub fn layer_norm<'t, T: Float>(
    x: Var<'t, T>,
    gamma: Var<'t, T>,
    beta: Var<'t, T>,
    eps: f64,
) -> Var<'t, T> {
    let last = x.shape().len() - 1;
    let centred = x - x.mean_axes(&[last], true);
    let var = (centred * centred).mean_axes(&[last], true);
    let normed = centred / (var + T::from_f64(eps)).sqrt();
    normed * gamma + beta
}

impl<T: Float> Layer<T> for LayerNorm<T> {
    fn name(&self) -> String {
        "layer_norm".into()
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let tape = x.tape();
        layer_norm(x, self.gamma.bind(tape), self.beta.bind(tape), self.eps)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.gamma, &self.beta]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.gamma, &mut self.beta]
    }

    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::LayerNorm {
            features: self.gamma.numel(),
            eps: self.eps,
        })
    }

    /// `gamma` and `beta` under `nn.LayerNorm`'s names, `weight` and `bias`.
    fn state(&self) -> NamedTensors<T> {
        vec![
            ("weight".into(), self.gamma.value().clone()),
            ("bias".into(), self.beta.value().clone()),
        ]
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        let shape = [self.gamma.numel()];
        let gamma = source.take("weight", &shape)?;
        let beta = source.take("bias", &shape)?;
        self.gamma.set_value(gamma);
        self.beta.set_value(beta);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{GradCheck, Tape};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn normalises_each_row_by_hand() {
        // Row [1, 2, 3]: mean 2, biased variance 2/3, so y = (x - 2) / sqrt(2/3 + 1e-5).
        let tape = Tape::<f64>::new();
        let mut rng = StdRng::seed_from_u64(0);
        let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]));
        let y = LayerNorm::new(3).forward(
            x,
            &mut ForwardCtx {
                training: true,
                rng: &mut rng,
            },
        );
        let s = (2.0_f64 / 3.0 + 1e-5).sqrt();
        for (got, want) in y.value().data().iter().zip([-1.0 / s, 0.0, 1.0 / s]) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let mut rng = StdRng::seed_from_u64(3);
        let x = Tensor::<f64>::randn(&[4, 5], 0.5, 2.0, &mut rng);
        let gamma = Tensor::<f64>::randn(&[5], 1.0, 0.3, &mut rng);
        let beta = Tensor::<f64>::randn(&[5], 0.0, 0.3, &mut rng);
        GradCheck::new()
            .names(&["x", "gamma", "beta"])
            .check(&[x, gamma, beta], |_tape, v| {
                layer_norm(v[0], v[1], v[2], 1e-5).tanh()
            })
            .unwrap();
    }
}
