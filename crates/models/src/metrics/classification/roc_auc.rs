//! Area under the ROC curve, exactly, from ranks.

use crate::metrics::MetricError;
use crate::metrics::check::{finite, labels_below, paired};

/// The area under the ROC curve of scores for 0/1 labels: the probability that a random
/// positive scores above a random negative, counting ties as one half.
///
/// Computed exactly in the Mann-Whitney form: rank all scores from lowest (rank 1) to highest,
/// giving tied scores the mean of the ranks they span; then with `R+` the sum of the positives'
/// ranks, `AUC = (R+ - n+ (n+ + 1) / 2) / (n+ n-)`. The scores may be probabilities, logits or
/// any monotone measure of "positive"; only their order matters.
///
/// ```
/// use nabla_models::metrics::roc_auc;
/// // Positives score 0.8 and 0.4, negatives 0.4 and 0.1: the pairs (0.8, 0.4), (0.8, 0.1) and
/// // (0.4, 0.1) are ordered right, (0.4, 0.4) is a tie worth 1/2: (3 + 0.5) / 4.
/// assert_eq!(roc_auc(&[1, 0, 1, 0], &[0.8, 0.4, 0.4, 0.1]).unwrap(), 0.875);
/// ```
///
/// # Errors
/// If the input is empty, the lengths differ, a label is not 0 or 1, a score is not finite, or
/// `y_true` holds only one class (the area is then undefined).
pub fn roc_auc(y_true: &[usize], y_score: &[f64]) -> Result<f64, MetricError> {
    const METRIC: &str = "roc_auc";
    paired(METRIC, y_true.len(), "y_score", y_score.len())?;
    labels_below(METRIC, "y_true", y_true, 2)?;
    finite(METRIC, "y_score", y_score)?;
    let n_pos = y_true.iter().filter(|&&y| y == 1).count();
    let n_neg = y_true.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(MetricError::SingleClass {
            metric: METRIC,
            class: y_true[0],
            samples: y_true.len(),
        });
    }
    let ranks = average_ranks(y_score);
    let positive_rank_sum: f64 = ranks
        .iter()
        .zip(y_true)
        .filter(|(_, y)| **y == 1)
        .map(|(r, _)| r)
        .sum();
    let (n_pos, n_neg) = (n_pos as f64, n_neg as f64);
    let u = positive_rank_sum - n_pos * (n_pos + 1.0) / 2.0;
    Ok(u / (n_pos * n_neg))
}

/// The 1-based rank of each value in ascending order, tied values sharing the mean of the ranks
/// their group spans. The values must be finite.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; their mean is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_over_ties() {
        // sorted: 1 (rank 1), 2 2 2 (ranks 2,3,4 -> 3), 5 (rank 5)
        assert_eq!(
            average_ranks(&[2.0, 5.0, 2.0, 1.0, 2.0]),
            vec![3.0, 5.0, 3.0, 1.0, 3.0]
        );
        // -0.0 and 0.0 are equal scores, a tie.
        assert_eq!(average_ranks(&[0.0, -0.0]), vec![1.5, 1.5]);
    }

    #[test]
    fn perfect_reversed_and_constant_scores() {
        assert_eq!(roc_auc(&[0, 0, 1, 1], &[0.1, 0.2, 0.3, 0.9]).unwrap(), 1.0);
        assert_eq!(roc_auc(&[0, 0, 1, 1], &[0.9, 0.8, 0.3, 0.1]).unwrap(), 0.0);
        assert_eq!(roc_auc(&[0, 1, 0, 1, 1], &[0.5; 5]).unwrap(), 0.5);
    }

    #[test]
    fn auc_with_ties_by_hand() {
        // y:     0    0    1    1    0    1    0    1
        // score: 0.1  0.4  0.35 0.8  0.4  0.4  0.7  0.1
        // ascending: 0.1 (idx 0, 7) ranks 1,2 -> 1.5; 0.35 (idx 2) rank 3;
        //   0.4 (idx 1, 4, 5) ranks 4,5,6 -> 5; 0.7 (idx 6) rank 7; 0.8 (idx 3) rank 8
        // positives: idx 2 (3), 3 (8), 5 (5), 7 (1.5) -> R+ = 17.5
        // U = 17.5 - 4 * 5 / 2 = 7.5; AUC = 7.5 / (4 * 4) = 0.46875
        let y = [0, 0, 1, 1, 0, 1, 0, 1];
        let s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.7, 0.1];
        assert_eq!(roc_auc(&y, &s).unwrap(), 0.46875);
        // scikit-learn 1.9.1: roc_auc_score(y, s) = 0.46875
        // Pair count cross-check: of the 16 (positive, negative) pairs, 0.35 beats 0.1 (1);
        // 0.8 beats all 4; 0.4 beats 0.1 and ties 0.4 twice (1 + 2 * 0.5); 0.1 ties 0.1 (0.5):
        // 1 + 4 + 2 + 0.5 = 7.5 of 16.
    }

    #[test]
    fn one_class_only_is_an_error_that_says_so() {
        let err = roc_auc(&[1, 1, 1], &[0.2, 0.5, 0.9]).unwrap_err();
        assert_eq!(
            err,
            MetricError::SingleClass {
                metric: "roc_auc",
                class: 1,
                samples: 3
            }
        );
        assert!(
            err.to_string()
                .contains("all 3 true labels are class 1; the metric compares")
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(roc_auc(&[], &[]), Err(MetricError::Empty { .. })));
        assert!(matches!(
            roc_auc(&[0, 1], &[0.5]),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            roc_auc(&[0, 1], &[0.5, f64::NAN]),
            Err(MetricError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            roc_auc(&[0, 2], &[0.5, 0.1]),
            Err(MetricError::LabelOutOfRange { label: 2, .. })
        ));
    }
}
