#!/usr/bin/env bash
# shellcheck disable=SC2034  # some variables are read only inside the conditions that verify() evals
# Driftless vs Ansible benchmark: 100 services x 10 files (1,000 files, half templates) on one
# local host. Generates the workload, runs Driftless and Ansible in the same run, times two floors
# (bare JVM start, sha256sum over the same files) and writes bench/RESULTS.md.
#
#   bash bench/run.sh                          # everything (Ansible part takes ~20 minutes)
#   BENCH_SKIP_ANSIBLE=1 bash bench/run.sh     # Driftless + floors only, reuse saved Ansible numbers
#
# Environment (all optional):
#   BENCH_RUNS=5            Driftless and floor runs per measure (median reported; at least 5 for RESULTS.md)
#   BENCH_WARMUP=1          untimed runs before each Driftless/floor measure
#   BENCH_SKIP_ANSIBLE=1    reuse bench/results/ansible-last.txt instead of running Ansible
#   BENCH_WORK=/tmp/driftless-bench   work directory (regenerated on each run)
#   BENCH_SERVICES=100      services to generate; anything but 100 is a smoke run whose report goes
#                           to $BENCH_WORK/RESULTS.md, never to bench/RESULTS.md
#   BENCH_JAVA_OPTS=""      JVM options used for Driftless and for the JVM floor alike
#   BENCH_JAR=...           jar to test (default: the newer of target/driftless.jar and target/driftless-0.1.0-SNAPSHOT.jar)
#
# Exit code: 0 = ran and both bars pass; 2 = ran but a bar failed or Driftless misbehaved;
# 1 = the benchmark itself could not run.
set -euo pipefail
export LC_ALL=C.UTF-8   # Ansible refuses to run without a UTF-8 locale

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
SKIP_ANSIBLE=${BENCH_SKIP_ANSIBLE:-0}
WORK=${BENCH_WORK:-/tmp/driftless-bench}
SERVICES=${BENCH_SERVICES:-100}
JAVA_OPTS_ARR=()
if [[ -n "${BENCH_JAVA_OPTS:-}" ]]; then read -r -a JAVA_OPTS_ARR <<<"$BENCH_JAVA_OPTS"; fi
# The jar: BENCH_JAR, else the newest of these (the pom's finalName decides which one a build makes)
JAR_CANDIDATES=("$REPO_ROOT/target/driftless.jar" "$REPO_ROOT/target/driftless-0.1.0-SNAPSHOT.jar")
find_jar() {
  local j
  if [[ -n "${BENCH_JAR:-}" ]]; then JAR=$BENCH_JAR; return 0; fi
  JAR=
  for j in "${JAR_CANDIDATES[@]}"; do
    [[ -f "$j" && ( -z "$JAR" || "$j" -nt "$JAR" ) ]] && JAR=$j
  done
  [[ -n "$JAR" ]] || { JAR=${JAR_CANDIDATES[0]}; return 1; }
}
find_jar || true
MAIN_CLASS=dev.driftless.cli.Main
NOOP_CLASS=dev.driftless.cli.Noop

RESULTS_DIR=$BENCH_DIR/results
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ "$SERVICES" == 100 ]]; then
  RESULTS_MD=$BENCH_DIR/RESULTS.md
  RAW=$RESULTS_DIR/raw-$STAMP.txt
  ANSIBLE_SAVED=$RESULTS_DIR/ansible-last.txt
else   # a smoke run leaves bench/ alone
  RESULTS_MD=$WORK/RESULTS.md
  RAW=$WORK/raw-$STAMP.txt
  ANSIBLE_SAVED=$(dirname "$WORK")/driftless-bench-ansible-$SERVICES-services.txt
fi
NFILES=$((SERVICES * 10))
DRIFT_REL=$(printf 'svc-%03d/file-7.conf' $((SERVICES * 42 / 100)))   # svc-042 for 100 services
DRIFT_FILE=/etc/bench/$DRIFT_REL     # the file "edited by hand" before the drift check (a template)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

(( BASH_VERSINFO[0] >= 5 )) || die "bash 5 or later is needed (EPOCHREALTIME)"
(( RUNS >= 1 )) || die "BENCH_RUNS must be at least 1"
case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing BENCH_WORK=$WORK";; esac

# ---------------------------------------------------------------------------------------------
# 1. Tools (idempotent: installs only what is missing)
# ---------------------------------------------------------------------------------------------
missing=()
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3)
command -v sha256sum >/dev/null || missing+=(coreutils)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
[[ -f "$JAR" ]] || command -v mvn >/dev/null || missing+=(maven)
if [[ "$SKIP_ANSIBLE" != 1 ]]; then command -v ansible-playbook >/dev/null || missing+=(ansible); fi
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------------------------------------
# 2. The jar, and the class used for the JVM floor
# ---------------------------------------------------------------------------------------------
# Driftless runs as users run it: through bin/driftless, which builds the jar when the sources are newer
# and starts the JVM with its options (C1 only, serial GC, the AppCDS archive it trains once per build).
"$REPO_ROOT/bin/driftless" --version >/dev/null
JAR=$REPO_ROOT/target/driftless.jar
[[ -f "$JAR" ]] || die "bin/driftless did not build $JAR"
ARCHIVE=$(ls "$REPO_ROOT"/target/driftless-*.jsa 2>/dev/null | head -1)

rm -rf "$WORK"
mkdir -p "$WORK" "$RESULTS_DIR"
: >"$RAW"

JAR_SHA=$(sha256sum "$JAR" | cut -c1-12)
JAR_DATE=$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')
JAR_LABEL=${JAR#"$REPO_ROOT"/}
NOTES=()
# the launcher's own JVM options, so that the floor is the same JVM start without Driftless's work
LAUNCHER_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off)
[[ -n "$ARCHIVE" ]] && LAUNCHER_OPTS+=(-XX:SharedArchiveFile="$ARCHIVE")
export DRIFTLESS_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
DRIFTLESS=("$REPO_ROOT/bin/driftless")
JVM_FLOOR=(java "${LAUNCHER_OPTS[@]}" "${JAVA_OPTS_ARR[@]}" -cp "$JAR" "$NOOP_CLASS")

# ---------------------------------------------------------------------------------------------
# 3. The workload: a Driftless repository (committed) and the equivalent Ansible playbook
# ---------------------------------------------------------------------------------------------
log "generating $SERVICES services x 10 files in $WORK"
python3 - "$WORK" "$SERVICES" <<'PY'
import os, random, sys

work, nsvc = sys.argv[1], int(sys.argv[2])
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

def render(text):
    for name, val in VALS.items():
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
    f.write("# Driftless benchmark inventory (generated by bench/run.sh)\n")
    f.write("hosts:\n  bench:\n    address: local\n    vars:\n")
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

# Ansible: the same source files and templates, read straight from the Driftless repository.
with open(os.path.join(ans, "vars.yml"), "w") as f:
    f.write("# repo-wide vars and host vars of `bench`, as in driftless.yaml\n")
    for k, v in dict(REPO_VARS, **HOST_VARS).items():
        f.write("%s: %s\n" % (k, yq(v)))
    f.write("host:\n  name: bench        # Pebble's host.name\n")
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
# Equivalent of the Driftless repository in ../repo (generated by bench/run.sh).
- name: bench services
  hosts: all
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    bench_repo: %s
    bench_root: %s
  vars_files:
    - vars.yml
    - services.yml
  tasks:
    - name: service directories
      ansible.builtin.file:
        path: "{{ bench_root }}/etc/bench/{{ item }}"
        state: directory
        mode: "0755"
      loop: "{{ bench_services }}"

    - name: copied files
      ansible.builtin.copy:
        src: "{{ bench_repo }}/services/{{ item.service }}/{{ item.src }}"
        dest: "{{ bench_root }}{{ item.dest }}"
        mode: "0644"
      loop: "{{ bench_copies }}"

    - name: templates
      ansible.builtin.template:
        src: "{{ bench_repo }}/services/{{ item.service }}/{{ item.src }}"
        dest: "{{ bench_root }}{{ item.dest }}"
        mode: "0644"
      loop: "{{ bench_templates }}"
""" % (repo, os.path.join(work, "root-ansible")))

# The expected rendering of every destination, to check both tools wrote the same bytes.
exp = os.path.join(work, "expected")
for svc, src, dest in copies + templates:
    p = exp + dest
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(os.path.join(repo, "services", svc, src)) as fi, open(p, "w") as fo:
        fo.write(render(fi.read()))
PY

git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
  commit -q -m "bench workload: $SERVICES services x 10 files"
mapfile -t DESTS <"$WORK/dests.txt"
((${#DESTS[@]} == NFILES)) || die "generator wrote ${#DESTS[@]} destinations, expected $NFILES"
SRC_BYTES=$(find "$WORK/expected" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')

# ---------------------------------------------------------------------------------------------
# 4. Timing helpers
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
  printf '%-16s %-8s %10s s  rc=%s\n' "$m" "$run" "$LAST_SECS" "$rc" >>"$RAW"
  if [[ "$run" != warmup* ]]; then
    TIMES[$m]="${TIMES[$m]:-} $LAST_SECS"
    RCS[$m]="${RCS[$m]:-} $rc"
  fi
}
median() { python3 -c 'import statistics,sys; print("%.4f" % statistics.median(map(float, sys.argv[1:])))' $1; }
minmax() { python3 -c 'import sys; v=list(map(float, sys.argv[1:])); print("%.3f-%.3f" % (min(v), max(v)))' $1; }
# tree_state ROOT: inode, size, mtime of every managed file (to prove a no-op wrote none of them;
# the tool's own state, e.g. ROOT/var/lib/driftless, may change)
tree_state() { (cd "$1/etc/bench" 2>/dev/null && find . -type f -printf '%p %i %s %T@\n' | sort) || true; }
count_files() { { find "$1/etc/bench" -type f 2>/dev/null || true; } | wc -l; }
same_as_expected() { diff -r -q "$WORK/expected/etc/bench" "$1/etc/bench" >/dev/null 2>&1; }
hand_edit() { mkdir -p "$(dirname "$1$DRIFT_FILE")"; printf '# edited by hand on the host\n' >>"$1$DRIFT_FILE"; }

{
  echo "# raw per-run timings, $(date -u +%Y-%m-%dT%H:%M:%SZ), $SERVICES services x 10 files"
  echo "# measure        run      wall time    exit code"
} >>"$RAW"

CHECKS=()   # "PASS|FAIL text" lines about correctness, shown in RESULTS.md
# verify TEXT CONDITION: CONDITION (a shell expression) is evaluated now and recorded with TEXT
verify() { if eval "$2"; then CHECKS+=("PASS $1"); else CHECKS+=("FAIL $1"); log "check failed: $1"; fi; }
# all_rc WANT "RC RC ...": every timed run exited WANT
all_rc() { local r; [[ -n "${2// /}" ]] || return 1; for r in $2; do [[ $r == "$1" ]] || return 1; done; }
LOGS=$WORK/logs; mkdir -p "$LOGS"

# ---------------------------------------------------------------------------------------------
# 5. Driftless
# ---------------------------------------------------------------------------------------------
DROOT=$WORK/root-driftless
DARGS=(--repo "$WORK/repo" --root "$DROOT")

log "Driftless first apply: $WARMUP warmup + $RUNS runs (fresh root each)"
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  rm -rf "$DROOT"; mkdir -p "$DROOT"
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  echo "== apply (first) $run" >>"$LOGS/driftless-first.log"
  timed driftless-first "$run" "$LOGS/driftless-first.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
done
n=$(count_files "$DROOT")
verify "Driftless first apply exits 0 (exit codes:${RCS[driftless-first]})" 'all_rc 0 "${RCS[driftless-first]}"'
verify "Driftless first apply wrote all $NFILES files with the expected bytes (found $n files)" \
  '[[ $n == "$NFILES" ]] && same_as_expected "$DROOT"'
modes=$({ find "$DROOT/etc/bench" -type f ! -perm 0644 2>/dev/null || true; } | wc -l)
verify "Driftless files have mode 0644 ($modes do not)" '[[ $n != 0 && $modes == 0 ]]'

log "Driftless no-op apply: $WARMUP warmup + $RUNS runs"
before=$(tree_state "$DROOT")
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  echo "== apply (no-op) $run" >>"$LOGS/driftless-noop.log"
  timed driftless-noop "$run" "$LOGS/driftless-noop.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
done
after=$(tree_state "$DROOT")
verify "Driftless no-op apply exits 0 (exit codes:${RCS[driftless-noop]})" 'all_rc 0 "${RCS[driftless-noop]}"'
verify "Driftless no-op apply rewrote no managed file (same inode, size and mtime for all $NFILES)" \
  '[[ $n != 0 && "$before" == "$after" ]]'
rc=0; "${DRIFTLESS[@]}" plan "${DARGS[@]}" >"$LOGS/driftless-plan.log" 2>&1 || rc=$?
verify "Driftless plan after apply exits 0, nothing to do (got $rc)" '[[ $rc == 0 ]]'

log "Driftless drift check after a hand edit of $DRIFT_FILE: $WARMUP warmup + $RUNS runs"
hand_edit "$DROOT"
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  echo "== check $run" >>"$LOGS/driftless-check.log"
  timed driftless-check "$run" "$LOGS/driftless-check.log" "${DRIFTLESS[@]}" check "${DARGS[@]}"
done
verify "Driftless check exits 2 on drift (exit codes:${RCS[driftless-check]})" 'all_rc 2 "${RCS[driftless-check]}"'
verify "Driftless check output names the drifted file and no other" \
  '[[ "$(grep -oE "svc-[0-9]{3}/file-[0-9]+[.]conf" "$LOGS/driftless-check.log" | sort -u)" == "$DRIFT_REL" ]]'

# ---------------------------------------------------------------------------------------------
# 6. Floors: the same files Driftless manages, and a JVM that starts and exits
# ---------------------------------------------------------------------------------------------
HROOT=$DROOT
if [[ $(count_files "$DROOT") != "$NFILES" ]]; then
  HROOT=$WORK/expected   # Driftless wrote nothing usable: hash the same bytes where the generator left them
  NOTES+=("Driftless did not write the $NFILES files, so the sha256sum floor hashed the generator's expected copies (same bytes).")
fi
HFILES=("${DESTS[@]/#/$HROOT}")
log "floor: sha256sum over $NFILES files, $WARMUP warmup + $RUNS runs"
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  timed sha256sum "$run" /dev/null sha256sum -- "${HFILES[@]}"
done
log "floor: JVM start+exit, $WARMUP warmup + $RUNS runs"
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  timed jvm-floor "$run" "$LOGS/jvm-floor.log" "${JVM_FLOOR[@]}"
done
verify "JVM floor exits 0 (exit codes:${RCS[jvm-floor]})" 'all_rc 0 "${RCS[jvm-floor]}"'

# ---------------------------------------------------------------------------------------------
# 7. Ansible: one run per measure (each is minutes long)
# ---------------------------------------------------------------------------------------------
AROOT=$WORK/root-ansible
ansible_run() { # measure, extra args...
  local m=$1; shift
  ( cd "$WORK/ansible" && timed "$m" 1 "$LOGS/$m.log" env ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
      ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_RETRY_FILES_ENABLED=False \
      ansible-playbook -i localhost, -c local site.yml "$@"
    echo "$LAST_SECS $LAST_RC" >"$WORK/.last" )
  read -r LAST_SECS LAST_RC <"$WORK/.last"
  TIMES[$m]=" $LAST_SECS"; RCS[$m]=" $LAST_RC"
}
recap() { { grep -E '^localhost +: ' "$LOGS/$1.log" || true; } | tail -1 | sed -E 's/ +/ /g'; }

if [[ "$SKIP_ANSIBLE" == 1 ]]; then
  [[ -f "$ANSIBLE_SAVED" ]] || die "BENCH_SKIP_ANSIBLE=1 but $ANSIBLE_SAVED does not exist: run once without it"
  # shellcheck disable=SC1090
  source "$ANSIBLE_SAVED"
  [[ "${ANSIBLE_SERVICES:-}" == "$SERVICES" ]] || die "$ANSIBLE_SAVED is for ${ANSIBLE_SERVICES:-?} services, not $SERVICES"
  TIMES[ansible-first]=" $ANSIBLE_FIRST"; TIMES[ansible-noop]=" $ANSIBLE_NOOP"; TIMES[ansible-check]=" $ANSIBLE_CHECK"
  ANSIBLE_SOURCE="reused from \`${ANSIBLE_SAVED#"$REPO_ROOT"/}\` (measured $ANSIBLE_DATE, BENCH_SKIP_ANSIBLE=1)"
  printf '# Ansible numbers reused from %s (measured %s)\n' "$ANSIBLE_SAVED" "$ANSIBLE_DATE" >>"$RAW"
else
  log "Ansible first apply (one run, several minutes)"
  rm -rf "$AROOT"; mkdir -p "$AROOT"
  ansible_run ansible-first
  log "Ansible first apply: ${LAST_SECS}s; no-op apply (one run)"
  an=$(count_files "$AROOT")
  verify "Ansible first apply wrote all $NFILES files with the expected bytes (exit ${RCS[ansible-first]# }, $an files; recap: \`$(recap ansible-first)\`)" \
    'all_rc 0 "${RCS[ansible-first]}" && [[ $an == "$NFILES" ]] && same_as_expected "$AROOT"'
  abefore=$(tree_state "$AROOT")
  ansible_run ansible-noop
  aafter=$(tree_state "$AROOT")
  log "Ansible no-op: ${LAST_SECS}s; --check --diff after the hand edit (one run)"
  hand_edit "$AROOT"
  ansible_run ansible-check --check --diff
  log "Ansible check: ${LAST_SECS}s"
  verify "Ansible no-op apply changed nothing (recap: \`$(recap ansible-noop)\`)" \
    'all_rc 0 "${RCS[ansible-noop]}" && [[ "$abefore" == "$aafter" && "$(recap ansible-noop)" == *" changed=0 "* ]]'
  verify "Ansible --check --diff reported the drifted file and no other (recap: \`$(recap ansible-check)\`)" \
    'all_rc 0 "${RCS[ansible-check]}" && [[ "$(recap ansible-check)" == *" changed=1 "* && "$(grep "^changed:" "$LOGS/ansible-check.log")" == *"$DRIFT_FILE"* && $(grep -c "^changed:" "$LOGS/ansible-check.log") == 1 ]]'
  ANSIBLE_VERSION=$(ansible --version | head -1)
  ANSIBLE_SOURCE="measured in this run"
  cat >"$ANSIBLE_SAVED" <<EOF
# Ansible numbers from the last full bench/run.sh (seconds, one run each); read by BENCH_SKIP_ANSIBLE=1
ANSIBLE_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ANSIBLE_SERVICES=$SERVICES
ANSIBLE_VERSION="$ANSIBLE_VERSION"
ANSIBLE_FIRST=${TIMES[ansible-first]# }
ANSIBLE_NOOP=${TIMES[ansible-noop]# }
ANSIBLE_CHECK=${TIMES[ansible-check]# }
EOF
fi

# ---------------------------------------------------------------------------------------------
# 8. RESULTS.md
# ---------------------------------------------------------------------------------------------
M() { median "${TIMES[$1]}"; }
D_FIRST=$(M driftless-first) D_NOOP=$(M driftless-noop) D_CHECK=$(M driftless-check)
F_SHA=$(M sha256sum) F_JVM=$(M jvm-floor)
A_FIRST=$(M ansible-first) A_NOOP=$(M ansible-noop) A_CHECK=$(M ansible-check)
calc() { python3 -c "print('%.2f' % ($1))"; }
R_FIRST=$(calc "$A_FIRST / $D_FIRST") R_NOOP=$(calc "$A_NOOP / $D_NOOP") R_CHECKA=$(calc "$A_CHECK / $D_CHECK")
R_FLOOR=$(calc "($D_CHECK - $F_JVM) / $F_SHA")
ok() { python3 -c "import sys; sys.exit(0 if ($1) else 1)"; }
BAR1=FAIL; ok "$R_NOOP >= 20" && BAR1=PASS
BAR2=FAIL; ok "$R_FLOOR <= 3" && BAR2=PASS
CORRECT=PASS
for c in "${CHECKS[@]}"; do [[ $c == FAIL* ]] && CORRECT=FAIL; done
if [[ $CORRECT == FAIL ]]; then
  NOTES+=("Some correctness checks failed (see below): the Driftless timings do not describe a working apply/check, so the bars do not count as met.")
  BAR1_SHOWN="INVALID (would be $BAR1, but correctness checks failed)"; BAR2_SHOWN="INVALID (would be $BAR2, but correctness checks failed)"
  BAR1=INVALID; BAR2=INVALID
else
  BAR1_SHOWN=$BAR1; BAR2_SHOWN=$BAR2
fi

MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
JAVA_V=$(java "${JAVA_OPTS_ARR[@]}" -version 2>&1 | sed -n 2p)
ANS_V=${ANSIBLE_VERSION:-$( (ansible --version 2>/dev/null || true) | head -1)}
JINJA_V=$( (ansible --version 2>/dev/null || true) | sed -n 's/^ *jinja version = //p')
PY_V=$( (ansible --version 2>/dev/null || true) | sed -n 's/^ *python version = \([^ ]*\).*/\1/p')
RAW_REL=${RAW#"$REPO_ROOT"/}
NOW=$(date -u '+%Y-%m-%d %H:%M UTC')
rel() { python3 -c "print('%.2f' % ($1))"; }

{
  echo "# Driftless vs Ansible: benchmark results"
  echo
  echo "Generated by \`bash bench/run.sh\` on $NOW. Raw per-run timings: \`$RAW_REL\`."
  echo "Workload: $SERVICES services x 10 files = $NFILES files ($((NFILES / 2)) copied, $((NFILES / 2)) templates), $((SRC_BYTES / 1024)) KiB rendered in all, one local host."
  echo
  echo "## Verdict"
  echo
  echo "| bar | value | needed | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| Ansible no-op apply / Driftless no-op apply | ${R_NOOP}x | >= 20x | **$BAR1_SHOWN** |"
  echo "| (Driftless check - JVM floor) / sha256sum | ${R_FLOOR}x | <= 3x | **$BAR2_SHOWN** |"
  echo "| correctness checks below | | all pass | **$CORRECT** |"
  echo
  echo "Why the check bar is missed and where its time goes: \`bench/README.md\`, section \"Where check's time goes\"."
  echo
  echo "## Medians (whole-process wall time, seconds)"
  echo
  echo "| measure | Driftless (median of $RUNS) | range | Ansible (1 run) | Ansible / Driftless |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| first apply (empty root) | $D_FIRST | $(minmax "${TIMES[driftless-first]}") | $A_FIRST | ${R_FIRST}x |"
  echo "| no-op apply | $D_NOOP | $(minmax "${TIMES[driftless-noop]}") | $A_NOOP | ${R_NOOP}x |"
  echo "| drift check (one file edited by hand) | $D_CHECK | $(minmax "${TIMES[driftless-check]}") | $A_CHECK | ${R_CHECKA}x |"
  echo
  echo "| floor | median of $RUNS | range |"
  echo "| --- | ---: | ---: |"
  echo "| JVM start + exit (\`java <launcher options> -cp <jar> $NOOP_CLASS\`) | $F_JVM | $(minmax "${TIMES[jvm-floor]}") |"
  echo "| \`sha256sum\` over the same $NFILES files | $F_SHA | $(minmax "${TIMES[sha256sum]}") |"
  echo
  echo "Derived: Driftless check minus the JVM floor = $(rel "$D_CHECK - $F_JVM") s;"
  echo "Driftless no-op apply minus the JVM floor = $(rel "$D_NOOP - $F_JVM") s;"
  echo "Ansible per managed file (run time / $NFILES; the playbook runs $((NFILES + SERVICES)) loop items): first apply $(python3 -c "print('%.3f' % ($A_FIRST / $NFILES))") s, no-op $(python3 -c "print('%.3f' % ($A_NOOP / $NFILES))") s."
  echo
  echo "Ansible numbers: $ANSIBLE_SOURCE."
  echo
  echo "## Correctness checks (not timed)"
  echo
  for c in "${CHECKS[@]}"; do echo "- **${c%% *}** ${c#* }"; done
  if [[ "$SKIP_ANSIBLE" == 1 ]]; then echo "- (Ansible checks skipped: BENCH_SKIP_ANSIBLE=1)"; fi
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
  echo "- jar: \`$JAR_LABEL\`, built $JAR_DATE, sha256 $JAR_SHA..., source tree at commit $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "(none yet)")"
  echo "- ansible: $ANS_V${JINJA_V:+, jinja $JINJA_V}${PY_V:+, python $PY_V}"
  echo "- coreutils: $(sha256sum --version | head -1)"
  echo
  echo "## What ran"
  echo
  echo "- **Driftless**: \`bin/driftless apply|check --repo \$WORK/repo --root \$WORK/root-driftless\` (the launcher: \`java ${LAUNCHER_OPTS[*]} -jar $JAR_LABEL\`),"
  echo "  reading the committed HEAD of a generated Git repository (one host \`bench\`, \`address: local\`, host and repo vars;"
  echo "  each service has 5 \`source:\` files and 5 Pebble \`template:\` files using \`{{ var }}\` and \`{{ host.name }}\`, mode \"0644\")."
  echo "  First apply: the root is emptied before every run. No-op apply: the same command again. Drift check: after appending"
  echo "  one line to \`$DRIFT_FILE\` under the root; \`check\` must exit 2. Each measure: $WARMUP untimed warmup run(s), then $RUNS timed runs."
  echo "- **Ansible**: \`ansible-playbook -i localhost, -c local site.yml\` (\`--check --diff\` for the drift check), default settings"
  echo "  (no ansible.cfg, no pipelining tweaks), \`ANSIBLE_NOCOLOR=1\`, \`gather_facts: false\`. The playbook is what an Ansible user writes"
  echo "  for a data-driven set of files: three tasks with loops (a \`file\` task for the 100 directories, a \`copy\` task over 500 items,"
  echo "  a \`template\` task over 500 items), reading the very same source files and templates from the Driftless repository;"
  echo "  vars come from a vars file with the same repo and host vars, plus \`host: {name: bench}\` so that \`{{ host.name }}\` renders alike."
  echo "  One run per measure (each run is minutes long)."
  echo "- Both tools' output was checked byte for byte against the expected rendering of all $NFILES files."
  echo "- JVM floor: \`java <the launcher's options> -cp $JAR_LABEL $NOOP_CLASS\` (a main that returns)."
  echo "- Timing: bash \`\$EPOCHREALTIME\` around each whole process, output sent to a log file; the page cache is warm (same files read before)."
  echo
  echo "## Rerun"
  echo
  echo '```'
  echo 'bash bench/run.sh                          # everything, about 20 minutes (Ansible is most of it)'
  echo 'BENCH_SKIP_ANSIBLE=1 bash bench/run.sh     # Driftless and floors only (~1 minute), Ansible numbers reused'
  echo 'BENCH_RUNS=10 bash bench/run.sh            # more Driftless runs per measure'
  echo '```'
  echo
  echo "See \`bench/README.md\` for what each number means."
} >"$RESULTS_MD"

log "wrote $RESULTS_MD and $RAW"
log "no-op ratio ${R_NOOP}x (>= 20: $BAR1); (check - JVM) / sha256sum ${R_FLOOR}x (<= 3: $BAR2); correctness checks: $CORRECT"
[[ $BAR1 == PASS && $BAR2 == PASS && $CORRECT == PASS ]] || exit 2
exit 0
