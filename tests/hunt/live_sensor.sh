#!/usr/bin/env bash
# The live sensor end to end (issue 14), in a network namespace this test creates and deletes:
# `supplyguard hunt -i lo` with --report-every 1, --state and --db, while live_traffic makes real
# connections between 127.x addresses it binds itself (nothing leaves the namespace):
#   - a quiet link: --duration 3 with no traffic ends in about 3 s (it used to hang forever);
#   - live reports: the BMC callout (mgmt_egress) is written while the sensor still runs;
#   - the beacon (every 2.5 s) starts before a restart and ends after it: 7 callbacks before (too
#     few to score), the rest after; the restarted sensor, with the same --state, reports it;
#   - SIGTERM: a last report, the checkpoint, exit 0; with --fail-on high, exit 3;
#   - --db: the findings reached the fleet store (SQLite).
# Address plan: --internal-net 127.1.0.0/16 (hosts), --mgmt-net 127.99.0.0/16 (BMCs); every other
# 127.x address counts as external. Loopback is not among the not-a-destination rules (those are
# multicast, broadcast, link-local, unspecified), so 127.9.9.9 is a destination like any other.
#
#   live_sensor.sh SUPPLYGUARD LIVE_TRAFFIC        exit 0 pass, 77 skip (CTest SKIP_RETURN_CODE)
set -u
SG=$1
TRAFFIC=$2

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

[ "$(id -u)" = 0 ] || skip "network namespaces need root (CAP_SYS_ADMIN); run as root or in CI"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"
ns=sg-test-$$
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace here (ip netns add refused: no permission or no netns support)"
work=$(mktemp -d /tmp/sg-live-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# Background processes are started with `ip netns exec` directly (it execs the command), so $! is
# the sensor itself and the test's SIGTERM reaches it.
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up || skip "cannot bring up lo in the namespace"
# Every 127.x address is on lo already (127.0.0.0/8 is a local route): nothing to add.

now() { date +%s.%N; }
wait_for() {  # wait_for FILE PATTERN SECONDS
  local i
  for i in $(seq 1 $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# 1. A quiet link ends on time.
t0=$(now)
timeout 20 ip netns exec "$ns" "$SG" hunt -i lo --duration 3 --stats >"$work/quiet.out" 2>"$work/quiet.err"
rc=$?
t1=$(now)
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
[ $rc = 0 ] || fail "quiet link: exit $rc (124 = still running after 20 s: the hang is back)"
awk -v e="$elapsed" 'BEGIN { exit !(e < 6) }' || fail "quiet link: --duration 3 took $elapsed s"
grep -q "pcap: 0 received" "$work/quiet.err" || fail "quiet link: no libpcap counters in --stats"
echo "quiet link: --duration 3 ended after $elapsed s"

# 2. The sensor, its traffic, a restart halfway.
sensor=("$SG" hunt -i lo --internal-net 127.1.0.0/16 --mgmt-net 127.99.0.0/16 --report-every 1
        --state "$work/state" --db "sqlite:$work/fleet.db" --spool "$work/spool.jsonl" --stats)
ip netns exec "$ns" "${sensor[@]}" >"$work/run1.out" 2>"$work/run1.err" &
s1=$!
pids+=($s1)
wait_for "$work/run1.err" "report 1:" 10 || fail "run 1: no periodic report within 10 s"
ip netns exec "$ns" "$TRAFFIC" 14 2.5 >"$work/traffic.out" 2>"$work/traffic.err" &
tr=$!
pids+=($tr)
wait_for "$work/traffic.out" "call 7" 40 || fail "traffic: no 7th call"
# Live: the BMC callout was reported while the sensor runs (it has not been told to stop).
wait_for "$work/run1.out" '"type":"mgmt_egress"' 5 || fail "run 1: the BMC callout was not reported live"
kill -0 $s1 || fail "run 1 ended by itself"
kill -TERM $s1
wait $s1
rc=$?
[ $rc = 0 ] || fail "run 1: SIGTERM gave exit $rc, not 0"
grep -q "final report" "$work/run1.err" || fail "run 1: no final report on SIGTERM"
grep -q '"type":"beacon"' "$work/run1.out" && fail "run 1: beacon scored from 7 callbacks (the restart test would prove nothing)"
[ -s "$work/state/hunt.state" ] || fail "run 1: no state file"

restart=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
ip netns exec "$ns" "${sensor[@]}" >"$work/run2.out" 2>"$work/run2.err" &
s2=$!
pids+=($s2)
wait $tr || fail "traffic program failed: $(cat "$work/traffic.err")"
sleep 1.5
kill -TERM $s2
wait $s2
rc=$?
[ $rc = 0 ] || fail "run 2: SIGTERM gave exit $rc"
grep -q "state: loaded" "$work/run2.err" || fail "run 2: state not loaded"
grep '"type":"beacon"' "$work/run2.out" | grep -q '"src":"127.1.0.5"' ||
  fail "run 2: the beacon spanning the restart was not found"
# Run 2 writes the beacon when it first scores (live, mid-run) and not again unless it gets worse:
# proof that the restart carried the series is a first_seen before run 2 started and more
# callbacks than the 7 run 2 could see by itself.
line=$(grep '"type":"beacon"' "$work/run2.out" | head -1)
callbacks=$(echo "$line" | grep -o '"callbacks":[0-9]*' | cut -d: -f2)
first=$(echo "$line" | grep -o '"first_seen":"[^"]*"' | cut -d'"' -f4)
[ "${callbacks:-0}" -ge 8 ] || fail "run 2: beacon with ${callbacks:-0} callbacks"
[[ "$first" < "$restart" ]] || fail "run 2: beacon first seen $first, not before the restart at $restart"
grep -q '"type":"mgmt_egress"' "$work/run2.out" && fail "run 2: repeated the mgmt_egress already reported before the restart"
grep -Eq "pcap: [0-9]+ received, [0-9]+ dropped" "$work/run2.err" || fail "run 2: no libpcap counters in the report lines"
echo "restart at $restart: beacon first seen $first, reported with $callbacks callbacks"

# 3. --db: both runs' findings are in the fleet store.
"$SG" fleet report --db "sqlite:$work/fleet.db" -o "$work/report.html" >"$work/fleet.out" 2>"$work/fleet.err" ||
  fail "fleet report over the --db store failed"
grep -q "beacon" "$work/report.html" || fail "--db: beacon not in the fleet store"
grep -q "mgmt_egress" "$work/report.html" || fail "--db: mgmt_egress not in the fleet store"

# 4. --fail-on: SIGTERM after a high finding exits 3 (a fresh state: the beacon is news again).
ip netns exec "$ns" "$SG" --fail-on medium hunt -i lo --internal-net 127.1.0.0/16 --mgmt-net 127.99.0.0/16 --report-every 1 \
  --state "$work/state3" >"$work/run3.out" 2>"$work/run3.err" &
s3=$!
pids+=($s3)
wait_for "$work/run3.err" "report 1:" 10 || fail "run 3: no periodic report"
in_ns "$TRAFFIC" 3 0.5 >/dev/null 2>&1
sleep 1.5
kill -TERM $s3
wait $s3
rc=$?
[ $rc = 3 ] || fail "run 3: --fail-on medium with a mgmt_egress finding gave exit $rc, not 3"
echo "PASS"
