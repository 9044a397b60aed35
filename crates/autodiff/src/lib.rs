//! Tensors, a tape that records every operation, reverse-mode gradients, a finite-difference
//! gradient checker and graph dumps for teaching.
//!
//! ```
//! use nabla_autodiff::{Tape, Tensor};
//!
//! let tape = Tape::<f64>::new();
//! let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
//! let w = tape.param(Tensor::from_vec(vec![0.1, -0.2], &[2, 1])).named("w");
//! let b = tape.param(Tensor::scalar(0.5)).named("b");
//! let loss = (x.matmul(w) + b).tanh().powf(2.0).mean();
//! let grads = loss.backward();
//! assert_eq!(grads[w].shape(), &[2, 1]);
//! assert!(grads[b].item() > 0.0);
//! ```
//!
//! The pieces:
//! - [`Tensor`]: n-dimensional, row-major arrays of `f32`/`f64` ([`Float`]) with NumPy
//!   broadcasting, reductions, matmul and indexing.
//! - [`Tape`] and [`Var`]: record operations; [`Tape::backward`] returns [`Gradients`], and
//!   [`Tape::grad`] returns gradients as vars that can be differentiated again.
//! - [`CustomOp`] and [`ElementwiseFn`]: the extension points for new node types (see the
//!   [`op`] module).
//! - [`GradCheck`]: checks any computation's gradients against central differences.
//! - [`dump`]: the graph as plain text or Graphviz DOT, with values, gradients and the
//!   contribution each edge passes back.

mod backward;
pub mod dump;
mod float;
pub mod gradcheck;
mod kernels;
pub mod op;
mod scratch;
pub mod shape;
mod tape;
mod tensor;

pub use backward::{BackwardError, BackwardOptions, Gradients};
pub use float::Float;
pub use gradcheck::{GradCheck, GradCheckError, GradCheckReport};

pub use kernels::{num_threads, set_num_threads};
pub use op::{CustomOp, Elem, ElementwiseFn, NotDifferentiable, Num};
pub use scratch::Scratch;
pub use shape::Shape;
pub use tape::{NoGradGuard, NodeId, NodeKind, ScopeGuard, Tape, Value, Var};
pub use tensor::{Comparison, ShapeError, Tensor, Window};
