//! Sliding windows as differentiable ops: `unfold` (im2col) and `fold` (col2im), each the
//! other's gradient. A convolution is `unfold` followed by a matrix product, a pooling
//! `unfold` followed by a reduction over the taps.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::ShapeDisplay;
use crate::tape::Var;
use crate::tensor::{Tensor, Window, fold_len, unfold_len};
use smallvec::smallvec;
use std::borrow::Cow;

/// `[N, C, H, W]` -> `[N, C * kh * kw, L]`, taps in the padding reading `pad_value`.
pub(crate) struct Unfold<T> {
    window: Window,
    pad_value: T,
}

/// `[N, C * kh * kw, L]` -> `[N, C, H, W]` of `size`, overlapping taps summed.
pub(crate) struct Fold {
    window: Window,
    size: [usize; 2],
}

impl<'t, T: Float> Var<'t, T> {
    /// The sliding windows of an `[N, C, H, W]` var as columns `[N, C * kh * kw, L]` (see
    /// [`Tensor::unfold`]); taps in the padding read `pad_value`. Its gradient is
    /// [`Var::fold`] of the incoming gradient (padding taps dropped).
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor, Window};
    /// // A 2x2 convolution with one filter as unfold + matmul: y = w . window.
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_fn(&[1, 1, 3, 3], |i| i as f64));
    /// let w = tape.param(Tensor::from_vec(vec![1.0, 0.0, 0.0, -1.0], &[1, 4]));
    /// let y = w.matmul(x.unfold(Window::new([2, 2]), 0.0)); // [1, 1, 4]: x[i,j] - x[i+1,j+1]
    /// assert_eq!(y.value().data(), &[-4.0, -4.0, -4.0, -4.0]);
    /// ```
    ///
    /// # Panics
    /// If the var is not 4-D or the window does not fit.
    pub fn unfold(self, window: Window, pad_value: T) -> Self {
        let op = Unfold { window, pad_value };
        self.tape.record(Op::Unfold(op), smallvec![self.key])
    }

    /// Columns `[N, C * kh * kw, L]` summed back into an `[N, C, H, W]` image of `size` (see
    /// [`Tensor::fold`]). Its gradient is [`Var::unfold`] of the incoming gradient.
    ///
    /// # Panics
    /// If the shapes do not fit the window and `size`.
    pub fn fold(self, window: Window, size: [usize; 2]) -> Self {
        let op = Fold { window, size };
        self.tape.record(Op::Fold(op), smallvec![self.key])
    }
}

impl<T: Float> Primitive<T> for Unfold<T> {
    fn name(&self) -> Cow<'_, str> {
        describe("unfold", &self.window).into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!(
            "dL/dx = g's columns summed back into the image {} (col2im)",
            ShapeDisplay(shapes[0])
        )
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let len = unfold_len(x.shape(), self.window);
        x.unfold_in(self.window, self.pad_value, s.take(len))
    }

    /// Each tap was read from one input element (or the padding): the taps' gradients add up
    /// where they were read, which is `fold`.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let shape = b.shape(x[0]);
        Some(b.fold(g, self.window, [shape[2], shape[3]]))
    }
}

impl<T: Float> Primitive<T> for Fold {
    fn name(&self) -> Cow<'_, str> {
        describe("fold", &self.window).into()
    }

    fn rule(&self, _i: usize, _shapes: &[&[usize]]) -> String {
        "dL/dx = g's sliding windows as columns (im2col)".to_string()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let len = fold_len(x.shape(), self.window, self.size);
        x.fold_in(self.window, self.size, s.take(len))
    }

    /// Each output element is a sum of taps: each tap gets the gradient of where it landed,
    /// which is `unfold` (padding taps get nothing: they landed nowhere).
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, _x: &[B::V], g: B::V) -> Option<B::V> {
        Some(b.unfold(g, self.window, T::ZERO))
    }
}

/// `unfold 3x3 stride 2 padding 1` and so on, leaving out the defaults.
fn describe(op: &str, w: &Window) -> String {
    let mut name = format!("{op} {}x{}", w.kernel[0], w.kernel[1]);
    if w.stride != [1, 1] {
        name += &format!(" stride {:?}", w.stride);
    }
    if w.padding != [0, 0] {
        name += &format!(" padding {:?}", w.padding);
    }
    if w.dilation != [1, 1] {
        name += &format!(" dilation {:?}", w.dilation);
    }
    name
}
