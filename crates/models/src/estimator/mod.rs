//! Ready-made models: [`Classifier`] (binary, multi-class, multi-label) and [`Regressor`],
//! each a network of hidden layers plus the head the target calls for.

mod classifier;
mod config;
mod error;
mod fit;
mod graph;
pub(crate) mod inputs;
mod predictor;
mod regressor;
mod streamed;

pub use classifier::{BinaryHead, ClassWeights, Classifier, ClassifierConfig, Evaluation, Task};
pub use config::{NetworkConfig, OptimizerKind, Validation};
pub use error::FitError;
pub use predictor::Predictor;

/// Optional extras for `fit_with`: per-row weights and validation data held apart from the
/// training rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct FitExtras<'a> {
    /// One non-negative weight per training row, multiplying its loss.
    pub sample_weights: Option<&'a [f64]>,
    /// Validation features and targets, evaluated after every epoch (takes precedence over
    /// a validation split).
    pub validation_data: Option<(&'a Tensor<f64>, &'a Targets)>,
    /// The feature columns' names, in order ([`Dataset::feature_names`](crate::data::Dataset::feature_names)):
    /// saved with the model, so that `nabla predict` finds the columns of a new file by name.
    pub feature_names: Option<&'a [String]>,
    /// The target columns' names ([`Dataset::target_names`](crate::data::Dataset::target_names)),
    /// saved with the model, so that `nabla predict` knows which column of a labelled file to
    /// leave out.
    pub target_names: Option<&'a [String]>,
    /// How the features were made from a file's columns ([`Dataset::encoding`](crate::data::Dataset::encoding)):
    /// saved with the model, so that `nabla predict` encodes the text and missing values of
    /// new rows as the training rows were.
    pub feature_encoding: Option<&'a crate::data::FeatureEncoding>,
}
pub(crate) use classifier::Fitted as ClassifierFitted;
pub(crate) use regressor::Fitted as RegressorFitted;
pub use regressor::{RegressionEvaluation, Regressor, RegressorConfig};

impl<'a> FitExtras<'a> {
    /// The column names of `data`, to keep with the model (`fit_dataset`).
    pub fn names_of(data: &'a crate::data::Dataset) -> Self {
        FitExtras {
            feature_names: Some(data.feature_names()),
            target_names: Some(data.target_names()),
            feature_encoding: data.encoding(),
            ..FitExtras::default()
        }
    }
}

use crate::data::Targets;
use crate::head::Head;
use crate::layer::{Dense, Sequential};
use crate::persist::ModelKind;
use crate::train::{Callback, FitOptions, History, MetricFn, RowSource, TrainData, Trainer};
use nabla_autodiff::{Float, Tensor};
use nabla_ops::Activation;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Builds the layers between the input rows and the head when the dense hidden layers of
/// [`NetworkConfig::hidden`] are not what the inputs call for: a convolutional body for
/// images, embeddings and attention for token sequences. `fit` calls it afresh each time with
/// a generator seeded by the fit seed (so the same seed gives the same model), runs one row of
/// zeros through it to find its output width, and appends the head's linear units. The body
/// receives the rows as given, `[rows, features]`: start it with a
/// [`Reshape`](crate::layer::Reshape) for images, and end it with one row of features per
/// sample ([`Flatten`](crate::layer::Flatten), [`LastPosition`](crate::layer::LastPosition)).
pub type BodyBuilder<T> = Box<dyn Fn(&mut StdRng) -> Sequential<T>>;

/// The network a fit trains: the custom body (or the config's dense hidden layers), then
/// `head.units` linear units (the head's activation is applied by the head, fused with the
/// loss).
///
/// # Errors
/// If the body does not accept rows of `inputs` features or does not end in one row of
/// features per sample.
pub(crate) fn build_network<T: Float>(
    method: &'static str,
    config: &NetworkConfig,
    body: Option<&BodyBuilder<T>>,
    inputs: usize,
    head: &Head,
) -> Result<Sequential<T>, FitError> {
    let mut rng = StdRng::seed_from_u64(config.fit.seed);
    let (mut net, width) = match body {
        Some(build) => {
            let net = build(&mut rng);
            let width = body_width(method, &net, inputs)?;
            (net, width)
        }
        None => {
            let mut net = Sequential::new();
            let mut width = inputs;
            for &units in &config.hidden {
                let init = config
                    .init
                    .unwrap_or_else(|| Dense::<T>::default_init(config.activation));
                net.push(Dense::with_init(
                    width,
                    units,
                    config.activation,
                    init,
                    &mut rng,
                ));
                width = units;
            }
            (net, width)
        }
    };
    let init = config
        .init
        .unwrap_or_else(|| Dense::<T>::default_init(Activation::Identity));
    net.push(Dense::with_init(
        width,
        head.units,
        Activation::Identity,
        init,
        &mut rng,
    ));
    Ok(net)
}

/// The features per sample a custom body hands to the head, found by running one row of
/// `inputs` zeros through it (zeros are valid pixels and valid token ids).
fn body_width<T: Float>(
    method: &'static str,
    body: &Sequential<T>,
    inputs: usize,
) -> Result<usize, FitError> {
    let summary = guard(method, || body.summary_for(&[inputs])).map_err(|why| {
        FitError::invalid(
            method,
            format!(
                "the custom body does not accept rows of {inputs} features ({why}); build it \
                 for the columns passed to fit, starting with a Reshape layer for images"
            ),
        )
    })?;
    let last = summary.rows.last().map(|r| r.sample_shape.as_slice());
    match last {
        None => Ok(inputs),
        Some(&[width]) => Ok(width),
        Some(shape) => Err(FitError::invalid(
            method,
            format!(
                "the custom body ends in samples of shape {:?}, but the head needs one row of \
                 features per sample; end the body with a Flatten (images) or LastPosition \
                 (sequences) layer",
                shape
            ),
        )),
    }
}

/// Runs `f`, turning a panic of a layer that refuses the data (a tensor-level shape check, an
/// embedding id outside the vocabulary) into its message, so that `fit` and `predict` answer
/// bad input with an error instead of a panic.
pub(crate) fn guard<R>(method: &'static str, f: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| format!("{method}: a layer refused its input"))
    })
}

/// [`guard`] for a network's forward passes: the refusal as a [`FitError`].
pub(crate) fn guard_data<R>(method: &'static str, f: impl FnOnce() -> R) -> Result<R, FitError> {
    guard(method, f).map_err(|why| {
        FitError::invalid(
            method,
            format!(
                "a layer of the network refused the data ({why}); pass features that fit its \
                 layers (token ids below the vocabulary size, rows of the image size)"
            ),
        )
    })
}

/// Refuses class labels that do not index a class name (possible only when the targets were
/// built without [`Targets::labels`]'s check): the loss would read them as other classes.
pub(crate) fn check_labels(y: &Targets) -> Result<(), FitError> {
    if let Targets::Labels {
        indices,
        class_names,
    } = y
        && let Some(row) = indices.iter().position(|&i| i >= class_names.len())
    {
        return Err(FitError::LabelOutOfRange {
            row,
            label: indices[row],
            classes: class_names.len(),
        });
    }
    Ok(())
}

/// Checks that features form a non-empty `[rows, features]` matrix.
pub(crate) fn check_matrix(method: &'static str, x: &Tensor<f64>) -> Result<(), FitError> {
    if x.ndim() != 2 || x.shape()[0] == 0 {
        return Err(FitError::invalid(
            method,
            format!(
                "features must be a non-empty [rows, features] matrix, got shape {:?}",
                x.shape()
            ),
        ));
    }
    Ok(())
}

/// Checks a feature matrix: 2-D, the expected width, finite values.
pub(crate) fn check_features(
    method: &'static str,
    x: &Tensor<f64>,
    expected: Option<usize>,
) -> Result<(), FitError> {
    check_feature_shape(method, x, expected)?;
    let bad_block = x
        .data()
        .chunks(256)
        .position(|block| block.iter().fold(false, |bad, &v| bad | refused_feature(v)));
    // Blocks are scanned without stopping early, so that the scan vectorises; only a block
    // holding a refused value is searched for it.
    let first_bad = bad_block.and_then(|b| {
        let start = b * 256;
        let at = x.data()[start..].iter().position(|&v| refused_feature(v));
        at.map(|i| start + i)
    });
    let Some(i) = first_bad else {
        return Ok(());
    };
    let limit = crate::data::MAX_MAGNITUDE;
    let cols = x.shape()[1];
    let v = x.data()[i];
    let fix = if v.is_finite() {
        format!(
            "beyond {limit:e} in magnitude, where its square overflows; rescale the column \
             (divide it by a power of ten)"
        )
    } else {
        "not a finite number; remove or impute non-finite values first".to_string()
    };
    Err(FitError::invalid(
        method,
        format!(
            "the value at row {}, column {} is {}, {fix}",
            i / cols,
            i % cols,
            readable(v)
        ),
    ))
}

/// Whether a feature value is refused: not a number, or so large that its square overflows.
pub(crate) fn refused_feature(v: f64) -> bool {
    v.is_nan() || v.abs() > crate::data::MAX_MAGNITUDE
}

/// Checks a feature matrix's shape: 2-D and the expected width.
pub(crate) fn check_feature_shape(
    method: &'static str,
    x: &Tensor<f64>,
    expected: Option<usize>,
) -> Result<(), FitError> {
    check_matrix(method, x)?;
    if let Some(k) = expected
        && x.shape()[1] != k
    {
        return Err(FitError::invalid(
            method,
            format!(
                "the model was fitted on {k} features but got {}; pass the same columns as in fit",
                x.shape()[1]
            ),
        ));
    }
    Ok(())
}

/// `v` as a person reads it: `1e300` rather than 301 digits.
pub(crate) fn readable(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-4..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// Runs the training loop for a built network.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_network<T: Float>(
    method: &'static str,
    net: &mut Sequential<T>,
    head: Head,
    config: &NetworkConfig,
    train: &mut dyn RowSource<T>,
    val: Option<&TrainData<T>>,
    class_weights: Option<Vec<T>>,
    metrics: MetricFn<'_, T>,
    callbacks: &mut [Box<dyn Callback>],
    saved_as: ModelKind,
) -> Result<History, FitError> {
    let mut optimizer = config.optimizer.build::<T>();
    let mut trainer = Trainer {
        model: net,
        head,
        optimizer: &mut *optimizer,
        class_weights,
        metrics,
        callbacks,
        saved_as: Some(saved_as),
    };
    let options: &FitOptions = &config.fit;
    Ok(guard_data(method, || {
        trainer.fit_source(train, val, options)
    })??)
}

/// Converts a feature matrix to the model's float type.
pub(crate) fn to_model<T: Float>(x: &Tensor<f64>) -> Tensor<T> {
    x.cast()
}

/// Checks sample weights: one finite, non-negative weight per row.
pub(crate) fn check_sample_weights(
    method: &'static str,
    weights: Option<&[f64]>,
    rows: usize,
) -> Result<(), FitError> {
    let Some(w) = weights else { return Ok(()) };
    if w.len() != rows {
        return Err(FitError::invalid(
            method,
            format!(
                "{} sample weights were given for {rows} rows; give one per row",
                w.len()
            ),
        ));
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(FitError::invalid(
            method,
            format!(
                "sample weight {i} is {}; weights must be finite and non-negative",
                w[i]
            ),
        ));
    }
    Ok(())
}

/// Splits off a validation share of `rows` (stratified by `strata` when given).
pub(crate) fn validation_split(
    rows: usize,
    strata: Option<&[usize]>,
    validation: Validation,
    seed: u64,
) -> Result<(Vec<usize>, Option<Vec<usize>>), FitError> {
    match validation {
        Validation::None => Ok(((0..rows).collect(), None)),
        Validation::Split(f) => {
            let (train, val) = match strata {
                Some(s) => crate::data::stratified_split_indices(s, f, seed)?,
                None => crate::data::split_indices(rows, f, seed)?,
            };
            Ok((train, Some(val)))
        }
    }
}
