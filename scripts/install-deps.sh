#!/usr/bin/env bash
# Installs the Debian packages of the named lists (deps/<list>.txt) that are not installed yet.
# Usage: install-deps.sh [LIST...]   lists: build test bench fuzz package (default: build)
#   make demo -> build   make test -> build package test   make bench -> build bench
#   make fuzz -> build fuzz   make package -> build package
# `test` also installs the dashboard's browser-test driver from the npm registry.
# Run as root (CI and the dev machines are); falls back to sudo when available.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lists=("$@")
[ ${#lists[@]} -gt 0 ] || lists=(build)
missing=()
for name in "${lists[@]}"; do
  list="$here/deps/$name.txt"
  [ -f "$list" ] || { echo "deps: no list $list" >&2; exit 2; }
  while read -r pkg; do
    pkg=${pkg%%#*}; pkg=${pkg//[[:space:]]/}
    [ -n "$pkg" ] || continue
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$pkg")
  done <"$list"
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps (${lists[*]}): installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "deps (${lists[*]}): all Debian packages present"
fi
case " ${lists[*]} " in *" test "*) ;; *) exit 0 ;; esac
# Browser-test driver for the dashboard (npm registry). Installed into tests/fleet/browser, exactly
# as package-lock.json pins it (`npm ci`); again whenever the lockfile is newer than the install.
browser="$here/tests/fleet/browser"
if [ -f "$browser/package.json" ]; then
  installed="$browser/node_modules/.package-lock.json"
  if [ ! -d "$browser/node_modules/playwright-core" ] || { [ -f "$browser/package-lock.json" ] && [ "$browser/package-lock.json" -nt "$installed" ]; }; then
    if [ -f "$browser/package-lock.json" ]; then
      echo "deps: npm ci (tests/fleet/browser)"
      (cd "$browser" && npm ci --no-audit --no-fund --silent)
    else
      echo "deps: npm install (tests/fleet/browser)"
      (cd "$browser" && npm install --no-audit --no-fund --silent)
    fi
  fi
fi
