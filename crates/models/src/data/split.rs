//! Seeded train/test splits: plain (any targets) and stratified (class shares kept).

use super::targets::invalid;
use super::{DataError, Dataset};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::BTreeMap;

/// How many of `n` rows go to the test set: `ceil(n * test_fraction)`, as scikit-learn counts,
/// and at least one row must remain on each side.
fn test_count(function: &'static str, n: usize, test_fraction: f64) -> Result<usize, DataError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(invalid(
            function,
            format!("test_fraction is {test_fraction}; pass a share strictly between 0 and 1"),
        ));
    }
    // The small slack keeps 150 * 0.2 at 30 whatever the rounding of the product.
    let n_test = (n as f64 * test_fraction - 1e-9).ceil().max(0.0) as usize;
    if n_test == 0 || n_test >= n {
        return Err(invalid(
            function,
            format!(
                "a test share of {test_fraction} of {n} rows leaves {} rows for training and \
                 {n_test} for testing; both need at least one row (pass more rows or another \
                 share)",
                n.saturating_sub(n_test)
            ),
        ));
    }
    Ok(n_test)
}

/// A seeded random split of `n` rows into (train, test) row indices, each list ascending.
///
/// ```
/// use nabla_models::data::split_indices;
/// let (train, test) = split_indices(10, 0.3, 7)?;
/// assert_eq!((train.len(), test.len()), (7, 3));
/// assert_eq!(split_indices(10, 0.3, 7)?, (train, test)); // same seed, same split
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// # Errors
/// If `test_fraction` is not strictly between 0 and 1 or leaves either side empty.
pub fn split_indices(
    n: usize,
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    let n_test = test_count("split_indices", n, test_fraction)?;
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut test = order[..n_test].to_vec();
    let mut train = order[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    Ok((train, test))
}

/// A seeded split of rows into (train, test) row indices that keeps each group's share: row
/// `i` belongs to group `strata[i]` (its class), and each group sends to the test set its share
/// of the test rows, rounded down or up, so that every group's count on each side is within
/// one row of its exact share. Each list is ascending.
///
/// The test set has `ceil(n * test_fraction)` rows; the rounding up goes to the groups with
/// the largest remainders (ties to the smaller group id).
///
/// ```
/// use nabla_models::data::stratified_split_indices;
/// let classes = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
/// let (train, test) = stratified_split_indices(&classes, 0.5, 1)?;
/// let ones_in_test = test.iter().filter(|&&i| classes[i] == 1).count();
/// assert_eq!((test.len(), ones_in_test), (5, 2));
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// # Errors
/// As [`split_indices`].
pub fn stratified_split_indices(
    strata: &[usize],
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    let n = strata.len();
    let n_test = test_count("stratified_split_indices", n, test_fraction)?;
    let groups = group_rows(strata);
    // Exact quota of group g: len_g * n_test / n = base_g + rem_g / n.
    let mut quota: Vec<(usize, usize)> = groups
        .values()
        .map(|rows| (rows.len() * n_test / n, rows.len() * n_test % n))
        .collect();
    let short = n_test - quota.iter().map(|q| q.0).sum::<usize>();
    let mut by_remainder: Vec<usize> = (0..quota.len()).collect();
    by_remainder.sort_by(|&a, &b| quota[b].1.cmp(&quota[a].1).then(a.cmp(&b)));
    for &g in &by_remainder[..short] {
        quota[g].0 += 1;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::with_capacity(n - n_test), Vec::with_capacity(n_test));
    for (mut rows, (take, _)) in groups.into_values().zip(quota) {
        rows.shuffle(&mut rng);
        test.extend_from_slice(&rows[..take]);
        train.extend_from_slice(&rows[take..]);
    }
    test.sort_unstable();
    train.sort_unstable();
    Ok((train, test))
}

/// The rows of each group, groups in ascending id order, rows ascending.
pub(crate) fn group_rows(strata: &[usize]) -> BTreeMap<usize, Vec<usize>> {
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, &g) in strata.iter().enumerate() {
        groups.entry(g).or_default().push(row);
    }
    groups
}

/// A seeded random (train, test) split of a data set, for any targets (regression too). A
/// data set loaded from a file gets its missing values refilled on both sides with the
/// training rows' medians and most frequent categories, which the encoding of both keeps.
///
/// # Errors
/// As [`split_indices`].
pub fn train_test_split(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
) -> Result<(Dataset, Dataset), DataError> {
    let (train, test) = split_indices(data.n_rows(), test_fraction, seed)?;
    split_rows(data, &train, &test)
}

/// The data sets of rows `train` and `test` of `data`. When `data` came from a file, the
/// missing values of both are filled with the training rows' medians and most frequent
/// categories (not the whole file's), and both keep that encoding.
fn split_rows(
    data: &Dataset,
    train: &[usize],
    test: &[usize],
) -> Result<(Dataset, Dataset), DataError> {
    let (mut train, mut test) = (data.select(train)?, data.select(test)?);
    if let Some(encoding) = train.fills_refitted() {
        train.refill(&encoding);
        test.refill(&encoding);
    }
    Ok((train, test))
}

/// A seeded (train, test) split of a data set that keeps the class shares, as
/// [`stratified_split_indices`] describes. Groups are the classes ([`Targets::strata`]); for
/// multi-hot targets, the combinations of labels. Missing values are refilled from the
/// training rows as [`train_test_split`] says.
///
/// ```
/// use nabla_autodiff::Tensor;
/// use nabla_models::data::{Dataset, Targets, stratified_split};
/// let labels: Vec<usize> = (0..20).map(|i| usize::from(i % 4 == 0)).collect(); // 15 vs 5
/// let data = Dataset::new(
///     Tensor::from_fn(&[20, 1], |i| i as f64),
///     &["x"],
///     Targets::labels(labels, &["common", "rare"])?,
///     &["class"],
/// )?;
/// let (train, test) = stratified_split(&data, 0.2, 0)?;
/// assert_eq!(train.targets().class_counts(), Some(vec![12, 4]));
/// assert_eq!(test.targets().class_counts(), Some(vec![3, 1]));
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// [`Targets::strata`]: super::Targets::strata
///
/// # Errors
/// As [`split_indices`], and for continuous targets (use [`train_test_split`]).
pub fn stratified_split(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
) -> Result<(Dataset, Dataset), DataError> {
    let strata = data.targets().strata()?;
    let (train, test) = stratified_split_indices(&strata, test_fraction, seed)?;
    split_rows(data, &train, &test)
}

/// The reference protocol's preparation in one call: a seeded split (stratified when the
/// targets have classes, plain for continuous ones), then features standardised with the
/// training split's mean and standard deviation, applied to both sides.
///
/// ```
/// use nabla_models::data::{CsvOptions, Dataset, prepare_split};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
/// let data = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
/// let (train, test) = prepare_split(&data, 0.2, 0)?;
/// assert_eq!((train.n_rows(), test.n_rows()), (120, 30));
/// let col0: f64 = (0..120).map(|i| train.features().at(&[i, 0])).sum();
/// assert!(col0.abs() < 1e-9); // training features have mean 0
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// # Errors
/// As [`stratified_split`] or [`train_test_split`], and [`Standardizer::fit`]'s errors.
///
/// [`Standardizer::fit`]: super::Standardizer::fit
pub fn prepare_split(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
) -> Result<(Dataset, Dataset), DataError> {
    let (train, test) = match data.targets() {
        super::Targets::Continuous(_) => train_test_split(data, test_fraction, seed)?,
        _ => stratified_split(data, test_fraction, seed)?,
    };
    let scaler = super::Standardizer::fit(train.features())?;
    Ok((
        scaler.transform_dataset(&train)?,
        scaler.transform_dataset(&test)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_count_rounds_up_like_scikit_learn() {
        assert_eq!(test_count("t", 150, 0.2).unwrap(), 30);
        assert_eq!(test_count("t", 178, 0.2).unwrap(), 36); // 35.6
        assert_eq!(test_count("t", 1797, 0.2).unwrap(), 360); // 359.4
        assert_eq!(test_count("t", 442, 0.2).unwrap(), 89); // 88.4
    }

    #[test]
    fn bad_fractions_and_tiny_sets_are_errors() {
        for f in [0.0, 1.0, -0.5, f64::NAN] {
            let err = split_indices(10, f, 0).unwrap_err();
            assert!(
                err.to_string().contains("strictly between 0 and 1"),
                "{err}"
            );
        }
        let err = split_indices(1, 0.5, 0).unwrap_err();
        assert!(
            err.to_string().contains("leaves 0 rows for training and 1"),
            "{err}"
        );
        assert!(stratified_split_indices(&[], 0.2, 0).is_err());
    }

    #[test]
    fn plain_split_partitions_the_rows_and_depends_on_the_seed() {
        let (train, test) = split_indices(50, 0.2, 3).unwrap();
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
        assert!(test.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(split_indices(50, 0.2, 4).unwrap().1, test);
    }

    #[test]
    fn remainders_decide_which_groups_round_up() {
        // Groups of 5, 3 and 2 rows (n = 10), 4 test rows: quotas 2.0, 1.2, 0.8.
        // Floors 2, 1, 0 (sum 3); the one missing row goes to the largest remainder (0.8).
        let strata = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2];
        for seed in 0..5 {
            let (_, test) = stratified_split_indices(&strata, 0.4, seed).unwrap();
            let counts: Vec<usize> = (0..3)
                .map(|g| test.iter().filter(|&&i| strata[i] == g).count())
                .collect();
            assert_eq!(counts, vec![2, 1, 1]);
        }
    }

    #[test]
    fn group_ids_need_not_be_dense() {
        let strata = [7, 7, 7, 7, 42, 42, 42, 42];
        let (train, test) = stratified_split_indices(&strata, 0.5, 0).unwrap();
        assert_eq!((train.len(), test.len()), (4, 4));
        assert_eq!(test.iter().filter(|&&i| strata[i] == 42).count(), 2);
    }
}
