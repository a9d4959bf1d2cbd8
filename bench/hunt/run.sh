#!/usr/bin/env bash
# hunt benchmark: generates a packet-dense capture of >= 1 GB in /tmp (deleted afterwards), then
# times, in one run, `supplyguard hunt -r F` against `tshark -r F -q -z conv,ip`,
# `argus -r F -w /dev/null` and `cat F > /dev/null`, printing GB/s and ratios, plus the peak RSS
# of supplyguard from its --stats line (memory stays bounded by the flow-table cap, not the capture size).
#
#   BUILD_DIR=build-bench bench/hunt/run.sh
#   HUNT_BENCH_HOSTS=100 HUNT_BENCH_HOURS=0.05   capture size (~1.07 GB by default)
#   HUNT_BENCH_RUNS=3                            runs per tool (median); TSHARK_RUNS=1 (slow)
#   HUNT_BENCH_DAY_LINES=10000000                busy-day conn.log ("never blind"); 0 skips it
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
SG=$BUILD_DIR/tools/supplyguard/supplyguard
GEN=$BUILD_DIR/tools/supplyguard-gen/supplyguard-gen
HOSTS=${HUNT_BENCH_HOSTS:-100}
HOURS=${HUNT_BENCH_HOURS:-0.05}
RUNS=${HUNT_BENCH_RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
for b in "$SG" "$GEN"; do [ -x "$b" ] || { echo "missing $b (build first: make bench)" >&2; exit 2; }; done

work=$(mktemp -d /tmp/sg-hunt-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
F=$work/dense.pcap

t0=$(date +%s.%N)
"$GEN" traffic --seed 1 --hosts "$HOSTS" --hours "$HOURS" --dense -o "$F" --truth "$work/truth.json"
t1=$(date +%s.%N)
bytes=$(stat -c %s "$F")
packets=$(grep -o '"packets": *[0-9]*' "$work/truth.json" | grep -o '[0-9]*$')
calc() { awk "BEGIN { print $* }"; }
printf 'capture: %s bytes (%.2f GB), %s packets, generated in %.1f s (%.2f GB/s)\n' "$bytes" \
  "$(calc "$bytes/1e9")" "$packets" "$(calc "$t1-$t0")" "$(calc "$bytes/1e9/($t1-$t0)")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds: numbers are noisy)"
cat "$F" >/dev/null  # warm the page cache so every tool reads from memory

# median wall-clock seconds of N runs of a command
median() {
  local n=$1; shift
  local times=()
  for _ in $(seq "$n"); do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    times+=("$(calc "$e-$s")")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}

t_cat=$(median "$RUNS" sh -c "cat '$F' >/dev/null")
t_sg=$(median "$RUNS" "$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16)
t_argus=$(median "$RUNS" argus -r "$F" -w /dev/null)
t_tshark=$(median "$TSHARK_RUNS" tshark -r "$F" -q -z conv,ip)

"$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16 --stats >"$work/findings.jsonl" 2>"$work/stats.txt" || true
stats=$(grep '^hunt:' "$work/stats.txt" || true)
findings=$(wc -l <"$work/findings.jsonl")

gbps() { calc "$bytes/1e9/$1"; }
printf '\n%-44s %9s %8s %14s\n' "tool (median of runs)" "seconds" "GB/s" "hunt speed-up"
row() { printf '%-44s %9.3f %8.2f %13.1fx\n' "$1" "$2" "$(gbps "$2")" "$(calc "$2/$t_sg")"; }
row "supplyguard hunt -r F  (x$RUNS)" "$t_sg"
row "tshark -r F -q -z conv,ip  (x$TSHARK_RUNS)" "$t_tshark"
row "argus -r F -w /dev/null  (x$RUNS)" "$t_argus"
row "cat F >/dev/null  (x$RUNS)" "$t_cat"
echo
printf 'supplyguard hunt on the %.2f GB capture: %s findings\n' "$(calc "$bytes/1e9")" "$findings"
echo "$stats"
printf 'hunt vs cat: %.2fx the time of cat (goal: within 3x)\n' "$(calc "$t_sg/$t_cat")"
if [ -x "$BUILD_DIR/bench/hunt/bench_hunt_flow" ]; then
  echo
  echo "flow assembly per core, packets in memory (Google Benchmark):"
  "$BUILD_DIR/bench/hunt/bench_hunt_flow" --benchmark_min_time=2 2>/dev/null | grep -E 'BM_|bytes_per_second' || true
fi

# ---- never blind: a busy day of conn.log, plants from hour 12 ---------------------------------
DAY_LINES=${HUNT_BENCH_DAY_LINES:-10000000}
DAYGEN=$BUILD_DIR/bench/hunt/bench_hunt_gen_conn_day
if [ "$DAY_LINES" != 0 ] && [ -x "$DAYGEN" ]; then
  rm -f "$F"  # free the packet capture's space first
  mkdir -p "$work/day"
  "$DAYGEN" "$work/day/conn.log" "$DAY_LINES"
  cat "$work/day/conn.log" >/dev/null
  echo
  echo "busy day: $DAY_LINES conn.log lines ($(calc "$(stat -c %s "$work/day/conn.log")/1e9") GB), beacon + BMC from hour 12; load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f 'day: %U s user, %S s sys, %e s wall, peak RSS %M KB' "$SG" hunt --zeek "$work/day" \
    --mgmt-net 10.99.0.0/16 --stats >"$work/day.jsonl" 2>"$work/day.err" || true
  grep -E '^(hunt|day):' "$work/day.err" || true
  b=$(grep -c '"type":"beacon".*"dst":"203.0.113.77"' "$work/day.jsonl" || true)
  m=$(grep -c '"type":"mgmt_egress".*"dst":"198.51.100.9"' "$work/day.jsonl" || true)
  echo "planted beacon found: $b, planted mgmt_egress found: $m (goal: both 1, peak RSS <= 1 GB, <= 60 s on one core)"
fi

# Sensor soak (issue 14): a week in daily chunks with --state; HUNT_SOAK_DAYS=0 skips it.
if [ "${HUNT_SOAK_DAYS:-7}" != 0 ]; then
  echo
  BUILD_DIR=$BUILD_DIR "$here/bench/hunt/soak.sh"
fi
