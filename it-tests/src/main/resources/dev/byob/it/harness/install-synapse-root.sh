#!/bin/sh
# Builds a Debian sid root with matrix-synapse installed, for running Synapse with chroot.
# Bookworm has no matrix-synapse package; sid has, but installing it into the host would pull sid's
# Python and libc. The root is built in ROOT.partial and renamed to ROOT when complete, so an
# interrupted run leaves nothing that looks finished. Idempotent: an existing ROOT is kept.
# Usage: install-synapse-root.sh ROOT MIRROR
set -eu

root=$1
mirror=$2
partial="$root.partial"

if [ -f "$root/.byob-synapse-ready" ]; then
  echo "synapse root present: $root ($(cat "$root/.byob-synapse-ready"))"
  exit 0
fi

unmount_proc() {
  if mountpoint -q "$partial/proc" 2>/dev/null; then
    umount "$partial/proc"
  fi
}
trap unmount_proc EXIT

# A previous attempt may have been interrupted; start over (never with proc still mounted inside).
unmount_proc
rm -rf "$partial"
mkdir -p "$(dirname "$root")"

echo "debootstrap sid into $partial from $mirror"
debootstrap --variant=minbase sid "$partial" "$mirror"

# Packages must never start services inside the root.
printf '#!/bin/sh\nexit 101\n' > "$partial/usr/sbin/policy-rc.d"
chmod 755 "$partial/usr/sbin/policy-rc.d"

mount -t proc proc "$partial/proc"
# sid's Release file can look expired to apt; the archive is signed all the same.
chroot "$partial" apt-get -o Acquire::Check-Valid-Until=false update
chroot "$partial" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends matrix-synapse
chroot "$partial" apt-get clean
unmount_proc

version=$(chroot "$partial" dpkg-query -W -f='${Version}' matrix-synapse)
echo "matrix-synapse $version" > "$partial/.byob-synapse-ready"
rm -rf "$root"
mv "$partial" "$root"
echo "synapse root ready: $root (matrix-synapse $version)"
