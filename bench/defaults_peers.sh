#!/usr/bin/env bash
# The defaults a user gets against the peers' defaults, same folds for every engine (issue 13).
#
#   bench/defaults_peers.sh                    # leads crm caravan oj
#   bench/defaults_peers.sh leads oj           # some of them
#   THREADS=2 LEADSCORE=target/release/leadscore bench/defaults_peers.sh
#
# See defaults_peers.py for the data sets, the folds and every engine's settings. Fold files
# go to bench/out/defaults (git-ignored). Prints one table per data set.
set -euo pipefail
cd "$(dirname "$0")"
BENCH_DIR=$(pwd)
REPO=$(cd .. && pwd)
THREADS=${THREADS:-2}
# See peers.sh: passive OpenMP waiting on a shared machine.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
SETS=("$@")
[ ${#SETS[@]} -eq 0 ] && SETS=(leads crm caravan oj)

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check numpy pandas scikit-learn lightgbm xgboost threadpoolctl
# ISLP ships Caravan.csv and OJ.csv inside its wheel; its own dependencies (torch, ...) are not needed.
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps islp

if [ -z "${LEADSCORE:-}" ]; then
    (cd "$REPO" && cargo build --quiet --release)
    LEADSCORE=$REPO/target/release/leadscore
fi
mkdir -p out/defaults
for s in "${SETS[@]}"; do
    results=out/defaults/results_$s.jsonl
    echo "load before $s: $(uptime)"
    .venv/bin/python defaults_peers.py "$s" out/defaults --leadscore "$LEADSCORE" --threads "$THREADS" > "$results"
    .venv/bin/python table.py "$results" "$s: 5-fold stratified CV (seed 42), $THREADS threads; load after: $(uptime | sed 's/.*load average: //')"
    echo
done
