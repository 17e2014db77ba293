"""Logistic regression, leadscore (linfa-logistic) vs scikit-learn, same data, same run.

Generates a seeded standardised matrix (n x p), writes it for the Rust side, fits
scikit-learn's LogisticRegression (lbfgs, C = 1/l2, tol) on the first 80% and scores the
last 20%, runs `target/release/examples/bench_logistic` on the same file, and prints one
table. Usage: python bench/logistic_peers.py [N_ROWS] [N_COLS]
"""
import json
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
p = int(sys.argv[2]) if len(sys.argv) > 2 else 30
l2, tol = 1.0, 1e-4
rng = np.random.default_rng(7)
X = rng.normal(size=(n, p))
w = rng.normal(size=p) * 0.5
y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 1.0 + 0.3 * X[:, 0] * X[:, 1])))).astype(np.uint8)
cut = n * 4 // 5

rows = []
with tempfile.NamedTemporaryFile(suffix=".bin") as f:
    f.write(np.asfortranarray(X).T.astype("<f8").tobytes())
    f.write(y.tobytes())
    f.flush()
    best = None
    for _ in range(3):
        out = subprocess.run(["target/release/examples/bench_logistic", f.name, str(n), str(p), str(l2), str(tol)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out)
        best = r if best is None or r["fit_seconds"] < best["fit_seconds"] else best
    rows.append(("leadscore (linfa-logistic 0.8.1, L-BFGS)", best["fit_seconds"], best["auc"]))

t_best, auc = None, None
for _ in range(3):
    m = LogisticRegression(C=1 / l2, tol=tol, max_iter=1000)
    t = time.perf_counter()
    m.fit(X[:cut], y[:cut])
    dt = time.perf_counter() - t
    t_best = dt if t_best is None else min(t_best, dt)
    auc = roc_auc_score(y[cut:], m.predict_proba(X[cut:])[:, 1])
rows.append((f"scikit-learn {sklearn.__version__} LogisticRegression(lbfgs)", t_best, auc))

print(f"logistic regression, {cut} x {p} fit, {n - cut} held out, l2 = {l2} (C = {1/l2}), tol = {tol}; best of 3")
print(f"{'model':<48} {'fit s':>8} {'hold-out AUC':>13}")
for name, s, a in rows:
    print(f"{name:<48} {s:>8.3f} {a:>13.5f}")
