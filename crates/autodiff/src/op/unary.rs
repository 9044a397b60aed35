//! Element-wise unary primitives. Each states only its function f and derivative f'; the
//! shared forward and vector-Jacobian product (`g * f'(x)`) are written once.

use crate::float::Float;
use crate::tensor::Tensor;

/// An element-wise function of one tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unary<T> {
    /// -x
    Neg,
    /// x + c
    AddScalar(T),
    /// c * x
    MulScalar(T),
    /// c - x
    ScalarSub(T),
    /// x / c
    DivScalar(T),
    /// c / x
    ScalarDiv(T),
    /// x^p
    Powf(T),
    /// e^x
    Exp,
    /// ln x
    Ln,
    /// sqrt x
    Sqrt,
    /// |x|
    Abs,
    /// min(max(x, lo), hi)
    Clamp(T, T),
    /// tanh x
    Tanh,
    /// 1 / (1 + e^-x)
    Sigmoid,
    /// max(x, 0)
    Relu,
}

impl<T: Float> Unary<T> {
    /// f(x).
    #[inline]
    pub fn f(self, x: T) -> T {
        match self {
            Unary::Neg => -x,
            Unary::AddScalar(c) => x + c,
            Unary::MulScalar(c) => c * x,
            Unary::ScalarSub(c) => c - x,
            Unary::DivScalar(c) => x / c,
            Unary::ScalarDiv(c) => c / x,
            Unary::Powf(p) => x.powf(p),
            Unary::Exp => x.exp(),
            Unary::Ln => x.ln(),
            Unary::Sqrt => x.sqrt(),
            Unary::Abs => x.abs(),
            Unary::Clamp(lo, hi) => x.max(lo).min(hi),
            Unary::Tanh => x.tanh(),
            Unary::Sigmoid => sigmoid(x),
            Unary::Relu => {
                if x > T::ZERO {
                    x
                } else {
                    T::ZERO
                }
            }
        }
    }

    /// f'(x), given also y = f(x) where that is cheaper.
    #[inline]
    pub fn df(self, x: T, y: T) -> T {
        match self {
            Unary::Neg | Unary::ScalarSub(_) => -T::ONE,
            Unary::AddScalar(_) => T::ONE,
            Unary::MulScalar(c) => c,
            Unary::DivScalar(c) => T::ONE / c,
            Unary::ScalarDiv(_) => -y / x,
            Unary::Powf(p) => p * x.powf(p - T::ONE),
            Unary::Exp => y,
            Unary::Ln => T::ONE / x,
            Unary::Sqrt => T::HALF / y,
            Unary::Abs => x.signum0(),
            Unary::Clamp(lo, hi) => {
                if x >= lo && x <= hi {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
            Unary::Tanh => T::ONE - y * y,
            Unary::Sigmoid => y * (T::ONE - y),
            Unary::Relu => {
                if x > T::ZERO {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
        }
    }

    /// The name shown in graph dumps.
    pub fn name(self) -> String {
        match self {
            Unary::Neg => "neg".into(),
            Unary::AddScalar(c) => format!("add {c}"),
            Unary::MulScalar(c) => format!("mul {c}"),
            Unary::ScalarSub(c) => format!("{c} - x"),
            Unary::DivScalar(c) => format!("div {c}"),
            Unary::ScalarDiv(c) => format!("{c} / x"),
            Unary::Powf(p) => format!("pow {p}"),
            Unary::Exp => "exp".into(),
            Unary::Ln => "ln".into(),
            Unary::Sqrt => "sqrt".into(),
            Unary::Abs => "abs".into(),
            Unary::Clamp(lo, hi) => format!("clamp [{lo}, {hi}]"),
            Unary::Tanh => "tanh".into(),
            Unary::Sigmoid => "sigmoid".into(),
            Unary::Relu => "relu".into(),
        }
    }
}

/// Calls `$body` with `$f` bound to a closure computing `$method` of the variant `$u` has, once
/// per variant: each loop then sees a fixed function that the compiler can vectorise, instead
/// of matching on the variant for every element.
macro_rules! with_unary {
    ($u:expr, |$f:ident| $body:expr) => {
        match $u {
            Unary::Neg => {
                let $f = |x, y| Unary::Neg.pick(x, y);
                $body
            }
            Unary::AddScalar(c) => {
                let $f = move |x, y| Unary::AddScalar(c).pick(x, y);
                $body
            }
            Unary::MulScalar(c) => {
                let $f = move |x, y| Unary::MulScalar(c).pick(x, y);
                $body
            }
            Unary::ScalarSub(c) => {
                let $f = move |x, y| Unary::ScalarSub(c).pick(x, y);
                $body
            }
            Unary::DivScalar(c) => {
                let $f = move |x, y| Unary::DivScalar(c).pick(x, y);
                $body
            }
            Unary::ScalarDiv(c) => {
                let $f = move |x, y| Unary::ScalarDiv(c).pick(x, y);
                $body
            }
            Unary::Powf(p) => {
                let $f = move |x, y| Unary::Powf(p).pick(x, y);
                $body
            }
            Unary::Exp => {
                let $f = |x, y| Unary::Exp.pick(x, y);
                $body
            }
            Unary::Ln => {
                let $f = |x, y| Unary::Ln.pick(x, y);
                $body
            }
            Unary::Sqrt => {
                let $f = |x, y| Unary::Sqrt.pick(x, y);
                $body
            }
            Unary::Abs => {
                let $f = |x, y| Unary::Abs.pick(x, y);
                $body
            }
            Unary::Clamp(lo, hi) => {
                let $f = move |x, y| Unary::Clamp(lo, hi).pick(x, y);
                $body
            }
            Unary::Tanh => {
                let $f = |x, y| Unary::Tanh.pick(x, y);
                $body
            }
            Unary::Sigmoid => {
                let $f = |x, y| Unary::Sigmoid.pick(x, y);
                $body
            }
            Unary::Relu => {
                let $f = |x, y| Unary::Relu.pick(x, y);
                $body
            }
        }
    };
}

impl<T: Float> Unary<T> {
    /// `f(x)` when `y` is `None`, else `f'(x)` given `y = f(x)`: one entry point for
    /// [`with_unary`], constant-folded once the variant is known.
    #[inline(always)]
    fn pick(self, x: T, y: Option<T>) -> T {
        match y {
            None => self.f(x),
            Some(y) => self.df(x, y),
        }
    }

    /// `f` applied to every element of `x`, into a reused buffer.
    pub(crate) fn map_in(self, x: &Tensor<T>, buf: Vec<T>) -> Tensor<T> {
        with_unary!(self, |f| x.map_in(buf, |v| f(v, None)))
    }

    /// `g * f'(x)` element by element (given `y = f(x)`), into a reused buffer.
    pub(crate) fn vjp_in(
        self,
        g: &Tensor<T>,
        x: &Tensor<T>,
        y: &Tensor<T>,
        buf: Vec<T>,
    ) -> Tensor<T> {
        with_unary!(self, |f| g.zip3_map_in(
            x,
            y,
            buf,
            "unary vjp",
            |g, x, y| g * f(x, Some(y))
        ))
    }
}

/// The logistic function, computed without overflow for any finite input.
#[inline]
pub fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}
