#!/usr/bin/env python3
"""Runs the three training workloads in nabla and in PyTorch (CPU) side by side and prints
each one's median microseconds per step and the ratio.

    python bench/compare_pytorch.py [--threads N] [--rounds R] [--workloads tiny,mnist-mlp,wide]

Run it with a Python that has PyTorch, kept outside the repository, for example:

    python3 -m venv ../nabla-bench-venv
    ../nabla-bench-venv/bin/pip install torch numpy
    ../nabla-bench-venv/bin/python bench/compare_pytorch.py --threads 2

The workloads (f32; one step = forward, loss, backward, plain SGD with learning rate 0.01):
  tiny       10 -> 64 relu -> 1, binary cross-entropy with logits, batch 32
  mnist-mlp  784 -> 256 relu -> 128 relu -> 10, softmax cross-entropy on labels, batch 128
  wide       1024 -> 1024 relu -> 1024 relu -> 10, softmax cross-entropy on labels, batch 256
Inputs are random, drawn once from a fixed seed; each run takes at least 10 warm-up steps
(and at least 0.2 s of them), then the median over the timed steps. Both sides use the same thread count (torch.set_num_threads and
nabla's --threads). The two alternate for --rounds rounds per workload, so that both see the
same machine load; the table shows the median of each side's per-round medians.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKLOADS = {
    "tiny": ([10, 64, 1], 32),
    "mnist-mlp": ([784, 256, 128, 10], 128),
    "wide": ([1024, 1024, 1024, 10], 256),
}


def torch_median_us(torch, name, seconds):
    """Median microseconds per PyTorch training step of workload `name`."""
    widths, batch = WORKLOADS[name]
    torch.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    x = torch.rand(batch, widths[0]) * 2 - 1
    if widths[-1] == 1:
        y = torch.randint(0, 2, (batch, 1)).float()
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        y = torch.randint(0, widths[-1], (batch,))
        loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    # 10 warm-up steps, then more until 0.2 s have passed (as nabla's side does).
    start, warm = time.perf_counter(), 0
    while warm < 10 or time.perf_counter() - start < 0.2:
        step()
        warm += 1
    one = (time.perf_counter() - start) / warm
    n = max(20, min(1_000_000, int(seconds / max(one, 1e-7))))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def nabla_median_us(binary, name, threads, seconds):
    """Median microseconds per nabla training step, from the workloads example."""
    out = subprocess.run(
        [binary, "--threads", str(threads), "--seconds", str(seconds), name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return float(parts[1])
    raise RuntimeError(f"no timing for {name} in the example's output:\n{out}")


def gemm_gflops(fn, n, seconds):
    """Median GFLOP/s of `fn()`, an n x n by n x n product."""
    for _ in range(3):
        fn()
    times = []
    t_end = time.perf_counter() + seconds
    while len(times) < 5 or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e9


def compare_gemm(torch, binary, threads, seconds, n=1024):
    """Prints f32 n^3 GFLOP/s of nabla, PyTorch and numpy (the ceiling), side by side."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = np.random.default_rng(1).random((n, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    out = subprocess.run(
        [binary, "--threads", str(threads), "--seconds", str(seconds), "--gemm", str(n)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    ours = float(out[1])
    theirs = gemm_gflops(lambda: ta @ tb, n, seconds)
    if threadpool_limits is not None:
        with threadpool_limits(threads):
            blas = gemm_gflops(lambda: a @ b, n, seconds)
    else:
        blas = float("nan")
    print(
        f"gemm f32 {n}^3 GFLOP/s: nabla {ours:.1f}, PyTorch {theirs:.1f}, "
        f"numpy (OpenBLAS, the ceiling) {blas:.1f}; nabla at {100 * ours / blas:.0f}% of it"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per run")
    parser.add_argument("--workloads", default="tiny,mnist-mlp,wide")
    parser.add_argument("--no-gemm", action="store_true", help="skip the 1024^3 GEMM line")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit(
            "PyTorch is not installed for this Python. Make a virtual environment outside the "
            "repository and install it there:\n"
            "  python3 -m venv ../nabla-bench-venv\n"
            "  ../nabla-bench-venv/bin/pip install torch numpy\n"
            "  ../nabla-bench-venv/bin/python bench/compare_pytorch.py"
        )
    torch.set_num_threads(args.threads)
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--example", "workloads"],
        cwd=ROOT,
        check=True,
    )
    binary = os.path.join(ROOT, "target", "release", "examples", "workloads")
    print(
        f"# {time.strftime('%Y-%m-%d')}, {cpu_name()}, {args.threads} thread(s), "
        f"PyTorch {torch.__version__}, {args.rounds} alternating round(s)"
    )
    print(f"{'workload':<10} {'nabla us':>10} {'PyTorch us':>11} {'PyTorch / nabla':>16}")
    for name in args.workloads.split(","):
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(nabla_median_us(binary, name, args.threads, args.seconds))
            theirs.append(torch_median_us(torch, name, args.seconds))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"{name:<10} {a:>10.1f} {b:>11.1f} {b / a:>15.2f}x", flush=True)
    if not args.no_gemm:
        compare_gemm(torch, binary, args.threads, args.seconds)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
