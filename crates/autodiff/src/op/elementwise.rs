//! Element-wise functions stated by `f` and `f'` alone: [`ElementwiseFn`] for functions defined
//! outside this crate (the activations of `nabla-ops`, your own), and `Num`, a single number in
//! the [`Elem`] vocabulary, which lets one derivative expression run in the fast loop.

use super::custom::{CustomOp, NotDifferentiable};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::Var;
use crate::tensor::Tensor;
use std::borrow::Cow;
use std::ops::{Add, Div, Mul, Neg, Sub};

pub use super::unary::Elem;

/// An element-wise function given by its value `f` and derivative `f'`, recorded with
/// [`Var::elementwise`]. Write `f'` once, in the [`Elem`] vocabulary: the fast backward pass
/// evaluates it element by element in one loop, and the recorded one builds it from vars, so
/// the function can be differentiated to any order.
///
/// Implement it on a small type per function (a unit struct, or one holding the function's
/// parameters), so that each loop is compiled for that function alone.
///
/// ```
/// use nabla_autodiff::{Elem, ElementwiseFn, Float, Tape, Tensor};
/// use std::borrow::Cow;
///
/// /// softsign: x / (1 + |x|), with derivative 1 / (1 + |x|)^2.
/// #[derive(Clone, Copy)]
/// struct Softsign;
///
/// impl<T: Float> ElementwiseFn<T> for Softsign {
///     fn name(&self) -> Cow<'static, str> {
///         "softsign".into()
///     }
///     fn f(&self, x: T) -> T {
///         x / (T::ONE + x.abs())
///     }
///     fn df<S: Elem<T>>(&self, x: S, _y: S) -> S {
///         (x.abs() + T::ONE).square().reciprocal()
///     }
/// }
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::scalar(1.0));
/// let y = x.elementwise(Softsign);
/// let dy = tape.grad(y, &[x]).unwrap()[0]; // 1 / (1 + 1)^2
/// let d2y = tape.grad(dy, &[x]).unwrap()[0]; // -2 / (1 + x)^3
/// assert_eq!((dy.item(), d2y.item()), (0.25, -0.25));
/// ```
pub trait ElementwiseFn<T: Float>: Copy + 'static {
    /// The name graph dumps show, with parameters if any (`"leaky_relu 0.01"`).
    fn name(&self) -> Cow<'static, str>;
    /// f at one element.
    fn f(&self, x: T) -> T;
    /// f' at `x`, given also the output `y = f(x)` (use whichever is simpler).
    fn df<S: Elem<T>>(&self, x: S, y: S) -> S;
}

impl<'t, T: Float> Var<'t, T> {
    /// Records the element-wise function `f` on this var (see [`ElementwiseFn`]).
    pub fn elementwise<F: ElementwiseFn<T>>(self, f: F) -> Self {
        self.apply(Elementwise(f), &[])
    }
}

/// The node of an [`ElementwiseFn`].
pub(crate) struct Elementwise<F>(pub(crate) F);

impl<T: Float, F: ElementwiseFn<T>> CustomOp<T> for Elementwise<F> {
    fn name(&self) -> Cow<'_, str> {
        self.0.name()
    }

    fn vjp_rule(&self, _input: usize, _shapes: &[&[usize]]) -> Option<String> {
        Some(format!("dL/dx = g ⊙ f'(x), f = {}", self.0.name()))
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let f = self.0;
        s.map(inputs[0], move |x| f.f(x))
    }

    fn vjp(
        &self,
        _input: usize,
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        s: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        let f = self.0;
        Some(s.zip3_map(grad, inputs[0], output, move |g, x, y| {
            g * f.df(Num(x), Num(y)).0
        }))
    }

    fn vjp_graph<'t>(
        &self,
        _input: usize,
        inputs: &[Var<'t, T>],
        output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
        Ok(Some(grad * self.0.df(inputs[0], output)))
    }

    fn is_elementwise(&self) -> bool {
        true
    }
}

/// One number in the [`Elem`] vocabulary: how the fast loops evaluate a derivative written
/// for vars and numbers alike. Every method inlines to plain arithmetic.
///
/// ```
/// use nabla_autodiff::{Elem, Num};
/// // d/dx tanh x at x = 0.5, from the output y = tanh 0.5
/// let y = Num(0.5_f64.tanh());
/// assert_eq!(y.square().rsub(1.0).0, 1.0 - 0.5_f64.tanh().powi(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
#[repr(transparent)]
pub struct Num<T>(pub T);

macro_rules! num_operators {
    ($($trait:ident $method:ident $op:tt),*) => {$(
        impl<T: Float> $trait for Num<T> {
            type Output = Num<T>;
            #[inline(always)]
            fn $method(self, rhs: Num<T>) -> Num<T> {
                Num(self.0 $op rhs.0)
            }
        }
        impl<T: Float> $trait<T> for Num<T> {
            type Output = Num<T>;
            #[inline(always)]
            fn $method(self, rhs: T) -> Num<T> {
                Num(self.0 $op rhs)
            }
        }
    )*};
}

num_operators!(Add add +, Sub sub -, Mul mul *, Div div /);

impl<T: Float> Neg for Num<T> {
    type Output = Num<T>;
    #[inline(always)]
    fn neg(self) -> Num<T> {
        Num(-self.0)
    }
}
