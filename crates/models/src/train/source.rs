//! [`RowSource`]: where the training loop reads its rows from, a block at a time, so that the
//! same loop trains on rows in memory ([`InMemory`], one block) and on rows streamed from a
//! file larger than memory (a block per buffer's worth).

use super::{TargetData, TrainData};
use crate::data::DataError;
use nabla_autodiff::Float;

/// Serves the training rows of an epoch as consecutive blocks, always in the same order; the
/// training loop shuffles the rows within each block.
///
/// Blocks should hold [`block_rows`](RowSource::block_rows) rows each but the last: then the
/// loop's one permutation of `0..block_rows` covers every block, and with a block size that
/// is a multiple of the batch size every batch but the epoch's last is full.
pub trait RowSource<T: Float> {
    /// Rows per epoch.
    fn rows(&self) -> usize;

    /// Rows per block (all of them for a source in memory).
    fn block_rows(&self) -> usize;

    /// Starts a new pass from the first row.
    ///
    /// # Errors
    /// When the rows cannot be read again.
    fn rewind(&mut self) -> Result<(), DataError>;

    /// The next block of rows, `None` once the pass has served every row.
    ///
    /// # Errors
    /// When the rows cannot be read.
    fn next_block(&mut self) -> Result<Option<&TrainData<T>>, DataError>;

    /// Every row's targets in serving order, when the source holds them: the training loop
    /// then reports the epoch's training metrics from the outputs of the steps (a source
    /// that streams its rows need not keep them).
    fn targets(&self) -> Option<&TargetData<T>>;
}

/// Rows in memory, served as one block.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::train::{InMemory, RowSource, TargetData, TrainData};
/// let data = TrainData {
///     x: Tensor::<f32>::zeros(&[3, 2]),
///     y: TargetData::Labels(vec![0, 1, 0]),
///     sample_weights: None,
/// };
/// let mut source = InMemory::new(&data);
/// source.rewind()?;
/// assert_eq!(source.next_block()?.map(|b| b.rows()), Some(3));
/// assert!(source.next_block()?.is_none());
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
pub struct InMemory<'a, T: Float> {
    data: &'a TrainData<T>,
    served: bool,
}

impl<'a, T: Float> InMemory<'a, T> {
    /// Serves `data`.
    pub fn new(data: &'a TrainData<T>) -> Self {
        InMemory {
            data,
            served: false,
        }
    }
}

impl<T: Float> RowSource<T> for InMemory<'_, T> {
    fn rows(&self) -> usize {
        self.data.rows()
    }

    fn block_rows(&self) -> usize {
        self.data.rows()
    }

    fn rewind(&mut self) -> Result<(), DataError> {
        self.served = false;
        Ok(())
    }

    fn next_block(&mut self) -> Result<Option<&TrainData<T>>, DataError> {
        Ok((!std::mem::replace(&mut self.served, true)).then_some(self.data))
    }

    fn targets(&self) -> Option<&TargetData<T>> {
        Some(&self.data.y)
    }
}
