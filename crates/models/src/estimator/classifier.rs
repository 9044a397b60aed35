//! [`Classifier`]: binary, multi-class and multi-label classification with the head the target
//! calls for.

use super::config::NetworkConfig;
use super::fit::{FitRun, prepare_inputs};
use super::inputs::FittedInputs;
use super::predictor::{Finish, Predictor};
use super::streamed::Streamed;
use super::{BodyBuilder, FitError, FitExtras, check_labels, graph, to_model};
use crate::data::{CsvStream, Targets, to_categorical};
use crate::head::Head;
use crate::layer::Sequential;
use crate::metrics::{self, ConfusionMatrix};
use crate::persist::{ClassifierDescription, ModelKind};
use crate::train::{Callback, History, TargetData, TrainData};
use nabla_autodiff::dump::GraphDump;
use nabla_autodiff::{Float, Tensor};
use nabla_ops::Activation;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The kind of classification a target calls for. In a model file's JSON:
/// `{"type": "binary"}`, `{"type": "multi_class", "classes": 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Task {
    /// Two exclusive classes.
    Binary,
    /// `classes` exclusive classes.
    MultiClass {
        /// Number of classes.
        classes: usize,
    },
    /// `labels` independent yes/no labels.
    MultiLabel {
        /// Number of labels.
        labels: usize,
    },
}

/// How a binary classifier's output is built (the two are the same model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryHead {
    /// One sigmoid unit and binary cross-entropy.
    #[default]
    Sigmoid,
    /// Two softmax units and categorical cross-entropy on one-hot targets.
    Softmax,
}

/// Per-class loss weights, for imbalanced classes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClassWeights {
    /// Every class weighs 1.
    #[default]
    None,
    /// Weights `n / (k * count_c)`, so each class carries the same total weight.
    Balanced,
    /// One weight per class, in class-index order.
    Given(Vec<f64>),
}

/// Settings of a [`Classifier`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierConfig {
    /// Hidden layers and training.
    pub network: NetworkConfig,
    /// Sigmoid or softmax output for binary targets.
    pub binary_head: BinaryHead,
    /// Probability above which a binary class or a label is predicted (a probability equal to
    /// it predicts no), the rule of [`metrics::threshold_predictions`]. Default 0.5.
    pub threshold: f64,
    /// Loss weights per class.
    pub class_weights: ClassWeights,
    /// A head to use instead of the one the rules pick (for experiments; diagnostics check it).
    pub head: Option<Head>,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        ClassifierConfig {
            network: NetworkConfig::default(),
            binary_head: BinaryHead::Sigmoid,
            threshold: 0.5,
            class_weights: ClassWeights::None,
            head: None,
        }
    }
}

/// What `fit` learned (or `load` read).
pub(crate) struct Fitted<T: Float> {
    pub(crate) net: Sequential<T>,
    pub(crate) head: Head,
    pub(crate) task: Task,
    pub(crate) class_names: Vec<String>,
    pub(crate) target_names: Vec<String>,
    pub(crate) inputs: FittedInputs,
}

/// A neural-network classifier: hidden layers plus the output layer and loss that fit the
/// target (see [`crate::head`]).
///
/// ```
/// use nabla_models::data::{CsvOptions, Dataset, prepare_split};
/// use nabla_models::estimator::Classifier;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
/// let data = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
/// let (train, test) = prepare_split(&data, 0.2, 0)?;
/// let mut model = Classifier::<f32>::default();
/// model.fit(train.features(), train.targets())?;
/// println!("{:?}", model.predict_names(test.features())?); // ["setosa", "virginica", ...]
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Classifier<T: Float = f32> {
    /// The settings used by the next `fit`.
    pub config: ClassifierConfig,
    callbacks: Vec<Box<dyn Callback>>,
    body: Option<BodyBuilder<T>>,
    pub(crate) fitted: Option<Fitted<T>>,
}

impl<T: Float> Default for Classifier<T> {
    fn default() -> Self {
        Self::new(ClassifierConfig::default())
    }
}

impl<T: Float> Classifier<T> {
    /// A classifier with these settings.
    pub fn new(config: ClassifierConfig) -> Self {
        Classifier {
            config,
            callbacks: Vec::new(),
            body: None,
            fitted: None,
        }
    }

    /// Uses the layers `body` builds instead of the dense hidden layers of
    /// `config.network.hidden` (see [`BodyBuilder`]): for images, token sequences, or any
    /// network of your own. The head the target calls for is still appended by `fit`. The
    /// features are still standardised first unless `config.network.standardize` is false
    /// (turn it off for inputs already on a unit scale, such as pixels in [0, 1]), or the
    /// body starts with an [`Embedding`](crate::layer::Embedding), whose token ids `fit`
    /// always leaves as they are.
    pub fn with_body(mut self, body: impl Fn(&mut StdRng) -> Sequential<T> + 'static) -> Self {
        self.body = Some(Box::new(body));
        self
    }

    /// Adds a callback run after each epoch of `fit`.
    pub fn add_callback(&mut self, callback: impl Callback + 'static) {
        self.callbacks.push(Box::new(callback));
    }

    /// The task the targets call for.
    ///
    /// # Errors
    /// For continuous targets, or fewer than two classes.
    pub fn task_for(targets: &Targets) -> Result<Task, FitError> {
        let k = targets.n_classes().unwrap_or(0);
        match targets {
            Targets::Continuous(_) => Err(FitError::invalid(
                "Classifier::fit",
                "the targets are continuous; use a Regressor, or load the target column as labels",
            )),
            _ if k < 2 => Err(FitError::invalid(
                "Classifier::fit",
                format!("a classifier needs at least two classes, the targets have {k}"),
            )),
            Targets::MultiHot { .. } => Ok(Task::MultiLabel { labels: k }),
            _ if k == 2 => Ok(Task::Binary),
            _ => Ok(Task::MultiClass { classes: k }),
        }
    }

    /// The head the rules pick for these targets under this configuration.
    ///
    /// # Errors
    /// As [`Classifier::task_for`].
    pub fn head_for(&self, targets: &Targets) -> Result<Head, FitError> {
        if let Some(h) = self.config.head {
            return Ok(h);
        }
        Ok(match Self::task_for(targets)? {
            Task::Binary => match (self.config.binary_head, targets) {
                (BinaryHead::Softmax, _) | (_, Targets::OneHot { .. }) => Head::binary_softmax(),
                _ => Head::binary(),
            },
            Task::MultiClass { classes } => {
                Head::multi_class(classes, matches!(targets, Targets::Labels { .. }))
            }
            Task::MultiLabel { labels } => Head::multi_label(labels),
        })
    }

    /// Trains a new network on features `x` (`[rows, features]`) and `y`. The returned
    /// [`History`] holds, besides the epochs, what the before-training check found in
    /// `History::diagnoses` (warnings and hints; see [`Classifier::check`]).
    ///
    /// # Errors
    /// When `x` and `y` disagree, the targets are not classes, or the loss refuses them.
    pub fn fit(&mut self, x: &Tensor<f64>, y: &Targets) -> Result<History, FitError> {
        self.fit_with(x, y, FitExtras::default())
    }

    /// [`Classifier::fit`] on a [`Dataset`](crate::data::Dataset), keeping its feature and
    /// target column names with the model (so that a saved model finds its columns by name).
    ///
    /// # Errors
    /// As [`Classifier::fit`].
    pub fn fit_dataset(&mut self, data: &crate::data::Dataset) -> Result<History, FitError> {
        self.fit_with(data.features(), data.targets(), FitExtras::names_of(data))
    }

    /// [`Classifier::fit`] with sample weights and/or separate validation data.
    ///
    /// # Errors
    /// As [`Classifier::fit`], and when the weights or validation data do not fit.
    pub fn fit_with(
        &mut self,
        x: &Tensor<f64>,
        y: &Targets,
        extras: FitExtras<'_>,
    ) -> Result<History, FitError> {
        self.fit_rows(x, y, extras, None)
    }

    /// [`Classifier::fit_dataset`] on rows `rows` (ascending) of a [`CsvStream`], read from
    /// the file a block at a time: a file larger than memory can be trained on. The
    /// standardisation and the before-training checks are fitted on the training rows of the
    /// stream's first block, the targets of the training rows are kept in memory (and the
    /// validation rows, if the configuration asks for a validation split), and each epoch
    /// reads the file again and shuffles the rows within blocks of the stream's block size
    /// (rounded up to whole batches). When one block holds the whole file, the model is the
    /// one [`Classifier::fit_dataset`] trains on the same rows, bit for bit.
    ///
    /// # Errors
    /// As [`Classifier::fit`], when the file cannot be read again or no training row lies in
    /// the first block, and for sample weights (not read from a stream).
    pub fn fit_stream(&mut self, stream: &CsvStream, rows: &[usize]) -> Result<History, FitError> {
        let streamed = Streamed { stream, rows };
        let (sample, y, extras) = streamed.fit_inputs("Classifier::fit_stream")?;
        self.fit_rows(&sample, &y, extras, Some(streamed))
    }

    /// A fit on features `x` and targets `y`, or, when `streamed`, on the streamed rows
    /// whose targets are `y` and whose first rows are `x` (the fit's sample).
    fn fit_rows(
        &mut self,
        x: &Tensor<f64>,
        y: &Targets,
        extras: FitExtras<'_>,
        streamed: Option<Streamed<'_>>,
    ) -> Result<History, FitError> {
        const METHOD: &str = "Classifier::fit";
        // The targets of the rows of `x`.
        let y_of_x: Cow<'_, Targets> = match streamed {
            Some(_) => Cow::Owned(y.select_rows(&(0..x.shape()[0]).collect::<Vec<_>>())),
            None => Cow::Borrowed(y),
        };
        let threshold = self.config.threshold;
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(FitError::invalid(
                METHOD,
                format!(
                    "ClassifierConfig::threshold is {threshold}; a decision threshold is a \
                     probability strictly between 0 and 1 (0.5 is usual)"
                ),
            ));
        }
        let (inputs, x) = prepare_inputs::<T>(
            METHOD,
            x,
            y_of_x.n_rows(),
            &extras,
            &self.config.network,
            self.body.as_ref(),
        )?;
        let task = Self::task_for(y)?;
        let head = self.head_for(y)?;
        check_labels(y)?;
        let diagnoses = self.check(&x, &y_of_x)?;
        crate::diagnose::gate(&diagnoses, self.config.network.ignore_diagnostics)?;
        let class_names = y.class_names().map(<[String]>::to_vec).unwrap_or_default();
        let target_names = extras
            .target_names
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let validation = match extras.validation_data {
            Some((vx, vy)) => {
                let vx = inputs.prepare("Classifier::fit (validation data)", vx)?;
                if Self::task_for(vy)? != task || vy.n_rows() != vx.shape()[0] {
                    return Err(FitError::invalid(
                        METHOD,
                        "the validation targets must have the training targets' encoding and \
                         classes, and one row per validation feature row",
                    ));
                }
                Some(TrainData {
                    x: to_model::<T>(&vx),
                    y: training_targets::<T>(vy, &head),
                    sample_weights: None,
                })
            }
            None => None,
        };
        let metric = move |out: &Tensor<T>, y: &TargetData<T>| {
            vec![(
                "accuracy".to_string(),
                accuracy_of(task, &head, threshold, out, y),
            )]
        };
        let run = FitRun {
            method: METHOD,
            config: &self.config.network,
            body: self.body.as_ref(),
            head,
            x: &x,
            y: training_targets::<T>(y, &head),
            strata: y.strata().ok(),
            sample_weights: extras.sample_weights,
            validation,
            class_weights: self.class_weights(y)?,
            metrics: &metric,
            saved_as: ModelKind::Classifier(ClassifierDescription {
                inputs: inputs.describe(),
                head,
                task,
                classes: class_names.clone(),
                targets: target_names.clone(),
                threshold,
            }),
            streamed: streamed.map(|s| (s, &inputs)),
        };
        let (net, mut history) = run.train(&mut self.callbacks)?;
        history.diagnoses = diagnoses;
        self.fitted = Some(Fitted {
            net,
            head,
            task,
            class_names,
            target_names,
            inputs,
        });
        Ok(history)
    }

    fn class_weights(&self, y: &Targets) -> Result<Option<Vec<T>>, FitError> {
        let counts = y.class_counts().unwrap_or_default();
        let weights = match &self.config.class_weights {
            ClassWeights::None => return Ok(None),
            ClassWeights::Balanced => {
                let n: usize = counts.iter().sum();
                counts
                    .iter()
                    .map(|&c| n as f64 / (counts.len() as f64 * c.max(1) as f64))
                    .collect()
            }
            ClassWeights::Given(w) if w.len() == counts.len() => w.clone(),
            ClassWeights::Given(w) => {
                return Err(FitError::invalid(
                    "Classifier::fit",
                    format!(
                        "{} class weights were given for {} classes; give one per class",
                        w.len(),
                        counts.len()
                    ),
                ));
            }
        };
        Ok(Some(weights.into_iter().map(T::from_f64).collect()))
    }

    fn fitted(&self, method: &'static str) -> Result<&Fitted<T>, FitError> {
        self.fitted.as_ref().ok_or(FitError::NotFitted { method })
    }

    /// `x` as the network reads it (checked and standardised as the training rows were).
    pub(crate) fn network_inputs(
        &self,
        method: &'static str,
        x: &Tensor<f64>,
    ) -> Result<Tensor<f64>, FitError> {
        self.fitted(method)?
            .inputs
            .prepare(method, x)
            .map(Cow::into_owned)
    }

    /// Probabilities, `[rows, k]`: per class for binary and multi-class tasks (columns sum to
    /// 1), per label for multi-label ones.
    ///
    /// # Errors
    /// If the model is not fitted or `x` has the wrong width or non-finite values.
    pub fn predict_proba(&self, x: &Tensor<f64>) -> Result<Tensor<f64>, FitError> {
        self.predictor_for("Classifier::predict_proba")?
            .predict(x)
            .cloned()
    }

    /// A [`Predictor`] of this model's probabilities, as [`Classifier::predict_proba`] gives
    /// them, that keeps its buffers between calls: serving rows one request at a time
    /// allocates nothing once warmed up.
    ///
    /// # Errors
    /// If the model is not fitted.
    pub fn predictor(&self) -> Result<Predictor<'_, T>, FitError> {
        self.predictor_for("Predictor::predict")
    }

    fn predictor_for(&self, method: &'static str) -> Result<Predictor<'_, T>, FitError> {
        let f = self.fitted(method)?;
        Ok(Predictor::new(
            method,
            &f.net,
            &f.head,
            &f.inputs,
            Finish::Probabilities,
        ))
    }

    /// The graph of the loss on rows `x` with targets `y`, as the model computes it in
    /// evaluation mode, after backward with every gradient kept: a teaching dump of what the
    /// trained network does (see `nabla_autodiff::dump`). Every value is shown, so give it a
    /// few rows.
    ///
    /// ```
    /// use nabla_models::data::{CsvOptions, Dataset};
    /// use nabla_models::estimator::{Classifier, ClassifierConfig, NetworkConfig};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
    /// let data = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
    /// let mut model = Classifier::<f64>::new(ClassifierConfig {
    ///     network: NetworkConfig { hidden: vec![4], ..NetworkConfig::default() },
    ///     ..ClassifierConfig::default()
    /// });
    /// model.fit_dataset(&data)?;
    /// let first = data.select(&[0, 1])?;
    /// let graph = model.loss_graph(first.features(), first.targets())?;
    /// assert!(graph.to_text().contains("loss"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// If the model is not fitted, `x` has the wrong width or non-finite values, or `y` does
    /// not hold one target per row.
    pub fn loss_graph(&self, x: &Tensor<f64>, y: &Targets) -> Result<GraphDump<T>, FitError> {
        const METHOD: &str = "Classifier::loss_graph";
        let f = self.fitted(METHOD)?;
        let x = to_model::<T>(&*f.inputs.prepare(METHOD, x)?);
        if y.n_rows() != x.shape()[0] {
            return Err(FitError::invalid(
                METHOD,
                format!(
                    "x has {} rows but y has {}; give one target per row",
                    x.shape()[0],
                    y.n_rows()
                ),
            ));
        }
        graph::loss_graph(METHOD, &f.net, &f.head, x, training_targets(y, &f.head))
    }

    /// The predicted class of each row: thresholded for binary tasks, the most probable class
    /// for multi-class ones.
    ///
    /// # Errors
    /// As [`Classifier::predict_proba`], and for multi-label models (use
    /// [`Classifier::predict_labels`]).
    pub fn predict(&self, x: &Tensor<f64>) -> Result<Vec<usize>, FitError> {
        let f = self.fitted("Classifier::predict")?;
        let p = self.predict_proba(x)?;
        match f.task {
            Task::Binary => {
                let positive: Vec<f64> = p.data().chunks_exact(2).map(|r| r[1]).collect();
                Ok(metrics::threshold_predictions(
                    &positive,
                    self.config.threshold,
                ))
            }
            Task::MultiClass { .. } => Ok(p.argmax(1)),
            Task::MultiLabel { .. } => Err(FitError::invalid(
                "Classifier::predict",
                "this model predicts several labels per row; use predict_labels or predict_label_names",
            )),
        }
    }

    /// The class names of [`Classifier::predict`]'s classes.
    ///
    /// # Errors
    /// As [`Classifier::predict`].
    pub fn predict_names(&self, x: &Tensor<f64>) -> Result<Vec<String>, FitError> {
        let classes = self.predict(x)?;
        let names = &self.fitted.as_ref().expect("predict checked").class_names;
        Ok(classes.into_iter().map(|c| names[c].clone()).collect())
    }

    /// The labels predicted for each row (probability above the threshold). For
    /// single-label tasks, the one predicted class.
    ///
    /// # Errors
    /// As [`Classifier::predict_proba`].
    pub fn predict_labels(&self, x: &Tensor<f64>) -> Result<Vec<Vec<usize>>, FitError> {
        let f = self.fitted("Classifier::predict_labels")?;
        if !matches!(f.task, Task::MultiLabel { .. }) {
            return Ok(self.predict(x)?.into_iter().map(|c| vec![c]).collect());
        }
        let p = self.predict_proba(x)?;
        let k = p.shape()[1];
        let on = metrics::threshold_predictions(p.data(), self.config.threshold);
        Ok(on
            .chunks_exact(k)
            .map(|row| (0..k).filter(|&j| row[j] == 1).collect())
            .collect())
    }

    /// The names of [`Classifier::predict_labels`]'s labels, such as `["He", "Ne"]`.
    ///
    /// # Errors
    /// As [`Classifier::predict_proba`].
    pub fn predict_label_names(&self, x: &Tensor<f64>) -> Result<Vec<Vec<String>>, FitError> {
        let labels = self.predict_labels(x)?;
        let names = &self.fitted.as_ref().expect("predict checked").class_names;
        Ok(labels
            .into_iter()
            .map(|row| row.into_iter().map(|j| names[j].clone()).collect())
            .collect())
    }

    /// Accuracy, log loss, the confusion matrix and per-class scores on `x` and `y`.
    ///
    /// # Errors
    /// As [`Classifier::predict_proba`], and when `y` does not match the model's classes.
    pub fn evaluate(&self, x: &Tensor<f64>, y: &Targets) -> Result<Evaluation, FitError> {
        let f = self.fitted("Classifier::evaluate")?;
        let y = &self.align_targets("Classifier::evaluate", y)?;
        let bad =
            |e: metrics::MetricError| FitError::invalid("Classifier::evaluate", e.to_string());
        let p = self.predict_proba(x)?;
        if let Task::MultiLabel { labels } = f.task {
            let truth = y.to_columns();
            let mut per_label = Vec::with_capacity(labels);
            for j in 0..labels {
                let yt: Vec<usize> = (0..truth.shape()[0])
                    .map(|i| truth.at(&[i, j]) as usize)
                    .collect();
                let pj: Vec<f64> = (0..p.shape()[0]).map(|i| p.at(&[i, j])).collect();
                per_label.push(
                    metrics::binary_accuracy_at(&yt, &pj, self.config.threshold).map_err(bad)?,
                );
            }
            let accuracy = per_label.iter().sum::<f64>() / labels as f64;
            return Ok(Evaluation {
                accuracy,
                log_loss: f64::NAN,
                confusion: None,
                per_label_accuracy: per_label,
                roc_auc: None,
            });
        }
        let truth = y.class_indices().ok_or_else(|| {
            FitError::invalid(
                "Classifier::evaluate",
                "targets must be class labels or one-hot rows",
            )
        })?;
        let pred = self.predict(x)?;
        let k = p.shape()[1];
        let confusion = ConfusionMatrix::new(&truth, &pred, k)
            .map_err(bad)?
            .with_class_names(&f.class_names)
            .map_err(bad)?;
        let log_loss = metrics::log_loss(&truth, p.data(), k).map_err(bad)?;
        let roc_auc = if k == 2 {
            let scores: Vec<f64> = p.data().chunks_exact(2).map(|r| r[1]).collect();
            metrics::roc_auc(&truth, &scores).ok()
        } else {
            None
        };
        Ok(Evaluation {
            accuracy: confusion.accuracy(),
            log_loss,
            confusion: Some(confusion),
            per_label_accuracy: Vec::new(),
            roc_auc,
        })
    }

    /// `y` with its classes numbered as the model numbers them, matched by name: a test file
    /// that lacks a class numbers the others differently, and a position would silently
    /// compare the wrong classes.
    ///
    /// # Errors
    /// If `y` holds a class (or label) the model has never seen, names one the model lacks,
    /// or is not class targets at all.
    pub fn align_targets(&self, method: &'static str, y: &Targets) -> Result<Targets, FitError> {
        let f = self.fitted(method)?;
        let known = &f.class_names;
        let index_of = |name: &str| known.iter().position(|k| k == name);
        let unknown = |name: &str| {
            FitError::invalid(
                method,
                format!(
                    "the targets hold the class {name:?}, which the model has never seen (its \
                     classes are {}); pass rows of the model's classes only",
                    known.join(", ")
                ),
            )
        };
        let multi_label = matches!(f.task, Task::MultiLabel { .. });
        if multi_label != matches!(y, Targets::MultiHot { .. }) {
            return Err(FitError::invalid(
                method,
                if multi_label {
                    "this model predicts several labels per row; pass multi-hot targets (one 0/1 \
                     column per label)"
                } else {
                    "this model predicts one class per row; pass class labels or one-hot rows, \
                     not multi-hot ones"
                },
            ));
        }
        match y {
            Targets::Continuous(_) => Err(FitError::invalid(
                method,
                "the targets are continuous, but this model predicts classes; load the target \
                 column as labels",
            )),
            Targets::MultiHot {
                values,
                label_names,
            } => {
                let columns = label_names
                    .iter()
                    .map(|name| index_of(name).ok_or_else(|| unknown(name)))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(missing) = known.iter().find(|k| !label_names.contains(k)) {
                    return Err(FitError::invalid(
                        method,
                        format!(
                            "the targets have no column for the model's label {missing:?}; pass \
                             one column per label ({})",
                            known.join(", ")
                        ),
                    ));
                }
                let rows = y.n_rows();
                let (k, width) = (known.len(), label_names.len());
                let mut aligned = vec![0.0; rows * k];
                for r in 0..rows {
                    for (c, &j) in columns.iter().enumerate() {
                        aligned[r * k + j] = values.data()[r * width + c];
                    }
                }
                Ok(Targets::multi_hot(
                    Tensor::from_vec(aligned, &[rows, k]),
                    known,
                )?)
            }
            _ => {
                let names = y.class_names().unwrap_or_default();
                let indices = y.class_indices().unwrap_or_default();
                let mapping = names.iter().map(|name| index_of(name)).collect::<Vec<_>>();
                if let Some(&i) = indices.iter().find(|&&i| mapping[i].is_none()) {
                    return Err(unknown(&names[i]));
                }
                let indices = indices.iter().map(|&i| mapping[i].unwrap_or(0)).collect();
                Ok(Targets::labels(indices, known)?)
            }
        }
    }

    /// The task found at fit time.
    pub fn task(&self) -> Option<Task> {
        self.fitted.as_ref().map(|f| f.task)
    }

    /// The head used at fit time.
    pub fn head(&self) -> Option<Head> {
        self.fitted.as_ref().map(|f| f.head)
    }

    /// The class (or label) names, in index order.
    pub fn class_names(&self) -> Option<&[String]> {
        self.fitted.as_ref().map(|f| f.class_names.as_slice())
    }

    /// The trained network.
    pub fn network(&self) -> Option<&Sequential<T>> {
        self.fitted.as_ref().map(|f| &f.net)
    }

    /// The target column names given to fit (through [`FitExtras::target_names`]); empty if
    /// none were given.
    pub fn target_names(&self) -> Option<&[String]> {
        self.fitted.as_ref().map(|f| f.target_names.as_slice())
    }

    /// The feature names given to fit (through [`FitExtras::feature_names`]), in the order
    /// the model reads them; empty if none were given.
    pub fn feature_names(&self) -> Option<&[String]> {
        self.fitted.as_ref().map(|f| f.inputs.names.as_slice())
    }

    /// How the model makes its features from a file's columns, if it was fitted on a loaded
    /// [`Dataset`](crate::data::Dataset) (see [`FitExtras::feature_encoding`]).
    pub fn feature_encoding(&self) -> Option<&crate::data::FeatureEncoding> {
        self.fitted
            .as_ref()
            .and_then(|f| f.inputs.encoding.as_ref())
    }
}

/// How a classifier did on a data set.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Share of correct predictions (mean over labels for multi-label models).
    pub accuracy: f64,
    /// Cross-entropy of the predicted probabilities (NaN for multi-label models).
    pub log_loss: f64,
    /// Confusion matrix with per-class precision, recall and F1 (single-label tasks).
    pub confusion: Option<ConfusionMatrix>,
    /// Accuracy of each label (multi-label tasks).
    pub per_label_accuracy: Vec<f64>,
    /// ROC AUC of the positive class (binary tasks with both classes present).
    pub roc_auc: Option<f64>,
}

/// Targets in the form the head's loss reads: class indices for the sparse loss, otherwise a
/// `[rows, units]` matrix (one-hot rows for several units, the 0/1 class for one).
fn training_targets<T: Float>(y: &Targets, head: &Head) -> TargetData<T> {
    if head.loss.takes_labels()
        && let Some(indices) = y.class_indices()
    {
        return TargetData::Labels(indices);
    }
    let dense = match (y.class_indices(), head.units) {
        (Some(indices), 1) => Tensor::from_fn(&[indices.len(), 1], |i| indices[i] as f64),
        (Some(indices), k) => match to_categorical(&indices, k) {
            Ok(one_hot) => one_hot,
            // More classes than output units: the configuration check reports the mismatch;
            // the raw class column lets the loss name the shapes if training goes ahead.
            Err(_) => y.to_columns(),
        },
        (None, _) => y.to_columns(),
    };
    TargetData::Dense(dense.cast())
}

/// Accuracy from outputs (what the head reports) and targets.
fn accuracy_of<T: Float>(
    task: Task,
    head: &Head,
    threshold: f64,
    out: &Tensor<T>,
    y: &TargetData<T>,
) -> f64 {
    let out: Tensor<f64> = out.cast();
    let rows = out.shape()[0].max(1);
    let thresholded = out.shape()[1] == 1
        || matches!(task, Task::MultiLabel { .. })
        || head.prediction_activation() == Activation::Sigmoid;
    let predicted = if thresholded {
        metrics::threshold_predictions(out.data(), threshold)
    } else {
        out.argmax(1)
    };
    let truth: Vec<usize> = match y {
        TargetData::Labels(l) => l.clone(),
        TargetData::Dense(t) if predicted.len() == t.numel() => t
            .data()
            .iter()
            .map(|v| v.to_f64().round() as usize)
            .collect(),
        TargetData::Dense(t) => t.argmax(1),
    };
    let correct = predicted.iter().zip(&truth).filter(|(p, t)| p == t).count();
    correct as f64 / truth.len().max(rows) as f64
}
