#!/usr/bin/env bash
# Debian's prometheus and promtool for the test suites (the wire-proof scrape, the config checks),
# unpacked into the workspace (.tools/prometheus) instead of installed: no system service is enabled
# or started, nothing outside the workspace changes, and nothing is ever stopped by name.
#
#   bash .ci/prometheus.sh        # then: export PATH="$PWD/.tools/prometheus/usr/bin:$PATH"
#
# Where apt-get is missing (not Debian), a prometheus and promtool on PATH are used instead. Exit 1
# with one line when neither can be had.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly DEST=.tools/prometheus
say() { echo "prometheus: $*"; }
fail() { echo "prometheus: $*" >&2; exit 1; }

if [ -x "$DEST/usr/bin/prometheus" ] && [ -x "$DEST/usr/bin/promtool" ]; then
  say "using $DEST ($("$DEST/usr/bin/prometheus" --version 2>&1 | head -n 1))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  # Not Debian: a prometheus and promtool the developer installed are used as they are.
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    say "no apt-get; using $(command -v prometheus) from PATH"
    exit 0
  fi
  fail "no apt-get to fetch Debian's package, and no prometheus and promtool on PATH"
fi

work=$(mktemp -d)
chmod 777 "$work" # apt downloads as its own unprivileged _apt user
trap 'rm -rf "$work"' EXIT
# The package lists may be empty on a fresh machine; updating them needs root, installing nothing.
if ! apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  [ "$(id -u)" -eq 0 ] || fail "apt package lists have no prometheus and updating them needs root"
  apt-get update -qq
fi
(cd "$work" && apt-get download -qq prometheus >/dev/null) || fail "apt-get download prometheus failed"
mkdir -p "$DEST"
dpkg-deb -x "$work"/prometheus_*.deb "$DEST"
"$DEST/usr/bin/prometheus" --version >/dev/null 2>&1 || fail "the unpacked prometheus does not run"
say "unpacked $("$DEST/usr/bin/prometheus" --version 2>&1 | head -n 1) into $DEST"
