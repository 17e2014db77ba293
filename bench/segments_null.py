#!/usr/bin/env python3
"""How often per-segment models win by noise alone (the README's "Per-segment models").

Generates N histories with the *same* truth in both segments (3,000 leads, B2B/B2C at random,
P(converted) = logistic(-0.3 + 2x) everywhere), trains `leadscore train --segment-column
segment` on each (seed = history number), and counts the histories where the segments win both
point estimates (higher hold-out AUC and lower log loss) and those the decision rule routes
(one of the differences significant at p < 0.05).

    python3 bench/segments_null.py [N]      (default 60; needs target/release/leadscore)
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "leadscore")
wins = routed = 0
with tempfile.TemporaryDirectory() as work:
    data, bundle = os.path.join(work, "h.csv"), os.path.join(work, "m.json")
    for seed in range(n):
        r = random.Random(seed)
        with open(data, "w") as f:
            f.write("lead_id,segment,x,z,converted\n")
            for i in range(3000):
                seg, x, z = r.choice(["B2B", "B2C"]), r.uniform(-1, 1), r.uniform(-1, 1)
                y = r.random() < 1 / (1 + math.exp(0.3 - 2 * x))
                f.write(f"L{i},{seg},{x:.4f},{z:.4f},{'yes' if y else 'no'}\n")
        subprocess.run(
            [binary, "train", "--data", data, "--target", "converted", "--positive", "yes", "--id", "lead_id",
             "--segment-column", "segment", "--seed", str(seed), "--out", bundle, "--quiet"],
            check=True,
        )
        c = json.load(open(bundle))["segments"]["check"]
        wins += c["segmented_auc"] > c["single_auc"] and c["segmented_log_loss"] < c["single_log_loss"]
        routed += c["beats"]
print(f"| histories (same truth in both segments) | segments win both point estimates | routed by the rule |")
print(f"|---|---|---|")
print(f"| {n} | {wins} ({100 * wins / n:.0f}%) | {routed} ({100 * routed / n:.0f}%) |")
