#!/usr/bin/env bash
# Leads.csv 5-fold cross-validation: leadscore-gbm against LightGBM, XGBoost (hist) and
# scikit-learn's HistGradientBoostingClassifier, on the same folds, trees and threads.
#
#   bench/leads_peers.sh /path/to/Leads.csv
#   THREADS=2 bench/leads_peers.sh /work/shared/datasets/xeducation-leads/Leads.csv
#   LR=0.05 bench/leads_peers.sh Leads.csv     # another learning rate, same for every engine
#
# Columns as examples/xeducation.toml (pre-contact columns only, "Select" = missing), native
# categorical splits in every engine, StratifiedKFold(5, shuffle, seed 42). Every engine:
# 200 trees, 31 leaves, learning rate $LR (default 0.1), 255 bins, min 20 rows per leaf. Prints one table:
# mean hold-out AUC over the folds (± sd), mean Brier score, mean fit seconds per fold.
# The CSV is read where it is; the derived matrix goes to bench/data/leads (git-ignored).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 path/to/Leads.csv" >&2; exit 2; }
CSV=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")"
BENCH_DIR=$(pwd)
REPO=$(cd .. && pwd)
THREADS=${THREADS:-2}
LR=${LR:-0.1}
# See peers.sh: passive OpenMP waiting on a shared machine.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check numpy scikit-learn lightgbm xgboost threadpoolctl

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BENCH_DIR/.target}
(cd "$REPO" && cargo build --quiet --release -p leadscore-gbm --example leads_cv)

mkdir -p out
data=data/leads
.venv/bin/python leads_peers.py prepare "$CSV" "$data"
results=out/results_leads_lr${LR}.jsonl
: > "$results"
"$CARGO_TARGET_DIR/release/examples/leads_cv" "$BENCH_DIR/$data" "$THREADS" "$LR" | tee -a "$results"
.venv/bin/python leads_peers.py run "$data" --threads "$THREADS" --learning-rate "$LR" | tee -a "$results"
echo
.venv/bin/python table.py "$results" \
    "Leads.csv, pre-contact columns, 5-fold stratified CV (seed 42), 200 trees, 31 leaves, learning rate $LR, ${THREADS} threads"
