//! The points of the curves people plot for a classifier: ROC, precision-recall and
//! calibration (reliability), computed as scikit-learn's `roc_curve`,
//! `precision_recall_curve` and `calibration_curve` compute them, and one-vs-rest scores for
//! drawing one curve per class.

use crate::metrics::MetricError;
use crate::metrics::check::{finite, labels_below, paired, probabilities};

/// A ROC curve: the false and true positive rates at each threshold, from the strictest
/// (`+inf`, where nothing is called positive) to the loosest (the lowest score).
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    /// False positive rate at each threshold, rising from 0 to 1.
    pub fpr: Vec<f64>,
    /// True positive rate at each threshold, rising from 0 to 1.
    pub tpr: Vec<f64>,
    /// A score counts as positive when it is at least the threshold.
    pub thresholds: Vec<f64>,
}

/// A precision-recall curve: precision and recall at each threshold, recall falling from 1 to
/// the final point `(recall 0, precision 1)`, which has no threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct PrCurve {
    /// Precision at each threshold, then 1.
    pub precision: Vec<f64>,
    /// Recall at each threshold, then 0.
    pub recall: Vec<f64>,
    /// The distinct scores, ascending; one fewer than the points.
    pub thresholds: Vec<f64>,
}

impl RocCurve {
    /// The area under the curve by the trapezoid rule over its points, as scikit-learn's
    /// `auc(fpr, tpr)`. For a curve from [`roc_curve`] it equals
    /// [`roc_auc`](crate::metrics::roc_auc) of the same labels and scores.
    ///
    /// ```
    /// use nabla_models::metrics::roc_curve;
    /// let curve = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
    /// assert_eq!(curve.auc(), 0.75);
    /// # Ok::<(), nabla_models::metrics::MetricError>(())
    /// ```
    pub fn auc(&self) -> f64 {
        self.fpr
            .windows(2)
            .zip(self.tpr.windows(2))
            .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
            .sum()
    }
}

impl PrCurve {
    /// The average precision, as scikit-learn's `average_precision_score`: the precision at
    /// each threshold weighted by the recall it adds, `sum (R_n - R_(n-1)) P_n` (a step
    /// function, not the trapezoid rule, which would be optimistic).
    ///
    /// ```
    /// use nabla_models::metrics::precision_recall_curve;
    /// let curve = precision_recall_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
    /// // Recall reaches 0.5 at precision 1, then 1 at precision 2/3.
    /// assert!((curve.average_precision() - (0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-12);
    /// # Ok::<(), nabla_models::metrics::MetricError>(())
    /// ```
    pub fn average_precision(&self) -> f64 {
        // The points run from the loosest threshold (recall 1) to the final (0, 1).
        self.recall
            .windows(2)
            .zip(&self.precision)
            .map(|(r, p)| (r[0] - r[1]) * p)
            .sum()
    }
}

impl CalibrationCurve {
    /// The expected calibration error: the mean distance between each bin's mean predicted
    /// probability and its share of positives, bins weighted by how many rows they hold.
    /// 0 for a perfectly calibrated model; NaN when the bins hold no rows.
    ///
    /// ```
    /// use nabla_models::metrics::{BinStrategy, calibration_curve};
    /// let curve = calibration_curve(&[0, 1, 1, 1], &[0.1, 0.3, 0.9, 0.7], 2, BinStrategy::Uniform)?;
    /// // Bins (0.2, 0.5) and (0.8, 1.0), two rows each.
    /// assert!((curve.expected_calibration_error() - 0.25).abs() < 1e-12);
    /// # Ok::<(), nabla_models::metrics::MetricError>(())
    /// ```
    pub fn expected_calibration_error(&self) -> f64 {
        let rows: usize = self.counts.iter().sum();
        let gaps: f64 = self
            .prob_true
            .iter()
            .zip(&self.prob_pred)
            .zip(&self.counts)
            .map(|((t, p), &n)| (t - p).abs() * n as f64)
            .sum();
        gaps / rows as f64
    }
}

/// How [`calibration_curve`] cuts `[0, 1]` into bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinStrategy {
    /// Bins of equal width.
    Uniform,
    /// Bins holding equal numbers of predictions (their edges are quantiles).
    Quantile,
}

/// A reliability diagram's points, one per non-empty bin: the mean predicted probability and
/// the share of positives among the bin's rows. A calibrated model's points lie on the
/// diagonal.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationCurve {
    /// The share of positives in each non-empty bin.
    pub prob_true: Vec<f64>,
    /// The mean predicted probability in each non-empty bin.
    pub prob_pred: Vec<f64>,
    /// How many rows each of those bins holds.
    pub counts: Vec<usize>,
}

/// The ROC curve of scores for 0/1 labels, as scikit-learn's `roc_curve` (with its default
/// `drop_intermediate=True`: points on a straight segment between their neighbours are left
/// out, which does not change the area).
///
/// ```
/// use nabla_models::metrics::roc_curve;
/// let curve = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
/// assert_eq!(curve.fpr, [0.0, 0.0, 0.5, 0.5, 1.0]);
/// assert_eq!(curve.tpr, [0.0, 0.5, 0.5, 1.0, 1.0]);
/// assert_eq!(curve.thresholds[0], f64::INFINITY);
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
///
/// # Errors
/// If the input is empty, the lengths differ, a label is not 0 or 1, a score is not finite,
/// or `y_true` holds one class only (one of the rates is then undefined).
pub fn roc_curve(y_true: &[usize], y_score: &[f64]) -> Result<RocCurve, MetricError> {
    const METRIC: &str = "roc_curve";
    let counts = counts_at_thresholds(METRIC, y_true, y_score)?;
    let n = counts.tps.len();
    let (pos, neg) = (counts.tps[n - 1], counts.fps[n - 1]);
    if pos == 0.0 || neg == 0.0 {
        return Err(MetricError::SingleClass {
            metric: METRIC,
            class: y_true[0],
            samples: y_true.len(),
        });
    }
    // Keep the ends and every point where the curve bends.
    let keep: Vec<usize> = (0..n)
        .filter(|&i| {
            i == 0 || i == n - 1 || {
                let bend = |v: &[f64]| v[i + 1] - 2.0 * v[i] + v[i - 1] != 0.0;
                bend(&counts.fps) || bend(&counts.tps)
            }
        })
        .collect();
    let mut curve = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f64::INFINITY],
    };
    for &i in &keep {
        curve.fpr.push(counts.fps[i] / neg);
        curve.tpr.push(counts.tps[i] / pos);
        curve.thresholds.push(counts.thresholds[i]);
    }
    Ok(curve)
}

/// The precision-recall curve of scores for 0/1 labels, as scikit-learn's
/// `precision_recall_curve`: one point per distinct score, ordered by falling recall, then
/// `(recall 0, precision 1)`.
///
/// ```
/// use nabla_models::metrics::precision_recall_curve;
/// let curve = precision_recall_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
/// assert_eq!(curve.recall, [1.0, 1.0, 0.5, 0.5, 0.0]);
/// assert_eq!(curve.precision, [0.5, 2.0 / 3.0, 0.5, 1.0, 1.0]);
/// assert_eq!(curve.thresholds, [0.1, 0.35, 0.4, 0.8]);
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
///
/// # Errors
/// As [`roc_curve`], except that labels of one class are refused only when there is no
/// positive (recall is then undefined).
pub fn precision_recall_curve(y_true: &[usize], y_score: &[f64]) -> Result<PrCurve, MetricError> {
    const METRIC: &str = "precision_recall_curve";
    let counts = counts_at_thresholds(METRIC, y_true, y_score)?;
    let n = counts.tps.len();
    let pos = counts.tps[n - 1];
    if pos == 0.0 {
        return Err(MetricError::SingleClass {
            metric: METRIC,
            class: 0,
            samples: y_true.len(),
        });
    }
    let mut curve = PrCurve {
        precision: Vec::with_capacity(n + 1),
        recall: Vec::with_capacity(n + 1),
        thresholds: Vec::with_capacity(n),
    };
    for i in (0..n).rev() {
        let called = counts.tps[i] + counts.fps[i];
        curve.precision.push(counts.tps[i] / called);
        curve.recall.push(counts.tps[i] / pos);
        curve.thresholds.push(counts.thresholds[i]);
    }
    curve.precision.push(1.0);
    curve.recall.push(0.0);
    Ok(curve)
}

/// The points of a reliability diagram for predicted probabilities of the positive class, as
/// scikit-learn's `calibration_curve` computes them: `[0, 1]` cut into `n_bins` bins (of equal
/// width, or holding equal numbers of rows), each row in the bin its probability falls in
/// (a probability on an inner edge goes to the lower bin), and empty bins left out.
///
/// ```
/// use nabla_models::metrics::{BinStrategy, calibration_curve};
/// let curve = calibration_curve(&[0, 1, 1, 1], &[0.1, 0.3, 0.9, 0.7], 2, BinStrategy::Uniform)?;
/// assert_eq!(curve.prob_true, [0.5, 1.0]);
/// assert_eq!(curve.prob_pred, [0.2, 0.8]);
/// assert_eq!(curve.counts, [2, 2]);
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
///
/// # Errors
/// If the input is empty, the lengths differ, a label is not 0 or 1, a probability is outside
/// `[0, 1]`, or `n_bins` is 0.
pub fn calibration_curve(
    y_true: &[usize],
    y_prob: &[f64],
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<CalibrationCurve, MetricError> {
    const METRIC: &str = "calibration_curve";
    paired(METRIC, y_true.len(), "y_prob", y_prob.len())?;
    labels_below(METRIC, "y_true", y_true, 2)?;
    probabilities(METRIC, "y_prob", y_prob)?;
    if n_bins == 0 {
        return Err(MetricError::InvalidArgument {
            metric: METRIC,
            message: "n_bins is 0; pass how many bins to cut [0, 1] into (5 or 10 is usual)".into(),
        });
    }
    let edges: Vec<f64> = match strategy {
        BinStrategy::Uniform => (0..=n_bins).map(|i| i as f64 / n_bins as f64).collect(),
        BinStrategy::Quantile => {
            let mut sorted = y_prob.to_vec();
            sorted.sort_by(f64::total_cmp);
            (0..=n_bins)
                .map(|i| quantile(&sorted, i as f64 / n_bins as f64))
                .collect()
        }
    };
    let inner = &edges[1..edges.len() - 1];
    let mut sums = vec![0.0; n_bins];
    let mut positives = vec![0.0; n_bins];
    let mut counts = vec![0usize; n_bins];
    for (&y, &p) in y_true.iter().zip(y_prob) {
        let bin = inner.partition_point(|&edge| edge < p);
        sums[bin] += p;
        positives[bin] += y as f64;
        counts[bin] += 1;
    }
    let mut curve = CalibrationCurve {
        prob_true: Vec::new(),
        prob_pred: Vec::new(),
        counts: Vec::new(),
    };
    for bin in (0..n_bins).filter(|&b| counts[b] > 0) {
        let n = counts[bin] as f64;
        curve.prob_true.push(positives[bin] / n);
        curve.prob_pred.push(sums[bin] / n);
        curve.counts.push(counts[bin]);
    }
    Ok(curve)
}

/// The 0/1 labels and scores of class `class` against the rest, from class labels and rows
/// of `n_classes` probabilities (flattened row after row): what a curve per class of a
/// multi-class model is drawn from.
///
/// ```
/// use nabla_models::metrics::one_vs_rest;
/// let probs = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6];
/// assert_eq!(one_vs_rest(&[0, 2], &probs, 3, 2)?, (vec![0, 1], vec![0.1, 0.6]));
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
///
/// # Errors
/// If the rows do not hold `n_classes` values each, one per label, a label or `class` is not
/// below `n_classes`, or a value is not finite.
pub fn one_vs_rest(
    y_true: &[usize],
    y_prob: &[f64],
    n_classes: usize,
    class: usize,
) -> Result<(Vec<usize>, Vec<f64>), MetricError> {
    const METRIC: &str = "one_vs_rest";
    crate::metrics::check::rows_of(METRIC, "y_prob", y_prob.len(), y_true.len(), n_classes)?;
    labels_below(METRIC, "y_true", y_true, n_classes)?;
    labels_below(METRIC, "class", &[class], n_classes)?;
    finite(METRIC, "y_prob", y_prob)?;
    let labels = y_true.iter().map(|&y| usize::from(y == class)).collect();
    let scores = y_prob
        .chunks_exact(n_classes)
        .map(|row| row[class])
        .collect();
    Ok((labels, scores))
}

/// Positives and negatives scored at or above each distinct score, strictest first.
struct ThresholdCounts {
    tps: Vec<f64>,
    fps: Vec<f64>,
    thresholds: Vec<f64>,
}

fn counts_at_thresholds(
    metric: &'static str,
    y_true: &[usize],
    y_score: &[f64],
) -> Result<ThresholdCounts, MetricError> {
    paired(metric, y_true.len(), "y_score", y_score.len())?;
    labels_below(metric, "y_true", y_true, 2)?;
    finite(metric, "y_score", y_score)?;
    let mut order: Vec<usize> = (0..y_score.len()).collect();
    order.sort_by(|&a, &b| y_score[b].total_cmp(&y_score[a]));
    let mut counts = ThresholdCounts {
        tps: Vec::new(),
        fps: Vec::new(),
        thresholds: Vec::new(),
    };
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if y_true[i] == 1 {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_its_score = order
            .get(k + 1)
            .is_none_or(|&next| y_score[next] != y_score[i]);
        if last_of_its_score {
            counts.tps.push(tp);
            counts.fps.push(fp);
            counts.thresholds.push(y_score[i]);
        }
    }
    Ok(counts)
}

/// The `q` quantile of ascending `sorted`, interpolating linearly between neighbours as
/// numpy's default `percentile` does.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let t = position - below as f64;
    let (a, b) = (sorted[below], sorted[above]);
    // numpy's lerp, which is exact at both ends.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twelve rows with tied scores; the expected points are scikit-learn 1.9.1's, from
    /// `roc_curve(Y, S)`, `precision_recall_curve(Y, S)` and `calibration_curve(Y, S,
    /// n_bins=5)` (and `n_bins=4, strategy="quantile"`).
    const Y: [usize; 12] = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1];
    const S: [f64; 12] = [
        0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.55, 0.2, 0.55, 0.7, 0.05, 0.3,
    ];

    #[test]
    fn roc_curve_matches_scikit_learn() {
        let c = roc_curve(&Y, &S).unwrap();
        let (s, t) = (1.0 / 6.0, 1.0 / 3.0);
        assert_eq!(c.fpr, [0.0, 0.0, 0.0, s, s, 0.5, 0.5, 1.0]);
        assert_eq!(c.tpr, [0.0, s, t, t, 2.0 * t, 2.0 * t, 1.0, 1.0]);
        assert_eq!(
            c.thresholds,
            [f64::INFINITY, 0.9, 0.8, 0.7, 0.55, 0.4, 0.3, 0.05]
        );
        // Collinear points are dropped: scikit-learn keeps 4 of 7.
        let c = roc_curve(&[1, 1, 1, 0, 0, 0], &[0.9, 0.8, 0.7, 0.3, 0.2, 0.1]).unwrap();
        assert_eq!(c.fpr, [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(c.tpr, [0.0, 1.0 / 3.0, 1.0, 1.0]);
        assert_eq!(c.thresholds, [f64::INFINITY, 0.9, 0.7, 0.1]);
    }

    #[test]
    fn summaries_of_the_curves() {
        // The trapezoid area under the ROC curve is the rank AUC, ties included.
        let auc = roc_curve(&Y, &S).unwrap().auc();
        assert!((auc - crate::metrics::roc_auc(&Y, &S).unwrap()).abs() < 1e-12);
        // Average precision: the recall steps of the points below, times their precision.
        let ap = precision_recall_curve(&Y, &S).unwrap().average_precision();
        let expected =
            (1.0 / 6.0) * (2.0 / 3.0) + (1.0 / 6.0) * 0.625 + (1.0 / 3.0) * 0.8 + 1.0 / 3.0;
        assert!((ap - expected).abs() < 1e-12, "{ap} vs {expected}");
        // Expected calibration error: bin gaps weighted by the rows in each bin.
        let c = calibration_curve(&Y, &S, 5, BinStrategy::Uniform).unwrap();
        let n: usize = c.counts.iter().sum();
        let by_hand: f64 = (0..c.counts.len())
            .map(|b| (c.prob_true[b] - c.prob_pred[b]).abs() * c.counts[b] as f64 / n as f64)
            .sum();
        assert!((c.expected_calibration_error() - by_hand).abs() < 1e-12);
    }

    #[test]
    fn precision_recall_curve_matches_scikit_learn() {
        let c = precision_recall_curve(&Y, &S).unwrap();
        let expected_precision = [
            0.5,
            0.5454545454545454,
            0.6,
            0.6666666666666666,
            0.625,
            0.5714285714285714,
            0.8,
            0.6666666666666666,
            1.0,
            1.0,
            1.0,
        ];
        let expected_recall = [
            1.0,
            1.0,
            1.0,
            1.0,
            0.8333333333333334,
            0.6666666666666666,
            0.6666666666666666,
            0.3333333333333333,
            0.3333333333333333,
            0.16666666666666666,
            0.0,
        ];
        assert_eq!(c.precision, expected_precision);
        assert_eq!(c.recall, expected_recall);
        assert_eq!(
            c.thresholds,
            [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.55, 0.7, 0.8, 0.9]
        );
    }

    #[test]
    fn calibration_curve_matches_scikit_learn() {
        let c = calibration_curve(&Y, &S, 5, BinStrategy::Uniform).unwrap();
        assert_eq!(c.prob_true, [0.0, 0.5, 1.0, 0.5, 1.0]);
        let expected = [0.11666666666666668, 0.3625, 0.55, 0.75, 0.9];
        for (got, want) in c.prob_pred.iter().zip(expected) {
            assert!((got - want).abs() <= 1e-15, "{got} vs {want}");
        }
        assert_eq!(c.counts, [3, 4, 2, 2, 1]); // 0.2 and 0.8 sit on edges: the lower bin
        let c = calibration_curve(&Y, &S, 4, BinStrategy::Quantile).unwrap();
        assert_eq!(c.prob_true, [0.0, 0.5, 1.0, 2.0 / 3.0]);
        let expected = [0.11666666666666668, 0.3625, 0.55, 0.8000000000000002];
        for (got, want) in c.prob_pred.iter().zip(expected) {
            assert!((got - want).abs() <= 1e-15, "{got} vs {want}");
        }
    }

    #[test]
    fn undefined_curves_and_bad_input_are_refused() {
        assert!(matches!(
            roc_curve(&[1, 1], &[0.2, 0.3]),
            Err(MetricError::SingleClass { .. })
        ));
        assert!(precision_recall_curve(&[1, 1], &[0.2, 0.3]).is_ok());
        assert!(precision_recall_curve(&[0, 0], &[0.2, 0.3]).is_err());
        assert!(roc_curve(&[0, 1], &[0.2, f64::NAN]).is_err());
        assert!(roc_curve(&[0, 2], &[0.2, 0.3]).is_err());
        assert!(calibration_curve(&[0, 1], &[0.2, 1.3], 5, BinStrategy::Uniform).is_err());
        assert!(calibration_curve(&[0, 1], &[0.2, 0.3], 0, BinStrategy::Uniform).is_err());
        assert!(one_vs_rest(&[0, 1], &[0.5, 0.5, 0.5], 2, 0).is_err());
        assert!(one_vs_rest(&[0, 1], &[0.5, 0.5, 0.5, 0.5], 2, 2).is_err());
    }
}
