#!/usr/bin/env python3
"""Write tests/fixtures/metrics/metrics.json: reference values for src/evaluation/metrics.rs
and src/evaluation/stats.rs, computed with scikit-learn, NumPy and SciPy.

Usage (from the repository root, in a venv with numpy, scipy and scikit-learn):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy scikit-learn
    /tmp/venv/bin/python scripts/make_metric_fixtures.py

The output is deterministic for a given library version (seeded generator); the versions
used are printed and recorded in the JSON.

Conventions the Rust side must match:
- log loss: probabilities are clipped to [1e-15, 1 - 1e-15] *here*, before calling
  sklearn.metrics.log_loss. Recent scikit-learn clips to machine epsilon instead
  (2.2e-16), which would no-op on values already clipped to 1e-15, so the reference is
  exactly "clip to 1e-15, then average the cross-entropy".
- roc_curve is called with drop_intermediate=False; its first threshold is +inf,
  written to JSON as null.
- calibration bins: calibration_curve(n_bins=10, strategy="uniform") returns only
  non-empty bins; the per-bin counts and edges come from the same searchsorted rule
  sklearn uses (np.searchsorted(edges[1:-1], p), i.e. bins (lo, hi], the first [0, hi]).
  ECE = sum(count / n * |observed - mean_predicted|) over non-empty bins.
- DeLong: the fast O(n log n) algorithm of Sun & Xu (2014), "Fast Implementation of
  DeLong's Algorithm for Comparing the Areas Under Correlated Receiver Operating
  Characteristic Curves", IEEE Signal Processing Letters 21(11). Two-sided p-value
  2 * norm.sf(|z|), covariance with ddof = 1 (np.cov), as in the paper.
"""

import json
import os
import sys

import numpy as np
import scipy
import scipy.special
import scipy.stats
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
    roc_curve,
)

SEED = 20261122
CLIP = 1e-15
N_BINS = 10
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "metrics", "metrics.json"
)


def midrank(x):
    """Average 1-based ranks of x (ties get the mean of the ranks they span)."""
    order = np.argsort(x, kind="mergesort")
    z = x[order]
    n = len(x)
    t = np.zeros(n, dtype=float)
    i = 0
    while i < n:
        j = i
        while j < n and z[j] == z[i]:
            j += 1
        t[i:j] = 0.5 * (i + j - 1) + 1
        i = j
    out = np.empty(n, dtype=float)
    out[order] = t
    return out


def fast_delong(preds_sorted, m):
    """Sun & Xu (2014) fast DeLong. preds_sorted: (k, n) with the m positives first."""
    n = preds_sorted.shape[1] - m
    pos = preds_sorted[:, :m]
    neg = preds_sorted[:, m:]
    k = preds_sorted.shape[0]
    tx = np.array([midrank(pos[r]) for r in range(k)])
    ty = np.array([midrank(neg[r]) for r in range(k)])
    tz = np.array([midrank(preds_sorted[r]) for r in range(k)])
    aucs = tz[:, :m].sum(axis=1) / m / n - (m + 1.0) / 2.0 / n
    v01 = (tz[:, :m] - tx) / n  # structural components of the positives
    v10 = 1.0 - (tz[:, m:] - ty) / m  # structural components of the negatives
    sx = np.atleast_2d(np.cov(v01))
    sy = np.atleast_2d(np.cov(v10))
    cov = sx / m + sy / n
    return aucs, cov


def delong_test(a, b, y):
    order = np.argsort(-y.astype(int), kind="mergesort")  # positives first
    m = int(y.sum())
    preds = np.vstack([a, b])[:, order]
    aucs, cov = fast_delong(preds, m)
    l = np.array([1.0, -1.0])
    var = float(l @ cov @ l)
    se = float(np.sqrt(var))
    diff = float(aucs[0] - aucs[1])
    z = diff / se
    p = float(2.0 * scipy.stats.norm.sf(abs(z)))
    return {
        "auc_a": float(aucs[0]),
        "auc_b": float(aucs[1]),
        "diff": diff,
        "se": se,
        "z": z,
        "p_value": p,
        "var_a": float(cov[0, 0]),
    }


def calibration(p, y):
    edges = np.linspace(0.0, 1.0, N_BINS + 1)
    binids = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(binids, minlength=N_BINS)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=N_BINS, strategy="uniform")
    nz = np.nonzero(counts)[0]
    ece = float(np.sum(counts[nz] / len(p) * np.abs(prob_true - prob_pred)))
    return {
        "bin_index": [int(i) for i in nz],
        "lower": [float(edges[i]) for i in nz],
        "upper": [float(edges[i + 1]) for i in nz],
        "count": [int(counts[i]) for i in nz],
        "mean_predicted": [float(v) for v in prob_pred],
        "observed_rate": [float(v) for v in prob_true],
        "ece": ece,
    }


def case(name, scores, labels, scores_b, probs=None):
    scores = np.asarray(scores, dtype=float)
    scores_b = np.asarray(scores_b, dtype=float)
    y = np.asarray(labels, dtype=bool)
    probs = scores if probs is None else np.asarray(probs, dtype=float)
    clipped = np.clip(probs, CLIP, 1.0 - CLIP)
    fpr, tpr, thr = roc_curve(y, scores, drop_intermediate=False)
    return {
        "name": name,
        "scores": scores.tolist(),
        "scores_b": scores_b.tolist(),
        "probs": probs.tolist(),
        "labels": y.tolist(),
        "roc_auc": float(roc_auc_score(y, scores)),
        "average_precision": float(average_precision_score(y, scores)),
        "brier": float(brier_score_loss(y, probs)),
        "log_loss": float(log_loss(y, clipped, labels=[False, True])),
        "roc_curve": {
            "fpr": fpr.tolist(),
            "tpr": tpr.tolist(),
            "thresholds": [None if np.isinf(t) else float(t) for t in thr],
        },
        "calibration": calibration(probs, y),
        "delong": delong_test(scores, scores_b, y),
    }


def main():
    rng = np.random.default_rng(SEED)
    cases = []

    # (a) 300 leads, scores rounded to one decimal: heavy ties, values exactly on bin
    # edges, and exact 0.0 / 1.0 probabilities (which exercise log-loss clipping).
    n = 300
    y = rng.random(n) < 0.3
    latent = rng.normal(size=n) + 1.2 * y
    a = np.round(scipy.special.expit(latent), 1)
    b = np.round(scipy.special.expit(0.6 * latent + 0.8 * rng.normal(size=n)), 1)
    cases.append(case("random_ties_300", a, y, b))

    # (b) small hand case, checkable on paper.
    hand_scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.1]
    hand_labels = [1, 1, 0, 1, 0, 1, 0, 0, 1, 0]
    hand_b = [0.7, 0.9, 0.5, 0.6, 0.6, 0.4, 0.2, 0.3, 0.8, 0.1]
    cases.append(case("hand_10", hand_scores, hand_labels, hand_b))

    # (c) perfectly separated, and all scores tied.
    sep_scores = [0.95, 0.9, 0.85, 0.8, 0.3, 0.2, 0.1, 0.05]
    sep_labels = [1, 1, 1, 1, 0, 0, 0, 0]
    sep_b = [0.9, 0.2, 0.85, 0.4, 0.3, 0.8, 0.1, 0.05]
    cases.append(case("perfect_separation", sep_scores, sep_labels, sep_b))
    tied_labels = [1, 0, 0, 1, 0, 0, 1, 0]
    cases.append(case("all_tied", [0.5] * 8, tied_labels, [0.9, 0.2, 0.3, 0.7, 0.1, 0.4, 0.55, 0.6]))

    # Raw-score case: scores outside [0, 1] (ranking metrics only need an order);
    # probabilities for the probability metrics are a separate vector.
    raw = np.round(rng.normal(size=40) * 3.0, 0)
    ry = rng.random(40) < scipy.special.expit(raw / 3.0)
    raw_b = np.round(raw + rng.normal(size=40) * 2.0, 0)
    cases.append(case("raw_scores_40", raw, ry, raw_b, probs=scipy.special.expit(raw / 3.0)))

    xs = np.concatenate([np.linspace(-6.0, 6.0, 49), [0.46875, 4.0, 10.0, 20.0, 26.0, 27.0, 1e-20]])
    special = {
        "erfc_x": xs.tolist(),
        "erfc": scipy.special.erfc(xs).tolist(),
        "norm_sf_z": xs.tolist(),
        "norm_sf": scipy.stats.norm.sf(xs).tolist(),
    }

    out = {
        "generator": "scripts/make_metric_fixtures.py",
        "seed": SEED,
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "log_loss_clip": CLIP,
        "n_bins": N_BINS,
        "cases": cases,
        "special": special,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}")
    print(f"wrote {os.path.normpath(OUT)} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
