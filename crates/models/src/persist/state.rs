//! A layer's tensors on their way in and out of a model file: [`StateSource`], which a layer
//! asks for its tensors by name, and [`Scoped`], which a layer holding other layers hands them.

use nabla_autodiff::{Float, Tensor};

/// Tensors under their names, in order: what [`Layer::state`](crate::layer::Layer::state)
/// returns and a model file holds.
pub type NamedTensors<T> = Vec<(String, Tensor<T>)>;

/// Where [`Layer::load_state`](crate::layer::Layer::load_state) takes a layer's tensors from:
/// a model file being loaded, or any store of named tensors.
pub trait StateSource<T: Float> {
    /// The tensor stored under `name` (relative to the layer asking), which must have `shape`.
    ///
    /// # Errors
    /// When there is no such tensor, or it has another shape or element type, or holds a value
    /// that is not finite; the message names the tensor.
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor<T>, String>;
}

/// Named tensors held in memory, taken out by name: a [`StateSource`] for state that never
/// went to a file (the best weights early stopping keeps, an optimiser's part of a
/// checkpoint).
#[derive(Debug, Clone, Default)]
pub struct StateMap<T: Float> {
    tensors: std::collections::BTreeMap<String, Tensor<T>>,
}

impl<T: Float> StateMap<T> {
    /// The tensors of `state`.
    pub fn new(state: NamedTensors<T>) -> Self {
        StateMap {
            tensors: state.into_iter().collect(),
        }
    }

    /// The names not taken yet.
    pub fn remaining(&self) -> Vec<String> {
        self.tensors.keys().cloned().collect()
    }

    /// Takes the tensor `name` whatever its shape, if there is one.
    pub fn take_any(&mut self, name: &str) -> Option<Tensor<T>> {
        self.tensors.remove(name)
    }
}

impl<T: Float> StateSource<T> for StateMap<T> {
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor<T>, String> {
        let tensor = self
            .tensors
            .remove(name)
            .ok_or_else(|| format!("there is no tensor `{name}`"))?;
        if tensor.shape() != shape {
            return Err(format!(
                "tensor `{name}` has shape {:?}, expected {shape:?}",
                tensor.shape()
            ));
        }
        Ok(tensor)
    }
}

/// A [`StateSource`] that puts `prefix.` before every name: what a layer holding other layers
/// hands each of them, so that their tensors are named as PyTorch nests modules
/// (`self_attn.out_proj.weight`).
pub struct Scoped<'s, T: Float> {
    inner: &'s mut dyn StateSource<T>,
    prefix: String,
}

impl<'s, T: Float> Scoped<'s, T> {
    /// Names under `prefix` in `inner`.
    pub fn new(inner: &'s mut dyn StateSource<T>, prefix: impl Into<String>) -> Self {
        Scoped {
            inner,
            prefix: prefix.into(),
        }
    }
}

impl<T: Float> StateSource<T> for Scoped<'_, T> {
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor<T>, String> {
        self.inner.take(&format!("{}.{name}", self.prefix), shape)
    }
}

/// `state` with `prefix.` before every name (the saving side of [`Scoped`]).
pub fn prefixed<T: Float>(prefix: &str, state: Vec<(String, Tensor<T>)>) -> NamedTensors<T> {
    state
        .into_iter()
        .map(|(name, tensor)| (format!("{prefix}.{name}"), tensor))
        .collect()
}

/// Takes a matrix stored in PyTorch's `[out, in]` layout (`nn.Linear.weight`) and returns it
/// as nabla's `[in, out]`, for layers that compute `x W`.
///
/// # Errors
/// The source's.
pub fn take_transposed<T: Float>(
    source: &mut dyn StateSource<T>,
    name: &str,
    nabla_shape: &[usize],
) -> Result<Tensor<T>, String> {
    let torch_shape = [nabla_shape[1], nabla_shape[0]];
    Ok(source.take(name, &torch_shape)?.transpose())
}
