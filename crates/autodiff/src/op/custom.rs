//! The extension point: [`CustomOp`], how code outside this crate adds a node type to the tape.
//!
//! # Writing your own op
//!
//! An op is a value that knows two things: how to compute its output from its inputs
//! ([`CustomOp::forward`]), and how to send a gradient arriving at its output back to each
//! input ([`CustomOp::vjp`], the vector-Jacobian product). Record it with
//! [`Tape::apply`](crate::Tape::apply); the tape stores it, and backward calls `vjp` once per input
//! that needs a gradient.
//!
//! Here is softsign, `y = x / (1 + |x|)`, whose derivative is `1 / (1 + |x|)^2`:
//!
//! ```
//! use nabla_autodiff::{BufferPool, CustomOp, Float, GradCheck, Tape, Tensor};
//! use std::borrow::Cow;
//!
//! struct Softsign;
//!
//! impl<T: Float> CustomOp<T> for Softsign {
//!     fn name(&self) -> Cow<'_, str> {
//!         "softsign".into()
//!     }
//!
//!     fn forward(&mut self, inputs: &[&Tensor<T>], pool: &mut BufferPool<T>) -> Tensor<T> {
//!         // Take the output buffer from the pool so a training loop reuses memory.
//!         inputs[0].map_in(pool.take(inputs[0].numel()), |x| x / (T::ONE + x.abs()))
//!     }
//!
//!     fn vjp(
//!         &self,
//!         _input: usize,
//!         inputs: &[&Tensor<T>],
//!         _output: &Tensor<T>,
//!         grad: &Tensor<T>,
//!         pool: &mut BufferPool<T>,
//!     ) -> Option<Tensor<T>> {
//!         // Element-wise op: the gradient is g * f'(x).
//!         let buf = pool.take(grad.numel());
//!         Some(grad.zip_map_in(inputs[0], buf, "softsign", |g, x| {
//!             let d = T::ONE + x.abs();
//!             g / (d * d)
//!         }))
//!     }
//!
//!     fn is_elementwise(&self) -> bool {
//!         true // lets graph dumps show the local derivative on the edge
//!     }
//! }
//!
//! // Use it like any built-in op...
//! let tape = Tape::<f64>::new();
//! let x = tape.param(Tensor::from_vec(vec![-2.0, 0.5, 3.0], &[3]));
//! let y = tape.apply(Softsign, &[x]).sum();
//! let grads = y.backward();
//! assert!((grads[x].data()[0] - 1.0 / 9.0).abs() < 1e-15);
//!
//! // ...and check its gradient against finite differences, as a test would.
//! GradCheck::new()
//!     .check(&[Tensor::from_vec(vec![-2.0, 0.5, 3.0, -0.1], &[2, 2])], |_tape, v| {
//!         v[0].apply(Softsign, &[]).sum()
//!     })
//!     .unwrap();
//! ```
//!
//! Rules of the road:
//! - `forward` may keep what backward will need in `self` (it takes `&mut self`); the op lives
//!   on the tape until [`Tape::clear`](crate::Tape::clear).
//! - `vjp` must return a tensor of the input's shape, or `None` when no gradient flows to that
//!   input (an integer label, say). It is only called for inputs that need a gradient.
//! - Shape errors in `forward` may panic; name the op and both shapes in the message.
//! - Check every new op with [`GradCheck`](crate::GradCheck) in `f64`.

use crate::float::Float;
use crate::pool::BufferPool;
use crate::tensor::Tensor;
use std::any::Any;
use std::borrow::Cow;

/// A node type defined outside this crate: its forward value and its vector-Jacobian product.
///
/// See the [`op::custom`](crate::op::custom) module documentation for a worked example.
pub trait CustomOp<T: Float>: Any {
    /// A short name for graph dumps and messages, with parameters if any (`"leaky_relu 0.01"`).
    fn name(&self) -> Cow<'_, str>;

    /// Computes the output from the inputs. Take the output buffer from `pool` where you can.
    fn forward(&mut self, inputs: &[&Tensor<T>], pool: &mut BufferPool<T>) -> Tensor<T>;

    /// The gradient for input number `input`, given the gradient `grad` of the loss with
    /// respect to this op's output: `grad^T * d output / d inputs[input]`, shaped like that
    /// input. `None` means no gradient flows to it.
    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        pool: &mut BufferPool<T>,
    ) -> Option<Tensor<T>>;

    /// The gradients of several inputs at once, for ops whose inputs' gradients share work (a
    /// fused dense + ReLU masks the incoming gradient once for all three). Backward calls this
    /// once per node: `wanted[i]` says whether input `i` needs a gradient, and `out[i]` (all
    /// `None` on entry) receives it. The default calls [`CustomOp::vjp`] for each wanted input.
    fn vjps(
        &self,
        wanted: &[bool],
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        pool: &mut BufferPool<T>,
        out: &mut [Option<Tensor<T>>],
    ) {
        for (i, (&want, slot)) in wanted.iter().zip(out.iter_mut()).enumerate() {
            if want {
                *slot = self.vjp(i, inputs, output, grad, pool);
            }
        }
    }

    /// Whether each output element depends only on the same-position element of each
    /// same-shaped input. Graph dumps then show the local derivative on the edge.
    fn is_elementwise(&self) -> bool {
        false
    }
}
