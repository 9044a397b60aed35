//! A physics-informed neural network: a small tanh network `u(x)` learns the solution of the
//! harmonic oscillator `u'' + u = 0` on `[0, pi]` with `u(0) = 0` and `u'(0) = 1` from the
//! equation alone, without a single sample of the answer (which is `sin x`).
//!
//! What it shows: derivatives of a network with respect to its *input*, taken on the tape with
//! [`Tape::grad`] twice (each gradient is a recorded var), put into the loss, and the whole
//! thing differentiated once more with respect to the weights for Adam. The loss is the mean
//! squared residual `(u'' + u)^2` over collocation points plus the boundary terms
//! `u(0)^2 + (u'(0) - 1)^2`. At the end the network is compared with `sin x` on 200 evenly
//! spaced points.
//!
//! Run with `cargo run --release --example pinn_oscillator`.

use nabla::autodiff::{BackwardError, Tape, Tensor, Var};
use nabla::models::Param;
use nabla::models::optim::{self, Adam, Optimizer};
use nabla::ops::Init;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::f64::consts::PI;
use std::time::Instant;

/// One fully connected layer, `x W + b`, with its parameters.
struct Linear {
    /// The weight matrix, `[inputs, outputs]`.
    weight: Param<f64>,
    /// The bias, `[outputs]`.
    bias: Param<f64>,
}

impl Linear {
    /// A layer from `inputs` to `outputs` with Glorot-uniform weights and zero biases.
    fn new(inputs: usize, outputs: usize, rng: &mut StdRng) -> Self {
        let weight = Init::GlorotUniform.tensor(&[inputs, outputs], inputs, outputs, rng);
        Linear {
            weight: Param::new("weight", weight),
            bias: Param::new("bias", Tensor::zeros(&[outputs])),
        }
    }

    /// Records `x W + b` for a batch `x` of shape `[batch, inputs]`.
    fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
        let tape = x.tape();
        x.matmul(self.weight.bind(tape)) + self.bias.bind(tape)
    }
}

/// The trial solution `u(x)`: a multilayer perceptron with tanh hidden layers and one linear
/// output, taking a column of inputs `[batch, 1]` to a column of outputs `[batch, 1]`.
pub struct Network {
    /// The hidden layers (each followed by tanh), then the linear output layer.
    layers: Vec<Linear>,
}

impl Network {
    /// A network `1 -> hidden[0] -> ... -> 1` with tanh after every hidden layer, its weights
    /// drawn from `rng`.
    pub fn new(hidden: &[usize], rng: &mut StdRng) -> Self {
        let widths: Vec<usize> = std::iter::once(1)
            .chain(hidden.iter().copied())
            .chain(std::iter::once(1))
            .collect();
        let layers = widths
            .windows(2)
            .map(|pair| Linear::new(pair[0], pair[1], rng))
            .collect();
        Network { layers }
    }

    /// Records `u(x)` for a column of inputs `x` in `[0, pi]`. The input is first mapped
    /// linearly onto `[-1, 1]`, where tanh units are most useful; that map is recorded too,
    /// so derivatives with respect to `x` include it.
    pub fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
        let mut h = x * (2.0 / PI) - 1.0;
        let (output, hidden) = self
            .layers
            .split_last()
            .expect("a network has at least its output layer");
        for layer in hidden {
            h = layer.forward(h).tanh();
        }
        output.forward(h)
    }

    /// Every parameter, in a fixed order (the optimiser keeps its state by position).
    fn params_mut(&mut self) -> Vec<&mut Param<f64>> {
        self.layers
            .iter_mut()
            .flat_map(|layer| [&mut layer.weight, &mut layer.bias])
            .collect()
    }

    /// Number of trainable numbers.
    pub fn param_count(&self) -> usize {
        self.layers
            .iter()
            .map(|layer| layer.weight.numel() + layer.bias.numel())
            .sum()
    }
}

/// `u`, `u'` and `u''` at a column of inputs, as recorded vars.
pub struct RecordedDerivatives<'t> {
    /// The network's output `u(x)`, `[batch, 1]`.
    pub u: Var<'t, f64>,
    /// The first derivative `du/dx`, `[batch, 1]`.
    pub du: Var<'t, f64>,
    /// The second derivative `d2u/dx2`, `[batch, 1]`.
    pub d2u: Var<'t, f64>,
}

/// Records `u(x)` and its first two derivatives with respect to the input `x` (a constant
/// column on the tape). Each `u(x_i)` depends only on its own `x_i`, so the gradient of
/// `sum_i u(x_i)` with respect to the column is `u'(x_i)` row by row, and likewise one level up.
///
/// # Errors
/// As [`Tape::grad`] (only if the network contained a custom op without a recorded gradient).
pub fn record_derivatives<'t>(
    network: &Network,
    x: Var<'t, f64>,
) -> Result<RecordedDerivatives<'t>, BackwardError> {
    let tape = x.tape();
    let u = network.forward(x);
    let du = tape.grad(u.sum(), &[x])?[0];
    let d2u = tape.grad(du.sum(), &[x])?[0];
    Ok(RecordedDerivatives { u, du, d2u })
}

/// `u`, `u'` and `u''` at some inputs, as plain numbers.
pub struct Derivatives {
    /// `u(x_i)`.
    pub u: Vec<f64>,
    /// `u'(x_i)`, from the tape.
    pub du: Vec<f64>,
    /// `u''(x_i)`, from the tape.
    pub d2u: Vec<f64>,
}

/// Evaluates `u`, `u'` and `u''` of the network at `points` on a fresh tape.
///
/// # Errors
/// As [`record_derivatives`].
pub fn derivatives_at(network: &Network, points: &[f64]) -> Result<Derivatives, BackwardError> {
    let tape = Tape::<f64>::new();
    let x = tape.constant(Tensor::from_vec(points.to_vec(), &[points.len(), 1]));
    let recorded = record_derivatives(network, x)?;
    Ok(Derivatives {
        u: recorded.u.value().data().to_vec(),
        du: recorded.du.value().data().to_vec(),
        d2u: recorded.d2u.value().data().to_vec(),
    })
}

/// `u(x)` at `points`, forward only.
pub fn predict(network: &Network, points: &[f64]) -> Vec<f64> {
    let tape = Tape::<f64>::new();
    let x = tape.constant(Tensor::from_vec(points.to_vec(), &[points.len(), 1]));
    network.forward(x).value().data().to_vec()
}

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Widths of the tanh hidden layers.
    pub hidden: Vec<usize>,
    /// Seed for the initial weights and the collocation points.
    pub seed: u64,
    /// Number of Adam steps.
    pub steps: usize,
    /// Collocation points per step, one drawn at random from each of this many equal
    /// sub-intervals of `[0, pi]` (fresh every step).
    pub collocation_points: usize,
    /// Adam's learning rate at the first step.
    pub initial_learning_rate: f64,
    /// The learning rate at the last step; in between it decays geometrically.
    pub final_learning_rate: f64,
    /// Weight of the boundary terms `u(0)^2 + (u'(0) - 1)^2` relative to the mean residual.
    pub boundary_weight: f64,
    /// Print the loss every this many steps (`None`: train silently).
    pub report_every: Option<usize>,
}

impl Default for TrainConfig {
    /// The settings the example uses.
    fn default() -> Self {
        TrainConfig {
            hidden: vec![32, 32],
            seed: 7,
            steps: 3000,
            collocation_points: 64,
            initial_learning_rate: 5e-3,
            final_learning_rate: 1e-4,
            boundary_weight: 1.0,
            report_every: Some(500),
        }
    }
}

/// The loss of one step, split into its parts.
#[derive(Debug, Clone, Copy)]
pub struct LossParts {
    /// Mean of `(u'' + u)^2` over the collocation points.
    pub residual: f64,
    /// `u(0)^2 + (u'(0) - 1)^2`.
    pub boundary: f64,
}

/// The inputs of one step: `x = 0` in the first row (where the boundary conditions are
/// imposed; the equation is imposed there too), then one random point in each of
/// `count` equal sub-intervals of `[0, pi]`.
fn collocation_column(count: usize, rng: &mut StdRng) -> Tensor<f64> {
    let width = PI / count as f64;
    let points: Vec<f64> = std::iter::once(0.0)
        .chain((0..count).map(|k| (k as f64 + rng.random::<f64>()) * width))
        .collect();
    Tensor::from_vec(points, &[count + 1, 1])
}

/// Records the physics-informed loss on the inputs `x` (a column whose first row is `x = 0`)
/// and returns it with its parts' values.
///
/// # Errors
/// As [`record_derivatives`].
fn record_loss<'t>(
    network: &Network,
    x: Var<'t, f64>,
    boundary_weight: f64,
) -> Result<(Var<'t, f64>, LossParts), BackwardError> {
    let RecordedDerivatives { u, du, d2u } = record_derivatives(network, x)?;
    let residual = (d2u + u).square().mean();
    let u_at_0 = u.narrow(0, 0, 1).sum();
    let du_at_0 = du.narrow(0, 0, 1).sum();
    let boundary = u_at_0.square() + (du_at_0 - 1.0).square();
    let parts = LossParts {
        residual: residual.item(),
        boundary: boundary.item(),
    };
    Ok((residual + boundary * boundary_weight, parts))
}

/// Trains a network with `config` and returns it with the loss parts of its last step.
///
/// # Errors
/// As [`record_derivatives`].
pub fn train(config: &TrainConfig) -> Result<(Network, LossParts), BackwardError> {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut network = Network::new(&config.hidden, &mut rng);
    let mut adam = Adam::new(config.initial_learning_rate);
    let decay = (config.final_learning_rate / config.initial_learning_rate)
        .powf(1.0 / config.steps.saturating_sub(1).max(1) as f64);
    let mut tape = Tape::<f64>::new();
    let mut last = LossParts {
        residual: f64::NAN,
        boundary: f64::NAN,
    };
    for step in 1..=config.steps {
        let x = tape.constant(collocation_column(config.collocation_points, &mut rng));
        let (loss, parts) = record_loss(&network, x, config.boundary_weight)?;
        let grads = tape.try_backward_with(loss, Default::default())?;
        // Clearing the tape hands the parameters back to the network, so Adam updates them
        // in place; it also empties the tape for the next step.
        tape.clear();
        optim::step(&mut adam, network.params_mut(), &grads, None);
        adam.set_learning_rate(adam.learning_rate() * decay);
        last = parts;
        if let Some(every) = config.report_every {
            if step == 1 || step % every == 0 {
                println!(
                    "step {step:5}  residual {:.3e}  boundary {:.3e}  lr {:.1e}",
                    parts.residual,
                    parts.boundary,
                    adam.learning_rate()
                );
            }
        }
    }
    Ok((network, last))
}

/// `n` evenly spaced points of `[0, pi]`, both ends included.
pub fn evaluation_points(n: usize) -> Vec<f64> {
    Tensor::<f64>::linspace(0.0, PI, n).data().to_vec()
}

/// The largest `|u(x) - sin x|` over `points`.
pub fn max_error_against_sine(network: &Network, points: &[f64]) -> f64 {
    predict(network, points)
        .iter()
        .zip(points)
        .map(|(u, x)| (u - x.sin()).abs())
        .fold(0.0, f64::max)
}

fn main() -> Result<(), BackwardError> {
    let config = TrainConfig::default();
    let started = Instant::now();
    let (network, last) = train(&config)?;
    let elapsed = started.elapsed();
    println!(
        "trained a 1 -> {:?} -> 1 tanh network ({} parameters) for {} steps in {:.1} s; \
         final residual {:.2e}, boundary {:.2e}",
        config.hidden,
        network.param_count(),
        config.steps,
        elapsed.as_secs_f64(),
        last.residual,
        last.boundary
    );
    let points = evaluation_points(200);
    let max_error = max_error_against_sine(&network, &points);
    let middle = predict(&network, &[PI / 2.0])[0];
    println!("u(pi/2) = {middle:.6}  (exact: 1)");
    println!("max |u(x) - sin x| on 200 points of [0, pi]: {max_error:.2e}");
    Ok(())
}
