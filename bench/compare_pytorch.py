#!/usr/bin/env python3
"""Runs the three training workloads in nabla and in PyTorch (CPU) side by side and prints
each one's median microseconds per step and the ratio.

    python bench/compare_pytorch.py [--threads N] [--rounds R] [--workloads tiny,mnist-mlp,wide]
                                    [--no-sweep] [--no-gemm]

Run it with a Python that has PyTorch, kept outside the repository, for example:

    python3 -m venv ../nabla-bench-venv
    ../nabla-bench-venv/bin/pip install torch numpy
    ../nabla-bench-venv/bin/python bench/compare_pytorch.py --threads 2

The workloads (f32; one step = forward, loss, backward, plain SGD with learning rate 0.01):
  tiny       10 -> 64 relu -> 1, binary cross-entropy with logits, batch 32
  mnist-mlp  784 -> 256 relu -> 128 relu -> 10, softmax cross-entropy on labels, batch 128
  wide       1024 -> 1024 relu -> 1024 relu -> 10, softmax cross-entropy on labels, batch 256
  cnn        1x8x8 images: conv 16 3x3 pad 1, relu, max pool 2, conv 32 3x3 pad 1, relu, max
             pool 2, flatten 128 -> 64 relu -> 10, softmax cross-entropy, batch 32
  mlp-lm     3 tokens of 27 -> embedding 10 each, concatenated 30 -> 200 tanh -> 27, softmax
             cross-entropy, batch 64
  attn-lm    8 tokens of 27 -> token + position embedding 32, one pre-LayerNorm causal
             self-attention block (4 heads of 8, MLP 32 -> 128 GELU -> 32, residuals), final
             LayerNorm, the last position -> 27, softmax cross-entropy, batch 64
  sweep      784 -> H relu -> 10, softmax cross-entropy on labels: batch 1, 8, 32, 128, 512
             and 2048 at H = 256 (b1-h256 ... b2048-h256), then H = 64, 1024 and 4096 at
             batch 128 (b128-h64 ... b128-h4096)
Inputs are random, drawn once from a fixed seed; each run takes at least 10 warm-up steps
(and at least 0.2 s of them), then the median over the timed steps. Both sides use the same thread count (torch.set_num_threads and
nabla's --threads). The two alternate for --rounds rounds per workload, so that both see the
same machine load; the table shows the median of each side's per-round medians, and the
smallest and largest per-round ratio.

The GEMM ceiling is numpy's OpenBLAS at 1024^3, f32 and f64, with the same thread count, run
in a child process without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (some machines set them
for old OpenBLAS builds; they force a slower kernel on current ones), so OpenBLAS picks the
kernel for this CPU; the line names the kernel it picked. On a CPU with AVX-512 the AVX2 path
is measured too: nabla with NABLA_GEMM_ISA=avx2 against OpenBLAS forced to its Haswell
kernel. For each MLP workload the table
then gives the share of the ceiling the step reaches: the time its matrix products would take
at the ceiling's f32 speed, divided by nabla's time per step.

Last, prediction: predict-1 and predict-10000 time nabla's Predictor::predict (float64 rows in,
standardised, probabilities out) against the same 784 -> 256 -> 128 -> 10 network in PyTorch
under torch.inference_mode (float32 rows in).
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
ARCHITECTURES = ["cnn", "mlp-lm", "attn-lm"]
SWEEP = {f"b{b}-h256": ([784, 256, 10], b) for b in [1, 8, 32, 128, 512, 2048]}
SWEEP.update({f"b128-h{h}": ([784, h, 10], 128) for h in [64, 1024, 4096]})


class CausalBlock:
    """Builds the attention workload's network: token and position embeddings, one
    pre-LayerNorm causal self-attention block, a final LayerNorm, logits from the last
    position (written here from the description above)."""

    @staticmethod
    def build(torch, vocab=27, context=8, dim=32, heads=4, hidden=128):
        nn = torch.nn
        F = torch.nn.functional

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.token = nn.Embedding(vocab, dim)
                self.position = nn.Embedding(context, dim)
                self.norm1, self.norm2, self.norm_out = (nn.LayerNorm(dim) for _ in range(3))
                self.qkv = nn.Linear(dim, 3 * dim)
                self.proj = nn.Linear(dim, dim)
                self.up, self.down = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
                self.out = nn.Linear(dim, vocab)
                mask = torch.full((context, context), float("-inf")).triu(1)
                self.register_buffer("mask", mask)

            def forward(self, ids):
                b, t = ids.shape
                h = self.token(ids) + self.position(torch.arange(t))
                q, k, v = self.qkv(self.norm1(h)).split(dim, dim=-1)
                split = lambda z: z.view(b, t, heads, dim // heads).transpose(1, 2)
                q, k, v = split(q), split(k), split(v)
                scores = q @ k.transpose(-2, -1) / (dim // heads) ** 0.5 + self.mask[:t, :t]
                attended = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, dim)
                h = h + self.proj(attended)
                h = h + self.down(F.gelu(self.up(self.norm2(h))))
                return self.out(self.norm_out(h)[:, -1])

        return Net()


def architecture_model(torch, name):
    """The network, inputs and integer targets of an architecture workload."""
    nn = torch.nn
    g = torch.Generator().manual_seed(0)
    if name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
        x = torch.rand(32, 1, 8, 8, generator=g)
        y = torch.randint(0, 10, (32,), generator=g)
    elif name == "mlp-lm":
        model = nn.Sequential(nn.Embedding(27, 10), nn.Flatten(), nn.Linear(30, 200), nn.Tanh(),
                              nn.Linear(200, 27))
        x = torch.randint(0, 27, (64, 3), generator=g)
        y = torch.randint(0, 27, (64,), generator=g)
    else:
        model = CausalBlock.build(torch)
        x = torch.randint(0, 27, (64, 8), generator=g)
        y = torch.randint(0, 27, (64,), generator=g)
    return model, x, y


def torch_median_us(torch, name, seconds):
    """Median microseconds per PyTorch training step of workload `name`."""
    torch.manual_seed(0)
    if name in ARCHITECTURES:
        model, x, y = architecture_model(torch, name)
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        return timed_steps(model, x, y, loss_fn, opt, seconds)
    widths, batch = WORKLOADS.get(name) or SWEEP[name]
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
    return timed_steps(model, x, y, loss_fn, opt, seconds)


def timed_steps(model, x, y, loss_fn, opt, seconds):
    """Median microseconds of one training step, after warming up."""

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return median_us(step, seconds)


def median_us(fn, seconds):
    """Median microseconds of `fn()`: at least 10 warm-up calls and 0.2 s of them (as nabla's
    side does), then enough timed calls for about `seconds`, at least 20."""
    start, warm = time.perf_counter(), 0
    while warm < 10 or time.perf_counter() - start < 0.2:
        fn()
        warm += 1
    one = (time.perf_counter() - start) / warm
    n = max(20, min(1_000_000, int(seconds / max(one, 1e-7))))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def nabla_median_us(binary, name, threads, seconds):
    """Median microseconds per nabla training step, from the workloads example, and the
    floating-point operations of the step's matrix products (0 where not counted)."""
    out = subprocess.run(
        [binary, "--threads", str(threads), "--seconds", str(seconds), name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == name:
            return float(parts[1]), int(parts[2])
    raise RuntimeError(f"no timing for {name} in the example's output:\n{out}")


CEILING_SCRIPT = """
import json, statistics, sys, time
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
n, threads, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
out = {}
with threadpool_limits(threads):
    for dtype in ("float32", "float64"):
        a = np.random.default_rng(0).random((n, n)).astype(dtype)
        b = np.random.default_rng(1).random((n, n)).astype(dtype)
        for _ in range(3):
            a @ b
        times, end = [], time.perf_counter() + seconds
        while len(times) < 5 or time.perf_counter() < end:
            t0 = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t0)
        out[dtype] = 2 * n**3 / statistics.median(times) / 1e9
    blas = [p for p in threadpool_info() if p.get("internal_api") == "openblas"]
    out["kernel"] = blas[0].get("architecture", "?") if blas else "not OpenBLAS"
    out["threads"] = blas[0].get("num_threads") if blas else None
print(json.dumps(out))
"""


def blas_ceiling(threads, seconds, n=1024, coretype=None):
    """numpy's OpenBLAS GFLOP/s at n^3 (f32, f64) and the kernel it chose, measured in a child
    process with OpenBLAS free to pick the kernel for this CPU, or forced to `coretype`."""
    import json

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run(
        [sys.executable, "-c", CEILING_SCRIPT, str(n), str(threads), str(seconds)],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    return json.loads(out)


def nabla_gemm(binary, threads, seconds, n=1024, isa=None):
    """nabla's GFLOP/s at n^3: {"f32": x, "f64": y}, on the kernels for this CPU or forced to
    `isa` (NABLA_GEMM_ISA)."""
    env = dict(os.environ, NABLA_GEMM_ISA=isa) if isa else None
    out = subprocess.run(
        [binary, "--threads", str(threads), "--seconds", str(seconds), "--gemm", str(n)],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    return {line.split()[0].split("-")[1]: float(line.split()[1]) for line in out.splitlines()}


def torch_gemm(torch, n, seconds):
    """PyTorch's f32 GFLOP/s at n^3."""
    ta, tb = torch.rand(n, n), torch.rand(n, n)
    return 2 * n**3 / median_us(lambda: ta @ tb, seconds) / 1e3


def nabla_predict_us(binary, rows, threads, seconds):
    """Median microseconds of nabla's Predictor::predict on `rows` rows of the
    mnist-mlp-shaped classifier (784 -> 256 relu -> 128 relu -> 10 softmax)."""
    out = subprocess.run(
        [binary, "--threads", str(threads), "--seconds", str(seconds), "--predict", str(rows)],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    return float(out[1])


def torch_predict_us(torch, rows, seconds):
    """Median microseconds of the same network's probabilities in PyTorch, under
    torch.inference_mode, on float32 rows (nabla's predictor takes float64 rows and
    standardises them, which PyTorch is spared)."""
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10), nn.Softmax(dim=1)).eval()
    x = torch.rand(rows, 784)
    with torch.inference_mode():
        return median_us(lambda: model(x), seconds)


def cpu_flags():
    """The vector instruction sets of this CPU that matter to the kernels."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(l for l in f if l.startswith("flags")).split(":", 1)[1].split()
    except (OSError, StopIteration):
        return "unknown instruction sets"
    wanted = ["avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512_bf16", "avx512_fp16"]
    return "+".join(f for f in wanted if f in flags) or "no AVX2"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per run")
    parser.add_argument("--workloads", default="tiny,mnist-mlp,wide,cnn,mlp-lm,attn-lm")
    parser.add_argument("--no-sweep", action="store_true", help="skip the 784 -> H -> 10 sweep")
    parser.add_argument("--no-gemm", action="store_true", help="skip the 1024^3 GEMM lines")
    parser.add_argument("--no-predict", action="store_true", help="skip the prediction lines")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit(
            "PyTorch is not installed for this Python. Make a virtual environment outside the "
            "repository and install it there:\n"
            "  python3 -m venv ../nabla-bench-venv\n"
            "  ../nabla-bench-venv/bin/pip install torch numpy threadpoolctl\n"
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
        f"# {time.strftime('%Y-%m-%d')}, {cpu_name()} ({cpu_flags()}), {args.threads} "
        f"thread(s), PyTorch {torch.__version__}, {args.rounds} alternating round(s)"
    )
    ceiling = None
    if not args.no_gemm:
        ceiling = blas_ceiling(args.threads, args.seconds)
        ours = nabla_gemm(binary, args.threads, args.seconds)
        theirs = torch_gemm(torch, 1024, args.seconds)
        print(
            f"# GEMM 1024^3 GFLOP/s, the ceiling is numpy's OpenBLAS (kernel {ceiling['kernel']}, "
            f"{ceiling['threads']} thread(s)):"
        )
        for dtype, key in (("f32", "float32"), ("f64", "float64")):
            extra = f", PyTorch {theirs:.1f}" if dtype == "f32" else ""
            print(
                f"#   {dtype}: OpenBLAS {ceiling[key]:.1f}, nabla {ours[dtype]:.1f}{extra}; "
                f"nabla at {100 * ours[dtype] / ceiling[key]:.0f}% of OpenBLAS"
            )
        if "avx512f" in cpu_flags():
            # The narrower path too: nabla forced to AVX2 against OpenBLAS forced to Haswell.
            narrow = blas_ceiling(args.threads, args.seconds, coretype="Haswell")
            ours = nabla_gemm(binary, args.threads, args.seconds, isa="avx2")
            print(f"# the AVX2 path (NABLA_GEMM_ISA=avx2, OpenBLAS kernel {narrow['kernel']}):")
            for dtype, key in (("f32", "float32"), ("f64", "float64")):
                print(
                    f"#   {dtype}: OpenBLAS {narrow[key]:.1f}, nabla {ours[dtype]:.1f}; "
                    f"nabla at {100 * ours[dtype] / narrow[key]:.0f}% of OpenBLAS"
                )
    names = args.workloads.split(",") if args.workloads else []
    if not args.no_sweep:
        names += list(SWEEP)
    print(
        f"{'workload':<11} {'nabla us':>10} {'PyTorch us':>11} {'PyTorch / nabla':>16} "
        f"{'(min-max)':>11} {'of ceiling':>10}"
    )
    for name in names:
        ours, theirs = [], []
        for _ in range(args.rounds):
            us, flops = nabla_median_us(binary, name, args.threads, args.seconds)
            ours.append(us)
            theirs.append(torch_median_us(torch, name, args.seconds))
        a, b = statistics.median(ours), statistics.median(theirs)
        ratios = [t / o for o, t in zip(ours, theirs)]
        share = ""
        if ceiling and flops:
            share = f"{100 * flops / (ceiling['float32'] * 1e3) / a:.0f}%"
        print(
            f"{name:<11} {a:>10.1f} {b:>11.1f} {b / a:>15.2f}x "
            f"{min(ratios):>5.2f}-{max(ratios):<5.2f} {share:>10}",
            flush=True,
        )
    if not args.no_predict:
        for rows in (1, 10_000):
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(nabla_predict_us(binary, rows, args.threads, args.seconds))
                theirs.append(torch_predict_us(torch, rows, args.seconds))
            a, b = statistics.median(ours), statistics.median(theirs)
            ratios = [t / o for o, t in zip(ours, theirs)]
            print(
                f"{f'predict-{rows}':<11} {a:>10.1f} {b:>11.1f} {b / a:>15.2f}x "
                f"{min(ratios):>5.2f}-{max(ratios):<5.2f}",
                flush=True,
            )


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
