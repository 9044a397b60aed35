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
const LANES: usize = 8;

/// Columns of C summed in registers at a time.
const BLOCK: usize = 32;

#[inline(always)]
fn body<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    let (k, n) = (a.cols, b.cols);
    if beta == T::ZERO {
        c.fill(T::ZERO); // as in BLAS: C's old contents, NaN included, are ignored
    } else if beta != T::ONE {
        c.iter_mut().for_each(|v| *v *= beta);
    }
    let at = |i: usize, p: usize| a.data[i * a.row_stride + p * a.col_stride];
    if b.col_stride == 1 && n >= LANES {
        // Row i of C gains a[i, p] times row p of B, for each p: unit-stride rows, summed in
        // blocks of BLOCK columns that stay in registers across p.
        for (i, row) in c.chunks_exact_mut(n).enumerate() {
            let mut blocks = row.chunks_exact_mut(BLOCK);
            for (jb, out) in blocks.by_ref().enumerate() {
                let start = jb * BLOCK;
                let out: &mut [T; BLOCK] = out.try_into().expect("chunks are BLOCK long");
                let mut acc = [T::ZERO; BLOCK];
                for p in 0..k {
                    let s = alpha * at(i, p);
                    let at_p = p * b.row_stride + start;
                    let brow: &[T; BLOCK] = b.data[at_p..at_p + BLOCK]
                        .try_into()
                        .expect("slice is BLOCK long");
                    for l in 0..BLOCK {
                        acc[l] += s * brow[l];
                    }
                }
                for l in 0..BLOCK {
                    out[l] += acc[l];
                }
            }
            let rest = blocks.into_remainder();
            let (start, width) = (n - rest.len(), rest.len());
            for p in 0..k {
                let s = alpha * at(i, p);
                let at_p = p * b.row_stride + start;
                for (cv, &bv) in rest.iter_mut().zip(&b.data[at_p..at_p + width]) {
                    *cv += s * bv;
                }
            }
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
