#!/usr/bin/env bash
# Writes man pages for supplyguard and every subcommand (git style: supplyguard-hunt(1),
# supplyguard-baseline-keygen(1), ...) from their --help, with help2man, gzipped as Debian wants.
# The subcommands are read from the help text itself, so a new one gets its page with no edit here.
# Usage: gen-man.sh <supplyguard executable> <version> <output dir>
set -euo pipefail
sg=$1
version=$2
out=$3
rm -rf "$out" && mkdir -p "$out/bin"

# Subcommand names listed under "Subcommands:" in a --help text.
subcommands() { sed -n '/^Subcommands:/,/^$/p' | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p'; }

# page NAME WORDS...: the page for `supplyguard WORDS...`, via a wrapper named NAME so that help2man
# titles it NAME(1); then the same for each of its own subcommands.
page() {
  local name=$1
  shift
  local wrapper="$out/bin/$name"
  printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$sg" "$*" >"$wrapper"
  chmod +x "$wrapper"
  local help summary
  help=$("$wrapper" --help)
  summary=$(printf '%s\n' "$help" | sed -n '1{s/^supplyguard: //;s/\.$//;p}')
  if [ $# -gt 0 ]; then  # the one-line summary its parent's help gives it
    summary=$("$sg" "${@:1:$#-1}" --help | sed -n "/^Subcommands:/,/^$/s/^  ${!#}  *//p")
    summary=${summary%%$'\n'*}
  fi
  help2man --no-info --no-discard-stderr --version-string="$version" --section=1 \
    --source="supplyguard $version" --manual="supplyguard manual" \
    --name="${summary:-supplyguard $*}" --output="$out/$name.1" "$wrapper"
  gzip -9n -f "$out/$name.1"
  local sub
  for sub in $(printf '%s\n' "$help" | subcommands); do
    page "$name-$sub" "$@" "$sub"
  done
}
page supplyguard
rm -rf "$out/bin"
ls "$out" >"$out/../man.list"
