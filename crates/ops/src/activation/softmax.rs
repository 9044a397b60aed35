//! Softmax and log-softmax along one axis, each a node whose backward works lane by lane,
//! never through a materialised Jacobian.

use nabla_autodiff::{CustomOp, Float, NotDifferentiable, Scratch, Tensor, Var};
use std::borrow::Cow;

/// Softmax along `axis`: `s_k = e^(x_k - m) / sum_j e^(x_j - m)`, `m` the maximum of the lane,
/// so each lane along `axis` is a probability distribution. Backward computes
/// `s * (g - sum(g * s))` lane by lane (fused on the fast path, recorded from the same formula
/// on vars for higher-order gradients).
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let z = tape.param(Tensor::from_vec(vec![0.0, 2.0_f64.ln()], &[1, 2]));
/// let p = nabla_ops::softmax(z, 1);
/// assert!((p.value().data()[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
///
/// # Panics
/// If `axis` is out of range for `x`'s shape.
pub fn softmax<'t, T: Float>(x: Var<'t, T>, axis: usize) -> Var<'t, T> {
    let op = SoftmaxOp {
        kind: Kind::Softmax,
        axis,
    };
    x.apply(op, &[])
}

/// Log-softmax along `axis`: `x_k - m - ln sum_j e^(x_j - m)`, `m` the lane maximum; finite
/// wherever `x` is. Backward computes `g - softmax(x) * sum(g)` lane by lane.
///
/// # Panics
/// If `axis` is out of range for `x`'s shape.
pub fn log_softmax<'t, T: Float>(x: Var<'t, T>, axis: usize) -> Var<'t, T> {
    let op = SoftmaxOp {
        kind: Kind::LogSoftmax,
        axis,
    };
    x.apply(op, &[])
}

/// One lane along an axis of a row-major tensor: the positions `start + k * stride`, `k < len`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lane {
    start: usize,
    stride: usize,
    len: usize,
}

impl Lane {
    /// A contiguous lane (a row).
    pub(crate) fn row(start: usize, len: usize) -> Self {
        Lane {
            start,
            stride: 1,
            len,
        }
    }

    /// The element positions, in order.
    pub(crate) fn positions(self) -> impl Iterator<Item = usize> + Clone {
        (0..self.len).map(move |k| self.start + k * self.stride)
    }
}

/// Calls `f` on every lane along `axis` of `shape`.
///
/// # Panics
/// If `axis` is out of range; `op` names the caller in the message (a closure, so that the
/// name is only formatted when it is needed: a training step allocates nothing here).
fn for_each_lane<S: std::fmt::Display>(
    op: impl FnOnce() -> S,
    shape: &[usize],
    axis: usize,
    mut f: impl FnMut(Lane),
) {
    assert!(
        axis < shape.len(),
        "{}: axis {axis} is out of range for shape {shape:?} ({} axes)",
        op(),
        shape.len()
    );
    let len = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    for o in 0..outer {
        for i in 0..stride {
            f(Lane {
                start: o * len * stride + i,
                stride,
                len,
            });
        }
    }
}

/// The largest element of a lane (-inf for an empty lane, NaN if any is NaN).
fn lane_max<T: Float>(x: &[T], lane: Lane) -> T {
    lane.positions().fold(T::NEG_INFINITY, |m, k| m.max(x[k]))
}

/// The lane's maximum `m` and `ln sum_k e^(x_k - m)`: log-softmax is then `(x_k - m)` minus
/// the second, with `x_k - m` exact and no exponential able to overflow.
pub(crate) fn max_and_log_sum<T: Float>(x: &[T], lane: Lane) -> (T, T) {
    let max = lane_max(x, lane);
    let sum = lane
        .positions()
        .fold(T::ZERO, |s, k| s + (x[k] - max).exp());
    (max, sum.ln())
}

/// Which function a [`SoftmaxOp`] node computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// s_k = e^{x_k - m} / sum_j e^{x_j - m}, m the lane maximum.
    Softmax,
    /// x_k - m - ln sum_j e^{x_j - m}.
    LogSoftmax,
}

/// The node: softmax or log-softmax along `axis`.
pub(crate) struct SoftmaxOp {
    pub(crate) kind: Kind,
    pub(crate) axis: usize,
}

impl<T: Float> CustomOp<T> for SoftmaxOp {
    fn name(&self) -> Cow<'_, str> {
        match self.kind {
            Kind::Softmax => format!("softmax axis {}", self.axis).into(),
            Kind::LogSoftmax => format!("log_softmax axis {}", self.axis).into(),
        }
    }

    fn vjp_rule(&self, _input: usize, _shapes: &[&[usize]]) -> Option<String> {
        let axis = self.axis;
        Some(match self.kind {
            Kind::Softmax => format!("dL/dx = y ⊙ (g - Σ_axis{axis} y ⊙ g)"),
            Kind::LogSoftmax => format!("dL/dx = g - e^y ⊙ Σ_axis{axis} g"),
        })
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let mut out = scratch.copy_of(x);
        let o = out.data_mut();
        let kind = self.kind;
        for_each_lane(
            || <Self as CustomOp<T>>::name(self),
            x.shape(),
            self.axis,
            |lane| match kind {
                Kind::Softmax => {
                    let max = lane_max(o, lane);
                    let mut sum = T::ZERO;
                    for k in lane.positions() {
                        o[k] = (o[k] - max).exp();
                        sum += o[k];
                    }
                    let inv = T::ONE / sum;
                    lane.positions().for_each(|k| o[k] *= inv);
                }
                Kind::LogSoftmax => {
                    let (max, log_sum) = max_and_log_sum(o, lane);
                    lane.positions().for_each(|k| o[k] = (o[k] - max) - log_sum);
                }
            },
        );
        out
    }

    fn vjp(
        &self,
        _input: usize,
        _inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        let mut dx = scratch.copy_of(grad);
        let (y, d) = (output.data(), dx.data_mut());
        let kind = self.kind;
        for_each_lane(
            || <Self as CustomOp<T>>::name(self),
            output.shape(),
            self.axis,
            |lane| match kind {
                // dx = s * (g - sum(g * s))
                Kind::Softmax => {
                    let dot = lane.positions().fold(T::ZERO, |a, k| a + d[k] * y[k]);
                    lane.positions().for_each(|k| d[k] = y[k] * (d[k] - dot));
                }
                // dx = g - softmax * sum(g), softmax = e^y
                Kind::LogSoftmax => {
                    let total = lane.positions().fold(T::ZERO, |a, k| a + d[k]);
                    lane.positions().for_each(|k| d[k] -= y[k].exp() * total);
                }
            },
        );
        Some(dx)
    }

    /// The same products on vars: `y (g - sum(g y))` and `g - e^y sum(g)` along the axis.
    fn vjp_graph<'t>(
        &self,
        _input: usize,
        _inputs: &[Var<'t, T>],
        output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
        let axis = [self.axis];
        Ok(Some(match self.kind {
            Kind::Softmax => output * (grad - (grad * output).sum_axes(&axis, true)),
            Kind::LogSoftmax => grad - output.exp() * grad.sum_axes(&axis, true),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: Kind, axis: usize, x: &Tensor<f64>) -> Tensor<f64> {
        let mut op = SoftmaxOp { kind, axis };
        CustomOp::<f64>::forward(&mut op, &[x], &mut Scratch::default())
    }

    #[test]
    fn softmax_of_a_hand_worked_row() {
        // e^0, e^1, e^2 over their sum 1 + e + e^2 = 11.107337927389695.
        let x = Tensor::from_vec(vec![0.0, 1.0, 2.0], &[1, 3]);
        let s = run(Kind::Softmax, 1, &x);
        let expected = [
            0.090_030_573_170_380_46,
            0.244_728_471_054_797_6,
            0.665_240_955_774_821_9,
        ];
        for (a, b) in s.data().iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        let l = run(Kind::LogSoftmax, 1, &x);
        assert!((l.data()[2] - (2.0 - 11.107_337_927_389_695_f64.ln())).abs() < 1e-15);
    }

    #[test]
    fn any_axis_normalises_its_own_lanes() {
        let x = Tensor::<f64>::from_fn(&[2, 3, 4], |i| ((i * 7) % 5) as f64 - 2.0);
        for axis in 0..3 {
            let s = run(Kind::Softmax, axis, &x);
            let sums = s.sum_axes(&[axis], false);
            assert!(
                sums.data().iter().all(|v| (v - 1.0).abs() < 1e-14),
                "axis {axis}"
            );
            let l = run(Kind::LogSoftmax, axis, &x);
            assert!(l.map(f64::exp).all_close(&s, 1e-14, 1e-15), "axis {axis}");
        }
    }

    #[test]
    fn subtracting_the_maximum_keeps_huge_logits_finite() {
        let x = Tensor::from_vec(
            vec![1000.0_f32, 0.0, -1000.0, 10_000.0, 9_999.0, 0.0],
            &[2, 3],
        );
        let s = run_f32(Kind::Softmax, &x);
        assert_eq!(&s.data()[..3], &[1.0, 0.0, 0.0]);
        let l = run_f32(Kind::LogSoftmax, &x);
        assert_eq!(&l.data()[..3], &[0.0, -1000.0, -2000.0]);
        // Row [10000, 9999, 0]: log-softmax of the second is -ln(1 + e) = -1.3132617.
        assert!((l.data()[4] + 1.313_261_7).abs() < 1e-6);
        assert!(s.all_finite() && l.all_finite());
    }

    fn run_f32(kind: Kind, x: &Tensor<f32>) -> Tensor<f32> {
        let mut op = SoftmaxOp { kind, axis: 1 };
        CustomOp::<f32>::forward(&mut op, &[x], &mut Scratch::default())
    }

    #[test]
    #[should_panic(expected = "softmax axis 2: axis 2 is out of range for shape [2, 3]")]
    fn axis_out_of_range_names_the_shape() {
        run(Kind::Softmax, 2, &Tensor::zeros(&[2, 3]));
    }
}
