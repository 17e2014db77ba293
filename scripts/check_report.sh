#!/usr/bin/env bash
# Checks that the HTML report of `leadscore evaluate --report` renders in a real headless
# browser (Debian's chromium) and contains its charts.
#
# Usage: scripts/check_report.sh [REPORT.html]
#   With no argument, builds a report from a freshly generated sample (needs the release
#   binary: cargo build --release) in a temporary directory.
# Installs chromium with apt-get when it is missing (root, Debian). Exit 0 when the page
# renders with every chart; non-zero with a message otherwise.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "check_report: installing chromium (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser="$(command -v chromium)"
fi

report="${1:-}"
if [ -z "$report" ]; then
    bin="${LEADSCORE_BIN:-${CARGO_TARGET_DIR:-$here/target}/release/leadscore}"
    [ -x "$bin" ] || { echo "check_report: $bin not found; run cargo build --release" >&2; exit 2; }
    (cd "$work" \
        && "$bin" generate --out-dir data --history-rows 1500 --open-rows 10 --seed 5 \
        && "$bin" train --data data/history.csv --target converted --id lead_id --model both --out m.json \
        && "$bin" evaluate --data data/history.csv --model m.json --date-column created_date --report report.html) \
        >"$work/build.log" 2>&1 || { echo "check_report: building the sample report failed" >&2; cat "$work/build.log" >&2; exit 2; }
    report="$work/report.html"
fi
[ -f "$report" ] || { echo "check_report: $report not found" >&2; exit 2; }
report="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --user-data-dir="$work/profile")
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$report" > "$work/dom.html" 2>"$work/chromium.log" || {
    echo "check_report: chromium failed to render $report" >&2; tail -20 "$work/chromium.log" >&2; exit 1; }
timeout 120 "$browser" "${flags[@]}" --window-size=1280,2400 --screenshot="$work/shot.png" "file://$report" \
    >/dev/null 2>>"$work/chromium.log" || { echo "check_report: screenshot failed" >&2; exit 1; }

fail=0
for id in roc gains lift calibration distribution-0; do
    if ! grep -q "<figure class=\"chart\" id=\"$id\"><svg" "$work/dom.html"; then
        echo "check_report: chart \"$id\" missing from the rendered DOM" >&2
        fail=1
    fi
done
svgs="$(grep -o '<svg' "$work/dom.html" | wc -l)"
size="$(stat -c %s "$work/shot.png" 2>/dev/null || echo 0)"
# A blank 1280x2400 PNG compresses to a few KB; the charts make it far larger.
if [ "$size" -lt 30000 ]; then
    echo "check_report: screenshot is only $size bytes; the page looks blank" >&2
    fail=1
fi
if [ -n "${CHECK_REPORT_SCREENSHOT:-}" ]; then cp "$work/shot.png" "$CHECK_REPORT_SCREENSHOT"; fi
[ "$fail" -eq 0 ] || exit 1
echo "check_report: $report renders in $("$browser" --version 2>/dev/null | head -1) with $svgs charts (screenshot $size bytes)"
