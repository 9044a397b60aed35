//! `Predictor` gives what the fitted network computes: the same numbers as running the network
//! directly on the (standardised) rows, in chunks for large calls, two columns for a single
//! sigmoid unit, and errors that name the refused value.

use nabla_autodiff::Tensor;
use nabla_models::data::{CsvOptions, Dataset, Standardizer};
use nabla_models::estimator::{BinaryHead, Classifier};
use nabla_models::train::predict_outputs;

fn bundled(file: &str) -> String {
    format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn iris() -> Dataset {
    Dataset::from_csv(bundled("iris.csv"), &CsvOptions::labels("species")).unwrap()
}

fn fitted(data: &Dataset, standardize: bool) -> Classifier<f64> {
    let mut model = Classifier::<f64>::default();
    model.config.network.fit.epochs = 5;
    model.config.network.standardize = standardize;
    model.fit(data.features(), data.targets()).unwrap();
    model
}

fn assert_close(got: &Tensor<f64>, want: &Tensor<f64>) {
    assert_eq!(got.shape(), want.shape());
    for (i, (g, w)) in got.data().iter().zip(want.data()).enumerate() {
        assert!((g - w).abs() <= 1e-12, "element {i}: {g} vs {w}");
    }
}

#[test]
fn predictions_are_the_network_run_on_the_rows() {
    let data = iris();
    let raw = fitted(&data, false);
    let mut predictor = raw.predictor().unwrap();
    let direct = predict_outputs(
        raw.network().unwrap(),
        &raw.head().unwrap(),
        data.features(),
    );
    assert_close(predictor.predict(data.features()).unwrap(), &direct);

    // Standardised as in fit: with the mean and deviation of the training rows.
    let scaled = fitted(&data, true);
    let rows = Standardizer::fit(data.features())
        .unwrap()
        .transform(data.features())
        .unwrap();
    let direct = predict_outputs(scaled.network().unwrap(), &scaled.head().unwrap(), &rows);
    let probabilities = scaled
        .predictor()
        .unwrap()
        .predict(data.features())
        .unwrap()
        .clone();
    assert_close(&probabilities, &direct);
    for row in probabilities.data().chunks(3) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn a_large_call_runs_in_chunks_with_the_same_numbers() {
    let data = iris();
    let model = fitted(&data, true);
    let mut predictor = model.predictor().unwrap();
    let once = predictor.predict(data.features()).unwrap().clone();
    // 5000 rows (more than a chunk of 4096): the 150 rows again and again.
    let repeated = Tensor::from_fn(&[5000, 4], |i| data.features().data()[i % 600]);
    let many = predictor.predict(&repeated).unwrap();
    assert_eq!(many.shape(), &[5000, 3]);
    let again = Tensor::from_fn(&[5000, 3], |i| once.data()[i % 450]);
    assert_close(many, &again);
    // And a single row after that: the buffers shrink to it.
    let first = Tensor::from_vec(data.features().data()[..4].to_vec(), &[1, 4]);
    assert_close(
        predictor.predict(&first).unwrap(),
        &Tensor::from_vec(once.data()[..3].to_vec(), &[1, 3]),
    );
}

#[test]
fn a_single_sigmoid_unit_gives_both_classes_probabilities() {
    let data = Dataset::from_csv(
        bundled("breast_cancer.csv"),
        &CsvOptions::labels("malignant"),
    )
    .unwrap();
    let mut model = Classifier::<f64>::default();
    model.config.binary_head = BinaryHead::Sigmoid;
    model.config.network.fit.epochs = 3;
    model.config.network.standardize = false;
    model.fit(data.features(), data.targets()).unwrap();
    assert_eq!(model.head().unwrap().units, 1);
    let p = model
        .predictor()
        .unwrap()
        .predict(data.features())
        .unwrap()
        .clone();
    let direct = predict_outputs(
        model.network().unwrap(),
        &model.head().unwrap(),
        data.features(),
    );
    assert_eq!(p.shape(), &[569, 2]);
    for (pair, &positive) in p.data().chunks(2).zip(direct.data()) {
        assert_eq!(pair, [1.0 - positive, positive]);
    }
}

#[test]
fn refused_rows_are_named_and_the_predictor_keeps_working() {
    let data = iris();
    let model = fitted(&data, true);
    let mut predictor = model.predictor().unwrap();
    let mut bad = data.features().clone();
    bad.data_mut()[3 * 4 + 2] = f64::NAN;
    let err = predictor.predict(&bad).unwrap_err().to_string();
    assert!(
        err.contains("row 3, column 2") && err.contains("Predictor::predict"),
        "{err}"
    );
    let narrow = Tensor::<f64>::zeros(&[2, 3]);
    let err = predictor.predict(&narrow).unwrap_err().to_string();
    assert!(err.contains("fitted on 4 features but got 3"), "{err}");
    let good = predictor.predict(data.features()).unwrap();
    assert_close(good, &model.predict_proba(data.features()).unwrap());
}
