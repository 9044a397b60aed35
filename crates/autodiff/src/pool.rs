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
    free: BTreeMap<usize, Vec<Vec<T>>>,
    spare_elements: usize,
}

impl<T: Float> BufferPool<T> {
    /// An empty `Vec` with room for at least `len` elements, reused if one is spare.
    pub fn take(&mut self, len: usize) -> Vec<T> {
        if let Some((_, bucket)) = self.free.range_mut(len..).find(|(_, b)| !b.is_empty()) {
            let buf = bucket.pop().expect("bucket is not empty");
            self.spare_elements -= buf.capacity();
            return buf;
        }
        Vec::with_capacity(len)
    }

    /// Gives a buffer back for reuse.
    pub fn give(&mut self, mut buf: Vec<T>) {
        if buf.capacity() == 0 {
            return;
        }
        buf.clear();
        self.spare_elements += buf.capacity();
        self.free.entry(buf.capacity()).or_default().push(buf);
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
