//! Times the training workloads of the performance comparison (tiny, mnist-mlp, wide, cnn,
//! mlp-lm, attn-lm)
//! and prints one line per workload: its name and the median microseconds per step.
//!
//! ```sh
//! cargo run --release --example workloads -- [--threads N] [--seconds S] [--steps N] [WORKLOAD...]
//! ```
//!
//! `bench/compare_pytorch.py` runs this next to the same workloads in PyTorch. Each workload
//! takes at least 10 warm-up steps (and at least 0.2 s of them), then the median of `--steps` timed steps (default: enough for about
//! `--seconds`, default 1, and at least 20). `--threads 0` (the default) uses every core.
//!
//! `--gemm N` instead prints the median GFLOP/s of an `N x N` by `N x N` product, a line for
//! f32 (`gemm-f32-N`) and one for f64 (`gemm-f64-N`).
//!
//! `--memory N` instead runs N steps of each workload and prints the resident memory (Linux's
//! VmRSS) after 100 steps and then every N/10, to show that it stays flat.

#[path = "../benches/support/workloads.rs"]
#[allow(dead_code)]
mod workloads;

use std::time::Instant;
use workloads::{SPECS, Spec, Workload};

fn main() {
    let mut names = Vec::new();
    let mut steps: Option<usize> = None;
    let mut seconds = 1.0_f64;
    let mut memory_steps: Option<usize> = None;
    let mut gemm_size: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--steps" => steps = args.next().and_then(|s| s.parse().ok()),
            "--gemm" => gemm_size = args.next().and_then(|s| s.parse().ok()),
            "--memory" => memory_steps = args.next().and_then(|s| s.parse().ok()),
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.0),
            "--threads" => {
                let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                nabla::autodiff::set_num_threads(n);
            }
            name => names.push(name.to_owned()),
        }
    }
    if let Some(n) = gemm_size {
        gemm_gflops::<f32>(n, seconds);
        return gemm_gflops::<f64>(n, seconds);
    }
    let specs: Vec<Spec> = if names.is_empty() {
        SPECS.to_vec()
    } else {
        names
            .iter()
            .map(|n| {
                Spec::find(n).unwrap_or_else(|| {
                    eprintln!("unknown workload '{n}'; expected tiny, mnist-mlp, wide, cnn, mlp-lm or attn-lm");
                    std::process::exit(2)
                })
            })
            .collect()
    };
    for spec in specs {
        let mut w = Workload::new(spec, 0);
        if let Some(n) = memory_steps {
            report_memory(&mut w, n);
            continue;
        }
        // 10 warm-up steps, then more until a fifth of a second has passed: the first tenth
        // of a second of a process runs measurably slower on this machine.
        let start = Instant::now();
        let mut warm = 0;
        while warm < 10 || start.elapsed().as_secs_f64() < 0.2 {
            w.step();
            warm += 1;
        }
        let one = start.elapsed().as_secs_f64() / warm as f64;
        let n = steps.unwrap_or(((seconds / one.max(1e-7)) as usize).clamp(20, 1_000_000));
        let mut times: Vec<f64> = (0..n)
            .map(|_| {
                let t = Instant::now();
                w.step();
                t.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{} {:.2}", spec.name, times[n / 2] * 1e6);
    }
}

/// Runs `steps` steps, printing the resident memory after 100 and then every tenth of the run.
fn report_memory(w: &mut Workload, steps: usize) {
    let every = (steps / 10).max(1);
    let mut line = format!("{} resident KiB by step:", w.spec().name);
    for step in 1..=steps {
        w.step();
        if step == 100 || step % every == 0 {
            line += &format!(
                " {step}={}",
                resident_kib().map_or("?".into(), |k| k.to_string())
            );
        }
    }
    println!("{line}");
}

/// The process's resident memory in KiB, where /proc tells it.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Prints the median GFLOP/s of `n x n` by `n x n` products, timed for about `seconds`.
fn gemm_gflops<T: nabla::autodiff::Float>(n: usize, seconds: f64) {
    use nabla::autodiff::{Scratch, Tensor};
    let a = Tensor::<T>::from_fn(&[n, n], |i| T::from_f64((i % 13) as f64 * 0.1));
    let b = Tensor::<T>::from_fn(&[n, n], |i| T::from_f64((i % 7) as f64 * 0.1));
    let mut scratch = Scratch::default();
    let mut run = || {
        let t = Instant::now();
        let c = scratch.matmul_t(&a, &b, false, false);
        let elapsed = t.elapsed().as_secs_f64();
        scratch.recycle(c);
        elapsed
    };
    let one = (0..3).map(|_| run()).fold(f64::INFINITY, f64::min);
    let reps = ((seconds / one) as usize).clamp(5, 10_000);
    let mut times: Vec<f64> = (0..reps).map(|_| run()).collect();
    times.sort_by(f64::total_cmp);
    let flops = 2.0 * (n as f64).powi(3);
    println!("gemm-{}-{n} {:.1}", T::NAME, flops / times[reps / 2] / 1e9);
}
