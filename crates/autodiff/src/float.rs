//! The [`Float`] trait: the element types a [`Tensor`](crate::Tensor) can hold (`f32` and `f64`).

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, Sub, SubAssign};

/// A floating-point element type: implemented for `f32` and `f64`.
///
/// Everything in nabla is generic over this one trait, so a network can be trained in `f32` and
/// gradient-checked in `f64` with the same code.
///
/// ```
/// use nabla_autodiff::Float;
/// fn softplus<T: Float>(x: T) -> T {
///     x.max(T::ZERO) + (-x.abs()).exp().ln_1p()
/// }
/// assert!((softplus(0.0_f64) - 2.0_f64.ln()).abs() < 1e-15);
/// ```
pub trait Float:
    Copy
    + Debug
    + Display
    + LowerExp
    + Default
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Rem<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + crate::kernels::GemmKernel
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 0.5.
    const HALF: Self;
    /// 2.
    const TWO: Self;
    /// The difference between 1 and the next larger representable number.
    const EPSILON: Self;
    /// The smallest positive normal number.
    const MIN_POSITIVE: Self;
    /// The largest finite number.
    const MAX: Self;
    /// Positive infinity.
    const INFINITY: Self;
    /// Negative infinity.
    const NEG_INFINITY: Self;
    /// Not a number.
    const NAN: Self;
    /// The type's name, `"f32"` or `"f64"`, for messages.
    const NAME: &'static str;

    /// Converts from `f64`, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// Converts from a count.
    fn from_usize(n: usize) -> Self;

    /// e^x.
    fn exp(self) -> Self;
    /// e^x - 1, accurate near 0.
    fn exp_m1(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// x^p.
    fn powf(self, p: Self) -> Self;
    /// x^n for an integer n.
    fn powi(self, n: i32) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Sine (radians).
    fn sin(self) -> Self;
    /// Cosine (radians).
    fn cos(self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// The larger of the two; NaN if either is NaN.
    fn max(self, other: Self) -> Self;
    /// The smaller of the two; NaN if either is NaN.
    fn min(self, other: Self) -> Self;
    /// Neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// Is NaN.
    fn is_nan(self) -> bool;
    /// 1, 0 or -1 with the sign of x (0 for 0, NaN for NaN).
    fn signum0(self) -> Self;
    /// a * b + c with one rounding.
    fn mul_add(self, b: Self, c: Self) -> Self;
}

macro_rules! impl_float {
    ($t:ident, $erf:path) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;
            const TWO: Self = 2.0;
            const EPSILON: Self = $t::EPSILON;
            const MIN_POSITIVE: Self = $t::MIN_POSITIVE;
            const MAX: Self = $t::MAX;
            const INFINITY: Self = $t::INFINITY;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;
            const NAN: Self = $t::NAN;
            const NAME: &'static str = stringify!($t);

            #[inline]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline]
            fn exp(self) -> Self {
                $t::exp(self)
            }
            #[inline]
            fn exp_m1(self) -> Self {
                $t::exp_m1(self)
            }
            #[inline]
            fn ln(self) -> Self {
                $t::ln(self)
            }
            #[inline]
            fn ln_1p(self) -> Self {
                $t::ln_1p(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                $t::abs(self)
            }
            #[inline]
            fn powf(self, p: Self) -> Self {
                $t::powf(self, p)
            }
            #[inline]
            fn powi(self, n: i32) -> Self {
                $t::powi(self, n)
            }
            #[inline]
            fn tanh(self) -> Self {
                $t::tanh(self)
            }
            #[inline]
            fn sin(self) -> Self {
                $t::sin(self)
            }
            #[inline]
            fn cos(self) -> Self {
                $t::cos(self)
            }
            #[inline]
            fn erf(self) -> Self {
                $erf(self)
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    $t::NAN
                } else {
                    $t::max(self, other)
                }
            }
            #[inline]
            fn min(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    $t::NAN
                } else {
                    $t::min(self, other)
                }
            }
            #[inline]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            #[inline]
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            #[inline]
            fn signum0(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else {
                    self * 0.0
                }
            }
            #[inline]
            fn mul_add(self, b: Self, c: Self) -> Self {
                $t::mul_add(self, b, c)
            }
        }
    };
}

impl_float!(f32, libm::erff);
impl_float!(f64, libm::erf);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_and_min_propagate_nan() {
        assert!(Float::max(f64::NAN, 1.0).is_nan());
        assert!(Float::min(1.0_f32, f32::NAN).is_nan());
        assert_eq!(Float::max(2.0_f64, 1.0), 2.0);
    }

    #[test]
    fn erf_matches_published_values() {
        // Abramowitz & Stegun table 7.1: erf(0.5) = 0.5204998778, erf(1) = 0.8427007929.
        assert!((Float::erf(0.5_f64) - 0.520_499_877_8).abs() < 1e-10);
        assert!((Float::erf(1.0_f32) - 0.842_700_8).abs() < 1e-6);
    }

    #[test]
    fn signum0_is_zero_at_zero() {
        assert_eq!(0.0_f64.signum0(), 0.0);
        assert_eq!((-3.0_f32).signum0(), -1.0);
    }
}
