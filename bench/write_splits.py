"""Writes data/NAME_splits.csv for each bundled data set: the rows of scikit-learn's 80/20
train/test split for seeds 0..4, train_test_split(rows, test_size=0.2, stratify=..., random_state=seed),
stratified by the class for iris, wine, breast_cancer and digits, not stratified for diabetes.
nabla (nabla_models::data::read_splits) and the PyTorch reference (bench/torch_mlp.py) then
train and test on the same rows.

Each file: a header line `seed,set,rows`, then two lines per seed: the seed, the set (train or
test), and the row indices (0-based, data rows without the header) separated by spaces, in
scikit-learn's order.

    python bench/write_splits.py   # needs numpy and scikit-learn
"""
import csv
import os

import numpy as np
from sklearn.model_selection import train_test_split

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Data set, and whether its split is stratified by the target (the last column).
DATASETS = [
    ("iris", True),
    ("wine", True),
    ("breast_cancer", True),
    ("digits", True),
    ("diabetes", False),
]
SEEDS = range(5)


def write(name, stratified):
    with open(os.path.join(ROOT, "data", f"{name}.csv")) as f:
        targets = [row[-1] for row in list(csv.reader(f))[1:]]
    rows = np.arange(len(targets))
    with open(os.path.join(ROOT, "data", f"{name}_splits.csv"), "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["seed", "set", "rows"])
        for seed in SEEDS:
            train, test = train_test_split(
                rows,
                test_size=0.2,
                stratify=targets if stratified else None,
                random_state=seed,
            )
            writer.writerow([seed, "train", " ".join(map(str, train))])
            writer.writerow([seed, "test", " ".join(map(str, test))])


if __name__ == "__main__":
    for name, stratified in DATASETS:
        write(name, stratified)
