#!/usr/bin/env python3
"""Reference values for `leadscore evaluate`, `thresholds` and `pilot`, written once to
tests/fixtures/evaluate/reference.json and checked by tests/evaluate.rs, tests/thresholds.rs
and tests/pilot.rs.

Run with the venv that has numpy, scipy and scikit-learn:
    /work/venv-metrics/bin/python scripts/make_eval_fixtures.py

What each entry is (all with fixed seeds):
- bands: 400 points 0-100 rounded to integers (many ties and exact edges), outcomes drawn
  with P(convert) = points/100; counts per band from numpy.digitize(right=True) on edges
  20, 40, 60, 80 (bands [0,20], (20,40], ..., (80,100]).
- calibration: sklearn.calibration.calibration_curve(strategy="uniform", n_bins=10) on 300
  probabilities with ties, plus the ECE computed from numpy.histogram counts.
- f1: scores rounded to 2 decimals (ties), sklearn.metrics.precision_recall_curve; the
  threshold with the largest F1 (the highest one on ties), its precision and recall; and
  the lowest threshold with precision >= 0.6 and the highest with recall >= 0.8.
- wilson: scipy.stats.binomtest(k, n).proportion_ci(0.95, method="wilson").
- two_proportion: pooled z and two-sided p from scipy.stats.norm for given counts.
- sample_size: Fleiss' formula without continuity correction, scipy.stats.norm quantiles.
"""
import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import binomtest, norm
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "evaluate" / "reference.json"
rng = np.random.default_rng(20261122)

# Bands.
points = np.round(rng.uniform(0, 100, 400)).astype(float)
points[:10] = [0, 20, 20, 40, 60, 80, 80, 100, 21, 81]
band_y = rng.uniform(size=400) < points / 100
idx = np.digitize(points, [20, 40, 60, 80], right=True)
bands = {
    "points": points.tolist(),
    "labels": band_y.tolist(),
    "leads": [int((idx == b).sum()) for b in range(5)],
    "conversions": [int(band_y[idx == b].sum()) for b in range(5)],
}

# Calibration.
probs = np.round(rng.beta(2, 5, 300), 2)
cal_y = rng.uniform(size=300) < probs
prob_true, prob_pred = calibration_curve(cal_y, probs, n_bins=10, strategy="uniform")
edges = np.linspace(0, 1, 11)
bin_ids = np.searchsorted(edges[1:-1], probs, side="left")
counts = np.bincount(bin_ids, minlength=10)
nonempty = counts > 0
ece = float(np.sum(counts[nonempty] / len(probs) * np.abs(prob_true - prob_pred)))
calibration = {
    "probs": probs.tolist(),
    "labels": cal_y.tolist(),
    "prob_true": prob_true.tolist(),
    "prob_pred": prob_pred.tolist(),
    "ece": ece,
}

# F1-optimal and target cut-offs.
scores = np.round(rng.beta(2, 3, 500), 2)
f1_y = rng.uniform(size=500) < scores
prec, rec, thr = precision_recall_curve(f1_y, scores)
prec, rec = prec[:-1], rec[:-1]  # the last point has no threshold
f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-300), 0)
best = np.flatnonzero(f1 == f1.max()).max()  # thresholds increase: highest on ties
ok_p = np.flatnonzero(prec >= 0.6)
ok_r = np.flatnonzero(rec >= 0.8)
f1_ref = {
    "scores": scores.tolist(),
    "labels": f1_y.tolist(),
    "f1_threshold": float(thr[best]),
    "f1_precision": float(prec[best]),
    "f1_recall": float(rec[best]),
    "precision_0_6_threshold": float(thr[ok_p.min()]),
    "recall_0_8_threshold": float(thr[ok_r.max()]),
}

wilson = []
for k, n in [(0, 10), (3, 10), (20, 100), (99, 100), (412, 1500)]:
    ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
    wilson.append({"k": k, "n": n, "lower": float(ci.low), "upper": float(ci.high)})

two = []
for kt, nt, kc, nc in [(60, 200, 40, 200), (130, 1000, 100, 1000), (12, 80, 15, 90)]:
    p = (kt + kc) / (nt + nc)
    z = (kt / nt - kc / nc) / math.sqrt(p * (1 - p) * (1 / nt + 1 / nc))
    two.append({"kt": kt, "nt": nt, "kc": kc, "nc": nc, "z": z, "p_value": float(2 * norm.sf(abs(z)))})

sizes = []
for p1, p2 in [(0.10, 0.15), (0.20, 0.25), (0.05, 0.06), (0.5, 0.6)]:
    za, zb, pb = norm.ppf(0.975), norm.ppf(0.8), (p1 + p2) / 2
    n = (za * math.sqrt(2 * pb * (1 - pb)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
    sizes.append({"p1": p1, "p2": p2, "n": int(math.ceil(n))})

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({
    "bands": bands,
    "calibration": calibration,
    "f1": f1_ref,
    "wilson": wilson,
    "two_proportion": two,
    "sample_size": sizes,
}, indent=1) + "\n")
print(f"wrote {OUT}")
