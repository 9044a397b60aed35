//! [`roc_curves`]: ROC curves with their AUC.

use super::PlotError;
use super::curves::{UnitCurve, unit_curves};
use crate::metrics::RocCurve;

/// ROC curves as an SVG document: true against false positive rate, one line per
/// `(label, curve)` in the palette's colours, a dashed diagonal for a classifier that
/// guesses, and a legend of `label (AUC 0.953)`.
///
/// The AUC is [`RocCurve::auc`], the trapezoid rule over the curve's points, written with
/// three decimals. For a multi-class model pass one curve per class, each of the class
/// against the rest (see [`one_vs_rest`](crate::metrics::one_vs_rest)).
///
/// ```
/// use nabla_models::metrics::{one_vs_rest, roc_curve};
/// use nabla_models::plot::roc_curves;
/// let y = [0, 1, 2, 2, 1, 0];
/// let probs = [
///     0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6,
///     0.2, 0.2, 0.6, 0.3, 0.4, 0.3, 0.5, 0.4, 0.1,
/// ];
/// let mut curves = Vec::new();
/// for (class, name) in ["cat", "dog", "owl"].iter().enumerate() {
///     let (labels, scores) = one_vs_rest(&y, &probs, 3, class)?;
///     curves.push((name.to_string(), roc_curve(&labels, &scores)?));
/// }
/// let svg = roc_curves(&curves)?;
/// assert!(svg.contains("owl (AUC 1.000)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// If no curves are passed, or a curve has fewer than 2 points, `fpr` and `tpr` of different
/// lengths, or a rate that is not a finite number in `[0, 1]`.
pub fn roc_curves(curves: &[(String, RocCurve)]) -> Result<String, PlotError> {
    unit_curves(curves)
}

impl UnitCurve for RocCurve {
    const PLOT: &'static str = "roc_curves";
    const TITLES: (&'static str, &'static str) = ("ROC curve", "ROC curves");
    const X: (&'static str, &'static str) = ("fpr", "False positive rate");
    const Y: (&'static str, &'static str) = ("tpr", "True positive rate");
    const MIN_POINTS: usize = 2;
    const DIAGONAL: Option<&'static str> = Some("chance (AUC 0.5)");

    fn coordinates(&self) -> (&[f64], &[f64]) {
        (&self.fpr, &self.tpr)
    }

    fn summary(&self) -> String {
        format!("AUC {:.3}", self.auc())
    }
}
