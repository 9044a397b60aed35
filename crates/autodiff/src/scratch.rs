//! [`Scratch`]: the one recycler. Every buffer an op computes into comes from here, and every
//! node value, spent gradient, index list and custom-op box goes back here, so a training loop
//! that clears and refills its tape stops allocating once its first steps have run.
//!
//! Each kind of item sits on a [`Shelf`] that remembers the fewest items it held since the
//! last mark: that many sat idle for a whole step and are freed at the next trim, so memory
//! stays flat when the graph changes. [`Tape::clear`](crate::Tape::clear) trims and marks once
//! per step.

use crate::float::Float;
use crate::op::CustomOp;
use crate::shape::numel;
use crate::tensor::Tensor;
use std::any::{Any, TypeId};
use std::collections::BTreeMap;

/// Recycled memory for computing tensors: what a [`CustomOp`]'s `forward` and `vjp` take their
/// output buffers from. Each method returns a new tensor in a reused buffer; give tensors you
/// are done with back with [`Scratch::recycle`].
///
/// ```
/// use nabla_autodiff::{Scratch, Tensor};
/// let mut scratch = Scratch::<f32>::default();
/// let x = Tensor::from_vec(vec![1.0, -2.0, 3.0, -4.0], &[2, 2]);
/// let y = scratch.map(&x, |v| v.abs());
/// let ptr = y.data().as_ptr();
/// scratch.recycle(y);
/// let z = scratch.zip_map(&x, &Tensor::scalar(2.0), |a, b| a * b);
/// assert_eq!(z.data().as_ptr(), ptr); // the same memory, new contents
/// assert_eq!(z.data(), &[2.0, -4.0, 6.0, -8.0]);
/// ```
pub struct Scratch<T> {
    /// Element buffers by exact capacity. Keys stay once made, so a steady workload does not
    /// allocate map nodes either.
    buffers: BTreeMap<usize, Shelf<Vec<T>>>,
    spare_elements: usize,
    /// Index lists of cleared row selections.
    indices: Shelf<Vec<usize>>,
    /// Boxes of cleared custom ops, by the op's type.
    ops: Vec<(TypeId, Shelf<Box<dyn Any>>)>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Scratch {
            buffers: BTreeMap::new(),
            spare_elements: 0,
            indices: Shelf::default(),
            ops: Vec::new(),
        }
    }
}

impl<T> std::fmt::Debug for Scratch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("spare_elements", &self.spare_elements)
            .finish_non_exhaustive()
    }
}

/// The user-facing computations: each returns a tensor in a recycled buffer.
impl<T: Float> Scratch<T> {
    /// A tensor filled with `value`.
    pub fn full(&mut self, shape: &[usize], value: T) -> Tensor<T> {
        let mut buf = self.take(numel(shape));
        buf.resize(numel(shape), value);
        Tensor::from_vec(buf, shape)
    }

    /// A tensor of zeros.
    pub fn zeros(&mut self, shape: &[usize]) -> Tensor<T> {
        self.full(shape, T::ZERO)
    }

    /// A copy of `t`.
    pub fn copy_of(&mut self, t: &Tensor<T>) -> Tensor<T> {
        let mut buf = self.take(t.numel());
        buf.extend_from_slice(t.data());
        Tensor::from_vec(buf, t.shape())
    }

    /// A tensor whose row-major element `i` is `f(i)`.
    pub fn from_fn(&mut self, shape: &[usize], f: impl FnMut(usize) -> T) -> Tensor<T> {
        let mut buf = self.take(numel(shape));
        buf.extend((0..numel(shape)).map(f));
        Tensor::from_vec(buf, shape)
    }

    /// `f` applied to every element of `x`.
    pub fn map(&mut self, x: &Tensor<T>, f: impl Fn(T) -> T) -> Tensor<T> {
        x.map_in(self.take(x.numel()), f)
    }

    /// `f` over `a` and `b` broadcast together.
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    pub fn zip_map(&mut self, a: &Tensor<T>, b: &Tensor<T>, f: impl Fn(T, T) -> T) -> Tensor<T> {
        let n = a.numel().max(b.numel());
        a.zip_map_in(b, self.take(n), "zip_map", f)
    }

    /// `f` over three tensors of one shape.
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn zip3_map(
        &mut self,
        a: &Tensor<T>,
        b: &Tensor<T>,
        c: &Tensor<T>,
        f: impl Fn(T, T, T) -> T,
    ) -> Tensor<T> {
        a.zip3_map_in(b, c, self.take(a.numel()), "zip3_map", f)
    }

    /// `op(a) op(b)` where `op` transposes the last two axes when its flag is set, without
    /// copying the transpose (see [`Tensor::matmul_t`]).
    pub fn matmul_t(&mut self, a: &Tensor<T>, b: &Tensor<T>, ta: bool, tb: bool) -> Tensor<T> {
        let len = crate::tensor::matmul_len(a.shape(), b.shape(), ta, tb);
        a.matmul_t_in(b, ta, tb, self.take_stale(len, T::ZERO))
    }

    /// Sums over `axes` (see [`Tensor::sum_axes`]).
    pub fn sum_axes(&mut self, x: &Tensor<T>, axes: &[usize], keepdim: bool) -> Tensor<T> {
        let len = numel(&crate::shape::keepdim_shape(x.shape(), Some(axes)));
        x.sum_axes_in(axes, keepdim, self.take(len))
    }

    /// `x` repeated along broadcast axes to `shape` (see [`Tensor::broadcast_to`]).
    pub fn broadcast_to(&mut self, x: &Tensor<T>, shape: &[usize]) -> Tensor<T> {
        x.broadcast_to_in(shape, self.take(numel(shape)))
    }

    /// `x` summed back to a shape that broadcasts to it (see [`Tensor::sum_to_shape`]).
    pub fn sum_to_shape(&mut self, x: &Tensor<T>, shape: &[usize]) -> Tensor<T> {
        x.sum_to_shape_in(shape, self.take(numel(shape)))
    }

    /// Gives a tensor's buffer back for reuse.
    pub fn recycle(&mut self, t: Tensor<T>) {
        self.give(t.into_vec());
    }

    /// Total capacity, in elements, of the spare buffers.
    pub fn spare_elements(&self) -> usize {
        self.spare_elements
    }
}

/// The crate's own side: raw buffers, index lists, op boxes and the trimming period.
impl<T> Scratch<T> {
    /// An empty `Vec` with room for at least `len` elements, reused if one is spare: the exact
    /// capacity first, then the smallest larger one. `take(0)` allocates nothing.
    pub(crate) fn take(&mut self, len: usize) -> Vec<T> {
        if len == 0 {
            return Vec::new();
        }
        let spare = self
            .buffers
            .range_mut(len..)
            .find_map(|(_, shelf)| shelf.take());
        match spare {
            Some(mut buf) => {
                self.spare_elements -= buf.capacity();
                buf.clear();
                buf
            }
            None => Vec::with_capacity(len),
        }
    }

    /// A buffer of `len` elements holding whatever its last use left there (the new ones,
    /// where it held fewer, are `fill`): for an output every element of which is about to be
    /// overwritten, such as a product's with beta 0, it spares writing the buffer twice.
    pub(crate) fn take_stale(&mut self, len: usize, fill: T) -> Vec<T>
    where
        T: Clone,
    {
        let spare = self
            .buffers
            .range_mut(len..)
            .find_map(|(_, shelf)| shelf.take());
        let mut buf = match spare {
            Some(buf) => {
                self.spare_elements -= buf.capacity();
                buf
            }
            None => Vec::with_capacity(len),
        };
        buf.resize(len, fill);
        buf
    }

    /// Gives a buffer back for reuse.
    pub(crate) fn give(&mut self, buf: Vec<T>) {
        if buf.capacity() == 0 {
            return;
        }
        // Kept as they are (`take` clears, in O(1) for the float types), so that
        // `take_stale` can hand out the old contents.
        self.spare_elements += buf.capacity();
        self.buffers.entry(buf.capacity()).or_default().put(buf);
    }

    /// A copy of `src` in a reused vector.
    pub(crate) fn indices(&mut self, src: &[usize]) -> Vec<usize> {
        let mut v = self.indices.take().unwrap_or_default();
        v.clear();
        v.extend_from_slice(src);
        v
    }

    /// Keeps an index list for reuse.
    pub(crate) fn keep_indices(&mut self, v: Vec<usize>) {
        if v.capacity() > 0 {
            self.indices.put(v);
        }
    }

    /// `op` in a box, reusing a cleared op's box of the same type if there is one. A
    /// zero-sized op needs no memory and gets a fresh (free) box.
    pub(crate) fn boxed<O: CustomOp<T>>(&mut self, op: O) -> Box<dyn CustomOp<T>>
    where
        T: Float,
    {
        if size_of::<O>() != 0 {
            let id = TypeId::of::<O>();
            let spare = self
                .ops
                .iter_mut()
                .find(|(t, _)| *t == id)
                .and_then(|(_, shelf)| shelf.take());
            if let Some(Ok(mut reused)) = spare.map(|b| b.downcast::<O>()) {
                *reused = op;
                return reused;
            }
        }
        Box::new(op)
    }

    /// Keeps a cleared custom op's box for the next op of its type.
    pub(crate) fn keep_op(&mut self, op: Box<dyn CustomOp<T>>)
    where
        T: Float,
    {
        let op: Box<dyn Any> = op;
        if size_of_val(&*op) == 0 {
            return;
        }
        let id = (*op).type_id();
        match self.ops.iter_mut().find(|(t, _)| *t == id) {
            Some((_, shelf)) => shelf.put(op),
            None => {
                let mut shelf = Shelf::default();
                shelf.put(op);
                self.ops.push((id, shelf));
            }
        }
    }

    /// Frees what stayed unused since the last [`Scratch::mark`].
    pub(crate) fn trim(&mut self) {
        for shelf in self.buffers.values_mut() {
            for buf in shelf.trim() {
                self.spare_elements -= buf.capacity();
            }
        }
        self.indices.trim();
        for (_, shelf) in &mut self.ops {
            shelf.trim();
        }
    }

    /// Starts a new trimming period: what is held now counts as idle until taken.
    pub(crate) fn mark(&mut self) {
        self.buffers.values_mut().for_each(Shelf::mark);
        self.indices.mark();
        self.ops.iter_mut().for_each(|(_, s)| s.mark());
    }
}

/// Spare items of one kind, with the fewest held since the last mark.
struct Shelf<X> {
    items: Vec<X>,
    low_water: usize,
}

impl<X> Default for Shelf<X> {
    fn default() -> Self {
        Shelf {
            items: Vec::new(),
            low_water: 0,
        }
    }
}

impl<X> Shelf<X> {
    fn take(&mut self) -> Option<X> {
        let item = self.items.pop();
        self.low_water = self.low_water.min(self.items.len());
        item
    }

    fn put(&mut self, item: X) {
        self.items.push(item);
    }

    /// Removes and returns the items that sat idle the whole period.
    fn trim(&mut self) -> std::vec::Drain<'_, X> {
        let idle = self.low_water.min(self.items.len());
        self.low_water = 0;
        self.items.drain(..idle)
    }

    fn mark(&mut self) {
        self.low_water = self.items.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tape, Var};
    use std::borrow::Cow;

    /// A product's output reuses a buffer without zeroing it first: the NaN its last use left
    /// never reaches the result, at every size (the small loops and the blocked kernel).
    #[test]
    fn a_product_overwrites_a_stale_buffer() {
        let mut s = Scratch::<f64>::default();
        for (m, k, n) in [(2, 3, 4), (64, 64, 64), (1, 300, 40), (300, 2, 40)] {
            s.give(vec![f64::NAN; m * n + 7]);
            let a = Tensor::from_fn(&[m, k], |i| (i % 5) as f64 - 2.0);
            let b = Tensor::from_fn(&[k, n], |i| (i % 3) as f64 * 0.5);
            let c = s.matmul_t(&a, &b, false, false);
            assert_eq!(c, a.matmul(&b), "{m}x{k}x{n}");
            s.recycle(c);
        }
        // An empty buffer is asked for by `take`: the stale contents are gone.
        s.give(vec![1.0; 8]);
        assert!(s.take(8).is_empty());
    }

    #[test]
    fn takes_the_smallest_buffer_that_fits() {
        let mut s = Scratch::<f64>::default();
        s.give(Vec::with_capacity(100));
        s.give(Vec::with_capacity(10));
        assert_eq!(s.spare_elements(), 110);
        assert_eq!(s.take(5).capacity(), 10);
        assert_eq!(s.take(5).capacity(), 100);
        assert!(s.take(5).capacity() >= 5);
        assert_eq!(s.spare_elements(), 0);
        assert_eq!(s.take(0).capacity(), 0);
    }

    #[test]
    fn trim_frees_only_what_stayed_idle() {
        let mut s = Scratch::<f64>::default();
        s.give(Vec::with_capacity(8));
        s.give(Vec::with_capacity(8));
        s.give(Vec::with_capacity(4));
        s.keep_indices(vec![1, 2]);
        s.mark();
        let used = s.take(8); // one 8 is used this period; the other 8, the 4 and the list idle
        s.give(used);
        s.trim();
        assert_eq!(s.spare_elements(), 8);
        assert_eq!(s.take(8).capacity(), 8);
        assert!(s.indices.items.is_empty());
    }

    #[test]
    fn reused_buffers_hold_the_requested_contents() {
        let mut s = Scratch::<f32>::default();
        s.recycle(Tensor::full(&[3], 9.0));
        assert_eq!(s.zeros(&[2]).data(), &[0.0, 0.0]);
        let t = Tensor::from_vec(vec![1.0, 2.0], &[2]);
        assert_eq!(s.copy_of(&t), t);
    }

    #[test]
    fn index_lists_are_copied_into_reused_vectors() {
        let mut s = Scratch::<f32>::default();
        s.keep_indices(Vec::with_capacity(16));
        let v = s.indices(&[3, 1]);
        assert_eq!((v.as_slice(), v.capacity()), (&[3, 1][..], 16));
    }

    /// An op with a payload, so that it needs a box of its own.
    struct Scale(f64);

    impl CustomOp<f64> for Scale {
        fn name(&self) -> Cow<'_, str> {
            "scale".into()
        }
        fn forward(&mut self, inputs: &[&Tensor<f64>], s: &mut Scratch<f64>) -> Tensor<f64> {
            let c = self.0;
            s.map(inputs[0], |x| c * x)
        }
        fn vjp(
            &self,
            _: usize,
            _: &[&Tensor<f64>],
            _: &Tensor<f64>,
            g: &Tensor<f64>,
            s: &mut Scratch<f64>,
        ) -> Option<Tensor<f64>> {
            let c = self.0;
            Some(s.map(g, |x| c * x))
        }
    }

    #[test]
    fn a_reused_box_holds_the_new_op() {
        let mut tape = Tape::<f64>::new();
        for c in [2.0, 3.0, 5.0] {
            let x = tape.param(Tensor::scalar(1.0));
            let y: Var<'_, f64> = x.apply(Scale(c), &[]);
            assert_eq!(y.item(), c);
            assert_eq!(y.backward()[x].item(), c);
            tape.clear();
        }
        // One spare box of this type, kept through the last clear.
        let scratch = &tape.inner.get_mut().scratch;
        assert_eq!(scratch.ops.len(), 1);
        assert_eq!(scratch.ops[0].1.items.len(), 1);
    }
}
