#!/usr/bin/env bash
# Benchmark of `leadscore export sql` (issue 15): prints two tables.
#  1. Export time for boosted-tree bundles of 100, 500 and 1,000 trees (31 leaves, trained on
#     `generate --history-rows 20000 --open-rows 2000 --seed 3`), without and with --reasons 3:
#     the whole command, best of 3, DuckDB dialect, and the SQL's size.
#  2. 10M leads: `generate --history-rows 200000 --open-rows 10000000 --no-activities --seed 1`,
#     the open leads converted to Parquet (DuckDB's types), a bundle trained on the 200k history
#     (--model both, boosted trees primary), then
#       - `leadscore score --data open_leads.parquet --out s.parquet --reasons 0`
#       - DuckDB (Python package, threads = 2) running the exported SQL over the Parquet file,
#         writing id, probability, percentile and grade to Parquet
#     wall time and peak RSS of each (/usr/bin/time), and the largest |p_sql - p_score|.
# Usage: bench/export_sql.sh [WORKDIR]   (default /tmp/leadscore-export-bench; ~3 GB; delete it after)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bin="$target/release/leadscore"
work="${1:-/tmp/leadscore-export-bench}"
python3 -c 'import duckdb' 2> /dev/null || python3 -m pip install --quiet duckdb
mkdir -p "$work"
cd "$work"

# Seconds (3 decimals) of the best of 3 runs of "$@".
best_of_3() {
  local best=""
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

[ -f small/history.csv ] || "$bin" generate --out-dir small --history-rows 20000 --open-rows 2000 --seed 3 > /dev/null
echo "| trees | export | SQL size | export --reasons 3 | SQL size |"
echo "|------:|-------:|---------:|-------------------:|---------:|"
for n in 100 500 1000; do
  if [ ! -f "small/t$n.json" ]; then
    printf '[data]\nid = "lead_id"\ntarget = "converted"\n[gbm]\nnum_trees = %d\nearly_stopping_rounds = 0\nsearch_trials = 1\ninner_folds = 0\n' "$n" > "small/t$n.toml"
    "$bin" train --data small/history.csv --config "small/t$n.toml" --model gbm --out "small/t$n.json" > /dev/null 2>&1
  fi
  a=$(best_of_3 "$bin" export sql --model "small/t$n.json" --dialect duckdb --table open_leads --out "small/t$n.sql" --quiet)
  b=$(best_of_3 "$bin" export sql --model "small/t$n.json" --dialect duckdb --table open_leads --reasons 3 --out "small/t$n.r.sql" --quiet)
  printf '| %s | %.0f ms | %.1f MB | %.0f ms | %.1f MB |\n' "$n" "$(echo "$a * 1000" | bc)" \
    "$(echo "$(stat -c %s "small/t$n.sql") / 1048576" | bc -l)" "$(echo "$b * 1000" | bc)" \
    "$(echo "$(stat -c %s "small/t$n.r.sql") / 1048576" | bc -l)"
done
echo

if [ ! -f big/open_leads.parquet ]; then
  "$bin" generate --out-dir big --history-rows 200000 --open-rows 10000000 --no-activities --seed 1 > /dev/null
  python3 -c "import duckdb; duckdb.sql(\"COPY (SELECT * FROM read_csv('big/open_leads.csv')) TO 'big/open_leads.parquet' (FORMAT parquet)\")"
  rm big/open_leads.csv
fi
[ -f big/m.json ] || "$bin" train --data big/history.csv --target converted --id lead_id --exclude first_name \
  --date-column created_date --model both --out big/m.json > /dev/null 2>&1
"$bin" export sql --model big/m.json --dialect duckdb --table open_leads --out big/m.duckdb.sql --quiet
trees=$(grep -o '[0-9]* boosted trees' big/m.duckdb.sql | head -1)
cat > big/run_sql.py <<'PY'
import sys, duckdb
con = duckdb.connect(config={"threads": 2, "enable_progress_bar": False})
con.execute("CREATE VIEW open_leads AS SELECT * FROM read_parquet('big/open_leads.parquet')")
sql = open("big/m.duckdb.sql").read().strip().rstrip(";")
con.execute(f"COPY ({sql}) TO 'big/sql.parquet' (FORMAT parquet)")
PY
/usr/bin/time -f '%e %M' -o big/score.time "$bin" score --model big/m.json --data big/open_leads.parquet \
  --out big/s.parquet --reasons 0 --precision 17 --quiet
/usr/bin/time -f '%e %M' -o big/sql.time python3 big/run_sql.py
worst=$(python3 -c "import duckdb; print(duckdb.connect(config={'enable_progress_bar': False}).sql(\"SELECT max(abs(a.probability - b.probability)), count(*), sum(CASE WHEN a.grade <> b.grade OR a.percentile <> b.percentile THEN 1 ELSE 0 END) FROM 'big/sql.parquet' a JOIN 'big/s.parquet' b USING (lead_id)\").fetchall()[0])")
read -r st sm < big/score.time
read -r qt qm < big/sql.time
echo "10M leads (Parquet), bundle with $trees; DuckDB $(python3 -c 'import duckdb; print(duckdb.__version__)'), threads = 2"
echo "| run | wall s | peak MB |"
echo "|---|---:|---:|"
printf '| leadscore score --reasons 0 | %s | %d |\n' "$st" $((sm / 1024))
printf '| DuckDB, exported SQL | %s | %d |\n' "$qt" $((qm / 1024))
echo "(max |p_sql - p_score|, leads joined, leads whose percentile or grade differ) = $worst"
