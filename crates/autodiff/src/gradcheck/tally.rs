//! Collects the outcome of every probe and turns them into a report or an error.

use super::objective::Probe;
use super::report::{
    CheckMode, GradCheckError, GradCheckReport, Kink, Location, Mismatch, Tolerance,
};

/// Running totals of a check.
pub(super) struct Tally {
    tolerance: Tolerance,
    mode: CheckMode,
    checked: usize,
    max_abs_error: f64,
    max_rel_error: f64,
    failures: Vec<Mismatch>,
    kinks: Vec<Kink>,
}

impl Tally {
    pub(super) fn new(tolerance: Tolerance, mode: CheckMode) -> Self {
        Tally {
            tolerance,
            mode,
            checked: 0,
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            failures: Vec::new(),
            kinks: Vec::new(),
        }
    }

    /// Records what a probe of `input` at `location` found, against the analytic value.
    pub(super) fn record(
        &mut self,
        input: usize,
        name: Option<&str>,
        location: Location,
        analytic: f64,
        probe: Probe,
    ) {
        self.checked += 1;
        let name = name.map(str::to_owned);
        match probe {
            Probe::Smooth { numeric } => {
                let m = Mismatch::new(input, name, location, analytic, numeric, &self.tolerance);
                if !self.tolerance.allows(analytic, numeric) {
                    self.fail(m);
                } else {
                    self.count_error(&m);
                }
            }
            Probe::Kink { forward, backward } => {
                let kink = Kink {
                    input,
                    name,
                    location,
                    forward,
                    backward,
                    analytic,
                };
                if kink.analytic_between_sides(&self.tolerance) {
                    self.kinks.push(kink);
                } else {
                    self.fail(Mismatch::at_kink(kink, &self.tolerance));
                }
            }
        }
    }

    /// Counts a failure, whose errors count towards the maxima too.
    fn fail(&mut self, m: Mismatch) {
        self.count_error(&m);
        self.failures.push(m);
    }

    fn count_error(&mut self, m: &Mismatch) {
        self.max_abs_error = nan_max(self.max_abs_error, m.abs_error);
        self.max_rel_error = nan_max(self.max_rel_error, m.rel_error);
    }

    /// Number of failures so far.
    pub(super) fn failures(&self) -> usize {
        self.failures.len()
    }

    pub(super) fn finish(
        mut self,
        dtype: &'static str,
        warnings: Vec<String>,
        evaluations: usize,
        offenders_shown: usize,
    ) -> Result<GradCheckReport, GradCheckError> {
        let report = GradCheckReport {
            dtype,
            order: 1,
            mode: self.mode,
            tolerance: self.tolerance,
            checked: self.checked,
            max_abs_error: self.max_abs_error,
            max_rel_error: self.max_rel_error,
            kinks: self.kinks,
            warnings,
            evaluations,
        };
        if self.failures.is_empty() {
            return Ok(report);
        }
        let failed = self.failures.len();
        self.failures.sort_by(|a, b| b.excess.total_cmp(&a.excess));
        self.failures.truncate(offenders_shown.max(1));
        Err(GradCheckError {
            failed,
            offenders: self.failures,
            report: Box::new(report),
            failing_op: None,
            ops_checked: 0,
        })
    }
}

/// The larger of two errors, NaN winning (a NaN derivative is the worst error there is).
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
