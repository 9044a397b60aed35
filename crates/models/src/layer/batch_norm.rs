//! [`BatchNorm1d`] and [`BatchNorm2d`]: batch normalisation with running statistics.

use super::{ForwardCtx, Layer};
use crate::param::Param;
use crate::persist::{LayerSpec, NamedTensors, StateSource};
use nabla_autodiff::{Float, Tensor, Var};
use nabla_ops::{BatchNormOptions, RunningStats, batch_norm};
use std::cell::{Ref, RefCell};

/// What both layers share: the affine parameters, the running statistics (behind a
/// [`RefCell`], as a forward pass takes `&self`) and the options.
#[derive(Debug, Clone)]
struct Norm<T: Float> {
    weight: Param<T>,
    bias: Param<T>,
    running: RefCell<RunningStats<T>>,
    options: BatchNormOptions<T>,
}

impl<T: Float> Norm<T> {
    fn new(channels: usize, options: BatchNormOptions<T>) -> Self {
        Norm {
            weight: Param::new("weight", Tensor::ones(&[channels])),
            bias: Param::new("bias", Tensor::zeros(&[channels])),
            running: RefCell::new(RunningStats::new(channels)),
            options,
        }
    }

    fn channels(&self) -> usize {
        self.weight.numel()
    }

    /// `nn.BatchNorm`'s tensors: `weight`, `bias`, `running_mean` and `running_var`
    /// (PyTorch's `num_batches_tracked` counter is not kept).
    fn state(&self) -> NamedTensors<T> {
        let running = self.running.borrow();
        vec![
            ("weight".into(), self.weight.value().clone()),
            ("bias".into(), self.bias.value().clone()),
            ("running_mean".into(), running.mean.clone()),
            ("running_var".into(), running.var.clone()),
        ]
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        let shape = [self.channels()];
        let weight = source.take("weight", &shape)?;
        let bias = source.take("bias", &shape)?;
        let mean = source.take("running_mean", &shape)?;
        let var = source.take("running_var", &shape)?;
        self.weight.set_value(weight);
        self.bias.set_value(bias);
        let running = self.running.get_mut();
        running.mean = mean;
        running.var = var;
        Ok(())
    }

    fn spec_settings(&self) -> (usize, f64, f64) {
        (
            self.channels(),
            self.options.momentum.to_f64(),
            self.options.eps.to_f64(),
        )
    }

    /// Checks that `x` has one of the `ranks` and `channels` on axis 1, then normalises it
    /// with the batch's statistics (training) or the running ones.
    fn forward<'t>(
        &self,
        name: &str,
        expected: &str,
        ranks: &[usize],
        x: Var<'t, T>,
        training: bool,
    ) -> Var<'t, T> {
        let shape = x.shape();
        let channels = self.channels();
        assert!(
            ranks.contains(&shape.len()) && shape[1] == channels,
            "{name}: expected an input of shape {expected} with C = {channels}, got shape {:?}",
            shape.as_slice()
        );
        let tape = x.tape();
        batch_norm(
            x,
            Some(self.weight.bind(tape)),
            Some(self.bias.bind(tape)),
            &mut self.running.borrow_mut(),
            training,
            self.options,
        )
    }
}

/// Batch normalisation over `[N, C]` or `[N, C, L]` (PyTorch's `nn.BatchNorm1d`): each
/// channel `c` is normalised to `(x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c`, with
/// the batch's mean and biased variance while training (`ForwardCtx::training`), and the
/// running ones otherwise. Training also moves the running statistics toward the batch's
/// (momentum 0.1, unbiased variance; see [`nabla_ops::batch_norm()`]). `weight` starts at 1,
/// `bias` at 0.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{BatchNorm1d, ForwardCtx, Layer};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let norm = BatchNorm1d::<f64>::new(1);
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::from_vec(vec![1.0, 3.0], &[2, 1])); // mean 2, variance 1
/// let mut rng = StdRng::seed_from_u64(0);
/// let y = norm.forward(x, &mut ForwardCtx { training: true, rng: &mut rng });
/// assert!((y.value().data()[0] + 1.0).abs() < 1e-5);
/// assert!((norm.running_stats().mean.data()[0] - 0.2).abs() < 1e-15); // 0.1 of the way to 2
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm1d<T: Float> {
    norm: Norm<T>,
}

impl<T: Float> BatchNorm1d<T> {
    /// Normalisation of `channels` channels with PyTorch's defaults (momentum 0.1, eps 1e-5).
    pub fn new(channels: usize) -> Self {
        Self::with_options(channels, BatchNormOptions::default())
    }

    /// Normalisation with this momentum and eps.
    pub fn with_options(channels: usize, options: BatchNormOptions<T>) -> Self {
        BatchNorm1d {
            norm: Norm::new(channels, options),
        }
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.norm.channels()
    }

    /// The running mean and unbiased variance per channel, and the batches they have seen.
    pub fn running_stats(&self) -> Ref<'_, RunningStats<T>> {
        self.norm.running.borrow()
    }
}

impl<T: Float> Layer<T> for BatchNorm1d<T> {
    fn name(&self) -> String {
        format!("batch_norm1d {}", self.channels())
    }

    /// # Panics
    /// If `x` is not `[N, C]` or `[N, C, L]` with the layer's channels, or while training
    /// if there is only one value per channel; the message names the layer and the shape.
    fn forward<'t>(&self, x: Var<'t, T>, ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let name = Layer::<T>::name(self);
        self.norm
            .forward(&name, "[N, C] or [N, C, L]", &[2, 3], x, ctx.training)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.norm.weight, &self.norm.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.norm.weight, &mut self.norm.bias]
    }

    fn spec(&self) -> Option<LayerSpec> {
        let (channels, momentum, eps) = self.norm.spec_settings();
        Some(LayerSpec::BatchNorm1d {
            channels,
            momentum,
            eps,
        })
    }

    fn state(&self) -> NamedTensors<T> {
        self.norm.state()
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        self.norm.load_state(source)
    }
}

/// Batch normalisation over image batches `[N, C, H, W]` (PyTorch's `nn.BatchNorm2d`): as
/// [`BatchNorm1d`], each channel's statistics taken over the batch and every pixel.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::layer::{BatchNorm2d, ForwardCtx, Layer};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let norm = BatchNorm2d::<f32>::new(16);
/// assert_eq!(norm.param_count(), 32);
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::ones(&[2, 16, 4, 4]));
/// let mut rng = StdRng::seed_from_u64(0);
/// // Evaluation with fresh statistics (mean 0, variance 1) leaves x nearly as is.
/// let y = norm.forward(x, &mut ForwardCtx { training: false, rng: &mut rng });
/// assert!((y.value().data()[0] - 1.0).abs() < 1e-4);
/// assert_eq!(norm.running_stats().batches, 0);
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm2d<T: Float> {
    norm: Norm<T>,
}

impl<T: Float> BatchNorm2d<T> {
    /// Normalisation of `channels` channels with PyTorch's defaults (momentum 0.1, eps 1e-5).
    pub fn new(channels: usize) -> Self {
        Self::with_options(channels, BatchNormOptions::default())
    }

    /// Normalisation with this momentum and eps.
    pub fn with_options(channels: usize, options: BatchNormOptions<T>) -> Self {
        BatchNorm2d {
            norm: Norm::new(channels, options),
        }
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.norm.channels()
    }

    /// The running mean and unbiased variance per channel, and the batches they have seen.
    pub fn running_stats(&self) -> Ref<'_, RunningStats<T>> {
        self.norm.running.borrow()
    }
}

impl<T: Float> Layer<T> for BatchNorm2d<T> {
    fn name(&self) -> String {
        format!("batch_norm2d {}", self.channels())
    }

    /// # Panics
    /// If `x` is not `[N, C, H, W]` with the layer's channels, or while training if there is
    /// only one value per channel; the message names the layer and the shape.
    fn forward<'t>(&self, x: Var<'t, T>, ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        let name = Layer::<T>::name(self);
        self.norm
            .forward(&name, "[N, C, H, W]", &[4], x, ctx.training)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.norm.weight, &self.norm.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.norm.weight, &mut self.norm.bias]
    }

    fn spec(&self) -> Option<LayerSpec> {
        let (channels, momentum, eps) = self.norm.spec_settings();
        Some(LayerSpec::BatchNorm2d {
            channels,
            momentum,
            eps,
        })
    }

    fn state(&self) -> NamedTensors<T> {
        self.norm.state()
    }

    fn load_state(&mut self, source: &mut dyn StateSource<T>) -> Result<(), String> {
        self.norm.load_state(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tape;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    #[should_panic(
        expected = "batch_norm2d 3: expected an input of shape [N, C, H, W] with \
                               C = 3, got shape [2, 4, 5, 5]"
    )]
    fn other_channels_name_the_layer_and_shape() {
        let tape = Tape::<f64>::new();
        let mut rng = StdRng::seed_from_u64(0);
        BatchNorm2d::new(3).forward(
            tape.constant(Tensor::zeros(&[2, 4, 5, 5])),
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
    }

    #[test]
    #[should_panic(
        expected = "batch_norm1d 3: expected an input of shape [N, C] or [N, C, L] \
                               with C = 3, got shape [2, 3, 1, 1]"
    )]
    fn images_are_not_for_the_1d_layer() {
        let tape = Tape::<f64>::new();
        let mut rng = StdRng::seed_from_u64(0);
        BatchNorm1d::new(3).forward(
            tape.constant(Tensor::zeros(&[2, 3, 1, 1])),
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
    }
}
