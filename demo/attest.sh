#!/usr/bin/env bash
# attest demo: six servers of one model, one of them with a device added on the BMC's I2C bus and
# an "infected" IPMI driver (the two things the reports describe). Snapshot each host tree, sign
# a golden baseline from a known-good host, verify the fleet, then the same without a golden
# (consensus), then show that a tampered baseline is refused.
set -euo pipefail
: "${SG:?set by scripts/demo.sh}" "${SG_GEN:?}" "${DEMO_OUT:?}"
out="$DEMO_OUT/attest"
rm -rf "$out"
mkdir -p "$out/trees" "$out/snaps"
for i in 1 2 3 4 5 6; do
  plants=()
  [ "$i" = 4 ] && plants=(--plant extra_i2c --plant module_changed)
  "$SG_GEN" host --seed "$i" --model A --hostname "web-0$i" --address "10.0.1.1$i" "${plants[@]}" \
    -o "$out/trees/web-0$i" 2>/dev/null
  "$SG" snapshot --root "$out/trees/web-0$i" -o "$out/snaps/web-0$i.json" 2>>"$out/snapshot.log"
done
"$SG_GEN" host --seed 100 --model A --hostname golden --address 10.0.9.1 -o "$out/trees/golden" 2>/dev/null
echo "\$ supplyguard snapshot --root trees/golden -o golden-host.json"
"$SG" snapshot --root "$out/trees/golden" -o "$out/golden-host.json" 2>&1
echo
echo "\$ supplyguard baseline keygen -o golden.key"
"$SG" baseline keygen -o "$out/golden.key" 2>&1
echo "\$ supplyguard baseline create golden-host.json -o golden.json --key golden.key"
"$SG" baseline create "$out/golden-host.json" -o "$out/golden.json" --key "$out/golden.key" 2>&1
echo
echo "\$ supplyguard --format table verify snaps/ --baseline golden.json --pubkey golden.key.pub --fail-on high"
rc=0
"$SG" --format table verify "$out/snaps" --baseline "$out/golden.json" --pubkey "$out/golden.key.pub" --fail-on high || rc=$?
echo "(exit code $rc: a finding reached --fail-on high)"
echo
echo "\$ supplyguard --format table verify --consensus snaps/     # no golden: each host against its model's majority"
"$SG" --format table verify --consensus "$out/snaps"
echo
echo "\$ (edit golden.json to bless the changed ipmi_si) && supplyguard verify snaps/web-04.json --baseline golden.json --pubkey golden.key.pub"
sed 's/"sha256": "[0-9a-f]*"/"sha256": ""/' "$out/golden.json" > "$out/golden-tampered.json"
trc=0
"$SG" verify "$out/snaps/web-04.json" --baseline "$out/golden-tampered.json" --pubkey "$out/golden.key.pub" 2>&1 || trc=$?
echo "(exit code $trc: refused)"
[ "$rc" = 3 ] && [ "$trc" = 2 ]
