//! Multi-class cross-entropy on probabilities and on logits, for one-hot or soft targets and
//! for integer labels, as one node per loss.

use super::check::Checker;
use super::{LossError, Reduction, above_floor, floored_ln};
use crate::activation::{Lane, max_and_log_sum, softmax};
use nabla_autodiff::{CustomOp, Elem, Float, NotDifferentiable, Scratch, Tensor, Var};
use std::borrow::Cow;

/// Options of the categorical cross-entropies.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CategoricalOptions<'a, T> {
    /// How the per-sample losses are combined (mean by default).
    pub reduction: Reduction,
    /// One non-negative weight per sample (row).
    pub sample_weights: Option<&'a [T]>,
    /// One non-negative weight per class, as PyTorch's `CrossEntropyLoss(weight=...)`: the mean
    /// then divides by the summed weights of the samples' classes.
    pub class_weights: Option<&'a [T]>,
    /// Label smoothing `e` in `[0, 1]`: targets become `(1 - e) y + e / C` for `C` classes, as
    /// in PyTorch and Keras.
    pub label_smoothing: T,
}

/// Categorical cross-entropy on probabilities `p` (outputs of a softmax), `[batch, classes]`,
/// against one-hot or soft targets `y` of the same shape. For sample `n`, with `y'` the smoothed
/// targets, `c_k` the class weights and `s_n` the sample weight (each 1 by default):
///
/// `l_n = -sum_k c_k y'_nk ln max(p_nk, eps)`, weighted by `s_n`; the mean divides
/// `sum_n s_n l_n` by `sum_n s_n sum_k c_k y_nk` (the unsmoothed targets; without class weights,
/// by `sum_n s_n`). The floor `eps` = [`EPSILON`](super::EPSILON) = 1e-7 (Keras's) keeps the
/// logarithm finite at 0; no gradient flows through it while the floor holds.
///
/// For one-hot targets this is exactly PyTorch's `CrossEntropyLoss` with `weight` and
/// `label_smoothing`. Prefer [`categorical_cross_entropy_with_logits`], which needs no floor.
///
/// # Errors
/// If the predictions are not 2-D, the shapes differ, or a weight list or the smoothing does
/// not fit.
pub fn categorical_cross_entropy<'t, T: Float>(
    probabilities: Var<'t, T>,
    targets: Var<'t, T>,
    options: CategoricalOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let checker = Checker {
        loss: "categorical_cross_entropy",
    };
    checker.same_shape(probabilities, targets)?;
    CrossEntropy::record(
        checker,
        false,
        probabilities,
        LossTargets::Dense(targets),
        options,
    )
}

/// Categorical cross-entropy on logits `z`, `[batch, classes]`, fused with the softmax: for
/// sample `n`, `ln p_nk = z_nk - m - ln sum_j e^(z_nj - m)` with `m` the row maximum, so any
/// spread of logits stays finite, and the loss is that of [`categorical_cross_entropy`]. The
/// gradient is `s_n (C_n softmax(z_n) - c * y'_n)` over the mean's divisor, with
/// `C_n = sum_k c_k y'_nk`: without weights, `(softmax(z) - y) / n`.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::loss::categorical_cross_entropy_with_logits;
///
/// let tape = Tape::<f64>::new();
/// let z = tape.param(Tensor::from_vec(vec![0.0, 0.0, 3.0_f64.ln()], &[1, 3]));
/// let y = tape.constant(Tensor::from_vec(vec![0.0, 0.0, 1.0], &[1, 3]));
/// let loss = categorical_cross_entropy_with_logits(z, y, Default::default()).unwrap();
/// assert!((loss.item() - (5.0_f64 / 3.0).ln()).abs() < 1e-15); // p = [0.2, 0.2, 0.6]
/// let g = loss.backward();
/// assert!(g[z].all_close(&Tensor::from_vec(vec![0.2, 0.2, -0.4], &[1, 3]), 1e-15, 1e-15));
/// ```
///
/// # Errors
/// As [`categorical_cross_entropy`].
pub fn categorical_cross_entropy_with_logits<'t, T: Float>(
    logits: Var<'t, T>,
    targets: Var<'t, T>,
    options: CategoricalOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let checker = Checker {
        loss: "categorical_cross_entropy_with_logits",
    };
    checker.same_shape(logits, targets)?;
    CrossEntropy::record(checker, true, logits, LossTargets::Dense(targets), options)
}

/// Categorical cross-entropy on probabilities `[batch, classes]` against integer labels, one
/// per sample: the same loss as [`categorical_cross_entropy`] with the one-hot targets of the
/// labels, without building them.
///
/// # Errors
/// If a label is not below the number of classes (the error names the label and the class
/// count), the labels are not one per row, or an option does not fit.
pub fn sparse_categorical_cross_entropy<'t, T: Float>(
    probabilities: Var<'t, T>,
    labels: &[usize],
    options: CategoricalOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let checker = Checker {
        loss: "sparse_categorical_cross_entropy",
    };
    CrossEntropy::record(
        checker,
        false,
        probabilities,
        LossTargets::Labels(labels),
        options,
    )
}

/// Categorical cross-entropy on logits `[batch, classes]` against integer labels: the loss and
/// gradient of [`categorical_cross_entropy_with_logits`] with one-hot targets.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::loss::{CategoricalOptions, sparse_categorical_cross_entropy_with_logits};
///
/// let tape = Tape::<f64>::new();
/// let z = tape.param(Tensor::zeros(&[2, 4]));
/// let loss = sparse_categorical_cross_entropy_with_logits(z, &[3, 0], Default::default());
/// assert!((loss.unwrap().item() - 4.0_f64.ln()).abs() < 1e-15); // uniform over 4 classes
///
/// let err = sparse_categorical_cross_entropy_with_logits(z, &[3, 4], Default::default());
/// assert!(err.unwrap_err().to_string().contains("label 4 (row 1) is not a class index for 4 classes"));
/// ```
///
/// # Errors
/// As [`sparse_categorical_cross_entropy`].
pub fn sparse_categorical_cross_entropy_with_logits<'t, T: Float>(
    logits: Var<'t, T>,
    labels: &[usize],
    options: CategoricalOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let checker = Checker {
        loss: "sparse_categorical_cross_entropy_with_logits",
    };
    CrossEntropy::record(checker, true, logits, LossTargets::Labels(labels), options)
}

/// A batch's targets, in either form a loss reads: a `[batch, k]` matrix on the tape
/// (continuous values, 0/1 columns, one-hot or multi-hot rows) or one class index per row.
#[derive(Debug, Clone, Copy)]
pub enum LossTargets<'t, 'a, T: Float> {
    /// A `[batch, k]` var.
    Dense(Var<'t, T>),
    /// One class index per row.
    Labels(&'a [usize]),
}

/// The name of the sparse losses' labels on the tape (dumps show it), shared so that naming
/// them allocates nothing per step.
static LABELS: std::sync::LazyLock<std::sync::Arc<str>> =
    std::sync::LazyLock::new(|| "labels".into());

/// The node: inputs are the predictions and the targets, either `[batch, classes]` or (for
/// the sparse losses) one class index per row, held as a `[batch]` constant so that it lives
/// in the tape's recycled memory like every other value.
struct CrossEntropy<T> {
    name: &'static str,
    from_logits: bool,
    /// Whether the targets are class indices.
    sparse: bool,
    class_weights: Option<Vec<T>>,
    sample_weights: Option<Vec<T>>,
    smoothing: T,
    reduction: Reduction,
    /// The mean's divisor, found in forward (it depends on the targets).
    total_weight: T,
}

impl<T: Float> CrossEntropy<T> {
    /// Checks the options (and labels) and records the node.
    fn record<'t>(
        checker: Checker,
        from_logits: bool,
        predictions: Var<'t, T>,
        targets: LossTargets<'t, '_, T>,
        options: CategoricalOptions<'_, T>,
    ) -> Result<Var<'t, T>, LossError> {
        let (rows, classes) = checker.batch_by_classes(predictions)?;
        let targets = match targets {
            LossTargets::Labels(labels) => {
                checker.labels::<T>(labels, rows, classes)?;
                let tape = predictions.tape();
                tape.constant_from_fn(&[rows], |r| T::from_usize(labels[r]))
                    .named_shared(&LABELS)
            }
            LossTargets::Dense(t) => t,
        };
        let op = CrossEntropy {
            name: checker.loss,
            from_logits,
            sparse: targets.shape().len() == 1,
            sample_weights: checker.sample_weights(options.sample_weights, rows)?,
            class_weights: checker.weights(
                "class_weights",
                options.class_weights,
                classes,
                "one per class",
            )?,
            smoothing: checker.smoothing(options.label_smoothing)?,
            reduction: options.reduction,
            total_weight: T::ZERO,
        };
        Ok(predictions.apply(op, &[targets]))
    }

    fn sample_weight(&self, row: usize) -> T {
        self.sample_weights.as_ref().map_or(T::ONE, |w| w[row])
    }

    fn class_weight(&self, class: usize) -> T {
        self.class_weights.as_ref().map_or(T::ONE, |w| w[class])
    }

    /// Row `row` of the unsmoothed targets: a slice of the targets input, or the one-hot row
    /// of the label written into `scratch`.
    fn target_row<'a>(
        &self,
        row: usize,
        inputs: &[&'a Tensor<T>],
        scratch: &'a mut [T],
    ) -> &'a [T] {
        let c = scratch.len();
        let targets = inputs[1].data();
        if self.sparse {
            scratch.fill(T::ZERO);
            scratch[targets[row].to_f64() as usize] = T::ONE;
            scratch
        } else {
            &targets[row * c..(row + 1) * c]
        }
    }

    /// The weight `c_k y'_k` that class `k`'s log-probability gets, from its target `y`.
    fn coefficient(&self, y: T, class: usize, classes: usize) -> T {
        let e = self.smoothing;
        self.class_weight(class) * ((T::ONE - e) * y + e / T::from_usize(classes))
    }

    /// The weight of a sample in the mean's divisor: `s_n sum_k c_k y_nk`, or `s_n` without
    /// class weights.
    fn unit_weight(&self, row: usize, y: &[T]) -> T {
        let s = self.sample_weight(row);
        match &self.class_weights {
            Some(c) => s * y.iter().zip(c).map(|(&y, &c)| y * c).sum::<T>(),
            None => s,
        }
    }

    /// `ln p_k` for every class of one row of predictions, written into `out`.
    fn log_probabilities(&self, x: &[T], out: &mut [T]) {
        if self.from_logits {
            let (max, log_sum) = max_and_log_sum(x, Lane::row(0, x.len()));
            for (o, &z) in out.iter_mut().zip(x) {
                *o = (z - max) - log_sum;
            }
        } else {
            for (o, &p) in out.iter_mut().zip(x) {
                *o = floored_ln(p);
            }
        }
    }
}

impl<T: Float> CustomOp<T> for CrossEntropy<T> {
    fn name(&self) -> Cow<'_, str> {
        self.name.into()
    }

    fn vjp_rule(&self, input: usize, _shapes: &[&[usize]]) -> Option<String> {
        if input != 0 {
            return Some("none: the targets are data".into());
        }
        let mut t = if self.sparse { "onehot(labels)" } else { "y" }.to_string();
        if self.smoothing > T::ZERO {
            t = format!("smoothed {t}");
        }
        if self.class_weights.is_some() {
            t = format!("c ⊙ {t}");
        }
        let (var, slope) = match self.from_logits {
            true => ("z", format!("softmax(z) - {t}")),
            false => ("p", format!("-{t} / p")),
        };
        let weighted = self.sample_weights.is_some() || self.class_weights.is_some();
        Some(
            self.reduction
                .rule(var, &slope, weighted, self.total_weight),
        )
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let (rows, c) = (x.shape()[0], x.shape()[1]);
        let mut row = scratch.zeros(&[c]);
        let mut log_p = scratch.zeros(&[c]);
        self.total_weight = (0..rows)
            .map(|r| self.unit_weight(r, self.target_row(r, inputs, row.data_mut())))
            .sum();
        let this = &*self;
        let weighted = (0..rows).map(|r| {
            this.log_probabilities(&x.data()[r * c..(r + 1) * c], log_p.data_mut());
            let y = this.target_row(r, inputs, row.data_mut());
            let loss: T = (0..c)
                .map(|k| -this.coefficient(y[k], k, c) * log_p.data()[k])
                .sum();
            this.sample_weight(r) * loss
        });
        let out = self
            .reduction
            .output(weighted, &[rows], self.total_weight, scratch);
        scratch.recycle(row);
        scratch.recycle(log_p);
        out
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
        let x = inputs[0];
        let (rows, c) = (x.shape()[0], x.shape()[1]);
        let upstream = self.reduction.upstream(grad, self.total_weight);
        let mut row = scratch.zeros(&[c]);
        let mut dx = scratch.zeros(x.shape());
        for r in 0..rows {
            let xr = &x.data()[r * c..(r + 1) * c];
            let d = &mut dx.data_mut()[r * c..(r + 1) * c];
            let y = self.target_row(r, inputs, row.data_mut());
            let scale = upstream(r) * self.sample_weight(r);
            if self.from_logits {
                // d/dz_k of -sum_j a_j ln softmax(z)_j = (sum_j a_j) p_k - a_k.
                self.log_probabilities(xr, d);
                let total: T = (0..c).map(|k| self.coefficient(y[k], k, c)).sum();
                for (k, dk) in d.iter_mut().enumerate() {
                    *dk = scale * (total * dk.exp() - self.coefficient(y[k], k, c));
                }
            } else {
                for (k, dk) in d.iter_mut().enumerate() {
                    *dk = if above_floor(xr[k]) {
                        -scale * self.coefficient(y[k], k, c) / xr[k]
                    } else {
                        T::ZERO
                    };
                }
            }
        }
        scratch.recycle(row);
        Some(dx)
    }

    /// On vars, with `a = c * y'` (class weights times smoothed targets) as a constant:
    /// `scale (sum_k a_k softmax(z) - a)` from logits, `-scale a / p` from probabilities
    /// (where `p` is above the logarithm's floor).
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
        let x = inputs[0];
        let (tape, shape) = (x.tape(), x.shape());
        let (rows, c) = (shape[0], shape[1]);
        let targets = inputs[1].value();
        let mut row = vec![T::ZERO; c];
        let mut a = Vec::with_capacity(rows * c);
        for r in 0..rows {
            let y = self.target_row(r, &[&targets, &targets], &mut row);
            a.extend((0..c).map(|k| self.coefficient(y[k], k, c)));
        }
        let a = tape.constant(Tensor::from_vec(a, &shape));
        let d = if self.from_logits {
            softmax(x, 1) * a.sum_axes(&[1], true) - a
        } else {
            let eps = T::from_f64(super::EPSILON);
            -(a / x.clamp(eps, T::INFINITY) * x.at_least(eps))
        };
        let weights: Vec<T> = (0..rows).map(|r| self.sample_weight(r)).collect();
        let d = d * tape.constant(Tensor::from_vec(weights, &[rows, 1]));
        Ok(Some(self.reduction.chain(d, grad, self.total_weight)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::LossErrorKind;
    use nabla_autodiff::Tape;

    const Z: [f64; 6] = [0.5, -1.0, 2.0, 1.5, 0.0, -0.5];

    fn logits(tape: &Tape<f64>) -> Var<'_, f64> {
        tape.param(Tensor::from_vec(Z.to_vec(), &[2, 3]))
    }

    /// log-softmax of one row, written out.
    fn log_softmax_row(z: &[f64]) -> Vec<f64> {
        let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
        z.iter().map(|v| v - lse).collect()
    }

    #[test]
    fn class_weights_and_smoothing_follow_pytorch() {
        // PyTorch's CrossEntropyLoss(weight=w, label_smoothing=e), class-index targets, mean:
        // (1 - e) sum_n w[y_n] (-lp[n, y_n]) / W + (e / C) sum_n sum_c w[c] (-lp[n, c]) / W,
        // with W = sum_n w[y_n].
        let (labels, w, e) = ([2, 0], [1.0, 2.0, 3.0], 0.1);
        let lp: Vec<Vec<f64>> = Z.chunks(3).map(log_softmax_row).collect();
        let big_w = w[2] + w[0];
        let nll = (w[2] * -lp[0][2] + w[0] * -lp[1][0]) / big_w;
        let smooth: f64 = (0..2)
            .map(|n| (0..3).map(|c| w[c] * -lp[n][c]).sum::<f64>())
            .sum::<f64>()
            / big_w;
        let want = (1.0 - e) * nll + e / 3.0 * smooth;

        let tape = Tape::<f64>::new();
        let z = logits(&tape);
        let opts = CategoricalOptions {
            class_weights: Some(&w[..]),
            label_smoothing: e,
            ..Default::default()
        };
        let sparse = sparse_categorical_cross_entropy_with_logits(z, &labels, opts).unwrap();
        assert!(
            (sparse.item() - want).abs() < 1e-15,
            "{} vs {want}",
            sparse.item()
        );
        let one_hot = tape.constant(Tensor::from_vec(vec![0., 0., 1., 1., 0., 0.], &[2, 3]));
        let dense = categorical_cross_entropy_with_logits(z, one_hot, opts).unwrap();
        assert_eq!(dense.item(), sparse.item());
        assert_eq!(dense.backward()[z], sparse.backward()[z]);
    }

    #[test]
    fn gradient_is_softmax_minus_targets_over_n() {
        let tape = Tape::<f64>::new();
        let z = logits(&tape);
        let soft = [0.2, 0.3, 0.5, 0.0, 1.0, 0.0];
        let y = tape.constant(Tensor::from_vec(soft.to_vec(), &[2, 3]));
        let loss = categorical_cross_entropy_with_logits(z, y, Default::default()).unwrap();
        let g = loss.backward();
        let p: Vec<f64> = Z
            .chunks(3)
            .flat_map(log_softmax_row)
            .map(f64::exp)
            .collect();
        for k in 0..6 {
            assert!((g[z].data()[k] - (p[k] - soft[k]) / 2.0).abs() < 1e-15);
        }
        // And the value: -sum y ln p over the rows, over 2.
        let lp: Vec<f64> = Z.chunks(3).flat_map(log_softmax_row).collect();
        let want = -(0..6).map(|k| soft[k] * lp[k]).sum::<f64>() / 2.0;
        assert!((loss.item() - want).abs() < 1e-15);
    }

    #[test]
    fn probabilities_form_equals_logits_form_through_softmax() {
        let tape = Tape::<f64>::new();
        let z = logits(&tape);
        let labels = [1, 2];
        let w = [0.5, 2.0];
        let opts = CategoricalOptions {
            sample_weights: Some(&w[..]),
            reduction: Reduction::Sum,
            ..Default::default()
        };
        let a = sparse_categorical_cross_entropy_with_logits(z, &labels, opts).unwrap();
        let b = sparse_categorical_cross_entropy(crate::softmax(z, 1), &labels, opts).unwrap();
        assert!((a.item() - b.item()).abs() < 1e-14);
        assert!(a.backward()[z].all_close(&b.backward()[z], 1e-12, 1e-15));
        // Sum with sample weights by hand: 0.5 (-lp[0][1]) + 2 (-lp[1][2]).
        let lp: Vec<Vec<f64>> = Z.chunks(3).map(log_softmax_row).collect();
        assert!((a.item() - (0.5 * -lp[0][1] + 2.0 * -lp[1][2])).abs() < 1e-14);
    }

    #[test]
    fn no_reduction_gives_one_loss_per_sample() {
        let tape = Tape::<f64>::new();
        let z = logits(&tape);
        let opts = CategoricalOptions {
            reduction: Reduction::None,
            ..Default::default()
        };
        let l = sparse_categorical_cross_entropy_with_logits(z, &[0, 1], opts).unwrap();
        let lp: Vec<Vec<f64>> = Z.chunks(3).map(log_softmax_row).collect();
        assert_eq!(l.shape().as_slice(), &[2]);
        let v = l.value().clone();
        assert!((v.data()[0] + lp[0][0]).abs() < 1e-15 && (v.data()[1] + lp[1][1]).abs() < 1e-15);
    }

    #[test]
    fn weights_summing_to_zero_give_zero_loss_and_gradient() {
        let tape = Tape::<f64>::new();
        let z = logits(&tape);
        let w = [0.0, 1.0, 1.0];
        let opts = CategoricalOptions {
            class_weights: Some(&w[..]),
            ..Default::default()
        };
        let l = sparse_categorical_cross_entropy_with_logits(z, &[0, 0], opts).unwrap();
        assert_eq!(l.item(), 0.0);
        assert_eq!(l.backward()[z].data(), &[0.0; 6]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let tape = Tape::<f64>::new();
        let z = logits(&tape);
        let e = sparse_categorical_cross_entropy(z, &[0], Default::default()).unwrap_err();
        assert!(matches!(
            e.kind,
            LossErrorKind::WrongLength {
                what: "labels",
                len: 1,
                expected: 2,
                ..
            }
        ));
        let flat = tape.param(Tensor::zeros(&[6]));
        let e = sparse_categorical_cross_entropy_with_logits(flat, &[0], Default::default());
        let e = e.unwrap_err().to_string();
        assert!(
            e.contains("shape [6]") && e.contains("[batch, classes]"),
            "{e}"
        );
        let w = [1.0, 1.0];
        let opts = CategoricalOptions {
            class_weights: Some(&w[..]),
            ..Default::default()
        };
        let e = sparse_categorical_cross_entropy_with_logits(z, &[0, 1], opts).unwrap_err();
        assert!(
            e.to_string().contains("class_weights has 2 entries but 3"),
            "{e}"
        );
        let y = tape.constant(Tensor::zeros(&[2, 2]));
        let e = categorical_cross_entropy(z, y, Default::default()).unwrap_err();
        assert!(matches!(e.kind, LossErrorKind::ShapeMismatch { .. }));
    }
}
