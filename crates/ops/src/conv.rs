//! Convolutions, as compositions of core ops: the sliding windows as columns
//! ([`Var::unfold`], im2col), one batched matrix product with the filters, a reshape and the
//! bias. Each step is a differentiable primitive, so a convolution is differentiable to any
//! order, and its work is one GEMM per image and group.

use nabla_autodiff::{Float, Shape, Var, Window};

/// Options of [`conv2d`]: stride, zero padding (added on both sides) and dilation, each as
/// (height, width), and the number of groups. The default is PyTorch's: stride 1, no padding,
/// dilation 1, one group. Build others with the builder methods.
///
/// ```
/// use nabla_ops::ConvOptions;
/// let o = ConvOptions::default().stride([2, 2]).padding([1, 1]).groups(2);
/// assert_eq!((o.stride, o.padding, o.dilation, o.groups), ([2, 2], [1, 1], [1, 1], 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConvOptions {
    /// Step between window positions (height, width).
    pub stride: [usize; 2],
    /// Zeros added on both sides (height, width).
    pub padding: [usize; 2],
    /// Spacing between kernel taps (height, width); 1 is a dense kernel.
    pub dilation: [usize; 2],
    /// Input and output channels are split into this many groups, each convolved with its
    /// own filters; the input channels must divide by it, and so must the output channels.
    pub groups: usize,
}

impl Default for ConvOptions {
    fn default() -> Self {
        ConvOptions {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }
    }
}

impl ConvOptions {
    /// With this stride.
    pub fn stride(mut self, stride: [usize; 2]) -> Self {
        self.stride = stride;
        self
    }

    /// With this zero padding on both sides.
    pub fn padding(mut self, padding: [usize; 2]) -> Self {
        self.padding = padding;
        self
    }

    /// With this dilation.
    pub fn dilation(mut self, dilation: [usize; 2]) -> Self {
        self.dilation = dilation;
        self
    }

    /// With this many groups.
    pub fn groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self
    }

    /// The sliding window of a `kernel` with these options.
    fn window(&self, kernel: [usize; 2]) -> Window {
        Window::new(kernel)
            .stride(self.stride)
            .padding(self.padding)
            .dilation(self.dilation)
    }
}

/// Options of [`conv1d`]: as [`ConvOptions`], along the one spatial axis. The default is
/// stride 1, no padding, dilation 1, one group.
///
/// ```
/// use nabla_ops::Conv1dOptions;
/// let o = Conv1dOptions::default().stride(2).dilation(3);
/// assert_eq!((o.stride, o.padding, o.dilation, o.groups), (2, 0, 3, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Conv1dOptions {
    /// Step between window positions.
    pub stride: usize,
    /// Zeros added on both sides.
    pub padding: usize,
    /// Spacing between kernel taps; 1 is a dense kernel.
    pub dilation: usize,
    /// Channel groups, as in [`ConvOptions::groups`].
    pub groups: usize,
}

impl Default for Conv1dOptions {
    fn default() -> Self {
        Conv1dOptions {
            stride: 1,
            padding: 0,
            dilation: 1,
            groups: 1,
        }
    }
}

impl Conv1dOptions {
    /// With this stride.
    pub fn stride(mut self, stride: usize) -> Self {
        self.stride = stride;
        self
    }

    /// With this zero padding on both sides.
    pub fn padding(mut self, padding: usize) -> Self {
        self.padding = padding;
        self
    }

    /// With this dilation.
    pub fn dilation(mut self, dilation: usize) -> Self {
        self.dilation = dilation;
        self
    }

    /// With this many groups.
    pub fn groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self
    }
}

/// The 2-D convolution (cross-correlation, as in PyTorch and every deep-learning library) of an
/// image batch `x` `[N, C_in, H, W]` with filters `weight` `[C_out, C_in / groups, kh, kw]`
/// and an optional `bias` `[C_out]`, giving `[N, C_out, OH, OW]`:
///
/// ```text
/// y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q]
///                   * x[n, g(o) C_in/groups + c, i s_h + p d_h - pad_h, j s_w + q d_w - pad_w]
/// ```
///
/// where `g(o) = o / (C_out / groups)` is the group of output channel `o`, `s`, `d` and `pad`
/// are the stride, dilation and padding of `options`, taps in the padding read 0, and
/// `OH = (H + 2 pad_h - d_h (kh - 1) - 1) / s_h + 1` (rounded down; `OW` likewise).
///
/// Computed as `unfold` (im2col: `[N, C_in kh kw, OH OW]`), with the images' columns laid
/// side by side per group (`[groups, C_in/groups kh kw, N OH OW]`), times the filters viewed
/// as `[groups, C_out/groups, C_in/groups kh kw]` in one product for the whole batch, plus the
/// bias, then laid out as `[N, C_out, OH, OW]`. Its gradient is the composition's: `fold`
/// (col2im) of the filters' transpose times the gradient for `x`, the gradient times the
/// columns' transpose for `weight` (one product), and the gradient summed over `N`, `OH`,
/// `OW` for `bias`. Every
/// step is a primitive, so it is differentiable to any order.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::{ConvOptions, conv2d};
///
/// let tape = Tape::<f64>::new();
/// // One 3x3 image: 1 2 3 / 4 5 6 / 7 8 9, and a 2x2 filter summing a window.
/// let x = tape.param(Tensor::from_fn(&[1, 1, 3, 3], |i| (i + 1) as f64));
/// let w = tape.param(Tensor::ones(&[1, 1, 2, 2]));
/// let b = tape.param(Tensor::from_vec(vec![0.5], &[1]));
/// let y = conv2d(x, w, Some(b), ConvOptions::default());
/// assert_eq!(y.shape().as_slice(), &[1, 1, 2, 2]);
/// assert_eq!(y.value().data(), &[12.5, 16.5, 24.5, 28.5]); // 1+2+4+5 = 12, ...
///
/// let g = y.sum().backward();
/// assert_eq!(g[x].data(), &[1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]); // windows per pixel
/// assert_eq!(g[w].data(), &[12.0, 16.0, 24.0, 28.0]);
/// assert_eq!(g[b].data(), &[4.0]);
/// ```
///
/// # Panics
/// If `x` or `weight` is not 4-D, `groups` is 0 or does not divide both channel counts,
/// `weight`'s second axis is not `C_in / groups`, `bias` is not `[C_out]`, or the window does
/// not fit the padded image; the message names the op and the shapes.
pub fn conv2d<'t, T: Float>(
    x: Var<'t, T>,
    weight: Var<'t, T>,
    bias: Option<Var<'t, T>>,
    options: ConvOptions,
) -> Var<'t, T> {
    const OP: &str = "conv2d";
    let (xs, ws) = (x.shape(), weight.shape());
    let bs = bias.map(|b| b.shape());
    let [n, c_in, c_out] = check_shapes(OP, 2, &xs, &ws, bs.as_deref(), options.groups);
    let window = options.window([ws[2], ws[3]]);
    let Some([oh, ow]) = window.output_size([xs[2], xs[3]]) else {
        panic!(
            "{OP}: a kernel of {:?} with stride {:?}, padding {:?} and dilation {:?} does not fit \
             x of shape {xs:?}; the padded image must hold one dilated kernel, and no stride or \
             dilation may be 0",
            window.kernel, window.stride, window.padding, window.dilation
        )
    };
    let layout = Layout {
        n,
        c_in,
        c_out,
        groups: options.groups,
        positions: oh * ow,
    };
    convolve(x, weight, bias, window, layout, &[n, c_out, oh, ow])
}

/// The 1-D convolution of `x` `[N, C_in, L]` with filters `weight` `[C_out, C_in / groups,
/// k]` and an optional `bias` `[C_out]`, giving `[N, C_out, OL]`:
///
/// `y[n, o, i] = b[o] + sum_{c, p} w[o, c, p] x[n, g(o) C_in/groups + c, i s + p d - pad]`
///
/// with `OL = (L + 2 pad - d (k - 1) - 1) / s + 1`: [`conv2d`] on the image `[N, C_in, 1, L]`
/// with a `1 x k` kernel, so it is differentiable to any order too.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::{Conv1dOptions, conv1d};
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 1, 4]));
/// let w = tape.param(Tensor::from_vec(vec![1.0, -1.0], &[1, 1, 2])); // x[i] - x[i + 1]
/// let y = conv1d(x, w, None, Conv1dOptions::default().padding(1));
/// assert_eq!(y.value().data(), &[-1.0, -1.0, -1.0, -1.0, 4.0]); // zeros padded at both ends
/// ```
///
/// # Panics
/// As [`conv2d`], for 3-D `x` and `weight`.
pub fn conv1d<'t, T: Float>(
    x: Var<'t, T>,
    weight: Var<'t, T>,
    bias: Option<Var<'t, T>>,
    options: Conv1dOptions,
) -> Var<'t, T> {
    const OP: &str = "conv1d";
    let (xs, ws) = (x.shape(), weight.shape());
    let bs = bias.map(|b| b.shape());
    let [n, c_in, c_out] = check_shapes(OP, 1, &xs, &ws, bs.as_deref(), options.groups);
    let window = Window::new([1, ws[2]])
        .stride([1, options.stride])
        .padding([0, options.padding])
        .dilation([1, options.dilation]);
    let Some([_, ol]) = window.output_size([1, xs[2]]) else {
        panic!(
            "{OP}: a kernel of {} with stride {}, padding {} and dilation {} does not fit x of \
             shape {xs:?}; the padded sequence must hold one dilated kernel, and no stride or \
             dilation may be 0",
            ws[2], options.stride, options.padding, options.dilation
        )
    };
    let layout = Layout {
        n,
        c_in,
        c_out,
        groups: options.groups,
        positions: ol,
    };
    let image = x.reshape(&[n, c_in, 1, xs[2]]);
    convolve(image, weight, bias, window, layout, &[n, c_out, ol])
}

/// The extents a convolution works with once its shapes are checked.
#[derive(Debug, Clone, Copy)]
struct Layout {
    n: usize,
    c_in: usize,
    c_out: usize,
    groups: usize,
    /// Window positions per image: `OH * OW`.
    positions: usize,
}

/// Checks a convolution's shapes, `spatial` being its number of spatial axes, and returns
/// `[N, C_in, C_out]`.
///
/// # Panics
/// With a message naming `op` and the shapes, if they do not fit.
fn check_shapes(
    op: &str,
    spatial: usize,
    xs: &[usize],
    ws: &[usize],
    bs: Option<&[usize]>,
    groups: usize,
) -> [usize; 3] {
    let (x_axes, w_axes) = if spatial == 2 {
        ("[N, C_in, H, W]", "[C_out, C_in / groups, kh, kw]")
    } else {
        ("[N, C_in, L]", "[C_out, C_in / groups, k]")
    };
    assert!(
        xs.len() == 2 + spatial && ws.len() == 2 + spatial,
        "{op}: x has shape {xs:?} and weight has shape {ws:?}; expected x {x_axes} and weight \
         {w_axes}"
    );
    assert!(groups > 0, "{op}: groups must be at least 1, got 0");
    let (n, c_in, c_out) = (xs[0], xs[1], ws[0]);
    assert!(
        c_in % groups == 0 && c_out % groups == 0,
        "{op}: groups = {groups} must divide the input channels ({c_in}, axis 1 of x of shape \
         {xs:?}) and the output channels ({c_out}, axis 0 of weight of shape {ws:?})"
    );
    assert!(
        ws[1] * groups == c_in,
        "{op}: x has shape {xs:?} and weight has shape {ws:?}; with groups = {groups}, axis 1 of \
         weight must be C_in / groups = {}",
        c_in / groups
    );
    if let Some(bs) = bs {
        assert!(
            bs == [c_out],
            "{op}: the bias has shape {bs:?} but weight has shape {ws:?}; expected a bias of \
             shape [{c_out}]"
        );
    }
    [n, c_in, c_out]
}

/// The convolution of a checked image batch `x` `[N, C_in, H, W]` by `weight` (any shape of
/// `C_out * C_in / groups * kh * kw` elements, filter-major), viewed as `out_shape`, plus the
/// bias.
fn convolve<'t, T: Float>(
    x: Var<'t, T>,
    weight: Var<'t, T>,
    bias: Option<Var<'t, T>>,
    window: Window,
    l: Layout,
    out_shape: &[usize],
) -> Var<'t, T> {
    let depth = l.c_in / l.groups * window.taps();
    let pointwise = window.kernel == [1, 1] && window.stride == [1, 1] && window.padding == [0, 0];
    let columns = if pointwise {
        // A 1x1 kernel at stride 1 reads each pixel once: the columns are the image itself.
        x.reshape(&[l.n, l.c_in, l.positions])
    } else {
        x.unfold(window, T::ZERO)
    };
    // One product for the whole batch: the columns of every image side by side,
    // [g, depth, N L], times the filters [g, C_out/g, depth], gives [g, C_out/g, N L] =
    // [C_out, N L]. (A product per image would pack the filters N times, and the filters'
    // gradient would be N products summed.)
    let side_by_side = if l.groups == 1 {
        columns.permute(&[1, 0, 2])
    } else {
        columns
            .reshape(&[l.n, l.groups, depth, l.positions])
            .permute(&[1, 2, 0, 3])
    };
    let columns = side_by_side.reshape(&[l.groups, depth, l.n * l.positions]);
    let filters = view(weight, &[l.groups, l.c_out / l.groups, depth]);
    let y = filters.matmul(columns);
    let y = match bias {
        // One value per output channel, broadcast along its row.
        Some(b) => y + b.reshape(&[l.groups, l.c_out / l.groups, 1]),
        None => y,
    };
    // [C_out, N, spatial...] with the batch axis moved to the front is `out_shape`.
    let mut channel_major = Shape::from_slice(out_shape);
    channel_major.swap(0, 1);
    let mut perm: Shape = (0..out_shape.len()).collect();
    perm.swap(0, 1);
    y.reshape(&channel_major).permute(&perm)
}

/// `v` viewed as `shape`, recording nothing when it already has it.
pub(crate) fn view<'t, T: Float>(v: Var<'t, T>, shape: &[usize]) -> Var<'t, T> {
    if v.shape().as_slice() == shape {
        v
    } else {
        v.reshape(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};

    /// Runs `conv2d` on zero tensors of the given shapes.
    fn conv_of(x: &[usize], w: &[usize], b: Option<&[usize]>, options: ConvOptions) {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::zeros(x));
        let w = tape.param(Tensor::zeros(w));
        let b = b.map(|b| tape.param(Tensor::zeros(b)));
        conv2d(x, w, b, options);
    }

    #[test]
    #[should_panic(
        expected = "conv2d: x has shape [1, 3, 4] and weight has shape [2, 3, 1, 1]; \
         expected x [N, C_in, H, W] and weight [C_out, C_in / groups, kh, kw]"
    )]
    fn a_3d_image_names_both_shapes() {
        conv_of(&[1, 3, 4], &[2, 3, 1, 1], None, ConvOptions::default());
    }

    #[test]
    #[should_panic(
        expected = "conv2d: x has shape [1, 4, 5, 5] and weight has shape [2, 3, 3, 3]; \
         with groups = 1, axis 1 of weight must be C_in / groups = 4"
    )]
    fn channel_mismatch_names_both_shapes() {
        conv_of(&[1, 4, 5, 5], &[2, 3, 3, 3], None, ConvOptions::default());
    }

    #[test]
    #[should_panic(
        expected = "conv2d: groups = 2 must divide the input channels (3, axis 1 of x \
         of shape [1, 3, 5, 5])"
    )]
    fn groups_must_divide_the_channels() {
        let options = ConvOptions::default().groups(2);
        conv_of(&[1, 3, 5, 5], &[2, 1, 3, 3], None, options);
    }

    #[test]
    #[should_panic(
        expected = "conv2d: the bias has shape [3] but weight has shape [2, 1, 3, 3]; \
         expected a bias of shape [2]"
    )]
    fn bias_mismatch_names_both_shapes() {
        conv_of(
            &[1, 1, 5, 5],
            &[2, 1, 3, 3],
            Some(&[3]),
            ConvOptions::default(),
        );
    }

    #[test]
    #[should_panic(
        expected = "conv2d: a kernel of [3, 3] with stride [1, 1], padding [0, 0] and \
         dilation [2, 2] does not fit x of shape [1, 1, 4, 4]"
    )]
    fn a_kernel_larger_than_the_image_names_both() {
        let options = ConvOptions::default().dilation([2, 2]);
        conv_of(&[1, 1, 4, 4], &[1, 1, 3, 3], None, options);
    }

    #[test]
    #[should_panic(
        expected = "conv1d: a kernel of 4 with stride 1, padding 0 and dilation 1 does \
         not fit x of shape [2, 1, 3]"
    )]
    fn conv1d_names_its_own_shapes() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::zeros(&[2, 1, 3]));
        let w = tape.param(Tensor::zeros(&[1, 1, 4]));
        conv1d(x, w, None, Conv1dOptions::default());
    }

    #[test]
    #[should_panic(
        expected = "conv1d: x has shape [2, 3] and weight has shape [1, 3, 2]; \
         expected x [N, C_in, L] and weight [C_out, C_in / groups, k]"
    )]
    fn conv1d_wants_3d_inputs() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::zeros(&[2, 3]));
        let w = tape.param(Tensor::zeros(&[1, 3, 2]));
        conv1d(x, w, None, Conv1dOptions::default());
    }

    #[test]
    fn a_pointwise_kernel_skips_the_unfold() {
        // 1x1 filters mix channels per pixel: y[o] = sum_c w[o, c] x[c].
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::from_fn(&[1, 2, 1, 2], |i| i as f64)); // c0: 0 1, c1: 2 3
        let w = tape.param(Tensor::from_vec(vec![1.0, 10.0, -1.0, 0.5], &[2, 2, 1, 1]));
        let y = conv2d(x, w, None, ConvOptions::default());
        assert_eq!(y.value().data(), &[20.0, 31.0, 1.0, 0.5]);
    }
}
