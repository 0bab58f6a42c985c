#!/usr/bin/env bash
# Agent HTTP benchmark (issue 9): does the real agent keep answering /healthz and signed webhooks while slow clients
# hold connections open, and how much memory do 4 concurrent requests for the largest history page cost it?
# Measured on this checkout, and (HTTP_BENCH_BEFORE=REV) on an older commit in the same run, on the same history.
# Writes bench/HTTP-RESULTS.md and bench/results/http-raw-<UTC date>.txt.
#
#   bash bench/http-run.sh                              # this checkout: about 8 minutes on 2 cores
#   HTTP_BENCH_BEFORE=9284ab1 bash bench/http-run.sh    # and the commit before the hardening (about 15 minutes)
#
# Environment (all optional):
#   HTTP_BENCH_BEFORE=           a commit to measure as well (built from `git archive` into the work directory)
#   HTTP_BENCH_REQUESTS=20       /healthz requests and signed webhooks timed per build and per case
#   HTTP_BENCH_SLOW=60           slow-header connections, and as many slow-body connections
#   HTTP_BENCH_HISTORY=16        reconciles in the history, each rewriting every line of all 1,000 files
#   HTTP_BENCH_CONCURRENCY=4     history requests at once
#   HTTP_BENCH_ROUNDS=3          rounds of those per variant
#   HTTP_BENCH_WORK=/tmp/driftless-http-bench   work directory (wiped at the start)
# Anything but the default counts is a smoke run: its report goes to $HTTP_BENCH_WORK, bench/ is left alone.
#
# Only 127.0.0.1 is used. Every process the script starts is stopped on exit (trap). Exit code: 0 = ran and every
# bar passed; 2 = ran but a bar failed; 1 = the benchmark itself could not run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
BEFORE=${HTTP_BENCH_BEFORE:-}
REQUESTS=${HTTP_BENCH_REQUESTS:-20}
SLOW=${HTTP_BENCH_SLOW:-60}
HISTORY=${HTTP_BENCH_HISTORY:-16}
CONCURRENCY=${HTTP_BENCH_CONCURRENCY:-4}
ROUNDS=${HTTP_BENCH_ROUNDS:-3}
WORK=${HTTP_BENCH_WORK:-/tmp/driftless-http-bench}
HELPER=$BENCH_DIR/http-bench.py

log() { printf '[http-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing HTTP_BENCH_WORK=$WORK";; esac
for v in REQUESTS SLOW HISTORY CONCURRENCY ROUNDS; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"; done
RESULTS_DIR=$BENCH_DIR/results
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ $REQUESTS == 20 && $SLOW == 60 && $HISTORY == 16 && $CONCURRENCY == 4 && $ROUNDS == 3 ]]; then
  RESULTS_MD=$BENCH_DIR/HTTP-RESULTS.md
  RAW=$RESULTS_DIR/http-raw-$STAMP.txt
else   # a smoke run leaves bench/ alone
  RESULTS_MD=$WORK/HTTP-RESULTS.md
  RAW=$WORK/http-raw-$STAMP.txt
fi

# ---------------------------------------------------------------------------------------------
# 1. Tools (installs only what is missing) and processes (all stopped on exit)
# ---------------------------------------------------------------------------------------------
missing=()
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

rm -rf "$WORK"
mkdir -p "$WORK/logs" "$RESULTS_DIR"
LOGS=$WORK/logs
: >"$RAW"

# ---------------------------------------------------------------------------------------------
# 2. The builds: a frozen copy of this checkout's launcher and jar, and the same of HTTP_BENCH_BEFORE
# ---------------------------------------------------------------------------------------------
install_build() { # name source-dir: copies launcher, jar and the example the launcher trains its AppCDS archive on
  mkdir -p "$WORK/$1/bin" "$WORK/$1/target" "$WORK/$1/examples"
  cp "$2/bin/driftless" "$WORK/$1/bin/"
  cp -p "$2/target/driftless.jar" "$WORK/$1/target/"
  cp -r "$2/examples/homelab" "$WORK/$1/examples/"
  "$WORK/$1/bin/driftless" --version >/dev/null 2>"$LOGS/cds-$1.log" || die "the $1 build does not run (see $LOGS/cds-$1.log)"
}
"$REPO_ROOT/bin/driftless" --version >/dev/null 2>"$LOGS/build.log" || die "bin/driftless could not build (see $LOGS/build.log)"
install_build after "$REPO_ROOT"
AFTER_LABEL="this checkout at $(git -C "$REPO_ROOT" rev-parse --short HEAD)$(git -C "$REPO_ROOT" diff --quiet HEAD -- src pom.xml || echo ' with uncommitted changes')"
BUILDS=(after)
if [[ -n $BEFORE ]]; then
  log "building $BEFORE (git archive + mvn package)"
  mkdir -p "$WORK/before-src"
  git -C "$REPO_ROOT" archive "$BEFORE" | tar -x -C "$WORK/before-src"
  (cd "$WORK/before-src" && { mvn -o -q -B -ntp -DskipTests package || mvn -q -B -ntp -DskipTests package; }) \
    >"$LOGS/build-before.log" 2>&1 || die "cannot build $BEFORE (see $LOGS/build-before.log)"
  install_build before "$WORK/before-src"
  BUILDS+=(before)
fi

# ---------------------------------------------------------------------------------------------
# 3. The workload: 1,000 files in a bare repository, a history of HTTP_BENCH_HISTORY full rewrites
# ---------------------------------------------------------------------------------------------
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@127.0.0.1 GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@127.0.0.1
python3 "$HELPER" gen "$WORK/repo" 0
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" commit -qm "1,000 files, round 0"
git clone -q --bare "$WORK/repo" "$WORK/served.git"
git -C "$WORK/repo" remote add origin "$WORK/served.git"
URL=file://$WORK/served.git
SECRET=$WORK/webhook-secret
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET")

AGENT_PID= BASE=
start_agent() { # build name: on the shared state and host folder; waits for /readyz (at most 180 s)
  local port code=000 i
  port=$(free_port)
  BASE=http://127.0.0.1:$port
  "$WORK/$1/bin/driftless" agent --repo "$URL" --ref main --root "$WORK/host" --state-dir "$WORK/state" \
    --listen "127.0.0.1:$port" --webhook-secret-file "$SECRET" --interval 1h --drift-interval 1h \
    >"$LOGS/agent-$1-$2.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
  for ((i = 0; i < 1800; i++)); do
    kill -0 "$AGENT_PID" 2>/dev/null || die "the agent ($1 $2) exited at start; see $LOGS/agent-$1-$2.log"
    code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$BASE/readyz" || true)
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  [[ $code == 200 ]] || die "the agent ($1 $2) was not ready after 180 s; see $LOGS/agent-$1-$2.log"
  [[ $(cat "/proc/$AGENT_PID/comm") == java ]] || die "pid $AGENT_PID is not the agent's JVM"
}
stop_agent() { # SIGTERM, at most 15 s, then SIGKILL
  local i
  kill -TERM "$AGENT_PID" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$AGENT_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$AGENT_PID" 2>/dev/null || true
}

log "history: first apply, then $HISTORY pushes that rewrite all 1,000 files"
start_agent after seed
for ((r = 1; r <= HISTORY; r++)); do
  python3 "$HELPER" gen "$WORK/repo" "$r"
  git -C "$WORK/repo" commit -qam "round $r: every line of every file"
  git -C "$WORK/repo" push -q origin main
  sha=$(git -C "$WORK/repo" rev-parse HEAD)
  [[ $(python3 "$HELPER" hook "$BASE" "$SECRET") == 202 ]] || die "the webhook of round $r was not accepted"
  python3 "$HELPER" wait-applied "$BASE" "$sha" 180 || die "round $r was not applied within 180 s"
  log "history: round $r applied"
done
PAGE_BYTES=$(curl -s --max-time 120 "$BASE/api/history?limit=1000&diffs=true" | wc -c)
stop_agent
log "history: $((HISTORY + 1)) reconciles, the largest page with diffs is $PAGE_BYTES bytes"

# ---------------------------------------------------------------------------------------------
# 4. The measurements, per build: latency without and with slow clients; RSS during concurrent history pages
# ---------------------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# bench/http-run.sh raw results, $(date -u '+%Y-%m-%d %H:%M UTC'); builds: ${BUILDS[*]} (before = ${BEFORE:-none})"
  echo "# history: $((HISTORY + 1)) reconciles; GET /api/history?limit=1000&diffs=true = $PAGE_BYTES bytes"
  echo "# latency lines: s = seconds of one request (status 'timeout' after 5 s); history lines: VmRSS KiB"
} >>"$RAW"
for build in "${BUILDS[@]}"; do
  log "$build: latency, quiet and with $SLOW + $SLOW slow connections"
  start_agent "$build" latency
  python3 "$HELPER" latency "$BASE" "$SECRET" "$build" "$REQUESTS" 0 0 "$RAW"
  python3 "$HELPER" latency "$BASE" "$SECRET" "$build" "$REQUESTS" "$SLOW" "$SLOW" "$RAW"
  stop_agent
  for query in "/api/history?limit=1000" "/api/history?limit=1000&diffs=true"; do
    log "$build: RSS during $CONCURRENCY x GET $query"
    start_agent "$build" history
    python3 "$HELPER" history "$BASE" "$AGENT_PID" "$build" "$query" "$CONCURRENCY" "$ROUNDS" "$RAW" \
      || log "$build: the agent died during $query"
    stop_agent
    echo "agentlog build=$build query=$query oom=$(grep -c OutOfMemoryError "$LOGS/agent-$build-history.log" || true)" >>"$RAW"
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# 5. The report
# ---------------------------------------------------------------------------------------------
jar_line() { echo "\`$1\` sha256 $(sha256sum "$WORK/$2/target/driftless.jar" | cut -c1-12)..., built $(date -u -r "$WORK/$2/target/driftless.jar" '+%Y-%m-%d %H:%M UTC')"; }
export HTTP_BENCH_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" HTTP_BENCH_RAW="${RAW#"$REPO_ROOT"/}" HTTP_BENCH_BEFORE="$BEFORE"
export HTTP_BENCH_REQUESTS="$REQUESTS" HTTP_BENCH_SLOW="$SLOW" HTTP_BENCH_HISTORY="$HISTORY"
export HTTP_BENCH_CONCURRENCY="$CONCURRENCY" HTTP_BENCH_ROUNDS="$ROUNDS"
export HTTP_BENCH_LOAD_START="$LOAD_START" HTTP_BENCH_LOAD_END="$LOAD_END"
export HTTP_BENCH_CPU="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), nproc $(nproc)"
export HTTP_BENCH_MEMORY="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
export HTTP_BENCH_KERNEL="$(uname -sr)" HTTP_BENCH_JAVA="$(java -version 2>&1 | sed -n 2p)"
export HTTP_BENCH_JAR="$(jar_line "$AFTER_LABEL" after)"
[[ -n $BEFORE ]] && export HTTP_BENCH_BEFORE_JAR="$(jar_line "$BEFORE" before)"
RC=0
python3 "$HELPER" report "$RAW" "$RESULTS_MD" || RC=$?
log "wrote $RESULTS_MD (exit $RC)"
exit "$RC"
