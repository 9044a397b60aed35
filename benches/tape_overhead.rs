//! Tape overhead: a chain of 1,000 small element-wise ops, forward and backward, on a reused
//! tape. The arithmetic is negligible (16 elements per op), so this measures what recording a
//! node, walking it backward and managing buffers cost.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use nabla::autodiff::{Tape, Tensor};

const CHAIN: usize = 1_000;

fn chain_forward_backward(c: &mut Criterion) {
    let mut tape = Tape::<f32>::new();
    let x0 = Tensor::<f32>::from_fn(&[16], |i| 0.1 * i as f32);
    c.bench_function(
        "tape chain of 1000 element-wise ops, forward + backward",
        |b| {
            b.iter(|| {
                let x = tape.param(x0.clone());
                let mut h = x;
                for i in 0..CHAIN {
                    h = match i % 4 {
                        0 => h * 0.999,
                        1 => h.tanh(),
                        2 => h + x,
                        _ => h * h.sigmoid(),
                    };
                }
                let grads = h.sum().backward();
                black_box(grads.get(x).map(|g| g.data()[0]));
                tape.recycle(grads);
                tape.clear();
            })
        },
    );
}

criterion_group!(benches, chain_forward_backward);
criterion_main!(benches);
