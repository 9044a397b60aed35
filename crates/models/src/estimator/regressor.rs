//! [`Regressor`]: continuous targets, `k` linear outputs and mean squared error, with the
//! target standardised internally and predictions reported in the target's own units.

use super::config::NetworkConfig;
use super::fit::{FitRun, prepare_inputs};
use super::inputs::{FittedInputs, scaling_of};
use super::predictor::{Finish, Predictor};
use super::streamed::Streamed;
use super::{BodyBuilder, FitError, FitExtras, check_features, graph, to_model};
use crate::data::{CsvStream, Standardizer, Targets};
use crate::head::{Head, Loss};
use crate::layer::Sequential;
use crate::metrics;
use crate::persist::{ModelKind, RegressorDescription};
use crate::train::{Callback, History, TargetData, TrainData};
use nabla_autodiff::dump::GraphDump;
use nabla_autodiff::{Float, Tensor};
use rand::rngs::StdRng;
use std::borrow::Cow;

/// Settings of a [`Regressor`].
#[derive(Debug, Clone, PartialEq)]
pub struct RegressorConfig {
    /// Hidden layers and training.
    pub network: NetworkConfig,
    /// Train on the target scaled to mean 0 and standard deviation 1 (on by default): the
    /// loss then starts near 1 whatever the target's units, and one learning rate suits all.
    /// Predictions are always in the target's units.
    pub standardize_target: bool,
    /// The loss (mean squared error by default).
    pub loss: Loss,
}

impl Default for RegressorConfig {
    fn default() -> Self {
        RegressorConfig {
            network: NetworkConfig::default(),
            standardize_target: true,
            loss: Loss::MeanSquaredError,
        }
    }
}

/// What `fit` learned (or `load` read).
pub(crate) struct Fitted<T: Float> {
    pub(crate) net: Sequential<T>,
    pub(crate) head: Head,
    pub(crate) target_names: Vec<String>,
    pub(crate) target_scale: Option<Standardizer>,
    pub(crate) inputs: FittedInputs,
}

/// A neural-network regressor.
///
/// ```
/// use nabla_models::data::{CsvOptions, Dataset, prepare_split};
/// use nabla_models::estimator::Regressor;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/diabetes.csv");
/// let data = Dataset::from_csv(path, &CsvOptions::continuous(&["progression"]))?;
/// let (train, test) = prepare_split(&data, 0.2, 0)?;
/// let mut model = Regressor::<f32>::default();
/// model.fit(train.features(), train.targets())?;
/// let r2 = model.evaluate(test.features(), test.targets())?.r2;
/// assert!(r2 > 0.35, "R^2 {r2}"); // in the target's units
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Regressor<T: Float = f32> {
    /// The settings used by the next `fit`.
    pub config: RegressorConfig,
    callbacks: Vec<Box<dyn Callback>>,
    body: Option<BodyBuilder<T>>,
    pub(crate) fitted: Option<Fitted<T>>,
}

impl<T: Float> Default for Regressor<T> {
    fn default() -> Self {
        Self::new(RegressorConfig::default())
    }
}

impl<T: Float> Regressor<T> {
    /// A regressor with these settings.
    pub fn new(config: RegressorConfig) -> Self {
        Regressor {
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

    /// Trains a new network on features `x` (`[rows, features]`) and continuous targets `y`.
    /// The returned [`History`] holds, besides the epochs, what the before-training check
    /// found in `History::diagnoses` (warnings and hints; see [`Regressor::check`]).
    ///
    /// # Errors
    /// When `x` and `y` disagree or `y` is not continuous.
    pub fn fit(&mut self, x: &Tensor<f64>, y: &Targets) -> Result<History, FitError> {
        self.fit_with(x, y, FitExtras::default())
    }

    /// [`Regressor::fit`] on a [`Dataset`](crate::data::Dataset), keeping its feature and
    /// target column names with the model (so that a saved model finds its columns by name).
    ///
    /// # Errors
    /// As [`Regressor::fit`].
    pub fn fit_dataset(&mut self, data: &crate::data::Dataset) -> Result<History, FitError> {
        self.fit_with(data.features(), data.targets(), FitExtras::names_of(data))
    }

    /// [`Regressor::fit`] with sample weights and/or separate validation data.
    ///
    /// # Errors
    /// As [`Regressor::fit`], and when the weights or validation data do not fit.
    pub fn fit_with(
        &mut self,
        x: &Tensor<f64>,
        y: &Targets,
        extras: FitExtras<'_>,
    ) -> Result<History, FitError> {
        self.fit_rows(x, y, extras, None)
    }

    /// [`Regressor::fit_dataset`] on rows `rows` (ascending) of a [`CsvStream`], read from
    /// the file a block at a time: a file larger than memory can be trained on. The
    /// standardisation and the before-training checks are fitted on the training rows of the
    /// stream's first block, the targets of the training rows are kept in memory (and the
    /// validation rows, if the configuration asks for a validation split), and each epoch
    /// reads the file again and shuffles the rows within blocks of the stream's block size
    /// (rounded up to whole batches). When one block holds the whole file, the model is the
    /// one [`Regressor::fit_dataset`] trains on the same rows, bit for bit.
    ///
    /// # Errors
    /// As [`Regressor::fit`], when the file cannot be read again or no training row lies in
    /// the first block, and for sample weights (not read from a stream).
    pub fn fit_stream(&mut self, stream: &CsvStream, rows: &[usize]) -> Result<History, FitError> {
        let streamed = Streamed { stream, rows };
        let (sample, y, extras) = streamed.fit_inputs("Regressor::fit_stream")?;
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
        const METHOD: &str = "Regressor::fit";
        // The targets of the rows of `x`.
        let y_of_x: Cow<'_, Targets> = match streamed {
            Some(_) => Cow::Owned(y.select_rows(&(0..x.shape()[0]).collect::<Vec<_>>())),
            None => Cow::Borrowed(y),
        };
        let Targets::Continuous(values) = y else {
            return Err(FitError::invalid(
                METHOD,
                "the targets are classes; use a Classifier, or load the target column as continuous",
            ));
        };
        let (inputs, x) = prepare_inputs::<T>(
            METHOD,
            x,
            y_of_x.n_rows(),
            &extras,
            &self.config.network,
            self.body.as_ref(),
        )?;
        check_features("Regressor::fit (targets)", values, None)?;
        let diagnoses = self.check(&x, &y_of_x)?;
        crate::diagnose::gate(&diagnoses, self.config.network.ignore_diagnostics)?;
        let target_scale = if self.config.standardize_target {
            Some(Standardizer::fit(values)?)
        } else {
            None
        };
        let scale = |v: &Tensor<f64>| match &target_scale {
            Some(s) => s.transform(v),
            None => Ok(v.clone()),
        };
        let outputs = values.shape()[1];
        let target_names = extras
            .target_names
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let head = Head {
            loss: self.config.loss,
            ..Head::regression(outputs)
        };
        let validation = match extras.validation_data {
            Some((vx, Targets::Continuous(vy))) if vy.shape() == [vx.shape()[0], outputs] => {
                let vx = inputs.prepare("Regressor::fit (validation data)", vx)?;
                Some(TrainData {
                    x: to_model::<T>(&vx),
                    y: TargetData::Dense(scale(vy)?.cast()),
                    sample_weights: None,
                })
            }
            Some(_) => {
                return Err(FitError::invalid(
                    METHOD,
                    format!(
                        "validation targets must be continuous with {outputs} column(s) and one \
                         row per validation feature row"
                    ),
                ));
            }
            None => None,
        };
        let metric = |out: &Tensor<T>, y: &TargetData<T>| match y {
            TargetData::Dense(t) => {
                let (p, t): (Tensor<f64>, Tensor<f64>) = (out.cast(), t.cast());
                vec![(
                    "r2".to_string(),
                    metrics::r2_score(t.data(), p.data()).unwrap_or(f64::NAN),
                )]
            }
            TargetData::Labels(_) => Vec::new(),
        };
        let run = FitRun {
            method: METHOD,
            config: &self.config.network,
            body: self.body.as_ref(),
            head,
            x: &x,
            y: TargetData::Dense(scale(values)?.cast()),
            strata: None,
            sample_weights: extras.sample_weights,
            validation,
            class_weights: None,
            metrics: &metric,
            saved_as: ModelKind::Regressor(RegressorDescription {
                inputs: inputs.describe(),
                head,
                targets: target_names.clone(),
                target_standardization: target_scale.as_ref().map(scaling_of),
            }),
            streamed: streamed.map(|s| (s, &inputs)),
        };
        let (net, mut history) = run.train(&mut self.callbacks)?;
        history.diagnoses = diagnoses;
        self.fitted = Some(Fitted {
            net,
            head,
            target_names,
            target_scale,
            inputs,
        });
        Ok(history)
    }

    /// Predictions in the target's units, `[rows, outputs]`.
    ///
    /// # Errors
    /// If the model is not fitted or `x` has the wrong width or non-finite values.
    pub fn predict(&self, x: &Tensor<f64>) -> Result<Tensor<f64>, FitError> {
        self.predictor_for("Regressor::predict")?
            .predict(x)
            .cloned()
    }

    /// A [`Predictor`] of this model's predictions, as [`Regressor::predict`] gives them, that
    /// keeps its buffers between calls: serving rows one request at a time allocates nothing
    /// once warmed up.
    ///
    /// # Errors
    /// If the model is not fitted.
    pub fn predictor(&self) -> Result<Predictor<'_, T>, FitError> {
        self.predictor_for("Predictor::predict")
    }

    fn predictor_for(&self, method: &'static str) -> Result<Predictor<'_, T>, FitError> {
        let f = self.fitted.as_ref().ok_or(FitError::NotFitted { method })?;
        Ok(Predictor::new(
            method,
            &f.net,
            &f.head,
            &f.inputs,
            Finish::Values(f.target_scale.as_ref()),
        ))
    }

    /// Error measures on `x` and `y`, in the target's units (all outputs pooled).
    ///
    /// # Errors
    /// As [`Regressor::predict`], and when `y` is not continuous with one row per feature row.
    pub fn evaluate(&self, x: &Tensor<f64>, y: &Targets) -> Result<RegressionEvaluation, FitError> {
        let pred = self.predict(x)?;
        let Targets::Continuous(truth) = y else {
            return Err(FitError::invalid(
                "Regressor::evaluate",
                "the targets must be continuous",
            ));
        };
        let bad = |e: metrics::MetricError| FitError::invalid("Regressor::evaluate", e.to_string());
        let (t, p) = (truth.data(), pred.data());
        Ok(RegressionEvaluation {
            mse: metrics::mse(t, p).map_err(bad)?,
            rmse: metrics::rmse(t, p).map_err(bad)?,
            mae: metrics::mae(t, p).map_err(bad)?,
            median_absolute_error: metrics::median_absolute_error(t, p).map_err(bad)?,
            r2: metrics::r2_score(t, p).map_err(bad)?,
        })
    }

    /// The graph of the loss on rows `x` with targets `y` (standardised as in training, when
    /// the target was), recorded in evaluation mode after backward with every gradient kept:
    /// see [`Classifier::loss_graph`](super::Classifier::loss_graph).
    ///
    /// # Errors
    /// If the model is not fitted, `x` has the wrong width or non-finite values, or `y` is not
    /// continuous with the model's outputs and one row per row of `x`.
    pub fn loss_graph(&self, x: &Tensor<f64>, y: &Targets) -> Result<GraphDump<T>, FitError> {
        const METHOD: &str = "Regressor::loss_graph";
        let f = self
            .fitted
            .as_ref()
            .ok_or(FitError::NotFitted { method: METHOD })?;
        let x = to_model::<T>(&*f.inputs.prepare(METHOD, x)?);
        let y = match y {
            Targets::Continuous(t) if t.shape() == [x.shape()[0], f.head.units] => t,
            _ => {
                return Err(FitError::invalid(
                    METHOD,
                    format!(
                        "y must be continuous with {} column(s) and one row per row of x ({})",
                        f.head.units,
                        x.shape()[0]
                    ),
                ));
            }
        };
        let y = match &f.target_scale {
            Some(scale) => scale.transform(y).map_err(FitError::Data)?,
            None => y.clone(),
        };
        graph::loss_graph(METHOD, &f.net, &f.head, x, TargetData::Dense(y.cast()))
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

    /// `x` as the network reads it (checked and standardised as the training rows were).
    pub(crate) fn network_inputs(
        &self,
        method: &'static str,
        x: &Tensor<f64>,
    ) -> Result<Tensor<f64>, FitError> {
        let f = self.fitted.as_ref().ok_or(FitError::NotFitted { method })?;
        f.inputs.prepare(method, x).map(Cow::into_owned)
    }
}

/// How a regressor did on a data set, in the target's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionEvaluation {
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Median absolute error.
    pub median_absolute_error: f64,
    /// Coefficient of determination.
    pub r2: f64,
}
