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
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing
