//! A steady-state training step allocates nothing of nabla's own: after warm-up, the tape, its
//! buffer pool, the ops' boxes and the gradients reuse the memory of earlier steps. The
//! `allocation-counter` crate's counting allocator (linked by this test binary only) checks it
//! for the tiny and mnist-mlp workloads, the digits CNN (convolution, pooling) and both
//! language models (embedding lookups, causal self-attention).
//!
//! The matrix products allocate nothing either: small ones run as plain loops, and the blocked
//! kernel packs its operands into buffers that belong to the thread and only grow, during
//! warm-up.

#[path = "../benches/support/workloads.rs"]
#[allow(dead_code)]
mod workloads;

use workloads::{Spec, Workload};

/// Allocations made by `f` on this thread, counted by the `allocation-counter` crate's global
/// allocator (which this test binary links; nothing else in the project does).
fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// Allocations per step, averaged over 20 steps after warm-up.
fn steady_state_allocations(name: &str) -> u64 {
    let mut w = Workload::new(Spec::find(name).expect("a known workload"), 1);
    let first = w.step();
    for _ in 0..5 {
        w.step();
    }
    let mut last = first;
    let count = allocations(|| {
        for _ in 0..20 {
            last = w.step();
        }
    });
    // The steps did train: the loss went down from the first step's.
    assert!(last < first, "{name}: loss {first} -> {last}");
    count / 20
}

#[test]
fn tiny_step_allocates_nothing_after_warm_up() {
    assert_eq!(steady_state_allocations("tiny"), 0);
}

#[test]
fn mnist_mlp_step_allocates_nothing_after_warm_up() {
    // 3 products forward, 3 weight gradients and 2 input gradients, all big enough for the
    // blocked kernel, whose packing buffers were sized during warm-up.
    nabla::autodiff::set_num_threads(1);
    assert_eq!(steady_state_allocations("mnist-mlp"), 0);
}

#[test]
fn the_counter_sees_allocations() {
    let n = allocations(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(n, 1);
}

#[test]
fn cnn_step_allocates_nothing_after_warm_up() {
    // Blocked products (the second convolution's product for the batch and its two gradients,
    // the first dense layer's product and gradients) pack into the thread's buffers; the
    // first convolution and its filter gradient are skinny and run in nabla's loops. Unfold,
    // fold, pooling and its gradient reuse recycled buffers.
    nabla::autodiff::set_num_threads(1);
    assert_eq!(steady_state_allocations("cnn"), 0);
}

#[test]
fn language_model_steps_allocate_nothing_after_warm_up() {
    nabla::autodiff::set_num_threads(1);
    // mlp-lm: 30 -> 200 and 200 -> 27, forward and both gradients (the embedding rows are
    // looked up and their gradient added back, which allocates nothing).
    assert_eq!(steady_state_allocations("mlp-lm"), 0);
    // attn-lm: the query/key/value, output and MLP projections, the batched attention
    // products (scores and weighted values), the output layer, and their gradients, as blocked
    // products; masks, softmax, layer norms, reshapes and permutes reuse recycled buffers.
    assert_eq!(steady_state_allocations("attn-lm"), 0);
}

/// Serving one row at a time through a `Predictor` allocates nothing once warmed up, and
/// neither does a batch of 16 rows (small enough for nabla's own loops); the predictions are
/// the model's `predict_proba`.
#[test]
fn a_predictor_allocates_nothing_after_warm_up() {
    nabla::autodiff::set_num_threads(1);
    let model = workloads::mnist_classifier();
    let mut predictor = model.predictor().expect("fitted");
    for rows in [1, 16] {
        let x = workloads::prediction_rows(rows, 3);
        for _ in 0..3 {
            predictor.predict(&x).expect("784 finite features");
        }
        let count = allocations(|| {
            for _ in 0..100 {
                std::hint::black_box(predictor.predict(&x).expect("784 finite features"));
            }
        });
        assert_eq!(count, 0, "{rows} rows");
        let served = predictor.predict(&x).unwrap().clone();
        assert_eq!(served, model.predict_proba(&x).unwrap());
        assert_eq!(served.shape(), &[rows, 10]);
    }
}
