//! Precision, recall and F1, per class and averaged ([`Average`]).

use super::ConfusionMatrix;
use crate::metrics::MetricError;

/// How per-class scores are combined into one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Average {
    /// The plain mean over the classes that occur in `y_true` or `y_pred`: every class counts
    /// the same, however rare. A class that occurs in neither is left out (its scores are
    /// undefined).
    Macro,
    /// Counts true positives, false positives and false negatives over all classes first, then
    /// scores once. For single-label classification this equals accuracy for precision, recall
    /// and F1 alike.
    Micro,
    /// The mean of the per-class scores weighted by each class's support (its number of true
    /// samples).
    Weighted,
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScores {
    /// Of the samples predicted as this class, the share that are (0 if none was predicted).
    pub precision: f64,
    /// Of the samples in this class, the share predicted as it (0 if there are none).
    pub recall: f64,
    /// The harmonic mean of precision and recall (0 if both are 0).
    pub f1: f64,
    /// The number of samples truly in this class.
    pub support: usize,
}

/// Precision, recall, F1 and support for each class `0..n_classes`.
///
/// ```
/// use nabla_models::metrics::per_class_scores;
/// let s = per_class_scores(&[0, 0, 1, 1], &[0, 1, 1, 1], 2)?;
/// assert_eq!((s[1].precision, s[1].recall, s[1].support), (2.0 / 3.0, 1.0, 2));
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
///
/// # Errors
/// As [`ConfusionMatrix::new`].
pub fn per_class_scores(
    y_true: &[usize],
    y_pred: &[usize],
    n_classes: usize,
) -> Result<Vec<ClassScores>, MetricError> {
    let m = ConfusionMatrix::new(y_true, y_pred, n_classes)?;
    Ok((0..n_classes).map(|c| class_scores(&m, c)).collect())
}

/// Precision averaged over classes as `average` says.
///
/// # Errors
/// As [`ConfusionMatrix::new`].
pub fn precision(
    y_true: &[usize],
    y_pred: &[usize],
    n_classes: usize,
    average: Average,
) -> Result<f64, MetricError> {
    averaged(y_true, y_pred, n_classes, average, |s| s.precision)
}

/// Recall averaged over classes as `average` says.
///
/// # Errors
/// As [`ConfusionMatrix::new`].
pub fn recall(
    y_true: &[usize],
    y_pred: &[usize],
    n_classes: usize,
    average: Average,
) -> Result<f64, MetricError> {
    averaged(y_true, y_pred, n_classes, average, |s| s.recall)
}

/// F1 averaged over classes as `average` says (for [`Average::Macro`] and
/// [`Average::Weighted`], the mean of per-class F1, not the F1 of mean precision and recall).
///
/// ```
/// use nabla_models::metrics::{Average, f1_score};
/// // Class 0: P 1, R 1/2, F1 2/3. Class 1: P 2/3, R 1, F1 4/5.
/// let (t, p) = ([0, 0, 1, 1], [0, 1, 1, 1]);
/// let macro_f1 = f1_score(&t, &p, 2, Average::Macro)?;
/// assert!((macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
/// assert_eq!(f1_score(&t, &p, 2, Average::Micro)?, 0.75);
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
///
/// # Errors
/// As [`ConfusionMatrix::new`].
pub fn f1_score(
    y_true: &[usize],
    y_pred: &[usize],
    n_classes: usize,
    average: Average,
) -> Result<f64, MetricError> {
    averaged(y_true, y_pred, n_classes, average, |s| s.f1)
}

fn class_scores(m: &ConfusionMatrix, class: usize) -> ClassScores {
    ClassScores {
        precision: m.precision(class),
        recall: m.recall(class),
        f1: m.f1(class),
        support: m.support(class),
    }
}

fn averaged(
    y_true: &[usize],
    y_pred: &[usize],
    n_classes: usize,
    average: Average,
    score: impl Fn(&ClassScores) -> f64,
) -> Result<f64, MetricError> {
    let m = ConfusionMatrix::new(y_true, y_pred, n_classes)?;
    let per_class = (0..n_classes).map(|c| (c, class_scores(&m, c)));
    Ok(match average {
        // Summed tp / summed predictions = summed tp / summed support = the diagonal share.
        Average::Micro => m.accuracy(),
        Average::Macro => {
            let present: Vec<f64> = per_class
                .filter(|(c, s)| s.support > 0 || m.predicted(*c) > 0)
                .map(|(_, s)| score(&s))
                .collect();
            present.iter().sum::<f64>() / present.len() as f64
        }
        Average::Weighted => {
            per_class
                .map(|(_, s)| s.support as f64 * score(&s))
                .sum::<f64>()
                / m.total() as f64
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A 3-class example worked by hand (10 samples).
    // y_true: 0 0 0 0 1 1 1 2 2 2      supports 4, 3, 3
    // y_pred: 0 0 1 2 1 1 0 2 2 2
    // class 0: tp 2, predicted 3 (positions 0, 1, 6) -> P 2/3, R 2/4, F1 2*2/(4+3) = 4/7
    // class 1: tp 2, predicted 3 (positions 2, 4, 5) -> P 2/3, R 2/3, F1 4/6 = 2/3
    // class 2: tp 3, predicted 4 (positions 3, 7, 8, 9) -> P 3/4, R 1, F1 6/7
    const T: [usize; 10] = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    const P: [usize; 10] = [0, 0, 1, 2, 1, 1, 0, 2, 2, 2];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn per_class_by_hand() {
        let s = per_class_scores(&T, &P, 3).unwrap();
        close(s[0].precision, 2.0 / 3.0);
        close(s[0].recall, 0.5);
        close(s[0].f1, 4.0 / 7.0);
        close(s[1].f1, 2.0 / 3.0);
        close(s[2].precision, 0.75);
        close(s[2].recall, 1.0);
        close(s[2].f1, 6.0 / 7.0);
        assert_eq!(
            s.iter().map(|s| s.support).collect::<Vec<_>>(),
            vec![4, 3, 3]
        );
    }

    #[test]
    fn macro_micro_weighted_f1_by_hand() {
        // macro: (4/7 + 2/3 + 6/7) / 3 = (12/21 + 14/21 + 18/21) / 3 = 44/63 = 0.698412...
        close(f1_score(&T, &P, 3, Average::Macro).unwrap(), 44.0 / 63.0);
        // micro: 7 right of 10
        close(f1_score(&T, &P, 3, Average::Micro).unwrap(), 0.7);
        // weighted: (4 * 4/7 + 3 * 2/3 + 3 * 6/7) / 10 = (16/7 + 2 + 18/7) / 10 = (48/7) / 10
        close(f1_score(&T, &P, 3, Average::Weighted).unwrap(), 48.0 / 70.0);
        // scikit-learn 1.9.1, f1_score(T, P, average=...): macro 0.6984126984126985,
        // micro 0.7, weighted 0.6857142857142857
        close(
            f1_score(&T, &P, 3, Average::Macro).unwrap(),
            0.6984126984126985,
        );
        close(
            f1_score(&T, &P, 3, Average::Weighted).unwrap(),
            0.6857142857142857,
        );
    }

    #[test]
    fn macro_and_weighted_precision_and_recall_by_hand() {
        // precision macro (2/3 + 2/3 + 3/4) / 3 = 25/36; weighted (4*2/3 + 3*2/3 + 3*3/4) / 10
        //   = (8/3 + 2 + 9/4) / 10 = (83/12) / 10 = 83/120
        close(precision(&T, &P, 3, Average::Macro).unwrap(), 25.0 / 36.0);
        close(
            precision(&T, &P, 3, Average::Weighted).unwrap(),
            83.0 / 120.0,
        );
        // recall macro (1/2 + 2/3 + 1) / 3 = 13/18; weighted = micro = accuracy = 7/10
        close(recall(&T, &P, 3, Average::Macro).unwrap(), 13.0 / 18.0);
        close(recall(&T, &P, 3, Average::Weighted).unwrap(), 0.7);
        close(precision(&T, &P, 3, Average::Micro).unwrap(), 0.7);
        // scikit-learn 1.9.1: precision_score macro 0.6944444444444443, weighted
        // 0.6916666666666667; recall_score macro 0.7222222222222222
        close(
            precision(&T, &P, 3, Average::Weighted).unwrap(),
            0.6916666666666667,
        );
        close(
            recall(&T, &P, 3, Average::Macro).unwrap(),
            0.7222222222222222,
        );
    }

    #[test]
    fn macro_skips_classes_that_never_occur() {
        // Class 2 of 3 appears nowhere: macro over classes 0 and 1 only.
        // class 0: P 1, R 1/2 -> F1 2/3; class 1: P 2/3, R 1 -> F1 4/5
        close(
            f1_score(&[0, 0, 1, 1], &[0, 1, 1, 1], 3, Average::Macro).unwrap(),
            (2.0 / 3.0 + 0.8) / 2.0,
        );
        // A class that is predicted but never true counts, with F1 0:
        // class 0: tp 1, support 2, predicted 1 -> F1 2/3; class 1: 0; macro 1/3
        close(
            f1_score(&[0, 0], &[0, 1], 2, Average::Macro).unwrap(),
            1.0 / 3.0,
        );
    }
}
