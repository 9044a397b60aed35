//! Arithmetic kernels. This is the one place in nabla allowed `unsafe`; each use says why.
//!
//! - `gemm`: the matrix product every matmul and dense node goes through, with its size-based
//!   choice of path;
//! - `small`: plain-loop products for a few thousand multiply-adds, dispatched on CPU features;
//! - `blocked`: the cache-blocked product of larger matrices, over packed panels (`pack`);
//! - `micro`: its register-tile kernels (AVX-512, AVX2+FMA, portable), chosen at run time;
//! - `threads`: the helper threads that share a large product.

mod blocked;
pub(crate) mod gemm;
mod micro;
mod pack;
mod small;
mod threads;

pub(crate) use micro::GemmKernel;
pub use threads::{num_threads, set_num_threads};
