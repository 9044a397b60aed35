//! Layers: the [`Layer`] trait users implement for their own, the built-in layers and the
//! [`Sequential`] container.
//!
//! - Fully connected: [`Dense`], with [`Dropout`], [`LayerNorm`], [`BatchNorm1d`].
//! - Images `[N, C, H, W]`: [`Conv2d`], [`MaxPool2d`], [`AvgPool2d`], [`BatchNorm2d`], and
//!   [`Reshape`] / [`Flatten`] to go from feature rows to images and back.
//! - Sequences `[N, t, dim]`: [`Embedding`] (token ids to vectors), [`PositionEmbedding`],
//!   [`MultiHeadSelfAttention`], [`TransformerBlock`] and [`LastPosition`].

mod attention;
mod batch_norm;
mod conv2d;
mod dense;
mod dropout;
mod embedding;
mod flatten;
mod last_position;
mod layer_norm;
mod pool;
mod position_embedding;
mod reshape;
mod sequential;
mod transformer;

pub use attention::MultiHeadSelfAttention;
pub use batch_norm::{BatchNorm1d, BatchNorm2d};
pub use conv2d::Conv2d;
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use last_position::LastPosition;
pub use layer_norm::{LayerNorm, layer_norm};
pub use pool::{AvgPool2d, MaxPool2d, Pool2d};
pub use position_embedding::PositionEmbedding;
pub use reshape::Reshape;
pub use sequential::{Sequential, Summary, SummaryRow};
pub use transformer::TransformerBlock;

use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, StateSource};
use nabla_autodiff::{Float, Var};
use rand::RngCore;
use std::any::Any;

/// What a forward pass needs besides its input: whether it is training (dropout is active then)
/// and a seeded generator for any randomness.
pub struct ForwardCtx<'r> {
    /// True while fitting, false for evaluation and prediction.
    pub training: bool,
    /// The generator for dropout masks and other randomness, seeded by the caller (any
    /// generator: a `StdRng`, or the training loop's, whose position a checkpoint records).
    pub rng: &'r mut dyn RngCore,
}

/// A building block of a network: records its computation on a tape and exposes its
/// parameters.
///
/// Implement it for your own layers; they then work in [`Sequential`], in summaries and with
/// every optimiser. See `examples/custom_layer.rs`. A layer inside a [`Sequential`] can be
/// found again by its type with [`Sequential::find`].
pub trait Layer<T: Float>: Any {
    /// A short description for summaries and graph dumps, such as `dense 64 relu`.
    fn name(&self) -> String;

    /// Records the layer's computation on `x`'s tape and returns its output.
    fn forward<'t>(&self, x: Var<'t, T>, ctx: &mut ForwardCtx<'_>) -> Var<'t, T>;

    /// The parameters, always in the same order. None by default: a layer with parameters
    /// lists them here (and in [`Layer::params_mut`]), or optimisers never see them.
    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    /// The parameters, writable, in the same order as [`Layer::params`].
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    /// Number of trainable scalars.
    fn param_count(&self) -> usize {
        self.params().iter().map(|p| p.numel()).sum()
    }

    /// The layer's kind and settings, from which a model file rebuilds it (see
    /// [`crate::persist`]). `None` by default: a network holding a layer without a spec cannot
    /// be saved, and saving it is an error that names the layer.
    fn spec(&self) -> Option<LayerSpec> {
        None
    }

    /// The tensors a model file holds for this layer, named relative to it as PyTorch's
    /// equivalent module names them in its `state_dict`, and in that module's layout. By
    /// default the parameters, under their names.
    fn state(&self) -> NamedTensors<T> {
        self.params()
            .into_iter()
            .map(|p| (p.name().to_string(), p.value().clone()))
            .collect()
    }

    /// Installs the tensors [`Layer::state`] lists, taking each from `source` by its name and
    /// the shape it must have there. By default the parameters, under their names.
    ///
    /// # Errors
    /// The source's, when a tensor is missing or has another shape.
    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        for param in self.params_mut() {
            let shape = param.value().shape().to_vec();
            let value = source.take(param.name(), &shape)?;
            param.set_value(value);
        }
        Ok(())
    }
}
