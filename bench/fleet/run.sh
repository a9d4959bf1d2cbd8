#!/usr/bin/env bash
# Fleet store benchmark against the release build: ingest 1 000 000 findings into SQLite and
# verdicts for 10 000 hosts, REPS times (default 3; the machine is noisy, read the median).
#   BUILD_DIR=build-bench bench/fleet/run.sh        FINDINGS=200000 HOSTS=2000 for a quick look
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$here/build-bench}
bin="$BUILD_DIR/bench/fleet/bench_fleet_store"
[ -x "$bin" ] || { echo "missing $bin: build the bench_fleet_store target" >&2; exit 2; }
for i in $(seq 1 "${REPS:-3}"); do
  echo "--- run $i"
  "$bin" --findings "${FINDINGS:-1000000}" --hosts "${HOSTS:-10000}"
done
