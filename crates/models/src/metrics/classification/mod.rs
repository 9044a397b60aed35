//! Classification metrics: accuracy, precision / recall / F1, the confusion matrix, ROC AUC,
//! log loss, and the points of the ROC, precision-recall and calibration curves.
//!
//! True labels are class indices (`usize`); for the binary metrics they must be 0 or 1, with 1
//! the positive class. Predicted labels are indices too; probabilities are `f64`, one per sample
//! for binary metrics and one row of `n_classes` per sample (flattened row after row) for
//! multi-class ones.

mod accuracy;
mod confusion;
mod curves;
mod log_loss;
mod roc_auc;
mod scores;

pub use accuracy::{
    DEFAULT_THRESHOLD, accuracy, binary_accuracy, binary_accuracy_at, categorical_accuracy,
    sparse_categorical_accuracy, threshold_predictions,
};
pub use confusion::ConfusionMatrix;
pub use curves::{
    BinStrategy, CalibrationCurve, PrCurve, RocCurve, calibration_curve, one_vs_rest,
    precision_recall_curve, roc_curve,
};
pub use log_loss::{LOG_LOSS_EPS, binary_log_loss, log_loss};
pub use roc_auc::roc_auc;
pub use scores::{Average, ClassScores, f1_score, per_class_scores, precision, recall};
