//! Saving and loading a [`Sequential`], the part of every model file that holds the layers.

use super::description::{ModelDescription, ModelKind};
use super::error::{ModelFileError, Problem};
use super::file::{FORMAT_VERSION, FileTensors, read_model, write_model};
use super::spec::LayerSpec;
use super::state::NamedTensors;
use crate::layer::{Layer, Sequential};
use nabla_autodiff::Float;
use std::path::Path;

/// The layer specs and the tensors of `net`.
///
/// # Errors
/// If a layer has no [`Layer::spec`] (a custom layer); the message names it.
pub(crate) fn network_state<T: Float>(
    net: &Sequential<T>,
) -> Result<(Vec<LayerSpec>, NamedTensors<T>), Problem> {
    let specs = net
        .layers()
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            layer.spec().ok_or_else(|| {
                Problem::Unsaveable(format!(
                    "layer {i} ({}) does not describe itself; implement Layer::spec, \
                     Layer::state and Layer::load_state for it, or build the network from \
                     nabla's layers",
                    layer.name()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((specs, net.state()))
}

/// A description of `network` used as `model`, for the element type `T`.
pub(crate) fn description_for<T: Float>(
    network: Vec<LayerSpec>,
    model: ModelKind,
) -> ModelDescription {
    ModelDescription {
        format_version: FORMAT_VERSION,
        nabla_version: env!("CARGO_PKG_VERSION").to_string(),
        dtype: T::NAME.to_string(),
        network,
        model,
        training: None,
    }
}

/// Refuses a file whose weights are not of `T`, naming the type to load it with.
pub(crate) fn check_dtype<T: Float>(
    description: &ModelDescription,
    item: &str,
) -> Result<(), Problem> {
    if description.dtype == T::NAME {
        return Ok(());
    }
    let load_with = match description.dtype.as_str() {
        "f32" | "f64" => format!("{item}::<{}>::load", description.dtype),
        other => {
            return Err(Problem::Description(format!(
                "dtype {other:?} is neither f32 nor f64"
            )));
        }
    };
    Err(Problem::Dtype {
        found: description.dtype.clone(),
        wanted: T::NAME,
        load_with,
    })
}

/// Weights a description may ask for beyond what the file holds, so that a file missing a
/// tensor is reported as exactly that (by the tensor's name) rather than as a description
/// too large for its file.
const SLACK_SCALARS: usize = 1 << 20;

/// The network `specs` describe, with the file's tensors installed. The specs are checked
/// first, and may not ask for more weights than the file holds (plus a little): a damaged
/// description never makes loading allocate much more than the file's size.
pub(crate) fn network_from<T: Float>(
    specs: &[LayerSpec],
    tensors: &mut FileTensors<'_, T>,
) -> Result<Sequential<T>, Problem> {
    let mut needed = 0usize;
    for (i, spec) in specs.iter().enumerate() {
        let scalars = spec
            .check()
            .map_err(|why| Problem::Description(format!("layer {i}: {why}")))?;
        needed = needed
            .checked_add(scalars)
            .ok_or_else(|| Problem::Description("the layers' sizes overflow".to_string()))?;
    }
    if needed > tensors.scalars().saturating_add(SLACK_SCALARS) {
        return Err(Problem::Description(format!(
            "the layers need {needed} weights but the file holds {}",
            tensors.scalars()
        )));
    }
    let mut net = Sequential::new();
    for spec in specs {
        net.push_boxed(spec.build());
    }
    net.load_state(tensors).map_err(Problem::Tensor)?;
    Ok(net)
}

impl<T: Float> Sequential<T> {
    /// Saves the layers and their tensors to `path` (see [`crate::persist`]), atomically.
    ///
    /// # Errors
    /// If a layer cannot be described (a custom layer without [`Layer::spec`]) or the file
    /// cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        let path = path.as_ref();
        let (specs, state) =
            network_state(self).map_err(|problem| ModelFileError::new(path, problem))?;
        write_model(
            path,
            &description_for::<T>(specs, ModelKind::Network),
            state,
        )
    }

    /// Loads the network saved at `path`: a network's file, or the network inside a
    /// classifier's or regressor's (without its head, classes or scaling).
    ///
    /// # Errors
    /// A [`ModelFileError`] naming the file and the problem: not a model file, truncated,
    /// damaged, another element type, a tensor missing, extra or of the wrong shape, weights
    /// that are not finite, a newer format.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelFileError> {
        read_model(path.as_ref(), |description, tensors| {
            check_dtype::<T>(description, "Sequential")?;
            network_from(&description.network, tensors)
        })
    }
}
