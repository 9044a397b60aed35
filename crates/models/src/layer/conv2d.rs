//! [`Conv2d`]: a 2-D convolution over image batches, with an optional activation.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::LayerSpec;
use nabla_autodiff::{Float, Tensor, Var};
use nabla_ops::{Activation, ConvOptions, Init, conv2d};
use rand::Rng;

/// A 2-D convolution layer: `y = activation(conv2d(x, W) + b)` for images `x` of shape
/// `[N, C_in, H, W]`, giving `[N, C_out, OH, OW]` (see [`nabla_ops::conv2d`] for the sizes).
///
/// The filters `W` have shape `[C_out, C_in / groups, kh, kw]` and the bias `b` shape
/// `[C_out]`. Both start as PyTorch's `nn.Conv2d` does: uniform in `+-1 / sqrt(fan_in)` with
/// `fan_in = C_in / groups * kh * kw` ([`Init::TorchDefault`]). Stride, padding and dilation
/// are set with the builder methods (they do not change the parameters); groups, which do,
/// with [`Conv2d::with_options`].
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{Conv2d, ForwardCtx, Layer};
/// use nabla_ops::Activation;
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let conv = Conv2d::<f32>::new(1, 16, [3, 3], &mut rng)
///     .padding([1, 1])
///     .activation(Activation::Relu);
/// assert_eq!(Layer::<f32>::name(&conv), "conv2d 1->16 3x3 pad 1 relu");
/// assert_eq!(conv.param_count(), 16 * 9 + 16);
///
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::ones(&[2, 1, 8, 8]));
/// let y = conv.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert_eq!(y.shape().as_slice(), &[2, 16, 8, 8]);
/// ```
#[derive(Debug, Clone)]
pub struct Conv2d<T: Float> {
    weight: Param<T>,
    bias: Param<T>,
    options: ConvOptions,
    activation: Activation,
}

impl<T: Float> Conv2d<T> {
    /// A convolution from `in_channels` to `out_channels` with a `kernel` of (height, width),
    /// stride 1, no padding, no dilation, one group and no activation.
    pub fn new<R: Rng + ?Sized>(
        in_channels: usize,
        out_channels: usize,
        kernel: [usize; 2],
        rng: &mut R,
    ) -> Self {
        Self::with_options(
            in_channels,
            out_channels,
            kernel,
            ConvOptions::default(),
            rng,
        )
    }

    /// A convolution with these `options` (stride, padding, dilation and groups).
    ///
    /// # Panics
    /// If `groups` is 0 or does not divide both channel counts, or a channel count or a
    /// kernel extent is 0.
    pub fn with_options<R: Rng + ?Sized>(
        in_channels: usize,
        out_channels: usize,
        kernel: [usize; 2],
        options: ConvOptions,
        rng: &mut R,
    ) -> Self {
        let groups = options.groups;
        assert!(
            groups > 0 && in_channels % groups == 0 && out_channels % groups == 0,
            "conv2d {in_channels}->{out_channels}: {groups} groups must divide both channel counts"
        );
        assert!(
            in_channels > 0 && out_channels > 0 && kernel[0] > 0 && kernel[1] > 0,
            "conv2d {in_channels}->{out_channels}: channel counts and the kernel {kernel:?} must \
             not be 0"
        );
        let per_group = in_channels / groups;
        let fan_in = per_group * kernel[0] * kernel[1];
        let fan_out = out_channels / groups * kernel[0] * kernel[1];
        let shape = [out_channels, per_group, kernel[0], kernel[1]];
        let weight = Init::TorchDefault.tensor(&shape, fan_in, fan_out, rng);
        let bias = Init::TorchDefault.tensor(&[out_channels], fan_in, fan_out, rng);
        Conv2d {
            weight: Param::new("weight", weight),
            bias: Param::new("bias", bias),
            options,
            activation: Activation::Identity,
        }
    }

    /// With this stride (height, width).
    pub fn stride(mut self, stride: [usize; 2]) -> Self {
        self.options.stride = stride;
        self
    }

    /// With this zero padding on both sides (height, width).
    pub fn padding(mut self, padding: [usize; 2]) -> Self {
        self.options.padding = padding;
        self
    }

    /// With this dilation (height, width).
    pub fn dilation(mut self, dilation: [usize; 2]) -> Self {
        self.options.dilation = dilation;
        self
    }

    /// With this activation applied to the convolution's output (identity by default).
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.weight.value().shape()[1] * self.options.groups
    }

    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.weight.value().shape()[0]
    }

    /// Kernel (height, width).
    pub fn kernel(&self) -> [usize; 2] {
        let s = self.weight.value().shape();
        [s[2], s[3]]
    }

    /// Stride, padding, dilation and groups.
    pub fn options(&self) -> ConvOptions {
        self.options
    }

    /// The filters, `[C_out, C_in / groups, kh, kw]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias, `[C_out]`.
    pub fn bias(&self) -> &Param<T> {
        &self.bias
    }

    /// Replaces the filters and the bias (to load trained values, say).
    ///
    /// # Panics
    /// If either shape differs from the current one; the message names both.
    pub fn set_weights(&mut self, weight: Tensor<T>, bias: Tensor<T>) {
        for (param, value) in [(&mut self.weight, weight), (&mut self.bias, bias)] {
            assert!(
                param.value().shape() == value.shape(),
                "conv2d: the {} has shape {:?}, got a value of shape {:?}",
                param.name(),
                param.value().shape(),
                value.shape()
            );
            param.set_value(value);
        }
    }
}

/// `a` or `axb` for a pair.
pub(super) fn pair(p: [usize; 2]) -> String {
    if p[0] == p[1] {
        p[0].to_string()
    } else {
        format!("{}x{}", p[0], p[1])
    }
}

impl<T: Float> Layer<T> for Conv2d<T> {
    fn name(&self) -> String {
        let [kh, kw] = self.kernel();
        let o = self.options;
        let mut name = format!(
            "conv2d {}->{} {kh}x{kw}",
            self.in_channels(),
            self.out_channels()
        );
        if o.stride != [1, 1] {
            name += &format!(" stride {}", pair(o.stride));
        }
        if o.padding != [0, 0] {
            name += &format!(" pad {}", pair(o.padding));
        }
        if o.dilation != [1, 1] {
            name += &format!(" dilation {}", pair(o.dilation));
        }
        if o.groups != 1 {
            name += &format!(" groups {}", o.groups);
        }
        if self.activation != Activation::Identity {
            name += &format!(" {}", self.activation);
        }
        name
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let tape = x.tape();
        let y = conv2d(
            x,
            self.weight.bind(tape),
            Some(self.bias.bind(tape)),
            self.options,
        );
        self.activation.apply(y)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.weight, &self.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight, &mut self.bias]
    }

    fn spec(&self) -> Option<LayerSpec> {
        let o = self.options;
        Some(LayerSpec::Conv2d {
            in_channels: self.in_channels(),
            out_channels: self.out_channels(),
            kernel: self.kernel(),
            stride: o.stride,
            padding: o.padding,
            dilation: o.dilation,
            groups: o.groups,
            activation: self.activation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tape;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn names_show_every_option_that_is_not_the_default() {
        let mut rng = StdRng::seed_from_u64(0);
        let options = ConvOptions::default().groups(2);
        let conv = Conv2d::<f64>::with_options(4, 6, [3, 1], options, &mut rng)
            .stride([2, 2])
            .padding([1, 0])
            .dilation([2, 2]);
        assert_eq!(
            Layer::<f64>::name(&conv),
            "conv2d 4->6 3x1 stride 2 pad 1x0 dilation 2 groups 2"
        );
        assert_eq!(conv.weight().value().shape(), &[6, 2, 3, 1]);
        assert_eq!(conv.in_channels(), 4);
    }

    #[test]
    fn grouped_init_bounds_use_the_per_group_fan_in() {
        // fan_in = 8 / 4 * 3 * 3 = 18.
        let mut rng = StdRng::seed_from_u64(1);
        let options = ConvOptions::default().groups(4);
        let conv = Conv2d::<f64>::with_options(8, 8, [3, 3], options, &mut rng);
        let bound = 1.0 / 18.0_f64.sqrt();
        let w = conv.weight().value().data();
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(w.iter().any(|v| v.abs() > 0.9 * bound));
    }

    #[test]
    #[should_panic(expected = "conv2d 3->4: 2 groups must divide both channel counts")]
    fn groups_that_do_not_divide_are_refused() {
        let options = ConvOptions::default().groups(2);
        Conv2d::<f64>::with_options(3, 4, [3, 3], options, &mut StdRng::seed_from_u64(0));
    }

    #[test]
    fn relu_clamps_the_output() {
        let mut rng = StdRng::seed_from_u64(0);
        let mut conv = Conv2d::<f64>::new(1, 1, [1, 1], &mut rng).activation(Activation::Relu);
        conv.set_weights(
            Tensor::from_vec(vec![-1.0], &[1, 1, 1, 1]),
            Tensor::from_vec(vec![0.5], &[1]),
        );
        let tape = Tape::new();
        let x = tape.constant(Tensor::from_vec(vec![0.0, 1.0], &[1, 1, 1, 2]));
        let y = conv.forward(
            x,
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
        assert_eq!(y.value().data(), &[0.5, 0.0]);
    }
}
