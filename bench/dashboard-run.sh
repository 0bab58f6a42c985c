#!/usr/bin/env bash
# Dashboard benchmark (issue 13, item 7): how fast does the real agent serve its dashboard for 50 hosts x 20 services
# with 100,000 reconciles in its history, on SQLite and on PostgreSQL, and how much memory does it hold with the
# overview open in a browser (its live stream too) while it reconciles for BENCH_MINUTES?
# Writes bench/DASHBOARD-RESULTS.md and bench/results/dashboard-raw-<UTC date>.txt.
#
#   bash bench/dashboard-run.sh                   # about 80 minutes on 2 cores, the hour with the browser most of it
#   BENCH_MINUTES=5 bash bench/dashboard-run.sh   # a quick run (about 25 minutes): the same latencies, 5 minutes with the browser
#
# Environment (all optional):
#   BENCH_MINUTES=60               minutes the overview stays open in Chromium while the agent's RSS is sampled
#   DASH_BENCH_REQUESTS=1000       timed requests per URL, after DASH_BENCH_WARMUP=100 untimed ones per URL
#   DASH_BENCH_HISTORY=100000      reconciles in the history (the newest DASH_BENCH_RECORDED=1000 through the store)
#   DASH_BENCH_COMMIT_EVERY=180    seconds between commits during the browser hour (a hand edit half-way between)
#   DASH_BENCH_WORK=/tmp/driftless-dash-bench    work directory (wiped at the start)
# Other request or history counts are a smoke run: its report goes to $DASH_BENCH_WORK, bench/ is left alone.
#
# Only 127.0.0.1 is used. Every process the script starts (agents, PostgreSQL, the browser) is stopped on exit, and the
# PostgreSQL cluster is removed with the work directory. Exit code: 0 = ran and every bar passed; 2 = ran but a bar or
# check failed; 1 = the benchmark itself could not run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
MINUTES=${BENCH_MINUTES:-60}
REQUESTS=${DASH_BENCH_REQUESTS:-1000}
WARMUP=${DASH_BENCH_WARMUP:-100}
HISTORY=${DASH_BENCH_HISTORY:-100000}
RECORDED=${DASH_BENCH_RECORDED:-1000}
COMMIT_EVERY=${DASH_BENCH_COMMIT_EVERY:-180}
WORK=${DASH_BENCH_WORK:-/tmp/driftless-dash-bench}
HOSTS=50 SERVICES=20 APPLY_EVERY=250 DAYS=90
P50_BAR=50 P99_BAR=200 RSS_BAR=256   # ms, ms, MiB
SAMPLE_EVERY=10                      # s between VmRSS samples
AGENT_ID=bench

log() { printf '[dash-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
source "$BENCH_DIR/lib/measure.sh"

case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing DASH_BENCH_WORK=$WORK";; esac
for v in MINUTES REQUESTS WARMUP HISTORY RECORDED COMMIT_EVERY; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"
done
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ $REQUESTS == 1000 && $HISTORY == 100000 ]]; then
  RESULTS_MD=$BENCH_DIR/DASHBOARD-RESULTS.md
  RAW=$BENCH_DIR/results/dashboard-raw-$STAMP.txt
else   # a smoke run leaves bench/ alone
  RESULTS_MD=$WORK/DASHBOARD-RESULTS.md
  RAW=$WORK/dashboard-raw-$STAMP.txt
fi
PG_BIN=/usr/lib/postgresql/15/bin

# ---------------------------------------------------------------------------------------------
# 1. Tools (installs only what is missing) and processes (all stopped on exit)
# ---------------------------------------------------------------------------------------------
install_missing git:git python3:python3 curl:curl java:openjdk-17-jdk-headless mvn:maven \
  /usr/bin/chromium:chromium "$PG_BIN/initdb:postgresql-15"

PIDS=()
PG_DATA=
cleanup() {
  stop_pids "${PIDS[@]}"   # the agents first, so that they close their database connections
  [[ -n $PG_DATA && -d $PG_DATA ]] && runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1
  return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf "$WORK"
mkdir -p "$WORK/logs" "$BENCH_DIR/results"
LOGS=$WORK/logs
: >"$RAW"

# a frozen copy of the launcher and jar (the launcher builds first when the sources are newer), so that a rebuild during
# the run cannot reach a running agent; the example is what the launcher trains its class-data archive on
"$REPO_ROOT/bin/driftless" --version >/dev/null 2>"$LOGS/build.log" || die "bin/driftless could not build (see $LOGS/build.log)"
mkdir -p "$WORK/build/bin" "$WORK/build/target" "$WORK/build/examples"
cp "$REPO_ROOT/bin/driftless" "$WORK/build/bin/"
cp -p "$REPO_ROOT/target/driftless.jar" "$WORK/build/target/"
cp -r "$REPO_ROOT/examples/homelab" "$WORK/build/examples/"
DRIFTLESS=$WORK/build/bin/driftless
JAR=$WORK/build/target/driftless.jar
"$DRIFTLESS" --version >/dev/null 2>"$LOGS/cds.log" || die "the copied build does not run (see $LOGS/cds.log)"
# Playwright for the browser: the project's test classpath, resolved offline from ~/.m2
(cd "$REPO_ROOT" && mvn -o -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/test-classpath.txt") >"$LOGS/classpath.log" 2>&1 \
  || die "cannot resolve Playwright's classpath offline (see $LOGS/classpath.log; run mvn -DskipTests package once online)"

# ---------------------------------------------------------------------------------------------
# 2. The workload: 50 local hosts x 20 services in a Git repository served over file://
# ---------------------------------------------------------------------------------------------
export GIT_AUTHOR_NAME="Ada Bench" GIT_AUTHOR_EMAIL=ada@127.0.0.1 GIT_COMMITTER_NAME="Ada Bench" GIT_COMMITTER_EMAIL=ada@127.0.0.1
python3 - "$WORK/repo" "$WORK/hosts" "$HOSTS" "$SERVICES" <<'EOF'
import os, sys
repo, roots, hosts, services = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(repo)
with open(os.path.join(repo, "driftless.yaml"), "w") as f:
    f.write("hosts:\n")
    for h in range(hosts):
        f.write(f"  host-{h:02d}:\n    address: local\n    root: {roots}/host-{h:02d}\n    groups: [fleet]\n")
for s in range(services):
    d = os.path.join(repo, "services", f"svc-{s:02d}")
    os.makedirs(d)
    with open(os.path.join(d, "service.yaml"), "w") as f:
        f.write(f"description: Bench service {s}.\nhosts: [fleet]\nfiles:\n"
                f"  - path: /etc/bench/svc-{s:02d}.conf\n    source: svc.conf\n    mode: \"0644\"\n")
    with open(os.path.join(d, "svc.conf"), "w") as f:
        f.write(f"# svc-{s:02d}\nlisten = 127.0.0.1:{8000 + s}\nworkers = 4\nlog_level = info\n")
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(f"# svc-{s:02d}\n\nA bench service: one file, `/etc/bench/svc-{s:02d}.conf`.\n\n"
                "- **Owner**: the bench\n- **Restart**: never\n")
EOF
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" commit -qm "50 hosts x 20 services"
COMMIT_N=0
change_commit() { # MESSAGE: changes one service's file (in turn), commits and pushes when served.git exists
  local s
  s=$(printf 'svc-%02d' $((COMMIT_N % SERVICES)))
  COMMIT_N=$((COMMIT_N + 1))
  echo "# change $COMMIT_N" >>"$WORK/repo/services/$s/svc.conf"
  git -C "$WORK/repo" commit -qam "$s: $1 $COMMIT_N"
  [[ ! -d $WORK/served.git ]] || git -C "$WORK/repo" push -q origin main
}
# the commits the history names (the last history apply is at HEAD~1; the agent applies HEAD when it starts)
for ((i = 0; i < 40; i++)); do change_commit "raise the worker count"; done
git -C "$WORK/repo" log --reverse --format='%H%x09%an%x09%s' >"$WORK/commits.txt"
change_commit "the commit the agent applies when it starts"
git clone -q --bare "$WORK/repo" "$WORK/served.git"
git -C "$WORK/repo" remote add origin "$WORK/served.git"
URL=file://$WORK/served.git
READ_TOKEN=read-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "reader read $READ_TOKEN" >"$WORK/tokens")

fill_history() { # JDBC-URL NAME: the history, through the store's code (HistoryFill.java)
  log "$2: writing $HISTORY reconciles"
  java -XX:+UseSerialGC -cp "$JAR" "$BENCH_DIR/HistoryFill.java" "$1" "$AGENT_ID" "$WORK/commits.txt" "$HISTORY" \
    "$RECORDED" "$HOSTS" "$SERVICES" "$APPLY_EVERY" "$DAYS" >"$LOGS/fill-$2.out" 2>"$LOGS/fill-$2.log" \
    || die "the history could not be written to $2 (see $LOGS/fill-$2.log)"
  echo "fill $2 $(tail -1 "$LOGS/fill-$2.out")" >>"$RAW"
}

AGENT_PID= BASE=
start_agent() { # NAME [--store URL]: on a fresh state dir and empty host folders; waits for /readyz and all 1,000 files
  local name=$1 port code=000 i files=0; shift
  port=$(free_port)
  BASE=http://127.0.0.1:$port
  rm -rf "$WORK/hosts" "$WORK/state-$name"
  "$DRIFTLESS" agent --repo "$URL" --ref main --state-dir "$WORK/state-$name" --listen "127.0.0.1:$port" \
    --tokens-file "$WORK/tokens" --agent-id "$AGENT_ID" --interval 15s --drift-interval 30s "$@" \
    >"$LOGS/agent-$name.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
  for ((i = 0; i < 3000; i++)); do
    kill -0 "$AGENT_PID" 2>/dev/null || die "the agent ($name) exited at start; see $LOGS/agent-$name.log"
    code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$BASE/readyz" || true)
    files=$( (find "$WORK/hosts" -name 'svc-*.conf' 2>/dev/null || true) | wc -l)
    [[ $code == 200 && $files == $((HOSTS * SERVICES)) ]] && break
    sleep 0.1
  done
  [[ $code == 200 ]] || die "the agent ($name) was not ready after 300 s; see $LOGS/agent-$name.log"
  [[ $(cat "/proc/$AGENT_PID/comm") == java ]] || die "pid $AGENT_PID is not the agent's JVM"
  APPLIED_FILES=$files
}
stop_agent() { # SIGTERM, at most 15 s, then SIGKILL
  local i
  kill -TERM "$AGENT_PID" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$AGENT_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$AGENT_PID" 2>/dev/null || true
}
sign_in() { # the session cookie's value, after POST /login with the read token (303 to /)
  local code
  code=$(curl -s -o /dev/null -c "$WORK/cookies" -w '%{http_code}' --data-urlencode "token=$READ_TOKEN" "$BASE/login")
  [[ $code == 303 ]] || die "sign-in answered $code, not 303"
  awk '$6 == "driftless_session" { print $7 }' "$WORK/cookies"
}

# ---------------------------------------------------------------------------------------------
# 3. Latency per URL, on SQLite and on PostgreSQL: one keep-alive connection, as a browser's
# ---------------------------------------------------------------------------------------------
HOST_PAGE=host-07 SERVICE_PAGE=svc-03
latency() { # NAME: WARMUP then REQUESTS rounds over the URLs, each round every URL once; lines to $RAW
  local session
  session=$(sign_in)
  python3 - "$BASE" "$session" "$READ_TOKEN" "$1" "$WARMUP" "$REQUESTS" "$HOST_PAGE" "$SERVICE_PAGE" >>"$RAW" <<'EOF'
import http.client, sys, time, urllib.parse
base, session, token, name, warmup, requests, host, service = sys.argv[1:9]
warmup, requests = int(warmup), int(requests)
netloc = urllib.parse.urlparse(base).netloc
cookie = {"Cookie": "driftless_session=" + session}
bearer = {"Authorization": "Bearer " + token}
urls = [("overview", "/", cookie), ("service", f"/hosts/{host}/services/{service}", cookie),
        ("api-status", "/api/status", bearer), ("api-history", f"/api/history?host={host}&service={service}&limit=20", bearer),
        ("asset", "/assets/dashboard.css", cookie)]
conn = http.client.HTTPConnection(netloc, timeout=30)
def get(path, headers):
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    return time.perf_counter() - t0, r.status, body
for i in range(warmup + requests):
    for label, path, headers in urls:
        s, status, body = get(path, headers)
        if i >= warmup:
            print(f"latency {name} {label} {s:.6f} {status} {len(body)}")
# what the overview shows: the last host and service, in the page the bench timed
s, status, body = get("/", cookie)
print(f"overview-shows {name} {int(b'host-49' in body and b'svc-19' in body)}")
EOF
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A FILES_APPLIED
SQLITE_URL="jdbc:sqlite:$WORK/history.db"   # the agent's default store is SQLite too (in its state dir)
fill_history "$SQLITE_URL" sqlite
log "sqlite: the agent starts and applies the first commit"
start_agent sqlite --store "$SQLITE_URL"
FILES_APPLIED[sqlite]=$APPLIED_FILES
log "sqlite: $WARMUP + $REQUESTS requests per URL"
latency sqlite
stop_agent

log "postgresql: a cluster of its own on 127.0.0.1"
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
chown nobody "$WORK/pg"
PG_DATA=$WORK/pg/data
runuser -u nobody -- "$PG_BIN/initdb" -D "$PG_DATA" -U driftless --auth=trust -E UTF8 --locale=C --no-sync \
  >"$LOGS/initdb.log" 2>&1 || die "initdb failed (see $LOGS/initdb.log)"
runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg" start >"$LOGS/pg_ctl.log" 2>&1 \
  || die "PostgreSQL did not start (see $LOGS/pg_ctl.log, $WORK/pg/server.log)"
PG_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres?user=driftless"
fill_history "$PG_URL" postgresql
log "postgresql: the agent starts and applies the first commit"
start_agent postgresql --store "$PG_URL"
FILES_APPLIED[postgresql]=$APPLIED_FILES
log "postgresql: $WARMUP + $REQUESTS requests per URL"
latency postgresql
stop_agent
PG_VERSION=$("$PG_BIN/postgres" --version)
runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
PG_DATA=

# ---------------------------------------------------------------------------------------------
# 4. RSS: the SQLite agent with the overview open in Chromium for BENCH_MINUTES while it reconciles
# ---------------------------------------------------------------------------------------------
log "rss: the agent (SQLite) with the overview open in Chromium for $MINUTES min; a commit every $COMMIT_EVERY s"
change_commit "the commit the agent applies when it starts again"   # on a fresh state dir and empty host folders
start_agent rss --store "$SQLITE_URL"
AGENT_CMDLINE=$(tr '\0' ' ' <"/proc/$AGENT_PID/cmdline")
SECONDS_OPEN=$((MINUTES * 60))
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 java -cp "$(cat "$WORK/test-classpath.txt")" "$BENCH_DIR/DashboardBrowser.java" \
  "$BASE" "$READ_TOKEN" "$SECONDS_OPEN" host-49 >"$LOGS/browser.out" 2>"$LOGS/browser.log" &
BROWSER_PID=$!
PIDS+=("$BROWSER_PID")
for ((i = 0; i < 1200; i++)); do grep -qs '^browser ' "$LOGS/browser.out" && break; sleep 0.1; done
grep -q '^browser ' "$LOGS/browser.out" || die "the browser did not sign in and show the overview (see $LOGS/browser.log)"
T0=$EPOCHSECONDS
NEXT_COMMIT=$((T0 + COMMIT_EVERY)) NEXT_EDIT=$((T0 + COMMIT_EVERY / 2)) COMMITS=0 EDITS=0
while ((EPOCHSECONDS - T0 < SECONDS_OPEN)); do
  kill -0 "$AGENT_PID" 2>/dev/null || { log "the agent died"; break; }
  echo "rss $((EPOCHSECONDS - T0)) $(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status")" >>"$RAW"
  if ((EPOCHSECONDS >= NEXT_COMMIT && EPOCHSECONDS - T0 < SECONDS_OPEN - 60)); then   # the last one has time to apply
    change_commit "during the browser hour"
    COMMITS=$((COMMITS + 1)) NEXT_COMMIT=$((NEXT_COMMIT + COMMIT_EVERY))
  fi
  if ((EPOCHSECONDS >= NEXT_EDIT)); then   # a hand edit: the agent sees it (inotify) and heals it
    echo "# hand edit $EDITS" >>"$WORK/hosts/host-$(printf %02d $((EDITS % HOSTS)))/etc/bench/svc-00.conf"
    EDITS=$((EDITS + 1)) NEXT_EDIT=$((NEXT_EDIT + COMMIT_EVERY))
  fi
  sleep "$SAMPLE_EVERY"
done
echo "rss $((EPOCHSECONDS - T0)) $(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status")" >>"$RAW"
HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$AGENT_PID/status")
wait "$BROWSER_PID" || log "the browser exited with an error (see $LOGS/browser.log)"
sed 's/^/  /' "$LOGS/browser.out" | tail -1 | sed "s/^ */browser-end /" >>"$RAW"
HEAD_SHA=$(git -C "$WORK/repo" rev-parse HEAD)
STATUS_JSON=$(curl -s -H "Authorization: Bearer $READ_TOKEN" "$BASE/api/status")
stop_agent
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "commits $COMMITS edits $EDITS head $HEAD_SHA applied-head $(grep -c "$HEAD_SHA" <<<"$STATUS_JSON")"
  echo "vmhwm $HWM"
  echo "load start $LOAD_START end $LOAD_END"
} >>"$RAW"

# ---------------------------------------------------------------------------------------------
# 5. The report
# ---------------------------------------------------------------------------------------------
export DASH_RAW="$RAW" DASH_RAW_SHOWN="${RAW#"$REPO_ROOT"/}" DASH_MINUTES="$MINUTES" DASH_REQUESTS="$REQUESTS"
export DASH_WARMUP="$WARMUP" DASH_HISTORY="$HISTORY" DASH_RECORDED="$RECORDED" DASH_COMMIT_EVERY="$COMMIT_EVERY"
export DASH_P50_BAR="$P50_BAR" DASH_P99_BAR="$P99_BAR" DASH_RSS_BAR="$RSS_BAR" DASH_SAMPLE_EVERY="$SAMPLE_EVERY"
export DASH_HOST_PAGE="$HOST_PAGE" DASH_SERVICE_PAGE="$SERVICE_PAGE" DASH_PG_VERSION="$PG_VERSION"
export DASH_FILES_SQLITE="${FILES_APPLIED[sqlite]}" DASH_FILES_PG="${FILES_APPLIED[postgresql]}" DASH_FILES_RSS="$APPLIED_FILES"
export DASH_FILES_WANTED=$((HOSTS * SERVICES)) DASH_APPLY_EVERY="$APPLY_EVERY" DASH_DAYS="$DAYS"
export DASH_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export DASH_MACHINE="$(report_checks | sed -n '/^- CPU/,$p')"
export DASH_JAVA="$(java -version 2>&1 | sed -n 2p)"
export DASH_JAR="\`target/driftless.jar\` (run from a copy), sha256 $(sha256sum "$JAR" | cut -c1-12)..., built $(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC'), source tree at commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)$(git -C "$REPO_ROOT" diff --quiet HEAD -- src pom.xml || echo ' with uncommitted changes')"
export DASH_AGENT_CMDLINE="$AGENT_CMDLINE" DASH_BROWSER_LINES="$(cat "$LOGS/browser.out")"
RC=0
python3 "$BENCH_DIR/dashboard-report.py" >"$RESULTS_MD" || RC=$?
((RC <= 2)) || die "the report could not be written"
log "wrote $RESULTS_MD and $RAW"
grep -A8 '^## Verdict' "$RESULTS_MD" >&2 || true
exit "$RC"
