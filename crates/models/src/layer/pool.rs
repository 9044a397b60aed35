//! [`MaxPool2d`] and [`AvgPool2d`]: pooling over sliding windows of image batches, one
//! [`Pool2d`] layer with the reduction as a parameter.

use super::conv2d::pair;
use super::{ForwardCtx, Layer};
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Var, Window};
use nabla_ops::{avg_pool2d, max_pool2d};

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
pub type MaxPool2d = Pool2d<true>;

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
pub type AvgPool2d = Pool2d<false>;

/// 2-D pooling over sliding windows: the maximum of each window ([`MaxPool2d`], `MAX` true)
/// or its mean ([`AvgPool2d`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool2d<const MAX: bool> {
    window: Window,
}

impl<const MAX: bool> Pool2d<MAX> {
    /// Pooling over windows of `kernel` (height, width), stride `kernel`, no padding.
    pub fn new(kernel: [usize; 2]) -> Self {
        Pool2d {
            window: Window::new(kernel).stride(kernel),
        }
    }

    /// With this stride.
    pub fn stride(mut self, stride: [usize; 2]) -> Self {
        self.window.stride = stride;
        self
    }

    /// With this padding on both sides (at most half the kernel; a max pooling's padded taps
    /// never win, an average pooling's count as zeros).
    pub fn padding(mut self, padding: [usize; 2]) -> Self {
        self.window.padding = padding;
        self
    }

    /// The window: kernel, stride and padding.
    pub fn window(&self) -> Window {
        self.window
    }
}

impl<T: Float, const MAX: bool> Layer<T> for Pool2d<MAX> {
    /// `max_pool2d 2x2`, plus the stride if it is not the kernel and the padding if any.
    fn name(&self) -> String {
        let w = &self.window;
        let [kh, kw] = w.kernel;
        let op = if MAX { "max_pool2d" } else { "avg_pool2d" };
        let mut name = format!("{op} {kh}x{kw}");
        if w.stride != w.kernel {
            name += &format!(" stride {}", pair(w.stride));
        }
        if w.padding != [0, 0] {
            name += &format!(" pad {}", pair(w.padding));
        }
        name
    }

    fn spec(&self) -> Option<LayerSpec> {
        let Window {
            kernel,
            stride,
            padding,
            ..
        } = self.window;
        Some(if MAX {
            LayerSpec::MaxPool2d {
                kernel,
                stride,
                padding,
            }
        } else {
            LayerSpec::AvgPool2d {
                kernel,
                stride,
                padding,
            }
        })
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        if MAX {
            max_pool2d(x, self.window)
        } else {
            avg_pool2d(x, self.window)
        }
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
