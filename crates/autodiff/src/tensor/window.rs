//! Sliding windows over images: [`Window`], and `unfold` / `fold` (im2col and its reverse,
//! col2im), which turn a convolution into a matrix product and a pooling into a reduction.

use super::Tensor;
use crate::float::Float;
use crate::shape::{ShapeDisplay, numel};

/// The geometry of a 2-D sliding window, as a convolution or a pooling uses it: kernel size,
/// stride, padding and dilation, each as (height, width). Build it with [`Window::new`] and
/// the builder methods.
///
/// ```
/// use nabla_autodiff::Window;
/// let w = Window::new([3, 3]).stride([2, 2]).padding([1, 1]);
/// assert_eq!(w.output_size([8, 8]), Some([4, 4])); // (8 + 2 - 3) / 2 + 1
/// assert_eq!(Window::new([3, 3]).output_size([2, 5]), None); // too small
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Kernel extent (height, width).
    pub kernel: [usize; 2],
    /// Step between window positions (height, width).
    pub stride: [usize; 2],
    /// Padding added on both sides (height, width).
    pub padding: [usize; 2],
    /// Spacing between kernel taps (height, width): 1 is a dense kernel.
    pub dilation: [usize; 2],
}

impl Window {
    /// A window of this kernel size, with stride 1, no padding and no dilation.
    pub fn new(kernel: [usize; 2]) -> Self {
        Window {
            kernel,
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
        }
    }

    /// With this stride.
    pub fn stride(mut self, stride: [usize; 2]) -> Self {
        self.stride = stride;
        self
    }

    /// With this padding on both sides.
    pub fn padding(mut self, padding: [usize; 2]) -> Self {
        self.padding = padding;
        self
    }

    /// With this dilation.
    pub fn dilation(mut self, dilation: [usize; 2]) -> Self {
        self.dilation = dilation;
        self
    }

    /// Taps in one channel's window: `kernel[0] * kernel[1]`.
    pub fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// The number of window positions (height, width) over an input of `size`, or `None` if
    /// the window does not fit even once (or a kernel, stride or dilation is 0).
    pub fn output_size(&self, size: [usize; 2]) -> Option<[usize; 2]> {
        let along = |a: usize| {
            let span = self.dilation[a] * self.kernel[a].checked_sub(1)? + 1;
            let padded = size[a] + 2 * self.padding[a];
            if self.stride[a] == 0 || self.dilation[a] == 0 || padded < span {
                return None;
            }
            Some((padded - span) / self.stride[a] + 1)
        };
        Some([along(0)?, along(1)?])
    }

    /// The output size for `input`, or a panic naming `op`, the shape and the window.
    fn output_or_panic(&self, op: &str, input: &[usize]) -> [usize; 2] {
        assert!(
            input.len() == 4,
            "{op}: expected an [N, C, H, W] tensor, got shape {}",
            ShapeDisplay(input)
        );
        self.output_size([input[2], input[3]]).unwrap_or_else(|| {
            panic!(
                "{op}: a window of kernel {:?}, stride {:?}, padding {:?} and dilation {:?} does \
                 not fit an input of shape {} (the padded input must hold one dilated kernel, \
                 and no extent may be 0)",
                self.kernel,
                self.stride,
                self.padding,
                self.dilation,
                ShapeDisplay(input)
            )
        })
    }

    /// For each kernel tap (row-major), the output positions that read inside an input of
    /// `size` with `out` window positions: what `unfold` copies and `fold` adds back, found once
    /// per tap rather than once per channel.
    fn tap_spans(&self, size: [usize; 2], out: [usize; 2]) -> impl Iterator<Item = TapSpan> + '_ {
        let [kh, kw] = self.kernel;
        (0..kh * kw).filter_map(move |tap| {
            let (i, j) = (tap / kw, tap % kw);
            let columns = self.valid(1, j, size[1], out[1]);
            let rows = self.valid(0, i, size[0], out[0]);
            let first = columns.clone().next()?;
            Some(TapSpan {
                tap,
                rows,
                first_input_column: first * self.stride[1] + j * self.dilation[1] - self.padding[1],
                columns,
                row_offset: i * self.dilation[0],
            })
        })
    }

    /// The input row that output row `y` of `span` reads.
    fn input_row(&self, span: &TapSpan, y: usize) -> usize {
        y * self.stride[0] + span.row_offset - self.padding[0]
    }

    /// For each output position along axis `a` and kernel tap `k`, the input index, if it is
    /// inside the (unpadded) input of extent `extent`.
    fn source(&self, a: usize, out: usize, k: usize, extent: usize) -> Option<usize> {
        let at = out * self.stride[a] + k * self.dilation[a];
        at.checked_sub(self.padding[a]).filter(|&i| i < extent)
    }

    /// The output positions along axis `a` whose tap `k` reads inside the input: a range.
    fn valid(&self, a: usize, k: usize, extent: usize, outputs: usize) -> std::ops::Range<usize> {
        let first = (0..outputs).find(|&o| self.source(a, o, k, extent).is_some());
        let Some(first) = first else { return 0..0 };
        let last = (first..outputs)
            .rev()
            .find(|&o| self.source(a, o, k, extent).is_some())
            .unwrap_or(first);
        first..last + 1
    }
}

/// The output positions one kernel tap reads inside the input (see [`Window::tap_spans`]).
struct TapSpan {
    /// The tap's index, `i * kw + j`.
    tap: usize,
    /// Output rows whose tap row lies inside the input.
    rows: std::ops::Range<usize>,
    /// Output columns whose tap column lies inside the input.
    columns: std::ops::Range<usize>,
    /// The input column the first of those columns reads; the next ones step by the stride.
    first_input_column: usize,
    /// The tap row's offset before padding: `i * dilation`.
    row_offset: usize,
}

/// Elements of `unfold` of a tensor of `shape` (0 if it does not fit; unfold then panics).
pub(crate) fn unfold_len(shape: &[usize], window: Window) -> usize {
    match shape {
        &[n, c, h, w] => window
            .output_size([h, w])
            .map_or(0, |[oh, ow]| n * c * window.taps() * oh * ow),
        _ => 0,
    }
}

/// Elements of `fold` of columns of `shape` into images of `size`.
pub(crate) fn fold_len(shape: &[usize], window: Window, size: [usize; 2]) -> usize {
    match shape {
        &[n, rows, _] => n * (rows / window.taps().max(1)) * size[0] * size[1],
        _ => 0,
    }
}

impl<T: Float> Tensor<T> {
    /// The sliding windows of an `[N, C, H, W]` image batch as columns (im2col, PyTorch's
    /// `unfold`): `[N, C * kh * kw, L]` with `L` the number of window positions, row
    /// `(c * kh + i) * kw + j` holding tap `(i, j)` of channel `c`. Taps in the padding read
    /// `pad_value` (0 for a convolution, -inf for a max pooling).
    ///
    /// ```
    /// use nabla_autodiff::{Tensor, Window};
    /// let x = Tensor::from_fn(&[1, 1, 2, 3], |i| i as f64); // [[0, 1, 2], [3, 4, 5]]
    /// let cols = x.unfold(Window::new([2, 2]), 0.0);
    /// assert_eq!(cols.shape(), &[1, 4, 2]); // 4 taps, 2 positions
    /// assert_eq!(cols.data(), &[0.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0, 5.0]);
    /// ```
    ///
    /// # Panics
    /// If the tensor is not 4-D or the window does not fit.
    pub fn unfold(&self, window: Window, pad_value: T) -> Self {
        self.unfold_in(window, pad_value, Vec::new())
    }

    /// [`Tensor::unfold`] writing into a reused buffer.
    pub(crate) fn unfold_in(&self, window: Window, pad_value: T, buf: Vec<T>) -> Self {
        let [oh, ow] = window.output_or_panic("unfold", self.shape());
        let &[n, c, h, w] = self.shape() else {
            unreachable!("checked 4-D")
        };
        let [kh, kw] = window.kernel;
        let shape = [n, c * kh * kw, oh * ow];
        let mut out = Tensor::build_in(buf, &shape, |o| o.resize(numel(&shape), pad_value));
        let (src, dst) = (self.data(), out.data_mut());
        let (plane_len, cols_len, row_len) = (h * w, kh * kw * oh * ow, oh * ow);
        for span in window.tap_spans([h, w], [oh, ow]) {
            let (x0, (start, end)) = (
                span.first_input_column,
                (span.columns.start, span.columns.end),
            );
            for (plane, cols) in src
                .chunks_exact(plane_len.max(1))
                .zip(dst.chunks_exact_mut(cols_len.max(1)))
            {
                let row = &mut cols[span.tap * row_len..(span.tap + 1) * row_len];
                for y in span.rows.clone() {
                    let iy = window.input_row(&span, y);
                    let line = &plane[iy * w + x0..(iy + 1) * w];
                    let out_line = &mut row[y * ow + start..y * ow + end];
                    if window.stride[1] == 1 {
                        out_line.copy_from_slice(&line[..out_line.len()]);
                    } else {
                        for (o, &v) in out_line
                            .iter_mut()
                            .zip(line.iter().step_by(window.stride[1]))
                        {
                            *o = v;
                        }
                    }
                }
            }
        }
        out
    }

    /// The reverse of [`Tensor::unfold`] (col2im, PyTorch's `fold`): columns `[N, C * kh * kw,
    /// L]` summed back into an `[N, C, H, W]` image of `size` (H, W), each tap added where it
    /// was read from; taps that fell in the padding are dropped.
    ///
    /// ```
    /// use nabla_autodiff::{Tensor, Window};
    /// let cols = Tensor::<f64>::ones(&[1, 4, 2]);
    /// let image = cols.fold(Window::new([2, 2]), [2, 3]);
    /// assert_eq!(image.data(), &[1.0, 2.0, 1.0, 1.0, 2.0, 1.0]); // how often each was read
    /// ```
    ///
    /// # Panics
    /// If the shapes do not fit the window and `size`.
    pub fn fold(&self, window: Window, size: [usize; 2]) -> Self {
        self.fold_in(window, size, Vec::new())
    }

    /// [`Tensor::fold`] writing into a reused buffer.
    pub(crate) fn fold_in(&self, window: Window, size: [usize; 2], buf: Vec<T>) -> Self {
        let [h, w] = size;
        let [kh, kw] = window.kernel;
        let taps = kh * kw;
        let fits = self.ndim() == 3 && taps > 0 && self.shape()[1].is_multiple_of(taps);
        let [oh, ow] = window.output_size(size).unwrap_or([0, 0]);
        assert!(
            fits && self.shape()[2] == oh * ow && oh * ow > 0,
            "fold: columns of shape {} do not fit a window of kernel {:?}, stride {:?}, padding \
             {:?} and dilation {:?} over an image of size {size:?} (expected [N, C * {taps}, \
             {}])",
            ShapeDisplay(self.shape()),
            window.kernel,
            window.stride,
            window.padding,
            window.dilation,
            oh * ow
        );
        let (n, c) = (self.shape()[0], self.shape()[1] / taps);
        let shape = [n, c, h, w];
        let mut out = Tensor::build_in(buf, &shape, |o| o.resize(numel(&shape), T::ZERO));
        let (src, dst) = (self.data(), out.data_mut());
        let (plane_len, cols_len, row_len) = (h * w, taps * oh * ow, oh * ow);
        for span in window.tap_spans([h, w], [oh, ow]) {
            let (x0, (start, end)) = (
                span.first_input_column,
                (span.columns.start, span.columns.end),
            );
            for (cols, plane) in src
                .chunks_exact(cols_len.max(1))
                .zip(dst.chunks_exact_mut(plane_len.max(1)))
            {
                let row = &cols[span.tap * row_len..(span.tap + 1) * row_len];
                for y in span.rows.clone() {
                    let iy = window.input_row(&span, y);
                    let line = &mut plane[iy * w + x0..(iy + 1) * w];
                    let in_line = &row[y * ow + start..y * ow + end];
                    for (o, &v) in line.iter_mut().step_by(window.stride[1]).zip(in_line) {
                        *o += v;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tap of `x` at output `(y, x)`, kernel `(i, j)`, worked out directly.
    fn tap(img: &Tensor<f64>, w: Window, c: usize, y: usize, x: usize, i: usize, j: usize) -> f64 {
        let (h, width) = (img.shape()[2] as isize, img.shape()[3] as isize);
        let iy = (y * w.stride[0] + i * w.dilation[0]) as isize - w.padding[0] as isize;
        let ix = (x * w.stride[1] + j * w.dilation[1]) as isize - w.padding[1] as isize;
        if iy < 0 || ix < 0 || iy >= h || ix >= width {
            -7.0 // the pad value used below
        } else {
            img.at(&[0, c, iy as usize, ix as usize])
        }
    }

    #[test]
    fn unfold_matches_the_definition_for_every_geometry() {
        let img = Tensor::<f64>::from_fn(&[1, 2, 5, 6], |i| i as f64);
        for stride in [1, 2] {
            for padding in [0, 1, 2] {
                for dilation in [1, 2] {
                    let w = Window::new([3, 2])
                        .stride([stride, stride])
                        .padding([padding, padding])
                        .dilation([dilation, dilation]);
                    let [oh, ow] = w.output_size([5, 6]).unwrap();
                    let cols = img.unfold(w, -7.0);
                    assert_eq!(cols.shape(), &[1, 2 * 6, oh * ow]);
                    for c in 0..2 {
                        for i in 0..3 {
                            for j in 0..2 {
                                for y in 0..oh {
                                    for x in 0..ow {
                                        let row = (c * 3 + i) * 2 + j;
                                        assert_eq!(
                                            cols.at(&[0, row, y * ow + x]),
                                            tap(&img, w, c, y, x, i, j),
                                            "{w:?} c {c} tap ({i}, {j}) at ({y}, {x})"
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fold_is_the_adjoint_of_unfold() {
        // <unfold(x), c> = <x, fold(c)> for any x and c: the two are transposes.
        let w = Window::new([2, 3])
            .stride([2, 1])
            .padding([1, 2])
            .dilation([1, 2]);
        let x = Tensor::<f64>::from_fn(&[2, 3, 4, 5], |i| ((i * 7) % 11) as f64 - 5.0);
        let cols = x.unfold(w, 0.0);
        let c = Tensor::<f64>::from_fn(cols.shape(), |i| ((i * 5) % 13) as f64 - 6.0);
        let left: f64 = cols.data().iter().zip(c.data()).map(|(a, b)| a * b).sum();
        let folded = c.fold(w, [4, 5]);
        let right: f64 = x.data().iter().zip(folded.data()).map(|(a, b)| a * b).sum();
        assert_eq!(left, right);
    }

    #[test]
    #[should_panic(expected = "unfold: a window of kernel [3, 3]")]
    fn a_window_larger_than_the_image_names_both() {
        Tensor::<f64>::zeros(&[1, 1, 2, 2]).unfold(Window::new([3, 3]), 0.0);
    }
}
