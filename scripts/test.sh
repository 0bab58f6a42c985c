#!/usr/bin/env bash
# Runs every test of Driftless. Installs what the tests need first (git for `git daemon`, OpenSSH's
# server and client tools for the SSH hosts, strace, dpkg-dev, debootstrap and systemd-nspawn for the
# package and systemd tests, container engines for the compose tests), builds the Debian tree those boot,
# so that a fresh Debian 12 machine with a JDK and Maven needs nothing else.
#
#   scripts/test.sh [--yes] [MAVEN OPTIONS...]   # says what it will change on this machine and asks first
#   scripts/test.sh --undo                        # takes back what it changed (see below)
#
# Run as root it CHANGES THIS MACHINE, and says so before it does: it installs the Debian packages the tests
# need (only those missing; their names are kept in /var/cache/driftless-test/installed-packages), creates two
# local accounts for the SSH tests of `become: sudo` (driftless-sudo, which may sudo without a password, and
# driftless-plain) with /etc/sudoers.d/driftless-test, and caches a Debian 12 tree under /var/cache/driftless-test.
# It asks before the first of these unless given --yes (CI passes it); without a terminal to ask on, it stops.
# --undo removes the two accounts, the sudoers file, the packages it installed and the cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache=${DRIFTLESS_TEST_CACHE:-/var/cache/driftless-test}
accounts=(driftless-sudo driftless-plain)
sudoers=/etc/sudoers.d/driftless-test

if [ "${1:-}" = --undo ]; then
  [ "$(id -u)" -eq 0 ] || { echo "scripts/test.sh --undo: run it as root (it only undoes what a root run did)" >&2; exit 1; }
  for a in "${accounts[@]}"; do
    if id "$a" >/dev/null 2>&1; then userdel --remove "$a" 2>/dev/null || userdel "$a"; echo "removed the account $a"; fi
  done
  if [ -e "$sudoers" ]; then rm -f "$sudoers"; echo "removed $sudoers"; fi
  if [ -s "$cache/installed-packages" ]; then
    mapfile -t installed < "$cache/installed-packages"
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "${installed[@]}"
    echo "removed the packages it had installed: ${installed[*]} (apt-get autoremove takes their dependencies)"
  fi
  if [ -d "$cache" ]; then rm -rf "$cache"; echo "removed $cache (the cached Debian tree)"; fi
  exit 0
fi
yes=false
if [ "${1:-}" = --yes ]; then yes=true; shift; fi

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v mkfifo >/dev/null 2>&1 || need+=(coreutils)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v flock >/dev/null 2>&1 || need+=(util-linux)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v strace >/dev/null 2>&1 || need+=(strace)  # tests record what the kernel saw of a secret's temporary file
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)  # the history store's tests start one
[ -x /usr/bin/chromium ] || need+=(chromium)  # the dashboard's browser tests (Playwright drives Debian's chromium)
command -v dpkg-scanpackages >/dev/null 2>&1 || need+=(dpkg-dev)  # AptRepo: local apt repositories for package tests
command -v gpg >/dev/null 2>&1 && command -v gpg-agent >/dev/null 2>&1 || need+=(gnupg)  # SigningKeys: OpenPGP keys and signed commits for the signature tests
# the compose tests' own engines (DockerEngine, PodmanService), their registry on 127.0.0.1 and their images'
# only content (Images: a static busybox); the fixtures look for these very paths
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
[ -x /usr/bin/docker-compose ] || need+=(docker-compose)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
[ -x /usr/bin/podman ] || need+=(podman)
[ -x /usr/bin/podman-compose ] || need+=(podman-compose)
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
[ -x /usr/bin/zsh ] && [ -x /usr/bin/fish ] || need+=(zsh fish)  # `driftless completion`'s scripts, loaded by each shell
# scripts/debian-tree.sh below builds the Debian tree with these (it would install them too; here they are asked for
# with the rest and recorded for --undo)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
# scripts/package.sh (the package the package and bootstrap tests install) needs these (it would install them too)
[ -f /usr/lib/jvm/java-17-openjdk-amd64/jmods/java.base.jmod ] || need+=(openjdk-17-jmods)  # jlink's modules
command -v help2man >/dev/null 2>&1 || need+=(help2man)  # driftless(1) from driftless --help
if [ "$(id -u)" -eq 0 ] && ! $yes; then
  missing_accounts=()
  for a in "${accounts[@]}"; do id "$a" >/dev/null 2>&1 || missing_accounts+=("$a"); done
  if [ ${#need[@]} -gt 0 ] || [ ${#missing_accounts[@]} -gt 0 ] || [ ! -e "$sudoers" ]; then
    {
      echo "scripts/test.sh changes this machine before it runs the tests:"
      [ ${#need[@]} -eq 0 ] || echo "  - installs with apt-get: ${need[*]}"
      echo "  - keeps (or creates) the accounts ${accounts[*]} and $sudoers, which lets driftless-sudo sudo without a password"
      echo "  - caches a Debian 12 tree (debootstrap) under $cache"
      echo "'scripts/test.sh --undo' takes these back. Pass --yes to go on without this question."
    } >&2
    if [ -t 0 ]; then
      read -r -p "Go on? [y/N] " answer
      case $answer in y|Y|yes) ;; *) echo "scripts/test.sh: nothing changed" >&2; exit 1;; esac
    else
      echo "scripts/test.sh: no terminal to ask on: nothing changed; run it again with --yes" >&2
      exit 1
    fi
  fi
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: please install: ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  mkdir -p "$cache"
  printf '%s\n' "${need[@]}" >> "$cache/installed-packages"   # for --undo
fi

# Two unprivileged accounts for the SSH tests of `become: sudo`: one may sudo without a password,
# the other may not sudo at all.
if [ "$(id -u)" -eq 0 ]; then
  id driftless-sudo >/dev/null 2>&1 || useradd --create-home --shell /bin/sh driftless-sudo
  id driftless-plain >/dev/null 2>&1 || useradd --create-home --shell /bin/sh driftless-plain
  # no password, but not locked either: sshd refuses key logins to a locked account
  usermod -p '*' driftless-sudo
  usermod -p '*' driftless-plain
  echo 'driftless-sudo ALL=(ALL) NOPASSWD: ALL' > "$sudoers"
  chmod 0440 "$sudoers"
fi

# The Debian 12 tree that package and systemd tests overlay (DebianRoot) or boot (SystemdMachine): built by
# debootstrap once, cached outside the clone. Without it (no mirror, not root) those tests skip, saying why.
tree_log=$(mktemp)
# its messages are shown as they come and kept for the tests' skip reason; its stdout is the tree's path
if tree=$( { bash scripts/debian-tree.sh 2>&1 >&3 | tee "$tree_log" >&2; } 3>&1 ); then
  export DRIFTLESS_DEBIAN_TREE=$tree
else
  DRIFTLESS_DEBIAN_TREE_ERROR="scripts/debian-tree.sh failed: $(tail -n 6 "$tree_log" | tr '\n' ' ')"
  export DRIFTLESS_DEBIAN_TREE_ERROR
  echo "scripts/test.sh: no Debian tree; the package and systemd tests will be skipped" >&2
fi
rm -f "$tree_log"

# The .deb that PackageInstallTest installs into a booted Debian machine, built from this tree (jar, trimmed
# Java runtime, class-data archive; about two minutes): scripts/package.sh prints its path.
mvn -B -q -ntp -DskipTests package
DRIFTLESS_DEB=$(bash scripts/package.sh)
export DRIFTLESS_DEB

# Playwright for Java drives /usr/bin/chromium and must not download a browser of its own
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The package step above compiled the tests too; `mvn test` would compile everything again (the jte templates are
# generated anew on every run, so the compiler always finds changed sources: 70-90 s for nothing), surefire:test
# runs them as they are.
exec mvn -B -ntp surefire:test "$@"
