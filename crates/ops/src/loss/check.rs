//! Validation of what users hand to a loss: shapes, weights, labels and options.

use super::{LossError, LossErrorKind};
use nabla_autodiff::{Float, Shape, Var};

/// Checks the inputs of one loss call, naming that loss in every error.
pub(crate) struct Checker {
    pub(crate) loss: &'static str,
}

impl Checker {
    fn fail<R>(&self, kind: LossErrorKind) -> Result<R, LossError> {
        Err(LossError::new(self.loss, kind))
    }

    /// Predictions and targets have the same shape, with at least one axis; returns the shape.
    pub(crate) fn same_shape<T: Float>(
        &self,
        predictions: Var<'_, T>,
        targets: Var<'_, T>,
    ) -> Result<Shape, LossError> {
        let (p, t) = (predictions.shape(), targets.shape());
        if p.is_empty() {
            return self.fail(LossErrorKind::BadShape {
                shape: p.to_vec(),
                expected: "a tensor with a batch axis first, such as [batch] or [batch, outputs]",
            });
        }
        if p != t {
            return self.fail(LossErrorKind::ShapeMismatch {
                predictions: p.to_vec(),
                targets: t.to_vec(),
            });
        }
        Ok(p)
    }

    /// The predictions are `[batch, classes]` with at least one class; returns the two extents.
    pub(crate) fn batch_by_classes<T: Float>(
        &self,
        predictions: Var<'_, T>,
    ) -> Result<(usize, usize), LossError> {
        match predictions.shape().as_slice() {
            &[n, c] if c > 0 => Ok((n, c)),
            other => self.fail(LossErrorKind::BadShape {
                shape: other.to_vec(),
                expected: "a 2-D [batch, classes] tensor with at least one class",
            }),
        }
    }

    /// Optional sample weights, one per row, each finite and non-negative.
    pub(crate) fn sample_weights<T: Float>(
        &self,
        weights: Option<&[T]>,
        rows: usize,
    ) -> Result<Option<Vec<T>>, LossError> {
        self.weights("sample_weights", weights, rows, "one per sample")
    }

    /// An optional weight list has `expected` entries, each finite and non-negative; returns it
    /// as a `Vec`.
    pub(crate) fn weights<T: Float>(
        &self,
        what: &'static str,
        weights: Option<&[T]>,
        expected: usize,
        per: &'static str,
    ) -> Result<Option<Vec<T>>, LossError> {
        let Some(w) = weights else { return Ok(None) };
        if w.len() != expected {
            return self.fail(LossErrorKind::WrongLength {
                what,
                len: w.len(),
                expected,
                per,
            });
        }
        for (i, &v) in w.iter().enumerate() {
            self.non_negative(&format!("{what}[{i}]"), v)?;
        }
        Ok(Some(w.to_vec()))
    }

    /// `value` is finite and at least 0.
    pub(crate) fn non_negative<T: Float>(&self, what: &str, value: T) -> Result<(), LossError> {
        let ok = value.is_finite() && value >= T::ZERO;
        self.require(ok, what, value, "finite and at least 0")
    }

    /// `value` is finite and greater than 0.
    pub(crate) fn positive<T: Float>(&self, what: &str, value: T) -> Result<(), LossError> {
        let ok = value.is_finite() && value > T::ZERO;
        self.require(ok, what, value, "finite and greater than 0")
    }

    /// Every value of `values` lies in [0, 1]: a binary cross-entropy's targets are
    /// probabilities or 0/1 labels (a label 2 or -1 would train toward nonsense).
    pub(crate) fn probabilities<T: Float>(
        &self,
        what: &str,
        values: &nabla_autodiff::Tensor<T>,
    ) -> Result<(), LossError> {
        match values
            .data()
            .iter()
            .position(|&v| !(v >= T::ZERO && v <= T::ONE))
        {
            Some(i) => self.require(
                false,
                &format!("{what}[{i}]"),
                values.data()[i],
                "between 0 and 1 (a probability, or a 0/1 label)",
            ),
            None => Ok(()),
        }
    }

    /// `value` is a label-smoothing factor in [0, 1]; returns it.
    pub(crate) fn smoothing<T: Float>(&self, value: T) -> Result<T, LossError> {
        let ok = value >= T::ZERO && value <= T::ONE;
        let expected = "between 0 and 1 (0 turns smoothing off)";
        self.require(ok, "label_smoothing", value, expected)?;
        Ok(value)
    }

    /// An [`LossErrorKind::InvalidValue`] unless `ok`.
    fn require<T: Float>(
        &self,
        ok: bool,
        what: &str,
        value: T,
        expected: &'static str,
    ) -> Result<(), LossError> {
        if ok {
            return Ok(());
        }
        self.fail(LossErrorKind::InvalidValue {
            what: what.to_owned(),
            value: value.to_f64(),
            expected,
        })
    }

    /// Every label is below `classes`, one label per row, and `T` holds every class index
    /// exactly (the labels travel as a tensor of `T`).
    pub(crate) fn labels<T: Float>(
        &self,
        labels: &[usize],
        rows: usize,
        classes: usize,
    ) -> Result<(), LossError> {
        let largest = classes.saturating_sub(1);
        if T::from_usize(largest).to_f64() != largest as f64 {
            return self.fail(LossErrorKind::BadShape {
                shape: vec![rows, classes],
                expected: "no more classes than the element type indexes exactly (2^24 in f32); \
                           use f64 predictions",
            });
        }
        if labels.len() != rows {
            return self.fail(LossErrorKind::WrongLength {
                what: "labels",
                len: labels.len(),
                expected: rows,
                per: "one per sample",
            });
        }
        match labels.iter().position(|&l| l >= classes) {
            Some(row) => self.fail(LossErrorKind::LabelOutOfRange {
                row,
                label: labels[row],
                classes,
            }),
            None => Ok(()),
        }
    }
}
