//! nabla: tensors, a tape that records every operation, reverse-mode gradients, and models
//! whose output layer and loss fit the target.
//!
//! This facade re-exports the workspace's crates; most programs need only the [`prelude`].
//!
//! ```
//! use nabla::prelude::*;
//! let tape = Tape::<f64>::new();
//! let x = tape.param(Tensor::scalar(2.0));
//! let y = (x * x).exp();
//! assert!((y.backward()[x].item() - 4.0 * 4f64.exp()).abs() < 1e-9);
//! ```

pub use nabla_autodiff as autodiff;
pub use nabla_models as models;
pub use nabla_ops as ops;

/// The names most programs use.
pub mod prelude {
    pub use nabla_autodiff::{
        BackwardOptions, CustomOp, Elem, ElementwiseFn, Float, GradCheck, Gradients, Scratch, Tape,
        Tensor, Var,
    };
}

/// The guide's pages, compiled as doctests so their code stays true.
#[cfg(doctest)]
pub mod guide {
    #[doc = include_str!("../README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/autodiff.md")]
    pub struct Autodiff;
    #[doc = include_str!("../docs/models.md")]
    pub struct Models;
    #[doc = include_str!("../docs/diagnostics.md")]
    pub struct Diagnostics;
}
