//! The training workloads of the performance comparison (see `support/workloads.rs`): one
//! step each (forward, loss, backward, SGD update) on a reused tape, f32. For the MLPs,
//! throughput is the step's matrix-product floating-point operations.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

mod support {
    #[allow(dead_code)] // the example and the allocation test use the rest
    pub mod workloads;
}

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use support::workloads::{SPECS, Workload};

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

criterion_group!(benches, training_steps);
criterion_main!(benches);
