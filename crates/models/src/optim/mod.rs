//! Optimisers: SGD (momentum, Nesterov, weight decay), Adam, AdamW and RMSprop, with gradient
//! clipping by global norm. Their update rules follow PyTorch's documented algorithms, so a
//! model trained here and there takes the same steps.

mod adam;
mod rmsprop;
mod sgd;

pub use adam::{Adam, AdamW};
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use crate::param::Param;
use crate::persist::{NamedTensors, StateMap};
use nabla_autodiff::{Float, Gradients, Tensor};

/// An update rule. Each parameter is identified by a slot number that stays the same from
/// step to step (its position in the model's parameter order), under which the optimiser
/// keeps its state (momentum, moment estimates).
pub trait Optimizer<T: Float> {
    /// Called once before the parameters of a step are updated.
    fn begin_step(&mut self) {}

    /// Updates one parameter in place from its gradient.
    fn update(&mut self, slot: usize, value: &mut Tensor<T>, grad: &Tensor<T>);

    /// The current learning rate.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (schedulers and plateau callbacks use this).
    fn set_learning_rate(&mut self, lr: f64);

    /// The running state a checkpoint keeps so that training resumes exactly: moment
    /// estimates per parameter slot (`m.3`, `v.3`), velocities, the step count (`step`). None
    /// by default, for stateless optimisers.
    fn state(&self) -> NamedTensors<T> {
        Vec::new()
    }

    /// Puts back the state [`Optimizer::state`] listed.
    ///
    /// # Errors
    /// If `state` holds a tensor this optimiser does not keep; the message names it.
    fn load_state(&mut self, state: &mut StateMap<T>) -> Result<(), String> {
        no_other_tensors(state)
    }
}

/// Applies one optimisation step to `params` from `grads`, clipping the gradients first so
/// their global L2 norm is at most `clip_norm` (when given). Parameters without a gradient are
/// left alone. Returns the global gradient norm before clipping.
pub fn step<'p, T: Float + 'p>(
    optimizer: &mut dyn Optimizer<T>,
    params: impl IntoIterator<Item = &'p mut Param<T>>,
    grads: &Gradients<T>,
    clip_norm: Option<f64>,
) -> f64 {
    let mut params: smallvec::SmallVec<[&mut Param<T>; 16]> = params.into_iter().collect();
    let norm = global_norm(params.iter().filter_map(|p| p.grad(grads)));
    let scale = match clip_norm {
        Some(max) if norm > max => T::from_f64(max / (norm + 1e-6)),
        _ => T::ONE,
    };
    optimizer.begin_step();
    for (slot, p) in params.iter_mut().enumerate() {
        let Some(g) = p.grad(grads) else { continue };
        if scale == T::ONE {
            optimizer.update(slot, p.value_mut(), g);
        } else {
            let clipped = g * scale;
            optimizer.update(slot, p.value_mut(), &clipped);
        }
    }
    norm
}

/// The L2 norm of all gradients taken together, accumulated in f64.
pub fn global_norm<'g, T: Float>(grads: impl IntoIterator<Item = &'g Tensor<T>>) -> f64 {
    grads
        .into_iter()
        .flat_map(|g| g.data().iter())
        .map(|x| x.to_f64() * x.to_f64())
        .sum::<f64>()
        .sqrt()
}

/// Per-slot state, created on first use.
/// Refuses tensors left over after an optimiser took its own.
fn no_other_tensors<T: Float>(state: &StateMap<T>) -> Result<(), String> {
    match state.remaining().first() {
        Some(name) => Err(format!("this optimiser keeps no tensor `{name}`")),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SlotState<T: Float> {
    slots: Vec<Option<Tensor<T>>>,
}

impl<T: Float> SlotState<T> {
    /// The slot's tensor, zeros shaped like `like` the first time.
    pub(crate) fn get(&mut self, slot: usize, like: &Tensor<T>) -> &mut Tensor<T> {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        self.slots[slot].get_or_insert_with(|| Tensor::zeros(like.shape()))
    }

    /// Whether the slot has been created.
    pub(crate) fn exists(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(Option::is_some)
    }

    /// The slots that hold a tensor, named `{prefix}.{slot}`.
    pub(crate) fn state(&self, prefix: &str) -> NamedTensors<T> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((format!("{prefix}.{i}"), t.clone()?)))
            .collect()
    }

    /// Takes the tensors named `{prefix}.{slot}` out of `state` into their slots.
    pub(crate) fn load_state(
        &mut self,
        prefix: &str,
        state: &mut StateMap<T>,
    ) -> Result<(), String> {
        self.slots.clear();
        let mine = format!("{prefix}.");
        for name in state.remaining() {
            let Some(slot) = name.strip_prefix(&mine) else {
                continue;
            };
            let slot: usize = slot
                .parse()
                .map_err(|_| format!("optimiser tensor `{name}` has no slot number"))?;
            if slot >= 1 << 20 {
                return Err(format!("optimiser tensor `{name}` names slot {slot}"));
            }
            if self.slots.len() <= slot {
                self.slots.resize_with(slot + 1, || None);
            }
            self.slots[slot] = state.take_any(&name);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tape;

    #[test]
    fn clipping_scales_to_the_global_norm() {
        // Gradients (3, 4) of p1 and (12) of p2: global norm 13; clip to 6.5 halves them.
        let mut p1 = Param::new("a", Tensor::<f64>::zeros(&[2]));
        let mut p2 = Param::new("b", Tensor::<f64>::zeros(&[1]));
        let mut tape = Tape::new();
        let a = p1.bind(&tape);
        let b = p2.bind(&tape);
        let c = tape.constant(Tensor::from_vec(vec![3.0, 4.0], &[2]));
        let grads = ((a * c).sum() + b * 12.0).sum().backward();
        tape.clear();
        let mut sgd = Sgd::new(1.0);
        let norm = step(&mut sgd, [&mut p1, &mut p2], &grads, Some(6.5));
        assert!((norm - 13.0).abs() < 1e-12);
        let scale = 6.5 / (13.0 + 1e-6);
        assert!((p1.value().data()[0] + 3.0 * scale).abs() < 1e-12);
        assert!((p1.value().data()[1] + 4.0 * scale).abs() < 1e-12);
        assert!((p2.value().data()[0] + 12.0 * scale).abs() < 1e-12);
    }
}
