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

/// Gradient checks for your own tests, in one line.
///
/// [`assert_gradients!`](crate::assert_gradients) checks the gradients of a computation
/// against central differences with [`GradCheck`] and panics when they disagree, with the
/// whole report as the message: the input, element, analytic and numeric values and the
/// tolerance, and the first op of the graph that fails on its own (its number as graph dumps
/// show it, name, scope and input). The inputs are named after the expressions given.
///
/// ```
/// use nabla::autodiff::Tensor;
/// use nabla::testing::assert_gradients;
///
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7, -0.4, 1.1], &[2, 3]);
/// let w = Tensor::from_vec(vec![0.5, -0.25, 1.5], &[3, 1]);
/// let report = assert_gradients!(x, w => |_tape, v| v[0].matmul(v[1]).tanh().mean());
/// assert_eq!(report.checked, 6 + 3);
///
/// // With settings of your own: a `GradCheck` and a semicolon first.
/// use nabla::autodiff::GradCheck;
/// assert_gradients!(GradCheck::new().projections(2); x => |_tape, v| v[0].exp().sum());
/// ```
///
/// A wrong gradient panics with a message like this one, for a custom op `cube` whose
/// vector-Jacobian product is `2x^2` instead of `3x^2`, inside `tanh(cube(x @ w)).mean()`:
///
/// ```text
/// gradient check failed in f64: 12 of 12 elements checked differ from central differences; worst: input 1 'w' element [0, 0]: analytic 2.074218e-1, numeric 3.111327e-1, abs error 1.037e-1, rel error 3.333e-1
/// first failing op: #3 cube (scope block), input 0 element [0, 0]: analytic 2.108838e0, numeric 3.163257e0, abs error 1.054e0, rel error 3.333e-1 (tolerance: eps 1e-6, atol 1e-5, rtol 1e-3)
/// worst 5 of 12 offender(s), by excess over the tolerance:
///   ...
/// ```
///
/// [`GradCheck`]: nabla_autodiff::GradCheck
pub mod testing {
    pub use crate::assert_gradients;
    use nabla_autodiff::{Float, GradCheck, GradCheckReport, Tape, Tensor, Var};

    /// Checks the gradients of `f` at `inputs` with `check` ([`GradCheck::check`]) and
    /// returns the report; what [`assert_gradients!`] calls.
    ///
    /// # Panics
    /// When the check fails, with the failure's full report as the message.
    pub fn assert_gradients_with<T: Float, F>(
        check: &GradCheck,
        inputs: &[Tensor<T>],
        f: F,
    ) -> GradCheckReport
    where
        F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
    {
        check.check(inputs, f).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Checks the gradients of a computation against central differences and panics with the
/// full report if they disagree; returns the [`GradCheckReport`] otherwise. See the
/// [`testing`] module.
///
/// `assert_gradients!(x, w => |tape, v| ...)` checks with [`GradCheck::new`];
/// `assert_gradients!(check; x, w => |tape, v| ...)` with the `GradCheck` given. Each input is
/// a `Tensor` (or a reference to one), copied for the check and named after its expression;
/// the closure gets the tape and one var per input, in order.
///
/// [`GradCheckReport`]: nabla_autodiff::GradCheckReport
/// [`GradCheck::new`]: nabla_autodiff::GradCheck::new
#[macro_export]
macro_rules! assert_gradients {
    ($check:expr; $($input:expr),+ $(,)? => $f:expr $(,)?) => {
        $crate::testing::assert_gradients_with(
            &::std::clone::Clone::clone(&$check).names(&[$(::std::stringify!($input)),+]),
            &[$($crate::autodiff::Tensor::clone(&$input)),+],
            $f,
        )
    };
    ($($input:expr),+ $(,)? => $f:expr $(,)?) => {
        $crate::assert_gradients!($crate::autodiff::GradCheck::new(); $($input),+ => $f)
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
