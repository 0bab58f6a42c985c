#!/usr/bin/env bash
# The disaster-recovery drill (issue 14, item 3): a machine is lost, a fresh one is brought to its state from Git.
# A repository of 100 services, each with a package (from a local apt repository, whose source list is itself a file
# in the repository), a systemd unit running that package's program, a rendered config file and a static file, and
# every tenth a secret (age); one inventory host, box. A fresh Debian 12 machine (an empty overlay of the test tree,
# booted by systemd-nspawn, sshd only, no Java, root's real home and login shell) is bootstrapped over SSH:
#
#   driftless bootstrap ssh://root@127.0.0.1:PORT --package driftless_*.deb --repo git://... --host box --age-key ...
#   driftless check --host box          (from this machine, over SSH: exit 0 = every file, unit and package as in Git)
#
# and the time from the start of bootstrap to check's exit 0 is the drill's figure. Cold: the page cache dropped
# (this machine's and so the machine's: they share a kernel) just before bootstrap; warm: not. Beside it, in the same
# script, the floor: what a hand-written script does on another fresh machine over one SSH connection, knowing the
# rendered files beforehand (one tar stream of them, apt-get update and install, daemon-reload, enable --now), which
# is what a tool could at best approach. Each drill is checked outside the timing (bytes and modes of every file,
# every unit active and enabled, every package installed, the agent running), and bootstrap is run a second time on
# the recovered machine (it must change nothing). Writes bench/DR-RESULTS.md and bench/results/dr-raw-<UTC>.txt.
#
#   bash bench/dr-run.sh                     # about 10 minutes on 2 cores (more if the package must be built)
#   BENCH_RUNS=1 bash bench/dr-run.sh        # one drill of each kind
#
# Environment (all optional):
#   BENCH_RUNS=3             drills per kind (cold, warm, floor); medians reported
#   BENCH_SERVICES=100       the workload; anything else is a smoke run whose report stays in $BENCH_WORK
#   BENCH_DEB=FILE           the package to install (default: target/dist/driftless_*_amd64.deb, built by
#                            scripts/package.sh when missing or older than target/driftless.jar)
#   BENCH_WORK=/tmp/driftless-bench-dr   work directory (wiped at the start)
#   BENCH_STEP_TIMEOUT=600   seconds any one timed command may take before it is killed (and counted as failed)
#   DRIFTLESS_TEST_CACHE=/var/cache/driftless-test   where scripts/debian-tree.sh caches the Debian tree
#
# Needs root (overlay mounts, systemd-nspawn, dropping the page cache) and Debian's mirror once, for the tree and the
# tools. Machines are powered off and unmounted, the git daemon and the apt server stopped on exit (trap).
# Exit code: 0 = ran, every check passes and the cold and warm medians are under the goal (60 s); 2 = ran but a check
# or the goal failed; 1 = the benchmark itself could not run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${BENCH_RUNS:-3}
NSVC=${BENCH_SERVICES:-100}
WORK=${BENCH_WORK:-/tmp/driftless-bench-dr}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-600}
GOAL=60            # seconds from bootstrap to check's exit 0, cold and warm (seed 000: 15 minutes)
SECRET_EVERY=10    # every tenth service has a secret

log() { printf '[dr-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=bench/lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"
MACHINE_PREFIX=driftless-dr
# shellcheck source=bench/lib/machine.sh
source "$BENCH_DIR/lib/machine.sh"

(( BASH_VERSINFO[0] >= 5 )) || die "bash 5 or later is needed (EPOCHREALTIME)"
for v in RUNS NSVC STEP_TIMEOUT; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"; done
((NSVC <= 999)) || die "at most 999 services"
case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing BENCH_WORK=$WORK";; esac
[[ $(id -u) == 0 ]] || die "run as root: overlay mounts, systemd-nspawn and dropping the page cache need it"

full=0; [[ $NSVC == 100 ]] && full=1
results_paths DR "$full"   # a smoke run leaves bench/ alone

install_missing git:git /usr/bin/python3:python3 systemd-nspawn:systemd-container dpkg-scanpackages:dpkg-dev \
  ssh:openssh-client ssh-keygen:openssh-client nsenter:util-linux age:age age-keygen:age

# ---------------------------------------------------------------------------------------------
# 1. Cleanup of everything this script starts or mounts
# ---------------------------------------------------------------------------------------------
SERVERS=()
CHILD=
cleanup() {
  if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
  stop_all_machines
  ((${#SERVERS[@]} == 0)) || stop_pids "${SERVERS[@]}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fresh_work

# ---------------------------------------------------------------------------------------------
# 2. Driftless: the jar (this machine's side) and the package (the new machine's)
# ---------------------------------------------------------------------------------------------
"$REPO_ROOT/bin/driftless" --version >/dev/null 2>"$LOGS/build.log" || die "bin/driftless could not build the jar (see $LOGS/build.log)"
JAR=$REPO_ROOT/target/driftless.jar
DEB=${BENCH_DEB:-}
if [[ -z $DEB ]]; then
  DEB=$(ls "$REPO_ROOT"/target/dist/driftless_*_amd64.deb 2>/dev/null | head -1 || true)
  if [[ -z $DEB || $DEB -ot $JAR ]]; then
    log "building the package (scripts/package.sh, a few minutes)"
    DEB=$(bash "$REPO_ROOT/scripts/package.sh" 2>"$LOGS/package.log") || die "scripts/package.sh failed: $(tail -3 "$LOGS/package.log")"
  fi
fi
[[ -f $DEB ]] || die "no package at $DEB"
DEB_SHA=$(sha256sum "$DEB" | cut -c1-12)
GIT_HEAD=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "(none yet)")
DIRTY=; [[ -n "$(git -C "$REPO_ROOT" status --porcelain -- src/main pom.xml packaging 2>/dev/null || true)" ]] && DIRTY=" plus uncommitted changes"
DRIFTLESS=("$REPO_ROOT/bin/driftless")

TREE=$(bash "$REPO_ROOT/scripts/debian-tree.sh" 2>"$LOGS/debian-tree.log" | tail -1) \
  || die "scripts/debian-tree.sh failed: $(tail -3 "$LOGS/debian-tree.log")"
[[ -d $TREE/usr ]] || die "scripts/debian-tree.sh printed no tree: $(tail -3 "$LOGS/debian-tree.log")"
MACHINE_LOWER=$TREE

# ---------------------------------------------------------------------------------------------
# 3. The workload: packages in a local apt repository served over HTTP, the repository served by git daemon,
#    and the files as they must end up on the machine (expected/, also the floor's tar stream)
# ---------------------------------------------------------------------------------------------
log "generating $NSVC services in $WORK"
APT_PORT=$(free_port); GIT_PORT=$(free_port); AGENT_PORT=$(free_port)
USER_KEY=$WORK/user_key
KNOWN=$WORK/known_hosts
ssh-keygen -q -t ed25519 -N '' -C driftless-dr-bench -f "$USER_KEY"
AGE_KEY=$WORK/age-key.txt
age-keygen -o "$AGE_KEY" 2>/dev/null
RECIPIENT=$(age-keygen -y "$AGE_KEY")
SERVICES=() PACKAGES=() UNITS=()
R=$WORK/repo
EXP=$WORK/expected
mkdir -p "$WORK/apt" "$WORK/debs" "$R/services/apt" "$EXP/etc/apt/sources.list.d" "$EXP/etc/systemd/system"
cat >"$R/services/apt/service.yaml" <<EOF
description: where the packages come from (this drill's local apt repository)
hosts: [box]
files:
  - path: /etc/apt/sources.list.d/dr.list
    content: "deb [trusted=yes] http://127.0.0.1:$APT_PORT/ ./\n"
EOF
printf 'deb [trusted=yes] http://127.0.0.1:%s/ ./\n' "$APT_PORT" >"$EXP/etc/apt/sources.list.d/dr.list"
head -c 1536 /dev/urandom | base64 -w 76 >"$WORK/static.txt"   # 2 KiB of text, the same in every service
for ((i = 1; i <= NSVC; i++)); do
  n=$(printf '%03d' "$i"); s=svc-$n; p=dr-pkg-$n; u=dr-svc-$n.service
  SERVICES+=("$s"); PACKAGES+=("$p"); UNITS+=("$u")
  d=$WORK/debs/$p
  mkdir -p "$d/DEBIAN" "$d/usr/bin"
  printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: Driftless bench <bench@driftless.invalid>\nDescription: %s for bench/dr-run.sh\n' \
    "$p" "$p" >"$d/DEBIAN/control"
  printf '#!/bin/sh\n# %s: the program of service %s of the drill\nexec sleep infinity\n' "$p" "$s" >"$d/usr/bin/$p"
  chmod 0755 "$d/usr/bin/$p"
  dpkg-deb --root-owner-group -Zgzip --build "$d" "$WORK/apt/${p}_1.0_all.deb" >/dev/null
  sd=$R/services/$s
  mkdir -p "$sd" "$EXP/etc/dr/$s"
  printf '[Unit]\nDescription=Drill service %s\n\n[Service]\nExecStart=/usr/bin/%s\n\n[Install]\nWantedBy=multi-user.target\n' \
    "$s" "$p" >"$sd/$u"
  cp "$sd/$u" "$EXP/etc/systemd/system/$u"
  printf '# %s on {{ host.name }}\nlisten = 127.0.0.1:%d\n' "$s" "$((20000 + i))" >"$sd/app.conf.peb"
  printf '# %s on box\nlisten = 127.0.0.1:%d\n' "$s" "$((20000 + i))" >"$EXP/etc/dr/$s/app.conf"
  cp "$WORK/static.txt" "$sd/static.txt"
  cp "$WORK/static.txt" "$EXP/etc/dr/$s/static.txt"
  {
    echo "description: drill service $n"
    echo "hosts: [box]"
    echo "dependsOn: [apt]"
    echo "packages: [$p]"
    echo "files:"
    echo "  - path: /etc/dr/$s/app.conf"
    echo "    template: app.conf.peb"
    echo "  - path: /etc/dr/$s/static.txt"
    echo "    source: static.txt"
    if ((i % SECRET_EVERY == 0)); then
      echo "  - path: /etc/dr/$s/token"
      echo "    secret: token.age"
      echo '    mode: "0600"'
    fi
    echo "units:"
    echo "  - name: $u"
    echo "    source: $u"
    echo "    restartOn: [/etc/dr/$s/app.conf]"
  } >"$sd/service.yaml"
  if ((i % SECRET_EVERY == 0)); then
    printf 'token-of-%s-%s\n' "$s" "$(head -c 12 /dev/urandom | base64 | tr -dc A-Za-z0-9)" >"$EXP/etc/dr/$s/token"
    age -r "$RECIPIENT" -a -o "$sd/token.age" "$EXP/etc/dr/$s/token"
  fi
done
(cd "$WORK/apt" && dpkg-scanpackages --multiversion . >Packages 2>"$LOGS/scanpackages.log") || die "dpkg-scanpackages failed"
chmod 0600 "$EXP"/etc/dr/*/token 2>/dev/null || true
# what must never appear in Driftless's output: the secrets' values and the age key
{ cat "$EXP"/etc/dr/*/token 2>/dev/null || true; echo AGE-SECRET-KEY-; } >"$WORK/secret-values"
NFILES=$(find "$EXP" -type f | wc -l)

MPORT=$(free_port)   # every machine in turn listens here: the inventory names this address
for k in "$TREE"/etc/ssh/ssh_host_*_key.pub; do
  printf '[127.0.0.1]:%s %s\n' "$MPORT" "$(cut -d' ' -f1,2 "$k")" >>"$KNOWN"
done
cat >"$R/driftless.yaml" <<EOF
# the disaster-recovery drill's inventory (generated by bench/dr-run.sh)
hosts:
  box:
    address: ssh://root@127.0.0.1:$MPORT
    identity: $USER_KEY
EOF
git -C "$R" init -q -b main
git -C "$R" add -A
git -C "$R" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
  commit -q -m "disaster-recovery drill: $NSVC services"
mkdir -p "$WORK/served"
git clone -q --bare "$R" "$WORK/served/infra.git"
REPO_URL=git://127.0.0.1:$GIT_PORT/infra.git
"${DRIFTLESS[@]}" validate --repo "$R" --age-key "$AGE_KEY" >"$LOGS/validate.log" 2>&1 \
  || die "the generated repository does not validate: $(tail -5 "$LOGS/validate.log")"

git daemon --reuseaddr --export-all --listen=127.0.0.1 --port="$GIT_PORT" --base-path="$WORK/served" "$WORK/served" \
  >"$LOGS/git-daemon.log" 2>&1 &
SERVERS+=($!)
"$MEASURE_PY" -m http.server --bind 127.0.0.1 --directory "$WORK/apt" "$APT_PORT" >"$LOGS/apt-http.log" 2>&1 &
SERVERS+=($!)
for ((i = 0; i < 100; i++)); do
  git ls-remote "$REPO_URL" >/dev/null 2>&1 \
    && "$MEASURE_PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "http://127.0.0.1:$APT_PORT/Packages" 2>/dev/null && break
  sleep 0.1
done
git ls-remote "$REPO_URL" >/dev/null 2>&1 || die "git daemon does not serve $REPO_URL: $(tail -3 "$LOGS/git-daemon.log")"

# The floor's stream: the expected tree with its modes, root's
tar -C "$EXP" --owner=root --group=root -cf "$WORK/floor.tar" .

# ---------------------------------------------------------------------------------------------
# 4. The machines: fresh each drill, named after it, all on port MPORT in turn
# ---------------------------------------------------------------------------------------------
real_home_snapshot
machine_prepare() { # NAME ROOT: a machine as a cloud image gives it: Debian's own mirror left out (see the report)
  rm -f "$2/etc/apt/sources.list" "$2"/etc/apt/sources.list.d/*
  rm -rf "${2:?}"/var/lib/apt/lists/*
}
SSH_OPTS=(-i "$USER_KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KNOWN" -o StrictHostKeyChecking=yes -o BatchMode=yes)

# recovered NAME: every file (bytes, mode, owner), unit (active, enabled) and package (installed) as in Git, and the
# agent running; prints what is wrong
recovered() {
  local name=$1 r=${M_DIR[$1]}/root f want got bad=0
  while IFS= read -r f; do
    f=${f#"$EXP"}
    want=$(stat -c '%a %U' "$EXP$f")
    got=$(stat -c '%a %U' "$r$f" 2>/dev/null || echo missing)
    if ! cmp -s "$EXP$f" "$r$f" || [[ $got != "$want" ]]; then
      echo "file $f: $got (want $want, bytes $(cmp -s "$EXP$f" "$r$f" && echo same || echo differ))"; bad=1
    fi
  done < <(find "$EXP" -type f)
  got=$(mexec "$name" systemctl is-active -- "${UNITS[@]}" 2>&1 | grep -cx active || true)
  [[ $got == "$NSVC" ]] || { echo "units active: $got of $NSVC"; bad=1; }
  got=$(mexec "$name" systemctl is-enabled -- "${UNITS[@]}" 2>&1 | grep -cx enabled || true)
  [[ $got == "$NSVC" ]] || { echo "units enabled: $got of $NSVC"; bad=1; }
  got=$(mexec "$name" dpkg-query -W -f '${db:Status-Abbrev}\n' -- "${PACKAGES[@]}" 2>/dev/null | grep -c '^ii' || true)
  [[ $got == "$NSVC" ]] || { echo "packages installed: $got of $NSVC"; bad=1; }
  return $bad
}
agent_running() { [[ $(mexec "$1" systemctl is-active driftless-agent 2>/dev/null || true) == active ]]; }

STAMP_PY='import sys, time
t0 = time.time()
for line in sys.stdin:
    sys.stdout.write("%7.2f  %s" % (time.time() - t0, line))'
declare -A T
add() { T[$1]="${T[$1]:-} $2"; }
rawline() { printf '%-10s %-8s %-10s %9s s  rc=%s  cpu=%s s\n' "$1" "$2" "$3" "$LAST_SECS" "$LAST_RC" "$LAST_CPU" >>"$RAW"; }
{
  echo "# bench/dr-run.sh raw results, $(date -u +%Y-%m-%dT%H:%M:%SZ): $NSVC services, $NFILES files, one host"
  echo "# package $(basename "$DEB") (sha256 $DEB_SHA...), tree $TREE"
  echo "# root's real home in the machines: files ${HOME_FILES[*]:-(none)}; folders ${HOME_DIRS[*]:-(none)}"
  echo "# kind       run      step        wall time"
} >>"$RAW"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# drill KIND RUN: a fresh machine, (cold: caches dropped), bootstrap, check; then checks and bootstrap again
drill() {
  local kind=$1 run=$2 name=$1$2 boot0 out=$LOGS/$1$2.log brc crc total problems
  M_PORT[$name]=$MPORT
  boot0=$EPOCHREALTIME
  boot_machine "$name"
  add "$kind-boot" "$(awk -v a="$boot0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')"
  if [[ $kind == cold ]]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
  # each line of bootstrap's output with the seconds since it started, in the log: where the time goes
  run_timed "$out" bash -o pipefail -c 'py=$0 code=$1; shift; "$@" 2>&1 | "$py" -u -c "$code"' "$MEASURE_PY" "$STAMP_PY" \
    "${DRIFTLESS[@]}" bootstrap "ssh://root@127.0.0.1:$MPORT" --package "$DEB" --repo "$REPO_URL" \
    --host box --age-key "$AGE_KEY" --listen "127.0.0.1:$AGENT_PORT" --identity "$USER_KEY" --known-hosts "$KNOWN"
  rawline "$kind" "$run" bootstrap; brc=$LAST_RC; total=$LAST_SECS
  add "$kind-bootstrap" "$LAST_SECS"
  run_timed "$out" "${DRIFTLESS[@]}" check --repo "$R" --host box --known-hosts "$KNOWN" --age-key "$AGE_KEY"
  rawline "$kind" "$run" check; crc=$LAST_RC
  add "$kind-check" "$LAST_SECS"
  total=$(awk -v a="$total" -v b="$LAST_SECS" 'BEGIN { printf "%.3f", a + b }')
  add "$kind-total" "$total"
  printf '%-10s %-8s %-10s %9s s\n' "$kind" "$run" total "$total" >>"$RAW"
  { echo "== the agent's journal"; mexec "$name" journalctl -u driftless-agent -o short-precise --no-pager; } >>"$out" 2>&1 || true
  problems=$(recovered "$name" 2>&1) || true
  verify "$kind drill $run: bootstrap exit $brc, check exit $crc, every file, unit and package as in Git${problems:+ ($(head -3 <<<"$problems" | paste -sd';'))}" \
    '[[ $brc == 0 && $crc == 0 && -z $problems ]]'
  verify "$kind drill $run: the agent runs on the recovered machine" 'agent_running "$name"'
  run_timed "$out" "${DRIFTLESS[@]}" bootstrap "ssh://root@127.0.0.1:$MPORT" --package "$DEB" --repo "$REPO_URL" \
    --host box --age-key "$AGE_KEY" --listen "127.0.0.1:$AGENT_PORT" --identity "$USER_KEY" --known-hosts "$KNOWN"
  rawline "$kind" "$run" again
  add "$kind-again" "$LAST_SECS"
  verify "$kind drill $run: bootstrap again exits 0 and changes nothing" \
    '[[ $LAST_RC == 0 ]] && grep -q "^Nothing changed: this machine already is host box" <(tail -5 "$out")'
  if grep -qF -f "$WORK/secret-values" "$out"; then
    CHECKS+=("FAIL $kind drill $run: a secret appeared in Driftless's output ($out)")
  fi
  stop_machine "$name"
}

# floor RUN: the hand-written best case on a fresh machine: one SSH connection, the rendered files as one tar stream
floor() {
  local run=$1 name=floor$1 out=$LOGS/floor$1.log
  M_PORT[$name]=$MPORT
  boot_machine "$name"
  run_timed "$out" sh -c 'ssh "$@" <"$0"' "$WORK/floor.tar" "${SSH_OPTS[@]}" -p "$MPORT" root@127.0.0.1 \
    "tar -x --no-same-owner -C / && export DEBIAN_FRONTEND=noninteractive \
     && apt-get -qq update && apt-get -qq -y install ${PACKAGES[*]} >/dev/null && systemctl daemon-reload \
     && systemctl enable --now ${UNITS[*]}"
  rawline floor "$run" all
  add floor-total "$LAST_SECS"
  local problems; problems=$(recovered "$name" 2>&1) || true
  verify "floor $run: exit $LAST_RC, every file, unit and package in place${problems:+ ($(head -3 <<<"$problems" | paste -sd';'))}" \
    '[[ $LAST_RC == 0 && -z $problems ]]'
  stop_machine "$name"
}

for ((run = 1; run <= RUNS; run++)); do   # the kinds take turns, so that a slow spell of the machine hits all three
  log "drill $run of $RUNS: cold"; drill cold "$run"
  log "drill $run of $RUNS: warm"; drill warm "$run"
  log "drill $run of $RUNS: floor"; floor "$run"
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# 5. DR-RESULTS.md
# ---------------------------------------------------------------------------------------------
for k in cold-total cold-bootstrap cold-check cold-again cold-boot warm-total warm-bootstrap warm-check warm-again \
  warm-boot floor-total; do
  declare "MED_${k//-/_}=$(median "${T[$k]}")"
done
verify "cold: median bootstrap-to-check $MED_cold_total s, under the goal of $GOAL s" 'ge "$GOAL" "$MED_cold_total"'
verify "warm: median bootstrap-to-check $MED_warm_total s, under the goal of $GOAL s" 'ge "$GOAL" "$MED_warm_total"'
VERDICT=$(checks_verdict)
{
  echo "# Disaster-recovery drill: results"
  echo
  echo "Written by \`bench/dr-run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') at commit $GIT_HEAD$DIRTY; package"
  echo "\`$(basename "$DEB")\` (sha256 $DEB_SHA...). Verdict: **$VERDICT**. Raw: \`${RAW#"$BENCH_DIR"/}\`."
  echo
  echo "$NSVC services on one host, box: per service a package (a local apt repository over HTTP on 127.0.0.1, whose"
  echo "source list is a file of the repository), a systemd unit running the package's program (enabled, running), a"
  echo "rendered config and a static file, and every ${SECRET_EVERY}th a secret (age): $NFILES files, $NSVC units,"
  echo "$NSVC packages. Each drill takes a **fresh** Debian 12 machine (an empty overlay of the test tree booted by"
  echo "systemd-nspawn: systemd, sshd, no Java; root's real home and login shell) and times, from this machine:"
  echo "\`driftless bootstrap ssh://root@... --package ... --repo git://... --host box --age-key ...\` (copy and"
  echo "install the package, credentials, the first apply, the agent enabled and started, /healthz answered), then"
  echo "\`driftless check --host box\` over SSH until it exits 0. Cold: the page cache dropped just before bootstrap."
  echo "The floor is a hand-written script on another fresh machine over one SSH connection that already knows the"
  echo "rendered files (one tar stream, apt-get update and install, daemon-reload, enable --now): no tool can do less."
  echo "Medians of $RUNS drills each; the kinds take turns."
  echo
  echo "| | bootstrap | check | **bootstrap to check exit 0** | bootstrap again (no-op) | machine boot (not counted) |"
  echo "|---|---|---|---|---|---|"
  echo "| cold | $MED_cold_bootstrap s | $MED_cold_check s | **$MED_cold_total s** | $MED_cold_again s | $MED_cold_boot s |"
  echo "| warm | $MED_warm_bootstrap s | $MED_warm_check s | **$MED_warm_total s** | $MED_warm_again s | $MED_warm_boot s |"
  echo "| floor (hand-written, one SSH stream) | | | **$MED_floor_total s** | | |"
  echo
  echo "- Goal: under $GOAL s for $NSVC services, cold and warm (seed 000 rebuilt its machines in 15 minutes)."
  echo "- Driftless / floor: cold $(ratio "$MED_cold_total" "$MED_floor_total")x, warm $(ratio "$MED_warm_total" "$MED_floor_total")x"
  echo "  (the floor installs no agent, renders and decrypts nothing on the way, and checks nothing)."
  echo "- Every run: cold ${T[cold-total]# } s; warm ${T[warm-total]# } s; floor ${T[floor-total]# } s."
  echo "- Debian's own mirror is left out of the machines' apt sources, so that no drill measures the mirror: on a real"
  echo "  machine the first \`apt-get update\` also reads Debian's lists (about 10 s on a good line), in Driftless and"
  echo "  the floor alike."
  echo "- Load average: $LOAD_START at the start, $LOAD_END at the end."
  echo
  report_checks
  echo "- kernel: $(uname -r); machine: Debian tree \`$(basename "$TREE")\`"
} >"$RESULTS_MD"
log "wrote $RESULTS_MD: $VERDICT (cold $MED_cold_total s, warm $MED_warm_total s, floor $MED_floor_total s)"
[[ $VERDICT == PASS ]] || exit 2
