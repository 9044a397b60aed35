//! RMSprop.

use super::{Optimizer, SlotState};
use crate::persist::{NamedTensors, StateMap};
use nabla_autodiff::{Float, Tensor};

/// RMSprop (Hinton's lecture 6e) as PyTorch defines it:
///
/// ```text
/// v = alpha v + (1 - alpha) g^2
/// b = momentum b + g / (sqrt(v) + eps)      (b = g / (sqrt(v) + eps) without momentum)
/// p = p - lr * b
/// ```
///
/// Defaults: alpha 0.99, eps 1e-8, no momentum.
#[derive(Debug, Clone)]
pub struct RmsProp<T: Float> {
    lr: f64,
    alpha: f64,
    eps: f64,
    momentum: f64,
    v: SlotState<T>,
    b: SlotState<T>,
}

impl<T: Float> RmsProp<T> {
    /// RMSprop with learning rate `lr` and the default smoothing constant and epsilon.
    pub fn new(lr: f64) -> Self {
        RmsProp {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.0,
            v: SlotState::default(),
            b: SlotState::default(),
        }
    }

    /// The smoothing constant of the squared-gradient average.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The term added to the denominator.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Momentum factor (0 disables it).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    /// The running squares `square_avg.{slot}` and momentum buffers `momentum.{slot}`.
    fn state(&self) -> NamedTensors<T> {
        let mut state = self.v.state("square_avg");
        state.extend(self.b.state("momentum"));
        state
    }

    fn load_state(&mut self, state: &mut StateMap<T>) -> Result<(), String> {
        self.v.load_state("square_avg", state)?;
        self.b.load_state("momentum", state)?;
        super::no_other_tensors(state)
    }

    fn update(&mut self, slot: usize, p: &mut Tensor<T>, g: &Tensor<T>) {
        let (alpha, eps, lr, mu) = (
            T::from_f64(self.alpha),
            T::from_f64(self.eps),
            T::from_f64(self.lr),
            T::from_f64(self.momentum),
        );
        let v = self.v.get(slot, p);
        let b = if self.momentum > 0.0 {
            Some(self.b.get(slot, p))
        } else {
            None
        };
        let mut b = b.map(|b| b.data_mut().iter_mut());
        for ((p, &g), v) in p.data_mut().iter_mut().zip(g.data()).zip(v.data_mut()) {
            *v = alpha * *v + (T::ONE - alpha) * g * g;
            let scaled = g / (v.sqrt() + eps);
            let step = match b.as_mut().and_then(Iterator::next) {
                Some(b) => {
                    *b = mu * *b + scaled;
                    *b
                }
                None => scaled,
            };
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

    #[test]
    fn two_steps_by_hand() {
        let mut opt = RmsProp::new(0.01).momentum(0.5);
        let mut p = Tensor::from_vec(vec![1.0_f64], &[1]);
        // Step 1, g = 2: v = 0.04, scaled = 2 / (0.2 + 1e-8), b = scaled, p = 1 - 0.01 b.
        opt.update(0, &mut p, &Tensor::from_vec(vec![2.0], &[1]));
        let b1 = 2.0 / (0.2 + 1e-8);
        assert!((p.data()[0] - (1.0 - 0.01 * b1)).abs() < 1e-15);
        // Step 2, g = 1: v = 0.0396 + 0.01 = 0.0496, b = 0.5 b1 + 1 / (sqrt(0.0496) + 1e-8).
        opt.update(0, &mut p, &Tensor::from_vec(vec![1.0], &[1]));
        let b2 = 0.5 * b1 + 1.0 / (0.0496_f64.sqrt() + 1e-8);
        assert!((p.data()[0] - (1.0 - 0.01 * b1 - 0.01 * b2)).abs() < 1e-13);
    }
}
