//! Callbacks: code that runs during training (before and after each epoch, after each step)
//! and may stop training, change the learning rate, or save and restore the best weights.
//! Built-ins: [`EarlyStopping`], [`ReduceLrOnPlateau`], [`ProgressPrinter`] and
//! [`ProgressBar`](super::ProgressBar).

use super::history::{EpochRecord, History};

/// What a callback asks the training loop to do after an epoch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actions {
    /// Stop training, with the reason.
    pub stop: Option<String>,
    /// Use this learning rate from the next epoch on.
    pub learning_rate: Option<f64>,
    /// Keep a copy of the current weights.
    pub save_weights: bool,
    /// Put back the last saved copy (at the end of training).
    pub restore_saved_weights: bool,
    /// Write a checkpoint (the model and where training stands) to this file.
    pub checkpoint: Option<std::path::PathBuf>,
}

/// Code run during training. Implement the methods you need.
pub trait Callback {
    /// Before the first epoch.
    fn on_train_begin(&mut self, _epochs: usize) {}

    /// Before each epoch (numbered from 1), with the optimisation steps it will take.
    fn on_epoch_begin(&mut self, _epoch: usize, _steps: usize) {}

    /// After each optimisation step, with its place in the epoch (from 1) and the mean loss
    /// of its batch. Runs on every step, so keep it cheap.
    fn on_step_end(&mut self, _step: usize, _loss: f64) {}

    /// After each epoch, with its record.
    fn on_epoch_end(&mut self, _record: &EpochRecord) -> Actions {
        Actions::default()
    }

    /// After training ends, for whatever reason. Returns actions too (restoring weights).
    fn on_train_end(&mut self, _history: &History) -> Actions {
        Actions::default()
    }
}

/// A boxed callback is a callback, so lists of `Box<dyn Callback>` can be handed on.
impl<C: Callback + ?Sized> Callback for Box<C> {
    fn on_train_begin(&mut self, epochs: usize) {
        (**self).on_train_begin(epochs);
    }

    fn on_epoch_begin(&mut self, epoch: usize, steps: usize) {
        (**self).on_epoch_begin(epoch, steps);
    }

    fn on_step_end(&mut self, step: usize, loss: f64) {
        (**self).on_step_end(step, loss);
    }

    fn on_epoch_end(&mut self, record: &EpochRecord) -> Actions {
        (**self).on_epoch_end(record)
    }

    fn on_train_end(&mut self, history: &History) -> Actions {
        (**self).on_train_end(history)
    }
}

/// Whether smaller or larger values of the monitored quantity are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Smaller is better (losses).
    Min,
    /// Larger is better (accuracy).
    Max,
}

/// Tracks the best value of a monitored quantity and how many epochs have passed without
/// improving on it: what early stopping and the plateau schedule both watch.
#[derive(Debug, Clone)]
pub(super) struct Best {
    pub(super) monitor: String,
    mode: Mode,
    min_delta: f64,
    value: Option<f64>,
    epoch: usize,
    patience: usize,
    waited: usize,
}

/// What one epoch meant for a [`Best`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// A new best.
    Improved,
    /// No improvement, still within patience.
    Waiting,
    /// `patience` epochs without improvement; the count starts again.
    Exhausted,
}

impl Best {
    pub(super) fn new(monitor: &str, patience: usize) -> Self {
        let mode = if monitor.contains("loss") || monitor.contains("error") {
            Mode::Min
        } else {
            Mode::Max
        };
        Best {
            monitor: monitor.into(),
            mode,
            min_delta: 0.0,
            value: None,
            epoch: 0,
            patience,
            waited: 0,
        }
    }

    /// Feeds one epoch's record.
    pub(super) fn observe(&mut self, record: &EpochRecord) -> Verdict {
        if self.improved(record) {
            self.waited = 0;
            return Verdict::Improved;
        }
        self.waited += 1;
        if self.waited < self.patience {
            return Verdict::Waiting;
        }
        self.waited = 0;
        Verdict::Exhausted
    }

    /// Updates with this epoch's value; true if it improved by more than `min_delta`.
    fn improved(&mut self, record: &EpochRecord) -> bool {
        let Some(v) = record.get(&self.monitor) else {
            return false;
        };
        let better = match (self.value, self.mode) {
            (None, _) => v.is_finite(),
            (Some(b), Mode::Min) => v < b - self.min_delta,
            (Some(b), Mode::Max) => v > b + self.min_delta,
        };
        if better {
            self.value = Some(v);
            self.epoch = record.epoch;
        }
        better
    }
}

/// Stops training when the monitored quantity has not improved for `patience` epochs.
///
/// ```
/// use nabla_models::train::EarlyStopping;
/// let stop = EarlyStopping::new("val_loss").patience(10).min_delta(1e-4).restore_best_weights(true);
/// ```
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    best: Best,
    restore_best: bool,
}

impl EarlyStopping {
    /// Watches `monitor` (`val_loss`, `loss`, `val_accuracy`, ...): quantities named like a
    /// loss or error are minimised, others maximised. Patience 5 epochs, min_delta 0.
    pub fn new(monitor: &str) -> Self {
        EarlyStopping {
            best: Best::new(monitor, 5),
            restore_best: false,
        }
    }

    /// Epochs without improvement before stopping.
    pub fn patience(mut self, epochs: usize) -> Self {
        self.best.patience = epochs;
        self
    }

    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, delta: f64) -> Self {
        self.best.min_delta = delta.abs();
        self
    }

    /// Overrides the direction guessed from the name.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.best.mode = mode;
        self
    }

    /// Put back the weights of the best epoch when training ends.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best = restore;
        self
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _epochs: usize) {
        self.best.value = None;
        self.best.waited = 0;
    }

    fn on_epoch_end(&mut self, record: &EpochRecord) -> Actions {
        match self.best.observe(record) {
            Verdict::Improved => Actions {
                save_weights: self.restore_best,
                ..Actions::default()
            },
            Verdict::Waiting => Actions::default(),
            Verdict::Exhausted => {
                let best = self
                    .best
                    .value
                    .map_or_else(|| "none".into(), |v| format!("{v:.6}"));
                Actions {
                    stop: Some(format!(
                        "early stopping: {} did not improve for {} epochs (best {best} at epoch {})",
                        self.best.monitor, self.best.patience, self.best.epoch
                    )),
                    ..Actions::default()
                }
            }
        }
    }

    fn on_train_end(&mut self, _history: &History) -> Actions {
        Actions {
            restore_saved_weights: self.restore_best && self.best.value.is_some(),
            ..Actions::default()
        }
    }
}

/// Multiplies the learning rate by `factor` when the monitored quantity has not improved for
/// `patience` epochs, down to `min_lr`.
#[derive(Debug, Clone)]
pub struct ReduceLrOnPlateau {
    best: Best,
    factor: f64,
    min_lr: f64,
    current_lr: Option<f64>,
}

impl ReduceLrOnPlateau {
    /// Watches `monitor`; factor 0.1, patience 10, no lower bound.
    pub fn new(monitor: &str) -> Self {
        ReduceLrOnPlateau {
            best: Best::new(monitor, 10),
            factor: 0.1,
            min_lr: 0.0,
            current_lr: None,
        }
    }

    /// The multiplier applied on a plateau.
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// Epochs without improvement before reducing.
    pub fn patience(mut self, epochs: usize) -> Self {
        self.best.patience = epochs;
        self
    }

    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, delta: f64) -> Self {
        self.best.min_delta = delta.abs();
        self
    }

    /// The learning rate is never reduced below this.
    pub fn min_lr(mut self, min_lr: f64) -> Self {
        self.min_lr = min_lr;
        self
    }
}

impl Callback for ReduceLrOnPlateau {
    fn on_epoch_end(&mut self, record: &EpochRecord) -> Actions {
        let lr = self.current_lr.unwrap_or(record.learning_rate);
        if self.best.observe(record) != Verdict::Exhausted || lr <= self.min_lr {
            return Actions::default();
        }
        let new_lr = (lr * self.factor).max(self.min_lr);
        self.current_lr = Some(new_lr);
        Actions {
            learning_rate: Some(new_lr),
            ..Actions::default()
        }
    }
}

/// Prints each epoch's record to standard error, every `every` epochs.
#[derive(Debug, Clone)]
pub struct ProgressPrinter {
    every: usize,
    epochs: usize,
}

impl ProgressPrinter {
    /// Prints every `every` epochs (and the last).
    pub fn every(every: usize) -> Self {
        ProgressPrinter {
            every: every.max(1),
            epochs: 0,
        }
    }
}

impl Callback for ProgressPrinter {
    fn on_train_begin(&mut self, epochs: usize) {
        self.epochs = epochs;
    }

    fn on_epoch_end(&mut self, record: &EpochRecord) -> Actions {
        if record.epoch % self.every == 0 || record.epoch == self.epochs {
            eprintln!("{record}");
        }
        Actions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, val_loss: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            loss: 1.0,
            metrics: vec![],
            val_loss: Some(val_loss),
            val_metrics: vec![("accuracy".into(), 1.0 - val_loss)],
            learning_rate: 0.1,
        }
    }

    #[test]
    fn early_stopping_waits_patience_epochs_then_restores_best() {
        let mut es = EarlyStopping::new("val_loss")
            .patience(2)
            .restore_best_weights(true);
        es.on_train_begin(10);
        assert!(es.on_epoch_end(&record(1, 0.5)).save_weights);
        assert!(es.on_epoch_end(&record(2, 0.4)).save_weights);
        assert_eq!(es.on_epoch_end(&record(3, 0.45)), Actions::default());
        let stop = es.on_epoch_end(&record(4, 0.41));
        assert!(
            stop.stop
                .as_deref()
                .unwrap()
                .contains("best 0.400000 at epoch 2"),
            "{stop:?}"
        );
        assert!(es.on_train_end(&History::default()).restore_saved_weights);
    }

    #[test]
    fn min_delta_and_max_mode() {
        let mut es = EarlyStopping::new("val_accuracy")
            .patience(1)
            .min_delta(0.05);
        assert!(es.on_epoch_end(&record(1, 0.5)).stop.is_none()); // accuracy 0.5, first value
        // accuracy 0.52 is not 0.05 better: counts as no improvement.
        assert!(es.on_epoch_end(&record(2, 0.48)).stop.is_some());
    }

    #[test]
    fn plateau_reduces_the_rate_by_factor() {
        let mut p = ReduceLrOnPlateau::new("val_loss")
            .patience(2)
            .factor(0.5)
            .min_lr(0.03);
        assert_eq!(p.on_epoch_end(&record(1, 1.0)).learning_rate, None);
        assert_eq!(p.on_epoch_end(&record(2, 1.0)).learning_rate, None);
        assert_eq!(p.on_epoch_end(&record(3, 1.0)).learning_rate, Some(0.05));
        assert_eq!(p.on_epoch_end(&record(4, 1.0)).learning_rate, None);
        assert_eq!(
            p.on_epoch_end(&record(5, 1.0)).learning_rate,
            Some(0.03),
            "clamped at min_lr"
        );
    }
}
