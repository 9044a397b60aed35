//! [`Dense`]: a fully connected layer, `activation(x W + b)`.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, StateSource, take_transposed};
use nabla_autodiff::{Float, Var};
use nabla_ops::{Activation, Init, dense_activation};
use rand::Rng;

/// A fully connected layer: `y = activation(x W + b)` with `W` of shape `[inputs, units]`.
///
/// Weights start as suits the activation: He (Kaiming) uniform for the ReLU family, Glorot
/// (Xavier) uniform otherwise; biases start at zero. [`Dense::with_init`] picks another
/// scheme, such as [`Init::TorchDefault`] to match a PyTorch `nn.Linear`.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{Dense, ForwardCtx, Layer};
/// use nabla_ops::Activation;
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let layer = Dense::<f32>::new(3, 2, Activation::Relu, &mut rng);
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::ones(&[4, 3]));
/// let y = layer.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[4, 2]);
/// assert_eq!(layer.param_count(), 3 * 2 + 2);
/// ```
#[derive(Debug, Clone)]
pub struct Dense<T: Float> {
    weight: Param<T>,
    bias: Param<T>,
    activation: Activation,
}

impl<T: Float> Dense<T> {
    /// A layer from `inputs` features to `units` outputs, initialised to suit `activation`.
    pub fn new<R: Rng + ?Sized>(
        inputs: usize,
        units: usize,
        activation: Activation,
        rng: &mut R,
    ) -> Self {
        Self::with_init(
            inputs,
            units,
            activation,
            Self::default_init(activation),
            rng,
        )
    }

    /// A layer whose weights are drawn from `init` (biases too for [`Init::TorchDefault`],
    /// which is how PyTorch initialises them; zero otherwise).
    pub fn with_init<R: Rng + ?Sized>(
        inputs: usize,
        units: usize,
        activation: Activation,
        init: Init,
        rng: &mut R,
    ) -> Self {
        let weight = init.tensor(&[inputs, units], inputs, units, rng);
        let bias = match init {
            Init::TorchDefault => init.tensor(&[units], inputs, units, rng),
            _ => Init::Zeros.tensor(&[units], inputs, units, rng),
        };
        Dense {
            weight: Param::new("weight", weight),
            bias: Param::new("bias", bias),
            activation,
        }
    }

    /// He for the ReLU family, Glorot for everything else.
    pub fn default_init(activation: Activation) -> Init {
        match activation {
            Activation::Relu | Activation::LeakyRelu(_) | Activation::Elu(_) => Init::HeUniform,
            _ => Init::GlorotUniform,
        }
    }

    /// Number of input features.
    pub fn inputs(&self) -> usize {
        self.weight.value().shape()[0]
    }

    /// Number of output units.
    pub fn units(&self) -> usize {
        self.weight.value().shape()[1]
    }

    /// The activation applied to `x W + b`.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The weight matrix, `[inputs, units]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias vector, `[units]`.
    pub fn bias(&self) -> &Param<T> {
        &self.bias
    }
}

impl<T: Float> Layer<T> for Dense<T> {
    fn name(&self) -> String {
        match self.activation {
            Activation::Identity => format!("dense {}", self.units()),
            a => format!("dense {} {a}", self.units()),
        }
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let tape = x.tape();
        // One fused node where it pays (dense + bias + ReLU), the dense node and the
        // activation otherwise.
        dense_activation(
            x,
            self.weight.bind(tape),
            Some(self.bias.bind(tape)),
            self.activation,
        )
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.weight, &self.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight, &mut self.bias]
    }

    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::Dense {
            inputs: self.inputs(),
            units: self.units(),
            activation: self.activation,
        })
    }

    /// `weight` in `nn.Linear`'s `[units, inputs]` layout (the transpose of nabla's), `bias`.
    fn state(&self) -> NamedTensors<T> {
        vec![
            ("weight".into(), self.weight.value().transpose()),
            ("bias".into(), self.bias.value().clone()),
        ]
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        let weight = take_transposed(source, "weight", &[self.inputs(), self.units()])?;
        let bias = source.take("bias", &[self.units()])?;
        self.weight.set_value(weight);
        self.bias.set_value(bias);
        Ok(())
    }
}
