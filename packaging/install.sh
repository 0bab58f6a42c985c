#!/bin/bash
# Installs Driftless from this unpacked tarball: the same files, in the same places, as the .deb.
#
#   sudo ./install.sh            install or upgrade; enables driftless-agent.service, which starts once
#                                /etc/driftless/agent.yaml exists (an upgrade restarts a running agent)
#   sudo ./install.sh --remove   removes the program and the unit; keeps /etc/driftless and /var/lib/driftless
#   sudo ./install.sh --purge    removes them too
#
# Files are copied with their modification times: the class-data archive is only used with the very jar
# and runtime it was made for, and the JVM tells them by size and time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unit=/lib/systemd/system/driftless-agent.service
man=/usr/share/man/man1/driftless.1.gz

say() { echo "install.sh: $*"; }
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run it as root: sudo $0 ${*}" >&2; exit 1; }
systemd=false
[ -d /run/systemd/system ] && systemd=true

remove() {
  if $systemd; then
    systemctl disable --now driftless-agent.service >/dev/null 2>&1 || true
  fi
  rm -rf /usr/lib/driftless /usr/share/doc/driftless
  rm -f /usr/bin/driftless "$unit" "$man"
  if $systemd; then systemctl daemon-reload; fi
  say "removed Driftless; kept /etc/driftless and /var/lib/driftless (--purge deletes them)"
}

case "${1:-}" in
  --remove) remove; exit 0 ;;
  --purge) remove; rm -rf /etc/driftless /var/lib/driftless; say "deleted /etc/driftless and /var/lib/driftless"; exit 0 ;;
  "") ;;
  *) echo "install.sh: unknown option '$1'; use no option (install), --remove or --purge" >&2; exit 1 ;;
esac

upgrade=false
[ -e /usr/lib/driftless ] && upgrade=true
# the new program beside the old one, then swapped in, so that a failed copy leaves the old one working
rm -rf /usr/lib/driftless.new /usr/lib/driftless.old
cp -a "$here/usr/lib/driftless" /usr/lib/driftless.new
if $upgrade; then mv /usr/lib/driftless /usr/lib/driftless.old; fi
mv /usr/lib/driftless.new /usr/lib/driftless
rm -rf /usr/lib/driftless.old
ln -sfn ../lib/driftless/bin/driftless /usr/bin/driftless
install -D -p -m 0644 "$here$unit" "$unit"
install -D -p -m 0644 "$here$man" "$man"
install -d -m 0755 /usr/share/doc/driftless
# made when missing, never changed after: an upgrade keeps an administrator's tighter mode
for dir in /etc/driftless /var/lib/driftless; do
  [ -d "$dir" ] || install -d -m 0755 "$dir"
done
cp -p "$here"/usr/share/doc/driftless/* /usr/share/doc/driftless/
say "installed $(/usr/bin/driftless --version | head -n1) in /usr/lib/driftless, /usr/bin/driftless and $unit"

if $systemd; then
  systemctl daemon-reload
  # enabled at install; an upgrade leaves it as it is (a unit you disabled stays so, as the .deb does)
  if $upgrade; then
    systemctl try-restart driftless-agent.service
  else
    systemctl enable driftless-agent.service >/dev/null 2>&1
    systemctl start driftless-agent.service
  fi
  if ! systemctl --quiet is-enabled driftless-agent.service; then
    say "driftless-agent.service is disabled, as it was: systemctl enable --now driftless-agent starts it"
  elif [ -f /etc/driftless/agent.yaml ]; then
    say "driftless-agent.service is enabled and $(systemctl is-active driftless-agent.service || true)"
  else
    say "driftless-agent.service is enabled; it starts once /etc/driftless/agent.yaml exists" \
      "(driftless bootstrap, or /usr/share/doc/driftless/agent.yaml.example)"
  fi
else
  say "systemd is not running here: run 'driftless agent --config /etc/driftless/agent.yaml' under your supervisor"
fi
