"""Writes data/digits_splits.csv: the rows of scikit-learn's stratified 80/20 split of
data/digits.csv for seeds 0..4 (train_test_split(..., test_size=0.2, stratify=y,
random_state=seed)), so that examples/digits_cnn.rs and PyTorch train and test on the same rows.

Each line: seed, set (train or test), then the row indices (0-based, data rows without the
header) separated by spaces, in scikit-learn's order.

    python bench/digits_splits.py   # needs numpy and scikit-learn
"""
import csv
import os

import numpy as np
from sklearn.model_selection import train_test_split

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(root, "data", "digits.csv")) as f:
    labels = [int(row[-1]) for row in list(csv.reader(f))[1:]]
rows = np.arange(len(labels))
with open(os.path.join(root, "data", "digits_splits.csv"), "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["seed", "set", "rows"])
    for seed in range(5):
        train, test = train_test_split(
            rows, test_size=0.2, stratify=labels, random_state=seed
        )
        writer.writerow([seed, "train", " ".join(map(str, train))])
        writer.writerow([seed, "test", " ".join(map(str, test))])
