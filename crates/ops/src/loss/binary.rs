//! Binary and multi-label cross-entropy, on probabilities and on logits.

use super::check::Checker;
use super::elementwise::{ElementwiseLoss, PointLoss};
use super::{EPSILON, LossError, Reduction, floored_ln};
use nabla_autodiff::{Elem, Float, Var};

/// Options of the binary cross-entropies.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BinaryOptions<'a, T> {
    /// How the per-element losses are combined (mean by default).
    pub reduction: Reduction,
    /// One non-negative weight per sample (row), applied to each of its labels.
    pub sample_weights: Option<&'a [T]>,
    /// A weight `p_j` on the positive term of each label `j` (one per label, or one for all), as
    /// PyTorch's `pos_weight`: `p > 1` raises recall. Set it to `negatives / positives` to
    /// balance a skewed label.
    pub pos_weight: Option<&'a [T]>,
    /// Label smoothing `e` in `[0, 1]`: targets become `y (1 - e) + e / 2`, as in Keras.
    pub label_smoothing: T,
}

/// Binary cross-entropy on probabilities `p` (outputs of a sigmoid), for targets `y` in
/// `[0, 1]` of the same shape `[batch, ...]`. Per element, with `y'` the smoothed target and `q`
/// the positive weight (both as in [`BinaryOptions`]):
///
/// `l = -(q y' ln max(p, eps) + (1 - y') ln max(1 - p, eps))`
///
/// where the floor `eps` = [`EPSILON`](super::EPSILON) = 1e-7 (Keras's) keeps the logarithms
/// finite at 0 and 1; no gradient flows through a logarithm its floor holds.
/// reduced as described in the [module documentation](super). Prefer
/// [`binary_cross_entropy_with_logits`], which needs no floor.
///
/// # Errors
/// If the shapes differ, or a weight list or the smoothing does not fit.
pub fn binary_cross_entropy<'t, T: Float>(
    probabilities: Var<'t, T>,
    targets: Var<'t, T>,
    options: BinaryOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    binary(
        "binary_cross_entropy",
        false,
        probabilities,
        targets,
        options,
    )
}

/// Binary cross-entropy on logits `z` (the input a sigmoid would get), one fused node. Per
/// element, with `y'` the smoothed target and `q` the positive weight:
///
/// `l = q y' softplus(-z) + (1 - y') softplus(z)`, `softplus(t) = max(t, 0) + ln(1 + e^-|t|)`
///
/// which for `q = 1` is the stable `max(z, 0) - z y + ln(1 + e^-|z|)`, and whose derivative is
/// `(1 - y') sigmoid(z) - q y' sigmoid(-z)`, that is `sigmoid(z) - y` for `q = 1`. Finite for
/// any finite logit, in `f32` too. Reduced as described in the [module documentation](super).
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::loss::{BinaryOptions, binary_cross_entropy_with_logits};
///
/// let tape = Tape::<f32>::new();
/// let z = tape.param(Tensor::from_vec(vec![100.0, -100.0], &[2, 1]));
/// let y = tape.constant(Tensor::from_vec(vec![0.0, 1.0], &[2, 1])); // both badly wrong
/// let loss = binary_cross_entropy_with_logits(z, y, BinaryOptions::default()).unwrap();
/// assert_eq!(loss.item(), 100.0); // (100 + 100) / 2
/// assert_eq!(loss.backward()[z].data(), &[0.5, -0.5]); // (sigmoid(z) - y) / 2
/// ```
///
/// # Errors
/// As [`binary_cross_entropy`].
pub fn binary_cross_entropy_with_logits<'t, T: Float>(
    logits: Var<'t, T>,
    targets: Var<'t, T>,
    options: BinaryOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    binary(
        "binary_cross_entropy_with_logits",
        true,
        logits,
        targets,
        options,
    )
}

/// Checks the inputs and records a binary cross-entropy.
fn binary<'t, T: Float>(
    loss: &'static str,
    from_logits: bool,
    predictions: Var<'t, T>,
    targets: Var<'t, T>,
    options: BinaryOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let (weights, reduction) = (options.sample_weights, options.reduction);
    targets.with_value(|t| Checker { loss }.probabilities("targets", t))?;
    ElementwiseLoss::record(
        loss,
        predictions,
        targets,
        weights,
        reduction,
        |check, shape| {
            let labels: usize = shape[1..].iter().product();
            let single = options.pos_weight.is_some_and(|p| p.len() == 1);
            Ok(BinaryKernel {
                from_logits,
                pos_weight: check.weights(
                    "pos_weight",
                    options.pos_weight,
                    if single { 1 } else { labels },
                    "one per label, or a single one for all",
                )?,
                smoothing: check.smoothing(options.label_smoothing)?,
            })
        },
    )
}

/// The per-element binary cross-entropy.
struct BinaryKernel<T> {
    from_logits: bool,
    pos_weight: Option<Vec<T>>,
    smoothing: T,
}

impl<T: Float> BinaryKernel<T> {
    /// The smoothed target `y (1 - e) + e / 2`.
    fn smoothed<S: Elem<T>>(&self, y: S) -> S {
        let e = self.smoothing;
        y * (T::ONE - e) + T::HALF * e
    }
}

impl<T: Float> PointLoss<T> for BinaryKernel<T> {
    fn value(&self, x: T, y: T, label: usize) -> T {
        let y = y * (T::ONE - self.smoothing) + T::HALF * self.smoothing;
        let q = self
            .pos_weight
            .as_ref()
            .map_or(T::ONE, |p| p[label % p.len()]);
        if self.from_logits {
            // softplus(z) = max(z, 0) + ln(1 + e^-|z|): the logarithm is the same for z = x
            // and z = -x, so it is taken once.
            let tail = (-x.abs()).exp().ln_1p();
            let (softplus, softplus_neg) = (x.max(T::ZERO) + tail, (-x).max(T::ZERO) + tail);
            q * y * softplus_neg + (T::ONE - y) * softplus
        } else {
            -(q * y * floored_ln(x) + (T::ONE - y) * floored_ln(T::ONE - x))
        }
    }

    /// With logits, `(1 - y') sigmoid(x) - q y' sigmoid(-x)`; with probabilities,
    /// `-q y' / x + (1 - y') / (1 - x)`, each term only where its logarithm is above the floor
    /// (`1 / max(p, eps)` stays finite where the mask is 0).
    fn slope<S: Elem<T>>(&self, x: S, y: S, pos_weight: Option<S>) -> S {
        let y = self.smoothed(y);
        let qy = match pos_weight {
            Some(q) => q * y,
            None => y,
        };
        if self.from_logits {
            y.rsub(T::ONE) * x.sigmoid() - qy * (-x).sigmoid()
        } else {
            let eps = T::from_f64(EPSILON);
            let (p, not_p) = (x, x.rsub(T::ONE));
            let positive = qy / p.clamp(eps, T::INFINITY) * p.at_least(eps);
            let negative = y.rsub(T::ONE) / not_p.clamp(eps, T::INFINITY) * not_p.at_least(eps);
            negative - positive
        }
    }

    fn label_weights(&self) -> Option<&[T]> {
        self.pos_weight.as_deref()
    }

    fn slope_rule(&self) -> String {
        let y = if self.smoothing > T::ZERO { "y'" } else { "y" };
        let rule = match (self.from_logits, self.pos_weight.is_some()) {
            (true, false) => format!("sigmoid(x) - {y}"),
            (true, true) => format!("(1 - {y}) sigmoid(x) - q {y} sigmoid(-x)"),
            (false, false) => format!("(1 - {y}) / (1 - x) - {y} / x"),
            (false, true) => format!("(1 - {y}) / (1 - x) - q {y} / x"),
        };
        match y {
            "y'" => format!(
                "{rule}, y' = y(1 - {e}) + {e}/2",
                e = self.smoothing.to_f64()
            ),
            _ => rule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    #[test]
    fn targets_outside_zero_one_are_refused_by_name() {
        for (bad, at) in [(2.0, 1), (-1.0, 2), (f64::NAN, 0)] {
            let tape = Tape::<f64>::new();
            let z = tape.param(t(&[0.1, 0.2, 0.3], &[3, 1]));
            let mut values = [1.0, 0.0, 1.0];
            values[at] = bad;
            let y = tape.constant(t(&values, &[3, 1]));
            for err in [
                binary_cross_entropy_with_logits(z, y, BinaryOptions::default()).unwrap_err(),
                binary_cross_entropy(z.sigmoid(), y, BinaryOptions::default()).unwrap_err(),
            ] {
                let text = err.to_string();
                assert!(text.contains(&format!("targets[{at}] is {bad}")), "{text}");
                assert!(text.contains("between 0 and 1"), "{text}");
            }
        }
    }

    #[test]
    fn logits_form_equals_the_textbook_formula() {
        // max(z, 0) - z y + ln(1 + e^-|z|), element by element.
        let z = [-3.0, -0.5, 0.0, 0.7, 4.0, 2.5];
        let y = [0.0, 1.0, 1.0, 0.0, 1.0, 0.3];
        let tape = Tape::<f64>::new();
        let zv = tape.param(t(&z, &[3, 2]));
        let yv = tape.constant(t(&y, &[3, 2]));
        let opts = BinaryOptions {
            reduction: Reduction::None,
            ..Default::default()
        };
        let l = binary_cross_entropy_with_logits(zv, yv, opts).unwrap();
        for ((got, z), y) in l.value().data().iter().zip(z).zip(y) {
            let want = z.max(0.0) - z * y + (-z.abs()).exp().ln_1p();
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
    }

    #[test]
    fn probabilities_form_by_hand() {
        // -ln 0.8 and -ln(1 - 0.4) = -ln 0.6, mean of the two.
        let tape = Tape::<f64>::new();
        let p = tape.param(t(&[0.8, 0.4], &[2]));
        let y = tape.constant(t(&[1.0, 0.0], &[2]));
        let l = binary_cross_entropy(p, y, BinaryOptions::default()).unwrap();
        let want = -(0.8_f64.ln() + 0.6_f64.ln()) / 2.0;
        assert!((l.item() - want).abs() < 1e-15);
        // d/dp = -y/p + (1-y)/(1-p), over n = 2.
        let g = l.backward();
        assert!(g[p].all_close(&t(&[-1.25 / 2.0, 1.0 / 0.6 / 2.0], &[2]), 1e-15, 1e-15));
    }

    fn probabilities_at_both_ends<T: Float>() {
        // -ln(1e-7) = 16.11809565095832 whichever end is wrong, in f32 as in f64; no gradient
        // through a floored logarithm, the true one through the other.
        let tape = Tape::<T>::new();
        let from = |v: [f64; 4]| Tensor::from_vec(v.map(T::from_f64).to_vec(), &[4]);
        let p = tape.param(from([0.0, 1.0, 0.0, 1.0]));
        let y = tape.constant(from([1.0, 0.0, 0.0, 1.0]));
        let opts = BinaryOptions {
            reduction: Reduction::Sum,
            ..Default::default()
        };
        let l = binary_cross_entropy(p, y, opts).unwrap();
        let want = 2.0 * 16.118_095_650_958_32;
        assert!(
            (l.item().to_f64() - want).abs() < 1e-5 * want,
            "{}",
            T::NAME
        );
        assert_eq!(l.backward()[p], from([0.0, 0.0, 1.0, -1.0]));
    }

    #[test]
    fn probabilities_of_exactly_0_and_1_cost_the_same_finite_amount() {
        probabilities_at_both_ends::<f32>();
        probabilities_at_both_ends::<f64>();
    }

    #[test]
    fn pos_weight_and_smoothing_by_hand() {
        // PyTorch's BCEWithLogitsLoss(pos_weight=3) at z = 0, y = 1: 3 ln 2; gradient
        // (1-y) sigmoid(0) - 3 y sigmoid(0) = -1.5.
        let tape = Tape::<f64>::new();
        let z = tape.param(t(&[0.0, 0.0], &[1, 2]));
        let y = tape.constant(t(&[1.0, 0.0], &[1, 2]));
        let pw = [3.0];
        let opts = BinaryOptions {
            reduction: Reduction::Sum,
            pos_weight: Some(&pw[..]),
            ..Default::default()
        };
        let l = binary_cross_entropy_with_logits(z, y, opts).unwrap();
        assert!((l.item() - 4.0 * std::f64::consts::LN_2).abs() < 1e-15); // 3 ln2 + ln2
        assert_eq!(l.backward()[z].data(), &[-1.5, 0.5]);
        // Smoothing 0.2: targets 1 -> 0.9, 0 -> 0.1; at z = 0 both cost ln 2 each.
        let opts = BinaryOptions {
            reduction: Reduction::Sum,
            label_smoothing: 0.2,
            ..Default::default()
        };
        let l = binary_cross_entropy_with_logits(z, y, opts).unwrap();
        assert!((l.item() - 2.0 * std::f64::consts::LN_2).abs() < 1e-15);
        let g = l.backward();
        assert!(g[z].all_close(&t(&[0.5 - 0.9, 0.5 - 0.1], &[1, 2]), 1e-15, 1e-15));
    }

    #[test]
    fn per_label_pos_weight_must_match_the_labels() {
        let tape = Tape::<f64>::new();
        let z = tape.param(Tensor::zeros(&[4, 3]));
        let y = tape.constant(Tensor::zeros(&[4, 3]));
        let pw = [1.0, 2.0];
        let opts = BinaryOptions {
            pos_weight: Some(&pw[..]),
            ..Default::default()
        };
        let e = binary_cross_entropy_with_logits(z, y, opts).unwrap_err();
        assert!(
            e.to_string()
                .contains("pos_weight has 2 entries but 3 are needed"),
            "{e}"
        );
        let opts = BinaryOptions {
            label_smoothing: 1.5,
            ..Default::default()
        };
        let e = binary_cross_entropy(z, y, opts).unwrap_err();
        assert!(e.to_string().contains("label_smoothing is 1.5"), "{e}");
    }
}
