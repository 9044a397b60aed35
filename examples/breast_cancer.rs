//! Binary classification on the Wisconsin breast cancer data (data/breast_cancer.csv), with
//! both head styles: one sigmoid unit + binary cross-entropy, and two softmax units +
//! categorical cross-entropy. They are the same model and reach the same accuracy.
//!
//! Run with `cargo run --release --example breast_cancer`.

use nabla::models::data::{CsvOptions, Dataset, prepare_split};
use nabla::models::estimator::{BinaryHead, Classifier, ClassifierConfig};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");
    let data = Dataset::from_csv(path, &CsvOptions::labels("malignant"))?;
    let (train, test) = prepare_split(&data, 0.2, 0)?; // seeded split, standardised features
    println!(
        "breast_cancer: {} training rows, {} test rows, {} features",
        train.n_rows(),
        test.n_rows(),
        train.n_features()
    );

    for binary_head in [BinaryHead::Sigmoid, BinaryHead::Softmax] {
        let mut model = Classifier::<f32>::new(ClassifierConfig {
            binary_head,
            ..Default::default()
        });
        let history = model.fit(train.features(), train.targets())?;
        let eval = model.evaluate(test.features(), test.targets())?;
        println!();
        println!("head: {}", model.head().expect("fitted"));
        println!(
            "final training loss {:.4} after {} epochs",
            history.last().map_or(f64::NAN, |e| e.loss),
            history.epochs.len()
        );
        println!(
            "test accuracy {:.4}, log loss {:.4}, ROC AUC {:.4}",
            eval.accuracy,
            eval.log_loss,
            eval.roc_auc.unwrap_or(f64::NAN)
        );
        if let Some(confusion) = &eval.confusion {
            println!("{confusion}");
        }
    }
    Ok(())
}
