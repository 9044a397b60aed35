//! [`Predictor`]: a fitted model's prediction state kept between calls, so that serving rows
//! one request at a time allocates nothing once warmed up.

use super::{FitError, check_feature_shape, check_features, guard_data, refused_feature};
use crate::data::Standardizer;
use crate::estimator::inputs::FittedInputs;
use crate::head::Head;
use crate::layer::{ForwardCtx, Layer, Sequential};
use crate::train::TrainRng;
use nabla_autodiff::{Float, Tape, Tensor};
use rand::SeedableRng;

/// Rows per forward pass, to bound the memory of a large call.
const CHUNK: usize = 4096;

/// Predicts with a fitted [`Classifier`](super::Classifier) or [`Regressor`](super::Regressor),
/// keeping its tape, its input buffer and its output between calls: after the first call with
/// a given number of rows, a call allocates nothing. Get one with `Classifier::predictor` or
/// `Regressor::predictor`.
///
/// ```
/// use nabla_models::data::{CsvOptions, Dataset};
/// use nabla_models::estimator::Classifier;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
/// let data = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
/// let mut model = Classifier::<f32>::default();
/// model.fit_dataset(&data)?;
/// let mut predictor = model.predictor()?;
/// let row = data.select(&[0])?;
/// let probabilities = predictor.predict(row.features())?;
/// assert_eq!(probabilities.shape(), &[1, 3]);
/// assert_eq!(probabilities, &model.predict_proba(row.features())?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Predictor<'m, T: Float> {
    method: &'static str,
    net: &'m Sequential<T>,
    head: &'m Head,
    inputs: &'m FittedInputs,
    finish: Finish<'m>,
    tape: Tape<T>,
    rng: TrainRng,
    outputs: Tensor<f64>,
}

/// What a predictor does to the head's outputs before returning them.
pub(crate) enum Finish<'m> {
    /// A classifier's probabilities; a single sigmoid unit becomes the two columns
    /// `[1 - p, p]`, as `Classifier::predict_proba` gives them.
    Probabilities,
    /// A regressor's values, brought back to the target's units when it was standardised.
    Values(Option<&'m Standardizer>),
}

impl<'m, T: Float> Predictor<'m, T> {
    pub(crate) fn new(
        method: &'static str,
        net: &'m Sequential<T>,
        head: &'m Head,
        inputs: &'m FittedInputs,
        finish: Finish<'m>,
    ) -> Self {
        Predictor {
            method,
            net,
            head,
            inputs,
            finish,
            tape: Tape::new(),
            rng: TrainRng::seed_from_u64(0),
            outputs: Tensor::zeros(&[0, 0]),
        }
    }

    /// For every row of `x`, what the model's `predict_proba` (a classifier: `[rows, k]`
    /// probabilities) or `predict` (a regressor: `[rows, outputs]` in the target's units)
    /// returns. The tensor is the predictor's own buffer: the next call overwrites it.
    ///
    /// # Errors
    /// If `x` is not a `[rows, features]` matrix of the width the model was fitted on, or
    /// holds a value that is not finite.
    pub fn predict(&mut self, x: &Tensor<f64>) -> Result<&Tensor<f64>, FitError> {
        // The values are checked while they are read for the network (one pass over `x`);
        // the width now, before anything runs.
        check_feature_shape(self.method, x, Some(self.inputs.width))?;
        let (rows, width) = (x.shape()[0], self.inputs.width);
        let scale = self.inputs.scale.as_ref();
        for start in (0..rows).step_by(CHUNK) {
            let len = CHUNK.min(rows - start);
            let chunk = &x.data()[start * width..(start + len) * width];
            self.tape.clear();
            let (tape, net, head, rng) = (&self.tape, self.net, self.head, &mut self.rng);
            let outputs = &mut self.outputs;
            let binary = matches!(self.finish, Finish::Probabilities) && head.units == 1;
            let refused = &mut false;
            guard_data(self.method, || {
                let _no_grad = tape.no_grad();
                // Standardised as the training rows were, a row at a time (so that the loop
                // vectorises).
                let x = tape.constant_built(&[len, width], |buf| {
                    for row in chunk.chunks_exact(width) {
                        *refused |= row.iter().fold(false, |bad, &v| bad | refused_feature(v));
                        match scale {
                            Some(s) => buf.extend(
                                row.iter()
                                    .zip(s.means())
                                    .zip(s.stds())
                                    .map(|((v, m), s)| T::from_f64((v - m) / s)),
                            ),
                            None => buf.extend(row.iter().map(|&v| T::from_f64(v))),
                        }
                    }
                });
                let mut ctx = ForwardCtx {
                    training: false,
                    rng,
                };
                let out = head.output(net.forward(x, &mut ctx));
                out.with_value(|value| {
                    let units = value.shape()[1];
                    let columns = if binary { 2 } else { units };
                    if outputs.shape() != [rows, columns] {
                        *outputs = Tensor::zeros(&[rows, columns]);
                    }
                    let dest = &mut outputs.data_mut()[start * columns..(start + len) * columns];
                    if binary {
                        for (pair, &p) in dest.chunks_exact_mut(2).zip(value.data()) {
                            let p = p.to_f64();
                            pair.copy_from_slice(&[1.0 - p, p]);
                        }
                    } else {
                        for (d, &v) in dest.iter_mut().zip(value.data()) {
                            *d = v.to_f64();
                        }
                    }
                });
            })?;
            if *refused {
                // A value the checks refuse: say which one.
                check_features(self.method, x, None)?;
            }
        }
        if rows == 0 {
            let binary = matches!(self.finish, Finish::Probabilities) && self.head.units == 1;
            self.outputs = Tensor::zeros(&[0, if binary { 2 } else { self.head.units }]);
        }
        if let Finish::Values(Some(scale)) = self.finish {
            scale.inverse_transform_in_place(self.outputs.data_mut());
        }
        Ok(&self.outputs)
    }
}
