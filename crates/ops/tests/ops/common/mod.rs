//! Helpers shared by the integration tests: seeded random tensors and shapes.
#![allow(dead_code)]

use nabla_autodiff::Tensor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A generator seeded per test, so every run draws the same numbers.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Uniform values in `[lo, hi)`.
pub fn uniform(rng: &mut StdRng, shape: &[usize], lo: f64, hi: f64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, lo, hi, rng)
}

/// Uniform values in `[-3, 3)` kept at least 0.1 away from 0, so that finite differences never
/// straddle a kink at 0.
pub fn away_from_zero(rng: &mut StdRng, shape: &[usize]) -> Tensor<f64> {
    uniform(rng, shape, -3.0, 3.0).map(|x| {
        if x.abs() < 0.1 {
            x.signum() * 0.1 + x
        } else {
            x
        }
    })
}

/// A random `[batch, width]` shape with both extents in `1..=max`.
pub fn matrix_shape(rng: &mut StdRng, max: usize) -> [usize; 2] {
    [rng.random_range(1..=max), rng.random_range(1..=max)]
}

/// Random integer labels below `classes`.
pub fn labels(rng: &mut StdRng, n: usize, classes: usize) -> Vec<usize> {
    (0..n).map(|_| rng.random_range(0..classes)).collect()
}

/// The one-hot rows of `labels`.
pub fn one_hot(labels: &[usize], classes: usize) -> Tensor<f64> {
    Tensor::from_fn(&[labels.len(), classes], |i| {
        if labels[i / classes] == i % classes {
            1.0
        } else {
            0.0
        }
    })
}

/// Positive weights in `[0.2, 2)`.
pub fn weights(rng: &mut StdRng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(0.2..2.0)).collect()
}
