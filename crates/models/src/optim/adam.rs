//! Adam and AdamW.

use super::{Optimizer, SlotState};
use crate::persist::{NamedTensors, StateMap, StateSource};
use nabla_autodiff::{Float, Tensor};

/// Adam (Kingma & Ba, 2015) as PyTorch defines it, with L2 weight decay added to the gradient:
///
/// ```text
/// g = g + weight_decay * p
/// m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g^2
/// p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
/// ```
///
/// Defaults: beta1 0.9, beta2 0.999, eps 1e-8, no weight decay.
#[derive(Debug, Clone)]
pub struct Adam<T: Float> {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    /// AdamW: decay the weights directly instead of through the gradient.
    decoupled: bool,
    t: i32,
    m: SlotState<T>,
    v: SlotState<T>,
}

/// AdamW (Loshchilov & Hutter, 2019): Adam with the weight decay applied to the weights,
/// `p = p - lr * weight_decay * p`, before the Adam step. Default weight decay 0.01.
pub struct AdamW;

impl AdamW {
    /// AdamW with learning rate `lr` and PyTorch's default weight decay, 0.01.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<T: Float>(lr: f64) -> Adam<T> {
        Adam {
            decoupled: true,
            weight_decay: 0.01,
            ..Adam::new(lr)
        }
    }
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr` and the default betas and epsilon.
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled: false,
            t: 0,
            m: SlotState::default(),
            v: SlotState::default(),
        }
    }

    /// The moment decay rates.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// The term added to the denominator.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Weight decay: an L2 term for Adam, decoupled for AdamW.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    /// `m.{slot}` and `v.{slot}`, and the step count as `step` (a one-element tensor, exact
    /// up to 2^24 steps in `f32`).
    fn state(&self) -> NamedTensors<T> {
        let mut state = self.m.state("m");
        state.extend(self.v.state("v"));
        state.push((
            "step".into(),
            Tensor::from_vec(vec![T::from_f64(self.t as f64)], &[1]),
        ));
        state
    }

    fn load_state(&mut self, state: &mut StateMap<T>) -> Result<(), String> {
        let step: f64 = StateSource::take(state, "step", &[1])?.data()[0].to_f64();
        if !(0.0..=i32::MAX as f64).contains(&step) || step.fract() != 0.0 {
            return Err(format!("the optimiser's step count {step} is not a count"));
        }
        self.t = step as i32;
        self.m.load_state("m", state)?;
        self.v.load_state("v", state)?;
        super::no_other_tensors(state)
    }

    fn begin_step(&mut self) {
        self.t += 1;
    }

    fn update(&mut self, slot: usize, p: &mut Tensor<T>, g: &Tensor<T>) {
        let t = self.t.max(1);
        let (b1, b2) = (T::from_f64(self.beta1), T::from_f64(self.beta2));
        let bias1 = T::from_f64(1.0 - self.beta1.powi(t));
        let bias2_sqrt = T::from_f64((1.0 - self.beta2.powi(t)).sqrt());
        let lr = T::from_f64(self.lr);
        let eps = T::from_f64(self.eps);
        let wd = T::from_f64(self.weight_decay);
        let step_size = lr / bias1;
        let m = self.m.get(slot, p);
        let v = self.v.get(slot, p);
        for (((p, &g), m), v) in p
            .data_mut()
            .iter_mut()
            .zip(g.data())
            .zip(m.data_mut())
            .zip(v.data_mut())
        {
            let g = if self.decoupled {
                *p -= lr * wd * *p;
                g
            } else {
                g + wd * *p
            };
            *m = b1 * *m + (T::ONE - b1) * g;
            *v = b2 * *v + (T::ONE - b2) * g * g;
            *p -= step_size * *m / (v.sqrt() / bias2_sqrt + eps);
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

    fn steps(mut opt: Adam<f64>, grads: &[f64], p0: f64) -> f64 {
        let mut p = Tensor::from_vec(vec![p0], &[1]);
        for &g in grads {
            opt.begin_step();
            opt.update(0, &mut p, &Tensor::from_vec(vec![g], &[1]));
        }
        p.data()[0]
    }

    #[test]
    fn two_adam_steps_by_hand() {
        // Step 1, g = 2: m = 0.2, v = 0.004; mhat = 2, vhat = 4; p = 1 - 0.1 * 2 / (2 + 1e-8).
        let p1 = 1.0 - 0.1 * 2.0 / (2.0 + 1e-8);
        assert!((steps(Adam::new(0.1), &[2.0], 1.0) - p1).abs() < 1e-15);
        // Step 2, g = -1: m = 0.18 - 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996;
        // mhat = 0.08 / 0.19, vhat = 0.004996 / 0.001999.
        let (mhat, vhat) = (0.08 / 0.19, 0.004996 / (1.0 - 0.999_f64.powi(2)));
        let p2 = p1 - 0.1 * mhat / (vhat.sqrt() + 1e-8);
        assert!((steps(Adam::new(0.1), &[2.0, -1.0], 1.0) - p2).abs() < 1e-14);
    }

    #[test]
    fn adam_l2_versus_adamw_decoupled_decay() {
        // Adam with weight decay 0.5 at p = 2, g = 1: g' = 2, one step moves by lr * 1.
        let p = steps(Adam::new(0.1).weight_decay(0.5), &[1.0], 2.0);
        assert!((p - (2.0 - 0.1 * 2.0 / (2.0 + 1e-8))).abs() < 1e-15);
        // AdamW: p = 2 - 0.1 * 0.5 * 2 = 1.9, then the Adam step of g = 1 moves by ~0.1.
        let p = steps(AdamW::new(0.1).weight_decay(0.5), &[1.0], 2.0);
        assert!((p - (1.9 - 0.1 * 1.0 / (1.0 + 1e-8))).abs() < 1e-15);
    }
}
