//! Splitting, standardising and resampling the bundled data sets.

use nabla_autodiff::Tensor;
use nabla_models::data::{
    CsvOptions, Dataset, Standardizer, Targets, downsample, stratified_split, to_categorical,
    train_test_split, upsample,
};
use std::path::PathBuf;

fn load(file: &str, options: &CsvOptions) -> Dataset {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(file);
    Dataset::from_csv(path, options).unwrap_or_else(|e| panic!("{e}"))
}

fn classification_sets() -> Vec<(&'static str, Dataset)> {
    vec![
        ("iris", load("iris.csv", &CsvOptions::labels("species"))),
        ("wine", load("wine.csv", &CsvOptions::labels("cultivar"))),
        (
            "breast_cancer",
            load("breast_cancer.csv", &CsvOptions::labels("malignant")),
        ),
        ("digits", load("digits.csv", &CsvOptions::labels("digit"))),
    ]
}

#[test]
fn stratified_split_keeps_class_shares_within_one_row() {
    for (name, data) in classification_sets() {
        let all = data.targets().class_counts().unwrap();
        let n = data.n_rows();
        for seed in 0..5 {
            let (train, test) = stratified_split(&data, 0.2, seed).unwrap();
            // ceil(0.2 n) test rows, as scikit-learn's train_test_split counts them
            let n_test = (n as f64 * 0.2).ceil() as usize;
            assert_eq!(
                (train.n_rows(), test.n_rows()),
                (n - n_test, n_test),
                "{name}"
            );
            let tr = train.targets().class_counts().unwrap();
            let te = test.targets().class_counts().unwrap();
            for c in 0..all.len() {
                assert_eq!(tr[c] + te[c], all[c], "{name} class {c}");
                // Each side holds its share of class c, to within one row.
                let share = all[c] as f64 / n as f64;
                let test_gap = (te[c] as f64 - share * n_test as f64).abs();
                let train_gap = (tr[c] as f64 - share * (n - n_test) as f64).abs();
                assert!(
                    test_gap < 1.0 && train_gap < 1.0,
                    "{name} seed {seed} class {c}"
                );
            }
        }
    }
}

#[test]
fn iris_stratified_test_set_is_ten_of_each() {
    let iris = load("iris.csv", &CsvOptions::labels("species"));
    let (train, test) = stratified_split(&iris, 0.2, 0).unwrap();
    assert_eq!(test.targets().class_counts(), Some(vec![10, 10, 10]));
    assert_eq!(train.targets().class_counts(), Some(vec![40, 40, 40]));
}

#[test]
fn splits_are_seeded_and_disjoint() {
    let iris = load("iris.csv", &CsvOptions::labels("species"));
    let (a_train, a_test) = stratified_split(&iris, 0.2, 3).unwrap();
    let (b_train, b_test) = stratified_split(&iris, 0.2, 3).unwrap();
    assert_eq!((&a_train, &a_test), (&b_train, &b_test));
    let (_, c_test) = stratified_split(&iris, 0.2, 4).unwrap();
    assert_ne!(a_test, c_test);
    // Every row lands on exactly one side: the feature rows of both sides, sorted, are the
    // feature rows of the whole set, sorted.
    let rows = |d: &Dataset| -> Vec<Vec<u64>> {
        d.features()
            .data()
            .chunks(4)
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    let mut both = rows(&a_train);
    both.extend(rows(&a_test));
    both.sort();
    let mut all = rows(&iris);
    all.sort();
    assert_eq!(both, all);
}

#[test]
fn diabetes_plain_split_is_80_20() {
    let d = load("diabetes.csv", &CsvOptions::continuous(&["progression"]));
    let (train, test) = train_test_split(&d, 0.2, 0).unwrap();
    assert_eq!((train.n_rows(), test.n_rows()), (353, 89));
    let total = d.targets().to_columns().sum();
    let split_total = train.targets().to_columns().sum() + test.targets().to_columns().sum();
    assert_eq!(split_total, total);
    let err = stratified_split(&d, 0.2, 0).unwrap_err();
    assert!(err.to_string().contains("continuous targets"), "{err}");
}

#[test]
fn standardizer_fitted_on_train_gives_mean_0_std_1_there() {
    let d = load("breast_cancer.csv", &CsvOptions::labels("malignant"));
    let (train, test) = stratified_split(&d, 0.2, 1).unwrap();
    let scaler = Standardizer::fit(train.features()).unwrap();
    let train_s = scaler.transform_dataset(&train).unwrap();
    let (rows, cols) = (train_s.n_rows() as f64, train_s.n_features());
    let x = train_s.features();
    let means = x.mean_axes(&[0], false);
    for c in 0..cols {
        let m = means.data()[c];
        let var = x
            .data()
            .iter()
            .skip(c)
            .step_by(cols)
            .map(|v| (v - m) * (v - m))
            .sum::<f64>()
            / rows;
        assert!(m.abs() < 1e-12, "column {c} mean {m}");
        assert!(
            (var.sqrt() - 1.0).abs() < 1e-12,
            "column {c} std {}",
            var.sqrt()
        );
    }
    // The test split is scaled with the training statistics, so it is near, not exactly at,
    // mean 0: mean_area (column 3) ranges in the hundreds but stays within a few tenths here.
    let test_s = scaler.transform_dataset(&test).unwrap();
    let test_mean = test_s.features().mean_axes(&[0], false);
    assert!(test_mean.data().iter().all(|m| m.abs() < 0.5));
    assert!(test_mean.data().iter().any(|m| m.abs() > 1e-6));
    assert_eq!(test_s.targets(), test.targets());
}

#[test]
fn resampling_balances_breast_cancer() {
    let d = load("breast_cancer.csv", &CsvOptions::labels("malignant"));
    let up = upsample(&d, 0).unwrap();
    assert_eq!(up.targets().class_counts(), Some(vec![357, 357]));
    assert_eq!(up.n_rows(), 714);
    let down = downsample(&d, 0).unwrap();
    assert_eq!(down.targets().class_counts(), Some(vec![212, 212]));
    // Downsampling keeps every malignant row once: their feature sums agree.
    let malignant_sum = |d: &Dataset| -> f64 {
        let labels = d.targets().class_indices().unwrap();
        let w = d.n_features();
        (0..d.n_rows())
            .filter(|&r| labels[r] == 1)
            .map(|r| d.features().data()[r * w..(r + 1) * w].iter().sum::<f64>())
            .sum()
    };
    assert!((malignant_sum(&down) - malignant_sum(&d)).abs() < 1e-6);
    assert_ne!(upsample(&d, 1).unwrap(), up);
}

#[test]
fn one_hot_targets_split_like_labels() {
    let iris = load("iris.csv", &CsvOptions::labels("species"));
    let labels = iris.targets().class_indices().unwrap();
    let one_hot = Targets::one_hot(
        to_categorical(&labels, 3).unwrap(),
        iris.targets().class_names().unwrap(),
    )
    .unwrap();
    let names = iris.targets().class_names().unwrap().to_vec();
    let d = Dataset::new(
        iris.features().clone(),
        iris.feature_names(),
        one_hot,
        &names,
    )
    .unwrap();
    let (_, test) = stratified_split(&d, 0.2, 0).unwrap();
    let (_, test_labels) = stratified_split(&iris, 0.2, 0).unwrap();
    assert_eq!(test.features(), test_labels.features());
    assert_eq!(test.targets().class_counts(), Some(vec![10, 10, 10]));
}

#[test]
fn multi_hot_targets_from_digits_stratify_by_combination() {
    // The labels of the multi-label quality test: even, greater than 4, prime, zero.
    let digits = load("digits.csv", &CsvOptions::labels("digit"));
    let y = digits.targets().class_indices().unwrap();
    let rows: Vec<f64> = y
        .iter()
        .flat_map(|&d| [d % 2 == 0, d > 4, matches!(d, 2 | 3 | 5 | 7), d == 0].map(f64::from))
        .collect();
    let names = ["even", "gt4", "prime", "zero"];
    let targets = Targets::multi_hot(Tensor::from_vec(rows, &[y.len(), 4]), &names).unwrap();
    let data = Dataset::new(
        digits.features().clone(),
        digits.feature_names(),
        targets,
        &names,
    )
    .unwrap();
    // Label counts from the digit counts 178 182 177 183 181 182 181 179 174 180:
    // even 0 2 4 6 8 = 178+177+181+181+174 = 891; >4: 5..9 = 182+181+179+174+180 = 896;
    // prime 2 3 5 7 = 177+183+182+179 = 721; zero = 178
    assert_eq!(
        data.targets().class_counts(),
        Some(vec![891, 896, 721, 178])
    );
    let (train, test) = stratified_split(&data, 0.2, 0).unwrap();
    let (tr, te) = (
        train.targets().class_counts().unwrap(),
        test.targets().class_counts().unwrap(),
    );
    // The digits fall into 8 combinations (6 and 8 share one, 5 and 7 another). Each keeps its
    // share to within one row, so a label is within one row per combination that carries it:
    // even 4 (0, 2, 4, 6/8), gt4 3 (5/7, 6/8, 9), prime 3 (2, 3, 5/7), zero 1.
    let combos = [4.0, 3.0, 3.0, 1.0];
    for (l, total) in [891.0, 896.0, 721.0, 178.0].iter().enumerate() {
        let gap = (te[l] as f64 - total * 360.0 / 1797.0).abs();
        assert!(gap < combos[l], "label {l}: {gap}");
        assert_eq!(tr[l] + te[l], *total as usize);
    }
}
