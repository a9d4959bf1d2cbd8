#!/usr/bin/env bash
# The browser test over the real `supplyguard serve`: generate a small fleet (two models, model A
# implanted), hunt its capture, ingest with the inventory into a fresh SQLite store, then drive
# the dashboard in headless Chromium and check it against the generator's ground truth.
# Usage: run-store.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
sg="$build/tools/supplyguard/supplyguard"
gen="$build/tools/supplyguard-gen/supplyguard-gen"
rm -rf "$out" && mkdir -p "$out"
"$gen" fleet --seed 5 --hosts 24 -o "$out/fleet"
"$sg" hunt -r "$out/fleet/traffic.pcap" --mgmt-net 10.99.0.0/16 > "$out/hunt.jsonl"
rm -f "$out/fleet/traffic.pcap"
"$sg" fleet ingest "$out/hunt.jsonl" --inventory "$out/fleet/inventory.csv" --db "sqlite:$out/fleet.db" \
  --spool "$out/spool.jsonl"
exec node "$here/dashboard.test.mjs" --supplyguard "$sg" --db "sqlite:$out/fleet.db" \
  --truth "$out/fleet/truth.json" --out "$out"
