#!/usr/bin/env bash
# Inference benchmark: predict and TreeSHAP throughput of leadscore-gbm beside LightGBM,
# XGBoost, treelite (GTIL), tl2cgen (compiled C), lleaves (LLVM) and FastTreeSHAP, on one
# LightGBM model of 500 trees x 31 leaves imported into every engine that can read it.
#
#   bench/infer_peers.sh                 # 200k x 30 synthetic rows, 2,000 rows explained
#   SHAP_ROWS=5000 bench/infer_peers.sh
#
# Steps: synthetic data (gen_data.py, 80% train), the LightGBM model (infer_model.py,
# trained once and kept in bench/data/), then every engine on the 40k hold-out rows (predict)
# and their first $SHAP_ROWS rows (TreeSHAP), on 1 and 2 threads, best of $REPEAT runs.
# Prints one table; raw lines go to bench/out/infer_results.jsonl.
#
# Environments: lleaves 1.3.0 needs llvmlite's legacy pass manager (llvmlite < 0.45), and
# FastTreeSHAP 0.1.6's C extension was built against NumPy 1.x; both fail in the main
# environment (the table records how), so each also runs in its own small venv.
# OMP_WAIT_POLICY=PASSIVE as in peers.sh (shared cores). Run on an otherwise idle machine;
# the load average before and after is printed.
set -euo pipefail
cd "$(dirname "$0")"
BENCH_DIR=$(pwd)
REPO=$(cd .. && pwd)
ROWS=${ROWS:-200000}
SHAP_ROWS=${SHAP_ROWS:-2000}
REPEAT=${REPEAT:-3}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
PIP="pip install --quiet --disable-pip-version-check"

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/$PIP numpy scikit-learn lightgbm xgboost threadpoolctl treelite tl2cgen lleaves fasttreeshap
[ -x .venv-lleaves/bin/python ] || python3 -m venv .venv-lleaves
.venv-lleaves/bin/$PIP numpy "llvmlite<0.45" lleaves
[ -x .venv-fts/bin/python ] || python3 -m venv .venv-fts
.venv-fts/bin/$PIP "numpy<2" lightgbm fasttreeshap

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BENCH_DIR/.target}
(cd "$REPO" && cargo build --quiet --release -p leadscore-gbm --example infer)

data="data/${ROWS}x30"
[ -f "$data/meta.json" ] || .venv/bin/python gen_data.py --rows "$ROWS" --cols 30 --out "$data"
[ -f "$data/dump.json" ] || .venv/bin/python infer_model.py "$data"
mkdir -p out
results=out/infer_results.jsonl
: > "$results"
echo "load before: $(uptime)"
args=("$data" --shap-rows "$SHAP_ROWS" --repeat "$REPEAT")
# LightGBM first: it saves its outputs, against which every other engine is diffed.
.venv/bin/python infer_peers.py "${args[@]}" --engines lightgbm,xgboost,treelite,tl2cgen,lleaves,fasttreeshap \
    2> out/infer_stderr.txt | tee -a "$results"
.venv-lleaves/bin/python infer_peers.py "${args[@]}" --engines lleaves --tag " (llvmlite<0.45 venv)" \
    2>> out/infer_stderr.txt | tee -a "$results"
.venv-fts/bin/python infer_peers.py "${args[@]}" --engines fasttreeshap,fasttreeshap_v1 --tag " (numpy<2 venv)" \
    2>> out/infer_stderr.txt | tee -a "$results"
REPEAT=$REPEAT "$CARGO_TARGET_DIR/release/examples/infer" "$data" "$SHAP_ROWS" | tee -a "$results"
echo "load after: $(uptime)"
echo
.venv/bin/python table.py "$results" "500 trees x 31 leaves (LightGBM), ${ROWS} rows x 30: predict on $((ROWS / 5)) hold-out rows, TreeSHAP on ${SHAP_ROWS}"
