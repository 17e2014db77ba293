#!/usr/bin/env python3
"""Writes the LightGBM reference fixtures used by the crate's tests.

Run once (needs numpy + lightgbm), from anywhere:
    python3 crates/gbm/scripts/make_fixtures.py
Outputs JSON into crates/gbm/tests/fixtures/. Matrices are column-major lists with
missing values as null; SHAP values are row-major n_rows x (n_cols + 1).
"""
import json
import os

import lightgbm as lgb
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")


def col_major(x):
    return [None if np.isnan(v) else float(v) for v in np.asarray(x, dtype=np.float64).T.ravel()]


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, allow_nan=False)
    print("wrote", path, os.path.getsize(path), "bytes")


def import_fixture():
    """LightGBM model with NaNs, a sorted-scan categorical (8 codes) and a one-hot categorical (3 codes)."""
    rng = np.random.default_rng(42)

    def make(n):
        x0 = rng.normal(size=n)
        x0[rng.random(n) < 0.1] = np.nan
        x1 = rng.uniform(0, 10, size=n)
        x2 = rng.integers(0, 20, size=n).astype(float)
        x3 = rng.integers(0, 8, size=n).astype(float)
        x3[rng.random(n) < 0.05] = np.nan
        x4 = rng.normal(size=n)
        x5 = rng.integers(0, 3, size=n).astype(float)
        logit = (1.2 * np.nan_to_num(x0) + 0.3 * (x1 - 5) + 1.5 * np.isin(x3, [1, 4, 6]) - 0.8
                 + 0.05 * x2 * (x4 > 0) + 0.7 * (x5 == 2) + 1.0 * np.isnan(x0))
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        return np.column_stack([x0, x1, x2, x3, x4, x5]), y

    x, y = make(400)
    xt, _ = make(100)
    # Special rows: unseen category codes, negative code, everything missing.
    special = np.array([
        [0.5, 5.0, 3.0, 11.0, 0.1, 7.0],
        [np.nan, 2.0, 10.0, -1.0, -0.3, 1.0],
        [np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
        [-1.0, 9.0, 19.0, 4.0, 2.0, 2.0],
    ])
    xt = np.vstack([xt, special])
    params = dict(objective="binary", num_leaves=15, learning_rate=0.1, min_data_in_leaf=10,
                  min_data_per_group=10, cat_smooth=5.0, max_cat_to_onehot=4, lambda_l2=0.5,
                  verbose=-1, seed=1, num_threads=1, deterministic=True)
    ds = lgb.Dataset(x, y, categorical_feature=[3, 5], free_raw_data=False)
    bst = lgb.train(params, ds, num_boost_round=30)
    write("lightgbm_import.json", {
        "lightgbm_version": lgb.__version__,
        "params": params,
        "dump": bst.dump_model(),
        "n_rows": int(xt.shape[0]), "n_cols": int(xt.shape[1]),
        "x": col_major(xt),
        "raw": [float(v) for v in bst.predict(xt, raw_score=True)],
        "contrib": [float(v) for v in np.asarray(bst.predict(xt, pred_contrib=True)).ravel()],
    })


def exact_fixture(name, with_nan, with_cat, **overrides):
    """Exactly-binnable data (integer features, < 255 distinct values) for training comparisons.

    LightGBM (v4) checks min_data_in_leaf / min_data_per_group / cat_smooth against row
    counts *estimated* from hessians (round(hess * n / sum_hess)), so trees can differ from an
    engine that counts rows exactly whenever one of those limits binds. Fixtures meant for an
    exact tree-by-tree match therefore bind on min_sum_hessian_in_leaf (exact in both)
    with min_data_in_leaf=1; the "default" fixture keeps min_data_in_leaf=20.
    """
    rng = np.random.default_rng(7)

    def make(n):
        x0 = rng.integers(0, 30, size=n).astype(float)
        x1 = rng.integers(0, 10, size=n).astype(float)
        x2 = rng.integers(0, 100, size=n).astype(float)
        x3 = rng.integers(0, 6, size=n).astype(float)
        if with_nan:
            x0[rng.random(n) < 0.15] = np.nan
        logit = (0.15 * (np.nan_to_num(x0, nan=25.0) - 15) + 0.8 * np.sin(x1) + 0.02 * (x2 - 50)
                 + 1.2 * np.isin(x3, [1, 4]) - 0.5)
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        return np.column_stack([x0, x1, x2, x3]), y

    x, y = make(2000)
    xt, yt = make(1000)
    params = dict(objective="binary", num_leaves=15, learning_rate=0.1, min_data_in_leaf=20,
                  lambda_l2=1.0, min_sum_hessian_in_leaf=1e-3, min_data_in_bin=1, max_bin=255,
                  feature_pre_filter=False, boost_from_average=True, deterministic=True,
                  force_col_wise=True, num_threads=1, verbose=-1, seed=0,
                  bagging_fraction=1.0, bagging_freq=0, feature_fraction=1.0,
                  max_cat_to_onehot=4, max_cat_threshold=32, cat_smooth=10.0, cat_l2=10.0,
                  min_data_per_group=100)
    params.update(overrides)
    cats = [3] if with_cat else []
    ds = lgb.Dataset(x, y, categorical_feature=cats, free_raw_data=False)
    rounds = 40
    bst = lgb.train(params, ds, num_boost_round=rounds)
    write(name, {
        "lightgbm_version": lgb.__version__,
        "params": params, "num_trees": rounds, "categorical": cats,
        "n_train": int(x.shape[0]), "n_test": int(xt.shape[0]), "n_cols": int(x.shape[1]),
        "x_train": col_major(x), "y_train": [float(v) for v in y],
        "x_test": col_major(xt), "y_test": [float(v) for v in yt],
        "raw_train": [float(v) for v in bst.predict(x, raw_score=True)],
        "raw_test": [float(v) for v in bst.predict(xt, raw_score=True)],
        # Raw scores of the first k trees, for tree-by-tree comparisons.
        "raw_test_first": {str(k): [float(v) for v in bst.predict(xt, raw_score=True, num_iteration=k)]
                           for k in (1, 2, 5, 10, 20)},
        "dump": bst.dump_model(),
    })


if __name__ == "__main__":
    import_fixture()
    exact = dict(min_data_in_leaf=1, min_sum_hessian_in_leaf=1.0, min_data_per_group=1, cat_smooth=1.0)
    exact_fixture("lightgbm_exact.json", with_nan=False, with_cat=False, **exact)
    exact_fixture("lightgbm_exact_nan.json", with_nan=True, with_cat=False, **exact)
    exact_fixture("lightgbm_exact_cat.json", with_nan=True, with_cat=True, **exact)
    exact_fixture("lightgbm_default.json", with_nan=True, with_cat=True)
