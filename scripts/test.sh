#!/usr/bin/env bash
# Runs every test of Driftless. Installs what the tests need first (git for `git daemon`, OpenSSH's
# server and client tools for the SSH hosts, strace), so that a fresh Debian 12 machine with a JDK and Maven
# needs nothing else.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v mkfifo >/dev/null 2>&1 || need+=(coreutils)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v flock >/dev/null 2>&1 || need+=(util-linux)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v strace >/dev/null 2>&1 || need+=(strace)  # tests record what the kernel saw of a secret's temporary file
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)  # the history store's tests start one
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: please install: ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

# Two unprivileged accounts for the SSH tests of `become: sudo`: one may sudo without a password,
# the other may not sudo at all.
if [ "$(id -u)" -eq 0 ]; then
  id driftless-sudo >/dev/null 2>&1 || useradd --create-home --shell /bin/sh driftless-sudo
  id driftless-plain >/dev/null 2>&1 || useradd --create-home --shell /bin/sh driftless-plain
  # no password, but not locked either: sshd refuses key logins to a locked account
  usermod -p '*' driftless-sudo
  usermod -p '*' driftless-plain
  echo 'driftless-sudo ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/driftless-test
  chmod 0440 /etc/sudoers.d/driftless-test
fi

exec mvn -B -ntp test "$@"
