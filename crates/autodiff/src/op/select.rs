//! Indexing by integer lists and the reverse of each: `select_rows` / `index_add_rows`, and
//! `gather_rows` / `scatter_rows` (what sparse cross-entropy needs). Each pair's members are
//! one another's gradients.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::Var;
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::borrow::Cow;

/// The rows (slices along axis 0) at `indices`.
pub(crate) struct SelectRows {
    pub(crate) indices: Vec<usize>,
}

/// A `rows`-row zero tensor into whose row `indices[i]` row `i` of the input is added.
pub(crate) struct IndexAddRows {
    pub(crate) indices: Vec<usize>,
    rows: usize,
}

/// One element per row of a matrix: `out[i] = x[i, columns[i]]`.
pub(crate) struct GatherRows {
    pub(crate) columns: Vec<usize>,
}

/// A `[len, width]` zero matrix with `out[i, columns[i]] = x[i]`.
pub(crate) struct ScatterRows {
    pub(crate) columns: Vec<usize>,
    width: usize,
}

impl<'t, T: Float> Var<'t, T> {
    /// The rows at `indices` (see [`Tensor::select_rows`]); gradients add back into those
    /// rows, repeated indices included.
    pub fn select_rows(self, indices: &[usize]) -> Self {
        let indices = self.tape.indices(indices);
        self.tape
            .record(Op::SelectRows(SelectRows { indices }), smallvec![self.key])
    }

    /// A tensor of `rows` rows, zero except that row `indices[i]` accumulates row `i` of this
    /// var (see [`Tensor::index_add_rows`]).
    pub fn index_add_rows(self, indices: &[usize], rows: usize) -> Self {
        let indices = self.tape.indices(indices);
        let op = IndexAddRows { indices, rows };
        self.tape.record(Op::IndexAddRows(op), smallvec![self.key])
    }

    /// One element per row of a 2-D var: `out[i] = self[i, columns[i]]`.
    pub fn gather_rows(self, columns: &[usize]) -> Self {
        let columns = self.tape.indices(columns);
        self.tape
            .record(Op::GatherRows(GatherRows { columns }), smallvec![self.key])
    }

    /// A `[columns.len(), width]` matrix, zero except `out[i, columns[i]] = self[i]` (see
    /// [`Tensor::scatter_rows`]).
    pub fn scatter_rows(self, columns: &[usize], width: usize) -> Self {
        let columns = self.tape.indices(columns);
        let op = ScatterRows { columns, width };
        self.tape.record(Op::ScatterRows(op), smallvec![self.key])
    }
}

/// Elements per row (per slice along axis 0) of a tensor.
fn row_width(shape: &[usize]) -> usize {
    shape[1..].iter().product()
}

impl<T: Float> Primitive<T> for SelectRows {
    fn name(&self) -> Cow<'_, str> {
        "select_rows".into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let width = if x.ndim() == 0 {
            1
        } else {
            row_width(x.shape())
        };
        x.select_rows_in(&self.indices, s.take(self.indices.len() * width))
    }

    /// Row `i` of the gradient goes back to row `indices[i]`; repeats add up.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> B::V {
        let rows = b.shape(x[0])[0];
        b.index_add_rows(g, &self.indices, rows)
    }
}

impl<T: Float> Primitive<T> for IndexAddRows {
    fn name(&self) -> Cow<'_, str> {
        "index_add_rows".into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let width = if x.ndim() == 0 {
            1
        } else {
            row_width(x.shape())
        };
        x.index_add_rows_in(&self.indices, self.rows, s.take(self.rows * width))
    }

    /// Row `i` of the input was added into row `indices[i]`: it gets that row's gradient.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, _x: &[B::V], g: B::V) -> B::V {
        b.select_rows(g, &self.indices)
    }
}

impl<T: Float> Primitive<T> for GatherRows {
    fn name(&self) -> Cow<'_, str> {
        "gather_rows".into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        inputs[0].gather_rows_in(&self.columns, s.take(self.columns.len()))
    }

    /// Each picked element gets its output's gradient; the others get 0.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> B::V {
        let width = b.shape(x[0])[1];
        b.scatter_rows(g, &self.columns, width)
    }
}

impl<T: Float> Primitive<T> for ScatterRows {
    fn name(&self) -> Cow<'_, str> {
        "scatter_rows".into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let n = self.columns.len() * self.width;
        inputs[0].scatter_rows_in(&self.columns, self.width, s.take(n))
    }

    /// Each input element landed at one place of the output: it gets that place's gradient.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, _x: &[B::V], g: B::V) -> B::V {
        b.gather_rows(g, &self.columns)
    }
}
