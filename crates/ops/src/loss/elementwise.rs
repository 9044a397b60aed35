//! The node shared by the element-wise losses (regression and binary): each loss states only
//! its per-element value and slope; weighting, reduction and backward are written once here.

use super::check::Checker;
use super::{LossError, Reduction};
use nabla_autodiff::{BufferPool, CustomOp, Float, Tensor, Var};
use std::borrow::Cow;

/// A loss on one prediction `x` and its target `y`. `label` is the element's position within
/// its sample (its column), for per-label options.
pub(crate) trait PointLoss<T: Float>: 'static {
    /// l(x, y).
    fn value(&self, x: T, y: T, label: usize) -> T;
    /// dl/dx at (x, y).
    fn slope(&self, x: T, y: T, label: usize) -> T;
}

/// The node: inputs are the predictions and the targets, of the same shape `[batch, ...]`.
pub(crate) struct ElementwiseLoss<T, L> {
    /// The loss function's name, for graph dumps.
    name: &'static str,
    kernel: L,
    /// Elements per sample: the product of the extents after the first.
    per_sample: usize,
    sample_weights: Option<Vec<T>>,
    reduction: Reduction,
    /// The sum of every element's weight.
    total_weight: T,
}

impl<T: Float, L: PointLoss<T>> ElementwiseLoss<T, L> {
    /// Checks the inputs of the loss named `loss` and records it. `kernel` gets the checker
    /// and the (checked) shape, to validate its own options and build the per-element loss.
    pub(crate) fn record<'t>(
        loss: &'static str,
        predictions: Var<'t, T>,
        targets: Var<'t, T>,
        sample_weights: Option<&[T]>,
        reduction: Reduction,
        kernel: impl FnOnce(&Checker, &[usize]) -> Result<L, LossError>,
    ) -> Result<Var<'t, T>, LossError> {
        let checker = Checker { loss };
        let shape = checker.same_shape(predictions, targets)?;
        let sample_weights = checker.sample_weights(sample_weights, shape[0])?;
        let kernel = kernel(&checker, &shape)?;
        let per_sample: usize = shape[1..].iter().product();
        let total_weight = match &sample_weights {
            Some(w) => T::from_usize(per_sample) * w.iter().copied().sum::<T>(),
            None => T::from_usize(per_sample * shape[0]),
        };
        let op = ElementwiseLoss {
            name: loss,
            kernel,
            per_sample,
            sample_weights,
            reduction,
            total_weight,
        };
        Ok(predictions.apply(op, &[targets]))
    }

    /// The weight of element `i` (that of its sample).
    fn weight(&self, i: usize) -> T {
        match &self.sample_weights {
            Some(w) => w[i / self.per_sample],
            None => T::ONE,
        }
    }
}

impl<T: Float, L: PointLoss<T>> CustomOp<T> for ElementwiseLoss<T, L> {
    fn name(&self) -> Cow<'_, str> {
        self.name.into()
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], pool: &mut BufferPool<T>) -> Tensor<T> {
        let (x, y) = (inputs[0], inputs[1]);
        let k = self.per_sample;
        let weighted = x.data().iter().zip(y.data()).enumerate();
        let weighted =
            weighted.map(|(i, (&x, &y))| self.weight(i) * self.kernel.value(x, y, i % k));
        self.reduction
            .output(weighted, x.shape(), self.total_weight, pool)
    }

    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        _output: &Tensor<T>,
        grad: &Tensor<T>,
        pool: &mut BufferPool<T>,
    ) -> Option<Tensor<T>> {
        if input != 0 {
            return None; // targets are data
        }
        let (x, y) = (inputs[0], inputs[1]);
        let k = self.per_sample;
        let upstream = self.reduction.upstream(grad, self.total_weight);
        let mut buf = pool.take(x.numel());
        buf.extend(
            x.data()
                .iter()
                .zip(y.data())
                .enumerate()
                .map(|(i, (&x, &y))| upstream(i) * self.weight(i) * self.kernel.slope(x, y, i % k)),
        );
        Some(Tensor::from_vec(buf, x.shape()))
    }
}
