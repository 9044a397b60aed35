//! A character-level language model of first names with causal self-attention: the previous
//! 8 characters, each a token embedding (27x32) plus a position embedding (8x32), one
//! pre-LayerNorm transformer block (4 causal heads of 8, then MLP 32 -> 128 GELU -> 32, with
//! residuals), a final LayerNorm, and the last position through Linear 32 -> 27. Names are
//! shuffled with a seeded generator and split 80/10/10 by name; Adam 1e-3, batch 64, 15
//! epochs. It prints the test negative log-likelihood (nats per character) of each seed and
//! their mean, names sampled from the first seed's model, and for one name the attention
//! weights of each head.
//!
//! ```sh
//! cargo run --release --example names_attention_lm -- [--seeds N] [--epochs N] [--threads N]
//! ```

use nabla::autodiff::Tensor;
use nabla::models::data::CharVocab;
use nabla::models::estimator::Classifier;
use nabla::models::layer::{
    Embedding, LastPosition, LayerNorm, PositionEmbedding, Sequential, TransformerBlock,
};
use rand::rngs::StdRng;
use std::error::Error;

#[path = "support/names.rs"]
mod names;

/// Tokens of context.
const CONTEXT: usize = 8;
/// Width of the embeddings and the block.
const DIM: usize = 32;
/// Attention heads.
const HEADS: usize = 4;

/// Token and position embeddings, the causal block, the final LayerNorm, the last position.
pub fn body(rng: &mut StdRng) -> Sequential<f32> {
    Sequential::new()
        .with(Embedding::new(27, DIM, rng))
        .with(PositionEmbedding::new(CONTEXT, DIM, rng))
        .with(TransformerBlock::new(DIM, HEADS, 4 * DIM, true, rng))
        .with(LayerNorm::new(DIM))
        .with(LastPosition)
}

/// Prints, for the context that ends `name`, each head's attention weights: one row per
/// position (the query), one column per position it may look at (the keys).
fn print_attention(
    model: &Classifier<f32>,
    vocab: &CharVocab,
    name: &str,
) -> Result<(), Box<dyn Error>> {
    let net = model.network().expect("fitted");
    let block = net
        .find::<TransformerBlock<f32>>()
        .expect("the body has a transformer block");
    let tokens = vocab.encode(name)?;
    let mut context = vec![0usize; CONTEXT.saturating_sub(tokens.len())];
    context.extend(tokens.iter().rev().take(CONTEXT).rev());
    let ids = Tensor::from_fn(&[1, CONTEXT], |i| context[i] as f32);
    // The block's input is the output of the second layer (tokens plus positions).
    let block_input = &net.activations(&ids)[1];
    let weights = block.attention_weights(block_input); // [1, heads, t, t]
    let letters: Vec<char> = vocab.decode(&context).chars().collect();
    println!(
        "attention weights for the context {:?} (rows attend to columns):",
        vocab.decode(&context)
    );
    for head in 0..HEADS {
        print!("\nhead {head}  ");
        for &c in &letters {
            print!("{c:>5}");
        }
        println!();
        for (q, &row_char) in letters.iter().enumerate() {
            print!("     {row_char}  ");
            for k in 0..=q {
                print!("{:>5.2}", weights.at(&[0, head, q, k]));
            }
            println!();
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    names::run_seeds(CONTEXT, 1e-3, body, |model, vocab| {
        print_attention(model, vocab, "isabella")?;
        println!();
        Ok(())
    })
}
