//! A character-level language model of first names in the style of Bengio et al. (2003): the
//! previous 3 characters, each embedded in 10 dimensions, concatenated (30) -> 200 tanh ->
//! 27 softmax units over '.' and a..z. Names are shuffled with a seeded generator and split
//! 80/10/10 by name; Adam 3e-3, batch 64, 15 epochs. It prints the test negative
//! log-likelihood (nats per character) of each seed, their mean, and 20 names sampled from
//! the first seed's model.
//!
//! ```sh
//! cargo run --release --example names_mlp_lm -- [--seeds N] [--epochs N] [--threads N]
//! ```

use nabla::models::data::CharVocab;
use nabla::models::estimator::Classifier;
use nabla::models::layer::{Dense, Embedding, Flatten, Sequential};
use nabla::ops::{Activation, Init};
use rand::rngs::StdRng;
use std::error::Error;

#[path = "support/names.rs"]
mod names;

/// Tokens of context.
const CONTEXT: usize = 3;

/// Embedding 27x10 of each context token, concatenated, then 200 tanh units.
pub fn body(rng: &mut StdRng) -> Sequential<f32> {
    Sequential::new()
        .with(Embedding::new(27, 10, rng))
        .with(Flatten)
        .with(Dense::with_init(
            CONTEXT * 10,
            200,
            Activation::Tanh,
            Init::TorchDefault,
            rng,
        ))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = names::Args::parse(15)?;
    let words = names::load()?;
    let vocab = CharVocab::lowercase();
    let mut losses = Vec::new();
    for seed in 0..args.seeds {
        let split = names::Split::new(&words, &vocab, CONTEXT, seed)?;
        let config = names::config(3e-3, args.epochs, seed);
        let mut model = Classifier::<f32>::new(config).with_body(body);
        let seconds = split.fit(&mut model)?;
        let nll = split.test_nll(&model)?;
        println!(
            "seed {seed}: test NLL {nll:.4} nats per character, {:.3} s/epoch",
            seconds / args.epochs as f64
        );
        losses.push(nll);
        if seed == 0 {
            println!(
                "{}\n",
                model.network().expect("fitted").summary_for(&[CONTEXT])
            );
            println!("20 names sampled from seed 0's model:");
            for name in names::sample(&model, &vocab, CONTEXT, 20, 1)? {
                println!("  {name}");
            }
            println!();
        }
    }
    names::report_mean("test NLL", &losses);
    Ok(())
}
