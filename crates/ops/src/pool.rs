//! Max and average pooling over sliding windows, as compositions of core ops: each channel's
//! windows as columns ([`Var::unfold`]), then a maximum ([`Var::max_axes`]) or a mean
//! ([`Var::mean_axes`]) over the taps. Differentiable to any order.

use crate::conv::view;
use nabla_autodiff::{Float, Var, Window};

/// 2-D max pooling of `x` `[N, C, H, W]`, each channel on its own, giving `[N, C, OH, OW]`
/// with `OH`, `OW` as for [`Window::output_size`] (rounded down, PyTorch's `ceil_mode =
/// false`):
///
/// `y[n, c, i, j] = max_{p, q} x[n, c, i s_h + p d_h - pad_h, j s_w + q d_w - pad_w]`
///
/// over the `kh x kw` taps of the window, taps in the padding reading `-inf` (so padding never
/// wins), as PyTorch's `max_pool2d`. Only a window lying wholly in the padding, which takes
/// dilation (a 2x2 kernel dilated by 2 with padding 1 over a 1-pixel image), gives `-inf`; it
/// passes no gradient. Note PyTorch's default stride is the kernel size; here it is whatever
/// `window` says (`Window::new([2, 2]).stride([2, 2])` for the usual halving).
///
/// The gradient of each output goes to the input element that holds its window's maximum.
/// Where several taps tie for the maximum, the gradient is shared equally among them (each
/// gets `g / ties`; PyTorch gives it all to the first), and an element that is the maximum of
/// several overlapping windows collects from each. Computed as `unfold` (of `x` viewed as `[N C,
/// 1, H, W]`) followed by [`Var::max_axes`] over the taps, which is where the sharing comes
/// from.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor, Window};
/// use nabla_ops::max_pool2d;
///
/// let tape = Tape::<f64>::new();
/// // 1 2 / 3 4 and a tie: 5 5 / 0 0, in one 2x2 window each.
/// let planes = vec![1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 0.0, 0.0];
/// let x = tape.param(Tensor::from_vec(planes, &[1, 2, 2, 2]));
/// let y = max_pool2d(x, Window::new([2, 2]));
/// assert_eq!(y.value().data(), &[4.0, 5.0]);
/// assert_eq!(y.sum().backward()[x].data(), &[0.0, 0.0, 0.0, 1.0, 0.5, 0.5, 0.0, 0.0]);
/// ```
///
/// # Panics
/// If `x` is not 4-D, the padding is more than half the kernel (PyTorch's rule) or the window
/// does not fit the padded image; the message names the op, the shape and the window.
pub fn max_pool2d<'t, T: Float>(x: Var<'t, T>, window: Window) -> Var<'t, T> {
    pool("max_pool2d", x, window, T::NEG_INFINITY, |columns| {
        columns.max_axes(&[1], false)
    })
}

/// 2-D average pooling of `x` `[N, C, H, W]`, each channel on its own, giving `[N, C, OH, OW]`:
///
/// `y[n, c, i, j] = 1 / (kh kw) sum_{p, q} x[n, c, i s_h + p d_h - pad_h, j s_w + q d_w - pad_w]`
///
/// taps in the padding reading 0 and counting in the divisor, as PyTorch's `avg_pool2d` with
/// `count_include_pad = true` (its default). The window's dilation, which PyTorch's
/// `avg_pool2d` does not offer, spaces the taps; the mean is still over `kh kw` of them. Each
/// input element gets `g / (kh kw)` from every window that reads it. Computed as `unfold`
/// followed by [`Var::mean_axes`] over the taps.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor, Window};
/// use nabla_ops::avg_pool2d;
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]));
/// // Padding 1, stride 2: four windows, each holding one element and three padded zeros.
/// let y = avg_pool2d(x, Window::new([2, 2]).stride([2, 2]).padding([1, 1]));
/// assert_eq!(y.value().data(), &[0.25, 0.5, 0.75, 1.0]);
/// assert_eq!(y.sum().backward()[x].data(), &[0.25; 4]);
/// ```
///
/// # Panics
/// As [`max_pool2d`].
pub fn avg_pool2d<'t, T: Float>(x: Var<'t, T>, window: Window) -> Var<'t, T> {
    pool("avg_pool2d", x, window, T::ZERO, |columns| {
        columns.mean_axes(&[1], false)
    })
}

/// Checks the shapes, unfolds each channel of `x` (taps in the padding reading `pad_value`) to
/// `[N C, taps, L]`, reduces the taps with `reduce` to `[N C, L]` and views the result as `[N,
/// C, OH, OW]`.
fn pool<'t, T: Float>(
    op: &str,
    x: Var<'t, T>,
    window: Window,
    pad_value: T,
    reduce: impl FnOnce(Var<'t, T>) -> Var<'t, T>,
) -> Var<'t, T> {
    let xs = x.shape();
    let &[n, c, h, w] = xs.as_slice() else {
        panic!("{op}: expected x of shape [N, C, H, W], got shape {xs:?}")
    };
    let [kh, kw] = window.kernel;
    assert!(
        window.padding[0] <= kh / 2 && window.padding[1] <= kw / 2,
        "{op}: padding {:?} is more than half the kernel {:?} (x of shape {xs:?}); padding may \
         be at most kernel / 2, as in PyTorch",
        window.padding,
        window.kernel
    );
    let Some([oh, ow]) = window.output_size([h, w]) else {
        panic!(
            "{op}: a window of kernel {:?}, stride {:?}, padding {:?} and dilation {:?} does not \
             fit x of shape {xs:?}; the padded image must hold one dilated kernel, and no \
             extent, stride or dilation may be 0",
            window.kernel, window.stride, window.padding, window.dilation
        )
    };
    let channels = view(x, &[n * c, 1, h, w]).unfold(window, pad_value);
    view(reduce(channels), &[n, c, oh, ow])
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};

    fn pool_zeros(x: &[usize], window: Window, max: bool) {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(x));
        if max {
            max_pool2d(x, window);
        } else {
            avg_pool2d(x, window);
        }
    }

    #[test]
    #[should_panic(expected = "max_pool2d: expected x of shape [N, C, H, W], got shape [3, 4]")]
    fn a_matrix_is_refused() {
        pool_zeros(&[3, 4], Window::new([2, 2]), true);
    }

    #[test]
    #[should_panic(
        expected = "avg_pool2d: padding [2, 1] is more than half the kernel [3, 3] \
         (x of shape [1, 1, 5, 5])"
    )]
    fn padding_beyond_half_the_kernel_is_refused() {
        pool_zeros(&[1, 1, 5, 5], Window::new([3, 3]).padding([2, 1]), false);
    }

    #[test]
    #[should_panic(
        expected = "max_pool2d: a window of kernel [3, 3], stride [1, 1], padding \
         [0, 0] and dilation [1, 1] does not fit x of shape [1, 2, 2, 5]"
    )]
    fn a_window_larger_than_the_image_names_both() {
        pool_zeros(&[1, 2, 2, 5], Window::new([3, 3]), true);
    }

    #[test]
    fn padding_never_wins_a_maximum() {
        // All-negative values with padding: the -inf taps lose to every real one.
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::from_vec(
            vec![-3.0, -1.0, -2.0, -4.0],
            &[1, 1, 2, 2],
        ));
        let window = Window::new([2, 2]).stride([2, 2]).padding([1, 1]);
        let y = max_pool2d(x, window);
        assert_eq!(y.value().data(), &[-3.0, -1.0, -2.0, -4.0]);
        assert_eq!(y.sum().backward()[x].data(), &[1.0; 4]);
    }
}
