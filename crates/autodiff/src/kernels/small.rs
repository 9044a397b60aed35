//! Small matrix products as plain loops, compiled twice: for AVX2 with FMA where the CPU has
//! them (picked at run time), and for the baseline target. For a product of a few thousand
//! multiply-adds, these beat packing the operands for the blocked kernel.
#![allow(unsafe_code)]

use super::gemm::MatRef;
use crate::float::Float;

/// `c = alpha * a b + beta * c`, `c` row-major `a.rows x b.cols`. The caller has checked the
/// shapes and that every index of `a` and `b` lies in their slices.
pub(crate) fn gemm<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features `gemm_avx2` is compiled for, checked just above.
        return unsafe { gemm_avx2(alpha, a, b, beta, c) };
    }
    body(alpha, a, b, beta, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gemm_avx2<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    body(alpha, a, b, beta, c)
}

/// Lanes of the dot products' accumulators.
pub(super) const LANES: usize = 8;

/// Columns of C summed in registers at a time.
const BLOCK: usize = 32;

#[inline(always)]
fn body<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    // With beta 0, C's old contents (NaN included) are ignored, as in BLAS: the register
    // blocks below then store their sums instead of adding them.
    let overwrite = beta == T::ZERO && b.col_stride == 1 && n >= LANES;
    if beta == T::ZERO && !overwrite {
        c.fill(T::ZERO);
    } else if beta != T::ZERO && beta != T::ONE {
        c.iter_mut().for_each(|v| *v *= beta);
    }
    let at = |i: usize, p: usize| a.data[i * a.row_stride + p * a.col_stride];
    if b.col_stride == 1 && n >= LANES {
        // Row i of C gains a[i, p] times row p of B, for each p: unit-stride rows, summed in
        // blocks of BLOCK columns that stay in registers across p, two rows at a time so that
        // the two sums' additions do not wait on each other.
        let mut rows = c.chunks_exact_mut(2 * n);
        for (pair, two) in rows.by_ref().enumerate() {
            let (top, bottom) = two.split_at_mut(n);
            row_blocks([top, bottom], 2 * pair, alpha, &at, &b, overwrite);
        }
        let last = rows.into_remainder();
        if !last.is_empty() {
            row_blocks([last], m - 1, alpha, &at, &b, overwrite);
        }
    } else if a.col_stride == 1 && b.row_stride == 1 && k >= LANES {
        // Both operands run along k with unit stride: dot products in independent lanes.
        for (i, row) in c.chunks_exact_mut(n).enumerate() {
            let ar = &a.data[i * a.row_stride..i * a.row_stride + k];
            for (j, cv) in row.iter_mut().enumerate() {
                let bc = &b.data[j * b.col_stride..j * b.col_stride + k];
                *cv += alpha * dot(ar, bc);
            }
        }
    } else if a.row_stride == 1 && n == 1 {
        // A matrix-vector product with A's columns contiguous: C gains b[p] times column p.
        for p in 0..k {
            let s = alpha * b.data[p * b.row_stride];
            let start = p * a.col_stride;
            for (cv, &av) in c.iter_mut().zip(&a.data[start..start + a.rows]) {
                *cv += s * av;
            }
        }
    } else {
        for (i, row) in c.chunks_exact_mut(n).enumerate() {
            for p in 0..k {
                let s = alpha * at(i, p);
                let start = p * b.row_stride;
                for (j, cv) in row.iter_mut().enumerate() {
                    *cv += s * b.data[start + j * b.col_stride];
                }
            }
        }
    }
}

/// Rows `first..first + R` of C (given as `out`) gain `alpha a[i, p] b[p, :]` summed over p
/// (or, with `overwrite`, are set to that sum), in register blocks of BLOCK columns. B's rows
/// have unit stride.
#[inline(always)]
fn row_blocks<T: Float, const R: usize>(
    mut out: [&mut [T]; R],
    first: usize,
    alpha: T,
    at: &impl Fn(usize, usize) -> T,
    b: &MatRef<'_, T>,
    overwrite: bool,
) {
    let (k, n) = (b.rows, b.cols);
    let full = n / BLOCK * BLOCK;
    for j0 in (0..full).step_by(BLOCK) {
        let mut acc0 = [T::ZERO; BLOCK];
        let mut acc1 = [T::ZERO; BLOCK];
        for p in 0..k {
            let start = p * b.row_stride + j0;
            let brow: &[T; BLOCK] = b.data[start..start + BLOCK]
                .try_into()
                .expect("slice is BLOCK long");
            let s0 = alpha * at(first, p);
            for l in 0..BLOCK {
                acc0[l] += s0 * brow[l];
            }
            if R == 2 {
                let s1 = alpha * at(first + 1, p);
                for l in 0..BLOCK {
                    acc1[l] += s1 * brow[l];
                }
            }
        }
        for (r, acc) in [acc0, acc1].iter().enumerate().take(R) {
            let dst = &mut out[r][j0..j0 + BLOCK];
            if overwrite {
                dst.copy_from_slice(acc);
            } else {
                dst.iter_mut().zip(acc).for_each(|(cv, &v)| *cv += v);
            }
        }
    }
    if full < n {
        if overwrite {
            out.iter_mut().for_each(|row| row[full..].fill(T::ZERO));
        }
        for p in 0..k {
            let start = p * b.row_stride;
            let brow = &b.data[start + full..start + n];
            for (r, row) in out.iter_mut().enumerate() {
                let s = alpha * at(first + r, p);
                for (cv, &bv) in row[full..].iter_mut().zip(brow) {
                    *cv += s * bv;
                }
            }
        }
    }
}

#[inline(always)]
fn dot<T: Float>(x: &[T], y: &[T]) -> T {
    let mut lanes = [T::ZERO; LANES];
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (xs, ys) in xc.zip(yc) {
        for l in 0..LANES {
            lanes[l] += xs[l] * ys[l];
        }
    }
    let mut total = lanes.iter().fold(T::ZERO, |s, &v| s + v);
    for (&p, &q) in xr.iter().zip(yr) {
        total += p * q;
    }
    total
}
