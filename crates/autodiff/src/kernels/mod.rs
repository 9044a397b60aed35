//! Arithmetic kernels. This is the one place in nabla allowed `unsafe`; each use says why.
//!
//! - `gemm`: the matrix product every matmul and dense node goes through, with its size-based
//!   choice of path;
//! - `small`: plain-loop products for a few thousand multiply-adds, dispatched on CPU features;
//! - `threads`: the helper threads that share a large product.

pub(crate) mod gemm;
mod small;
mod threads;

pub(crate) use gemm::GemmKernel;
pub use threads::{num_threads, set_num_threads};
