#!/usr/bin/env bash
# What the score ledger adds to a night (issue 11's "appending a 10M-lead night beside the CSV
# sink"): the same night scored with the CSV sink only, with the CSV sink and a fresh SQLite
# ledger, and with the CSV sink and a fresh PostgreSQL ledger, back to back, REPEAT times in
# turn (so drift in the machine's load falls on every configuration alike). A logistic bundle,
# so that scoring does not drown the sinks' share. Prints a markdown table: each run's wall
# seconds, the mean, and the mean minus the CSV-only mean.
#   bash bench/ledger_append.sh [N_LEADS] [REPEAT]     (defaults 1000000 and 2)
# Uses bench/ledger.sh's work directory and data (it makes them if missing).
#   LEADSCORE_BENCH_POSTGRES_URL   the PostgreSQL server (without it that row is skipped)
#   LEADSCORE_BIN                  measure that binary instead of building this tree's
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
repeat="${2:-2}"
source bench/ledger_setup.sh
[ -f ml.json ] || "$bin" train --data history.csv --target converted --id lead_id --date-column created_date --model logistic --out ml.json >/dev/null
configs=(csv sqlite)
[ -n "${LEADSCORE_BENCH_POSTGRES_URL:-}" ] && configs+=(postgres)
declare -A walls
for ((i = 1; i <= repeat; i++)); do
  for c in "${configs[@]}"; do
    ledger=()
    case "$c" in
      sqlite) rm -f append.db*; ledger=(--ledger append.db --as-of 2026-06-30) ;;
      postgres)
        psql "$LEADSCORE_BENCH_POSTGRES_URL" -qc "DROP TABLE IF EXISTS leadscore_scores, leadscore_runs, leadscore_reasons, leadscore_context_values, leadscore_meta CASCADE" >/dev/null 2>&1
        psql "$LEADSCORE_BENCH_POSTGRES_URL" -qc "CHECKPOINT" >/dev/null 2>&1
        ledger=(--ledger "$LEADSCORE_BENCH_POSTGRES_URL" --as-of 2026-06-30) ;;
    esac
    /usr/bin/time -f "%e" -o t "$bin" score --model ml.json --data "open_$n.csv" --out append.csv --reasons 3 "${ledger[@]}" --json > "j_append_${c}_$i.json"
    walls[$c]+="$(cat t) "
  done
done
mean() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(f'{sum(v)/len(v):.1f}')" "$@"; }
base=$(mean ${walls[csv]})
echo "| night ($n leads, logistic, 3 reasons each way) | wall s, each run | mean s | added to CSV-only, s |"
echo "|---|---|---|---|"
for c in "${configs[@]}"; do
  m=$(mean ${walls[$c]})
  added=$(python3 -c "print(f'{$m - $base:+.1f}')")
  case "$c" in csv) name="CSV sink only"; added="" ;; sqlite) name="CSV + SQLite ledger" ;; postgres) name="CSV + PostgreSQL ledger" ;; esac
  echo "| $name | ${walls[$c]% } | $m | $added |"
done
