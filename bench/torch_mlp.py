"""The PyTorch side of data/README.md's reference protocol, trained on the rows of the bundled
splits (data/NAME_splits.csv, written by bench/write_splits.py), which nabla's quality test
(crates/models/tests/models/quality_real_data.rs) reads too.

Protocol: for each split seed 0..4, features standardised with the training rows' mean and
standard deviation (population, as scikit-learn's StandardScaler); one hidden layer of 64 ReLU
units, PyTorch's default initialisation (torch.manual_seed(seed) first); Adam with learning rate
1e-3, batch size 32 (a DataLoader reshuffling the rows every epoch), 200 epochs, no early
stopping. Two classes (breast_cancer): one output unit and binary cross-entropy with logits;
more classes: softmax cross-entropy; test accuracy. Diabetes: mean squared error on the target as given (add
--scale-target to train on it standardised with the training rows' statistics), test R^2.

    python bench/torch_mlp.py [--threads 1] [--datasets iris,wine,...] [--scale-target]

Prints one line per data set: the metric for each seed, its mean and sample standard deviation.
"""
import argparse
import csv
import os
import statistics

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = ["iris", "wine", "breast_cancer", "digits", "diabetes"]


def load(name):
    with open(os.path.join(ROOT, "data", f"{name}.csv")) as f:
        rows = list(csv.reader(f))[1:]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows], dtype=torch.float32)
    if name == "diabetes":
        return x, torch.tensor([[float(r[-1])] for r in rows]), None
    names = sorted(set(r[-1] for r in rows))
    y = torch.tensor([names.index(r[-1]) for r in rows])
    return x, y, len(names)


def splits(name):
    with open(os.path.join(ROOT, "data", f"{name}_splits.csv")) as f:
        sets = {(int(s), part): torch.tensor([int(i) for i in r.split()])
                for s, part, r in list(csv.reader(f))[1:]}
    return [(sets[(s, "train")], sets[(s, "test")]) for s in range(5)]


def standardise(train, other):
    mean, std = train.mean(0), train.std(0, unbiased=False)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (train - mean) / std, (other - mean) / std


def run(name, seed, train, test, scale_target):
    x, y, classes = load(name)
    xtr, xte = standardise(x[train], x[test])
    ytr, yte = y[train], y[test]
    if classes is None and scale_target:
        mean, std = ytr.mean(0), ytr.std(0, unbiased=False)
        ytr = (ytr - mean) / std
    binary = classes == 2
    if binary:
        ytr = ytr.float().unsqueeze(1)
    torch.manual_seed(seed)
    units = 1 if binary or not classes else classes
    net = nn.Sequential(nn.Linear(x.shape[1], 64), nn.ReLU(), nn.Linear(64, units))
    if classes:
        loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
    else:
        loss_fn = nn.MSELoss()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    batches = DataLoader(TensorDataset(xtr, ytr), batch_size=32, shuffle=True)
    for _ in range(200):
        for xb, yb in batches:
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
    with torch.no_grad():
        out = net(xte)
    if binary:
        return ((out[:, 0] > 0).long() == yte).float().mean().item()
    if classes:
        return (out.argmax(1) == yte).float().mean().item()
    if scale_target:
        out = out * std + mean
    return (1 - ((yte - out) ** 2).sum() / ((yte - yte.mean()) ** 2).sum()).item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--scale-target", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# PyTorch {torch.__version__}, {args.threads} thread(s)")
    for name in args.datasets.split(","):
        values = [run(name, seed, train, test, args.scale_target)
                  for seed, (train, test) in enumerate(splits(name))]
        print(f"{name}: mean {statistics.mean(values):.4f} std {statistics.stdev(values):.4f} "
              f"values {[round(v, 4) for v in values]}", flush=True)


if __name__ == "__main__":
    main()
