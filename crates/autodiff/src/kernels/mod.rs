//! Arithmetic kernels. This is the one place in nabla allowed `unsafe`; each use says why.

pub(crate) mod gemm;
mod small;
mod threads;

pub use gemm::GemmKernel;
pub use threads::{num_threads, set_num_threads};
