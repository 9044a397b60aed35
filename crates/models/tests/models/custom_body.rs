//! Estimators with a custom body (`Classifier::with_body`, `Regressor::with_body`): images and
//! token sequences go through `fit`, and a body that does not fit the rows is a `FitError`
//! that says what to change, not a panic.

use nabla_autodiff::Tensor;
use nabla_models::data::Targets;
use nabla_models::estimator::{Classifier, FitError, Regressor};
use nabla_models::layer::{
    Conv2d, Embedding, Flatten, LastPosition, MaxPool2d, Reshape, Sequential,
};
use nabla_ops::Activation;

/// 4x4 images with a bright vertical (class 0) or horizontal (class 1) bar at a random place.
fn bars(rows: usize) -> (Tensor<f64>, Targets) {
    let mut labels = Vec::with_capacity(rows);
    let x = Tensor::from_fn(&[rows, 16], |i| {
        let (row, pixel) = (i / 16, i % 16);
        let (class, at) = (row % 2, (row / 2) % 4);
        let (r, c) = (pixel / 4, pixel % 4);
        let lit = if class == 0 { c == at } else { r == at };
        if pixel == 0 {
            labels.push(class);
        }
        if lit { 1.0 } else { 0.0 }
    });
    (
        x,
        Targets::labels(labels, &["vertical", "horizontal"]).unwrap(),
    )
}

#[test]
fn a_convolutional_body_learns_bar_orientation_through_fit() {
    let (x, y) = bars(64);
    let mut model = Classifier::<f64>::default().with_body(|rng| {
        Sequential::new()
            .with(Reshape::new(&[1, 4, 4]))
            .with(
                Conv2d::new(1, 4, [3, 3], rng)
                    .padding([1, 1])
                    .activation(Activation::Relu),
            )
            .with(MaxPool2d::new([2, 2]))
            .with(Flatten)
    });
    model.config.network.fit.epochs = 60;
    model.fit(&x, &y).unwrap();
    let summary = model.network().unwrap().summary(16);
    assert_eq!(summary.rows.last().unwrap().output_shape, "[batch, 1]"); // sigmoid head
    assert_eq!(model.evaluate(&x, &y).unwrap().accuracy, 1.0);
}

#[test]
fn a_token_body_fits_a_regressor() {
    // The target is the number of 1s among 3 tokens of {0, 1}: the sum of what each token's
    // embedding learns.
    let rows = 8;
    let x = Tensor::from_fn(&[rows, 3], |i| ((i / 3) >> (i % 3) & 1) as f64);
    let y = Tensor::from_fn(&[rows, 1], |r| {
        (0..3).map(|k| (r >> k) & 1).sum::<usize>() as f64
    });
    let mut model = Regressor::<f64>::default().with_body(|rng| {
        Sequential::new()
            .with(Embedding::new(2, 4, rng))
            .with(Flatten)
    });
    model.config.network.fit.epochs = 2000;
    model
        .fit(&x, &Targets::continuous(y.clone()).unwrap())
        .unwrap();
    let predicted = model.predict(&x).unwrap();
    for (p, t) in predicted.data().iter().zip(y.data()) {
        assert!((p - t).abs() < 0.1, "predicted {p}, target {t}");
    }
}

#[test]
fn a_body_that_does_not_end_in_rows_says_to_flatten() {
    let (x, y) = bars(8);
    let mut model = Classifier::<f64>::default().with_body(|rng| {
        Sequential::new()
            .with(Reshape::new(&[1, 4, 4]))
            .with(Conv2d::new(1, 2, [3, 3], rng))
    });
    let err = model.fit(&x, &y).unwrap_err();
    assert!(matches!(err, FitError::Invalid { .. }));
    let message = err.to_string();
    assert!(message.contains("samples of shape [2, 2, 2]"), "{message}");
    assert!(message.contains("Flatten"), "{message}");
}

#[test]
fn a_body_that_refuses_the_rows_is_an_error_naming_their_width() {
    let (x, y) = bars(8);
    let mut model = Classifier::<f64>::default().with_body(|_| {
        Sequential::new()
            .with(Reshape::new(&[1, 8, 8]))
            .with(LastPosition)
    });
    let message = model.fit(&x, &y).unwrap_err().to_string();
    assert!(
        message.contains("does not accept rows of 16 features"),
        "{message}"
    );
}

#[test]
fn a_token_id_outside_the_vocabulary_is_an_error_in_fit_and_predict() {
    let body = |rng: &mut rand::rngs::StdRng| {
        Sequential::new()
            .with(Embedding::new(3, 2, rng))
            .with(Flatten)
    };
    let y = Targets::labels(vec![0, 1], &["no", "yes"]).unwrap();
    let bad = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0], &[2, 2]); // 3 is not below 3
    let mut model = Classifier::<f64>::default().with_body(body);
    let message = model.fit(&bad, &y).unwrap_err().to_string();
    assert!(message.starts_with("Classifier::fit: a layer of the network refused the data"));
    assert!(
        message.contains("vocab") || message.contains("3"),
        "{message}"
    );

    let good = Tensor::from_vec(vec![0.0, 1.0, 2.0, 1.0], &[2, 2]);
    model.config.network.fit.epochs = 1;
    model.fit(&good, &y).unwrap();
    let message = model.predict(&bad).unwrap_err().to_string();
    assert!(message.starts_with("Classifier::predict_proba: a layer of the network refused"));
}
