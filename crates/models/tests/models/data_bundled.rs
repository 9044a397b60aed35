//! The five bundled data sets in `data/` load with the right shapes, names and class counts.

use nabla_models::data::{CsvOptions, Dataset, Targets};
use std::path::PathBuf;

fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(file)
}

fn load(file: &str, options: &CsvOptions) -> Dataset {
    Dataset::from_csv(path(file), options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn iris_has_three_species_of_fifty() {
    let d = load("iris.csv", &CsvOptions::labels("species"));
    assert_eq!((d.n_rows(), d.n_features()), (150, 4));
    assert_eq!(
        d.feature_names(),
        &[
            "sepal_length_cm",
            "sepal_width_cm",
            "petal_length_cm",
            "petal_width_cm"
        ]
    );
    let t = d.targets();
    assert_eq!(
        t.class_names().unwrap(),
        &["setosa", "versicolor", "virginica"]
    );
    assert_eq!(t.class_counts(), Some(vec![50, 50, 50]));
    // The first line of data: 5.1,3.5,1.4,0.2,setosa
    assert_eq!(&d.features().data()[..4], &[5.1, 3.5, 1.4, 0.2]);
    assert_eq!(t.class_indices().unwrap()[0], 0);
}

#[test]
fn wine_has_59_71_48() {
    let d = load("wine.csv", &CsvOptions::labels("cultivar"));
    assert_eq!((d.n_rows(), d.n_features()), (178, 13));
    assert_eq!(
        d.targets().class_names().unwrap(),
        &["class_0", "class_1", "class_2"]
    );
    assert_eq!(d.targets().class_counts(), Some(vec![59, 71, 48]));
    // proline, the last feature, of the first row is 1065
    assert_eq!(d.features().at(&[0, 12]), 1065.0);
}

#[test]
fn breast_cancer_has_212_malignant_and_357_benign() {
    let d = load("breast_cancer.csv", &CsvOptions::labels("malignant"));
    assert_eq!((d.n_rows(), d.n_features()), (569, 30));
    assert_eq!(d.target_names(), &["malignant"]);
    // Numeric labels: class 0 is "0" (benign), class 1 is "1" (malignant).
    assert_eq!(d.targets().class_names().unwrap(), &["0", "1"]);
    assert_eq!(d.targets().class_counts(), Some(vec![357, 212]));
    // Read as a continuous 0/1 column instead, the raw values are the same.
    let c = load("breast_cancer.csv", &CsvOptions::continuous(&["malignant"]));
    assert_eq!(c.targets().to_columns(), d.targets().to_columns());
    assert_eq!(c.targets().to_columns().sum(), 212.0);
}

#[test]
fn digits_has_64_pixels_and_10_classes() {
    // Loaded as they come, the three pixels that are blank in every image are left out.
    let d = load("digits.csv", &CsvOptions::labels("digit"));
    assert_eq!((d.n_rows(), d.n_features()), (1797, 61));
    assert_eq!(
        d.notices(),
        [
            "column \"px0\" left out: it holds one value (0) on every row",
            "column \"px32\" left out: it holds one value (0) on every row",
            "column \"px39\" left out: it holds one value (0) on every row",
        ]
    );
    // Named as the features, all 64 pixels of the 8x8 image stay.
    let pixels: Vec<String> = (0..64).map(|i| format!("px{i}")).collect();
    let d = load(
        "digits.csv",
        &CsvOptions::labels("digit").with_features(&pixels),
    );
    assert_eq!((d.n_rows(), d.n_features()), (1797, 64));
    assert!(d.notices().is_empty());
    assert_eq!(d.feature_names()[63], "px63");
    let names: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(d.targets().class_names().unwrap(), &names[..]);
    let counts = d.targets().class_counts().unwrap();
    assert_eq!(counts.iter().sum::<usize>(), 1797);
    // scikit-learn's load_digits: per-digit counts
    assert_eq!(
        counts,
        vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    let (lo, hi) = (d.features().min(), d.features().max());
    assert_eq!((lo, hi), (0.0, 16.0));
}

#[test]
fn diabetes_is_a_regression_set_of_442_rows() {
    let d = load("diabetes.csv", &CsvOptions::continuous(&["progression"]));
    assert_eq!((d.n_rows(), d.n_features()), (442, 10));
    assert_eq!(d.feature_names()[..3], ["age", "sex", "bmi"]);
    let Targets::Continuous(y) = d.targets() else {
        panic!("diabetes targets should be continuous")
    };
    assert_eq!(y.shape(), &[442, 1]);
    // First row: 59,2,32.1,101,157,93.2,38,4,4.8598,87,151
    assert_eq!(y.at(&[0, 0]), 151.0);
    assert_eq!(d.features().at(&[0, 8]), 4.8598);
    assert_eq!(d.targets().class_counts(), None);
}
