//! [`Standardizer`]: per-feature mean and standard deviation, fitted on training data.

use super::targets::invalid;
use super::{DataError, Dataset};
use nabla_autodiff::Tensor;

/// Scales each column to mean 0 and standard deviation 1 using statistics of the data it was
/// fitted on: fit it on the training split only, then transform training, validation and test
/// data alike, so that nothing about the test rows leaks into training.
///
/// The standard deviation is the population one (dividing by the row count). A column whose
/// values are all equal gets standard deviation 1, so it becomes 0 instead of `NaN`.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::data::Standardizer;
/// let train = Tensor::from_vec(vec![1.0, 5.0, 3.0, 5.0], &[2, 2]);
/// let s = Standardizer::fit(&train)?;
/// assert_eq!(s.means(), &[2.0, 5.0]);
/// assert_eq!(s.stds(), &[1.0, 1.0]); // the second column is constant
/// let test = Tensor::from_vec(vec![4.0, 6.0], &[1, 2]);
/// assert_eq!(s.transform(&test)?.data(), &[2.0, 1.0]);
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    means: Vec<f64>,
    stds: Vec<f64>,
}

impl Standardizer {
    /// Learns each column's mean and standard deviation from a `[rows, columns]` tensor.
    ///
    /// # Errors
    /// If the tensor is not 2-D, has no rows, or holds a value that is not finite.
    pub fn fit(x: &Tensor<f64>) -> Result<Self, DataError> {
        const F: &str = "Standardizer::fit";
        if x.ndim() != 2 || x.shape()[0] == 0 {
            return Err(invalid(
                F,
                format!(
                    "got a tensor of shape {:?}; pass [rows, columns] with at least one row",
                    x.shape()
                ),
            ));
        }
        let cols = x.shape()[1];
        if let Some(i) = x.data().iter().position(|v| !v.is_finite()) {
            return Err(invalid(
                F,
                format!(
                    "row {}, column {} is {}; standardising needs finite values (fix or drop \
                     the row first)",
                    i / cols,
                    i % cols,
                    x.data()[i]
                ),
            ));
        }
        let moments = super::moments::column_moments(x);
        let means = moments.iter().map(|m| m.mean).collect();
        // A constant column is only centred: dividing by 0 would make it NaN.
        let stds = moments
            .iter()
            .map(|m| if m.is_constant() { 1.0 } else { m.std })
            .collect();
        Ok(Standardizer { means, stds })
    }

    /// A standardiser with these per-column means and standard deviations (as a saved model
    /// stores them).
    ///
    /// # Errors
    /// If the lengths differ, a mean is not finite or a deviation is not finite and positive.
    pub fn from_parts(means: Vec<f64>, stds: Vec<f64>) -> Result<Self, DataError> {
        const F: &str = "Standardizer::from_parts";
        if means.len() != stds.len() {
            return Err(invalid(
                F,
                format!(
                    "{} means but {} deviations; give one of each per column",
                    means.len(),
                    stds.len()
                ),
            ));
        }
        if let Some(c) = (0..means.len())
            .find(|&c| !(means[c].is_finite() && stds[c].is_finite() && stds[c] > 0.0))
        {
            return Err(invalid(
                F,
                format!(
                    "column {c} has mean {} and deviation {}; means must be finite and \
                     deviations finite and positive",
                    means[c], stds[c]
                ),
            ));
        }
        Ok(Standardizer { means, stds })
    }

    /// The fitted mean of each column.
    pub fn means(&self) -> &[f64] {
        &self.means
    }

    /// The fitted standard deviation of each column (1 for constant columns).
    pub fn stds(&self) -> &[f64] {
        &self.stds
    }

    /// `(x - mean) / std` per column.
    ///
    /// # Errors
    /// If `x` is not `[rows, columns]` with the fitted number of columns.
    pub fn transform(&self, x: &Tensor<f64>) -> Result<Tensor<f64>, DataError> {
        self.check("Standardizer::transform", x)?;
        Ok(self.per_column(x, |v, m, s| (v - m) / s))
    }

    /// `x * std + mean` per column: back to the original units.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn inverse_transform(&self, x: &Tensor<f64>) -> Result<Tensor<f64>, DataError> {
        self.check("Standardizer::inverse_transform", x)?;
        Ok(self.per_column(x, |v, m, s| v * s + m))
    }

    /// Fits on `x` and transforms it.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform(x: &Tensor<f64>) -> Result<(Self, Tensor<f64>), DataError> {
        let s = Self::fit(x)?;
        let t = s.per_column(x, |v, m, s| (v - m) / s);
        Ok((s, t))
    }

    /// The data set with its features transformed (targets untouched).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_dataset(&self, data: &Dataset) -> Result<Dataset, DataError> {
        let x = self.transform(data.features())?;
        Ok(data.copy_with_features(x))
    }

    /// Transforms the data set's features in place, without a copy (for data sets near the
    /// size of memory).
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// use nabla_models::data::{Dataset, Standardizer, Targets};
    /// let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 30.0], &[2, 2]);
    /// let y = Targets::labels(vec![0, 1], &["a", "b"])?;
    /// let mut data = Dataset::new(x, &["u", "v"], y, &["t"])?;
    /// let scaler = Standardizer::fit(data.features())?;
    /// scaler.transform_dataset_in_place(&mut data)?;
    /// assert_eq!(data.features().data(), &[-1.0, -1.0, 1.0, 1.0]);
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_dataset_in_place(&self, data: &mut Dataset) -> Result<(), DataError> {
        self.check("Standardizer::transform_dataset_in_place", data.features())?;
        self.per_column_in_place(data.features_mut().data_mut(), |v, m, s| (v - m) / s);
        Ok(())
    }

    fn check(&self, function: &'static str, x: &Tensor<f64>) -> Result<(), DataError> {
        if x.ndim() != 2 || x.shape()[1] != self.means.len() {
            return Err(invalid(
                function,
                format!(
                    "got a tensor of shape {:?} but the standardizer was fitted on {} columns; \
                     pass [rows, {}]",
                    x.shape(),
                    self.means.len(),
                    self.means.len()
                ),
            ));
        }
        Ok(())
    }

    /// [`inverse_transform`](Self::inverse_transform) of the row-major `values` (a whole
    /// number of rows), in place: how a [`Predictor`](crate::estimator::Predictor) brings
    /// predictions back to the target's units without allocating.
    pub(crate) fn inverse_transform_in_place(&self, values: &mut [f64]) {
        self.per_column_in_place(values, |v, m, s| v * s + m);
    }

    fn per_column(&self, x: &Tensor<f64>, f: impl Fn(f64, f64, f64) -> f64) -> Tensor<f64> {
        let mut out = x.clone();
        self.per_column_in_place(out.data_mut(), f);
        out
    }

    /// `f(value, mean, std)` for every value of the row-major `values`, in place.
    fn per_column_in_place(&self, values: &mut [f64], f: impl Fn(f64, f64, f64) -> f64) {
        let k = self.means.len().max(1);
        for row in values.chunks_exact_mut(k) {
            for ((v, m), s) in row.iter_mut().zip(&self.means).zip(&self.stds) {
                *v = f(*v, *m, *s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_by_hand() {
        // column 0: 2, 4, 4, 4, 5, 5, 7, 9 -> mean 5, squared deviations sum 32, std 2
        // column 1: -1 for every row -> constant, std 1
        let col0 = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let data: Vec<f64> = col0.iter().flat_map(|&v| [v, -1.0]).collect();
        let x = Tensor::from_vec(data, &[8, 2]);
        let (s, t) = Standardizer::fit_transform(&x).unwrap();
        assert_eq!(s.means(), &[5.0, -1.0]);
        assert_eq!(s.stds(), &[2.0, 1.0]);
        assert_eq!(t.at(&[0, 0]), -1.5);
        assert_eq!(t.at(&[7, 0]), 2.0);
        assert!(t.data().iter().skip(1).step_by(2).all(|&v| v == 0.0));
        assert_eq!(s.inverse_transform(&t).unwrap(), x);
    }

    #[test]
    fn a_constant_column_that_does_not_divide_exactly_is_still_constant() {
        // The mean of 0.1 three times is not exactly 0.1 in floating point; the column must
        // still come out as zeros, not as noise divided by a tiny deviation.
        let x = Tensor::from_vec(vec![0.1; 3], &[3, 1]);
        let (s, t) = Standardizer::fit_transform(&x).unwrap();
        assert_eq!(s.stds(), &[1.0]);
        assert!(t.data().iter().all(|v| v.abs() < 1e-15));
    }

    #[test]
    fn errors_name_shapes_and_bad_values() {
        let err = Standardizer::fit(&Tensor::zeros(&[0, 3])).unwrap_err();
        assert!(err.to_string().contains("at least one row"), "{err}");
        let bad = Tensor::from_vec(vec![1.0, f64::NAN, 2.0, 3.0], &[2, 2]);
        let err = Standardizer::fit(&bad).unwrap_err();
        assert!(err.to_string().contains("row 0, column 1 is NaN"), "{err}");
        let s = Standardizer::fit(&Tensor::ones(&[2, 2])).unwrap();
        let err = s.transform(&Tensor::ones(&[2, 3])).unwrap_err();
        assert!(err.to_string().contains("fitted on 2 columns"), "{err}");
    }
}
