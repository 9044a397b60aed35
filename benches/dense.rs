//! The fused dense node, forward and backward (dx, dw and db), in f32 at a mnist-mlp layer's
//! shape ([128, 784] x [784, 256]) and a wide layer's ([256, 1024] x [1024, 1024]). Throughput
//! is reported in floating-point operations: three products of 2 m k n each.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use nabla::autodiff::{Tape, Tensor};
use nabla::ops::{Init, dense};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::Arc;

fn dense_forward_backward(c: &mut Criterion) {
    let mut group = c.benchmark_group("dense forward + backward f32");
    for (batch, fan_in, fan_out) in [(128, 784, 256), (256, 1024, 1024)] {
        let mut rng = StdRng::seed_from_u64(0);
        let x = Arc::new(Tensor::<f32>::rand_uniform(
            &[batch, fan_in],
            -1.0,
            1.0,
            &mut rng,
        ));
        let w = Arc::new(Init::HeUniform.tensor::<f32, _>(
            &[fan_in, fan_out],
            fan_in,
            fan_out,
            &mut rng,
        ));
        let b = Arc::new(Tensor::<f32>::zeros(&[fan_out]));
        let mut tape = Tape::<f32>::new();
        group.throughput(Throughput::Elements(
            (3 * 2 * batch * fan_in * fan_out) as u64,
        ));
        group.bench_function(
            format!("[{batch},{fan_in}]x[{fan_in},{fan_out}]"),
            |bench| {
                bench.iter(|| {
                    let (xv, wv, bv) = (tape.param(&x), tape.param(&w), tape.param(&b));
                    let grads = dense(xv, wv, Some(bv)).sum().backward();
                    black_box(grads[wv].data()[0]);
                    tape.recycle(grads);
                    tape.clear();
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, dense_forward_backward);
criterion_main!(benches);
