//! A small convolutional network on the 8x8 handwritten digits: the pixels / 16 as 1x8x8
//! images, conv 16 3x3 (padding 1) - ReLU - max pool 2, conv 32 3x3 (padding 1) - ReLU - max
//! pool 2, flatten 128, dense 64 ReLU, and the 10 softmax units the `Classifier` appends for
//! ten classes; Adam 1e-3, batch 32, 30 epochs, on the 80/20 stratified splits of seeds
//! 0..4 in `data/digits_splits.csv` (scikit-learn's, written by `bench/write_splits.py`, so
//! that PyTorch can train and test on the same rows). It prints the network's summary, each
//! seed's test accuracy and seconds per epoch, and their mean.
//!
//! ```sh
//! cargo run --release --example digits_cnn -- [--seeds N] [--epochs N] [--threads N]
//! ```

use nabla::autodiff::set_num_threads;
use nabla::models::data::Dataset;
use nabla::models::estimator::{Classifier, ClassifierConfig, OptimizerKind};
use nabla::models::layer::{Conv2d, Dense, Flatten, MaxPool2d, Reshape, Sequential};
use nabla::ops::{Activation, Init};
use rand::rngs::StdRng;
use std::error::Error;
use std::time::Instant;

#[path = "support/digits.rs"]
mod digits;

/// The convolutional body: rows of 64 pixels in, 64 features per image out.
pub fn body(rng: &mut StdRng) -> Sequential<f32> {
    Sequential::new()
        .with(Reshape::new(&[1, 8, 8]))
        .with(
            Conv2d::new(1, 16, [3, 3], rng)
                .padding([1, 1])
                .activation(Activation::Relu),
        )
        .with(MaxPool2d::new([2, 2]))
        .with(
            Conv2d::new(16, 32, [3, 3], rng)
                .padding([1, 1])
                .activation(Activation::Relu),
        )
        .with(MaxPool2d::new([2, 2]))
        .with(Flatten)
        .with(Dense::with_init(
            128,
            64,
            Activation::Relu,
            Init::TorchDefault,
            rng,
        ))
}

/// One seed's run: test accuracy and seconds per epoch.
pub fn run(
    data: &Dataset,
    split: &digits::Split,
    seed: u64,
    epochs: usize,
    show_summary: bool,
) -> Result<(f64, f64), Box<dyn Error>> {
    let (train, test) = (data.select(&split.0)?, data.select(&split.1)?);
    let mut config = ClassifierConfig::default();
    config.network.standardize = false; // the pixels are already in [0, 1], as PyTorch reads them
    config.network.optimizer = OptimizerKind::adam(1e-3);
    config.network.fit.epochs = epochs;
    config.network.fit.batch_size = 32;
    config.network.fit.seed = seed;
    let mut model = Classifier::<f32>::new(config).with_body(body);
    let start = Instant::now();
    model.fit(train.features(), train.targets())?;
    let per_epoch = start.elapsed().as_secs_f64() / epochs as f64;
    if show_summary {
        let net = model.network().expect("fitted");
        println!("{}\n", net.summary(train.n_features()));
    }
    let accuracy = model.evaluate(test.features(), test.targets())?.accuracy;
    Ok((accuracy, per_epoch))
}

fn main() -> Result<(), Box<dyn Error>> {
    let (mut seeds, mut epochs) = (5_u64, 30_usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || -> Result<usize, Box<dyn Error>> {
            let v = args.next().ok_or(format!("{arg} needs a number"))?;
            Ok(v.parse()
                .map_err(|_| format!("{arg} {v}: expected a whole number"))?)
        };
        match arg.as_str() {
            "--seeds" => seeds = value()? as u64,
            "--epochs" => epochs = value()?,
            "--threads" => set_num_threads(value()?),
            other => {
                return Err(format!(
                    "unknown argument {other}; expected --seeds, --epochs or --threads"
                )
                .into());
            }
        }
    }
    let data = digits::load()?;
    let splits = digits::read_splits()?;
    if seeds as usize > splits.len() {
        return Err(format!("--seeds {seeds}: the split file has {} seeds", splits.len()).into());
    }
    let mut accuracies = Vec::new();
    let mut times = Vec::new();
    for seed in 0..seeds {
        let (accuracy, per_epoch) = run(&data, &splits[seed as usize], seed, epochs, seed == 0)?;
        println!("seed {seed}: test accuracy {accuracy:.4}, {per_epoch:.3} s/epoch");
        accuracies.push(accuracy);
        times.push(per_epoch);
    }
    let n = accuracies.len() as f64;
    let mean = accuracies.iter().sum::<f64>() / n;
    let std =
        (accuracies.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    times.sort_by(f64::total_cmp);
    println!(
        "\nmean test accuracy {mean:.4} (std {std:.4}) over {seeds} seeds; median {:.3} s/epoch",
        times[times.len() / 2]
    );
    Ok(())
}
