#!/usr/bin/env bash
# The exported SQL on real engines the Rust tests cannot embed cheaply: DuckDB (its Python
# package, installed with pip if missing) and the SQLite of Python's sqlite3 module (with its
# built-in maths functions). On the shipped sample and on a generated one, for a logistic and a
# boosted-trees bundle: every probability within 1e-9 of `leadscore score --precision 17`,
# percentiles and grades equal (scripts/check_sql.py), and with --reasons 3 the reasons text too
# (logistic). Then the Spark, BigQuery and Snowflake
# exports are parsed with SQLGlot: a syntax check only, since those engines are not reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
bin="$target/release/leadscore"
check="$(pwd)/scripts/check_sql.py"
python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb
python3 -c 'import sqlglot' 2>/dev/null || python3 -m pip install --quiet sqlglot

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/shipped" "$work/generated"
cp data/history.csv data/open_leads.csv "$work/shipped/"
"$bin" generate --out-dir "$work/generated" --history-rows 800 --open-rows 200 --seed 7 > /dev/null

for sample in shipped generated; do
  cd "$work/$sample"
  "$bin" train --data history.csv --target converted --id lead_id --out lr.json > /dev/null
  "$bin" train --data history.csv --target converted --id lead_id --model both --out both.json > /dev/null
  for m in lr both; do
    "$bin" score --model $m.json --data open_leads.csv --out $m.scored.csv --precision 17 --quiet
    # Reasons (score's default --reasons 3): exact for the logistic bundle; the other's primary
    # may be the trees, whose reasons approximate TreeSHAP (agreement printed).
    if [ $m = lr ]; then reasons=exact; else reasons=agreement; fi
    for engine in duckdb sqlite; do
      "$bin" export sql --model $m.json --dialect $engine --table open_leads --out $m.$engine.sql --quiet
      echo -n "$sample sample, $m bundle: "
      python3 "$check" --engine $engine --csv open_leads.csv --table open_leads --sql $m.$engine.sql \
        --score $m.scored.csv --id lead_id
      "$bin" export sql --model $m.json --dialect $engine --table open_leads --reasons 3 --out $m.r.$engine.sql --quiet
      echo -n "$sample sample, $m bundle, --reasons 3: "
      python3 "$check" --engine $engine --csv open_leads.csv --table open_leads --sql $m.r.$engine.sql \
        --score $m.scored.csv --id lead_id --reasons $reasons
    done
    for dialect in spark bigquery snowflake; do
      "$bin" export sql --model $m.json --dialect $dialect --table crm.open_leads --out $m.$dialect.sql --quiet
      python3 -c 'import sys, sqlglot; sqlglot.parse_one(open(sys.argv[1]).read(), read=sys.argv[2]); print(f"{sys.argv[3]}: {sys.argv[2]} export parses (SQLGlot {sqlglot.__version__})")' \
        $m.$dialect.sql $dialect "$sample sample, $m bundle"
      "$bin" export sql --model $m.json --dialect $dialect --table crm.open_leads --reasons 3 --out $m.r.$dialect.sql --quiet
      python3 -c 'import sys, sqlglot; sqlglot.parse_one(open(sys.argv[1]).read(), read=sys.argv[2]); print(f"{sys.argv[3]}: {sys.argv[2]} export parses (SQLGlot {sqlglot.__version__})")' \
        $m.r.$dialect.sql $dialect "$sample sample, $m bundle, --reasons 3"
    done
  done
  cd - > /dev/null
done

# A routed bundle (per-segment models by lead_source, kept routed): one UNION ALL branch per
# route, on DuckDB and Python's SQLite against `score`; the other dialects parsed by SQLGlot.
cd "$work/shipped"
"$bin" train --data history.csv --target converted --id lead_id --model gbm --segment-column lead_source \
  --min-segment-outcomes 40 --keep-segments --out routed.json > /dev/null
"$bin" score --model routed.json --data open_leads.csv --out routed.scored.csv --precision 17 --quiet
for engine in duckdb sqlite; do
  "$bin" export sql --model routed.json --dialect $engine --table open_leads --out routed.$engine.sql --quiet
  echo -n "shipped sample, routed bundle: "
  python3 "$check" --engine $engine --csv open_leads.csv --table open_leads --sql routed.$engine.sql \
    --score routed.scored.csv --id lead_id
done
for dialect in spark bigquery snowflake; do
  "$bin" export sql --model routed.json --dialect $dialect --table crm.open_leads --out routed.$dialect.sql --quiet
  python3 -c 'import sys, sqlglot; sqlglot.parse_one(open(sys.argv[1]).read(), read=sys.argv[2]); print(f"shipped sample, routed bundle: {sys.argv[2]} export parses")' \
    routed.$dialect.sql $dialect
done
cd - > /dev/null

# The points rules (export sql --rules) on DuckDB: the shipped sample's rules and activity log,
# as scripts/quickstart.sh scores them; the Spark and BigQuery exports parsed with SQLGlot
# (Snowflake refuses the sample's `matches` rules, SQLite needs --sqlite-regexp: see README).
cd "$work/shipped"
cp "$OLDPWD/data/activities.csv" "$OLDPWD/examples/rules/sample.toml" .
"$bin" score --model lr.json --rules sample.toml --activities activities.csv --as-of 2026-06-30 \
  --data open_leads.csv --out rules.scored.csv --precision 17 --quiet
rules=(--rules sample.toml --activities-table activities --as-of 2026-06-30)
"$bin" export sql --model lr.json "${rules[@]}" --dialect duckdb --table open_leads --out rules.duckdb.sql --quiet
echo -n "shipped sample, lr bundle, rules: "
python3 "$check" --engine duckdb --csv open_leads.csv --table open_leads --sql rules.duckdb.sql \
  --score rules.scored.csv --id lead_id --rules --activities-csv activities.csv --activities-table activities
for dialect in spark bigquery; do
  "$bin" export sql --model lr.json "${rules[@]}" --dialect $dialect --table crm.open_leads --out rules.$dialect.sql --quiet
  python3 -c 'import sys, sqlglot; sqlglot.parse_one(open(sys.argv[1]).read(), read=sys.argv[2]); print(f"shipped sample, rules: {sys.argv[2]} export parses")' \
    rules.$dialect.sql $dialect
done
cd - > /dev/null
