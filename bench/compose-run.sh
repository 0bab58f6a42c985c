#!/usr/bin/env bash
# shellcheck disable=SC2034  # some variables are read only inside the conditions that verify() evals
# Driftless vs docker-compose on container stacks (issue 12, item 7, "Fast"): a dockerd of the bench's own
# (--bridge=none --iptables=false --ip-masq=false, its data, exec root and socket under BENCH_WORK), a registry
# (Debian's docker-registry) on 127.0.0.1 holding three images made by `docker import` of Debian's busybox-static,
# and a Driftless repository of 10 stacks of 3 containers on one local host (`dockerHost:` the bench's socket),
# each stack with a config file its web container mounts. The same 10 stacks also exist as plain compose folders,
# which a user without Driftless brings up with `docker-compose up -d`, one stack after the other, as a script does.
# Times, Driftless and docker-compose taking turns run by run so that both meet the same load:
#   - the no-op: `bin/driftless check` (whole process) against `docker-compose up -d` of the 10 stacks (median of
#     BENCH_RUNS; goal: Driftless 50x faster);
#   - the first apply from nothing: `bin/driftless apply` against `docker-compose up -d` of the 10 stacks;
#   - a config-file change: `bin/driftless apply` of a commit that changes one stack's mounted file (one container
#     recreated) against `docker-compose up -d --force-recreate web` in that stack (plain `up -d` does not see it);
# records each side's CPU time (the tool's processes, and the engine's: dockerd, containerd, shims), floors (a JVM
# that starts and exits, the engine read a plan does, compose's `config -q`) and the load average, and measures the
# time from a `docker kill` to the agent's heal (it follows the engine's events).
# Writes bench/COMPOSE-RESULTS.md and bench/results/compose-raw-<UTC date>.txt.
#
#   bash bench/compose-run.sh                  # everything: about 10 minutes on 2 cores (+3 to build the clone)
#   BENCH_RUNS=3 bash bench/compose-run.sh     # fewer timed runs
#
# Environment (all optional):
#   BENCH_RUNS=10            timed no-op runs per tool (median reported), and of each floor
#   BENCH_WARMUP=1           untimed runs before those
#   BENCH_FIRST_RUNS=3       timed first applies from nothing per tool (everything torn down before each)
#   BENCH_CHANGE_RUNS=5      timed config-file changes per tool (a different stack each time)
#   BENCH_HEAL_KILLS=5       single kills for the agent to heal, a fresh agent for each (0: skip the agent); then one
#                            agent meets a burst of 6 kills
#   BENCH_DRIFT_INTERVAL=300 the agent's --drift-interval in seconds (its default: longer than the heals may take, so
#                            that each heal is the event stream's)
#   BENCH_WORK=/tmp/driftless-bench-compose    work directory (wiped at the start; its path must stay short: a
#                            Unix socket under it holds at most 107 bytes)
#   BENCH_BUILD=/tmp/driftless-bench-compose-build   where the clone of this checkout's commit is built (kept
#                            between runs, one commit at a time)
#   BENCH_STACKS=10          anything else is a smoke run whose report goes to $BENCH_WORK, never to bench/
#   BENCH_STEP_TIMEOUT=600   seconds any one timed command may take before it is killed (and counted as failed)
#   BENCH_JAVA_OPTS=""       extra JVM options for Driftless (as DRIFTLESS_JAVA_OPTS) and the JVM floor
#
# Driftless runs from a clone of this checkout's HEAD commit (`git clone`, built with `mvn -o package`), never
# from this work tree: bin/driftless rebuilds when sources are newer than the jar, and an edit here mid-run would
# then time a build. Uncommitted changes are not measured (the report says when there were some).
# The whole script runs in a mount namespace of its own with a private /var/lib/driftless: the local host's
# state and lock are the bench's, not this machine's (whose tests share one lock).
#
# Needs root (dockerd, the mount namespace, a cpuacct cgroup). dockerd, the registry and the agent are stopped and
# the namespace and cgroup left on exit (trap). Exit code: 0 = ran, the goal (50x) met and every check passes;
# 2 = ran but the goal was missed or a check failed; 1 = the benchmark itself could not run.
set -euo pipefail
export LC_ALL=C.UTF-8

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${BENCH_RUNS:-10}
WARMUP=${BENCH_WARMUP:-1}
FIRST_RUNS=${BENCH_FIRST_RUNS:-3}
CHANGE_RUNS=${BENCH_CHANGE_RUNS:-5}
HEAL_KILLS=${BENCH_HEAL_KILLS:-5}
DRIFT_INTERVAL=${BENCH_DRIFT_INTERVAL:-300}
WORK=${BENCH_WORK:-/tmp/driftless-bench-compose}
BUILD=${BENCH_BUILD:-/tmp/driftless-bench-compose-build}
NSTACKS=${BENCH_STACKS:-10}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-600}
GOAL=50          # docker-compose up -d of the stacks / Driftless's no-op check, at least (issue 12, item 7)
START_TIMEOUT=30 # seconds for dockerd, the registry and the agent to answer
HOST=bench-compose
ROLES=(web worker db)   # the three containers of every stack; web mounts the stack's config file

log() { printf '[compose-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

(( BASH_VERSINFO[0] >= 5 )) || die "bash 5 or later is needed (EPOCHREALTIME)"
for v in RUNS FIRST_RUNS CHANGE_RUNS DRIFT_INTERVAL NSTACKS STEP_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"
done
for v in WARMUP HEAL_KILLS; do [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"; done
((NSTACKS <= 99)) || die "at most 99 stacks"
for d in WORK BUILD; do
  case "${!d}" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing BENCH_$d=${!d}";; esac
done
[[ $(id -u) == 0 ]] || die "run as root: dockerd, a mount namespace and a cgroup need it"

# The rest runs in a mount namespace of its own (the same process: unshare execs), so that a private folder can
# stand at /var/lib/driftless, where a local host keeps its state and lock. Mounts made in it go with it.
if [[ ${DRIFTLESS_COMPOSE_BENCH_NS:-} != "$WORK" ]]; then
  command -v unshare >/dev/null || die "unshare (util-linux) is needed"
  export DRIFTLESS_COMPOSE_BENCH_NS=$WORK
  exec unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" "$@"
fi

# ---------------------------------------------------------------------------------------------
# 1. Tools (idempotent: installs only what is missing)
# ---------------------------------------------------------------------------------------------
# shellcheck source=bench/lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"
full=0; [[ $NSTACKS == 10 ]] && full=1
results_paths COMPOSE "$full"   # a smoke run leaves bench/ alone
# the images need a static busybox: Debian's busybox package has /bin/busybox too, linked dynamically
STATIC_BUSYBOX=; dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || STATIC_BUSYBOX=busybox-static
install_missing git:git /usr/bin/python3:python3 java:openjdk-17-jdk-headless mvn:maven curl:curl jq:jq \
  /usr/sbin/dockerd:docker.io /usr/bin/docker:docker.io /usr/bin/docker-compose:docker-compose \
  /usr/bin/docker-registry:docker-registry $STATIC_BUSYBOX
PY=$MEASURE_PY   # not a pyenv shim
DOCKER=/usr/bin/docker            # Debian's client, of the engine's version, for the bench's own calls
COMPOSE=/usr/bin/docker-compose   # Debian's compose v1 (1.29): what Driftless finds on this host too

# ---------------------------------------------------------------------------------------------
# 2. Cleanup of everything this script starts
# ---------------------------------------------------------------------------------------------
ENGINE_DIR=$WORK/docker
SOCK=$ENGINE_DIR/docker.sock
DOCKERD_PID= REGISTRY_PID= AGENT_PID= CHILD= CGROUP=
stop_pid() { # PID SECONDS: SIGTERM, then SIGKILL after SECONDS (its process group too, when it leads one)
  local pid=$1 grace=$2 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid did not end within $grace s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pids
  set +e   # everything below is tried, whatever fails
  if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
  stop_pid "$AGENT_PID" 15
  if [[ -n $DOCKERD_PID ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    # dockerd stops its containers (--shutdown-timeout 5) and its containerd, then ends
    pids=$(cat "$CGROUP/cgroup.procs" 2>/dev/null || true)
    stop_pid "$DOCKERD_PID" 20
    # whatever of the engine outlived a killed dockerd (containerd, shims) is in the bench's cgroup
    for p in $pids; do [[ $p != "$$" ]] && kill -KILL "$p" 2>/dev/null || true; done
  fi
  stop_pid "$REGISTRY_PID" 10
  if [[ -n $CGROUP && -d $CGROUP ]]; then
    echo $$ >"$(dirname "$CGROUP")/cgroup.procs" 2>/dev/null || true
    rmdir "$CGROUP" 2>/dev/null || true
  fi
  # containers' mounts below the data root; the namespace takes the rest with it
  if [[ -d $ENGINE_DIR ]]; then
    grep -o " $ENGINE_DIR/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$ENGINE_DIR/data" "$ENGINE_DIR/exec" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fresh_work
# the local host's state and lock: the bench's own (this namespace only)
mkdir -p "$WORK/var-lib-driftless" /var/lib/driftless
mount --bind "$WORK/var-lib-driftless" /var/lib/driftless || die "cannot bind a private /var/lib/driftless"
# no engine, compose project or client config of whoever runs this: each command below is told its engine
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES \
  CONTAINER_HOST CONTAINERS_CONF
export DOCKER_CONFIG=$WORK/docker-cli
mkdir -p "$DOCKER_CONFIG"; echo '{}' >"$DOCKER_CONFIG/config.json"

# ---------------------------------------------------------------------------------------------
# 3. Driftless: a clone of this checkout's commit, built once per commit
# ---------------------------------------------------------------------------------------------
GIT_HEAD=$(git -C "$REPO_ROOT" rev-parse HEAD)
DIRTY=; [[ -n "$(git -C "$REPO_ROOT" status --porcelain -- src/main pom.xml bin 2>/dev/null || true)" ]] \
  && DIRTY=" (the checkout also had uncommitted changes in src/main, pom.xml or bin: not measured)"
# keyed by what the jar is built from, so that a commit that changes only bench/ or docs/ reuses the build
SRC_KEY=$(git -C "$REPO_ROOT" rev-parse HEAD:src/main HEAD:pom.xml HEAD:bin | sha256sum | cut -c1-12)
CLONE=$BUILD/$SRC_KEY
if [[ ! -f $CLONE/target/driftless.jar ]]; then
  log "building Driftless at ${GIT_HEAD:0:12} in $CLONE (git clone, mvn -o package: about 3 minutes)"
  mkdir -p "$BUILD"
  find "$BUILD" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +   # one commit at a time
  git clone -q --no-checkout "$REPO_ROOT" "$CLONE.part"
  git -C "$CLONE.part" checkout -q --detach "$GIT_HEAD"
  (cd "$CLONE.part" && mvn -B -q -ntp -o -DskipTests package) >"$LOGS/build.log" 2>&1 \
    || die "the build of the clone failed: $(tail -5 "$LOGS/build.log")"
  mv -T "$CLONE.part" "$CLONE"
fi
BUILT_AT=$(git -C "$CLONE" rev-parse --short=12 HEAD)
DRIFTLESS=("$CLONE/bin/driftless")
export DRIFTLESS_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
# the launcher trains its class-data archive on its first run after a build: not in a timed run
"${DRIFTLESS[@]}" --version >"$LOGS/version.log" 2>&1 || die "bin/driftless does not run: $(tail -3 "$LOGS/version.log")"
grep -q 'building' "$LOGS/version.log" && die "the clone's launcher rebuilt the jar: its sources are newer than its jar"
JAR=$CLONE/target/driftless.jar
JAR_SHA=$(sha256sum "$JAR" | cut -c1-12)
ARCHIVE=$(ls "$CLONE"/target/driftless-*.jsa 2>/dev/null | head -1 || true)
# An archive that does not fit the jar (the clone moved since it was trained, say) is dropped by the JVM without a
# word, and every run then loads its classes from the jar: train it again. -Xshare:on refuses to start without it.
cds_fits() {
  [[ -n $ARCHIVE ]] && java -Xshare:on -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:SharedArchiveFile="$ARCHIVE" \
    -cp "$JAR" dev.driftless.cli.Noop >/dev/null 2>&1
}
if ! cds_fits; then
  log "the launcher's class-data archive is missing or does not fit the jar: training it again"
  rm -f "$CLONE"/target/driftless-*.jsa
  "${DRIFTLESS[@]}" --version >>"$LOGS/version.log" 2>&1 || die "bin/driftless does not run: $(tail -3 "$LOGS/version.log")"
  ARCHIVE=$(ls "$CLONE"/target/driftless-*.jsa 2>/dev/null | head -1 || true)
fi
CDS_FITS=no; cds_fits && CDS_FITS=yes
LAUNCHER_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off)
[[ -n $ARCHIVE ]] && LAUNCHER_OPTS+=(-XX:SharedArchiveFile="$ARCHIVE")
JAVA_OPTS_ARR=()
if [[ -n ${BENCH_JAVA_OPTS:-} ]]; then read -r -a JAVA_OPTS_ARR <<<"$BENCH_JAVA_OPTS"; fi

# ---------------------------------------------------------------------------------------------
# 4. The engine (in a cpuacct cgroup of its own, to count its CPU), the registry, the images
# ---------------------------------------------------------------------------------------------
for longest in "$ENGINE_DIR/exec/containerd/containerd.sock.ttrpc" "$SOCK"; do
  ((${#longest} <= 107)) || die "BENCH_WORK=$WORK is too deep: $longest passes the 107-byte limit of a Unix socket path"
done
# cgroup v1's cpuacct, or v2's cpu.stat: everything dockerd starts stays in it, but the containers (docker moves
# them to cgroups of their own)
if [[ -d /sys/fs/cgroup/cpuacct ]]; then
  CGROUP=/sys/fs/cgroup/cpuacct/driftless-bench-compose-$$
elif [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  CGROUP=/sys/fs/cgroup/driftless-bench-compose-$$
fi
if [[ -n $CGROUP ]] && ! mkdir "$CGROUP" 2>/dev/null; then CGROUP=; fi
engine_cpu_ns() { # the engine's CPU time so far, in nanoseconds, or "" when it cannot be counted
  if [[ -z $CGROUP ]]; then echo ""
  elif [[ -f $CGROUP/cpuacct.usage ]]; then cat "$CGROUP/cpuacct.usage"
  else awk '/^usage_usec/ { print $2 * 1000 }' "$CGROUP/cpu.stat"; fi
}
mkdir -p "$ENGINE_DIR/data" "$ENGINE_DIR/exec"
echo '{}' >"$ENGINE_DIR/daemon.json"   # never /etc/docker/daemon.json
NS_NAME=driftless-bench-$$
log "starting dockerd (socket $SOCK)"
# The same flags as the tests' DockerEngine; its own containerd namespace where a system containerd is used; any
# registry but one on 127.0.0.0/8 goes to a proxy that is not there, so nothing is fetched from the Internet.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.0/8,localhost CGROUP="$CGROUP" \
  sh -c '[ -z "$CGROUP" ] || echo $$ >"$CGROUP/cgroup.procs"; exec "$@"' sh \
  /usr/sbin/dockerd --config-file "$ENGINE_DIR/daemon.json" --data-root "$ENGINE_DIR/data" \
  --exec-root "$ENGINE_DIR/exec" --pidfile "$ENGINE_DIR/dockerd.pid" --host "unix://$SOCK" \
  --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
  --containerd-namespace "$NS_NAME" --containerd-plugins-namespace "$NS_NAME-plugins" --shutdown-timeout 5 \
  </dev/null >"$LOGS/dockerd.log" 2>&1 &
DOCKERD_PID=$!
await() { # WHAT PID CMD...: until CMD succeeds, while PID lives, for START_TIMEOUT s
  local what=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT)); shift 2
  while ((SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || die "$what ended while starting"
    sleep 0.05
  done
  die "$what did not answer within $START_TIMEOUT s"
}
await dockerd "$DOCKERD_PID" curl -sf --unix-socket "$SOCK" http://engine/_ping
dk() { DOCKER_HOST=unix://$SOCK "$DOCKER" "$@"; }
ENGINE_VERSION=$(dk version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo "?")

REG_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG=127.0.0.1:$REG_PORT
mkdir -p "$WORK/registry"
cat >"$WORK/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry/data
http:
  addr: $REG
EOF
env -i PATH=/usr/bin:/bin /usr/bin/docker-registry serve "$WORK/registry/config.yml" </dev/null >"$LOGS/registry.log" 2>&1 &
REGISTRY_PID=$!
await docker-registry "$REGISTRY_PID" curl -sf "http://$REG/v2/"

# Three images (web, worker, db): Debian's static busybox with its applets linked, and /etc/role; every one runs a
# shell that ends at once on SIGTERM (as the tests' Images). Imported, pushed to the registry, so they are the
# registry's images with real digests; the engine keeps its copy (neither side pulls during the timed runs).
log "making the images (busybox-static, docker import) and pushing them to $REG"
IMG_ROOT=$WORK/images/root
mkdir -p "$IMG_ROOT/bin" "$IMG_ROOT/tmp" "$IMG_ROOT/etc"
cp /bin/busybox "$IMG_ROOT/bin/busybox"
while read -r applet; do
  [[ -e $IMG_ROOT/$applet || -L $IMG_ROOT/$applet ]] && continue
  mkdir -p "$(dirname "$IMG_ROOT/$applet")"
  ln -s /bin/busybox "$IMG_ROOT/$applet"
done < <(/bin/busybox --list-full)
CMD='["sh","-c","trap '"'"'exit 0'"'"' TERM; sleep 3600 & wait"]'
declare -A IMAGE
for role in "${ROLES[@]}"; do
  echo "$role" >"$IMG_ROOT/etc/role"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$IMG_ROOT" -cf "$WORK/images/$role.tar" .
  IMAGE[$role]=$REG/bench-$role:1
  dk import --change "CMD $CMD" "$WORK/images/$role.tar" "${IMAGE[$role]}" >>"$LOGS/images.log" 2>&1 \
    || die "docker import failed: $(tail -3 "$LOGS/images.log")"
  dk push "${IMAGE[$role]}" >>"$LOGS/images.log" 2>&1 || die "docker push failed: $(tail -3 "$LOGS/images.log")"
done

# ---------------------------------------------------------------------------------------------
# 5. The workload: the Driftless repository, and the same stacks as plain compose folders
# ---------------------------------------------------------------------------------------------
log "generating $NSTACKS stacks of ${#ROLES[@]} containers"
STACKS=() PLAINS=()
for ((i = 1; i <= NSTACKS; i++)); do STACKS+=("$(printf 'app%02d' "$i")"); PLAINS+=("$(printf 'plain%02d' "$i")"); done
compose_file() { # STACK: the compose file of one stack (no network: a bench has no use for one, see README)
  local role
  echo "# stack $1 of bench/compose-run.sh"
  echo "services:"
  for role in "${ROLES[@]}"; do
    echo "  $role:"
    echo "    image: ${IMAGE[$role]}"
    echo "    network_mode: none"
    [[ $role == web ]] && printf '    volumes:\n      - ./app.conf:/etc/app.conf:ro\n'
  done
  return 0
}
config_file() { # N: the config file of stack N (a different one per stack)
  printf '# the web configuration of stack %s\nlisten 127.0.0.1:%d\nworkers 4\nkeepalive_timeout 65\nupstream backend worker:9%03d\n' \
    "$1" $((8000 + 10#$1)) $((10#$1))
}
R=$WORK/repo
STACK_ROOT=$WORK/stacks   # the stacks' folders on the host, as Driftless writes them
PLAIN_ROOT=$WORK/plain    # the same stacks as a user keeps them for docker-compose
mkdir -p "$R" "$PLAIN_ROOT"
cat >"$R/driftless.yaml" <<EOF
# compose benchmark inventory (generated by bench/compose-run.sh)
hosts:
  $HOST:
    address: local
    dockerHost: unix://$SOCK
EOF
for ((i = 1; i <= NSTACKS; i++)); do
  s=${STACKS[i - 1]} p=${PLAINS[i - 1]}
  mkdir -p "$R/services/$s" "$PLAIN_ROOT/$p"
  compose_file "$s" >"$R/services/$s/compose.yaml"
  config_file "$i" >"$R/services/$s/app.conf"
  cat >"$R/services/$s/service.yaml" <<EOF
description: stack $i of bench/compose-run.sh
hosts: [$HOST]
compose:
  source: compose.yaml
  directory: $STACK_ROOT/$s
  project: $s
files:
  - path: $STACK_ROOT/$s/app.conf
    source: app.conf
EOF
  cp "$R/services/$s/compose.yaml" "$R/services/$s/app.conf" "$PLAIN_ROOT/$p/"
done
git -C "$R" init -q -b main
commit() { git -C "$R" add -A && git -C "$R" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false commit -q -m "$1"; }
commit "compose bench: $NSTACKS stacks of ${#ROLES[@]} containers"
DARGS=(--repo "$R")

# What a user runs without Driftless: docker-compose up -d in each stack's folder, one after the other
cat >"$WORK/compose-up.sh" <<EOF
#!/usr/bin/env bash
# docker-compose up -d of every stack, one after the other (generated by bench/compose-run.sh)
set -e
export DOCKER_HOST=unix://$SOCK
for p in ${PLAINS[*]}; do
  cd "$PLAIN_ROOT/\$p"
  $COMPOSE -p "\$p" -f compose.yaml up -d "\$@"
done
EOF

# ---------------------------------------------------------------------------------------------
# 6. Timing (the shared helpers are bench/lib/measure.sh's), with the engine's CPU and the load average
# ---------------------------------------------------------------------------------------------
declare -A TIMES RCS CPUS ECPUS
# timed MEASURE RUN LOGFILE CMD...: run_timed, with the engine's CPU over the same span and the load average; a
# warmup run is logged, not counted
timed() {
  local m=$1 run=$2 out=$3 e0 e1 ecpu load; shift 3
  echo "== $m $run" >>"$out"
  load=$(cut -d' ' -f1 /proc/loadavg)
  e0=$(engine_cpu_ns)
  run_timed "$out" "$@"
  e1=$(engine_cpu_ns)
  ecpu=n/a; [[ -n $e0 && -n $e1 ]] && ecpu=$(awk -v a="$e0" -v b="$e1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  printf '%-18s %-8s %10s s  rc=%-3s cpu=%5s s  engine-cpu=%5s s  load1=%s\n' "$m" "$run" "$LAST_SECS" "$LAST_RC" \
    "$LAST_CPU" "$ecpu" "$load" >>"$RAW"
  if [[ $run != warmup* ]]; then
    TIMES[$m]="${TIMES[$m]:-} $LAST_SECS"
    RCS[$m]="${RCS[$m]:-} $LAST_RC"
    CPUS[$m]="${CPUS[$m]:-} $LAST_CPU"
    ECPUS[$m]="${ECPUS[$m]:-} $ecpu"
  fi
}

# containers NAME-PREFIX: "name id running started-at" of every container whose name starts with the prefix, sorted
containers() {
  dk ps -aq | xargs -r "$DOCKER" -H "unix://$SOCK" inspect --format '{{.Name}} {{.Id}} {{.State.Running}} {{.State.StartedAt}}' \
    | sed 's#^/##' | { grep "^$1" || true; } | sort
}
# running_ok PREFIX PROJECTS...: every role of every project has exactly one container, running
running_ok() {
  local prefix=$1 p role; shift
  local list; list=$(containers "$prefix")
  [[ $(wc -l <<<"$list") == $(($# * ${#ROLES[@]})) ]] || return 1
  for p in "$@"; do for role in "${ROLES[@]}"; do grep -q "^${p}_${role}_1 [0-9a-f]* true " <<<"$list" || return 1; done; done
}
# mounted_ok DIR PROJECTS...: each project's web container sees DIR/PROJECT/app.conf's bytes at /etc/app.conf
mounted_ok() {
  local dir=$1 p; shift
  for p in "$@"; do
    [[ $(dk exec "${p}_web_1" cat /etc/app.conf) == "$(cat "$dir/$p/app.conf")" ]] || return 1
  done
}
# teardown: nothing of either side left (untimed): containers removed, Driftless's folders and host state gone
teardown() {
  local ids
  ids=$(dk ps -aq)
  [[ -z $ids ]] || dk rm -f $ids >/dev/null
  rm -rf --one-file-system "$STACK_ROOT"
  rm -f "/var/lib/driftless/state/$HOST.json"
}
# engine_events SINCE UNTIL: container events between two times (epoch seconds), one "action name" a line
engine_events() { dk events --since "$1" --until "$2" --filter type=container --format '{{.Action}} {{.Actor.Attributes.name}}'; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# bench/compose-run.sh raw results, $(date -u +%Y-%m-%dT%H:%M:%SZ): $NSTACKS stacks x ${#ROLES[@]} containers, one local host"
  echo "# engine: dockerd $ENGINE_VERSION at $SOCK; registry $REG; Driftless of $BUILT_AT from $CLONE (checkout at ${GIT_HEAD:0:12})"
  echo "# cpu = the tool's processes (user + system, its children included); engine-cpu = dockerd, containerd, shims"
  echo "# measure          run       wall time"
} >>"$RAW"

# ---------------------------------------------------------------------------------------------
# 7. First apply from nothing: everything torn down before each run, Driftless and compose in turn
# ---------------------------------------------------------------------------------------------
verify "Driftless runs with the launcher's class-data archive (java -Xshare:on accepts it for the jar: $CDS_FITS)" '[[ $CDS_FITS == yes ]]'
# what the plan says it will do (untimed): which compose it found, in which folder
rc=0; "${DRIFTLESS[@]}" plan "${DARGS[@]}" >"$LOGS/plan.log" 2>&1 || rc=$?
COMPOSE_USED=$(grep -o 'with [a-z -]*compose in' "$LOGS/plan.log" | head -1 | sed 's/^with //; s/ in$//' || true)
verify "Driftless's first plan exits 2 (changes) and shows the $NSTACKS stacks to create with the host's docker-compose (exit $rc; it says: ${COMPOSE_USED:-no compose})" \
  '[[ $rc == 2 && $(grep -c "^ *+ stack " "$LOGS/plan.log") == "$NSTACKS" && $COMPOSE_USED == docker-compose ]]'
log "first apply from nothing: $FIRST_RUNS runs each, Driftless and docker-compose in turn"
# in turn, and which goes first alternates: each meets the other's containers running as often as not
first_driftless() { timed driftless-first "$1" "$LOGS/driftless-first.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"; }
first_compose() { timed compose-first "$1" "$LOGS/compose-first.log" bash "$WORK/compose-up.sh"; }
for ((i = 1; i <= FIRST_RUNS; i++)); do
  teardown
  if ((i % 2)); then first_driftless "$i"; first_compose "$i"; else first_compose "$i"; first_driftless "$i"; fi
done
verify "Driftless's first apply exits 0 (exit codes:${RCS[driftless-first]})" 'all_rc 0 "${RCS[driftless-first]}"'
verify "docker-compose up -d from nothing exits 0 (exit codes:${RCS[compose-first]})" 'all_rc 0 "${RCS[compose-first]}"'
verify "after the first apply, Driftless's $NSTACKS stacks run ${#ROLES[@]} containers each (and compose's too)" \
  'running_ok app "${STACKS[@]}" && running_ok plain "${PLAINS[@]}"'
verify "every web container sees its stack's config file from the repository (Driftless's and compose's)" \
  'mounted_ok "$STACK_ROOT" "${STACKS[@]}" && mounted_ok "$PLAIN_ROOT" "${PLAINS[@]}"'
verify "Driftless's containers carry its labels (dev.driftless.stack, dev.driftless.config)" \
  '[[ $(dk inspect --format "{{index .Config.Labels \"dev.driftless.stack\"}} {{index .Config.Labels \"dev.driftless.config\"}}" app01_web_1) =~ ^app01\ [0-9a-f]{16,} ]]'
grep -q -- '--wait' "$LOGS/driftless-first.log" && NOTES+=("Driftless ran compose with --wait")

# ---------------------------------------------------------------------------------------------
# 8. The no-op: Driftless's check against docker-compose up -d of the stacks, in turn run by run
# ---------------------------------------------------------------------------------------------
log "no-op: $WARMUP warmup + $RUNS runs each, Driftless check and docker-compose up -d in turn"
BEFORE=$(containers "")
T0=$(date +%s.%N)
for ((i = 1; i <= WARMUP + RUNS; i++)); do
  run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
  timed driftless-noop "$run" "$LOGS/driftless-noop.log" "${DRIFTLESS[@]}" check "${DARGS[@]}"
  timed compose-noop "$run" "$LOGS/compose-noop.log" bash "$WORK/compose-up.sh"
done
T1=$(date +%s.%N)
AFTER=$(containers "")
NOOP_EVENTS=$(engine_events "$T0" "$T1" | sort | uniq -c | tr -s ' ' | tr '\n' ';' || true)
verify "Driftless's no-op check exits 0, no drift (exit codes:${RCS[driftless-noop]})" 'all_rc 0 "${RCS[driftless-noop]}"'
verify "docker-compose up -d of the running stacks exits 0 (exit codes:${RCS[compose-noop]})" 'all_rc 0 "${RCS[compose-noop]}"'
UPTODATE=$(grep -c 'is up-to-date' "$LOGS/compose-noop.log" || true)
verify "docker-compose found every container up to date in every run ($UPTODATE \"is up-to-date\" lines for $(((WARMUP + RUNS) * NSTACKS * ${#ROLES[@]})) containers x runs), and neither side created, started or stopped one (same ids and start times; engine events during the no-ops: ${NOOP_EVENTS:-none})" \
  '[[ $UPTODATE == $(((WARMUP + RUNS) * NSTACKS * ${#ROLES[@]})) && $BEFORE == "$AFTER" && -z $NOOP_EVENTS ]]'

# ---------------------------------------------------------------------------------------------
# 9. A config-file change: one stack's mounted file changes; Driftless recreates the one container that mounts
#    it; with compose the user has to force that (plain up -d does not hash a bind-mounted file)
# ---------------------------------------------------------------------------------------------
log "config-file change: $CHANGE_RUNS runs each, Driftless apply and docker-compose up -d --force-recreate web in turn"
# edit FILE LINE: FILE with LINE appended, replaced as git replaces a file it checks out (a new file renamed over the
# old one: a container that mounts the old one keeps seeing it, as with Driftless's atomic writes)
edit() { { cat "$1"; echo "$2"; } >"$1.new" && mv -f "$1.new" "$1"; }
# changed BEFORE AFTER: how many containers are new or changed (id or start time), then their names
changed() {
  local lines; lines=$(diff <(echo "$1") <(echo "$2") | awk '/^>/ { print $2 }' || true)
  echo "$(grep -c . <<<"$lines" || true):$(tr '\n' ' ' <<<"$lines")"
}
# once, untimed: what plain `up -d` of the stacks does with the changed file: nothing
edit "$PLAIN_ROOT/${PLAINS[0]}/app.conf" "# changed by bench/compose-run.sh: a file compose does not hash"
B=$(containers plain)
bash "$WORK/compose-up.sh" >"$LOGS/compose-change-plain-up.log" 2>&1 || true
verify "docker-compose up -d of the stacks leaves the container that mounts a changed config file as it was (compose does not see the change: that is why the compose side forces web's recreation)" \
  '[[ $B == "$(containers plain)" ]] && [[ $(dk exec "${PLAINS[0]}_web_1" cat /etc/app.conf) != "$(cat "$PLAIN_ROOT/${PLAINS[0]}/app.conf")" ]]'
CHANGED_D=() CHANGED_C=()
for ((i = 1; i <= CHANGE_RUNS; i++)); do
  k=$(((i - 1) % NSTACKS)); s=${STACKS[k]} p=${PLAINS[k]}
  edit "$R/services/$s/app.conf" "# change $i"
  commit "$s: app.conf, change $i"
  B=$(containers app)
  timed driftless-change "$i" "$LOGS/driftless-change.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
  CHANGED_D+=("$(changed "$B" "$(containers app)")")
  [[ $(dk exec "${s}_web_1" cat /etc/app.conf) == "$(cat "$R/services/$s/app.conf")" ]] || CHANGED_D+=("FAIL:$s web does not see the new file")
  edit "$PLAIN_ROOT/$p/app.conf" "# change $i"
  B=$(containers plain)
  timed compose-change "$i" "$LOGS/compose-change.log" \
    bash -c 'cd "$1" && DOCKER_HOST=unix://$2 exec "$3" -p "$4" -f compose.yaml up -d --force-recreate --no-deps web' \
    sh "$PLAIN_ROOT/$p" "$SOCK" "$COMPOSE" "$p"
  CHANGED_C+=("$(changed "$B" "$(containers plain)")")
  [[ $(dk exec "${p}_web_1" cat /etc/app.conf) == "$(cat "$PLAIN_ROOT/$p/app.conf")" ]] || CHANGED_C+=("FAIL:$p web does not see the new file")
done
one_web_each() { # ARRAY PREFIX: each entry of ARRAY names one changed container, the web container of run i's stack
  local -n changes=$1; local prefix=$2 i=0 c
  for c in "${changes[@]}"; do
    i=$((i + 1))
    [[ $c == "1:$(printf '%s%02d' "$prefix" $(((i - 1) % NSTACKS + 1)))_web_1 " ]] || return 1
  done
  ((i == CHANGE_RUNS))
}
verify "Driftless's config-change apply exits 0 and recreates exactly the container that mounts the file, which then sees the new content (per run: ${CHANGED_D[*]})" \
  'all_rc 0 "${RCS[driftless-change]}" && one_web_each CHANGED_D app'
verify "docker-compose up -d --force-recreate web exits 0 and recreates exactly that container (per run: ${CHANGED_C[*]})" \
  'all_rc 0 "${RCS[compose-change]}" && one_web_each CHANGED_C plain'
rc=0; "${DRIFTLESS[@]}" check "${DARGS[@]}" >"$LOGS/check-after-change.log" 2>&1 || rc=$?
verify "Driftless's check after the changes exits 0 (got $rc)" '[[ $rc == 0 ]]'

# ---------------------------------------------------------------------------------------------
# 10. Floors: a JVM that starts and exits; the engine read a plan does (docker ps by label, docker inspect)
# ---------------------------------------------------------------------------------------------
repeat() { # MEASURE LOGFILE CMD...: WARMUP untimed runs, then RUNS timed ones
  local m=$1 out=$2 i run; shift 2
  for ((i = 1; i <= WARMUP + RUNS; i++)); do
    run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
    timed "$m" "$run" "$out" "$@"
  done
}
log "floors: JVM start + exit, the engine read: $WARMUP warmup + $RUNS runs each"
repeat jvm-floor "$LOGS/jvm-floor.log" java "${LAUNCHER_OPTS[@]}" "${JAVA_OPTS_ARR[@]}" -cp "$JAR" dev.driftless.cli.Noop
verify "JVM floor exits 0 (exit codes:${RCS[jvm-floor]})" 'all_rc 0 "${RCS[jvm-floor]}"'
# the docker Driftless's read finds on PATH (the local host's shell runs `docker`), as it runs it
PATH_DOCKER=$(command -v docker || echo "$DOCKER")
PATH_DOCKER_V=$("$PATH_DOCKER" --version 2>/dev/null | sed -E 's/^Docker version ([^,]*).*/\1/' || true)
repeat read-floor "$LOGS/read-floor.log" bash -c 'export DOCKER_HOST=unix://$1; ids=$(docker ps -aq --filter label=dev.driftless.stack) && docker inspect $ids >/dev/null' sh "$SOCK"
verify "engine read floor exits 0 (exit codes:${RCS[read-floor]})" 'all_rc 0 "${RCS[read-floor]}"'
# what Driftless runs before each stack's up -d: compose's own check of the files (a compose start of its own)
repeat config-floor "$LOGS/config-floor.log" bash -c 'cd "$1" && DOCKER_HOST=unix://$2 exec "$3" -p "$4" -f compose.yaml -f compose.driftless.yaml config -q' \
  sh "$STACK_ROOT/${STACKS[0]}" "$SOCK" "$COMPOSE" "${STACKS[0]}"
verify "config floor exits 0 (exit codes:${RCS[config-floor]})" 'all_rc 0 "${RCS[config-floor]}"'

# One more no-op check, untimed, with the JVM's class-load log: when each step's first class loads (ms of uptime)
rc=0; DRIFTLESS_JAVA_OPTS="${BENCH_JAVA_OPTS:-} -Xlog:class+load:file=$WORK/check-classes.log:uptime" \
  "${DRIFTLESS[@]}" check "${DARGS[@]}" >"$LOGS/check-traced.log" 2>&1 || rc=$?
verify "the traced no-op check exits 0 (got $rc)" '[[ $rc == 0 ]]'
first_load() { # CLASS-PREFIX: milliseconds of JVM uptime when the first class of that name loaded, or "?"
  awk -v p="$1" 'index($2, p) == 1 { gsub(/[^0-9.]/, "", $1); printf "%d", $1 * 1000; found = 1; exit } END { if (!found) print "?" }' \
    "$WORK/check-classes.log"
}
TRACE_STEPS=(   # the first class of each step, in the order a check loads them
  "dev.driftless.cli.Main|the JVM is up: Driftless's main class"
  "picocli.CommandLine|picocli builds its model of every command and option (by reflection)"
  "dev.driftless.source.RepoTree|the check runs: the repository is opened and the commit resolved (JGit)"
  "dev.driftless.load.RepositoryLoader|the commit's inventory and service.yaml files are read"
  "dev.driftless.health.HealthChecks|the health checks are set up: an SSL context is built (JCA providers, trust store)"
  "dev.driftless.plan.Planner|the plan starts: the host's lock and state"
  "dev.driftless.plan.HostReading|the host is read: one command stats the managed files and asks the engine"
  "dev.driftless.host.CommandResult|that command has answered"
  "dev.driftless.engine.PlanSummary|the result is printed"
)
TRACE_ROWS=()
for step in "${TRACE_STEPS[@]}"; do TRACE_ROWS+=("$(first_load "${step%%|*}")|${step#*|}"); done
TRACE_LAST=$(awk 'END { gsub(/[^0-9.]/, "", $1); printf "%d", $1 * 1000 }' "$WORK/check-classes.log")

# ---------------------------------------------------------------------------------------------
# 11. The agent's heal of a killed container (item 7's second figure): the agent follows the engine's events. Its
#     drift interval stays long (the default, 5 minutes), so that a heal within HEAL_DEADLINE came from an event.
#     Each single kill gets an agent of its own (a first incident); then one agent meets a burst of kills.
# ---------------------------------------------------------------------------------------------
HEAL_DEADLINE=60 KILL_SPREAD=5 BURST_DEADLINE=$((DRIFT_INTERVAL + 60))
declare -A HEALS=() HEAL_FAILS=()
AGENT_RUNS=0 AGENT_FOLLOWED=0 AGENT_HEALED_LINES=0
# follows_engine: the agent runs `docker events` (a descendant of its JVM): it follows the engine
follows_engine() {
  ps -eo pid=,ppid=,args= | awk -v root="$AGENT_PID" '
    { parent[$1] = $2; if ($3 ~ /(^|\/)docker$/ && $4 == "events") events[$1] = 1 }
    END { for (p in events) { q = p; while ((q in parent) && q != root && q > 1) q = parent[q]; if (q == root) exit 0 }; exit 1 }'
}
start_agent() { # a fresh agent, once it is ready and follows the engine
  local i
  AGENT_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  AGENT_RUNS=$((AGENT_RUNS + 1))
  echo "== agent $AGENT_RUNS" >>"$LOGS/agent.log"
  "${DRIFTLESS[@]}" agent "${DARGS[@]}" --interval 1h --drift-interval "${DRIFT_INTERVAL}s" --listen "127.0.0.1:$AGENT_PORT" \
    --state-dir "$WORK/agent" </dev/null >>"$LOGS/agent.log" 2>&1 &
  AGENT_PID=$!
  START_TIMEOUT=120 await "the agent" "$AGENT_PID" curl -sf "http://127.0.0.1:$AGENT_PORT/readyz"
  # until its event stream runs, a kill would be found by the check each new stream starts with, not by an event
  for ((i = 0; i < 600; i++)); do follows_engine && { AGENT_FOLLOWED=$((AGENT_FOLLOWED + 1)); return 0; }; sleep 0.1; done
}
stop_agent() {
  stop_pid "$AGENT_PID" 15
  AGENT_PID=
}
inspect_started() { curl -sf --unix-socket "$SOCK" "http://engine/containers/$1/json" | jq -r '"\(.State.Running) \(.State.StartedAt)"'; }
# kill_and_time MEASURE CONTAINER DEADLINE: after a random wait of up to KILL_SPREAD s (a crash comes at any moment),
# `docker kill`, then the container's state every 0.1 s until it runs with a new start time
kill_and_time() {
  local m=$1 c=$2 deadline=$3 s0 s1 t0 killed_at healed=
  sleep "$(awk -v n="$KILL_SPREAD" -v seed="$RANDOM" 'BEGIN { srand(seed); printf "%.2f", rand() * n }')"
  s0=$(inspect_started "$c")
  [[ $s0 == true* ]] || { HEAL_FAILS[$m]+="$c was not running before the kill ($s0); "; return 0; }
  t0=$EPOCHREALTIME
  killed_at=$(date -u -d "@$t0" +%H:%M:%S.%3N)
  dk kill "$c" >/dev/null
  while (($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print int(b - a) }') < deadline)); do
    s1=$(inspect_started "$c" || true)
    if [[ $s1 == true* && $s1 != "$s0" ]]; then healed=$EPOCHREALTIME; break; fi
    sleep 0.1
  done
  if [[ -z $healed ]]; then HEAL_FAILS[$m]+="$c not running again within $deadline s; "; return 0; fi
  HEALS[$m]+=" $(awk -v a="$t0" -v b="$healed" 'BEGIN { printf "%.2f", b - a }')"
  printf '%-18s %-8s %10s s  (%s: docker kill at %s UTC to running again)\n' "$m" "$(wc -w <<<"${HEALS[$m]}")" \
    "${HEALS[$m]##* }" "$c" "$killed_at" >>"$RAW"
}
BURST_KILLS=6
if ((HEAL_KILLS > 0)); then
  ((DRIFT_INTERVAL > HEAL_DEADLINE)) \
    || NOTES+=("the agent's drift interval (${DRIFT_INTERVAL} s) is within the heal deadline ($HEAL_DEADLINE s): a drift check may have healed some kills, not an event")
  log "agent: --drift-interval ${DRIFT_INTERVAL}s; $HEAL_KILLS single kills, a fresh agent for each, then a burst of $BURST_KILLS"
  for ((i = 1; i <= HEAL_KILLS; i++)); do
    start_agent
    kill_and_time agent-heal "${STACKS[$(((i - 1) % NSTACKS))]}_${ROLES[$(((i - 1) % ${#ROLES[@]}))]}_1" "$HEAL_DEADLINE"
    stop_agent
  done
  start_agent
  for ((i = 1; i <= BURST_KILLS; i++)); do
    kill_and_time agent-burst "${STACKS[$(((i + 1) % NSTACKS))]}_${ROLES[$((i % ${#ROLES[@]}))]}_1" "$BURST_DEADLINE"
  done
  stop_agent
  AGENT_HEALED_LINES=$(grep -c 'drift-healed' "$LOGS/agent.log" || true)
  N_HEALS=$(wc -w <<<"${HEALS[agent-heal]:-}") N_BURST=$(wc -w <<<"${HEALS[agent-burst]:-}")
  verify "every agent followed the engine's events (\`docker events\` among its processes within 60 s of being ready: $AGENT_FOLLOWED of $AGENT_RUNS)" \
    '((AGENT_FOLLOWED == AGENT_RUNS))'
  verify "each single kill was healed within $HEAL_DEADLINE s ($N_HEALS of $HEAL_KILLS${HEAL_FAILS[agent-heal]:+: ${HEAL_FAILS[agent-heal]}})" \
    '((N_HEALS == HEAL_KILLS))'
  verify "each kill of the burst was healed, within the drift interval and a minute ($N_BURST of $BURST_KILLS${HEAL_FAILS[agent-burst]:+: ${HEAL_FAILS[agent-burst]}}), and the agents logged one heal per kill ($AGENT_HEALED_LINES drift-healed lines)" \
    '((N_BURST == BURST_KILLS && AGENT_HEALED_LINES == HEAL_KILLS + BURST_KILLS))'
  rc=0; "${DRIFTLESS[@]}" check "${DARGS[@]}" >"$LOGS/check-after-agent.log" 2>&1 || rc=$?
  verify "Driftless's check after the agent's heals exits 0 (got $rc)" '[[ $rc == 0 ]]'
fi
JAR_SHA_AFTER=$(sha256sum "$JAR" | cut -c1-12)
verify "the measured jar was not rebuilt during the run (sha256 $JAR_SHA... before, $JAR_SHA_AFTER... after)" \
  '[[ $JAR_SHA_AFTER == "$JAR_SHA" ]]'

# ---------------------------------------------------------------------------------------------
# 12. COMPOSE-RESULTS.md
# ---------------------------------------------------------------------------------------------
for m in driftless-noop compose-noop driftless-first compose-first driftless-change compose-change jvm-floor read-floor \
    config-floor; do
  v=${m//-/_}
  declare "MED_$v=$(median "${TIMES[$m]}")" "RANGE_$v=$(minmax "${TIMES[$m]}")" \
    "CPU_$v=$(median "${CPUS[$m]}")" "ECPU_$v=$(median "${ECPUS[$m]}")"
done
R_NOOP=$(ratio "$MED_compose_noop" "$MED_driftless_noop")
R_FIRST=$(ratio "$MED_compose_first" "$MED_driftless_first")
R_CHANGE=$(ratio "$MED_compose_change" "$MED_driftless_change")
CORRECT=$(checks_verdict)
VERDICT=FAIL; ge "$R_NOOP" "$GOAL" && VERDICT=PASS
shown() { if [[ $CORRECT == FAIL ]]; then echo "INVALID (would be $1; a check failed)"; else echo "$1"; fi; }
PER_STACK=$("$PY" -c "print('%.3f' % ($MED_compose_noop / $NSTACKS))")
AT_GOAL=$("$PY" -c "print('%.3f' % ($MED_compose_noop / $GOAL))")
REST=$("$PY" -c "print('%.3f' % max(0.0, $MED_driftless_noop - $MED_jvm_floor - $MED_read_floor))")
CFG_TOTAL=$("$PY" -c "print('%.1f' % ($MED_config_floor * $NSTACKS))")
FIRST_DIFF=$("$PY" -c "print('%.1f' % ($MED_driftless_first - $MED_compose_first))")
HEAL_MED=n/a HEAL_RANGE=n/a BURST_TIMES=n/a
if [[ -n ${HEALS[agent-heal]:-} ]]; then HEAL_MED=$(median "${HEALS[agent-heal]}") HEAL_RANGE=$(minmax "${HEALS[agent-heal]}"); fi
if [[ -n ${HEALS[agent-burst]:-} ]]; then BURST_TIMES=$(sed 's/^ //; s/ /, /g' <<<"${HEALS[agent-burst]}"); fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_END at the end" >>"$RAW"
# shellcheck disable=SC2086
JAVA_V=$(java ${DRIFTLESS_JAVA_OPTS} -version 2>&1 | sed -n 2p)
COMPOSE_V=$("$COMPOSE" version --short 2>/dev/null || echo "?")
REGISTRY_V=$(dpkg-query -W -f '${Version}' docker-registry 2>/dev/null || echo "?")
BUSYBOX_V=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || echo "?")
RAW_REL=${RAW#"$REPO_ROOT"/}
NCONT=$((NSTACKS * ${#ROLES[@]}))
{
  echo "# Driftless vs docker-compose on container stacks: benchmark results"
  echo
  echo "Generated by \`bash bench/compose-run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Raw per-run timings, CPU times and load:"
  echo "\`$RAW_REL\`."
  echo "Workload: one local host, $NSTACKS compose stacks of ${#ROLES[@]} containers ($NCONT in all; busybox images from a registry"
  echo "on 127.0.0.1), each stack with a config file from the repository that its web container mounts; a dockerd of the"
  echo "bench's own. The same stacks as plain compose folders for \`docker-compose\` (Debian's v1, which is also what"
  echo "Driftless runs here)."
  echo
  echo "## Verdict"
  echo
  echo "| goal | value | needed | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| \`docker-compose up -d\` of the $NSTACKS stacks / Driftless's no-op \`check\` | ${R_NOOP}x | >= ${GOAL}x | **$(shown $VERDICT)** |"
  echo "| correctness checks below | | all pass | **$CORRECT** |"
  echo
  echo "## Medians (whole-process wall time, seconds)"
  echo
  echo "| measure | Driftless | range | docker-compose | range | compose / Driftless |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  echo "| no-op: \`driftless check\` / \`up -d\` of each stack in turn (median of $RUNS) | $MED_driftless_noop | $RANGE_driftless_noop | $MED_compose_noop | $RANGE_compose_noop | **${R_NOOP}x** |"
  echo "| first apply from nothing: \`driftless apply\` / \`up -d\` of each stack (median of $FIRST_RUNS) | $MED_driftless_first | $RANGE_driftless_first | $MED_compose_first | $RANGE_compose_first | ${R_FIRST}x |"
  echo "| config-file change, one container recreated: \`driftless apply\` / \`up -d --force-recreate --no-deps web\` in that stack (median of $CHANGE_RUNS) | $MED_driftless_change | $RANGE_driftless_change | $MED_compose_change | $RANGE_compose_change | ${R_CHANGE}x |"
  echo
  echo "CPU time, median, seconds: the tool's own processes (user + system, with every child it waited for: Driftless's"
  echo "JVM with the \`docker\` and \`docker-compose\` it runs; the compose loop's bash and Python), and the engine's over"
  echo "the same span (dockerd, containerd and the container shims, from a cpuacct cgroup; the containers' own processes"
  echo "are not in it):"
  echo
  echo "| measure | Driftless | engine, during Driftless | docker-compose | engine, during compose |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| no-op | $CPU_driftless_noop | $ECPU_driftless_noop | $CPU_compose_noop | $ECPU_compose_noop |"
  echo "| first apply from nothing | $CPU_driftless_first | $ECPU_driftless_first | $CPU_compose_first | $ECPU_compose_first |"
  echo "| config-file change | $CPU_driftless_change | $ECPU_driftless_change | $CPU_compose_change | $ECPU_compose_change |"
  echo
  echo "| floor (median of $RUNS) | wall | range | CPU |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| JVM start + exit (\`java <the launcher's options> -cp <jar> dev.driftless.cli.Noop\`) | $MED_jvm_floor | $RANGE_jvm_floor | $CPU_jvm_floor |"
  echo "| the engine read of a plan: \`docker ps -aq --filter label=dev.driftless.stack\` and \`docker inspect\` of the $NCONT containers ($PATH_DOCKER, client $PATH_DOCKER_V) | $MED_read_floor | $RANGE_read_floor | $CPU_read_floor |"
  echo "| \`docker-compose config -q\` of one stack, what Driftless runs before each stack's \`up -d\` | $MED_config_floor | $RANGE_config_floor | $CPU_config_floor |"
  echo "| one stack's \`docker-compose up -d\` with nothing to do (the compose no-op / $NSTACKS) | $PER_STACK | | |"
  echo
  echo "## Where the time goes"
  echo
  echo "**The no-op.** Driftless's check took $MED_driftless_noop s: a JVM that starts and exits takes $MED_jvm_floor s of it,"
  echo "and the engine read (\`docker ps\` + \`docker inspect\` through the same \`docker\` CLI) $MED_read_floor s; the rest,"
  echo "about $REST s, is Driftless's own start-up and work: opening the repository, reading the inventory and the host"
  echo "state, the plan, the output. It runs no compose command. docker-compose spends about $PER_STACK s per stack"
  echo "with nothing to do (a Python start, then reading the project's containers through the API). The goal, ${GOAL}x,"
  echo "needs a check of $AT_GOAL s for $NSTACKS stacks. One more check, untimed, with the JVM's class-load log"
  echo "(\`-Xlog:class+load\`), shows when each step's first class loaded (milliseconds since the JVM started; the log"
  echo "itself slows the JVM a little):"
  echo
  echo "| ms | until the next step | step |"
  echo "| ---: | ---: | --- |"
  for ((i = 0; i < ${#TRACE_ROWS[@]}; i++)); do
    at=${TRACE_ROWS[i]%%|*} next=$TRACE_LAST
    ((i + 1 < ${#TRACE_ROWS[@]})) && next=${TRACE_ROWS[i + 1]%%|*}
    took=?; [[ $at =~ ^[0-9]+$ && $next =~ ^[0-9]+$ ]] && took=$((next - at))
    echo "| $at | $took | ${TRACE_ROWS[i]#*|} |"
  done
  echo "| $TRACE_LAST | | the last class loads; the process ends soon after |"
  echo
  echo "**The applies.** Before each stack's \`up -d\`, Driftless runs compose's own \`config -q\` on the stack's files (so"
  echo "that a file compose rejects changes nothing): one more compose start per stack, $MED_config_floor s here (CPU"
  echo "$CPU_config_floor s), about $CFG_TOTAL s for the $NSTACKS stacks of a first apply, where Driftless took"
  echo "$FIRST_DIFF s longer than compose. A config-file change brings up one stack: its \`config -q\` and \`up -d\` (which"
  echo "looks at the stack's ${#ROLES[@]} containers and recreates one), after the JVM and a plan of the new commit; the"
  echo "compose side is the one \`up -d --force-recreate --no-deps web\`."
  echo
  echo "## The agent's heal of a killed container"
  echo
  echo "| measure | median | range | runs |"
  echo "| --- | ---: | ---: | ---: |"
  if ((HEAL_KILLS > 0)); then
    echo "| \`docker kill\` to the container running again: one kill, the agent following the engine's events (a fresh agent for each kill) | $HEAL_MED s | $HEAL_RANGE s | $(wc -w <<<"${HEALS[agent-heal]:-}") of $HEAL_KILLS |"
    echo "| the same for a burst: one agent, $BURST_KILLS kills of different containers, each up to $KILL_SPREAD s after the last heal (seconds, in order) | $BURST_TIMES | | $(wc -w <<<"${HEALS[agent-burst]:-}") of $BURST_KILLS |"
  else
    echo "| \`docker kill\` to the container running again, the agent following the engine's events | skipped (BENCH_HEAL_KILLS=0) | | |"
  fi
  echo
  echo "The agent follows the engine's event stream (\`docker events\` for the stacks' containers); a \`kill\` or \`die\`"
  echo "asks for a drift check of the host at once, which reads the engine, finds the stack's container exited, and heals"
  echo "it with the stack's \`config -q\` and \`up -d\` ($MED_config_floor s of it is the \`config -q\`, as the floor above). Its"
  echo "drift interval is ${DRIFT_INTERVAL} s: without the events a kill would wait for the next drift check, half an interval"
  echo "on average. Each kill comes after a random wait of up to $KILL_SPREAD s (once the agent follows the engine, or after"
  echo "the last heal); the container's state is polled every 0.1 s through the engine's API, and it counts as healed when"
  echo "it runs with a new start time."
  echo
  echo "In a burst, a host whose event-asked checks keep finding drift is checked again no sooner than 1 s, 2 s, 4 s ..."
  echo "after the last such check (agent/DriftRequests, meant for a container that dies again after each heal), and only"
  echo "a check that finds the host in sync ends that. Kills of different containers, each healed, count alike: when the"
  echo "next kill comes before a check has found the host in sync (the \`die\` that follows a \`kill\` folds into the check"
  echo "under way, or asks for one more that meets the next kill), the wait doubles. The burst's times above show how far"
  echo "it went in this run; the agent's log is in \`$LOGS/agent.log\`."
  echo
  report_checks
  echo "- load average (1, 5, 15 min) from other work on this shared machine: $LOAD_START when the run started, $LOAD_END at its"
  echo "  end (each run's 1-minute load is in the raw file)"
  echo "- kernel: $(uname -sr)"
  echo "- java: $JAVA_V${BENCH_JAVA_OPTS:+ (options: \`$BENCH_JAVA_OPTS\`)}"
  echo "- Driftless: \`bin/driftless\` of a clone of commit $BUILT_AT (src/main, pom.xml and bin as at the checkout's"
  echo "  ${GIT_HEAD:0:12})$DIRTY, jar sha256 $JAR_SHA...; it ran ${COMPOSE_USED:-?}"
  echo "- engine: Debian's dockerd $ENGINE_VERSION; Driftless's read used \`$PATH_DOCKER\` (client $PATH_DOCKER_V), the first"
  echo "  \`docker\` on PATH"
  echo "- docker-compose $COMPOSE_V (Debian's), docker-registry $REGISTRY_V, busybox-static $BUSYBOX_V"
  echo
  echo "## What ran"
  echo
  echo "- **The engine**: \`dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false\` with its data root,"
  echo "  exec root and socket under the work folder, an empty daemon.json of its own, and a proxy that is not there for any"
  echo "  registry off 127.0.0.0/8 (as the tests' DockerEngine). The registry: Debian's docker-registry on a free 127.0.0.1 port."
  echo "- **Images**: web, worker and db, each a root of Debian's static busybox (its applets linked) and /etc/role, made"
  echo "  reproducible by tar, \`docker import\`ed and pushed; every container runs a shell that waits and ends on SIGTERM."
  echo "  The engine keeps the images, so neither side pulls in a timed run."
  echo "- **Stacks**: services web, worker and db, \`network_mode: none\` (no bridge networks on this shared machine; compose"
  echo "  v1 otherwise makes one per project), web mounting \`./app.conf\` read-only. Driftless: a committed repository,"
  echo "  one host \`$HOST\` (\`address: local\`, \`dockerHost: unix://…\`), a service per stack with \`compose: {source,"
  echo "  directory, project}\` and the config file in \`files:\`. Compose: the same compose file and config file in a folder"
  echo "  per stack, project names plainNN (Driftless's are appNN); both sets run on the one engine."
  echo "- **docker-compose side**: a script that runs \`docker-compose -p plainNN -f compose.yaml up -d\` in each folder in"
  echo "  turn (\`$WORK/compose-up.sh\`), as a user's deploy script would."
  echo "- **First apply from nothing**: before each run every container is removed, and Driftless's stack folders and host"
  echo "  state; the two tools take turns and which goes first alternates."
  echo "- **No-op**: $WARMUP untimed warmup then $RUNS timed runs of each, Driftless and compose in turn. Checked: same container"
  echo "  ids and start times before and after, no container event in the engine, compose says every container is up to date."
  echo "- **Config-file change**: a commit appends a line to one stack's app.conf (a different stack each run); Driftless's"
  echo "  apply recreates that stack's web container. Compose does not hash a bind-mounted file (checked once: plain \`up -d\`"
  echo "  leaves the container as it was), so its side is the least a user can run to bring the change in: \`up -d"
  echo "  --force-recreate --no-deps web\` in the one stack."
  echo "- **The agent**: \`driftless agent --interval 1h --drift-interval ${DRIFT_INTERVAL}s\` on the same repository, once its"
  echo "  \`docker events\` runs: $HEAL_KILLS times a fresh agent and one \`docker kill\` after a random wait of up to $KILL_SPREAD s;"
  echo "  then one agent and $BURST_KILLS kills, each of another container, each up to $KILL_SPREAD s after the last heal. The"
  echo "  container's state is polled every 0.1 s through the engine's API until it runs again (a new start time)."
  echo "- Driftless's state and lock: the script runs in a mount namespace of its own where /var/lib/driftless is a folder"
  echo "  of the bench's, so other Driftless runs on this machine neither see nor share them."
  echo "- Timing: bash \`\$EPOCHREALTIME\` around each whole process, output to a log file."
  echo
  echo "## Rerun"
  echo
  echo '```'
  echo 'bash bench/compose-run.sh                 # about 10 minutes on 2 cores (plus about 3 to build the clone once)'
  echo 'BENCH_RUNS=3 bash bench/compose-run.sh    # fewer timed runs'
  echo '```'
  echo
  echo "Run as root."
} >"$RESULTS_MD"

log "wrote $RESULTS_MD and $RAW"
log "no-op: docker-compose / Driftless ${R_NOOP}x (goal ${GOAL}x: $VERDICT); first apply ${R_FIRST}x; config change ${R_CHANGE}x; docker kill to healed: $HEAL_MED s; checks: $CORRECT"
[[ $VERDICT == PASS && $CORRECT == PASS ]] || exit 2
exit 0
