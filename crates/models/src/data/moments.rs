//! Per-column statistics of a `[rows, columns]` matrix, computed in two passes over the rows as
//! they lie in memory: what standardising and the data checks both need.

use nabla_autodiff::Tensor;

/// One column's finite values summarised. With no finite value, every statistic is 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColumnMoments {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) mean: f64,
    /// The population standard deviation (divided by the count).
    pub(crate) std: f64,
    /// How many finite values the column holds.
    pub(crate) count: usize,
}

impl ColumnMoments {
    /// Whether every finite value is the same.
    pub(crate) fn is_constant(&self) -> bool {
        self.min == self.max
    }
}

/// The moments of each column of `x` (`[rows, columns]`), over its finite values. Values are
/// added in row order, so the results do not depend on how the rows are split up.
pub(crate) fn column_moments(x: &Tensor<f64>) -> Vec<ColumnMoments> {
    let cols = x.shape()[1];
    let mut min = vec![f64::INFINITY; cols];
    let mut max = vec![f64::NEG_INFINITY; cols];
    let mut sum = vec![0.0; cols];
    let mut count = vec![0usize; cols];
    for row in x.data().chunks_exact(cols.max(1)) {
        for (c, &v) in row.iter().enumerate() {
            if v.is_finite() {
                min[c] = min[c].min(v);
                max[c] = max[c].max(v);
                sum[c] += v;
                count[c] += 1;
            }
        }
    }
    let mean: Vec<f64> = (0..cols)
        .map(|c| {
            if count[c] > 0 {
                sum[c] / count[c] as f64
            } else {
                0.0
            }
        })
        .collect();
    let mut squares = vec![0.0; cols];
    for row in x.data().chunks_exact(cols.max(1)) {
        for ((square, &v), m) in squares.iter_mut().zip(row).zip(&mean) {
            if v.is_finite() {
                *square += (v - m) * (v - m);
            }
        }
    }
    (0..cols)
        .map(|c| {
            let n = count[c];
            ColumnMoments {
                min: if n > 0 { min[c] } else { 0.0 },
                max: if n > 0 { max[c] } else { 0.0 },
                mean: mean[c],
                std: (squares[c] / n.max(1) as f64).sqrt(),
                count: n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand_with_a_non_finite_value_skipped() {
        let x = Tensor::from_vec(vec![1.0, 5.0, 3.0, f64::NAN, 5.0, 5.0], &[3, 2]);
        let m = column_moments(&x);
        assert_eq!(
            (m[0].min, m[0].max, m[0].mean, m[0].count),
            (1.0, 5.0, 3.0, 3)
        );
        // (4 + 0 + 4) / 3
        assert_eq!(m[0].std, (8.0f64 / 3.0).sqrt());
        assert_eq!((m[1].mean, m[1].std, m[1].count), (5.0, 0.0, 2));
        assert!(m[1].is_constant() && !m[0].is_constant());
        let empty = column_moments(&Tensor::from_vec(vec![f64::NAN], &[1, 1]));
        assert_eq!((empty[0].mean, empty[0].std, empty[0].count), (0.0, 0.0, 0));
    }
}
