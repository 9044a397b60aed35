//! Training an estimator on rows streamed from a [`CsvStream`]: the rows served to the
//! training loop a block at a time, standardised as the fit's sample was.

use super::inputs::FittedInputs;
use super::{FitError, FitExtras};
use crate::data::{Blocks, CsvStream, DataError, Targets};
use crate::train::{RowSource, TargetData, TrainData};
use nabla_autodiff::{Float, Tensor};

/// The training rows a streamed fit reads: stream row indices, ascending.
#[derive(Clone, Copy)]
pub(crate) struct Streamed<'a> {
    pub(crate) stream: &'a CsvStream,
    pub(crate) rows: &'a [usize],
}

impl<'a> Streamed<'a> {
    /// What a streamed fit hands to the estimator's fit: the features of its sample (see
    /// [`Streamed::sample`]), every training row's targets, and the stream's column names
    /// and encoding to keep with the model.
    pub(crate) fn fit_inputs(
        &self,
        method: &'static str,
    ) -> Result<(Tensor<f64>, Targets, FitExtras<'a>), FitError> {
        if let Some(i) = (1..self.rows.len()).find(|&i| self.rows[i] <= self.rows[i - 1]) {
            return Err(FitError::invalid(
                method,
                format!(
                    "rows[{i}] is {} after {}: pass the training rows in ascending order, each \
                     once (as split_indices and stratified_split_indices give them)",
                    self.rows[i],
                    self.rows[i - 1]
                ),
            ));
        }
        let extras = FitExtras {
            feature_names: Some(self.stream.feature_names()),
            target_names: Some(self.stream.target_names()),
            feature_encoding: Some(self.stream.encoding()),
            ..FitExtras::default()
        };
        Ok((
            self.sample(method)?,
            self.stream.targets().select(self.rows)?,
            extras,
        ))
    }

    /// The first rows of `rows` that lie in the stream's first block: what the fit's
    /// standardisation and checks are fitted on.
    pub(crate) fn sample(&self, method: &'static str) -> Result<Tensor<f64>, FitError> {
        let sample = self.stream.sample_features();
        let n = self.rows.partition_point(|&r| r < sample.shape()[0]);
        if n == 0 {
            return Err(FitError::invalid(
                method,
                format!(
                    "none of the training rows lies in the first block of {} rows, which the \
                     encoding and standardisation are fitted on; train on rows from the start of \
                     the file, or open the stream with larger blocks",
                    self.stream.block_rows()
                ),
            ));
        }
        Ok(sample.select_rows(&self.rows[..n]))
    }

    /// The features of `rows` (ascending stream indices), as the network reads them.
    pub(crate) fn features<T: Float>(
        &self,
        method: &'static str,
        inputs: &FittedInputs,
        rows: &[usize],
    ) -> Result<Tensor<T>, FitError> {
        let data = self.stream.select(rows)?;
        Ok(prepare(method, inputs, data.features())?)
    }
}

/// `x` standardised as the fit's inputs say and in the model's float type, checked to stay
/// finite there.
fn prepare<T: Float>(
    method: &'static str,
    inputs: &FittedInputs,
    x: &Tensor<f64>,
) -> Result<Tensor<T>, DataError> {
    let as_data = |e: FitError| match e {
        FitError::Data(e) => e,
        other => DataError::InvalidArgument {
            function: method,
            message: other.to_string(),
        },
    };
    let prepared = inputs.prepare(method, x).map_err(as_data)?;
    let cast: Tensor<T> = prepared.cast();
    if let Some(i) = cast.data().iter().position(|v| !v.is_finite()) {
        let cols = x.shape()[1].max(1);
        return Err(DataError::InvalidArgument {
            function: method,
            message: format!(
                "a feature of a streamed row (block row {}, column {}) is {}, beyond the range \
                 of the model's {} weights once standardised; standardise the features or fit \
                 a model in f64",
                i / cols,
                i % cols,
                prepared.data()[i],
                std::any::type_name::<T>()
            ),
        });
    }
    Ok(cast)
}

/// Serves the training rows of a stream in blocks of `block` rows, read from the file anew
/// each epoch; their targets are kept in memory.
pub(crate) struct StreamSource<'a, T: Float> {
    method: &'static str,
    streamed: Streamed<'a>,
    inputs: &'a FittedInputs,
    targets: TargetData<T>,
    block: usize,
    blocks: Option<Blocks<'a>>,
    current: TrainData<T>,
    served: usize,
}

impl<'a, T: Float> StreamSource<'a, T> {
    /// Serves rows `streamed.rows` (their targets `targets`, in the same order) in blocks of
    /// `block` rows.
    pub(crate) fn new(
        method: &'static str,
        streamed: Streamed<'a>,
        inputs: &'a FittedInputs,
        targets: TargetData<T>,
        block: usize,
    ) -> Self {
        StreamSource {
            method,
            streamed,
            inputs,
            targets,
            block: block.max(1),
            blocks: None,
            current: TrainData {
                x: Tensor::zeros(&[0, inputs.width]),
                y: TargetData::Labels(Vec::new()),
                sample_weights: None,
            },
            served: 0,
        }
    }
}

impl<T: Float> RowSource<T> for StreamSource<'_, T> {
    fn rows(&self) -> usize {
        self.streamed.rows.len()
    }

    fn block_rows(&self) -> usize {
        self.block
    }

    fn rewind(&mut self) -> Result<(), DataError> {
        self.blocks = Some(self.streamed.stream.blocks(self.streamed.rows)?);
        self.served = 0;
        Ok(())
    }

    fn next_block(&mut self) -> Result<Option<&TrainData<T>>, DataError> {
        let blocks = match &mut self.blocks {
            Some(b) => b,
            None => {
                self.rewind()?;
                self.blocks.as_mut().expect("just opened")
            }
        };
        let Some((x, _lines)) = blocks.next_rows(self.block)? else {
            return Ok(None);
        };
        let n = x.shape()[0];
        let positions: Vec<usize> = (self.served..self.served + n).collect();
        self.current = TrainData {
            x: prepare(self.method, self.inputs, &x)?,
            y: self.targets.select(&positions),
            sample_weights: None,
        };
        self.served += n;
        Ok(Some(&self.current))
    }

    fn targets(&self) -> Option<&TargetData<T>> {
        Some(&self.targets)
    }
}
