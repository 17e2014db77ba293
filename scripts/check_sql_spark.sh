#!/usr/bin/env bash
# The exported Spark SQL on a real Spark: pyspark in local mode (2 threads) with a Java runtime
# (Debian's default-jre-headless, installed if `java` is missing). pyspark lives in a venv
# cached at $LEADSCORE_SPARK_VENV (default target/spark-venv; about 500 MB, installed on the
# first run). Checks, with scripts/check_sql.py against `leadscore score --precision 17`:
#   - the shipped sample, logistic bundle with --reasons 3: probabilities within 1e-9,
#     percentiles, grades and every reasons text equal;
#   - the shipped sample with hostile column names, boosted trees, --reasons 3: likewise, the
#     reasons' agreement with TreeSHAP printed;
#   - Leads.csv (../shared/datasets) with the bundle the README trains (boosted trees primary),
#     --reasons 3: probabilities within 1e-9, percentiles and grades equal (a grade may differ
#     only where Spark's exp rounds the probability to the other side of a cut-off in the last
#     bit: counted and printed; none on Leads.csv), and the trees' reasons agreement printed.
#   - a routed bundle (boosted trees per lead source) on the shipped sample: likewise;
#   - the points rules (--rules) on the shipped sample with its activity log and on Leads.csv
#     with examples/rules/xeducation.toml: every rule column equal to score's.
# Fails (never skips) when Java, pip or the dataset is unavailable. Spark's log goes to a file,
# printed only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bin="$target/release/leadscore"
check="$root/scripts/check_sql.py"
leads="$root/../shared/datasets/xeducation-leads/Leads.csv"
[ -f "$leads" ] || { echo "check_sql_spark: $leads is missing (the Leads.csv golden check needs ../shared/datasets)" >&2; exit 1; }

if ! command -v java > /dev/null 2>&1; then
  echo "check_sql_spark: no java; installing Debian's default-jre-headless"
  apt-get update -qq && apt-get install -y -qq default-jre-headless > /dev/null
fi
venv="${LEADSCORE_SPARK_VENV:-$target/spark-venv}"
if ! "$venv/bin/python" -c 'import pyspark' 2> /dev/null; then
  echo "check_sql_spark: installing pyspark into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'pyspark==4.3.0'
fi
py="$venv/bin/python"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
spark() { # runs check_sql.py on Spark; Spark's own log only on failure
  if ! timeout 600 "$py" "$check" --engine spark "$@" 2> "$work/spark.log"; then
    tail -n 40 "$work/spark.log" >&2
    echo "check_sql_spark: Spark check failed: $*" >&2
    exit 1
  fi
}

mkdir -p "$work/shipped" "$work/leads"
cp data/history.csv data/open_leads.csv "$work/shipped/"
cd "$work/shipped"
"$bin" train --data history.csv --target converted --id lead_id --out lr.json > /dev/null 2>> "$work/train.log"
"$bin" score --model lr.json --data open_leads.csv --out lr.scored.csv --precision 17 --reasons 3 --quiet
"$bin" export sql --model lr.json --dialect spark --table open_leads --reasons 3 --out lr.spark.sql --quiet
echo -n "shipped sample, logistic bundle, --reasons 3: "
spark --csv open_leads.csv --table open_leads --sql lr.spark.sql --score lr.scored.csv --id lead_id --reasons exact

# The points rules (export sql --rules) with the shipped activity log: rule scores to the
# file's two decimals, grades, statuses, stages, actions, personas and disqualification equal.
cp "$root/data/activities.csv" "$root/examples/rules/sample.toml" .
rules=(--rules sample.toml --as-of 2026-06-30)
"$bin" score --model lr.json "${rules[@]}" --activities activities.csv --data open_leads.csv \
  --out rules.scored.csv --precision 17 --quiet
"$bin" export sql --model lr.json "${rules[@]}" --activities-table activities --dialect spark --table open_leads \
  --out rules.spark.sql --quiet
echo -n "shipped sample, logistic bundle, points rules with the activity log: "
spark --csv open_leads.csv --table open_leads --sql rules.spark.sql --score rules.scored.csv --id lead_id \
  --rules --activities-csv activities.csv --activities-table activities

# Hostile column names (spaces, quotes, unicode, reserved words) and boosted trees.
python3 - <<'PY'
import csv
renames = {"lead_id": "lead id", "lead_source": "select", "industry": 'Branche "Größe" ü',
           "visits": "visits (it's web)", "demo_requested": "demo requested?", "created_date": "from"}
for f in ["history.csv", "open_leads.csv"]:
    rows = list(csv.reader(open(f, newline="", encoding="utf-8")))
    rows[0] = [renames.get(h, h) for h in rows[0]]
    csv.writer(open("hostile_" + f, "w", newline="", encoding="utf-8"), lineterminator="\n").writerows(rows)
PY
"$bin" train --data hostile_history.csv --target converted --id "lead id" --model gbm --out gbm.json > /dev/null 2>> "$work/train.log"
"$bin" score --model gbm.json --data hostile_open_leads.csv --out gbm.scored.csv --precision 17 --reasons 3 --quiet
"$bin" export sql --model gbm.json --dialect spark --table open_leads --reasons 3 --out gbm.spark.sql --quiet
echo -n "shipped sample, hostile column names, boosted trees, --reasons 3: "
spark --csv hostile_open_leads.csv --table open_leads --sql gbm.spark.sql --score gbm.scored.csv --id "lead id" \
  --reasons agreement --bundle gbm.json

# A routed bundle (boosted trees per lead source, kept routed): one UNION ALL branch per route.
"$bin" train --data history.csv --target converted --id lead_id --model gbm --segment-column lead_source \
  --min-segment-outcomes 40 --keep-segments --out routed.json > /dev/null 2>> "$work/train.log"
"$bin" score --model routed.json --data open_leads.csv --out routed.scored.csv --precision 17 --quiet
"$bin" export sql --model routed.json --dialect spark --table open_leads --out routed.spark.sql --quiet
echo -n "shipped sample, boosted trees routed by lead_source: "
spark --csv open_leads.csv --table open_leads --sql routed.spark.sql --score routed.scored.csv --id lead_id

cd "$work/leads"
# As the README trains it.
"$bin" train --data "$leads" --config "$root/examples/xeducation.toml" --model both --out xeducation.json \
  > /dev/null 2>> "$work/train.log"
"$bin" score --model xeducation.json --data "$leads" --out xe.scored.csv --precision 17 --reasons 3 --quiet
"$bin" export sql --model xeducation.json --dialect spark --table leads --reasons 3 --out xe.spark.sql --quiet
echo -n "Leads.csv, the README's bundle (boosted trees), --reasons 3: "
spark --csv "$leads" --table leads --sql xe.spark.sql --score xe.scored.csv --id "Prospect ID" \
  --reasons agreement --bundle xeducation.json
"$bin" score --model xeducation.json --rules "$root/examples/rules/xeducation.toml" --data "$leads" \
  --out xe.rules.scored.csv --precision 17 --quiet
"$bin" export sql --model xeducation.json --rules "$root/examples/rules/xeducation.toml" --dialect spark \
  --table leads --out xe.rules.spark.sql --quiet
echo -n "Leads.csv, the README's bundle with examples/rules/xeducation.toml: "
spark --csv "$leads" --table leads --sql xe.rules.spark.sql --score xe.rules.scored.csv --id "Prospect ID" \
  --rules --bundle xeducation.json
