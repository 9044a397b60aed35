//! What the two names language models share (examples and their test): reading
//! `data/names.txt`, the seeded 80/10/10 split by name into next-character examples, the
//! training settings, the test negative log-likelihood and sampling new names.

use nabla::autodiff::{Tensor, set_num_threads};
use nabla::models::data::{CharVocab, Targets, next_char_examples};
use nabla::models::estimator::{Classifier, ClassifierConfig, OptimizerKind};
use nabla::models::layer::Sequential;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::error::Error;
use std::time::Instant;

/// The command line: `--seeds N` (default 5), `--epochs N`, `--threads N`, and
/// `--write-order FILE` (write the names in seed 0's shuffled order, one per line, so that
/// `bench/torch_networks.py` can train on the same rows, and stop).
pub struct Args {
    /// Seeds 0..seeds.
    pub seeds: u64,
    /// Epochs per fit.
    pub epochs: usize,
}

impl Args {
    /// Parses the command line, with `epochs` as the default number of epochs.
    pub fn parse(epochs: usize) -> Result<Args, Box<dyn Error>> {
        let mut parsed = Args { seeds: 5, epochs };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let value = args.next().ok_or(format!("{arg} needs a value"))?;
            if arg == "--write-order" {
                let mut words = load()?;
                words.shuffle(&mut StdRng::seed_from_u64(0));
                std::fs::write(&value, words.join("\n") + "\n")
                    .map_err(|e| format!("--write-order {value}: {e}"))?;
                std::process::exit(0);
            }
            let number: usize = value
                .parse()
                .map_err(|_| format!("{arg} {value}: expected a whole number"))?;
            match arg.as_str() {
                "--seeds" => parsed.seeds = number as u64,
                "--epochs" => parsed.epochs = number,
                "--threads" => set_num_threads(number),
                other => {
                    return Err(format!(
                        "unknown argument {other}; expected --seeds, --epochs, --threads or --write-order"
                    )
                    .into());
                }
            }
        }
        Ok(parsed)
    }
}

/// The 5,163 names of `data/names.txt`, one per line.
pub fn load() -> Result<Vec<String>, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/names.txt");
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// The training and test examples of one seed: names shuffled with the seed, the first 80%
/// for training, the next 10% for validation (unused here), the last 10% for test.
pub struct Split {
    /// Training contexts `[rows, context]` and next characters.
    pub train: (Tensor<f64>, Targets),
    /// Test contexts and next characters.
    pub test: (Tensor<f64>, Targets),
}

impl Split {
    /// The examples of `words` shuffled with `seed`, with `context` tokens of context.
    pub fn new(
        words: &[String],
        vocab: &CharVocab,
        context: usize,
        seed: u64,
    ) -> Result<Split, Box<dyn Error>> {
        let mut shuffled = words.to_vec();
        shuffled.shuffle(&mut StdRng::seed_from_u64(seed));
        let n = shuffled.len();
        let (train_end, test_start) = (n * 8 / 10, n * 9 / 10);
        Ok(Split {
            train: next_char_examples(&shuffled[..train_end], vocab, context)?,
            test: next_char_examples(&shuffled[test_start..], vocab, context)?,
        })
    }

    /// Fits `model` on the training examples; returns the seconds it took.
    pub fn fit(&self, model: &mut Classifier<f32>) -> Result<f64, Box<dyn Error>> {
        let start = Instant::now();
        model.fit(&self.train.0, &self.train.1)?;
        Ok(start.elapsed().as_secs_f64())
    }

    /// The mean negative log-likelihood of the test examples' next characters, in nats.
    pub fn test_nll(&self, model: &Classifier<f32>) -> Result<f64, Box<dyn Error>> {
        Ok(model.evaluate(&self.test.0, &self.test.1)?.log_loss)
    }
}

/// Adam at `lr`, batch 64, `epochs` epochs, seeded by `seed`, no validation split.
pub fn config(lr: f64, epochs: usize, seed: u64) -> ClassifierConfig {
    let mut config = ClassifierConfig::default();
    config.network.optimizer = OptimizerKind::adam(lr);
    config.network.fit.epochs = epochs;
    config.network.fit.batch_size = 64;
    config.network.fit.seed = seed;
    config
}

/// `count` names drawn from `model` one character at a time, starting from an all-boundary
/// context and stopping at the boundary (or 30 characters), with a generator seeded by
/// `seed`.
pub fn sample(
    model: &Classifier<f32>,
    vocab: &CharVocab,
    context: usize,
    count: usize,
    seed: u64,
) -> Result<Vec<String>, Box<dyn Error>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        let mut window = vec![0.0; context];
        let mut tokens = Vec::new();
        while tokens.len() < 30 {
            let p = model.predict_proba(&Tensor::from_vec(window.clone(), &[1, context]))?;
            let mut u: f64 = rng.random();
            let next = p
                .data()
                .iter()
                .position(|&pi| {
                    u -= pi;
                    u < 0.0
                })
                .unwrap_or(0);
            if next == 0 {
                break;
            }
            tokens.push(next);
            window.rotate_left(1);
            window[context - 1] = next as f64;
        }
        names.push(vocab.decode(&tokens));
    }
    Ok(names)
}

/// The whole protocol: for each seed of the command line, a model with `body` fitted on that
/// seed's split (Adam at `lr`, batch 64), its test NLL and seconds per epoch printed; for seed
/// 0 also its summary, 20 sampled names, and whatever `show` prints; then the mean.
pub fn run_seeds(
    context: usize,
    lr: f64,
    body: fn(&mut StdRng) -> Sequential<f32>,
    show: impl Fn(&Classifier<f32>, &CharVocab) -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    let args = Args::parse(15)?;
    let words = load()?;
    let vocab = CharVocab::lowercase();
    let mut losses = Vec::new();
    for seed in 0..args.seeds {
        let split = Split::new(&words, &vocab, context, seed)?;
        let mut model = Classifier::<f32>::new(config(lr, args.epochs, seed)).with_body(body);
        let seconds = split.fit(&mut model)?;
        let nll = split.test_nll(&model)?;
        println!(
            "seed {seed}: test NLL {nll:.4} nats per character, {:.3} s/epoch",
            seconds / args.epochs as f64
        );
        losses.push(nll);
        if seed == 0 {
            let net = model.network().expect("fitted");
            println!("{}\n", net.summary_for(&[context]));
            println!("20 names sampled from seed 0's model:");
            for name in sample(&model, &vocab, context, 20, 1)? {
                println!("  {name}");
            }
            println!();
            show(&model, &vocab)?;
        }
    }
    report_mean("test NLL", &losses);
    Ok(())
}

/// Prints the mean and sample standard deviation of `values`.
pub fn report_mean(what: &str, values: &[f64]) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    println!(
        "mean {what} {mean:.4} (std {:.4}) over {} seeds",
        var.sqrt(),
        values.len()
    );
}
