//! Indexing by integer lists: row selection, per-row gather (what sparse cross-entropy needs),
//! their scatter-add reverses, and argmax.

use super::Tensor;
use crate::float::Float;
use crate::shape::{Shape, ShapeDisplay, check_axis, numel};

impl<T: Float> Tensor<T> {
    /// The slices along `axis` at `indices`, in that order; indices may repeat (PyTorch's
    /// `index_select`).
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let t = Tensor::<f64>::from_fn(&[2, 3], |i| i as f64); // [[0, 1, 2], [3, 4, 5]]
    /// assert_eq!(t.index_select(1, &[2, 0]).data(), &[2.0, 0.0, 5.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or an index is not below the axis's extent.
    pub fn index_select(&self, axis: usize, indices: &[usize]) -> Self {
        self.index_select_in(axis, indices, Vec::new())
    }

    /// [`Tensor::index_select`] writing into a reused buffer.
    pub(crate) fn index_select_in(&self, axis: usize, indices: &[usize], buf: Vec<T>) -> Self {
        check_axis("index_select", axis, self.shape());
        let (outer, extent, inner) = around(self.shape(), axis);
        let mut shape: Shape = self.shape().into();
        shape[axis] = indices.len();
        let data = self.data();
        Tensor::build_in(buf, &shape, |out| {
            for o in 0..outer {
                for &i in indices {
                    check_index("index_select", i, extent, self.shape());
                    let at = (o * extent + i) * inner;
                    out.extend_from_slice(&data[at..at + inner]);
                }
            }
        })
    }

    /// The reverse of [`Tensor::index_select`]: a tensor whose extent along `axis` is `extent`,
    /// zero except that slice `indices[j]` accumulates slice `j` of `self` (repeated indices
    /// add up).
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let g = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]);
    /// assert_eq!(g.index_add(1, &[2, 0, 2], 4).data(), &[2.0, 0.0, 4.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range, `indices` does not have one entry per slice of `self` along
    /// it, or an index is not below `extent`.
    pub fn index_add(&self, axis: usize, indices: &[usize], extent: usize) -> Self {
        self.index_add_in(axis, indices, extent, Vec::new())
    }

    /// [`Tensor::index_add`] writing into a reused buffer.
    pub(crate) fn index_add_in(
        &self,
        axis: usize,
        indices: &[usize],
        extent: usize,
        buf: Vec<T>,
    ) -> Self {
        check_axis("index_add", axis, self.shape());
        let (outer, len, inner) = around(self.shape(), axis);
        assert!(
            len == indices.len(),
            "index_add: {} indices for a tensor of shape {} along axis {axis}; give one per slice",
            indices.len(),
            ShapeDisplay(self.shape())
        );
        let mut shape: Shape = self.shape().into();
        shape[axis] = extent;
        let mut out = Tensor::build_in(buf, &shape, |o| o.resize(numel(&shape), T::ZERO));
        let (dst, src) = (out.data_mut(), self.data());
        for o in 0..outer {
            for (j, &i) in indices.iter().enumerate() {
                check_index("index_add", i, extent, &shape);
                let to = (o * extent + i) * inner;
                let from = (o * len + j) * inner;
                for (d, &s) in dst[to..to + inner].iter_mut().zip(&src[from..from + inner]) {
                    *d += s;
                }
            }
        }
        out
    }

    /// Rows of this 2-D table picked by the integer values of `ids` (any shape): the result
    /// has shape `ids.shape + [width]`. An embedding lookup with the ids held in a tensor.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let table = Tensor::from_vec(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5], &[3, 2]);
    /// let ids = Tensor::from_vec(vec![2.0, 0.0, 2.0], &[3]);
    /// assert_eq!(table.lookup(&ids).data(), &[2.0, 2.5, 0.0, 0.5, 2.0, 2.5]);
    /// ```
    ///
    /// # Panics
    /// If the table is not 2-D or an id is not a whole number below the table's row count.
    pub fn lookup(&self, ids: &Self) -> Self {
        self.lookup_in(ids, Vec::new())
    }

    /// [`Tensor::lookup`] writing into a reused buffer.
    pub(crate) fn lookup_in(&self, ids: &Self, buf: Vec<T>) -> Self {
        let (vocab, width) = table_shape("lookup", self.shape());
        let mut shape: Shape = ids.shape().into();
        shape.push(width);
        let data = self.data();
        Tensor::build_in(buf, &shape, |out| {
            for (at, &id) in ids.data().iter().enumerate() {
                let row = row_of("lookup", id, at, vocab);
                out.extend_from_slice(&data[row * width..(row + 1) * width]);
            }
        })
    }

    /// The reverse of [`Tensor::lookup`]: a `[vocab, width]` zero table into whose row
    /// `ids[j]` row `j` of `self` (shaped `ids.shape + [width]`) is added.
    pub(crate) fn lookup_add_in(&self, ids: &Self, vocab: usize, buf: Vec<T>) -> Self {
        let width = self.shape().last().copied().unwrap_or(1);
        assert!(
            self.numel() == ids.numel() * width,
            "lookup_add: a gradient of shape {} does not match ids of shape {}",
            ShapeDisplay(self.shape()),
            ShapeDisplay(ids.shape())
        );
        let shape = [vocab, width];
        let mut out = Tensor::build_in(buf, &shape, |o| o.resize(vocab * width, T::ZERO));
        let (dst, src) = (out.data_mut(), self.data());
        for (at, &id) in ids.data().iter().enumerate() {
            let row = row_of("lookup_add", id, at, vocab);
            for (d, &s) in dst[row * width..(row + 1) * width]
                .iter_mut()
                .zip(&src[at * width..(at + 1) * width])
            {
                *d += s;
            }
        }
        out
    }

    /// The rows (slices along axis 0) at `indices`, in that order; indices may repeat:
    /// [`Tensor::index_select`] along axis 0.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let t = Tensor::<f64>::from_fn(&[3, 2], |i| i as f64);
    /// assert_eq!(t.select_rows(&[2, 0, 2]).data(), &[4.0, 5.0, 0.0, 1.0, 4.0, 5.0]);
    /// ```
    ///
    /// # Panics
    /// If the tensor is a scalar or an index is out of range.
    pub fn select_rows(&self, indices: &[usize]) -> Self {
        self.index_select(0, indices)
    }

    /// The reverse of [`Tensor::select_rows`]: [`Tensor::index_add`] along axis 0.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let g = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3, 1]);
    /// assert_eq!(g.index_add_rows(&[2, 0, 2], 3).data(), &[2.0, 0.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// If `indices` does not have one entry per row of `self` or an index is not below `rows`.
    pub fn index_add_rows(&self, indices: &[usize], rows: usize) -> Self {
        self.index_add(0, indices, rows)
    }

    /// One element per row of a 2-D tensor: `out[i] = self[i, columns[i]]`.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let logp = Tensor::from_vec(vec![-0.1, -2.0, -3.0, -0.5], &[2, 2]);
    /// assert_eq!(logp.gather_rows(&[0, 1]).data(), &[-0.1, -0.5]);
    /// ```
    ///
    /// # Panics
    /// If the tensor is not 2-D, `columns` has the wrong length or a column is out of range.
    pub fn gather_rows(&self, columns: &[usize]) -> Self {
        self.gather_rows_in(columns, Vec::new())
    }

    /// [`Tensor::gather_rows`] writing into a reused buffer.
    pub(crate) fn gather_rows_in(&self, columns: &[usize], buf: Vec<T>) -> Self {
        let (rows, width) = self.check_gather("gather_rows", columns);
        Tensor::build_in(buf, &[rows], |out| {
            out.extend(columns.iter().enumerate().map(|(i, &c)| {
                check_index("gather_rows", c, width, self.shape());
                self.data()[i * width + c]
            }))
        })
    }

    /// The reverse of [`Tensor::gather_rows`]: a `[rows, width]` tensor, zero except
    /// `out[i, columns[i]] = self[i]`.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let v = Tensor::from_vec(vec![5.0, 7.0], &[2]);
    /// assert_eq!(v.scatter_rows(&[1, 0], 2).data(), &[0.0, 5.0, 7.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If `self` does not hold one element per entry of `columns` or a column is not below
    /// `width`.
    pub fn scatter_rows(&self, columns: &[usize], width: usize) -> Self {
        self.scatter_rows_in(columns, width, Vec::new())
    }

    /// [`Tensor::scatter_rows`] writing into a reused buffer.
    pub(crate) fn scatter_rows_in(&self, columns: &[usize], width: usize, buf: Vec<T>) -> Self {
        let rows = columns.len();
        assert!(
            self.numel() == rows,
            "scatter_rows: {rows} columns for a tensor of shape {}; give one per element",
            ShapeDisplay(self.shape())
        );
        let mut out = Tensor::build_in(buf, &[rows, width], |o| o.resize(rows * width, T::ZERO));
        let dst = out.data_mut();
        for (i, &c) in columns.iter().enumerate() {
            check_index("scatter_rows", c, width, &[rows, width]);
            dst[i * width + c] = self.data()[i];
        }
        out
    }

    /// Index of the largest element along `axis` (the first one on ties), for each position of
    /// the other axes, in row-major order of those axes. Not differentiable.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let p = Tensor::from_vec(vec![0.1, 0.7, 0.2, 0.5, 0.3, 0.2], &[2, 3]);
    /// assert_eq!(p.argmax(1), vec![1, 0]);
    /// assert_eq!(p.argmax(0), vec![1, 0, 0]);
    /// ```
    pub fn argmax(&self, axis: usize) -> Vec<usize> {
        self.arg_best(axis, |cand, best| cand > best)
    }

    /// Index of the smallest element along `axis` (the first one on ties).
    pub fn argmin(&self, axis: usize) -> Vec<usize> {
        self.arg_best(axis, |cand, best| cand < best)
    }

    fn arg_best(&self, axis: usize, better: impl Fn(T, T) -> bool) -> Vec<usize> {
        check_axis("argmax", axis, self.shape());
        let extent = self.shape()[axis];
        let outer: usize = self.shape()[..axis].iter().product();
        let inner: usize = self.shape()[axis + 1..].iter().product();
        let data = self.data();
        let mut out = Vec::with_capacity(outer * inner);
        for o in 0..outer {
            for i in 0..inner {
                let at = |k: usize| data[(o * extent + k) * inner + i];
                let mut best = 0;
                for k in 1..extent {
                    if better(at(k), at(best)) || (at(best).is_nan() && !at(k).is_nan()) {
                        best = k;
                    }
                }
                out.push(best);
            }
        }
        out
    }

    fn check_gather(&self, op: &str, columns: &[usize]) -> (usize, usize) {
        assert!(
            self.ndim() == 2 && columns.len() == self.shape()[0],
            "{op}: needs a 2-D tensor and one index per row; got shape {} and {} indices",
            ShapeDisplay(self.shape()),
            columns.len()
        );
        (self.shape()[0], self.shape()[1])
    }
}

/// The rows and width of a 2-D lookup table.
fn table_shape(op: &str, shape: &[usize]) -> (usize, usize) {
    match shape {
        &[rows, width] => (rows, width),
        _ => panic!(
            "{op}: the table has shape {}; expected a 2-D [rows, width] table",
            ShapeDisplay(shape)
        ),
    }
}

/// The row an id names, or a panic naming the id and where it stands.
fn row_of<T: Float>(op: &str, id: T, at: usize, rows: usize) -> usize {
    let value = id.to_f64();
    let row = value as usize;
    assert!(
        value >= 0.0 && value.fract() == 0.0 && row < rows,
        "{op}: id {id} at position {at} is not a row of a table of {rows} rows; ids must be \
         whole numbers from 0 to {}",
        rows.saturating_sub(1)
    );
    row
}

/// The extents before `axis` (multiplied), at it, and after it (multiplied).
pub(crate) fn around(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        numel(&shape[..axis]),
        shape[axis],
        numel(&shape[axis + 1..]),
    )
}

fn check_index(op: &str, index: usize, extent: usize, shape: &[usize]) {
    assert!(
        index < extent,
        "{op}: index {index} is out of range 0..{extent} for shape {}",
        ShapeDisplay(shape)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_add_rows_reverses_select_with_repeats() {
        let g = Tensor::<f64>::from_fn(&[3, 2], |i| i as f64 + 1.0);
        let back = g.index_add_rows(&[2, 0, 2], 3);
        assert_eq!(back.data(), &[3.0, 4.0, 0.0, 0.0, 6.0, 8.0]);
    }

    #[test]
    fn scatter_rows_reverses_gather() {
        let g = Tensor::from_vec(vec![1.0, 2.0], &[2]);
        let back = g.scatter_rows_in(&[2, 0], 3, Vec::new());
        assert_eq!(back.data(), &[0.0, 0.0, 1.0, 2.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "gather_rows: index 3 is out of range 0..3 for shape [1, 3]")]
    fn gather_out_of_range_names_index() {
        Tensor::<f64>::zeros(&[1, 3]).gather_rows(&[3]);
    }

    #[test]
    fn argmax_of_ties_takes_the_first() {
        let t = Tensor::from_vec(vec![1.0, 1.0, 0.0], &[1, 3]);
        assert_eq!(t.argmax(1), vec![0]);
        assert_eq!(t.argmin(1), vec![2]);
    }
}
