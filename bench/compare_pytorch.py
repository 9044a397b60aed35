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
  cnn        1x8x8 images: conv 16 3x3 pad 1, relu, max pool 2, conv 32 3x3 pad 1, relu, max
             pool 2, flatten 128 -> 64 relu -> 10, softmax cross-entropy, batch 32
  mlp-lm     3 tokens of 27 -> embedding 10 each, concatenated 30 -> 200 tanh -> 27, softmax
             cross-entropy, batch 64
  attn-lm    8 tokens of 27 -> token + position embedding 32, one pre-LayerNorm causal
             self-attention block (4 heads of 8, MLP 32 -> 128 GELU -> 32, residuals), final
             LayerNorm, the last position -> 27, softmax cross-entropy, batch 64
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
ARCHITECTURES = ["cnn", "mlp-lm", "attn-lm"]


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
    return timed_steps(model, x, y, loss_fn, opt, seconds)


def timed_steps(model, x, y, loss_fn, opt, seconds):
    """Median microseconds of one training step, after warming up."""

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
    parser.add_argument("--workloads", default="tiny,mnist-mlp,wide,cnn,mlp-lm,attn-lm")
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
