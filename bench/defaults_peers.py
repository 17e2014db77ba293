#!/usr/bin/env python3
"""The defaults a user gets, against the peers' defaults, on the same folds (issue 13, item 1).

  defaults_peers.py DATASET OUT_DIR --leadscore BIN [--threads 2] [--folds 5]

DATASET: leads (Leads.csv, pre-contact columns as examples/xeducation.toml), crm (the CRM
export in ../shared/datasets: closed deals, won vs lost, joined with accounts, products and
sales teams; close_date and close_value left out, they are recorded at the outcome),
caravan (ISLP's Caravan.csv, CoIL 2000 insurance direct marketing: did the customer buy a
caravan policy; shipped inside the `islp` wheel) and oj (ISLP's OJ.csv, which orange juice a
customer bought: Minute Maid vs Citrus Hill).

Folds: StratifiedKFold(5, shuffle=True, random_state=42) on the labelled rows; every engine
fits on the same training rows and is scored on the same held-out rows. Each fold's rows go
to OUT_DIR/DATASET/fold<k>/{train,test}.csv (git-ignored; the source files are read where
they are).

leadscore: `train --model both --cv 2` on train.csv, then `score --all-models` on test.csv.
`--cv 2` makes train refit the bundled models on all of train.csv after its own 2-fold report
(the default `--holdout 0.2` would keep a fifth of the rows back for the report: the peers fit
on all of them); the 2-fold report only chooses the primary model (the better out-of-fold AUC),
inside the training rows. `--allow-weak` so that a data set without signal is still measured.
Its train time is the refit's "fitted gbm" / "fitted logistic" line: one default fit on all
training rows (for the trees: the inner 5-fold cross-validation and search that choose the
settings, the trees and the calibrator, then the refit).
Peers, each on its own defaults except as stated: LightGBM 200 trees, learning rate 0.05;
XGBoost (hist) 200 trees, depth 6, learning rate 0.05; scikit-learn HistGradientBoosting
(defaults); all three with native categorical columns. scikit-learn LogisticRegression
(defaults, C = 1, max_iter 1000) on median-imputed standardised numeric columns with
missing indicators and one-hot categorical columns (unscaled).
Prints one JSON line per engine: mean AUC, sd, mean Brier, mean log loss, mean fit seconds.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import time

import numpy as np
import pandas as pd

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "datasets")
LEADS_EXCLUDE = ["Lead Number", "Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index",
                 "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
                 "Last Activity", "Last Notable Activity"]


def load(name, shared):
    """(frame of raw text columns, id column, target column, positive value, missing tokens,
    columns the leakage guard may flag that are known before the outcome)."""
    if name == "leads":
        df = pd.read_csv(os.path.join(shared, "xeducation-leads", "Leads.csv"), dtype=str, keep_default_na=False)
        df = df.drop(columns=LEADS_EXCLUDE)
        return df, "Prospect ID", "Converted", "1", ["Select"], []
    if name == "crm":
        d = os.path.join(shared, "crm-sales-opportunities")
        read = lambda f: pd.read_csv(os.path.join(d, f), dtype=str, keep_default_na=False)
        deals = read("sales_pipeline.csv")
        deals = deals[deals["deal_stage"].isin(["Won", "Lost"])].drop(columns=["close_date", "close_value"])
        deals["product"] = deals["product"].replace({"GTXPro": "GTX Pro"})
        df = (deals.merge(read("accounts.csv"), on="account", how="left")
              .merge(read("products.csv"), on="product", how="left")
              .merge(read("sales_teams.csv"), on="sales_agent", how="left"))
        return df.fillna(""), "opportunity_id", "deal_stage", "Won", [], []
    if name in ("caravan", "oj"):
        import ISLP
        path = os.path.join(os.path.dirname(ISLP.__file__), "data", {"caravan": "Caravan.csv", "oj": "OJ.csv"}[name])
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if df.columns[0] in ("", "Unnamed: 0"):
            df = df.drop(columns=df.columns[0])
        df.insert(0, "row_id", [f"r{i}" for i in range(len(df))])
        # LoyalCH is the customer's loyalty to Citrus Hill from earlier purchases: known before
        # this one, strong, and kept on purpose (the leakage guard flags its strength).
        keep = ["LoyalCH"] if name == "oj" else []
        return df, "row_id", "Purchase", {"caravan": "Yes", "oj": "MM"}[name], [], keep
    raise SystemExit(f"unknown data set {name!r} (leads, crm, caravan, oj)")


def typed(df, features, missing):
    """The features as the peers read them: numbers where every present value parses, yes/no as
    1/0, dates as days since 1970, everything else categorical; `missing` tokens and blanks
    are missing."""
    out = pd.DataFrame(index=df.index)
    cats = []
    for c in features:
        s = df[c].where(~df[c].isin(missing + [""]))
        present = s.dropna()
        num = pd.to_numeric(present, errors="coerce")
        low = set(present.str.lower())
        if len(present) and num.notna().all():
            out[c] = pd.to_numeric(s)
        elif low and low <= {"yes", "no"}:
            out[c] = s.str.lower().map({"yes": 1.0, "no": 0.0})
        elif len(present) and present.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
            out[c] = (pd.to_datetime(s) - pd.Timestamp("1970-01-01")).dt.days.astype(float)
        else:
            out[c] = s.astype("category")
            cats.append(c)
    return out, cats


def peers(xtr, ytr, xte, cats, threads):
    """{engine: (probabilities, fit seconds)}."""
    import lightgbm as lgb
    import sklearn
    import xgboost as xgb
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from threadpoolctl import threadpool_limits

    res = {}
    t = time.perf_counter()
    m = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, n_jobs=threads, verbose=-1, random_state=0)
    m.fit(xtr, ytr)
    res[f"lightgbm {lgb.__version__}"] = (m.predict_proba(xte)[:, 1], time.perf_counter() - t)
    t = time.perf_counter()
    m = xgb.XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.05, tree_method="hist",
                          enable_categorical=True, n_jobs=threads, random_state=0)
    m.fit(xtr, ytr)
    res[f"xgboost {xgb.__version__}"] = (m.predict_proba(xte)[:, 1], time.perf_counter() - t)
    with threadpool_limits(threads):
        t = time.perf_counter()
        m = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
        m.fit(xtr, ytr)
        res[f"sklearn {sklearn.__version__} HistGB"] = (m.predict_proba(xte)[:, 1], time.perf_counter() - t)
        nums = [c for c in xtr.columns if c not in cats]
        # One-hot input must be plain strings (a missing value is its own level).
        as_text = lambda x: x[cats].astype(object).where(x[cats].notna(), "(missing)").astype(str)
        pre = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), nums),
            ("cat", OneHotEncoder(handle_unknown="ignore"), cats),
        ])
        t = time.perf_counter()
        lr = make_pipeline(pre, LogisticRegression(max_iter=1000))
        xtr2, xte2 = xtr[nums].join(as_text(xtr)), xte[nums].join(as_text(xte))
        lr.fit(xtr2, ytr)
        res[f"sklearn {sklearn.__version__} LogisticRegression"] = (lr.predict_proba(xte2)[:, 1],
                                                                   time.perf_counter() - t)
    return res


def leadscore(bin_, fold_dir, id_col, target, positive, missing, keep, threads):
    """{engine: (probabilities in test.csv order, fit seconds)}, and the primary's name."""
    train, test = os.path.join(fold_dir, "train.csv"), os.path.join(fold_dir, "test.csv")
    bundle, scored = os.path.join(fold_dir, "bundle.json"), os.path.join(fold_dir, "scored.csv")
    for f in (bundle, scored):
        if os.path.exists(f):
            os.remove(f)
    cmd = [bin_, "train", "--data", train, "--target", target, "--positive", positive, "--id", id_col,
           "--model", "both", "--cv", "2", "--allow-weak", "--out", bundle]
    if missing:
        cmd += ["--missing-values", ",".join(missing)]
    if keep:
        cmd += ["--keep", ",".join(keep)]
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if not os.path.exists(bundle):
        raise SystemExit(f"leadscore train failed:\n{r.stdout}\n{r.stderr}")
    # The refit on every training row is the last "fitted" line per model.
    fit_s = {}
    for line in r.stderr.splitlines():
        m = re.match(r"\.\.\. fitted (\w+) on \d+ rows in ([0-9.]+) s", line)
        if m:
            fit_s[m.group(1)] = float(m.group(2))
    subprocess.run([bin_, "score", "--model", bundle, "--data", test, "--out", scored, "--all-models",
                    "--reasons", "0", "--precision", "12", "--quiet"], check=True, env=env)
    out = pd.read_csv(scored, dtype={id_col: str, "probability_logistic": float, "probability_gbm": float})
    order = pd.read_csv(test, dtype=str, keep_default_na=False, usecols=[id_col])[id_col]
    out = out.set_index(id_col).loc[order]
    primary = json.load(open(bundle))["primary"]
    return {"gbm": (out["probability_gbm"].to_numpy(), fit_s["gbm"]),
            "logistic": (out["probability_logistic"].to_numpy(), fit_s["logistic"])}, primary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset")
    ap.add_argument("out")
    ap.add_argument("--leadscore", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--shared", default=SHARED)
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    df, id_col, target, positive, missing, keep = load(a.dataset, a.shared)
    df = df[df[target] != ""].reset_index(drop=True)
    y = (df[target] == positive).to_numpy().astype(int)
    features = [c for c in df.columns if c not in (id_col, target)]
    x, cats = typed(df, features, missing)
    scores = {}
    primaries = []
    folds = StratifiedKFold(a.folds, shuffle=True, random_state=42).split(np.zeros(len(y)), y)
    for k, (tr, te) in enumerate(folds):
        d = os.path.join(a.out, a.dataset, f"fold{k}")
        os.makedirs(d, exist_ok=True)
        df.iloc[tr].to_csv(os.path.join(d, "train.csv"), index=False, quoting=csv.QUOTE_MINIMAL)
        df.iloc[te].to_csv(os.path.join(d, "test.csv"), index=False, quoting=csv.QUOTE_MINIMAL)
        ours, primary = leadscore(a.leadscore, d, id_col, target, positive, missing, keep, a.threads)
        primaries.append(primary)
        ours["primary"] = ours[primary]
        got = {f"leadscore {k2}": v for k2, v in ours.items()}
        got.update(peers(x.iloc[tr], y[tr], x.iloc[te], cats, a.threads))
        for name, (p, s) in got.items():
            p = np.clip(p, 0.0, 1.0)
            scores.setdefault(name, []).append(
                (roc_auc_score(y[te], p), float(np.mean((p - y[te]) ** 2)), log_loss(y[te], p, labels=[0, 1]), s))
    for name, rows in scores.items():
        r = np.array(rows)
        line = {"engine": name, "auc_mean": round(float(r[:, 0].mean()), 5), "auc_sd": round(float(r[:, 0].std(ddof=1)), 5),
                "brier": round(float(r[:, 1].mean()), 5), "log_loss": round(float(r[:, 2].mean()), 5),
                "fit_s": round(float(r[:, 3].mean()), 3), "folds": len(rows), "dataset": a.dataset,
                "rows": len(y), "positives": int(y.sum())}
        if name == "leadscore primary":
            line["primary_per_fold"] = primaries
        print(json.dumps(line), flush=True)


main()
