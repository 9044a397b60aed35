//! Accuracy: from labels, from binary probabilities with a threshold, and from rows of class
//! probabilities.

use crate::metrics::MetricError;
use crate::metrics::check::{argmax_rows, finite, labels_below, paired, probabilities, rows_of};

/// The threshold [`binary_accuracy`] uses: a probability above 0.5 predicts class 1.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// The share of samples whose predicted label equals the true one.
///
/// ```
/// use nabla_models::metrics::accuracy;
/// assert_eq!(accuracy(&[0, 1, 2, 1], &[0, 2, 2, 1]).unwrap(), 0.75);
/// ```
///
/// # Errors
/// If `y_true` is empty or `y_pred` has a different length.
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64, MetricError> {
    paired("accuracy", y_true.len(), "y_pred", y_pred.len())?;
    let hits = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(hits as f64 / y_true.len() as f64)
}

/// Class 1 where the probability is above `threshold`, class 0 elsewhere (a probability equal
/// to the threshold predicts 0).
///
/// ```
/// use nabla_models::metrics::threshold_predictions;
/// assert_eq!(threshold_predictions(&[0.2, 0.5, 0.51], 0.5), vec![0, 0, 1]);
/// ```
pub fn threshold_predictions(y_prob: &[f64], threshold: f64) -> Vec<usize> {
    y_prob.iter().map(|&p| usize::from(p > threshold)).collect()
}

/// Binary accuracy with the [`DEFAULT_THRESHOLD`] of 0.5: see [`binary_accuracy_at`].
///
/// ```
/// use nabla_models::metrics::binary_accuracy;
/// // 0.7 -> 1 (right), 0.4 -> 0 (wrong), 0.1 -> 0 (right), 0.5 -> 0 (right)
/// assert_eq!(binary_accuracy(&[1, 1, 0, 0], &[0.7, 0.4, 0.1, 0.5]).unwrap(), 0.75);
/// ```
///
/// # Errors
/// As [`binary_accuracy_at`].
pub fn binary_accuracy(y_true: &[usize], y_prob: &[f64]) -> Result<f64, MetricError> {
    binary_accuracy_at(y_true, y_prob, DEFAULT_THRESHOLD)
}

/// The share of samples whose thresholded probability (see [`threshold_predictions`]) equals
/// the true 0/1 label.
///
/// # Errors
/// If the input is empty, the lengths differ, a label is not 0 or 1, a probability is not in
/// `[0, 1]`, or the threshold is not in `[0, 1]`.
pub fn binary_accuracy_at(
    y_true: &[usize],
    y_prob: &[f64],
    threshold: f64,
) -> Result<f64, MetricError> {
    const METRIC: &str = "binary_accuracy";
    paired(METRIC, y_true.len(), "y_prob", y_prob.len())?;
    labels_below(METRIC, "y_true", y_true, 2)?;
    probabilities(METRIC, "y_prob", y_prob)?;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(MetricError::InvalidArgument {
            metric: METRIC,
            message: format!("the threshold is {threshold}; pass a probability in [0, 1]"),
        });
    }
    accuracy(y_true, &threshold_predictions(y_prob, threshold))
}

/// Accuracy of rows of class scores or probabilities against integer labels: a row predicts
/// the class with the largest value (the first on ties).
///
/// `y_prob` holds one row of `n_classes` values per label, row after row.
///
/// ```
/// use nabla_models::metrics::sparse_categorical_accuracy;
/// let y_prob = [0.7, 0.2, 0.1, /**/ 0.1, 0.3, 0.6];
/// assert_eq!(sparse_categorical_accuracy(&[0, 1], &y_prob, 3).unwrap(), 0.5);
/// ```
///
/// # Errors
/// If the input is empty, `y_prob` does not hold `n_classes` values per label, a label is out
/// of range or a value is not finite.
pub fn sparse_categorical_accuracy(
    y_true: &[usize],
    y_prob: &[f64],
    n_classes: usize,
) -> Result<f64, MetricError> {
    const METRIC: &str = "sparse_categorical_accuracy";
    rows_of(METRIC, "y_prob", y_prob.len(), y_true.len(), n_classes)?;
    labels_below(METRIC, "y_true", y_true, n_classes)?;
    finite(METRIC, "y_prob", y_prob)?;
    accuracy(y_true, &argmax_rows(y_prob, n_classes))
}

/// Accuracy of rows of class scores against one-hot rows: both sides predict or name the class
/// with the largest value in their row.
///
/// ```
/// use nabla_models::metrics::categorical_accuracy;
/// let y_true = [1.0, 0.0, /**/ 0.0, 1.0, /**/ 0.0, 1.0];
/// let y_prob = [0.8, 0.2, /**/ 0.6, 0.4, /**/ 0.3, 0.7];
/// assert!((categorical_accuracy(&y_true, &y_prob, 2).unwrap() - 2.0 / 3.0).abs() < 1e-12);
/// ```
///
/// # Errors
/// If `n_classes` is 0, `y_true` is empty or not whole rows, `y_prob` has a different length,
/// or a value is not finite.
pub fn categorical_accuracy(
    y_true: &[f64],
    y_prob: &[f64],
    n_classes: usize,
) -> Result<f64, MetricError> {
    const METRIC: &str = "categorical_accuracy";
    let rows = y_true.len() / n_classes.max(1);
    rows_of(METRIC, "y_true", y_true.len(), rows, n_classes)?;
    rows_of(METRIC, "y_prob", y_prob.len(), rows, n_classes)?;
    finite(METRIC, "y_true", y_true)?;
    finite(METRIC, "y_prob", y_prob)?;
    accuracy(
        &argmax_rows(y_true, n_classes),
        &argmax_rows(y_prob, n_classes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_matches() {
        // 3 of 5 labels agree (positions 0, 2, 4).
        assert_eq!(accuracy(&[0, 1, 1, 2, 2], &[0, 2, 1, 1, 2]).unwrap(), 0.6);
    }

    #[test]
    fn binary_accuracy_moves_with_the_threshold() {
        let y = [1, 0, 1, 0, 1];
        let p = [0.9, 0.6, 0.35, 0.2, 0.55];
        // threshold 0.5: predictions 1 1 0 0 1 -> right at 0, 3, 4 -> 3/5
        assert_eq!(binary_accuracy(&y, &p).unwrap(), 0.6);
        // threshold 0.3: predictions 1 1 1 0 1 -> right at 0, 2, 3, 4 -> 4/5
        assert_eq!(binary_accuracy_at(&y, &p, 0.3).unwrap(), 0.8);
        // threshold 0.7: predictions 1 0 0 0 0 -> right at 0, 1, 3 -> 3/5
        assert_eq!(binary_accuracy_at(&y, &p, 0.7).unwrap(), 0.6);
    }

    #[test]
    fn binary_accuracy_rejects_bad_input() {
        assert!(matches!(
            binary_accuracy(&[0, 2], &[0.1, 0.9]),
            Err(MetricError::LabelOutOfRange {
                index: 1,
                label: 2,
                ..
            })
        ));
        assert!(matches!(
            binary_accuracy(&[0, 1], &[0.1, 1.9]),
            Err(MetricError::NotProbability { index: 1, .. })
        ));
        assert!(matches!(
            binary_accuracy_at(&[0, 1], &[0.1, 0.9], 1.5),
            Err(MetricError::InvalidArgument { .. })
        ));
        assert_eq!(
            binary_accuracy(&[], &[]),
            Err(MetricError::Empty {
                metric: "binary_accuracy"
            })
        );
    }

    #[test]
    fn categorical_and_sparse_agree() {
        let labels = [2, 0, 1, 1];
        let one_hot = [0., 0., 1., 1., 0., 0., 0., 1., 0., 0., 1., 0.];
        // argmax rows: 2, 0, 2, 1 -> 3 of 4 right
        let prob = [0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.3, 0.3, 0.4, 0.2, 0.5, 0.3];
        assert_eq!(
            sparse_categorical_accuracy(&labels, &prob, 3).unwrap(),
            0.75
        );
        assert_eq!(categorical_accuracy(&one_hot, &prob, 3).unwrap(), 0.75);
    }

    #[test]
    fn categorical_accuracy_checks_row_lengths() {
        let err = sparse_categorical_accuracy(&[0, 1], &[0.5, 0.5, 1.0], 2).unwrap_err();
        assert!(
            err.to_string()
                .contains("y_prob has 3 values but 4 are needed (2 rows of 2 classes"),
            "{err}"
        );
        assert!(matches!(
            categorical_accuracy(&[1.0, 0.0, 0.0], &[0.5, 0.5, 0.0], 2),
            Err(MetricError::LengthMismatch { what: "y_true", .. })
        ));
        assert!(matches!(
            sparse_categorical_accuracy(&[0], &[0.5], 0),
            Err(MetricError::InvalidArgument { .. })
        ));
    }
}
