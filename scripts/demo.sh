#!/usr/bin/env bash
# Runs each plane's demo (demo/<plane>.sh) in the order a fleet operator would meet them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# BUILD: the build directory, relative to the checkout or absolute (the CTest `demo` test passes
# the build under test); DEMO_OUT: where the demo writes its files.
export BUILD=${BUILD:-build}
case "$BUILD" in /*) bin="$BUILD" ;; *) bin="$here/$BUILD" ;; esac
export SG="$bin/tools/supplyguard/supplyguard"
export SG_GEN="$bin/tools/supplyguard-gen/supplyguard-gen"
export DEMO_OUT=${DEMO_OUT:-"$here/demo-out"}
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
