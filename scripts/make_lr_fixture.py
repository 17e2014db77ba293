"""Reference values for leadscore's logistic regression, from scikit-learn.

Writes tests/fixtures/logistic_sklearn.json: a small seeded dataset (already on the
standardised scale leadscore's models see) and scikit-learn's L2-regularised fit with
C = 1 / l2, solved to tight tolerance, for several l2 values.

Run once (the JSON is committed):  python scripts/make_lr_fixture.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261122)
n, p = 200, 4
X = rng.normal(size=(n, p))
X[:, 3] = (rng.random(n) < 0.3).astype(float)  # a one-hot-like column
logit = -0.7 + 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.3 * X[:, 2] ** 2 + 0.9 * X[:, 3]
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)

fits = []
for l2 in [0.1, 1.0, 10.0]:
    m = LogisticRegression(C=1.0 / l2, tol=1e-12, max_iter=100000, solver="lbfgs")
    m.fit(X, y)
    fits.append({
        "l2": l2,
        "coef": m.coef_[0].tolist(),
        "intercept": float(m.intercept_[0]),
        "proba": m.predict_proba(X)[:, 1].tolist(),
    })

out = {
    "sklearn_version": sklearn.__version__,
    "n_rows": n,
    "n_cols": p,
    "x_column_major": X.T.reshape(-1).tolist(),
    "y": y.tolist(),
    "fits": fits,
}
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "logistic_sklearn.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path} with scikit-learn {sklearn.__version__}")
