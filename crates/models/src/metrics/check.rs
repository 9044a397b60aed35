//! Input checks shared by the metrics; each returns the [`MetricError`] that names the problem.

use super::MetricError;

/// `y_true` is non-empty and `what` has one value per element of it.
pub(crate) fn paired(
    metric: &'static str,
    n_true: usize,
    what: &'static str,
    found: usize,
) -> Result<(), MetricError> {
    if n_true == 0 {
        return Err(MetricError::Empty { metric });
    }
    if found != n_true {
        return Err(MetricError::LengthMismatch {
            metric,
            what,
            found,
            expected: n_true,
            reason: format!("one per value of y_true, which has {n_true}"),
        });
    }
    Ok(())
}

/// `what` holds `rows` rows of `n_classes` values each, `n_classes >= 1`.
pub(crate) fn rows_of(
    metric: &'static str,
    what: &'static str,
    found: usize,
    rows: usize,
    n_classes: usize,
) -> Result<(), MetricError> {
    if n_classes == 0 {
        return Err(MetricError::InvalidArgument {
            metric,
            message: "n_classes is 0; pass the number of classes (at least 1)".into(),
        });
    }
    if rows == 0 {
        return Err(MetricError::Empty { metric });
    }
    if found != rows * n_classes {
        return Err(MetricError::LengthMismatch {
            metric,
            what,
            found,
            expected: rows * n_classes,
            reason: format!("{rows} rows of {n_classes} classes, one row per value of y_true"),
        });
    }
    Ok(())
}

/// Every value is finite.
pub(crate) fn finite(
    metric: &'static str,
    what: &'static str,
    values: &[f64],
) -> Result<(), MetricError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(MetricError::NonFinite {
            metric,
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Every value is a probability: finite and in `[0, 1]`.
pub(crate) fn probabilities(
    metric: &'static str,
    what: &'static str,
    values: &[f64],
) -> Result<(), MetricError> {
    finite(metric, what, values)?;
    match values.iter().position(|v| !(0.0..=1.0).contains(v)) {
        Some(index) => Err(MetricError::NotProbability {
            metric,
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Every label is below `n_classes`.
pub(crate) fn labels_below(
    metric: &'static str,
    what: &'static str,
    labels: &[usize],
    n_classes: usize,
) -> Result<(), MetricError> {
    match labels.iter().position(|&l| l >= n_classes) {
        Some(index) => Err(MetricError::LabelOutOfRange {
            metric,
            what,
            index,
            label: labels[index],
            n_classes,
        }),
        None => Ok(()),
    }
}

/// The index of the largest value in each row of `n_classes` values (the first on ties).
/// The values must be finite.
pub(crate) fn argmax_rows(values: &[f64], n_classes: usize) -> Vec<usize> {
    values
        .chunks_exact(n_classes)
        .map(|row| {
            let mut best = 0;
            for (k, &v) in row.iter().enumerate().skip(1) {
                if v > row[best] {
                    best = k;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_reports_empty_before_lengths() {
        assert_eq!(
            paired("m", 0, "y_pred", 3),
            Err(MetricError::Empty { metric: "m" })
        );
        let err = paired("m", 4, "y_pred", 3).unwrap_err();
        assert!(matches!(
            err,
            MetricError::LengthMismatch {
                found: 3,
                expected: 4,
                ..
            }
        ));
    }

    #[test]
    fn probabilities_names_the_first_bad_position() {
        let err = probabilities("m", "y_prob", &[0.2, 1.0, -0.1, 2.0]).unwrap_err();
        assert!(matches!(err, MetricError::NotProbability { index: 2, .. }));
        let err = probabilities("m", "y_prob", &[0.2, f64::NAN]).unwrap_err();
        assert!(matches!(err, MetricError::NonFinite { index: 1, .. }));
    }

    #[test]
    fn argmax_rows_takes_the_first_of_equal_values() {
        assert_eq!(argmax_rows(&[0.2, 0.5, 0.3, 0.4, 0.4, 0.2], 3), vec![1, 0]);
    }
}
