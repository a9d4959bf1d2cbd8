#!/usr/bin/env bash
# Installs the Debian packages listed in deps/packages.txt that are not installed yet.
# Run as root (CI and the dev machines are); falls back to sudo when available.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
list="$here/deps/packages.txt"
missing=()
while read -r pkg; do
  pkg=${pkg%%#*}; pkg=${pkg//[[:space:]]/}
  [ -n "$pkg" ] || continue
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done < "$list"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "deps: all Debian packages present"
fi
# Browser-test driver for the dashboard (npm registry). Installed into tests/fleet/browser.
if [ -f "$here/tests/fleet/browser/package.json" ] && [ ! -d "$here/tests/fleet/browser/node_modules/playwright-core" ]; then
  echo "deps: npm install (tests/fleet/browser)"
  (cd "$here/tests/fleet/browser" && npm install --no-audit --no-fund --silent)
fi
