//! The warnings a check can add to its report: things that do not fail it but limit what it
//! shows.

use super::is_low_precision;
use super::report::{InputLabel, Tolerance};
use crate::float::Float;
use std::sync::Once;

static LOW_PRECISION: Once = Once::new();

/// The output was NaN or infinite before any step was taken.
pub(super) const NOT_FINITE: &str = "the function's output is not finite at the given inputs, \
     so no difference can match; move the inputs into the function's domain";

/// Warnings known once the first evaluation has fixed the tolerance: a low-precision type
/// (also printed to stderr, once per process), an absolute tolerance raised by rounding
/// noise, names that do not fit the inputs.
pub(super) fn before<T: Float>(
    names: &[String],
    inputs: usize,
    configured: &Tolerance,
    tolerance: &Tolerance,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if is_low_precision::<T>() {
        let warning = format!(
            "gradient check in {}: rounding makes finite differences unreliable, so this check \
             used eps {:e}, atol {:e}, rtol {:e} and catches gross errors only; check in f64 \
             (convert the inputs with Tensor::cast::<f64>())",
            T::NAME,
            tolerance.eps,
            tolerance.atol,
            tolerance.rtol
        );
        LOW_PRECISION.call_once(|| eprintln!("warning: {warning}"));
        warnings.push(warning);
    }
    if tolerance.atol > configured.atol {
        warnings.push(format!(
            "the output is large enough for rounding in {} to blur the differences, so atol \
             was raised from {:e} to {:e}; reduce the output (a mean, fewer elements) or check \
             in f64 for a sharper check",
            T::NAME,
            configured.atol,
            tolerance.atol
        ));
    }
    if !names.is_empty() && names.len() != inputs {
        warnings.push(format!(
            "{} name(s) were given for {inputs} input(s); names are matched to inputs in order, \
             so give one per input",
            names.len()
        ));
    }
    warnings
}

/// Why a second-order check failed at first order.
pub(super) const RECORDED_GRADIENT: &str = "this is the first-order check of the gradient \
    recorded for higher-order use (Tape::grad): an op's recorded vector-Jacobian product \
    (CustomOp::vjp_graph, or a primitive's rule on vars) disagrees with central differences";

/// An input whose gradient is zero both ways: the check learnt nothing about it.
pub(super) fn zero_gradient(input: usize, name: Option<&str>) -> String {
    format!(
        "{}: the gradient is zero everywhere, analytic and numeric, so this check says nothing \
         about it; is the input used?",
        InputLabel(input, name)
    )
}

/// Steps lost to rounding, if any.
pub(super) fn lost_steps<T: Float>(tolerance: &Tolerance, lost_steps: usize) -> Option<String> {
    (lost_steps > 0).then(|| {
        format!(
            "{lost_steps} step(s) of {:e} vanished when added in {} (the element is too large \
             for the step); their numeric derivatives are meaningless: raise eps",
            tolerance.eps,
            T::NAME
        )
    })
}
