//! Settings shared by [`Classifier`](super::Classifier) and [`Regressor`](super::Regressor).

use crate::optim::{Adam, AdamW, Optimizer, RmsProp, Sgd};
use crate::train::FitOptions;
use nabla_autodiff::Float;
use nabla_ops::{Activation, Init};

/// Which optimiser to train with, and its settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptimizerKind {
    /// SGD with optional momentum and Nesterov momentum.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum factor.
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
        /// L2 weight decay.
        weight_decay: f64,
    },
    /// Adam.
    Adam {
        /// Learning rate.
        lr: f64,
        /// L2 weight decay.
        weight_decay: f64,
    },
    /// AdamW (decoupled weight decay).
    AdamW {
        /// Learning rate.
        lr: f64,
        /// Decoupled weight decay.
        weight_decay: f64,
    },
    /// RMSprop.
    RmsProp {
        /// Learning rate.
        lr: f64,
    },
}

impl OptimizerKind {
    /// Adam with learning rate `lr`.
    pub fn adam(lr: f64) -> Self {
        OptimizerKind::Adam {
            lr,
            weight_decay: 0.0,
        }
    }

    /// Plain SGD with learning rate `lr`.
    pub fn sgd(lr: f64) -> Self {
        OptimizerKind::Sgd {
            lr,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f64 {
        match *self {
            OptimizerKind::Sgd { lr, .. }
            | OptimizerKind::Adam { lr, .. }
            | OptimizerKind::AdamW { lr, .. }
            | OptimizerKind::RmsProp { lr } => lr,
        }
    }

    pub(crate) fn build<T: Float>(&self) -> Box<dyn Optimizer<T>> {
        match *self {
            OptimizerKind::Sgd {
                lr,
                momentum,
                nesterov,
                weight_decay,
            } => Box::new(
                Sgd::new(lr)
                    .momentum(momentum)
                    .nesterov(nesterov)
                    .weight_decay(weight_decay),
            ),
            OptimizerKind::Adam { lr, weight_decay } => {
                Box::new(Adam::new(lr).weight_decay(weight_decay))
            }
            OptimizerKind::AdamW { lr, weight_decay } => {
                Box::new(AdamW::new(lr).weight_decay(weight_decay))
            }
            OptimizerKind::RmsProp { lr } => Box::new(RmsProp::new(lr)),
        }
    }
}

/// How much of the training data to hold out for validation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Validation {
    /// No validation.
    #[default]
    None,
    /// Hold out this fraction of the rows (stratified for classifiers), chosen with the fit seed.
    Split(f64),
}

/// The network between the inputs and the head, and how to train it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// Units of each hidden layer, in order. Default: one layer of 64.
    pub hidden: Vec<usize>,
    /// The hidden layers' activation. Default: ReLU.
    pub activation: Activation,
    /// Weight initialisation; `None` lets each [`Dense`](crate::layer::Dense) layer pick (He
    /// for the ReLU family, Glorot otherwise). Default: [`Init::TorchDefault`], uniform in
    /// `±1/sqrt(fan_in)` for weights and biases as PyTorch's `nn.Linear` starts. On the bundled
    /// data sets under the reference protocol it generalises better than He initialisation
    /// (iris 0.947 against 0.927, wine 0.983 against 0.967 mean test accuracy over five
    /// splits): smaller starting weights suit small tabular data.
    pub init: Option<Init>,
    /// Standardise each feature column (mean 0, standard deviation 1 over the training rows)
    /// before the network; the statistics are kept with the model and applied to every row it
    /// predicts, and saved with it. Default: true, so that features in any units train well
    /// with the default learning rate (set it to false for features already on a unit scale,
    /// such as pixels in [0, 1], or to train on the values exactly as given). Token ids read
    /// by a body that starts with an [`Embedding`](crate::layer::Embedding) are never
    /// standardised.
    pub standardize: bool,
    /// The optimiser. Default: Adam, learning rate 1e-3.
    pub optimizer: OptimizerKind,
    /// Epochs, batch size, seed, clipping. Default: 200 epochs of 32 rows, seed 0.
    pub fit: FitOptions,
    /// Held-out validation data.
    pub validation: Validation,
    /// Train even when the before-training diagnostics find an error (see
    /// [`crate::diagnose`]); for experiments with a deliberately wrong configuration.
    /// Default: false, so `fit` refuses with [`FitError::Diagnosed`](super::FitError).
    pub ignore_diagnostics: bool,
}

impl NetworkConfig {
    /// Refuses settings no training can use, before any work: a hidden layer of 0 units, 0
    /// epochs or rows per step, a learning rate that is not finite and positive, a clipping
    /// norm or validation share out of range.
    ///
    /// # Errors
    /// A [`FitError::Invalid`](super::FitError) naming the setting (`NetworkConfig::hidden`,
    /// `FitOptions::epochs`, ...), its value and what it must be.
    pub fn check(&self, method: &'static str) -> Result<(), super::FitError> {
        let refuse = |message: String| Err(super::FitError::invalid(method, message));
        if self.hidden.contains(&0) {
            return refuse(format!(
                "NetworkConfig::hidden is {:?}; every hidden layer needs at least one unit \
                 (remove the 0)",
                self.hidden
            ));
        }
        if self.fit.epochs == 0 {
            return refuse("FitOptions::epochs is 0; train for at least one epoch".into());
        }
        if self.fit.batch_size == 0 {
            return refuse(
                "FitOptions::batch_size is 0; a step needs at least one row (32 is usual)".into(),
            );
        }
        let lr = self.optimizer.learning_rate();
        if !(lr.is_finite() && lr > 0.0) {
            return refuse(format!(
                "the learning rate of NetworkConfig::optimizer is {lr}; it must be finite and \
                 greater than 0 (1e-3 is usual for Adam)"
            ));
        }
        if let Some(norm) = self.fit.clip_norm
            && !(norm.is_finite() && norm > 0.0)
        {
            return refuse(format!(
                "FitOptions::clip_norm is {norm}; clip to a finite norm greater than 0, or None"
            ));
        }
        if let Validation::Split(share) = self.validation
            && !(share > 0.0 && share < 1.0)
        {
            return refuse(format!(
                "NetworkConfig::validation holds out {share} of the rows; give a share strictly \
                 between 0 and 1, or Validation::None"
            ));
        }
        Ok(())
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            hidden: vec![64],
            activation: Activation::Relu,
            init: Some(Init::TorchDefault),
            standardize: true,
            optimizer: OptimizerKind::adam(1e-3),
            fit: FitOptions {
                epochs: 200,
                ..FitOptions::default()
            },
            validation: Validation::None,
            ignore_diagnostics: false,
        }
    }
}
