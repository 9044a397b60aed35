//! A steady-state training step allocates nothing of nabla's own: after warm-up, the tape, its
//! buffer pool, the ops' boxes and the gradients reuse the memory of earlier steps. The
//! `allocation-counter` crate's counting allocator (linked by this test binary only) checks it
//! for the tiny and mnist-mlp workloads, the digits CNN (convolution, pooling) and both
//! language models (embedding lookups, causal self-attention).
//!
//! One allocation per product remains on the larger workload: the blocked kernel of the
//! `matrixmultiply` crate allocates its packing buffer on every call and takes no buffer from
//! its caller. Products small enough for nabla's own loops (all of tiny's) allocate nothing.

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
fn mnist_mlp_step_allocates_only_the_kernels_packing_buffers() {
    // 3 products forward, 3 weight gradients and 2 input gradients, all big enough for the
    // blocked kernel, which allocates one packing buffer on the calling thread per call.
    let blocked_products = 8;
    nabla::autodiff::set_num_threads(1);
    assert_eq!(steady_state_allocations("mnist-mlp"), blocked_products);
}

#[test]
fn the_counter_sees_allocations() {
    let n = allocations(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(n, 1);
}

#[test]
fn cnn_step_allocates_only_the_kernels_packing_buffers() {
    // Blocked products: the second convolution's product for the batch, the first dense
    // layer; the second filter's gradient, its column gradient (the first one's input is
    // data), and the first dense layer's two gradients. The first convolution (9 = 1 x 3 x 3
    // inputs per output) and its filter gradient (16 filters) are skinny: nabla's own loops
    // run them. Unfold, fold, pooling and its gradient reuse recycled buffers.
    let blocked_products = 6;
    nabla::autodiff::set_num_threads(1);
    assert_eq!(steady_state_allocations("cnn"), blocked_products);
}

#[test]
fn language_model_steps_allocate_only_the_kernels_packing_buffers() {
    nabla::autodiff::set_num_threads(1);
    // mlp-lm: 30 -> 200 and 200 -> 27, forward and both gradients (the embedding rows are
    // looked up and their gradient added back, which allocates nothing).
    assert_eq!(steady_state_allocations("mlp-lm"), 6);
    // attn-lm: the query/key/value, output and MLP projections, the batched attention
    // products (scores and weighted values), the output layer, and their gradients: 15
    // products big enough for the blocked kernel; masks, softmax, layer norms, reshapes and
    // permutes reuse recycled buffers.
    assert_eq!(steady_state_allocations("attn-lm"), 15);
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
