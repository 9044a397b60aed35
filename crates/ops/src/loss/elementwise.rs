//! The node shared by the element-wise losses (regression and binary): each loss states only
//! its per-element value and slope; weighting, reduction and backward are written once here.
//! The slope is written once, in the [`Elem`] vocabulary: the fast backward pass evaluates it
//! element by element, the recorded one builds it from vars for higher-order gradients.

use super::check::Checker;
use super::{LossError, Reduction};
use nabla_autodiff::{CustomOp, Elem, Float, NotDifferentiable, Num, Scratch, Tensor, Var};
use std::borrow::Cow;

/// A loss on one prediction `x` and its target `y`.
pub(crate) trait PointLoss<T: Float>: 'static {
    /// l(x, y) for an element in column `label` of its sample.
    fn value(&self, x: T, y: T, label: usize) -> T;
    /// dl/dx at (x, y); `weight` is the element's per-label weight where the loss has one
    /// ([`PointLoss::label_weights`]).
    fn slope<S: Elem<T>>(&self, x: S, y: S, weight: Option<S>) -> S;
    /// A weight per label (per column of a sample), if the loss has them.
    fn label_weights(&self) -> Option<&[T]> {
        None
    }
    /// dl/dx in symbols (`x` the prediction, `y` the target), for graph dumps.
    fn slope_rule(&self) -> String;
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

    fn vjp_rule(&self, input: usize, _shapes: &[&[usize]]) -> Option<String> {
        Some(match input {
            0 => self.reduction.rule(
                "x",
                &self.kernel.slope_rule(),
                self.sample_weights.is_some(),
                self.total_weight,
            ),
            _ => "none: the targets are data".into(),
        })
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        let (x, y) = (inputs[0], inputs[1]);
        let k = self.per_sample;
        let weighted = x.data().iter().zip(y.data()).enumerate();
        let weighted =
            weighted.map(|(i, (&x, &y))| self.weight(i) * self.kernel.value(x, y, i % k));
        self.reduction
            .output(weighted, x.shape(), self.total_weight, scratch)
    }

    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        _output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        if input != 0 {
            return None; // targets are data
        }
        let (x, y) = (inputs[0], inputs[1]);
        let k = self.per_sample;
        let upstream = self.reduction.upstream(grad, self.total_weight);
        let labels = self.kernel.label_weights();
        let (xs, ys) = (x.data(), y.data());
        Some(scratch.from_fn(x.shape(), |i| {
            let q = labels.map(|q| Num(q[(i % k) % q.len()]));
            let slope = self.kernel.slope(Num(xs[i]), Num(ys[i]), q).0;
            upstream(i) * self.weight(i) * slope
        }))
    }

    /// `upstream * w * slope(x, y)` on vars, the weights as constants.
    fn vjp_graph<'t>(
        &self,
        input: usize,
        inputs: &[Var<'t, T>],
        _output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
        if input != 0 {
            return Ok(None);
        }
        let (x, y) = (inputs[0], inputs[1]);
        let (tape, shape) = (x.tape(), x.shape());
        let q = self
            .kernel
            .label_weights()
            .map(|q| tape.constant(Tensor::from_fn(&shape[1..], |j| q[j % q.len()])));
        let mut d = self.kernel.slope(x, y, q);
        if let Some(w) = &self.sample_weights {
            let mut column = vec![1; shape.len()];
            column[0] = shape[0];
            d = d * tape.constant(Tensor::from_vec(w.clone(), &column));
        }
        Ok(Some(self.reduction.chain(d, grad, self.total_weight)))
    }
}
