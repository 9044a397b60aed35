//! Integration tests of nabla-autodiff: gradients against finite differences, higher order,
//! the tape, graph dumps.
//!
//! One test binary for the whole crate: each file below was its own binary, and linking
//! and optimising the crate's code once instead of once per file keeps `.ci/run` short.

mod architecture_ops;
mod common;
mod dump_before_backward;
mod dump_dot;
mod dump_fanout;
mod grad_primitives;
mod higher_order;
mod tape;
#[path = "../../../../tests/support/tools.rs"]
mod tools;
