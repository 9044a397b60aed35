//! Dense layers, activations, losses and initialisers as nodes on the [`nabla_autodiff`] tape.
//!
//! Built only on the public extension points of `nabla-autodiff` ([`CustomOp`] and
//! [`ElementwiseFn`]), so that a user could have written every op here. Every op works in `f32`
//! and `f64`, and every op's gradient can be differentiated again (Hessian-vector products,
//! gradient penalties, derivatives inside a loss).
//!
//! - [`dense()`]: `x w + b` as one fused node.
//! - [`activation`]: ReLU and friends, GELU, sigmoid, softmax, ... and the [`Activation`] enum.
//! - [`loss`]: regression, binary and categorical losses with reductions and weights.
//! - [`init`]: seeded weight initialisers ([`Init`]).
//!
//! ```
//! use nabla_autodiff::{Tape, Tensor};
//! use nabla_ops::{dense, relu};
//!
//! let tape = Tape::<f64>::new();
//! let x = tape.constant(Tensor::from_vec(vec![1.0, -1.0], &[1, 2]));
//! let w = tape.param(Tensor::from_vec(vec![2.0, 1.0], &[2, 1]));
//! let b = tape.param(Tensor::from_vec(vec![0.5], &[1]));
//! let h = relu(dense(x, w, Some(b)));
//! assert_eq!(h.item(), 1.5);
//! ```
//!
//! [`CustomOp`]: nabla_autodiff::CustomOp
//! [`ElementwiseFn`]: nabla_autodiff::ElementwiseFn

pub mod activation;
pub mod dense;
pub mod init;
pub mod loss;

pub use activation::{
    Activation, elu, gelu, gelu_tanh, identity, leaky_relu, log_softmax, mish, relu, sigmoid, silu,
    softmax, softplus, softsign, tanh,
};
pub use dense::{dense, dense_activation};
pub use init::Init;
