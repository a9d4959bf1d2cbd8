#!/usr/bin/env bash
# attest benchmark: (1) `supplyguard snapshot` of this machine's live / and of a generated server
# tree, median of SNAP_RUNS; (2) `supplyguard verify` of 10 000 snapshot files (half model A, half
# model B, 1 % with a planted change) against their two signed baselines, median of VERIFY_RUNS.
# Targets from the issue: snapshot < 1 s, verify 10 000 < 10 s.
#
#   BUILD_DIR=build-bench bench/attest/run.sh
#   ATTEST_BENCH_HOSTS=10000 SNAP_RUNS=5 VERIFY_RUNS=3
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
SG=$BUILD_DIR/tools/supplyguard/supplyguard
GEN=$BUILD_DIR/tools/supplyguard-gen/supplyguard-gen
FLEET=$BUILD_DIR/bench/attest/bench_attest_fleet
HOSTS=${ATTEST_BENCH_HOSTS:-10000}
SNAP_RUNS=${SNAP_RUNS:-5}
VERIFY_RUNS=${VERIFY_RUNS:-3}
for b in "$SG" "$GEN" "$FLEET"; do [ -x "$b" ] || { echo "missing $b (build first: make bench)" >&2; exit 2; }; done

work=$(mktemp -d /tmp/sg-attest-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds: numbers are noisy)"

# median wall-clock seconds of N runs of a command (output discarded)
median() {
  local n=$1; shift
  local times=()
  for _ in $(seq "$n"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/last.err"
    t1=$(date +%s.%N)
    times+=("$(awk "BEGIN { print $t1 - $t0 }")")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

t=$(median "$SNAP_RUNS" "$SG" snapshot -o "$work/live.json")
"$SG" snapshot -o "$work/live.json" 2>"$work/live.err"
printf 'snapshot of live /: median %.3f s over %d runs (target < 1 s)\n  %s\n' "$t" "$SNAP_RUNS" "$(cat "$work/live.err")"

"$GEN" host --seed 1 --model A --hostname bench --address 10.0.0.1 -o "$work/tree" 2>/dev/null
t=$(median "$SNAP_RUNS" "$SG" snapshot --root "$work/tree" -o "$work/tree.json")
"$SG" snapshot --root "$work/tree" -o "$work/tree.json" 2>"$work/tree.err"
printf 'snapshot of a generated server tree: median %.3f s\n  %s\n' "$t" "$(cat "$work/tree.err")"

t0=$(date +%s.%N)
"$FLEET" "$work/fleet" "$HOSTS" 10
t1=$(date +%s.%N)
bytes=$(du -sb "$work/fleet/snaps" | cut -f1)
printf 'wrote %d snapshot files (%.0f MB) in %.1f s\n' "$HOSTS" "$(awk "BEGIN { print $bytes / 1e6 }")" \
  "$(awk "BEGIN { print $t1 - $t0 }")"
cat "$work/fleet/snaps/"* >/dev/null  # page cache warm: time the work, not the disk
verify=("$SG" verify "$work/fleet/snaps" --baseline "$work/fleet/golden-A.json" --baseline "$work/fleet/golden-B.json"
        --pubkey "$work/fleet/golden.key.pub" --stats)
t=$(median "$VERIFY_RUNS" "${verify[@]}")
TIMEFORMAT='%R %U %S'
{ time "${verify[@]}" >"$work/findings.jsonl" 2>"$work/verify.err"; } 2>"$work/cpu"
read -r wall user sys <"$work/cpu"
printf 'verify %d snapshots against 2 signed baselines: median %.2f s over %d runs (%.0f snapshots/s; target < 10 s)\n' \
  "$HOSTS" "$t" "$VERIFY_RUNS" "$(awk "BEGIN { print $HOSTS / $t }")"
printf '  one more run: wall %s s, CPU %s s user + %s s system (on %d cores; wall above CPU/cores means the machine was busy)\n' \
  "$wall" "$user" "$sys" "$(nproc)"
printf '  %s\n  findings: %d lines; by type: %s\n' "$(cat "$work/verify.err")" "$(wc -l <"$work/findings.jsonl")" \
  "$(grep -o '"type":"[a-z_]*"' "$work/findings.jsonl" | sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }' | sed 's/"type"://g; s/"//g; s/, $//')"
