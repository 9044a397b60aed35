//! [`Activation`]: an activation function as a value, for layers and heads to store, print and
//! parse.

use nabla_autodiff::{Float, Var};
use std::fmt;
use std::str::FromStr;

/// An activation function. [`Activation::apply`] records it on a var.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::Activation;
///
/// let act: Activation = "leaky_relu(0.1)".parse().unwrap();
/// assert_eq!(act, Activation::LeakyRelu(0.1));
/// assert_eq!(act.to_string(), "leaky_relu(0.1)");
///
/// let tape = Tape::<f32>::new();
/// let x = tape.param(Tensor::from_vec(vec![-2.0, 3.0], &[1, 2]));
/// assert_eq!(act.apply(x).value().data(), &[-0.2, 3.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Activation {
    /// `x` (a linear layer or output).
    #[default]
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x > 0`, `alpha x` otherwise; the field is `alpha`.
    LeakyRelu(f64),
    /// `x` for `x > 0`, `alpha (e^x - 1)` otherwise; the field is `alpha`.
    Elu(f64),
    /// `x Phi(x)`, the exact GELU.
    Gelu,
    /// GELU by its tanh approximation.
    GeluTanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `ln(1 + e^x)`.
    Softplus,
    /// `x sigmoid(x)` (swish).
    Silu,
    /// Softmax along the last axis.
    Softmax,
}

impl Activation {
    /// Every activation, those with a parameter at their default (PyTorch's: 0.01 for leaky
    /// ReLU, 1 for ELU).
    pub const ALL: [Activation; 11] = [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu(0.01),
        Activation::Elu(1.0),
        Activation::Gelu,
        Activation::GeluTanh,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softplus,
        Activation::Silu,
        Activation::Softmax,
    ];

    /// Records the activation on `x` (softmax along `x`'s last axis).
    pub fn apply<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        match self {
            Activation::Identity => super::identity(x),
            Activation::Relu => super::relu(x),
            Activation::LeakyRelu(alpha) => super::leaky_relu(x, T::from_f64(alpha)),
            Activation::Elu(alpha) => super::elu(x, T::from_f64(alpha)),
            Activation::Gelu => super::gelu(x),
            Activation::GeluTanh => super::gelu_tanh(x),
            Activation::Sigmoid => super::sigmoid(x),
            Activation::Tanh => super::tanh(x),
            Activation::Softplus => super::softplus(x),
            Activation::Silu => super::silu(x),
            Activation::Softmax => {
                let last = x.shape().len().saturating_sub(1);
                super::softmax(x, last)
            }
        }
    }

    /// The function's name without parameters, as accepted by [`str::parse`]: `"relu"`,
    /// `"leaky_relu"`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
            Activation::Elu(_) => "elu",
            Activation::Gelu => "gelu",
            Activation::GeluTanh => "gelu_tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
            Activation::Silu => "silu",
            Activation::Softmax => "softmax",
        }
    }
}

/// The name, with the parameter in parentheses where there is one: `leaky_relu(0.01)`.
impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::LeakyRelu(alpha) | Activation::Elu(alpha) => {
                write!(f, "{}({alpha})", self.name())
            }
            _ => f.write_str(self.name()),
        }
    }
}

/// Why a string did not parse as an [`Activation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseActivationError {
    input: String,
}

impl fmt::Display for ParseActivationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown activation '{}'; expected one of identity (or linear), relu, leaky_relu, \
             leaky_relu(alpha), elu, elu(alpha), gelu, gelu_tanh, sigmoid, tanh, softplus, silu \
             (or swish), softmax",
            self.input
        )
    }
}

impl std::error::Error for ParseActivationError {}

/// Parses the names [`Activation::name`] gives (case-insensitive), plus `linear` and `swish`;
/// `leaky_relu` and `elu` take an optional `(alpha)`, defaulting to 0.01 and 1 as in PyTorch.
impl FromStr for Activation {
    type Err = ParseActivationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseActivationError {
            input: s.to_owned(),
        };
        let lower = s.trim().to_ascii_lowercase();
        let (name, alpha) = match lower.split_once('(') {
            Some((name, rest)) => {
                let inner = rest.strip_suffix(')').ok_or_else(err)?;
                let alpha: f64 = inner.trim().parse().map_err(|_| err())?;
                (name.trim(), Some(alpha))
            }
            None => (lower.as_str(), None),
        };
        let plain = |a: Activation| if alpha.is_none() { Ok(a) } else { Err(err()) };
        match name {
            "identity" | "linear" => plain(Activation::Identity),
            "relu" => plain(Activation::Relu),
            "leaky_relu" => Ok(Activation::LeakyRelu(alpha.unwrap_or(0.01))),
            "elu" => Ok(Activation::Elu(alpha.unwrap_or(1.0))),
            "gelu" => plain(Activation::Gelu),
            "gelu_tanh" => plain(Activation::GeluTanh),
            "sigmoid" => plain(Activation::Sigmoid),
            "tanh" => plain(Activation::Tanh),
            "softplus" => plain(Activation::Softplus),
            "silu" | "swish" => plain(Activation::Silu),
            "softmax" => plain(Activation::Softmax),
            _ => Err(err()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};

    #[test]
    fn display_parses_back_to_the_same_value() {
        let with_parameters = [Activation::LeakyRelu(0.2), Activation::Elu(0.5)];
        for act in Activation::ALL.into_iter().chain(with_parameters) {
            assert_eq!(act.to_string().parse::<Activation>(), Ok(act));
            assert!(act.to_string().starts_with(act.name()));
        }
        assert_eq!("Swish".parse(), Ok(Activation::Silu));
        assert_eq!("linear".parse(), Ok(Activation::Identity));
        assert_eq!("leaky_relu".parse(), Ok(Activation::LeakyRelu(0.01)));
        assert_eq!("elu".parse(), Ok(Activation::Elu(1.0)));
        assert_eq!(Activation::ALL[2].to_string(), "leaky_relu(0.01)");
    }

    #[test]
    fn bad_names_are_refused_with_the_choices() {
        for bad in ["relu6", "relu(0.1)", "elu(x)", "leaky_relu(0.1"] {
            let e = bad.parse::<Activation>().unwrap_err().to_string();
            assert!(
                e.contains(&format!("'{bad}'")) && e.contains("gelu_tanh"),
                "{e}"
            );
        }
    }

    #[test]
    fn apply_computes_each_function_at_one_point() {
        // Row [-1, 0.5]: hand-worked values of each function.
        let s = |x: f64| 1.0 / (1.0 + (-x).exp());
        let expected: [(Activation, [f64; 2]); 8] = [
            (Activation::Identity, [-1.0, 0.5]),
            (Activation::Relu, [0.0, 0.5]),
            (Activation::LeakyRelu(0.2), [-0.2, 0.5]),
            (Activation::Elu(0.5), [0.5 * ((-1.0_f64).exp() - 1.0), 0.5]),
            (Activation::Sigmoid, [s(-1.0), s(0.5)]),
            (Activation::Tanh, [(-1.0_f64).tanh(), 0.5_f64.tanh()]),
            (Activation::Silu, [-s(-1.0), 0.5 * s(0.5)]),
            (Activation::Softmax, [s(-1.5), s(1.5)]),
        ];
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::from_vec(vec![-1.0, 0.5], &[1, 2]));
        for (act, want) in expected {
            let got = act.apply(x).value().clone();
            for (g, w) in got.data().iter().zip(want) {
                assert!((g - w).abs() < 1e-15, "{act}: {g} vs {w}");
            }
        }
        let sp = Activation::Softplus.apply(x).value().data()[1];
        assert!((sp - (1.0 + 0.5_f64.exp()).ln()).abs() < 1e-15);
    }
}
