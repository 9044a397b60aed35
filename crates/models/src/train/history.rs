//! What training leaves behind: per-epoch records and how it ended.

use crate::diagnose::Report;
use std::fmt;

/// One epoch's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub loss: f64,
    /// Training metrics over the whole training set, each row's output taken from the step
    /// that trained on it (so they cost no extra pass over the data, and, as in Keras, they
    /// average over the weights the epoch went through, with dropout active).
    pub metrics: Vec<(String, f64)>,
    /// Validation loss, if there is validation data.
    pub val_loss: Option<f64>,
    /// Validation metrics, if there is validation data.
    pub val_metrics: Vec<(String, f64)>,
    /// The learning rate used during the epoch.
    pub learning_rate: f64,
}

impl EpochRecord {
    /// A quantity by name: `loss`, `val_loss`, a metric name, or `val_` + a metric name.
    pub fn get(&self, key: &str) -> Option<f64> {
        match key {
            "loss" => Some(self.loss),
            "val_loss" => self.val_loss,
            _ => match key.strip_prefix("val_") {
                Some(m) => self
                    .val_metrics
                    .iter()
                    .find(|(k, _)| k == m)
                    .map(|(_, v)| *v),
                None => self.metrics.iter().find(|(k, _)| k == key).map(|(_, v)| *v),
            },
        }
    }
}

impl EpochRecord {
    /// The record's numbers without its epoch: `loss 0.3125  accuracy 0.9000  …  lr 1.000e-3`.
    pub fn numbers(&self) -> impl fmt::Display + '_ {
        Numbers(self)
    }
}

/// See [`EpochRecord::numbers`].
struct Numbers<'a>(&'a EpochRecord);

impl fmt::Display for Numbers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let record = self.0;
        write!(f, "loss {:.4}", record.loss)?;
        for (k, v) in &record.metrics {
            write!(f, "  {k} {v:.4}")?;
        }
        if let Some(v) = record.val_loss {
            write!(f, "  val_loss {v:.4}")?;
        }
        for (k, v) in &record.val_metrics {
            write!(f, "  val_{k} {v:.4}")?;
        }
        write!(f, "  lr {:.3e}", record.learning_rate)
    }
}

impl fmt::Display for EpochRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "epoch {:>4}  {}", self.epoch, self.numbers())
    }
}

/// Where a loss or gradient stopped being finite.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Optimisation step over the whole run, from 1.
    pub step: usize,
    /// The learning rate in force.
    pub learning_rate: f64,
    /// The batch loss (may itself be finite when only the gradient overflowed).
    pub loss: f64,
}

/// The record of a training run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// One record per completed epoch.
    pub epochs: Vec<EpochRecord>,
    /// Why training ended early, if it did.
    pub stopped_early: Option<String>,
    /// Set when training stopped on a non-finite loss or gradient. The model keeps the last
    /// finite weights: the update that would have used the bad gradient was not applied.
    pub non_finite: Option<NonFinite>,
    /// Optimisation steps taken.
    pub steps: usize,
    /// The layers with parameters, named as `"index: description"`, in the order of the
    /// columns of [`History::grad_norms`].
    pub grad_norm_layers: Vec<String>,
    /// The L2 norm of each layer's parameter gradient, averaged over each epoch's steps: one
    /// row per epoch, one column per entry of [`History::grad_norm_layers`]. The diagnostics
    /// read vanishing and exploding gradients from it.
    pub grad_norms: Vec<Vec<f64>>,
    /// What the estimator's before-training check found (see `Classifier::check` and
    /// `Regressor::check`): the warnings and hints, such as `feature-scales` on unscaled
    /// features, which `fit` does not stop for, and the errors it trained despite when
    /// `NetworkConfig::ignore_diagnostics` is set. Print it to see them. Empty when the
    /// network was trained directly (with [`fit`](super::fit)), which checks nothing.
    pub diagnoses: Report,
}

impl History {
    /// The last epoch's record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// A quantity by name across epochs (see [`EpochRecord::get`]).
    pub fn series(&self, key: &str) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.get(key)).collect()
    }
}
