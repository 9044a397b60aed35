//! The training loop: mini-batches with seeded shuffling, epochs, validation, callbacks, and a
//! stop on a non-finite loss that keeps the last finite weights.

mod callback;
mod checkpoint;
mod history;
mod history_file;
mod progress;
mod source;

pub use callback::{Actions, Callback, EarlyStopping, Mode, ProgressPrinter, ReduceLrOnPlateau};
pub use checkpoint::{ModelCheckpoint, TrainRng};
pub use history::{EpochRecord, History, NonFinite};
pub use history_file::HistoryFormat;
pub use progress::ProgressBar;
pub use source::{InMemory, RowSource};

use crate::data::DataError;
use crate::head::{Head, LossWeights};
use crate::layer::{ForwardCtx, Layer, Sequential};
use crate::optim::{self, Optimizer};
use crate::persist::{
    ModelFileError, ModelKind, NamedTensors, StateMap, TrainingState, read_checkpoint,
    write_checkpoint,
};
use checkpoint::{rng_from, rng_state};
use nabla_autodiff::{Float, Tape, Tensor};
use nabla_ops::loss::{LossError, LossTargets};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::fmt;
use std::path::{Path, PathBuf};

/// Targets in training form: a dense `[rows, k]` matrix or one class index per row.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetData<T: Float> {
    /// Continuous, 0/1, one-hot or multi-hot values, `[rows, k]`.
    Dense(Tensor<T>),
    /// Class indices.
    Labels(Vec<usize>),
}

impl<T: Float> TargetData<T> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            TargetData::Dense(t) => t.shape().first().copied().unwrap_or(0),
            TargetData::Labels(l) => l.len(),
        }
    }

    /// The rows at `indices`.
    pub fn select(&self, indices: &[usize]) -> Self {
        match self {
            TargetData::Dense(t) => TargetData::Dense(t.select_rows(indices)),
            TargetData::Labels(l) => TargetData::Labels(indices.iter().map(|&i| l[i]).collect()),
        }
    }
}

/// Features, targets and optional per-row weights.
#[derive(Debug, Clone)]
pub struct TrainData<T: Float> {
    /// `[rows, features]`.
    pub x: Tensor<T>,
    /// The targets.
    pub y: TargetData<T>,
    /// One weight per row, if any.
    pub sample_weights: Option<Vec<T>>,
}

impl<T: Float> TrainData<T> {
    /// The rows at `indices`.
    pub fn select(&self, indices: &[usize]) -> Self {
        TrainData {
            x: self.x.select_rows(indices),
            y: self.y.select(indices),
            sample_weights: self
                .sample_weights
                .as_ref()
                .map(|w| indices.iter().map(|&i| w[i]).collect()),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.x.shape()[0]
    }
}

/// How to train: epochs, batch size, seed, and gradient clipping.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Passes over the training data.
    pub epochs: usize,
    /// Rows per optimisation step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seeds shuffling and dropout: the same seed gives the same model, bit for bit.
    pub seed: u64,
    /// Shuffle the rows each epoch.
    pub shuffle: bool,
    /// Clip gradients to this global L2 norm.
    pub clip_norm: Option<f64>,
    /// Continue the run a checkpoint recorded (written by [`ModelCheckpoint`] under the same
    /// settings): its weights, optimiser state, random generator and row order, from the
    /// epoch after it up to `epochs`. Callbacks start afresh, and the history holds the
    /// resumed epochs only.
    pub resume_from: Option<PathBuf>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            epochs: 100,
            batch_size: 32,
            seed: 0,
            shuffle: true,
            clip_norm: None,
            resume_from: None,
        }
    }
}

/// Metrics computed from a set's outputs (what the head reports) and its targets.
pub type MetricFn<'a, T> = &'a dyn Fn(&Tensor<T>, &TargetData<T>) -> Vec<(String, f64)>;

/// Everything the loop trains with.
pub struct Trainer<'a, T: Float> {
    /// The network, ending in the head's pre-activation units.
    pub model: &'a mut Sequential<T>,
    /// The output activation and loss.
    pub head: Head,
    /// The update rule.
    pub optimizer: &'a mut dyn Optimizer<T>,
    /// One weight per class, if any.
    pub class_weights: Option<Vec<T>>,
    /// Metrics reported each epoch.
    pub metrics: MetricFn<'a, T>,
    /// Callbacks run after each epoch.
    pub callbacks: &'a mut [Box<dyn Callback>],
    /// What checkpoints describe the network as (a classifier with its classes and scaling,
    /// ...); a bare network when `None`.
    pub saved_as: Option<ModelKind>,
}

/// Why a training run could not go on.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
    /// The loss refused the targets or weights.
    Loss(LossError),
    /// A checkpoint could not be written, or read to resume from.
    Checkpoint(ModelFileError),
    /// The rows to train on could not be read (a file streamed from).
    Data(DataError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Loss(e) => write!(f, "{e}"),
            TrainError::Checkpoint(e) => write!(f, "checkpoint {e}"),
            TrainError::Data(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<LossError> for TrainError {
    fn from(e: LossError) -> Self {
        TrainError::Loss(e)
    }
}

impl<T: Float> Trainer<'_, T> {
    /// Trains on `train`, validating on `val` after each epoch when given.
    ///
    /// # Errors
    /// When the targets or weights do not fit the head's loss, or a checkpoint cannot be
    /// written or resumed from.
    pub fn fit(
        &mut self,
        train: &TrainData<T>,
        val: Option<&TrainData<T>>,
        options: &FitOptions,
    ) -> Result<History, TrainError> {
        self.fit_source(&mut InMemory::new(train), val, options)
    }

    /// Trains on the rows `source` serves, a block at a time, validating on `val` after each
    /// epoch when given. Each epoch shuffles the rows within each block (one permutation,
    /// carried from block to block and epoch to epoch), so a source whose one block holds
    /// every row trains exactly as [`Trainer::fit`] on those rows in memory. The training
    /// metrics are reported when the source holds every row's targets.
    ///
    /// # Errors
    /// As [`Trainer::fit`], and when the source cannot serve its rows.
    pub fn fit_source(
        &mut self,
        source: &mut dyn RowSource<T>,
        val: Option<&TrainData<T>>,
        options: &FitOptions,
    ) -> Result<History, TrainError> {
        let total = source.rows();
        let mut rng = TrainRng::seed_from_u64(options.seed);
        let mut order: Vec<usize> = (0..source.block_rows().clamp(1, total.max(1))).collect();
        let mut history = History::default();
        let mut first_epoch = 1;
        if let Some(path) = &options.resume_from {
            let state = read_checkpoint(path, self.model, self.optimizer)
                .map_err(TrainError::Checkpoint)?;
            let resumed = |why: String| {
                TrainError::Checkpoint(ModelFileError {
                    path: path.clone(),
                    problem: crate::persist::Problem::Description(why),
                })
            };
            rng = rng_from(&state.rng).map_err(resumed)?;
            if !is_permutation(&state.row_order, order.len()) {
                return Err(resumed(format!(
                    "its row order is not an order of this fit's {} training rows; resume \
                     with the data and validation split it was trained on",
                    order.len()
                )));
            }
            order = state.row_order;
            self.optimizer.set_learning_rate(state.learning_rate);
            history.steps = state.steps;
            first_epoch = state.epoch + 1;
        }
        let gather_metrics = source.targets().is_some();
        let mut saved: Option<NamedTensors<T>> = None;
        let mut tape = Tape::<T>::new();
        let mut eval_tape = Tape::<T>::new();
        // What the head reported for each training row when its batch was trained on.
        let mut seen_outputs: Option<Tensor<T>> = None;
        let mut batch_outputs = Tensor::<T>::zeros(&[0]);
        let mut picked = Vec::new();
        history.grad_norm_layers = layer_names_with_params(self.model);
        for cb in self.callbacks.iter_mut() {
            cb.on_train_begin(options.epochs);
        }
        'epochs: for epoch in first_epoch..=options.epochs {
            let learning_rate = self.optimizer.learning_rate();
            let (mut loss_sum, mut rows_seen) = (0.0, 0usize);
            let mut layer_norms = vec![0.0; history.grad_norm_layers.len()];
            let mut epoch_steps = 0usize;
            let planned_steps = steps_per_epoch(total, source.block_rows(), options.batch_size);
            for cb in self.callbacks.iter_mut() {
                cb.on_epoch_begin(epoch, planned_steps);
            }
            source.rewind().map_err(TrainError::Data)?;
            while let Some(block) = source.next_block().map_err(TrainError::Data)? {
                if options.shuffle {
                    order.shuffle(&mut rng);
                }
                // A shorter block (the last) takes its rows in the order the permutation
                // gives them, which is as random.
                let len = block.rows();
                let rows: &[usize] = if len == order.len() {
                    &order
                } else {
                    picked.clear();
                    picked.extend(order.iter().copied().filter(|&i| i < len));
                    &picked
                };
                for batch in rows.chunks(options.batch_size.max(1)) {
                    let data = block.select(batch);
                    tape.clear();
                    let (loss, outputs) = self.batch_loss(&tape, data, &mut rng)?;
                    if gather_metrics {
                        outputs.value_into(&mut batch_outputs);
                        gather_rows(&mut seen_outputs, total, rows_seen, batch, &batch_outputs);
                    }
                    let loss_value = loss.item().to_f64();
                    let grads = loss.backward();
                    history.steps += 1;
                    let norm = optim::global_norm(
                        self.model.params().iter().filter_map(|p| p.grad(&grads)),
                    );
                    if !loss_value.is_finite() || !norm.is_finite() {
                        history.non_finite = Some(NonFinite {
                            epoch,
                            step: history.steps,
                            learning_rate,
                            loss: loss_value,
                        });
                        history.stopped_early = Some(format!(
                            "the {} became non-finite at step {} (epoch {epoch}, learning rate {learning_rate}); \
                             the model keeps the weights from before that step",
                            if loss_value.is_finite() {
                                "gradient"
                            } else {
                                "loss"
                            },
                            history.steps
                        ));
                        tape.recycle(grads);
                        break 'epochs;
                    }
                    accumulate_layer_norms(self.model, &grads, &mut layer_norms);
                    epoch_steps += 1;
                    tape.clear();
                    optim::step(
                        &mut *self.optimizer,
                        self.model.params_mut(),
                        &grads,
                        options.clip_norm,
                    );
                    tape.recycle(grads);
                    loss_sum += loss_value * batch.len() as f64;
                    for cb in self.callbacks.iter_mut() {
                        cb.on_step_end(epoch_steps, loss_value);
                    }
                }
                rows_seen += len;
            }
            let steps = epoch_steps.max(1) as f64;
            history
                .grad_norms
                .push(layer_norms.iter().map(|n| n / steps).collect());
            let metrics = match (&seen_outputs, source.targets()) {
                (Some(outputs), Some(y)) if rows_seen == total => (self.metrics)(outputs, y),
                _ => Vec::new(),
            };
            let record = self.epoch_record(
                &mut eval_tape,
                epoch,
                loss_sum / rows_seen.max(1) as f64,
                learning_rate,
                metrics,
                val,
            )?;
            history.epochs.push(record);
            let record = history.epochs.last().expect("just pushed");
            let all: Vec<Actions> = self
                .callbacks
                .iter_mut()
                .map(|cb| cb.on_epoch_end(record))
                .collect();
            let mut stop = None;
            for actions in all {
                self.apply(&actions, &mut saved);
                if let Some(path) = &actions.checkpoint {
                    self.write_checkpoint(path, epoch, history.steps, &rng, &order)?;
                }
                stop = stop.or(actions.stop);
            }
            if let Some(reason) = stop {
                history.stopped_early = Some(reason);
                break;
            }
        }
        let all: Vec<Actions> = self
            .callbacks
            .iter_mut()
            .map(|cb| cb.on_train_end(&history))
            .collect();
        for actions in all {
            self.apply(&actions, &mut saved);
        }
        Ok(history)
    }

    /// The batch's loss, and what the head reports for its rows (for the epoch's metrics).
    /// Writes the model, the optimiser's state and where training stands to `path`.
    fn write_checkpoint(
        &self,
        path: &Path,
        epoch: usize,
        steps: usize,
        rng: &TrainRng,
        order: &[usize],
    ) -> Result<(), TrainError> {
        let training = TrainingState {
            epoch,
            steps,
            learning_rate: self.optimizer.learning_rate(),
            rng: rng_state(rng),
            row_order: order.to_vec(),
        };
        let model = self.saved_as.clone().unwrap_or(ModelKind::Network);
        write_checkpoint(path, self.model, model, self.optimizer, training)
            .map_err(TrainError::Checkpoint)
    }

    fn batch_loss<'t>(
        &self,
        tape: &'t Tape<T>,
        data: TrainData<T>,
        rng: &mut TrainRng,
    ) -> Result<(nabla_autodiff::Var<'t, T>, nabla_autodiff::Var<'t, T>), LossError> {
        let TrainData {
            x,
            y,
            sample_weights,
        } = data;
        let z = self.model.forward(
            tape.constant(x),
            &mut ForwardCtx {
                training: true,
                rng,
            },
        );
        let labels;
        let targets = match y {
            TargetData::Dense(t) => LossTargets::Dense(tape.constant(t)),
            TargetData::Labels(l) => {
                labels = l;
                LossTargets::Labels(&labels)
            }
        };
        let weights = LossWeights {
            samples: sample_weights.as_deref(),
            classes: self.class_weights.as_deref(),
        };
        Ok((self.head.loss(z, targets, weights)?, self.head.output(z)))
    }

    /// Applies a callback's actions. Saved weights are the network's whole state (batch
    /// norm's running statistics too), so restoring them restores the model as it was.
    fn apply(&mut self, actions: &Actions, saved: &mut Option<NamedTensors<T>>) {
        if let Some(lr) = actions.learning_rate {
            self.optimizer.set_learning_rate(lr);
        }
        if actions.save_weights {
            *saved = Some(self.model.state());
        }
        if actions.restore_saved_weights
            && let Some(copy) = saved.as_ref()
        {
            self.model
                .load_state(&mut StateMap::new(copy.clone()))
                .expect("the network's own state fits it");
        }
    }

    fn epoch_record(
        &self,
        eval_tape: &mut Tape<T>,
        epoch: usize,
        loss: f64,
        learning_rate: f64,
        metrics: Vec<(String, f64)>,
        val: Option<&TrainData<T>>,
    ) -> Result<EpochRecord, LossError> {
        let (val_loss, val_metrics) = match val {
            Some(v) => {
                let class_weights = self.class_weights.as_deref();
                let (out, loss) =
                    evaluate_set_on(eval_tape, self.model, &self.head, v, class_weights)?;
                (Some(loss), (self.metrics)(&out, &v.y))
            }
            None => (None, Vec::new()),
        };
        Ok(EpochRecord {
            epoch,
            loss,
            metrics,
            val_loss,
            val_metrics,
            learning_rate,
        })
    }
}

/// `"index: description"` of each layer that has parameters.
/// Whether `order` holds each of `0..rows` once.
fn is_permutation(order: &[usize], rows: usize) -> bool {
    let mut seen = vec![false; rows];
    order.len() == rows
        && order
            .iter()
            .all(|&i| i < rows && !std::mem::replace(&mut seen[i], true))
}

fn layer_names_with_params<T: Float>(model: &Sequential<T>) -> Vec<String> {
    model
        .layers()
        .iter()
        .enumerate()
        .filter(|(_, l)| l.param_count() > 0)
        .map(|(i, l)| format!("{i}: {}", l.name()))
        .collect()
}

/// Adds each parameterised layer's gradient norm to `sums`.
fn accumulate_layer_norms<T: Float>(
    model: &Sequential<T>,
    grads: &nabla_autodiff::Gradients<T>,
    sums: &mut [f64],
) {
    let layers = model.layers().iter().filter(|l| l.param_count() > 0);
    for (sum, layer) in sums.iter_mut().zip(layers) {
        *sum += optim::global_norm(layer.params().iter().filter_map(|p| p.grad(grads)));
    }
}

/// The steps of an epoch over `total` rows served in blocks of `block_rows` (the last block
/// may be shorter), `batch_size` rows per step within a block.
fn steps_per_epoch(total: usize, block_rows: usize, batch_size: usize) -> usize {
    let block_rows = block_rows.clamp(1, total.max(1));
    let batch_size = batch_size.max(1);
    let full_blocks = total / block_rows;
    full_blocks * block_rows.div_ceil(batch_size) + (total % block_rows).div_ceil(batch_size)
}

/// Writes the head's outputs for a batch (`batch`, one row per index in `rows`, counted from
/// row `first` of the epoch) into `outputs` at those rows, creating it with `total` rows at
/// the first call: over an epoch it
/// gathers each training row's output from the step that trained on it, so the training
/// metrics cost no extra pass over the data (as Keras reports them).
fn gather_rows<T: Float>(
    outputs: &mut Option<Tensor<T>>,
    total: usize,
    first: usize,
    rows: &[usize],
    batch: &Tensor<T>,
) {
    let width = batch.numel() / rows.len().max(1);
    let out = outputs
        .get_or_insert_with(|| Tensor::zeros(&[total, width]))
        .data_mut();
    for (&row, values) in rows.iter().zip(batch.data().chunks_exact(width.max(1))) {
        let row = first + row;
        out[row * width..(row + 1) * width].copy_from_slice(values);
    }
}

/// Rows per forward pass when predicting, to bound memory.
const PREDICT_CHUNK: usize = 4096;

/// What the head reports (values or probabilities) for every row of `x`, without recording.
pub fn predict_outputs<T: Float>(model: &Sequential<T>, head: &Head, x: &Tensor<T>) -> Tensor<T> {
    let rows = x.shape()[0];
    let mut tape = Tape::<T>::new();
    let mut rng = TrainRng::seed_from_u64(0);
    let mut parts = Vec::new();
    for start in (0..rows).step_by(PREDICT_CHUNK) {
        let len = PREDICT_CHUNK.min(rows - start);
        tape.clear();
        let _no_grad = tape.no_grad();
        let xv = tape.constant(x.narrow(0, start, len));
        let out = head.output(model.forward(
            xv,
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        ));
        parts.push(out.value().clone());
    }
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    let refs: Vec<&Tensor<T>> = parts.iter().collect();
    Tensor::concat(&refs, 0)
}

/// The head's loss over a whole data set, computed in chunks and combined as a row-weighted
/// mean.
pub fn evaluate_loss<T: Float>(
    model: &Sequential<T>,
    head: &Head,
    data: &TrainData<T>,
    class_weights: Option<&[T]>,
) -> Result<f64, LossError> {
    evaluate_set(model, head, data, class_weights).map(|(_, loss)| loss)
}

/// What the head reports for every row of `data` (as [`predict_outputs`]) and its loss (as
/// [`evaluate_loss`]), from one forward pass per chunk.
pub fn evaluate_set<T: Float>(
    model: &Sequential<T>,
    head: &Head,
    data: &TrainData<T>,
    class_weights: Option<&[T]>,
) -> Result<(Tensor<T>, f64), LossError> {
    evaluate_set_on(&mut Tape::new(), model, head, data, class_weights)
}

/// [`evaluate_set`] on a tape kept from earlier calls, so that its buffers are reused (the
/// training loop's validation pass at each epoch's end).
fn evaluate_set_on<T: Float>(
    tape: &mut Tape<T>,
    model: &Sequential<T>,
    head: &Head,
    data: &TrainData<T>,
    class_weights: Option<&[T]>,
) -> Result<(Tensor<T>, f64), LossError> {
    let rows = data.rows();
    let mut rng = TrainRng::seed_from_u64(0);
    let mut total = 0.0;
    let mut parts = Vec::new();
    for start in (0..rows).step_by(PREDICT_CHUNK) {
        let idx: Vec<usize> = (start..rows.min(start + PREDICT_CHUNK)).collect();
        let part = data.select(&idx);
        tape.clear();
        let _no_grad = tape.no_grad();
        let z = model.forward(
            tape.constant(part.x.clone()),
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
        let targets = match &part.y {
            TargetData::Dense(t) => LossTargets::Dense(tape.constant(t.clone())),
            TargetData::Labels(l) => LossTargets::Labels(l),
        };
        let weights = LossWeights {
            samples: part.sample_weights.as_deref(),
            classes: class_weights,
        };
        total += head.loss(z, targets, weights)?.item().to_f64() * idx.len() as f64;
        parts.push(head.output(z).value().clone());
    }
    let outputs = if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Tensor::concat(&parts.iter().collect::<Vec<_>>(), 0)
    };
    Ok((outputs, total / rows.max(1) as f64))
}
