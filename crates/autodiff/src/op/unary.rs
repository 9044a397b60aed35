//! The element-wise functions of one tensor, as a table: one row per function.
//!
//! A row gives the function's variant (with its parameters), the `Var` method that records it,
//! the name graph dumps show, `f` on one element, and `f'` in terms of the input `x` and/or
//! the output `y`. `f'` is either `const c` (a linear function) or an expression in the
//! [`Elem`] vocabulary, which the row's own methods make up. From the rows the macro below
//! generates:
//!
//! - the crate-private `Unary` enum and its fused loops: forward `f(x)` and the fast
//!   vector-Jacobian product `g f'(x, y)`, each one loop per variant so that it vectorises;
//! - the recorded product `g * f'(x, y)`, built from the same expression on vars, so that
//!   gradients of gradients follow from the rows themselves;
//! - the public `Var` method of every row and the [`Elem`] trait: the vocabulary in which
//!   derivatives are written, implemented for plain numbers and for vars.
//!
//! Adding a function is one row here plus one gradient-check row in the tests (see
//! "Adding a primitive" in `docs/autodiff.md`).

use super::elementwise::{ElementwiseFn, Num};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::Var;
use crate::tensor::{Comparison, Tensor};
use std::borrow::Cow;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// `g c` on the recorded path, without a node where `c` is 1 and as a negation where it is -1.
pub(crate) fn linear<'t, T: Float>(g: Var<'t, T>, c: T) -> Var<'t, T> {
    if c == T::ONE {
        g
    } else if c == -T::ONE {
        -g
    } else {
        g.mul_scalar(c)
    }
}

macro_rules! unary_ops {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident $(($($p:ident: $pt:ty),+))? {
            method: $method:ident,
            name: $name:literal,
            rule: $rule:expr,
            f: |$fx:ident| $f:expr,
            df: $($df:tt)+
        }
    )+) => {
        /// An element-wise function of one tensor; one variant per row of the table.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) enum Unary<T> {
            $( $(#[doc = $doc])+ $variant $(($($pt),+))?, )+
        }

        impl<T: Float> Unary<T> {
            /// The name shown in graph dumps.
            pub(crate) fn name(self) -> Cow<'static, str> {
                match self {
                    $( Unary::$variant $(($($p),+))? => Cow::Owned(format!($name)), )+
                }
            }

            /// `dL/dx` in symbols: `g` the output's gradient, `x` the input, `y` the output.
            #[allow(unused_variables)] // a rule need not mention every parameter
            pub(crate) fn rule(self) -> String {
                match self {
                    $( Unary::$variant $(($($p),+))? => String::from($rule), )+
                }
            }

            /// f at one element.
            #[inline(always)]
            pub(crate) fn f(self, x: T) -> T {
                match self {
                    $( Unary::$variant $(($($p),+))? => { let $fx = x; $f } )+
                }
            }

            /// `f` over a tensor, one loop per variant.
            pub(crate) fn forward(self, x: &Tensor<T>, s: &mut Scratch<T>) -> Tensor<T> {
                match self {
                    $( Unary::$variant $(($($p),+))? => s.map(x, move |$fx| $f), )+
                }
            }

            /// The fast vector-Jacobian product `g f'(x, y)`, one loop per variant.
            #[allow(unused_variables)] // a constant derivative leaves some parameters unused
            pub(crate) fn vjp(
                self,
                g: &Tensor<T>,
                x: &Tensor<T>,
                y: &Tensor<T>,
                s: &mut Scratch<T>,
            ) -> Tensor<T> {
                match self {
                    $( Unary::$variant $(($($p),+))? => unary_ops!(@fast s, g, x, y, $($df)+), )+
                }
            }

            /// The recorded vector-Jacobian product `g * f'(x, y)`: differentiable again.
            #[allow(unused_variables)]
            pub(crate) fn vjp_graph<'t>(self, g: Var<'t, T>, x: Var<'t, T>, y: Var<'t, T>) -> Var<'t, T> {
                match self {
                    $( Unary::$variant $(($($p),+))? => unary_ops!(@graph g, x, y, $($df)+), )+
                }
            }
        }

        /// The vocabulary element-wise derivatives are written in: every element-wise
        /// primitive of the tape, the four arithmetic operators (with another value or a
        /// plain number `T`), and masks. It is implemented for vars, where each method records
        /// its op, and for single numbers ([`Num`](crate::Num)), where it computes in place;
        /// so one expression serves the fast loop and the recorded, differentiable gradient.
        ///
        /// Write an [`ElementwiseFn`](crate::ElementwiseFn)'s derivative with it:
        ///
        /// ```
        /// use nabla_autodiff::{Elem, Float};
        /// // d/dx tanh x = 1 - tanh(x)^2, from the output y.
        /// fn tanh_derivative<T: Float, S: Elem<T>>(_x: S, y: S) -> S {
        ///     y.square().rsub(T::ONE)
        /// }
        /// ```
        pub trait Elem<T: Float>:
            Copy
            + Add<Output = Self>
            + Sub<Output = Self>
            + Mul<Output = Self>
            + Div<Output = Self>
            + Neg<Output = Self>
            + Add<T, Output = Self>
            + Sub<T, Output = Self>
            + Mul<T, Output = Self>
            + Div<T, Output = Self>
        {
            $(
                $(#[doc = $doc])+
                fn $method(self $(, $($p: $pt),+)?) -> Self;
            )+

            /// 1 where `x cmp c` holds, else 0. A mask is a constant: no gradient flows
            /// through it.
            fn mask(self, cmp: Comparison, c: T) -> Self;

            /// 1 where `x > c`, else 0 (a constant).
            fn above(self, c: T) -> Self {
                self.mask(Comparison::Gt, c)
            }

            /// 1 where `x >= c`, else 0 (a constant).
            fn at_least(self, c: T) -> Self {
                self.mask(Comparison::Ge, c)
            }

            /// 1 where `x < c`, else 0 (a constant).
            fn below(self, c: T) -> Self {
                self.mask(Comparison::Lt, c)
            }

            /// 1 where `x <= c`, else 0 (a constant).
            fn at_most(self, c: T) -> Self {
                self.mask(Comparison::Le, c)
            }

            /// 1 where `x == c`, else 0 (a constant).
            fn equal_to(self, c: T) -> Self {
                self.mask(Comparison::Eq, c)
            }

            /// The sign of `x`: 1, 0 or -1 (a constant).
            fn sign(self) -> Self {
                self.above(T::ZERO) - self.below(T::ZERO)
            }

            /// Another element-wise function applied to this value, so that one function's
            /// derivative can use another (mish's uses softplus).
            fn elementwise<F: ElementwiseFn<T>>(self, f: F) -> Self;
        }

        impl<T: Float> Elem<T> for Num<T> {
            $(
                #[inline(always)]
                fn $method(self $(, $($p: $pt),+)?) -> Self {
                    Num(Unary::$variant $(($($p),+))?.f(self.0))
                }
            )+

            #[inline(always)]
            fn mask(self, cmp: Comparison, c: T) -> Self {
                Num(if cmp.holds(self.0, c) { T::ONE } else { T::ZERO })
            }

            #[inline(always)]
            fn elementwise<F: ElementwiseFn<T>>(self, f: F) -> Self {
                Num(f.f(self.0))
            }
        }

        impl<'t, T: Float> Elem<T> for Var<'t, T> {
            $(
                fn $method(self $(, $($p: $pt),+)?) -> Self {
                    Var::$method(self $(, $($p),+)?)
                }
            )+

            fn mask(self, cmp: Comparison, c: T) -> Self {
                Var::mask(self, cmp, c)
            }

            fn elementwise<F: ElementwiseFn<T>>(self, f: F) -> Self {
                Var::elementwise(self, f)
            }
        }

        #[allow(clippy::should_implement_trait)]
        impl<'t, T: Float> Var<'t, T> {
            $(
                $(#[doc = $doc])+
                pub fn $method(self $(, $($p: $pt),+)?) -> Self {
                    self.record_unary(Unary::$variant $(($($p),+))?)
                }
            )+
        }
    };

    // f' = c: the gradient scaled.
    (@fast $s:ident, $g:ident, $x:ident, $y:ident, const $c:expr) => {{
        let c: T = $c;
        if c == T::ONE { $s.copy_of($g) } else { $s.map($g, move |g| g * c) }
    }};
    (@fast $s:ident, $g:ident, $x:ident, $y:ident, |$dx:pat_param, $dy:pat_param| $e:expr) => {
        $s.zip3_map($g, $x, $y, move |g, x, y| {
            let ($dx, $dy) = (Num(x), Num(y));
            let d: Num<T> = $e;
            g * d.0
        })
    };
    (@graph $g:ident, $x:ident, $y:ident, const $c:expr) => {
        linear($g, $c)
    };
    (@graph $g:ident, $x:ident, $y:ident, |$dx:pat_param, $dy:pat_param| $e:expr) => {{
        let ($dx, $dy) = ($x, $y);
        $g * $e
    }};
}

unary_ops! {
    /// `-x`, element-wise.
    Neg { method: neg, name: "neg", rule: "-g", f: |x| -x, df: const -T::ONE }
    /// `x + c` for a number `c` (the `+` operator with a number).
    AddScalar(c: T) {
        method: add_scalar,
        name: "add {c}",
        rule: "g",
        f: |x| x + c,
        df: const T::ONE
    }
    /// `c x` for a number `c` (the `*` operator with a number).
    MulScalar(c: T) {
        method: mul_scalar,
        name: "mul {c}",
        rule: format!("{c} g"),
        f: |x| c * x,
        df: const c
    }
    /// `x / c` for a number `c` (the `/` operator with a number).
    DivScalar(c: T) {
        method: div_scalar,
        name: "div {c}",
        rule: format!("g / {c}"),
        f: |x| x / c,
        df: const T::ONE / c
    }
    /// `c - x` for a number `c`.
    ScalarSub(c: T) { method: rsub, name: "{c} - x", rule: "-g", f: |x| c - x, df: const -T::ONE }
    /// `c / x` for a number `c`.
    ScalarDiv(c: T) {
        method: rdiv,
        name: "{c} / x",
        rule: "-g ⊙ y / x",
        f: |x| c / x,
        df: |x, y| -(y / x)
    }
    /// `x^p`, element-wise.
    Powf(p: T) {
        method: powf,
        name: "pow {p}",
        rule: power_rule(p),
        f: |x| x.powf(p),
        df: |x, _| x.powf(p - T::ONE) * p
    }
    /// `x^2`, element-wise.
    Square { method: square, name: "square", rule: "g ⊙ 2x", f: |x| x * x, df: |x, _| x * T::TWO }
    /// `1 / x`, element-wise.
    Reciprocal {
        method: reciprocal,
        name: "reciprocal",
        rule: "-g ⊙ y²",
        f: |x| T::ONE / x,
        df: |_, y| -y.square()
    }
    /// `sqrt x`, element-wise.
    Sqrt {
        method: sqrt,
        name: "sqrt",
        rule: "g ⊙ 0.5 / y",
        f: |x| x.sqrt(),
        df: |_, y| y.rdiv(T::HALF)
    }
    /// `e^x`, element-wise.
    Exp { method: exp, name: "exp", rule: "g ⊙ y", f: |x| x.exp(), df: |_, y| y }
    /// `e^x - 1`, element-wise, accurate near 0.
    Expm1 {
        method: expm1,
        name: "expm1",
        rule: "g ⊙ (y + 1)",
        f: |x| x.exp_m1(),
        df: |_, y| y + T::ONE
    }
    /// Natural logarithm, element-wise.
    Ln { method: ln, name: "ln", rule: "g / x", f: |x| x.ln(), df: |x, _| x.reciprocal() }
    /// `ln(1 + x)`, element-wise, accurate near 0.
    Log1p {
        method: log1p,
        name: "log1p",
        rule: "g / (1 + x)",
        f: |x| x.ln_1p(),
        df: |x, _| (x + T::ONE).reciprocal()
    }
    /// `|x|`, element-wise. Its derivative at 0 is 0.
    Abs { method: abs, name: "abs", rule: "g ⊙ sign(x)", f: |x| x.abs(), df: |x, _| x.sign() }
    /// `min(max(x, lo), hi)`, element-wise. The derivative is 1 inside `[lo, hi]` (bounds
    /// included) and 0 outside.
    Clamp(lo: T, hi: T) {
        method: clamp,
        name: "clamp [{lo}, {hi}]",
        rule: format!("g where {lo} ≤ x ≤ {hi}, else 0"),
        f: |x| x.max(lo).min(hi),
        df: |x, _| x.at_least(lo) * x.at_most(hi)
    }
    /// Sine (radians), element-wise.
    Sin { method: sin, name: "sin", rule: "g ⊙ cos x", f: |x| x.sin(), df: |x, _| x.cos() }
    /// Cosine (radians), element-wise.
    Cos { method: cos, name: "cos", rule: "-g ⊙ sin x", f: |x| x.cos(), df: |x, _| -x.sin() }
    /// Hyperbolic tangent, element-wise.
    Tanh {
        method: tanh,
        name: "tanh",
        rule: "g ⊙ (1 - y²)",
        f: |x| x.tanh(),
        df: |_, y| y.square().rsub(T::ONE)
    }
    /// The logistic function `1 / (1 + e^-x)`, element-wise, without overflow.
    Sigmoid {
        method: sigmoid,
        name: "sigmoid",
        rule: "g ⊙ y(1 - y)",
        f: |x| sigmoid(x),
        df: |_, y| y * y.rsub(T::ONE)
    }
    /// `max(x, 0)`, element-wise. Its derivative at 0 is 0.
    Relu {
        method: relu,
        name: "relu",
        rule: "g where x > 0, else 0",
        f: |x| if x > T::ZERO { x } else { T::ZERO },
        df: |x, _| x.above(T::ZERO)
    }
    /// The error function, element-wise.
    Erf {
        method: erf,
        name: "erf",
        rule: "g ⊙ (2/√π) e^(-x²)",
        f: |x| x.erf(),
        df: |x, _| (-x.square()).exp() * T::from_f64(std::f64::consts::FRAC_2_SQRT_PI)
    }
}

/// `dL/dx` of `x^p` in symbols: `g ⊙ 2x` for a square, `g ⊙ p x^(p-1)` otherwise.
fn power_rule<T: Float>(p: T) -> String {
    match p - T::ONE {
        q if q == T::ONE => format!("g ⊙ {p}x"),
        q => format!("g ⊙ {p} x^{q}"),
    }
}

/// The logistic function, computed without overflow for any finite input.
#[inline]
pub(crate) fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// 1 where `self cmp c` holds, else 0, as a constant: no gradient flows through a mask.
    ///
    /// ```
    /// use nabla_autodiff::{Comparison, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_vec(vec![-1.0, 0.0, 2.0], &[3]));
    /// assert_eq!(x.mask(Comparison::Gt, 0.0).value().data(), &[0.0, 0.0, 1.0]);
    /// ```
    pub fn mask(self, cmp: Comparison, c: T) -> Self {
        let mask = self.tape.map_value(self, |x, s| {
            s.map(x, |v| if cmp.holds(v, c) { T::ONE } else { T::ZERO })
        });
        self.tape.constant(mask)
    }

    fn record_unary(self, u: Unary<T>) -> Self {
        self.tape
            .record(super::Op::Unary(u), smallvec::smallvec![self.key])
    }
}
