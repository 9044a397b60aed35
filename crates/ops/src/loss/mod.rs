//! Loss functions, each one fused node from predictions (and constant targets) to the loss.
//!
//! Every loss takes a [`Reduction`] and optional per-sample weights in its options struct, and
//! returns a [`LossError`] when the data do not fit (shapes, weight lengths, labels out of
//! range). Targets are vars too, normally constants on the tape; no gradient flows to them.
//!
//! Weighting and reduction are the same for all. Each loss has *units*: elements for the
//! element-wise losses (regression, binary), samples (rows) for the categorical ones. Unit `u`
//! gets a loss `l_u` and a weight `w_u` (its sample's weight, and for the categorical losses
//! with class weights, its class's weight). Then
//! - [`Reduction::Mean`] (the default) gives `sum_u w_u l_u / sum_u w_u`, the weighted mean as
//!   PyTorch computes it with class weights; with no weights, the plain mean. When the weights
//!   sum to 0 the loss is 0.
//! - [`Reduction::Sum`] gives `sum_u w_u l_u`.
//! - [`Reduction::None`] gives the tensor of `w_u l_u`, shaped like the predictions for the
//!   element-wise losses and `[batch]` for the categorical ones.
//!
//! | task | predictions | loss |
//! |---|---|---|
//! | regression | any | [`mean_squared_error`], [`mean_absolute_error`], [`huber`] |
//! | binary, multi-label | logits | [`binary_cross_entropy_with_logits`] |
//! | binary, multi-label | probabilities | [`binary_cross_entropy`] |
//! | multi-class, one-hot or soft targets | logits | [`categorical_cross_entropy_with_logits`] |
//! | multi-class, one-hot or soft targets | probabilities | [`categorical_cross_entropy`] |
//! | multi-class, integer labels | logits | [`sparse_categorical_cross_entropy_with_logits`] |
//! | multi-class, integer labels | probabilities | [`sparse_categorical_cross_entropy`] |
//!
//! Prefer the with-logits forms: they are exact where probabilities saturate.

mod binary;
mod categorical;
mod check;
mod elementwise;
mod error;
mod regression;

pub use binary::{BinaryOptions, binary_cross_entropy, binary_cross_entropy_with_logits};
pub use categorical::{
    CategoricalOptions, LossTargets, categorical_cross_entropy,
    categorical_cross_entropy_with_logits, sparse_categorical_cross_entropy,
    sparse_categorical_cross_entropy_with_logits,
};
pub use error::{LossError, LossErrorKind};
pub use regression::{RegressionOptions, huber, mean_absolute_error, mean_squared_error};

use nabla_autodiff::{Float, Scratch, Tensor, Var};

/// The floor under every logarithm the probability-input losses take, Keras's epsilon: they use
/// `ln(max(p, EPSILON))` and `ln(max(1 - p, EPSILON))`, so a probability of exactly 0 or 1 costs
/// at most `-ln(1e-7) = 16.118...` rather than infinity, and no gradient flows through a
/// logarithm while its floor holds it.
///
/// Keras clamps `p` itself into `[EPSILON, 1 - EPSILON]`, the same in exact arithmetic; in
/// `f32` though `1 - EPSILON` rounds, capping `-ln(1 - p)` at 15.94 but `-ln p` at 16.12.
/// Flooring each logarithm's argument keeps the two ends equal, so a sigmoid output with binary
/// cross-entropy and a 2-unit softmax with categorical cross-entropy agree in `f32` as well.
pub const EPSILON: f64 = 1e-7;

/// `ln(max(x, EPSILON))`.
pub(crate) fn floored_ln<T: Float>(x: T) -> T {
    x.max(T::from_f64(EPSILON)).ln()
}

/// Whether `x` is above the floor of [`floored_ln`], where its derivative is `1 / x` (below,
/// it is 0).
pub(crate) fn above_floor<T: Float>(x: T) -> bool {
    x >= T::from_f64(EPSILON)
}

/// How a loss combines its per-unit losses (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The weighted mean `sum w_u l_u / sum w_u`.
    #[default]
    Mean,
    /// The weighted sum `sum w_u l_u`.
    Sum,
    /// No reduction: the weighted per-unit losses `w_u l_u`.
    None,
}

impl Reduction {
    /// The rule of a loss's vector-Jacobian product for graph dumps: `dL/d{var} = g ⊙` the
    /// per-unit derivative `slope`, weighted by the sample weights `w` when there are some,
    /// and divided by the total weight for the mean.
    pub(crate) fn rule<T: Float>(self, var: &str, slope: &str, weighted: bool, total: T) -> String {
        let w = if weighted { "w ⊙ " } else { "" };
        match self {
            Reduction::Mean => format!("dL/d{var} = g ⊙ {w}({slope}) / {}", total.to_f64()),
            Reduction::Sum | Reduction::None => format!("dL/d{var} = g ⊙ {w}({slope})"),
        }
    }

    /// The loss node's output from its weighted unit losses, given the units' shape and the
    /// sum of their weights.
    pub(crate) fn output<T: Float>(
        self,
        weighted: impl Iterator<Item = T>,
        units_shape: &[usize],
        total_weight: T,
        scratch: &mut Scratch<T>,
    ) -> Tensor<T> {
        let mut weighted = weighted;
        if self == Reduction::None {
            return scratch.from_fn(units_shape, |_| {
                weighted.next().expect("one weighted loss per unit")
            });
        }
        // Accumulate in f64: a batch's loss is one number worth getting right.
        let sum = T::from_f64(weighted.map(T::to_f64).sum());
        scratch.full(&[], self.scale(sum, total_weight))
    }

    /// The factor by which backward multiplies unit `u`'s weighted derivative: the incoming
    /// gradient for that unit (`None`), or the scalar gradient (`Sum`) over the total weight
    /// (`Mean`).
    pub(crate) fn upstream<T: Float>(
        self,
        grad: &Tensor<T>,
        total_weight: T,
    ) -> impl Fn(usize) -> T + '_ {
        let scalar = match self {
            Reduction::None => T::ZERO,
            _ => self.scale(grad.data()[0], total_weight),
        };
        move |u| match self {
            Reduction::None => grad.data()[u],
            _ => scalar,
        }
    }

    /// The recorded form of [`Reduction::upstream`]: `d`, a var of per-unit derivatives, times
    /// the incoming gradient as each unit receives it (a per-unit gradient is shaped to
    /// broadcast over `d`'s trailing axes).
    pub(crate) fn chain<'t, T: Float>(
        self,
        d: Var<'t, T>,
        grad: Var<'t, T>,
        total_weight: T,
    ) -> Var<'t, T> {
        match self {
            Reduction::Mean if total_weight == T::ZERO => d * grad * T::ZERO,
            Reduction::Mean => d * grad * (T::ONE / total_weight),
            Reduction::Sum => d * grad,
            Reduction::None => {
                let mut shape = grad.shape();
                shape.resize(d.shape().len(), 1);
                d * grad.reshape(&shape)
            }
        }
    }

    /// `value` divided by the total weight for the mean (0 when that is 0), as is otherwise.
    fn scale<T: Float>(self, value: T, total_weight: T) -> T {
        match self {
            Reduction::Mean if total_weight == T::ZERO => T::ZERO,
            Reduction::Mean => value / total_weight,
            _ => value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_of_weighted_units() {
        let mut scratch = Scratch::<f64>::default();
        let units = [1.0, 2.0, 6.0];
        let mean = Reduction::Mean.output(units.into_iter(), &[3], 4.0, &mut scratch);
        assert_eq!((mean.shape(), mean.item()), (&[][..], 9.0 / 4.0));
        assert_eq!(
            Reduction::Sum
                .output(units.into_iter(), &[3], 4.0, &mut scratch)
                .item(),
            9.0
        );
        let none = Reduction::None.output(units.into_iter(), &[3], 4.0, &mut scratch);
        assert_eq!((none.shape(), none.data()), (&[3][..], &units[..]));
        assert_eq!(
            Reduction::Mean
                .output(units.into_iter(), &[3], 0.0, &mut scratch)
                .item(),
            0.0
        );
    }

    #[test]
    fn upstream_factors() {
        let g = Tensor::scalar(2.0_f64);
        assert_eq!(Reduction::Mean.upstream(&g, 4.0)(7), 0.5);
        assert_eq!(Reduction::Sum.upstream(&g, 4.0)(7), 2.0);
        assert_eq!(Reduction::Mean.upstream(&g, 0.0)(0), 0.0);
        let g = Tensor::from_vec(vec![3.0, 5.0], &[2]);
        assert_eq!(Reduction::None.upstream(&g, 4.0)(1), 5.0);
    }
}
