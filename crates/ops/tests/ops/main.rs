//! Integration tests of nabla-ops: gradients, second order, worked values, extremes.
//!
//! One test binary for the whole crate: each file below was its own binary, and linking
//! and optimising the crate's code once instead of once per file keeps `.ci/run` short.

mod architecture;
mod common;
mod dump_rules;
mod extremes;
mod gradients;
mod second_order;
#[path = "../../../../tests/support/tools.rs"]
mod tools;
mod worked_values;
