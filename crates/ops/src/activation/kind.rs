//! The activations as a table: one row per function. A row gives the [`Activation`] variant
//! (with its parameter and default, if any), the name it prints and parses as (and any
//! aliases), and either
//!
//! - `elementwise NAME { f: ..., df: ... }`: the function's value and derivative, from which
//!   the public function `NAME`, its node (an [`ElementwiseFn`]) with the fast and the
//!   recorded backward pass, and its graph-dump name follow; or
//! - `apply [NAME] { |x| ... }`: what to record on a var, for the activations the core already
//!   has (relu, sigmoid, tanh) and softmax.
//!
//! Every row also feeds [`Activation::ALL`], `Display`, parsing and the parse error's list of
//! choices. Adding an activation is one row here plus one gradient-check row in the tests.

use crate::activation::softmax;
use nabla_autodiff::{Elem, ElementwiseFn, Float, Var};
use std::borrow::Cow;
use std::f64::consts::FRAC_1_SQRT_2;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

/// sqrt(2 / pi), the GELU tanh approximation's scale.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the GELU tanh approximation.
const GELU_CUBIC: f64 = 0.044_715;
/// 1 / sqrt(2 pi), the standard normal density at 0.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// Beyond this |x| the tanh in GELU's approximation is exactly +-1 in both float types, so
/// its slope term can use a clamped x without changing the value (and without overflowing).
const GELU_TANH_SATURATED: f64 = 100.0;

macro_rules! activations {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident $(($p:ident = $default:expr))? $name:literal $(| $alias:literal)*
            => $kind:ident $($fname:ident)? { $($body:tt)* }
    )+) => {
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
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum Activation {
            $( $(#[doc = $doc])+ $variant $((activations!(@f64 $p)))?, )+
        }

        impl Activation {
            /// Every activation, those with a parameter at their default (PyTorch's: 0.01 for
            /// leaky ReLU, 1 for ELU).
            pub const ALL: [Activation; [$(activations!(@unit $variant)),+].len()] =
                [ $( Activation::$variant $(($default))?, )+ ];

            /// Records the activation on `x` (softmax along `x`'s last axis).
            pub fn apply<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
                match self {
                    $( Activation::$variant $(($p))? =>
                        activations!(@apply x, [$($p)?], $kind $($fname)? { $($body)* }), )+
                }
            }

            /// The function's name without parameters, as accepted by [`str::parse`]:
            /// `"relu"`, `"leaky_relu"`, ...
            pub fn name(&self) -> &'static str {
                match self {
                    $( Activation::$variant { .. } => $name, )+
                }
            }

            /// The parameter, for the activations that have one (leaky ReLU's and ELU's
            /// alpha).
            pub fn parameter(&self) -> Option<f64> {
                match *self {
                    $( Activation::$variant $(($p))? => activations!(@some $($p)?), )+
                }
            }
        }

        /// Every accepted spelling, as the parse error lists them.
        const CHOICES: &str = concat!($(
            $name, $(" (or ", $alias, ")",)* $(", ", $name, "(", stringify!($p), ")",)? ", "
        ),+);

        /// Parses the names [`Activation::name`] gives (case-insensitive) and their aliases;
        /// an activation with a parameter takes an optional `(value)`, defaulting as in
        /// [`Activation::ALL`].
        impl FromStr for Activation {
            type Err = ParseActivationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let err = || ParseActivationError { input: s.to_owned() };
                let lower = s.trim().to_ascii_lowercase();
                let (name, value) = match lower.split_once('(') {
                    Some((name, rest)) => {
                        let inner = rest.strip_suffix(')').ok_or_else(err)?;
                        let value: f64 = inner.trim().parse().map_err(|_| err())?;
                        (name.trim(), Some(value))
                    }
                    None => (lower.as_str(), None),
                };
                match name {
                    $( $name $(| $alias)* =>
                        activations!(@parse value, err, $variant $(($default))?), )+
                    _ => Err(err()),
                }
            }
        }

        $( activations!(@item [$(#[doc = $doc])+] $variant [$($p)?] $name,
            $kind $($fname)? { $($body)* }); )+
    };

    (@f64 $p:ident) => { f64 };
    (@unit $variant:ident) => { () };
    (@name $self:ident, $name:literal,) => { $name.into() };
    (@name $self:ident, $name:literal, $p:ident) => { format!(concat!($name, " {}"), $self.$p).into() };
    (@some) => { None };
    (@some $p:ident) => { Some($p) };
    (@parse $value:ident, $err:ident, $variant:ident) => {
        if $value.is_none() { Ok(Activation::$variant) } else { Err($err()) }
    };
    (@parse $value:ident, $err:ident, $variant:ident($default:expr)) => {
        Ok(Activation::$variant($value.unwrap_or($default)))
    };

    // Recording: an element-wise row calls its public function, an `apply` row its closure.
    (@apply $x:ident, [$($p:ident)?], elementwise $fname:ident { $($body:tt)* }) => {
        $fname($x $(, T::from_f64($p))?)
    };
    (@apply $x:ident, [], apply $($fname:ident)? { |$v:ident| $e:expr }) => {{
        let $v = $x;
        $e
    }};

    // An element-wise row: its node type and its public function.
    (@item [$(#[doc = $doc:literal])+] $variant:ident [$($p:ident)?] $name:literal,
        elementwise $fname:ident {
            f: |$fx:ident| $f:expr,
            df: |$dx:pat_param, $dy:pat_param| $df:expr $(,)?
        }) => {
        #[doc = concat!("The node of [`", stringify!($fname), "`].")]
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) struct $variant<T> {
            $( pub(crate) $p: T, )?
            _type: PhantomData<T>,
        }

        impl<T: Float> $variant<T> {
            /// The function, with its parameter if it has one.
            #[allow(dead_code)]
            pub(crate) fn new($($p: T)?) -> Self {
                $variant { $($p,)? _type: PhantomData }
            }
        }

        impl<T: Float> ElementwiseFn<T> for $variant<T> {
            fn name(&self) -> Cow<'static, str> {
                activations!(@name self, $name, $($p)?)
            }

            #[inline(always)]
            fn f(&self, $fx: T) -> T {
                $( let $p = self.$p; )?
                $f
            }

            #[inline(always)]
            fn df<S: Elem<T>>(&self, x: S, y: S) -> S {
                $( let $p = self.$p; )?
                let ($dx, $dy) = (x, y);
                $df
            }
        }

        $(#[doc = $doc])+
        pub fn $fname<'t, T: Float>(x: Var<'t, T> $(, $p: T)?) -> Var<'t, T> {
            x.elementwise($variant::new($($p)?))
        }
    };

    // An `apply` row with a public function of its own.
    (@item [$(#[doc = $doc:literal])+] $variant:ident [] $name:literal,
        apply $fname:ident { |$v:ident| $e:expr }) => {
        $(#[doc = $doc])+
        pub fn $fname<'t, T: Float>($v: Var<'t, T>) -> Var<'t, T> {
            $e
        }
    };
    (@item [$(#[doc = $doc:literal])+] $variant:ident [] $name:literal,
        apply { |$v:ident| $e:expr }) => {};
}

activations! {
    /// The identity `x` (a linear layer or output). Records nothing and returns `x` itself.
    Identity "identity" | "linear" => apply identity { |x| x }

    /// `max(x, 0)`; its derivative at 0 is taken as 0.
    Relu "relu" => apply relu { |x| x.relu() }

    /// Leaky ReLU: `x` for `x > 0`, `alpha x` otherwise (derivative `alpha` at 0, as in
    /// PyTorch).
    LeakyRelu(alpha = 0.01) "leaky_relu" => elementwise leaky_relu {
        f: |x| if x > T::ZERO { x } else { alpha * x },
        df: |x, _| x.above(T::ZERO) + x.at_most(T::ZERO) * alpha,
    }

    /// ELU: `x` for `x > 0`, `alpha (e^x - 1)` otherwise.
    Elu(alpha = 1.0) "elu" => elementwise elu {
        f: |x| if x > T::ZERO { x } else { alpha * x.exp_m1() },
        // e^min(x, 0): the branch not taken stays finite, so no 0 * inf.
        df: |x, _| x.above(T::ZERO) + x.at_most(T::ZERO) * x.clamp(T::NEG_INFINITY, T::ZERO).exp() * alpha,
    }

    /// GELU in its exact form, `x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))`, Phi the standard
    /// normal CDF. Derivative `Phi(x) + x phi(x)`, phi the normal density.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_vec(vec![1.0], &[1]));
    /// let y = nabla_ops::gelu(x);
    /// assert!((y.item() - 0.8413447460685429).abs() < 1e-15); // Phi(1)
    /// ```
    Gelu "gelu" => elementwise gelu {
        f: |x| T::HALF * x * (T::ONE + (x * T::from_f64(FRAC_1_SQRT_2)).erf()),
        df: |x, _| {
            let cdf = ((x * T::from_f64(FRAC_1_SQRT_2)).erf() + T::ONE) * T::HALF;
            let density = (x.square() * -T::HALF).exp() * T::from_f64(INV_SQRT_2PI);
            cdf + x * density
        },
    }

    /// GELU by its tanh approximation, `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    GeluTanh "gelu_tanh" => elementwise gelu_tanh {
        f: |x| {
            let u = T::from_f64(SQRT_2_OVER_PI) * (x + T::from_f64(GELU_CUBIC) * x * x * x);
            T::HALF * x * (T::ONE + u.tanh())
        },
        df: |x, _| {
            let k = T::from_f64(SQRT_2_OVER_PI);
            let c = T::from_f64(GELU_CUBIC);
            let t = ((x.square() * c + T::ONE) * x * k).tanh();
            let saturated = T::from_f64(GELU_TANH_SATURATED);
            let xc = x.clamp(-saturated, saturated);
            let du = (xc.square() * (T::from_f64(3.0) * c) + T::ONE) * k;
            (t + T::ONE) * T::HALF + x * t.square().rsub(T::ONE) * du * T::HALF
        },
    }

    /// The logistic function `1 / (1 + e^-x)`, computed without overflow (from
    /// `e^x / (1 + e^x)` for negative `x`).
    Sigmoid "sigmoid" => apply sigmoid { |x| x.sigmoid() }

    /// Hyperbolic tangent.
    Tanh "tanh" => apply tanh { |x| x.tanh() }

    /// Softplus `ln(1 + e^x)`, computed as `max(x, 0) + ln(1 + e^-|x|)` so that it never
    /// overflows. Its derivative is `sigmoid(x)`.
    Softplus "softplus" => elementwise softplus {
        f: |x| stable_softplus(x),
        df: |x, _| x.sigmoid(),
    }

    /// SiLU, also called swish: `x sigmoid(x)`.
    Silu "silu" | "swish" => elementwise silu {
        f: |x| x * scalar_sigmoid(x),
        df: |x, _| {
            let s = x.sigmoid();
            s * (x * s.rsub(T::ONE) + T::ONE)
        },
    }

    /// Softsign `x / (1 + |x|)`, with derivative `1 / (1 + |x|)^2`.
    Softsign "softsign" => elementwise softsign {
        f: |x| x / (T::ONE + x.abs()),
        df: |x, _| (x.abs() + T::ONE).square().reciprocal(),
    }

    /// Mish `x tanh(softplus(x))`, with derivative
    /// `tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2)`, `sp = softplus(x)`.
    Mish "mish" => elementwise mish {
        f: |x| x * stable_softplus(x).tanh(),
        df: |x, _| {
            let t = x.elementwise(Softplus::new()).tanh();
            t + x * x.sigmoid() * t.square().rsub(T::ONE)
        },
    }

    /// Softmax along the last axis (see [`softmax`](crate::softmax) for any axis).
    Softmax "softmax" => apply {
        |x| softmax(x, x.shape().len().saturating_sub(1))
    }
}

/// The identity: a linear output. (Written out because the table's rows cannot carry
/// `#[default]`.)
#[allow(clippy::derivable_impls)]
impl Default for Activation {
    fn default() -> Self {
        Activation::Identity
    }
}

/// ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^-|x|).
pub(crate) fn stable_softplus<T: Float>(x: T) -> T {
    x.max(T::ZERO) + (-x.abs()).exp().ln_1p()
}

/// The logistic function of one number, without overflow for any finite input.
pub(crate) fn scalar_sigmoid<T: Float>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}

/// The name, with the parameter in parentheses where there is one: `leaky_relu(0.01)`.
impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parameter() {
            Some(value) => write!(f, "{}({value})", self.name()),
            None => f.write_str(self.name()),
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
        let choices = CHOICES.trim_end_matches(", ");
        write!(
            f,
            "unknown activation '{}'; expected one of {choices}",
            self.input
        )
    }
}

impl std::error::Error for ParseActivationError {}

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
        assert_eq!(Activation::ALL.len(), 13);
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
        let e = "relu6".parse::<Activation>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown activation 'relu6'; expected one of identity (or linear), relu, leaky_relu, \
             leaky_relu(alpha), elu, elu(alpha), gelu, gelu_tanh, sigmoid, tanh, softplus, silu \
             (or swish), softsign, mish, softmax"
        );
    }

    #[test]
    fn apply_computes_each_function_at_one_point() {
        // Row [-1, 0.5]: hand-worked values of each function.
        let s = |x: f64| 1.0 / (1.0 + (-x).exp());
        let sp = |x: f64| (1.0 + x.exp()).ln();
        let expected: [(Activation, [f64; 2]); 10] = [
            (Activation::Identity, [-1.0, 0.5]),
            (Activation::Relu, [0.0, 0.5]),
            (Activation::LeakyRelu(0.2), [-0.2, 0.5]),
            (Activation::Elu(0.5), [0.5 * ((-1.0_f64).exp() - 1.0), 0.5]),
            (Activation::Sigmoid, [s(-1.0), s(0.5)]),
            (Activation::Tanh, [(-1.0_f64).tanh(), 0.5_f64.tanh()]),
            (Activation::Silu, [-s(-1.0), 0.5 * s(0.5)]),
            (Activation::Softmax, [s(-1.5), s(1.5)]),
            (Activation::Softsign, [-0.5, 0.5 / 1.5]),
            (Activation::Mish, [-sp(-1.0).tanh(), 0.5 * sp(0.5).tanh()]),
        ];
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::from_vec(vec![-1.0, 0.5], &[1, 2]));
        for (act, want) in expected {
            let got = act.apply(x).value();
            for (g, w) in got.data().iter().zip(want) {
                assert!((g - w).abs() < 1e-15, "{act}: {g} vs {w}");
            }
        }
        let got = Activation::Softplus.apply(x).value().data()[1];
        assert!((got - sp(0.5)).abs() < 1e-15);
    }

    #[test]
    fn values_against_published_tables() {
        // GELU(1) = Phi(1) = 0.8413447460685429 (standard normal CDF at 1).
        assert!((Gelu::<f64>::new().f(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        // GELU(-1) = -(1 - Phi(1)).
        assert!((Gelu::<f64>::new().f(-1.0) + 0.158_655_253_931_457_1).abs() < 1e-15);
        // The tanh form at 1: 0.5 (1 + tanh(0.7978845608 * 1.044715)).
        let approx = 0.5 * (1.0 + (0.797_884_560_802_865_4_f64 * 1.044_715).tanh());
        assert_eq!(GeluTanh::<f64>::new().f(1.0), approx);
        assert!((approx - 0.841_191_990_607_477).abs() < 1e-12);
        // softplus(0) = ln 2; silu(1) = sigmoid(1) = 0.7310585786300049.
        assert_eq!(Softplus::<f64>::new().f(0.0), std::f64::consts::LN_2);
        assert!((Silu::<f64>::new().f(1.0) - 0.731_058_578_630_004_9).abs() < 1e-15);
        // ELU(-1) with alpha 1 is e^-1 - 1; leaky ReLU scales negatives only.
        assert!((Elu::new(1.0).f(-1.0_f64) - (-0.632_120_558_828_557_7)).abs() < 1e-15);
        assert_eq!(LeakyRelu::new(0.1).f(-2.0_f64), -0.2);
        assert_eq!(LeakyRelu::new(0.1).f(3.0_f64), 3.0);
        // mish(1) = tanh(ln(1 + e)) = 0.8650983882673103.
        assert!((Mish::<f64>::new().f(1.0) - 0.865_098_388_267_310_3).abs() < 1e-15);
    }

    #[test]
    fn huge_inputs_stay_finite_in_f32() {
        let tape = Tape::<f32>::new();
        let values = vec![1e4_f32, -1e4, 1e20, -1e20, f32::MAX, -f32::MAX];
        let x = tape.param(Tensor::from_vec(values, &[6]));
        for act in Activation::ALL {
            if act == Activation::Softmax {
                continue;
            }
            let y = act.apply(x);
            let grads = y.sum().backward();
            assert!(y.value().all_finite(), "{act}: f = {:?}", y.value());
            assert!(grads[x].all_finite(), "{act}: f' = {:?}", grads[x]);
        }
        assert_eq!(stable_softplus(1e4_f32), 1e4);
        assert_eq!(stable_softplus(-1e4_f32), 0.0);
    }
}
