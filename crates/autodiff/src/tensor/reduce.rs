//! Reductions: sum, mean, max and min over all elements or over given axes, and the reverse of
//! broadcasting ([`Tensor::sum_to_shape`]).

use super::Tensor;
use crate::float::Float;
use crate::shape::{
    Shape, ShapeDisplay, can_broadcast_to, check_axis, contiguous_strides, keepdim_shape, numel,
};
use smallvec::SmallVec;

impl<T: Float> Tensor<T> {
    /// Sum of all elements, accumulated in eight lanes (faster, and rounding error grows with
    /// n/8 rather than n).
    pub fn sum(&self) -> T {
        sum_slice(self.data())
    }

    /// Mean of all elements (NaN for an empty tensor).
    pub fn mean(&self) -> T {
        self.sum() / T::from_usize(self.numel())
    }

    /// Largest element (NaN if any is NaN, -inf for an empty tensor).
    pub fn max(&self) -> T {
        self.data().iter().fold(T::NEG_INFINITY, |m, &x| m.max(x))
    }

    /// Smallest element (NaN if any is NaN, +inf for an empty tensor).
    pub fn min(&self) -> T {
        self.data().iter().fold(T::INFINITY, |m, &x| m.min(x))
    }

    /// Sums over the given axes; with `keepdim` the reduced axes stay with extent 1.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let t = Tensor::<f64>::from_fn(&[2, 3], |i| i as f64); // [[0,1,2],[3,4,5]]
    /// assert_eq!(t.sum_axes(&[1], false).data(), &[3.0, 12.0]);
    /// assert_eq!(t.sum_axes(&[0], true).shape(), &[1, 3]);
    /// ```
    pub fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Self {
        self.sum_axes_in(axes, keepdim, Vec::new())
    }

    /// [`Tensor::sum_axes`] writing into a reused buffer.
    pub(crate) fn sum_axes_in(&self, axes: &[usize], keepdim: bool, buf: Vec<T>) -> Self {
        self.reduce_axes_in("sum_axes", axes, keepdim, buf, T::ZERO, |acc, x| acc + x)
    }

    /// Means over the given axes.
    pub fn mean_axes(&self, axes: &[usize], keepdim: bool) -> Self {
        self.mean_axes_in(axes, keepdim, Vec::new())
    }

    /// [`Tensor::mean_axes`] writing into a reused buffer.
    pub(crate) fn mean_axes_in(&self, axes: &[usize], keepdim: bool, buf: Vec<T>) -> Self {
        let mut out = self.sum_axes_in(axes, keepdim, buf);
        let count = T::from_usize(reduced_count(self.shape(), axes));
        out.map_inplace(|s| s / count);
        out
    }

    /// Maxima over the given axes.
    pub fn max_axes(&self, axes: &[usize], keepdim: bool) -> Self {
        self.extreme_axes_in(axes, keepdim, true, Vec::new())
    }

    /// Minima over the given axes.
    pub fn min_axes(&self, axes: &[usize], keepdim: bool) -> Self {
        self.extreme_axes_in(axes, keepdim, false, Vec::new())
    }

    /// Maxima (`max`) or minima over `axes`, into a reused buffer. Each arm passes its own
    /// function item, so the fold is inlined into the loop.
    pub(crate) fn extreme_axes_in(
        &self,
        axes: &[usize],
        keepdim: bool,
        max: bool,
        buf: Vec<T>,
    ) -> Self {
        if max {
            self.reduce_axes_in("max_axes", axes, keepdim, buf, T::NEG_INFINITY, T::max)
        } else {
            self.reduce_axes_in("min_axes", axes, keepdim, buf, T::INFINITY, T::min)
        }
    }

    /// Sums a broadcast result back to the shape it was broadcast from: the reverse of
    /// [`Tensor::broadcast_to`], and how gradients of broadcast inputs are reduced.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let g = Tensor::<f64>::ones(&[3, 4]);
    /// assert_eq!(g.sum_to_shape(&[1, 4]).data(), &[3.0; 4]);
    /// assert_eq!(g.sum_to_shape(&[3, 1]).data(), &[4.0; 3]);
    /// assert_eq!(g.sum_to_shape(&[]).item(), 12.0);
    /// ```
    ///
    /// # Panics
    /// If `shape` does not broadcast to this tensor's shape.
    pub fn sum_to_shape(&self, shape: &[usize]) -> Self {
        self.sum_to_shape_in(shape, Vec::new())
    }

    /// [`Tensor::sum_to_shape`] writing into a reused buffer.
    pub(crate) fn sum_to_shape_in(&self, shape: &[usize], buf: Vec<T>) -> Self {
        assert!(
            can_broadcast_to(shape, self.shape()),
            "sum_to_shape: a tensor of shape {} cannot be summed to shape {} (that shape does \
             not broadcast to it)",
            ShapeDisplay(self.shape()),
            ShapeDisplay(shape)
        );
        let lead = self.ndim() - shape.len();
        let axes: SmallVec<[usize; 6]> = (0..self.ndim())
            .filter(|&i| i < lead || (shape[i - lead] == 1 && self.shape()[i] != 1))
            .collect();
        let mut out = self.sum_axes_in(&axes, true, buf);
        out.set_shape(shape);
        out
    }

    /// The general reduction: folds `f` over the given axes starting from `init`.
    pub(crate) fn reduce_axes_in(
        &self,
        op: &str,
        axes: &[usize],
        keepdim: bool,
        buf: Vec<T>,
        init: T,
        f: impl Fn(T, T) -> T,
    ) -> Self {
        let shape = self.shape();
        let mut reduced: SmallVec<[bool; 6]> = SmallVec::from_elem(false, shape.len());
        for &axis in axes {
            check_axis(op, axis, shape);
            reduced[axis] = true;
        }
        let kept_shape: Shape = shape
            .iter()
            .zip(&reduced)
            .map(|(&e, &r)| if r { 1 } else { e })
            .collect();
        let out_shape: Shape = if keepdim {
            kept_shape.clone()
        } else {
            shape
                .iter()
                .zip(&reduced)
                .filter(|(_, r)| !**r)
                .map(|(&e, _)| e)
                .collect()
        };
        let mut out = Tensor::build_in(buf, &out_shape, |o| o.resize(numel(&out_shape), init));
        if self.numel() == 0 {
            return out;
        }
        // Reducing leading axes (a bias gradient) or trailing ones (row sums) folds contiguous
        // runs: no index bookkeeping per element.
        let first_kept = reduced.iter().position(|&r| !r).unwrap_or(shape.len());
        let last_kept = reduced.iter().rposition(|&r| !r).map_or(0, |i| i + 1);
        let (o, data) = (out.data_mut(), self.data());
        if reduced[..first_kept].iter().all(|&r| r) && !reduced[first_kept..].contains(&true) {
            for run in data.chunks_exact(o.len()) {
                for (slot, &x) in o.iter_mut().zip(run) {
                    *slot = f(*slot, x);
                }
            }
            return out;
        }
        if !reduced[..last_kept].contains(&true) {
            let run_len = data.len() / o.len();
            for (slot, run) in o.iter_mut().zip(data.chunks_exact(run_len)) {
                *slot = run.iter().fold(*slot, |acc, &x| f(acc, x));
            }
            return out;
        }
        // Output strides seen from the input's index space: zero on reduced axes.
        let mut ostrides = contiguous_strides(&kept_shape);
        for (s, &r) in ostrides.iter_mut().zip(&reduced) {
            if r {
                *s = 0;
            }
        }
        let last = shape.len() - 1; // not a scalar: it took the first path
        let inner = shape[last];
        let inner_stride = ostrides[last];
        let mut index: SmallVec<[usize; 6]> = SmallVec::from_elem(0, last);
        let mut base = 0usize;
        for row in data.chunks_exact(inner) {
            if inner_stride == 0 {
                o[base] = row.iter().fold(o[base], |acc, &x| f(acc, x));
            } else {
                for (slot, &x) in o[base..base + inner].iter_mut().zip(row) {
                    *slot = f(*slot, x);
                }
            }
            for axis in (0..last).rev() {
                index[axis] += 1;
                base += ostrides[axis];
                if index[axis] < shape[axis] {
                    break;
                }
                base -= ostrides[axis] * shape[axis];
                index[axis] = 0;
            }
        }
        out
    }
}

impl<T: Float> Tensor<T> {
    /// Shaped like `self`: where an element holds the maximum (or minimum) of its group over
    /// `axes`, 1 over the number of elements tied for it; 0 elsewhere. A NaN is the extreme of
    /// its group (the maximum propagates it). How a maximum's gradient is shared out.
    pub(crate) fn extreme_shares_in(
        &self,
        axes: &[usize],
        max: bool,
        s: &mut crate::scratch::Scratch<T>,
    ) -> Tensor<T> {
        let len = numel(&keepdim_shape(self.shape(), Some(axes)));
        let extremes = self.extreme_axes_in(axes, true, max, s.take(len));
        let mut shares = s.zip_map(self, &extremes, |x, m| {
            if x == m || (x.is_nan() && m.is_nan()) {
                T::ONE
            } else {
                T::ZERO
            }
        });
        let ties = s.sum_axes(&shares, axes, true);
        shares.zip_assign(&ties, "extreme shares", |hit, n| hit / n);
        s.recycle(extremes);
        s.recycle(ties);
        shares
    }
}

/// How many input elements fold into each output element when reducing these axes.
pub(crate) fn reduced_count(shape: &[usize], axes: &[usize]) -> usize {
    let mut seen: SmallVec<[bool; 6]> = SmallVec::from_elem(false, shape.len());
    axes.iter()
        .filter(|&&a| !std::mem::replace(&mut seen[a], true))
        .map(|&a| shape[a])
        .product()
}

/// Sum of a slice in eight independent lanes.
pub(crate) fn sum_slice<T: Float>(xs: &[T]) -> T {
    let mut lanes = [T::ZERO; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l += x;
        }
    }
    let mut total = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for &x in rest {
        total += x;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Tensor<f64> {
        Tensor::from_fn(&[2, 3, 4], |i| i as f64)
    }

    #[test]
    fn whole_tensor_reductions() {
        let t = grid();
        assert_eq!(t.sum(), 276.0);
        assert_eq!(t.mean(), 11.5);
        assert_eq!(t.max(), 23.0);
        assert_eq!(t.min(), 0.0);
    }

    #[test]
    fn reductions_over_axes_match_loops() {
        let t = grid();
        for axes in [
            vec![0],
            vec![1],
            vec![2],
            vec![0, 2],
            vec![1, 2],
            vec![0, 1, 2],
        ] {
            let s = t.sum_axes(&axes, true);
            // Check each output element against a direct loop.
            let mut expect = vec![0.0; s.numel()];
            let os = contiguous_strides(s.shape());
            for i in 0..2 {
                for j in 0..3 {
                    for k in 0..4 {
                        let idx = [i, j, k];
                        let off: usize = (0..3)
                            .map(|a| if axes.contains(&a) { 0 } else { idx[a] * os[a] })
                            .sum();
                        expect[off] += t.at(&idx);
                    }
                }
            }
            assert_eq!(s.data(), expect.as_slice(), "axes {axes:?}");
        }
    }

    #[test]
    fn keepdim_and_drop_shapes() {
        let t = grid();
        assert_eq!(t.sum_axes(&[1], false).shape(), &[2, 4]);
        assert_eq!(t.sum_axes(&[1], true).shape(), &[2, 1, 4]);
        assert_eq!(t.mean_axes(&[0, 2], false).data(), &[7.5, 11.5, 15.5]);
        assert_eq!(
            t.max_axes(&[2], false).data(),
            &[3., 7., 11., 15., 19., 23.]
        );
        assert_eq!(t.min_axes(&[0], false).shape(), &[3, 4]);
        assert_eq!(t.sum_axes(&[], false), t);
    }

    #[test]
    fn sum_to_shape_reverses_broadcast() {
        let t = grid();
        assert_eq!(t.sum_to_shape(&[3, 1]).data(), &[60.0, 92.0, 124.0]);
        assert_eq!(t.sum_to_shape(&[2, 1, 1]).data(), &[66.0, 210.0]);
        assert_eq!(t.sum_to_shape(&[2, 3, 4]), t);
    }

    #[test]
    fn lane_sum_handles_remainders() {
        let xs: Vec<f64> = (1..=13).map(f64::from).collect();
        assert_eq!(sum_slice(&xs), 91.0);
        assert_eq!(sum_slice::<f32>(&[]), 0.0);
    }
}
