#!/usr/bin/env bash
# Runs every libFuzzer target, seeded from fuzz/<plane>/corpus/<target>/, and prints a summary
# table (inputs executed, inputs/s of wall time and of CPU time, coverage, corpus, crashes).
# inputs/cpu-s divides by the fuzzer's own user+sys seconds, so it stays comparable on a machine
# shared with other work (inputs/s of wall time does not).
#   FUZZ_SECONDS   time bound per target (default 20)
#   FUZZ_RUNS      stop a target after this many inputs (default: no bound but the time)
#   FUZZ_MERGE=1   merge what the run found into the seed corpus in the repository (libFuzzer
#                  -merge=1 keeps only inputs that add coverage; the named seeds stay)
#   FUZZ_TARGETS   space-separated target names to run (default: all)
# Crash inputs are kept in $FUZZ_BUILD/artifacts/<target>/; the script exits 1 if any target crashed.
# libFuzzer also writes slow-unit-* there (an input over 10 s, e.g. while the machine stalled): kept
# for a look, not counted as crashes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/${FUZZ_BUILD:-build-fuzz}"
secs=${FUZZ_SECONDS:-20}
runs=${FUZZ_RUNS:--1}
merge=${FUZZ_MERGE:-0}
only=${FUZZ_TARGETS:-}
status=0
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
printf '%-20s %12s %9s %12s %8s %8s %8s %s\n' target inputs inputs/s inputs/cpu-s cov ft corpus crashes > "$summary"
for bin in "$build"/fuzz/*/fuzz_*; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  name=$(basename "$bin")
  if [ -n "$only" ] && ! grep -qw -- "$name" <<< "$only"; then continue; fi
  plane=$(basename "$(dirname "$bin")")
  seeds="$here/fuzz/$plane/corpus/$name"
  work="$build/corpus/$name"; arts="$build/artifacts/$name"
  mkdir -p "$work" "$arts"
  log="$build/fuzz-$name.log"
  echo "== $name (up to $secs s${FUZZ_RUNS:+, $runs inputs})"
  args=("$work"); [ -d "$seeds" ] && args+=("$seeds")
  rc=0
  TIMEFORMAT='%U %S'
  { time "$bin" -max_total_time="$secs" -runs="$runs" -print_final_stats=1 -artifact_prefix="$arts/" \
    "${args[@]}" > "$log" 2>&1 || rc=$?; } 2> "$build/cpu-$name"
  tail -n 3 "$log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corpus=$(find "$work" -type f | wc -l)
  # Slow units (libFuzzer's slow-unit-*) are not failures: on a shared machine a stall makes them.
  crashes=$(find "$arts" -type f ! -name 'slow-unit-*' | wc -l)
  cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$build/cpu-$name")
  cpurate=$(awk -v n="${execs:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%d", n / c; else print "?" }')
  if [ "$rc" != 0 ]; then
    status=1
    echo "!! $name stopped (exit $rc); see $log"
    grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$log" || true
  fi
  if [ "$merge" = 1 ] && [ "$rc" = 0 ]; then
    mkdir -p "$seeds"
    "$bin" -merge=1 "$seeds" "$work" > "$build/merge-$name.log" 2>&1 || { echo "!! merge of $name failed"; status=1; }
  fi
  printf '%-20s %12s %9s %12s %8s %8s %8s %s\n' "$name" "${execs:-?}" "${rate:-?}" "$cpurate" "${cov:-?}" "${ft:-?}" \
    "$corpus" "$crashes" >> "$summary"
done
echo
cat "$summary"
exit $status
