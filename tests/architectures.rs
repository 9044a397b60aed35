//! The three classic networks of the examples, trained on real data with a shortened protocol
//! (seed 0 only, fewer epochs), against bars from PyTorch trained the same shortened way on the
//! same rows (1 thread; the figures are below the tests). A wrong gradient in convolution,
//! embedding or attention leaves these models short of the bar (measured below too); the
//! gradients themselves are checked against finite differences in the crates' tests.

// Each example loads the support module it shares with the others, and so does this test.
#![allow(clippy::duplicate_mod)]

#[path = "../examples/digits_cnn.rs"]
#[allow(dead_code)]
mod digits_cnn;

#[path = "../examples/names_mlp_lm.rs"]
#[allow(dead_code)]
mod names_mlp_lm;

#[path = "../examples/names_attention_lm.rs"]
#[allow(dead_code)]
mod names_attention_lm;

#[path = "../examples/support/names.rs"]
#[allow(dead_code)]
mod names;

#[path = "../examples/support/digits.rs"]
#[allow(dead_code)]
mod digits;

use nabla::models::data::CharVocab;
use nabla::models::estimator::Classifier;

/// Test NLL of seed 0 after `epochs` epochs of a names model with `context` tokens.
fn names_nll(
    body: fn(&mut rand::rngs::StdRng) -> nabla::models::layer::Sequential<f32>,
    context: usize,
    lr: f64,
    epochs: usize,
) -> f64 {
    let vocab = CharVocab::lowercase();
    let split = names::Split::new(&names::load().unwrap(), &vocab, context, 0).unwrap();
    let mut model = Classifier::<f32>::new(names::config(lr, epochs, 0)).with_body(body);
    split.fit(&mut model).unwrap();
    split.test_nll(&model).unwrap()
}

#[test]
fn digits_cnn_reaches_pytorchs_accuracy_in_10_epochs() {
    let data = digits::load().unwrap();
    let splits = digits::read_splits().unwrap();
    let (accuracy, _) = digits_cnn::run(&data, &splits[0], 0, 10, false).unwrap();
    eprintln!("digits cnn, seed 0, 10 epochs: test accuracy {accuracy:.4}");
    assert!(
        accuracy >= BAR_CNN,
        "test accuracy {accuracy:.4} < {BAR_CNN}"
    );
}

#[test]
fn names_mlp_lm_reaches_pytorchs_likelihood_in_3_epochs() {
    let nll = names_nll(names_mlp_lm::body, 3, 3e-3, 3);
    eprintln!("names mlp lm, seed 0, 3 epochs: test NLL {nll:.4}");
    assert!(nll <= BAR_MLP_LM, "test NLL {nll:.4} > {BAR_MLP_LM}");
}

#[test]
fn names_attention_lm_reaches_pytorchs_likelihood_in_2_epochs() {
    let nll = names_nll(names_attention_lm::body, 8, 1e-3, 2);
    eprintln!("names attention lm, seed 0, 2 epochs: test NLL {nll:.4}");
    assert!(nll <= BAR_ATTN_LM, "test NLL {nll:.4} > {BAR_ATTN_LM}");
}

// The bars. PyTorch 2.15 (1 thread) trained the same shortened way on the same rows: the
// CNN on scikit-learn's seed-0 split of data/digits_splits.csv for 10 epochs reaches 0.9611
// (0.9572, std 0.0042, over seeds 0..4); the MLP LM on the names in nabla's seed-0 order for 3
// epochs 2.1532 nats; the attention LM for 2 epochs 2.1618. nabla's own initial weights differ
// from PyTorch's, so each bar leaves a margin for that (nabla: 0.9417, 2.1638, 2.1471), and
// stays short of what a broken gradient gives, measured by breaking one on purpose: frozen
// convolution filters 0.84, a frozen embedding table 2.2001, attention weights that pass no
// gradient back to the queries and keys 2.2075.
const BAR_CNN: f64 = 0.93;
const BAR_MLP_LM: f64 = 2.18;
const BAR_ATTN_LM: f64 = 2.18;
