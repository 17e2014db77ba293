#!/usr/bin/env python3
"""Inference peers for infer_peers.sh: predict and TreeSHAP throughput on one model.

Reads a dataset written by gen_data.py and the LightGBM model infer_model.py trained on it
(model.txt), and times, on 1 and 2 threads (best of --repeat runs):

  predict   probabilities for the hold-out rows
  shap      TreeSHAP contributions for the first --shap-rows hold-out rows

for LightGBM itself, treelite (GTIL interpreter) and tl2cgen (compiled C, gcc -O3), lleaves
(compiled by LLVM) and FastTreeSHAP v2 and v1 (SHAP only), all on the same LightGBM trees; and
XGBoost, which cannot load LightGBM trees, on its own 500-tree, 31-leaf model trained on
the same rows with the same settings (lossguide). Prints one JSON line per measurement;
an engine that cannot be installed, loaded or run gets a line with the exact error.
`cpu_rows_per_s` divides by the process's CPU seconds per run instead of wall-clock (on
1 thread, a fairer figure when other work shares the cores). Where an engine scores the
LightGBM trees, `max_diff` is its largest |difference| from
LightGBM's output (probabilities, or SHAP values), so "same model" is checked, not assumed.
"""
import argparse
import json
import os
import time
import traceback

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("--shap-rows", type=int, default=2000)
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--threads", default="1,2")
ap.add_argument("--engines", default="lightgbm,xgboost,treelite,tl2cgen,lleaves,fasttreeshap")
ap.add_argument("--tag", default="", help="appended to every engine name (e.g. the environment)")
a = ap.parse_args()

meta = json.load(open(os.path.join(a.data, "meta.json")))
n, k, n_train = meta["n_rows"], meta["n_cols"], meta["n_train"]
x = np.fromfile(os.path.join(a.data, "x.f64"), dtype="<f8").reshape(k, n).T.copy()
y = np.fromfile(os.path.join(a.data, "y.f64"), dtype="<f8")
xte = np.ascontiguousarray(x[n_train:])
xs = np.ascontiguousarray(xte[: a.shap_rows])
model_txt = os.path.join(a.data, "model.txt")
threads = [int(t) for t in a.threads.split(",")]
reference = {}


def best(f):
    """Best wall-clock seconds, mean CPU seconds of this process per run, last output."""
    times, out = [], None
    cpu = time.process_time()
    for _ in range(a.repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), (time.process_time() - cpu) / a.repeat, out


def emit(engine, what, nthreads, rows, seconds=None, out=None, note=None, error=None, cpu=None):
    line = {"engine": engine + a.tag, "what": what, "threads": nthreads, "rows": rows}
    if error is not None:
        line["error"] = error
    else:
        line["seconds"] = round(seconds, 4)
        line["rows_per_s"] = round(rows / seconds)
        if cpu:
            line["cpu_rows_per_s"] = round(rows / cpu)
        ref = reference.get(what)
        same_model = "own model" not in engine
        if ref is not None and out is not None and same_model and engine != reference.get("engine"):
            out = np.asarray(out).reshape(ref.shape)
            line["max_diff"] = float(np.max(np.abs(out - ref)))
    if note:
        line["note"] = note
    print(json.dumps(line), flush=True)


def run(engine, what, rows, make):
    """`make(threads)` returns a zero-argument function to time, or raises."""
    for t in threads:
        try:
            f = make(t)
            s, cpu, out = best(f)
            emit(engine, what, t, rows, s, out, cpu=cpu)
        except Exception as e:  # report the failure instead of hiding the engine
            emit(engine, what, t, rows, error=f"{type(e).__name__}: {e}".strip()[:400])


def lightgbm():
    import lightgbm as lgb
    name = f"lightgbm {lgb.__version__}"
    bst = lgb.Booster(model_file=model_txt)
    reference["engine"] = name
    reference["predict"] = bst.predict(xte, num_threads=2)
    reference["shap"] = bst.predict(xs, pred_contrib=True, num_threads=2)
    np.asarray(reference["predict"], dtype="<f8").tofile(os.path.join(a.data, "lightgbm_predict.f64"))
    np.asarray(reference["shap"], dtype="<f8").tofile(os.path.join(a.data, "lightgbm_shap.f64"))
    run(name, "predict", len(xte), lambda t: lambda: bst.predict(xte, num_threads=t))
    run(name, "shap", len(xs), lambda t: lambda: bst.predict(xs, pred_contrib=True, num_threads=t))


def xgboost():
    import xgboost as xgb
    name = f"xgboost {xgb.__version__} (own model)"
    path = os.path.join(a.data, "xgb_model.json")
    if not os.path.exists(path):
        params = dict(objective="binary:logistic", tree_method="hist", grow_policy="lossguide", max_leaves=31,
                      max_depth=0, eta=0.1, max_bin=255, min_child_weight=1e-3, nthread=2, seed=0)
        xgb.train(params, xgb.DMatrix(x[:n_train], y[:n_train], nthread=2), num_boost_round=500).save_model(path)
    bst = xgb.Booster(model_file=path)

    def predict(t):
        bst.set_param({"nthread": t})
        return lambda: bst.inplace_predict(xte)

    def shap(t):
        bst.set_param({"nthread": t})
        return lambda: bst.predict(xgb.DMatrix(xs, nthread=t), pred_contribs=True)

    run(name, "predict", len(xte), predict)
    run(name, "shap", len(xs), shap)


def treelite_gtil():
    import treelite
    name = f"treelite {treelite.__version__} GTIL"
    model = treelite.frontend.load_lightgbm_model(model_txt)
    run(name, "predict", len(xte), lambda t: lambda: treelite.gtil.predict(model, xte, nthread=t).reshape(-1))


def tl2cgen_compiled():
    import tl2cgen
    import treelite
    name = f"tl2cgen {tl2cgen.__version__} (gcc -O3)"
    lib = os.path.join(a.data, "tl2cgen_model.so")
    if not os.path.exists(lib):
        model = treelite.frontend.load_lightgbm_model(model_txt)
        t = time.perf_counter()
        tl2cgen.export_lib(model, toolchain="gcc", libpath=lib, params={"parallel_comp": 8}, nthread=2)
        print(f"# tl2cgen: compiled in {time.perf_counter() - t:.1f} s", flush=True)

    def predict(t):
        p = tl2cgen.Predictor(lib, nthread=t)
        return lambda: p.predict(tl2cgen.DMatrix(xte)).reshape(-1)

    run(name, "predict", len(xte), predict)


def lleaves_compiled():
    import lleaves
    name = f"lleaves {getattr(lleaves, '__version__', '1.3.0')}"
    cache = os.path.join(a.data, "lleaves_model.o")
    m = lleaves.Model(model_file=model_txt)
    t = time.perf_counter()
    m.compile(cache=cache)
    print(f"# lleaves: compiled (or loaded) in {time.perf_counter() - t:.1f} s", flush=True)
    run(name, "predict", len(xte), lambda t: lambda: m.predict(xte, n_jobs=t))


def fasttreeshap_v2(algorithm="v2"):
    import fasttreeshap
    import lightgbm as lgb
    name = f"fasttreeshap {fasttreeshap.__version__} {algorithm}"
    bst = lgb.Booster(model_file=model_txt)

    def shap(t):
        e = fasttreeshap.TreeExplainer(bst, algorithm=algorithm, n_jobs=t)

        def f():
            phi = e.shap_values(xs, check_additivity=False)
            # Binary LightGBM models: a list [negative class, positive class] in this version.
            return np.asarray(phi[-1] if isinstance(phi, list) else phi)

        return f

    # FastTreeSHAP returns the features only; compare against LightGBM's without the bias column.
    ref = reference.get("shap")
    if ref is not None:
        reference["shap_features"] = ref[:, :k]
    saved = reference.get("shap")
    reference["shap"] = reference.get("shap_features")
    try:
        run(name, "shap", len(xs), shap)
    finally:
        reference["shap"] = saved


def load_reference():
    """LightGBM's outputs saved by an earlier run, for engines run in another environment."""
    for what in ("predict", "shap"):
        path = os.path.join(a.data, f"lightgbm_{what}.f64")
        if what not in reference and os.path.exists(path):
            ref = np.fromfile(path, dtype="<f8")
            reference[what] = ref.reshape(len(xs), -1) if what == "shap" else ref
    reference.setdefault("engine", "lightgbm (saved)")


engines = {"lightgbm": lightgbm, "xgboost": xgboost, "treelite": treelite_gtil, "tl2cgen": tl2cgen_compiled,
           "lleaves": lleaves_compiled, "fasttreeshap": fasttreeshap_v2,
           "fasttreeshap_v1": lambda: fasttreeshap_v2("v1")}
if "lightgbm" not in a.engines.split(","):
    load_reference()
for e in a.engines.split(","):
    try:
        engines[e]()
    except Exception as ex:
        err = f"{type(ex).__name__}: {ex}".strip()
        print(json.dumps({"engine": e + a.tag, "what": "load", "threads": None, "rows": None, "error": err[:400]}), flush=True)
        traceback.print_exc()
