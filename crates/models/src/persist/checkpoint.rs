//! Checkpoints: a model file that also records where training stood (the optimiser's state,
//! the epoch, the random generator, the row order), so that a run stopped after `k` epochs
//! and resumed from its checkpoint ends with the weights an uninterrupted run would have.

use super::description::{ModelKind, TrainingState};
use super::error::{ModelFileError, Problem};
use super::file::{OPTIMIZER_PREFIX, read_model, write_model};
use super::network::{description_for, network_state};
use super::state::{StateMap, prefixed};
use crate::layer::{Layer, Sequential};
use crate::optim::Optimizer;
use nabla_autodiff::Float;
use std::path::Path;

/// Writes `net` (used as `model`), the optimiser's state and `training` to `path`,
/// atomically. The file loads as the model it describes; `read_checkpoint` resumes from it.
pub(crate) fn write_checkpoint<T: Float>(
    path: &Path,
    net: &Sequential<T>,
    model: ModelKind,
    optimizer: &dyn Optimizer<T>,
    training: TrainingState,
) -> Result<(), ModelFileError> {
    let (specs, mut state) =
        network_state(net).map_err(|problem| ModelFileError::new(path, problem))?;
    let prefix = OPTIMIZER_PREFIX.trim_end_matches('.');
    state.extend(prefixed(prefix, optimizer.state()));
    let mut description = description_for::<T>(specs, model);
    description.training = Some(training);
    write_model(path, &description, state)
}

/// Puts the checkpoint at `path` into `net` and `optimizer` and returns where training stood.
///
/// # Errors
/// As loading a model, and when the file is not a checkpoint or was written for another
/// network than `net` (other layers or settings).
pub(crate) fn read_checkpoint<T: Float>(
    path: &Path,
    net: &mut Sequential<T>,
    optimizer: &mut dyn Optimizer<T>,
) -> Result<TrainingState, ModelFileError> {
    read_model(path, |description, tensors| {
        if description.dtype != T::NAME {
            return Err(Problem::Description(format!(
                "the checkpoint holds {} weights but this model trains in {}; resume with the \
                 element type it was trained in",
                description.dtype,
                T::NAME
            )));
        }
        let Some(training) = &description.training else {
            return Err(Problem::Description(
                "this is a saved model, not a checkpoint: it records no training state; \
                 resume from a file written by the ModelCheckpoint callback"
                    .to_string(),
            ));
        };
        let specs: Option<Vec<_>> = net.layers().iter().map(|l| l.spec()).collect();
        if specs.as_deref() != Some(description.network.as_slice()) {
            return Err(Problem::Description(
                "the checkpoint's network is not the one this fit builds; resume with the \
                 settings (hidden layers, body, features) the checkpoint was trained with"
                    .to_string(),
            ));
        }
        net.load_state(tensors).map_err(Problem::Tensor)?;
        let mut state = StateMap::new(
            tensors
                .take_prefixed(OPTIMIZER_PREFIX)
                .map_err(Problem::Tensor)?,
        );
        optimizer
            .load_state(&mut state)
            .map_err(|why| Problem::Tensor(format!("the optimiser's state: {why}")))?;
        Ok(training.clone())
    })
}
