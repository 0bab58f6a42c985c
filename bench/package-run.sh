#!/usr/bin/env bash
# Measures the two ways to package Driftless that docs/install.md weighs ("Why the package carries its own Java"):
#
#   (a) target/dist/driftless_*_amd64.deb of scripts/package.sh: its own jlink'd runtime and class-data archive;
#   (b) a plain package built here of the same launcher and jar on Debian's openjdk-17-jre-headless (a Depends),
#       whose archive would be made at install: measured without one and with one made in the machine.
#
# For each, in a fresh overlay of the Debian test tree (scripts/debian-tree.sh), chrooted: the .deb's size,
# `apt-get install ./driftless_….deb` (for (b) after an `apt-get update`, timed apart: its Java comes from
# Debian's mirror), and the start-up of `driftless --version` and of a no-op `check` of examples/homelab
# (the median of 5 runs after one warm-up). Needs root, the tree, Debian's mirror, and scripts/package.sh run first.
#
#   bash bench/package-run.sh      prints the figures (about five minutes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tree=$(bash scripts/debian-tree.sh --cached)
deb_a=$(ls target/dist/driftless_*_amd64.deb | head -n1)
work=$(mktemp -d /tmp/driftless-package-bench.XXXXXX)
roots=()
cleanup() {
  for r in "${roots[@]}"; do umount "$r" 2>/dev/null || umount -l "$r" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }

# A fresh root in $root: an overlay over the cached tree, as the tests' DebianRoot makes.
new_root() {
  local dir=$work/$1
  mkdir -p "$dir/root" "$dir/upper" "$dir/work"
  mount -t overlay overlay -o "lowerdir=$tree,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
  roots+=("$dir/root")
  root=$dir/root
}

# Runs a command chrooted into root $1, with its own /proc and /dev/pts, in a clean environment.
in_root() {
  local root=$1; shift
  unshare --mount --pid --fork --kill-child --mount-proc="$root/proc" sh -c \
    'mount -t devpts -o newinstance,ptmxmode=0666 devpts "$0/dev/pts" && exec chroot "$0" "$@"' "$root" \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# The median wall time of 5 runs of a command in root $1, after a warm-up run that must exit $2.
median() {
  local root=$1 expected=$2; shift 2
  local code=0
  in_root "$root" "$@" >/dev/null 2>&1 || code=$?
  [ "$code" = "$expected" ] || { echo "package-run.sh: $* exited $code, not $expected" >&2; exit 1; }
  local times=() t0
  for _ in 1 2 3 4 5; do
    t0=$(now)
    in_root "$root" "$@" >/dev/null 2>&1 || true
    times+=("$(secs "$t0" "$(now)")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# (b): the jar and the launcher of (a), the runtime a link to Debian's.
build_b() {
  local stage=$work/b-stage
  dpkg-deb -x "$deb_a" "$stage"
  rm -rf "$stage/usr/lib/driftless/runtime" "$stage/usr/lib/driftless/lib/driftless.jsa"
  ln -s /usr/lib/jvm/java-17-openjdk-amd64 "$stage/usr/lib/driftless/runtime"
  mkdir "$stage/DEBIAN"
  dpkg-deb -e "$deb_a" "$stage/DEBIAN"
  rm -f "$stage/DEBIAN/md5sums"
  sed -i -e 's/^Depends: .*/Depends: openjdk-17-jre-headless/' \
    -e "s/^Installed-Size: .*/Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)/" "$stage/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$work/driftless-b_amd64.deb" >/dev/null
  echo "$work/driftless-b_amd64.deb"
}

# examples/homelab as a repository of its own in the root, applied once under /tmp/demo so that check has nothing to do.
example_in() {
  local root=$1
  cp -a examples/homelab "$root/opt/homelab"
  # the demo key, outside the repository (validate refuses a private key committed to it)
  cp "$demo_key" "$root/opt/demo-age-key.txt"
  git -C "$root/opt/homelab" init -q -b main
  git -C "$root/opt/homelab" add -A
  git -C "$root/opt/homelab" -c user.name=bench -c user.email=bench@localhost commit -q -m homelab
  in_root "$root" driftless apply --repo /opt/homelab --root /tmp/demo --age-key /opt/demo-age-key.txt >/dev/null
}

# the example's demo key: beside the example or, earlier, inside it
demo_key=examples/demo-age-key.txt
[ -f "$demo_key" ] || demo_key=examples/homelab/demo-age-key.txt
check=(driftless check --repo /opt/homelab --root /tmp/demo --age-key /opt/demo-age-key.txt)
deb_b=$(build_b)

echo "(a) $(basename "$deb_a"): $(du -k "$deb_a" | cut -f1) KiB"
new_root a
cp "$deb_a" "$root/root/"
t0=$(now); in_root "$root" sh -c "cd /root && apt-get install -y ./$(basename "$deb_a")" >/dev/null; t1=$(now)
echo "(a) apt-get install: $(secs "$t0" "$t1") s; installed: $(du -sk "$root/usr/lib/driftless" | cut -f1) KiB"
example_in "$root"
echo "(a) driftless --version: $(median "$root" 0 driftless --version) s"
echo "(a) no-op check: $(median "$root" 0 "${check[@]}") s"

echo "(b) driftless-b_amd64.deb: $(du -k "$deb_b" | cut -f1) KiB"
new_root b
cp "$deb_b" "$root/root/"
t0=$(now); in_root "$root" apt-get update -qq; t1=$(now)
echo "(b) apt-get update: $(secs "$t0" "$t1") s"
before=$(du -sk "$work/b/upper" | cut -f1)
t0=$(now); in_root "$root" sh -c "cd /root && apt-get install -y ./driftless-b_amd64.deb" >/dev/null; t1=$(now)
in_root "$root" apt-get clean
echo "(b) apt-get install (with openjdk-17-jre-headless and its dependencies): $(secs "$t0" "$t1") s;" \
  "installed: $(( $(du -sk "$work/b/upper" | cut -f1) - before )) KiB with what it pulled in"
example_in "$root"
echo "(b) driftless --version, no archive: $(median "$root" 0 driftless --version) s"
echo "(b) no-op check, no archive: $(median "$root" 0 "${check[@]}") s"
t0=$(now)
in_root "$root" /usr/lib/jvm/java-17-openjdk-amd64/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -XX:ArchiveClassesAtExit=/usr/lib/driftless/lib/driftless.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
  -cp /usr/lib/driftless/lib/driftless.jar dev.driftless.cli.Training /opt/homelab /opt/demo-age-key.txt \
  >"$work/training.log" 2>&1 || { echo "package-run.sh: the training failed: $(tail -n 5 "$work/training.log")" >&2; exit 1; }
t1=$(now)
[ -s "$root/usr/lib/driftless/lib/driftless.jsa" ] || { echo "package-run.sh: no archive: $(tail -n 5 "$work/training.log")" >&2; exit 1; }
echo "(b) making the archive at install (Training): $(secs "$t0" "$t1") s"
echo "(b) driftless --version, archive made in the machine: $(median "$root" 0 driftless --version) s"
echo "(b) no-op check, archive made in the machine: $(median "$root" 0 "${check[@]}") s"
