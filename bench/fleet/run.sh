#!/usr/bin/env bash
# Fleet store benchmark against the release build, on SQLite and on a throwaway PostgreSQL
# cluster (scripts/pg-test-cluster.sh): ingest FINDINGS findings for HOSTS hosts, then a batch of
# 10 000 more and the verdicts after it, then `supplyguard serve` under READERS concurrent readers
# (p50/p95 of the dashboard page, /api/hosts, a host page, a host's findings; serve's peak RSS).
#   BUILD_DIR=build-bench bench/fleet/run.sh            defaults: 10^6 findings, 10^4 hosts, REPS=1
#   FINDINGS=200000 HOSTS=2000 BACKENDS=sqlite bench/fleet/run.sh      a quick look
#   FINDINGS=10000000 HOSTS=100000 BACKENDS=postgresql ...             the 10^7 run (~35 min here)
# The machine is shared: the script prints the load average and a reference (`gzip -1` of 100 MB
# of the generated findings' size) so figures can be read as ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
bin="$BUILD_DIR/bench/fleet/bench_fleet_store"
sg="$BUILD_DIR/tools/supplyguard/supplyguard"
[ -x "$bin" ] || { echo "missing $bin: build the bench_fleet_store target" >&2; exit 2; }
[ -x "$sg" ] || { echo "missing $sg: build the supplyguard target" >&2; exit 2; }
FINDINGS=${FINDINGS:-1000000} HOSTS=${HOSTS:-10000} READERS=${READERS:-20}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
ref_start=$(date +%s.%N)
head -c 100000000 /dev/urandom | base64 -w 100 | gzip -1 > /dev/null
echo "reference: gzip -1 of 135 MB of base64 text: $(echo "$(date +%s.%N) - $ref_start" | bc) s"
for backend in ${BACKENDS:-sqlite postgresql}; do
  for i in $(seq 1 "${REPS:-1}"); do
    echo "--- $backend, run $i"
    if [ "$backend" = sqlite ]; then
      "$bin" --findings "$FINDINGS" --hosts "$HOSTS" --serve "$sg" --readers "$READERS"
    else
      state=$(mktemp -d /tmp/sg-bench-pg-XXXXXX)
      "$here/scripts/pg-test-cluster.sh" start "$state" >/dev/null
      if [ -f "$state/absent" ]; then echo "PostgreSQL absent: $(cat "$state/absent")"; rm -rf "$state"; continue; fi
      url=$(cat "$state/url")
      psql "$url" -qc "CREATE DATABASE sg_bench" >/dev/null
      "$bin" --findings "$FINDINGS" --hosts "$HOSTS" --serve "$sg" --readers "$READERS" \
        --db "${url%/*}/sg_bench" || true
      "$here/scripts/pg-test-cluster.sh" stop "$state" >/dev/null
    fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
