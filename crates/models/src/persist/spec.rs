//! [`LayerSpec`]: a built-in layer's kind and settings, as a model file describes it, and the
//! layer rebuilt from it.

use crate::layer::{
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dense, Dropout, Embedding, Flatten, LastPosition,
    Layer, LayerNorm, MaxPool2d, MultiHeadSelfAttention, PositionEmbedding, Reshape, Sequential,
    TransformerBlock,
};
use nabla_autodiff::Float;
use nabla_ops::{Activation, BatchNormOptions, ConvOptions, Init};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// The largest padding or dilation a file may ask of a convolution or pooling: far beyond any
/// real network, and small enough that a corrupted file cannot make a forward pass allocate
/// without bound.
const MAX_SPACING: usize = 4096;

/// A layer's kind and settings: one entry of a model file's `network` list. Every built-in
/// layer has one ([`Layer::spec`]); its parameters are stored beside it as named tensors.
///
/// In JSON each entry names its kind in `"type"`:
/// `{"type": "dense", "inputs": 4, "units": 64, "activation": "relu"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerSpec {
    /// [`Dense`]: `activation(x W + b)`.
    Dense {
        /// Input features.
        inputs: usize,
        /// Output units.
        units: usize,
        /// The activation, as text (`relu`, `leaky_relu(0.01)`).
        #[serde(with = "activation_text")]
        activation: Activation,
    },
    /// [`Conv2d`].
    Conv2d {
        /// Input channels.
        in_channels: usize,
        /// Output channels.
        out_channels: usize,
        /// Kernel (height, width).
        kernel: [usize; 2],
        /// Stride (height, width).
        stride: [usize; 2],
        /// Padding on both sides (height, width).
        padding: [usize; 2],
        /// Dilation (height, width).
        dilation: [usize; 2],
        /// Channel groups.
        groups: usize,
        /// The activation, as text.
        #[serde(with = "activation_text")]
        activation: Activation,
    },
    /// [`MaxPool2d`].
    MaxPool2d {
        /// Window (height, width).
        kernel: [usize; 2],
        /// Stride (height, width).
        stride: [usize; 2],
        /// Padding on both sides (height, width).
        padding: [usize; 2],
    },
    /// [`AvgPool2d`].
    AvgPool2d {
        /// Window (height, width).
        kernel: [usize; 2],
        /// Stride (height, width).
        stride: [usize; 2],
        /// Padding on both sides (height, width).
        padding: [usize; 2],
    },
    /// [`Flatten`].
    Flatten,
    /// [`Reshape`].
    Reshape {
        /// Each sample's shape after the layer.
        sample_shape: Vec<usize>,
    },
    /// [`Embedding`].
    Embedding {
        /// Rows of the table (token ids `0..vocab`).
        vocab: usize,
        /// Values per row.
        dim: usize,
    },
    /// [`PositionEmbedding`].
    PositionEmbedding {
        /// Longest sequence covered.
        max_len: usize,
        /// Values per position.
        dim: usize,
    },
    /// [`LastPosition`].
    LastPosition,
    /// [`MultiHeadSelfAttention`].
    MultiHeadSelfAttention {
        /// Features per position.
        dim: usize,
        /// Attention heads.
        heads: usize,
        /// Whether each position sees only itself and earlier positions.
        causal: bool,
    },
    /// [`TransformerBlock`].
    TransformerBlock {
        /// Features per position.
        dim: usize,
        /// Attention heads.
        heads: usize,
        /// Hidden units of the feed-forward network.
        hidden: usize,
        /// Causal attention.
        causal: bool,
    },
    /// [`BatchNorm1d`].
    BatchNorm1d {
        /// Channels.
        channels: usize,
        /// Weight of each batch in the running statistics.
        momentum: f64,
        /// Added to the variance.
        eps: f64,
    },
    /// [`BatchNorm2d`].
    BatchNorm2d {
        /// Channels.
        channels: usize,
        /// Weight of each batch in the running statistics.
        momentum: f64,
        /// Added to the variance.
        eps: f64,
    },
    /// [`LayerNorm`].
    LayerNorm {
        /// Features normalised together (the last axis).
        features: usize,
        /// Added to the variance.
        eps: f64,
    },
    /// [`Dropout`].
    Dropout {
        /// Drop probability.
        rate: f64,
    },
    /// A nested [`Sequential`].
    Sequential {
        /// Its layers, in order.
        layers: Vec<LayerSpec>,
    },
}

impl LayerSpec {
    /// How many entries the equivalent `torch.nn.Sequential` gives this layer: two for a dense
    /// or convolution layer with an activation (`nn.Linear`, then `nn.ReLU`), one otherwise.
    /// Tensor names count layers this way, so a file's `2.weight` is the weight of the
    /// PyTorch module at index 2.
    pub fn torch_modules(&self) -> usize {
        match self {
            LayerSpec::Dense { activation, .. } | LayerSpec::Conv2d { activation, .. }
                if *activation != Activation::Identity =>
            {
                2
            }
            _ => 1,
        }
    }

    /// Checks the settings a constructor would refuse (zero sizes, heads that do not divide
    /// the dimension, a drop rate outside `[0, 1)`) and returns the number of scalars the
    /// layer's tensors hold, so that a caller can refuse a description asking for more than a
    /// file holds before anything is allocated.
    ///
    /// # Errors
    /// A sentence naming the layer and the setting.
    pub fn check(&self) -> Result<usize, String> {
        let positive = |what: &str, values: &[usize]| {
            if values.contains(&0) {
                Err(format!("{}: {what} must not be 0", self.kind()))
            } else {
                Ok(())
            }
        };
        let bounded = |what: &str, values: &[usize]| {
            if values.iter().any(|&v| v > MAX_SPACING) {
                Err(format!(
                    "{}: {what} {values:?} is beyond {MAX_SPACING}",
                    self.kind()
                ))
            } else {
                Ok(())
            }
        };
        let product = |values: &[usize]| {
            values
                .iter()
                .try_fold(1usize, |acc, &v| acc.checked_mul(v))
                .ok_or_else(|| format!("{}: sizes overflow", self.kind()))
        };
        let finite_activation = |a: &Activation| match a.parameter() {
            Some(p) if !p.is_finite() => {
                Err(format!("{}: activation {a} is not finite", self.kind()))
            }
            _ => Ok(()),
        };
        let norm = |channels: usize, momentum: f64, eps: f64| {
            positive("channels", &[channels])?;
            if !(eps.is_finite() && eps > 0.0 && (0.0..=1.0).contains(&momentum)) {
                return Err(format!(
                    "{}: eps {eps} must be positive and momentum {momentum} in [0, 1]",
                    self.kind()
                ));
            }
            product(&[channels, 4])
        };
        match self {
            LayerSpec::Dense {
                inputs,
                units,
                activation,
            } => {
                positive("inputs and units", &[*inputs, *units])?;
                finite_activation(activation)?;
                product(&[inputs.saturating_add(1), *units])
            }
            LayerSpec::Conv2d {
                in_channels,
                out_channels,
                kernel,
                stride,
                padding,
                dilation,
                groups,
                activation,
            } => {
                positive(
                    "channels, kernel, stride and dilation",
                    &[
                        *in_channels,
                        *out_channels,
                        kernel[0],
                        kernel[1],
                        stride[0],
                        stride[1],
                        dilation[0],
                        dilation[1],
                        *groups,
                    ],
                )?;
                bounded("padding", padding)?;
                bounded("dilation", dilation)?;
                if in_channels % groups != 0 || out_channels % groups != 0 {
                    return Err(format!(
                        "conv2d: {groups} groups must divide the channels {in_channels} and \
                         {out_channels}"
                    ));
                }
                finite_activation(activation)?;
                let filters =
                    product(&[*out_channels, in_channels / groups, kernel[0], kernel[1]])?;
                filters
                    .checked_add(*out_channels)
                    .ok_or_else(|| "conv2d: sizes overflow".to_string())
            }
            LayerSpec::MaxPool2d {
                kernel,
                stride,
                padding,
            }
            | LayerSpec::AvgPool2d {
                kernel,
                stride,
                padding,
            } => {
                positive(
                    "kernel and stride",
                    &[kernel[0], kernel[1], stride[0], stride[1]],
                )?;
                bounded("kernel", kernel)?;
                bounded("stride", stride)?;
                if padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2 {
                    return Err(format!(
                        "{}: padding {padding:?} is more than half the kernel {kernel:?}",
                        self.kind()
                    ));
                }
                Ok(0)
            }
            LayerSpec::Flatten | LayerSpec::LastPosition => Ok(0),
            LayerSpec::Reshape { sample_shape } => {
                if sample_shape.is_empty() {
                    return Err("reshape: the sample shape is empty".to_string());
                }
                positive("every axis", sample_shape)?;
                product(sample_shape)?;
                Ok(0)
            }
            LayerSpec::Embedding { vocab, dim } => {
                positive("vocab and dim", &[*vocab, *dim])?;
                product(&[*vocab, *dim])
            }
            LayerSpec::PositionEmbedding { max_len, dim } => {
                positive("max_len and dim", &[*max_len, *dim])?;
                product(&[*max_len, *dim])
            }
            LayerSpec::MultiHeadSelfAttention { dim, heads, .. } => {
                positive("dim and heads", &[*dim, *heads])?;
                if dim % heads != 0 {
                    return Err(format!(
                        "self-attention: {heads} heads must divide the dimension {dim}"
                    ));
                }
                product(&[dim.saturating_add(1), dim.saturating_mul(4)])
            }
            LayerSpec::TransformerBlock {
                dim,
                heads,
                hidden,
                causal,
            } => {
                positive("hidden", &[*hidden])?;
                let attention = LayerSpec::MultiHeadSelfAttention {
                    dim: *dim,
                    heads: *heads,
                    causal: *causal,
                }
                .check()?;
                let rest = product(&[dim.saturating_add(1), *hidden])?
                    .checked_add(product(&[hidden.saturating_add(1), *dim])?)
                    .and_then(|n| n.checked_add(dim.saturating_mul(4)));
                rest.and_then(|n| n.checked_add(attention))
                    .ok_or_else(|| "transformer block: sizes overflow".to_string())
            }
            LayerSpec::BatchNorm1d {
                channels,
                momentum,
                eps,
            }
            | LayerSpec::BatchNorm2d {
                channels,
                momentum,
                eps,
            } => norm(*channels, *momentum, *eps),
            LayerSpec::LayerNorm { features, eps } => {
                positive("features", &[*features])?;
                if !(eps.is_finite() && *eps > 0.0) {
                    return Err(format!("layer norm: eps {eps} must be positive"));
                }
                product(&[*features, 2])
            }
            LayerSpec::Dropout { rate } => {
                if !(0.0..1.0).contains(rate) {
                    return Err(format!("dropout: rate {rate} must be in [0, 1)"));
                }
                Ok(0)
            }
            LayerSpec::Sequential { layers } => layers.iter().try_fold(0usize, |acc, l| {
                acc.checked_add(l.check()?)
                    .ok_or_else(|| "sequential: sizes overflow".to_string())
            }),
        }
    }

    /// The layer these settings describe, with freshly initialised tensors (a model file's
    /// tensors replace them through [`Layer::load_state`]). Call [`LayerSpec::check`] first:
    /// the constructors panic on the settings it refuses.
    pub fn build<T: Float>(&self) -> Box<dyn Layer<T>> {
        let mut rng = StdRng::seed_from_u64(0);
        let rng = &mut rng;
        match self {
            LayerSpec::Dense {
                inputs,
                units,
                activation,
            } => Box::new(Dense::with_init(
                *inputs,
                *units,
                *activation,
                Init::Zeros,
                rng,
            )),
            LayerSpec::Conv2d {
                in_channels,
                out_channels,
                kernel,
                stride,
                padding,
                dilation,
                groups,
                activation,
            } => {
                let options = ConvOptions {
                    stride: *stride,
                    padding: *padding,
                    dilation: *dilation,
                    groups: *groups,
                };
                Box::new(
                    Conv2d::with_options(*in_channels, *out_channels, *kernel, options, rng)
                        .activation(*activation),
                )
            }
            LayerSpec::MaxPool2d {
                kernel,
                stride,
                padding,
            } => Box::new(MaxPool2d::new(*kernel).stride(*stride).padding(*padding)),
            LayerSpec::AvgPool2d {
                kernel,
                stride,
                padding,
            } => Box::new(AvgPool2d::new(*kernel).stride(*stride).padding(*padding)),
            LayerSpec::Flatten => Box::new(Flatten),
            LayerSpec::Reshape { sample_shape } => Box::new(Reshape::new(sample_shape)),
            LayerSpec::Embedding { vocab, dim } => Box::new(Embedding::new(*vocab, *dim, rng)),
            LayerSpec::PositionEmbedding { max_len, dim } => {
                Box::new(PositionEmbedding::new(*max_len, *dim, rng))
            }
            LayerSpec::LastPosition => Box::new(LastPosition),
            LayerSpec::MultiHeadSelfAttention { dim, heads, causal } => {
                Box::new(MultiHeadSelfAttention::new(*dim, *heads, *causal, rng))
            }
            LayerSpec::TransformerBlock {
                dim,
                heads,
                hidden,
                causal,
            } => Box::new(TransformerBlock::new(*dim, *heads, *hidden, *causal, rng)),
            LayerSpec::BatchNorm1d {
                channels,
                momentum,
                eps,
            } => Box::new(BatchNorm1d::with_options(
                *channels,
                norm_options(*momentum, *eps),
            )),
            LayerSpec::BatchNorm2d {
                channels,
                momentum,
                eps,
            } => Box::new(BatchNorm2d::with_options(
                *channels,
                norm_options(*momentum, *eps),
            )),
            LayerSpec::LayerNorm { features, eps } => {
                Box::new(LayerNorm::new(*features).with_eps(*eps))
            }
            LayerSpec::Dropout { rate } => Box::new(Dropout::new(*rate)),
            LayerSpec::Sequential { layers } => {
                let mut net = Sequential::new();
                for layer in layers {
                    net.push_boxed(layer.build());
                }
                Box::new(net)
            }
        }
    }

    /// The kind, as written in `"type"`.
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool2d { .. } => "max_pool2d",
            LayerSpec::AvgPool2d { .. } => "avg_pool2d",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Reshape { .. } => "reshape",
            LayerSpec::Embedding { .. } => "embedding",
            LayerSpec::PositionEmbedding { .. } => "position_embedding",
            LayerSpec::LastPosition => "last_position",
            LayerSpec::MultiHeadSelfAttention { .. } => "multi_head_self_attention",
            LayerSpec::TransformerBlock { .. } => "transformer_block",
            LayerSpec::BatchNorm1d { .. } => "batch_norm1d",
            LayerSpec::BatchNorm2d { .. } => "batch_norm2d",
            LayerSpec::LayerNorm { .. } => "layer_norm",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Sequential { .. } => "sequential",
        }
    }
}

fn norm_options<T: Float>(momentum: f64, eps: f64) -> BatchNormOptions<T> {
    BatchNormOptions {
        momentum: T::from_f64(momentum),
        eps: T::from_f64(eps),
    }
}

/// An [`Activation`] as its text (`leaky_relu(0.01)`), which parses back to the same value.
pub(crate) mod activation_text {
    use nabla_ops::Activation;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(a: &Activation, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(a)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Activation, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    }
}
