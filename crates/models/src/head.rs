//! Output layers and losses: [`Head`] pairs the output activation with the loss, following
//! the rules for which output fits which target.
//!
//! | task | target | head |
//! |---|---|---|
//! | regression | continuous | `k` linear units + mean squared error |
//! | binary | 0/1 vector | 1 sigmoid unit + binary cross-entropy |
//! | binary | one-hot, 2 columns | 2 softmax units + categorical cross-entropy (the same model) |
//! | multi-class | one-hot | `k` softmax units + categorical cross-entropy |
//! | multi-class | integer labels | `k` softmax units + sparse categorical cross-entropy |
//! | multi-label | multi-hot | `k` sigmoid units + binary cross-entropy, threshold 0.5 per label |
//!
//! Whatever the user writes, a sigmoid or softmax output followed by its cross-entropy is
//! computed as one fused with-logits node (exact where probabilities saturate); predictions
//! still report probabilities.

use nabla_autodiff::{Float, Tensor, Var};
use nabla_ops::Activation;
use nabla_ops::loss::{
    self, BinaryOptions, CategoricalOptions, LossError, LossTargets, RegressionOptions,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A loss, and whether it reads its input as logits or as the output activation's values.
///
/// In a model file's JSON: `{"type": "binary_cross_entropy", "from_logits": true}`,
/// `{"type": "huber", "delta": 1.0}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(into = "LossJson", from = "LossJson")]
pub enum Loss {
    /// Mean squared error.
    MeanSquaredError,
    /// Mean absolute error.
    MeanAbsoluteError,
    /// Huber loss with the given delta.
    Huber(f64),
    /// Binary cross-entropy; `from_logits` reads the input as logits.
    BinaryCrossEntropy {
        /// Whether the input is logits rather than probabilities.
        from_logits: bool,
    },
    /// Categorical cross-entropy on one-hot (or soft) targets.
    CategoricalCrossEntropy {
        /// Whether the input is logits rather than probabilities.
        from_logits: bool,
    },
    /// Categorical cross-entropy on integer labels.
    SparseCategoricalCrossEntropy {
        /// Whether the input is logits rather than probabilities.
        from_logits: bool,
    },
}

impl Loss {
    /// Binary cross-entropy on probabilities.
    pub const BCE: Loss = Loss::BinaryCrossEntropy { from_logits: false };
    /// Categorical cross-entropy on probabilities.
    pub const CCE: Loss = Loss::CategoricalCrossEntropy { from_logits: false };
    /// Sparse categorical cross-entropy on probabilities.
    pub const SPARSE_CCE: Loss = Loss::SparseCategoricalCrossEntropy { from_logits: false };

    /// Whether the loss expects its input as logits.
    pub fn from_logits(self) -> bool {
        matches!(
            self,
            Loss::BinaryCrossEntropy { from_logits: true }
                | Loss::CategoricalCrossEntropy { from_logits: true }
                | Loss::SparseCategoricalCrossEntropy { from_logits: true }
        )
    }

    /// Whether the loss compares probabilities with class targets (a cross-entropy).
    pub fn is_cross_entropy(self) -> bool {
        !matches!(
            self,
            Loss::MeanSquaredError | Loss::MeanAbsoluteError | Loss::Huber(_)
        )
    }

    /// Whether the loss takes integer labels rather than a target matrix.
    pub fn takes_labels(self) -> bool {
        matches!(self, Loss::SparseCategoricalCrossEntropy { .. })
    }
}

/// [`Loss`] as a model file writes it: every variant a `"type"` and named fields.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum LossJson {
    MeanSquaredError,
    MeanAbsoluteError,
    Huber { delta: f64 },
    BinaryCrossEntropy { from_logits: bool },
    CategoricalCrossEntropy { from_logits: bool },
    SparseCategoricalCrossEntropy { from_logits: bool },
}

impl From<Loss> for LossJson {
    fn from(loss: Loss) -> Self {
        match loss {
            Loss::MeanSquaredError => LossJson::MeanSquaredError,
            Loss::MeanAbsoluteError => LossJson::MeanAbsoluteError,
            Loss::Huber(delta) => LossJson::Huber { delta },
            Loss::BinaryCrossEntropy { from_logits } => {
                LossJson::BinaryCrossEntropy { from_logits }
            }
            Loss::CategoricalCrossEntropy { from_logits } => {
                LossJson::CategoricalCrossEntropy { from_logits }
            }
            Loss::SparseCategoricalCrossEntropy { from_logits } => {
                LossJson::SparseCategoricalCrossEntropy { from_logits }
            }
        }
    }
}

impl From<LossJson> for Loss {
    fn from(loss: LossJson) -> Self {
        match loss {
            LossJson::MeanSquaredError => Loss::MeanSquaredError,
            LossJson::MeanAbsoluteError => Loss::MeanAbsoluteError,
            LossJson::Huber { delta } => Loss::Huber(delta),
            LossJson::BinaryCrossEntropy { from_logits } => {
                Loss::BinaryCrossEntropy { from_logits }
            }
            LossJson::CategoricalCrossEntropy { from_logits } => {
                Loss::CategoricalCrossEntropy { from_logits }
            }
            LossJson::SparseCategoricalCrossEntropy { from_logits } => {
                Loss::SparseCategoricalCrossEntropy { from_logits }
            }
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, logits) = match self {
            Loss::MeanSquaredError => ("mean squared error", false),
            Loss::MeanAbsoluteError => ("mean absolute error", false),
            Loss::Huber(d) => return write!(f, "Huber loss (delta {d})"),
            Loss::BinaryCrossEntropy { from_logits } => ("binary cross-entropy", *from_logits),
            Loss::CategoricalCrossEntropy { from_logits } => {
                ("categorical cross-entropy", *from_logits)
            }
            Loss::SparseCategoricalCrossEntropy { from_logits } => {
                ("sparse categorical cross-entropy", *from_logits)
            }
        };
        write!(f, "{name}{}", if logits { " (from logits)" } else { "" })
    }
}

/// Per-sample and per-class weights for a loss.
#[derive(Debug, Clone, Copy, Default)]
pub struct LossWeights<'a, T> {
    /// One weight per row of the batch.
    pub samples: Option<&'a [T]>,
    /// One weight per class (binary heads read it as `[negative, positive]`).
    pub classes: Option<&'a [T]>,
}

/// An output layer's width and activation, and the loss trained on it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// Output units.
    pub units: usize,
    /// The output activation.
    #[serde(with = "crate::persist::activation_text")]
    pub activation: Activation,
    /// The loss.
    pub loss: Loss,
}

impl Head {
    /// `outputs` linear units and mean squared error.
    pub fn regression(outputs: usize) -> Self {
        Head {
            units: outputs,
            activation: Activation::Identity,
            loss: Loss::MeanSquaredError,
        }
    }

    /// One sigmoid unit and binary cross-entropy.
    pub fn binary() -> Self {
        Head {
            units: 1,
            activation: Activation::Sigmoid,
            loss: Loss::BCE,
        }
    }

    /// Two softmax units and categorical cross-entropy on one-hot targets: the same model as
    /// [`Head::binary`], written the multi-class way.
    pub fn binary_softmax() -> Self {
        Head {
            units: 2,
            activation: Activation::Softmax,
            loss: Loss::CCE,
        }
    }

    /// `classes` softmax units and cross-entropy: sparse for integer labels, categorical for
    /// one-hot targets.
    pub fn multi_class(classes: usize, integer_labels: bool) -> Self {
        let loss = if integer_labels {
            Loss::SPARSE_CCE
        } else {
            Loss::CCE
        };
        Head {
            units: classes,
            activation: Activation::Softmax,
            loss,
        }
    }

    /// `labels` sigmoid units and binary cross-entropy.
    pub fn multi_label(labels: usize) -> Self {
        Head {
            units: labels,
            activation: Activation::Sigmoid,
            loss: Loss::BCE,
        }
    }

    /// The fused form when the activation and the loss pair up: sigmoid + binary
    /// cross-entropy, softmax + categorical, or a linear output whose loss reads logits.
    fn fused_logits_loss(&self) -> Option<Loss> {
        use Activation::{Identity, Sigmoid, Softmax};
        match (self.activation, self.loss) {
            (Sigmoid, Loss::BinaryCrossEntropy { from_logits: false }) => {
                Some(Loss::BinaryCrossEntropy { from_logits: true })
            }
            (Softmax, Loss::CategoricalCrossEntropy { from_logits: false }) => {
                Some(Loss::CategoricalCrossEntropy { from_logits: true })
            }
            (Softmax, Loss::SparseCategoricalCrossEntropy { from_logits: false }) => {
                Some(Loss::SparseCategoricalCrossEntropy { from_logits: true })
            }
            (Identity, l) if l.from_logits() => Some(l),
            _ => None,
        }
    }

    /// The activation that turns the network's last pre-activation into what predictions
    /// report: the head's own, or sigmoid/softmax for a linear output trained with a
    /// with-logits loss.
    pub fn prediction_activation(&self) -> Activation {
        match (self.activation, self.loss) {
            (Activation::Identity, Loss::BinaryCrossEntropy { from_logits: true }) => {
                Activation::Sigmoid
            }
            (Activation::Identity, Loss::CategoricalCrossEntropy { from_logits: true })
            | (Activation::Identity, Loss::SparseCategoricalCrossEntropy { from_logits: true }) => {
                Activation::Softmax
            }
            (a, _) => a,
        }
    }

    /// Records the loss of the pre-activations `z` (`[batch, units]`) against `targets`.
    ///
    /// # Errors
    /// When the targets or weights do not fit the loss (see [`nabla_ops::loss`]).
    pub fn loss<'t, T: Float>(
        &self,
        z: Var<'t, T>,
        targets: LossTargets<'t, '_, T>,
        weights: LossWeights<'_, T>,
    ) -> Result<Var<'t, T>, LossError> {
        let (input, loss) = match self.fused_logits_loss() {
            Some(l) => (z, l),
            None => (self.activation.apply(z), self.loss),
        };
        record_loss(loss, input, targets, weights)
    }

    /// Records the output the head reports (probabilities for classifiers) from `z`.
    pub fn output<'t, T: Float>(&self, z: Var<'t, T>) -> Var<'t, T> {
        self.prediction_activation().apply(z)
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let act = match self.activation {
            Activation::Identity => "linear".to_string(),
            a => a.to_string(),
        };
        let plural = if self.units == 1 { "" } else { "s" };
        write!(f, "{} {act} unit{plural} + {}", self.units, self.loss)
    }
}

fn record_loss<'t, T: Float>(
    loss: Loss,
    input: Var<'t, T>,
    targets: LossTargets<'t, '_, T>,
    weights: LossWeights<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let dense = |t: LossTargets<'t, '_, T>| -> Var<'t, T> {
        match t {
            LossTargets::Dense(v) => v,
            LossTargets::Labels(labels) => {
                // A 0/1 label per row read as a [batch, 1] matrix (binary heads).
                let col = Tensor::from_fn(&[labels.len(), 1], |i| T::from_usize(labels[i]));
                input.tape().constant(col)
            }
        }
    };
    let regression = RegressionOptions {
        sample_weights: weights.samples,
        ..Default::default()
    };
    let categorical = CategoricalOptions {
        sample_weights: weights.samples,
        class_weights: weights.classes,
        ..Default::default()
    };
    match loss {
        Loss::MeanSquaredError => loss::mean_squared_error(input, dense(targets), regression),
        Loss::MeanAbsoluteError => loss::mean_absolute_error(input, dense(targets), regression),
        Loss::Huber(delta) => loss::huber(input, dense(targets), T::from_f64(delta), regression),
        Loss::BinaryCrossEntropy { from_logits } => {
            let pos_weight;
            let options = BinaryOptions {
                sample_weights: weights.samples,
                pos_weight: match weights.classes {
                    Some([neg, pos]) if *neg > T::ZERO => {
                        pos_weight = [*pos / *neg];
                        Some(&pos_weight[..])
                    }
                    _ => None,
                },
                ..Default::default()
            };
            let y = dense(targets);
            if from_logits {
                loss::binary_cross_entropy_with_logits(input, y, options)
            } else {
                loss::binary_cross_entropy(input, y, options)
            }
        }
        Loss::CategoricalCrossEntropy { from_logits } => {
            let y = match targets {
                LossTargets::Dense(v) => v,
                // One-hot rows of these labels give exactly the sparse form's loss and
                // gradient, and the sparse form checks each label against the class count.
                LossTargets::Labels(_) => {
                    let sparse = Loss::SparseCategoricalCrossEntropy { from_logits };
                    return record_loss(sparse, input, targets, weights);
                }
            };
            if from_logits {
                loss::categorical_cross_entropy_with_logits(input, y, categorical)
            } else {
                loss::categorical_cross_entropy(input, y, categorical)
            }
        }
        Loss::SparseCategoricalCrossEntropy { from_logits } => {
            let LossTargets::Labels(labels) = targets else {
                let y = dense(targets);
                let labels = y.value().argmax(1);
                return record_loss(loss, input, LossTargets::Labels(&labels), weights);
            };
            if from_logits {
                loss::sparse_categorical_cross_entropy_with_logits(input, labels, categorical)
            } else {
                loss::sparse_categorical_cross_entropy(input, labels, categorical)
            }
        }
    }
}
