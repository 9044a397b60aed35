//! Metrics for judging predictions: plain functions on slices.
//!
//! Class labels are `usize` indices (`0..n_classes`; for binary metrics 1 is the positive class),
//! scores, probabilities and regression values are `f64`. Every function checks its input and
//! returns a [`MetricError`] saying what was passed and what it needs, rather than a silent
//! `NaN`: empty input, slices of different lengths, labels out of range, probabilities outside
//! `[0, 1]`, non-finite values, and inputs for which the metric is undefined (ROC AUC with one
//! class only, R² of a constant target).
//!
//! ```
//! use nabla_models::metrics::{Average, accuracy, f1_score, r2_score};
//! let y_true = [0, 1, 2, 2];
//! let y_pred = [0, 2, 2, 2];
//! assert_eq!(accuracy(&y_true, &y_pred)?, 0.75);
//! // Class 1 is never predicted: its F1 is 0, which drags the macro average down.
//! assert!(f1_score(&y_true, &y_pred, 3, Average::Macro)? < f1_score(&y_true, &y_pred, 3, Average::Micro)?);
//! assert!((r2_score(&[1.0, 2.0, 3.0], &[1.0, 2.0, 4.0])? - 0.5).abs() < 1e-12);
//! # Ok::<(), nabla_models::metrics::MetricError>(())
//! ```

mod check;
pub mod classification;
mod error;
pub mod regression;

pub use classification::{
    Average, BinStrategy, CalibrationCurve, ClassScores, ConfusionMatrix, DEFAULT_THRESHOLD,
    LOG_LOSS_EPS, PrCurve, RocCurve, accuracy, binary_accuracy, binary_accuracy_at,
    binary_log_loss, calibration_curve, categorical_accuracy, f1_score, log_loss, one_vs_rest,
    per_class_scores, precision, precision_recall_curve, recall, roc_auc, roc_curve,
    sparse_categorical_accuracy, threshold_predictions,
};
pub use error::MetricError;
pub use regression::{mae, median_absolute_error, mse, r2_score, rmse};
