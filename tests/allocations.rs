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
    // Blocked products: each convolution's one product for the batch, the first dense layer;
    // both filters' gradients, the second convolution's column gradient (the first one's input
    // is data), and the first dense layer's two gradients, all packing into the thread's
    // buffers. Unfold, fold, pooling and its gradient reuse recycled buffers.
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
