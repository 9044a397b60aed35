//! Between integer labels and one-hot rows: [`to_categorical`] and [`from_categorical`].

use super::DataError;
use super::targets::invalid;
use nabla_autodiff::Tensor;

/// One-hot rows `[labels, n_classes]` from integer labels: row `i` is 1 in column `labels[i]`
/// and 0 elsewhere.
///
/// ```
/// use nabla_models::data::{from_categorical, to_categorical};
/// let one_hot = to_categorical(&[2, 0], 3)?;
/// assert_eq!(one_hot.data(), &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
/// assert_eq!(from_categorical(&one_hot)?, vec![2, 0]);
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// # Errors
/// If a label is not below `n_classes`.
pub fn to_categorical(labels: &[usize], n_classes: usize) -> Result<Tensor<f64>, DataError> {
    if let Some(i) = labels.iter().position(|&l| l >= n_classes) {
        return Err(invalid(
            "to_categorical",
            format!(
                "labels[{i}] is {}, but with {n_classes} classes labels must be in 0..{n_classes}; \
                 pass the number of classes, not the largest label",
                labels[i]
            ),
        ));
    }
    let mut out = Tensor::zeros(&[labels.len(), n_classes]);
    let data = out.data_mut();
    for (row, &l) in labels.iter().enumerate() {
        data[row * n_classes + l] = 1.0;
    }
    Ok(out)
}

/// The column of the largest value in each row of a `[rows, k]` tensor (the first on ties):
/// the labels of one-hot rows, or the predicted classes of probability rows.
///
/// # Errors
/// If the tensor is not 2-D with at least one column.
pub fn from_categorical(one_hot: &Tensor<f64>) -> Result<Vec<usize>, DataError> {
    if one_hot.ndim() != 2 || one_hot.shape()[1] == 0 {
        return Err(invalid(
            "from_categorical",
            format!(
                "got a tensor of shape {:?}; pass [rows, classes] with at least one class",
                one_hot.shape()
            ),
        ));
    }
    Ok(one_hot.argmax(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_probabilities() {
        let labels = [1, 1, 0, 3];
        let t = to_categorical(&labels, 4).unwrap();
        assert_eq!(t.shape(), &[4, 4]);
        assert_eq!(t.sum(), 4.0);
        assert_eq!(from_categorical(&t).unwrap(), labels);
        let p = Tensor::from_vec(vec![0.2, 0.5, 0.3, 0.6, 0.1, 0.3], &[2, 3]);
        assert_eq!(from_categorical(&p).unwrap(), vec![1, 0]);
    }

    #[test]
    fn errors_say_what_was_passed() {
        let err = to_categorical(&[0, 3], 3).unwrap_err();
        assert!(err.to_string().contains("labels[1] is 3"), "{err}");
        assert!(from_categorical(&Tensor::zeros(&[3])).is_err());
        assert!(from_categorical(&Tensor::zeros(&[3, 0])).is_err());
        assert_eq!(to_categorical(&[], 2).unwrap().shape(), &[0, 2]);
    }
}
