//! [`BufferPool`]: spare element buffers kept for reuse, so that a training loop which clears
//! and refills its tape each step stops allocating once the first step has run.

use crate::float::Float;
use crate::shape::numel;
use crate::tensor::Tensor;
use std::collections::BTreeMap;

/// Spare `Vec<T>` buffers, sorted by capacity.
///
/// Every op's forward and backward takes its output buffer from here, and [`Tape::clear`]
/// returns node values here, so the same memory serves step after step.
///
/// ```
/// use nabla_autodiff::{BufferPool, Tensor};
/// let mut pool = BufferPool::<f32>::default();
/// let t = pool.zeros(&[4, 4]);
/// let ptr = t.data().as_ptr();
/// pool.recycle(t);
/// assert_eq!(pool.zeros(&[2, 8]).data().as_ptr(), ptr); // same memory, new shape
/// ```
///
/// [`Tape::clear`]: crate::Tape::clear
#[derive(Debug, Default)]
pub struct BufferPool<T> {
    /// Capacity -> buffers of exactly that capacity. Keys stay once made, so a steady workload
    /// does not allocate map nodes either.
    free: BTreeMap<usize, Bucket<T>>,
    spare_elements: usize,
}

#[derive(Debug)]
struct Bucket<T> {
    buffers: Vec<Vec<T>>,
    /// The fewest buffers this bucket held since the last [`BufferPool::trim`]: that many sat
    /// idle the whole time.
    low_water: usize,
}

impl<T> Default for Bucket<T> {
    fn default() -> Self {
        Bucket {
            buffers: Vec::new(),
            low_water: 0,
        }
    }
}

impl<T: Float> BufferPool<T> {
    /// An empty `Vec` with room for at least `len` elements, reused if one is spare.
    /// The exact capacity is preferred, then the smallest larger one; `take(0)` allocates
    /// nothing.
    pub fn take(&mut self, len: usize) -> Vec<T> {
        if len == 0 {
            return Vec::new();
        }
        if let Some((_, bucket)) = self
            .free
            .range_mut(len..)
            .find(|(_, b)| !b.buffers.is_empty())
        {
            let buf = bucket.buffers.pop().expect("bucket is not empty");
            bucket.low_water = bucket.low_water.min(bucket.buffers.len());
            self.spare_elements -= buf.capacity();
            return buf;
        }
        Vec::with_capacity(len)
    }

    /// Frees the buffers that sat unused since the previous trim, so that memory stays flat
    /// when callers keep handing in fresh tensors. [`Tape::clear`](crate::Tape::clear) calls
    /// this once per step.
    pub fn trim(&mut self) {
        for bucket in self.free.values_mut() {
            let idle = bucket.low_water;
            for buf in bucket.buffers.drain(..idle) {
                self.spare_elements -= buf.capacity();
            }
        }
    }

    /// Starts a new trimming period: what the pool holds now counts as idle until taken.
    pub(crate) fn mark(&mut self) {
        for bucket in self.free.values_mut() {
            bucket.low_water = bucket.buffers.len();
        }
    }

    /// Gives a buffer back for reuse.
    pub fn give(&mut self, mut buf: Vec<T>) {
        if buf.capacity() == 0 {
            return;
        }
        buf.clear();
        self.spare_elements += buf.capacity();
        self.free
            .entry(buf.capacity())
            .or_default()
            .buffers
            .push(buf);
    }

    /// Gives a tensor's buffer back for reuse.
    pub fn recycle(&mut self, t: Tensor<T>) {
        self.give(t.into_vec());
    }

    /// A tensor of zeros in a reused buffer.
    pub fn zeros(&mut self, shape: &[usize]) -> Tensor<T> {
        self.full(shape, T::ZERO)
    }

    /// A tensor filled with `value` in a reused buffer.
    pub fn full(&mut self, shape: &[usize], value: T) -> Tensor<T> {
        let mut buf = self.take(numel(shape));
        buf.resize(numel(shape), value);
        Tensor::from_vec(buf, shape)
    }

    /// A copy of `t` in a reused buffer.
    pub fn copy_of(&mut self, t: &Tensor<T>) -> Tensor<T> {
        let mut buf = self.take(t.numel());
        buf.extend_from_slice(t.data());
        Tensor::from_vec(buf, t.shape())
    }

    /// A tensor whose row-major element `i` is `f(i)`, in a reused buffer.
    pub fn from_fn(&mut self, shape: &[usize], f: impl FnMut(usize) -> T) -> Tensor<T> {
        let mut buf = self.take(numel(shape));
        buf.extend((0..numel(shape)).map(f));
        Tensor::from_vec(buf, shape)
    }

    /// Total capacity, in elements, of the spare buffers.
    pub fn spare_elements(&self) -> usize {
        self.spare_elements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_smallest_buffer_that_fits() {
        let mut pool = BufferPool::<f64>::default();
        pool.give(Vec::with_capacity(100));
        pool.give(Vec::with_capacity(10));
        assert_eq!(pool.spare_elements(), 110);
        assert_eq!(pool.take(5).capacity(), 10);
        assert_eq!(pool.take(5).capacity(), 100);
        assert!(pool.take(5).capacity() >= 5);
        assert_eq!(pool.spare_elements(), 0);
        assert_eq!(pool.take(0).capacity(), 0);
    }

    #[test]
    fn trim_frees_only_what_stayed_idle() {
        let mut pool = BufferPool::<f64>::default();
        pool.give(Vec::with_capacity(8));
        pool.give(Vec::with_capacity(8));
        pool.give(Vec::with_capacity(4));
        pool.mark();
        let used = pool.take(8); // one 8 is used this period, the other 8 and the 4 idle
        pool.give(used);
        pool.trim();
        assert_eq!(pool.spare_elements(), 8);
        assert_eq!(pool.take(8).capacity(), 8);
    }

    #[test]
    fn reused_buffers_hold_the_requested_contents() {
        let mut pool = BufferPool::<f32>::default();
        pool.recycle(Tensor::full(&[3], 9.0));
        assert_eq!(pool.zeros(&[2]).data(), &[0.0, 0.0]);
        let t = Tensor::from_vec(vec![1.0, 2.0], &[2]);
        assert_eq!(pool.copy_of(&t), t);
    }
}
