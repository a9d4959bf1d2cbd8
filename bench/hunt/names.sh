#!/usr/bin/env bash
# What naming flows from their first bytes (TLS ClientHello -> SNI/JA4, HTTP Host/User-Agent, DNS
# over TCP) costs: one generated capture with ClientHellos on every TLS connection (--tls-names),
# timed with `cat`, `supplyguard hunt --no-names` and `supplyguard hunt` in the same run; medians
# and ratios, plus the peak RSS of each hunt run from its --stats line.
#
#   BUILD_DIR=build bench/hunt/names.sh
#   NAMES_BENCH_HOSTS=200 NAMES_BENCH_HOURS=1 NAMES_BENCH_RUNS=3
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
SG=$BUILD_DIR/tools/supplyguard/supplyguard
GEN=$BUILD_DIR/tools/supplyguard-gen/supplyguard-gen
HOSTS=${NAMES_BENCH_HOSTS:-200}
HOURS=${NAMES_BENCH_HOURS:-1}
RUNS=${NAMES_BENCH_RUNS:-3}
for b in "$SG" "$GEN"; do [ -x "$b" ] || { echo "missing $b (build first)" >&2; exit 2; }; done
work=$(mktemp -d /tmp/sg-names-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
F=$work/names.pcap
"$GEN" traffic --seed 3 --hosts "$HOSTS" --hours "$HOURS" --tls-names -o "$F" --truth "$work/truth.json" >/dev/null
bytes=$(stat -c %s "$F")
echo "capture: $F, $bytes bytes; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_it() {  # prints seconds of one run of "$@"
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/stderr"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
declare -A med
for tool in cat no_names names; do
  for _ in $(seq "$RUNS"); do
    case $tool in
      cat) time_it cat "$F" ;;
      no_names) time_it "$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16 --no-names --stats ;;
      names) time_it "$SG" hunt -r "$F" --mgmt-net 10.99.0.0/16 --stats ;;
    esac
  done | median > "$work/$tool.med"
  med[$tool]=$(cat "$work/$tool.med")
  [ "$tool" = cat ] || echo "$tool: $(grep -o 'peak RSS [0-9]* MB' "$work/stderr")$(grep -o 'names: [0-9]* TLS ClientHellos ([0-9]* over 2+ segments' "$work/stderr" | sed 's/^/, /')"
done
printf 'median s: cat %.3f, hunt --no-names %.3f, hunt %.3f; naming costs %.1f %% (hunt / hunt --no-names = %.3f)\n' \
  "${med[cat]}" "${med[no_names]}" "${med[names]}" "$(echo "(${med[names]} / ${med[no_names]} - 1) * 100" | bc -l)" \
  "$(echo "${med[names]} / ${med[no_names]}" | bc -l)"
printf 'throughput: hunt %.0f MB/s, hunt --no-names %.0f MB/s, cat %.0f MB/s\n' \
  "$(echo "$bytes / ${med[names]} / 1000000" | bc -l)" "$(echo "$bytes / ${med[no_names]} / 1000000" | bc -l)" \
  "$(echo "$bytes / ${med[cat]} / 1000000" | bc -l)"
