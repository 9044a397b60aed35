//! [`Sequential`]: layers applied one after another, and its [`Summary`].

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, Scoped, StateSource, prefixed};
use nabla_autodiff::{Float, Tape, Tensor, Var};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::fmt;

/// Layers applied in order. Each layer's nodes are grouped under a scope named after it, so a
/// graph dump of a deep network stays readable.
pub struct Sequential<T: Float> {
    layers: Vec<Box<dyn Layer<T>>>,
    /// Each layer's scope on the tape, `"{index}: {name}"`, made once when it is added (a
    /// forward pass then allocates no names).
    scopes: Vec<String>,
}

impl<T: Float> Default for Sequential<T> {
    fn default() -> Self {
        Sequential {
            layers: Vec::new(),
            scopes: Vec::new(),
        }
    }
}

impl<T: Float> Sequential<T> {
    /// An empty container.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a layer (builder style).
    pub fn with(mut self, layer: impl Layer<T> + 'static) -> Self {
        self.push(layer);
        self
    }

    /// Appends a layer.
    pub fn push(&mut self, layer: impl Layer<T> + 'static) {
        self.push_boxed(Box::new(layer));
    }

    /// Appends a boxed layer.
    pub fn push_boxed(&mut self, layer: Box<dyn Layer<T>>) {
        self.scopes
            .push(format!("{}: {}", self.layers.len(), layer.name()));
        self.layers.push(layer);
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Layer<T>>] {
        &self.layers
    }

    /// The first layer of type `L`, looked up by type (to inspect a fitted model's layer,
    /// such as the attention weights of a [`TransformerBlock`](super::TransformerBlock));
    /// `None` if there is none. Nested `Sequential`s are searched too.
    ///
    /// ```
    /// use nabla_models::layer::{Dense, Flatten, Sequential};
    /// use nabla_ops::Activation;
    /// use rand::{SeedableRng, rngs::StdRng};
    ///
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let net = Sequential::<f32>::new()
    ///     .with(Flatten)
    ///     .with(Dense::new(4, 3, Activation::Relu, &mut rng));
    /// assert_eq!(net.find::<Dense<f32>>().map(|d| d.units()), Some(3));
    /// ```
    pub fn find<L: Layer<T>>(&self) -> Option<&L> {
        self.layers.iter().find_map(|layer| {
            let any: &dyn std::any::Any = &**layer;
            any.downcast_ref::<L>()
                .or_else(|| any.downcast_ref::<Sequential<T>>()?.find::<L>())
        })
    }

    /// Each layer's output for the input `x`, in order, computed in evaluation mode without
    /// recording: to look inside a fitted network (the input a layer deep inside receives,
    /// what a hidden layer makes of a sample).
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// use nabla_models::layer::{Dense, Flatten, Sequential};
    /// use nabla_ops::Activation;
    /// use rand::{SeedableRng, rngs::StdRng};
    ///
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let net = Sequential::<f64>::new()
    ///     .with(Flatten)
    ///     .with(Dense::new(4, 3, Activation::Relu, &mut rng));
    /// let outputs = net.activations(&Tensor::ones(&[2, 2, 2]));
    /// assert_eq!(outputs[0].shape(), &[2, 4]);
    /// assert_eq!(outputs[1].shape(), &[2, 3]);
    /// ```
    ///
    /// # Panics
    /// If a layer refuses the shape it is given.
    pub fn activations(&self, x: &Tensor<T>) -> Vec<Tensor<T>> {
        let tape = Tape::<T>::new();
        let _no_grad = tape.no_grad();
        let mut rng = StdRng::seed_from_u64(0);
        let mut ctx = ForwardCtx {
            training: false,
            rng: &mut rng,
        };
        let mut h = tape.constant(x.clone());
        self.layers
            .iter()
            .map(|layer| {
                h = layer.forward(h, &mut ctx);
                h.value()
            })
            .collect()
    }

    /// Each layer's index in the equivalent `torch.nn.Sequential`, where an activation is a
    /// module of its own.
    fn torch_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.layers.iter().scan(0, |next, layer| {
            let index = *next;
            *next += layer.spec().map_or(1, |s| s.torch_modules());
            Some(index)
        })
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Each layer's output shape and parameter count for inputs of `input_features` features
    /// (rows `[batch, input_features]`): [`Sequential::summary_for`]`(&[input_features])`.
    pub fn summary(&self, input_features: usize) -> Summary {
        self.summary_for(&[input_features])
    }

    /// Each layer's output shape and parameter count for samples of `sample_shape` (the input
    /// shape without the batch axis: `&[1, 8, 8]` for one-channel 8x8 images, `&[8]` for
    /// contexts of 8 token ids), found by running the network once on one all-zero sample
    /// without recording, in evaluation mode.
    ///
    /// ```
    /// use nabla_models::layer::{Conv2d, Flatten, MaxPool2d, Sequential};
    /// use rand::{SeedableRng, rngs::StdRng};
    ///
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let net = Sequential::<f32>::new()
    ///     .with(Conv2d::new(1, 4, [3, 3], &mut rng).padding([1, 1]))
    ///     .with(MaxPool2d::new([2, 2]))
    ///     .with(Flatten);
    /// let summary = net.summary_for(&[1, 8, 8]);
    /// assert_eq!(summary.rows[2].output_shape, "[batch, 64]");
    /// assert!(summary.to_string().starts_with("input: [batch, 1, 8, 8]"));
    /// ```
    ///
    /// # Panics
    /// If a layer refuses the shape it is given (a layer's message names it and the shape).
    pub fn summary_for(&self, sample_shape: &[usize]) -> Summary {
        let input: Vec<usize> = [1].iter().chain(sample_shape).copied().collect();
        let outputs = self.activations(&Tensor::zeros(&input));
        let rows = self
            .layers
            .iter()
            .zip(&outputs)
            .map(|(layer, out)| {
                let shape = out.shape();
                SummaryRow {
                    layer: layer.name(),
                    output_shape: match shape.split_first() {
                        Some((_, sample)) => batch_shape(sample),
                        None => "[]".into(),
                    },
                    sample_shape: shape.get(1..).unwrap_or_default().to_vec(),
                    params: layer.param_count(),
                }
            })
            .collect();
        Summary {
            input_shape: sample_shape.to_vec(),
            rows,
        }
    }
}

/// `[batch, d_1, ..., d_k]` for a sample shape `[d_1, ..., d_k]`.
fn batch_shape(sample: &[usize]) -> String {
    let dims = std::iter::once("batch".to_string()).chain(sample.iter().map(usize::to_string));
    format!("[{}]", dims.collect::<Vec<_>>().join(", "))
}

impl<T: Float> Layer<T> for Sequential<T> {
    fn name(&self) -> String {
        format!("sequential of {}", self.layers.len())
    }

    fn forward<'t>(&self, x: Var<'t, T>, ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let tape = x.tape();
        let mut h = x;
        for (layer, scope) in self.layers.iter().zip(&self.scopes) {
            let _scope = tape.scope(scope);
            h = layer.forward(h, ctx);
        }
        h
    }

    fn params(&self) -> Vec<&Param<T>> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        self.layers
            .iter_mut()
            .flat_map(|l| l.params_mut())
            .collect()
    }

    fn spec(&self) -> Option<LayerSpec> {
        let layers = self
            .layers
            .iter()
            .map(|l| l.spec())
            .collect::<Option<_>>()?;
        Some(LayerSpec::Sequential { layers })
    }

    /// Each layer's tensors under its index in the equivalent `torch.nn.Sequential`
    /// ([`LayerSpec::torch_modules`]): `0.weight`, `0.bias`, `2.weight`, ...
    fn state(&self) -> NamedTensors<T> {
        self.torch_indices()
            .zip(&self.layers)
            .flat_map(|(i, layer)| prefixed(&i.to_string(), layer.state()))
            .collect()
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        let indices: Vec<usize> = self.torch_indices().collect();
        for (i, layer) in indices.into_iter().zip(&mut self.layers) {
            layer.load_state(&mut Scoped::new(source, i.to_string()))?;
        }
        Ok(())
    }
}

/// One line of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer's description.
    pub layer: String,
    /// Its output shape, batch axis first.
    pub output_shape: String,
    /// Its output shape for one sample (without the batch axis).
    pub sample_shape: Vec<usize>,
    /// Its trainable scalars.
    pub params: usize,
}

/// A table of a network's layers, output shapes and parameter counts, with the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The shape of one input sample, without the batch axis (`[features]` for rows).
    pub input_shape: Vec<usize>,
    /// One row per layer.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// Total trainable scalars.
    pub fn total_params(&self) -> usize {
        self.rows.iter().map(|r| r.params).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w0 = self
            .rows
            .iter()
            .map(|r| r.layer.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let w1 = self
            .rows
            .iter()
            .map(|r| r.output_shape.len())
            .chain([12])
            .max()
            .unwrap_or(12);
        writeln!(f, "input: {}", batch_shape(&self.input_shape))?;
        writeln!(
            f,
            "{:<w0$}  {:<w1$}  {:>10}",
            "layer", "output shape", "params"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<w0$}  {:<w1$}  {:>10}",
                r.layer, r.output_shape, r.params
            )?;
        }
        write!(f, "total parameters: {}", self.total_params())
    }
}
