//! [`Backprop`]: what a gradient rule computes with. Each structural primitive writes its
//! vector-Jacobian product once against this interface; [`Eager`] runs it on tensors in
//! recycled buffers (the fast first-order path), [`Graph`] records it on the tape as vars (the
//! differentiable path). A rule never frees anything: [`Eager`] owns its temporaries and gives
//! them back when the rule is done.

use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::Shape;
use crate::tape::Var;
use crate::tensor::{Tensor, Window, fold_len, unfold_len};
use smallvec::SmallVec;

/// The operations gradient rules are written in, for tensors or for vars.
pub(crate) trait Backprop<T: Float> {
    /// A value: a handle to a tensor, or a var.
    type V: Copy;
    /// The value's shape.
    fn shape(&self, v: Self::V) -> Shape;
    /// `op(a) op(b)`, with `op` transposing the last two axes when its flag is set.
    fn matmul_t(&mut self, a: Self::V, b: Self::V, ta: bool, tb: bool) -> Self::V;
    /// The same elements under `shape`.
    fn reshape(&mut self, v: Self::V, shape: &[usize]) -> Self::V;
    /// `c v`.
    fn scale(&mut self, v: Self::V, c: T) -> Self::V;
    /// Axes reordered by `perm`.
    fn permute(&mut self, v: Self::V, perm: &[usize]) -> Self::V;
    /// Repeated along broadcast axes to `shape` (the value itself if it has that shape).
    fn broadcast_to(&mut self, v: Self::V, shape: &[usize]) -> Self::V;
    /// Summed back to `shape` (the value itself if it has that shape).
    fn sum_to_shape(&mut self, v: Self::V, shape: &[usize]) -> Self::V;
    /// The slices along `axis` at `indices`.
    fn index_select(&mut self, v: Self::V, axis: usize, indices: &[usize]) -> Self::V;
    /// A zero tensor of extent `extent` along `axis` into whose slice `indices[j]` slice `j` is
    /// added.
    fn index_add(&mut self, v: Self::V, axis: usize, indices: &[usize], extent: usize) -> Self::V;
    /// Rows of `table` picked by the integer values of `ids`.
    fn lookup(&mut self, table: Self::V, ids: Self::V) -> Self::V;
    /// Rows of `v` added into a `[vocab, width]` zero table at the rows `ids` name.
    fn lookup_add(&mut self, v: Self::V, ids: Self::V, vocab: usize) -> Self::V;
    /// One element per row.
    fn gather_rows(&mut self, v: Self::V, columns: &[usize]) -> Self::V;
    /// One element per row placed into a `width`-column zero matrix.
    fn scatter_rows(&mut self, v: Self::V, columns: &[usize], width: usize) -> Self::V;
    /// The slice `start..start + len` along `axis`.
    fn narrow(&mut self, v: Self::V, axis: usize, start: usize, len: usize) -> Self::V;
    /// Placed at `start` along `axis` of a zero tensor whose extent there is `extent`.
    fn pad(&mut self, v: Self::V, axis: usize, start: usize, extent: usize) -> Self::V;
    /// `a * b`, broadcast.
    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `v` where `(condition != 0) == keep`, else 0, broadcast.
    fn masked(&mut self, condition: Self::V, v: Self::V, keep: bool) -> Self::V;
    /// A constant shaped like `x`: where `x` holds the maximum (or minimum) of its group over
    /// `axes`, 1 over the number of elements that tie for it; 0 elsewhere.
    fn extreme_shares(&mut self, x: Self::V, axes: &[usize], max: bool) -> Self::V;
    /// The sliding windows of an image batch as columns (im2col).
    fn unfold(&mut self, v: Self::V, window: Window, pad_value: T) -> Self::V;
    /// Columns summed back into an image of `size` (col2im).
    fn fold(&mut self, v: Self::V, window: Window, size: [usize; 2]) -> Self::V;
}

/// A value of the eager path: one of the rule's arguments (borrowed) or a temporary it made.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    Arg(u32),
    Temp(u32),
}

/// The fast path: rules computed on tensors, every result in a recycled buffer.
pub(crate) struct Eager<'a, T: Float> {
    /// The op's inputs, then the incoming gradient.
    args: SmallVec<[&'a Tensor<T>; 4]>,
    temps: SmallVec<[Tensor<T>; 4]>,
    scratch: &'a mut Scratch<T>,
}

impl<'a, T: Float> Eager<'a, T> {
    /// The eager context for one product: `inputs` and the gradient `g`, with the handles
    /// a rule sees for them.
    pub(crate) fn new(
        inputs: &[&'a Tensor<T>],
        g: &'a Tensor<T>,
        scratch: &'a mut Scratch<T>,
    ) -> (Self, SmallVec<[Slot; 4]>, Slot) {
        let mut args: SmallVec<[&'a Tensor<T>; 4]> = inputs.iter().copied().collect();
        args.push(g);
        let slots = (0..inputs.len() as u32).map(Slot::Arg).collect();
        let e = Eager {
            args,
            temps: SmallVec::new(),
            scratch,
        };
        (e, slots, Slot::Arg(inputs.len() as u32))
    }

    fn get(&self, v: Slot) -> &Tensor<T> {
        match v {
            Slot::Arg(i) => self.args[i as usize],
            Slot::Temp(i) => &self.temps[i as usize],
        }
    }

    /// Computes `f(value of v, scratch)` into a new temporary.
    fn push(&mut self, v: Slot, f: impl FnOnce(&Tensor<T>, &mut Scratch<T>) -> Tensor<T>) -> Slot {
        let t = {
            let x: &Tensor<T> = match v {
                Slot::Arg(i) => self.args[i as usize],
                Slot::Temp(i) => &self.temps[i as usize],
            };
            f(x, self.scratch)
        };
        self.temps.push(t);
        Slot::Temp(self.temps.len() as u32 - 1)
    }

    /// Computes `f(value of a, value of b, scratch)` into a new temporary.
    fn push2(
        &mut self,
        a: Slot,
        b: Slot,
        f: impl FnOnce(&Tensor<T>, &Tensor<T>, &mut Scratch<T>) -> Tensor<T>,
    ) -> Slot {
        let t = {
            let get = |v: Slot| match v {
                Slot::Arg(i) => self.args[i as usize],
                Slot::Temp(i) => &self.temps[i as usize],
            };
            let (x, y) = (get(a), get(b));
            f(x, y, self.scratch)
        };
        self.temps.push(t);
        Slot::Temp(self.temps.len() as u32 - 1)
    }

    /// The result as an owned tensor; the other temporaries are recycled.
    pub(crate) fn finish(mut self, v: Slot) -> Tensor<T> {
        let result = match v {
            Slot::Arg(i) => self.scratch.copy_of(self.args[i as usize]),
            Slot::Temp(i) => self.temps.swap_remove(i as usize),
        };
        for t in self.temps.drain(..) {
            self.scratch.recycle(t);
        }
        result
    }
}

impl<T: Float> Backprop<T> for Eager<'_, T> {
    type V = Slot;

    fn shape(&self, v: Slot) -> Shape {
        self.get(v).shape().into()
    }

    fn matmul_t(&mut self, a: Slot, b: Slot, ta: bool, tb: bool) -> Slot {
        let t = {
            let (x, y) = (self.get(a), self.get(b));
            let len = crate::tensor::matmul_len(x.shape(), y.shape(), ta, tb);
            let buf = self.scratch.take_stale(len, T::ZERO);
            let (x, y) = (self.get(a), self.get(b));
            x.matmul_t_in(y, ta, tb, buf)
        };
        self.temps.push(t);
        Slot::Temp(self.temps.len() as u32 - 1)
    }

    fn reshape(&mut self, v: Slot, shape: &[usize]) -> Slot {
        match v {
            Slot::Temp(i) => {
                self.temps[i as usize].reshape_inplace(shape);
                v
            }
            Slot::Arg(_) => self.push(v, |x, s| {
                let mut copy = s.copy_of(x);
                copy.reshape_inplace(shape);
                copy
            }),
        }
    }

    fn scale(&mut self, v: Slot, c: T) -> Slot {
        match v {
            Slot::Temp(i) => {
                self.temps[i as usize].map_inplace(|x| c * x);
                v
            }
            Slot::Arg(_) => self.push(v, |x, s| s.map(x, |x| c * x)),
        }
    }

    fn permute(&mut self, v: Slot, perm: &[usize]) -> Slot {
        self.push(v, |x, s| x.permute_in(perm, s.take(x.numel())))
    }

    fn broadcast_to(&mut self, v: Slot, shape: &[usize]) -> Slot {
        if self.get(v).shape() == shape {
            return v;
        }
        self.push(v, |x, s| s.broadcast_to(x, shape))
    }

    fn sum_to_shape(&mut self, v: Slot, shape: &[usize]) -> Slot {
        if self.get(v).shape() == shape {
            return v;
        }
        self.push(v, |x, s| s.sum_to_shape(x, shape))
    }

    fn index_select(&mut self, v: Slot, axis: usize, indices: &[usize]) -> Slot {
        self.push(v, |x, s| {
            let len = x.numel() / x.shape()[axis].max(1) * indices.len();
            x.index_select_in(axis, indices, s.take(len))
        })
    }

    fn index_add(&mut self, v: Slot, axis: usize, indices: &[usize], extent: usize) -> Slot {
        self.push(v, |x, s| {
            let len = x.numel() / x.shape()[axis].max(1) * extent;
            x.index_add_in(axis, indices, extent, s.take(len))
        })
    }

    fn lookup(&mut self, table: Slot, ids: Slot) -> Slot {
        self.push2(table, ids, |t, ids, s| {
            let width = t.shape().last().copied().unwrap_or(1);
            t.lookup_in(ids, s.take(ids.numel() * width))
        })
    }

    fn lookup_add(&mut self, v: Slot, ids: Slot, vocab: usize) -> Slot {
        self.push2(v, ids, |v, ids, s| {
            let width = v.shape().last().copied().unwrap_or(1);
            v.lookup_add_in(ids, vocab, s.take(vocab * width))
        })
    }

    fn gather_rows(&mut self, v: Slot, columns: &[usize]) -> Slot {
        self.push(v, |x, s| x.gather_rows_in(columns, s.take(columns.len())))
    }

    fn scatter_rows(&mut self, v: Slot, columns: &[usize], width: usize) -> Slot {
        self.push(v, |x, s| {
            x.scatter_rows_in(columns, width, s.take(columns.len() * width))
        })
    }

    fn narrow(&mut self, v: Slot, axis: usize, start: usize, len: usize) -> Slot {
        self.push(v, |x, s| {
            let n = x.numel() / x.shape()[axis].max(1) * len;
            x.narrow_in(axis, start, len, s.take(n))
        })
    }

    fn pad(&mut self, v: Slot, axis: usize, start: usize, extent: usize) -> Slot {
        self.push(v, |x, s| {
            let n = x.numel() / x.shape()[axis].max(1) * extent;
            x.pad_in(axis, start, extent, s.take(n))
        })
    }

    fn mul(&mut self, a: Slot, b: Slot) -> Slot {
        self.push2(a, b, |x, y, s| s.zip_map(x, y, |x, y| x * y))
    }

    fn masked(&mut self, condition: Slot, v: Slot, keep: bool) -> Slot {
        self.push2(condition, v, |c, v, s| {
            s.zip_map(
                c,
                v,
                |c, v| if (c != T::ZERO) == keep { v } else { T::ZERO },
            )
        })
    }

    fn extreme_shares(&mut self, x: Slot, axes: &[usize], max: bool) -> Slot {
        self.push(x, |x, s| x.extreme_shares_in(axes, max, s))
    }

    fn unfold(&mut self, v: Slot, window: Window, pad_value: T) -> Slot {
        self.push(v, |x, s| {
            let len = unfold_len(x.shape(), window);
            x.unfold_in(window, pad_value, s.take(len))
        })
    }

    fn fold(&mut self, v: Slot, window: Window, size: [usize; 2]) -> Slot {
        self.push(v, |x, s| {
            let len = fold_len(x.shape(), window, size);
            x.fold_in(window, size, s.take(len))
        })
    }
}

/// The recorded path: rules computed as ops on the tape, differentiable again.
pub(crate) struct Graph<'t, T>(std::marker::PhantomData<&'t T>);

impl<T> Default for Graph<'_, T> {
    fn default() -> Self {
        Graph(std::marker::PhantomData)
    }
}

impl<'t, T: Float> Backprop<T> for Graph<'t, T> {
    type V = Var<'t, T>;

    fn shape(&self, v: Var<'t, T>) -> Shape {
        v.shape()
    }

    fn matmul_t(&mut self, a: Var<'t, T>, b: Var<'t, T>, ta: bool, tb: bool) -> Var<'t, T> {
        a.matmul_t(b, ta, tb)
    }

    fn reshape(&mut self, v: Var<'t, T>, shape: &[usize]) -> Var<'t, T> {
        if v.shape().as_slice() == shape {
            return v;
        }
        v.reshape(shape)
    }

    fn scale(&mut self, v: Var<'t, T>, c: T) -> Var<'t, T> {
        v.mul_scalar(c)
    }

    fn permute(&mut self, v: Var<'t, T>, perm: &[usize]) -> Var<'t, T> {
        v.permute(perm)
    }

    fn broadcast_to(&mut self, v: Var<'t, T>, shape: &[usize]) -> Var<'t, T> {
        if v.shape().as_slice() == shape {
            return v;
        }
        v.broadcast_to(shape)
    }

    fn sum_to_shape(&mut self, v: Var<'t, T>, shape: &[usize]) -> Var<'t, T> {
        if v.shape().as_slice() == shape {
            return v;
        }
        v.sum_to_shape(shape)
    }

    fn index_select(&mut self, v: Var<'t, T>, axis: usize, indices: &[usize]) -> Var<'t, T> {
        v.index_select(axis, indices)
    }

    fn index_add(
        &mut self,
        v: Var<'t, T>,
        axis: usize,
        indices: &[usize],
        extent: usize,
    ) -> Var<'t, T> {
        v.index_add(axis, indices, extent)
    }

    fn lookup(&mut self, table: Var<'t, T>, ids: Var<'t, T>) -> Var<'t, T> {
        table.lookup(ids)
    }

    fn lookup_add(&mut self, v: Var<'t, T>, ids: Var<'t, T>, vocab: usize) -> Var<'t, T> {
        v.lookup_add(ids, vocab)
    }

    fn gather_rows(&mut self, v: Var<'t, T>, columns: &[usize]) -> Var<'t, T> {
        v.gather_rows(columns)
    }

    fn scatter_rows(&mut self, v: Var<'t, T>, columns: &[usize], width: usize) -> Var<'t, T> {
        v.scatter_rows(columns, width)
    }

    fn narrow(&mut self, v: Var<'t, T>, axis: usize, start: usize, len: usize) -> Var<'t, T> {
        v.narrow(axis, start, len)
    }

    fn pad(&mut self, v: Var<'t, T>, axis: usize, start: usize, extent: usize) -> Var<'t, T> {
        v.pad(axis, start, extent)
    }

    fn mul(&mut self, a: Var<'t, T>, b: Var<'t, T>) -> Var<'t, T> {
        a * b
    }

    fn masked(&mut self, condition: Var<'t, T>, v: Var<'t, T>, keep: bool) -> Var<'t, T> {
        condition.masked(v, keep)
    }

    fn extreme_shares(&mut self, x: Var<'t, T>, axes: &[usize], max: bool) -> Var<'t, T> {
        let shares = x
            .tape
            .map_value(x, |x, s| x.extreme_shares_in(axes, max, s));
        x.tape.constant(shares)
    }

    fn unfold(&mut self, v: Var<'t, T>, window: Window, pad_value: T) -> Var<'t, T> {
        v.unfold(window, pad_value)
    }

    fn fold(&mut self, v: Var<'t, T>, window: Window, size: [usize; 2]) -> Var<'t, T> {
        v.fold(window, size)
    }
}
