//! Log loss (cross-entropy of predicted probabilities), binary and multi-class.

use crate::metrics::MetricError;
use crate::metrics::check::{labels_below, paired, probabilities, rows_of};

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` before their logarithm is
/// taken, so that a confident wrong prediction (probability 0 for the true class) costs
/// `-ln(1e-15) ≈ 34.54` instead of infinity.
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// How far a row of class probabilities may sum from 1 before [`log_loss`] rejects it: wide
/// enough for softmax outputs computed in `f32`, narrow enough to catch logits.
const ROW_SUM_TOLERANCE: f64 = 1e-4;

fn clip(p: f64) -> f64 {
    p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
}

/// The mean binary cross-entropy `-[y ln p + (1 - y) ln(1 - p)]` of probabilities `p` of
/// class 1 against 0/1 labels `y`, with `p` clipped as [`LOG_LOSS_EPS`] says.
///
/// ```
/// use nabla_models::metrics::binary_log_loss;
/// // -(ln 0.8 + ln 0.9) / 2
/// let loss = binary_log_loss(&[1, 0], &[0.8, 0.1]).unwrap();
/// assert!((loss - 0.164252033486018).abs() < 1e-12);
/// ```
///
/// # Errors
/// If the input is empty, the lengths differ, a label is not 0 or 1 or a value is not a
/// probability.
pub fn binary_log_loss(y_true: &[usize], y_prob: &[f64]) -> Result<f64, MetricError> {
    const METRIC: &str = "binary_log_loss";
    paired(METRIC, y_true.len(), "y_prob", y_prob.len())?;
    labels_below(METRIC, "y_true", y_true, 2)?;
    probabilities(METRIC, "y_prob", y_prob)?;
    let total: f64 = y_true
        .iter()
        .zip(y_prob)
        .map(|(&y, &p)| {
            let p_true = if y == 1 { p } else { 1.0 - p };
            -clip(p_true).ln()
        })
        .sum();
    Ok(total / y_true.len() as f64)
}

/// The mean categorical cross-entropy `-ln p[i, y_i]` of rows of class probabilities against
/// integer labels, with probabilities clipped as [`LOG_LOSS_EPS`] says (rows are not
/// renormalised after clipping).
///
/// `y_prob` holds one row of `n_classes` probabilities per label, row after row; each row must
/// sum to 1 within 1e-4.
///
/// ```
/// use nabla_models::metrics::log_loss;
/// let y_prob = [0.7, 0.2, 0.1, /**/ 0.2, 0.5, 0.3];
/// // -(ln 0.7 + ln 0.3) / 2
/// let loss = log_loss(&[0, 2], &y_prob, 3).unwrap();
/// assert!((loss - 0.7803238741323343).abs() < 1e-12);
/// ```
///
/// # Errors
/// If the input is empty, `y_prob` does not hold `n_classes` values per label, a label is out
/// of range, a value is not a probability or a row does not sum to 1.
pub fn log_loss(y_true: &[usize], y_prob: &[f64], n_classes: usize) -> Result<f64, MetricError> {
    const METRIC: &str = "log_loss";
    rows_of(METRIC, "y_prob", y_prob.len(), y_true.len(), n_classes)?;
    labels_below(METRIC, "y_true", y_true, n_classes)?;
    probabilities(METRIC, "y_prob", y_prob)?;
    let rows = y_prob.chunks_exact(n_classes);
    if let Some((row, sum)) = rows
        .clone()
        .map(|r| r.iter().sum::<f64>())
        .enumerate()
        .find(|(_, s)| (s - 1.0).abs() > ROW_SUM_TOLERANCE)
    {
        return Err(MetricError::RowSum {
            metric: METRIC,
            row,
            sum,
        });
    }
    let total: f64 = rows.zip(y_true).map(|(r, &y)| -clip(r[y]).ln()).sum();
    Ok(total / y_true.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn binary_by_hand() {
        // y 1 0 1 0, p 0.9 0.2 0.6 0.5: probabilities of the true class 0.9 0.8 0.6 0.5
        // -(ln 0.9 + ln 0.8 + ln 0.6 + ln 0.5) / 4
        //   = (0.105360516 + 0.223143551 + 0.510825624 + 0.693147181) / 4 = 0.383119218
        let expected = -(0.9f64.ln() + 0.8f64.ln() + 0.6f64.ln() + 0.5f64.ln()) / 4.0;
        let loss = binary_log_loss(&[1, 0, 1, 0], &[0.9, 0.2, 0.6, 0.5]).unwrap();
        close(loss, expected);
        // scikit-learn 1.9.1: log_loss([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.5]) = 0.383119217824493
        close(loss, 0.383119217824493);
    }

    #[test]
    fn certain_wrong_prediction_is_clipped_not_infinite() {
        // -ln(1e-15) = 15 ln 10 = 34.538776394910684
        let loss = binary_log_loss(&[1], &[0.0]).unwrap();
        close(loss, 15.0 * 10f64.ln());
        let loss = log_loss(&[1], &[1.0, 0.0], 2).unwrap();
        close(loss, 15.0 * 10f64.ln());
        // A certain right prediction costs -ln(1 - 1e-15), about 1e-15.
        assert!(binary_log_loss(&[1], &[1.0]).unwrap() < 2e-15);
    }

    #[test]
    fn multiclass_by_hand_and_matches_binary_on_two_classes() {
        // rows (0.2 0.7 0.1), (0.6 0.3 0.1), (0.25 0.25 0.5); labels 1 0 2
        // -(ln 0.7 + ln 0.6 + ln 0.5) / 3 = (0.356675 + 0.510826 + 0.693147) / 3 = 0.520216
        let p = [0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.25, 0.25, 0.5];
        let expected = -(0.7f64.ln() + 0.6f64.ln() + 0.5f64.ln()) / 3.0;
        close(log_loss(&[1, 0, 2], &p, 3).unwrap(), expected);
        // scikit-learn 1.9.1: log_loss([1, 0, 2], rows) = 0.5202159160882228
        close(log_loss(&[1, 0, 2], &p, 3).unwrap(), 0.5202159160882228);
        let two = [0.1, 0.9, 0.8, 0.2, 0.4, 0.6];
        close(
            log_loss(&[1, 0, 0], &two, 2).unwrap(),
            binary_log_loss(&[1, 0, 0], &[0.9, 0.2, 0.6]).unwrap(),
        );
    }

    #[test]
    fn logits_and_unnormalised_rows_are_rejected() {
        let err = binary_log_loss(&[1, 0], &[2.3, -1.0]).unwrap_err();
        assert!(
            err.to_string()
                .contains("y_prob[0] is 2.3, not a probability")
        );
        let err = log_loss(&[0, 1], &[0.5, 0.5, 0.5, 0.6], 2).unwrap_err();
        assert_eq!(
            err,
            MetricError::RowSum {
                metric: "log_loss",
                row: 1,
                sum: 1.1
            }
        );
        assert!(matches!(
            log_loss(&[0, 3], &[0.5, 0.5, 0.5, 0.5], 2),
            Err(MetricError::LabelOutOfRange { label: 3, .. })
        ));
        assert!(matches!(
            log_loss(&[], &[], 2),
            Err(MetricError::Empty { .. })
        ));
    }
}
