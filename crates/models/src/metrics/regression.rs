//! Regression metrics: MSE, RMSE, MAE, median absolute error and R².

use super::MetricError;
use super::check::{finite, paired};

/// Checks a pair of value slices and returns the residuals `y_true - y_pred`.
fn residuals(
    metric: &'static str,
    y_true: &[f64],
    y_pred: &[f64],
) -> Result<Vec<f64>, MetricError> {
    paired(metric, y_true.len(), "y_pred", y_pred.len())?;
    finite(metric, "y_true", y_true)?;
    finite(metric, "y_pred", y_pred)?;
    Ok(y_true.iter().zip(y_pred).map(|(t, p)| t - p).collect())
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean squared error, `mean((y_true - y_pred)^2)`.
///
/// ```
/// use nabla_models::metrics::mse;
/// // errors 1, -2, 0: (1 + 4 + 0) / 3
/// assert_eq!(mse(&[1.0, 2.0, 3.0], &[0.0, 4.0, 3.0]).unwrap(), 5.0 / 3.0);
/// ```
///
/// # Errors
/// If the input is empty, the lengths differ or a value is not finite.
pub fn mse(y_true: &[f64], y_pred: &[f64]) -> Result<f64, MetricError> {
    let r = residuals("mse", y_true, y_pred)?;
    Ok(r.iter().map(|e| e * e).sum::<f64>() / r.len() as f64)
}

/// Root mean squared error, `sqrt(mse)`, in the target's units.
///
/// # Errors
/// As [`mse`].
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> Result<f64, MetricError> {
    let r = residuals("rmse", y_true, y_pred)?;
    Ok((r.iter().map(|e| e * e).sum::<f64>() / r.len() as f64).sqrt())
}

/// Mean absolute error, `mean(|y_true - y_pred|)`.
///
/// # Errors
/// As [`mse`].
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> Result<f64, MetricError> {
    let r = residuals("mae", y_true, y_pred)?;
    Ok(r.iter().map(|e| e.abs()).sum::<f64>() / r.len() as f64)
}

/// The median of `|y_true - y_pred|` (the mean of the middle two for an even count): robust to
/// a few large errors.
///
/// ```
/// use nabla_models::metrics::median_absolute_error;
/// // absolute errors 0.5, 0, 10, 1 -> sorted 0, 0.5, 1, 10 -> (0.5 + 1) / 2
/// let e = median_absolute_error(&[1.0, 2.0, 3.0, 4.0], &[1.5, 2.0, 13.0, 3.0]).unwrap();
/// assert_eq!(e, 0.75);
/// ```
///
/// # Errors
/// As [`mse`].
pub fn median_absolute_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64, MetricError> {
    let mut abs: Vec<f64> = residuals("median_absolute_error", y_true, y_pred)?
        .iter()
        .map(|e| e.abs())
        .collect();
    abs.sort_by(f64::total_cmp);
    let n = abs.len();
    Ok(if n % 2 == 1 {
        abs[n / 2]
    } else {
        (abs[n / 2 - 1] + abs[n / 2]) / 2.0
    })
}

/// The coefficient of determination `R² = 1 - SS_res / SS_tot`, where `SS_res` sums the squared
/// residuals and `SS_tot` the squared deviations of `y_true` from its mean. 1 is a perfect fit,
/// 0 is no better than predicting the mean, and it is negative for worse.
///
/// ```
/// use nabla_models::metrics::r2_score;
/// // mean 2, SS_tot = 1 + 0 + 1 = 2; residuals 0, 0, -1, SS_res = 1 -> 1 - 1/2
/// assert_eq!(r2_score(&[1.0, 2.0, 3.0], &[1.0, 2.0, 4.0]).unwrap(), 0.5);
/// ```
///
/// # Errors
/// As [`mse`], and if every `y_true` is the same (`SS_tot` is 0 and R² undefined).
pub fn r2_score(y_true: &[f64], y_pred: &[f64]) -> Result<f64, MetricError> {
    const METRIC: &str = "r2_score";
    let r = residuals(METRIC, y_true, y_pred)?;
    if y_true.iter().all(|&y| y == y_true[0]) {
        return Err(MetricError::ConstantTarget {
            metric: METRIC,
            value: y_true[0],
        });
    }
    let m = mean(y_true);
    let ss_tot: f64 = y_true.iter().map(|y| (y - m) * (y - m)).sum();
    let ss_res: f64 = r.iter().map(|e| e * e).sum();
    Ok(1.0 - ss_res / ss_tot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    const T: [f64; 5] = [3.0, -0.5, 2.0, 7.0, 4.5];
    const P: [f64; 5] = [2.5, 0.0, 2.0, 8.0, 3.0];

    #[test]
    fn error_metrics_by_hand() {
        // residuals 0.5, -0.5, 0, -1, 1.5; squares 0.25 0.25 0 1 2.25 (sum 3.75)
        close(mse(&T, &P).unwrap(), 0.75);
        close(rmse(&T, &P).unwrap(), 0.75f64.sqrt());
        // |residuals| sum 3.5
        close(mae(&T, &P).unwrap(), 0.7);
        // sorted |residuals| 0 0.5 0.5 1 1.5 -> median 0.5
        close(median_absolute_error(&T, &P).unwrap(), 0.5);
    }

    #[test]
    fn r2_by_hand() {
        // mean of T = 16 / 5 = 3.2; deviations -0.2 -3.7 -1.2 3.8 1.3
        // SS_tot = 0.04 + 13.69 + 1.44 + 14.44 + 1.69 = 31.3; SS_res = 3.75
        // R^2 = 1 - 3.75 / 31.3 = 0.880191693...
        close(r2_score(&T, &P).unwrap(), 1.0 - 3.75 / 31.3);
        // scikit-learn 1.9.1: r2_score(T, P) = 0.8801916932907348
        close(r2_score(&T, &P).unwrap(), 0.8801916932907348);
    }

    #[test]
    fn r2_of_a_known_least_squares_fit() {
        // Points (x, y): (1, 1) (2, 3) (3, 2) (4, 5) (5, 4). Least squares: x mean 3, y mean 3,
        // Sxy = (-2)(-2) + (-1)(0) + 0 + (1)(2) + (2)(1) = 8, Sxx = 10 -> slope 0.8,
        // intercept 3 - 0.8 * 3 = 0.6. R^2 of a least-squares line is Sxy^2 / (Sxx Syy)
        // with Syy = 4 + 0 + 1 + 4 + 1 = 10: 64 / 100 = 0.64.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 3.0, 2.0, 5.0, 4.0];
        let fit: Vec<f64> = x.iter().map(|x| 0.6 + 0.8 * x).collect();
        close(r2_score(&y, &fit).unwrap(), 0.64);
        // Predicting the mean scores 0; predicting worse than that is negative.
        close(r2_score(&y, &[3.0; 5]).unwrap(), 0.0);
        // Reversed predictions 5 4 3 2 1: SS_res = 16 + 1 + 1 + 9 + 9 = 36 -> 1 - 36/10 = -2.6
        close(r2_score(&y, &[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap(), -2.6);
    }

    #[test]
    fn median_of_odd_count_and_single_value() {
        close(median_absolute_error(&[1.0], &[-2.0]).unwrap(), 3.0);
        close(
            median_absolute_error(&[0.0, 0.0, 0.0], &[5.0, -1.0, 2.0]).unwrap(),
            2.0,
        );
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        let err = r2_score(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]).unwrap_err();
        assert_eq!(
            err,
            MetricError::ConstantTarget {
                metric: "r2_score",
                value: 2.0
            }
        );
        assert!(
            err.to_string()
                .contains("at least two distinct true values")
        );
        assert_eq!(mse(&[], &[]), Err(MetricError::Empty { metric: "mse" }));
        let err = mae(&[1.0, 2.0], &[1.0]).unwrap_err();
        assert!(
            err.to_string()
                .contains("y_pred has 1 values but 2 are needed")
        );
        assert!(matches!(
            rmse(&[1.0, 2.0], &[1.0, f64::INFINITY]),
            Err(MetricError::NonFinite {
                what: "y_pred",
                index: 1,
                ..
            })
        ));
    }
}
