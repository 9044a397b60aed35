//! [`LossError`]: what was wrong with the data or options handed to a loss, and how to fix it.

use std::fmt;

/// A loss refused its inputs. The message says what was passed, what was expected and how to
/// fix it.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::loss::{self, LossErrorKind};
///
/// let tape = Tape::<f64>::new();
/// let logits = tape.param(Tensor::zeros(&[2, 3]));
/// let err = loss::sparse_categorical_cross_entropy_with_logits(logits, &[0, 3], Default::default())
///     .unwrap_err();
/// assert_eq!(err.kind, LossErrorKind::LabelOutOfRange { row: 1, label: 3, classes: 3 });
/// assert!(err.to_string().contains("label 3"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LossError {
    /// The loss that refused them, as its function is named.
    pub loss: &'static str,
    /// What was wrong.
    pub kind: LossErrorKind,
}

/// The ways a loss's inputs can be wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum LossErrorKind {
    /// Predictions and targets have different shapes.
    ShapeMismatch {
        /// The predictions' shape.
        predictions: Vec<usize>,
        /// The targets' shape.
        targets: Vec<usize>,
    },
    /// The predictions do not have a shape this loss can take.
    BadShape {
        /// The predictions' shape.
        shape: Vec<usize>,
        /// What the loss takes.
        expected: &'static str,
    },
    /// A list of weights or labels has the wrong length.
    WrongLength {
        /// Which list: `"sample_weights"`, `"class_weights"`, `"pos_weight"` or `"labels"`.
        what: &'static str,
        /// How many entries it has.
        len: usize,
        /// How many it needs.
        expected: usize,
        /// What each entry stands for, e.g. `"one per sample"`.
        per: &'static str,
    },
    /// An integer label is not a class index.
    LabelOutOfRange {
        /// The row (sample) that holds it.
        row: usize,
        /// The label.
        label: usize,
        /// The number of classes (the predictions' second extent).
        classes: usize,
    },
    /// A weight or an option is out of its range.
    InvalidValue {
        /// Which one, e.g. `"label_smoothing"` or `"sample_weights[3]"`.
        what: String,
        /// Its value.
        value: f64,
        /// The range it must lie in.
        expected: &'static str,
    },
}

impl LossError {
    pub(crate) fn new(loss: &'static str, kind: LossErrorKind) -> Self {
        LossError { loss, kind }
    }
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loss = self.loss;
        match &self.kind {
            LossErrorKind::ShapeMismatch {
                predictions,
                targets,
            } => write!(
                f,
                "{loss}: the predictions have shape {predictions:?} but the targets have shape \
                 {targets:?}; pass targets of the predictions' shape (a [n] target for a [n, 1] \
                 output needs reshaping to [n, 1]; class indices need one-hot encoding, or use the \
                 sparse loss)"
            ),
            LossErrorKind::BadShape { shape, expected } => write!(
                f,
                "{loss}: the predictions have shape {shape:?}, but this loss takes {expected}"
            ),
            LossErrorKind::WrongLength {
                what,
                len,
                expected,
                per,
            } => write!(
                f,
                "{loss}: {what} has {len} entries but {expected} are needed ({per}); pass one \
                 entry {}",
                per.trim_start_matches("one ")
            ),
            LossErrorKind::LabelOutOfRange {
                row,
                label,
                classes,
            } => write!(
                f,
                "{loss}: label {label} (row {row}) is not a class index for {classes} classes; \
                 labels must lie in 0..{classes}: map your labels to indices 0..{classes}, or \
                 give the output layer {} units",
                label + 1
            ),
            LossErrorKind::InvalidValue {
                what,
                value,
                expected,
            } => write!(f, "{loss}: {what} is {value}; it must be {expected}"),
        }
    }
}

impl std::error::Error for LossError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_was_passed_and_what_was_expected() {
        let e = LossError::new(
            "mean_squared_error",
            LossErrorKind::ShapeMismatch {
                predictions: vec![4, 1],
                targets: vec![4],
            },
        );
        let m = e.to_string();
        assert!(
            m.starts_with("mean_squared_error: the predictions have shape [4, 1]"),
            "{m}"
        );
        assert!(
            m.contains("targets have shape [4]") && m.contains("reshaping"),
            "{m}"
        );

        let e = LossError::new(
            "binary_cross_entropy",
            LossErrorKind::WrongLength {
                what: "sample_weights",
                len: 3,
                expected: 4,
                per: "one per sample",
            },
        );
        assert_eq!(
            e.to_string(),
            "binary_cross_entropy: sample_weights has 3 entries but 4 are needed (one per \
             sample); pass one entry per sample"
        );

        let e = LossError::new(
            "sparse_categorical_cross_entropy",
            LossErrorKind::LabelOutOfRange {
                row: 5,
                label: 10,
                classes: 10,
            },
        );
        let m = e.to_string();
        assert!(
            m.contains("label 10 (row 5)") && m.contains("10 classes"),
            "{m}"
        );
        assert!(m.contains("0..10") && m.contains("11 units"), "{m}");
    }
}
