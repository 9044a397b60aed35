//! [`MultiHeadSelfAttention`]: scaled dot-product self-attention over several heads.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, StateSource, take_transposed};
use nabla_autodiff::{Float, Tape, Tensor, Var};
use nabla_ops::{Init, causal_mask, dense, softmax, softmax_masked};
use rand::Rng;

/// Multi-head self-attention (Vaswani et al., 2017), as PyTorch's `nn.MultiheadAttention`
/// with query, key and value all the input. For `x` of shape `[N, t, dim]`:
///
/// ```text
/// [q | k | v] = x W_in + b_in                      W_in [dim, 3 dim], b_in [3 dim]
/// q, k, v split into `heads` heads of dim / heads values: [N, heads, t, dim / heads]
/// A = softmax(q k^T / sqrt(dim / heads) + mask)    along the last axis: [N, heads, t, t]
/// y = merge_heads(A v) W_out + b_out               W_out [dim, dim], b_out [dim]
/// ```
///
/// With `causal`, the mask is [`causal_mask`] (position `i` attends to positions `j <= i`
/// only, so the weights above the diagonal are exactly 0); otherwise there is none. The
/// weights are stored for `x W` (PyTorch's `in_proj_weight` and `out_proj.weight`
/// transposed) and start as PyTorch's do: `W_in` Glorot (Xavier) uniform, `W_out` as an
/// `nn.Linear` (uniform in `+-1 / sqrt(dim)`), both biases 0.
///
/// [`MultiHeadSelfAttention::attention_weights`] gives `A` for an input, to see what each head
/// attends to.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{ForwardCtx, Layer, MultiHeadSelfAttention};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let attention = MultiHeadSelfAttention::<f64>::new(8, 2, true, &mut rng);
/// assert_eq!(attention.param_count(), 8 * 24 + 24 + 8 * 8 + 8);
///
/// let x = Tensor::randn(&[3, 5, 8], 0.0, 1.0, &mut rng);
/// let tape = Tape::new();
/// let y = attention.forward(tape.constant(x.clone()), &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[3, 5, 8]);
///
/// let a = attention.attention_weights(&x); // [N, heads, t, t]
/// assert_eq!(a.shape(), &[3, 2, 5, 5]);
/// assert_eq!(a.data()[1], 0.0); // causal: position 0 does not see position 1
/// ```
#[derive(Debug, Clone)]
pub struct MultiHeadSelfAttention<T: Float> {
    in_weight: Param<T>,
    in_bias: Param<T>,
    out_weight: Param<T>,
    out_bias: Param<T>,
    heads: usize,
    causal: bool,
}

impl<T: Float> MultiHeadSelfAttention<T> {
    /// Attention over inputs of `dim` features split into `heads` heads, with the causal mask
    /// if `causal`.
    ///
    /// # Panics
    /// If `heads` is 0 or does not divide `dim`.
    pub fn new<R: Rng + ?Sized>(dim: usize, heads: usize, causal: bool, rng: &mut R) -> Self {
        assert!(
            heads > 0 && dim % heads == 0,
            "self_attention: {heads} heads must divide the dimension {dim}"
        );
        let in_weight = Init::GlorotUniform.tensor(&[dim, 3 * dim], dim, 3 * dim, rng);
        let out_weight = Init::TorchDefault.tensor(&[dim, dim], dim, dim, rng);
        MultiHeadSelfAttention {
            in_weight: Param::new("in_proj_weight", in_weight),
            in_bias: Param::new("in_proj_bias", Tensor::zeros(&[3 * dim])),
            out_weight: Param::new("out_proj_weight", out_weight),
            out_bias: Param::new("out_proj_bias", Tensor::zeros(&[dim])),
            heads,
            causal,
        }
    }

    /// Features per position.
    pub fn dim(&self) -> usize {
        self.out_weight.value().shape()[0]
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.heads
    }

    /// Whether each position attends only to itself and earlier positions.
    pub fn causal(&self) -> bool {
        self.causal
    }

    /// The input projection `W_in`, `[dim, 3 dim]`: the columns of the queries, then of the
    /// keys, then of the values.
    pub fn in_proj_weight(&self) -> &Param<T> {
        &self.in_weight
    }

    /// The input projection's bias, `[3 dim]`.
    pub fn in_proj_bias(&self) -> &Param<T> {
        &self.in_bias
    }

    /// The output projection `W_out`, `[dim, dim]`.
    pub fn out_proj_weight(&self) -> &Param<T> {
        &self.out_weight
    }

    /// The output projection's bias, `[dim]`.
    pub fn out_proj_bias(&self) -> &Param<T> {
        &self.out_bias
    }

    /// The attention weights `A` `[N, heads, t, t]` for an input `x` `[N, t, dim]`: row `i` of
    /// head `h` of sample `n` is how much position `i` draws on each position (each row sums
    /// to 1). Computed on a tape of its own without recording gradients, and without touching
    /// the parameters' tape bindings.
    ///
    /// # Panics
    /// As [`Layer::forward`].
    pub fn attention_weights(&self, x: &Tensor<T>) -> Tensor<T> {
        let tape = Tape::new();
        let _no_grad = tape.no_grad();
        self.weights_of(tape.constant(x.clone())).value()
    }

    /// The input projection's weight and bias, then the output projection's, in the order
    /// [`attend`] takes them.
    fn projections(&self) -> [&Param<T>; 4] {
        [
            &self.in_weight,
            &self.in_bias,
            &self.out_weight,
            &self.out_bias,
        ]
    }

    /// The attention weights for `x`, with the parameters as constants on `x`'s tape (left
    /// unbound, so a later [`Param::grad`] still reads the last training step).
    pub(super) fn weights_of<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        self.check_input(x);
        let tape = x.tape();
        let params = self.projections().map(|p| tape.constant(p.value().clone()));
        attend(x, params, self.heads, self.causal).1
    }

    /// Panics unless `x` is `[N, t, dim]`.
    fn check_input(&self, x: Var<'_, T>) {
        let shape = x.shape();
        let dim = self.dim();
        assert!(
            matches!(shape.as_slice(), &[_, _, d] if d == dim),
            "{}: expected an input of shape [N, t, {dim}], got shape {:?}",
            Layer::<T>::name(self),
            shape.as_slice()
        );
    }
}

/// The attention's output `[N, t, dim]` and weights `[N, heads, t, t]` for `x` `[N, t, dim]`
/// and the parameters `[W_in, b_in, W_out, b_out]`, from tape primitives: one product for all
/// three projections, one permute to put the heads before the positions, two batched products
/// over `[N, heads]`, and one product for the output projection.
pub(super) fn attend<'t, T: Float>(
    x: Var<'t, T>,
    params: [Var<'t, T>; 4],
    heads: usize,
    causal: bool,
) -> (Var<'t, T>, Var<'t, T>) {
    let [in_weight, in_bias, out_weight, out_bias] = params;
    let shape = x.shape();
    let (n, t, dim) = (shape[0], shape[1], shape[2]);
    let head_dim = dim / heads;
    // [N t, 3 dim] -> [N, t, 3 heads, head_dim] -> [N, 3 heads, t, head_dim]: along axis 1,
    // the queries' heads, then the keys', then the values'.
    let qkv = dense(x.reshape(&[n * t, dim]), in_weight, Some(in_bias))
        .reshape(&[n, t, 3 * heads, head_dim])
        .permute(&[0, 2, 1, 3]);
    let parts = qkv.split(&[heads, heads, heads], 1);
    let (q, k, v) = (parts[0], parts[1], parts[2]);
    let scores = q.matmul_t(k, false, true) * T::from_f64(1.0 / (head_dim as f64).sqrt());
    let weights = if causal {
        softmax_masked(scores, 3, causal_mask(x.tape(), t))
    } else {
        softmax(scores, 3)
    };
    let merged = weights
        .matmul(v)
        .permute(&[0, 2, 1, 3])
        .reshape(&[n * t, dim]);
    let y = dense(merged, out_weight, Some(out_bias)).reshape(&[n, t, dim]);
    (y, weights)
}

impl<T: Float> Layer<T> for MultiHeadSelfAttention<T> {
    fn name(&self) -> String {
        let causal = if self.causal { " causal" } else { "" };
        format!("self_attention {} heads {}{causal}", self.dim(), self.heads)
    }

    /// # Panics
    /// If `x` is not `[N, t, dim]`; the message names the layer and the shape.
    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        self.check_input(x);
        let tape = x.tape();
        let params = self.projections().map(|p| p.bind(tape));
        attend(x, params, self.heads, self.causal).0
    }

    fn params(&self) -> Vec<&Param<T>> {
        self.projections().to_vec()
    }

    fn spec(&self) -> Option<LayerSpec> {
        Some(LayerSpec::MultiHeadSelfAttention {
            dim: self.dim(),
            heads: self.heads,
            causal: self.causal,
        })
    }

    /// `nn.MultiheadAttention`'s names and layout: `in_proj_weight` `[3 dim, dim]` and
    /// `out_proj.weight` `[dim, dim]` (the transposes of nabla's), and the two biases.
    fn state(&self) -> NamedTensors<T> {
        vec![
            ("in_proj_weight".into(), self.in_weight.value().transpose()),
            ("in_proj_bias".into(), self.in_bias.value().clone()),
            (
                "out_proj.weight".into(),
                self.out_weight.value().transpose(),
            ),
            ("out_proj.bias".into(), self.out_bias.value().clone()),
        ]
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        let dim = self.dim();
        let in_weight = take_transposed(source, "in_proj_weight", &[dim, 3 * dim])?;
        let in_bias = source.take("in_proj_bias", &[3 * dim])?;
        let out_weight = take_transposed(source, "out_proj.weight", &[dim, dim])?;
        let out_bias = source.take("out_proj.bias", &[dim])?;
        self.in_weight.set_value(in_weight);
        self.in_bias.set_value(in_bias);
        self.out_weight.set_value(out_weight);
        self.out_bias.set_value(out_bias);
        Ok(())
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![
            &mut self.in_weight,
            &mut self.in_bias,
            &mut self.out_weight,
            &mut self.out_bias,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::GradCheck;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn inputs(dim: usize, seed: u64) -> Vec<Tensor<f64>> {
        let mut rng = StdRng::seed_from_u64(seed);
        vec![
            Tensor::randn(&[2, 3, dim], 0.0, 1.0, &mut rng),
            Tensor::randn(&[dim, 3 * dim], 0.0, 0.5, &mut rng),
            Tensor::randn(&[3 * dim], 0.0, 0.5, &mut rng),
            Tensor::randn(&[dim, dim], 0.0, 0.5, &mut rng),
            Tensor::randn(&[dim], 0.0, 0.5, &mut rng),
        ]
    }

    #[test]
    fn gradients_of_input_and_every_projection_match_finite_differences() {
        for causal in [false, true] {
            let report = GradCheck::new()
                .names(&["x", "in_weight", "in_bias", "out_weight", "out_bias"])
                .check(&inputs(4, 7), |_tape, v| {
                    attend(v[0], [v[1], v[2], v[3], v[4]], 2, causal).0
                })
                .unwrap();
            assert_eq!(report.checked, 24 + 48 + 12 + 16 + 4);
        }
    }

    #[test]
    fn gradients_through_the_weights_match_finite_differences() {
        // The weights alone, so a wrong softmax or mask gradient cannot hide behind W_out.
        GradCheck::new()
            .check(&inputs(4, 8), |_tape, v| {
                attend(v[0], [v[1], v[2], v[3], v[4]], 2, true).1
            })
            .unwrap();
    }

    #[test]
    #[should_panic(
        expected = "self_attention 4 heads 2: expected an input of shape [N, t, 4], \
                               got shape [2, 3, 5]"
    )]
    fn an_input_of_another_width_names_the_layer_and_shape() {
        let mut rng = StdRng::seed_from_u64(0);
        let layer = MultiHeadSelfAttention::<f64>::new(4, 2, false, &mut rng);
        layer.attention_weights(&Tensor::zeros(&[2, 3, 5]));
    }

    #[test]
    #[should_panic(expected = "self_attention: 3 heads must divide the dimension 8")]
    fn heads_must_divide_the_dimension() {
        MultiHeadSelfAttention::<f64>::new(8, 3, false, &mut StdRng::seed_from_u64(0));
    }
}
