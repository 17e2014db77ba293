#!/usr/bin/env python3
"""Leads.csv cross-validation benchmark: data preparation and the peer engines.

  leads_peers.py prepare LEADS_CSV OUT_DIR   # matrix + categorical codes + fold ids for every engine
  leads_peers.py run OUT_DIR [--threads 2]   # LightGBM, XGBoost, HistGradientBoosting: one JSON line each

Columns follow examples/xeducation.toml exactly: the id, the target and the leaky columns
(filled in by sales during or after contact) are dropped; "Select" (the form's placeholder)
and empty cells are missing. Numeric columns stay numeric; every other column is
categorical, coded 0..k-1 in sorted order of its values (codes carry no label information).
Folds: StratifiedKFold(5, shuffle=True, random_state=42), written as a fold id per row so
leadscore-gbm (crates/gbm/examples/leads_cv.rs) uses exactly the same splits.

Every engine: 200 trees, 31 leaves, learning rate 0.1 (--learning-rate), min 20 rows per leaf, 255 bins,
native categorical splits (LightGBM, XGBoost, scikit-learn, leadscore-gbm all support them).
Reported: mean and sd of the per-fold hold-out AUC, mean Brier, mean fit seconds per fold.
"""
import argparse
import csv
import json
import os
import time

import numpy as np

ID, TARGET = "Prospect ID", "Converted"
EXCLUDE = {  # examples/xeducation.toml [data].exclude
    "Lead Number", "Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index",
    "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
    "Last Activity", "Last Notable Activity",
}
MISSING = {"", "Select"}
SEED = 42
N_FOLDS = 5
TREES, LEAVES, LR, MIN_LEAF = 200, 31, 0.1, 20


def prepare(path, out):
    from sklearn.model_selection import StratifiedKFold

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = [c for c in rows[0].keys() if c not in EXCLUDE and c not in (ID, TARGET)]
    y = np.array([float(r[TARGET]) for r in rows])
    cols, categorical = [], []
    for c in names:
        raw = [r[c].strip() for r in rows]
        present = [v for v in raw if v not in MISSING]
        try:
            [float(v) for v in present]
            cols.append([float(v) if v not in MISSING else np.nan for v in raw])
            categorical.append(False)
        except ValueError:
            levels = {v: i for i, v in enumerate(sorted(set(present)))}
            cols.append([float(levels[v]) if v not in MISSING else np.nan for v in raw])
            categorical.append(True)
    x = np.array(cols).T  # rows x cols
    fold = np.zeros(len(y))
    for k, (_, test) in enumerate(StratifiedKFold(N_FOLDS, shuffle=True, random_state=SEED).split(x, y)):
        fold[test] = k
    os.makedirs(out, exist_ok=True)
    np.asfortranarray(x).T.astype("<f8").tofile(os.path.join(out, "x.f64"))  # column-major
    y.astype("<f8").tofile(os.path.join(out, "y.f64"))
    fold.astype("<f8").tofile(os.path.join(out, "fold.f64"))
    meta = {"n_rows": len(y), "n_cols": len(names), "n_folds": N_FOLDS, "names": names,
            "categorical": [i for i, c in enumerate(categorical) if c], "source": os.path.abspath(path)}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {len(y)} rows x {len(names)} columns ({sum(categorical)} categorical) to {out}; "
          f"positives {y.mean():.3f}")


def load(out):
    meta = json.load(open(os.path.join(out, "meta.json")))
    n, k = meta["n_rows"], meta["n_cols"]
    x = np.fromfile(os.path.join(out, "x.f64"), dtype="<f8").reshape(k, n).T.copy()
    y = np.fromfile(os.path.join(out, "y.f64"), dtype="<f8")
    fold = np.fromfile(os.path.join(out, "fold.f64"), dtype="<f8").astype(int)
    return meta, x, y, fold


def report(engine, aucs, briers, fits):
    print(json.dumps({"engine": engine, "auc_mean": round(float(np.mean(aucs)), 5),
                      "auc_sd": round(float(np.std(aucs, ddof=1)), 5), "brier": round(float(np.mean(briers)), 5),
                      "fit_s": round(float(np.mean(fits)), 4), "folds": len(aucs)}), flush=True)


def run(out, threads, engines):
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from sklearn.metrics import roc_auc_score

    meta, x, y, fold = load(out)
    cat = meta["categorical"]
    for engine in engines:
        aucs, briers, fits = [], [], []
        for k in range(meta["n_folds"]):
            tr, te = fold != k, fold == k
            if engine == "lightgbm":
                import lightgbm as lgb
                name = f"lightgbm {lgb.__version__}"
                params = dict(objective="binary", num_leaves=LEAVES, learning_rate=LR, max_bin=255,
                              min_data_in_leaf=MIN_LEAF, num_threads=threads, verbose=-1, seed=0)
                t = time.perf_counter()
                bst = lgb.train(params, lgb.Dataset(x[tr], y[tr], categorical_feature=cat), num_boost_round=TREES)
                fits.append(time.perf_counter() - t)
                p = bst.predict(x[te], num_threads=threads)
            elif engine == "xgboost":
                import xgboost as xgb
                name = f"xgboost {xgb.__version__} (hist)"
                types = ["c" if i in cat else "q" for i in range(x.shape[1])]
                params = dict(objective="binary:logistic", tree_method="hist", grow_policy="lossguide",
                              max_leaves=LEAVES, max_depth=0, eta=LR, max_bin=255, min_child_weight=1e-3,
                              max_cat_to_onehot=4, nthread=threads, seed=0)
                t = time.perf_counter()
                dtr = xgb.DMatrix(x[tr], y[tr], feature_types=types, enable_categorical=True, nthread=threads)
                bst = xgb.train(params, dtr, num_boost_round=TREES)
                fits.append(time.perf_counter() - t)
                p = bst.predict(xgb.DMatrix(x[te], feature_types=types, enable_categorical=True, nthread=threads))
            elif engine == "sklearn":
                import sklearn
                from sklearn.ensemble import HistGradientBoostingClassifier
                from threadpoolctl import threadpool_limits
                name = f"sklearn {sklearn.__version__} HistGB"
                mask = [i in cat for i in range(x.shape[1])]
                with threadpool_limits(threads):
                    m = HistGradientBoostingClassifier(max_iter=TREES, max_leaf_nodes=LEAVES, learning_rate=LR,
                                                       max_bins=255, min_samples_leaf=MIN_LEAF, l2_regularization=0.0,
                                                       categorical_features=mask, early_stopping=False,
                                                       random_state=0)
                    t = time.perf_counter()
                    m.fit(x[tr], y[tr])
                    fits.append(time.perf_counter() - t)
                    p = m.predict_proba(x[te])[:, 1]
            else:
                raise SystemExit(f"unknown engine {engine!r} (lightgbm, xgboost, sklearn)")
            aucs.append(roc_auc_score(y[te], p))
            briers.append(float(np.mean((p - y[te]) ** 2)))
        report(name, aucs, briers, fits)


ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
sub = ap.add_subparsers(dest="cmd", required=True)
p1 = sub.add_parser("prepare")
p1.add_argument("csv")
p1.add_argument("out")
p2 = sub.add_parser("run")
p2.add_argument("out")
p2.add_argument("--threads", type=int, default=2)
p2.add_argument("--engines", default="lightgbm,xgboost,sklearn")
p2.add_argument("--learning-rate", type=float, default=0.1)
a = ap.parse_args()
if a.cmd == "prepare":
    prepare(a.csv, a.out)
else:
    LR = a.learning_rate
    run(a.out, a.threads, a.engines.split(","))
