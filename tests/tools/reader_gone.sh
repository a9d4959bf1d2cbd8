#!/usr/bin/env bash
# `supplyguard ... | head -n 1` must end like grep does: nothing on stderr, no half-written state,
# and (our documented choice, docs/install.md) exit status 0 -- or 3 when a finding already written
# reached --fail-on -- rather than death by SIGPIPE (141), which fails every `set -o pipefail` script.
#
# The reader here is `true`, started before supplyguard and gone by the time it writes (the writer
# is delayed), so the write always meets a closed pipe: `| head -n 1` is a race that a small output
# can win by fitting the pipe buffer, this is not.
# Usage: reader_gone.sh <source dir> <build dir> <scratch dir>
set -euo pipefail
src=$1
bin=$2
work=$3
SG="$bin/tools/supplyguard/supplyguard"
GEN="$bin/tools/supplyguard-gen/supplyguard-gen"
rm -rf "$work" && mkdir -p "$work"
fails=0

# check NAME EXPECTED_STATUS -- COMMAND...: runs COMMAND with its stdout into a pipe whose reader
# has already exited; its exit status must be EXPECTED_STATUS and its stderr empty -- but for lines
# matching SG_STDERR_OK (a subcommand's normal report, e.g. ingest's summary), when set.
check() {
  local name=$1 want=$2
  shift 3
  local st
  set +o pipefail
  (sleep 0.3; exec "$@") 2>"$work/stderr" | true
  st=${PIPESTATUS[0]}
  set -o pipefail
  if [ -n "${SG_STDERR_OK:-}" ]; then
    grep -v -E "$SG_STDERR_OK" "$work/stderr" >"$work/stderr.rest" || true
    mv "$work/stderr.rest" "$work/stderr"
  fi
  if [ "$st" != "$want" ] || [ -s "$work/stderr" ]; then
    echo "FAIL $name: exit $st (want $want), stderr: $(head -c 300 "$work/stderr")"
    fails=$((fails + 1))
  else
    echo "ok   $name: exit $st, stderr empty"
  fi
}

# The project's own scripts: no pipeline into a reader that may stop early (head, grep -q/-m,
# sed q) outside an echoed example -- write to a file, then cut it (demo/fleet.sh).
if grep -nE '\|[[:space:]]*(head|grep[[:space:]]+-[a-zA-Z]*[qm]|sed[[:space:]].*q)' "$src"/demo/*.sh "$src"/scripts/*.sh |
  grep -vE ':[[:space:]]*(echo|#)'; then
  echo "FAIL: the pipelines above can fail under pipefail when the reader stops early"
  fails=$((fails + 1))
else
  echo "ok   demo/ and scripts/: no pipeline into an early-exiting reader"
fi

"$GEN" traffic --seed 7 --hosts 20 --hours 1 -o "$work/capture.pcap" --truth "$work/truth.json" 2>/dev/null
"$GEN" fleet --seed 3 --hosts 12 --hours 0.2 -o "$work/fleet" 2>/dev/null
"$GEN" board --seed 7 --width 800 --height 600 -o "$work/golden.png" 2>/dev/null
"$GEN" board --seed 7 --width 800 --height 600 --variant-seed 1 --plant extra -o "$work/board.png" 2>/dev/null
mkdir -p "$work/snapshots"
for h in "$work"/fleet/hosts/*; do "$SG" snapshot --root "$h" -o "$work/snapshots/$(basename "$h").json" 2>/dev/null; done
db="sqlite:$work/fleet.db"

check "version" 0 -- "$SG" version
check "--help" 0 -- "$SG" --help
check "hunt" 0 -- "$SG" hunt -r "$work/capture.pcap" --mgmt-net 10.99.0.0/16
check "hunt --fail-on high" 3 -- "$SG" hunt -r "$work/capture.pcap" --mgmt-net 10.99.0.0/16 --fail-on high
check "hunt --format table" 0 -- "$SG" hunt -r "$work/capture.pcap" --mgmt-net 10.99.0.0/16 --format table
check "verify --consensus" 0 -- "$SG" verify --consensus "$work/snapshots"
check "inspect (exec'd supplyguard-inspect)" 0 -- "$SG" inspect --golden "$work/golden.png" --board "$work/board.png"

# State: an ingest whose reader is gone still leaves a whole store (it reports after committing),
# and a second ingest of the same files adds nothing.
"$SG" hunt -r "$work/fleet/traffic.pcap" --mgmt-net 10.99.0.0/16 >"$work/hunt.jsonl"
SG_STDERR_OK='^ingested [0-9]+ file' check "fleet ingest" 0 -- "$SG" fleet ingest "$work/hunt.jsonl" "$work"/snapshots/*.json --inventory "$work/fleet/inventory.csv" --db "$db"
hosts=$("$SG" fleet verdict --db "$db" | wc -l)
if [ "$hosts" != 12 ]; then
  echo "FAIL fleet ingest left $hosts verdict lines, want 12"; fails=$((fails + 1))
fi
again=$("$SG" fleet ingest "$work/hunt.jsonl" --db "$db" 2>&1)
case "$again" in *" 0 findings added"*) echo "ok   store whole: $again" ;;
  *) echo "FAIL second ingest: $again"; fails=$((fails + 1)) ;; esac
check "fleet verdict" 0 -- "$SG" fleet verdict --db "$db"
check "fleet verdict --format table" 0 -- "$SG" fleet verdict --db "$db" --format table

# Bad input is still an error when the reader is gone: said on stderr, exit 2 (not masked as a
# quiet stop).
check_bad() {
  local st
  set +o pipefail
  (sleep 0.3; exec "$@") 2>"$work/stderr" | true
  st=${PIPESTATUS[0]}
  set -o pipefail
  if [ "$st" = 2 ] && grep -q "truth.json" "$work/stderr"; then
    echo "ok   bad input, reader gone: exit 2, $(cat "$work/stderr")"
  else
    echo "FAIL bad input, reader gone: exit $st, stderr: $(cat "$work/stderr")"; fails=$((fails + 1))
  fi
}
check_bad "$SG" verify --consensus "$work/snapshots" "$work/fleet/truth.json"

# A write that fails for any other reason is still an error, named on stderr, exit 2.
st=0
"$SG" version >/dev/full 2>"$work/stderr" || st=$?
if [ "$st" = 2 ] && grep -q "cannot write standard output" "$work/stderr"; then
  echo "ok   >/dev/full: exit 2, $(cat "$work/stderr")"
else
  echo "FAIL >/dev/full: exit $st, stderr: $(cat "$work/stderr")"; fails=$((fails + 1))
fi

# And the real thing, many times: `| head -n 1` under pipefail.
for i in $(seq 1 20); do
  set -o pipefail
  first=$("$SG" fleet verdict --db "$db" 2>"$work/stderr" | head -n 1) || {
    echo "FAIL run $i: fleet verdict | head -n 1 failed under pipefail"; fails=$((fails + 1)); break; }
  [ -s "$work/stderr" ] && { echo "FAIL run $i: stderr $(cat "$work/stderr")"; fails=$((fails + 1)); break; }
  case "$first" in '{"host":'*) ;; *) echo "FAIL run $i: first line $first"; fails=$((fails + 1)); break ;; esac
done
echo "ok   20 x fleet verdict | head -n 1 under pipefail"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
