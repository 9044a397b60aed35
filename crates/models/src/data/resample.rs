//! Balancing classes by resampling: upsample minorities with replacement, or downsample
//! majorities without.

use super::split::group_rows;
use super::{DataError, Dataset};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Row indices in which every group of `strata` has as many rows as the largest: all original
/// rows, plus rows of each smaller group drawn uniformly with replacement. Ascending, so
/// repeated rows sit together; shuffle batches when training.
///
/// ```
/// use nabla_models::data::upsample_indices;
/// let rows = upsample_indices(&[0, 0, 0, 1], 5);
/// assert_eq!(rows.len(), 6);
/// assert_eq!(rows.iter().filter(|&&r| r == 3).count(), 3); // the lone row of class 1, thrice
/// ```
pub fn upsample_indices(strata: &[usize], seed: u64) -> Vec<usize> {
    let groups = group_rows(strata);
    let target = groups.values().map(Vec::len).max().unwrap_or(0);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out: Vec<usize> = (0..strata.len()).collect();
    for rows in groups.values() {
        out.extend((rows.len()..target).map(|_| rows[rng.random_range(0..rows.len())]));
    }
    out.sort_unstable();
    out
}

/// Row indices in which every group of `strata` has as many rows as the smallest: each larger
/// group keeps a uniformly drawn subset, without replacement. Ascending.
///
/// ```
/// use nabla_models::data::downsample_indices;
/// let rows = downsample_indices(&[0, 0, 0, 1, 1, 0], 5);
/// assert_eq!(rows.len(), 4);
/// assert!(rows.contains(&3) && rows.contains(&4));
/// ```
pub fn downsample_indices(strata: &[usize], seed: u64) -> Vec<usize> {
    let groups = group_rows(strata);
    let target = groups.values().map(Vec::len).min().unwrap_or(0);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(target * groups.len());
    for mut rows in groups.into_values() {
        rows.shuffle(&mut rng);
        out.extend_from_slice(&rows[..target]);
    }
    out.sort_unstable();
    out
}

/// The data set with every class upsampled to the size of the largest (see
/// [`upsample_indices`]; classes as [`Targets::strata`](super::Targets::strata) defines them).
///
/// # Errors
/// For continuous targets, which have no classes.
pub fn upsample(data: &Dataset, seed: u64) -> Result<Dataset, DataError> {
    data.select(&upsample_indices(&data.targets().strata()?, seed))
}

/// The data set with every class downsampled to the size of the smallest present one (see
/// [`downsample_indices`]).
///
/// # Errors
/// For continuous targets, which have no classes.
pub fn downsample(data: &Dataset, seed: u64) -> Result<Dataset, DataError> {
    data.select(&downsample_indices(&data.targets().strata()?, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    // 7 rows of class 0, 2 of class 1, 3 of class 5.
    const STRATA: [usize; 12] = [0, 1, 0, 0, 5, 0, 5, 0, 1, 0, 5, 0];

    fn counts(rows: &[usize]) -> [usize; 3] {
        let count = |g| rows.iter().filter(|&&r| STRATA[r] == g).count();
        [count(0), count(1), count(5)]
    }

    #[test]
    fn upsampling_keeps_every_row_and_evens_the_groups() {
        let rows = upsample_indices(&STRATA, 11);
        assert_eq!(counts(&rows), [7, 7, 7]);
        for r in 0..STRATA.len() {
            assert!(rows.contains(&r), "row {r} was dropped");
        }
        assert_eq!(upsample_indices(&STRATA, 11), rows);
    }

    #[test]
    fn downsampling_draws_distinct_rows() {
        let rows = downsample_indices(&STRATA, 3);
        assert_eq!(counts(&rows), [2, 2, 2]);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        // The only two rows of class 1 are both kept.
        assert!(rows.contains(&1) && rows.contains(&8));
        // Different seeds draw different subsets of class 0 (7 choose 2 = 21 options).
        let zeros = |seed| -> Vec<usize> {
            downsample_indices(&STRATA, seed)
                .into_iter()
                .filter(|&r| STRATA[r] == 0)
                .collect()
        };
        assert!((0..5).any(|s| zeros(s) != zeros(s + 5)));
    }

    #[test]
    fn empty_input_gives_no_rows() {
        assert!(upsample_indices(&[], 0).is_empty());
        assert!(downsample_indices(&[], 0).is_empty());
    }
}
