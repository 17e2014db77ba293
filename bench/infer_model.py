#!/usr/bin/env python3
"""Trains the inference benchmark's model: LightGBM, 500 trees x 31 leaves, on a dataset
written by gen_data.py (its first n_train rows), and writes next to the data:

  model.txt    LightGBM text model (lleaves, treelite and tl2cgen read this one)
  dump.json    Booster.dump_model() (leadscore-gbm imports this one, with node covers)

Every engine in infer_peers.py / the `infer` example then scores the same hold-out rows
with these same trees.
"""
import argparse
import json
import os
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("--trees", type=int, default=500)
ap.add_argument("--leaves", type=int, default=31)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()

import lightgbm as lgb  # noqa: E402

meta = json.load(open(os.path.join(a.data, "meta.json")))
n, k, n_train = meta["n_rows"], meta["n_cols"], meta["n_train"]
x = np.fromfile(os.path.join(a.data, "x.f64"), dtype="<f8").reshape(k, n).T.copy()
y = np.fromfile(os.path.join(a.data, "y.f64"), dtype="<f8")
params = dict(objective="binary", num_leaves=a.leaves, learning_rate=0.1, max_bin=255, min_data_in_leaf=20,
              num_threads=a.threads, verbose=-1, seed=0)
t = time.perf_counter()
bst = lgb.train(params, lgb.Dataset(x[:n_train], y[:n_train]), num_boost_round=a.trees)
print(f"trained LightGBM {lgb.__version__}: {a.trees} trees x {a.leaves} leaves in {time.perf_counter() - t:.1f} s")
bst.save_model(os.path.join(a.data, "model.txt"))
with open(os.path.join(a.data, "dump.json"), "w") as f:
    json.dump(bst.dump_model(), f)
