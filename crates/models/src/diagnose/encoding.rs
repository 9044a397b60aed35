//! What a target looks like ([`TargetEncoding`]), read from the values, and the head that fits
//! it ([`recommend_head`]).

use crate::data::{TargetKind, Targets};
use crate::head::Head;
use nabla_autodiff::Tensor;
use std::fmt;

/// At most this many distinct non-negative integers in one column read as class labels.
pub const MAX_LABEL_VALUES: usize = 10;

/// How a target is encoded, as its values show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetEncoding {
    /// Real values in `columns` columns (regression).
    Continuous {
        /// Number of target columns.
        columns: usize,
    },
    /// One column of 0s and 1s, or labels of two classes.
    Binary,
    /// Rows of 0s with a single 1 among `classes` columns.
    OneHot {
        /// Number of classes (columns).
        classes: usize,
    },
    /// One class index per row, `0..classes`.
    IntegerLabels {
        /// Number of classes (one more than the largest label).
        classes: usize,
    },
    /// Rows of 0s and 1s with any number of 1s among `labels` columns.
    MultiHot {
        /// Number of labels (columns).
        labels: usize,
    },
}

impl TargetEncoding {
    /// The [`TargetKind`] that reads columns of this encoding: labels for binary and integer
    /// labels, one-hot, multi-hot, continuous.
    pub fn kind(self) -> TargetKind {
        match self {
            TargetEncoding::Continuous { .. } => TargetKind::Continuous,
            TargetEncoding::Binary | TargetEncoding::IntegerLabels { .. } => TargetKind::Labels,
            TargetEncoding::OneHot { .. } => TargetKind::OneHot,
            TargetEncoding::MultiHot { .. } => TargetKind::MultiHot,
        }
    }

    /// Whether the target is classes or labels rather than real values.
    pub fn is_classes(self) -> bool {
        !matches!(self, TargetEncoding::Continuous { .. })
    }

    /// Classes (or labels) for class encodings, 2 for binary; `None` for continuous targets.
    pub fn classes(self) -> Option<usize> {
        match self {
            TargetEncoding::Continuous { .. } => None,
            TargetEncoding::Binary => Some(2),
            TargetEncoding::OneHot { classes } | TargetEncoding::IntegerLabels { classes } => {
                Some(classes)
            }
            TargetEncoding::MultiHot { labels } => Some(labels),
        }
    }
}

impl fmt::Display for TargetEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetEncoding::Continuous { columns: 1 } => write!(f, "continuous"),
            TargetEncoding::Continuous { columns } => write!(f, "continuous ({columns} columns)"),
            TargetEncoding::Binary => write!(f, "binary 0/1"),
            TargetEncoding::OneHot { classes } => write!(f, "one-hot ({classes} classes)"),
            TargetEncoding::IntegerLabels { classes } => {
                write!(f, "class labels ({classes} classes)")
            }
            TargetEncoding::MultiHot { labels } => write!(f, "multi-hot ({labels} labels)"),
        }
    }
}

/// The encoding of loaded targets. Labels and one-hot or multi-hot targets keep their declared
/// encoding (two labels read as binary); continuous targets are read from their values, so a
/// column of 0s and 1s loaded as continuous is found to be binary.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::data::Targets;
/// use nabla_models::diagnose::{TargetEncoding, infer_encoding};
/// let y = Targets::continuous(Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4]))?;
/// assert_eq!(infer_encoding(&y), TargetEncoding::Binary);
/// let y = Targets::labels(vec![0, 2, 1], &["a", "b", "c"])?;
/// assert_eq!(infer_encoding(&y), TargetEncoding::IntegerLabels { classes: 3 });
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
pub fn infer_encoding(targets: &Targets) -> TargetEncoding {
    match targets {
        Targets::Continuous(values) => infer_encoding_of_columns(values),
        Targets::Labels { class_names, .. } if class_names.len() == 2 => TargetEncoding::Binary,
        Targets::Labels { class_names, .. } => TargetEncoding::IntegerLabels {
            classes: class_names.len(),
        },
        Targets::OneHot { class_names, .. } => TargetEncoding::OneHot {
            classes: class_names.len(),
        },
        Targets::MultiHot { label_names, .. } => TargetEncoding::MultiHot {
            labels: label_names.len(),
        },
    }
}

/// The encoding of raw target columns, `[rows]` or `[rows, k]`, from their values alone:
/// one column of 0s and 1s is binary; one column of at most [`MAX_LABEL_VALUES`] distinct
/// non-negative integers is integer labels; several columns of 0s and 1s are one-hot when
/// every row holds exactly one 1 and multi-hot otherwise; anything else is continuous.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::diagnose::{TargetEncoding, infer_encoding_of_columns};
/// let hot = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[3, 2]);
/// assert_eq!(infer_encoding_of_columns(&hot), TargetEncoding::MultiHot { labels: 2 });
/// let grades = Tensor::from_vec(vec![3.0, 0.0, 4.0, 4.0], &[4]);
/// assert_eq!(infer_encoding_of_columns(&grades), TargetEncoding::IntegerLabels { classes: 5 });
/// let prices = Tensor::from_vec(vec![3.5, 0.25], &[2, 1]);
/// assert_eq!(infer_encoding_of_columns(&prices), TargetEncoding::Continuous { columns: 1 });
/// ```
pub fn infer_encoding_of_columns(values: &Tensor<f64>) -> TargetEncoding {
    let columns = match values.shape() {
        [_, c, ..] => *c,
        _ => 1,
    };
    let data = values.data();
    let zero_one = !data.is_empty() && data.iter().all(|&v| v == 0.0 || v == 1.0);
    if columns == 1 {
        if zero_one {
            return TargetEncoding::Binary;
        }
        if let Some(max) = small_label_set(data) {
            return TargetEncoding::IntegerLabels { classes: max + 1 };
        }
        return TargetEncoding::Continuous { columns };
    }
    if !zero_one {
        return TargetEncoding::Continuous { columns };
    }
    if data
        .chunks_exact(columns)
        .all(|r| r.iter().sum::<f64>() == 1.0)
    {
        TargetEncoding::OneHot { classes: columns }
    } else {
        TargetEncoding::MultiHot { labels: columns }
    }
}

/// The largest value, when every value is a non-negative integer and there are at most
/// [`MAX_LABEL_VALUES`] distinct ones.
pub(crate) fn small_label_set(data: &[f64]) -> Option<usize> {
    let mut seen: Vec<f64> = Vec::new();
    for &v in data {
        if !(v >= 0.0 && v.fract() == 0.0) {
            return None;
        }
        if !seen.contains(&v) {
            if seen.len() == MAX_LABEL_VALUES {
                return None;
            }
            seen.push(v);
        }
    }
    seen.iter().map(|&v| v as usize).max()
}

/// The output layer and loss that fit an encoding (see [`crate::head`]): linear units and
/// mean squared error for continuous targets, one sigmoid unit and binary cross-entropy for
/// binary ones, softmax and (sparse) categorical cross-entropy for one-hot (integer) classes,
/// sigmoid units and binary cross-entropy for multi-hot labels.
///
/// ```
/// use nabla_models::diagnose::{TargetEncoding, recommend_head};
/// use nabla_models::head::Head;
/// assert_eq!(recommend_head(TargetEncoding::Binary), Head::binary());
/// assert_eq!(recommend_head(TargetEncoding::Binary).to_string(), "1 sigmoid unit + binary cross-entropy");
/// assert_eq!(
///     recommend_head(TargetEncoding::IntegerLabels { classes: 3 }).to_string(),
///     "3 softmax units + sparse categorical cross-entropy"
/// );
/// ```
pub fn recommend_head(encoding: TargetEncoding) -> Head {
    match encoding {
        TargetEncoding::Continuous { columns } => Head::regression(columns),
        TargetEncoding::Binary => Head::binary(),
        TargetEncoding::OneHot { classes: 2 } => Head::binary_softmax(),
        TargetEncoding::OneHot { classes } => Head::multi_class(classes, false),
        TargetEncoding::IntegerLabels { classes } => Head::multi_class(classes, true),
        TargetEncoding::MultiHot { labels } => Head::multi_label(labels),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_from_their_values() {
        let t =
            |v: Vec<f64>, shape: &[usize]| infer_encoding_of_columns(&Tensor::from_vec(v, shape));
        assert_eq!(t(vec![1., 1., 1.], &[3, 1]), TargetEncoding::Binary);
        assert_eq!(
            t(vec![0., 1., 0., 1., 1., 0.], &[3, 2]),
            TargetEncoding::OneHot { classes: 2 }
        );
        assert_eq!(
            t(vec![0., 0., 0., 1., 1., 0.], &[3, 2]),
            TargetEncoding::MultiHot { labels: 2 },
            "a row without a 1 is not one-hot"
        );
        assert_eq!(
            t(vec![0., 2., 0.5, 1., 1., 0.], &[3, 2]),
            TargetEncoding::Continuous { columns: 2 }
        );
        assert_eq!(
            t(vec![-1., 2.], &[2]),
            TargetEncoding::Continuous { columns: 1 }
        );
        // Eleven distinct integers are too many to be read as labels.
        let many: Vec<f64> = (0..11).map(f64::from).collect();
        assert_eq!(t(many, &[11]), TargetEncoding::Continuous { columns: 1 });
        let ten: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(t(ten, &[10]), TargetEncoding::IntegerLabels { classes: 10 });
    }

    #[test]
    fn declared_encodings_are_kept() {
        let names = ["a", "b", "c"];
        let one_hot = Targets::one_hot(
            Tensor::from_vec(vec![0., 0., 1., 1., 0., 0.], &[2, 3]),
            &names,
        )
        .unwrap();
        assert_eq!(
            infer_encoding(&one_hot),
            TargetEncoding::OneHot { classes: 3 }
        );
        let two = Targets::labels(vec![0, 1], &names[..2]).unwrap();
        assert_eq!(infer_encoding(&two), TargetEncoding::Binary);
        assert_eq!(
            recommend_head(TargetEncoding::OneHot { classes: 2 }),
            Head::binary_softmax()
        );
        assert_eq!(
            recommend_head(TargetEncoding::MultiHot { labels: 4 }),
            Head::multi_label(4)
        );
        assert_eq!(
            recommend_head(TargetEncoding::Continuous { columns: 2 }),
            Head::regression(2)
        );
    }
}
