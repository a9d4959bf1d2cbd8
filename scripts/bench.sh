#!/usr/bin/env bash
# Runs every benchmark script bench/<plane>/run.sh against the release build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-build-bench}
export BUILD_DIR="$here/$BUILD"
for script in "$here"/bench/*/run.sh; do
  [ -x "$script" ] || continue
  echo "==================== bench: $(basename "$(dirname "$script")") ===================="
  "$script"
done
