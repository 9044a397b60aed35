//! Regression on the diabetes progression data: one linear unit and mean squared error, the
//! target standardised inside the model and predictions reported in its own units.
//!
//! Run with `cargo run --release --example diabetes`.

use nabla::models::data::{CsvOptions, Dataset, prepare_split};
use nabla::models::estimator::Regressor;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/diabetes.csv");
    let data = Dataset::from_csv(path, &CsvOptions::continuous(&["progression"]))?;
    let (train, test) = prepare_split(&data, 0.2, 0)?; // seeded split, standardised features

    let mut model = Regressor::<f32>::default();
    model.fit(train.features(), train.targets())?;
    let eval = model.evaluate(test.features(), test.targets())?;
    let predicted = model.predict(test.features())?;
    let truth = test.targets().to_columns();
    println!("first five test patients (disease progression after one year):");
    for i in 0..5 {
        println!(
            "  predicted {:7.1}  actual {:7.1}",
            predicted.data()[i],
            truth.data()[i]
        );
    }
    println!(
        "\ntest R^2 {:.3}, RMSE {:.1}, MAE {:.1}, median absolute error {:.1}",
        eval.r2, eval.rmse, eval.mae, eval.median_absolute_error
    );
    Ok(())
}
