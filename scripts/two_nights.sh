#!/usr/bin/env bash
# Two nights on the shipped sample, recorded in an SQLite ledger (README, "Every night").
# Night 1 scores data/open_leads.csv as of 2026-06-30. Night 2 (2026-07-01) is the same file
# with the first 10 leads closed (gone) and leads 11-50 more engaged overnight (+3 visits,
# +1 pricing page visit), scored incrementally. Then: the runs, what changed, one lead's
# history, drift, and the model judged as scored once outcomes arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/leadscore"
work="${1:-/tmp/leadscore-nights}"
mkdir -p "$work"
rm -f "$work"/ledger.db*
[ -f models/sample.json ] || bash scripts/quickstart.sh >/dev/null
# Night 2: drop data rows 1-10, bump visits and pricing_page_visits on rows 11-50.
python3 - data/open_leads.csv "$work/open_leads_night2.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as g:
    rows = csv.reader(f)
    out = csv.writer(g, lineterminator="\n")
    header = next(rows)
    out.writerow(header)
    v, p = header.index("visits"), header.index("pricing_page_visits")
    for i, r in enumerate(rows):
        if i < 10:
            continue
        if i < 50:
            r[v], r[p] = str(int(r[v]) + 3), str(int(r[p]) + 1)
        out.writerow(r)
PY
rules=(--rules examples/rules/sample.toml --activities data/activities.csv)
$bin score --model models/sample.json "${rules[@]}" --data data/open_leads.csv \
  --out "$work/night1.csv" --ledger "$work/ledger.db" --as-of 2026-06-30 --quiet
$bin score --model models/sample.json "${rules[@]}" --data "$work/open_leads_night2.csv" \
  --out "$work/night2.csv" --ledger "$work/ledger.db" --as-of 2026-07-01 --incremental
$bin ledger runs --ledger "$work/ledger.db"
$bin changes --ledger "$work/ledger.db" --out "$work/changes.csv"
head -n 1 "$work/changes.csv"; grep -m 3 ",up" "$work/changes.csv" || true
$bin history --ledger "$work/ledger.db" --id L0003018
$bin drift --model models/sample.json --data "$work/open_leads_night2.csv" || true
