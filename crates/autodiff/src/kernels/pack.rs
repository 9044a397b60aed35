//! Packing an operand block into the panels the microkernels read: `w` rows of the block side
//! by side for each step along its columns, so that a kernel reads each panel front to back.
//! A is packed by rows (`w = mr`), B by columns, as the rows of its transposed view
//! (`w = nr`). Rows past the block's end are zeros, so edge tiles run the same kernel.

use super::gemm::MatRef;
use crate::float::Float;

/// Packs `src` (`rows x depth`, any strides) into `dst` as `rows / W` panels (rounded up) of
/// `depth x W` elements: element `(r, p)` goes to `dst[(r / W) * depth * W + p * W + r % W]`.
/// `W` is a constant so that the copies and scatters below compile to fixed-size moves.
///
/// # Panics
/// If `dst` is shorter than the panels.
pub(crate) fn panels<T: Float, const W: usize>(dst: &mut [T], src: MatRef<'_, T>) {
    let (rows, depth) = (src.rows, src.cols);
    let (rs, cs) = (src.row_stride, src.col_stride);
    let total = rows.div_ceil(W) * W * depth;
    for (q, panel) in dst[..total].chunks_exact_mut(W * depth).enumerate() {
        let first = q * W;
        let live = W.min(rows - first);
        if rs == 1 && live == W {
            // The panel's W elements at each depth are contiguous in the source: copy them.
            for (p, out) in panel.chunks_exact_mut(W).enumerate() {
                let at = first + p * cs;
                let row: &[T; W] = src.data[at..at + W].try_into().expect("W elements");
                out.copy_from_slice(row);
            }
            continue;
        }
        // Each row runs along the depth: scatter it into every W-th slot.
        for r in 0..live {
            let at = (first + r) * rs;
            if cs == 1 {
                let row = &src.data[at..at + depth];
                for (out, &x) in panel.chunks_exact_mut(W).zip(row) {
                    out[r] = x;
                }
            } else {
                for (p, out) in panel.chunks_exact_mut(W).enumerate() {
                    out[r] = src.data[at + p * cs];
                }
            }
        }
        if live < W {
            for out in panel.chunks_exact_mut(W) {
                out[live..].fill(T::ZERO);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout (rows contiguous, columns contiguous, neither) and an edge panel.
    #[test]
    fn panels_hold_each_element_once_and_zeros_past_the_edge() {
        const W: usize = 3;
        let (rows, depth, w) = (7, 5, W);
        let data: Vec<f64> = (0..200).map(|i| i as f64 + 1.0).collect();
        for (rs, cs) in [(depth, 1), (1, rows), (1, rows + 2), (2 * depth + 1, 2)] {
            let src = MatRef {
                data: &data,
                rows,
                cols: depth,
                row_stride: rs,
                col_stride: cs,
            };
            let mut dst = vec![f64::NAN; 3 * w * depth + 4];
            panels::<f64, W>(&mut dst, src);
            for q in 0..3 {
                for p in 0..depth {
                    for i in 0..w {
                        let r = q * w + i;
                        let want = if r < rows { data[r * rs + p * cs] } else { 0.0 };
                        assert_eq!(dst[q * depth * w + p * w + i], want, "{rs} {cs} {r} {p}");
                    }
                }
            }
            assert!(dst[3 * w * depth..].iter().all(|x| x.is_nan()));
        }
    }
}
