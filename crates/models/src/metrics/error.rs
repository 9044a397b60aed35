//! [`MetricError`]: why a metric could not be computed.

use std::fmt;

/// Why a metric could not be computed from the values it was given.
///
/// Every variant names the metric; its [`Display`](fmt::Display) form says what was passed and
/// what the metric needs.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricError {
    /// No samples were passed.
    Empty {
        /// The metric that was asked for.
        metric: &'static str,
    },
    /// An input has the wrong number of values.
    LengthMismatch {
        /// The metric that was asked for.
        metric: &'static str,
        /// Which argument has the wrong length.
        what: &'static str,
        /// How many values it has.
        found: usize,
        /// How many it should have.
        expected: usize,
        /// Why that many: what the expected length is made of.
        reason: String,
    },
    /// The true labels hold one class only, for a metric that compares two.
    SingleClass {
        /// The metric that was asked for.
        metric: &'static str,
        /// The only class present.
        class: usize,
        /// How many samples there are.
        samples: usize,
    },
    /// A class label is not below the number of classes.
    LabelOutOfRange {
        /// The metric that was asked for.
        metric: &'static str,
        /// Which argument holds the label.
        what: &'static str,
        /// Its position.
        index: usize,
        /// The label found there.
        label: usize,
        /// The number of classes: labels must be in `0..n_classes`.
        n_classes: usize,
    },
    /// A value that should be a probability lies outside `[0, 1]`.
    NotProbability {
        /// The metric that was asked for.
        metric: &'static str,
        /// Which argument holds the value.
        what: &'static str,
        /// Its position.
        index: usize,
        /// The value found there.
        value: f64,
    },
    /// A row of class probabilities does not sum to 1.
    RowSum {
        /// The metric that was asked for.
        metric: &'static str,
        /// The row.
        row: usize,
        /// What it sums to.
        sum: f64,
    },
    /// A value is `NaN` or infinite.
    NonFinite {
        /// The metric that was asked for.
        metric: &'static str,
        /// Which argument holds the value.
        what: &'static str,
        /// Its position.
        index: usize,
        /// The value found there.
        value: f64,
    },
    /// Every true value is the same, so a metric that divides by their spread is undefined.
    ConstantTarget {
        /// The metric that was asked for.
        metric: &'static str,
        /// The value every target has.
        value: f64,
    },
    /// Some other argument is unusable (a threshold, a number of classes, a list of names).
    InvalidArgument {
        /// The metric that was asked for.
        metric: &'static str,
        /// What was passed and what is needed.
        message: String,
    },
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricError::Empty { metric } => write!(
                f,
                "{metric}: no samples were passed; pass at least one true value and one prediction"
            ),
            MetricError::LengthMismatch {
                metric,
                what,
                found,
                expected,
                reason,
            } => write!(
                f,
                "{metric}: {what} has {found} values but {expected} are needed ({reason})"
            ),
            MetricError::SingleClass {
                metric,
                class,
                samples,
            } => write!(
                f,
                "{metric}: all {samples} true labels are class {class}; the metric compares \
                 positives (1) with negatives (0), so y_true must hold both classes"
            ),
            MetricError::LabelOutOfRange {
                metric,
                what,
                index,
                label,
                n_classes,
            } => write!(
                f,
                "{metric}: {what}[{index}] is {label}, but labels must be class indices in \
                 0..{n_classes}; map labels to indices first (or pass the right number of classes)"
            ),
            MetricError::NotProbability {
                metric,
                what,
                index,
                value,
            } => write!(
                f,
                "{metric}: {what}[{index}] is {value}, not a probability in [0, 1]; pass \
                 probabilities (sigmoid or softmax outputs), not logits"
            ),
            MetricError::RowSum { metric, row, sum } => write!(
                f,
                "{metric}: row {row} of y_prob sums to {sum}, not 1; pass one row of softmax \
                 probabilities per sample, n_classes values each, row after row"
            ),
            MetricError::NonFinite {
                metric,
                what,
                index,
                value,
            } => write!(
                f,
                "{metric}: {what}[{index}] is {value}; every value must be finite (a model whose \
                 loss diverged predicts NaN or infinity)"
            ),
            MetricError::ConstantTarget { metric, value } => write!(
                f,
                "{metric}: every true value is {value}, so their total sum of squares is 0 and \
                 the metric is undefined; it needs at least two distinct true values"
            ),
            MetricError::InvalidArgument { metric, message } => write!(f, "{metric}: {message}"),
        }
    }
}

impl std::error::Error for MetricError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_metric_the_argument_and_the_fix() {
        let e = MetricError::LengthMismatch {
            metric: "mse",
            what: "y_pred",
            found: 3,
            expected: 4,
            reason: "one prediction per value of y_true".into(),
        };
        assert_eq!(
            e.to_string(),
            "mse: y_pred has 3 values but 4 are needed (one prediction per value of y_true)"
        );
        let e = MetricError::NotProbability {
            metric: "binary_log_loss",
            what: "y_prob",
            index: 2,
            value: 3.5,
        };
        assert!(e.to_string().contains("y_prob[2] is 3.5"));
        assert!(e.to_string().contains("not logits"));
    }
}
