//! Unit activity of a trained network: how many of each hidden layer's units never activate on
//! the training data.

use crate::layer::{ForwardCtx, Sequential};
use nabla_autodiff::{Float, Tape, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Rows per forward pass, to bound memory.
const CHUNK: usize = 4096;

/// How many units of one hidden layer are dead: their output is 0 on every row (for ReLU,
/// the pre-activation is never positive, so no gradient reaches their weights again).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerActivity {
    /// The layer's position in the network.
    pub index: usize,
    /// The layer's description, such as `dense 64 relu`.
    pub name: String,
    /// Output units.
    pub units: usize,
    /// Units whose output was 0 on every row.
    pub dead: usize,
}

impl LayerActivity {
    /// The share of dead units.
    pub fn dead_share(&self) -> f64 {
        self.dead as f64 / self.units.max(1) as f64
    }
}

/// Runs `net` on `x` without recording gradients and counts, for every layer with parameters
/// except the last (the output), the units whose output is 0 on every row.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::diagnose::dead_units;
/// use nabla_models::layer::{Dense, Sequential};
/// use nabla_ops::{Activation, Init};
/// use rand::{SeedableRng, rngs::StdRng};
/// let mut rng = StdRng::seed_from_u64(0);
/// // Weights -1 and biases -1: every unit's pre-activation is negative on positive inputs.
/// let net = Sequential::<f64>::new()
///     .with(Dense::with_init(2, 3, Activation::Relu, Init::Constant(-1.0), &mut rng))
///     .with(Dense::new(3, 1, Activation::Identity, &mut rng));
/// let x = Tensor::from_vec(vec![1.0, 2.0, 0.5, 0.1], &[2, 2]);
/// let layers = dead_units(&net, &x);
/// assert_eq!((layers.len(), layers[0].dead, layers[0].units), (1, 3, 3));
/// ```
pub fn dead_units<T: Float>(net: &Sequential<T>, x: &Tensor<T>) -> Vec<LayerActivity> {
    let layers = net.layers();
    let hidden: Vec<usize> = (0..layers.len())
        .filter(|&i| layers[i].param_count() > 0)
        .collect();
    let hidden = &hidden[..hidden.len().saturating_sub(1)];
    let mut alive: Vec<Vec<bool>> = Vec::new();
    let mut tape = Tape::<T>::new();
    let mut rng = StdRng::seed_from_u64(0);
    let rows = x.shape()[0];
    for start in (0..rows).step_by(CHUNK) {
        tape.clear();
        let _no_grad = tape.no_grad();
        let mut h = tape.constant(x.narrow(0, start, CHUNK.min(rows - start)));
        let mut ctx = ForwardCtx {
            training: false,
            rng: &mut rng,
        };
        for (i, layer) in layers.iter().enumerate() {
            h = layer.forward(h, &mut ctx);
            let Some(slot) = hidden.iter().position(|&j| j == i) else {
                continue;
            };
            let value = h.value();
            let units = value.shape()[1];
            if alive.len() <= slot {
                alive.resize(slot + 1, Vec::new());
            }
            if alive[slot].is_empty() {
                alive[slot] = vec![false; units];
            }
            for row in value.data().chunks_exact(units) {
                for (a, v) in alive[slot].iter_mut().zip(row) {
                    *a |= *v != T::ZERO;
                }
            }
        }
    }
    hidden
        .iter()
        .zip(alive)
        .map(|(&i, a)| LayerActivity {
            index: i,
            name: layers[i].name(),
            units: a.len(),
            dead: a.iter().filter(|&&live| !live).count(),
        })
        .collect()
}
