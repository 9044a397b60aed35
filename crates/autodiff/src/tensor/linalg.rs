//! Matrix products of 2-D tensors, batched over leading axes, with free transposes.

use super::Tensor;
use crate::float::Float;
use crate::kernels::gemm::{MatRef, gemm};
use crate::shape::{Shape, ShapeDisplay, broadcast_shapes, broadcast_strides, numel};
use smallvec::SmallVec;

impl<T: Float> Tensor<T> {
    /// The matrix product. 2-D: `[m, k] x [k, n] -> [m, n]`. Batched: `[..., m, k] x
    /// [..., k, n] -> [..., m, n]`, the leading (batch) axes broadcasting as in NumPy (a 2-D side
    /// is used for every batch; `[b, h, t, d] x [b, h, d, t]`, `[b, 1, t, d] x [h, d, t]`).
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let b = Tensor::from_vec(vec![5.0, 6.0, 7.0, 8.0], &[2, 2]);
    /// assert_eq!(a.matmul(&b).data(), &[19.0, 22.0, 43.0, 50.0]);
    /// ```
    ///
    /// # Panics
    /// If either side has fewer than two axes, the inner extents differ or the batch axes do
    /// not broadcast.
    pub fn matmul(&self, other: &Self) -> Self {
        self.matmul_t_in(other, false, false, Vec::new())
    }

    /// `op(self) x op(other)`, where `op` transposes the last two axes when its flag is set,
    /// without copying the transpose.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let a = Tensor::<f64>::from_fn(&[3, 2], |i| i as f64);
    /// let plain = a.transpose().matmul(&a);
    /// assert_eq!(a.matmul_t(&a, true, false), plain);
    /// ```
    pub fn matmul_t(&self, other: &Self, transpose_self: bool, transpose_other: bool) -> Self {
        self.matmul_t_in(other, transpose_self, transpose_other, Vec::new())
    }

    /// `self += op(a) op(b)`, accumulating a product into this tensor without a temporary
    /// (PyTorch's `addmm`): with `self` holding a bias broadcast over rows, this is a dense
    /// layer's forward pass in one sweep.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[1, 2]);
    /// let w = Tensor::from_vec(vec![3.0, 4.0], &[2, 1]);
    /// let mut y = Tensor::full(&[1, 1], 0.5);
    /// y.add_matmul(&x, &w, false, false);
    /// assert_eq!(y.item(), 11.5);
    /// ```
    ///
    /// # Panics
    /// If the product's shape is not this tensor's shape, or as [`Tensor::matmul`].
    pub fn add_matmul(&mut self, a: &Self, b: &Self, transpose_a: bool, transpose_b: bool) {
        let p = MatmulPlan::new(a.shape(), b.shape(), transpose_a, transpose_b);
        assert!(
            p.out_shape.as_slice() == self.shape(),
            "add_matmul: the product has shape {} but the tensor it adds into has shape {}",
            ShapeDisplay(&p.out_shape),
            ShapeDisplay(self.shape())
        );
        p.run(a, b, transpose_a, transpose_b, T::ONE, self.data_mut());
    }

    /// [`Tensor::matmul_t`] writing into a reused buffer.
    pub(crate) fn matmul_t_in(&self, other: &Self, ta: bool, tb: bool, buf: Vec<T>) -> Self {
        let p = MatmulPlan::new(self.shape(), other.shape(), ta, tb);
        // The product (beta 0) writes every element, so a buffer already long enough keeps
        // its stale contents until then instead of being zeroed first.
        let mut data = buf;
        data.resize(numel(&p.out_shape), T::ZERO);
        let mut out = Tensor::from_vec(data, &p.out_shape);
        p.run(self, other, ta, tb, T::ZERO, out.data_mut());
        out
    }
}

/// Element count of a matmul's output, 0 where the shapes cannot multiply (the product itself
/// then panics with the reason).
pub(crate) fn matmul_len(a: &[usize], b: &[usize], ta: bool, tb: bool) -> usize {
    if a.len() < 2 || b.len() < 2 {
        return 0;
    }
    let m = if ta { a[a.len() - 1] } else { a[a.len() - 2] };
    let n = if tb { b[b.len() - 2] } else { b[b.len() - 1] };
    broadcast_shapes(&a[..a.len() - 2], &b[..b.len() - 2]).map_or(0, |batch| numel(&batch) * m * n)
}

/// Shapes of a (possibly batched, possibly transposed) product, checked. The leading (batch)
/// axes broadcast as in NumPy: `[b, h, t, d] x [d, t]`, `[b, 1, t, d] x [h, d, t]`.
struct MatmulPlan {
    m: usize,
    k: usize,
    n: usize,
    /// The output's batch axes.
    batch_shape: Shape,
    /// Each side's matrix strides along the output's batch axes (0 where it is broadcast).
    a_strides: Shape,
    b_strides: Shape,
    out_shape: Shape,
}

impl MatmulPlan {
    /// `c = op(a) op(b) + beta c`, batch by batch.
    fn run<T: Float>(
        &self,
        a: &Tensor<T>,
        b: &Tensor<T>,
        ta: bool,
        tb: bool,
        beta: T,
        c: &mut [T],
    ) {
        let (m, k, n) = (self.m, self.k, self.n);
        let batches = numel(&self.batch_shape);
        let mut index: SmallVec<[usize; 6]> = SmallVec::from_elem(0, self.batch_shape.len());
        let (mut ia, mut ib) = (0, 0); // matrix offsets of the current batch in a and b
        for c in c.chunks_exact_mut((m * n).max(1)).take(batches) {
            let a = &a.data()[ia * m * k..(ia + 1) * m * k];
            let b = &b.data()[ib * k * n..(ib + 1) * k * n];
            let a = if ta {
                MatRef::row_major(a, k, m, true)
            } else {
                MatRef::row_major(a, m, k, false)
            };
            let b = if tb {
                MatRef::row_major(b, n, k, true)
            } else {
                MatRef::row_major(b, k, n, false)
            };
            gemm(T::ONE, a, b, beta, c);
            // Advance the batch index like an odometer.
            for axis in (0..index.len()).rev() {
                index[axis] += 1;
                ia += self.a_strides[axis];
                ib += self.b_strides[axis];
                if index[axis] < self.batch_shape[axis] {
                    break;
                }
                ia -= self.a_strides[axis] * self.batch_shape[axis];
                ib -= self.b_strides[axis] * self.batch_shape[axis];
                index[axis] = 0;
            }
        }
    }

    fn new(a: &[usize], b: &[usize], ta: bool, tb: bool) -> Self {
        let fail = |why: &str| -> ! {
            panic!(
                "matmul: cannot multiply shapes {}{} and {}{}: {why}",
                ShapeDisplay(a),
                if ta { " (transposed)" } else { "" },
                ShapeDisplay(b),
                if tb { " (transposed)" } else { "" },
            )
        };
        if a.len() < 2 || b.len() < 2 {
            fail("both sides need at least two axes");
        }
        let (ra, ca) = (a[a.len() - 2], a[a.len() - 1]);
        let (rb, cb) = (b[b.len() - 2], b[b.len() - 1]);
        let (m, k) = if ta { (ca, ra) } else { (ra, ca) };
        let (k2, n) = if tb { (cb, rb) } else { (rb, cb) };
        if k != k2 {
            fail(&format!("inner extents {k} and {k2} differ"));
        }
        let (ba, bb) = (&a[..a.len() - 2], &b[..b.len() - 2]);
        let batch_shape = broadcast_shapes(ba, bb)
            .unwrap_or_else(|| fail("leading (batch) axes do not broadcast"));
        let mut out_shape = batch_shape.clone();
        out_shape.extend([m, n]);
        MatmulPlan {
            m,
            k,
            n,
            a_strides: broadcast_strides(ba, &batch_shape),
            b_strides: broadcast_strides(bb, &batch_shape),
            batch_shape,
            out_shape,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_product_matches_per_batch_products() {
        let a = Tensor::<f64>::from_fn(&[2, 3, 4], |i| (i % 7) as f64 - 3.0);
        let b = Tensor::<f64>::from_fn(&[2, 4, 5], |i| (i % 5) as f64 * 0.25);
        let c = a.matmul(&b);
        assert_eq!(c.shape(), &[2, 3, 5]);
        for i in 0..2 {
            let ai = a.narrow(0, i, 1).reshape(&[3, 4]);
            let bi = b.narrow(0, i, 1).reshape(&[4, 5]);
            assert_eq!(c.narrow(0, i, 1).reshape(&[3, 5]), ai.matmul(&bi));
        }
        let shared = Tensor::<f64>::from_fn(&[4, 5], |i| i as f64);
        let c2 = a.matmul(&shared);
        assert_eq!(
            c2.narrow(0, 1, 1).reshape(&[3, 5]),
            a.narrow(0, 1, 1).reshape(&[3, 4]).matmul(&shared)
        );
    }

    #[test]
    fn transposed_operands_equal_explicit_transposes() {
        let a = Tensor::<f64>::from_fn(&[4, 3], |i| i as f64 - 5.0);
        let b = Tensor::<f64>::from_fn(&[5, 4], |i| (i * 3 % 7) as f64);
        assert_eq!(
            a.matmul_t(&b, true, true),
            a.transpose().matmul(&b.transpose())
        );
    }

    #[test]
    #[should_panic(
        expected = "matmul: cannot multiply shapes [2, 3] and [2, 3]: inner extents 3 and 2 differ"
    )]
    fn inner_mismatch_names_both_shapes() {
        Tensor::<f64>::zeros(&[2, 3]).matmul(&Tensor::zeros(&[2, 3]));
    }
}
