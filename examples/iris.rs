//! Multi-class classification on Fisher's iris data: three softmax units and sparse
//! categorical cross-entropy, predictions printed as class names.
//!
//! Run with `cargo run --release --example iris`.

use nabla::models::data::{CsvOptions, Dataset, prepare_split};
use nabla::models::estimator::Classifier;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/iris.csv");
    let data = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
    let (train, test) = prepare_split(&data, 0.2, 0)?; // seeded split, standardised features

    let mut model = Classifier::<f32>::default();
    model.fit(train.features(), train.targets())?;
    println!("head: {}", model.head().expect("fitted"));
    println!(
        "{}",
        model.network().expect("fitted").summary(train.n_features())
    );

    let predicted = model.predict_names(test.features())?;
    let truth = test.targets().class_indices().expect("labels");
    let names = model.class_names().expect("fitted");
    println!("\nevery third test flower:");
    for (p, &t) in predicted.iter().zip(&truth).step_by(3) {
        println!("  predicted {p:<12} actual {}", names[t]);
    }
    let eval = model.evaluate(test.features(), test.targets())?;
    println!("\ntest accuracy {:.4}", eval.accuracy);
    if let Some(confusion) = &eval.confusion {
        println!("{confusion}");
    }
    Ok(())
}
