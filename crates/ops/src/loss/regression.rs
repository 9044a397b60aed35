//! Regression losses: mean squared error, mean absolute error and Huber.

use super::check::Checker;
use super::elementwise::{ElementwiseLoss, PointLoss};
use super::{LossError, Reduction};
use nabla_autodiff::{Elem, Float, Var};

/// Options of the regression losses.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RegressionOptions<'a, T> {
    /// How the per-element losses are combined (mean by default).
    pub reduction: Reduction,
    /// One non-negative weight per sample (row), applied to each of its elements.
    pub sample_weights: Option<&'a [T]>,
}

/// Mean squared error. With `x` the predictions and `y` the targets, both `[batch, ...]`, and
/// `s_i` the weight of sample `i` (1 by default), `k` elements per sample:
///
/// `L = sum_ij s_i (x_ij - y_ij)^2 / (k sum_i s_i)`
///
/// which without weights is the mean of `(x - y)^2` over every element (PyTorch's `MSELoss`).
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::loss::{RegressionOptions, mean_squared_error};
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 4.0], &[3, 1]));
/// let y = tape.constant(Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3, 1]));
/// let loss = mean_squared_error(x, y, RegressionOptions::default()).unwrap();
/// assert_eq!(loss.item(), (0.0 + 4.0 + 9.0) / 3.0);
/// assert_eq!(loss.backward()[x].data(), &[0.0, 4.0 / 3.0, 2.0]); // 2 (x - y) / n
/// ```
///
/// # Errors
/// If the shapes differ or the sample weights do not fit (one per row, non-negative).
pub fn mean_squared_error<'t, T: Float>(
    predictions: Var<'t, T>,
    targets: Var<'t, T>,
    options: RegressionOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    regression("mean_squared_error", Squared, predictions, targets, options)
}

/// Mean absolute error:
///
/// `L = sum_ij s_i |x_ij - y_ij| / (k sum_i s_i)`
///
/// with the notation of [`mean_squared_error`]. The slope at `x = y` is taken as 0.
///
/// # Errors
/// As [`mean_squared_error`].
pub fn mean_absolute_error<'t, T: Float>(
    predictions: Var<'t, T>,
    targets: Var<'t, T>,
    options: RegressionOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    regression(
        "mean_absolute_error",
        Absolute,
        predictions,
        targets,
        options,
    )
}

/// Huber loss with threshold `delta > 0`: quadratic for small errors, linear for large ones.
/// With `d = x - y`,
///
/// `l(d) = d^2 / 2` for `|d| <= delta`, `delta (|d| - delta / 2)` otherwise
///
/// and `L = sum_ij s_i l(d_ij) / (k sum_i s_i)` as for [`mean_squared_error`]; the same
/// definition as PyTorch's `HuberLoss` and Keras's `Huber`.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::loss::huber;
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![0.5, 3.0], &[2]));
/// let y = tape.constant(Tensor::zeros(&[2]));
/// let loss = huber(x, y, 1.0, Default::default()).unwrap();
/// assert_eq!(loss.item(), (0.125 + 2.5) / 2.0);
/// ```
///
/// # Errors
/// As [`mean_squared_error`], and if `delta` is not positive and finite.
pub fn huber<'t, T: Float>(
    predictions: Var<'t, T>,
    targets: Var<'t, T>,
    delta: T,
    options: RegressionOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    Checker { loss: "huber" }.positive("delta", delta)?;
    regression("huber", Huber(delta), predictions, targets, options)
}

/// Checks the inputs and records an element-wise regression loss.
fn regression<'t, T: Float, L: PointLoss<T>>(
    loss: &'static str,
    kernel: L,
    predictions: Var<'t, T>,
    targets: Var<'t, T>,
    options: RegressionOptions<'_, T>,
) -> Result<Var<'t, T>, LossError> {
    let (weights, reduction) = (options.sample_weights, options.reduction);
    ElementwiseLoss::record(loss, predictions, targets, weights, reduction, |_, _| {
        Ok(kernel)
    })
}

/// (x - y)^2.
struct Squared;

impl<T: Float> PointLoss<T> for Squared {
    fn value(&self, x: T, y: T, _: usize) -> T {
        (x - y) * (x - y)
    }
    fn slope<S: Elem<T>>(&self, x: S, y: S, _: Option<S>) -> S {
        (x - y) * T::TWO
    }
    fn slope_rule(&self) -> String {
        "2(x - y)".into()
    }
}

/// |x - y|.
struct Absolute;

impl<T: Float> PointLoss<T> for Absolute {
    fn value(&self, x: T, y: T, _: usize) -> T {
        (x - y).abs()
    }
    fn slope<S: Elem<T>>(&self, x: S, y: S, _: Option<S>) -> S {
        (x - y).sign()
    }
    fn slope_rule(&self) -> String {
        "sign(x - y)".into()
    }
}

/// Huber with its threshold.
struct Huber<T>(T);

impl<T: Float> PointLoss<T> for Huber<T> {
    fn value(&self, x: T, y: T, _: usize) -> T {
        let (d, delta) = ((x - y).abs(), self.0);
        if d <= delta {
            T::HALF * d * d
        } else {
            delta * (d - T::HALF * delta)
        }
    }
    /// `d` inside `[-delta, delta]`, `delta sign(d)` outside: `d` clamped.
    fn slope<S: Elem<T>>(&self, x: S, y: S, _: Option<S>) -> S {
        (x - y).clamp(-self.0, self.0)
    }
    fn slope_rule(&self) -> String {
        format!("clamp(x - y, -{d}, {d})", d = self.0.to_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::LossErrorKind;
    use nabla_autodiff::{Tape, Tensor};

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    #[test]
    fn weighted_mean_sum_and_none_by_hand() {
        // Errors d = [[1, -2], [3, 0]]; sample weights [1, 3].
        let tape = Tape::<f64>::new();
        let x = tape.param(t(&[1.0, -2.0, 4.0, 1.0], &[2, 2]));
        let y = tape.constant(t(&[0.0, 0.0, 1.0, 1.0], &[2, 2]));
        let w = [1.0, 3.0];
        let opts = |reduction| RegressionOptions {
            reduction,
            sample_weights: Some(&w[..]),
        };
        // Squared: row sums 5 and 9, weighted 5 + 27 = 32, over k sum w = 2 * 4 = 8.
        let mse = mean_squared_error(x, y, opts(Reduction::Mean)).unwrap();
        assert_eq!(mse.item(), 4.0);
        let sum = mean_squared_error(x, y, opts(Reduction::Sum)).unwrap();
        assert_eq!(sum.item(), 32.0);
        let none = mean_squared_error(x, y, opts(Reduction::None)).unwrap();
        assert_eq!(none.value().data(), &[1.0, 4.0, 27.0, 0.0]);
        // Absolute: 1*3 + 3*3 = 12 over 8.
        let mae = mean_absolute_error(x, y, opts(Reduction::Mean)).unwrap();
        assert_eq!(mae.item(), 1.5);
        // Gradient of the weighted MSE: 2 s_i d_ij / 8.
        assert_eq!(mse.backward()[x].data(), &[0.25, -0.5, 2.25, 0.0]);
        // MAE's slope: s_i sign(d_ij) / 8, zero where d = 0.
        assert_eq!(mae.backward()[x].data(), &[0.125, -0.125, 0.375, 0.0]);
    }

    #[test]
    fn huber_is_quadratic_inside_and_linear_outside() {
        let tape = Tape::<f64>::new();
        let x = tape.param(t(&[0.5, -1.5, 3.0, 2.0], &[4]));
        let y = tape.constant(t(&[0.0; 4], &[4]));
        let sum = Reduction::Sum;
        let opts = RegressionOptions {
            reduction: sum,
            ..Default::default()
        };
        let l = huber(x, y, 2.0, opts).unwrap();
        // 0.125 + 1.125 + 2 (3 - 1) + 0.5 * 4 = 7.25
        assert_eq!(l.item(), 7.25);
        assert_eq!(l.backward()[x].data(), &[0.5, -1.5, 2.0, 2.0]);
    }

    #[test]
    fn bad_inputs_are_errors_naming_the_loss() {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::zeros(&[4, 1]));
        let y = tape.constant(Tensor::zeros(&[4]));
        let e = mean_squared_error(x, y, Default::default()).unwrap_err();
        assert_eq!(e.loss, "mean_squared_error");
        assert!(matches!(e.kind, LossErrorKind::ShapeMismatch { .. }));

        let y = tape.constant(Tensor::zeros(&[4, 1]));
        let w = [1.0, 2.0];
        let opts = RegressionOptions {
            sample_weights: Some(&w[..]),
            ..Default::default()
        };
        let e = mean_absolute_error(x, y, opts).unwrap_err();
        assert!(matches!(
            e.kind,
            LossErrorKind::WrongLength {
                len: 2,
                expected: 4,
                ..
            }
        ));
        let w = [1.0, -2.0, 1.0, 1.0];
        let opts = RegressionOptions {
            sample_weights: Some(&w[..]),
            ..Default::default()
        };
        let e = mean_absolute_error(x, y, opts).unwrap_err();
        assert!(e.to_string().contains("sample_weights[1] is -2"), "{e}");
        for delta in [0.0, -1.0, f64::NAN] {
            let e = huber(x, y, delta, Default::default()).unwrap_err();
            assert!(e.to_string().starts_with("huber: delta is"), "{e}");
        }
    }
}
