//! Element-wise binary primitives with broadcasting. Each states f(a, b) and its two partial
//! derivatives; broadcasting is undone once, in the shared vector-Jacobian product.

use crate::float::Float;
use crate::tensor::Tensor;

/// An element-wise function of two tensors, broadcast to a common shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// a + b
    Add,
    /// a - b
    Sub,
    /// a * b
    Mul,
    /// a / b
    Div,
    /// max(a, b); on ties the gradient is split evenly.
    Maximum,
    /// min(a, b); on ties the gradient is split evenly.
    Minimum,
}

impl Binary {
    /// f(a, b).
    #[inline]
    pub fn f<T: Float>(self, a: T, b: T) -> T {
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Maximum => a.max(b),
            Binary::Minimum => a.min(b),
        }
    }

    /// df/da (`input == 0`) or df/db (`input == 1`) at (a, b), given y = f(a, b).
    #[inline]
    pub fn partial<T: Float>(self, input: usize, a: T, b: T, y: T) -> T {
        let first = input == 0;
        match self {
            Binary::Add => T::ONE,
            Binary::Sub => {
                if first {
                    T::ONE
                } else {
                    -T::ONE
                }
            }
            Binary::Mul => {
                if first {
                    b
                } else {
                    a
                }
            }
            Binary::Div => {
                if first {
                    T::ONE / b
                } else {
                    -y / b
                }
            }
            Binary::Maximum | Binary::Minimum => {
                let (mine, other) = if first { (a, b) } else { (b, a) };
                let wins = if self == Binary::Maximum {
                    mine > other
                } else {
                    mine < other
                };
                if mine == other {
                    T::HALF
                } else if wins {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
        }
    }

    /// `f` over `l` and `r` broadcast together, into a reused buffer; one loop per variant so
    /// that each is vectorised.
    pub(crate) fn map_in<T: Float>(self, l: &Tensor<T>, r: &Tensor<T>, buf: Vec<T>) -> Tensor<T> {
        let name = self.name();
        match self {
            Binary::Add => l.zip_map_in(r, buf, name, |p, q| p + q),
            Binary::Sub => l.zip_map_in(r, buf, name, |p, q| p - q),
            Binary::Mul => l.zip_map_in(r, buf, name, |p, q| p * q),
            Binary::Div => l.zip_map_in(r, buf, name, |p, q| p / q),
            Binary::Maximum => l.zip_map_in(r, buf, name, |p, q| Binary::Maximum.f(p, q)),
            Binary::Minimum => l.zip_map_in(r, buf, name, |p, q| Binary::Minimum.f(p, q)),
        }
    }

    /// The name shown in graph dumps and panics.
    pub fn name(self) -> &'static str {
        match self {
            Binary::Add => "add",
            Binary::Sub => "sub",
            Binary::Mul => "mul",
            Binary::Div => "div",
            Binary::Maximum => "maximum",
            Binary::Minimum => "minimum",
        }
    }
}
