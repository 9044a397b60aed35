//! What a `train` or `evaluate` run found, gathered as it runs: printed as JSON with
//! `--format json` (for scripts) and laid out in the `--report` page.

use crate::html::Figure;
use nabla_models::diagnose::{Diagnosis, Report};
use nabla_models::estimator::{Evaluation, RegressionEvaluation};
use nabla_models::metrics::ConfusionMatrix;
use nabla_models::train::History;
use serde::Serialize;
use std::collections::BTreeMap;

/// The result of a run, in the order it was found.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    /// `train` or `evaluate`.
    pub command: &'static str,
    /// The data file and its target.
    pub data: DataSummary,
    /// The options that shaped the run, as typed on the command line.
    pub settings: BTreeMap<&'static str, String>,
    /// Training and test rows (train only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
    /// The output layer and loss.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// How training went (train only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training: Option<Training>,
    /// Which rows the metrics are measured on: `test` or `evaluation`.
    pub evaluated_on: &'static str,
    /// The metrics by name (`accuracy`, `log_loss`, `roc_auc`; `r2`, `rmse`, `mae`,
    /// `median_absolute_error`).
    pub metrics: BTreeMap<String, f64>,
    /// Each label's accuracy, for multi-label targets.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub per_label_accuracy: BTreeMap<String, f64>,
    /// Counts of (actual, predicted) classes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Confusion>,
    /// Every diagnosis, with when it was made.
    pub diagnoses: Vec<DiagnosisRecord>,
    /// Where the model was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_model: Option<String>,
    /// The pictures for `--report` (drawn only when it is given).
    #[serde(skip)]
    pub figures: Vec<Figure>,
}

/// The data file, its size and its target.
#[derive(Debug, Default, Serialize)]
pub struct DataSummary {
    /// The file as given.
    pub file: String,
    /// Rows with a target.
    pub rows: usize,
    /// Features after encoding.
    pub features: usize,
    /// The target column(s).
    pub target: Vec<String>,
    /// How the target encodes it (`continuous`, `integer labels`, ...).
    pub encoding: String,
}

/// The split of `nabla train`.
#[derive(Debug, Serialize)]
pub struct Split {
    /// Rows trained on (validation rows included).
    pub train_rows: usize,
    /// Rows held out for the test metrics.
    pub test_rows: usize,
}

/// How training went.
#[derive(Debug, Serialize)]
pub struct Training {
    /// Epochs completed.
    pub epochs: usize,
    /// Optimisation steps taken.
    pub steps: usize,
    /// Why training stopped before its last epoch, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<String>,
    /// The last epoch's numbers (`loss`, metrics, `val_` metrics, `learning_rate`).
    pub last_epoch: BTreeMap<String, f64>,
}

impl Training {
    /// The summary of `history`.
    pub fn of(history: &History) -> Self {
        let mut last_epoch = BTreeMap::new();
        if let Some(last) = history.last() {
            last_epoch.insert("loss".to_string(), last.loss);
            for (name, value) in &last.metrics {
                last_epoch.insert(name.clone(), *value);
            }
            if let Some(v) = last.val_loss {
                last_epoch.insert("val_loss".to_string(), v);
            }
            for (name, value) in &last.val_metrics {
                last_epoch.insert(format!("val_{name}"), *value);
            }
            last_epoch.insert("learning_rate".to_string(), last.learning_rate);
        }
        Training {
            epochs: history.epochs.len(),
            steps: history.steps,
            stopped_early: history.stopped_early.clone(),
            last_epoch,
        }
    }
}

/// A confusion matrix: `counts[actual][predicted]`.
#[derive(Debug, Serialize)]
pub struct Confusion {
    /// The class names, in the order of the rows and columns.
    pub classes: Vec<String>,
    /// Rows: actual class; columns: predicted class.
    pub counts: Vec<Vec<usize>>,
}

impl From<&ConfusionMatrix> for Confusion {
    fn from(matrix: &ConfusionMatrix) -> Self {
        let k = matrix.n_classes();
        Confusion {
            classes: match matrix.class_names() {
                Some(names) => names.to_vec(),
                None => (0..k).map(|c| c.to_string()).collect(),
            },
            counts: (0..k)
                .map(|a| (0..k).map(|p| matrix.count(a, p)).collect())
                .collect(),
        }
    }
}

/// A diagnosis as data.
#[derive(Debug, Serialize)]
pub struct DiagnosisRecord {
    /// When it was made: `before training`, `after training` or `on these rows`.
    pub when: &'static str,
    /// Its stable code, such as `class-imbalance`.
    pub code: &'static str,
    /// `hint`, `warning` or `error`.
    pub severity: String,
    /// What was found.
    pub finding: String,
    /// What to change, in the command line's terms.
    pub fix: String,
    /// The numbers behind the finding.
    pub evidence: BTreeMap<String, f64>,
    /// Likely causes, most likely first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<DiagnosisRecord>,
}

impl DiagnosisRecord {
    fn new(when: &'static str, d: &Diagnosis) -> Self {
        let terms = crate::report::in_command_line_terms;
        DiagnosisRecord {
            when,
            code: d.code,
            severity: d.severity.to_string(),
            finding: terms(&d.finding),
            fix: terms(&d.fix),
            evidence: d.evidence.iter().cloned().collect(),
            causes: d
                .causes
                .iter()
                .map(|c| DiagnosisRecord::new(when, c))
                .collect(),
        }
    }
}

impl Outcome {
    /// Records the diagnoses of `report`, made `when`.
    pub fn add_diagnoses(&mut self, when: &'static str, report: &Report) {
        self.diagnoses.extend(
            report
                .diagnoses
                .iter()
                .map(|d| DiagnosisRecord::new(when, d)),
        );
    }

    /// Records a classifier's evaluation.
    pub fn add_classification(&mut self, eval: &Evaluation, label_names: &[String]) {
        self.metrics.insert("accuracy".into(), eval.accuracy);
        if eval.log_loss.is_finite() {
            self.metrics.insert("log_loss".into(), eval.log_loss);
        }
        if let Some(auc) = eval.roc_auc {
            self.metrics.insert("roc_auc".into(), auc);
        }
        self.confusion = eval.confusion.as_ref().map(Confusion::from);
        self.per_label_accuracy = label_names
            .iter()
            .cloned()
            .zip(eval.per_label_accuracy.iter().copied())
            .collect();
    }

    /// Records a regressor's evaluation.
    pub fn add_regression(&mut self, eval: &RegressionEvaluation) {
        for (name, value) in [
            ("r2", eval.r2),
            ("rmse", eval.rmse),
            ("mae", eval.mae),
            ("median_absolute_error", eval.median_absolute_error),
        ] {
            self.metrics.insert(name.into(), value);
        }
    }

    /// The outcome as pretty-printed JSON. Non-finite numbers (which JSON cannot hold)
    /// become `null`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an outcome is plain data")
    }
}
