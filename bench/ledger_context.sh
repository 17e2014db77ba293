#!/usr/bin/env bash
# What recording context columns (ledger schema 3) costs in the SQLite ledger: N open leads
# (default 100000) with an account (N/5 accounts), a price (nearly unique) and a currency (2
# values) added, scored two nights into a ledger without and with
# `--keep-columns account --value-column price --currency-column currency`.
#   bash bench/ledger_context.sh [N_LEADS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
work="${LEADSCORE_BENCH_DIR:-/tmp/ledgerctxbench}"
bin="$(pwd)/${CARGO_TARGET_DIR:-target}/release/leadscore"
cargo build --release --quiet
mkdir -p "$work" && cd "$work"
[ -f "open_$n.csv" ] || {
  "$bin" generate --out-dir g --history-rows 20000 --open-rows "$n" --no-activities --seed 11 >/dev/null
  mv g/open_leads.csv "open_$n.csv"; mv g/history.csv history.csv; rm -rf g
}
[ -f m.json ] || "$bin" train --data history.csv --target converted --id lead_id --model logistic --out m.json >/dev/null 2>&1
python3 - "$n" <<'PY'
import csv, sys
n = sys.argv[1]
with open(f"open_{n}.csv", newline="") as f, open(f"acc_{n}.csv", "w", newline="") as g:
    r = csv.reader(f); w = csv.writer(g, lineterminator="\n")
    h = next(r); w.writerow(h + ["account", "price", "currency"])
    for i, row in enumerate(r):
        w.writerow(row + [f"Account {i // 5:05d}", str((i * 7919) % 100000 + 0.5), "EUR" if i % 3 else "USD"])
PY
echo "| ledger ($n leads) | night 1 bytes per lead | night 2 adds bytes per lead |"
echo "|---|---|---|"
for mode in "no context columns" "account, price, currency kept"; do
  rm -f l.db*
  extra=()
  [ "$mode" != "no context columns" ] && extra=(--keep-columns account --value-column price --currency-column currency)
  "$bin" score --model m.json --data "acc_$n.csv" --out s.csv --ledger l.db --as-of 2026-06-29 --quiet "${extra[@]}"
  s1=$(stat -c %s l.db)
  "$bin" score --model m.json --data "acc_$n.csv" --out s.csv --ledger l.db --as-of 2026-06-30 --quiet "${extra[@]}"
  s2=$(stat -c %s l.db)
  echo "| $mode | $(( s1 / n )) | $(( (s2 - s1) / n )) |"
done
