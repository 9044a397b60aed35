//! Saving and loading [`Classifier`] and [`Regressor`]: the network plus what turns its
//! outputs into answers (head, classes, scalings, feature names).

use super::description::{ClassifierDescription, ModelKind, RegressorDescription};
use super::error::{ModelFileError, Problem};
use super::file::{read_model, write_model};
use super::network::{check_dtype, description_for, network_from, network_state};
use super::spec::LayerSpec;
use crate::estimator::inputs::{FittedInputs, scaling_of, standardizer_of};
use crate::estimator::{BinaryHead, Classifier, ClassifierConfig, Regressor, Task};
use crate::estimator::{ClassifierFitted, RegressorFitted};
use crate::head::Head;
use crate::layer::Sequential;
use nabla_autodiff::Float;
use std::path::Path;

impl<T: Float> Classifier<T> {
    /// Saves the fitted model to `path` (see [`crate::persist`]), atomically: the network,
    /// head, classes, threshold, feature names and standardisation.
    ///
    /// ```
    /// use nabla_models::data::{CsvOptions, Dataset};
    /// use nabla_models::estimator::Classifier;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
    /// let data = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
    /// let mut model = Classifier::<f32>::default();
    /// model.config.network.fit.epochs = 5;
    /// model.fit(data.features(), data.targets())?;
    /// let file = std::env::temp_dir().join("nabla-doc-iris.safetensors");
    /// model.save(&file)?;
    /// let loaded = Classifier::<f32>::load(&file)?;
    /// assert_eq!(loaded.predict(data.features())?, model.predict(data.features())?);
    /// # std::fs::remove_file(&file).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// If the model is not fitted, holds a layer that cannot be described, or the file cannot
    /// be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        let f = self.fitted.as_ref();
        save_fitted(path.as_ref(), "classifier", f.map(|f| &f.net), || {
            f.map(|f| {
                ModelKind::Classifier(ClassifierDescription {
                    inputs: f.inputs.describe(),
                    head: f.head,
                    task: f.task,
                    classes: f.class_names.clone(),
                    targets: f.target_names.clone(),
                    threshold: self.config.threshold,
                })
            })
        })
    }

    /// Loads a classifier saved with [`Classifier::save`]; it predicts exactly what the saved
    /// one did.
    ///
    /// # Errors
    /// A [`ModelFileError`] naming the file and the problem (see
    /// [`Sequential::load`](crate::layer::Sequential::load)), and when the file holds a
    /// regressor or a bare network.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelFileError> {
        read_model(path.as_ref(), |description, tensors| {
            check_dtype::<T>(description, "Classifier")?;
            let ModelKind::Classifier(c) = &description.model else {
                return Err(wrong_model(&description.model));
            };
            check_classifier(c)?;
            let inputs = FittedInputs::from_description(&c.inputs).map_err(Problem::Description)?;
            check_network_ends(&description.network, &inputs, &c.head)?;
            let net = network_from(&description.network, tensors)?;
            let mut model = Classifier::new(ClassifierConfig {
                threshold: c.threshold,
                binary_head: if c.head.units == 2 {
                    BinaryHead::Softmax
                } else {
                    BinaryHead::Sigmoid
                },
                ..ClassifierConfig::default()
            });
            model.config.network.standardize = inputs.scale.is_some();
            model.fitted = Some(ClassifierFitted {
                net,
                head: c.head,
                task: c.task,
                class_names: c.classes.clone(),
                target_names: c.targets.clone(),
                inputs,
            });
            Ok(model)
        })
    }
}

impl<T: Float> Regressor<T> {
    /// Saves the fitted model to `path` (see [`crate::persist`]), atomically: the network,
    /// head, target names and scaling, feature names and standardisation.
    ///
    /// # Errors
    /// If the model is not fitted, holds a layer that cannot be described, or the file cannot
    /// be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        let f = self.fitted.as_ref();
        save_fitted(path.as_ref(), "regressor", f.map(|f| &f.net), || {
            f.map(|f| {
                ModelKind::Regressor(RegressorDescription {
                    inputs: f.inputs.describe(),
                    head: f.head,
                    targets: f.target_names.clone(),
                    target_standardization: f.target_scale.as_ref().map(scaling_of),
                })
            })
        })
    }

    /// Loads a regressor saved with [`Regressor::save`]; it predicts exactly what the saved
    /// one did.
    ///
    /// # Errors
    /// As [`Classifier::load`], and when the file holds a classifier or a bare network.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelFileError> {
        read_model(path.as_ref(), |description, tensors| {
            check_dtype::<T>(description, "Regressor")?;
            let ModelKind::Regressor(r) = &description.model else {
                return Err(wrong_model(&description.model));
            };
            let inputs = FittedInputs::from_description(&r.inputs).map_err(Problem::Description)?;
            let outputs = r.head.units;
            if !r.targets.is_empty() && r.targets.len() != outputs {
                return Err(Problem::Description(format!(
                    "{} target names for {outputs} outputs",
                    r.targets.len()
                )));
            }
            let target_scale = r
                .target_standardization
                .as_ref()
                .map(|s| standardizer_of(s, outputs))
                .transpose()
                .map_err(Problem::Description)?;
            check_network_ends(&description.network, &inputs, &r.head)?;
            let net = network_from(&description.network, tensors)?;
            let mut model = Regressor::default();
            model.config.standardize_target = target_scale.is_some();
            model.config.loss = r.head.loss;
            model.config.network.standardize = inputs.scale.is_some();
            model.fitted = Some(RegressorFitted {
                net,
                head: r.head,
                target_names: r.targets.clone(),
                target_scale,
                inputs,
            });
            Ok(model)
        })
    }
}

/// Writes a fitted estimator's network and `model` description to `path`, or says that the
/// `what` has not been fitted.
fn save_fitted<T: Float>(
    path: &Path,
    what: &str,
    net: Option<&Sequential<T>>,
    model: impl FnOnce() -> Option<ModelKind>,
) -> Result<(), ModelFileError> {
    let fail = |problem| ModelFileError::new(path, problem);
    let (Some(net), Some(model)) = (net, model()) else {
        return Err(fail(Problem::Unsaveable(format!(
            "the {what} has not been fitted; call fit first"
        ))));
    };
    let (specs, state) = network_state(net).map_err(fail)?;
    write_model(path, &description_for::<T>(specs, model), state)
}

fn wrong_model(found: &ModelKind) -> Problem {
    Problem::WrongModel {
        found: found.name(),
        load_with: match found {
            ModelKind::Network => "Sequential::load",
            ModelKind::Classifier(_) => "Classifier::load",
            ModelKind::Regressor(_) => "Regressor::load",
        },
    }
}

/// The task, head, classes and threshold must agree, or predictions would index past the
/// class names.
fn check_classifier(c: &ClassifierDescription) -> Result<(), Problem> {
    let k = c.classes.len();
    let units_fit = match c.task {
        Task::Binary => k == 2 && (c.head.units == 1 || c.head.units == 2),
        Task::MultiClass { classes } | Task::MultiLabel { labels: classes } => {
            classes == k && c.head.units == k && k >= 2
        }
    };
    if !units_fit {
        return Err(Problem::Description(format!(
            "a {:?} task with {k} class names and {} output units do not fit together",
            c.task, c.head.units
        )));
    }
    if !(c.threshold > 0.0 && c.threshold < 1.0) {
        return Err(Problem::Description(format!(
            "the threshold {} is not a probability strictly between 0 and 1",
            c.threshold
        )));
    }
    Ok(())
}

/// A fitted estimator's network ends in the head's linear units; if it starts with a dense
/// layer, that layer reads the inputs' width.
fn check_network_ends(
    network: &[LayerSpec],
    inputs: &FittedInputs,
    head: &Head,
) -> Result<(), Problem> {
    match network.last() {
        Some(LayerSpec::Dense { units, .. }) if *units == head.units => {}
        _ => {
            return Err(Problem::Description(format!(
                "the network does not end in the head's {} linear units",
                head.units
            )));
        }
    }
    if let Some(LayerSpec::Dense { inputs: first, .. }) = network.first()
        && *first != inputs.width
    {
        return Err(Problem::Description(format!(
            "the first layer reads {first} features but the inputs have {}",
            inputs.width
        )));
    }
    Ok(())
}
