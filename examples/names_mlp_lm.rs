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
    names::run_seeds(CONTEXT, 3e-3, body, |_, _| Ok(()))
}
