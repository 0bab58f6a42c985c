#!/usr/bin/env bash
# Builds, once, the Debian 12 tree that the package and systemd tests copy (DebianRoot) or boot
# (SystemdMachine), and prints its path. The tree is cached outside the clone, in
# ${DRIFTLESS_TEST_CACHE:-/var/cache/driftless-test}/debian-tree-<hash>, <hash> naming the suite, the
# package list and the preparation below, so changing any of them builds a new tree beside the old one.
# It is built in a temporary folder and renamed into place when complete: an interrupted build is never used.
#
#   scripts/debian-tree.sh           build if needed (needs root and Debian's mirror), print the path
#   scripts/debian-tree.sh --cached  print the path if built, else exit 3 saying how to build it
set -euo pipefail

suite=bookworm
packages=systemd,systemd-sysv,dbus,openssh-server,python3-minimal
# Bump when the preparation below changes, so that a new tree is built.
prepared=2
cache=${DRIFTLESS_TEST_CACHE:-/var/cache/driftless-test}
hash=$(printf '%s\n' "$suite" "$packages" "$prepared" | sha256sum | cut -c1-12)
tree=$cache/debian-tree-$hash

say() { echo "debian-tree.sh: $*" >&2; }

if [ -d "$tree" ]; then
  command -v systemd-nspawn >/dev/null 2>&1 || [ "${1:-}" = --cached ] || {
    say "systemd-nspawn is missing: installing systemd-container"
    [ "$(id -u)" -eq 0 ] || { say "not root: please install systemd-container"; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd-container >&2
  }
  echo "$tree"
  exit 0
fi
if [ "${1:-}" = --cached ]; then
  say "no Debian tree at $tree: run scripts/debian-tree.sh (as root, with Debian's mirror reachable)"
  exit 3
fi
[ "$(id -u)" -eq 0 ] || { say "debootstrap needs root: run scripts/debian-tree.sh as root"; exit 1; }

need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# The mirror this machine's apt uses (the first .../debian URI of an active source), else Debian's own.
mirror=${DRIFTLESS_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -e 's/#.*//' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

mkdir -p "$cache"
exec 9>"$cache/.debian-tree.lock"
flock 9  # a second build waits for the first, then finds its tree
if [ -d "$tree" ]; then
  echo "$tree"
  exit 0
fi

# Leftovers of interrupted builds: unmount what debootstrap had mounted inside, then remove them.
for old in "$cache"/.debian-tree-*.building; do
  [ -e "$old" ] || continue
  findmnt -rno TARGET | grep -F "$old/" | sort -r | xargs -r -n1 umount -l || true
  rm -rf --one-file-system "$old"
done

work=$cache/.debian-tree-$hash.$$.building
mkdir -p "$work"
started=$(date +%s)
say "building $tree from $mirror (takes a few minutes, once)"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$work" "$mirror" >"$cache/.debian-tree-$hash.log" 2>&1; then
  say "debootstrap failed; the last lines of $cache/.debian-tree-$hash.log:"
  tail -n 5 "$cache/.debian-tree-$hash.log" >&2
  findmnt -rno TARGET | grep -F "$work/" | sort -r | xargs -r -n1 umount -l || true
  rm -rf --one-file-system "$work"
  exit 1
fi

# --- preparation for the tests (bump $prepared when changing it) ---
# sshd: root logs in with a key only. The port is the one line of /etc/ssh/sshd_config.d/00-port.conf,
# which each machine writes before it boots (first value wins, and this file sorts first).
install -d -m 0700 "$work/root/.ssh"
cat >"$work/etc/ssh/sshd_config.d/50-driftless-test.conf" <<'EOF'
ListenAddress 127.0.0.1
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
EOF
echo 'Port 22' >"$work/etc/ssh/sshd_config.d/00-port.conf"
# Units that slow the boot and that no test needs; journald stays.
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
    e2scrub_reap.service systemd-timesyncd.service console-getty.service getty@.service \
    serial-getty@.service container-getty@.service getty.target systemd-networkd-wait-online.service; do
  ln -sf /dev/null "$work/etc/systemd/system/$unit"
done
# nspawn gives each boot a fresh machine id when the file is empty; D-Bus's copy must not pin one for all.
: >"$work/etc/machine-id"
ln -sf /etc/machine-id "$work/var/lib/dbus/machine-id"
ln -sf /lib/systemd/system/multi-user.target "$work/etc/systemd/system/default.target"
echo driftless-test >"$work/etc/hostname"
# --- end of preparation ---

mv -T "$work" "$tree"
say "built $tree in $(( $(date +%s) - started )) s"
echo "$tree"
