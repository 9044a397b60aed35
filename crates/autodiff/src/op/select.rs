//! Indexing by integer lists and the reverse of each: `index_select` / `index_add` along any
//! axis (`select_rows` / `index_add_rows` are axis 0: an embedding lookup and its gradient), and
//! `gather_rows` / `scatter_rows` (what sparse cross-entropy needs). Each pair's members are
//! one another's gradients.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{ShapeDisplay, check_axis};
use crate::tape::Var;
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::borrow::Cow;

/// The slices along `axis` at `indices`.
pub(crate) struct IndexSelect {
    axis: usize,
    pub(crate) indices: Vec<usize>,
}

/// A tensor of extent `extent` along `axis`, zero except that slice `indices[j]` accumulates
/// slice `j` of the input.
pub(crate) struct IndexAdd {
    axis: usize,
    pub(crate) indices: Vec<usize>,
    extent: usize,
}

/// Inputs `[table, ids]`: rows of the table picked by the integer values of the ids.
pub(crate) struct Lookup;

/// Inputs `[v, ids]`: a `[vocab, width]` zero table into whose row `ids[j]` row `j` of `v` is
/// added.
pub(crate) struct LookupAdd {
    vocab: usize,
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
    /// The slices along `axis` at `indices` (see [`Tensor::index_select`]); gradients add
    /// back into those slices, repeated indices included.
    ///
    /// # Panics
    /// If `axis` is out of range (an index out of range panics when the op computes).
    pub fn index_select(self, axis: usize, indices: &[usize]) -> Self {
        check_axis("index_select", axis, &self.shape());
        let indices = self.tape.indices(indices);
        let op = IndexSelect { axis, indices };
        self.tape.record(Op::IndexSelect(op), smallvec![self.key])
    }

    /// A var of extent `extent` along `axis`, zero except that slice `indices[j]` accumulates
    /// slice `j` of this var (see [`Tensor::index_add`]).
    ///
    /// # Panics
    /// If `axis` is out of range or `indices` does not have one entry per slice of this var
    /// along it.
    pub fn index_add(self, axis: usize, indices: &[usize], extent: usize) -> Self {
        let shape = self.shape();
        check_axis("index_add", axis, &shape);
        assert!(
            shape[axis] == indices.len(),
            "index_add: {} indices for a var of shape {} along axis {axis}; give one per slice",
            indices.len(),
            ShapeDisplay(&shape)
        );
        let indices = self.tape.indices(indices);
        let op = IndexAdd {
            axis,
            indices,
            extent,
        };
        self.tape.record(Op::IndexAdd(op), smallvec![self.key])
    }

    /// Rows of this `[rows, width]` table picked by the integer values of `ids` (a var of any
    /// shape, normally a constant of token ids): shape `ids.shape + [width]`. An embedding
    /// lookup; the table's gradient adds up over repeated ids, and no gradient flows to the
    /// ids.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let table = tape.param(Tensor::from_vec(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5], &[3, 2]));
    /// let ids = tape.constant(Tensor::from_vec(vec![2.0, 0.0, 2.0, 2.0], &[2, 2]));
    /// let picked = table.lookup(ids);
    /// assert_eq!(picked.shape().as_slice(), &[2, 2, 2]);
    /// assert_eq!(picked.sum().backward()[table].data(), &[1.0, 1.0, 0.0, 0.0, 3.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If this var is not 2-D, or (when the op computes) an id is not a whole number below its
    /// row count.
    pub fn lookup(self, ids: Var<'t, T>) -> Self {
        table_of("lookup", &self.shape());
        let ids = self.tape.own(ids, "lookup");
        self.tape
            .record(Op::Lookup(Lookup), smallvec![self.key, ids])
    }

    /// The reverse of [`Var::lookup`], its gradient: rows of this var (shaped `ids.shape +
    /// [width]`) added into a `[vocab, width]` zero table at the rows the ids name.
    pub(crate) fn lookup_add(self, ids: Var<'t, T>, vocab: usize) -> Self {
        let ids = self.tape.own(ids, "lookup_add");
        let op = LookupAdd { vocab };
        self.tape
            .record(Op::LookupAdd(op), smallvec![self.key, ids])
    }

    /// The rows at `indices`: [`Var::index_select`] along axis 0 (an embedding lookup).
    pub fn select_rows(self, indices: &[usize]) -> Self {
        self.index_select(0, indices)
    }

    /// A var of `rows` rows, zero except that row `indices[i]` accumulates row `i` of this var:
    /// [`Var::index_add`] along axis 0.
    pub fn index_add_rows(self, indices: &[usize], rows: usize) -> Self {
        self.index_add(0, indices, rows)
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

impl<T: Float> Primitive<T> for IndexSelect {
    fn name(&self) -> Cow<'_, str> {
        match self.axis {
            0 => "select_rows".into(),
            axis => format!("index_select axis {axis}").into(),
        }
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!(
            "dL/dx = g's slices added into zeros {} at the indices along axis {}",
            ShapeDisplay(shapes[0]),
            self.axis
        )
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let len = x.numel() / x.shape()[self.axis].max(1) * self.indices.len();
        x.index_select_in(self.axis, &self.indices, s.take(len))
    }

    /// Slice `j` of the gradient goes back to slice `indices[j]`; repeats add up.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let extent = b.shape(x[0])[self.axis];
        Some(b.index_add(g, self.axis, &self.indices, extent))
    }
}

impl<T: Float> Primitive<T> for IndexAdd {
    fn name(&self) -> Cow<'_, str> {
        match self.axis {
            0 => "index_add_rows".into(),
            axis => format!("index_add axis {axis}").into(),
        }
    }

    fn rule(&self, _i: usize, _shapes: &[&[usize]]) -> String {
        format!("dL/dv = g's slices at the indices along axis {}", self.axis)
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let len = x.numel() / x.shape()[self.axis].max(1) * self.extent;
        x.index_add_in(self.axis, &self.indices, self.extent, s.take(len))
    }

    /// Slice `j` of the input was added into slice `indices[j]`: it gets that slice's gradient.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, _x: &[B::V], g: B::V) -> Option<B::V> {
        Some(b.index_select(g, self.axis, &self.indices))
    }
}

/// The table's rows and width, or a panic naming the op and the shape.
fn table_of(op: &str, shape: &[usize]) -> (usize, usize) {
    match shape {
        &[rows, width] => (rows, width),
        _ => panic!(
            "{op}: the table has shape {}; expected a 2-D [rows, width] table",
            ShapeDisplay(shape)
        ),
    }
}

impl<T: Float> Primitive<T> for Lookup {
    fn name(&self) -> Cow<'_, str> {
        "lookup".into()
    }

    fn rule(&self, i: usize, shapes: &[&[usize]]) -> String {
        match i {
            0 => format!(
                "dL/dtable = g's rows added into zeros {} at the rows the ids name",
                ShapeDisplay(shapes[0])
            ),
            _ => "none: the ids are integers".to_string(),
        }
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let (table, ids) = (inputs[0], inputs[1]);
        let width = table_of("lookup", table.shape()).1;
        table.lookup_in(ids, s.take(ids.numel() * width))
    }

    /// Each picked row gets the gradient of where it was put; repeats add up. None for the ids.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        if i == 1 {
            return None;
        }
        let vocab = b.shape(x[0])[0];
        Some(b.lookup_add(g, x[1], vocab))
    }
}

impl<T: Float> Primitive<T> for LookupAdd {
    fn name(&self) -> Cow<'_, str> {
        "lookup_add".into()
    }

    fn rule(&self, i: usize, _shapes: &[&[usize]]) -> String {
        match i {
            0 => "dL/dv = g's rows picked by the ids".to_string(),
            _ => "none: the ids are integers".to_string(),
        }
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let (v, ids) = (inputs[0], inputs[1]);
        let width = v.shape().last().copied().unwrap_or(1);
        v.lookup_add_in(ids, self.vocab, s.take(self.vocab * width))
    }

    /// Row `j` was added into row `ids[j]`: it gets that row's gradient.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        if i == 1 {
            return None;
        }
        Some(b.lookup(g, x[1]))
    }
}

impl<T: Float> Primitive<T> for GatherRows {
    fn name(&self) -> Cow<'_, str> {
        "gather_rows".into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!(
            "dL/dx = g placed at each row's picked column of zeros {}",
            ShapeDisplay(shapes[0])
        )
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        inputs[0].gather_rows_in(&self.columns, s.take(self.columns.len()))
    }

    /// Each picked element gets its output's gradient; the others get 0.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let width = b.shape(x[0])[1];
        Some(b.scatter_rows(g, &self.columns, width))
    }
}

impl<T: Float> Primitive<T> for ScatterRows {
    fn name(&self) -> Cow<'_, str> {
        "scatter_rows".into()
    }

    fn rule(&self, _i: usize, _shapes: &[&[usize]]) -> String {
        "dL/dv = g at each row's column".to_string()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let n = self.columns.len() * self.width;
        inputs[0].scatter_rows_in(&self.columns, self.width, s.take(n))
    }

    /// Each input element landed at one place of the output: it gets that place's gradient.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, _x: &[B::V], g: B::V) -> Option<B::V> {
        Some(b.gather_rows(g, &self.columns))
    }
}
