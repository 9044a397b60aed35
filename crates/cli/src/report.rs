//! What `nabla train` and `nabla evaluate` print about a model on labelled rows: the metrics,
//! the confusion matrix, and the diagnoses with their fixes.

use crate::output::say;
use nabla_autodiff::Float;
use nabla_models::data::Dataset;
use nabla_models::diagnose::Report;
use nabla_models::estimator::{Classifier, Evaluation, RegressionEvaluation, Regressor};
use std::error::Error;

/// Accuracy, log loss, ROC AUC, the confusion matrix (summarised above 20 classes) or the
/// per-label accuracy on `data`, labelled `set` (`test`, or the evaluated file); returns them.
pub fn print_classification<T: Float>(
    set: &str,
    model: &Classifier<T>,
    data: &Dataset,
) -> Result<Evaluation, Box<dyn Error>> {
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
    Ok(eval)
}

/// R^2, RMSE, MAE and median absolute error on `data`, in the target's units; returns them.
pub fn print_regression<T: Float>(
    set: &str,
    model: &Regressor<T>,
    data: &Dataset,
) -> Result<RegressionEvaluation, Box<dyn Error>> {
    let eval = model.evaluate(data.features(), data.targets())?;
    say!(
        "{set} R^2 {:.4}, RMSE {:.4}, MAE {:.4}, median absolute error {:.4} (target units)",
        eval.r2,
        eval.rmse,
        eval.mae,
        eval.median_absolute_error
    );
    Ok(eval)
}

/// The diagnoses found `when`, or that there are none.
pub fn print_report(when: &str, report: &Report) {
    if report.is_empty() {
        say!("diagnoses {when}: none");
    } else {
        say!(
            "diagnoses {when}:\n{}",
            in_command_line_terms(&report.to_string())
        );
    }
}

/// The library's settings as the diagnoses spell them, and what to type instead.
const COMMAND_LINE_TERMS: &[(&str, &str)] = &[
    (
        "leave NetworkConfig::standardize on (the default), or fit data::Standardizer on the \
         training split and transform every split with it",
        "leave out --no-standardize",
    ),
    (
        "NetworkConfig::standardize and RegressorConfig::standardize_target, both on by \
         default",
        "on unless --no-standardize; the target always is",
    ),
    (
        "(RegressorConfig::standardize_target)",
        "(always, in nabla train)",
    ),
    (
        "(NetworkConfig::standardize)",
        "(leave out --no-standardize)",
    ),
    (
        "ClassifierConfig::class_weights = ClassWeights::Balanced",
        "--balanced",
    ),
    ("NetworkConfig::fit.clip_norm = Some(1.0)", "--clip-norm 1"),
    ("(FitOptions::epochs)", "(--epochs)"),
    ("NetworkConfig::ignore_diagnostics", "--ignore-diagnostics"),
    (
        "(data::upsample)",
        "(upsample the rare classes in the file)",
    ),
    ("lower the learning rate (to", "lower --lr (to"),
    ("lower the learning rate", "lower the learning rate (--lr)"),
];

/// `text` with the library's settings replaced by the flags a user of `nabla` types.
pub fn in_command_line_terms(text: &str) -> String {
    COMMAND_LINE_TERMS
        .iter()
        .fold(text.to_string(), |t, (library, flag)| {
            t.replace(library, flag)
        })
}
