#!/usr/bin/env bash
# Runs the cargo-fuzz targets one after the other (one libFuzzer process at a time, niced).
#
#   fuzz/run.sh [target...]            every target (default) for FUZZ_SECONDS each (default 60)
#   FUZZ_RUNS=10000000 fuzz/run.sh     stop a target after that many executions (or its time)
#   FUZZ_BUDGET=4800 fuzz/run.sh       share 4800 s over the targets: each gets what is left
#                                      divided by the targets still to run
#
# New inputs go to fuzz/corpus-run/<target> (not committed); fuzz/corpus/<target> are the
# committed seeds (read only here). Crashes land in fuzz/artifacts/<target>/: copy each to
# fuzz/regressions/<target>/ and `cargo test --test fuzz_corpus` replays it for ever.
# A summary line per target (executions, seconds, result) is appended to fuzz/results.txt.
#
# libFuzzer needs nightly rustc flags: `cargo +nightly` when a nightly toolchain is installed,
# otherwise the stable toolchain with RUSTC_BOOTSTRAP=1. FUZZ_SANITIZER (default none:
# callseal has no unsafe code; `address` works on nightly).
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(esdk_header s3ec_metadata esdk_random_access esdk_stream policy_validate policy_evaluate)
SECONDS_EACH=${FUZZ_SECONDS:-60}
SANITIZER=${FUZZ_SANITIZER:-none}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  FUZZ=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  FUZZ=(cargo fuzz)
fi

nice -n 10 "${FUZZ[@]}" build -s "$SANITIZER" --debug-assertions
BIN=target/x86_64-unknown-linux-gnu/release

failed=0
left=${#TARGETS[@]}
start_all=$(date +%s)
for t in "${TARGETS[@]}"; do
  secs=$SECONDS_EACH
  if [ -n "${FUZZ_BUDGET:-}" ]; then
    used=$(( $(date +%s) - start_all ))
    secs=$(( (FUZZ_BUDGET - used) / left ))
    [ "$secs" -ge 10 ] || secs=10
  fi
  left=$((left - 1))
  mkdir -p "corpus-run/$t" "artifacts/$t" "corpus/$t"
  log="artifacts/$t/last-run.log"
  extra=()
  [ -z "${FUZZ_RUNS:-}" ] || extra+=("-runs=$FUZZ_RUNS")
  dirs=("corpus-run/$t" "corpus/$t")
  [ ! -d "regressions/$t" ] || dirs+=("regressions/$t")
  echo "[fuzz] $t: up to ${secs}s${FUZZ_RUNS:+ or $FUZZ_RUNS executions}" >&2
  t0=$(date +%s)
  rc=0
  nice -n 15 "$BIN/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" "${extra[@]}" "${dirs[@]}" \
    >"$log" 2>&1 || rc=$?
  t1=$(date +%s)
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1 || true)
  [ -n "$execs" ] || execs=$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1 || echo '?')
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (rc $rc, see fuzz/$log and fuzz/artifacts/$t/)"
    failed=1
  fi
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) $t execs=$execs seconds=$((t1 - t0)) result=$result"
  echo "[fuzz] $line" >&2
  echo "$line" >>results.txt
done
exit $failed
