//! Batch normalisation, as a composition of core ops, with its running statistics.

use nabla_autodiff::{Float, Shape, Tensor, Var};

/// Options of [`batch_norm`]. The default is PyTorch's: momentum 0.1, eps 1e-5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchNormOptions<T> {
    /// The weight of each new batch in the running statistics: `running = (1 - momentum)
    /// running + momentum batch` (PyTorch's convention; Keras's `momentum` is `1 -` this).
    pub momentum: T,
    /// Added to the variance before its square root.
    pub eps: T,
}

impl<T: Float> Default for BatchNormOptions<T> {
    fn default() -> Self {
        BatchNormOptions {
            momentum: T::from_f64(0.1),
            eps: T::from_f64(1e-5),
        }
    }
}

/// The running mean and variance of each channel that [`batch_norm`] keeps up in training and
/// normalises with in inference (PyTorch's `running_mean`, `running_var` and
/// `num_batches_tracked`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunningStats<T: Float> {
    /// Running mean per channel, `[C]`; 0 at the start.
    pub mean: Tensor<T>,
    /// Running unbiased variance per channel, `[C]`; 1 at the start.
    pub var: Tensor<T>,
    /// How many training batches have updated the statistics.
    pub batches: usize,
    /// The last batch's mean and biased variance, read into reused memory.
    batch: (Tensor<T>, Tensor<T>),
}

impl<T: Float> RunningStats<T> {
    /// Statistics for `channels` channels: mean 0, variance 1, no batch seen.
    pub fn new(channels: usize) -> Self {
        RunningStats {
            mean: Tensor::zeros(&[channels]),
            var: Tensor::ones(&[channels]),
            batches: 0,
            batch: (Tensor::zeros(&[channels]), Tensor::zeros(&[channels])),
        }
    }

    /// Moves the statistics toward a batch's: `momentum` of the way to its mean and to its
    /// unbiased variance (its biased variance `var` times `count / (count - 1)`).
    fn update(&mut self, mean: Var<'_, T>, var: Var<'_, T>, count: usize, momentum: T) {
        mean.value_into(&mut self.batch.0);
        var.value_into(&mut self.batch.1);
        let unbias = T::from_usize(count) / T::from_usize(count - 1);
        let keep = T::ONE - momentum;
        for (r, &m) in self.mean.data_mut().iter_mut().zip(self.batch.0.data()) {
            *r = keep * *r + momentum * m;
        }
        for (r, &v) in self.var.data_mut().iter_mut().zip(self.batch.1.data()) {
            *r = keep * *r + momentum * v * unbias;
        }
        self.batches += 1;
    }
}

/// Batch normalisation of `x` with channels on axis 1 (`[N, C]`, `[N, C, L]` or `[N, C, H,
/// W]`), as PyTorch's `BatchNorm1d` / `BatchNorm2d`:
///
/// `y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c`
///
/// - In training (`training = true`), `mean_c` and `var_c` are the batch's: the mean and the
///   biased variance over every axis but 1. The gradient flows through them (the full batch
///   norm gradient), and `running` moves toward them: `running = (1 - momentum) running +
///   momentum stat`, with the *unbiased* variance (times `n / (n - 1)` for `n` values per
///   channel), and `running.batches` counts the update.
/// - In inference, `mean_c` and `var_c` are `running`'s, constants; `running` is left as is.
///
/// `weight` and `bias` (`[C]`, the affine transform, PyTorch's `affine = true`) are optional;
/// without them the output is only normalised. Everything is a composition of core ops
/// ([`Var::mean_axes`], square, square root, broadcast arithmetic), so it is differentiable to
/// any order.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::{BatchNormOptions, RunningStats, batch_norm};
///
/// let tape = Tape::<f64>::new();
/// // Two samples, one channel: values 1 and 3, mean 2, biased variance 1.
/// let x = tape.param(Tensor::from_vec(vec![1.0, 3.0], &[2, 1]));
/// let mut running = RunningStats::new(1);
/// let options = BatchNormOptions { eps: 0.0, ..Default::default() };
/// let y = batch_norm(x, None, None, &mut running, true, options);
/// assert_eq!(y.value().data(), &[-1.0, 1.0]);
/// // Running mean 0.9 * 0 + 0.1 * 2; variance 0.9 * 1 + 0.1 * 2 (unbiased: 1 * 2 / 1).
/// assert!((running.mean.data()[0] - 0.2).abs() < 1e-15);
/// assert!((running.var.data()[0] - 1.1).abs() < 1e-15);
/// assert_eq!(running.batches, 1);
///
/// // Inference normalises with the running statistics instead.
/// let y = batch_norm(x, None, None, &mut running, false, options);
/// assert!((y.value().data()[0] - 0.8 / 1.1_f64.sqrt()).abs() < 1e-15);
/// ```
///
/// # Panics
/// If `x` does not have 2 to 4 axes, `running`, `weight` or `bias` does not have one value per
/// channel, or, in training, there is only one value per channel (no variance to estimate);
/// the message names the op and the shapes.
pub fn batch_norm<'t, T: Float>(
    x: Var<'t, T>,
    weight: Option<Var<'t, T>>,
    bias: Option<Var<'t, T>>,
    running: &mut RunningStats<T>,
    training: bool,
    options: BatchNormOptions<T>,
) -> Var<'t, T> {
    let xs = x.shape();
    assert!(
        (2..=4).contains(&xs.len()),
        "batch_norm: expected x of shape [N, C], [N, C, L] or [N, C, H, W], got shape {xs:?}"
    );
    let channels = xs[1];
    for (what, shape) in [
        ("running mean", running.mean.shape()),
        ("running variance", running.var.shape()),
    ] {
        assert!(
            shape == [channels],
            "batch_norm: the {what} has shape {shape:?} but x has shape {xs:?}; expected \
             [{channels}], one per channel (axis 1)"
        );
    }
    for (what, v) in [("weight", weight), ("bias", bias)] {
        if let Some(v) = v {
            let shape = v.shape();
            assert!(
                shape.as_slice() == [channels],
                "batch_norm: the {what} has shape {shape:?} but x has shape {xs:?}; expected \
                 [{channels}], one per channel (axis 1)"
            );
        }
    }
    // [1, C, 1, ...]: one value per channel, broadcast over the other axes.
    let mut per_channel = Shape::from_elem(1, xs.len());
    per_channel[1] = channels;
    let normalized = if training {
        let count = xs.iter().product::<usize>() / channels.max(1);
        assert!(
            count > 1,
            "batch_norm: x of shape {xs:?} has {count} value per channel; training needs more \
             than one to estimate a variance"
        );
        let others: Shape = (0..xs.len()).filter(|&a| a != 1).collect();
        let mean = x.mean_axes(&others, true);
        let centered = x - mean;
        let var = centered.square().mean_axes(&others, true);
        running.update(mean, var, count, options.momentum);
        centered / (var + options.eps).sqrt()
    } else {
        let tape = x.tape();
        let (mean, var) = (running.mean.data(), running.var.data());
        let mean = tape.constant_from_fn(&per_channel, |c| mean[c]);
        let inv_std =
            tape.constant_from_fn(&per_channel, |c| T::ONE / (var[c] + options.eps).sqrt());
        (x - mean) * inv_std
    };
    let scaled = match weight {
        Some(w) => normalized * w.reshape(&per_channel),
        None => normalized,
    };
    match bias {
        Some(b) => scaled + b.reshape(&per_channel),
        None => scaled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::Tape;

    #[test]
    #[should_panic(
        expected = "batch_norm: x of shape [1, 3, 1] has 1 value per channel; \
         training needs more than one to estimate a variance"
    )]
    fn one_value_per_channel_cannot_train() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[1, 3, 1]));
        batch_norm(
            x,
            None,
            None,
            &mut RunningStats::new(3),
            true,
            Default::default(),
        );
    }

    #[test]
    #[should_panic(
        expected = "batch_norm: the running mean has shape [2] but x has shape [4, 3]; \
         expected [3], one per channel (axis 1)"
    )]
    fn running_statistics_of_another_width_are_refused() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[4, 3]));
        batch_norm(
            x,
            None,
            None,
            &mut RunningStats::new(2),
            false,
            Default::default(),
        );
    }

    #[test]
    #[should_panic(expected = "batch_norm: the bias has shape [3, 1] but x has shape [4, 3, 2]")]
    fn a_bias_of_another_shape_is_refused() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[4, 3, 2]));
        let b = tape.param(Tensor::zeros(&[3, 1]));
        batch_norm(
            x,
            None,
            Some(b),
            &mut RunningStats::new(3),
            true,
            Default::default(),
        );
    }

    #[test]
    #[should_panic(
        expected = "batch_norm: expected x of shape [N, C], [N, C, L] or [N, C, H, W], \
         got shape [6]"
    )]
    fn a_vector_is_refused() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[6]));
        batch_norm(
            x,
            None,
            None,
            &mut RunningStats::new(6),
            true,
            Default::default(),
        );
    }
}
