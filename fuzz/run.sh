#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the shipped files, then runs every target for
# SECONDS (default 30), one after another, on one core. Needs a nightly toolchain and
# cargo-fuzz (`cargo +nightly install cargo-fuzz`). A finding stops the script with
# libFuzzer's report; the input is saved under fuzz/artifacts/<target>/.
#   fuzz/run.sh 600            # every target, 10 minutes each
#   fuzz/run.sh 60 bundle      # one target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(load_data rules bundle config)

seed() { # seed TARGET FILE...: copies files (at most 256 KiB of each) into the corpus
  local target="$1"
  shift
  mkdir -p "fuzz/corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    head -c 262144 "$f" > "fuzz/corpus/$target/seed-$(echo "$f" | tr / _)"
  done
}

# CSV seeds: the shipped sample's first rows (a 0/1/2 prefix byte picks csv/tsv/ndjson).
mkdir -p fuzz/corpus/load_data
for f in data/*.csv tests/fixtures/rules/*.csv tests/fixtures/score/*.csv; do
  [ -f "$f" ] || continue
  { printf '\0'; head -c 8192 "$f"; } > "fuzz/corpus/load_data/seed-$(echo "$f" | tr / _)"
done
printf '\2{"lead_id": "a1", "visits": 3, "country": "FR"}\n{"lead_id": "a2", "visits": null}\n' \
  > fuzz/corpus/load_data/seed-leads.ndjson
seed rules examples/rules/*.toml tests/fixtures/rules/*.toml
seed config examples/*.toml
# Bundles: the shipped fixtures (format 1.0 and 0.1), any bundle in models/, and a small
# two-model bundle trained on the shipped sample when the release binary is built.
seed bundle tests/fixtures/score/*.json tests/fixtures/*.json models/*.json
if [ -x target/release/leadscore ] && [ ! -f fuzz/corpus/bundle/seed-both.json ]; then
  target/release/leadscore train --data data/history.csv --target converted --id lead_id \
    --model both --num-trees 3 --quiet --out fuzz/corpus/bundle/seed-both.json
fi

for t in "${targets[@]}"; do
  echo "== fuzz $t for ${seconds}s"
  # Bundles are larger than libFuzzer's default 4 KiB inputs.
  max_len=65536
  [ "$t" = bundle ] && max_len=262144
  cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
done
