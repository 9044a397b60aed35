//! [`ConfusionMatrix`]: counts of (true class, predicted class) pairs.

use crate::metrics::MetricError;
use crate::metrics::check::{labels_below, paired};
use std::fmt;

/// Counts of samples by true class (rows) and predicted class (columns).
///
/// ```
/// use nabla_models::metrics::ConfusionMatrix;
/// let m = ConfusionMatrix::new(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?
///     .with_class_names(&["benign", "malignant"])?;
/// assert_eq!(m.count(1, 0), 1); // one malignant sample predicted benign
/// assert_eq!(m.recall(1), 2.0 / 3.0);
/// assert_eq!(
///     m.to_string(),
///     "true \\ pred  benign  malignant\n\
///      benign            1          1\n\
///      malignant         1          2\n"
/// );
/// # Ok::<(), nabla_models::metrics::MetricError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    n_classes: usize,
    counts: Vec<usize>,
    class_names: Option<Vec<String>>,
}

impl ConfusionMatrix {
    /// Counts each (true, predicted) pair of labels in `0..n_classes`.
    ///
    /// # Errors
    /// If the input is empty, the lengths differ, `n_classes` is 0 or a label is out of range.
    pub fn new(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Result<Self, MetricError> {
        const METRIC: &str = "confusion_matrix";
        paired(METRIC, y_true.len(), "y_pred", y_pred.len())?;
        if n_classes == 0 {
            return Err(MetricError::InvalidArgument {
                metric: METRIC,
                message: "n_classes is 0; pass the number of classes (at least 1)".into(),
            });
        }
        labels_below(METRIC, "y_true", y_true, n_classes)?;
        labels_below(METRIC, "y_pred", y_pred, n_classes)?;
        let mut counts = vec![0; n_classes * n_classes];
        for (&t, &p) in y_true.iter().zip(y_pred) {
            counts[t * n_classes + p] += 1;
        }
        Ok(ConfusionMatrix {
            n_classes,
            counts,
            class_names: None,
        })
    }

    /// The same matrix with class names, used by [`Display`](fmt::Display).
    ///
    /// # Errors
    /// If there is not exactly one name per class.
    pub fn with_class_names<S: AsRef<str>>(mut self, names: &[S]) -> Result<Self, MetricError> {
        if names.len() != self.n_classes {
            return Err(MetricError::InvalidArgument {
                metric: "confusion_matrix",
                message: format!(
                    "{} class names were given for {} classes; pass one name per class",
                    names.len(),
                    self.n_classes
                ),
            });
        }
        self.class_names = Some(names.iter().map(|s| s.as_ref().to_string()).collect());
        Ok(self)
    }

    /// The number of classes (rows and columns).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The class names, if they were given.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// How many samples of true class `actual` were predicted as `predicted`.
    ///
    /// # Panics
    /// If either class is not below [`n_classes`](Self::n_classes).
    pub fn count(&self, actual: usize, predicted: usize) -> usize {
        assert!(
            actual < self.n_classes && predicted < self.n_classes,
            "ConfusionMatrix::count: class ({actual}, {predicted}) is out of range for {} classes",
            self.n_classes
        );
        self.counts[actual * self.n_classes + predicted]
    }

    /// The number of samples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// How many samples truly belong to `class` (its row sum, the "support").
    pub fn support(&self, class: usize) -> usize {
        (0..self.n_classes).map(|p| self.count(class, p)).sum()
    }

    /// How many samples were predicted as `class` (its column sum).
    pub fn predicted(&self, class: usize) -> usize {
        (0..self.n_classes).map(|t| self.count(t, class)).sum()
    }

    /// The share of samples on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let hits: usize = (0..self.n_classes).map(|c| self.count(c, c)).sum();
        ratio(hits, self.total())
    }

    /// Of the samples predicted as `class`, the share that truly are: 0 if none was predicted.
    pub fn precision(&self, class: usize) -> f64 {
        ratio(self.count(class, class), self.predicted(class))
    }

    /// Of the samples truly in `class`, the share predicted as it: 0 if there are none.
    pub fn recall(&self, class: usize) -> f64 {
        ratio(self.count(class, class), self.support(class))
    }

    /// The harmonic mean of precision and recall, `2 tp / (2 tp + fp + fn)`: 0 if both are 0.
    pub fn f1(&self, class: usize) -> f64 {
        let tp = self.count(class, class);
        ratio(2 * tp, self.support(class) + self.predicted(class))
    }

    fn label(&self, class: usize) -> String {
        match &self.class_names {
            Some(names) => names[class].clone(),
            None => class.to_string(),
        }
    }
}

/// `num / den`, or 0 when `den` is 0.
fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl fmt::Display for ConfusionMatrix {
    /// An aligned table: a header of predicted classes, then one row per true class. Class
    /// names are used if given, else class indices.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CORNER: &str = "true \\ pred";
        let labels: Vec<String> = (0..self.n_classes).map(|c| self.label(c)).collect();
        let first = labels
            .iter()
            .map(|l| l.chars().count())
            .chain([CORNER.len()])
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = (0..self.n_classes)
            .map(|p| {
                let widest_count = (0..self.n_classes)
                    .map(|t| self.count(t, p).to_string().len())
                    .max()
                    .unwrap_or(1);
                labels[p].chars().count().max(widest_count)
            })
            .collect();
        write!(f, "{CORNER:<first$}")?;
        for (label, w) in labels.iter().zip(&widths) {
            write!(f, "  {label:>w$}")?;
        }
        writeln!(f)?;
        for (t, label) in labels.iter().enumerate() {
            write!(f, "{label:<first$}")?;
            for (p, w) in widths.iter().enumerate() {
                write!(f, "  {:>w$}", self.count(t, p))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // y_true = 0 0 0 1 1 2 2 2 2
    // y_pred = 0 1 0 1 2 2 2 0 2
    // row 0: (0,0) x2, (0,1) x1; row 1: (1,1), (1,2); row 2: (2,2) x3, (2,0) x1
    fn example() -> ConfusionMatrix {
        ConfusionMatrix::new(
            &[0, 0, 0, 1, 1, 2, 2, 2, 2],
            &[0, 1, 0, 1, 2, 2, 2, 0, 2],
            3,
        )
        .unwrap()
    }

    #[test]
    fn counts_rows_are_true_columns_are_predicted() {
        let m = example();
        let rows: Vec<Vec<usize>> = (0..3)
            .map(|t| (0..3).map(|p| m.count(t, p)).collect())
            .collect();
        assert_eq!(rows, vec![vec![2, 1, 0], vec![0, 1, 1], vec![1, 0, 3]]);
        assert_eq!((m.total(), m.support(2), m.predicted(0)), (9, 4, 3));
    }

    #[test]
    fn per_class_scores_by_hand() {
        let m = example();
        // class 0: tp 2, predicted 3, support 3 -> P 2/3, R 2/3, F1 4/6
        assert_eq!(m.precision(0), 2.0 / 3.0);
        assert_eq!(m.recall(0), 2.0 / 3.0);
        assert_eq!(m.f1(0), 4.0 / 6.0);
        // class 1: tp 1, predicted 2, support 2 -> 1/2, 1/2, 2/4
        assert_eq!(m.f1(1), 0.5);
        // class 2: tp 3, predicted 4, support 4 -> F1 6/8
        assert_eq!(m.f1(2), 0.75);
        // diagonal 2 + 1 + 3 = 6 of 9
        assert_eq!(m.accuracy(), 6.0 / 9.0);
    }

    #[test]
    fn a_class_never_predicted_scores_zero_not_nan() {
        let m = ConfusionMatrix::new(&[0, 1, 1], &[0, 0, 0], 3).unwrap();
        assert_eq!((m.precision(1), m.recall(1), m.f1(1)), (0.0, 0.0, 0.0));
        assert_eq!((m.precision(2), m.recall(2), m.f1(2)), (0.0, 0.0, 0.0));
        assert_eq!(m.precision(0), 1.0 / 3.0);
    }

    #[test]
    fn display_aligns_indices_when_no_names() {
        let m = ConfusionMatrix::new(&[0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], &[0; 11], 2).unwrap();
        assert_eq!(
            m.to_string(),
            "true \\ pred   0  1\n\
             0             1  0\n\
             1            10  0\n"
        );
    }

    #[test]
    fn display_widens_for_long_names() {
        let m = example()
            .with_class_names(&["setosa", "versicolor", "a-very-long-name"])
            .unwrap();
        let text = m.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "true \\ pred       setosa  versicolor  a-very-long-name"
        );
        assert_eq!(
            lines[3],
            "a-very-long-name       1           0                 3"
        );
        assert!(lines.iter().all(|l| l.len() == lines[0].len()));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(matches!(
            ConfusionMatrix::new(&[0, 3], &[0, 1], 3),
            Err(MetricError::LabelOutOfRange {
                what: "y_true",
                index: 1,
                label: 3,
                n_classes: 3,
                ..
            })
        ));
        let err = example().with_class_names(&["a", "b"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("2 class names were given for 3 classes")
        );
        assert!(ConfusionMatrix::new(&[], &[], 2).is_err());
        assert!(ConfusionMatrix::new(&[0], &[0], 0).is_err());
    }
}
