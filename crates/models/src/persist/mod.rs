//! Saving and loading models: one [safetensors](https://github.com/huggingface/safetensors)
//! file per model.
//!
//! The file's tensors are the weights, named as the equivalent `torch.nn` module names them in
//! its `state_dict` (`0.weight`, `0.bias`, `2.weight`, ...: a dense layer with an activation
//! counts as two modules, `nn.Linear` and the activation) and laid out as PyTorch lays them
//! out: a dense layer's weight is stored `[units, inputs]`, the transpose of nabla's
//! `[inputs, units]`, and so are the attention projections. Its `__metadata__` holds
//! `nabla.format_version` and, under `nabla.model`, a JSON [`ModelDescription`]: every layer
//! and its settings, the head and loss, the class names, the feature names and their
//! standardisation, the target standardisation, the nabla version.
//!
//! Saving is atomic ([`write_atomically`]): a reader sees the old file or the new one, never
//! a mixture, even if the process dies mid-write. Loading trusts nothing in the file: every
//! length, shape and value is checked before use, and each problem is a [`ModelFileError`]
//! that names the file, what is wrong and what to do.
//!
//! ```
//! use nabla_models::layer::{Dense, Sequential};
//! use nabla_ops::Activation;
//! use rand::{SeedableRng, rngs::StdRng};
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let net = Sequential::<f32>::new()
//!     .with(Dense::new(4, 8, Activation::Relu, &mut rng))
//!     .with(Dense::new(8, 3, Activation::Identity, &mut rng));
//! let path = std::env::temp_dir().join("nabla-doc-network.safetensors");
//! net.save(&path)?;
//! let loaded = Sequential::<f32>::load(&path)?;
//! assert_eq!(loaded.summary(4).to_string(), net.summary(4).to_string());
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), nabla_models::persist::ModelFileError>(())
//! ```

mod atomic;
mod checkpoint;
mod description;
mod error;
mod estimators;
mod file;
mod network;
mod spec;
mod state;

pub use atomic::write_atomically;
pub use description::{
    ClassifierDescription, InputDescription, ModelDescription, ModelKind, RegressorDescription,
    RngState, Scaling, TrainingState,
};
pub use error::{ModelFileError, Problem};
pub use file::{FORMAT_VERSION, MODEL_KEY, VERSION_KEY};
pub use spec::LayerSpec;
pub use state::{NamedTensors, Scoped, StateMap, StateSource, prefixed, take_transposed};

pub(crate) use checkpoint::{read_checkpoint, write_checkpoint};
pub(crate) use spec::activation_text;

use std::path::Path;

/// The description of the model saved at `path`, read without building the model (what
/// `nabla show` prints).
///
/// # Errors
/// As loading the model: the file cannot be read, is not a nabla model file, or its
/// description is damaged.
pub fn describe(path: impl AsRef<Path>) -> Result<ModelDescription, ModelFileError> {
    file::read_description(path.as_ref())
}
