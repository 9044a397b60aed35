//! Layout operations: reshape, permute/transpose, broadcast_to, concat and narrow.

use super::Tensor;
use crate::float::Float;
use crate::shape::{
    Shape, ShapeDisplay, broadcast_strides, can_broadcast_to, check_axis, contiguous_strides, numel,
};
use smallvec::SmallVec;

impl<T: Float> Tensor<T> {
    /// The same elements under a new shape with the same element count.
    ///
    /// # Panics
    /// If the element counts differ.
    pub fn reshape(&self, shape: &[usize]) -> Self {
        let mut out = self.clone();
        out.reshape_inplace(shape);
        out
    }

    /// Changes the shape in place (no data moves).
    ///
    /// # Panics
    /// If the element counts differ.
    pub fn reshape_inplace(&mut self, shape: &[usize]) {
        assert!(
            numel(shape) == self.numel(),
            "reshape: cannot view shape {} ({} elements) as shape {} ({} elements)",
            ShapeDisplay(self.shape()),
            self.numel(),
            ShapeDisplay(shape),
            numel(shape)
        );
        self.set_shape(shape);
    }

    /// Reorders the axes: axis `i` of the result is axis `perm[i]` of this tensor.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let t = Tensor::<f64>::from_fn(&[2, 3], |i| i as f64);
    /// assert_eq!(t.permute(&[1, 0]).data(), &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    /// ```
    ///
    /// # Panics
    /// If `perm` is not a permutation of `0..ndim`.
    pub fn permute(&self, perm: &[usize]) -> Self {
        self.permute_in(perm, Vec::new())
    }

    /// [`Tensor::permute`] writing into a reused buffer.
    pub(crate) fn permute_in(&self, perm: &[usize], buf: Vec<T>) -> Self {
        check_permutation(perm, self.shape());
        let own = contiguous_strides(self.shape());
        let shape: Shape = perm.iter().map(|&p| self.shape()[p]).collect();
        let strides: Shape = perm.iter().map(|&p| own[p]).collect();
        copy_strided_in(self.data(), &shape, &strides, buf)
    }

    /// Swaps the last two axes (the matrix transpose for a 2-D tensor).
    ///
    /// # Panics
    /// If the tensor has fewer than two axes.
    pub fn transpose(&self) -> Self {
        self.permute(&transpose_perm("transpose", self.shape()))
    }

    /// Repeats this tensor along broadcast axes to reach `shape` (NumPy rules).
    ///
    /// # Panics
    /// If this shape does not broadcast to `shape`.
    pub fn broadcast_to(&self, shape: &[usize]) -> Self {
        self.broadcast_to_in(shape, Vec::new())
    }

    /// [`Tensor::broadcast_to`] writing into a reused buffer.
    pub(crate) fn broadcast_to_in(&self, shape: &[usize], buf: Vec<T>) -> Self {
        assert!(
            can_broadcast_to(self.shape(), shape),
            "broadcast_to: shape {} cannot be broadcast to shape {}",
            ShapeDisplay(self.shape()),
            ShapeDisplay(shape)
        );
        let lead = shape.len() - self.ndim();
        if self.shape() == &shape[lead..] {
            // Repeated whole (a bias over a batch): one copy per repetition.
            let data = self.data();
            return Tensor::build_in(buf, shape, |out| {
                for _ in 0..numel(&shape[..lead]) {
                    out.extend_from_slice(data);
                }
            });
        }
        copy_strided_in(
            self.data(),
            shape,
            &broadcast_strides(self.shape(), shape),
            buf,
        )
    }

    /// Joins tensors along an existing axis; all other extents must agree.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let a = Tensor::<f64>::ones(&[2, 1]);
    /// let b = Tensor::<f64>::zeros(&[2, 2]);
    /// assert_eq!(Tensor::concat(&[&a, &b], 1).data(), &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the list is empty, the axis is out of range or other extents differ.
    pub fn concat(parts: &[&Tensor<T>], axis: usize) -> Self {
        Self::concat_in(parts, axis, Vec::new())
    }

    /// [`Tensor::concat`] writing into a reused buffer.
    pub(crate) fn concat_in(parts: &[&Tensor<T>], axis: usize, buf: Vec<T>) -> Self {
        assert!(!parts.is_empty(), "concat: needs at least one tensor");
        let first = parts[0].shape();
        check_axis("concat", axis, first);
        let mut shape: Shape = first.into();
        shape[axis] = 0;
        for p in parts {
            let compatible = p.ndim() == first.len()
                && (0..first.len()).all(|i| i == axis || p.shape()[i] == first[i]);
            assert!(
                compatible,
                "concat: shape {} does not match shape {} outside axis {axis}",
                ShapeDisplay(p.shape()),
                ShapeDisplay(first)
            );
            shape[axis] += p.shape()[axis];
        }
        let outer: usize = first[..axis].iter().product();
        Tensor::build_in(buf, &shape, |out| {
            for o in 0..outer {
                for p in parts {
                    let chunk = p.numel() / outer.max(1);
                    out.extend_from_slice(&p.data()[o * chunk..(o + 1) * chunk]);
                }
            }
        })
    }

    /// The slice `start..start + len` along `axis`.
    ///
    /// # Panics
    /// If the range does not fit in the axis.
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Self {
        self.narrow_in(axis, start, len, Vec::new())
    }

    /// [`Tensor::narrow`] writing into a reused buffer.
    pub(crate) fn narrow_in(&self, axis: usize, start: usize, len: usize, buf: Vec<T>) -> Self {
        check_axis("narrow", axis, self.shape());
        let extent = self.shape()[axis];
        assert!(
            start + len <= extent,
            "narrow: range {start}..{} is outside axis {axis} of shape {}",
            start + len,
            ShapeDisplay(self.shape())
        );
        let mut shape: Shape = self.shape().into();
        shape[axis] = len;
        let outer: usize = self.shape()[..axis].iter().product();
        let inner: usize = self.shape()[axis + 1..].iter().product();
        Tensor::build_in(buf, &shape, |out| {
            for o in 0..outer {
                let base = (o * extent + start) * inner;
                out.extend_from_slice(&self.data()[base..base + len * inner]);
            }
        })
    }
}

impl<T: Float> Tensor<T> {
    /// The reverse of [`Tensor::narrow`]: this tensor placed at `start..start + len` along
    /// `axis` of a zero tensor whose extent there is `extent`.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let t = Tensor::from_vec(vec![1.0, 2.0], &[1, 2]);
    /// assert_eq!(t.pad(1, 1, 4).data(), &[0.0, 1.0, 2.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or the tensor does not fit at `start`.
    pub fn pad(&self, axis: usize, start: usize, extent: usize) -> Self {
        self.pad_in(axis, start, extent, Vec::new())
    }

    /// [`Tensor::pad`] writing into a reused buffer.
    pub(crate) fn pad_in(&self, axis: usize, start: usize, extent: usize, buf: Vec<T>) -> Self {
        check_axis("pad", axis, self.shape());
        let len = self.shape()[axis];
        assert!(
            start + len <= extent,
            "pad: a tensor of shape {} does not fit at {start}..{} of an axis of extent {extent}",
            ShapeDisplay(self.shape()),
            start + len
        );
        let mut shape: Shape = self.shape().into();
        shape[axis] = extent;
        let outer: usize = self.shape()[..axis].iter().product();
        let inner: usize = self.shape()[axis + 1..].iter().product();
        Tensor::build_in(buf, &shape, |out| {
            for o in 0..outer {
                out.resize(out.len() + start * inner, T::ZERO);
                let part = &self.data()[o * len * inner..(o + 1) * len * inner];
                out.extend_from_slice(part);
                out.resize(out.len() + (extent - start - len) * inner, T::ZERO);
            }
        })
    }
}

/// The permutation that swaps the last two axes.
pub(crate) fn transpose_perm(op: &str, shape: &[usize]) -> SmallVec<[usize; 6]> {
    assert!(
        shape.len() >= 2,
        "{op}: needs at least two axes, got shape {}",
        ShapeDisplay(shape)
    );
    let mut perm: SmallVec<[usize; 6]> = (0..shape.len()).collect();
    perm.swap(shape.len() - 2, shape.len() - 1);
    perm
}

/// The inverse permutation: `inverse[perm[i]] = i`.
pub(crate) fn inverse_permutation(perm: &[usize]) -> SmallVec<[usize; 6]> {
    let mut inv: SmallVec<[usize; 6]> = SmallVec::from_elem(0, perm.len());
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    inv
}

fn check_permutation(perm: &[usize], shape: &[usize]) {
    let mut seen: SmallVec<[bool; 6]> = SmallVec::from_elem(false, shape.len());
    let valid = perm.len() == shape.len()
        && perm
            .iter()
            .all(|&p| p < shape.len() && !std::mem::replace(&mut seen[p], true));
    assert!(
        valid,
        "permute: {perm:?} is not a permutation of the {} axes of shape {}",
        shape.len(),
        ShapeDisplay(shape)
    );
}

/// Copies `data` read through `strides` into a contiguous tensor of `shape`, in row-major order.
/// The one mechanism behind permute and broadcast_to.
fn copy_strided_in<T: Float>(
    data: &[T],
    shape: &[usize],
    strides: &[usize],
    buf: Vec<T>,
) -> Tensor<T> {
    let n = numel(shape);
    Tensor::build_in(buf, shape, |out| {
        if n == 0 {
            return;
        }
        if shape.is_empty() {
            out.push(data[0]);
            return;
        }
        let last = shape.len() - 1;
        let (inner, step) = (shape[last], strides[last]);
        let mut index: SmallVec<[usize; 6]> = SmallVec::from_elem(0, last);
        let mut base = 0usize;
        for _ in 0..n / inner {
            if step == 1 {
                out.extend_from_slice(&data[base..base + inner]);
            } else {
                out.extend((0..inner).map(|j| data[base + j * step]));
            }
            for axis in (0..last).rev() {
                index[axis] += 1;
                base += strides[axis];
                if index[axis] < shape[axis] {
                    break;
                }
                base -= strides[axis] * shape[axis];
                index[axis] = 0;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_matches_index_mapping() {
        let t = Tensor::<f64>::from_fn(&[2, 3, 4], |i| i as f64);
        let p = t.permute(&[2, 0, 1]);
        assert_eq!(p.shape(), &[4, 2, 3]);
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    assert_eq!(p.at(&[k, i, j]), t.at(&[i, j, k]));
                }
            }
        }
        assert_eq!(p.permute(&inverse_permutation(&[2, 0, 1])), t);
    }

    #[test]
    fn transpose_swaps_last_two_axes() {
        let t = Tensor::<f64>::from_fn(&[2, 2, 3], |i| i as f64);
        let tt = t.transpose();
        assert_eq!(tt.shape(), &[2, 3, 2]);
        assert_eq!(tt.at(&[1, 2, 0]), t.at(&[1, 0, 2]));
    }

    #[test]
    fn broadcast_to_repeats() {
        let t = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
        assert_eq!(t.broadcast_to(&[2, 3]).data(), &[1., 1., 1., 2., 2., 2.]);
        assert_eq!(Tensor::scalar(5.0).broadcast_to(&[2]).data(), &[5.0, 5.0]);
    }

    #[test]
    fn concat_then_narrow_round_trips() {
        let a = Tensor::<f64>::from_fn(&[2, 2, 2], |i| i as f64);
        let b = Tensor::<f64>::from_fn(&[2, 1, 2], |i| 100.0 + i as f64);
        let c = Tensor::concat(&[&a, &b], 1);
        assert_eq!(c.shape(), &[2, 3, 2]);
        assert_eq!(c.narrow(1, 0, 2), a);
        assert_eq!(c.narrow(1, 2, 1), b);
        let rows = Tensor::concat(&[&a, &a], 0);
        assert_eq!(rows.narrow(0, 2, 2), a);
    }

    #[test]
    #[should_panic(expected = "reshape: cannot view shape [2, 3] (6 elements) as shape [4]")]
    fn reshape_mismatch_names_shapes() {
        Tensor::<f64>::zeros(&[2, 3]).reshape(&[4]);
    }
}
