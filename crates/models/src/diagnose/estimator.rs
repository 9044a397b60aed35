//! The estimators' diagnostics: `check` before training, `diagnose` after, and the gate that
//! makes `fit` refuse a configuration with errors.

use super::config::check;
use super::data::{FeatureStats, class_shares};
use super::evaluation::Scores;
use super::network::dead_units;
use super::report::Report;
use super::training::{ClassOutcome, TrainingRun, diagnose_training};
use crate::data::{Standardizer, Targets};
use crate::estimator::{
    ClassWeights, Classifier, FitError, NetworkConfig, Regressor, Task, check_matrix,
};
use crate::head::{Head, Loss};
use crate::metrics;
use crate::train::History;
use nabla_autodiff::{Float, Tensor};

/// `Err(FitError::Diagnosed)` with the report when it holds an error, unless `ignore` is set.
pub(crate) fn gate(report: &Report, ignore: bool) -> Result<(), FitError> {
    if !ignore && report.of(super::Severity::Error).next().is_some() {
        return Err(FitError::Diagnosed(report.clone()));
    }
    Ok(())
}

/// `x` as a fit under `config` would hand it to the network (standardised if it asks). Rows
/// with NaN or infinite values stay as they are, for the check to point at them.
fn as_trained(config: &NetworkConfig, x: &Tensor<f64>) -> Result<Tensor<f64>, FitError> {
    Ok(
        if config.standardize && x.data().iter().all(|v| v.is_finite()) {
            Standardizer::fit_transform(x)?.1
        } else {
            x.clone()
        },
    )
}

/// Cross-entropy of always predicting the class shares, as the head's mean loss reads it.
fn prior_loss(head: &Head, shares: &[(String, f64)]) -> Option<f64> {
    let h = |p: f64| if p > 0.0 { -p * p.ln() } else { 0.0 };
    match head.loss {
        Loss::BinaryCrossEntropy { .. } if head.units == 1 && shares.len() == 2 => {
            Some(h(shares[0].1) + h(shares[1].1))
        }
        Loss::CategoricalCrossEntropy { .. } | Loss::SparseCategoricalCrossEntropy { .. } => {
            Some(shares.iter().map(|s| h(s.1)).sum())
        }
        _ => None,
    }
}

impl<T: Float> Classifier<T> {
    /// The before-training diagnoses of this configuration on features `x` and targets `y`:
    /// what `fit` checks (it refuses when there is an error, unless
    /// `config.network.ignore_diagnostics` is set), with the warnings and hints too.
    ///
    /// # Errors
    /// If `x` is not a non-empty matrix, or the targets are not classes.
    pub fn check(&self, x: &Tensor<f64>, y: &Targets) -> Result<Report, FitError> {
        check_matrix("Classifier::check", x)?;
        let head = self.head_for(y)?;
        let x = as_trained(&self.config.network, x)?;
        Ok(check(&head, y, &FeatureStats::of(&x, None)))
    }

    /// The after-training diagnoses of the last `fit`, which returned `history` and was given
    /// `x_train` and `y_train`. The checks of the predictions (collapse, accuracy at or below
    /// the majority class's share, classes unseen in training, a log loss that is not finite)
    /// read them on `held_out` rows when given (validation or test data), on the training
    /// rows otherwise.
    ///
    /// # Errors
    /// If the model is not fitted or the data do not fit it.
    pub fn diagnose(
        &self,
        history: &History,
        x_train: &Tensor<f64>,
        y_train: &Targets,
        held_out: Option<(&Tensor<f64>, &Targets)>,
    ) -> Result<Report, FitError> {
        let net = self.network().ok_or(FitError::NotFitted {
            method: "Classifier::diagnose",
        })?;
        let head = self.head().expect("fitted");
        let y_train = &self.align_targets("Classifier::diagnose", y_train)?;
        let held_out = match held_out {
            Some((x, y)) => Some((x, self.align_targets("Classifier::diagnose", y)?)),
            None => None,
        };
        let held_out = held_out.as_ref().map(|(x, y)| (*x, y));
        let (x_eval, y_eval, set) = match held_out {
            Some((x, y)) => (x, y, "held-out"),
            None => (x_train, y_train, "training"),
        };
        let outcome = match (self.task(), y_eval.class_indices()) {
            (Some(Task::MultiLabel { .. }), _) | (_, None) => None,
            (_, Some(truth)) => Some(ClassOutcome {
                truth,
                predicted: self.predict(x_eval)?,
                class_names: self.class_names().unwrap_or_default().to_vec(),
                set: set.to_string(),
            }),
        };
        let scores = match &outcome {
            Some(o) => Some(self.class_scores(x_eval, o)?),
            None => None,
        };
        let x_net = self.network_inputs("Classifier::diagnose", x_train)?;
        let shares = class_shares(y_train).unwrap_or_default();
        let balanced = self.config.class_weights != ClassWeights::None;
        let run = TrainingRun {
            outcome,
            prior_loss: if balanced {
                None
            } else {
                prior_loss(&head, &shares)
            },
            class_shares: shares,
            balanced,
            features: Some(FeatureStats::of(&x_net, None)),
            layers: dead_units(net, &x_net.cast::<T>()),
            optimizer: Some(self.config.network.optimizer),
            scores,
            ..TrainingRun::new(history)
        };
        Ok(diagnose_training(&run))
    }

    /// Accuracy and log loss of the predictions in `outcome` on rows `x` (the log loss NaN
    /// when a probability is not finite).
    fn class_scores(&self, x: &Tensor<f64>, outcome: &ClassOutcome) -> Result<Scores, FitError> {
        let p = self.predict_proba(x)?;
        let k = p.shape()[1];
        let log_loss = metrics::log_loss(&outcome.truth, p.data(), k).unwrap_or(f64::NAN);
        let right = outcome
            .truth
            .iter()
            .zip(&outcome.predicted)
            .filter(|(t, p)| t == p)
            .count();
        Ok(Scores {
            set: outcome.set.clone(),
            values: vec![
                (
                    "accuracy".into(),
                    right as f64 / outcome.truth.len().max(1) as f64,
                ),
                ("log loss".into(), log_loss),
            ],
        })
    }
}

impl<T: Float> Regressor<T> {
    /// The before-training diagnoses of this configuration on features `x` and targets `y`
    /// (see [`Classifier::check`]): for example, 0/1 or few-valued integer targets that look
    /// like classes.
    ///
    /// # Errors
    /// If `x` is not a non-empty matrix.
    pub fn check(&self, x: &Tensor<f64>, y: &Targets) -> Result<Report, FitError> {
        check_matrix("Regressor::check", x)?;
        let x = as_trained(&self.config.network, x)?;
        Ok(check(&self.head_for(y), y, &FeatureStats::of(&x, None)))
    }

    /// The head a fit on `y` trains: one linear unit per target column and the configured
    /// loss.
    pub fn head_for(&self, y: &Targets) -> Head {
        Head {
            loss: self.config.loss,
            ..Head::regression(y.width())
        }
    }

    /// The after-training diagnoses of the last `fit` (given `x_train` and `y_train`), which
    /// returned `history`: a non-finite loss, dead units, vanishing or exploding gradients,
    /// and, from the predictions on `held_out` rows when given (validation or test data), on
    /// the training rows otherwise, an R² below zero or a metric that is not finite.
    ///
    /// # Errors
    /// If the model is not fitted, or the rows do not fit it.
    pub fn diagnose(
        &self,
        history: &History,
        x_train: &Tensor<f64>,
        y_train: &Targets,
        held_out: Option<(&Tensor<f64>, &Targets)>,
    ) -> Result<Report, FitError> {
        const METHOD: &str = "Regressor::diagnose";
        let net = self
            .network()
            .ok_or(FitError::NotFitted { method: METHOD })?;
        let x_net = self.network_inputs(METHOD, x_train)?;
        let (x_eval, y_eval, set) = match held_out {
            Some((x, y)) => (x, y, "held-out"),
            None => (x_train, y_train, "training"),
        };
        let run = TrainingRun {
            features: Some(FeatureStats::of(&x_net, None)),
            layers: dead_units(net, &x_net.cast::<T>()),
            optimizer: Some(self.config.network.optimizer),
            scores: Some(self.scores(METHOD, x_eval, y_eval, set)?),
            ..TrainingRun::new(history)
        };
        Ok(diagnose_training(&run))
    }

    /// R² and RMSE of the predictions on `x` against `y`, in the target's units: NaN where a
    /// prediction is not finite, and no R² when the target is constant on these rows (R² is
    /// undefined there, which says nothing about the model).
    fn scores(
        &self,
        method: &'static str,
        x: &Tensor<f64>,
        y: &Targets,
        set: &str,
    ) -> Result<Scores, FitError> {
        let Targets::Continuous(truth) = y else {
            return Err(FitError::invalid(
                method,
                "the targets are classes, but this model predicts continuous values; load the                  target column as continuous",
            ));
        };
        let pred = self.predict(x)?;
        if pred.shape() != truth.shape() {
            return Err(FitError::invalid(
                method,
                format!(
                    "the targets have shape {:?} but the model predicts {:?} for these rows;                      pass one target row per feature row, with the model's target columns",
                    truth.shape(),
                    pred.shape()
                ),
            ));
        }
        let (t, p) = (truth.data(), pred.data());
        let mut values = Vec::new();
        match metrics::r2_score(t, p) {
            Ok(r2) => values.push(("R²".into(), r2)),
            Err(metrics::MetricError::ConstantTarget { .. }) => {}
            Err(_) => values.push(("R²".into(), f64::NAN)),
        }
        values.push(("RMSE".into(), metrics::rmse(t, p).unwrap_or(f64::NAN)));
        Ok(Scores {
            set: set.to_string(),
            values,
        })
    }
}
