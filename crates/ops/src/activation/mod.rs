//! Activation functions, each recorded as one node.
//!
//! The element-wise ones are the rows of one table ([`Activation`] lists them): each row
//! states `f` and `f'`, and the public function, its node, its fast and recorded backward
//! passes and its place in [`Activation::ALL`] follow from the row. `relu`, `sigmoid` and
//! `tanh` are the core's own primitives; `softmax` and `log_softmax` work along an axis. All
//! are numerically stable: `sigmoid`, `softplus`, `silu` and `mish` stay finite for any finite
//! input, and the softmax family subtracts each lane's maximum before exponentiating. Every
//! one can be differentiated to any order.

mod kind;
mod softmax;

pub use kind::{
    Activation, ParseActivationError, elu, gelu, gelu_tanh, identity, leaky_relu, mish, relu,
    sigmoid, silu, softplus, softsign, tanh,
};
pub use softmax::{log_softmax, softmax};

pub(crate) use softmax::{Lane, max_and_log_sum};
