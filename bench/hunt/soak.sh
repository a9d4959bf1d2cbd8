#!/usr/bin/env bash
# Sensor soak (issue 14): a generated week of traffic fed to `supplyguard hunt -r DAY.pcap --state
# DIR` one day at a time, the way a nightly job (or a restarted sensor) continues from the last
# state. Per day: peak RSS (it must stay flat: the state is bounded and ages out), state file size,
# state load + save time, and the slow beacon (one callback an hour, fixed in absolute time across
# the daily captures) with the number of callbacks the detector has for it: it grows day by day
# only because the state carries the earlier days.
#
#   BUILD_DIR=build-bench bench/hunt/soak.sh
#   HUNT_SOAK_DAYS=7 HUNT_SOAK_HOSTS=40      days and internal hosts (each day is a fresh capture)
#   HUNT_SOAK_MAX_AGE=2d                     --state-max-age: the state grows for this long, then
#                                            stays flat (old evidence ages out as new comes in)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
SG=$BUILD_DIR/tools/supplyguard/supplyguard
GEN=$BUILD_DIR/tools/supplyguard-gen/supplyguard-gen
DAYS=${HUNT_SOAK_DAYS:-7}
HOSTS=${HUNT_SOAK_HOSTS:-40}
MAX_AGE=${HUNT_SOAK_MAX_AGE:-2d}
for b in "$SG" "$GEN"; do [ -x "$b" ] || { echo "missing $b (build first: make bench)" >&2; exit 2; }; done
work=$(mktemp -d /tmp/sg-hunt-soak-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "soak: $DAYS days x $HOSTS hosts, one capture per day, --state carried over, --state-max-age $MAX_AGE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-11s %9s %9s %8s %10s %9s %s\n' day date "MB pcap" "packets" "RSS MB" "state kB" "run s" "slow beacon (203.0.113.201, 1/h)"
for d in $(seq 0 $((DAYS - 1))); do
  date=$(date -u -d "2026-11-02 + $d days" +%Y-%m-%d)
  cap=$work/day$d.pcap
  "$GEN" traffic --seed $((d + 1)) --hosts "$HOSTS" --hours 24 --start "${date}T00:00:00Z" --slow-beacon 3600 \
    -o "$cap" --truth "$work/truth.json" 2>/dev/null
  packets=$(grep -o '"packets": *[0-9]*' "$work/truth.json" | grep -o '[0-9]*$')
  mb=$(awk -v b="$(stat -c %s "$cap")" 'BEGIN { printf "%.0f", b / 1e6 }')
  s=$(date +%s.%N)
  "$SG" hunt -r "$cap" --mgmt-net 10.99.0.0/16 --state "$work/state" --state-max-age "$MAX_AGE" --stats >"$work/out.jsonl" 2>"$work/err.txt"
  e=$(date +%s.%N)
  rss=$(grep -o 'peak RSS [0-9]*' "$work/err.txt" | grep -o '[0-9]*$')
  kb=$(( $(stat -c %s "$work/state/hunt.state") / 1024 ))
  beacon=$(grep '"type":"beacon"' "$work/out.jsonl" | grep '"dst":"203.0.113.201"' | head -1 || true)
  if [ -n "$beacon" ]; then
    what="found: $(echo "$beacon" | grep -o '"severity":"[a-z]*"' | cut -d'"' -f4), $(echo "$beacon" | grep -o '"callbacks":[0-9]*' | cut -d: -f2) callbacks, period $(echo "$beacon" | grep -o '"period_s":[0-9.]*' | cut -d: -f2) s"
  else
    what="NOT FOUND"
  fi
  printf '%-4s %-11s %9s %9s %8s %10s %9.1f %s\n' "$((d + 1))" "$date" "$mb" "$packets" "$rss" "$kb" \
    "$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')" "$what"
  rm -f "$cap"
done
