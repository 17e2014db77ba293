#!/usr/bin/env python3
"""Synthetic binary-classification data for the peer benchmark (seeded).

Writes <out>/x.f64 (column-major little-endian f64, NaN = missing), <out>/y.f64 and
<out>/meta.json {n_rows, n_cols, n_train}. The first 80% of rows are the training split.
"""
import argparse
import json
import os

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, required=True)
ap.add_argument("--cols", type=int, default=30)
ap.add_argument("--seed", type=int, default=20261122)
ap.add_argument("--out", required=True)
a = ap.parse_args()

rng = np.random.default_rng(a.seed)
n, k = a.rows, a.cols
x = rng.normal(size=(n, k))
x[:, 5] = rng.integers(0, 12, size=n)          # a low-cardinality integer column
x[:, 6] = rng.exponential(size=n)              # a skewed column
logit = (1.5 * np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 1.0 * (x[:, 3] > 0.5) + 0.5 * x[:, 4] ** 2
         - 0.3 * x[:, 5] + 0.8 * np.log1p(x[:, 6]) + 0.4 * x[:, 7] - 0.4 * x[:, 8] + 0.2 * x[:, 9:14].sum(axis=1))
for j in (0, 4, 7, 10, 20):                    # missing values, some informative
    miss = rng.random(n) < 0.05
    x[miss, j] = np.nan
logit = logit - np.median(logit) + 0.5 * np.isnan(x[:, 4])
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)

os.makedirs(a.out, exist_ok=True)
np.asfortranarray(x).T.astype("<f8").tofile(os.path.join(a.out, "x.f64"))
y.astype("<f8").tofile(os.path.join(a.out, "y.f64"))
with open(os.path.join(a.out, "meta.json"), "w") as f:
    json.dump({"n_rows": n, "n_cols": k, "n_train": int(n * 0.8), "seed": a.seed}, f)
print(f"wrote {n} x {k} to {a.out} (positives {y.mean():.3f})")
