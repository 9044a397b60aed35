//! What `nabla train` and `nabla evaluate` print about a model on labelled rows: the metrics,
//! the confusion matrix, and the diagnoses with their fixes.

use crate::output::say;
use nabla_autodiff::Float;
use nabla_models::data::Dataset;
use nabla_models::diagnose::Report;
use nabla_models::estimator::{Classifier, Regressor};
use std::error::Error;

/// Accuracy, log loss, ROC AUC, the confusion matrix (summarised above 20 classes) or the
/// per-label accuracy on `data`, labelled `set` (`test`, or the evaluated file).
pub fn print_classification<T: Float>(
    set: &str,
    model: &Classifier<T>,
    data: &Dataset,
) -> Result<(), Box<dyn Error>> {
    let eval = model.evaluate(data.features(), data.targets())?;
    say!("{set} accuracy {:.4}", eval.accuracy);
    if eval.log_loss.is_finite() {
        say!("{set} log loss {:.4}", eval.log_loss);
    }
    if let Some(auc) = eval.roc_auc {
        say!("{set} ROC AUC {auc:.4}");
    }
    if let Some(confusion) = &eval.confusion {
        say!("{}", crate::confusion::show(confusion));
    }
    let names = model.class_names().unwrap_or_default();
    for (name, acc) in names.iter().zip(&eval.per_label_accuracy) {
        say!("  label {name:<20} accuracy {acc:.4}");
    }
    Ok(())
}

/// R^2, RMSE, MAE and median absolute error on `data`, in the target's units.
pub fn print_regression<T: Float>(
    set: &str,
    model: &Regressor<T>,
    data: &Dataset,
) -> Result<(), Box<dyn Error>> {
    let eval = model.evaluate(data.features(), data.targets())?;
    say!(
        "{set} R^2 {:.4}, RMSE {:.4}, MAE {:.4}, median absolute error {:.4} (target units)",
        eval.r2,
        eval.rmse,
        eval.mae,
        eval.median_absolute_error
    );
    Ok(())
}

/// The diagnoses found `when`, or that there are none.
pub fn print_report(when: &str, report: &Report) {
    if report.is_empty() {
        say!("diagnoses {when}: none");
    } else {
        say!("diagnoses {when}:\n{report}");
    }
}
