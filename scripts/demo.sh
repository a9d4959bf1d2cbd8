#!/usr/bin/env bash
# Runs each plane's demo (demo/<plane>.sh) in the order a fleet operator would meet them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-build}
export SG="$here/$BUILD/tools/supplyguard/supplyguard"
export SG_GEN="$here/$BUILD/tools/supplyguard-gen/supplyguard-gen"
export DEMO_OUT="$here/demo-out"
mkdir -p "$DEMO_OUT"
ran=0
for plane in hunt attest inspect fleet; do
  script="$here/demo/$plane.sh"
  [ -x "$script" ] || continue
  echo "==================== demo: $plane ===================="
  "$script"
  ran=1
done
if [ "$ran" = 0 ]; then
  "$SG" version
fi
