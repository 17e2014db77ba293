#!/usr/bin/env python3
"""Peer engines for the benchmark: LightGBM, XGBoost (hist), scikit-learn HistGradientBoosting.

Reads a dataset written by gen_data.py, trains each engine with the same trees (200 trees,
31 leaves, learning rate 0.1, 255 bins, min 20 rows per leaf, given threads) on the first
n_train rows, and prints one JSON line per engine: fit seconds, predicted rows per second
on the hold-out rows, TreeSHAP seconds for 10k rows (null where the engine has none),
hold-out AUC and Brier score.
"""
import argparse
import json
import os
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--engines", default="lightgbm,xgboost,sklearn")
a = ap.parse_args()
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))

from sklearn.metrics import roc_auc_score  # noqa: E402

meta = json.load(open(os.path.join(a.data, "meta.json")))
n, k, n_train = meta["n_rows"], meta["n_cols"], meta["n_train"]
x = np.fromfile(os.path.join(a.data, "x.f64"), dtype="<f8").reshape(k, n).T.copy()
y = np.fromfile(os.path.join(a.data, "y.f64"), dtype="<f8")
xtr, ytr, xte, yte = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
xs = xte[:10000]


def report(engine, fit_s, pred_s, shap_s, p):
    print(json.dumps({
        "engine": engine, "fit_s": round(fit_s, 3), "predict_rows_per_s": round(len(xte) / pred_s),
        "shap10k_s": None if shap_s is None else round(shap_s, 3),
        "auc": round(float(roc_auc_score(yte, p)), 5), "brier": round(float(np.mean((p - yte) ** 2)), 5),
    }), flush=True)


for engine in a.engines.split(","):
    if engine == "lightgbm":
        import lightgbm as lgb
        params = dict(objective="binary", num_leaves=31, learning_rate=0.1, max_bin=255, min_data_in_leaf=20,
                      num_threads=a.threads, verbose=-1, seed=0)
        t = time.perf_counter()
        bst = lgb.train(params, lgb.Dataset(xtr, ytr), num_boost_round=200)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        p = bst.predict(xte, num_threads=a.threads)
        pred_s = time.perf_counter() - t
        t = time.perf_counter()
        bst.predict(xs, pred_contrib=True, num_threads=a.threads)
        shap_s = time.perf_counter() - t
        report(f"lightgbm {lgb.__version__}", fit_s, pred_s, shap_s, p)
    elif engine == "xgboost":
        import xgboost as xgb
        params = dict(objective="binary:logistic", tree_method="hist", grow_policy="lossguide", max_leaves=31,
                      max_depth=0, eta=0.1, max_bin=255, min_child_weight=1e-3, nthread=a.threads, seed=0)
        t = time.perf_counter()
        bst = xgb.train(params, xgb.DMatrix(xtr, ytr, nthread=a.threads), num_boost_round=200)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        p = bst.inplace_predict(xte)
        pred_s = time.perf_counter() - t
        t = time.perf_counter()
        bst.predict(xgb.DMatrix(xs, nthread=a.threads), pred_contribs=True)
        shap_s = time.perf_counter() - t
        report(f"xgboost {xgb.__version__} (hist)", fit_s, pred_s, shap_s, p)
    elif engine == "sklearn":
        import sklearn
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits
        with threadpool_limits(a.threads):
            m = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=31, learning_rate=0.1, max_bins=255,
                                               min_samples_leaf=20, l2_regularization=0.0, early_stopping=False,
                                               random_state=0)
            t = time.perf_counter()
            m.fit(xtr, ytr)
            fit_s = time.perf_counter() - t
            t = time.perf_counter()
            p = m.predict_proba(xte)[:, 1]
            pred_s = time.perf_counter() - t
        report(f"sklearn {sklearn.__version__} HistGB", fit_s, pred_s, None, p)
