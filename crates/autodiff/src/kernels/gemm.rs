//! General matrix multiply, `C = alpha * op(A) op(B) + beta * C`, on strided row/column layouts.
//!
//! The blocked, vectorised inner kernels come from the `matrixmultiply` crate, which reads any
//! row and column stride: so transposed operands cost nothing, and backward never copies a
//! transpose. Its entry points take raw pointers, hence `unsafe`: [`gemm`] is the safe wrapper
//! that checks every index the kernel can touch lies inside the slices before calling it.
#![allow(unsafe_code)]

use super::threads::{num_threads, run_parts};

/// A matrix operand: its data and the strides (in elements) between rows and between columns.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    /// The elements.
    pub data: &'a [T],
    /// Rows, as seen by the product.
    pub rows: usize,
    /// Columns, as seen by the product.
    pub cols: usize,
    /// Elements between consecutive rows.
    pub row_stride: usize,
    /// Elements between consecutive columns.
    pub col_stride: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major `rows x cols` matrix, or its transpose (`cols x rows` as seen by the product)
    /// when `transposed`.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize, transposed: bool) -> Self {
        if transposed {
            MatRef {
                data,
                rows: cols,
                cols: rows,
                row_stride: 1,
                col_stride: cols,
            }
        } else {
            MatRef {
                data,
                rows,
                cols,
                row_stride: cols,
                col_stride: 1,
            }
        }
    }

    fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride
                < self.data.len()
    }
}

/// Element types with a GEMM kernel (`f32` and `f64`).
pub trait GemmKernel: Copy + Send + Sync + 'static {
    /// # Safety
    /// All indices the product reads or writes lie within the pointed-to allocations; `c` does
    /// not alias `a` or `b`.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn raw_gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

impl GemmKernel for f32 {
    unsafe fn raw_gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: f32,
        a: *const f32,
        rsa: isize,
        csa: isize,
        b: *const f32,
        rsb: isize,
        csb: isize,
        beta: f32,
        c: *mut f32,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::sgemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
        }
    }
}

impl GemmKernel for f64 {
    unsafe fn raw_gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: f64,
        a: *const f64,
        rsa: isize,
        csa: isize,
        b: *const f64,
        rsb: isize,
        csb: isize,
        beta: f64,
        c: *mut f64,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::dgemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
        }
    }
}

/// `c = alpha * a b + beta * c` where `c` is a row-major `a.rows x b.cols` matrix.
///
/// # Panics
/// If the inner dimensions differ or any operand's strides reach outside its slice.
pub fn gemm<T: GemmKernel>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k,
        "gemm: inner dimensions differ: [{m}, {k}] x [{}, {n}]",
        b.rows
    );
    assert!(
        a.fits() && b.fits(),
        "gemm: operand strides reach outside their data"
    );
    assert!(
        c.len() == m * n,
        "gemm: output holds {} elements, needs {m} x {n}",
        c.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    let split = Split::plan(m, k, n);
    let (a_ptr, b_ptr, c_ptr) = (
        Shared(a.data.as_ptr().cast_mut()),
        Shared(b.data.as_ptr().cast_mut()),
        Shared(c.as_mut_ptr()),
    );
    let part = |p: usize| {
        let (start, end) = split.range(p);
        if start >= end {
            return;
        }
        let (rows, cols) = if split.by_rows {
            (end - start, n)
        } else {
            (m, end - start)
        };
        let (a_at, b_at, c_at) = if split.by_rows {
            (start * a.row_stride, 0, start * n)
        } else {
            (0, start * b.col_stride, start)
        };
        // SAFETY: `fits` checked that every index of A and B the whole product reads lies
        // inside their slices, and a part reads a subset of those (its rows of A or columns of
        // B, from the offsets above). C is a distinct `&mut` slice of exactly m * n elements
        // addressed row-major; the parts write disjoint row or column ranges of it, and
        // `run_parts` returns only when every part is done. Strides fit in isize because they
        // index existing allocations.
        unsafe {
            T::raw_gemm(
                rows,
                k,
                cols,
                alpha,
                a_ptr.get().add(a_at),
                a.row_stride as isize,
                a.col_stride as isize,
                b_ptr.get().add(b_at),
                b.row_stride as isize,
                b.col_stride as isize,
                beta,
                c_ptr.get().add(c_at),
                n as isize,
                1,
            )
        }
    };
    run_parts(split.parts, &part);
}

/// Products of at least this many floating-point operations (2 m k n) are split across
/// threads: below it, waking a helper costs more than it saves.
pub const PARALLEL_MIN_FLOPS: usize = 1 << 22;

/// How one product is cut into parts for the threads: a range of C's rows or of its columns
/// each, in multiples of a kernel tile.
#[derive(Debug, Clone, Copy)]
struct Split {
    parts: usize,
    by_rows: bool,
    /// Rows or columns per part (the last may get fewer).
    chunk: usize,
    extent: usize,
}

impl Split {
    /// Tile multiple a part's extent is rounded up to.
    const TILE: usize = 16;

    fn plan(m: usize, k: usize, n: usize) -> Split {
        let by_rows = m >= n;
        let extent = if by_rows { m } else { n };
        let threads = if 2 * m * k * n >= PARALLEL_MIN_FLOPS {
            num_threads()
        } else {
            1
        };
        let parts = threads.min(extent.div_ceil(2 * Self::TILE)).max(1);
        let chunk = extent.div_ceil(parts).div_ceil(Self::TILE) * Self::TILE;
        Split {
            parts,
            by_rows,
            chunk,
            extent,
        }
    }

    fn range(&self, part: usize) -> (usize, usize) {
        let start = (part * self.chunk).min(self.extent);
        (start, ((part + 1) * self.chunk).min(self.extent))
    }
}

/// A raw pointer the parts of one product share; each part touches only its own range.
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);

impl<T> Shared<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

// SAFETY: the parts read A and B (never written during the product) and write disjoint ranges
// of C, so sharing the pointers between the threads of one product is race-free.
unsafe impl<T> Sync for Shared<T> {}
// SAFETY: as for `Sync`.
unsafe impl<T> Send for Shared<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive triple loop the kernel is checked against.
    fn naive(a: &MatRef<'_, f64>, b: &MatRef<'_, f64>) -> Vec<f64> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    c[i * b.cols + j] += a.data[i * a.row_stride + p * a.col_stride]
                        * b.data[p * b.row_stride + j * b.col_stride];
                }
            }
        }
        c
    }

    #[test]
    fn every_transpose_combination_matches_the_naive_product() {
        for &(m, k, n) in &[(1, 1, 1), (7, 17, 3), (17, 7, 23), (64, 33, 1)] {
            let ad: Vec<f64> = (0..m * k).map(|i| ((i * 7 % 13) as f64) - 6.0).collect();
            let bd: Vec<f64> = (0..k * n).map(|i| ((i * 5 % 11) as f64) * 0.5).collect();
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = if ta {
                        MatRef::row_major(&ad, k, m, true)
                    } else {
                        MatRef::row_major(&ad, m, k, false)
                    };
                    let b = if tb {
                        MatRef::row_major(&bd, n, k, true)
                    } else {
                        MatRef::row_major(&bd, k, n, false)
                    };
                    let mut c = vec![0.0; m * n];
                    gemm(1.0, a, b, 0.0, &mut c);
                    assert_eq!(c, naive(&a, &b), "m={m} k={k} n={n} ta={ta} tb={tb}");
                }
            }
        }
    }

    #[test]
    fn beta_accumulates() {
        let a = [1.0_f32, 2.0];
        let b = [3.0_f32, 4.0];
        let mut c = [10.0_f32];
        gemm(
            1.0,
            MatRef::row_major(&a, 1, 2, false),
            MatRef::row_major(&b, 2, 1, false),
            1.0,
            &mut c,
        );
        assert_eq!(c, [21.0]);
    }

    #[test]
    #[should_panic(expected = "gemm: operand strides reach outside their data")]
    fn out_of_bounds_operands_are_refused() {
        let a = [1.0_f64; 3];
        let mut c = [0.0; 4];
        gemm(
            1.0,
            MatRef::row_major(&a, 2, 2, false),
            MatRef::row_major(&a, 2, 2, false),
            0.0,
            &mut c,
        );
    }
}
