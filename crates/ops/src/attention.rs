//! Masked softmax and log-softmax for attention, and the causal mask.
//!
//! A mask is *additive*: it is added to the scores before the softmax, 0 where a position may
//! be attended to and `-inf` where it may not (any finite value works too, as a bias). A lane
//! whose every entry is masked has no distribution to give; these functions make it all zeros
//! (softmax) or all `-inf` (log-softmax), with no gradient, instead of the NaN that `0 / 0`
//! would give, so that one fully masked row (a padded query, say) cannot spoil the gradient of
//! everything upstream of the scores.

use crate::{log_softmax, softmax};
use nabla_autodiff::shape::can_broadcast_to;
use nabla_autodiff::{Comparison, Float, Shape, Tape, Var};

/// The causal (look-ahead) mask for `t` positions: `[t, t]`, 0 on and below the diagonal and
/// `-inf` above it, so that position `i` attends to positions `j <= i` only. A constant built
/// in the tape's recycled memory.
///
/// ```
/// use nabla_autodiff::Tape;
/// let tape = Tape::<f32>::new();
/// let m = nabla_ops::causal_mask(&tape, 2);
/// assert_eq!(m.value().data(), &[0.0, f32::NEG_INFINITY, 0.0, 0.0]);
/// ```
pub fn causal_mask<T: Float>(tape: &Tape<T>, t: usize) -> Var<'_, T> {
    tape.constant_from_fn(&[t, t], |i| {
        if i % t > i / t {
            T::NEG_INFINITY
        } else {
            T::ZERO
        }
    })
}

/// Softmax along `axis` of `x + mask`, the additive `mask` broadcast to `x`'s shape (`[t, t]`
/// for scores `[batch, heads, t, t]`, say):
///
/// `s_k = e^(x_k + m_k) / sum_j e^(x_j + m_j)`
///
/// so entries with `m_k = -inf` get probability 0 and no gradient. A lane along `axis` in which
/// every entry is masked gives zeros, and its gradient with respect to `x` (and the mask) is 0;
/// other lanes are unaffected. The gradient flows into the mask as into `x`, so a learned
/// bias works as well.
///
/// Built from core ops and [`softmax`]: where a lane is fully masked the mask is replaced by 0
/// before the softmax (so nothing there is `-inf - (-inf)`), and the output is replaced by 0
/// after it with [`Var::where_cond`], through which no gradient flows to the side not chosen.
/// Differentiable to any order.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::{causal_mask, softmax_masked};
///
/// let tape = Tape::<f64>::new();
/// let scores = tape.param(Tensor::from_vec(vec![0.0, 5.0, 0.0, 0.0], &[2, 2]));
/// let p = softmax_masked(scores, 1, causal_mask(&tape, 2));
/// assert_eq!(p.value().data(), &[1.0, 0.0, 0.5, 0.5]); // row 0 sees only itself
///
/// // A fully masked row gives zeros, and no NaN anywhere in the gradient.
/// let none = tape.constant(Tensor::from_vec(vec![f64::NEG_INFINITY; 2], &[1, 2]));
/// let p = softmax_masked(scores, 1, none);
/// assert_eq!(p.value().data(), &[0.0; 4]);
/// assert_eq!(p.sum().backward()[scores].data(), &[0.0; 4]);
/// ```
///
/// # Panics
/// If `axis` is out of range or `mask` does not broadcast to `x`'s shape.
pub fn softmax_masked<'t, T: Float>(x: Var<'t, T>, axis: usize, mask: Var<'t, T>) -> Var<'t, T> {
    let lanes = Lanes::new("softmax_masked", x, axis, mask);
    if lanes.all_live() {
        return softmax(x + mask, axis);
    }
    let zero = x.tape().scalar(T::ZERO);
    let safe = lanes.live.where_cond(mask, zero);
    lanes.live.where_cond(softmax(x + safe, axis), zero)
}

/// Log-softmax along `axis` of `x + mask`, the additive `mask` broadcast to `x`'s shape:
///
/// `l_k = x_k + m_k - ln sum_j e^(x_j + m_j)`
///
/// Masked entries (`m_k = -inf`) give `-inf` and pass no gradient back: the gradient of an
/// allowed entry is `g_k - s_k sum_{j allowed} g_j`, the gradient arriving at masked entries
/// being ignored. A lane in which every entry is masked gives `-inf` throughout and gradient 0;
/// other lanes are unaffected. Built like [`softmax_masked`] on [`log_softmax`];
/// differentiable to any order.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::{causal_mask, log_softmax_masked};
///
/// let tape = Tape::<f64>::new();
/// let scores = tape.param(Tensor::from_vec(vec![0.0, 5.0, 1.0, 1.0], &[2, 2]));
/// let l = log_softmax_masked(scores, 1, causal_mask(&tape, 2));
/// let l = l.value();
/// assert_eq!(&l.data()[..2], &[0.0, f64::NEG_INFINITY]); // row 0 sees only itself
/// assert!(l.data()[2..].iter().all(|v| (v - 0.5_f64.ln()).abs() < 1e-15));
/// ```
///
/// # Panics
/// As [`softmax_masked`].
pub fn log_softmax_masked<'t, T: Float>(
    x: Var<'t, T>,
    axis: usize,
    mask: Var<'t, T>,
) -> Var<'t, T> {
    let lanes = Lanes::new("log_softmax_masked", x, axis, mask);
    let tape = x.tape();
    let masked = tape.scalar(T::NEG_INFINITY);
    let logs = if lanes.all_live() {
        log_softmax(x + mask, axis)
    } else {
        let safe = lanes.live.where_cond(mask, tape.scalar(T::ZERO));
        log_softmax(x + safe, axis)
    };
    // -inf where masked, with no gradient: log-softmax's own rule would hand the gradient of
    // a masked entry on to the others.
    lanes.allowed.where_cond(logs, masked)
}

/// Which entries of a mask are allowed, and which lanes of `x` have any allowed entry: two
/// constants, each shaped to broadcast to `x`.
struct Lanes<'t, T: Float> {
    /// 1 where the mask is above `-inf`, else 0; the mask's shape.
    allowed: Var<'t, T>,
    /// 1 where the lane along the axis has an allowed entry, else 0.
    live: Var<'t, T>,
}

impl<'t, T: Float> Lanes<'t, T> {
    /// Checks the shapes (panicking with `op` and both shapes) and finds the live lanes.
    fn new(op: &str, x: Var<'t, T>, axis: usize, mask: Var<'t, T>) -> Self {
        let (xs, ms) = (x.shape(), mask.shape());
        assert!(
            axis < xs.len(),
            "{op}: axis {axis} is out of range for x of shape {xs:?} ({} axes)",
            xs.len()
        );
        assert!(
            can_broadcast_to(&ms, &xs),
            "{op}: the mask has shape {ms:?}, which does not broadcast to x's shape {xs:?}"
        );
        let allowed = mask.mask(Comparison::Gt, T::NEG_INFINITY);
        // The lane axis as the mask sees it (aligned at the last axis). Where the mask has no
        // such axis, or extent 1 there, each lane reads one mask value: live is allowed.
        let lane_axis = (axis + ms.len()).checked_sub(xs.len());
        let live = match lane_axis {
            Some(a) if ms[a] > 1 => allowed.max_axes(&[a], true),
            _ => allowed,
        };
        Lanes { allowed, live }
    }

    /// Whether every lane has an allowed entry (the usual case: a causal mask, say).
    fn all_live(&self) -> bool {
        let shape = self.live.shape();
        if shape.is_empty() {
            return self.live.item() == T::ONE;
        }
        let axes: Shape = (0..shape.len()).collect();
        self.live.min_axes(&axes, false).item() == T::ONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tensor;

    #[test]
    #[should_panic(
        expected = "softmax_masked: the mask has shape [3, 3], which does not \
         broadcast to x's shape [2, 4, 4]"
    )]
    fn a_mask_of_another_shape_names_both() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[2, 4, 4]));
        softmax_masked(x, 2, causal_mask(&tape, 3));
    }

    #[test]
    #[should_panic(expected = "log_softmax_masked: axis 2 is out of range for x of shape [4, 4]")]
    fn an_axis_out_of_range_names_the_shape() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[4, 4]));
        log_softmax_masked(x, 2, causal_mask(&tape, 4));
    }

    #[test]
    fn a_mask_lane_of_extent_one_is_its_own_liveness() {
        // A [3, 1] mask along axis 1 of [3, 2]: one value per lane; lane 1 fully masked.
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::from_vec(
            vec![0.0, 0.0, 1.0, 2.0, 3.0, 3.0],
            &[3, 2],
        ));
        let mask = tape.constant(Tensor::from_vec(vec![0.0, f64::NEG_INFINITY, 0.0], &[3, 1]));
        let p = softmax_masked(x, 1, mask);
        assert_eq!(p.value().data(), &[0.5, 0.5, 0.0, 0.0, 0.5, 0.5]);
        let g = (p * tape.constant(Tensor::from_fn(&[3, 2], |i| i as f64))).sum();
        let g = g.backward();
        assert!(g[x].all_finite());
        assert_eq!(&g[x].data()[2..4], &[0.0, 0.0]);
    }
}
