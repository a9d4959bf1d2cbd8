#!/usr/bin/env bash
# hunt benchmark, in one run on captures generated into a scratch dir in /tmp (deleted afterwards):
#   1. storage: a packet-dense capture of >= 1 GB (3 M packets in ~4 800 long flows);
#   2. edge: a flow-dense enterprise-edge capture (bench_hunt_gen_edge: ~1.18 M packets,
#      ~260 k flows, ~260 k DNS records, ~156 MB), where per-flow and per-record costs dominate.
# On each, `supplyguard hunt -r F` is timed against `cat F > /dev/null` and `tshark -r F -q -z
# conv,tcp` (the cheapest tshark run that still dissects every packet down to TCP: a tap needs
# the dissection; plain `-q` with no tap or filter is not a fair comparison), and on the storage
# capture `argus -r F -w /dev/null` too. Each figure is the median of several runs, wall clock AND
# CPU time (user + sys, from bash's `time`): the machine is shared, so wall clock moves with the
# load while CPU time much less; both are printed with the load average. hunt runs by default with
# two threads (reading on one, detector state on the other, where 2+ CPUs are usable); the
# `--threads 1` row is the same work on one.
# Then a busy day of Zeek conn.log ("never blind").
#
#   BUILD_DIR=build-bench bench/hunt/run.sh
#   HUNT_BENCH_HOSTS=100 HUNT_BENCH_HOURS=0.05   storage capture size (~1.07 GB by default)
#   HUNT_BENCH_EDGE_LOOKUPS=130000               edge capture size (9 packets, 2 flows per lookup)
#   HUNT_BENCH_RUNS=5                            runs per tool (median); TSHARK_RUNS=3 (slow)
#   HUNT_BENCH_BEFORE=/path/to/old/supplyguard   also time another build (before/after, same run)
#   HUNT_BENCH_DAY_LINES=10000000                busy-day conn.log ("never blind"); 0 skips it
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
SG=$BUILD_DIR/tools/supplyguard/supplyguard
GEN=$BUILD_DIR/tools/supplyguard-gen/supplyguard-gen
EDGEGEN=$BUILD_DIR/bench/hunt/bench_hunt_gen_edge
HOSTS=${HUNT_BENCH_HOSTS:-100}
HOURS=${HUNT_BENCH_HOURS:-0.05}
LOOKUPS=${HUNT_BENCH_EDGE_LOOKUPS:-130000}
RUNS=${HUNT_BENCH_RUNS:-5}
TSHARK_RUNS=${TSHARK_RUNS:-3}
BEFORE=${HUNT_BENCH_BEFORE:-}
for b in "$SG" "$GEN" "$EDGEGEN"; do [ -x "$b" ] || { echo "missing $b (build first: make bench)" >&2; exit 2; }; done

work=$(mktemp -d /tmp/sg-hunt-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
calc() { awk "BEGIN { print $* }"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Median wall-clock and CPU (user + sys) seconds of N runs: prints "wall cpu".
measure() {
  local n=$1; shift
  : >"$work/times"
  for _ in $(seq "$n"); do
    # bash's own `time` (getrusage of the child): millisecond resolution, where /usr/bin/time
    # rounds to 10 ms -- as much as cat's whole CPU time on the edge capture.
    { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>&1 || true; } 2>>"$work/times"
  done
  local mid=$(( (n + 1) / 2 ))
  echo "$(awk '{ print $1 }' "$work/times" | sort -g | sed -n "${mid}p") $(awk '{ print $2 + $3 }' "$work/times" | sort -g | sed -n "${mid}p")"
}

# Times every tool on one capture and prints the table. $1 label, $2 file, $3 1 = with argus.
compare() {
  local label=$1 F=$2 with_argus=$3
  cat "$F" >/dev/null  # page cache: every tool reads from memory
  echo "load average before: $(load)"
  local cat_t sg_t one_t ts_t="" ar_t="" before_t=""
  cat_t=$(measure "$RUNS" sh -c "cat '$F' >/dev/null")
  sg_t=$(measure "$RUNS" "$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16)
  one_t=$(measure "$RUNS" "$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16 --threads 1)
  [ -n "$BEFORE" ] && before_t=$(measure "$RUNS" "$BEFORE" hunt -r "$F" --mgmt-net 10.99.0.0/16)
  # A tool that is not installed would "run" in 1 ms and make every ratio nonsense: say so instead.
  if command -v tshark >/dev/null; then
    ts_t=$(measure "$TSHARK_RUNS" tshark -r "$F" -q -z conv,tcp)
  else
    echo "tshark not installed (make bench installs it): no tshark figures"
  fi
  [ "$with_argus" = 1 ] && command -v argus >/dev/null && ar_t=$(measure "$RUNS" argus -r "$F" -w /dev/null)
  echo "load average after:  $(load)"
  set -- $sg_t; local sgw=$1 sgc=$2
  set -- $cat_t; local cw=$1 cc=$2
  printf '\n%-46s %8s %8s %9s %9s\n' "$label: tool (median of runs)" "wall s" "CPU s" "wall/hunt" "CPU/hunt"
  row() { set -- "$1" $2; printf '%-46s %8.3f %8.3f %8.1fx %8.1fx\n' "$1" "$2" "$3" "$(calc "$2/$sgw")" "$(calc "$3/$sgc")"; }
  row "supplyguard hunt -r F  (x$RUNS)" "$sg_t"
  row "  same, --threads 1" "$one_t"
  [ -n "$before_t" ] && row "  same, build before (HUNT_BENCH_BEFORE)" "$before_t"
  [ -n "$ts_t" ] && row "tshark -r F -q -z conv,tcp  (x$TSHARK_RUNS)" "$ts_t"
  [ -n "$ar_t" ] && row "argus -r F -w /dev/null  (x$RUNS)" "$ar_t"
  row "cat F >/dev/null  (x$RUNS)" "$cat_t"
  "$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16 --stats >"$work/findings.jsonl" 2>"$work/stats.txt" || true
  echo
  printf '%s: %s findings\n' "$label" "$(wc -l <"$work/findings.jsonl")"
  grep '^hunt:' "$work/stats.txt" | head -1 || true
  printf '%s: hunt = %.2fx cat wall, %.2fx cat CPU (goal: within 3x)\n' "$label" "$(calc "$sgw/$cw")" \
    "$(calc "$sgc/($cc > 0 ? $cc : 0.001)")"
  if [ -n "$ts_t" ]; then
    set -- $ts_t
    printf '%s: tshark = %.0fx hunt wall, %.0fx hunt CPU (goal: >= 20x)\n' "$label" "$(calc "$1/$sgw")" "$(calc "$2/$sgc")"
  fi
  set -- $one_t
  printf '%s: hunt --threads 1 = %.2fx cat wall, %.2fx cat CPU\n' "$label" "$(calc "$1/$cw")" "$(calc "$2/($cc > 0 ? $cc : 0.001)")"
}

echo "machine: $(nproc) cores, load average $(load) (shared with other builds: numbers are noisy)"

# ---- 1. storage traffic: packet-dense, few long flows ----------------------------------------
F=$work/dense.pcap
t0=$(date +%s.%N)
"$GEN" traffic --seed 1 --hosts "$HOSTS" --hours "$HOURS" --dense -o "$F" --truth "$work/truth.json"
t1=$(date +%s.%N)
bytes=$(stat -c %s "$F")
packets=$(grep -o '"packets": *[0-9]*' "$work/truth.json" | grep -o '[0-9]*$')
printf '\nstorage capture: %s bytes (%.2f GB), %s packets, generated in %.1f s\n' "$bytes" "$(calc "$bytes/1e9")" \
  "$packets" "$(calc "$t1-$t0")"
compare storage "$F" 1
rm -f "$F"

# ---- 2. enterprise edge: flow-dense ----------------------------------------------------------
F=$work/edge.pcap
echo
"$EDGEGEN" "$F" "$LOOKUPS"
printf 'edge capture: %s bytes (%.0f MB)\n' "$(stat -c %s "$F")" "$(calc "$(stat -c %s "$F")/1e6")"
compare edge "$F" 0
rm -f "$F"

if [ -x "$BUILD_DIR/bench/hunt/bench_hunt_flow" ]; then
  echo
  echo "flow assembly per core, packets in memory (Google Benchmark):"
  "$BUILD_DIR/bench/hunt/bench_hunt_flow" --benchmark_min_time=2 2>/dev/null | grep -E 'BM_|bytes_per_second' || true
fi

# ---- never blind: a busy day of conn.log, plants from hour 12 ---------------------------------
DAY_LINES=${HUNT_BENCH_DAY_LINES:-10000000}
DAYGEN=$BUILD_DIR/bench/hunt/bench_hunt_gen_conn_day
if [ "$DAY_LINES" != 0 ] && [ -x "$DAYGEN" ]; then
  mkdir -p "$work/day"
  "$DAYGEN" "$work/day/conn.log" "$DAY_LINES"
  cat "$work/day/conn.log" >/dev/null
  echo
  echo "busy day: $DAY_LINES conn.log lines ($(calc "$(stat -c %s "$work/day/conn.log")/1e9") GB), beacon + BMC from hour 12; load $(load)"
  # The bar is on one core: --threads 1; then the default (two threads) for the wall clock.
  /usr/bin/time -f 'day: %U s user, %S s sys, %e s wall, peak RSS %M KB' "$SG" hunt --zeek "$work/day" \
    --mgmt-net 10.99.0.0/16 --stats --threads 1 >"$work/day.jsonl" 2>"$work/day.err" || true
  grep -E '^(hunt|day):' "$work/day.err" || true
  /usr/bin/time -f 'day, two threads: %U s user, %S s sys, %e s wall, peak RSS %M KB' "$SG" hunt --zeek "$work/day" \
    --mgmt-net 10.99.0.0/16 >"$work/day2.jsonl" 2>"$work/day2.err" || true
  grep -E '^day' "$work/day2.err" || true
  cmp -s "$work/day.jsonl" "$work/day2.jsonl" && echo "day: findings identical with one and two threads" ||
    echo "day: FINDINGS DIFFER between one and two threads"
  b=$(grep -c '"type":"beacon".*"dst":"203.0.113.77"' "$work/day.jsonl" || true)
  m=$(grep -c '"type":"mgmt_egress".*"dst":"198.51.100.9"' "$work/day.jsonl" || true)
  echo "planted beacon found: $b, planted mgmt_egress found: $m (goal: both 1, peak RSS <= 1 GB, <= 60 s on one core)"
fi

# Sensor soak (issue 14): a week in daily chunks with --state; HUNT_SOAK_DAYS=0 skips it.
if [ "${HUNT_SOAK_DAYS:-7}" != 0 ]; then
  echo
  BUILD_DIR=$BUILD_DIR "$here/bench/hunt/soak.sh"
fi

# What naming flows from their first bytes costs (issue 14): hunt with and without --no-names on a
# capture with ClientHellos on every TLS connection; NAMES_BENCH_RUNS=0 skips it.
if [ "${NAMES_BENCH_RUNS:-3}" != 0 ]; then
  echo
  BUILD_DIR=$BUILD_DIR "$here/bench/hunt/names.sh"
fi
