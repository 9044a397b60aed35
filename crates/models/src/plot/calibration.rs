//! [`calibration_diagram`]: reliability diagrams.

use super::PlotError;
use super::curves::{UnitCurve, unit_curves};
use super::figure::{Look, Series};
use crate::metrics::CalibrationCurve;

/// A reliability (calibration) diagram as an SVG document: the fraction of positives against
/// the mean predicted probability of each bin, a line with a marker per bin for each
/// `(label, curve)`, the dashed diagonal of perfect calibration, and a legend of
/// `label (ECE 0.042)`, the expected calibration error
/// ([`CalibrationCurve::expected_calibration_error`]).
///
/// ```
/// use nabla_models::metrics::{BinStrategy, calibration_curve};
/// use nabla_models::plot::calibration_diagram;
/// let y = [0, 0, 1, 0, 1, 1, 1, 0];
/// let p = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9];
/// let curve = calibration_curve(&y, &p, 4, BinStrategy::Uniform)?;
/// let svg = calibration_diagram(&[("net".to_string(), curve)])?;
/// assert!(svg.contains("perfectly calibrated"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// If no curves are passed, or a curve has no points, lists of different lengths (`counts`
/// included), or a value that is not a finite number in `[0, 1]`.
pub fn calibration_diagram(curves: &[(String, CalibrationCurve)]) -> Result<String, PlotError> {
    unit_curves(curves)
}

impl UnitCurve for CalibrationCurve {
    const PLOT: &'static str = "calibration_diagram";
    const TITLES: (&'static str, &'static str) = ("Reliability diagram", "Reliability diagram");
    const X: (&'static str, &'static str) = ("prob_pred", "Mean predicted probability");
    const Y: (&'static str, &'static str) = ("prob_true", "Fraction of positives");
    const MIN_POINTS: usize = 1;
    const DIAGONAL: Option<&'static str> = Some("perfectly calibrated");

    fn coordinates(&self) -> (&[f64], &[f64]) {
        (&self.prob_pred, &self.prob_true)
    }

    fn summary(&self) -> String {
        format!("ECE {:.3}", self.expected_calibration_error())
    }

    fn check(&self, label: &str, points: usize) -> Result<(), PlotError> {
        if self.counts.len() == points {
            return Ok(());
        }
        Err(PlotError::LengthMismatch {
            plot: Self::PLOT,
            message: format!(
                "curve \"{label}\" has {points} bins but {} counts; pass one count per bin",
                self.counts.len()
            ),
        })
    }

    fn series(i: usize, legend: String, points: Vec<(f64, f64)>) -> Series {
        Series::new(legend, points, Look::curve_with_markers(i))
    }
}
