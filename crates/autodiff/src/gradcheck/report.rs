//! What a gradient check found: [`GradCheckReport`] when every compared derivative is within
//! tolerance, [`GradCheckError`] when some are not, and the records both are made of.

use std::fmt;

/// The finite-difference step and the pass criterion in force for one check.
///
/// An element passes when `|analytic - numeric| <= atol + rtol * |numeric|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// The step of the central difference `(f(x + eps) - f(x - eps)) / 2eps`.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance, scaled by the numeric derivative.
    pub rtol: f64,
}

impl Tolerance {
    /// The largest difference allowed when the numeric derivative is `numeric`.
    pub fn allowed(&self, numeric: f64) -> f64 {
        self.atol + self.rtol * numeric.abs()
    }

    /// Whether `analytic` is close enough to `numeric`. False if either is NaN.
    pub fn allows(&self, analytic: f64, numeric: f64) -> bool {
        (analytic - numeric).abs() <= self.allowed(numeric)
    }

    /// Whether two estimates of one derivative differ by more than the tolerance of the larger.
    pub(super) fn disagree(&self, a: f64, b: f64) -> bool {
        (a - b).abs() > self.allowed(a.abs().max(b.abs()))
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "eps {:e}, atol {:e}, rtol {:e} (pass when |analytic - numeric| <= atol + rtol * \
             |numeric|)",
            self.eps, self.atol, self.rtol
        )
    }
}

/// How the inputs were probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMode {
    /// Every element of every input, one at a time.
    Full,
    /// This many random unit directions per input (see [`GradCheck::projections`]).
    ///
    /// [`GradCheck::projections`]: super::GradCheck::projections
    Projections(usize),
}

impl CheckMode {
    fn unit(self, count: usize) -> &'static str {
        match (self, count) {
            (CheckMode::Full, 1) => "element",
            (CheckMode::Full, _) => "elements",
            (CheckMode::Projections(_), 1) => "direction",
            (CheckMode::Projections(_), _) => "directions",
        }
    }
}

/// Where in an input a derivative was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// One element, by its multi-index (`[2, 3]`; `[]` for a scalar input).
    Element(Vec<usize>),
    /// The numbered random unit direction of a fast-mode check.
    Direction(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Element(index) => write!(f, "element {index:?}"),
            Location::Direction(d) => write!(f, "random direction #{d}"),
        }
    }
}

/// One derivative whose analytic value (from backward) and numeric value (central difference)
/// differ by more than the tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Position of the input in the slice given to [`GradCheck::check`].
    ///
    /// [`GradCheck::check`]: super::GradCheck::check
    pub input: usize,
    /// The input's name, from [`GradCheck::names`] or else from [`Var::named`].
    ///
    /// [`GradCheck::names`]: super::GradCheck::names
    /// [`Var::named`]: crate::Var::named
    pub name: Option<String>,
    /// The element (or, in fast mode, the direction) probed.
    pub location: Location,
    /// The derivative backward computed (a directional derivative in fast mode).
    pub analytic: f64,
    /// The central-difference estimate; at a kink, the one-sided slope nearer the analytic
    /// value.
    pub numeric: f64,
    /// `|analytic - numeric|`.
    pub abs_error: f64,
    /// `|analytic - numeric| / max(|analytic|, |numeric|)`, 0 when both are 0.
    pub rel_error: f64,
    /// How far `abs_error` exceeds the allowed `atol + rtol * |numeric|`; offenders are sorted
    /// by it, worst first. Infinite when either value is NaN.
    pub excess: f64,
    /// At a kink: the one-sided slopes `[left, right]`, between which the analytic value
    /// should lie and does not. `None` where the function is smooth.
    pub kink: Option<[f64; 2]>,
}

impl Mismatch {
    pub(super) fn new(
        input: usize,
        name: Option<String>,
        location: Location,
        analytic: f64,
        numeric: f64,
        tolerance: &Tolerance,
    ) -> Self {
        let abs_error = (analytic - numeric).abs();
        let scale = analytic.abs().max(numeric.abs());
        let rel_error = if abs_error == 0.0 {
            0.0
        } else {
            abs_error / scale
        };
        let excess = abs_error - tolerance.allowed(numeric);
        Mismatch {
            input,
            name,
            location,
            analytic,
            numeric,
            abs_error,
            rel_error,
            excess: if excess.is_nan() {
                f64::INFINITY
            } else {
                excess
            },
            kink: None,
        }
    }

    /// A kink whose analytic value lies outside its one-sided slopes, measured against the
    /// nearer slope.
    pub(super) fn at_kink(kink: Kink, tolerance: &Tolerance) -> Self {
        let nearer = if (kink.analytic - kink.forward).abs() < (kink.analytic - kink.backward).abs()
        {
            kink.forward
        } else {
            kink.backward
        };
        Mismatch {
            kink: Some([kink.backward, kink.forward]),
            ..Mismatch::new(
                kink.input,
                kink.name,
                kink.location,
                kink.analytic,
                nearer,
                tolerance,
            )
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = InputLabel(self.input, self.name.as_deref());
        write!(
            f,
            "{label} {}: analytic {:.6e}, ",
            self.location, self.analytic
        )?;
        match self.kink {
            Some([left, right]) => write!(
                f,
                "outside the one-sided slopes of a kink, {left:.6e} on the left and {right:.6e} \
                 on the right"
            )?,
            None => write!(f, "numeric {:.6e}", self.numeric)?,
        }
        write!(
            f,
            ", abs error {:.3e}, rel error {:.3e}",
            self.abs_error, self.rel_error
        )
    }
}

/// A point where the function has no derivative: the one-sided differences
/// `(f(x + eps) - f(x)) / eps` and `(f(x) - f(x - eps)) / eps` disagree, and keep disagreeing
/// when the step doubles (so the gap is a jump in slope, not curvature) and when it shrinks to
/// a hundredth (so the jump is at the point, not near it). Relu and abs at 0, clamp at its
/// bounds and maximum at ties are kinks. They are reported, not compared; an analytic value
/// outside the two slopes fails the check (no sound subgradient lies there).
#[derive(Debug, Clone, PartialEq)]
pub struct Kink {
    /// Position of the input in the slice given to [`GradCheck::check`].
    ///
    /// [`GradCheck::check`]: super::GradCheck::check
    pub input: usize,
    /// The input's name, if it has one.
    pub name: Option<String>,
    /// The element (or direction) probed.
    pub location: Location,
    /// The forward difference `(f(x + eps) - f(x)) / eps`: the slope on the right.
    pub forward: f64,
    /// The backward difference `(f(x) - f(x - eps)) / eps`: the slope on the left.
    pub backward: f64,
    /// The derivative backward computed; a sound choice lies between the two slopes.
    pub analytic: f64,
}

impl Kink {
    /// Whether the analytic value lies between the one-sided slopes, within the tolerance.
    pub fn analytic_between_sides(&self, tolerance: &Tolerance) -> bool {
        let (lo, hi) = if self.forward <= self.backward {
            (self.forward, self.backward)
        } else {
            (self.backward, self.forward)
        };
        self.analytic >= lo - tolerance.allowed(lo) && self.analytic <= hi + tolerance.allowed(hi)
    }
}

impl fmt::Display for Kink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: slope {:.6e} on the left, {:.6e} on the right, analytic {:.6e}",
            InputLabel(self.input, self.name.as_deref()),
            self.location,
            self.backward,
            self.forward,
            self.analytic
        )
    }
}

/// A passed gradient check: what was compared and how close it came.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheckReport {
    /// The float type checked in, `"f32"` or `"f64"`.
    pub dtype: &'static str,
    /// 1 for a check of first derivatives ([`GradCheck::check`]), 2 for one of second
    /// derivatives ([`GradCheck::check_second_order`]).
    ///
    /// [`GradCheck::check`]: super::GradCheck::check
    /// [`GradCheck::check_second_order`]: super::GradCheck::check_second_order
    pub order: u32,
    /// Full or fast mode.
    pub mode: CheckMode,
    /// The step and tolerances in force (loosened in `f32`, see the module docs).
    pub tolerance: Tolerance,
    /// Elements (full mode) or directions (fast mode) probed, kinks included.
    pub checked: usize,
    /// The largest `|analytic - numeric|` over the compared derivatives (kinks excluded).
    pub max_abs_error: f64,
    /// The largest relative error (as in [`Mismatch::rel_error`]) over the compared derivatives.
    pub max_rel_error: f64,
    /// Points with no derivative, reported instead of compared. (One whose analytic value lies
    /// outside its one-sided slopes is a failure instead, among the offenders.)
    pub kinks: Vec<Kink>,
    /// Things to know: an `f32` check, an input whose gradient is zero everywhere, a step lost
    /// to rounding.
    pub warnings: Vec<String>,
    /// How many times the function was evaluated.
    pub evaluations: usize,
}

/// How many kinks a message lists before it says "and N more".
const KINKS_SHOWN: usize = 5;

impl GradCheckReport {
    /// What was checked, for the headline.
    fn what(&self) -> &'static str {
        if self.order == 2 {
            "second-order gradient"
        } else {
            "gradient"
        }
    }

    /// The lines after the headline: tolerance, kinks, warnings; each starts a new line.
    fn write_details(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\ntolerance: {}", self.tolerance)?;
        if !self.kinks.is_empty() {
            write!(
                f,
                "\n{} kink(s), not compared (no derivative there):",
                self.kinks.len()
            )?;
            for kink in self.kinks.iter().take(KINKS_SHOWN) {
                write!(f, "\n  {kink}")?;
            }
            if self.kinks.len() > KINKS_SHOWN {
                write!(f, "\n  and {} more", self.kinks.len() - KINKS_SHOWN)?;
            }
        }
        for warning in &self.warnings {
            write!(f, "\nwarning: {warning}")?;
        }
        Ok(())
    }
}

impl fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} check passed in {}: {} {} checked, max abs error {:.3e}, max rel error \
             {:.3e}, {} evaluations",
            self.what(),
            self.dtype,
            self.checked,
            self.mode.unit(self.checked),
            self.max_abs_error,
            self.max_rel_error,
            self.evaluations
        )?;
        self.write_details(f)
    }
}

/// A failed gradient check. Its message names the worst offender (input, element, analytic
/// and numeric values, errors), the tolerance, how many failed of how many were checked, and
/// the worst few offenders; the same facts are fields, for tests to assert on.
#[derive(Clone, PartialEq)]
pub struct GradCheckError {
    /// How many derivatives were outside the tolerance.
    pub failed: usize,
    /// The worst offenders, sorted by [`Mismatch::excess`] (worst first); at most
    /// [`GradCheck::offenders`] of them (5 by default).
    ///
    /// [`GradCheck::offenders`]: super::GradCheck::offenders
    pub offenders: Vec<Mismatch>,
    /// Everything else the check found, as a passing check would report it (the error
    /// maxima include the failures). Boxed to keep the `Result` small.
    pub report: Box<GradCheckReport>,
    /// The first op of the recorded graph that fails on its own: after a failure, each op on
    /// the path from the inputs to the output is checked alone, in creation order, at the
    /// inputs it was recorded with. `None` if every op passes alone (the fault lies between
    /// them: a gradient cut by `detach`, a value copied into a constant) or none was checked.
    pub failing_op: Option<Box<FailingOp>>,
    /// How many ops were checked alone (up to and including the failing one).
    pub ops_checked: usize,
}

/// An op whose vector-Jacobian product disagrees with finite differences of that op alone, at
/// the inputs it was recorded with: the op inside a bigger expression that makes it fail.
///
/// Its output is reduced with fixed random weights, as the whole function's is, and its
/// differentiable inputs are probed as the function's inputs are (every element, or random
/// directions in fast mode); integer and constant inputs are skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct FailingOp {
    /// The node's number in creation order, as graph dumps number it (`#3`).
    pub node: usize,
    /// The op's name, as graph dumps show it (`"matmul"`, a custom op's own name).
    pub op: String,
    /// The name given to the node's output with [`Var::named`], if any.
    ///
    /// [`Var::named`]: crate::Var::named
    pub name: Option<String>,
    /// The scope the node was recorded in ([`Tape::scope`]; nested scopes joined with `/`).
    ///
    /// [`Tape::scope`]: crate::Tape::scope
    pub scope: Option<String>,
    /// The worst disagreement; its `input` is the op's input position, its `name` that input
    /// node's name.
    pub mismatch: Mismatch,
    /// The step and tolerances the op was checked with (`atol` may be raised above the check's
    /// by the rounding noise of the op's own output).
    pub tolerance: Tolerance,
}

impl fmt::Display for FailingOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}", self.node, self.op)?;
        if let Some(name) = &self.name {
            write!(f, " '{name}'")?;
        }
        if let Some(scope) = &self.scope {
            write!(f, " (scope {scope})")?;
        }
        let t = &self.tolerance;
        write!(
            f,
            ", {} (tolerance: eps {:e}, atol {:e}, rtol {:e})",
            self.mismatch, t.eps, t.atol, t.rtol
        )
    }
}

impl fmt::Display for GradCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.report;
        write!(
            f,
            "{} check failed in {}: {} of {} {} checked differ from central differences",
            r.what(),
            r.dtype,
            self.failed,
            r.checked,
            r.mode.unit(r.checked)
        )?;
        if let Some(worst) = self.offenders.first() {
            write!(f, "; worst: {worst}")?;
        }
        match &self.failing_op {
            Some(op) => write!(f, "\nfirst failing op: {op}")?,
            None if self.ops_checked > 0 => write!(
                f,
                "\nall {} op(s) on the path pass when checked alone, so the fault lies between \
                 them: a gradient cut (detach, a value copied into a constant) or a function \
                 that is not the same at every call",
                self.ops_checked
            )?,
            None => {}
        }
        if let CheckMode::Projections(_) = r.mode {
            write!(
                f,
                "\n(fast mode compares directional derivatives; check the failing input in full \
                 mode to find the elements)"
            )?;
        }
        write!(
            f,
            "\nworst {} of {} offender(s), by excess over the tolerance:",
            self.offenders.len(),
            self.failed
        )?;
        for m in &self.offenders {
            write!(f, "\n  {m} (excess {:.3e})", m.excess)?;
        }
        r.write_details(f)
    }
}

/// Shows the message, so that `.unwrap()` in a test prints something readable.
impl fmt::Debug for GradCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for GradCheckError {}

/// `input 1 'w'`, or `input 1` without a name.
pub(super) struct InputLabel<'a>(pub(super) usize, pub(super) Option<&'a str>);

impl fmt::Display for InputLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input {}", self.0)?;
        if let Some(name) = self.1 {
            write!(f, " '{name}'")?;
        }
        Ok(())
    }
}
