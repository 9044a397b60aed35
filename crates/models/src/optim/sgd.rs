//! Stochastic gradient descent with momentum, Nesterov momentum and weight decay.

use super::{Optimizer, SlotState};
use crate::persist::{NamedTensors, StateMap};
use nabla_autodiff::{Float, Tensor};

/// SGD as PyTorch defines it. With gradient g, parameter p and learning rate lr:
///
/// ```text
/// g = g + weight_decay * p
/// b = momentum * b + (1 - dampening) * g      (b = g on the first step)
/// g = g + momentum * b   if nesterov, else  g = b   (when momentum > 0)
/// p = p - lr * g
/// ```
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::optim::{Optimizer, Sgd};
/// let mut sgd = Sgd::new(0.1).momentum(0.9);
/// let mut p = Tensor::from_vec(vec![1.0_f64], &[1]);
/// let g = Tensor::from_vec(vec![2.0], &[1]);
/// sgd.update(0, &mut p, &g); // b = 2, p = 1 - 0.2
/// sgd.update(0, &mut p, &g); // b = 0.9 * 2 + 2 = 3.8, p = 0.8 - 0.38
/// assert!((p.data()[0] - 0.42).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<T: Float> {
    lr: f64,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
    velocity: SlotState<T>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with the given learning rate.
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            velocity: SlotState::default(),
        }
    }

    /// Momentum factor (0 disables it).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Dampening of the momentum's gradient term.
    pub fn dampening(mut self, dampening: f64) -> Self {
        self.dampening = dampening;
        self
    }

    /// Nesterov momentum (needs momentum > 0 and no dampening).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// L2 penalty added to the gradient.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    /// The momentum buffers, `velocity.{slot}`.
    fn state(&self) -> NamedTensors<T> {
        self.velocity.state("velocity")
    }

    fn load_state(&mut self, state: &mut StateMap<T>) -> Result<(), String> {
        self.velocity.load_state("velocity", state)?;
        super::no_other_tensors(state)
    }

    fn update(&mut self, slot: usize, p: &mut Tensor<T>, g: &Tensor<T>) {
        let lr = T::from_f64(self.lr);
        let wd = T::from_f64(self.weight_decay);
        if self.momentum == 0.0 {
            for (p, &g) in p.data_mut().iter_mut().zip(g.data()) {
                *p -= lr * (g + wd * *p);
            }
            return;
        }
        let mu = T::from_f64(self.momentum);
        let keep = T::from_f64(1.0 - self.dampening);
        let first = !self.velocity.exists(slot);
        let b = self.velocity.get(slot, p);
        for ((p, &g), b) in p.data_mut().iter_mut().zip(g.data()).zip(b.data_mut()) {
            let g = g + wd * *p;
            *b = if first { g } else { mu * *b + keep * g };
            let step = if self.nesterov { g + mu * *b } else { *b };
            *p -= lr * step;
        }
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut sgd: Sgd<f64>, steps: usize) -> f64 {
        let mut p = Tensor::from_vec(vec![1.0], &[1]);
        for _ in 0..steps {
            // Gradient of p^2 / 2 is p.
            let g = p.clone();
            sgd.update(0, &mut p, &g);
        }
        p.data()[0]
    }

    #[test]
    fn plain_and_weight_decay_steps() {
        // p = 1, g = p: p1 = 1 - 0.1 = 0.9, p2 = 0.81.
        assert!((run(Sgd::new(0.1), 2) - 0.81).abs() < 1e-15);
        // With weight decay 0.5: g = p + 0.5 p = 1.5 p; p1 = 0.85, p2 = 0.7225.
        assert!((run(Sgd::new(0.1).weight_decay(0.5), 2) - 0.7225).abs() < 1e-15);
    }

    #[test]
    fn momentum_and_nesterov_steps_by_hand() {
        // Momentum 0.9, lr 0.1, g = p.
        // step 1: b = 1, p = 0.9. step 2: g = 0.9, b = 0.9 + 0.9 = 1.8, p = 0.9 - 0.18 = 0.72.
        assert!((run(Sgd::new(0.1).momentum(0.9), 2) - 0.72).abs() < 1e-15);
        // Nesterov: step 1: b = 1, step = 1 + 0.9 = 1.9, p = 0.81.
        // step 2: g = 0.81, b = 0.9 + 0.81 = 1.71, step = 0.81 + 1.539 = 2.349, p = 0.5751.
        assert!((run(Sgd::new(0.1).momentum(0.9).nesterov(true), 2) - 0.5751).abs() < 1e-14);
        // Dampening 0.5: step 2: b = 0.9 * 1 + 0.5 * 0.9 = 1.35, p = 0.9 - 0.135 = 0.765.
        assert!((run(Sgd::new(0.1).momentum(0.9).dampening(0.5), 2) - 0.765).abs() < 1e-15);
    }
}
