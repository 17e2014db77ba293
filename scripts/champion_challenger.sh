#!/usr/bin/env bash
# The retraining loop of the README ("Retraining safely"), on generated history: train v1 ->
# promote -> new outcomes -> train v2 -> compare (refusing overlapping leads) -> shadow ->
# compare as scored -> promote -> revert -> history. Everything happens in a work directory
# (default /tmp/leadscore-registry) with its own registry in models/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/release/leadscore"
[ -x "$bin" ] || cargo build --release
work="${1:-/tmp/leadscore-registry}"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
step() { printf '\n$ %s\n' "$*"; "$@" || printf '(exit %s)\n' "$?"; }

"$bin" generate --out-dir gen --history-rows 9000 --open-rows 10 --no-activities --seed 42 >/dev/null
# Sorted by creation date: v1 learns the oldest 4,000 leads; v2 the oldest 6,500 (a month
# later); closed.csv is what closed since v1 (leads 4,001-9,000); newest.csv what closed
# since v2 (6,501-9,000).
python3 - <<'PY'
import csv
rows = list(csv.reader(open("gen/history.csv", newline="")))
head, body = rows[0], rows[1:]
d = head.index("created_date")
body.sort(key=lambda r: (r[d], r[0]))
for name, part in [("v1.csv", body[:4000]), ("v2.csv", body[:6500]), ("closed.csv", body[4000:]), ("newest.csv", body[6500:])]:
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        w.writerows(part)
PY
train() { "$bin" train --data "$1" --target converted --id lead_id --date-column created_date --model both --quiet --out "$2" >/dev/null; }
train v1.csv models/v1.json
step "$bin" models promote models/v1.json --as champion --note "first model"
train v2.csv models/v2.json
step "$bin" models list
step "$bin" models promote models/v2.json --as champion
step "$bin" models compare --challenger models/v2.json --data v2.csv
step "$bin" models compare --challenger models/v2.json --data closed.csv --capacity 250
step "$bin" models promote models/v2.json --as challenger --note "shadow it for a night first"
step "$bin" score --model champion --shadow challenger --data newest.csv --out night.csv --ledger ledger.db --as-of 2026-06-01 --quiet
step "$bin" ledger runs --ledger ledger.db
step "$bin" models compare --challenger challenger --ledger ledger.db --data newest.csv
step "$bin" models promote challenger --as champion --note "passed compare on closed deals and as scored"
step "$bin" models revert --note "sales asked for the old grades back for the quarter"
step "$bin" models history
