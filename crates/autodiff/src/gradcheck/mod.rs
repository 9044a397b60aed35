//! Finite-difference gradient checking: [`GradCheck`] compares the gradients backward computes
//! with numbers obtained by nudging each input and re-running the function.
//!
//! # Use it from a test
//!
//! Give the inputs as tensors and the computation as a closure over the tape and one var per
//! input (each input becomes a [`Tape::param`]). Check in `f64`:
//!
//! ```
//! use nabla_autodiff::{GradCheck, Tensor};
//!
//! let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7, -0.4, 1.1], &[2, 3]);
//! let w = Tensor::from_vec(vec![0.5, -0.25, 1.5], &[3, 1]);
//! let report = GradCheck::new()
//!     .names(&["x", "w"])
//!     .check(&[x, w], |_tape, v| v[0].matmul(v[1]).tanh())
//!     .unwrap(); // on failure the message says which input, element and values
//! assert_eq!(report.checked, 6 + 3);
//! assert!(report.max_abs_error < 1e-8);
//! ```
//!
//! # What is compared
//!
//! The function's output `y = f(x_1, ..., x_n)` is reduced to one number
//! `J = sum_k w_k y_k`, where `w` is a fixed random weight vector (drawn from
//! [`GradCheck::seed`]; each `|w_k|` lies in [0.5, 1.5) with a random sign so no output element
//! is ignored). A one-element output is used as is (`w = 1`). Backward, seeded with `w`, gives
//! the analytic gradient `dJ/dx`. Then, for every element `x_j` of every input, the numeric
//! derivative is the central difference
//!
//! ```text
//! numeric = (J(x + eps e_j) - J(x - eps e_j)) / (2 eps)
//! ```
//!
//! (with the step actually taken after rounding in `T`), and the element passes when
//!
//! ```text
//! |analytic - numeric| <= atol + rtol * |numeric|
//! ```
//!
//! with `eps = 1e-6`, `atol = 1e-5`, `rtol = 1e-3` by default, as in PyTorch's
//! `torch.autograd.gradcheck`. One [`Tape`] serves every evaluation, cleared in between; the
//! inputs go on it shared, not copied. `f` must be deterministic (no fresh random numbers per
//! call, or the differences mean nothing).
//!
//! # Kinks
//!
//! Relu and abs at 0, clamp at its bounds and maximum or minimum at a tie have no derivative:
//! the slope on the right, `(J(x + eps) - J(x)) / eps`, differs from the slope on the left,
//! `(J(x) - J(x - eps)) / eps`. The central difference there is an average of the two that no
//! correct backward has to match, so such an element is reported as a [`Kink`] (with both
//! slopes and the analytic value), not compared. But an analytic value outside the interval of
//! the two slopes (with the tolerance) fails: no sound subgradient lies there (abs with
//! derivative 5 at 0 fails; 0, or anything in [-1, 1], passes).
//!
//! Two things besides a kink open a gap between the slopes, and neither is called a kink.
//! Strong curvature (a gap of about `f''(x) eps`): the checker takes two more steps of `2 eps`
//! and extrapolates each slope to a zero step, which removes the curvature and leaves only a
//! real jump. And a kink near the point but not at it, which the steps straddle (relu at
//! `5e-7` with `eps = 1e-6`): the checker takes the slopes again with steps of `eps / 10` and
//! `eps / 100` (while rounding noise stays ten times below `atol`), and where they agree the
//! point is smooth and the central difference at that step is compared. So only a point
//! within about `eps / 100` of a non-smooth point is a kink.
//!
//! # Which op is wrong
//!
//! When a check fails, the error also names the first op of the graph that fails on its own
//! ([`GradCheckError::failing_op`], a [`FailingOp`]). The function is recorded once more, and
//! each op on a path from the inputs to the output is checked alone, in creation order: put on
//! a fresh tape with its recorded input values as leaves, its output reduced with fixed random
//! weights, its vector-Jacobian product compared with central differences of its forward, by
//! the same probes and tolerance. Inputs no gradient flows into (data, labels, masks) are not
//! probed. The message names the op as graph dumps do (`#3 cube`), with its scope, its input
//! and element and the two values:
//!
//! ```text
//! first failing op: #3 cube (scope block), input 0 element [0, 0]: analytic 2.108838e0, numeric 3.163257e0, abs error 1.054e0, rel error 3.333e-1 (tolerance: eps 1e-6, atol 1e-5, rtol 1e-3)
//! ```
//!
//! If every op passes alone, the fault lies between them (a gradient cut by `detach`), and the
//! message says so.
//!
//! # Fast mode
//!
//! For large inputs, [`GradCheck::projections`]`(k)` checks `k` random unit directions `u` per
//! input instead of every element: the directional derivative `dJ/dx . u` against
//! `(J(x + eps u) - J(x - eps u)) / (2 eps)`. It costs `2k` evaluations per input instead of
//! two per element, and a wrong gradient in any element shows in almost every direction. A
//! failure names the input and the direction; check that input in full mode to find the
//! element.
//!
//! # Precision
//!
//! The checker computes in `T`. Each evaluation of `J` carries rounding noise of about
//! `T::EPSILON * |w * y|_2` (the terms' errors, random in sign), and a difference divides it by
//! the step. So the absolute tolerance in force is at least 4 times that noise over `eps`;
//! in `f64` this floor stays far below `atol` unless the output is huge, and a warning says
//! when it raised `atol`.
//!
//! In `f32` the noise is about `1e-7 |w * y|_2 / eps`, so at `eps = 1e-6` the numeric
//! derivative would be noise. An `f32` check therefore uses `eps = max(eps, 1e-3)`,
//! `atol = max(atol, 1e-2)` and `rtol = max(rtol, 1e-2)` (before the noise floor), reports the
//! values used in [`GradCheckReport::tolerance`], adds a warning to the report and prints it
//! once per process to stderr. Such a check catches gross errors only: check gradients in
//! `f64` ([`Tensor::cast`] converts inputs).
//!
//! # Reports
//!
//! `Ok(`[`GradCheckReport`]`)` tells how many elements were checked, the largest absolute and
//! relative errors, the kinks and any warnings. `Err(`[`GradCheckError`]`)` names the worst
//! element (input index and name, multi-index, analytic and numeric values, both errors), the
//! first failing op, the tolerance in force, how many failed of how many, and the worst few
//! offenders (5 unless [`GradCheck::offenders`] says otherwise), which are also in
//! [`GradCheckError::offenders`].

mod alone;
mod objective;
mod report;
mod tally;
mod warnings;

pub use report::{
    CheckMode, FailingOp, GradCheckError, GradCheckReport, Kink, Location, Mismatch, Tolerance,
};

use crate::float::Float;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;
use objective::{Function, Objective, Step, unit_direction};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tally::Tally;

/// Checks a computation's gradients against central finite differences. Configure with the
/// builder methods, then call [`GradCheck::check`]. See the [module documentation](self) for
/// the method.
#[derive(Debug, Clone)]
pub struct GradCheck {
    eps: f64,
    atol: f64,
    rtol: f64,
    /// Random directions per input; 0 for full mode.
    projections: usize,
    seed: u64,
    names: Vec<String>,
    offenders: usize,
    /// Take the analytic gradient from the recorded backward pass (`create_graph`).
    recorded: bool,
}

impl Default for GradCheck {
    fn default() -> Self {
        Self::new()
    }
}

/// The smallest step, absolute and relative tolerance an `f32` check uses.
const F32_FLOOR: Tolerance = Tolerance {
    eps: 1e-3,
    atol: 1e-2,
    rtol: 1e-2,
};

/// How many times the estimated rounding noise of a difference the absolute tolerance is
/// kept above.
const NOISE_MARGIN: f64 = 10.0;

impl GradCheck {
    /// A full check with `eps = 1e-6`, `atol = 1e-5`, `rtol = 1e-3` (the defaults of
    /// `torch.autograd.gradcheck`), showing the worst 5 offenders.
    pub fn new() -> Self {
        GradCheck {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
            projections: 0,
            seed: 0x006e_6162_6c61, // "nabla" in ASCII
            names: Vec::new(),
            offenders: 5,
            recorded: false,
        }
    }

    /// The finite-difference step.
    ///
    /// # Panics
    /// If `eps` is not positive and finite.
    pub fn eps(mut self, eps: f64) -> Self {
        assert!(
            eps > 0.0 && eps.is_finite(),
            "GradCheck::eps: the step must be positive and finite, got {eps}"
        );
        self.eps = eps;
        self
    }

    /// The absolute tolerance.
    ///
    /// # Panics
    /// If `atol` is negative or NaN.
    pub fn atol(mut self, atol: f64) -> Self {
        self.atol = non_negative("atol", atol);
        self
    }

    /// The relative tolerance, scaled by the numeric derivative.
    ///
    /// # Panics
    /// If `rtol` is negative or NaN.
    pub fn rtol(mut self, rtol: f64) -> Self {
        self.rtol = non_negative("rtol", rtol);
        self
    }

    /// Fast mode: check `count` random unit directions per input instead of every element
    /// (for large inputs). `0` turns it off.
    ///
    /// ```
    /// use nabla_autodiff::{GradCheck, Tensor};
    /// use rand::{SeedableRng, rngs::StdRng};
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let a = Tensor::<f64>::randn(&[40, 30], 0.0, 1.0, &mut rng);
    /// let b = Tensor::<f64>::randn(&[30, 20], 0.0, 1.0, &mut rng);
    /// let report = GradCheck::new()
    ///     .projections(3)
    ///     .check(&[a, b], |_tape, v| v[0].matmul(v[1]))
    ///     .unwrap();
    /// assert_eq!(report.checked, 2 * 3);
    /// ```
    pub fn projections(mut self, count: usize) -> Self {
        self.projections = count;
        self
    }

    /// Seeds the random output weights and fast-mode directions; the same seed gives the same
    /// check.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Names the inputs, in order, for messages. Without names, a name given inside the
    /// closure with [`Var::named`] is used.
    pub fn names(mut self, names: &[&str]) -> Self {
        self.names = names.iter().map(|&n| n.to_owned()).collect();
        self
    }

    /// How many of the worst offenders a failure lists (default 5, at least 1).
    pub fn offenders(mut self, count: usize) -> Self {
        self.offenders = count.max(1);
        self
    }

    /// Puts each tensor of `inputs` on a fresh tape as a parameter, calls `f` with the tape and
    /// those vars, and compares the gradient backward computes with central differences (see
    /// the [module documentation](self)).
    ///
    /// # Errors
    /// A [`GradCheckError`] when any compared derivative is outside the tolerance, or an
    /// analytic value at a kink lies outside the one-sided slopes there. The error names the
    /// first op of the graph that fails on its own ([`GradCheckError::failing_op`]).
    ///
    /// # Panics
    /// If `f` panics, or returns outputs of different sizes for nearby inputs.
    pub fn check<T: Float, F>(
        &self,
        inputs: &[Tensor<T>],
        f: F,
    ) -> Result<GradCheckReport, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
    {
        let configured = self.tolerance_for::<T>();
        let mode = match self.projections {
            0 => CheckMode::Full,
            k => CheckMode::Projections(k),
        };
        let mut rng = StdRng::seed_from_u64(self.seed);
        let (mut objective, start) =
            Objective::new(&f, inputs, configured.eps, self.recorded, &mut rng);
        let tolerance = floored(&configured, start.noise);
        let mut warnings =
            warnings::before::<T>(&self.names, inputs.len(), &configured, &tolerance);
        if !start.finite {
            warnings.push(warnings::NOT_FINITE.to_owned());
        }
        let mut tally = Tally::new(tolerance, mode);
        for (i, x) in inputs.iter().enumerate() {
            let name = self.names.get(i).or(start.names[i].as_ref());
            let name = name.map(String::as_str);
            let gradient = &start.gradients[i];
            let failures_before = tally.failures();
            let probes = Probes {
                input: i,
                name,
                shape: x.shape(),
                gradient,
                tolerance: &tolerance,
            };
            probes.run(mode, &mut objective, &mut tally, &mut rng);
            if x.numel() > 0
                && gradient.iter().all(|&g| g == 0.0)
                && tally.failures() == failures_before
            {
                warnings.push(warnings::zero_gradient(i, name));
            }
        }
        warnings.extend(warnings::lost_steps::<T>(&tolerance, objective.lost_steps));
        tally
            .finish(T::NAME, warnings, objective.evaluations, self.offenders)
            .map_err(|mut e| {
                (e.failing_op, e.ops_checked) =
                    alone::first_failing_op(self, inputs, &f, &configured, mode);
                e
            })
    }

    /// Checks second derivatives: the gradient of `f`, computed with [`Tape::grad`] and so
    /// recorded on the tape, is itself checked against central differences, as
    /// [`GradCheck::check`] checks `f` (PyTorch's `gradgradcheck`). Before that, the recorded
    /// gradient is checked to first order, like [`GradCheck::check`] checks the fast one, so
    /// that a wrong recorded product cannot pass by being differentiated consistently.
    ///
    /// The output of `f` is reduced to `J = sum_k w_k y_k` with fixed random weights (as the
    /// first-order check does), and the function checked is `x -> dJ/dx`, all inputs'
    /// gradients joined into one vector. Its own output is reduced with another set of random
    /// weights `v`, so what is compared, element by element of each input, is the
    /// Hessian-vector product `d/dx_j (v . dJ/dx)`. A failure reads like a first-order one:
    /// the input, the element, the analytic and numeric values and the tolerance in force.
    ///
    /// ```
    /// use nabla_autodiff::{GradCheck, Tensor};
    /// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7], &[2, 2]);
    /// let report = GradCheck::new()
    ///     .check_second_order(&[x], |_tape, v| (v[0] * v[0]).tanh().sum())
    ///     .unwrap();
    /// assert_eq!(report.order, 2);
    /// assert_eq!(report.checked, 4);
    /// ```
    ///
    /// # Errors
    /// A [`GradCheckError`] when any second derivative is outside the tolerance.
    ///
    /// # Panics
    /// As [`GradCheck::check`], and if the gradient passes through a custom op with no
    /// differentiable vector-Jacobian product (the message names the op).
    pub fn check_second_order<T: Float, F>(
        &self,
        inputs: &[Tensor<T>],
        f: F,
    ) -> Result<GradCheckReport, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
    {
        let recorded = GradCheck {
            recorded: true,
            ..self.clone()
        };
        recorded.check(inputs, &f).map_err(|mut e| {
            e.report
                .warnings
                .push(warnings::RECORDED_GRADIENT.to_owned());
            e
        })?;
        // Fixed weights for the first reduction, drawn once for the output's size.
        let out_shape = {
            let tape = Tape::new();
            let vars: Vec<Var<'_, T>> = inputs.iter().map(|x| tape.param(x.clone())).collect();
            f(&tape, &vars).shape()
        };
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_add(2));
        let weights = objective::output_weights::<T>(out_shape.iter().product(), &mut rng);
        let weights = Tensor::from_vec(weights.into_iter().map(T::from_f64).collect(), &out_shape);
        let gradient = on_any_tape(|tape, v| {
            let y = f(tape, v);
            let j = (y * tape.constant(weights.clone())).sum();
            let grads = tape.grad(j, v).unwrap_or_else(|e| panic!("{e}"));
            let flat: Vec<Var<'_, T>> = grads
                .iter()
                .map(|g| g.reshape(&[g.shape().iter().product()]))
                .collect();
            Var::concat(&flat, 0)
        });
        let mark = |mut report: GradCheckReport| {
            report.order = 2;
            report
        };
        self.check(inputs, gradient).map(mark).map_err(|mut e| {
            e.report.order = 2;
            e
        })
    }

    /// The step and tolerances for element type `T`: as configured in `f64`, floored by
    /// [`F32_FLOOR`] in a less precise type.
    fn tolerance_for<T: Float>(&self) -> Tolerance {
        let configured = Tolerance {
            eps: self.eps,
            atol: self.atol,
            rtol: self.rtol,
        };
        if is_low_precision::<T>() {
            Tolerance {
                eps: configured.eps.max(F32_FLOOR.eps),
                atol: configured.atol.max(F32_FLOOR.atol),
                rtol: configured.rtol.max(F32_FLOOR.rtol),
            }
        } else {
            configured
        }
    }
}

/// The configured tolerance with `atol` raised, if need be, to [`NOISE_MARGIN`] times the
/// rounding noise of a difference: `noise` (of one evaluation) over the step.
fn floored(configured: &Tolerance, noise: f64) -> Tolerance {
    Tolerance {
        atol: configured.atol.max(NOISE_MARGIN * noise / configured.eps),
        ..*configured
    }
}

/// `f` itself, typed as a function of any tape (closures need the hint to be that general).
fn on_any_tape<T: Float, F>(f: F) -> F
where
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    f
}

/// `value`, if it is a usable tolerance (0 or more, not NaN).
fn non_negative(what: &str, value: f64) -> f64 {
    assert!(
        value >= 0.0,
        "GradCheck::{what}: the tolerance must be 0 or more, got {value}"
    );
    value
}

/// The probes of one input, and what they are compared with.
struct Probes<'a> {
    input: usize,
    name: Option<&'a str>,
    shape: &'a [usize],
    /// The analytic gradient of J for this input, row-major.
    gradient: &'a [f64],
    tolerance: &'a Tolerance,
}

impl Probes<'_> {
    /// Probes in `mode`: every element (full mode), or `k` random unit directions drawn from
    /// `rng`, compared as directional derivatives (fast mode).
    fn run<T: Float, E: Function<T>>(
        &self,
        mode: CheckMode,
        objective: &mut Objective<'_, T, E>,
        tally: &mut Tally,
        rng: &mut StdRng,
    ) {
        let mut probe = |step: Step<'_>, location: Location, analytic: f64| {
            let probe = objective.probe(self.input, step, self.tolerance);
            tally.record(self.input, self.name, location, analytic, probe);
        };
        match mode {
            CheckMode::Full => {
                for (j, &analytic) in self.gradient.iter().enumerate() {
                    let location = Location::Element(unravel(j, self.shape));
                    probe(Step::Element(j), location, analytic);
                }
            }
            CheckMode::Projections(_) if self.gradient.is_empty() => {}
            CheckMode::Projections(count) => {
                for d in 0..count {
                    let u = unit_direction(self.gradient.len(), rng);
                    let analytic = self.gradient.iter().zip(&u).map(|(g, u)| g * u).sum();
                    probe(Step::Direction(&u), Location::Direction(d), analytic);
                }
            }
        }
    }
}

/// Whether `T` is too coarse for finite differences at the default step (`f32`).
pub(super) fn is_low_precision<T: Float>() -> bool {
    T::EPSILON.to_f64() > 1e-10
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &extent) in index.iter_mut().zip(shape).rev() {
        *i = flat % extent;
        flat /= extent;
    }
    index
}

#[cfg(test)]
mod tests;
