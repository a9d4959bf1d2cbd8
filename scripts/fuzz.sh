#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS each, seeded from fuzz/<plane>/corpus/<target>/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/${FUZZ_BUILD:-build-fuzz}"
secs=${FUZZ_SECONDS:-20}
status=0
for bin in "$build"/fuzz/*/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  plane=$(basename "$(dirname "$bin")")
  seeds="$here/fuzz/$plane/corpus/$name"
  work="$build/corpus/$name"; mkdir -p "$work"
  echo "== $name ($secs s)"
  args=("$work"); [ -d "$seeds" ] && args+=("$seeds")
  "$bin" -max_total_time="$secs" -print_final_stats=1 "${args[@]}" || status=1
done
exit $status
