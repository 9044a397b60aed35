//! The element-wise activations the core does not have, as one node type: each variant states
//! only its function f and derivative f'; forward and the vector-Jacobian product `g * f'(x)`
//! are written once.

use nabla_autodiff::op::sigmoid;
use nabla_autodiff::{BufferPool, CustomOp, Float, Tensor};
use std::borrow::Cow;
use std::f64::consts::FRAC_1_SQRT_2;

/// sqrt(2 / pi), the GELU tanh approximation's scale.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the GELU tanh approximation.
const GELU_CUBIC: f64 = 0.044_715;
/// 1 / sqrt(2 pi), the standard normal density at 0.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// An element-wise activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Pointwise<T> {
    /// x for x > 0, alpha x otherwise.
    LeakyRelu(T),
    /// x for x > 0, alpha (e^x - 1) otherwise.
    Elu(T),
    /// x Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)).
    Gelu,
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    GeluTanh,
    /// ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|).
    Softplus,
    /// x sigmoid(x).
    Silu,
}

impl<T: Float> Pointwise<T> {
    /// f(x).
    pub(crate) fn f(self, x: T) -> T {
        match self {
            Pointwise::LeakyRelu(alpha) => {
                if x > T::ZERO {
                    x
                } else {
                    alpha * x
                }
            }
            Pointwise::Elu(alpha) => {
                if x > T::ZERO {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
            Pointwise::Gelu => T::HALF * x * (T::ONE + (x * T::from_f64(FRAC_1_SQRT_2)).erf()),
            Pointwise::GeluTanh => T::HALF * x * (T::ONE + gelu_tanh_inner(x).tanh()),
            Pointwise::Softplus => stable_softplus(x),
            Pointwise::Silu => x * sigmoid(x),
        }
    }

    /// f'(x).
    pub(crate) fn df(self, x: T) -> T {
        match self {
            Pointwise::LeakyRelu(alpha) => {
                if x > T::ZERO {
                    T::ONE
                } else {
                    alpha
                }
            }
            Pointwise::Elu(alpha) => {
                if x > T::ZERO {
                    T::ONE
                } else {
                    alpha * x.exp()
                }
            }
            Pointwise::Gelu => {
                let cdf = T::HALF * (T::ONE + (x * T::from_f64(FRAC_1_SQRT_2)).erf());
                let density = T::from_f64(INV_SQRT_2PI) * (-T::HALF * x * x).exp();
                cdf + x * density
            }
            Pointwise::GeluTanh => {
                let t = gelu_tanh_inner(x).tanh();
                let sech2 = T::ONE - t * t;
                let outer = T::HALF * (T::ONE + t);
                if sech2 == T::ZERO {
                    // Saturated; skipping the product also avoids 0 * inf for huge |x|.
                    return outer;
                }
                let c = T::from_f64(GELU_CUBIC);
                let du = T::from_f64(SQRT_2_OVER_PI) * (T::ONE + T::from_f64(3.0) * c * x * x);
                outer + T::HALF * x * sech2 * du
            }
            Pointwise::Softplus => sigmoid(x),
            Pointwise::Silu => {
                let s = sigmoid(x);
                s * (T::ONE + x * (T::ONE - s))
            }
        }
    }

    /// The name shown in graph dumps.
    fn name(self) -> Cow<'static, str> {
        match self {
            Pointwise::LeakyRelu(alpha) => format!("leaky_relu {alpha}").into(),
            Pointwise::Elu(alpha) => format!("elu {alpha}").into(),
            Pointwise::Gelu => "gelu".into(),
            Pointwise::GeluTanh => "gelu_tanh".into(),
            Pointwise::Softplus => "softplus".into(),
            Pointwise::Silu => "silu".into(),
        }
    }
}

/// sqrt(2/pi) (x + 0.044715 x^3).
fn gelu_tanh_inner<T: Float>(x: T) -> T {
    T::from_f64(SQRT_2_OVER_PI) * (x + T::from_f64(GELU_CUBIC) * x * x * x)
}

/// ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^-|x|).
pub(crate) fn stable_softplus<T: Float>(x: T) -> T {
    x.max(T::ZERO) + (-x.abs()).exp().ln_1p()
}

impl<T: Float> CustomOp<T> for Pointwise<T> {
    fn name(&self) -> Cow<'_, str> {
        Pointwise::name(*self)
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], pool: &mut BufferPool<T>) -> Tensor<T> {
        let op = *self;
        inputs[0].map_in(pool.take(inputs[0].numel()), |x| op.f(x))
    }

    fn vjp(
        &self,
        _input: usize,
        inputs: &[&Tensor<T>],
        _output: &Tensor<T>,
        grad: &Tensor<T>,
        pool: &mut BufferPool<T>,
    ) -> Option<Tensor<T>> {
        let op = *self;
        let buf = pool.take(grad.numel());
        Some(grad.zip_map_in(inputs[0], buf, "activation", |g, x| g * op.df(x)))
    }

    fn is_elementwise(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_against_published_tables() {
        // GELU(1) = Phi(1) = 0.8413447460685429 (standard normal CDF at 1).
        assert!((Pointwise::<f64>::Gelu.f(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        // GELU(-1) = -(1 - Phi(1)).
        assert!((Pointwise::<f64>::Gelu.f(-1.0) + 0.158_655_253_931_457_1).abs() < 1e-15);
        // The tanh form at 1: 0.5 (1 + tanh(0.7978845608 * 1.044715)).
        let approx = 0.5 * (1.0 + (0.797_884_560_802_865_4_f64 * 1.044_715).tanh());
        assert_eq!(Pointwise::<f64>::GeluTanh.f(1.0), approx);
        assert!((approx - 0.841_191_990_607_477).abs() < 1e-12);
        // softplus(0) = ln 2; silu(1) = sigmoid(1) = 0.7310585786300049.
        assert_eq!(Pointwise::<f64>::Softplus.f(0.0), std::f64::consts::LN_2);
        assert!((Pointwise::<f64>::Silu.f(1.0) - 0.731_058_578_630_004_9).abs() < 1e-15);
        // ELU(-1) with alpha 1 is e^-1 - 1; leaky ReLU scales negatives only.
        assert!((Pointwise::Elu(1.0).f(-1.0_f64) - (-0.632_120_558_828_557_7)).abs() < 1e-15);
        assert_eq!(Pointwise::LeakyRelu(0.1).f(-2.0_f64), -0.2);
        assert_eq!(Pointwise::LeakyRelu(0.1).f(3.0_f64), 3.0);
    }

    #[test]
    fn derivatives_at_hand_worked_points() {
        // GELU'(0) = 0.5; softplus'(0) = 0.5; silu'(0) = 0.5; tanh-GELU'(0) = 0.5.
        for op in [
            Pointwise::Gelu,
            Pointwise::GeluTanh,
            Pointwise::Softplus,
            Pointwise::Silu,
        ] {
            assert_eq!(op.df(0.0_f64), 0.5, "{op:?}");
        }
        // ELU'(x) = alpha e^x for x <= 0; leaky ReLU's slope at 0 is alpha (as in PyTorch).
        assert!((Pointwise::Elu(2.0).df(-1.0_f64) - 2.0 * (-1.0_f64).exp()).abs() < 1e-15);
        assert_eq!(Pointwise::LeakyRelu(0.01).df(0.0_f64), 0.01);
    }

    #[test]
    fn huge_inputs_stay_finite_in_f32() {
        for x in [1e4_f32, -1e4, 1e20, -1e20, f32::MAX, -f32::MAX] {
            for op in [
                Pointwise::Gelu,
                Pointwise::GeluTanh,
                Pointwise::Softplus,
                Pointwise::Silu,
                Pointwise::Elu(1.0),
                Pointwise::LeakyRelu(0.01),
            ] {
                assert!(op.f(x).is_finite(), "{op:?} f({x}) = {}", op.f(x));
                assert!(op.df(x).is_finite(), "{op:?} f'({x}) = {}", op.df(x));
            }
        }
        assert_eq!(stable_softplus(1e4_f32), 1e4);
        assert_eq!(stable_softplus(-1e4_f32), 0.0);
        assert_eq!(Pointwise::Softplus.df(-1e4_f32), 0.0);
        assert_eq!(Pointwise::Softplus.df(1e4_f32), 1.0);
    }
}
