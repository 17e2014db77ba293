#!/usr/bin/env python3
"""Prints the JSON lines written by the benchmark drivers as one table.

Lines from peers.sh (fit, predict, SHAP, AUC, Brier on one hold-out split) and from
leads_peers.sh (mean ± sd AUC over folds, Brier, fit time) get their own layouts.
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
title = sys.argv[2] if len(sys.argv) > 2 else ""
if title:
    print(title)
if rows and "auc_mean" in rows[0]:
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
