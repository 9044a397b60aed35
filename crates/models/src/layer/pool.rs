//! [`MaxPool2d`] and [`AvgPool2d`]: pooling over sliding windows of image batches.

use super::conv2d::pair;
use super::{ForwardCtx, Layer};
use crate::param::Param;
use nabla_autodiff::{Float, Var, Window};
use nabla_ops::{avg_pool2d, max_pool2d};

/// The window both pooling layers share: kernel, stride (the kernel by default, as in
/// PyTorch) and padding.
fn window(kernel: [usize; 2]) -> Window {
    Window::new(kernel).stride(kernel)
}

/// `max_pool2d 2x2`, plus the stride if it is not the kernel and the padding if any.
fn describe(op: &str, w: &Window) -> String {
    let [kh, kw] = w.kernel;
    let mut name = format!("{op} {kh}x{kw}");
    if w.stride != w.kernel {
        name += &format!(" stride {}", pair(w.stride));
    }
    if w.padding != [0, 0] {
        name += &format!(" pad {}", pair(w.padding));
    }
    name
}

/// 2-D max pooling of images `[N, C, H, W]`, each channel on its own (see
/// [`nabla_ops::max_pool2d`]). The stride defaults to the kernel, as in PyTorch's
/// `nn.MaxPool2d`, so `MaxPool2d::new([2, 2])` halves the height and width. No parameters.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{ForwardCtx, Layer, MaxPool2d};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let pool = MaxPool2d::new([2, 2]);
/// let tape = Tape::<f64>::new();
/// let x = tape.constant(Tensor::from_fn(&[1, 1, 2, 4], |i| i as f64));
/// let mut rng = StdRng::seed_from_u64(0);
/// let y = pool.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.value().data(), &[5.0, 7.0]); // max of 0 1 / 4 5 and of 2 3 / 6 7
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d {
    window: Window,
}

impl MaxPool2d {
    /// Pooling over windows of `kernel` (height, width), stride `kernel`, no padding.
    pub fn new(kernel: [usize; 2]) -> Self {
        MaxPool2d {
            window: window(kernel),
        }
    }

    /// With this stride.
    pub fn stride(mut self, stride: [usize; 2]) -> Self {
        self.window.stride = stride;
        self
    }

    /// With this padding on both sides (at most half the kernel; padded taps never win).
    pub fn padding(mut self, padding: [usize; 2]) -> Self {
        self.window.padding = padding;
        self
    }

    /// The window: kernel, stride and padding.
    pub fn window(&self) -> Window {
        self.window
    }
}

impl<T: Float> Layer<T> for MaxPool2d {
    fn name(&self) -> String {
        describe("max_pool2d", &self.window)
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        max_pool2d(x, self.window)
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }
}

/// 2-D average pooling of images `[N, C, H, W]`, each channel on its own (see
/// [`nabla_ops::avg_pool2d`]; padded taps count as zeros in the mean, PyTorch's default). The
/// stride defaults to the kernel. No parameters.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{AvgPool2d, ForwardCtx, Layer};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let pool = AvgPool2d::new([2, 2]);
/// let tape = Tape::<f64>::new();
/// let x = tape.constant(Tensor::from_fn(&[1, 1, 2, 4], |i| i as f64));
/// let mut rng = StdRng::seed_from_u64(0);
/// let y = pool.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.value().data(), &[2.5, 4.5]); // (0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvgPool2d {
    window: Window,
}

impl AvgPool2d {
    /// Pooling over windows of `kernel` (height, width), stride `kernel`, no padding.
    pub fn new(kernel: [usize; 2]) -> Self {
        AvgPool2d {
            window: window(kernel),
        }
    }

    /// With this stride.
    pub fn stride(mut self, stride: [usize; 2]) -> Self {
        self.window.stride = stride;
        self
    }

    /// With this zero padding on both sides (at most half the kernel).
    pub fn padding(mut self, padding: [usize; 2]) -> Self {
        self.window.padding = padding;
        self
    }

    /// The window: kernel, stride and padding.
    pub fn window(&self) -> Window {
        self.window
    }
}

impl<T: Float> Layer<T> for AvgPool2d {
    fn name(&self) -> String {
        describe("avg_pool2d", &self.window)
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        avg_pool2d(x, self.window)
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_stride_and_padding_only_when_they_differ() {
        assert_eq!(
            Layer::<f32>::name(&MaxPool2d::new([2, 2])),
            "max_pool2d 2x2"
        );
        let pool = AvgPool2d::new([3, 3]).stride([1, 1]).padding([1, 1]);
        assert_eq!(Layer::<f32>::name(&pool), "avg_pool2d 3x3 stride 1 pad 1");
        assert_eq!(pool.window(), Window::new([3, 3]).padding([1, 1]));
    }
}
