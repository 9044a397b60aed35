//! Arithmetic kernels. This is the one place in nabla allowed `unsafe`; each use says why.

pub(crate) mod gemm;

pub use gemm::GemmKernel;
