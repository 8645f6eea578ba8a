#!/usr/bin/env bash
# Builds a minimal root-filesystem tarball from Debian's busybox-static: /bin/busybox with a
# symlink per applet, root and nobody users, and the directories a container expects.
# Usage: make_busybox_image.sh OUT.tar. Byte-identical output for the same busybox (same image id).
set -euo pipefail
out=${1:?usage: make_busybox_image.sh OUT.tar}
busybox=/bin/busybox
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi

umask 022
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root,home,var}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
[ -e "$root/bin/sh" ] || ln -s busybox "$root/bin/sh"
cat >"$root/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
EOT
cat >"$root/etc/group" <<'EOT'
root:x:0:
nobody:x:65534:
EOT
chmod 0644 "$root/etc/passwd" "$root/etc/group"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$out.tmp" .
mv -f "$out.tmp" "$out"
echo "$out"
