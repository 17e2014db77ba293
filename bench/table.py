#!/usr/bin/env python3
"""Prints the JSON lines written by the benchmark drivers as one table.

Lines from peers.sh (fit, predict, SHAP, AUC, Brier on one hold-out split), from
leads_peers.sh (mean ± sd AUC over folds, Brier, fit time) and from infer_peers.sh (predict
and TreeSHAP rows/s by thread count) get their own layouts.
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
title = sys.argv[2] if len(sys.argv) > 2 else ""
if title:
    print(title)
if rows and "what" in rows[0]:
    # infer_peers.sh: predict / SHAP rows per second by engine and thread count.
    engines, cells, notes = [], {}, {}
    for r in rows:
        e = r["engine"]
        if e not in engines:
            engines.append(e)
        if "error" in r:
            note = f"{r['what']}: {r['error']}"
            if note not in notes.setdefault(e, []):
                notes[e].append(note)
            continue
        cells[(e, r["what"], r["threads"])] = f"{r['rows_per_s']:,}"
        if r["threads"] == 1 and r.get("cpu_rows_per_s"):
            cells[(e, r["what"], "cpu")] = f"{r['cpu_rows_per_s']:,}"
        if "max_diff" in r:
            cells[(e, r["what"], "diff")] = f"{r['max_diff']:.1e}"
    head = ("| engine | predict 1 thread | (per CPU-s) | predict 2 threads | max diff vs LightGBM "
            "| TreeSHAP 1 thread | (per CPU-s) | TreeSHAP 2 threads | max diff vs LightGBM |")
    print(head)
    print("|" + "---|" * 9)
    for e in engines:
        c = [cells.get((e, w, t), "") for w in ("predict", "shap") for t in (1, "cpu", 2, "diff")]
        if not any(c):
            c[0] = "failed, see below"
        print(f"| {e} | " + " | ".join(c) + " |")
    print("\nrows/s, best of the repeats (per CPU-s: rows per CPU-second of the process, mean of the repeats);")
    print("max diff: largest |difference| from LightGBM's probabilities / pred_contrib on the same rows.")
    for e, ns in notes.items():
        for n in ns:
            print(f"- {e}: {n}")
elif rows and "auc_mean" in rows[0] and "log_loss" in rows[0]:
    # defaults_peers.sh: markdown, with log loss.
    print("| engine | AUC (mean ± sd) | Brier | log loss | fit s/fold |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['auc_mean']:.4f} ± {r['auc_sd']:.4f} | {r['brier']:.4f} | {r['log_loss']:.4f} "
              f"| {r['fit_s']:.2f} |")
elif rows and "auc_mean" in rows[0]:
    head = f"{'engine':<30} {'AUC (mean ± sd)':>18} {'Brier':>8} {'fit s/fold':>11}"
    print(head)
    print("-" * len(head))
    for r in rows:
        auc = f"{r['auc_mean']:.4f} ± {r['auc_sd']:.4f}"
        print(f"{r['engine']:<30} {auc:>18} {r['brier']:>8.4f} {r['fit_s']:>11.2f}")
else:
    head = f"{'engine':<30} {'fit s':>8} {'predict rows/s':>15} {'SHAP 10k s':>11} {'AUC':>8} {'Brier':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        shap = "n/a" if r["shap10k_s"] is None else f"{r['shap10k_s']:.2f}"
        print(f"{r['engine']:<30} {r['fit_s']:>8.2f} {r['predict_rows_per_s']:>15,} {shap:>11} {r['auc']:>8.4f} {r['brier']:>8.4f}")
