#!/usr/bin/env bash
# shellcheck disable=SC2034  # some variables are read only inside the conditions that verify() evals
# Driftless vs Ansible over SSH: 3 SSH hosts x 100 services x 10 files (1,000 files per host, half
# templates). Starts three OpenSSH servers on 127.0.0.1, generates the workload, runs Driftless and
# Ansible (default settings, and with pipelining) against the same servers in the same run, and writes
# bench/SSH-RESULTS.md. Section 8 (issue 16) adds six more sshd (each host with an empty home and with root's
# real ~/.bashrc), a relay adding 25 ms each way in front of them, and times Driftless (first apply, no-op,
# a 200-file change commit) beside rsync -a of the same rendered tree over the same sshd.
#
#   bash bench/ssh-run.sh                          # everything (about an hour; Ansible and the real-shell series)
#   BENCH_SKIP_ANSIBLE=1 bash bench/ssh-run.sh     # Driftless + floors + issue 16, reuse saved Ansible numbers
#   BENCH_SKIP_ANSIBLE=1 BENCH_SERVICES=1 BENCH_RUNS=1 BENCH_WARMUP=0 BENCH_I16_SERIES="empty-direct shell-relay" \
#     bash bench/ssh-run.sh                        # a smoke run (about 2 minutes; needs a saved 1-service Ansible file)
#
# Environment (all optional):
#   BENCH_RUNS=5            timed Driftless and floor runs per measure (median reported)
#   BENCH_WARMUP=1          untimed runs before each Driftless/floor measure (not before the first apply)
#   BENCH_SKIP_ANSIBLE=1    reuse bench/results/ssh-ansible-last.txt instead of running Ansible
#   BENCH_WORK=/tmp/driftless-bench-ssh   work directory (regenerated on each run)
#   BENCH_SERVICES=100      services to generate; anything but 100 is a smoke run whose report goes
#                           to $BENCH_WORK/SSH-RESULTS.md, never to bench/
#   BENCH_JAVA_OPTS=""      JVM options used for Driftless and for the JVM floor alike
#   BENCH_CLEAN_HOME=1      each sshd gives root's sessions HOME=$BENCH_WORK/home-N (a stock, empty home);
#                           0 = root's real home, whose ~/.bashrc bash runs before every remote command
#                           (the main series only; the issue-16 series always measure both homes)
#   BENCH_SKIP_I16=1        skip the issue-16 series (section 8: empty home and real shell, rsync -a, relay)
#   BENCH_CHANGE=200        files changed per host by the change commit of the issue-16 series
#                           (default: a fifth of the files, 200 of 1,000)
#   BENCH_I16_SERIES="empty-direct shell-direct empty-relay shell-relay"   the issue-16 series to run (logins
#                           are measured in all four whatever this says)
#   BENCH_RELAY_MS=25       delay the relay adds in each direction (a round trip costs twice this)
#
# Exit code: 0 = ran and the bar passes with all correctness checks; 2 = ran but the bar or a check
# failed; 1 = the benchmark itself could not run.
set -euo pipefail
export LC_ALL=C.UTF-8   # Ansible refuses to run without a UTF-8 locale

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
SKIP_ANSIBLE=${BENCH_SKIP_ANSIBLE:-0}
WORK=${BENCH_WORK:-/tmp/driftless-bench-ssh}
SERVICES=${BENCH_SERVICES:-100}
CLEAN_HOME=${BENCH_CLEAN_HOME:-1}
SKIP_I16=${BENCH_SKIP_I16:-0}
RELAY_MS=${BENCH_RELAY_MS:-25}
NHOSTS=3
BAR=10      # Ansible (pipelining) no-op apply / Driftless no-op apply must be at least this
JAVA_OPTS_ARR=()
if [[ -n "${BENCH_JAVA_OPTS:-}" ]]; then read -r -a JAVA_OPTS_ARR <<<"$BENCH_JAVA_OPTS"; fi
NOOP_CLASS=dev.driftless.cli.Noop

RESULTS_DIR=$BENCH_DIR/results
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ "$SERVICES" == 100 ]]; then
  RESULTS_MD=$BENCH_DIR/SSH-RESULTS.md
  RAW=$RESULTS_DIR/ssh-raw-$STAMP.txt
  ANSIBLE_SAVED=$RESULTS_DIR/ssh-ansible-last.txt
else   # a smoke run leaves bench/ alone
  RESULTS_MD=$WORK/SSH-RESULTS.md
  RAW=$WORK/ssh-raw-$STAMP.txt
  ANSIBLE_SAVED=$(dirname "$WORK")/driftless-bench-ssh-ansible-$SERVICES-services.txt
fi
NFILES=$((SERVICES * 10))          # per host
CHANGE=${BENCH_CHANGE:-$((NFILES / 5))}   # files per host the issue-16 change commit changes
DRIFT_HOST=web-2                   # the host whose file is "edited by hand" before the drift checks
DRIFT_REL=$(printf 'svc-%03d/file-7.conf' $((SERVICES * 42 / 100)))   # svc-042 for 100 services
DRIFT_FILE=/etc/bench/$DRIFT_REL   # a template

log() { printf '[ssh-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

(( BASH_VERSINFO[0] >= 5 )) || die "bash 5 or later is needed (EPOCHREALTIME)"
(( RUNS >= 1 )) || die "BENCH_RUNS must be at least 1"
(( CHANGE >= 1 && CHANGE <= NFILES )) || die "BENCH_CHANGE=$CHANGE: must be between 1 and the $NFILES files per host"
I16_ALL=(empty-direct shell-direct empty-relay shell-relay)   # HOME-LINK
read -r -a I16_SERIES <<<"${BENCH_I16_SERIES:-${I16_ALL[*]}}"
for s in "${I16_SERIES[@]}"; do [[ " ${I16_ALL[*]} " == *" $s "* ]] || die "BENCH_I16_SERIES: unknown series $s (known: ${I16_ALL[*]})"; done
case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing BENCH_WORK=$WORK";; esac

# ---------------------------------------------------------------------------------------------
# 1. Tools (idempotent: installs only what is missing)
# ---------------------------------------------------------------------------------------------
missing=()
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3)
command -v sha256sum >/dev/null || missing+=(coreutils)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
[[ -f "$REPO_ROOT/target/driftless.jar" ]] || command -v mvn >/dev/null || missing+=(maven)
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v flock >/dev/null || missing+=(util-linux)   # Driftless's lock on the host
if [[ "$SKIP_I16" != 1 ]]; then command -v rsync >/dev/null || missing+=(rsync); fi   # the peer, on both ends
if [[ "$SKIP_ANSIBLE" != 1 ]]; then command -v ansible-playbook >/dev/null || missing+=(ansible); fi
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing: ${missing[*]}"
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[[ $(id -u) == 0 ]] || die "run as root: the SSH servers let in root (PermitRootLogin prohibit-password), as a small team's hosts often do"

# ---------------------------------------------------------------------------------------------
# 2. The jar (bin/driftless builds it and trains its class-data archive), and the JVM floor
# ---------------------------------------------------------------------------------------------
"$REPO_ROOT/bin/driftless" --version >/dev/null
JAR=$REPO_ROOT/target/driftless.jar
[[ -f "$JAR" ]] || die "bin/driftless did not build $JAR"
ARCHIVE=$(ls "$REPO_ROOT"/target/driftless-*.jsa 2>/dev/null | head -1 || true)
JAR_SHA=$(sha256sum "$JAR" | cut -c1-12)
JAR_DATE=$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')
JAR_LABEL=${JAR#"$REPO_ROOT"/}
GIT_HEAD=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "(none yet)")
DIRTY=; [[ -n "$(git -C "$REPO_ROOT" status --porcelain -- src/main pom.xml 2>/dev/null || true)" ]] && DIRTY=" plus uncommitted changes in src/main or pom.xml"
LAUNCHER_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off)
[[ -n "$ARCHIVE" ]] && LAUNCHER_OPTS+=(-XX:SharedArchiveFile="$ARCHIVE")
export DRIFTLESS_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
DRIFTLESS=("$REPO_ROOT/bin/driftless")
JVM_FLOOR=(java "${LAUNCHER_OPTS[@]}" "${JAVA_OPTS_ARR[@]}" -cp "$JAR" "$NOOP_CLASS")
NOTES=()

rm -rf "$WORK"
mkdir -p "$WORK" "$RESULTS_DIR"
: >"$RAW"
LOGS=$WORK/logs; mkdir -p "$LOGS"

# ---------------------------------------------------------------------------------------------
# 3. Three OpenSSH servers on 127.0.0.1, each with its own config, host key and port
# ---------------------------------------------------------------------------------------------
USER_KEY=$WORK/user_key
KNOWN=$WORK/known_hosts
ssh-keygen -q -t ed25519 -N '' -C driftless-bench -f "$USER_KEY"
mkdir -p /run/sshd   # privilege separation directory
SSHD_PIDS=()
PORTS=()
RELAY_PID=   # bench/lib/delay-relay.py, when the issue-16 series run
stop_servers() {
  local pid
  for pid in "${SSHD_PIDS[@]}"; do
    # the listener's children are the sessions still open (Ansible's ControlPersist masters keep theirs)
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SSHD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SSHD_PIDS=()
  if [[ -n $RELAY_PID ]]; then kill -TERM "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; fi
  RELAY_PID=
}
trap stop_servers EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_sshd DIR NAME HOME: an sshd for host NAME, configured and logging in DIR, root's sessions with HOME
# (empty: root's real home, /root); waits for its "Server listening" line (read from a FIFO, no sleeps).
# Sets SSHD_PORT and adds the host key to known_hosts.
start_sshd() {
  local d=$1 name=$2 home=$3 port line fd pid ok=0
  mkdir -p "$d"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$d/host_key"
  port=$(free_port)
  cat >"$d/sshd_config" <<EOF
# sshd for the benchmark host $name (generated by bench/ssh-run.sh)
Port $port
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $USER_KEY.pub
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PrintMotd no
MaxSessions 50
MaxStartups 100
# as in Debian's default sshd_config (Ansible copies its modules over SFTP by default)
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  if [[ -n $home ]]; then
    mkdir -p "$home"
    printf '# the home of root on this host (bash sources its ~/.bashrc before every command sshd runs)\nSetEnv HOME=%s\n' "$home" >>"$d/sshd_config"
  fi
  /usr/sbin/sshd -t -f "$d/sshd_config" || die "sshd rejects $d/sshd_config"
  mkfifo "$d/stderr.fifo"
  /usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/stderr.fifo" &
  pid=$!
  SSHD_PIDS+=("$pid")
  exec {fd}<"$d/stderr.fifo"
  while IFS= read -r -t 30 -u "$fd" line; do
    printf '%s\n' "$line" >>"$d/sshd.log"
    if [[ $line == *"Server listening on 127.0.0.1 port $port"* ]]; then ok=1; break; fi
  done
  if ((ok == 0)); then
    die "sshd for $name did not start (port $port): $(cat "$d/sshd.log" 2>/dev/null)"
  fi
  # keep draining its stderr into the log, or sshd would block (or die of SIGPIPE) on a full FIFO
  cat <&"$fd" >>"$d/sshd.log" &
  exec {fd}<&-
  SSHD_PORT=$port
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$d/host_key.pub")" >>"$KNOWN"
}
# The hosts of the main series: bash sources ~/.bashrc before every command sshd runs; a stock root account's
# is a few comments, this machine's runs pyenv init (~80 ms). With BENCH_CLEAN_HOME=1 each gets an empty home.
for ((i = 1; i <= NHOSTS; i++)); do
  home=; [[ $CLEAN_HOME == 1 ]] && home=$WORK/home-$i
  start_sshd "$WORK/sshd-$i" "web-$i" "$home"
  PORTS[i]=$SSHD_PORT
done
log "sshd listening on 127.0.0.1 ports ${PORTS[*]}"
SSH_OPTS=(-i "$USER_KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KNOWN" -o StrictHostKeyChecking=yes -o BatchMode=yes)
for ((i = 1; i <= NHOSTS; i++)); do
  ssh "${SSH_OPTS[@]}" -p "${PORTS[i]}" root@127.0.0.1 true || die "cannot log in to web-$i over ssh (port ${PORTS[i]})"
done

# ---------------------------------------------------------------------------------------------
# 4. The workload: a Driftless repository (committed) and the equivalent Ansible playbook
# ---------------------------------------------------------------------------------------------
log "generating $SERVICES services x 10 files for $NHOSTS SSH hosts in $WORK"
python3 - "$WORK" "$SERVICES" "$NHOSTS" "$USER_KEY" "$KNOWN" "${PORTS[@]}" <<'PY'
# The file generator is bench/run.sh's, unchanged (same bytes); only the inventory, the playbook's
# hosts and the expected renderings (one per host: templates use {{ host.name }}) differ.
import os, random, sys

work, nsvc, nhosts, user_key, known = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
ports = [int(p) for p in sys.argv[6:]]
assert len(ports) == nhosts
hosts = ["web-%d" % (i + 1) for i in range(nhosts)]
repo = os.path.join(work, "repo")
ans = os.path.join(work, "ansible")
os.makedirs(repo); os.makedirs(ans)

REPO_VARS = {"domain": "bench.example.org", "org": "driftless-bench",
             "ntp_server": "ntp.bench.example.org", "dns_server": "192.0.2.53",
             "smtp_relay": "smtp.bench.example.org"}
HOST_VARS = {"region": "eu-central", "stage": "bench", "log_level": "info",
             "listen_addr": "127.0.0.1"}
VALS = dict(REPO_VARS, **HOST_VARS, **{"host.name": "bench"})
NAMES = list(VALS)

class Doc:
    """Builds one config file; in a template some values become {{ var }} references."""
    def __init__(self, rng, tmpl):
        self.rng, self.tmpl, self.lines = rng, tmpl, []
    def v(self, name, p=1.0):
        if self.tmpl and self.rng.random() < p:
            return "{{ %s }}" % name
        return VALS[name]
    def anyv(self, p=0.5):
        return self.v(self.rng.choice(NAMES), p)
    def add(self, *lines):
        self.lines.extend(lines)
    def size(self):
        return sum(len(l) + 1 for l in self.lines)

WORDS = ("alpha bravo cache queue worker index search upload report billing ledger audit "
         "session token metrics export import sync mailer thumb feed notify").split()

def ip(r): return "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))
def word(r): return r.choice(WORDS)

def nginx(d, svc, k, target):
    r = d.rng
    d.add("# %s/file-%d: reverse proxy for %s.%s" % (svc, k, svc, d.v("domain")),
          "# managed by %s, stage %s, host %s (edit the repository, not this file)"
          % (d.v("org"), d.v("stage"), d.v("host.name")), "",
          "upstream %s_backend {" % svc.replace("-", "_"))
    for _ in range(r.randint(2, 5)):
        d.add("    server %s:%d weight=%d max_fails=3 fail_timeout=%ds;"
              % (ip(r), r.randint(8000, 9999), r.randint(1, 9), r.randint(5, 60)))
    d.add("    keepalive %d;" % r.randint(8, 64), "}", "",
          "server {",
          "    listen %s:%d;" % (d.v("listen_addr"), r.randint(8000, 8999)),
          "    server_name %s.%s www.%s.%s;" % (svc, d.v("domain"), svc, d.v("domain")),
          "    access_log /var/log/nginx/%s.access.log combined;" % svc,
          "    error_log /var/log/nginx/%s.error.log %s;" % (svc, d.v("log_level")),
          "    resolver %s valid=%ds;" % (d.v("dns_server"), r.randint(30, 300)),
          "    client_max_body_size %dm;" % r.randint(1, 512), "")
    while d.size() < target:
        w = word(r)
        d.add("    location /%s/%s-%d/ {" % (w, word(r), r.randint(0, 9999)),
              "        proxy_pass http://%s_backend;" % svc.replace("-", "_"),
              "        proxy_set_header Host %s.%s;" % (svc, d.v("domain", 0.4)),
              "        proxy_set_header X-Region %s;" % d.v("region", 0.4),
              "        proxy_read_timeout %ds;" % r.randint(5, 300),
              "        proxy_buffers %d %dk;" % (r.randint(4, 32), r.choice((4, 8, 16))),
              "    }")
    d.add("}")

def ini(d, svc, k, target):
    r = d.rng
    d.add("; %s/file-%d: application settings" % (svc, k),
          "; organisation %s, region %s" % (d.v("org"), d.v("region")), "",
          "[main]",
          'name = "%s-%d"' % (svc, k),
          'hostname = "%s"' % d.v("host.name"),
          'stage = "%s"' % d.v("stage"),
          'log_level = "%s"' % d.v("log_level"),
          'listen = "%s:%d"' % (d.v("listen_addr"), r.randint(1024, 65000)),
          "workers = %d" % r.randint(1, 64), "")
    n = 0
    while d.size() < target:
        n += 1
        w = word(r)
        d.add("[%s.%d]" % (w, n),
              "enabled = %s" % r.choice(("true", "false")),
              'endpoint = "https://%s.%s/api/v%d"' % (w, d.v("domain", 0.5), r.randint(1, 4)),
              "timeout_ms = %d" % r.randint(100, 30000),
              "retries = %d" % r.randint(0, 10),
              'queue = "%s-%s-%04d"' % (svc, w, r.randint(0, 9999)),
              'notify = "ops@%s"' % d.v("domain", 0.3), "")

def envfile(d, svc, k, target):
    r = d.rng
    d.add("# %s/file-%d: environment for the %s unit" % (svc, k, svc),
          "# generated for %s in %s" % (d.v("host.name"), d.v("region")),
          "APP_NAME=%s" % svc,
          'APP_STAGE="%s"' % d.v("stage"),
          'APP_DOMAIN="%s"' % d.v("domain"),
          'APP_LOG_LEVEL="%s"' % d.v("log_level"),
          'SMTP_RELAY="%s:%d"' % (d.v("smtp_relay"), r.choice((25, 587))),
          'NTP_SERVER="%s"' % d.v("ntp_server"))
    while d.size() < target:
        w = word(r).upper()
        d.add("%s_%s_%d=%s" % (svc.upper().replace("-", "_"), w, r.randint(0, 99999),
                               r.choice((str(r.randint(0, 10**6)), "%x" % r.getrandbits(64),
                                         "%s:%d" % (d.anyv(0.3), r.randint(1, 65535)),
                                         "/var/lib/%s/%s" % (svc, w.lower())))))

def logrotate(d, svc, k, target):
    r = d.rng
    d.add("# %s/file-%d: log rotation (%s)" % (svc, k, d.v("org")), "")
    while d.size() < target:
        w = word(r)
        d.add("/var/log/%s/%s-%d.log {" % (svc, w, r.randint(0, 999)),
              "    %s" % r.choice(("daily", "weekly", "monthly")),
              "    rotate %d" % r.randint(3, 90),
              "    maxsize %dM" % r.randint(10, 500),
              "    missingok", "    notifempty", "    compress", "    delaycompress",
              "    create 0640 %s adm" % svc.replace("-", ""),
              "    postrotate",
              "        /usr/bin/systemctl kill -s HUP %s-%s.service >/dev/null 2>&1 || true" % (svc, w),
              "        logger -t logrotate rotated-%s-on-%s" % (w, d.v("host.name", 0.5)),
              "    endscript", "}", "")

def yamlcfg(d, svc, k, target):
    r = d.rng
    d.add("# %s/file-%d" % (svc, k),
          "service: %s" % svc,
          'host: "%s"' % d.v("host.name"),
          'region: "%s"' % d.v("region"),
          'stage: "%s"' % d.v("stage"),
          "logging:",
          '  level: "%s"' % d.v("log_level"),
          "  format: %s" % r.choice(("json", "logfmt", "text")),
          "dns:",
          '  servers: ["%s"]' % d.v("dns_server"),
          "jobs:")
    while d.size() < target:
        w = word(r)
        d.add("  - name: %s-%d" % (w, r.randint(0, 9999)),
              '    schedule: "%d */%d * * *"' % (r.randint(0, 59), r.randint(1, 12)),
              '    url: "https://%s.%s/%s"' % (svc, d.v("domain", 0.5), w),
              "    concurrency: %d" % r.randint(1, 16),
              "    timeout: %ds" % r.randint(10, 3600),
              "    labels: {team: %s, tier: %s}" % (word(r), r.choice(("gold", "silver", "bronze"))))

def prometheus(d, svc, k, target):
    r = d.rng
    d.add("# %s/file-%d: scrape configuration" % (svc, k),
          "global:",
          "  scrape_interval: %ds" % r.choice((10, 15, 30, 60)),
          "  external_labels:",
          '    host: "%s"' % d.v("host.name"),
          '    region: "%s"' % d.v("region"),
          '    stage: "%s"' % d.v("stage"),
          "scrape_configs:")
    while d.size() < target:
        w = word(r)
        d.add("  - job_name: %s-%s-%d" % (svc, w, r.randint(0, 9999)),
              "    metrics_path: /%s/metrics" % w,
              "    scheme: %s" % r.choice(("http", "https")),
              "    static_configs:",
              "      - targets:")
        for _ in range(r.randint(1, 4)):
            d.add('          - "%s:%d"' % (ip(r), r.randint(9100, 9999)))
        d.add("        labels:",
              '          domain: "%s"' % d.v("domain", 0.5),
              "          team: %s" % word(r))

def sysctl(d, svc, k, target):
    r = d.rng
    d.add("# %s/file-%d: kernel tuning for %s (%s)" % (svc, k, svc, d.v("host.name")), "")
    keys = ("net.core.somaxconn", "net.ipv4.tcp_fin_timeout", "vm.swappiness", "fs.file-max",
            "net.ipv4.ip_local_port_range", "net.core.netdev_max_backlog", "vm.dirty_ratio",
            "net.ipv4.tcp_keepalive_time", "kernel.pid_max", "net.ipv4.tcp_max_syn_backlog")
    while d.size() < target:
        key = r.choice(keys)
        d.add("# %s for %s-%d in %s" % (key, word(r), r.randint(0, 999), d.v("region", 0.3)),
              "%s = %d" % (key, r.randint(1, 10**6)), "")

KINDS = (nginx, ini, envfile, logrotate, yamlcfg, prometheus, sysctl)

def render(text, host):
    for name, val in dict(VALS, **{"host.name": host}).items():
        text = text.replace("{{ %s }}" % name, val)
    return text

def make(svc_i, k):
    svc = "svc-%03d" % svc_i
    rng = random.Random("%d/%d" % (svc_i, k))
    tmpl = k >= 5
    d = Doc(rng, tmpl)
    KINDS[(svc_i * 10 + k) % len(KINDS)](d, svc, k, rng.randint(1024, 3900))
    lines = d.lines
    if tmpl:
        # Pebble drops a newline that directly follows a tag by default; Jinja2 does not.
        # No line ends with "}}", so both engines render these templates byte for byte alike.
        lines = [l + " # managed" if l.rstrip().endswith("}}") else l for l in lines]
    return "\n".join(lines) + "\n"

def yq(s):  # a YAML double-quoted scalar
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')

with open(os.path.join(repo, "driftless.yaml"), "w") as f:
    f.write("# Driftless SSH benchmark inventory (generated by bench/ssh-run.sh)\n")
    f.write("hosts:\n")
    for i, h in enumerate(hosts):
        f.write("  %s:\n" % h)
        f.write("    address: ssh://root@127.0.0.1:%d\n" % ports[i])
        f.write("    root: %s\n" % os.path.join(work, "host-%d" % (i + 1)))
        f.write("    identity: %s\n" % user_key)
        f.write("    groups: [bench]\n")
        f.write("    vars:\n")
        for k, v in HOST_VARS.items():
            f.write("      %s: %s\n" % (k, yq(v)))
    f.write("vars:\n")
    for k, v in REPO_VARS.items():
        f.write("  %s: %s\n" % (k, yq(v)))

copies, templates, dests = [], [], []
for i in range(nsvc):
    svc = "svc-%03d" % i
    sdir = os.path.join(repo, "services", svc)
    os.makedirs(sdir)
    entries = []
    for k in range(10):
        dest = "/etc/bench/%s/file-%d.conf" % (svc, k)
        src = "file-%d.conf" % k + (".peb" if k >= 5 else "")
        body = make(i, k)
        if k >= 5:
            assert "{{" in body and "{%" not in body and "{#" not in body
        with open(os.path.join(sdir, src), "w") as f:
            f.write(body)
        key = "template" if k >= 5 else "source"
        entries.append('  - path: %s\n    %s: %s\n    mode: "0644"\n' % (dest, key, src))
        (templates if k >= 5 else copies).append((svc, src, dest))
        dests.append(dest)
    with open(os.path.join(sdir, "service.yaml"), "w") as f:
        f.write("description: bench service %d\nhosts: [bench]\nfiles:\n" % i + "".join(entries))
    with open(os.path.join(sdir, "README.md"), "w") as f:
        f.write("# %s\n\nBenchmark service %d: five copied files and five Pebble templates.\n" % (svc, i))

with open(os.path.join(work, "dests.txt"), "w") as f:
    f.write("\n".join(dests) + "\n")

# Ansible: the same three hosts (same sshd, same user key, host keys checked against the same
# known_hosts), each writing under its own folder ansible-host-N, apart from Driftless's host-N.
with open(os.path.join(ans, "hosts.ini"), "w") as f:
    f.write("[bench]\n")
    for i, h in enumerate(hosts):
        f.write("%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root ansible_ssh_private_key_file=%s "
                "ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes' host_root=%s\n"
                % (h, ports[i], user_key, known, os.path.join(work, "ansible-host-%d" % (i + 1))))
with open(os.path.join(ans, "vars.yml"), "w") as f:
    f.write("# repo-wide vars and host vars, as in driftless.yaml\n")
    for k, v in dict(REPO_VARS, **HOST_VARS).items():
        f.write("%s: %s\n" % (k, yq(v)))
    f.write('host:\n  name: "{{ inventory_hostname }}"        # Pebble\'s host.name\n')
with open(os.path.join(ans, "services.yml"), "w") as f:
    f.write("bench_services:\n")
    for i in range(nsvc):
        f.write("  - svc-%03d\n" % i)
    for name, rows in (("bench_copies", copies), ("bench_templates", templates)):
        f.write("%s:\n" % name)
        for svc, src, dest in rows:
            f.write("  - {service: %s, src: %s, dest: %s}\n" % (svc, src, dest))
with open(os.path.join(ans, "site.yml"), "w") as f:
    f.write("""\
# Equivalent of the Driftless repository in ../repo (generated by bench/ssh-run.sh).
- name: bench services
  hosts: bench
  gather_facts: false
  vars:
    ansible_python_interpreter: /usr/bin/python3
    bench_repo: %s
  vars_files:
    - vars.yml
    - services.yml
  tasks:
    - name: service directories
      ansible.builtin.file:
        path: "{{ host_root }}/etc/bench/{{ item }}"
        state: directory
        mode: "0755"
      loop: "{{ bench_services }}"

    - name: copied files
      ansible.builtin.copy:
        src: "{{ bench_repo }}/services/{{ item.service }}/{{ item.src }}"
        dest: "{{ host_root }}{{ item.dest }}"
        mode: "0644"
      loop: "{{ bench_copies }}"

    - name: templates
      ansible.builtin.template:
        src: "{{ bench_repo }}/services/{{ item.service }}/{{ item.src }}"
        dest: "{{ host_root }}{{ item.dest }}"
        mode: "0644"
      loop: "{{ bench_templates }}"
""" % repo)

# The expected rendering of every destination on every host, to check both tools wrote the same bytes.
for h in hosts:
    exp = os.path.join(work, "expected", h)
    for svc, src, dest in copies + templates:
        p = exp + dest
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(os.path.join(repo, "services", svc, src)) as fi, open(p, "w") as fo:
            fo.write(render(fi.read(), h))
PY

git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
  commit -q -m "ssh bench workload: $NHOSTS hosts x $SERVICES services x 10 files"
mapfile -t DESTS <"$WORK/dests.txt"
((${#DESTS[@]} == NFILES)) || die "generator wrote ${#DESTS[@]} destinations, expected $NFILES"
SRC_BYTES=$(find "$WORK/expected/web-1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')

# ---------------------------------------------------------------------------------------------
# 5. Timing helpers and checks
# ---------------------------------------------------------------------------------------------
declare -A TIMES RCS
LAST_SECS=0 LAST_RC=0
# timed MEASURE RUN LOGFILE CMD...: whole-process wall time of CMD
timed() {
  local m=$1 run=$2 out=$3; shift 3
  local t0 t1 rc=0
  t0=$EPOCHREALTIME
  "$@" >>"$out" 2>&1 || rc=$?
  t1=$EPOCHREALTIME
  LAST_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
  LAST_RC=$rc
  printf '%-22s %-8s %10s s  rc=%s\n' "$m" "$run" "$LAST_SECS" "$rc" >>"$RAW"
  if [[ "$run" != warmup* ]]; then
    TIMES[$m]="${TIMES[$m]:-} $LAST_SECS"
    RCS[$m]="${RCS[$m]:-} $rc"
  fi
}
median() { python3 -c 'import statistics,sys; print("%.4f" % statistics.median(map(float, sys.argv[1:])))' $1; }
minmax() { python3 -c 'import sys; v=list(map(float, sys.argv[1:])); print("%.3f-%.3f" % (min(v), max(v)))' $1; }
# Each tool has its own folder per host: Driftless host-N (the host's root:), Ansible ansible-host-N.
# tree_state PREFIX: inode, size, mtime of every managed file on every host (to prove a no-op wrote none
# of them; the tool's own state, e.g. ROOT/var/lib/driftless, may change)
tree_state() {
  local i
  for ((i = 1; i <= NHOSTS; i++)); do
    (cd "$WORK/$1-$i/etc/bench" 2>/dev/null && find . -type f -printf "web-$i %p %i %s %T@\n" | sort) || true
  done
}
# count_files PREFIX: managed files per host, e.g. "1000 1000 1000"
count_files() {
  local i out=()
  for ((i = 1; i <= NHOSTS; i++)); do out+=("$({ find "$WORK/$1-$i/etc/bench" -type f 2>/dev/null || true; } | wc -l)"); done
  echo "${out[*]}"
}
ALL_FILES=$(printf "$NFILES %.0s" $(seq "$NHOSTS")); ALL_FILES=${ALL_FILES% }
# same_as_expected PREFIX: every host's files have the bytes rendered for that host
same_as_expected() {
  local i
  for ((i = 1; i <= NHOSTS; i++)); do
    diff -r -q "$WORK/expected/web-$i/etc/bench" "$WORK/$1-$i/etc/bench" >/dev/null 2>&1 || return 1
  done
}
wrong_modes() { local i; for ((i = 1; i <= NHOSTS; i++)); do find "$WORK/$1-$i/etc/bench" -type f ! -perm 0644 2>/dev/null || true; done | wc -l; }
DRIFT_N=${DRIFT_HOST#web-}
hand_edit() { mkdir -p "$(dirname "$WORK/$1-$DRIFT_N$DRIFT_FILE")"; printf '# edited by hand on the host\n' >>"$WORK/$1-$DRIFT_N$DRIFT_FILE"; }
# sshd_count PATTERN: lines matching PATTERN in the logs of the three servers, e.g. "4 4 4"
sshd_count() {
  local i out=()
  for ((i = 1; i <= NHOSTS; i++)); do out+=("$({ grep -c -- "$1" "$WORK/sshd-$i/sshd.log" || true; })"); done
  echo "${out[*]}"
}
# delta "A B C" "D E F": "D-A E-B F-C"
delta() { python3 -c 'import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(" ".join(str(int(y) - int(x)) for x, y in zip(a, b)))' "$1" "$2"; }
all_at_least() { local v; for v in $2; do ((v >= $1)) || return 1; done; }
calc() { python3 -c "print('%.2f' % ($1))"; }
ok() { python3 -c "import sys; sys.exit(0 if ($1) else 1)"; }

{
  echo "# raw per-run timings, $(date -u +%Y-%m-%dT%H:%M:%SZ), $NHOSTS SSH hosts x $SERVICES services x 10 files"
  echo "# sshd ports: ${PORTS[*]}"
  echo "# measure              run      wall time    exit code"
} >>"$RAW"

CHECKS=()   # "PASS|FAIL text" lines about correctness, shown in SSH-RESULTS.md
# verify TEXT CONDITION: CONDITION (a shell expression) is evaluated now and recorded with TEXT
verify() { if eval "$2"; then CHECKS+=("PASS $1"); else CHECKS+=("FAIL $1"); log "check failed: $1"; fi; }
# all_rc WANT "RC RC ...": every timed run exited WANT
all_rc() { local r; [[ -n "${2// /}" ]] || return 1; for r in $2; do [[ $r == "$1" ]] || return 1; done; }

# ---------------------------------------------------------------------------------------------
# 6. Driftless
# ---------------------------------------------------------------------------------------------
DARGS=(--repo "$WORK/repo" --known-hosts "$KNOWN")

log "Driftless first apply over SSH to $NHOSTS hosts (one run, empty hosts)"
acc0=$(sshd_count "Accepted publickey")
echo "== apply (first)" >>"$LOGS/driftless-first.log"
timed driftless-first 1 "$LOGS/driftless-first.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
acc1=$(sshd_count "Accepted publickey")
n=$(count_files host)
verify "Driftless first apply exits 0 (exit code:${RCS[driftless-first]})" 'all_rc 0 "${RCS[driftless-first]}"'
verify "Driftless first apply went over SSH: every sshd logged a login of the user key (logins per host: $(delta "$acc0" "$acc1"))" \
  'all_at_least 1 "$(delta "$acc0" "$acc1")"'
verify "Driftless first apply wrote all $NFILES files on each of the $NHOSTS hosts with the bytes rendered for that host (files per host: $n)" \
  '[[ $n == "$ALL_FILES" ]] && same_as_expected host'
modes=$(wrong_modes host)
verify "Driftless files have mode 0644 ($modes do not)" '[[ $n != "0 0 0" && $modes == 0 ]]'

log "Driftless no-op apply: $WARMUP warmup + $RUNS runs"
before=$(tree_state host)
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  ((i == WARMUP + 1)) && acc0=$(sshd_count "Accepted publickey")
  echo "== apply (no-op) $run" >>"$LOGS/driftless-noop.log"
  timed driftless-noop "$run" "$LOGS/driftless-noop.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
done
acc1=$(sshd_count "Accepted publickey")
D_LOGINS=$(delta "$acc0" "$acc1")
after=$(tree_state host)
verify "Driftless no-op apply exits 0 (exit codes:${RCS[driftless-noop]})" 'all_rc 0 "${RCS[driftless-noop]}"'
verify "Driftless no-op apply rewrote no managed file on any host (same inode, size and mtime for all $NHOSTS x $NFILES)" \
  '[[ -n "$before" && "$before" == "$after" ]]'
rc=0; "${DRIFTLESS[@]}" plan "${DARGS[@]}" >"$LOGS/driftless-plan.log" 2>&1 || rc=$?
verify "Driftless plan after apply exits 0, nothing to do (got $rc)" '[[ $rc == 0 ]]'

log "Driftless drift check after a hand edit of $DRIFT_FILE on $DRIFT_HOST: $WARMUP warmup + $RUNS runs"
hand_edit host
before=$(tree_state host)
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  echo "== check $run" >>"$LOGS/driftless-check.log"
  timed driftless-check "$run" "$LOGS/driftless-check.log" "${DRIFTLESS[@]}" check "${DARGS[@]}"
done
after=$(tree_state host)
verify "Driftless check exits 2 on drift (exit codes:${RCS[driftless-check]})" 'all_rc 2 "${RCS[driftless-check]}"'
verify "Driftless check output names the drifted file and no other" \
  '[[ "$(grep -oE "svc-[0-9]{3}/file-[0-9]+[.]conf" "$LOGS/driftless-check.log" | sort -u)" == "$DRIFT_REL" ]]'
# every run: the other hosts print "...: no changes.", and the summary is one change
others_clean() {
  local i
  for ((i = 1; i <= NHOSTS; i++)); do
    [[ web-$i == "$DRIFT_HOST" ]] && continue
    [[ $(grep -cE "^web-$i \(.*: no changes\.$" "$LOGS/driftless-check.log") == $((WARMUP + RUNS)) ]] || return 1
  done
  [[ $(grep -c "^Plan: 0 to add, 1 to change, 0 to delete\.$" "$LOGS/driftless-check.log") == $((WARMUP + RUNS)) ]]
}
verify "Driftless check reports the change on $DRIFT_HOST only: the other hosts print \"no changes\", the summary \"Plan: 0 to add, 1 to change, 0 to delete\" (every run)" \
  others_clean
verify "Driftless check changed nothing on the hosts" '[[ "$before" == "$after" ]]'
JAR_SHA_AFTER=$(sha256sum "$JAR" | cut -c1-12)
verify "the jar was not rebuilt while Driftless was measured (sha256 $JAR_SHA... before, $JAR_SHA_AFTER... after)" \
  '[[ $JAR_SHA_AFTER == "$JAR_SHA" ]]'

# ---------------------------------------------------------------------------------------------
# 7. Floors: a JVM that starts and exits; an OpenSSH login to the three hosts
# ---------------------------------------------------------------------------------------------
ssh_floor() {
  local i pids=() rc=0
  for ((i = 1; i <= NHOSTS; i++)); do
    ssh "${SSH_OPTS[@]}" -o ControlMaster=no -o ControlPath=none -p "${PORTS[i]}" root@127.0.0.1 true & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  return $rc
}
log "floor: JVM start+exit, $WARMUP warmup + $RUNS runs"
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  timed jvm-floor "$run" "$LOGS/jvm-floor.log" "${JVM_FLOOR[@]}"
done
verify "JVM floor exits 0 (exit codes:${RCS[jvm-floor]})" 'all_rc 0 "${RCS[jvm-floor]}"'
log "floor: ssh login + true on the $NHOSTS hosts in parallel, $WARMUP warmup + $RUNS runs"
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  timed ssh-floor "$run" "$LOGS/ssh-floor.log" ssh_floor
done
verify "ssh floor exits 0 (exit codes:${RCS[ssh-floor]})" 'all_rc 0 "${RCS[ssh-floor]}"'

# ---------------------------------------------------------------------------------------------
# 8. Issue 16: what users have. Each host with an empty home and with root's real ~/.bashrc (pyenv init),
#    reached directly and through a relay adding RELAY_MS each way; in each of the four series Driftless
#    (first apply, no-op, a CHANGE-file commit) beside rsync -a of the rendered tree over the same sshd
# ---------------------------------------------------------------------------------------------
I16=$WORK/i16
declare -A I16_PORT RELAY_PORT
CHANGE_LINE="# changed by the ${CHANGE}-file commit of bench/ssh-run.sh"
# the CHANGE destinations changed per host, spread evenly over all of them (file-0 and file-5 of each service for 200 of 1,000)
CHANGED=()
for ((k = 0; k < CHANGE; k++)); do CHANGED+=("${DESTS[k * NFILES / CHANGE]}"); done

# real_shell_home DIR: root's ~/.bashrc and ~/.profile copied into DIR, and each folder under ~ they name (~/.pyenv
# for `pyenv init`, ~/.cargo for ~/.cargo/env) made of symlinks to the real one's entries, but for a `shims` folder,
# made empty: pyenv init runs pyenv rehash, which rewrites all shims under a lock, and each host has its own (copying
# this machine's could catch a rehash of its own shells half-way)
real_shell_home() {
  local dir=$1 f name e
  mkdir -p "$dir"
  for f in .bashrc .profile; do if [[ -f /root/$f ]]; then cp -p "/root/$f" "$dir/$f"; fi; done
  while IFS= read -r name; do
    [[ -d /root/$name ]] || continue
    mkdir -p "$dir/$name"
    for e in "/root/$name"/* "/root/$name"/.[!.]*; do
      [[ -e $e || -L $e ]] || continue
      if [[ ${e##*/} == shims ]]; then mkdir "$dir/$name/shims"; else ln -s "$e" "$dir/$name/"; fi
    done
  done < <(cat "$dir"/.bashrc "$dir"/.profile 2>/dev/null | sed 's/#.*//' \
             | grep -oE '(\$HOME|\$\{HOME\}|~)/\.[A-Za-z0-9_-][A-Za-z0-9_.-]*' | sed -E 's#^[^/]*/##' | sort -u)
}
# start_relay TARGET_PORT...: bench/lib/delay-relay.py in front of each port; sets RELAY_PORT[TARGET] (waits for "ready")
start_relay() {
  local fifo=$I16/relay.fifo fd line ok=0 words
  mkfifo "$fifo"
  python3 "$BENCH_DIR/lib/delay-relay.py" "$RELAY_MS" "$@" >"$fifo" 2>>"$LOGS/relay.log" &
  RELAY_PID=$!
  exec {fd}<"$fifo"
  while IFS= read -r -t 30 -u "$fd" line; do
    read -r -a words <<<"$line"
    if [[ ${words[0]} == relay ]]; then RELAY_PORT[${words[1]}]=${words[2]}; fi
    if [[ $line == ready ]]; then ok=1; break; fi
  done
  ((ok == 1)) || die "the relay did not start: $(cat "$LOGS/relay.log" 2>/dev/null)"
  cat <&"$fd" >>"$LOGS/relay.log" &
  exec {fd}<&-
}
# series_ports SERIES: the port of each host in SERIES, "P1 P2 P3" (the relay's when the link is relay)
series_ports() {
  local home=${1%-*} link=${1#*-} i p out=()
  for ((i = 1; i <= NHOSTS; i++)); do
    p=${I16_PORT[$home,$i]}
    [[ $link == relay ]] && p=${RELAY_PORT[$p]}
    out+=("$p")
  done
  echo "${out[*]}"
}
# sshd_logins HOME: "Accepted publickey" lines in the logs of the servers of HOME (empty|shell), "N N N"
sshd_logins() {
  local i out=()
  for ((i = 1; i <= NHOSTS; i++)); do out+=("$({ grep -c "Accepted publickey" "$I16/sshd-$1-$i/sshd.log" || true; })"); done
  echo "${out[*]}"
}
# rsync_hosts SRC DEST PORTS: rsync -a of SRC/web-N/ to 127.0.0.1:DEST/host-N/ over ssh, the hosts in parallel;
# -i lists each file sent ("<f..." lines) in the log
rsync_hosts() {
  local src=$1 dest=$2 ports i pids=() rc=0 p
  read -r -a ports <<<"$3"
  mkdir -p "$dest"
  for ((i = 1; i <= NHOSTS; i++)); do
    rsync -a -i -e "ssh ${SSH_OPTS[*]} -p ${ports[i - 1]}" "$src/web-$i/" "root@127.0.0.1:$dest/host-$i/" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}
# same_as EXPECTED DIR: every host's tree DIR/host-N/etc/bench has the bytes of EXPECTED/web-N/etc/bench
same_as() {
  local i
  for ((i = 1; i <= NHOSTS; i++)); do diff -r -q "$1/web-$i/etc/bench" "$2/host-$i/etc/bench" >/dev/null 2>&1 || return 1; done
}
# changed_as_rendered DIR: the roots changed by change runs 1..RUNS-1 (moved aside to DIR/changed-K-host-N) hold the
# changed tree
changed_as_rendered() {
  local k i
  for ((k = 2; k <= RUNS; k++)); do
    for ((i = 1; i <= NHOSTS; i++)); do
      diff -r -q "$I16/expected-change/web-$i/etc/bench" "$1/changed-$k-host-$i/etc/bench" >/dev/null 2>&1 || return 1
    done
  done
}
# same_as_each EXPECTED DIR: same_as EXPECTED DIR/rsync-K for each of the RUNS rsync folders
same_as_each() { local k; for ((k = 1; k <= RUNS; k++)); do same_as "$1" "$2/rsync-$k" || return 1; done; }
# rewritten BEFORE AFTER: managed files whose inode, size or mtime differ between two tree_state listings
rewritten() { comm -13 <(sort <<<"$1") <(sort <<<"$2") | wc -l; }

# i16_series SERIES: the measures of one series, on its own copy of the repository and its own host roots
i16_series() {
  local s=$1 home=${1%-*} d=$I16/$1 ports pa i k run acc0 acc1 before after n dest src
  ports=$(series_ports "$s")
  read -r -a pa <<<"$ports"
  log "issue 16, series $s (ports $ports)"
  cp -a "$WORK/repo" "$d-repo"
  for ((i = 1; i <= NHOSTS; i++)); do
    sed -i -e "s#^    address: ssh://root@127.0.0.1:${PORTS[i]}\$#    address: ssh://root@127.0.0.1:${pa[i - 1]}#" \
      -e "s#^    root: $WORK/host-$i\$#    root: $d/host-$i#" "$d-repo/driftless.yaml"
  done
  git -C "$d-repo" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
    commit -q -am "series $s: hosts on ports $ports, roots under $d"
  n=$({ grep -cE "^    (address: ssh://root@127[.]0[.]0[.]1:($(tr ' ' '|' <<<"$ports"))|root: $d/host-[0-9]+)\$" "$d-repo/driftless.yaml" || true; })
  verify "$s: the series' inventory names its own ports and roots ($n of $((2 * NHOSTS)) lines)" "[[ $n == $((2 * NHOSTS)) ]]"
  local dargs=(--repo "$d-repo" --known-hosts "$KNOWN")

  # Driftless's runs and rsync's alternate, so that both meet the machine in the same state: on this VM's ext4 a file
  # made soon after many were deleted costs several times more (the bench's start removes the last run's work),
  # and that wears off within minutes
  acc0=$(sshd_logins "$home")
  timed "$s-first" 1 "$LOGS/$s-driftless.log" "${DRIFTLESS[@]}" apply "${dargs[@]}"
  acc1=$(sshd_logins "$home")
  timed "$s-rsync-first" 1 "$LOGS/$s-rsync-first.log" rsync_hosts "$WORK/expected" "$d/rsync-1" "$ports"
  n=$(count_files "${d#"$WORK"/}/host")
  # more first applies, each onto empty roots (state, lock and files gone: a rebuilt machine). The roots used go
  # aside, not away: deleting 3,000 files just before a run slowed this machine's file creation in that run
  # (2.2 s first, 3.3-4.3 s after each rm -rf), while rsync's copies each get a folder never used; the
  # bench's next start removes them with $WORK
  for ((k = 2; k <= RUNS; k++)); do
    for ((i = 1; i <= NHOSTS; i++)); do mv "$d/host-$i" "$d/used-$k-host-$i"; mkdir -p "$d/host-$i"; done
    timed "$s-first" "$k" "$LOGS/$s-driftless.log" "${DRIFTLESS[@]}" apply "${dargs[@]}"
    timed "$s-rsync-first" "$k" "$LOGS/$s-rsync-first.log" rsync_hosts "$WORK/expected" "$d/rsync-$k" "$ports"
  done
  verify "$s: rsync -a first copy exits 0 and wrote the rendered tree on each host (exit codes:${RCS[$s-rsync-first]})" \
    "all_rc 0 \"\${RCS[$s-rsync-first]}\" && same_as_each \"\$WORK/expected\" \"$d\""
  n=$(count_files "${d#"$WORK"/}/host")
  verify "$s: Driftless first apply exits 0 and wrote the $NFILES files of each host as rendered, mode 0644 (exit codes:${RCS[$s-first]}, files per host: $n, logins per host in the first run: $(delta "$acc0" "$acc1"))" \
    "all_rc 0 \"\${RCS[$s-first]}\" && [[ \"$n\" == \"\$ALL_FILES\" ]] && same_as \"\$WORK/expected\" \"$d\" && [[ \$(wrong_modes \"${d#"$WORK"/}/host\") == 0 ]]"

  before=$(tree_state "${d#"$WORK"/}/host")
  for ((i = 1; i <= WARMUP + RUNS; i++)); do
    run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
    timed "$s-noop" "$run" "$LOGS/$s-driftless.log" "${DRIFTLESS[@]}" apply "${dargs[@]}"
  done
  after=$(tree_state "${d#"$WORK"/}/host")
  verify "$s: Driftless no-op apply exits 0 and rewrites nothing (exit codes:${RCS[$s-noop]})" \
    "all_rc 0 \"\${RCS[$s-noop]}\" && [[ -n \"\$before\" && \"\$before\" == \"\$after\" ]]"

  # the change commit: the same CHANGE files of the repository as in $I16/expected-change
  for dest in "${CHANGED[@]}"; do
    src=${dest#/etc/bench/}; k=${src##*file-}; k=${k%%.*}
    src=$d-repo/services/$src; ((k >= 5)) && src+=.peb   # file-5..9 are templates
    printf '%s\n' "$CHANGE_LINE" >>"$src"
  done
  git -C "$d-repo" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
    commit -q -am "change $CHANGE files per host"
  timed "$s-change" 1 "$LOGS/$s-driftless.log" "${DRIFTLESS[@]}" apply "${dargs[@]}"
  timed "$s-rsync-change" 1 "$LOGS/$s-rsync-change.log" rsync_hosts "$I16/expected-change" "$d/rsync-1" "$ports"
  after=$(tree_state "${d#"$WORK"/}/host")
  n=$(rewritten "$before" "$after")
  verify "$s: Driftless change apply exits 0 and rewrote exactly the $CHANGE changed files per host, as rendered (exit code:${RCS[$s-change]}, files rewritten on the $NHOSTS hosts: $n)" \
    "all_rc 0 \"\${RCS[$s-change]}\" && [[ $n == $((NHOSTS * CHANGE)) ]] && same_as \"\$I16/expected-change\" \"$d\""
  # more change applies, as rsync's: each onto roots that had one first apply and nothing since (those the first
  # applies 2.. left aside), the roots changed before moved aside in their turn
  for ((k = 2; k <= RUNS; k++)); do
    for ((i = 1; i <= NHOSTS; i++)); do mv "$d/host-$i" "$d/changed-$k-host-$i"; mv "$d/used-$k-host-$i" "$d/host-$i"; done
    timed "$s-change" "$k" "$LOGS/$s-driftless.log" "${DRIFTLESS[@]}" apply "${dargs[@]}"
    timed "$s-rsync-change" "$k" "$LOGS/$s-rsync-change.log" rsync_hosts "$I16/expected-change" "$d/rsync-$k" "$ports"
  done
  verify "$s: every change run exits 0 and leaves its roots as rendered (exit codes:${RCS[$s-change]})" \
    "all_rc 0 \"\${RCS[$s-change]}\" && same_as \"\$I16/expected-change\" \"$d\" && changed_as_rendered \"$d\""
  # the same change again and again on the same roots, as a host that gets commit after commit: between runs the
  # hosts are put back to the commit before (untimed), so each run follows two rewrites of the same 200 files (on
  # this machine's ext4 a file made soon after many were deleted nearby costs more: the figure grows run by run)
  for ((k = 1; k <= RUNS; k++)); do
    git -C "$d-repo" checkout -q HEAD~1
    "${DRIFTLESS[@]}" apply "${dargs[@]}" >>"$LOGS/$s-driftless.log" 2>&1 || die "$s: putting the hosts back before change run $k failed"
    git -C "$d-repo" checkout -q -
    timed "$s-change-again" "$k" "$LOGS/$s-driftless.log" "${DRIFTLESS[@]}" apply "${dargs[@]}"
  done
  verify "$s: every change run on the same roots exits 0 and leaves the hosts as rendered (exit codes:${RCS[$s-change-again]})" \
    "all_rc 0 \"\${RCS[$s-change-again]}\" && same_as \"\$I16/expected-change\" \"$d\""

  # the peer's changes, each run right after Driftless's (above): rsync -a of the changed tree into the folders of
  # its first copies
  n=$({ grep -c '^<f' "$LOGS/$s-rsync-change.log" || true; })
  verify "$s: rsync -a of the change sent exactly the $CHANGE changed files per host (files sent in $RUNS run(s) to $NHOSTS hosts: $n)" \
    "all_rc 0 \"\${RCS[$s-rsync-change]}\" && [[ $n == $((RUNS * NHOSTS * CHANGE)) ]] && same_as_each \"\$I16/expected-change\" \"$d\""
}

if [[ $SKIP_I16 != 1 ]]; then
  mkdir -p "$I16"
  for ((i = 1; i <= NHOSTS; i++)); do
    mkdir -p "$I16/home-empty-$i"
    real_shell_home "$I16/home-shell-$i"
    start_sshd "$I16/sshd-empty-$i" "web-$i" "$I16/home-empty-$i"; I16_PORT[empty,$i]=$SSHD_PORT
    start_sshd "$I16/sshd-shell-$i" "web-$i" "$I16/home-shell-$i"; I16_PORT[shell,$i]=$SSHD_PORT
  done
  start_relay "${I16_PORT[@]}"
  for ((i = 1; i <= NHOSTS; i++)); do   # the relay's ports present the host keys of the servers behind them
    for h in empty shell; do
      p=${I16_PORT[$h,$i]}
      printf '[127.0.0.1]:%s %s\n' "${RELAY_PORT[$p]}" "$(cut -d' ' -f1,2 "$I16/sshd-$h-$i/host_key.pub")" >>"$KNOWN"
    done
  done
  log "issue 16: empty-home sshd on $(series_ports empty-direct), real-shell sshd on $(series_ports shell-direct), relay (+$RELAY_MS ms each way) on $(series_ports empty-relay) and $(series_ports shell-relay)"
  SHELL_PYENV=$(ssh "${SSH_OPTS[@]}" -p "${I16_PORT[shell,1]}" root@127.0.0.1 'echo "$PYENV_ROOT"' 2>&1 || true)
  EMPTY_PYENV=$(ssh "${SSH_OPTS[@]}" -p "${I16_PORT[empty,1]}" root@127.0.0.1 'echo "${PYENV_ROOT:-none}"' 2>&1 || true)
  verify "issue 16: the real-shell hosts' commands ran root's ~/.bashrc (PYENV_ROOT on web-1: $SHELL_PYENV), the empty-home hosts' did not ($EMPTY_PYENV)" \
    '[[ $SHELL_PYENV == "$I16/home-shell-1/.pyenv" && $EMPTY_PYENV == none ]]'

  # the tree after the change commit, as rsync's source and the expected result of both tools; cp -a keeps the
  # unchanged files' mtimes, so rsync's quick check sends only the changed ones
  cp -a "$WORK/expected" "$I16/expected-change"
  for dest in "${CHANGED[@]}"; do
    for ((i = 1; i <= NHOSTS; i++)); do printf '%s\n' "$CHANGE_LINE" >>"$I16/expected-change/web-$i$dest"; done
  done
  # what one login costs in each series: ssh to web-1 running true, sequentially
  for s in "${I16_ALL[@]}"; do
    read -r -a pa <<<"$(series_ports "$s")"
    for ((i = 1; i <= WARMUP + RUNS; i++)); do
      run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
      timed "$s-login" "$run" "$LOGS/$s-login.log" ssh "${SSH_OPTS[@]}" -o ControlMaster=no -o ControlPath=none -p "${pa[0]}" root@127.0.0.1 true
    done
    verify "$s: ssh web-1 true exits 0 (exit codes:${RCS[$s-login]})" "all_rc 0 \"\${RCS[$s-login]}\""
  done
  for s in "${I16_SERIES[@]}"; do i16_series "$s"; done
  RELAY_ADDS=$(calc "$(median "${TIMES[empty-relay-login]}") - $(median "${TIMES[empty-direct-login]}")")
  verify "issue 16: the relay slows a login down by at least two round trips ($RELAY_ADDS s more than direct, a round trip is $((2 * RELAY_MS)) ms)" \
    "ok \"$RELAY_ADDS >= $((4 * RELAY_MS)) / 1000\""
fi

# ---------------------------------------------------------------------------------------------
# 9. Ansible over SSH: one run per measure (each is many minutes long)
# ---------------------------------------------------------------------------------------------
ITEMS=$((NHOSTS * (SERVICES + NFILES)))   # loop items over all hosts in one playbook run
# ansible_run MEASURE PIPELINING(True|False|default) [extra args]: runs in the background (it takes
# minutes), timed inside the background job so that polling adds nothing; progress every minute.
ansible_run() {
  local m=$1 pipe=$2 pid done_items t0; shift 2
  local envs=(env -u ANSIBLE_PIPELINING -u ANSIBLE_CONFIG -u ANSIBLE_FORCE_COLOR ANSIBLE_NOCOLOR=1)
  [[ $pipe == default ]] || envs+=(ANSIBLE_PIPELINING="$pipe")
  rm -f "$WORK/.last"
  (cd "$WORK/ansible" && "${envs[@]}" ansible-config dump --only-changed >"$LOGS/$m.config" 2>&1) || true
  ( cd "$WORK/ansible" && timed "$m" 1 "$LOGS/$m.log" "${envs[@]}" ansible-playbook -i hosts.ini site.yml "$@"
    echo "$LAST_SECS $LAST_RC" >"$WORK/.last" ) &
  pid=$!
  t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    # returns when the job ends, or after 60 s to print progress (the timing is taken inside the job)
    timeout 60 tail --pid="$pid" -f /dev/null || true
    kill -0 "$pid" 2>/dev/null || break
    done_items=$({ grep -cE '^(ok|changed|skipping|failed|fatal): ' "$LOGS/$m.log" 2>/dev/null || true; })
    log "  $m: $done_items/$ITEMS loop items after $((SECONDS - t0)) s"
  done
  wait "$pid" || true
  [[ -f "$WORK/.last" ]] || die "the Ansible run $m did not record its time"
  read -r LAST_SECS LAST_RC <"$WORK/.last"
  TIMES[$m]=" $LAST_SECS"; RCS[$m]=" $LAST_RC"
}
recap() { { grep -E "^$2 +: " "$LOGS/$1.log" || true; } | tail -1 | sed -E 's/ +/ /g'; }
recaps() { local i; for ((i = 1; i <= NHOSTS; i++)); do printf '%s; ' "$(recap "$1" "web-$i")"; done; }
# recaps_say MEASURE CHANGED_ON_DRIFT_HOST: every host's recap has failed=0, unreachable=0 and changed=0,
# except DRIFT_HOST which has changed=CHANGED_ON_DRIFT_HOST
recaps_say() {
  local i r want
  for ((i = 1; i <= NHOSTS; i++)); do
    r=$(recap "$1" "web-$i"); want=0
    [[ web-$i == "$DRIFT_HOST" ]] && want=$2
    [[ $r == *" changed=$want "* && $r == *" unreachable=0 "* && $r == *" failed=0 "* ]] || return 1
  done
}
# the settings a run changed from Ansible's defaults, on one line
changed_settings() { grep -vE '^(CONFIG_FILE\(\)|$)' "$LOGS/$1.config" | tr '\n' ';' | sed 's/;$//'; }
# default settings: nothing changed but colour (and no config file)
no_pipelining() {
  grep -q '^CONFIG_FILE() = None' "$LOGS/$1.config" && ! grep -vE '^(CONFIG_FILE\(\)|ANSIBLE_NOCOLOR|$)' "$LOGS/$1.config" | grep -q .
}
one_changed_item() {
  local c; c=$(grep "^changed:" "$LOGS/$1.log" || true)
  [[ $(grep -c "^changed:" "$LOGS/$1.log" || true) == 1 && $c == *"[$DRIFT_HOST]"* && $c == *"$DRIFT_FILE"* ]]
}

if [[ "$SKIP_ANSIBLE" == 1 ]]; then
  [[ -f "$ANSIBLE_SAVED" ]] || die "BENCH_SKIP_ANSIBLE=1 but $ANSIBLE_SAVED does not exist: run once without it"
  # shellcheck disable=SC1090
  source "$ANSIBLE_SAVED"
  [[ "${ANSIBLE_SERVICES:-}" == "$SERVICES" && "${ANSIBLE_HOSTS:-}" == "$NHOSTS" ]] \
    || die "$ANSIBLE_SAVED is for ${ANSIBLE_HOSTS:-?} hosts x ${ANSIBLE_SERVICES:-?} services, not $NHOSTS x $SERVICES"
  [[ "${ANSIBLE_CLEAN_HOME:-}" == "$CLEAN_HOME" ]] \
    || die "$ANSIBLE_SAVED was measured with BENCH_CLEAN_HOME=${ANSIBLE_CLEAN_HOME:-?}, this run has $CLEAN_HOME"
  TIMES[ansible-first]=" $ANSIBLE_FIRST"; TIMES[ansible-noop]=" $ANSIBLE_NOOP"; TIMES[ansible-noop-pipe]=" $ANSIBLE_NOOP_PIPE"
  TIMES[ansible-check]=" $ANSIBLE_CHECK"; TIMES[ansible-check-pipe]=" $ANSIBLE_CHECK_PIPE"
  ANSIBLE_SOURCE="reused from \`${ANSIBLE_SAVED#"$REPO_ROOT"/}\` (measured $ANSIBLE_DATE, BENCH_SKIP_ANSIBLE=1)"
  NOTES+=("Ansible was not run: its numbers are $ANSIBLE_SOURCE; its correctness checks were made when they were measured.")
  printf '# Ansible numbers reused from %s (measured %s)\n' "$ANSIBLE_SAVED" "$ANSIBLE_DATE" >>"$RAW"
else
  log "Ansible first apply, default settings (one run, many minutes; $ITEMS loop items)"
  ansible_run ansible-first default
  log "Ansible first apply: ${LAST_SECS}s"
  an=$(count_files ansible-host)
  verify "Ansible first apply wrote all $NFILES files on each of the $NHOSTS hosts with the bytes rendered for that host (exit ${RCS[ansible-first]# }, files per host: $an; recaps: \`$(recaps ansible-first)\`)" \
    'all_rc 0 "${RCS[ansible-first]}" && [[ $an == "$ALL_FILES" ]] && same_as_expected ansible-host'

  abefore=$(tree_state ansible-host)
  log "Ansible no-op apply, default settings (one run)"
  ansible_run ansible-noop default
  log "Ansible no-op apply, default settings: ${LAST_SECS}s"
  aafter=$(tree_state ansible-host)
  verify "Ansible no-op apply (default settings) changed nothing (recaps: \`$(recaps ansible-noop)\`)" \
    'all_rc 0 "${RCS[ansible-noop]}" && [[ -n "$abefore" && "$abefore" == "$aafter" ]] && recaps_say ansible-noop 0'
  verify "Ansible default-settings runs changed no setting but colour output (\`ansible-config dump --only-changed\`: $(changed_settings ansible-noop))" \
    'no_pipelining ansible-first && no_pipelining ansible-noop'

  log "Ansible no-op apply, ANSIBLE_PIPELINING=True (one run)"
  ansible_run ansible-noop-pipe True
  log "Ansible no-op apply, pipelining: ${LAST_SECS}s"
  aafter=$(tree_state ansible-host)
  verify "Ansible no-op apply (pipelining) changed nothing (recaps: \`$(recaps ansible-noop-pipe)\`)" \
    'all_rc 0 "${RCS[ansible-noop-pipe]}" && [[ -n "$abefore" && "$abefore" == "$aafter" ]] && recaps_say ansible-noop-pipe 0'
  verify "Ansible pipelining run had pipelining on (\`ansible-config dump --only-changed\`: $(changed_settings ansible-noop-pipe))" \
    'grep -q "^ANSIBLE_PIPELINING(env: ANSIBLE_PIPELINING) = True" "$LOGS/ansible-noop-pipe.config"'

  hand_edit ansible-host
  abefore=$(tree_state ansible-host)
  log "Ansible --check --diff after the hand edit, default settings (one run)"
  ansible_run ansible-check default --check --diff
  log "Ansible check, default settings: ${LAST_SECS}s"
  log "Ansible --check --diff after the hand edit, ANSIBLE_PIPELINING=True (one run)"
  ansible_run ansible-check-pipe True --check --diff
  log "Ansible check, pipelining: ${LAST_SECS}s"
  aafter=$(tree_state ansible-host)
  for m in ansible-check ansible-check-pipe; do
    verify "$m: --check --diff reported the drifted file on $DRIFT_HOST and nothing else (recaps: \`$(recaps $m)\`)" \
      "all_rc 0 \"\${RCS[$m]}\" && recaps_say $m 1 && one_changed_item $m"
  done
  verify "Ansible --check changed nothing on the hosts" '[[ "$abefore" == "$aafter" ]]'
  verify "Ansible check runs: pipelining off with default settings, on with pipelining" \
    'no_pipelining ansible-check && grep -q "^ANSIBLE_PIPELINING(env: ANSIBLE_PIPELINING) = True" "$LOGS/ansible-check-pipe.config"'

  ANSIBLE_VERSION=$(ansible --version | head -1)
  ANSIBLE_SOURCE="measured in this run"
  cat >"$ANSIBLE_SAVED" <<EOF
# Ansible numbers from the last full bench/ssh-run.sh (seconds, one run each); read by BENCH_SKIP_ANSIBLE=1
ANSIBLE_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ANSIBLE_HOSTS=$NHOSTS
ANSIBLE_SERVICES=$SERVICES
ANSIBLE_CLEAN_HOME=$CLEAN_HOME
ANSIBLE_VERSION="$ANSIBLE_VERSION"
ANSIBLE_FIRST=${TIMES[ansible-first]# }
ANSIBLE_NOOP=${TIMES[ansible-noop]# }
ANSIBLE_NOOP_PIPE=${TIMES[ansible-noop-pipe]# }
ANSIBLE_CHECK=${TIMES[ansible-check]# }
ANSIBLE_CHECK_PIPE=${TIMES[ansible-check-pipe]# }
EOF
fi

# ---------------------------------------------------------------------------------------------
# 10. SSH-RESULTS.md
# ---------------------------------------------------------------------------------------------
M() { median "${TIMES[$1]}"; }
D_FIRST=$(M driftless-first) D_NOOP=$(M driftless-noop) D_CHECK=$(M driftless-check)
F_JVM=$(M jvm-floor) F_SSH=$(M ssh-floor)
A_FIRST=$(M ansible-first) A_NOOP=$(M ansible-noop) A_NOOP_P=$(M ansible-noop-pipe)
A_CHECK=$(M ansible-check) A_CHECK_P=$(M ansible-check-pipe)
R_FIRST=$(calc "$A_FIRST / $D_FIRST")
R_NOOP_P=$(calc "$A_NOOP_P / $D_NOOP") R_NOOP=$(calc "$A_NOOP / $D_NOOP")
R_CHECK_P=$(calc "$A_CHECK_P / $D_CHECK") R_CHECK=$(calc "$A_CHECK / $D_CHECK")
VERDICT=FAIL; ok "$R_NOOP_P >= $BAR" && VERDICT=PASS
CORRECT=PASS
for c in "${CHECKS[@]}"; do [[ $c == FAIL* ]] && CORRECT=FAIL; done
if [[ $CORRECT == FAIL ]]; then
  NOTES+=("Some correctness checks failed (see below): the timings do not describe tools that did the work, so the bar does not count as met.")
  VERDICT_SHOWN="INVALID (would be $VERDICT, but correctness checks failed)"; VERDICT=INVALID
else
  VERDICT_SHOWN=$VERDICT
fi
# SSH logins per host per timed no-op apply (the sshd logs count "Accepted publickey")
D_LOGINS_PER_RUN=$(python3 -c 'import sys; v=[int(x) for x in sys.argv[1].split()]; r=int(sys.argv[2]); print(", ".join("%g" % (x / r) for x in v))' "$D_LOGINS" "$RUNS")

# within GOAL times rsync (issue 16): "4.10x (not met)"
I16_GOAL=3
goal() { local r; r=$(calc "$1 / $2"); if ok "$r <= $I16_GOAL"; then echo "${r}x (met)"; else echo "${r}x (not met)"; fi; }
# series_label SERIES: "empty home, direct", "real shell, +25 ms each way", ...
series_label() {
  local home="empty home" link=direct
  [[ ${1%-*} == shell ]] && home="real shell"
  [[ ${1#*-} == relay ]] && link="+$RELAY_MS ms each way"
  echo "$home, $link"
}
# the issue-16 section of SSH-RESULTS.md
i16_report() {
  local s first change
  echo "## Issue 16: the hosts' real shell, rsync -a beside Driftless, a $RELAY_MS ms relay"
  echo
  echo "Up to four series, each on fresh host roots with its own copy of the repository: the hosts' sshd give root an empty home"
  echo "(\"empty home\") or a copy of this machine's root home (\"real shell\": \`/root/.bashrc\` runs \`pyenv init\` in every"
  echo "command sshd starts; ~/.pyenv per host: symlinks to root's, its own shims), reached directly or through \`bench/lib/delay-relay.py\`, a TCP relay"
  echo "adding $RELAY_MS ms in each direction. Driftless: first apply (median of $RUNS, each onto empty roots, never used: those of the run before are moved aside, as rsync gets a new folder each run), no-op apply (median of $RUNS), then a commit changing"
  echo "$CHANGE of the $NFILES files of each host (median of $RUNS, each onto roots that had one first apply and nothing since, as each of rsync's changes goes into a folder that had one first copy). The peer: \`rsync -a\` of the same rendered tree over the same sshd"
  echo "(\`rsync -a -e ssh\`, the $NHOSTS hosts in parallel), into $RUNS fresh folder(s) (\"first copy\", median), then of the changed"
  echo "tree into the same folders (\"change\": rsync's quick check sends only the $CHANGE changed files). Goal (issue 16): Driftless"
  echo "within ${I16_GOAL}x of rsync. rsync does not fsync, nor write through a temporary file per file with its final owner."
  echo "Driftless's runs and rsync's alternate (each rsync run right after the Driftless run of the same number), so that both"
  echo "meet the machine in the same state: on this VM's ext4 a file made soon after many were deleted costs several times"
  echo "more, and the bench's start deletes the last run's work."
  echo
  echo "| series | \`ssh web-1 true\` (median) | Driftless first apply | rsync first copy | first: Driftless / rsync | Driftless $CHANGE-file change | rsync change | change: Driftless / rsync | Driftless no-op |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for s in "${I16_SERIES[@]}"; do
    first=$(M "$s-first") change=$(M "$s-change")
    echo "| $(series_label "$s") | $(M "$s-login") | $first | $(M "$s-rsync-first") | $(goal "$first" "$(M "$s-rsync-first")") | $change | $(M "$s-rsync-change") | $(goal "$change" "$(M "$s-rsync-change")") | $(M "$s-noop") |"
  done
  echo
  echo "The same change commit applied again and again to the same roots, the hosts put back to the commit before between"
  echo "runs (untimed): each run follows two rewrites of the same $CHANGE files per host, and on this machine's ext4 a file"
  echo "made soon after many were deleted nearby costs more (the kernel skips recently freed inodes), so the figure grows"
  echo "run by run. Medians of $RUNS against the same rsync change as above:"
  echo
  echo "| series | Driftless $CHANGE-file change, again and again | runs | change again: Driftless / rsync |"
  echo "| --- | ---: | --- | ---: |"
  for s in "${I16_SERIES[@]}"; do
    change=$(M "$s-change-again")
    echo "| $(series_label "$s") | $change | $(echo ${TIMES[$s-change-again]} | sed 's/ / s, /g') s | $(goal "$change" "$(M "$s-rsync-change")") |"
  done
  echo
  echo "Root's real ~/.bashrc costs $(calc "$(M shell-direct-login) - $(M empty-direct-login)") s per login: \`ssh web-1 true\` takes $(M shell-direct-login) s"
  echo "with it, $(M empty-direct-login) s with an empty home (direct). The relay adds $RELAY_ADDS s to a login with an empty home."
  echo
}

MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
JAVA_V=$(java "${JAVA_OPTS_ARR[@]}" -version 2>&1 | sed -n 2p)
ANS_V=${ANSIBLE_VERSION:-$( (ansible --version 2>/dev/null || true) | head -1)}
ANS_CFG=$( (cd "$WORK/ansible" && env -u ANSIBLE_CONFIG ansible --version 2>/dev/null || true) | sed -n 's/^ *config file = //p')
JINJA_V=$( (ansible --version 2>/dev/null || true) | sed -n 's/^ *jinja version = //p')
PY_V=$( (ansible --version 2>/dev/null || true) | sed -n 's/^ *python version = \([^ ]*\).*/\1/p')
SSH_V=$(ssh -V 2>&1)
RAW_REL=${RAW#"$REPO_ROOT"/}
NOW=$(date -u '+%Y-%m-%d %H:%M UTC')
per() { python3 -c "print('%.3f' % ($1))"; }

{
  echo "# Driftless vs Ansible over SSH: benchmark results"
  echo
  echo "Generated by \`bash bench/ssh-run.sh\` on $NOW. Raw per-run timings: \`$RAW_REL\`."
  echo "Workload: $NHOSTS SSH hosts (OpenSSH servers on 127.0.0.1), each with $SERVICES services x 10 files = $NFILES files"
  echo "($((NFILES / 2)) copied, $((NFILES / 2)) templates, $((SRC_BYTES / 1024)) KiB rendered per host): $((NHOSTS * NFILES)) files in all."
  echo
  echo "## Verdict"
  echo
  echo "| bar | value | needed | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| Ansible no-op apply with pipelining / Driftless no-op apply | ${R_NOOP_P}x | >= ${BAR}x | **$VERDICT_SHOWN** |"
  echo "| correctness checks below | | all pass | **$CORRECT** |"
  echo
  echo "## Medians (whole-process wall time, seconds)"
  echo
  echo "| measure | Driftless | range | Ansible, default settings (1 run) | Ansible, pipelining (1 run) | default / Driftless | pipelining / Driftless |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "| first apply (empty hosts) | $D_FIRST (1 run) | | $A_FIRST | not run | ${R_FIRST}x | |"
  echo "| no-op apply | $D_NOOP (median of $RUNS) | $(minmax "${TIMES[driftless-noop]}") | $A_NOOP | $A_NOOP_P | ${R_NOOP}x | **${R_NOOP_P}x** |"
  echo "| drift check (one file edited by hand on $DRIFT_HOST) | $D_CHECK (median of $RUNS) | $(minmax "${TIMES[driftless-check]}") | $A_CHECK | $A_CHECK_P | ${R_CHECK}x | ${R_CHECK_P}x |"
  echo
  echo "| floor | median of $RUNS | range |"
  echo "| --- | ---: | ---: |"
  echo "| JVM start + exit (\`java <launcher options> -cp <jar> $NOOP_CLASS\`) | $F_JVM | $(minmax "${TIMES[jvm-floor]}") |"
  echo "| OpenSSH login running \`true\` on the $NHOSTS hosts at once (\`ssh\`, no connection sharing) | $F_SSH | $(minmax "${TIMES[ssh-floor]}") |"
  echo
  echo "Derived: Driftless no-op apply minus the JVM floor = $(calc "$D_NOOP - $F_JVM") s, minus the ssh floor as well = $(calc "$D_NOOP - $F_JVM - $F_SSH") s;"
  echo "Driftless opened ${D_LOGINS_PER_RUN} SSH connection(s) per host per no-op apply (web-1, web-2, web-3; counted in the sshd logs)."
  echo "Ansible per managed file per host (run time / $NFILES; the playbook runs $((SERVICES + NFILES)) loop items per host, the $NHOSTS hosts in parallel):"
  echo "first apply $(per "$A_FIRST / $NFILES") s, no-op $(per "$A_NOOP / $NFILES") s (default) and $(per "$A_NOOP_P / $NFILES") s (pipelining)."
  echo
  echo "Ansible numbers: $ANSIBLE_SOURCE."
  echo
  if [[ $SKIP_I16 != 1 ]]; then i16_report; fi
  echo "## Correctness checks (not timed)"
  echo
  for c in "${CHECKS[@]}"; do echo "- **${c%% *}** ${c#* }"; done
  if ((${#NOTES[@]})); then
    echo
    echo "## Notes on this run"
    echo
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
  echo
  echo "## Machine"
  echo
  echo "- CPU: ${CPU:-unknown}, \`nproc\` = $(nproc)"
  echo "- memory: $MEM"
  echo "- kernel: $(uname -sr)"
  echo "- java: $JAVA_V${BENCH_JAVA_OPTS:+ (options: \`$BENCH_JAVA_OPTS\`)}"
  echo "- jar: \`$JAR_LABEL\`, built $JAR_DATE, sha256 $JAR_SHA..., source tree at commit $GIT_HEAD$DIRTY when the run started"
  echo "- ansible: $ANS_V${JINJA_V:+, jinja $JINJA_V}${PY_V:+, python $PY_V}; config file: ${ANS_CFG:-unknown}"
  echo "- OpenSSH (client and the three servers): $SSH_V"
  if [[ $CLEAN_HOME == 1 ]]; then
    echo "- root's home on the hosts: an empty folder per host (\`SetEnv HOME=\$WORK/home-N\` in each sshd_config, BENCH_CLEAN_HOME=1):"
    echo "  bash runs \`~/.bashrc\` before every command sshd starts, and this machine's /root/.bashrc runs \`pyenv init\`"
    echo "  (about 80 ms a command); a stock root account's is comments only. Both tools run under the same setting."
  else
    echo "- root's home on the hosts: the real /root (BENCH_CLEAN_HOME=0), whose ~/.bashrc bash runs before every remote command."
  fi
  echo
  echo "## What ran"
  echo
  echo "- **Hosts**: three \`/usr/sbin/sshd -D -e\` on 127.0.0.1 (ports chosen free at start), each with its own sshd_config,"
  echo "  ed25519 host key and pid file; root logs in with one generated ed25519 user key (\`PermitRootLogin prohibit-password\`,"
  echo "  \`UsePAM no\`, \`MaxSessions 50\`, \`MaxStartups 100\`, the SFTP subsystem as in Debian's default config). Host keys"
  echo "  are verified by both tools against one generated known_hosts file. Each tool writes under its own folder per host,"
  echo "  so neither sees the other's files: Driftless under \`\$WORK/host-N\`, Ansible under \`\$WORK/ansible-host-N\`."
  echo "- **Driftless**: \`bin/driftless apply|check --repo \$WORK/repo --known-hosts \$WORK/known_hosts\` (default \`--parallel 8\`;"
  echo "  the launcher: \`java ${LAUNCHER_OPTS[*]} -jar $JAR_LABEL\`), reading the committed HEAD of a generated Git repository:"
  echo "  hosts \`web-1\`..\`web-3\` in group \`bench\`, each \`address: ssh://root@127.0.0.1:PORT\`, \`root: \$WORK/host-N\`,"
  echo "  \`identity: \$WORK/user_key\`, with host vars; each service has 5 \`source:\` files and 5 Pebble \`template:\` files using"
  echo "  \`{{ var }}\` and \`{{ host.name }}\`, mode \"0644\". First apply: once, on empty hosts. No-op apply: the same command"
  echo "  again, $WARMUP untimed warmup run(s) then $RUNS timed. Drift check: after appending one line to \`$DRIFT_FILE\` on"
  echo "  $DRIFT_HOST; \`check\` must exit 2; $WARMUP warmup + $RUNS timed runs."
  echo "- **Ansible**: \`ansible-playbook -i hosts.ini site.yml\` (\`--check --diff\` for the drift check), the same three hosts in"
  echo "  the inventory (\`ansible_host=127.0.0.1 ansible_port=PORT ansible_user=root ansible_ssh_private_key_file=...\`,"
  echo "  \`ansible_ssh_common_args='-o UserKnownHostsFile=... -o StrictHostKeyChecking=yes'\`), \`gather_facts: false\`,"
  echo "  \`ansible_python_interpreter: /usr/bin/python3\` (no interpreter discovery), \`ANSIBLE_NOCOLOR=1\`, no ansible.cfg."
  echo "  \"Default settings\": nothing else set (forks 5, so the three hosts run in parallel; OpenSSH with Ansible's default"
  echo "  \`ControlMaster=auto ControlPersist=60s\`; modules copied to the host over SFTP, then run). \"Pipelining\": the same"
  echo "  with \`ANSIBLE_PIPELINING=True\` (modules piped to the remote python, no file transfer). The playbook is bench/run.sh's:"
  echo "  three tasks with loops (\`file\` for the $SERVICES directories, \`copy\` over $((NFILES / 2)) items, \`template\` over"
  echo "  $((NFILES / 2)) items), reading the very same source files and templates from the Driftless repository, writing to"
  echo "  \`{{ host_root }}/etc/bench/...\`; vars from a vars file with the same repo and host vars, plus"
  echo "  \`host: {name: \"{{ inventory_hostname }}\"}\` so that \`{{ host.name }}\` renders alike. One run per measure, in this"
  echo "  order: first apply, no-op (default), no-op (pipelining), hand edit, check (default), check (pipelining); each run"
  echo "  may reuse the SSH master connections the previous one left open (ControlPersist), as back-to-back runs do."
  echo "- Both tools' output was checked byte for byte against the expected rendering of all $NFILES files on each host."
  echo "- Timing: bash \`\$EPOCHREALTIME\` around each whole process, output sent to a log file; page cache warm."
  echo
  echo "## Rerun"
  echo
  echo '```'
  echo 'bash bench/ssh-run.sh                          # everything, about 45 minutes (Ansible is nearly all of it)'
  echo 'BENCH_SKIP_ANSIBLE=1 bash bench/ssh-run.sh     # Driftless and floors only (a few minutes), Ansible numbers reused'
  echo 'BENCH_RUNS=10 bash bench/ssh-run.sh            # more Driftless runs per measure'
  echo 'BENCH_SKIP_I16=1 bash bench/ssh-run.sh         # without the issue-16 series (real shell, rsync, relay)'
  echo '```'
  echo
  echo "Run as root (the SSH servers let root in). See \`bench/README.md\`, section \"SSH hosts\", for what each number means."
} >"$RESULTS_MD"

log "wrote $RESULTS_MD and $RAW"
log "no-op: Ansible pipelining / Driftless ${R_NOOP_P}x (>= $BAR: $VERDICT), default settings ${R_NOOP}x; check ${R_CHECK_P}x / ${R_CHECK}x; correctness checks: $CORRECT"
[[ $VERDICT == PASS && $CORRECT == PASS ]] || exit 2
exit 0
