//! Activation functions, each recorded as one node.
//!
//! `relu`, `sigmoid` and `tanh` are the core's own primitives; the other element-wise ones share
//! one node type that states f and f' per function; `softmax` and `log_softmax` work along an
//! axis. All are numerically stable: `sigmoid`, `softplus` and `silu` stay finite for any finite
//! input, and the softmax family subtracts each lane's maximum before exponentiating.
//!
//! [`Activation`] names one of them as a value, for layers and heads to store.

mod kind;
mod pointwise;
mod softmax;

pub use kind::{Activation, ParseActivationError};

pub(crate) use pointwise::stable_softplus;
pub(crate) use softmax::{Lane, max_and_log_sum};

use nabla_autodiff::{Float, Var};
use pointwise::Pointwise;
use softmax::{Kind, SoftmaxOp};

/// The identity, `f(x) = x` (a linear output). Records nothing and returns `x` itself.
pub fn identity<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x
}

/// `max(x, 0)`, element-wise; its derivative at 0 is taken as 0.
pub fn relu<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.relu()
}

/// Leaky ReLU: `x` for `x > 0`, `alpha x` otherwise (derivative `alpha` at 0, as in PyTorch).
pub fn leaky_relu<'t, T: Float>(x: Var<'t, T>, alpha: T) -> Var<'t, T> {
    x.apply(Pointwise::LeakyRelu(alpha), &[])
}

/// ELU: `x` for `x > 0`, `alpha (e^x - 1)` otherwise.
pub fn elu<'t, T: Float>(x: Var<'t, T>, alpha: T) -> Var<'t, T> {
    x.apply(Pointwise::Elu(alpha), &[])
}

/// GELU in its exact form, `x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))`, Phi the standard normal
/// CDF. Derivative `Phi(x) + x phi(x)`, phi the normal density.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![1.0], &[1]));
/// let y = nabla_ops::gelu(x);
/// assert!((y.item() - 0.8413447460685429).abs() < 1e-15); // Phi(1)
/// ```
pub fn gelu<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.apply(Pointwise::Gelu, &[])
}

/// GELU by its tanh approximation, `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
pub fn gelu_tanh<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.apply(Pointwise::GeluTanh, &[])
}

/// The logistic function `1 / (1 + e^-x)`, element-wise, computed without overflow (from
/// `e^x / (1 + e^x)` for negative `x`).
pub fn sigmoid<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.sigmoid()
}

/// Hyperbolic tangent, element-wise.
pub fn tanh<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.tanh()
}

/// Softplus `ln(1 + e^x)`, computed as `max(x, 0) + ln(1 + e^-|x|)` so that it never overflows.
/// Its derivative is `sigmoid(x)`.
pub fn softplus<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.apply(Pointwise::Softplus, &[])
}

/// SiLU, also called swish: `x sigmoid(x)`.
pub fn silu<'t, T: Float>(x: Var<'t, T>) -> Var<'t, T> {
    x.apply(Pointwise::Silu, &[])
}

/// Softmax along `axis`: `s_k = e^(x_k - m) / sum_j e^(x_j - m)`, `m` the maximum of the lane,
/// so each lane along `axis` is a probability distribution. Backward computes
/// `s * (g - sum(g * s))` lane by lane.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let z = tape.param(Tensor::from_vec(vec![0.0, 2.0_f64.ln()], &[1, 2]));
/// let p = nabla_ops::softmax(z, 1);
/// assert!((p.value().data()[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
///
/// # Panics
/// If `axis` is out of range for `x`'s shape.
pub fn softmax<'t, T: Float>(x: Var<'t, T>, axis: usize) -> Var<'t, T> {
    x.apply(
        SoftmaxOp {
            kind: Kind::Softmax,
            axis,
        },
        &[],
    )
}

/// Log-softmax along `axis`: `x_k - m - ln sum_j e^(x_j - m)`, `m` the lane maximum; finite
/// wherever `x` is. Backward computes `g - softmax(x) * sum(g)` lane by lane.
///
/// # Panics
/// If `axis` is out of range for `x`'s shape.
pub fn log_softmax<'t, T: Float>(x: Var<'t, T>, axis: usize) -> Var<'t, T> {
    x.apply(
        SoftmaxOp {
            kind: Kind::LogSoftmax,
            axis,
        },
        &[],
    )
}
