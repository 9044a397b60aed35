//! [`Dataset`]: a feature matrix with named columns and its targets.

use super::imputed::Imputed;
use super::table::Lines;
use super::targets::{invalid, owned};
use super::{DataError, FeatureEncoding, Targets};
use nabla_autodiff::Tensor;

/// Features (`[rows, features]`, `f64`) with their column names, and [`Targets`] with theirs.
///
/// Build one from a CSV file with [`Dataset::from_csv`] or from tensors with [`Dataset::new`];
/// split it with [`train_test_split`](super::train_test_split) or
/// [`stratified_split`](super::stratified_split).
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::data::{Dataset, Targets};
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
/// let y = Targets::labels(vec![0, 1, 1], &["no", "yes"])?;
/// let data = Dataset::new(x, &["a", "b"], y, &["answer"])?;
/// assert_eq!((data.n_rows(), data.n_features()), (3, 2));
/// let picked = data.select(&[2, 0])?;
/// assert_eq!(picked.features().data(), &[5.0, 6.0, 1.0, 2.0]);
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Tensor<f64>,
    feature_names: Vec<String>,
    targets: Targets,
    target_names: Vec<String>,
    encoding: Option<FeatureEncoding>,
    lines: Option<Lines>,
    notices: Vec<String>,
    /// Which feature values the encoding imputed.
    imputed: Option<Imputed>,
}

impl Dataset {
    /// A data set from a `[rows, features]` tensor, one name per feature column, targets with
    /// one entry per row, and one name per target column.
    ///
    /// # Errors
    /// If the features are not 2-D, the names do not match the columns, the targets do not
    /// have one entry per row or break their encoding's rules (see [`Targets`]).
    pub fn new<S: AsRef<str>, U: AsRef<str>>(
        features: Tensor<f64>,
        feature_names: &[S],
        targets: Targets,
        target_names: &[U],
    ) -> Result<Self, DataError> {
        const F: &str = "Dataset::new";
        if features.ndim() != 2 || features.shape()[1] != feature_names.len() {
            return Err(invalid(
                F,
                format!(
                    "features of shape {:?} with {} feature names; pass a [rows, features] \
                     tensor and one name per column",
                    features.shape(),
                    feature_names.len()
                ),
            ));
        }
        let targets = targets.checked()?;
        if targets.n_rows() != features.shape()[0] {
            return Err(invalid(
                F,
                format!(
                    "{} feature rows but {} targets; pass one target entry per row",
                    features.shape()[0],
                    targets.n_rows()
                ),
            ));
        }
        if target_names.len() != targets.width() {
            return Err(invalid(
                F,
                format!(
                    "{} target names for {} target columns; pass one name per target column",
                    target_names.len(),
                    targets.width()
                ),
            ));
        }
        Ok(Dataset {
            features,
            feature_names: owned(feature_names),
            targets,
            target_names: owned(target_names),
            encoding: None,
            lines: None,
            notices: Vec::new(),
            imputed: None,
        })
    }

    /// The same data with where it came from: the encoding that made its features from a
    /// file's columns, each row's line in the file, and what loading left out.
    pub(crate) fn with_origin(
        mut self,
        encoding: FeatureEncoding,
        lines: Lines,
        notices: Vec<String>,
    ) -> Result<Self, DataError> {
        if encoding.width() != self.n_features() || lines.len() != self.n_rows() {
            return Err(invalid(
                "Dataset::with_origin",
                format!(
                    "an encoding of width {} and {} lines for {} rows of {} features",
                    encoding.width(),
                    lines.len(),
                    self.n_rows(),
                    self.n_features()
                ),
            ));
        }
        self.encoding = Some(encoding);
        self.lines = Some(lines);
        self.notices = notices;
        Ok(self)
    }

    /// How the features were made from the columns of the file they were loaded from (`None`
    /// for a data set built from tensors). A model fitted with `fit_dataset` keeps it, to
    /// encode new rows the same way.
    pub fn encoding(&self) -> Option<&FeatureEncoding> {
        self.encoding.as_ref()
    }

    /// The line of the file where row `row` was read (`None` for a data set built from
    /// tensors).
    pub fn line(&self, row: usize) -> Option<u64> {
        self.lines
            .as_ref()
            .filter(|l| row < l.len())
            .map(|l| l.get(row))
    }

    /// What loading left out and why: rows whose target is missing, constant or
    /// identifier-like columns.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The features, `[rows, features]`.
    pub fn features(&self) -> &Tensor<f64> {
        &self.features
    }

    /// The name of each feature column.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// The name of each target column (one for labels).
    pub fn target_names(&self) -> &[String] {
        &self.target_names
    }

    /// The number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.features.shape()[0]
    }

    /// The number of feature columns.
    pub fn n_features(&self) -> usize {
        self.features.shape()[1]
    }

    /// The given rows, in that order (indices may repeat).
    ///
    /// # Errors
    /// If an index is not below [`n_rows`](Self::n_rows).
    pub fn select(&self, rows: &[usize]) -> Result<Dataset, DataError> {
        let n = self.n_rows();
        if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
            return Err(invalid(
                "Dataset::select",
                format!("row index {bad} is out of range for a data set of {n} rows"),
            ));
        }
        Ok(Dataset {
            features: self.features.select_rows(rows),
            feature_names: self.feature_names.clone(),
            targets: self.targets.select_rows(rows),
            target_names: self.target_names.clone(),
            encoding: self.encoding.clone(),
            lines: self.lines.as_ref().map(|l| l.select(rows)),
            notices: self.notices.clone(),
            imputed: self.imputed.as_ref().map(|i| i.select(n, rows)),
        })
    }

    /// A copy with `features` (of the same shape) in place of this data set's, the old features
    /// not copied.
    pub(crate) fn copy_with_features(&self, features: Tensor<f64>) -> Dataset {
        debug_assert_eq!(features.shape(), self.features.shape());
        Dataset {
            features,
            feature_names: self.feature_names.clone(),
            targets: self.targets.clone(),
            target_names: self.target_names.clone(),
            encoding: self.encoding.clone(),
            lines: self.lines.clone(),
            notices: self.notices.clone(),
            imputed: self.imputed.clone(),
        }
    }

    /// The same data, knowing which feature values `encoding` imputed.
    pub(crate) fn with_imputed(mut self, imputed: Imputed) -> Self {
        self.imputed = Some(imputed);
        self
    }

    /// The features to change in place, and which of them were imputed.
    pub(crate) fn features_and_imputed_mut(&mut self) -> (&mut Tensor<f64>, Option<&Imputed>) {
        (&mut self.features, self.imputed.as_ref())
    }

    /// Which feature values were imputed, for a data set loaded from a file.
    pub(crate) fn imputed(&self) -> Option<&Imputed> {
        self.imputed.as_ref()
    }

    /// Replaces the encoding (by one of the same features, refitted).
    pub(crate) fn replace_encoding(&mut self, encoding: FeatureEncoding) {
        debug_assert_eq!(encoding.width(), self.n_features());
        self.encoding = Some(encoding);
    }

    /// The features, to change in place.
    pub(crate) fn features_mut(&mut self) -> &mut Tensor<f64> {
        &mut self.features
    }

    /// The same rows and targets with new features of the same shape (standardised ones, for
    /// example).
    ///
    /// # Errors
    /// If the new features' shape differs from the old.
    pub fn with_features(self, features: Tensor<f64>) -> Result<Dataset, DataError> {
        if features.shape() != self.features.shape() {
            return Err(invalid(
                "Dataset::with_features",
                format!(
                    "new features of shape {:?} cannot replace features of shape {:?}; keep \
                     the rows and columns",
                    features.shape(),
                    self.features.shape()
                ),
            ));
        }
        Ok(Dataset { features, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Dataset {
        let x = Tensor::from_fn(&[4, 2], |i| i as f64);
        let y = Targets::continuous(Tensor::from_vec(vec![0.5, 1.5, 2.5, 3.5], &[4])).unwrap();
        Dataset::new(x, &["a", "b"], y, &["y"]).unwrap()
    }

    #[test]
    fn new_checks_every_count() {
        let x = Tensor::<f64>::zeros(&[3, 2]);
        let y = || Targets::labels(vec![0, 1, 0], &["n", "p"]).unwrap();
        let err = Dataset::new(x.clone(), &["a"], y(), &["t"]).unwrap_err();
        assert!(err.to_string().contains("1 feature names"), "{err}");
        let err = Dataset::new(x.clone(), &["a", "b"], y(), &["t", "u"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("2 target names for 1 target columns")
        );
        let short = Targets::labels(vec![0, 1], &["n", "p"]).unwrap();
        let err = Dataset::new(x.clone(), &["a", "b"], short, &["t"]).unwrap_err();
        assert!(err.to_string().contains("3 feature rows but 2 targets"));
        // A variant built by hand is checked like its constructor.
        let bad = Targets::Labels {
            indices: vec![0, 5, 1],
            class_names: vec!["n".into(), "p".into()],
        };
        let err = Dataset::new(x, &["a", "b"], bad, &["t"]).unwrap_err();
        assert!(err.to_string().contains("row 1 has label 5"), "{err}");
    }

    #[test]
    fn a_one_dimensional_continuous_target_becomes_a_column() {
        let x = Tensor::<f64>::zeros(&[2, 1]);
        let y = Targets::Continuous(Tensor::from_vec(vec![1.0, 2.0], &[2]));
        let d = Dataset::new(x, &["a"], y, &["y"]).unwrap();
        assert_eq!(d.targets().to_columns().shape(), &[2, 1]);
    }

    #[test]
    fn select_takes_features_and_targets_together() {
        let d = small().select(&[3, 1, 3]).unwrap();
        assert_eq!(d.features().data(), &[6., 7., 2., 3., 6., 7.]);
        assert_eq!(d.targets().to_columns().data(), &[3.5, 1.5, 3.5]);
        assert_eq!(d.feature_names(), &["a", "b"]);
        let err = small().select(&[4]).unwrap_err();
        assert!(
            err.to_string()
                .contains("row index 4 is out of range for a data set of 4 rows")
        );
    }

    #[test]
    fn with_features_keeps_the_shape() {
        let d = small();
        let doubled = d.features().map(|v| v * 2.0);
        let d2 = d.clone().with_features(doubled).unwrap();
        assert_eq!(d2.features().at(&[1, 1]), 6.0);
        assert_eq!(d2.targets(), d.targets());
        assert!(d.with_features(Tensor::zeros(&[4, 3])).is_err());
    }
}
