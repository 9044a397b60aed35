//! [`Spare`]: what a cleared tape keeps besides element buffers, so that the next step
//! allocates nothing: the boxes of custom ops (reused for the next op of the same type), the
//! index lists of row selections and the gradients' index map.
//!
//! Like the buffer pool, each kind is trimmed once per step: what sat unused for a whole step
//! is freed, so memory stays flat when the graph changes.

use super::NodeId;
use crate::float::Float;
use crate::op::{CustomOp, Op};
use crate::tensor::Tensor;
use slotmap::SecondaryMap;
use std::any::{Any, TypeId};

/// Spare memory of a cleared tape.
pub(crate) struct Spare<T: Float> {
    /// The map of the last gradients handed back with [`Tape::recycle`](crate::Tape::recycle).
    pub(crate) grads: Option<SecondaryMap<NodeId, Tensor<T>>>,
    /// Boxes of cleared custom ops, by the op's type.
    ops: Vec<(TypeId, Bucket<Box<dyn Any>>)>,
    /// Index lists of cleared `select_rows` and `gather_rows` nodes.
    indices: Bucket<Vec<usize>>,
}

impl<T: Float> Default for Spare<T> {
    fn default() -> Self {
        Spare {
            grads: None,
            ops: Vec::new(),
            indices: Bucket::default(),
        }
    }
}

impl<T: Float> Spare<T> {
    /// `op` in a box, reusing a cleared op's box of the same type if there is one. A
    /// zero-sized op needs no memory and gets a fresh (free) box.
    pub(crate) fn boxed<O: CustomOp<T>>(&mut self, op: O) -> Box<dyn CustomOp<T>> {
        if size_of::<O>() != 0 {
            let id = TypeId::of::<O>();
            if let Some(spare) = self
                .ops
                .iter_mut()
                .find(|(t, _)| *t == id)
                .and_then(|(_, bucket)| bucket.take())
            {
                if let Ok(mut reused) = spare.downcast::<O>() {
                    *reused = op;
                    return reused;
                }
            }
        }
        Box::new(op)
    }

    /// A copy of `src` in a reused vector.
    pub(crate) fn indices(&mut self, src: &[usize]) -> Vec<usize> {
        let mut v = self.indices.take().unwrap_or_default();
        v.clear();
        v.extend_from_slice(src);
        v
    }

    /// Keeps what a cleared node's op owns.
    pub(crate) fn keep(&mut self, op: Op<T>) {
        match op {
            Op::Custom(op) => {
                let op: Box<dyn Any> = op;
                if size_of_val(&*op) == 0 {
                    return;
                }
                let id = (*op).type_id();
                match self.ops.iter_mut().find(|(t, _)| *t == id) {
                    Some((_, bucket)) => bucket.put(op),
                    None => {
                        let mut bucket = Bucket::default();
                        bucket.put(op);
                        self.ops.push((id, bucket));
                    }
                }
            }
            Op::SelectRows(v) | Op::GatherRows(v) => self.indices.put(v),
            _ => {}
        }
    }

    /// Frees what stayed unused since the last [`Spare::mark`].
    pub(crate) fn trim(&mut self) {
        self.ops.iter_mut().for_each(|(_, b)| b.trim());
        self.indices.trim();
    }

    /// Starts a new trimming period.
    pub(crate) fn mark(&mut self) {
        self.ops.iter_mut().for_each(|(_, b)| b.mark());
        self.indices.mark();
    }
}

/// Spare items of one kind, with the fewest held since the last mark.
struct Bucket<X> {
    items: Vec<X>,
    low_water: usize,
}

impl<X> Default for Bucket<X> {
    fn default() -> Self {
        Bucket {
            items: Vec::new(),
            low_water: 0,
        }
    }
}

impl<X> Bucket<X> {
    fn take(&mut self) -> Option<X> {
        let item = self.items.pop();
        self.low_water = self.low_water.min(self.items.len());
        item
    }

    fn put(&mut self, item: X) {
        self.items.push(item);
    }

    fn trim(&mut self) {
        self.items.drain(..self.low_water.min(self.items.len()));
        self.low_water = 0;
    }

    fn mark(&mut self) {
        self.low_water = self.items.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BufferPool, Tape};
    use std::borrow::Cow;

    /// An op with a payload, so that it needs a box of its own.
    struct Scale(f64);

    impl CustomOp<f64> for Scale {
        fn name(&self) -> Cow<'_, str> {
            "scale".into()
        }
        fn forward(&mut self, inputs: &[&Tensor<f64>], pool: &mut BufferPool<f64>) -> Tensor<f64> {
            let s = self.0;
            inputs[0].map_in(pool.take(inputs[0].numel()), |x| s * x)
        }
        fn vjp(
            &self,
            _: usize,
            _: &[&Tensor<f64>],
            _: &Tensor<f64>,
            g: &Tensor<f64>,
            pool: &mut BufferPool<f64>,
        ) -> Option<Tensor<f64>> {
            let s = self.0;
            Some(g.map_in(pool.take(g.numel()), |x| s * x))
        }
    }

    #[test]
    fn a_reused_box_holds_the_new_op() {
        let mut tape = Tape::<f64>::new();
        for s in [2.0, 3.0, 5.0] {
            let x = tape.param(Tensor::scalar(1.0));
            let y = x.apply(Scale(s), &[]);
            assert_eq!(y.item(), s);
            assert_eq!(y.backward()[x].item(), s);
            tape.clear();
        }
        // One spare box of this type, kept through the last clear.
        let spare = &tape.inner.get_mut().spare;
        assert_eq!(spare.ops.len(), 1);
        assert_eq!(spare.ops[0].1.items.len(), 1);
    }

    #[test]
    fn idle_spares_are_trimmed() {
        let mut bucket = Bucket::default();
        bucket.put(vec![1usize]);
        bucket.put(vec![2]);
        bucket.mark();
        let used = bucket.take().unwrap();
        bucket.put(used);
        bucket.trim(); // one stayed idle the whole period
        assert_eq!(bucket.items, vec![vec![2]]);
    }

    #[test]
    fn index_lists_are_copied_into_reused_vectors() {
        let mut spare = Spare::<f32>::default();
        spare.keep(Op::SelectRows(Vec::with_capacity(16)));
        let v = spare.indices(&[3, 1]);
        assert_eq!((v.as_slice(), v.capacity()), (&[3, 1][..], 16));
    }
}
