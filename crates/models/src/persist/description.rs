//! [`ModelDescription`]: the JSON a model file carries in its `__metadata__`, with everything
//! needed to rebuild the model and use it on new rows.

use super::spec::LayerSpec;
use crate::data::FeatureEncoding;
use crate::estimator::Task;
use crate::head::Head;
use serde::{Deserialize, Serialize};

/// A model file's description of its model. Stored as JSON under the `nabla.model` key of the
/// safetensors `__metadata__`; the weights are the file's tensors.
///
/// ```json
/// {"format_version": 1, "nabla_version": "0.1.0", "dtype": "f32",
///  "network": [{"type": "dense", "inputs": 4, "units": 64, "activation": "relu"},
///              {"type": "dense", "inputs": 64, "units": 3, "activation": "identity"}],
///  "model": {"kind": "classifier", "classes": ["setosa", "versicolor", "virginica"], ...}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDescription {
    /// The version of this layout; a build reads the versions up to its own
    /// ([`FORMAT_VERSION`](super::FORMAT_VERSION)).
    pub format_version: u32,
    /// The nabla version that wrote the file.
    pub nabla_version: String,
    /// The weights' element type, `f32` or `f64`.
    pub dtype: String,
    /// The layers, in order. Their tensors are named by their index in the equivalent
    /// `torch.nn.Sequential` ([`LayerSpec::torch_modules`]).
    pub network: Vec<LayerSpec>,
    /// What the network is used as.
    pub model: ModelKind,
    /// Present in a checkpoint: where training stood, so that it can resume exactly. The
    /// optimiser's tensors are then stored beside the weights under `optimizer.` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingState>,
}

/// Where a training run stood when a checkpoint was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingState {
    /// Epochs completed.
    pub epoch: usize,
    /// Optimisation steps taken.
    pub steps: usize,
    /// The optimiser's learning rate for the next epoch.
    pub learning_rate: f64,
    /// The training loop's random generator (ChaCha12, the algorithm of `StdRng`).
    pub rng: RngState,
    /// The order of the training rows after the last shuffle (each epoch shuffles it again).
    pub row_order: Vec<usize>,
}

/// A ChaCha12 generator's position: its seed, stream and word position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RngState {
    /// The 32-byte seed, as 64 hexadecimal digits.
    pub seed: String,
    /// The stream number.
    pub stream: u64,
    /// How many 32-bit words have been drawn, in decimal.
    pub word_pos: String,
}

/// What a saved network is used as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelKind {
    /// A bare [`Sequential`](crate::layer::Sequential).
    Network,
    /// A [`Classifier`](crate::Classifier).
    Classifier(ClassifierDescription),
    /// A [`Regressor`](crate::Regressor).
    Regressor(RegressorDescription),
}

impl ModelKind {
    /// `network`, `classifier` or `regressor`.
    pub fn name(&self) -> &'static str {
        match self {
            ModelKind::Network => "network",
            ModelKind::Classifier(_) => "classifier",
            ModelKind::Regressor(_) => "regressor",
        }
    }
}

/// The columns a model reads, and how it scales them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDescription {
    /// The feature columns' names, in the order the network reads them (empty when the model
    /// was fitted on a bare matrix).
    pub features: Vec<String>,
    /// How many features each row has.
    pub width: usize,
    /// The standardisation applied to the features before the network, if any.
    pub standardization: Option<Scaling>,
    /// How the features are made from a file's columns (text one-hot, missing values
    /// imputed), when the model was fitted on a loaded [`Dataset`](crate::data::Dataset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<FeatureEncoding>,
}

/// Per-column standardisation: `(x - mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    /// Each column's mean.
    pub mean: Vec<f64>,
    /// Each column's standard deviation.
    pub std: Vec<f64>,
}

/// A classifier's head, task and classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierDescription {
    /// The inputs.
    pub inputs: InputDescription,
    /// The output layer and loss.
    pub head: Head,
    /// Binary, multi-class or multi-label.
    pub task: Task,
    /// The class (or label) names, in output order.
    pub classes: Vec<String>,
    /// The target columns' names: one column of labels, or one 0/1 column per class or label
    /// (empty when fitted on bare targets).
    pub targets: Vec<String>,
    /// The probability above which a class or label is predicted.
    pub threshold: f64,
}

/// A regressor's head, targets and target scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegressorDescription {
    /// The inputs.
    pub inputs: InputDescription,
    /// The output layer and loss.
    pub head: Head,
    /// The target columns' names (empty when fitted on a bare matrix).
    pub targets: Vec<String>,
    /// The standardisation the network's outputs undo, if any.
    pub target_standardization: Option<Scaling>,
}
