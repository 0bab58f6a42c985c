#!/usr/bin/env bash
# Agent benchmark ("Fast", issue 5): how long from `git push` returning to the pushed file being on the host,
# with `driftless agent` and a signed webhook, against running `driftless apply` after each push (the same
# pushes, the same repository, the same script); and the agent's resident memory over an hour's worth of
# 1-second reconciles squeezed into a few minutes, against one `driftless apply` process on the same repository.
# Issue 15: the same pushes again, signed with an SSH key (ed25519, by git itself), to an agent started with
# --verify-signatures --allowed-signers FILE; and, from git daemon's --verbose log, the fetches each push costs
# (forward only deepens the agent's shallow cache once per new commit to see that it descends from the last one).
# Writes bench/AGENT-RESULTS.md and bench/results/agent-raw-<UTC date>.txt.
#
#   bash bench/agent-run.sh                                  # everything, about 12 minutes on 2 cores
#   AGENT_BENCH_CYCLES=600 AGENT_BENCH_PUSHES=5 bash bench/agent-run.sh   # a smoke run (report in $AGENT_BENCH_WORK)
#   AGENT_BENCH_CYCLES=600 bash bench/agent-run.sh           # 20 pushes per series, a short memory run: about 6 minutes
#
# Environment (all optional):
#   AGENT_BENCH_PUSHES=20        pushes timed with the agent (p50/p95 reported)
#   AGENT_BENCH_PEER_PUSHES=20   pushes timed with `driftless apply` after each push
#   AGENT_BENCH_SIGNED_PUSHES=   signed pushes timed with the agent that verifies signatures (default: AGENT_BENCH_PUSHES)
#   AGENT_BENCH_CYCLES=3600      fetch cycles of the memory run (3,600 = one hour at --interval 1s)
#   AGENT_BENCH_INTERVAL=50ms    --interval of the memory run
#   AGENT_BENCH_DRIFT_INTERVAL=  --drift-interval of the memory run (default: the same as the interval)
#   AGENT_BENCH_MEM_SECONDS=900  time bound of the memory run (it stops at whichever comes first)
#   AGENT_BENCH_JAVA_OPTS=""     extra JVM options for every Driftless process (as DRIFTLESS_JAVA_OPTS)
#   AGENT_BENCH_WORK=/tmp/driftless-agent-bench   work directory (wiped at the start)
# Anything but the default counts is a smoke run: its report goes to $AGENT_BENCH_WORK, bench/ is left alone.
#
# Only 127.0.0.1 is used (a git daemon and the agent on free ports). Every process the script starts is
# stopped on exit (trap). Exit code: 0 = ran and every bar passed; 2 = ran but a bar or a check failed;
# 1 = the benchmark itself could not run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
PUSHES=${AGENT_BENCH_PUSHES:-20}
PEER_PUSHES=${AGENT_BENCH_PEER_PUSHES:-20}
SIGNED_PUSHES=${AGENT_BENCH_SIGNED_PUSHES:-$PUSHES}
CYCLES=${AGENT_BENCH_CYCLES:-3600}
MEM_INTERVAL=${AGENT_BENCH_INTERVAL:-50ms}
MEM_DRIFT_INTERVAL=${AGENT_BENCH_DRIFT_INTERVAL:-$MEM_INTERVAL}
MEM_SECONDS=${AGENT_BENCH_MEM_SECONDS:-900}
WORK=${AGENT_BENCH_WORK:-/tmp/driftless-agent-bench}
SAMPLE_EVERY=100      # cycles between two RSS samples
PUSH_EVERY=300        # cycles between two pushes during the memory run (hand edits half-way between)
WAIT_S=30             # longest wait for one pushed file
GAP_S=1               # pause between two timed pushes
LAT_BAR=1.0           # seconds: p50 of the agent must be under this
RSS_BAR=256           # MiB
FLAT_BAR=5            # percent growth across the last half of the memory run

log() { printf '[agent-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing AGENT_BENCH_WORK=$WORK";; esac
for v in PUSHES PEER_PUSHES SIGNED_PUSHES CYCLES MEM_SECONDS; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"; done
RESULTS_DIR=$BENCH_DIR/results
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ $PUSHES == 20 && $PEER_PUSHES == 20 && $SIGNED_PUSHES == 20 && $CYCLES == 3600 && $MEM_INTERVAL == 50ms && $MEM_DRIFT_INTERVAL == 50ms ]]; then
  RESULTS_MD=$BENCH_DIR/AGENT-RESULTS.md
  RAW=$RESULTS_DIR/agent-raw-$STAMP.txt
else   # a smoke run leaves bench/ alone
  RESULTS_MD=$WORK/AGENT-RESULTS.md
  RAW=$WORK/agent-raw-$STAMP.txt
fi

# ---------------------------------------------------------------------------------------------
# 1. Tools (installs only what is missing)
# ---------------------------------------------------------------------------------------------
missing=()
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || [[ -f $REPO_ROOT/target/driftless.jar ]] || missing+=(maven)
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v git-daemon >/dev/null || [[ -x $(git --exec-path)/git-daemon ]] || die "git daemon is not available"

# ---------------------------------------------------------------------------------------------
# 2. Processes: everything started here is stopped on exit
# ---------------------------------------------------------------------------------------------
PIDS=()
stop_pid() { # pid: SIGTERM, up to 15 s, then SIGKILL; prints the seconds it took and how
  local pid=$1 t0 i
  kill -0 "$pid" 2>/dev/null || { echo "0 gone"; return 0; }
  t0=$EPOCHREALTIME
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { python3 -c "print('%.1f' % ($EPOCHREALTIME - $t0), 'sigterm')"; return 0; }
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  python3 -c "print('%.1f' % ($EPOCHREALTIME - $t0), 'sigkill')"
}
cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  sleep 0.5
  for p in "${PIDS[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
  done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

rm -rf "$WORK"
mkdir -p "$WORK" "$RESULTS_DIR" "$WORK/logs"
: >"$RAW"
LOGS=$WORK/logs
HELPER=$WORK/agent-bench.py

# ---------------------------------------------------------------------------------------------
# 3. The jar: built by the launcher if the sources are newer, then a frozen copy of launcher + jar
# ---------------------------------------------------------------------------------------------
# The agent runs for many minutes; a rebuild of target/driftless.jar under a running JVM would break it.
# So the launcher builds once here (retried: someone may be editing the sources), and everything below
# runs a copy of bin/driftless and the jar in $WORK/driftless (no src/ there: it never rebuilds; it
# trains its own AppCDS archive, as bin/driftless does on the first run after a build).
built=0
for attempt in 1 2 3; do
  if "$REPO_ROOT/bin/driftless" --version >/dev/null 2>"$LOGS/build.log"; then built=1; break; fi
  log "building the jar failed (attempt $attempt of 3; see $LOGS/build.log); retrying in 60 s"
  sleep 60
done
((built)) || die "bin/driftless could not build target/driftless.jar"
DL_HOME=$WORK/driftless
mkdir -p "$DL_HOME/bin" "$DL_HOME/target" "$DL_HOME/examples"
cp "$REPO_ROOT/bin/driftless" "$DL_HOME/bin/"
cp -p "$REPO_ROOT/target/driftless.jar" "$DL_HOME/target/"
cp -r "$REPO_ROOT/examples/homelab" "$DL_HOME/examples/"
DL=$DL_HOME/bin/driftless
export DRIFTLESS_JAVA_OPTS="${AGENT_BENCH_JAVA_OPTS:-}"
"$DL" --version >/dev/null 2>"$LOGS/cds.log" || die "the copied launcher does not run (see $LOGS/cds.log)"
ARCHIVE=$(ls "$DL_HOME"/target/driftless-*.jsa 2>/dev/null | head -1 || true)
JAR=$DL_HOME/target/driftless.jar
JAR_SHA=$(sha256sum "$JAR" | cut -c1-12)
JAR_DATE=$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')
LAUNCHER_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off${ARCHIVE:+ -XX:SharedArchiveFile=<archive>}"
# the heap the launcher's JVM gets on this machine (no -Xmx in the launcher: JVM ergonomics decide)
# shellcheck disable=SC2086
read -r HEAP_INIT HEAP_MAX < <(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC ${DRIFTLESS_JAVA_OPTS} -XX:+PrintFlagsFinal -version 2>/dev/null \
  | awk '$2 == "InitialHeapSize" { i = $4 } $2 == "MaxHeapSize" { m = $4 } END { printf "%.0f %.0f\n", i / 1048576, m / 1048576 }')
NOTES=()
CHECKS=()
ok() { python3 -c "import sys, math; from math import nan
try: sys.exit(0 if ($1) else 1)
except ZeroDivisionError: sys.exit(1)"; }
calc() { python3 -c "from math import nan
try: print('%.${2:-1}f' % ($1))
except ZeroDivisionError: print('nan')"; }
verify() { # description, condition (evaluated)
  if eval "$2"; then CHECKS+=("PASS $1"); else CHECKS+=("FAIL $1"); log "check failed: $1"; fi
}
{
  echo "# bench/agent-run.sh raw results, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# jar sha256 $JAR_SHA... built $JAR_DATE; JVM options: $LAUNCHER_OPTS ${DRIFTLESS_JAVA_OPTS}; heap: initial ${HEAP_INIT} MiB, max ${HEAP_MAX} MiB"
  echo "# latency lines: push_s = git push wall time (not counted); latency_s = from push returning to the file on the host"
} >>"$RAW"

# ---------------------------------------------------------------------------------------------
# 4. The workload: 1,000 files in a Git repository served by a local git daemon
# ---------------------------------------------------------------------------------------------
cat >"$HELPER" <<'PY'
#!/usr/bin/env python3
"""Helper of bench/agent-run.sh (not meant to be run alone): generates the workload, drives the pushes and
times them, drives the memory run, and computes the statistics. Everything it starts is a child process it
waits for; it only talks to 127.0.0.1.

  agent-bench.py gen REPO                      1,000-file repository (100 services x 10 files), not committed
  agent-bench.py latency MODE ...              MODE agent (push, signed webhook, poll) or peer (push, apply CLI)
  agent-bench.py memory ...                    the memory run against a running agent
  agent-bench.py stats RAW PREFIX              p50/p95/min/max of the "latency_s" of RAW's lines as KEY=VALUE
"""
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@127.0.0.1",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@127.0.0.1", GIT_TERMINAL_PROMPT="0")

WORDS = ("alpha bravo cache queue worker index search upload report billing ledger audit session token "
         "metrics export import sync mailer thumb feed notify").split()


def log(msg):
    print("[agent-bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------- workload

def gen(repo, nsvc=100):
    """100 services x 10 files: file-0..4.conf copied (source:), file-5..9.conf rendered (template:),
    1 to 4 KB each, every one different; deterministic."""
    os.makedirs(os.path.join(repo, "services"))
    with open(os.path.join(repo, "driftless.yaml"), "w") as f:
        f.write("# Driftless agent benchmark inventory (generated by bench/agent-run.sh)\n"
                "hosts:\n  box:\n    address: local\n    vars:\n      region: \"eu-central\"\n"
                "      listen_addr: \"127.0.0.1\"\n"
                "vars:\n  domain: \"bench.example.org\"\n  stage: \"bench\"\n")
    for i in range(nsvc):
        svc = "svc-%03d" % i
        sdir = os.path.join(repo, "services", svc)
        os.makedirs(sdir)
        entries = []
        for k in range(10):
            r = random.Random("%d/%d" % (i, k))
            tmpl = k >= 5
            lines = ["# %s/file-%d (generated; edit the repository, not this file)" % (svc, k)]
            target = r.randint(1024, 3900)
            size = len(lines[0]) + 1
            while size < target:
                w = r.choice(WORDS)
                if tmpl and r.random() < 0.3:
                    line = "%s_%d = %s.{{ domain }} # on {{ host.name }} in {{ region }}" % (w, r.randint(0, 9999), w)
                else:
                    line = "%s_%d = 10.%d.%d.%d:%d" % (w, r.randint(0, 9999), r.randint(0, 255), r.randint(0, 255),
                                                     r.randint(1, 254), r.randint(1024, 65535))
                lines.append(line)
                size += len(line) + 1
            name = "file-%d.conf%s" % (k, ".peb" if tmpl else "")
            with open(os.path.join(sdir, name), "w") as f:
                f.write("\n".join(lines) + "\n")
            entries.append("  - path: /etc/bench/%s/file-%d.conf\n    %s: %s\n    mode: \"0644\"\n"
                           % (svc, k, "template" if tmpl else "source", name))
        with open(os.path.join(sdir, "service.yaml"), "w") as f:
            f.write("description: agent bench service %d\nhosts: [box]\nfiles:\n" % i + "".join(entries))


# ------------------------------------------------------------------------------------------- pushes

def git(clone, *args):
    return subprocess.run(["git", "-C", clone, *args], env=GIT_ENV, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=60)


def change_and_push(clone, tag, n):
    """Appends a unique marker line to one copied file (a different service each time), commits, pushes.
    Returns (relative destination path, marker, seconds the push took)."""
    svc = "svc-%03d" % ((n * 37 + 11) % 100)
    k = n % 5
    marker = "bench-marker %s-%d-%d" % (tag, n, random.randrange(1 << 30))
    with open(os.path.join(clone, "services", svc, "file-%d.conf" % k), "a") as f:
        f.write("# %s\n" % marker)
    git(clone, "commit", "-qam", "%s: change %s/file-%d.conf" % (tag, svc, k))
    p0 = time.monotonic()
    git(clone, "push", "-q", "origin", "HEAD:main")
    return "etc/bench/%s/file-%d.conf" % (svc, k), marker, time.monotonic() - p0


def has(path, marker):
    try:
        with open(path, "rb") as f:
            return marker.encode() in f.read()
    except OSError:
        return False


def post_hook(url, secret, body=b'{"ref":"refs/heads/main"}'):
    sig = hmac.new(secret, body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "X-Signature": "sha256=" + sig, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def latency(a):
    """a: mode clone sandbox n raw wait_s gap_s then (agent, signed) hook_url secret_file | (peer) time_out -- cmd...
    n: the number of pushes, or FIRST-LAST, the push numbers of this call (two series interleaved push by push)"""
    mode, clone, sandbox, raw, wait_s, gap_s = a[0], a[1], a[2], a[4], float(a[5]), float(a[6])
    first, _, last = a[3].partition("-")
    first, last = (int(first), int(last)) if last else (1, int(first))
    n = last
    webhook = mode in ("agent", "signed")
    if webhook:
        hook_url, secret = a[7], open(a[8], "rb").read().strip()
    else:
        time_out, cmd = a[7], a[a.index("--") + 1:]
    ok = 0
    with open(raw, "a") as out:
        for i in range(first, last + 1):
            rel, marker, push_s = change_and_push(clone, mode, i)
            t0 = time.monotonic()                       # the push has returned
            at = time.time()                            # the same instant on the wall clock of git daemon's log
            status, rc, rss = "", "", ""
            if webhook:
                status = post_hook(hook_url, secret)    # inside the measured time
            else:
                r = subprocess.run(["/usr/bin/time", "-v", "-o", time_out, *cmd], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=120)
                rc = r.returncode
                m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(time_out).read())
                rss = m.group(1) if m else ""
            dest = os.path.join(sandbox, rel)
            deadline = t0 + wait_s
            while not has(dest, marker):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            t1 = time.monotonic()
            there_at = time.time()
            there = has(dest, marker)
            ok += there
            lat = ("%.4f" % (t1 - t0)) if there else "timeout"
            out.write("%s push=%d file=%s push_s=%.4f latency_s=%s%s%s%s at=%.6f there_at=%.6f\n" % (
                mode, i, rel, push_s, lat, " hook_status=%s" % status if status != "" else "",
                " rc=%s" % rc if rc != "" else "", " max_rss_kib=%s" % rss if rss != "" else "", at, there_at))
            out.flush()
            log("%s push %d%s: %s -> %s s" % (mode, i, "" if "-" in a[3] else "/%d" % n, rel, lat))
            time.sleep(gap_s)
    return 0 if ok == last - first + 1 else 3


def stats(a):
    raw, prefix = a[0], a[1]
    vals, timeouts = [], 0
    for line in open(raw):
        m = re.search(r"\blatency_s=(\S+)", line)
        if m and line.startswith(prefix + " "):
            if m.group(1) == "timeout":
                timeouts += 1
            else:
                vals.append(float(m.group(1)))
    vals.sort()

    def rank(p):  # nearest rank
        if not vals:
            return float("nan")
        import math
        return vals[max(0, math.ceil(p / 100.0 * len(vals)) - 1)]

    med = float("nan")
    if vals:
        h = len(vals) // 2
        med = vals[h] if len(vals) % 2 else (vals[h - 1] + vals[h]) / 2
    p = prefix.upper()
    print("%s_N=%d" % (p, len(vals)))
    print("%s_TIMEOUTS=%d" % (p, timeouts))
    print("%s_P50=%.3f" % (p, med))
    print("%s_P95=%.3f" % (p, rank(95)))
    print("%s_MIN=%.3f" % (p, vals[0] if vals else float("nan")))
    print("%s_MAX=%.3f" % (p, vals[-1] if vals else float("nan")))


def median(vals):
    vals = sorted(vals)
    if not vals:
        return float("nan")
    h = len(vals) // 2
    return vals[h] if len(vals) % 2 else (vals[h - 1] + vals[h]) / 2


def fetches(a):
    """a: raw daemon_log prefix gap_s repo. The upload-pack connections to repo ("/repo.git") git daemon served
    (--verbose log, each line prefixed with the wall-clock time it was read) from each push of the series returning
    to its next push returning (the last: until gap_s after its file was there): how many per push, and how long
    each lasted (request to disconnect), by their order within the push (for the agent: ls-refs, the depth-1 fetch,
    forward only's deepening)."""
    raw, daemon_log, prefix, gap_s, repo = a[0], a[1], a[2], float(a[3]), a[4]
    started, ended = {}, {}
    for line in open(daemon_log, errors="replace"):
        m = re.match(r"(\d+\.\d+) \[(\d+)\] Request upload-pack for '(.*)'", line)
        if m and m.group(3) == repo:
            started[m.group(2)] = float(m.group(1))
        m = re.match(r"(\d+\.\d+) \[\d+\] \[(\d+)\] Disconnected", line)
        if m:
            ended[m.group(2)] = float(m.group(1))
    conns = sorted((t, ended.get(pid, float("nan"))) for pid, t in started.items())
    pushes = []
    for line in open(raw):
        m = re.match(prefix + r" push=\d+ .*latency_s=(\S+) .*at=(\S+) there_at=(\S+)", line)
        if m:
            pushes.append((m.group(1), float(m.group(2)), float(m.group(3))))
    counts, by_order, shares, hook, gap, after = [], {}, [], [], [], []
    for i, (lat, at, there_at) in enumerate(pushes):
        until = pushes[i + 1][1] if i + 1 < len(pushes) else there_at + gap_s
        mine = [(s, e) for s, e in conns if at <= s < until]
        counts.append(len(mine))
        for k, (s, e) in enumerate(mine):
            by_order.setdefault(k, []).append((e - s) * 1000)
        if len(mine) >= 3 and lat != "timeout":
            shares.append((mine[-1][1] - mine[-1][0]) / float(lat) * 100)
            hook.append((mine[0][0] - at) * 1000)               # the webhook, until the agent asks for the refs
            gap.append((mine[-1][0] - mine[-2][1]) * 1000)      # the agent's own work between the two fetches
            after.append((there_at - mine[-1][1]) * 1000)       # the deepening done, until the file is there
    dist = {}
    for c in counts:
        dist[c] = dist.get(c, 0) + 1
    p = prefix.upper()
    print("%s_CONNS='%s'" % (p, ", ".join("%d x%d" % (c, n) for c, n in sorted(dist.items()))))
    print("%s_CONN_MS='%s'" % (p, " / ".join("%.0f" % median(by_order[k]) for k in sorted(by_order))))
    print("%s_DEEPEN_SHARE=%.0f" % (p, median(shares)))
    print("%s_SPANS_MS='%.0f / %.0f / %.0f'" % (p, median(hook), median(gap), median(after)))


# ------------------------------------------------------------------------------------------- memory

def metrics(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        text = resp.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                fields[k] = int(v.split()[0])
    return fields


def memory(a):
    """a: pid metrics_url clone sandbox cycles time_limit_s sample_every push_every raw"""
    pid, url, clone, sandbox = int(a[0]), a[1], a[2], a[3]
    cycles, limit, every, push_every, raw = int(a[4]), float(a[5]), int(a[6]), int(a[7]), a[8]
    start = time.monotonic()
    c0 = int(metrics(url).get("driftless_source_fetches_total", 0))
    next_sample, next_push, next_edit = c0 + every, c0 + push_every, c0 + push_every // 2
    pushes, edits, last = [], [], None
    n_push = n_edit = 0
    with open(raw, "a") as out:
        out.write("# memory: cycles (fetches) since ready, seconds since ready, VmRSS KiB, VmHWM KiB\n")
        st = proc_status(pid)
        out.write("mem cycles=0 t=0.0 rss_kib=%d hwm_kib=%d\n" % (st["VmRSS"], st["VmHWM"]))
        while True:
            if not os.path.exists("/proc/%d" % pid):
                out.write("# the agent exited during the memory run\n")
                log("the agent exited during the memory run")
                return 3
            m = metrics(url)
            c = int(m.get("driftless_source_fetches_total", 0))
            el = time.monotonic() - start
            done = c - c0 >= cycles or el > limit
            if c >= next_sample or done:
                st = proc_status(pid)
                out.write("mem cycles=%d t=%.1f rss_kib=%d hwm_kib=%d\n" % (c - c0, el, st["VmRSS"], st["VmHWM"]))
                out.flush()
                while next_sample <= c:
                    next_sample += every
                if (c - c0) // every % 5 == 0 or done:
                    log("memory: %d cycles in %.0f s, VmRSS %.1f MiB" % (c - c0, el, st["VmRSS"] / 1024))
            if done:
                break
            if c >= next_push:      # a real commit to apply, now and then
                n_push += 1
                rel, marker, _ = change_and_push(clone, "mem", n_push)
                pushes.append((rel, marker))
                out.write("# cycle %d: pushed %s\n" % (c - c0, rel))
                while next_push <= c:
                    next_push += push_every
            if c >= next_edit:      # a hand edit on the host, for the drift check to heal
                n_edit += 1
                rel = "etc/bench/svc-%03d/file-%d.conf" % ((n_edit * 53 + 7) % 100, 5 + n_edit % 5)
                with open(os.path.join(sandbox, rel), "a") as f:
                    f.write("# hand edit %d\n" % n_edit)
                edits.append(rel)
                out.write("# cycle %d: hand-edited %s\n" % (c - c0, rel))
                while next_edit <= c:
                    next_edit += push_every
            time.sleep(0.5)
        # let the last push and edit be picked up (bounded), then check them
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ok_push = not pushes or has(os.path.join(sandbox, pushes[-1][0]), pushes[-1][1])
            ok_edit = not any(has(os.path.join(sandbox, e), "# hand edit") for e in edits)
            if ok_push and ok_edit:
                break
            time.sleep(0.1)
        m = metrics(url)
        print("MEM_CYCLES=%d" % (int(m.get("driftless_source_fetches_total", 0)) - c0))
        print("MEM_ELAPSED=%.1f" % (time.monotonic() - start))
        print("MEM_PUSHES=%d" % len(pushes))
        print("MEM_EDITS=%d" % len(edits))
        print("MEM_LAST_PUSH_APPLIED=%d" % int(ok_push))
        print("MEM_EDITS_HEALED=%d" % int(ok_edit))
    return 0


def memstats(a):
    """RSS statistics of the memory run's samples: end, max, slope and growth over the last half (least squares)."""
    pts = []
    for line in open(a[0]):
        m = re.match(r"mem cycles=(\d+) t=(\S+) rss_kib=(\d+) hwm_kib=(\d+)", line)
        if m:
            pts.append((int(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4))))
    mib = lambda k: k / 1024.0
    end = pts[-1]
    total = end[0]
    half = [p for p in pts if p[0] >= total / 2.0]
    xs = [p[0] for p in half]
    ys = [mib(p[2]) for p in half]
    n = len(xs)
    if n >= 2 and max(xs) > min(xs):
        mx, my = sum(xs) / n, sum(ys) / n
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        icept = my - slope * mx
        f0, f1 = icept + slope * xs[0], icept + slope * xs[-1]
        growth = (f1 - f0) / f0 * 100.0
    else:
        slope, growth = float("nan"), float("nan")
    print("MEM_SAMPLES=%d" % len(pts))
    print("MEM_HALF_SAMPLES=%d" % n)
    print("MEM_HALF_FROM=%d" % (xs[0] if xs else 0))
    print("MEM_RSS_START=%.1f" % mib(pts[0][2]))
    print("MEM_RSS_MID=%.1f" % (ys[0] if ys else float("nan")))
    print("MEM_RSS_END=%.1f" % mib(end[2]))
    print("MEM_RSS_MAX=%.1f" % max(mib(p[2]) for p in pts))
    print("MEM_RSS_MIN_HALF=%.1f" % (min(ys) if ys else float("nan")))
    print("MEM_HWM=%.1f" % mib(end[3]))
    print("MEM_SLOPE=%.2f" % (slope * 1000))          # MiB per 1,000 cycles
    print("MEM_GROWTH=%.2f" % growth)                  # percent, fitted, across the last half


def main(argv):
    cmd, rest = argv[1], argv[2:]
    if cmd == "gen":
        gen(rest[0])
        return 0
    if cmd == "latency":
        return latency(rest)
    if cmd == "stats":
        stats(rest)
        return 0
    if cmd == "memory":
        return memory(rest)
    if cmd == "fetches":
        fetches(rest)
        return 0
    if cmd == "memstats":
        memstats(rest)
        return 0
    if cmd == "hook":   # one signed webhook: hook URL SECRET_FILE -> prints the HTTP status
        print(post_hook(rest[0], open(rest[1], "rb").read().strip()))
        return 0
    print("unknown command " + cmd, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
PY
log "generating 100 services x 10 files in $WORK/repo"
python3 "$HELPER" gen "$WORK/repo"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@127.0.0.1 GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@127.0.0.1
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" commit -qm "1,000 files"
mkdir -p "$WORK/served"
git clone -q --bare "$WORK/repo" "$WORK/served/repo.git"
REPO_BYTES=$(cat "$WORK"/repo/services/*/file-* | wc -c)
# the signed series' repository: the same files, every commit signed by git with an ed25519 key (gpg.format=ssh);
# the key and the allowed signers file the agent trusts are outside the repository
TRUST=$WORK/trust
mkdir -p "$TRUST" "$WORK/repo-signed"
ssh-keygen -q -t ed25519 -N "" -C "bench@127.0.0.1" -f "$TRUST/signing-key"
echo "bench@127.0.0.1 $(cut -d' ' -f1-2 "$TRUST/signing-key.pub")" >"$TRUST/allowed_signers"
cp -r "$WORK/repo/driftless.yaml" "$WORK/repo/services" "$WORK/repo-signed/"
git -C "$WORK/repo-signed" init -q -b main
git -C "$WORK/repo-signed" config gpg.format ssh
git -C "$WORK/repo-signed" config user.signingkey "$TRUST/signing-key"
git -C "$WORK/repo-signed" config commit.gpgsign true
git -C "$WORK/repo-signed" add -A
git -C "$WORK/repo-signed" commit -qm "1,000 files, signed"
git clone -q --bare "$WORK/repo-signed" "$WORK/served/signed.git"
GIT_PORT=$(free_port)
# --verbose: a line per connection (request, disconnect), each stamped with the wall-clock time it was read, so that
# the fetches each push costs can be counted and timed (section 5)
"$(git --exec-path)/git-daemon" --verbose --reuseaddr --base-path="$WORK/served" --export-all --enable=receive-pack \
  --listen=127.0.0.1 --port="$GIT_PORT" > >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done \
  >"$LOGS/git-daemon.log") 2>&1 &
PIDS+=($!)
URL=git://127.0.0.1:$GIT_PORT/repo.git
SIGNED_URL=git://127.0.0.1:$GIT_PORT/signed.git
for ((i = 0; i < 100; i++)); do git ls-remote "$URL" >/dev/null 2>&1 && break; sleep 0.1; done
git ls-remote "$URL" >/dev/null 2>&1 || die "the git daemon does not answer on $URL"
git clone -q "$URL" "$WORK/clone"
git clone -q "$SIGNED_URL" "$WORK/clone-signed"
git -C "$WORK/clone-signed" config gpg.format ssh
git -C "$WORK/clone-signed" config user.signingkey "$TRUST/signing-key"
git -C "$WORK/clone-signed" config commit.gpgsign true
git -C "$WORK/clone-signed" -c gpg.ssh.allowedSignersFile="$TRUST/allowed_signers" verify-commit HEAD 2>/dev/null \
  || die "git cannot verify the signed repository's first commit with $TRUST/allowed_signers"
log "git daemon on $URL and $SIGNED_URL"

SECRET=$WORK/webhook-secret
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET")

count_files() { find "$1/etc/bench" -type f 2>/dev/null | wc -l; }
metric() { # port name: the value of one metric line (0 if absent)
  curl -s --max-time 10 "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}
rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

AGENT_PID= AGENT_PORT= AGENT_JVM_OPTS=
start_agent() { # name sandbox state interval drift-interval [url [agent option...]]: starts it, waits for /readyz; sets READY_S
  local name=$1 url=${6:-$URL} t0 code=000 i
  AGENT_PORT=$(free_port)
  mkdir -p "$2"
  t0=$EPOCHREALTIME
  "$DL" agent --repo "$url" --root "$2" --state-dir "$3" --listen "127.0.0.1:$AGENT_PORT" \
    --webhook-secret-file "$SECRET" --interval "$4" --drift-interval "$5" "${@:7}" >"$LOGS/agent-$name.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
  for ((i = 0; i < 1200; i++)); do   # at most 120 s
    kill -0 "$AGENT_PID" 2>/dev/null || die "the agent ($name) exited at start; see $LOGS/agent-$name.log"
    code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/readyz" || true)
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  [[ $code == 200 ]] || die "the agent ($name) was not ready after 120 s; see $LOGS/agent-$name.log"
  READY_S=$(python3 -c "print('%.2f' % ($EPOCHREALTIME - $t0))")
  # the one answering must be ours (same repository URL, with our git daemon's port), and a JVM (the launcher execs java)
  AGENT_TOKEN_FILE=$3/api-token   # the control token the agent wrote at its start; /api/* reads need a token
  curl -s -H "Authorization: Bearer $(cat "$AGENT_TOKEN_FILE")" "http://127.0.0.1:$AGENT_PORT/api/status" | grep -qF "$url" || die "the agent on port $AGENT_PORT is not the one started here"
  [[ $(cat "/proc/$AGENT_PID/comm") == java ]] || die "pid $AGENT_PID is $(cat "/proc/$AGENT_PID/comm"), not the agent's JVM"
  # the JVM options the launcher gave the agent (they differ from a command's), for the report
  AGENT_JVM_OPTS=$(tr '\0' ' ' <"/proc/$AGENT_PID/cmdline" | sed -E 's/^[^ ]+ //; s/ -jar .*//; s/-XX:SharedArchiveFile=[^ ]+/-XX:SharedArchiveFile=<archive>/')
}
agent_log_problems() { grep -ciE 'warn|error|exception' "$1" || true; }
live_heap() { # pid: forces a full GC (jcmd GC.run) and prints the old generation in use after it, in MiB ("?" without
  # jcmd): the serial collector's full GC moves every live object there, so it is the live set (the young generation
  # fills again at once with what the loop allocates meanwhile)
  if ! command -v jcmd >/dev/null || ! jcmd "$1" GC.run >/dev/null 2>&1; then echo "?"; return 0; fi
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/tenured generation +total/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } }
    END { printf "%.1f\n", s / 1024 }'
}

# ---------------------------------------------------------------------------------------------
# 5. The agent with a webhook: push, POST /hooks/generic, poll the file
# ---------------------------------------------------------------------------------------------
series_start() { # V mode name url [agent option...]: a fresh agent on a fresh host folder, ready; its baseline metrics
  local v=$1 mode=$2 name=$3 url=$4 what=$2 files
  shift 4
  [[ $mode == agent ]] || what="agent with $1"
  log "$what: start on $url (first apply of 1,000 files)"
  start_agent "$name" "$WORK/host-$name" "$WORK/state-$name" 1h 1h "$url" "$@"
  files=$(count_files "$WORK/host-$name")
  log "$what: ready after ${READY_S}s with $files files"
  verify "the first apply of the $what wrote all 1,000 files before /readyz ($files files)" "[[ $files == 1000 ]]"
  echo "# $mode: ready ${READY_S}s after start, $files files${*:+; agent options: $*}" >>"$RAW"
  printf -v "${v}_WHAT" '%s' "$what"
  printf -v "${v}_READY_S" '%s' "$READY_S"
  printf -v "${v}_HOST" '%s' "$WORK/host-$name"
  printf -v "${v}_PID" '%s' "$AGENT_PID"
  printf -v "${v}_PORT" '%s' "$AGENT_PORT"
  printf -v "${v}_TOKEN" '%s' "$(cat "$AGENT_TOKEN_FILE")"
  printf -v "${v}_SUM0" '%s' "$(metric "$AGENT_PORT" driftless_reconcile_duration_seconds_sum)"
  printf -v "${v}_CNT0" '%s' "$(metric "$AGENT_PORT" driftless_reconcile_duration_seconds_count)"
  printf -v "${v}_FETCH0" '%s' "$(metric "$AGENT_PORT" driftless_source_fetches_total)"
}
series_push() { # V mode clone i: push number i of the series, timed
  local pid=${1}_PID port=${1}_PORT rc=${1}_RC host=${1}_HOST
  python3 "$HELPER" latency "$2" "$3" "${!host}" "$4-$4" "$RAW" "$WAIT_S" "$GAP_S" \
    "http://127.0.0.1:${!port}/hooks/generic" "$SECRET" || printf -v "$rc" '%s' 1
  kill -0 "${!pid}" 2>/dev/null || die "the $2 agent exited during its pushes; see $LOGS"
}
series_end() { # V mode name pushes: the series' measurements and checks, then its agent stopped; sets ${V}_APPLY_MEAN,
  # ${V}_LIVE and, from the helper's stats, ${MODE}_P50 etc.
  local v=$1 mode=$2 name=$3 n=$4
  local pid=${v}_PID port=${v}_PORT token=${v}_TOKEN sum0=${v}_SUM0 cnt0=${v}_CNT0 fetch0=${v}_FETCH0 rcv=${v}_RC what=${v}_WHAT
  local sum1 cnt1 fetch1 succeeded fetch_errors untrusted rss hwm hist hooks live stop_s stop_how problems reconciles
  local rc=${!rcv:-0}
  sum1=$(metric "${!port}" driftless_reconcile_duration_seconds_sum)
  cnt1=$(metric "${!port}" driftless_reconcile_duration_seconds_count)
  fetch1=$(metric "${!port}" driftless_source_fetches_total)
  succeeded=$(metric "${!port}" 'driftless_reconcile_total{result="succeeded"}')
  fetch_errors=$(metric "${!port}" driftless_source_fetch_errors_total)
  untrusted=$(metric "${!port}" driftless_untrusted_commits_total)
  rss=$(rss_kib "${!pid}" VmRSS) hwm=$(rss_kib "${!pid}" VmHWM)
  hist=$(curl -s -H "Authorization: Bearer ${!token}" "http://127.0.0.1:${!port}/api/history?limit=1000" >"$LOGS/agent-$name-history.json"; python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = d if isinstance(d, list) else next((v for v in d.values() if isinstance(v, list)), [])
print(len(rows))' "$LOGS/agent-$name-history.json" 2>/dev/null || echo "?")
  hooks=$(grep -c "^$mode .* hook_status=202" "$RAW" || true)
  curl -s -H "Authorization: Bearer ${!token}" "http://127.0.0.1:${!port}/api/status" >"$LOGS/agent-$name-status.json" || true
  live=$(live_heap "${!pid}")
  read -r stop_s stop_how < <(stop_pid "${!pid}")
  problems=$(agent_log_problems "$LOGS/agent-$name.log")
  reconciles=$((${cnt1%.*} - ${!cnt0%.*}))
  { echo "# $mode: reconciles during the pushes: $reconciles, their time $(python3 -c "print('%.3f' % ($sum1 - ${!sum0}))") s;" \
      "fetches $((${fetch1%.*} - ${!fetch0%.*})); VmRSS ${rss} KiB, VmHWM ${hwm} KiB; old gen after a full GC ${live} MiB; stopped ${stop_s}s after SIGTERM ($stop_how)"; } >>"$RAW"
  eval "$(python3 "$HELPER" stats "$RAW" "$mode")"
  local m=${mode^^}
  local got="${m}_N" timeouts="${m}_TIMEOUTS" p50="${m}_P50" p95="${m}_P95" lo="${m}_MIN" hi="${m}_MAX"
  printf -v "${v}_LIVE" '%s' "$live"
  printf -v "${v}_APPLY_MEAN" '%s' "$(python3 -c "c = $reconciles; print('%.3f' % (($sum1 - ${!sum0}) / c) if c else 'nan')")"
  verify "every pushed file reached the host within ${WAIT_S}s with the ${!what} (${!got} of $n; timeouts: ${!timeouts})" \
    "[[ $rc == 0 && ${!got} == $n ]]"
  verify "every signed webhook was accepted (HTTP 202: $hooks of $n)" "[[ $hooks == $n ]]"
  verify "one reconcile per push, each succeeded (reconciles: $reconciles, fetches: $((${fetch1%.*} - ${!fetch0%.*})), succeeded in all incl. the first apply: ${succeeded%.*}; history rows: $hist)" \
    "[[ $reconciles == $n && ${succeeded%.*} == $((n + 1)) ]]"
  verify "no failed fetches (driftless_source_fetch_errors_total = ${fetch_errors%.*}) and no untrusted commit (driftless_untrusted_commits_total = ${untrusted%.*})" \
    "[[ ${fetch_errors%.*} == 0 && ${untrusted%.*} == 0 ]]"
  if [[ $stop_how != sigterm ]]; then
    NOTES+=("The $name agent did not exit within 15 s of SIGTERM and was killed (SIGKILL); see the notes in \`bench/README.md\`.")
  fi
  if ((problems > 0)); then
    NOTES+=("The $name agent's log has $problems line(s) with warn/error/exception: \`$(grep -iE 'warn|error|exception' "$LOGS/agent-$name.log" | head -1 | cut -c1-160 | tr '`' "'")\`")
  fi
  log "${!what}: p50 ${!p50}s p95 ${!p95}s (min ${!lo}, max ${!hi}); stopped in ${stop_s}s ($stop_how)"
}
# Issue 15: beside the unsigned series, the same pushes signed by git with an ed25519 key, to a second agent started
# with --verify-signatures on a second repository of the same files (its first commit signed too). Both agents run
# side by side and their pushes alternate (A S, S A, ...), so that a change in the load of the machine, which other
# builds share, and the JIT's warm-up reach both series alike.
series_start A agent latency "$URL"
series_start S signed signed "$SIGNED_URL" --verify-signatures --allowed-signers "$TRUST/allowed_signers"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "agent and agent with --verify-signatures: $PUSHES and $SIGNED_PUSHES timed pushes, alternating"
for ((i = 1; i <= (PUSHES > SIGNED_PUSHES ? PUSHES : SIGNED_PUSHES); i++)); do
  if ((i % 2)); then
    ((i > PUSHES)) || series_push A agent "$WORK/clone" "$i"
    ((i > SIGNED_PUSHES)) || series_push S signed "$WORK/clone-signed" "$i"
  else
    ((i > SIGNED_PUSHES)) || series_push S signed "$WORK/clone-signed" "$i"
    ((i > PUSHES)) || series_push A agent "$WORK/clone" "$i"
  fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 2   # the last reconcile records its history after the file is written
series_end A agent latency "$PUSHES"
series_end S signed signed "$SIGNED_PUSHES"

# ---------------------------------------------------------------------------------------------
# 5b. Issue 15: what signing and forward only cost; what each push fetches
# ---------------------------------------------------------------------------------------------
SIGNED_COMMITS=$(git -C "$WORK/clone-signed" -c gpg.ssh.allowedSignersFile="$TRUST/allowed_signers" log --format=%G? \
  -n "$SIGNED_PUSHES" | grep -c '^G$' || true)
S_STATUS_SIGNER=$(grep -c 'bench@127.0.0.1 (ssh SHA256:' "$LOGS/agent-signed-status.json" || true)
verify "every commit of the signed series carries a good ed25519 signature for git (\`git log %G?\` = G: $SIGNED_COMMITS of $SIGNED_PUSHES) and the agent's status names the signer (\`/api/status\`: $([[ $S_STATUS_SIGNER -gt 0 ]] && echo yes || echo no))" \
  '[[ $SIGNED_COMMITS == "$SIGNED_PUSHES" && $S_STATUS_SIGNER -gt 0 ]]'
eval "$(python3 "$HELPER" fetches "$RAW" "$LOGS/git-daemon.log" agent "$GAP_S" /repo.git)"
eval "$(python3 "$HELPER" fetches "$RAW" "$LOGS/git-daemon.log" signed "$GAP_S" /signed.git)"
R_SIGNED_P50=$(calc "$SIGNED_P50 / $AGENT_P50" 2) R_SIGNED_P95=$(calc "$SIGNED_P95 / $AGENT_P95" 2)
echo "# upload-pack connections per push (count x pushes): agent $AGENT_CONNS, median ms by order $AGENT_CONN_MS; signed $SIGNED_CONNS, median ms by order $SIGNED_CONN_MS" >>"$RAW"
log "signed / unsigned: p50 ${R_SIGNED_P50}x, p95 ${R_SIGNED_P95}x; upload-pack connections per push: $AGENT_CONNS (unsigned), $SIGNED_CONNS (signed)"

# ---------------------------------------------------------------------------------------------
# 6. The peer: `driftless apply` after each push (cold JVM, fetch into its cache, plan, apply)
# ---------------------------------------------------------------------------------------------
SANDBOX_P=$WORK/host-peer
CACHE_P=$WORK/cache-peer
PEER_CMD=("$DL" apply --repo "$URL" --root "$SANDBOX_P" --cache "$CACHE_P")
log "peer: first apply (clone + 1,000 files), then $PEER_PUSHES timed pushes"
mkdir -p "$SANDBOX_P"
t0=$EPOCHREALTIME
P_FIRST_RC=0
/usr/bin/time -v -o "$LOGS/peer-first.time" "${PEER_CMD[@]}" >"$LOGS/peer-first.log" 2>&1 || P_FIRST_RC=$?
P_FIRST_S=$(python3 -c "print('%.2f' % ($EPOCHREALTIME - $t0))")
P_FIRST_FILES=$(count_files "$SANDBOX_P")
P_FIRST_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$LOGS/peer-first.time")
echo "# peer: first apply ${P_FIRST_S}s, exit $P_FIRST_RC, $P_FIRST_FILES files, max RSS $P_FIRST_RSS KiB" >>"$RAW"
verify "peer's first apply wrote all 1,000 files (exit $P_FIRST_RC, $P_FIRST_FILES files)" '[[ $P_FIRST_RC == 0 && $P_FIRST_FILES == 1000 ]]'
P_RC=0
python3 "$HELPER" latency peer "$WORK/clone" "$SANDBOX_P" "$PEER_PUSHES" "$RAW" "$WAIT_S" "$GAP_S" \
  "$LOGS/peer.time" -- "${PEER_CMD[@]}" || P_RC=$?
eval "$(python3 "$HELPER" stats "$RAW" peer)"
P_RCS=$(grep '^peer ' "$RAW" | sed -n 's/.* rc=\([0-9]*\).*/\1/p' | sort | uniq -c | awk '{ printf "%s%s x%s", s, $2, $1; s = ", " }')
read -r P_RSS_MED P_RSS_MAX < <(grep '^peer ' "$RAW" | sed -n 's/.* max_rss_kib=\([0-9]*\).*/\1/p' | sort -n \
  | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f\n", m / 1024, v[NR] / 1024 }')
verify "every peer apply exited 0 and put the pushed file on the host (exit codes: $P_RCS; $PEER_N of $PEER_PUSHES)" \
  '[[ $P_RC == 0 && $PEER_N == "$PEER_PUSHES" && $P_RCS == "0 x$PEER_PUSHES" ]]'
log "peer: p50 ${PEER_P50}s p95 ${PEER_P95}s (min $PEER_MIN, max $PEER_MAX); max RSS median $P_RSS_MED MiB"

# ---------------------------------------------------------------------------------------------
# 7. Memory: an hour of 1 s reconciles squeezed in (short --interval), RSS sampled every 100 cycles
# ---------------------------------------------------------------------------------------------
SANDBOX_M=$WORK/host-memory
log "memory: agent with --interval $MEM_INTERVAL --drift-interval $MEM_DRIFT_INTERVAL, until $CYCLES cycles or ${MEM_SECONDS}s"
start_agent memory "$SANDBOX_M" "$WORK/state-memory" "$MEM_INTERVAL" "$MEM_DRIFT_INTERVAL"
M_PID=$AGENT_PID M_PORT=$AGENT_PORT M_READY_S=$READY_S
echo "# memory: agent ready ${READY_S}s after start; --interval $MEM_INTERVAL --drift-interval $MEM_DRIFT_INTERVAL" >>"$RAW"
M_RC=0
python3 "$HELPER" memory "$M_PID" "http://127.0.0.1:$M_PORT/metrics" "$WORK/clone" "$SANDBOX_M" "$CYCLES" "$MEM_SECONDS" \
  "$SAMPLE_EVERY" "$PUSH_EVERY" "$RAW" >"$WORK/memory.env" || M_RC=$?
eval "$(cat "$WORK/memory.env")"
curl -s "http://127.0.0.1:$M_PORT/metrics" >"$LOGS/agent-memory.metrics" || true
jcmd "$M_PID" GC.heap_info >"$LOGS/agent-memory.heap" 2>&1 || true
M_LIVE=$(live_heap "$M_PID")          # after the last RSS sample: a full GC, to tell a leak from garbage not yet collected
M_RSS_AFTER_GC=$(python3 -c "print('%.1f' % ($(rss_kib "$M_PID" VmRSS) / 1024))")
M_FETCH_ERRORS=$(awk '$1 == "driftless_source_fetch_errors_total" { print $2 + 0 }' "$LOGS/agent-memory.metrics")
M_RESULTS=$(awk '/^driftless_reconcile_total\{/ { sub(/driftless_reconcile_total\{result="/, ""); sub(/"\}/, ""); printf "%s%s %d", s, $1, $2; s = ", " }' "$LOGS/agent-memory.metrics")
M_FILES=$(count_files "$SANDBOX_M")
M_HEAP_COMMITTED=$(awk '/generation +total/ { for (i = 1; i < NF; i++) if ($i == "total") { v = $(i + 1); sub(/K.*/, "", v); s += v } }
  END { printf "%.0f", s / 1024 }' "$LOGS/agent-memory.heap")
read -r M_STOP_S M_STOP_HOW < <(stop_pid "$M_PID")
M_LOG_PROBLEMS=$(agent_log_problems "$LOGS/agent-memory.log")
eval "$(python3 "$HELPER" memstats "$RAW")"
{ echo "# memory: $MEM_CYCLES cycles in ${MEM_ELAPSED}s; reconciles: $M_RESULTS; fetch errors: $M_FETCH_ERRORS; old gen after a full GC ${M_LIVE} MiB, VmRSS then ${M_RSS_AFTER_GC} MiB; stopped ${M_STOP_S}s after SIGTERM ($M_STOP_HOW)"
  sed 's/^/# heap at the end: /' "$LOGS/agent-memory.heap"; } >>"$RAW"
verify "the memory run's agent stayed up and its pushes were applied ($MEM_PUSHES pushes, the last one on the host: $([[ $MEM_LAST_PUSH_APPLIED == 1 ]] && echo yes || echo no))" \
  '[[ $M_RC == 0 && $MEM_LAST_PUSH_APPLIED == 1 ]]'
verify "every hand edit during the memory run was healed ($MEM_EDITS edits; reconciles by result: $M_RESULTS)" '[[ $MEM_EDITS_HEALED == 1 ]]'
verify "no failed fetches in the memory run (driftless_source_fetch_errors_total = ${M_FETCH_ERRORS:-?}) and still 1,000 files ($M_FILES)" \
  '[[ ${M_FETCH_ERRORS:-x} == 0 && $M_FILES == 1000 ]]'
if ((MEM_CYCLES < CYCLES)); then
  NOTES+=("The memory run stopped at its time bound (${MEM_SECONDS} s) after $MEM_CYCLES of $CYCLES cycles.")
fi
if ok "$MEM_RSS_MAX >= 0.9 * $RSS_BAR"; then
  NOTES+=("The agent's RSS came within 10 % of the ${RSS_BAR} MiB bar. Its live heap is small (${M_LIVE} MiB after a full GC), but the JVM committed ${M_HEAP_COMMITTED:-?} MiB of heap (no -Xmx in the launcher) and the RSS counts every heap page touched since the start: how much of the old generation young collections happen to touch (objects of an apply in flight promoted early) moves the RSS by tens of MiB from run to run.")
fi
if [[ $M_STOP_HOW != sigterm ]]; then
  NOTES+=("The memory agent did not exit within 15 s of SIGTERM and was killed (SIGKILL).")
fi
if ((M_LOG_PROBLEMS > 0)); then
  NOTES+=("The memory agent's log has $M_LOG_PROBLEMS line(s) with warn/error/exception: \`$(grep -iE 'warn|error|exception' "$LOGS/agent-memory.log" | head -1 | cut -c1-160 | tr '`' "'")\`")
fi
log "memory: $MEM_CYCLES cycles in ${MEM_ELAPSED}s; RSS end $MEM_RSS_END MiB, max $MEM_RSS_MAX MiB, growth over the last half $MEM_GROWTH%"

# ---------------------------------------------------------------------------------------------
# 8. AGENT-RESULTS.md
# ---------------------------------------------------------------------------------------------
# the drift-check CPU section belongs to bench/drift-check-cpu.sh: carried over as it is
DRIFT_SECTION=""
if [[ -f $BENCH_DIR/AGENT-RESULTS.md ]]; then
  DRIFT_SECTION=$(sed -n '/^<!-- drift-check-cpu/,/^<!-- \/drift-check-cpu -->/p' "$BENCH_DIR/AGENT-RESULTS.md")
fi
BAR_LAT=FAIL; ok "$AGENT_P50 < $LAT_BAR" && BAR_LAT=PASS
BAR_RSS=FAIL; ok "$MEM_RSS_MAX < $RSS_BAR" && BAR_RSS=PASS
BAR_FLAT=FAIL; ok "not math.isnan($MEM_GROWTH) and $MEM_GROWTH < $FLAT_BAR" && BAR_FLAT=PASS
CORRECT=PASS
for c in "${CHECKS[@]}"; do [[ $c == FAIL* ]] && CORRECT=FAIL; done
shown() { if [[ $CORRECT == FAIL ]]; then echo "INVALID (would be $1; a check failed)"; else echo "$1"; fi; }
R_P50=$(calc "$PEER_P50 / $AGENT_P50") R_P95=$(calc "$PEER_P95 / $AGENT_P95")
R_RSS=$(calc "$MEM_RSS_MAX / $P_RSS_MED" 2)
HOURS=$(calc "$MEM_CYCLES / 3600" 2)
MEM_TOTAL=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
# shellcheck disable=SC2086
JAVA_V=$(java ${DRIFTLESS_JAVA_OPTS} -version 2>&1 | sed -n 2p)
RAW_REL=${RAW#"$REPO_ROOT"/}
NOW=$(date -u '+%Y-%m-%d %H:%M UTC')
{
  echo "# Driftless agent: benchmark results"
  echo
  echo "Generated by \`bash bench/agent-run.sh\` on $NOW. Raw timings and RSS samples: \`$RAW_REL\`."
  echo "Workload: one host \`box\` (\`address: local\`, in a sandbox folder), 100 services x 10 files = 1,000 files"
  echo "(500 copied, 500 templates, $((REPO_BYTES / 1024)) KiB), served by \`git daemon\` on 127.0.0.1 (git://)."
  echo
  echo "## Verdict"
  echo
  echo "| bar | value | needed | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| push returned -> file on the host, agent with a webhook, p50 of $PUSHES | ${AGENT_P50} s | < ${LAT_BAR} s | **$(shown $BAR_LAT)** |"
  echo "| agent RSS, largest sample over $MEM_CYCLES reconcile cycles (${HOURS} h at 1 s) | ${MEM_RSS_MAX} MiB | < ${RSS_BAR} MiB | **$(shown $BAR_RSS)** |"
  echo "| agent RSS growth across the last half of those cycles (least-squares fit) | ${MEM_GROWTH} % | < ${FLAT_BAR} % | **$(shown $BAR_FLAT)** |"
  echo "| checks below | | all pass | **$CORRECT** |"
  echo
  echo "For scale: Flux polls every minute by default and Argo CD every 3 minutes; neither publishes a webhook-to-applied figure."
  echo
  echo "## Push to host (seconds from \`git push\` returning to the pushed file's new content being on the host)"
  echo
  echo "| measure | agent + signed webhook | \`driftless apply\` after each push | apply / agent |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| p50 (median) | $AGENT_P50 | $PEER_P50 | ${R_P50}x |"
  echo "| p95 (nearest rank) | $AGENT_P95 | $PEER_P95 | ${R_P95}x |"
  echo "| min - max | $AGENT_MIN - $AGENT_MAX | $PEER_MIN - $PEER_MAX | |"
  echo "| pushes | $AGENT_N | $PEER_N | |"
  echo "| first apply of the 1,000 files (agent: start to \`/readyz\` 200, two starts; apply: clone + apply) | ${A_READY_S}, ${M_READY_S} | ${P_FIRST_S} | |"
  echo
  echo "Inside the agent, a reconcile (plan and apply of the new commit, after the fetch) took ${A_APPLY_MEAN} s on average"
  echo "over the $PUSHES pushes (\`driftless_reconcile_duration_seconds\`); the rest of its time is the webhook, the"
  echo "fetch over git:// and reading the commit. \`git push\` itself is not counted (median $(grep '^agent ' "$RAW" | sed -n 's/.* push_s=\([0-9.]*\).*/\1/p' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }') s)."
  echo
  echo "## Signed commits and forward only (issue 15)"
  echo
  echo "The same kind of pushes, in the same run, alternating push by push with the series above (A S, S A, ...; both agents"
  echo "up side by side): every commit signed by \`git\` itself with an ed25519 key (\`gpg.format=ssh\`, \`user.signingkey\`,"
  echo "\`commit.gpgsign=true\`; signing happens before the push and is not counted), pushed to a second repository of the"
  echo "same 1,000 files whose first commit is signed too, to a second agent started with \`--verify-signatures"
  echo "--allowed-signers FILE\` (the file outside the repository, naming the key). Other engineers' builds share these"
  echo "$(nproc) cores (load average below): only ratios from one run compare."
  echo
  echo "| measure | agent, unsigned commits | agent \`--verify-signatures\`, signed commits | signed / unsigned |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| p50 (median), s | $AGENT_P50 | $SIGNED_P50 | ${R_SIGNED_P50}x |"
  echo "| p95 (nearest rank), s | $AGENT_P95 | $SIGNED_P95 | ${R_SIGNED_P95}x |"
  echo "| min - max, s | $AGENT_MIN - $AGENT_MAX | $SIGNED_MIN - $SIGNED_MAX | |"
  echo "| pushes | $AGENT_N | $SIGNED_N | |"
  echo "| reconcile (plan + apply, \`driftless_reconcile_duration_seconds\`), mean, s | $A_APPLY_MEAN | $S_APPLY_MEAN | $(calc "$S_APPLY_MEAN / $A_APPLY_MEAN" 2)x |"
  echo "| start to \`/readyz\` (first apply of 1,000 files), s | $A_READY_S | $S_READY_S | |"
  echo "| upload-pack connections per push (count x pushes) | $AGENT_CONNS | $SIGNED_CONNS | |"
  echo "| their duration by order within the push, median, ms | $AGENT_CONN_MS | $SIGNED_CONN_MS | |"
  echo "| the last one (forward only's deepening) as a share of the push's latency, median | ${AGENT_DEEPEN_SHARE} % | ${SIGNED_DEEPEN_SHARE} % | |"
  echo "| push returned -> first connection / depth-1 fetch done -> deepening asked / deepening done -> file on the host, median, ms | $AGENT_SPANS_MS | $SIGNED_SPANS_MS | |"
  echo "| load average (1, 5, 15 min) before -> after the pushes (both series) | $LOAD_BEFORE -> $LOAD_AFTER | | |"
  echo
  echo "What each push costs at the Git server: \`driftless_source_fetches_total\` counts fetch cycles (one per push), not"
  echo "connections, so the count comes from \`git daemon --verbose\`, whose log lines (\"Request upload-pack\", \"Disconnected\")"
  echo "the script stamps with the time it reads them; a push's connections are those to its series' repository requested from"
  echo "its \`git push\` returning to the series' next one's. In order, for the agent: the ref advertisement (\`ls-remote\`), the depth-1 fetch of the new commit,"
  echo "and forward only's deepening of the shallow cache to depth 16 (\`RepoSource.Checkout.ancestry\`): the cache holds only"
  echo "the new commit, so its parent, the newest commit applied, is found only after a second fetch. Forward only is always on,"
  echo "so no run without it exists; the deepening's cost is read from its connection instead (request to disconnect, at the"
  echo "server; the agent's own reading of the deepened history is not in it). Between the depth-1 fetch and the deepening"
  echo "the agent reads the commit, verifies its signature when asked, opens the workspace and walks the shallow history:"
  echo "that span is an upper bound of the verification, which runs in the agent's JVM (JGit's SSH signature verifier), once"
  echo "per new commit, with no connection or process of its own. After the deepening: plan and apply."
  echo
  echo "## Memory"
  echo
  echo "| measure | agent (\`--interval $MEM_INTERVAL --drift-interval $MEM_DRIFT_INTERVAL\`) | one \`driftless apply\` process |"
  echo "| --- | ---: | ---: |"
  echo "| RSS at the start of the run (after the first apply) | $MEM_RSS_START MiB | |"
  echo "| RSS half-way (first sample of the last half, cycle $MEM_HALF_FROM) | $MEM_RSS_MID MiB | |"
  echo "| RSS at the end | $MEM_RSS_END MiB | |"
  echo "| RSS, largest sample | $MEM_RSS_MAX MiB | median $P_RSS_MED MiB, largest $P_RSS_MAX MiB (\`/usr/bin/time -v\` peak over $PEER_N runs) |"
  echo "| peak RSS (VmHWM) | $MEM_HWM MiB | first apply (clone + 1,000 files): $(calc "$P_FIRST_RSS / 1024") MiB |"
  echo "| slope over the last half | $MEM_SLOPE MiB per 1,000 cycles | |"
  echo "| agent largest sample / apply median peak | ${R_RSS}x | |"
  echo "| live heap: old generation in use after a forced full GC (\`jcmd GC.run\`), after the last sample | $M_LIVE MiB (the latency agent after its $PUSHES pushes: $A_LIVE MiB) | |"
  echo "| RSS after that full GC | $M_RSS_AFTER_GC MiB | |"
  echo "| heap committed by the JVM (young + old generation) | ${M_HEAP_COMMITTED:-?} MiB | |"
  echo
  echo "$MEM_CYCLES fetch cycles (\`driftless_source_fetches_total\`) in ${MEM_ELAPSED} s, a drift check of all 1,000 files"
  echo "scheduled as often as the fetch (an hour of both at 1 s, where the default drift interval is 5 minutes);"
  echo "$MEM_PUSHES pushes applied and $MEM_EDITS hand edits healed during the run (reconciles by result: $M_RESULTS)."
  echo "VmRSS read from \`/proc/PID/status\` every $SAMPLE_EVERY cycles ($MEM_SAMPLES samples, $MEM_HALF_SAMPLES in the last half)."
  echo "JVM: the agent's options as the launcher gives them (\`$AGENT_JVM_OPTS\`): the optimising compiler, a small heap"
  echo "that grows as needed up to 512 MiB. (A command gets \`$LAUNCHER_OPTS\` and the JVM's default heap: $HEAP_INIT MiB initial, $HEAP_MAX MiB at most here.)"
  echo "The heap at the end, before the forced GC (\`jcmd GC.heap_info\`):"
  echo
  echo '```'
  grep -vE '^[0-9]+:$' "$LOGS/agent-memory.heap" | head -8
  echo '```'
  echo
  echo "## Checks"
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
  echo "- memory: $MEM_TOTAL"
  echo "- kernel: $(uname -sr)"
  echo "- java: $JAVA_V"
  echo "- jar: \`target/driftless.jar\` (run from a copy), built $JAR_DATE, sha256 $JAR_SHA..., source tree at commit $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "(none yet)")$([[ -n $(git -C "$REPO_ROOT" status --porcelain -- src pom.xml 2>/dev/null) ]] && echo " with uncommitted changes")"
  echo "- git: $(git --version)"
  echo
  echo "## What ran"
  echo
  echo "- **Agent**: \`driftless agent --repo git://127.0.0.1:PORT/repo.git --root HOST --state-dir STATE --listen 127.0.0.1:PORT"
  echo "  --webhook-secret-file F --interval 1h --drift-interval 1h\` (so only the webhook triggers a fetch). Per push: change one"
  echo "  copied file (a marker line appended, a different service each time), commit, \`git push\` over git://; when the push"
  echo "  returns the clock starts, \`POST /hooks/generic\` with \`X-Signature: sha256=<HMAC-SHA256 of the body>\` (inside the"
  echo "  measured time), then the file on the host is read every 5 ms until it holds the marker (at most ${WAIT_S} s). ${GAP_S} s between pushes."
  echo "- **Peer**: what a team without the agent does after a push: \`driftless apply --repo git://... --root HOST2 --cache DIR\`"
  echo "  (a cold JVM through the launcher, an incremental fetch into its cache, plan, apply), the same kind of pushes, timed the"
  echo "  same way (push returned -> file there; the apply runs under \`/usr/bin/time -v\` for its peak RSS)."
  echo "- **Memory**: a second agent on a fresh host folder and state dir with \`--interval $MEM_INTERVAL --drift-interval $MEM_DRIFT_INTERVAL\`"
  echo "  until $CYCLES fetch cycles (or ${MEM_SECONDS} s); a push every $PUSH_EVERY cycles and a hand edit of a rendered file half-way between,"
  echo "  so real applies and heals happen; \`/metrics\` read every 0.5 s to count cycles. \"Flat\": the least-squares line through"
  echo "  the samples of the last half grows by less than ${FLAT_BAR} % from its first to its last cycle."
  echo "- Driftless runs from a copy of \`bin/driftless\` and \`target/driftless.jar\` taken at the start (with its own AppCDS archive,"
  echo "  trained as the launcher does), so a rebuild during the run cannot touch a running JVM."
  echo "- Only 127.0.0.1: a \`git daemon\` (receive-pack enabled) and the agent on free ports; all processes stopped at the end."
  echo
  echo "## Rerun"
  echo
  echo '```'
  echo 'bash bench/agent-run.sh                                       # about 12 minutes on 2 cores'
  echo 'AGENT_BENCH_CYCLES=600 AGENT_BENCH_PUSHES=5 AGENT_BENCH_PEER_PUSHES=5 bash bench/agent-run.sh   # smoke run, report in /tmp'
  echo '```'
  if [[ -n $DRIFT_SECTION ]]; then
    echo
    echo "$DRIFT_SECTION"
  fi
} >"$RESULTS_MD"

log "wrote $RESULTS_MD and $RAW"
log "agent p50 ${AGENT_P50}s (< $LAT_BAR: $BAR_LAT), apply-after-push p50 ${PEER_P50}s (${R_P50}x); RSS max ${MEM_RSS_MAX} MiB (< $RSS_BAR: $BAR_RSS), last-half growth ${MEM_GROWTH}% (< $FLAT_BAR: $BAR_FLAT); checks: $CORRECT"
[[ $BAR_LAT == PASS && $BAR_RSS == PASS && $BAR_FLAT == PASS && $CORRECT == PASS ]] || exit 2
exit 0
