#!/usr/bin/env bash
# Rules scoring benchmark: 1,000,000 leads with a 10-million-row activity log.
#   cargo build --release && examples/rules/bench.sh [WORKDIR]   (default /tmp/rulesbench)
# Generates 1.1M history leads (their activity log is ~10.0M events), scores the first
# 1,000,000 leads with examples/rules/sample.toml, and prints wall time and peak memory of
# (a) the activity aggregation alone (`rules explain` of the first lead) and (b) the whole
# `score --rules` run, best and median of 3.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/target/release/leadscore"
dir="${1:-/tmp/rulesbench}"
mkdir -p "$dir"
if [ ! -f "$dir/activities.csv" ] || [ ! -f "$dir/leads_1m.csv" ]; then
  "$bin" generate --out-dir "$dir" --history-rows 1100000 --open-rows 0 --seed 42 >/dev/null
  head -n 1000001 "$dir/history.csv" > "$dir/leads_1m.csv"
fi
events=$(( $(wc -l < "$dir/activities.csv") - 1 ))
leads=$(( $(wc -l < "$dir/leads_1m.csv") - 1 ))
rules="$root/examples/rules/sample.toml"
measure() { # prints "seconds maxrss_mb"
  /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{printf "%.1f %.0f", $1, $2/1024}'
}
run3() {
  local out=()
  for _ in 1 2 3; do out+=("$(measure "$@")"); done
  printf '%s\n' "${out[@]}" | sort -n | awk 'NR==1{best=$1; mem=$2} NR==2{med=$1} END{printf "%s | %s | %s", best, med, mem}'
}
echo "$leads leads, $events activity events, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| step | best s | median s | peak MB |"
echo "|---|---|---|---|"
echo "| aggregate the activity log (rules explain, 1 lead) | $(run3 "$bin" rules explain --rules "$rules" --activities "$dir/activities.csv" --as-of 2026-06-30 --data "$dir/leads_1m.csv" --id L0000001) |"
echo "| score --rules (aggregate + score + write 1M rows) | $(run3 "$bin" score --rules "$rules" --activities "$dir/activities.csv" --as-of 2026-06-30 --data "$dir/leads_1m.csv" --out "$dir/scored.csv" --quiet) |"
