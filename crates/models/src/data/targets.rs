//! [`Targets`]: what a model should predict for each row, in one of four encodings.

use super::DataError;
use nabla_autodiff::Tensor;
use std::collections::BTreeMap;

/// The targets of a data set, one entry (or row of columns) per sample.
///
/// The variants keep the values as they were given, so that code inspecting a data set (the
/// diagnostics, for example) can see the raw target columns through
/// [`to_columns`](Targets::to_columns) whatever the encoding. Build them with the checking
/// constructors ([`Targets::labels`], [`Targets::one_hot`], ...); the variants are public so
/// that they can be matched on.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Real values, `[rows, k]` for `k` targets (regression).
    Continuous(Tensor<f64>),
    /// One class per row, as an index into `class_names` (binary or multi-class).
    Labels {
        /// The class index of each row.
        indices: Vec<usize>,
        /// The name of each class, index order.
        class_names: Vec<String>,
    },
    /// One class per row, as a `[rows, k]` row of 0s with a single 1 (multi-class).
    OneHot {
        /// The 0/1 values.
        values: Tensor<f64>,
        /// The name of each class (column).
        class_names: Vec<String>,
    },
    /// Any number of labels per row, as a `[rows, k]` row of 0s and 1s (multi-label).
    MultiHot {
        /// The 0/1 values.
        values: Tensor<f64>,
        /// The name of each label (column).
        label_names: Vec<String>,
    },
}

impl Targets {
    /// Continuous targets from a `[rows]` or `[rows, k]` tensor (a 1-D tensor becomes one
    /// column).
    ///
    /// # Errors
    /// If the tensor is not 1-D or 2-D.
    pub fn continuous(values: Tensor<f64>) -> Result<Self, DataError> {
        match values.shape() {
            &[rows] => Ok(Targets::Continuous(values.reshape(&[rows, 1]))),
            &[_, _] => Ok(Targets::Continuous(values)),
            shape => Err(invalid(
                "Targets::continuous",
                format!("got a tensor of shape {shape:?}; pass [rows] or [rows, targets]"),
            )),
        }
    }

    /// Class labels: one index into `class_names` per row.
    ///
    /// ```
    /// use nabla_models::data::Targets;
    /// let t = Targets::labels(vec![1, 0, 1], &["cat", "dog"])?;
    /// assert_eq!(t.class_counts(), Some(vec![1, 2]));
    /// assert!(Targets::labels(vec![2], &["cat", "dog"]).is_err());
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// If a label is not below the number of class names.
    pub fn labels<S: AsRef<str>>(
        indices: Vec<usize>,
        class_names: &[S],
    ) -> Result<Self, DataError> {
        let k = class_names.len();
        if let Some(row) = indices.iter().position(|&i| i >= k) {
            return Err(invalid(
                "Targets::labels",
                format!(
                    "row {row} has label {} but there are {k} class names; labels must be \
                     indices in 0..{k}",
                    indices[row]
                ),
            ));
        }
        Ok(Targets::Labels {
            indices,
            class_names: owned(class_names),
        })
    }

    /// One-hot targets: a `[rows, k]` tensor whose rows each hold a single 1 among 0s.
    ///
    /// # Errors
    /// If the tensor is not 2-D, the names do not match its columns, or a row is not one-hot.
    pub fn one_hot<S: AsRef<str>>(
        values: Tensor<f64>,
        class_names: &[S],
    ) -> Result<Self, DataError> {
        const F: &str = "Targets::one_hot";
        check_zero_one(F, &values, class_names.len())?;
        let k = class_names.len();
        for (row, r) in values.data().chunks_exact(k).enumerate() {
            let ones = r.iter().filter(|&&v| v == 1.0).count();
            if ones != 1 {
                return Err(invalid(
                    F,
                    format!(
                        "row {row} holds {ones} ones; a one-hot row holds exactly one (use \
                         Targets::multi_hot if rows may carry several labels)"
                    ),
                ));
            }
        }
        Ok(Targets::OneHot {
            values,
            class_names: owned(class_names),
        })
    }

    /// Multi-hot targets: a `[rows, k]` tensor of 0s and 1s, any number of 1s per row.
    ///
    /// # Errors
    /// If the tensor is not 2-D, the names do not match its columns, or a value is not 0 or 1.
    pub fn multi_hot<S: AsRef<str>>(
        values: Tensor<f64>,
        label_names: &[S],
    ) -> Result<Self, DataError> {
        check_zero_one("Targets::multi_hot", &values, label_names.len())?;
        Ok(Targets::MultiHot {
            values,
            label_names: owned(label_names),
        })
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        match self {
            Targets::Labels { indices, .. } => indices.len(),
            _ => self.dims().0,
        }
    }

    /// The number of target columns: 1 for labels, `k` for the others.
    pub fn width(&self) -> usize {
        self.dims().1
    }

    /// Rows and columns, read leniently from the tensor of a variant built by hand.
    fn dims(&self) -> (usize, usize) {
        let v = match self {
            Targets::Labels { indices, .. } => return (indices.len(), 1),
            Targets::Continuous(v) | Targets::OneHot { values: v, .. } => v,
            Targets::MultiHot { values, .. } => values,
        };
        match v.shape() {
            [] => (1, 1),
            [rows] => (*rows, 1),
            [rows, cols, ..] => (*rows, *cols),
        }
    }

    /// Checks a value that may have been built by hand as its constructor would, and returns
    /// it in the constructor's form (a 1-D continuous tensor becomes one column).
    pub(crate) fn checked(self) -> Result<Targets, DataError> {
        match self {
            Targets::Continuous(v) => Targets::continuous(v),
            Targets::Labels {
                indices,
                class_names,
            } => Targets::labels(indices, &class_names),
            Targets::OneHot {
                values,
                class_names,
            } => Targets::one_hot(values, &class_names),
            Targets::MultiHot {
                values,
                label_names,
            } => Targets::multi_hot(values, &label_names),
        }
    }

    /// The raw target columns as numbers, `[rows, width]`: the values themselves, or for
    /// labels their class indices as one column.
    ///
    /// ```
    /// use nabla_models::data::Targets;
    /// let t = Targets::labels(vec![2, 0], &["a", "b", "c"])?;
    /// assert_eq!(t.to_columns().data(), &[2.0, 0.0]);
    /// assert_eq!(t.to_columns().shape(), &[2, 1]);
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    pub fn to_columns(&self) -> Tensor<f64> {
        match self {
            Targets::Labels { indices, .. } => Tensor::from_vec(
                indices.iter().map(|&i| i as f64).collect(),
                &[indices.len(), 1],
            ),
            Targets::Continuous(v) | Targets::OneHot { values: v, .. } => v.clone(),
            Targets::MultiHot { values, .. } => values.clone(),
        }
    }

    /// The names of the classes (labels, one-hot) or labels (multi-hot); `None` for continuous
    /// targets.
    pub fn class_names(&self) -> Option<&[String]> {
        match self {
            Targets::Continuous(_) => None,
            Targets::Labels { class_names, .. } | Targets::OneHot { class_names, .. } => {
                Some(class_names)
            }
            Targets::MultiHot { label_names, .. } => Some(label_names),
        }
    }

    /// The number of classes or labels; `None` for continuous targets.
    pub fn n_classes(&self) -> Option<usize> {
        self.class_names().map(<[String]>::len)
    }

    /// The class index of each row, for labels and one-hot targets (the column of the 1);
    /// `None` for continuous and multi-hot targets.
    pub fn class_indices(&self) -> Option<Vec<usize>> {
        match self {
            Targets::Labels { indices, .. } => Some(indices.clone()),
            Targets::OneHot { values, .. } => Some(values.argmax(1)),
            _ => None,
        }
    }

    /// Rows per class for labels and one-hot targets, rows carrying each label for multi-hot
    /// ones; `None` for continuous targets.
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        if let Targets::MultiHot { values, .. } = self {
            let k = self.width();
            let mut counts = vec![0; k];
            for (i, &v) in values.data().iter().enumerate() {
                counts[i % k] += usize::from(v == 1.0);
            }
            return Some(counts);
        }
        let indices = self.class_indices()?;
        let mut counts = vec![0; self.n_classes()?];
        for i in indices {
            counts[i] += 1;
        }
        Some(counts)
    }

    /// A group id per row for stratified splitting and resampling: the class for labels and
    /// one-hot targets, the combination of labels (ids in order of first appearance) for
    /// multi-hot ones.
    ///
    /// # Errors
    /// For continuous targets, which have no classes.
    pub fn strata(&self) -> Result<Vec<usize>, DataError> {
        match self {
            Targets::Continuous(_) => Err(invalid(
                "Targets::strata",
                "continuous targets have no classes to stratify or balance by; use the plain \
                 (unstratified) split for regression"
                    .into(),
            )),
            Targets::MultiHot { values, .. } => {
                let mut ids: BTreeMap<Vec<bool>, usize> = BTreeMap::new();
                let k = self.width().max(1);
                Ok(values
                    .data()
                    .chunks_exact(k)
                    .map(|row| {
                        let key: Vec<bool> = row.iter().map(|&v| v == 1.0).collect();
                        let next = ids.len();
                        *ids.entry(key).or_insert(next)
                    })
                    .collect())
            }
            _ => Ok(self.class_indices().unwrap_or_default()),
        }
    }

    /// The targets of rows `rows`, in that order.
    ///
    /// ```
    /// use nabla_models::data::Targets;
    /// let t = Targets::labels(vec![0, 1, 1], &["a", "b"])?;
    /// assert_eq!(t.select(&[2, 0])?, Targets::labels(vec![1, 0], &["a", "b"])?);
    /// assert!(t.select(&[3]).is_err());
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// When a row index is out of range.
    pub fn select(&self, rows: &[usize]) -> Result<Targets, DataError> {
        let n = self.n_rows();
        if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
            return Err(invalid(
                "Targets::select",
                format!("row index {bad} is out of range for {n} rows of targets"),
            ));
        }
        Ok(self.select_rows(rows))
    }

    /// The targets of the given rows, in that order. The caller checks the indices.
    pub(crate) fn select_rows(&self, rows: &[usize]) -> Targets {
        match self {
            Targets::Continuous(v) => Targets::Continuous(v.select_rows(rows)),
            Targets::Labels {
                indices,
                class_names,
            } => Targets::Labels {
                indices: rows.iter().map(|&r| indices[r]).collect(),
                class_names: class_names.clone(),
            },
            Targets::OneHot {
                values,
                class_names,
            } => Targets::OneHot {
                values: values.select_rows(rows),
                class_names: class_names.clone(),
            },
            Targets::MultiHot {
                values,
                label_names,
            } => Targets::MultiHot {
                values: values.select_rows(rows),
                label_names: label_names.clone(),
            },
        }
    }
}

pub(crate) fn owned<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    names.iter().map(|s| s.as_ref().to_string()).collect()
}

pub(crate) fn invalid(function: &'static str, message: String) -> DataError {
    DataError::InvalidArgument { function, message }
}

/// `values` is `[rows, k]` with `k = names` and holds only 0s and 1s.
fn check_zero_one(
    function: &'static str,
    values: &Tensor<f64>,
    names: usize,
) -> Result<(), DataError> {
    if names == 0 {
        return Err(invalid(
            function,
            "got no names; pass one name per class or label (at least one)".into(),
        ));
    }
    if values.ndim() != 2 || values.shape()[1] != names {
        return Err(invalid(
            function,
            format!(
                "got values of shape {:?} and {names} names; pass a [rows, {names}] tensor, \
                 one column per name",
                values.shape()
            ),
        ));
    }
    if let Some(i) = values.data().iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(invalid(
            function,
            format!(
                "row {}, column {} holds {}; these targets hold only 0 and 1",
                i / names,
                i % names,
                values.data()[i]
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multi_hot() -> Targets {
        // rows: {a}, {a, b}, {}, {a, b}, {a}
        let v = Tensor::from_vec(vec![1., 0., 1., 1., 0., 0., 1., 1., 1., 0.], &[5, 2]);
        Targets::multi_hot(v, &["a", "b"]).unwrap()
    }

    #[test]
    fn counts_and_strata_per_encoding() {
        let labels = Targets::labels(vec![2, 0, 2, 2], &["x", "y", "z"]).unwrap();
        assert_eq!(labels.class_counts(), Some(vec![1, 0, 3]));
        assert_eq!(labels.strata().unwrap(), vec![2, 0, 2, 2]);

        let one_hot = Targets::one_hot(
            Tensor::from_vec(vec![0., 1., 1., 0., 0., 1.], &[3, 2]),
            &["no", "yes"],
        )
        .unwrap();
        assert_eq!(one_hot.class_indices(), Some(vec![1, 0, 1]));
        assert_eq!(one_hot.class_counts(), Some(vec![1, 2]));
        assert_eq!((one_hot.width(), one_hot.n_rows()), (2, 3));

        let m = multi_hot();
        assert_eq!(m.class_counts(), Some(vec![4, 2]));
        assert_eq!(m.strata().unwrap(), vec![0, 1, 2, 1, 0]);
        assert_eq!(m.class_indices(), None);

        let c = Targets::continuous(Tensor::from_vec(vec![1.5, 2.5], &[2])).unwrap();
        assert_eq!((c.width(), c.n_rows(), c.class_counts()), (1, 2, None));
        assert!(c.strata().unwrap_err().to_string().contains("plain"));
    }

    #[test]
    fn to_columns_shows_the_raw_values() {
        assert_eq!(
            multi_hot().to_columns().data(),
            &[1., 0., 1., 1., 0., 0., 1., 1., 1., 0.]
        );
        let c = Targets::continuous(Tensor::from_vec(vec![1., 2., 3., 4.], &[2, 2])).unwrap();
        assert_eq!(c.to_columns().shape(), &[2, 2]);
    }

    #[test]
    fn constructors_reject_what_their_encoding_forbids() {
        let err = Targets::one_hot(Tensor::from_vec(vec![1., 1., 0., 1.], &[2, 2]), &["a", "b"])
            .unwrap_err();
        assert!(err.to_string().contains("row 0 holds 2 ones"), "{err}");
        let err =
            Targets::multi_hot(Tensor::from_vec(vec![1., 0.5], &[1, 2]), &["a", "b"]).unwrap_err();
        assert!(
            err.to_string().contains("row 0, column 1 holds 0.5"),
            "{err}"
        );
        let err = Targets::multi_hot(Tensor::from_vec(vec![1., 0.], &[1, 2]), &["a"]).unwrap_err();
        assert!(
            err.to_string().contains("shape [1, 2] and 1 names"),
            "{err}"
        );
        assert!(Targets::continuous(Tensor::zeros(&[2, 2, 2])).is_err());
    }

    #[test]
    fn select_rows_keeps_names() {
        let t = Targets::labels(vec![0, 1, 1], &["a", "b"]).unwrap();
        assert_eq!(
            t.select_rows(&[2, 0]),
            Targets::labels(vec![1, 0], &["a", "b"]).unwrap()
        );
        assert_eq!(
            multi_hot().select_rows(&[1]).to_columns().data(),
            &[1.0, 1.0]
        );
    }
}
