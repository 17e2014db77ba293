#!/usr/bin/env bash
# The main job end to end on the sample shipped in data/: train on history, score open leads.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/leadscore"
$bin train --data data/history.csv --target converted --id lead_id --date-column created_date --model both --out models/sample.json
$bin score --model models/sample.json --rules examples/rules/sample.toml --activities data/activities.csv \
    --as-of 2026-06-30 --data data/open_leads.csv --out data/scored_open_leads.csv
echo
echo "first scored leads (data/scored_open_leads.csv):"
head -n 6 data/scored_open_leads.csv
