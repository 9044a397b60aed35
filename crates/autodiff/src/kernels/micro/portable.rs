//! The plain-Rust microkernel, for CPUs without a kernel of their own: simple loops over a
//! small tile, which the compiler vectorises for the baseline target as it can.

use crate::float::Float;

/// Rows per tile.
pub(super) const MR: usize = 4;
/// Columns per tile.
pub(super) const NR: usize = 8;

/// The tile product of [`KernelFn`](super::KernelFn) in plain Rust.
///
/// # Safety
/// As for [`KernelFn`](super::KernelFn) (every CPU supports this path).
pub(super) unsafe fn kernel<T: Float>(
    k: usize,
    a: *const T,
    b: *const T,
    c: *mut T,
    ldc: usize,
    alpha: T,
    beta: T,
) {
    // SAFETY: the caller guarantees `k * MR` elements at `a` and `k * NR` at `b`.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, k * MR),
            std::slice::from_raw_parts(b, k * NR),
        )
    };
    let mut sums = [[T::ZERO; NR]; MR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (sum, &x) in sums.iter_mut().zip(ap) {
            for (s, &y) in sum.iter_mut().zip(bp) {
                *s += x * y;
            }
        }
    }
    for (r, sum) in sums.iter().enumerate() {
        // SAFETY: row r < MR of C's tile, NR elements, which the caller guarantees writable
        // and accessed by nothing else.
        let row = unsafe { std::slice::from_raw_parts_mut(c.add(r * ldc), NR) };
        for (out, &s) in row.iter_mut().zip(sum) {
            *out = if beta == T::ZERO {
                alpha * s
            } else {
                alpha * s + beta * *out
            };
        }
    }
}
