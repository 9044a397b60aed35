//! The fully connected layer as one fused node: `y = x w + b`.

use crate::Activation;
use nabla_autodiff::{CustomOp, Float, NotDifferentiable, Scratch, Tensor, Var};
use std::borrow::Cow;

/// `x w + b` for `x` of shape `[batch, in]`, `w` of shape `[in, out]` and an optional bias `b`
/// of shape `[out]`, recorded as a single node.
///
/// Forward is one matrix product accumulated straight into a recycled buffer that already
/// holds the bias rows. Backward computes `dx = g w^T`, `dw = x^T g` (both by handing the
/// product a transposed operand, never a transposed copy) and `db` = the column sums of `g`; it
/// computes only the gradients that are needed (none for `x` when it is data). The same
/// products are recorded on vars for higher-order gradients.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::dense;
///
/// let tape = Tape::<f64>::new();
/// let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
/// let w = tape.param(Tensor::from_vec(vec![1.0, 0.0, -1.0, 0.5, 2.0, 3.0], &[2, 3]));
/// let b = tape.param(Tensor::from_vec(vec![0.5, 0.5, 0.5], &[3]));
/// let y = dense(x, w, Some(b));
/// assert_eq!(y.value().data(), &[2.5, 4.5, 5.5]);
///
/// let grads = y.sum().backward();
/// assert_eq!(grads[w].data(), &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]); // x^T times a row of ones
/// assert_eq!(grads[b].data(), &[1.0, 1.0, 1.0]);
/// ```
///
/// # Panics
/// If `x` or `w` is not 2-D, their inner extents differ, or `b` is not `[out]`; the message
/// names the shapes.
pub fn dense<'t, T: Float>(x: Var<'t, T>, w: Var<'t, T>, b: Option<Var<'t, T>>) -> Var<'t, T> {
    record(x, w, b, Dense::<false>)
}

/// Checks the shapes and records `op` on `x`, `w` and `b`.
fn record<'t, T: Float, const RELU: bool>(
    x: Var<'t, T>,
    w: Var<'t, T>,
    b: Option<Var<'t, T>>,
    op: Dense<RELU>,
) -> Var<'t, T> {
    let (xs, ws) = (x.shape(), w.shape());
    assert!(
        xs.len() == 2 && ws.len() == 2 && xs[1] == ws[0],
        "dense: x has shape {xs:?} and w has shape {ws:?}; expected x [batch, in] and w [in, out] \
         with the same `in`"
    );
    match b {
        Some(b) => {
            let bs = b.shape();
            assert!(
                bs.as_slice() == [ws[1]],
                "dense: the bias has shape {bs:?} but w has shape {ws:?}; expected a bias of shape \
                 [{}]",
                ws[1]
            );
            x.apply(op, &[w, b])
        }
        None => x.apply(op, &[w]),
    }
}

/// `act(x w + b)`: [`dense`] followed by an activation, fused into the dense node where that
/// saves a pass (ReLU: the forward clamps the product in place, and backward masks the
/// incoming gradient once for all three gradients), otherwise recorded as two nodes.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::{Activation, dense_activation};
///
/// let tape = Tape::<f64>::new();
/// let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
/// let w = tape.param(Tensor::from_vec(vec![1.0, -1.0], &[2, 1]));
/// let y = dense_activation(x, w, None, Activation::Relu); // relu(1 - 2) = 0
/// assert_eq!(y.item(), 0.0);
/// ```
///
/// # Panics
/// As [`dense`].
pub fn dense_activation<'t, T: Float>(
    x: Var<'t, T>,
    w: Var<'t, T>,
    b: Option<Var<'t, T>>,
    activation: Activation,
) -> Var<'t, T> {
    match activation {
        Activation::Relu => record(x, w, b, Dense::<true>),
        other => other.apply(dense(x, w, b)),
    }
}

/// The node: inputs are `x`, `w` and, if present, `b`; with `RELU`, the output is clamped
/// at 0.
struct Dense<const RELU: bool>;

impl<const RELU: bool> Dense<RELU> {
    /// The gradient at the product `x w + b`: `grad` itself, or for the ReLU form `grad` where
    /// the output is positive and 0 elsewhere (ReLU's derivative at 0 is 0), in a recycled
    /// buffer.
    fn grad_at_product<'g, T: Float>(
        grad: &'g Tensor<T>,
        output: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Cow<'g, Tensor<T>> {
        if RELU {
            Cow::Owned(scratch.zip_map(grad, output, |g, y| if y > T::ZERO { g } else { T::ZERO }))
        } else {
            Cow::Borrowed(grad)
        }
    }

    /// The gradient for one input from the gradient `g` at the product: `dx = g w^T`,
    /// `dw = x^T g`, `db` = the column sums of `g`.
    fn input_grad<T: Float>(
        input: usize,
        inputs: &[&Tensor<T>],
        g: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Tensor<T> {
        let (x, w) = (inputs[0], inputs[1]);
        match input {
            0 => scratch.matmul_t(g, w, false, true),
            1 => scratch.matmul_t(x, g, true, false),
            _ => column_sums(g, scratch),
        }
    }
}

/// The sums of each column of a 2-D tensor: the bias gradient.
fn column_sums<T: Float>(g: &Tensor<T>, scratch: &mut Scratch<T>) -> Tensor<T> {
    let n = g.shape()[1];
    let mut sums = scratch.zeros(&[n]);
    for row in g.data().chunks_exact(n.max(1)) {
        for (sum, &v) in sums.data_mut().iter_mut().zip(row) {
            *sum += v;
        }
    }
    sums
}

impl<T: Float, const RELU: bool> CustomOp<T> for Dense<RELU> {
    fn name(&self) -> Cow<'_, str> {
        if RELU { "dense relu" } else { "dense" }.into()
    }

    fn vjp_rule(&self, input: usize, _shapes: &[&[usize]]) -> Option<String> {
        // The gradient at the product x W + b: g itself, or for the ReLU form g where y > 0.
        let g = if RELU { "(g ⊙ [y > 0])" } else { "g" };
        Some(match input {
            0 => format!("dL/dx = {g} · Wᵀ"),
            1 => format!("dL/dW = xᵀ · {g}"),
            _ => format!("dL/db = Σ over rows of {g}"),
        })
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        let (x, w) = (inputs[0], inputs[1]);
        let mut out = match inputs.get(2) {
            Some(b) => {
                let mut out = scratch.broadcast_to(b, &[x.shape()[0], w.shape()[1]]);
                out.add_matmul(x, w, false, false);
                out
            }
            None => scratch.matmul_t(x, w, false, false),
        };
        if RELU {
            out.map_inplace(|v| if v > T::ZERO { v } else { T::ZERO });
        }
        out
    }

    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        let g = Self::grad_at_product(grad, output, scratch);
        let result = Self::input_grad(input, inputs, &g, scratch);
        if let Cow::Owned(masked) = g {
            scratch.recycle(masked);
        }
        Some(result)
    }

    /// Masks the incoming gradient once (for the ReLU form), then serves every wanted input.
    fn vjps(
        &self,
        wanted: &[bool],
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
        out: &mut [Option<Tensor<T>>],
    ) {
        let g = Self::grad_at_product(grad, output, scratch);
        for (i, (&want, slot)) in wanted.iter().zip(out.iter_mut()).enumerate() {
            if want {
                *slot = Some(Self::input_grad(i, inputs, &g, scratch));
            }
        }
        if let Cow::Owned(masked) = g {
            scratch.recycle(masked);
        }
    }

    /// The same products on vars.
    fn vjp_graph<'t>(
        &self,
        input: usize,
        inputs: &[Var<'t, T>],
        output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
        let g = if RELU {
            grad * output.mask(nabla_autodiff::Comparison::Gt, T::ZERO)
        } else {
            grad
        };
        let (x, w) = (inputs[0], inputs[1]);
        Ok(Some(match input {
            0 => g.matmul_t(w, false, true),
            1 => x.matmul_t(g, true, false),
            _ => g.sum_axes(&[0], false),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tape;

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    #[test]
    fn forward_and_backward_match_the_unfused_graph() {
        let tape = Tape::<f64>::new();
        let x = tape.param(t(&[1.0, -2.0, 0.5, 3.0, 0.0, -1.0], &[2, 3]));
        let w = tape.param(t(&[0.2, -0.4, 1.0, 0.3, -0.6, 0.9], &[3, 2]));
        let b = tape.param(t(&[0.1, -0.1], &[2]));
        let weights = tape.constant(t(&[1.0, 2.0, -3.0, 0.5], &[2, 2]));
        let fused = (dense(x, w, Some(b)) * weights).sum();
        let plain = ((x.matmul(w) + b) * weights).sum();
        assert_eq!(fused.item(), plain.item());
        let (gf, gp) = (fused.backward(), plain.backward());
        for v in [x, w, b] {
            assert!(gf[v].all_close(&gp[v], 1e-12, 1e-12));
        }
    }

    /// The fused dense + ReLU against `relu(dense(..))` recorded as two nodes: same values
    /// and gradients within rounding, at odd sizes.
    fn fused_relu_matches_two_nodes<T: Float>(tolerance: f64) {
        for (batch, fan_in, fan_out) in [(1, 1, 1), (7, 17, 1), (17, 7, 23), (1, 1023, 7)] {
            let tape = Tape::<T>::new();
            let values = |shape: &[usize], seed: usize| {
                Tensor::<T>::from_fn(shape, |i| {
                    T::from_f64(((i * 37 + seed * 11) % 41) as f64 / 20.0 - 1.0)
                })
            };
            let x = tape.param(values(&[batch, fan_in], 1));
            let w = tape.param(values(&[fan_in, fan_out], 2));
            let b = tape.param(values(&[fan_out], 3));
            let weights = tape.constant(values(&[batch, fan_out], 4));
            let fused = dense_activation(x, w, Some(b), Activation::Relu);
            let plain = dense(x, w, Some(b)).relu();
            assert!(fused.value().all_close(&plain.value(), T::ZERO, T::ZERO));
            let gf = (fused * weights).sum().backward();
            let gp = (plain * weights).sum().backward();
            for v in [x, w, b] {
                let close = gf[v].all_close(&gp[v], T::from_f64(tolerance), T::from_f64(tolerance));
                assert!(
                    close,
                    "{batch}x{fan_in}x{fan_out}: {:?} vs {:?}",
                    gf[v], gp[v]
                );
            }
        }
    }

    #[test]
    fn fused_relu_matches_two_nodes_f32_and_f64() {
        fused_relu_matches_two_nodes::<f32>(1e-6);
        fused_relu_matches_two_nodes::<f64>(1e-14);
    }

    #[test]
    fn fused_relu_gradients_match_finite_differences() {
        let x = Tensor::from_vec(vec![0.5, -1.0, 2.0, 0.3, -0.7, 1.1], &[2, 3]);
        let w = Tensor::from_vec(vec![0.2, -0.4, 1.0, 0.3, -0.6, 0.9], &[3, 2]);
        let b = Tensor::from_vec(vec![0.1, -0.3], &[2]);
        nabla_autodiff::GradCheck::new()
            .check(&[x, w, b], |_, v| {
                (dense_activation(v[0], v[1], Some(v[2]), Activation::Relu) * 1.5).sum()
            })
            .unwrap();
    }

    #[test]
    fn hand_worked_values_without_bias() {
        // [[1, 2], [3, 4]] x [[1], [-1]] = [[-1], [-1]]
        let tape = Tape::<f32>::new();
        let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
        let w = tape.param(Tensor::from_vec(vec![1.0, -1.0], &[2, 1]));
        let y = dense(x, w, None);
        assert_eq!(y.value().data(), &[-1.0, -1.0]);
        let g = y.sum().backward();
        assert_eq!(g[x].data(), &[1.0, -1.0, 1.0, -1.0]); // rows of w^T
        assert_eq!(g[w].data(), &[4.0, 6.0]); // column sums of x
    }

    #[test]
    #[should_panic(expected = "dense: x has shape [2, 3] and w has shape [2, 4]")]
    fn inner_extent_mismatch_names_both_shapes() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::zeros(&[2, 3]));
        let w = tape.param(Tensor::zeros(&[2, 4]));
        dense(x, w, None);
    }

    #[test]
    #[should_panic(expected = "dense: the bias has shape [3] but w has shape [2, 4]")]
    fn bias_mismatch_names_both_shapes() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::zeros(&[1, 2]));
        let w = tape.param(Tensor::zeros(&[2, 4]));
        let b = tape.param(Tensor::zeros(&[3]));
        dense(x, w, Some(b));
    }
}
