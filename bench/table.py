#!/usr/bin/env python3
"""Prints the JSON lines written by peers.py and the bench example as one table."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
title = sys.argv[2] if len(sys.argv) > 2 else ""
head = f"{'engine':<30} {'fit s':>8} {'predict rows/s':>15} {'SHAP 10k s':>11} {'AUC':>8} {'Brier':>8}"
if title:
    print(title)
print(head)
print("-" * len(head))
for r in rows:
    shap = "n/a" if r["shap10k_s"] is None else f"{r['shap10k_s']:.2f}"
    print(f"{r['engine']:<30} {r['fit_s']:>8.2f} {r['predict_rows_per_s']:>15,} {shap:>11} {r['auc']:>8.4f} {r['brier']:>8.4f}")
