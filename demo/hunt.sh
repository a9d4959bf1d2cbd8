#!/usr/bin/env bash
# hunt demo: generate a 2-hour capture of 20 servers (web, DNS, NTP, updates, SSH, backups)
# with planted implant traffic, then hunt it. The BMC calling out and the beacons come first.
set -euo pipefail
: "${SG:?set by scripts/demo.sh}" "${SG_GEN:?}" "${DEMO_OUT:?}"
out="$DEMO_OUT/hunt"
mkdir -p "$out"
echo "\$ supplyguard-gen traffic --seed 7 --hosts 20 --hours 2 -o $out/capture.pcap --truth $out/truth.json"
"$SG_GEN" traffic --seed 7 --hosts 20 --hours 2 -o "$out/capture.pcap" --truth "$out/truth.json"
echo
echo "\$ supplyguard hunt -r capture.pcap --mgmt-net 10.99.0.0/16 --format table"
rc=0
"$SG" hunt -r "$out/capture.pcap" --mgmt-net 10.99.0.0/16 --format table --stats || rc=$?
echo
echo "\$ supplyguard hunt -r capture.pcap --mgmt-net 10.99.0.0/16 --fail-on high | head -n 1   # JSON lines for a SIEM"
"$SG" hunt -r "$out/capture.pcap" --mgmt-net 10.99.0.0/16 --fail-on high > "$out/findings.jsonl" || rc=$?
head -n 1 "$out/findings.jsonl"
echo "(exit code $rc: a finding reached --fail-on high)"
echo
echo "planted (ground truth, $out/truth.json):"
grep -o '"type": "[a-z_]*"\|"src": "[0-9.]*"' "$out/truth.json" | paste - - | sed 's/"//g; s/^/  /'
[ "$rc" = 3 ]
