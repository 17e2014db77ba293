#!/usr/bin/env bash
# The score ledger at scale (issue 11): appending a night to SQLite and PostgreSQL beside the
# CSV sink, an incremental night with 1% of leads changed, `changes` between two nights, and
# the ledger's size per lead. Prints a markdown table. (What each ledger adds to a night, with
# repeats: bench/ledger_append.sh.)
#   bash bench/ledger.sh [N_LEADS]        (default 1000000; the issue's target is 10000000)
# Needs a PostgreSQL server for the PostgreSQL rows: LEADSCORE_BENCH_POSTGRES_URL (e.g. from
# scripts/start_postgres.sh); without it those rows are skipped. Each run's `score --json`
# summary (seconds per stage) is kept in the work directory as j_<step>.json.
#   LEADSCORE_BIN=path/to/leadscore   measure that binary instead of building this tree's
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
source bench/ledger_setup.sh
[ -f m.json ] || "$bin" train --data history.csv --target converted --id lead_id --date-column created_date --model both --out m.json >/dev/null
# Night two: 1% of the leads change (visits + 1), in a second file.
if [ ! -f "night2_$n.csv" ]; then
  python3 - "$n" <<'PY'
import csv, sys
n = sys.argv[1]
with open(f"open_{n}.csv", newline="") as f, open(f"night2_{n}.csv", "w", newline="") as g:
    r = csv.reader(f); w = csv.writer(g, lineterminator="\n")
    h = next(r); w.writerow(h); v = h.index("visits")
    for i, row in enumerate(r):
        if i % 100 == 7:
            row[v] = str(int(float(row[v] or 0)) + 1)
        w.writerow(row)
PY
fi
secs() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(round(sum(d['seconds'].values()),1), round(d['seconds'].get('write',0)+d['seconds'].get('commit',0),1))" "$1"; }
row() { echo "| $1 | $2 | $3 | $4 |"; }
echo "| run ($n leads, reasons ${REASONS:-3} each way) | wall s | sinks (write + commit) s | note |"
echo "|---|---|---|---|"
r=(--reasons "${REASONS:-3}")
/usr/bin/time -f "%e" -o t "$bin" score --model m.json --data "open_$n.csv" --out night1.csv "${r[@]}" --json > j.json
row "CSV sink only" "$(cat t)" "$(secs j.json | cut -d' ' -f2)" ""
cp j.json j_csv.json
rm -f ledger.db*
/usr/bin/time -f "%e" -o t "$bin" score --model m.json --data "open_$n.csv" --out night1.csv "${r[@]}" --ledger ledger.db --as-of 2026-06-30 --json > j.json
size=$(stat -c %s ledger.db)
row "CSV + SQLite ledger, night 1" "$(cat t)" "$(secs j.json | cut -d' ' -f2)" "ledger $(( size / 1000000 )) MB = $(( size / n )) bytes per lead"
cp j.json j_sqlite1.json
/usr/bin/time -f "%e" -o t "$bin" score --model m.json --data "night2_$n.csv" --out night2.csv "${r[@]}" --ledger ledger.db --as-of 2026-07-01 --incremental --json > j.json
row "CSV + SQLite, night 2 incremental (1% changed)" "$(cat t)" "$(secs j.json | cut -d' ' -f2)" "reused $(python3 -c "import json; print(json.load(open('j.json'))['reused'])")"
cp j.json j_sqlite2.json
/usr/bin/time -f "%e %M" -o t "$bin" changes --ledger ledger.db --out changes.csv --min-jump 0.01 > /dev/null
row "changes between the two SQLite nights" "$(cut -d' ' -f1 t)" "" "$(( $(wc -l < changes.csv) - 1 )) changes, peak $(( $(cut -d' ' -f2 t) / 1024 )) MB"
if [ -n "${LEADSCORE_BENCH_POSTGRES_URL:-}" ]; then
  u="$LEADSCORE_BENCH_POSTGRES_URL"
  psql "$u" -qc "DROP TABLE IF EXISTS leadscore_scores, leadscore_runs, leadscore_reasons, leadscore_context_values, leadscore_meta CASCADE" >/dev/null 2>&1 || true
  /usr/bin/time -f "%e" -o t "$bin" score --model m.json --data "open_$n.csv" --out night1.csv "${r[@]}" --ledger "$u" --as-of 2026-06-30 --json > j.json
  bytes=$(psql "$u" -tAc "SELECT pg_total_relation_size('leadscore_scores')")
  row "CSV + PostgreSQL ledger, night 1" "$(cat t)" "$(secs j.json | cut -d' ' -f2)" "scores table $(( bytes / 1000000 )) MB = $(( bytes / n )) bytes per lead"
  cp j.json j_pg1.json
  /usr/bin/time -f "%e" -o t "$bin" score --model m.json --data "night2_$n.csv" --out night2.csv "${r[@]}" --ledger "$u" --as-of 2026-07-01 --incremental --json > j.json
  row "CSV + PostgreSQL, night 2 incremental" "$(cat t)" "$(secs j.json | cut -d' ' -f2)" ""
  cp j.json j_pg2.json
  /usr/bin/time -f "%e %M" -o t "$bin" changes --ledger "$u" --out changes.csv --min-jump 0.01 > /dev/null
  row "changes between the two PostgreSQL nights" "$(cut -d' ' -f1 t)" "" "peak $(( $(cut -d' ' -f2 t) / 1024 )) MB"
fi
