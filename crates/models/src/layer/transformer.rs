//! [`TransformerBlock`]: pre-norm self-attention and a feed-forward network, each with a
//! residual connection.

use super::{Dense, ForwardCtx, Layer, LayerNorm, MultiHeadSelfAttention, layer_norm};
use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, Scoped, StateSource, prefixed};
use nabla_autodiff::{Float, Tape, Tensor, Var};
use nabla_ops::{Activation, Init};
use rand::Rng;

/// The epsilon of [`LayerNorm::new`], which the inspection path repeats.
const LAYER_NORM_EPS: f64 = 1e-5;

/// A pre-LayerNorm transformer block (as in GPT-2), for `x` of shape `[N, t, dim]`:
///
/// ```text
/// x = x + attention(ln1(x))
/// x = x + W_2 gelu(W_1 ln2(x) + b_1) + b_2      W_1 [dim, hidden], W_2 [hidden, dim]
/// ```
///
/// `attention` is a [`MultiHeadSelfAttention`] (causal or not), `ln1` and `ln2` are
/// [`LayerNorm`]s over the features, and the feed-forward network is two [`Dense`] layers
/// applied at each position, with the exact GELU and PyTorch's `nn.Linear` initialisation
/// ([`Init::TorchDefault`]). The output has the input's shape.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{ForwardCtx, Layer, TransformerBlock};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let block = TransformerBlock::<f32>::new(32, 4, 128, true, &mut rng);
/// // Two layer norms, the attention's projections and the feed-forward network.
/// let attention = 32 * 96 + 96 + 32 * 32 + 32;
/// assert_eq!(block.param_count(), 2 * 64 + attention + 32 * 128 + 128 + 128 * 32 + 32);
///
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::zeros(&[2, 8, 32]));
/// let y = block.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[2, 8, 32]);
/// assert_eq!(block.attention().heads(), 4);
/// ```
#[derive(Debug, Clone)]
pub struct TransformerBlock<T: Float> {
    ln1: LayerNorm<T>,
    attention: MultiHeadSelfAttention<T>,
    ln2: LayerNorm<T>,
    fc1: Dense<T>,
    fc2: Dense<T>,
}

impl<T: Float> TransformerBlock<T> {
    /// A block over `dim` features with `heads` attention heads (causal if `causal`) and a
    /// feed-forward network of `hidden` units (commonly `4 dim`).
    ///
    /// # Panics
    /// If `heads` is 0 or does not divide `dim`, or `hidden` is 0.
    pub fn new<R: Rng + ?Sized>(
        dim: usize,
        heads: usize,
        hidden: usize,
        causal: bool,
        rng: &mut R,
    ) -> Self {
        assert!(
            hidden > 0,
            "transformer_block: the feed-forward network needs at least one hidden unit"
        );
        let attention = MultiHeadSelfAttention::new(dim, heads, causal, rng);
        let fc1 = Dense::with_init(dim, hidden, Activation::Gelu, Init::TorchDefault, rng);
        let fc2 = Dense::with_init(hidden, dim, Activation::Identity, Init::TorchDefault, rng);
        TransformerBlock {
            ln1: LayerNorm::new(dim),
            attention,
            ln2: LayerNorm::new(dim),
            fc1,
            fc2,
        }
    }

    /// Features per position.
    pub fn dim(&self) -> usize {
        self.attention.dim()
    }

    /// Hidden units of the feed-forward network.
    pub fn hidden(&self) -> usize {
        self.fc1.units()
    }

    /// The self-attention, to inspect its parameters (see also
    /// [`TransformerBlock::attention_weights`]).
    pub fn attention(&self) -> &MultiHeadSelfAttention<T> {
        &self.attention
    }

    /// The feed-forward network's two layers, `dim -> hidden` (GELU) and `hidden -> dim`.
    pub fn feed_forward(&self) -> [&Dense<T>; 2] {
        [&self.fc1, &self.fc2]
    }

    /// The attention weights `[N, heads, t, t]` this block computes for its input `x` `[N,
    /// t, dim]` (the attention sees `ln1(x)`), as
    /// [`MultiHeadSelfAttention::attention_weights`]: on a tape of its own, without recording
    /// gradients.
    ///
    /// # Panics
    /// As [`Layer::forward`].
    pub fn attention_weights(&self, x: &Tensor<T>) -> Tensor<T> {
        let tape = Tape::new();
        let _no_grad = tape.no_grad();
        let x = tape.constant(x.clone());
        self.check_input(x);
        let ln = self.ln1.params();
        let (gamma, beta) = (ln[0].value().clone(), ln[1].value().clone());
        let normed = layer_norm(x, tape.constant(gamma), tape.constant(beta), LAYER_NORM_EPS);
        self.attention.weights_of(normed).value()
    }

    /// Panics unless `x` is `[N, t, dim]`, and returns `N` and `t`.
    fn check_input(&self, x: Var<'_, T>) -> (usize, usize) {
        let shape = x.shape();
        match shape.as_slice() {
            &[n, t, d] if d == self.dim() => (n, t),
            _ => panic!(
                "{}: expected an input of shape [N, t, {}], got shape {:?}",
                Layer::<T>::name(self),
                self.dim(),
                shape.as_slice()
            ),
        }
    }
}

impl<T: Float> Layer<T> for TransformerBlock<T> {
    fn name(&self) -> String {
        let causal = if self.attention.causal() {
            " causal"
        } else {
            ""
        };
        format!(
            "transformer_block {} heads {} mlp {}{causal}",
            self.dim(),
            self.attention.heads(),
            self.hidden()
        )
    }

    /// # Panics
    /// If `x` is not `[N, t, dim]`; the message names the layer and the shape.
    fn forward<'t>(&self, x: Var<'t, T>, ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let (n, t) = self.check_input(x);
        let dim = self.dim();
        let tape = x.tape();
        let h = {
            let _scope = tape.scope("attention");
            x + self.attention.forward(self.ln1.forward(x, ctx), ctx)
        };
        let _scope = tape.scope("feed_forward");
        // The dense layers take rows: one per position.
        let rows = self.ln2.forward(h, ctx).reshape(&[n * t, dim]);
        let m = self.fc2.forward(self.fc1.forward(rows, ctx), ctx);
        h + m.reshape(&[n, t, dim])
    }

    fn params(&self) -> Vec<&Param<T>> {
        let mut params = self.ln1.params();
        params.extend(self.attention.params());
        params.extend(self.ln2.params());
        params.extend(self.fc1.params());
        params.extend(self.fc2.params());
        params
    }

    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::TransformerBlock {
            dim: self.dim(),
            heads: self.attention.heads(),
            hidden: self.hidden(),
            causal: self.attention.causal(),
        })
    }

    /// Under the names of PyTorch's `nn.TransformerEncoderLayer` (with `norm_first=True` and
    /// GELU, the same computation): `norm1`, `self_attn`, `norm2`, `linear1`, `linear2`.
    fn state(&self) -> NamedTensors<T> {
        let mut state = prefixed("norm1", self.ln1.state());
        state.extend(prefixed("self_attn", self.attention.state()));
        state.extend(prefixed("norm2", self.ln2.state()));
        state.extend(prefixed("linear1", self.fc1.state()));
        state.extend(prefixed("linear2", self.fc2.state()));
        state
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        self.ln1.load_state(&mut Scoped::new(source, "norm1"))?;
        self.attention
            .load_state(&mut Scoped::new(source, "self_attn"))?;
        self.ln2.load_state(&mut Scoped::new(source, "norm2"))?;
        self.fc1.load_state(&mut Scoped::new(source, "linear1"))?;
        self.fc2.load_state(&mut Scoped::new(source, "linear2"))
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        let mut params = self.ln1.params_mut();
        params.extend(self.attention.params_mut());
        params.extend(self.ln2.params_mut());
        params.extend(self.fc1.params_mut());
        params.extend(self.fc2.params_mut());
        params
    }
}
