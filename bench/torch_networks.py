"""PyTorch versions of nabla's three example networks, trained on the same rows, to compare
accuracy and seconds per epoch side by side (written for this project from the networks'
descriptions in examples/digits_cnn.rs, names_mlp_lm.rs and names_attention_lm.rs).

    python bench/torch_networks.py cnn [--threads N] [--epochs N] [--seeds N]
    python bench/torch_networks.py mlp-lm|attn-lm --names FILE [--threads N] [--epochs N]

cnn trains on the rows of data/digits_splits.csv (the splits examples/digits_cnn.rs reads);
the language models take the names in FILE's order (80% train, last 10% test), for example
nabla's seed-0 order written by `cargo run --release --example names_mlp_lm -- --write-order
FILE`. On a busy 2-core machine PyTorch's thread pool spins: compare at --threads 1 too.
"""
import argparse
import csv
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def digits_cnn(seed, epochs):
    with open(os.path.join(ROOT, "data", "digits.csv")) as f:
        rows = list(csv.reader(f))[1:]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows]).view(-1, 1, 8, 8) / 16.0
    y = torch.tensor([int(r[-1]) for r in rows])
    with open(os.path.join(ROOT, "data", "digits_splits.csv")) as f:
        sets = {(int(s), name): torch.tensor([int(i) for i in r.split()])
                for s, name, r in list(csv.reader(f))[1:]}
    train, test = sets[(seed, "train")], sets[(seed, "test")]
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    seconds = fit(net, x, y, train, 1e-3, 32, epochs, seed)
    with torch.no_grad():
        accuracy = (net(x[test]).argmax(1) == y[test]).float().mean().item()
    return accuracy, seconds


class MlpLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.hidden, self.out = nn.Embedding(27, 10), nn.Linear(30, 200), nn.Linear(200, 27)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(self.embed(x).flatten(1))))


class AttentionLm(nn.Module):
    def __init__(self, context=8, dim=32, heads=4):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(27, dim), nn.Embedding(context, dim)
        self.norm1, self.norm2, self.norm_out = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.up, self.down, self.out = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim), nn.Linear(dim, 27)
        self.heads, self.dim = heads, dim
        self.register_buffer("future", torch.ones(context, context, dtype=torch.bool).triu(1))

    def forward(self, x):
        b, t = x.shape
        hd = self.dim // self.heads
        h = self.tokens(x) + self.positions.weight[:t]
        q, k, v = (z.reshape(b, t, self.heads, hd).transpose(1, 2)
                   for z in self.qkv(self.norm1(h)).chunk(3, -1))
        scores = (q @ k.transpose(2, 3)) / hd ** 0.5
        weights = scores.masked_fill(self.future[:t, :t], float("-inf")).softmax(-1)
        h = h + self.proj((weights @ v).transpose(1, 2).reshape(b, t, self.dim))
        h = h + self.down(F.gelu(self.up(self.norm2(h))))
        return self.out(self.norm_out(h)[:, -1])


def names_lm(kind, names_file, seed, epochs):
    context = 3 if kind == "mlp-lm" else 8
    with open(names_file) as f:
        names = [line.strip() for line in f if line.strip()]

    def examples(words):
        xs, ys = [], []
        for w in words:
            window = [0] * context
            for token in [ord(c) - 96 for c in w] + [0]:
                xs.append(window[:])
                ys.append(token)
                window = window[1:] + [token]
        return torch.tensor(xs), torch.tensor(ys)

    n = len(names)
    x_train, y_train = examples(names[: n * 8 // 10])
    x_test, y_test = examples(names[n * 9 // 10:])
    torch.manual_seed(seed)
    net = MlpLm() if kind == "mlp-lm" else AttentionLm()
    lr = 3e-3 if kind == "mlp-lm" else 1e-3
    seconds = fit(net, x_train, y_train, torch.arange(len(x_train)), lr, 64, epochs, seed)
    with torch.no_grad():
        nll = F.cross_entropy(net(x_test), y_test).item()
    return nll, seconds


def fit(net, x, y, rows, lr, batch, epochs, seed):
    """Adam, shuffled batches; returns seconds per epoch."""
    optimizer = torch.optim.Adam(net.parameters(), lr)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        order = rows[torch.randperm(len(rows), generator=generator)]
        for i in range(0, len(order), batch):
            b = order[i:i + batch]
            loss = F.cross_entropy(net(x[b]), y[b])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return (time.perf_counter() - start) / epochs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("network", choices=["cnn", "mlp-lm", "attn-lm"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--names")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    metric = "test accuracy" if args.network == "cnn" else "test NLL"
    seeds = args.seeds or (5 if args.network == "cnn" else 1)
    values, times = [], []
    for seed in range(seeds):
        if args.network == "cnn":
            value, seconds = digits_cnn(seed, args.epochs or 30)
        else:
            if not args.names:
                parser.error("the language models need --names FILE")
            value, seconds = names_lm(args.network, args.names, seed, args.epochs or 15)
        print(f"seed {seed}: {metric} {value:.4f}, {seconds:.3f} s/epoch", flush=True)
        values.append(value)
        times.append(seconds)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    print(f"mean {metric} {statistics.mean(values):.4f} (std {spread:.4f}) over {seeds} seeds; "
          f"median {statistics.median(times):.3f} s/epoch (PyTorch {torch.__version__}, "
          f"{args.threads} thread{'s' if args.threads > 1 else ''})")


if __name__ == "__main__":
    main()
