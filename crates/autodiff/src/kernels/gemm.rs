//! General matrix multiply, `C = alpha * op(A) op(B) + beta * C`, on strided row/column layouts.
//!
//! Three paths, by size:
//! - up to [`SMALL_MAX`] multiply-adds, and skinny products (at most [`SKINNY`] rows or an
//!   inner dimension that short: a batch of a few rows, an outer product), plain loops
//!   ([`small`]) that stream the other operand instead of packing it;
//! - above, nabla's blocked product ([`blocked`]): the operands packed into panels from any row
//!   and column strides (so transposed operands cost nothing, and backward never copies a
//!   transpose) and multiplied by the microkernels of the widest instruction set the CPU has
//!   (AVX-512, AVX2+FMA or portable, see [`Isa`]);
//! - from [`PARALLEL_MIN_FLOPS`] up, the blocked product cut into row or column ranges that
//!   the threads of [`run_parts`] compute side by side.
//!
//! The parts share C through a raw pointer, hence `unsafe`: [`gemm`] is the safe wrapper that
//! checks every index the kernels can touch lies inside the slices, and gives each part its own
//! rows or columns of C.
#![allow(unsafe_code)]

use super::blocked;
use super::micro::{Isa, Micro};
use super::small;
use super::threads::{num_threads, run_parts};
use crate::float::Float;

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

/// `c = alpha * a b + beta * c` where `c` is a row-major `a.rows x b.cols` matrix.
///
/// # Panics
/// If the inner dimensions differ or any operand's strides reach outside its slice.
pub fn gemm<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    gemm_on(Isa::active(), alpha, a, b, beta, c);
}

/// [`gemm`] with the blocked product on the kernels of `isa` (tests run every available path).
///
/// # Panics
/// As [`gemm`]; and if the CPU does not support `isa`.
pub(crate) fn gemm_on<T: Float>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: &mut [T],
) {
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
    if m * k * n <= SMALL_MAX || skinny(&a, &b) {
        return small::gemm(alpha, a, b, beta, c);
    }
    assert!(isa.supported(), "gemm: this CPU cannot run {isa:?}");
    let mut micro = T::micro(isa);
    if 2 * n <= micro.nr {
        micro = T::narrow(isa);
    }
    let split = Split::plan(m, k, n, &micro);
    let c_ptr = Shared(c.as_mut_ptr());
    let part = |p: usize, packed_b: Option<&[T]>| {
        let (start, end) = split.range(p);
        if start >= end {
            return;
        }
        let (a, b, c_at) = if split.by_rows {
            let a = MatRef {
                data: &a.data[start * a.row_stride..],
                rows: end - start,
                ..a
            };
            (a, b, start * n)
        } else {
            let b = MatRef {
                data: &b.data[start * b.col_stride..],
                cols: end - start,
                ..b
            };
            (a, b, start)
        };
        // SAFETY: `isa` is supported (asserted above); `fits` checked that every index of A
        // and B the whole product reads lies inside their slices, and a part's operands are
        // sub-views of those (its rows of A or columns of B). C is a distinct `&mut` slice of
        // exactly m * n elements addressed row-major; the parts write disjoint row or column
        // ranges of it, and `run_parts` returns only when every part is done.
        unsafe {
            blocked::gemm(
                &micro,
                alpha,
                a,
                b,
                beta,
                c_ptr.get().add(c_at),
                n,
                packed_b,
            )
        }
    };
    if split.parts == 1 || !split.by_rows || k * n > SHARED_B_MAX {
        return run_parts(split.parts, &|p| part(p, None));
    }
    // Parts by rows all read the whole of B: the threads pack it once, side by side, then
    // share it.
    let len = blocked::packed_b_len(&micro, k, n);
    blocked::with_shared_b(len, |packed: &mut [T]| {
        let dst = Shared(packed.as_mut_ptr());
        run_parts(blocked::b_blocks(&micro, k, n), &|i| {
            let (jc, pc, range) = blocked::b_block(&micro, k, n, i);
            // SAFETY: the blocks' ranges are disjoint and inside `packed` (`len` elements),
            // which nothing else uses until `run_parts` has returned.
            let dst =
                unsafe { std::slice::from_raw_parts_mut(dst.get().add(range.start), range.len()) };
            blocked::pack_b_at(&micro, b, jc, pc, dst);
        });
        let packed: &[T] = packed;
        run_parts(split.parts, &|p| part(p, Some(packed)));
    });
}

/// The largest B (elements) the threads of a product pack once and share: beyond, each
/// packs its own blocks, in buffers that stay cache-sized.
const SHARED_B_MAX: usize = 1 << 22;

/// Products with `m k n` at most this run as plain loops ([`small`]): for them, packing the
/// operands into the blocked kernel's layout costs more than it saves.
pub const SMALL_MAX: usize = 1 << 15;

/// Products with at most this many rows, or this long an inner dimension, are *skinny*: a
/// batch of one or a few rows, or an outer product. Packing them for the blocked kernel costs
/// as much as the product (it copies all of the other operand), so the loops of [`small`] run
/// them, streaming the other operand once per pair of rows.
pub const SKINNY: usize = 16;

/// Whether the product is skinny (see [`SKINNY`]) with a layout the small loops vectorise:
/// B's rows or both operands' inner dimension contiguous.
fn skinny<T>(a: &MatRef<'_, T>, b: &MatRef<'_, T>) -> bool {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let rows_of_b = b.col_stride == 1 && n >= small::LANES;
    let dots = a.col_stride == 1 && b.row_stride == 1 && k >= small::LANES;
    (m <= SKINNY && (rows_of_b || dots)) || (k <= SKINNY && rows_of_b)
}

/// Products of at least this many floating-point operations (2 m k n) are split across
/// threads: below it, waking a helper costs more than it saves.
pub const PARALLEL_MIN_FLOPS: usize = 1 << 22;

/// How one product is cut into parts for the threads: a range of C's rows or of its columns
/// each, in multiples of the kernel's tile.
#[derive(Debug, Clone, Copy)]
struct Split {
    parts: usize,
    by_rows: bool,
    /// Rows or columns per part (the last may get fewer).
    chunk: usize,
    extent: usize,
}

impl Split {
    fn plan<T>(m: usize, k: usize, n: usize, micro: &Micro<T>) -> Split {
        let by_rows = m >= n;
        let (extent, tile) = if by_rows {
            (m, micro.mr)
        } else {
            (n, micro.nr)
        };
        let threads = if 2 * m * k * n >= PARALLEL_MIN_FLOPS {
            num_threads()
        } else {
            1
        };
        let parts = threads.min(extent.div_ceil(2 * tile)).max(1);
        let chunk = extent.div_ceil(parts).next_multiple_of(tile);
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
    use crate::kernels::micro::GemmKernel;

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

    /// Deterministic operand data in [-1, 1).
    fn data<T: Float>(len: usize, seed: usize) -> Vec<T> {
        (0..len)
            .map(|i| T::from_f64(((i * 7919 + seed * 104_729) % 2001) as f64 / 1000.0 - 1.0))
            .collect()
    }

    /// `op(X)` of shape `rows x cols`: X itself row-major, or the transpose of a row-major
    /// `cols x rows` matrix.
    fn op<T>(d: &[T], rows: usize, cols: usize, transposed: bool) -> MatRef<'_, T> {
        if transposed {
            MatRef::row_major(d, cols, rows, true)
        } else {
            MatRef::row_major(d, rows, cols, false)
        }
    }

    /// `alpha op(A) op(B) + beta C` in every transpose combination against the naive product
    /// in f64, for f32 (within rounding: k products of numbers below 1) and f64, on the
    /// kernels of `isa`.
    fn check_all_transposes<T: Float>(isa: Isa, m: usize, k: usize, n: usize, tolerance: f64) {
        let (ad, bd, c0) = (
            data::<T>(m * k, 1),
            data::<T>(k * n, 2),
            data::<T>(m * n, 3),
        );
        let wide = |v: &[T]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
        let (ad64, bd64, c064) = (wide(&ad), wide(&bd), wide(&c0));
        for ta in [false, true] {
            for tb in [false, true] {
                let (a, b) = (op(&ad, m, k, ta), op(&bd, k, n, tb));
                let (a64, b64) = (op(&ad64, m, k, ta), op(&bd64, k, n, tb));
                let want: Vec<f64> = naive(&a64, &b64)
                    .iter()
                    .zip(&c064)
                    .map(|(p, c)| 0.5 * p - 2.0 * c)
                    .collect();
                let mut c = c0.clone();
                gemm_on(isa, T::from_f64(0.5), a, b, T::from_f64(-2.0), &mut c);
                let bound = tolerance * (k as f64 + 4.0);
                for (i, (&got, &want)) in c.iter().zip(&want).enumerate() {
                    assert!(
                        (got.to_f64() - want).abs() <= bound,
                        "{isa:?} {} m={m} k={k} n={n} ta={ta} tb={tb} at {i}: {got} vs {want}",
                        T::NAME
                    );
                }
                // beta = 0 ignores C's old contents, NaN included.
                let mut c = vec![T::NAN; m * n];
                gemm_on(isa, T::ONE, a, b, T::ZERO, &mut c);
                assert!(
                    c.iter().all(|v| v.is_finite()),
                    "{isa:?}: beta 0 kept a NaN"
                );
            }
        }
    }

    /// The odd sizes 1, 7, 17 and 1023 in each position: the small-product loops, the blocked
    /// kernel, and (for the largest) the product split across threads; two small products
    /// wide enough for the small loops' full register blocks (an odd row count included); and
    /// products past one cache block in each dimension (kc, mc, nc), with edge tiles.
    const SHAPES: [(usize, usize, usize); 17] = [
        (7, 7, 70),
        (17, 1, 33),
        (1, 1, 1),
        (7, 7, 7),
        (17, 17, 17),
        (1, 7, 17),
        (17, 1, 7),
        (7, 17, 1),
        (1023, 7, 1),
        (1, 1023, 17),
        (17, 7, 1023),
        (1023, 17, 7),
        (7, 1023, 17),
        (1023, 17, 1023),
        (37, 700, 45),
        (501, 19, 23),
        (13, 11, 4100),
    ];

    #[test]
    fn every_transpose_combination_matches_the_naive_product_f32() {
        for isa in Isa::available() {
            for (m, k, n) in SHAPES {
                check_all_transposes::<f32>(isa, m, k, n, 4.0 * f32::EPSILON as f64);
            }
        }
    }

    #[test]
    fn every_transpose_combination_matches_the_naive_product_f64() {
        for isa in Isa::available() {
            for (m, k, n) in SHAPES {
                check_all_transposes::<f64>(isa, m, k, n, 4.0 * f64::EPSILON);
            }
        }
    }

    /// On x86_64 with AVX2 (every x86_64 CI machine of ours), the vector paths are among those
    /// tested: the tests above do not quietly fall back to the portable kernel alone.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_vector_paths_are_tested_where_the_cpu_has_them() {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            assert!(Isa::available().any(|isa| isa == Isa::Avx2));
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            assert!(Isa::available().any(|isa| isa == Isa::Avx512));
        }
    }

    #[test]
    fn the_threaded_split_matches_one_thread() {
        let (m, k, n) = (1023, 33, 517);
        assert!(2 * m * k * n >= PARALLEL_MIN_FLOPS && m * k * n > SMALL_MAX);
        let (ad, bd) = (data::<f32>(m * k, 4), data::<f32>(k * n, 5));
        for isa in Isa::available() {
            let micro = f32::micro(isa);
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let (a, b) = (op(&ad, m, k, ta), op(&bd, k, n, tb));
                // By rows (m >= n) and, transposed around, by columns.
                let split = Split::plan(m, k, n, &micro);
                assert!(split.by_rows);
                let mut whole = vec![0.0; m * n];
                // SAFETY: the CPU supports `isa`, the operands fit their slices, and `whole`
                // is the row-major m x n output.
                unsafe { blocked::gemm(&micro, 1.0, a, b, 0.0, whole.as_mut_ptr(), n, None) };
                let mut parts = vec![0.0; m * n];
                gemm_on(isa, 1.0, a, b, 0.0, &mut parts);
                assert_eq!(parts, whole, "{isa:?} ta={ta} tb={tb}");
            }
            let split = Split::plan(17, 1000, 1023, &micro);
            assert!(!split.by_rows);
            assert_eq!(split.range(split.parts - 1).1, 1023);
            assert_eq!(split.chunk % micro.nr, 0);
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
