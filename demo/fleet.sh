#!/usr/bin/env bash
# fleet demo: 60 servers of two models; model A carries an implant on many boards (an extra
# device on the BMC's I2C bus, and the BMC beacons to one C2). Collect evidence from every plane,
# ingest it with the CMDB inventory, and get one verdict per host plus the fleet correlations.
set -euo pipefail
: "${SG:?set by scripts/demo.sh}" "${SG_GEN:?}" "${DEMO_OUT:?}"
out="$DEMO_OUT/fleet"
rm -rf "$out"
mkdir -p "$out/snapshots"
db="sqlite:$out/fleet.db"
echo "\$ supplyguard-gen fleet --seed 7 --hosts 60 -o $out"
"$SG_GEN" fleet --seed 7 --hosts 60 -o "$out"
echo
echo "\$ supplyguard hunt -r traffic.pcap --mgmt-net 10.99.0.0/16 > hunt.jsonl"
"$SG" hunt -r "$out/traffic.pcap" --mgmt-net 10.99.0.0/16 > "$out/hunt.jsonl"
echo "\$ for h in hosts/*; do supplyguard snapshot --root \$h -o snapshots/\$h.json; done"
for h in "$out"/hosts/*; do "$SG" snapshot --root "$h" -o "$out/snapshots/$(basename "$h").json" 2>/dev/null; done
echo "\$ supplyguard verify --consensus snapshots/ > attest.jsonl"
"$SG" verify --consensus "$out/snapshots" > "$out/attest.jsonl"
echo
echo "\$ supplyguard fleet ingest hunt.jsonl attest.jsonl snapshots/*.json --inventory inventory.csv --db $db"
"$SG" fleet ingest "$out/hunt.jsonl" "$out/attest.jsonl" "$out"/snapshots/*.json --inventory "$out/inventory.csv" --db "$db"
echo "\$ (again: idempotent)"
"$SG" fleet ingest "$out/hunt.jsonl" "$out/attest.jsonl" --db "$db"
echo
echo "\$ supplyguard fleet correlate --db $db --format table"
"$SG" fleet correlate --db "$db" --format table
echo
# Written to files first, then cut: under pipefail a `| head` that stops reading early kills the
# writer with SIGPIPE and fails the demo on some runs (a race).
echo "\$ supplyguard fleet verdict --db $db --format table | head -n 16"
"$SG" fleet verdict --db "$db" --format table > "$out/verdict.txt"
sed -n 1,16p "$out/verdict.txt"
echo "\$ supplyguard fleet verdict --db $db | head -n 1"
"$SG" fleet verdict --db "$db" > "$out/verdict.jsonl"
sed -n 1p "$out/verdict.jsonl"
echo
rc=0
"$SG" fleet verdict --db "$db" --fail-on-verdict compromised > /dev/null || rc=$?
echo "fleet verdict --fail-on-verdict compromised: exit $rc"
echo "planted on (truth.json): $(tr -d '\n ' < "$out/truth.json" | grep -o '"implanted":\[[^]]*\]')"
rm -f "$out/traffic.pcap"
rm -rf "$out/hosts"
[ "$rc" = 3 ]
