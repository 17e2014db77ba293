# Sourced by bench/ledger.sh and bench/ledger_append.sh (from the repository's root, with `n`
# set): picks the binary (LEADSCORE_BIN, else this tree's release build, built first), enters
# the work directory (LEADSCORE_BENCH_DIR, default /tmp/ledgerbench) and makes `open_$n.csv`
# and `history.csv` there once (`generate --seed 11`, 200k history leads).
work="${LEADSCORE_BENCH_DIR:-/tmp/ledgerbench}"
if [ -n "${LEADSCORE_BIN:-}" ]; then
  bin="$(realpath "$LEADSCORE_BIN")"
else
  bin="$(pwd)/${CARGO_TARGET_DIR:-target}/release/leadscore"
  cargo build --release --quiet
fi
mkdir -p "$work" && cd "$work"
if [ ! -f "open_$n.csv" ]; then
  "$bin" generate --out-dir "gen_$n" --history-rows 200000 --open-rows "$n" --no-activities --seed 11 >/dev/null
  mv "gen_$n/open_leads.csv" "open_$n.csv"
  mv "gen_$n/history.csv" history.csv
  rm -rf "gen_$n"
fi
