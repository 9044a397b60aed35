//! Matrix-product throughput (reported as floating-point operations, 2 m k n per product):
//! f32 and f64 at 1024^3, and f32 at the shapes the workloads' forward and backward passes
//! multiply, in the transposes backward uses. Each product runs as the tape runs it: into a
//! recycled buffer of a [`Scratch`], transposed operands read in place.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use nabla::autodiff::{Float, Scratch, Tensor};

/// (label, m, k, n, A transposed, B transposed).
type Case = (&'static str, usize, usize, usize, bool, bool);

const SHAPES: [Case; 9] = [
    ("1024^3", 1024, 1024, 1024, false, false),
    ("wide forward x w", 256, 1024, 1024, false, false),
    ("wide dw = x^T g", 1024, 256, 1024, true, false),
    ("wide dx = g w^T", 256, 1024, 1024, false, true),
    ("wide head x w", 256, 1024, 10, false, false),
    ("mnist forward x w", 128, 784, 256, false, false),
    ("mnist dw = x^T g", 784, 128, 256, true, false),
    ("mnist dx = g w^T", 128, 256, 784, false, true),
    ("tiny forward x w", 32, 10, 64, false, false),
];

fn bench_case<T: Float>(c: &mut Criterion, group: &str, case: Case) {
    let (label, m, k, n, ta, tb) = case;
    let a_shape = if ta { [k, m] } else { [m, k] };
    let b_shape = if tb { [n, k] } else { [k, n] };
    let a = Tensor::<T>::from_fn(&a_shape, |i| T::from_usize(i % 13) * T::HALF);
    let b = Tensor::<T>::from_fn(&b_shape, |i| T::from_usize(i % 7) * T::HALF);
    let mut scratch = Scratch::default();
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements((2 * m * k * n) as u64));
    if m * k * n >= 1 << 26 {
        group.sample_size(20);
    }
    group.bench_function(format!("{label} [{m}x{k}]x[{k}x{n}]"), |bench| {
        bench.iter(|| {
            let c = scratch.matmul_t(&a, &b, ta, tb);
            black_box(c.data()[0]);
            scratch.recycle(c);
        })
    });
    group.finish();
}

fn products(c: &mut Criterion) {
    for case in SHAPES {
        bench_case::<f32>(c, "gemm f32", case);
    }
    bench_case::<f64>(c, "gemm f64", SHAPES[0]);
}

criterion_group!(benches, products);
criterion_main!(benches);
