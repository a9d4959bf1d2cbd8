#!/usr/bin/env bash
# The Debian package a fleet installs, checked as a fleet would use it: build it with CPack from the
# build under test, unpack it into a scratch root (dpkg -x), run the CLI and read a man page from
# there, check its metadata, the sensor unit (systemd-analyze verify, where present) and that
# `cmake --install` lays out exactly the same files.
# Usage: package_test.sh <build dir> <scratch dir>
set -euo pipefail
build=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; echo "FAIL cpack"; exit 1; }
deb=$(ls "$work"/pkg/supplyguard_*.deb)
ok "built $(basename "$deb")"

root="$work/root"
dpkg -x "$deb" "$root"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | sort >"$work/deb.list"

# The CLI runs from the unpacked tree (its inspect half is found beside it).
sg="$root/usr/bin/supplyguard"
v=$("$sg" version) && [ "$v" = "supplyguard $(dpkg-deb -f "$deb" Version)" ] && ok "supplyguard version: $v" ||
  fail "supplyguard version: '$v', package version $(dpkg-deb -f "$deb" Version)"
"$sg" --help >"$work/help.txt" && grep -q "^Subcommands:" "$work/help.txt" && ok "supplyguard --help" ||
  fail "supplyguard --help"
"$sg" inspect --help >"$work/inspect-help.txt" && grep -q -- "--golden" "$work/inspect-help.txt" &&
  ok "supplyguard inspect --help (runs the packaged supplyguard-inspect)" || fail "supplyguard inspect --help"

# Man pages: one per subcommand, readable with man -l.
for page in supplyguard supplyguard-hunt supplyguard-verify supplyguard-fleet-verdict supplyguard-baseline-keygen; do
  [ -f "$root/usr/share/man/man1/$page.1.gz" ] || fail "no man page $page(1)"
done
MANWIDTH=100 man -l "$root/usr/share/man/man1/supplyguard-hunt.1.gz" 2>/dev/null | col -b >"$work/man.txt" || true
if grep -q "supplyguard hunt" "$work/man.txt" && grep -q -- "--mgmt-net" "$work/man.txt"; then
  ok "man -l supplyguard-hunt.1.gz ($(ls "$root/usr/share/man/man1" | wc -l) pages)"
else
  fail "man -l supplyguard-hunt.1.gz: $(head -c 300 "$work/man.txt")"
fi

# Contents and metadata.
grep -qx /usr/bin/supplyguard-inspect "$work/deb.list" && ok "ships supplyguard-inspect" || fail "no supplyguard-inspect"
grep -q "supplyguard-gen" "$work/deb.list" && fail "ships supplyguard-gen (test data generator)" ||
  ok "supplyguard-gen not shipped"
grep -qx "/lib/systemd/system/supplyguard-hunt@.service\|/usr/lib/systemd/system/supplyguard-hunt@.service" "$work/deb.list" &&
  ok "ships supplyguard-hunt@.service" || fail "no supplyguard-hunt@.service"
depends=$(dpkg-deb -f "$deb" Depends)
case "$depends" in *libpcap*libc6*|*libc6*libpcap*) ok "Depends (dpkg-shlibdeps): $depends" ;;
  *) fail "Depends lacks the shared libraries: '$depends'" ;; esac
case "$depends" in *opencv*) ok "Depends has OpenCV (supplyguard-inspect)" ;; *) fail "Depends lacks OpenCV" ;; esac
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles" 2>/dev/null || true
grep -qx /etc/supplyguard/hunt.conf "$work/conffiles" &&
  ok "conffile /etc/supplyguard/hunt.conf" || fail "/etc/supplyguard/hunt.conf is not a conffile"

# The sensor unit.
unit=
for u in "$root"/usr/lib/systemd/system/supplyguard-hunt@.service "$root"/lib/systemd/system/supplyguard-hunt@.service; do
  [ -f "$u" ] && unit=$u
done
[ -n "$unit" ] || { fail "no unit in the package"; exit 1; }
grep -q "^ExecStart=/usr/bin/supplyguard hunt --interface %I" "$unit" && ok "unit runs supplyguard hunt --interface %I" ||
  fail "unit ExecStart: $(grep ExecStart= "$unit")"
grep -q "^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$" "$unit" && grep -q "^DynamicUser=yes" "$unit" &&
  ok "unit: own user, CAP_NET_RAW CAP_NET_ADMIN only" || fail "unit capabilities/user"
if command -v systemd-analyze >/dev/null; then
  # Verified as an instance against the unpacked tree: ExecStart points at the packaged binary and
  # man: finds the packaged page (--root would also need a whole systemd tree under the root).
  mkdir -p "$work/units"
  sed "s|/usr/bin/supplyguard|$root/usr/bin/supplyguard|" "$unit" >"$work/units/supplyguard-hunt@.service"
  if (cd "$work/units" && MANPATH="$root/usr/share/man" SYSTEMD_LOG_LEVEL=warning \
        systemd-analyze verify "$work/units/supplyguard-hunt@.service" >"$work/verify.log" 2>&1) &&
     ! grep -qi "supplyguard" "$work/verify.log"; then
    ok "systemd-analyze verify supplyguard-hunt@.service"
  else
    fail "systemd-analyze verify: $(cat "$work/verify.log")"
  fi
else
  echo "skip systemd-analyze verify: systemd-analyze is not installed"
fi

# cmake --install lays out the same files as the package.
DESTDIR="$work/inst" cmake --install "$build" >/dev/null
(cd "$work/inst" && find . -mindepth 1 | sed 's|^\.||' | sort) >"$work/install.list"
if diff "$work/deb.list" "$work/install.list" >"$work/layout.diff"; then
  ok "cmake --install lays out the same $(wc -l <"$work/install.list") paths as the package"
else
  fail "cmake --install and the package differ:"; cat "$work/layout.diff"
fi

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
