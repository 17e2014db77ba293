#!/usr/bin/env bash
# The JSON Schemas in schemas/ checked with the reference validator (Python jsonschema,
# Draft 2020-12; pip-installed if missing): bundles trained on the shipped sample (logistic;
# boosted trees with logistic; both routed by segment) and every shipped rules file must validate. The Rust test
# tests/cli/export_schema.rs checks the same with its own validator, and that schemas/ is
# what `leadscore export schema` writes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
bin="$target/release/leadscore"
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install --quiet jsonschema
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" train --data data/history.csv --target converted --id lead_id --out "$work/lr.json" > /dev/null
"$bin" train --data data/history.csv --target converted --id lead_id --model both --out "$work/both.json" > /dev/null
"$bin" train --data data/history.csv --target converted --id lead_id --model both --segment-column segment --keep-segments --out "$work/seg.json" > /dev/null
python3 scripts/check_schemas.py . "$work/lr.json" "$work/both.json" "$work/seg.json" examples/rules/*.toml tests/fixtures/rules/rules.toml
