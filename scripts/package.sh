#!/usr/bin/env bash
# Builds the packages of Driftless from target/driftless.jar (run `mvn -B -ntp -DskipTests package` first):
#
#   target/dist/driftless_<version>_amd64.deb          for Debian 12 and later, Ubuntu 22.04 and later
#   target/dist/driftless-<pom version>-linux-x64.tar.gz   the same files, with install.sh, for other distributions
#
# Both carry their own Java runtime, trimmed with jlink to the modules Driftless uses, and a class-data
# archive (AppCDS) made here, by running dev.driftless.cli.Training on that runtime: a machine needs no Java,
# and no JDK update of the machine's can invalidate the archive (docs/install.md says why and what it costs).
# The files: /usr/bin/driftless -> /usr/lib/driftless/bin/driftless (the launcher), /usr/lib/driftless/
# {lib,runtime}, /lib/systemd/system/driftless-agent.service, /usr/share/doc/driftless/, and the manual page
# driftless(1), made from `driftless --help` with help2man. The .deb's <version> is the pom's in Debian's
# spelling (0.1.0-SNAPSHOT is 0.1.0~SNAPSHOT, which sorts before 0.1.0).
#
# DRIFTLESS_JDK: the JDK 17 whose jlink and jmods build the runtime (default /usr/lib/jvm/java-17-openjdk-amd64;
# its jmods come with Debian's openjdk-17-jdk-headless or openjdk-17-jmods, installed here if missing and root;
# help2man likewise).
# DRIFTLESS_MAINTAINER: the package's Maintainer (default "Driftless developers <driftless@example.org>").
set -euo pipefail
# stdout is the package's path and nothing else (scripts/test.sh reads it): whatever the tools print (jlink's
# "Created CDS archive successfully") goes to stderr
exec 3>&1 1>&2
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# dpkg-deb would clamp the files' modification times to it, and the archive is only used with the jar and
# runtime of the very size and time it was made with
unset SOURCE_DATE_EPOCH

say() { echo "package.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

jar=target/driftless.jar
[ -f "$jar" ] || fail "no $jar: run 'mvn -B -ntp -DskipTests package' first"
pom_version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n1)
[ -n "$pom_version" ] || fail "no <version> in pom.xml"
version=${pom_version//-/\~}
jdk=${DRIFTLESS_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
maintainer=${DRIFTLESS_MAINTAINER:-Driftless developers <driftless@example.org>}
[ -x "$jdk/bin/jlink" ] || fail "no jlink in $jdk (DRIFTLESS_JDK): install openjdk-17-jdk-headless"
if [ ! -f "$jdk/jmods/java.base.jmod" ]; then
  [ "$(id -u)" -eq 0 ] || fail "no jmods in $jdk/jmods: install openjdk-17-jmods (or openjdk-17-jdk-headless)"
  say "no jmods in $jdk/jmods: installing them"
  apt-get update -qq
  if apt-cache show openjdk-17-jmods >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jmods >&2
  else
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >&2
  fi
  [ -f "$jdk/jmods/java.base.jmod" ] || fail "still no jmods in $jdk/jmods"
fi
if ! command -v help2man >/dev/null; then
  [ "$(id -u)" -eq 0 ] || fail "no help2man, which makes the manual page: install help2man"
  say "no help2man: installing it"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq help2man >&2
fi

dist=target/dist
stage=$dist/stage
rm -rf "$dist"
mkdir -p "$stage"
home=$stage/usr/lib/driftless
install -d -m 0755 "$home/bin" "$home/lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/usr/share/doc/driftless" \
  "$stage/usr/share/man/man1"

# The modules the jar's classes use, and those only found at run time (as services): elliptic curves for TLS
# (https Git remotes, ed25519 and ECDSA SSH keys), the character sets beyond UTF-8 that a host's files or a
# forge may use, zipfs, which some libraries open their own jars with, and the random number generators of
# RandomGenerator.getDefault() (the agent's jitter). Not java.desktop (AWT, Swing, java.beans):
# only code Driftless never runs refers to it (Jackson's optional java.beans annotations, Angus Mail's image
# handlers, Jetty's AWT leak preventers, PostgreSQL's PGpoint, Micrometer's Log4j2 binder), and its native
# libraries would make the package depend on X11, fonts and image libraries.
modules=$("$jdk/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps "$jar" \
  | tr ',' '\n' | grep -vx java.desktop | paste -sd, -)
modules="$modules,jdk.crypto.ec,jdk.charsets,jdk.zipfs,jdk.random"
say "jlink: $modules"
# No compression here: the .deb and the tarball are compressed anyway, and a compressed runtime image
# costs start-up time. --generate-cds-archive: the runtime's own archive of its JDK classes.
"$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$modules" --output "$home/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=0 --generate-cds-archive

# Debian's JDK ships its native libraries with some symbols left; a package strips them (2 MiB here), and
# the compilers' .comment and .note sections, as dh_strip does. jlink leaves some files read-only (0444),
# which packages do not.
find "$home/runtime" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jexec -o -name jspawnhelper \) \
  -exec strip --strip-unneeded --remove-section=.comment --remove-section=.note {} +
chmod -R u+w,go-w,a+rX "$home/runtime"

install -m 0644 "$jar" "$home/lib/driftless.jar"
install -m 0755 packaging/driftless "$home/bin/driftless"
ln -s ../lib/driftless/bin/driftless "$stage/usr/bin/driftless"

# The class-data archive, recorded on the commands users run most (bin/driftless does the same once per
# build, next to the jar), with the runtime and jar as installed and the options the launcher gives. JDK 17
# maps an archive only with the jar at the very path it was recorded with (it compares the class path as a
# string; a relative one is relative to the current folder), so the training runs with the staged files
# mounted at /usr/lib/driftless in a mount namespace of its own: nothing of this machine's changes, not
# even a Driftless installed here.
[ "$(id -u)" -eq 0 ] || fail "making the class-data archive needs root (a private mount of the staged files at /usr/lib/driftless)"
made_mountpoint=false
if [ ! -d /usr/lib/driftless ]; then
  mkdir /usr/lib/driftless
  made_mountpoint=true
  trap 'rmdir /usr/lib/driftless 2>/dev/null || true' EXIT
fi
# the example's demo key: beside the example (kept out of its repository folder) or, earlier, inside it
demo_key=examples/demo-age-key.txt
[ -f "$demo_key" ] || demo_key=examples/homelab/demo-age-key.txt
say "training the class-data archive"
unshare --mount --propagation private sh -c 'mount --bind "$0" /usr/lib/driftless && exec "$@"' "$(readlink -f "$home")" \
    /usr/lib/driftless/runtime/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -XX:ArchiveClassesAtExit=/usr/lib/driftless/lib/driftless.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
    -cp /usr/lib/driftless/lib/driftless.jar dev.driftless.cli.Training \
    "$PWD/examples/homelab" "$PWD/$demo_key" >"$dist/training.log" 2>&1 \
  || fail "the training run failed (an archive of part of the commands would start them slower): $(tail -n 5 "$dist/training.log")"
if $made_mountpoint; then
  rmdir /usr/lib/driftless
  trap - EXIT
fi
chmod 0644 "$home/lib/driftless.jsa"

# driftless(1): the staged command's own --help and --version, unwrapped (picocli wraps at 80 columns, and
# help2man would take each wrapped line for a paragraph of its own), with packaging/driftless.h2m's sections
man=$stage/usr/share/man/man1/driftless.1
DRIFTLESS_JAVA_OPTS=-Dpicocli.usage.width=1000 help2man --no-info --section=1 \
    --name="GitOps for small teams: plan, apply and check hosts from Git" --include=packaging/driftless.h2m \
    --output="$man" "$home/bin/driftless" \
  || fail "help2man could not make the manual page from $home/bin/driftless --help"
gzip -9n "$man"
chmod 0644 "$man.gz"

install -m 0644 packaging/driftless-agent.service "$stage/lib/systemd/system/driftless-agent.service"
doc=$stage/usr/share/doc/driftless
install -m 0644 packaging/agent.yaml.example "$doc/agent.yaml.example"
install -m 0644 docs/install.md "$doc/install.md"
install -m 0644 README.md "$doc/README.md"
install -m 0644 packaging/copyright "$doc/copyright"
printf 'driftless (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' "$version" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo 'a source tree')" "$maintainer" \
  "$(date -R)" | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# The Debian packages of the shared libraries the runtime links to outside itself (libc6, zlib1g), with
# the versions its binaries need, as dh_shlibdeps would write them.
runtime_depends() {
  local runtime; runtime=$(readlink -f "$1")
  local work; work=$(mktemp -d)
  mkdir "$work/debian"
  printf 'Source: driftless\n\nPackage: driftless\nArchitecture: amd64\n' >"$work/debian/control"
  local elves; mapfile -t elves < <(find "$runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec sh -c \
    'head -c 4 "$1" | grep -q "ELF" && echo "$1"' sh {} \;)
  (cd "$work" && dpkg-shlibdeps -O -l"$runtime/lib" -l"$runtime/lib/server" "${elves[@]}" 2>/dev/null) \
    | sed -n 's/^shlibs:Depends=//p'
  rm -rf "$work"
}

# ---- the .deb ----
deb_root=$dist/deb
cp -a "$stage" "$deb_root"
install -d -m 0755 "$deb_root/DEBIAN"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$deb_root/DEBIAN/"
# what lintian reports of the package that is so by design, each with why (the tarball has no use for it)
install -D -m 0644 packaging/deb/lintian-overrides "$deb_root/usr/share/lintian/overrides/driftless"
depends=$(runtime_depends "$home/runtime")
[ -n "$depends" ] || fail "dpkg-shlibdeps found no dependencies of the runtime (is dpkg-dev installed?)"
cat >"$deb_root/DEBIAN/control" <<EOF
Package: driftless
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$deb_root" | cut -f1)
Depends: $depends
Section: admin
Priority: optional
Description: GitOps for small teams: plan, apply and check hosts from Git
 Driftless keeps machines matching a Git repository: the files, packages,
 systemd units and container stacks each host runs. It shows what a commit
 would change (plan), makes the hosts match (apply), reports hand edits
 (check), and its agent (driftless-agent.service) does so on its own.
 .
 This package carries its own Java runtime; it needs no Java installed.
EOF
(cd "$deb_root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$deb_root/DEBIAN/control" "$deb_root/DEBIAN/md5sums"
deb=$dist/driftless_${version}_amd64.deb
dpkg-deb --root-owner-group -Zzstd -z12 --build "$deb_root" "$deb" >/dev/null
rm -rf "$deb_root"

# ---- the tarball: the same files, put in place by its install.sh ----
name=driftless-${pom_version}-linux-x64
cp -a "$stage" "$dist/$name"
install -m 0755 packaging/install.sh "$dist/$name/install.sh"
install -m 0644 packaging/INSTALL "$dist/$name/INSTALL"
tar -C "$dist" --owner=0 --group=0 --numeric-owner -czf "$dist/$name.tar.gz" "$name"
rm -rf "$dist/$name" "$stage"

say "built $deb ($(du -h "$deb" | cut -f1)) and $dist/$name.tar.gz ($(du -h "$dist/$name.tar.gz" | cut -f1))"
echo "$deb" >&3
