//! Dense and convolution layers, pooling, embedding, normalisation, dropout, activations,
//! losses and initialisers as nodes on the [`nabla_autodiff`] tape.
//!
//! Built only on the public API of `nabla-autodiff`: its extension points ([`CustomOp`] and
//! [`ElementwiseFn`]) and its differentiable [`Var`] primitives (the layers for custom
//! architectures are compositions of them), so that a user could have written every op here.
//! Every op works in `f32`
//! and `f64`, and every op's gradient can be differentiated again (Hessian-vector products,
//! gradient penalties, derivatives inside a loss).
//!
//! - [`dense()`]: `x w + b` as one fused node.
//! - [`activation`]: ReLU and friends, GELU, sigmoid, softmax, ... and the [`Activation`] enum.
//! - [`conv`]: [`conv2d`] and [`conv1d`], grouped, strided, padded and dilated.
//! - [`pool`]: [`max_pool2d`] and [`avg_pool2d`].
//! - [`embedding()`]: rows of a table picked by integer ids.
//! - [`batch_norm()`]: batch normalisation with running statistics.
//! - [`dropout()`]: inverted dropout for training.
//! - [`attention`]: [`softmax_masked`] and [`log_softmax_masked`] with an additive mask, and
//!   [`causal_mask`].
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
//! [`Var`]: nabla_autodiff::Var

pub mod activation;
pub mod attention;
pub mod batch_norm;
pub mod conv;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod init;
pub mod loss;
pub mod pool;

pub use activation::{
    Activation, elu, gelu, gelu_tanh, identity, leaky_relu, log_softmax, mish, relu, sigmoid, silu,
    softmax, softplus, softsign, tanh,
};
pub use attention::{causal_mask, log_softmax_masked, softmax_masked};
pub use batch_norm::{BatchNormOptions, RunningStats, batch_norm};
pub use conv::{Conv1dOptions, ConvOptions, conv1d, conv2d};
pub use dense::{dense, dense_activation};
pub use dropout::dropout;
pub use embedding::embedding;
pub use init::Init;
pub use pool::{avg_pool2d, max_pool2d};
