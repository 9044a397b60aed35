//! Element-wise unary primitives. Each states only its function f and derivative f'; the
//! shared forward and vector-Jacobian product (`g * f'(x)`) are written once.

use crate::float::Float;

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
