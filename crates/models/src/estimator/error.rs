//! [`FitError`]: why a model could not be fitted, or could not predict.

use crate::data::DataError;
use crate::diagnose::Report;
use crate::persist::ModelFileError;
use crate::train::TrainError;
use nabla_ops::loss::{LossError, LossErrorKind};
use std::fmt;

/// Why `fit`, `predict` or `evaluate` refused its input. The message says what was passed,
/// what was expected and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// The inputs do not fit together or do not fit the model.
    Invalid {
        /// The method that refused.
        method: &'static str,
        /// What was wrong and how to fix it.
        message: String,
    },
    /// The model has not been fitted yet.
    NotFitted {
        /// The method that was called.
        method: &'static str,
    },
    /// Preparing the data failed.
    Data(DataError),
    /// The loss refused the targets or weights.
    Loss(LossError),
    /// A class label is not a class of the targets or of the model's output.
    LabelOutOfRange {
        /// The row that holds it.
        row: usize,
        /// The label.
        label: usize,
        /// How many classes there are (labels index `0..classes`).
        classes: usize,
    },
    /// A checkpoint could not be written, or the run could not resume from one.
    Checkpoint(ModelFileError),
    /// Diagnoses of severity error stopped training (override with
    /// `NetworkConfig::ignore_diagnostics`); the report names each with its fix.
    Diagnosed(Report),
}

impl FitError {
    pub(crate) fn invalid(method: &'static str, message: impl Into<String>) -> Self {
        FitError::Invalid {
            method,
            message: message.into(),
        }
    }
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::Invalid { method, message } => write!(f, "{method}: {message}"),
            FitError::NotFitted { method } => {
                write!(
                    f,
                    "{method}: the model has not been fitted yet; call fit first"
                )
            }
            FitError::Data(e) => write!(f, "{e}"),
            FitError::Loss(e) => write!(f, "{e}"),
            FitError::Checkpoint(e) => write!(f, "checkpoint {e}"),
            FitError::LabelOutOfRange {
                row,
                label,
                classes,
            } => write!(
                f,
                "row {row} has class label {label}, but there are {classes} classes (labels \
                 0..{}); give one class name per class, or re-encode the labels as 0..{}",
                classes.saturating_sub(1),
                classes.saturating_sub(1)
            ),
            FitError::Diagnosed(report) => write!(f, "training refused:\n{report}"),
        }
    }
}

impl std::error::Error for FitError {}

impl From<DataError> for FitError {
    fn from(e: DataError) -> Self {
        FitError::Data(e)
    }
}

impl From<TrainError> for FitError {
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::Loss(e) => e.into(),
            TrainError::Checkpoint(e) => FitError::Checkpoint(e),
            TrainError::Data(e) => FitError::Data(e),
        }
    }
}

impl From<LossError> for FitError {
    fn from(e: LossError) -> Self {
        match e.kind {
            LossErrorKind::LabelOutOfRange {
                row,
                label,
                classes,
            } => FitError::LabelOutOfRange {
                row,
                label,
                classes,
            },
            _ => FitError::Loss(e),
        }
    }
}
