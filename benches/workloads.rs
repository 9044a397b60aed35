//! The training workloads of the performance comparison (see `support/workloads.rs`): one
//! step each (forward, loss, backward, SGD update) on a reused tape, f32, and the points of the
//! 784 -> H relu -> 10 sweep. For the MLPs, throughput is the step's matrix-product
//! floating-point operations.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

mod support {
    #[allow(dead_code)] // the example and the allocation test use the rest
    pub mod workloads;
}

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use support::workloads::{SPECS, SWEEP, Workload};

fn training_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("training step f32");
    for spec in SPECS {
        let mut w = Workload::new(spec, 0);
        for _ in 0..10 {
            w.step();
        }
        if spec.flops() > 0 {
            group.throughput(Throughput::Elements(spec.flops()));
        }
        if spec.name == "wide" {
            group.sample_size(20);
        }
        group.bench_function(spec.name, |b| b.iter(|| black_box(w.step())));
    }
    group.finish();
}

/// The 784 -> H relu -> 10 sweep: batch 1 to 2048 at H = 256, then H 64 to 4096 at batch 128.
fn sweep(c: &mut Criterion) {
    let mut group = c.benchmark_group("sweep step f32");
    for spec in SWEEP {
        let mut w = Workload::new(spec, 0);
        for _ in 0..10 {
            w.step();
        }
        group.throughput(Throughput::Elements(spec.flops()));
        group.sample_size(if spec.flops() > 1 << 30 { 10 } else { 100 });
        group.bench_function(spec.name, |b| b.iter(|| black_box(w.step())));
    }
    group.finish();
}

/// `Predictor::predict` of the mnist-mlp-shaped classifier on 1 row and on 10,000 rows.
fn prediction(c: &mut Criterion) {
    let model = support::workloads::mnist_classifier();
    let mut predictor = model.predictor().expect("fitted");
    let mut group = c.benchmark_group("predict f32");
    for rows in [1, 10_000] {
        let x = support::workloads::prediction_rows(rows, 3);
        group.throughput(Throughput::Elements(rows as u64));
        group.sample_size(if rows > 1 { 20 } else { 100 });
        group.bench_function(format!("{rows} rows"), |b| {
            b.iter(|| black_box(predictor.predict(&x).expect("784 finite features")).numel())
        });
    }
    group.finish();
}

criterion_group!(benches, training_steps, sweep, prediction);
criterion_main!(benches);
