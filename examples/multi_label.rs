//! Multi-label classification: each handwritten digit (data/digits.csv) gets any of four
//! named labels — even, greater than 4, prime, zero — from four sigmoid units and binary
//! cross-entropy, thresholded at 0.5 per label.
//!
//! Run with `cargo run --release --example multi_label`.

use nabla::autodiff::Tensor;
use nabla::models::data::{CsvOptions, Dataset, Targets, prepare_split};
use nabla::models::estimator::Classifier;
use std::error::Error;

const LABELS: [&str; 4] = ["even", "greater_than_4", "prime", "zero"];

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let digits = Dataset::from_csv(path, &CsvOptions::labels("digit"))?;
    let classes = digits.targets().class_indices().expect("labels");
    let rules: [fn(usize) -> bool; 4] = [
        |d| d % 2 == 0,
        |d| d > 4,
        |d| matches!(d, 2 | 3 | 5 | 7),
        |d| d == 0,
    ];
    let values = Tensor::from_fn(&[classes.len(), 4], |i| {
        f64::from(u8::from(rules[i % 4](classes[i / 4])))
    });
    let data = Dataset::new(
        digits.features().clone(),
        digits.feature_names(),
        Targets::multi_hot(values, &LABELS)?,
        &LABELS,
    )?;

    let (train, test) = prepare_split(&data, 0.2, 0)?; // seeded split, standardised features
    let mut model = Classifier::<f32>::default();
    model.fit(train.features(), train.targets())?;
    println!("head: {}", model.head().expect("fitted"));

    let predicted = model.predict_label_names(test.features())?;
    for labels in predicted.iter().take(6) {
        println!("  {labels:?}");
    }
    let eval = model.evaluate(test.features(), test.targets())?;
    for (name, acc) in LABELS.iter().zip(&eval.per_label_accuracy) {
        println!("accuracy of label {name:<15} {acc:.4}");
    }
    Ok(())
}
