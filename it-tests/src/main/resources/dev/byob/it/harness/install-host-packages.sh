#!/bin/sh
# Installs the named Debian packages on this host if any of them is missing.
# Runs `apt-get update` only when something has to be installed. Idempotent.
# Usage: install-host-packages.sh PACKAGE...
set -eu

missing=""
for pkg in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    *" installed") ;;
    *) missing="$missing $pkg" ;;
  esac
done

if [ -z "$missing" ]; then
  echo "host packages present: $*"
  exit 0
fi

echo "installing host packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg run to finish instead of failing at once.
lock_wait="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086 # word splitting of the options and the package list is intended
apt-get $lock_wait update
# shellcheck disable=SC2086
apt-get $lock_wait install -y --no-install-recommends $missing
