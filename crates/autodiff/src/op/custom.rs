//! The extension point: [`CustomOp`], how code outside this crate adds a node type to the tape.
//!
//! # Writing your own op
//!
//! An op is a value that knows how to compute its output from its inputs
//! ([`CustomOp::forward`]) and how to send a gradient arriving at its output back to each
//! input ([`CustomOp::vjp`], the vector-Jacobian product). Record it with
//! [`Tape::apply`](crate::Tape::apply) or [`Var::apply`]; the tape stores it, and backward
//! calls `vjp` once per input that needs a gradient. If the gradient should itself be
//! differentiable (Hessian-vector products, gradient penalties, derivatives in a loss), also
//! give [`CustomOp::vjp_graph`]: the same product written with [`Var`] operations.
//!
//! Here is the squared norm of each row, `y_i = sum_j x_ij^2`, whose vector-Jacobian product
//! is `dx_ij = 2 x_ij g_i`:
//!
//! ```
//! use nabla_autodiff::{CustomOp, Float, GradCheck, NotDifferentiable, Scratch, Tape, Tensor, Var};
//! use std::borrow::Cow;
//!
//! struct RowSquaredNorm;
//!
//! impl<T: Float> CustomOp<T> for RowSquaredNorm {
//!     fn name(&self) -> Cow<'_, str> {
//!         "row_squared_norm".into()
//!     }
//!
//!     fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
//!         // The output comes from `scratch`, so a training loop reuses its memory.
//!         let squares = scratch.map(inputs[0], |x| x * x);
//!         let rows = scratch.sum_axes(&squares, &[1], false);
//!         scratch.recycle(squares);
//!         rows
//!     }
//!
//!     fn vjp(
//!         &self,
//!         _input: usize,
//!         inputs: &[&Tensor<T>],
//!         _output: &Tensor<T>,
//!         grad: &Tensor<T>,
//!         scratch: &mut Scratch<T>,
//!     ) -> Option<Tensor<T>> {
//!         // dx_ij = 2 x_ij g_i: the gradient [rows] broadcast as a column.
//!         let column = grad.reshape(&[grad.numel(), 1]);
//!         Some(scratch.zip_map(inputs[0], &column, |x, g| T::TWO * x * g))
//!     }
//!
//!     fn vjp_graph<'t>(
//!         &self,
//!         _input: usize,
//!         inputs: &[Var<'t, T>],
//!         _output: Var<'t, T>,
//!         grad: Var<'t, T>,
//!     ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
//!         // The same product on vars: recorded, so it can be differentiated again.
//!         let column = grad.reshape(&[grad.shape()[0], 1]);
//!         Ok(Some(inputs[0] * column * T::TWO))
//!     }
//! }
//!
//! // Use it like any built-in op...
//! let tape = Tape::<f64>::new();
//! let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
//! let y = x.apply(RowSquaredNorm, &[]).sum();
//! assert_eq!(y.backward()[x].data(), &[2.0, 4.0, 6.0, 8.0]);
//!
//! // ...check its gradient and second derivative against finite differences, as a test would...
//! let x0 = Tensor::from_vec(vec![0.5, -1.0, 2.0, 0.3, -0.7, 1.1], &[2, 3]);
//! fn norms<'t>(_: &'t Tape<f64>, v: &[Var<'t, f64>]) -> Var<'t, f64> {
//!     v[0].apply(RowSquaredNorm, &[]).sqrt()
//! }
//! GradCheck::new().check(&[x0.clone()], norms).unwrap();
//! GradCheck::new().check_second_order(&[x0], norms).unwrap();
//!
//! // ...and differentiate it twice: d^2/dx^2 of sum(x^2) is 2 on the diagonal.
//! let dx = tape.grad(y, &[x]).unwrap()[0];
//! let d2 = tape.grad(dx.sum(), &[x]).unwrap()[0];
//! assert_eq!(d2.value().data(), &[2.0; 4]);
//! ```
//!
//! Rules of the road:
//! - `forward` may keep what backward will need in `self` (it takes `&mut self`); the op lives
//!   on the tape until [`Tape::clear`](crate::Tape::clear).
//! - `vjp` must return a tensor of the input's shape, or `None` when no gradient flows to that
//!   input (an integer label, say). It is only called for inputs that need a gradient.
//! - Without `vjp_graph`, first-order gradients work as ever, and a gradient computed with
//!   [`Tape::grad`](crate::Tape::grad) through this op has the right value; differentiating
//!   *that* gradient again through this op is an error naming the op, never a silent zero.
//! - For an element-wise function, [`ElementwiseFn`](crate::ElementwiseFn) is shorter: state
//!   `f` and `f'` once and both products follow.
//! - Shape errors in `forward` may panic; name the op and both shapes in the message.
//! - Check every new op with [`GradCheck`](crate::GradCheck) in `f64`, and with
//!   [`GradCheck::check_second_order`](crate::GradCheck::check_second_order) if it has a
//!   `vjp_graph`.

use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::Var;
use crate::tensor::Tensor;
use std::any::Any;
use std::borrow::Cow;
use std::fmt;

/// A node type defined outside this crate: its forward value and its vector-Jacobian product.
///
/// See the [`op::custom`](crate::op::custom) module documentation for a worked example.
pub trait CustomOp<T: Float>: Any {
    /// A short name for graph dumps and messages, with parameters if any (`"leaky_relu 0.01"`).
    fn name(&self) -> Cow<'_, str>;

    /// Computes the output from the inputs, in memory from `scratch` where you can.
    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T>;

    /// The gradient for input number `input`, given the gradient `grad` of the loss with
    /// respect to this op's output: `grad^T * d output / d inputs[input]`, shaped like that
    /// input. `None` means no gradient flows to it.
    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>>;

    /// The gradients of several inputs at once, for ops whose inputs' gradients share work (a
    /// fused dense + ReLU masks the incoming gradient once for all three). Backward calls this
    /// once per node with more than one input: `wanted[i]` says whether input `i` needs a
    /// gradient, and `out[i]` (all `None` on entry) receives it. The default calls
    /// [`CustomOp::vjp`] for each wanted input.
    fn vjps(
        &self,
        wanted: &[bool],
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
        out: &mut [Option<Tensor<T>>],
    ) {
        for (i, (&want, slot)) in wanted.iter().zip(out.iter_mut()).enumerate() {
            if want {
                *slot = self.vjp(i, inputs, output, grad, scratch);
            }
        }
    }

    /// The vector-Jacobian product of [`CustomOp::vjp`], recorded on the tape: written with
    /// [`Var`] operations on the op's inputs, its output and the incoming gradient, so that the
    /// gradient can be differentiated again. The default says the op has none; a higher-order
    /// gradient through it is then an error that names it.
    fn vjp_graph<'t>(
        &self,
        input: usize,
        inputs: &[Var<'t, T>],
        output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
        let _ = (input, inputs, output, grad);
        Err(NotDifferentiable)
    }

    /// Whether each output element depends only on the same-position element of each
    /// same-shaped input. Graph dumps then show the local derivative on the edge.
    fn is_elementwise(&self) -> bool {
        false
    }

    /// The vector-Jacobian product for input `input` in symbols, for graph dumps to state on
    /// the edge beside its numbers: `g` stands for the gradient arriving at the output, and
    /// `shapes` are the inputs' shapes. For the row norms above, `Some("dL/dx = 2 x ⊙ g
    /// (g as a column)".into())`. The default states none.
    fn vjp_rule(&self, input: usize, shapes: &[&[usize]]) -> Option<String> {
        let _ = (input, shapes);
        None
    }

    /// What the op holds besides its inputs that a reader of a graph dump needs to check its
    /// numbers, such as the integer labels a loss compares against (`"labels [2, 0, 1]"`).
    /// The default holds nothing worth showing.
    fn annotation(&self) -> Option<String> {
        None
    }
}

/// What [`CustomOp::vjp_graph`] returns for an op whose gradient cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotDifferentiable;

impl fmt::Display for NotDifferentiable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this op has no differentiable vector-Jacobian product")
    }
}

impl std::error::Error for NotDifferentiable {}
