//! The blocked product of one part of C: the operands cut into cache-sized blocks, each block
//! packed into panels (`pack`), and the microkernel ([`Micro`]) run over every pair of
//! panels. Loops, outermost first: `nc` columns of B (packed, kept in L3), `kc` of the inner
//! dimension, `mc` rows of A (packed, kept in L2), then each B panel (kept in L1) against each
//! A panel.
//!
//! The packing buffers belong to the thread and only grow, so after the first products of a
//! given size nothing is allocated.
//!
//! Uses `unsafe`: it views its 64-byte aligned buffers as floats, calls the microkernels, and
//! writes C through a raw pointer, because the threads of one product share C (each writing
//! its own part).
#![allow(unsafe_code)]

use super::gemm::MatRef;
use super::micro::Micro;
use crate::float::Float;
use std::cell::RefCell;

/// A cache line: the packing buffers' unit, so that panels start on a line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

thread_local! {
    /// This thread's packed A block and packed B block.
    static BUFFERS: RefCell<(Vec<Line>, Vec<Line>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    /// All of B packed, for the threads of a product this thread calls.
    static SHARED: RefCell<Vec<Line>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's buffer for all of B packed, `len` elements.
pub(crate) fn with_shared_b<T: Float, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    SHARED.with_borrow_mut(|buffer| f(view(buffer, len)))
}

/// The first `len` elements of `buffer` as `T`s, growing it if needed.
fn view<T: Float>(buffer: &mut Vec<Line>, len: usize) -> &mut [T] {
    let lines = (len * size_of::<T>()).div_ceil(size_of::<Line>());
    if buffer.len() < lines {
        buffer.resize(lines, Line([0; 64]));
    }
    // SAFETY: the buffer holds at least `len * size_of::<T>()` initialised bytes, aligned to
    // 64 (more than `T`'s alignment), and every bit pattern is a valid `f32` or `f64` (the only
    // `Float`s); the borrow of `buffer` covers the returned slice's lifetime.
    unsafe { std::slice::from_raw_parts_mut(buffer.as_mut_ptr().cast::<T>(), len) }
}

/// The largest tile any kernel has (elements), for the edge tiles' scratch.
const TILE_MAX: usize = 24 * 16;

/// `C = alpha * a b + beta * C` on `micro`'s path, where C is the `a.rows x b.cols` row-major
/// block at `c` with `ldc` elements between rows. With `beta == 0`, C's old contents (NaN
/// included) are not read. `packed_b`, if given, is all of `b` packed by [`b_block`] (the
/// threads of one product share it); else each B block is packed here.
///
/// # Safety
/// The CPU supports `micro.isa`; the operands fit their slices ([`MatRef`]'s check), and the
/// block at `c` is writable and accessed by nothing else during the call.
#[allow(clippy::too_many_arguments)] // the BLAS argument list, plus the shared B
pub(crate) unsafe fn gemm<T: Float>(
    micro: &Micro<T>,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: *mut T,
    ldc: usize,
    packed_b: Option<&[T]>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let (mr, nr) = (micro.mr, micro.nr);
    assert!(
        mr * nr <= TILE_MAX,
        "gemm: a {mr} x {nr} tile exceeds the edge scratch"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                // SAFETY: (i, j) lies in the block the caller gave.
                unsafe { scale(c.add(i * ldc + j), T::ZERO, alpha, beta) };
            }
        }
        return;
    }
    let (kc, nc) = (kc(micro, k), nc(micro, n));
    let mc = mc(micro, m);
    BUFFERS.with_borrow_mut(|(a_buffer, b_buffer)| {
        let a_pack = view::<T>(a_buffer, mc * kc);
        let own_b = view::<T>(b_buffer, if packed_b.is_some() { 0 } else { kc * nc });
        for jc in (0..n).step_by(nc) {
            let cols = nc.min(n - jc);
            for pc in (0..k).step_by(kc) {
                let depth = kc.min(k - pc);
                let beta = if pc == 0 { beta } else { T::ONE };
                let b_pack: &[T] = match packed_b {
                    Some(all) => &all[b_block_start(micro, k, n, jc, pc)..],
                    None => {
                        pack_b_at(micro, b, jc, pc, own_b);
                        own_b
                    }
                };
                for ic in (0..m).step_by(mc) {
                    let rows = mc.min(m - ic);
                    let a_block = MatRef {
                        data: &a.data[ic * a.row_stride + pc * a.col_stride..],
                        rows,
                        cols: depth,
                        row_stride: a.row_stride,
                        col_stride: a.col_stride,
                    };
                    (micro.pack_a)(a_pack, a_block);
                    let block = Block {
                        depth,
                        rows,
                        cols,
                        a: a_pack,
                        b: b_pack,
                    };
                    // SAFETY: the CPU supports the kernel, and the block of C at (ic, jc) lies
                    // in the caller's, as the caller guarantees.
                    unsafe { block.run(micro, alpha, beta, c.add(ic * ldc + jc), ldc) };
                }
            }
        }
    });
}

/// Depth of the inner-dimension blocks: the fewest blocks of at most `micro.kc` and a
/// quarter, all of one depth (784 is 3 x 262, not 256 + 256 + 256 + 16, whose last block
/// would pay a whole tile's loads and stores for 16 steps).
fn kc<T>(micro: &Micro<T>, k: usize) -> usize {
    let blocks = k.div_ceil(micro.kc + micro.kc / 4);
    k.div_ceil(blocks.max(1))
}

/// Rows of A per block: the fewest blocks of at most `micro.mc`, of equal size in whole tiles.
fn mc<T>(micro: &Micro<T>, m: usize) -> usize {
    let blocks = m.div_ceil(micro.mc).max(1);
    m.div_ceil(blocks).next_multiple_of(micro.mr)
}

/// Columns of B per block: `micro.nc`, or all of B's (rounded to a panel) if fewer.
fn nc<T>(micro: &Micro<T>, n: usize) -> usize {
    micro.nc.min(n.next_multiple_of(micro.nr))
}

/// Elements of all of `k x n` B packed, block after block (see [`b_block`]).
pub(crate) fn packed_b_len<T>(micro: &Micro<T>, k: usize, n: usize) -> usize {
    n.next_multiple_of(micro.nr) * k
}

/// How many blocks all of `k x n` B packs into.
pub(crate) fn b_blocks<T>(micro: &Micro<T>, k: usize, n: usize) -> usize {
    n.div_ceil(nc(micro, n)) * k.div_ceil(kc(micro, k))
}

/// Where the block at column `jc`, depth `pc` starts in all of B packed: the column blocks
/// one after the other, each as its depth blocks one after the other.
fn b_block_start<T>(micro: &Micro<T>, k: usize, n: usize, jc: usize, pc: usize) -> usize {
    jc * k + pc * nc(micro, n).min(n - jc).next_multiple_of(micro.nr)
}

/// Block `index` of all of B packed (column blocks outer, depth blocks inner): its column,
/// its depth, and its range in the [`packed_b_len`] elements. The blocks' ranges are disjoint,
/// so threads can pack different blocks ([`pack_b_at`]) side by side.
pub(crate) fn b_block<T>(
    micro: &Micro<T>,
    k: usize,
    n: usize,
    index: usize,
) -> (usize, usize, std::ops::Range<usize>) {
    let (kc, nc) = (kc(micro, k), nc(micro, n));
    let depths = k.div_ceil(kc);
    let (jc, pc) = ((index / depths) * nc, (index % depths) * kc);
    let start = b_block_start(micro, k, n, jc, pc);
    let len = nc.min(n - jc).next_multiple_of(micro.nr) * kc.min(k - pc);
    (jc, pc, start..start + len)
}

/// Packs B's block at column `jc`, depth `pc` into the start of `dst`.
pub(crate) fn pack_b_at<T: Float>(
    micro: &Micro<T>,
    b: MatRef<'_, T>,
    jc: usize,
    pc: usize,
    dst: &mut [T],
) {
    let (k, n) = (b.rows, b.cols);
    let (kc, nc) = (kc(micro, k), nc(micro, n));
    // B's block as the rows of its transpose: columns jc.., rows pc...
    let block = MatRef {
        data: &b.data[pc * b.row_stride + jc * b.col_stride..],
        rows: nc.min(n - jc),
        cols: kc.min(k - pc),
        row_stride: b.col_stride,
        col_stride: b.row_stride,
    };
    (micro.pack_b)(dst, block);
}

/// One packed block pair: `rows x depth` of A in `mr`-row panels, `depth x cols` of B in
/// `nr`-column panels.
struct Block<'a, T> {
    depth: usize,
    rows: usize,
    cols: usize,
    a: &'a [T],
    b: &'a [T],
}

impl<T: Float> Block<'_, T> {
    /// `C = alpha * A B + beta * C` over the block's `rows x cols` tile grid at `c`.
    ///
    /// # Safety
    /// As for [`gemm`], with `c` the block's corner.
    unsafe fn run(&self, micro: &Micro<T>, alpha: T, beta: T, c: *mut T, ldc: usize) {
        let (mr, nr, depth) = (micro.mr, micro.nr, self.depth);
        assert!(
            self.a.len() >= self.rows.next_multiple_of(mr) * depth
                && self.b.len() >= self.cols.next_multiple_of(nr) * depth
        );
        for j in (0..self.cols).step_by(nr) {
            let b = self.b[j * depth..].as_ptr();
            let width = nr.min(self.cols - j);
            for i in (0..self.rows).step_by(mr) {
                let a = self.a[i * depth..].as_ptr();
                let height = mr.min(self.rows - i);
                // SAFETY: (i, j) lies in the block at `c`.
                let corner = unsafe { c.add(i * ldc + j) };
                if height == mr && width == nr {
                    // SAFETY: the panels hold `depth * mr` and `depth * nr` elements (asserted
                    // above), the tile lies in C's block, and the CPU supports the kernel.
                    unsafe { (micro.run)(depth, a, b, corner, ldc, alpha, beta) };
                    continue;
                }
                // An edge tile: the kernel writes a whole tile to scratch, then its live part
                // goes to C.
                let mut tile = [T::ZERO; TILE_MAX];
                // SAFETY: as above, with the scratch (at least mr * nr elements, nr per row)
                // as C.
                unsafe {
                    (micro.run)(depth, a, b, tile.as_mut_ptr(), nr, T::ONE, T::ZERO);
                }
                for r in 0..height {
                    for s in 0..width {
                        // SAFETY: r < height, s < width: inside the block at `c`.
                        unsafe { scale(corner.add(r * ldc + s), tile[r * nr + s], alpha, beta) };
                    }
                }
            }
        }
    }
}

/// `*at = alpha * product + beta * *at`, not reading `*at` when `beta == 0`.
///
/// # Safety
/// `at` is valid for reads and writes.
unsafe fn scale<T: Float>(at: *mut T, product: T, alpha: T, beta: T) {
    // SAFETY: as the caller guarantees.
    unsafe {
        *at = if beta == T::ZERO {
            alpha * product
        } else {
            alpha * product + beta * *at
        };
    }
}
