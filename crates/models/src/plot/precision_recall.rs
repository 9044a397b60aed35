//! [`precision_recall_curves`]: precision-recall curves with their average precision.

use super::PlotError;
use super::curves::{UnitCurve, unit_curves};
use super::figure::{Look, Series};
use crate::metrics::PrCurve;

/// Precision-recall curves as an SVG document: precision against recall, one step line per
/// `(label, curve)` and a legend of `label (AP 0.871)`.
///
/// Each curve is drawn as scikit-learn draws it (`drawstyle="steps-post"`): from each point
/// the precision holds until the next point's recall, so the area under the drawn steps is
/// the average precision, [`PrCurve::average_precision`], written with three decimals. For a
/// multi-class model pass one curve per class against the rest (see
/// [`one_vs_rest`](crate::metrics::one_vs_rest)).
///
/// # Errors
/// If no curves are passed, or a curve has fewer than 2 points, `precision` and `recall` of
/// different lengths, or a value that is not a finite number in `[0, 1]`.
pub fn precision_recall_curves(curves: &[(String, PrCurve)]) -> Result<String, PlotError> {
    unit_curves(curves)
}

impl UnitCurve for PrCurve {
    const PLOT: &'static str = "precision_recall_curves";
    const TITLES: (&'static str, &'static str) =
        ("Precision-recall curve", "Precision-recall curves");
    const X: (&'static str, &'static str) = ("recall", "Recall");
    const Y: (&'static str, &'static str) = ("precision", "Precision");
    const MIN_POINTS: usize = 2;
    const DIAGONAL: Option<&'static str> = None;

    fn coordinates(&self) -> (&[f64], &[f64]) {
        (&self.recall, &self.precision)
    }

    fn summary(&self) -> String {
        format!("AP {:.3}", self.average_precision())
    }

    fn series(i: usize, legend: String, points: Vec<(f64, f64)>) -> Series {
        Series::new(legend, steps(&points), Look::curve(i))
    }
}

/// The corners of the step line through `points`: each point's y held until the next x.
fn steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut corners = Vec::with_capacity(2 * points.len());
    for pair in points.windows(2) {
        corners.push(pair[0]);
        corners.push((pair[1].0, pair[0].1));
    }
    corners.extend(points.last());
    corners
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_each_precision_until_the_next_recall() {
        let corners = steps(&[(1.0, 0.5), (0.5, 1.0), (0.0, 1.0)]);
        assert_eq!(
            corners,
            [(1.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0), (0.0, 1.0)]
        );
    }
}
