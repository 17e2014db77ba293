#!/usr/bin/env bash
# Benchmark leadscore-gbm against LightGBM, XGBoost (hist) and scikit-learn's
# HistGradientBoostingClassifier on the same synthetic data, trees and threads.
#
#   bench/peers.sh            # 200k x 30
#   bench/peers.sh 1000000    # 1M x 30
#   THREADS=2 bench/peers.sh 200000 1000000
#
# Every engine: 200 trees, 31 leaves, learning rate 0.1, 255 bins, min 20 rows per leaf,
# $THREADS threads (default 2), trained on the first 80% of rows, scored on the rest.
# Prints one table per size: fit time, predict rows/s on the hold-out rows, TreeSHAP
# time for 10k rows, hold-out AUC and Brier score. Timings depend on machine load: run
# on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")"
BENCH_DIR=$(pwd)
REPO=$(cd .. && pwd)
THREADS=${THREADS:-2}
# LightGBM, XGBoost and scikit-learn use OpenMP, whose default busy-waiting collapses when
# the cores are shared with other work (we measured 10x slower fits next to a cargo build).
# Passive waiting is the setting OpenMP recommends for shared machines; export
# OMP_WAIT_POLICY=ACTIVE to measure the default on an idle machine.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(200000)

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check numpy scikit-learn lightgbm xgboost threadpoolctl

# Build the Rust side once (its own target dir keeps it away from the workspace build).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BENCH_DIR/.target}
(cd "$REPO" && cargo build --quiet --release -p leadscore-gbm --example bench)

mkdir -p out
for n in "${SIZES[@]}"; do
    data="data/${n}x30"
    [ -f "$data/meta.json" ] || .venv/bin/python gen_data.py --rows "$n" --cols 30 --out "$data"
    results="out/results_${n}.jsonl"
    : > "$results"
    (cd "$REPO" && "$CARGO_TARGET_DIR/release/examples/bench" "$BENCH_DIR/$data" "$THREADS") | tee -a "$results"
    .venv/bin/python peers.py "$data" --threads "$THREADS" | tee -a "$results"
    echo
    .venv/bin/python table.py "$results" "${n} rows x 30 columns (80% train / 20% hold-out), ${THREADS} threads"
    echo
done
