#!/usr/bin/env bash
# shellcheck disable=SC2034  # some variables are read only inside the conditions that verify() evals
# Driftless vs Ansible on services (issue 11, "Fast"): one Debian 12 host booted with systemd-nspawn (systemd as
# PID 1, its sshd on its own 127.0.0.1 port), reached over SSH as root with root's real home and login shell;
# a repository with one service holding 30 packages (tiny .debs from a local flat apt repository inside the
# machine) and 20 systemd units (`sleep infinity` services, enabled and running). Times the no-op apply (median
# of BENCH_RUNS, after a first apply converged) of `bin/driftless apply` and of `ansible-playbook` (apt + copy +
# systemd modules, pipelining on) in the same run, with the real home and with an empty one; counts the SSH
# sessions a Driftless no-op opens and logs the commands they run; times the cold first apply of both once; times
# floors (a JVM that starts and exits, an SSH login, a remote command over an open connection) and records each
# tool's CPU time on this side. Writes bench/SERVICES-RESULTS.md and bench/results/services-raw-<UTC date>.txt.
#
#   bash bench/services-run.sh                 # everything: 15 to 45 minutes on 2 cores, nearly all of it Ansible
#   BENCH_RUNS=3 bash bench/services-run.sh    # fewer timed runs per measure
#
# Environment (all optional):
#   BENCH_RUNS=10            timed no-op runs per tool and home (median reported)
#   BENCH_WARMUP=1           untimed no-op runs before each of those
#   BENCH_WORK=/tmp/driftless-bench-services   work directory (wiped at the start)
#   BENCH_PACKAGES=30, BENCH_UNITS=20          the workload; anything else is a smoke run whose report goes to
#                            $BENCH_WORK/SERVICES-RESULTS.md, never to bench/
#   BENCH_STEP_TIMEOUT=900   seconds any one timed command may take before it is killed (and counted as failed)
#   BENCH_JAVA_OPTS=""       extra JVM options for Driftless (as DRIFTLESS_JAVA_OPTS)
#   DRIFTLESS_TEST_CACHE=/var/cache/driftless-test   where scripts/debian-tree.sh caches its tree; this script
#                            caches beside it one more layer: python3 and python3-apt, which Ansible needs on a host
#
# Needs root (overlay mounts, systemd-nspawn, chroot), and Debian's mirror once: for the tree (scripts/debian-tree.sh)
# and the python3 layer. The machines are powered off, their overlays unmounted and Ansible's SSH master connections
# closed on exit (trap). Exit code: 0 = ran, the bar (20x) and the round-trip bar (2) pass and every check passes;
# 2 = ran but a bar or a check failed; 1 = the benchmark itself could not run.
set -euo pipefail
export LC_ALL=C.UTF-8   # Ansible refuses to run without a UTF-8 locale

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${BENCH_RUNS:-10}
WARMUP=${BENCH_WARMUP:-1}
WORK=${BENCH_WORK:-/tmp/driftless-bench-services}
NPKG=${BENCH_PACKAGES:-30}
NUNITS=${BENCH_UNITS:-20}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-900}
CACHE=${DRIFTLESS_TEST_CACHE:-/var/cache/driftless-test}
BAR=20      # Ansible no-op apply / Driftless no-op apply must be at least this (real home)
GOAL=100    # ... and the issue hopes for this
RT_BAR=2    # SSH round trips (remote commands) per host for a no-op, at most

log() { printf '[services-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
MACHINE_PREFIX=driftless-bench
# shellcheck source=bench/lib/machine.sh
source "$BENCH_DIR/lib/machine.sh"

(( BASH_VERSINFO[0] >= 5 )) || die "bash 5 or later is needed (EPOCHREALTIME)"
for v in RUNS NPKG NUNITS STEP_TIMEOUT; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"; done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a number"
((NPKG <= 99 && NUNITS <= 99)) || die "at most 99 packages and 99 units"
case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing BENCH_WORK=$WORK";; esac
[[ $(id -u) == 0 ]] || die "run as root: overlay mounts, systemd-nspawn and chroot need it"

RESULTS_DIR=$BENCH_DIR/results
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ $NPKG == 30 && $NUNITS == 20 ]]; then
  RESULTS_MD=$BENCH_DIR/SERVICES-RESULTS.md
  RAW=$RESULTS_DIR/services-raw-$STAMP.txt
else   # a smoke run leaves bench/ alone
  RESULTS_MD=$WORK/SERVICES-RESULTS.md
  RAW=$WORK/services-raw-$STAMP.txt
fi

# ---------------------------------------------------------------------------------------------
# 1. Tools (idempotent: installs only what is missing)
# ---------------------------------------------------------------------------------------------
missing=()
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
[[ -f $REPO_ROOT/target/driftless.jar ]] || command -v mvn >/dev/null || missing+=(maven)
command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
command -v dpkg-deb >/dev/null || missing+=(dpkg)
command -v dpkg-scanpackages >/dev/null || missing+=(dpkg-dev)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v nsenter >/dev/null || missing+=(util-linux)
command -v unshare >/dev/null || missing+=(util-linux)
command -v ansible-playbook >/dev/null || missing+=(ansible)   # what bench/run.sh and bench/ssh-run.sh install
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------------------------------------
# 2. Cleanup of everything this script starts or mounts
# ---------------------------------------------------------------------------------------------
CONTROL_DIR=$WORK/ansible-cp   # Ansible's SSH master connections (ControlPersist) live here
close_masters() {
  local s
  for s in "$CONTROL_DIR"/*; do
    [[ -S $s ]] && timeout 10 ssh -O exit -o ControlPath="$s" bench >/dev/null 2>&1 || true
  done
}
CHILD=
cleanup() {
  if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
  close_masters
  stop_all_machines
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf --one-file-system "$WORK"
mkdir -p "$WORK" "$RESULTS_DIR" "$CONTROL_DIR"
LOGS=$WORK/logs; mkdir -p "$LOGS"
: >"$RAW"

# ---------------------------------------------------------------------------------------------
# 3. The jar (bin/driftless builds it and trains its class-data archive)
# ---------------------------------------------------------------------------------------------
"$REPO_ROOT/bin/driftless" --version >/dev/null 2>"$LOGS/build.log" || die "bin/driftless could not build the jar (see $LOGS/build.log)"
JAR=$REPO_ROOT/target/driftless.jar
ARCHIVE=$(ls "$REPO_ROOT"/target/driftless-*.jsa 2>/dev/null | head -1 || true)
LAUNCHER_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off)
[[ -n $ARCHIVE ]] && LAUNCHER_OPTS+=(-XX:SharedArchiveFile="$ARCHIVE")
JAVA_OPTS_ARR=()
if [[ -n ${BENCH_JAVA_OPTS:-} ]]; then read -r -a JAVA_OPTS_ARR <<<"$BENCH_JAVA_OPTS"; fi
JAR_SHA=$(sha256sum "$JAR" | cut -c1-12)
JAR_DATE=$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')
GIT_HEAD=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "(none yet)")
DIRTY=; [[ -n "$(git -C "$REPO_ROOT" status --porcelain -- src/main pom.xml 2>/dev/null || true)" ]] && DIRTY=" plus uncommitted changes in src/main or pom.xml"
export DRIFTLESS_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
DRIFTLESS=("$REPO_ROOT/bin/driftless")

# ---------------------------------------------------------------------------------------------
# 4. The machine's file system: the cached Debian tree, plus a cached layer with what Ansible needs
# ---------------------------------------------------------------------------------------------
TREE=$(bash "$REPO_ROOT/scripts/debian-tree.sh" 2>"$LOGS/debian-tree.log" | tail -1) \
  || die "scripts/debian-tree.sh failed: $(tail -3 "$LOGS/debian-tree.log")"
[[ -d $TREE/usr ]] || die "scripts/debian-tree.sh printed no tree: $(tail -3 "$LOGS/debian-tree.log")"
# chroot_in DIR CMD...: CMD as root inside DIR, with its own /proc and /dev/pts (as DebianRoot.chroot does)
chroot_in() {
  local dir=$1; shift
  timeout -k 10 600 unshare --mount --pid --fork --kill-child --mount-proc="$dir/proc" sh -c \
    'mount -t devpts -o newinstance,ptmxmode=0666 devpts "$0/dev/pts" && exec chroot "$0" "$@"' "$dir" \
    env -i PATH="$MACHINE_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
# Ansible's modules need python3 on the host, and its apt module python3-apt: Debian's standard system has both
# (reportbug pulls in python3-apt). The tree has python3-minimal only, so this layer adds them, from Debian's mirror,
# once; it is cached beside the tree, keyed by the tree and the package list, and renamed into place when complete.
# The layer also empties apt's lists and sources: each machine gets the local repository as its only source, and
# the first apply of either tool must run apt-get update itself.
LAYER_PACKAGES="python3 python3-apt"
LAYER_PREPARED=1
LAYER=$CACHE/bench-services-layer-$(printf '%s\n' "$TREE" "$LAYER_PACKAGES" "$LAYER_PREPARED" | sha256sum | cut -c1-12)
if [[ ! -d $LAYER ]]; then
  exec 8>"$CACHE/.bench-services-layer.lock"
  flock 8
  if [[ ! -d $LAYER ]]; then
    log "building $LAYER: $LAYER_PACKAGES from Debian's mirror (once)"
    b=$CACHE/.bench-services-layer.$$.building
    rm -rf --one-file-system "$b"
    mkdir -p "$b/upper" "$b/work" "$b/root"
    MOUNTS+=("$b/root")
    mount -t overlay overlay -o "lowerdir=$TREE,upperdir=$b/upper,workdir=$b/work" "$b/root" \
      || die "cannot mount an overlay (overlayfs is needed for the machines)"
    chroot_in "$b/root" sh -c "apt-get -q update && apt-get -q -y install --no-install-recommends $LAYER_PACKAGES \
      && apt-get clean && rm -rf /var/lib/apt/lists/* && rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*" \
      >"$LOGS/layer.log" 2>&1 || die "installing $LAYER_PACKAGES into the layer failed: $(tail -3 "$LOGS/layer.log")"
    umount "$b/root"
    mv -T "$b/upper" "$LAYER"
    rm -rf --one-file-system "$b"
  fi
  flock -u 8
fi

# ---------------------------------------------------------------------------------------------
# 5. The workload: 30 .debs in a flat apt repository, 20 units, a Driftless repository, a playbook
# ---------------------------------------------------------------------------------------------
log "generating $NPKG packages and $NUNITS units in $WORK"
PACKAGES=() UNITS=()
for ((i = 1; i <= NPKG; i++)); do PACKAGES+=("$(printf 'bench-pkg-%02d' "$i")"); done
for ((i = 1; i <= NUNITS; i++)); do UNITS+=("$(printf 'bench-unit-%02d.service' "$i")"); done
mkdir -p "$WORK/apt" "$WORK/debs" "$WORK/units"
for p in "${PACKAGES[@]}"; do
  d=$WORK/debs/$p
  mkdir -p "$d/DEBIAN" "$d/usr/share/$p"
  printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: Driftless bench <bench@driftless.invalid>\nDescription: %s for bench/services-run.sh\n' \
    "$p" "$p" >"$d/DEBIAN/control"
  printf '%s: a tiny package of the Driftless services benchmark\n' "$p" >"$d/usr/share/$p/README"
  dpkg-deb --root-owner-group -Zgzip --build "$d" "$WORK/apt/${p}_1.0_all.deb" >/dev/null
done
(cd "$WORK/apt" && dpkg-scanpackages --multiversion . >Packages 2>"$LOGS/scanpackages.log") || die "dpkg-scanpackages failed"
for u in "${UNITS[@]}"; do
  printf '[Unit]\nDescription=Driftless services benchmark: %s\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n' \
    "${u%.service}" >"$WORK/units/$u"
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
M_PORT[dl]=$(free_port)
M_PORT[an]=$(free_port)
while [[ ${M_PORT[an]} == "${M_PORT[dl]}" ]]; do M_PORT[an]=$(free_port); done
USER_KEY=$WORK/user_key
KNOWN=$WORK/known_hosts
ssh-keygen -q -t ed25519 -N '' -C driftless-bench -f "$USER_KEY"
# every machine has the tree's host keys; all of them are listed, as ssh-keyscan lists them and as OpenSSH's
# UpdateHostKeys records them
for m in dl an; do
  for k in "$TREE"/etc/ssh/ssh_host_*_key.pub; do
    printf '[127.0.0.1]:%s %s\n' "${M_PORT[$m]}" "$(cut -d' ' -f1,2 "$k")" >>"$KNOWN"
  done
done

# Driftless: one host, one service with the packages and the units (unit files from the repository)
R=$WORK/repo
mkdir -p "$R/services/bench/units"
cp "$WORK"/units/*.service "$R/services/bench/units/"
cat >"$R/driftless.yaml" <<EOF
# services benchmark inventory (generated by bench/services-run.sh)
hosts:
  bench:
    address: ssh://root@127.0.0.1:${M_PORT[dl]}
    identity: $USER_KEY
EOF
{
  echo "description: $NPKG packages and $NUNITS units (bench/services-run.sh)"
  echo "hosts: [bench]"
  echo "packages:"
  for p in "${PACKAGES[@]}"; do echo "  - $p"; done
  echo "units:"
  for u in "${UNITS[@]}"; do
    printf '  - name: %s\n    source: units/%s\n    enabled: true\n    state: running\n' "$u" "$u"
  done
} >"$R/services/bench/service.yaml"
git -C "$R" init -q -b main
git -C "$R" add -A
git -C "$R" -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
  commit -q -m "services bench: $NPKG packages, $NUNITS units"
DARGS=(--repo "$R" --known-hosts "$KNOWN")

# Ansible: what a user writes for the same service: apt with the list, the unit files, the units
A=$WORK/ansible
mkdir -p "$A"
for m in dl an; do
  printf '[bench]\nbench ansible_host=127.0.0.1 ansible_port=%s ansible_user=root ansible_ssh_private_key_file=%s ansible_ssh_common_args='"'"'-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes'"'"' ansible_python_interpreter=/usr/bin/python3\n' \
    "${M_PORT[$m]}" "$USER_KEY" "$KNOWN" >"$A/hosts-$m.ini"
done
{
  echo "# the Ansible side of bench/services-run.sh: the same packages, unit files and units as the Driftless repository"
  echo "- hosts: bench"
  echo "  gather_facts: false"
  echo "  vars:"
  echo "    bench_packages:"
  for p in "${PACKAGES[@]}"; do echo "      - $p"; done
  echo "    bench_units:"
  for u in "${UNITS[@]}"; do echo "      - $u"; done
  cat <<EOF
  tasks:
    - name: packages
      ansible.builtin.apt:
        name: "{{ bench_packages }}"
        state: present
        update_cache: true
        cache_valid_time: 3600
    - name: unit files
      ansible.builtin.copy:
        src: "$R/services/bench/units/{{ item }}"
        dest: "/etc/systemd/system/{{ item }}"
        mode: "0644"
      loop: "{{ bench_units }}"
      notify: reload systemd
    - name: reload systemd before starting the units
      ansible.builtin.meta: flush_handlers
    - name: units enabled and running
      ansible.builtin.systemd:
        name: "{{ item }}"
        enabled: true
        state: started
      loop: "{{ bench_units }}"
  handlers:
    - name: reload systemd
      ansible.builtin.systemd:
        daemon_reload: true
EOF
} >"$A/site.yml"
ANSIBLE_ENV=(env -u ANSIBLE_CONFIG -u ANSIBLE_FORCE_COLOR ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=True
  ANSIBLE_SSH_CONTROL_PATH_DIR="$CONTROL_DIR")

# ---------------------------------------------------------------------------------------------
# 6. Machines: an overlay of tree + layer, booted by systemd-nspawn as SystemdMachine does
# ---------------------------------------------------------------------------------------------
real_home_snapshot
MACHINE_LOWER=$LAYER:$TREE
machine_prepare() { # NAME ROOT: what this benchmark adds to lib/machine.sh's machine
  local r=$2
  # VERBOSE: sshd logs "Starting session: command ..." for every remote command: the round trips counted below
  echo "LogLevel VERBOSE" >"$r/etc/ssh/sshd_config.d/10-bench.conf"
  mkdir -p "$r/srv/bench-apt"
  cp "$WORK"/apt/*.deb "$WORK/apt/Packages" "$r/srv/bench-apt/"
  echo "deb [trusted=yes] file:/srv/bench-apt ./" >"$r/etc/apt/sources.list.d/bench.list"
  # lists never updated: an old folder (the layer emptied it when it was built, which Ansible's cache_valid_time
  # would take for a fresh apt-get update)
  touch -d @0 "$r/var/lib/apt/lists"
}
SSH_BASE=(-i "$USER_KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KNOWN" -o StrictHostKeyChecking=yes -o BatchMode=yes)
SSH_OPTS=("${SSH_BASE[@]}" -o ControlMaster=no -o ControlPath=none)
mssh() { local name=$1; shift; timeout -k 5 60 ssh "${SSH_OPTS[@]}" -p "${M_PORT[$name]}" root@127.0.0.1 "$@"; }
# journal NAME PATTERN: lines of the machine's sshd log matching PATTERN (fixed string)
# (--sync first: every line logged before it is in the journal when it returns)
journal() { mexec "$1" journalctl --sync; mexec "$1" journalctl --no-pager -q -o cat -u ssh.service | { grep -cF -- "$2" || true; }; }
# unit_pids NAME: each unit's main PID and when it last became active (a restart changes both)
unit_pids() { mexec "$1" systemctl show -p Id,MainPID,ActiveEnterTimestampMonotonic -- "${UNITS[@]}" | tr '\n' ' '; }
# units_ok NAME: every unit active and enabled
units_ok() {
  local out
  out=$(mexec "$1" systemctl is-active -- "${UNITS[@]}" 2>&1; mexec "$1" systemctl is-enabled -- "${UNITS[@]}" 2>&1) || true
  [[ $(grep -cxE 'active|enabled' <<<"$out") == $((2 * NUNITS)) ]]
}
# packages_ok NAME: every package installed
packages_ok() {
  [[ $(mexec "$1" dpkg-query -W -f '${db:Status-Abbrev}\n' -- "${PACKAGES[@]}" 2>/dev/null | grep -c '^ii') == "$NPKG" ]]
}
# unit_files_ok NAME: the unit files hold the repository's bytes, mode 0644
unit_files_ok() {
  local u r=${M_DIR[$1]}/root
  for u in "${UNITS[@]}"; do
    cmp -s "$WORK/units/$u" "$r/etc/systemd/system/$u" && [[ $(stat -c %a "$r/etc/systemd/system/$u") == 644 ]] || return 1
  done
}
# files_state NAME: inode, size and mtime of the unit files; size of dpkg's log; mtime of apt's lists
files_state() {
  local r=${M_DIR[$1]}/root
  stat -c '%n %i %s %Y' "${UNITS[@]/#/$r/etc/systemd/system/}"
  stat -c 'dpkg.log %s' "$r/var/log/dpkg.log"
  find "$r/var/lib/apt/lists" -maxdepth 1 -type f -printf '%f %T@\n' | sort
}

# ---------------------------------------------------------------------------------------------
# 7. Timing helpers and checks (as bench/ssh-run.sh)
# ---------------------------------------------------------------------------------------------
declare -A TIMES RCS CPUS
LAST_SECS=0 LAST_RC=0
# CPU_NOW: the CPU time (user + system) of this shell's finished children, as bash's `times` prints it (its second
# line); written to a file by this shell itself: in $(...) a subshell would report its own children
children_cpu() { times >"$WORK/.times"; CPU_NOW=$(sed -n 2p "$WORK/.times"); }
cpu_seconds() { # "XmY.YYYs XmY.YYYs" before, the same after: the seconds between, user + system
  python3 -c 'import re, sys
def s(t): return sum(int(m) * 60 + float(x) for m, x in re.findall(r"(\d+)m([\d.]+)s", t))
print("%.2f" % (s(sys.argv[2]) - s(sys.argv[1])))' "$1" "$2"
}
# timed MEASURE RUN LOGFILE CMD...: whole-process wall time of CMD, killed after STEP_TIMEOUT s
timed() {
  local m=$1 run=$2 out=$3; shift 3
  local t0 t1 rc=0 c0 c1 cpu
  echo "== $m $run" >>"$out"
  children_cpu; c0=$CPU_NOW
  t0=$EPOCHREALTIME
  # in the background, so that a signal to this script is handled at once (cleanup stops CHILD)
  timeout -k 10 "$STEP_TIMEOUT" "$@" >>"$out" 2>&1 &
  CHILD=$!
  wait "$CHILD" || rc=$?
  t1=$EPOCHREALTIME
  CHILD=
  children_cpu; c1=$CPU_NOW
  cpu=$(cpu_seconds "$c0" "$c1")
  LAST_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
  LAST_RC=$rc
  printf '%-26s %-8s %10s s  rc=%s  cpu=%s s\n' "$m" "$run" "$LAST_SECS" "$rc" "$cpu" >>"$RAW"
  if [[ $run != warmup* ]]; then
    TIMES[$m]="${TIMES[$m]:-} $LAST_SECS"
    RCS[$m]="${RCS[$m]:-} $rc"
    CPUS[$m]="${CPUS[$m]:-} $cpu"
  fi
}
# repeat MEASURE LOGFILE CMD...: WARMUP untimed runs, then RUNS timed ones
repeat() {
  local m=$1 out=$2 i run; shift 2
  for ((i = 1; i <= WARMUP + RUNS; i++)); do
    run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
    timed "$m" "$run" "$out" "$@"
  done
}
# counted MACHINE MEASURE RUN LOGFILE CMD...: one timed run, counting in the machine's sshd log what it did over SSH
# (read before and after, outside the timing); a timed run's counts go to SESS_RUNS[MEASURE] and LOGIN_RUNS[MEASURE]
declare -A SESS_RUNS LOGIN_RUNS
counted() {
  local mc=$1 m=$2 run=$3 out=$4 a0 a1 s0 s1; shift 4
  a0=$(journal "$mc" "Accepted publickey"); s0=$(journal "$mc" "Starting session:")
  timed "$m" "$run" "$out" "$@"
  a1=$(journal "$mc" "Accepted publickey"); s1=$(journal "$mc" "Starting session:")
  printf '%-26s %-8s sessions=%s logins=%s\n' "$m" "$run" "$((s1 - s0))" "$((a1 - a0))" >>"$RAW"
  if [[ $run != warmup* ]]; then
    SESS_RUNS[$m]="${SESS_RUNS[$m]:-} $((s1 - s0))"
    LOGIN_RUNS[$m]="${LOGIN_RUNS[$m]:-} $((a1 - a0))"
  fi
}
# same_all "N N N": every number the same (prints it), else fails
same_all() { local v first=; for v in $1; do [[ -z $first ]] && first=$v; [[ $v == "$first" ]] || return 1; done; [[ -n $first ]] && echo "$first"; }
median() { python3 -c 'import statistics,sys; print("%.4f" % statistics.median(map(float, sys.argv[1:])))' $1; }
minmax() { python3 -c 'import sys; v=list(map(float, sys.argv[1:])); print("%.3f-%.3f" % (min(v), max(v)))' $1; }
ratio() { python3 -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
ge() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2"; }
CHECKS=()
verify() { if eval "$2"; then CHECKS+=("PASS $1"); else CHECKS+=("FAIL $1"); log "check failed: $1"; fi; }
all_rc() { local r; [[ -n "${2// /}" ]] || return 1; for r in $2; do [[ $r == "$1" ]] || return 1; done; }
recaps() { { grep -E '^bench +: ' "$LOGS/$1.log" || true; } | sed -E 's/ +/ /g'; }
# recaps_say MEASURE WHAT: every recap of MEASURE's log matches WHAT (e.g. " changed=0 ") and has no failure
recaps_say() {
  local n=0 line
  while IFS= read -r line; do
    [[ $line == *"$2"* && $line == *" unreachable=0 "* && $line == *" failed=0 "* ]] || return 1
    n=$((n + 1))
  done < <(recaps "$1")
  ((n > 0))
}
NOTES=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# bench/services-run.sh raw results, $(date -u +%Y-%m-%dT%H:%M:%SZ): one host (systemd-nspawn), $NPKG packages, $NUNITS units"
  echo "# sshd ports: Driftless's machine ${M_PORT[dl]}, Ansible's machine ${M_PORT[an]}; tree $TREE; layer $LAYER"
  echo "# root's real home in the machines: files ${HOME_FILES[*]:-(none)}; folders ${HOME_DIRS[*]:-(none)}"
  echo "# measure                  run      wall time    exit code"
} >>"$RAW"

# ---------------------------------------------------------------------------------------------
# 8. A machine for each tool, and each tool's cold apply on its fresh machine
# ---------------------------------------------------------------------------------------------
log "booting Driftless's machine (sshd on 127.0.0.1:${M_PORT[dl]}) and Ansible's (127.0.0.1:${M_PORT[an]})"
t0=$EPOCHREALTIME
boot_machine dl
BOOT_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
boot_machine an
MACHINE_SSHD=$(mexec dl dpkg-query -W -f '${Version}' openssh-server 2>/dev/null || echo "?")
MACHINE_SYSTEMD=$(mexec dl dpkg-query -W -f '${Version}' systemd 2>/dev/null || echo "?")
MACHINE_PY=$(mexec dl dpkg-query -W -f '${Version}' python3 2>/dev/null || echo "?")
ANSIBLE_RUN=(bash -c 'cd "$0" && exec "$@"' "$A" "${ANSIBLE_ENV[@]}" ansible-playbook -i hosts-an.ini site.yml)

log "Driftless cold apply: $NPKG packages installed, $NUNITS unit files written, enabled and started (one run)"
counted dl driftless-cold 1 "$LOGS/driftless-cold.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
D_COLD_LOGINS=${LOGIN_RUNS[driftless-cold]# } D_COLD_SESSIONS=${SESS_RUNS[driftless-cold]# }
verify "Driftless cold apply exits 0 (exit code:${RCS[driftless-cold]})" 'all_rc 0 "${RCS[driftless-cold]}"'
verify "Driftless cold apply went over SSH (logins: $D_COLD_LOGINS, remote commands: $D_COLD_SESSIONS)" '((D_COLD_LOGINS >= 1))'
verify "after Driftless's cold apply all $NPKG packages are installed" 'packages_ok dl'
verify "after Driftless's cold apply all $NUNITS units are active and enabled" 'units_ok dl'
verify "after Driftless's cold apply the $NUNITS unit files hold the repository's bytes, mode 0644" 'unit_files_ok dl'
packages_ok dl && units_ok dl || die "Driftless's cold apply did not converge the host; its output: $(tail -5 "$LOGS/driftless-cold.log")"

(cd "$A" && "${ANSIBLE_ENV[@]}" ansible-config dump --only-changed >"$LOGS/ansible.config" 2>&1) || true
ANS_CHANGED=$({ grep -vE '^(CONFIG_FILE\(\)|$)' "$LOGS/ansible.config" || true; } | tr '\n' ';' | sed 's/;$//')
verify "Ansible runs with pipelining on, and otherwise Ansible's defaults but colour and where its SSH masters live (\`ansible-config dump --only-changed\`: $ANS_CHANGED)" \
  'grep -q "^ANSIBLE_PIPELINING(env: ANSIBLE_PIPELINING) = True" "$LOGS/ansible.config" && grep -q "^CONFIG_FILE() = None" "$LOGS/ansible.config" \
   && ! grep -vE "^(CONFIG_FILE\(\)|ANSIBLE_NOCOLOR|ANSIBLE_PIPELINING|ANSIBLE_SSH_CONTROL_PATH_DIR|DEFAULT_SSH_CONTROL_PATH_DIR|$)" "$LOGS/ansible.config" | grep -q .'
log "Ansible cold apply (one run)"
counted an ansible-cold 1 "$LOGS/ansible-cold.log" "${ANSIBLE_RUN[@]}"
A_COLD_LOGINS=${LOGIN_RUNS[ansible-cold]# } A_COLD_SESSIONS=${SESS_RUNS[ansible-cold]# }
verify "Ansible cold apply exits 0 and changes (exit code:${RCS[ansible-cold]}; recap: $(recaps ansible-cold))" \
  'all_rc 0 "${RCS[ansible-cold]}" && recaps_say ansible-cold " changed="  && ! recaps_say ansible-cold " changed=0 "'
verify "after Ansible's cold apply all $NPKG packages are installed" 'packages_ok an'
verify "after Ansible's cold apply all $NUNITS units are active and enabled" 'units_ok an'
verify "after Ansible's cold apply the $NUNITS unit files hold the repository's bytes, mode 0644" 'unit_files_ok an'
packages_ok an && units_ok an || die "Ansible's cold apply did not converge the host; its output: $(tail -5 "$LOGS/ansible-cold.log")"

# ---------------------------------------------------------------------------------------------
# 9. The no-ops: real home, then empty home; within each, Driftless and Ansible take turns run by run, so that
#    both meet the same load from whatever else this shared machine runs
# ---------------------------------------------------------------------------------------------
declare -A NOTE_HOME PIDS0 STATE0
noops() { # HOME
  local h=$1 mc i run
  for mc in dl an; do
    use_home "$mc" "$h"
    NOTE_HOME[$mc-$h]=$(mssh "$mc" 'type -t pyenv || echo none' 2>&1 || true)
    PIDS0[$mc]=$(unit_pids "$mc"); STATE0[$mc]=$(files_state "$mc")
  done
  for ((i = 1; i <= WARMUP + RUNS; i++)); do
    run=$((i - WARMUP)); ((i <= WARMUP)) && run=warmup$i
    counted dl "driftless-noop-$h" "$run" "$LOGS/driftless-noop-$h.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
    counted an "ansible-noop-$h" "$run" "$LOGS/ansible-noop-$h.log" "${ANSIBLE_RUN[@]}"
  done
  P0=${PIDS0[dl]} S0=${STATE0[dl]} P1=$(unit_pids dl) S1=$(files_state dl)
  RC=${RCS[driftless-noop-$h]} OUT=$LOGS/driftless-noop-$h.log
  verify "Driftless no-op apply ($h home) exits 0 (exit codes:$RC)" 'all_rc 0 "$RC"'
  verify "Driftless no-op apply ($h home) says so: \"nothing to do\" in every run" \
    '[[ $(grep -c "^bench .*: nothing to do\.$" "$OUT") == $((WARMUP + RUNS)) ]]'
  verify "Driftless no-op apply ($h home) restarted no unit (same main PID and activation time for all $NUNITS)" \
    '[[ -n $P0 && $P0 == "$P1" ]]'
  verify "Driftless no-op apply ($h home) wrote no unit file, ran no dpkg and no apt-get update (same inode, size, mtime; dpkg.log and apt's lists unchanged)" \
    '[[ -n $S0 && $S0 == "$S1" ]]'
  P0=${PIDS0[an]} S0=${STATE0[an]} P1=$(unit_pids an) S1=$(files_state an)
  RC=${RCS[ansible-noop-$h]} M=ansible-noop-$h
  verify "Ansible no-op apply ($h home) exits 0 and changes nothing (exit codes:$RC; every recap changed=0)" \
    'all_rc 0 "$RC" && recaps_say "$M" " changed=0 "'
  verify "Ansible no-op apply ($h home) restarted no unit, wrote no unit file, ran no dpkg and no apt-get update" \
    '[[ -n $P0 && $P0 == "$P1" && $S0 == "$S1" ]]'
}
log "no-op applies, root's real home: $WARMUP warmup + $RUNS runs, Driftless and Ansible in turn"
noops real
log "no-op applies, empty home: $WARMUP warmup + $RUNS runs, Driftless and Ansible in turn"
noops empty
close_masters
log "powering off Ansible's machine"
stop_machine an
verify "root's real home is in effect over SSH for the real-home runs (\`type -t pyenv\`: ${NOTE_HOME[dl-real]}, ${NOTE_HOME[an-real]}), and not for the empty-home runs (${NOTE_HOME[dl-empty]}, ${NOTE_HOME[an-empty]})" \
  '[[ ${#HOME_FILES[@]} == 0 || ( ${NOTE_HOME[dl-real]} != "${NOTE_HOME[dl-empty]}" && ${NOTE_HOME[an-real]} != "${NOTE_HOME[an-empty]}" ) ]]'
[[ ${#HOME_FILES[@]} == 0 ]] && NOTES+=("this machine's root has no ~/.bashrc or ~/.profile: the \"real home\" runs used Debian's stock dotfiles too")

# ---------------------------------------------------------------------------------------------
# 10. On Driftless's machine: the commands of a no-op, the floors, and Ansible's view of it
# ---------------------------------------------------------------------------------------------
# The commands a no-op sends, in order: one more no-op (untimed) with a line in root's ~/.bashrc that logs
# what bash was asked to run (sshd runs every remote command as `bash -c COMMAND`, and bash reads ~/.bashrc first)
log "Driftless no-op apply once more, logging the remote commands"
use_home dl real
CMDLOG=/var/log/bench-remote-commands.log
rm -f "${M_DIR[dl]}/root$CMDLOG"
printf '\n[ -n "${BASH_EXECUTION_STRING:-}" ] && printf '"'"'%%s\\0'"'"' "$BASH_EXECUTION_STRING" >> %s\n' "$CMDLOG" \
  >>"${M_DIR[dl]}/root/root/.bashrc"
ses0=$(journal dl "Starting session:")
timed driftless-noop-traced 1 "$LOGS/driftless-noop-traced.log" "${DRIFTLESS[@]}" apply "${DARGS[@]}"
ses1=$(journal dl "Starting session:")
use_home dl real
cp "${M_DIR[dl]}/root$CMDLOG" "$WORK/remote-commands.bin" 2>/dev/null || : >"$WORK/remote-commands.bin"
TRACED_SESSIONS=$((ses1 - ses0))
D_RT=$(same_all "${SESS_RUNS[driftless-noop-real]} ${SESS_RUNS[driftless-noop-empty]} $TRACED_SESSIONS" || echo "?")
D_LOGINS=$(same_all "${LOGIN_RUNS[driftless-noop-real]} ${LOGIN_RUNS[driftless-noop-empty]}" || echo "?")
python3 - "$WORK/remote-commands.bin" "$WORK/remote-commands.tsv" <<'PY'
# one line per remote command: its number, its size in bytes, what it is for, its first 110 characters
import re, sys
raw = open(sys.argv[1], "rb").read().decode("utf-8", "replace").split("\0")
cmds = [c for c in raw if c]
# what a command does, by what it contains: every pattern that matches, in this order
PURPOSES = [
    (r"flock .*LOCKED", "takes the apply lock (held until the apply ends)"),
    (r"head -c", "reads a file (the host state, /var/lib/driftless/state/HOST.json)"),
    (r"stat --printf", "stats files (the paths come on stdin)"),
    (r"sha256sum", "hashes the files whose stat is not the recorded one"),
    (r"dpkg-query", "reads the packages (dpkg-query, apt-cache policy)"),
    (r"systemctl show", "reads the units (systemctl show)"),
    (r"getent", "looks up users and groups"),
    (r"\.\*\.driftless-tmp", "looks for temporary files an interrupted write left"),
    (r"systemd-analyze", "verifies unit files (systemd-analyze verify)"),
    (r"readlink -z", "reads symbolic links"),
    (r'cat >> "\$t"', "writes a file (temporary file, sync, rename)"),
    (r"apt-get", "installs or removes packages (apt-get)"),
    (r"systemctl (daemon-reload|unmask|enable|disable|start|stop|restart|reload)", "changes units (systemctl)"),
]
def purpose(c):
    return "; ".join(text for pattern, text in PURPOSES if re.search(pattern, c, re.S)) or "other"
with open(sys.argv[2], "w") as out:
    for i, c in enumerate(cmds, 1):
        head = re.sub(r"\s+", " ", c)[:110].replace("|", "\\|").replace("`", "'")
        out.write("%d\t%d\t%s\t%s\n" % (i, len(c.encode()), purpose(c), head))
PY
mapfile -t TRACE <"$WORK/remote-commands.tsv"
{
  echo "# remote commands of one traced Driftless no-op apply (number, bytes, purpose, start), from root's ~/.bashrc:"
  printf '%s\n' "${TRACE[@]}"
  echo "# full text of each, NUL-separated, in $WORK/remote-commands.bin (not kept)"
} >>"$RAW"
verify "the command log saw every remote command of the traced no-op (sshd sessions: $TRACED_SESSIONS, logged: ${#TRACE[@]})" \
  '[[ $TRACED_SESSIONS == "${#TRACE[@]}" ]]'
verify "every Driftless no-op sent the same number of remote commands over one SSH connection (sessions per timed run, real home:${SESS_RUNS[driftless-noop-real]}; empty home:${SESS_RUNS[driftless-noop-empty]}; traced run: $TRACED_SESSIONS; connections per run:${LOGIN_RUNS[driftless-noop-real]}${LOGIN_RUNS[driftless-noop-empty]})" \
  '[[ $D_RT != "?" && $D_LOGINS == 1 ]]'

rc=0; timeout -k 10 "$STEP_TIMEOUT" "${DRIFTLESS[@]}" check "${DARGS[@]}" >"$LOGS/driftless-check.log" 2>&1 || rc=$?
verify "Driftless check after the no-ops exits 0: no drift (got $rc)" '[[ $rc == 0 ]]'

# the ssh floor: an OpenSSH login that runs `true`, a new connection each time, both homes
log "floor: ssh login + true, real and empty home: $WARMUP warmup + $RUNS runs each"
for h in real empty; do
  use_home dl "$h"
  repeat "ssh-floor-$h" "$LOGS/ssh-floor-$h.log" ssh "${SSH_OPTS[@]}" -p "${M_PORT[dl]}" root@127.0.0.1 true
  RC=${RCS[ssh-floor-$h]}
  verify "ssh floor ($h home) exits 0 (exit codes:$RC)" 'all_rc 0 "$RC"'
done
log "floor: JVM start + exit: $WARMUP warmup + $RUNS runs"
repeat jvm-floor "$LOGS/jvm-floor.log" java "${LAUNCHER_OPTS[@]}" "${JAVA_OPTS_ARR[@]}" -cp "$JAR" dev.driftless.cli.Noop
RC=${RCS[jvm-floor]}
verify "JVM floor exits 0 (exit codes:$RC)" 'all_rc 0 "$RC"'

# the per-command floor: $FLOOR_CMDS commands (`true`) one after the other over one OpenSSH connection (a master
# connection, then one `ssh -S` client per command): what each remote command costs, the connection set up once
FLOOR_CMDS=10
SOCK=$CONTROL_DIR/floor.sock   # closed on exit with Ansible's
cmd_floor() { local i; for ((i = 0; i < FLOOR_CMDS; i++)); do ssh -S "$SOCK" -p "${M_PORT[dl]}" root@127.0.0.1 true || return 1; done; }
log "floor: $FLOOR_CMDS remote commands over one connection, real and empty home: $WARMUP warmup + $RUNS runs each"
for h in real empty; do
  use_home dl "$h"
  timeout 60 ssh "${SSH_BASE[@]}" -o ControlMaster=yes -o ControlPath="$SOCK" -o ControlPersist=no -N -f -p "${M_PORT[dl]}" root@127.0.0.1 \
    || die "cannot open an SSH master connection to Driftless's machine"
  repeat "cmd-floor-$h" "$LOGS/cmd-floor-$h.log" bash -c "$(declare -p SOCK FLOOR_CMDS M_PORT); $(declare -f cmd_floor); cmd_floor"
  timeout 10 ssh -S "$SOCK" -O exit bench >/dev/null 2>&1 || true
  RC=${RCS[cmd-floor-$h]}
  verify "command floor ($h home) exits 0 (exit codes:$RC)" 'all_rc 0 "$RC"'
done
use_home dl real

# Both tools describe the same state: Ansible's playbook finds nothing to do on the machine Driftless converged
log "Ansible on Driftless's machine (one untimed run): it must find nothing to change"
P0=$(unit_pids dl)
rc=0; (cd "$A" && timeout -k 10 "$STEP_TIMEOUT" "${ANSIBLE_ENV[@]}" ansible-playbook -i hosts-dl.ini site.yml) \
  >"$LOGS/ansible-on-driftless.log" 2>&1 || rc=$?
verify "Ansible's playbook changes nothing on the machine Driftless converged (exit $rc; recap: $(recaps ansible-on-driftless))" \
  '[[ $rc == 0 ]] && recaps_say ansible-on-driftless " changed=0 " && [[ $P0 == "$(unit_pids dl)" ]]'
close_masters
JAR_SHA_AFTER=$(sha256sum "$JAR" | cut -c1-12)
verify "the jar was not rebuilt while Driftless was measured (sha256 $JAR_SHA... before, $JAR_SHA_AFTER... after)" \
  '[[ $JAR_SHA_AFTER == "$JAR_SHA" ]]'
log "powering off Driftless's machine"
stop_machine dl

# ---------------------------------------------------------------------------------------------
# 11. SERVICES-RESULTS.md
# ---------------------------------------------------------------------------------------------
for m in driftless-noop-real driftless-noop-empty ansible-noop-real ansible-noop-empty ssh-floor-real ssh-floor-empty \
    cmd-floor-real cmd-floor-empty jvm-floor; do
  declare "MED_${m//-/_}=$(median "${TIMES[$m]}")" "RANGE_${m//-/_}=$(minmax "${TIMES[$m]}")" \
    "CPU_${m//-/_}=$(median "${CPUS[$m]}")"
done
D_COLD=${TIMES[driftless-cold]# } A_COLD=${TIMES[ansible-cold]# }
R_REAL=$(ratio "$MED_ansible_noop_real" "$MED_driftless_noop_real")
R_EMPTY=$(ratio "$MED_ansible_noop_empty" "$MED_driftless_noop_empty")
R_COLD=$(ratio "$A_COLD" "$D_COLD")
CORRECT=PASS
for c in "${CHECKS[@]}"; do [[ $c == FAIL* ]] && CORRECT=FAIL; done
VERDICT=FAIL; ge "$R_REAL" "$BAR" && VERDICT=PASS
GOAL_MET=no; ge "$R_REAL" "$GOAL" && GOAL_MET=yes
RT_VERDICT=FAIL; [[ $D_RT =~ ^[0-9]+$ ]] && ((D_RT <= RT_BAR)) && RT_VERDICT=PASS
shown() { if [[ $CORRECT == FAIL ]]; then echo "INVALID (would be $1; a check failed)"; else echo "$1"; fi; }
A_RT=$(median "${SESS_RUNS[ansible-noop-real]}") A_LOGINS=$(median "${LOGIN_RUNS[ansible-noop-real]}")
A_RT=${A_RT%.0000} A_LOGINS=${A_LOGINS%.0000}
BASHRC_COST=$(python3 -c "print('%.2f' % (($MED_cmd_floor_real - $MED_cmd_floor_empty) / $FLOOR_CMDS))")
PER_CMD_REAL=$(python3 -c "print('%.3f' % ($MED_cmd_floor_real / $FLOOR_CMDS))")
PER_CMD_EMPTY=$(python3 -c "print('%.3f' % ($MED_cmd_floor_empty / $FLOOR_CMDS))")
if [[ $D_RT =~ ^[0-9]+$ ]]; then
  D_RT_COST=$(python3 -c "print('%.1f' % ($D_RT * $PER_CMD_REAL))")
  D_RT_SHARE=$(python3 -c "print('%.0f' % (100 * $D_RT * $PER_CMD_REAL / $MED_driftless_noop_real))")
  D_AT_BAR=$(python3 -c "print('%.1f' % max(0.1, $MED_driftless_noop_real - ($D_RT - $RT_BAR) * $PER_CMD_REAL))")
  R_AT_BAR=$(ratio "$MED_ansible_noop_real" "$D_AT_BAR")
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_END at the end" >>"$RAW"
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
# shellcheck disable=SC2086
JAVA_V=$(java ${DRIFTLESS_JAVA_OPTS} -version 2>&1 | sed -n 2p)
ANS_V=$(ansible --version 2>/dev/null | head -1 || true)
SSH_V=$(ssh -V 2>&1)
RAW_REL=${RAW#"$REPO_ROOT"/}
{
  echo "# Driftless vs Ansible on services: benchmark results"
  echo
  echo "Generated by \`bash bench/services-run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Raw per-run timings and the remote"
  echo "commands of a no-op: \`$RAW_REL\`."
  echo "Workload: one Debian 12 host (systemd as PID 1 under systemd-nspawn, reached over SSH as root on 127.0.0.1),"
  echo "one service with $NPKG packages (tiny .debs from a flat apt repository inside the machine) and $NUNITS systemd units"
  echo "(\`sleep infinity\` services, unit files from the repository, enabled and running)."
  echo
  echo "## Verdict"
  echo
  echo "| bar | value | needed | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| Ansible no-op apply / Driftless no-op apply, root's real home | ${R_REAL}x | >= ${BAR}x (goal ${GOAL}x) | **$(shown $VERDICT)** (goal met: $GOAL_MET) |"
  echo "| SSH round trips (remote commands) per host for a Driftless no-op | $D_RT | <= $RT_BAR | **$(shown $RT_VERDICT)** |"
  echo "| correctness checks below | | all pass | **$CORRECT** |"
  echo
  echo "## Medians (whole-process wall time, seconds)"
  echo
  echo "| measure | Driftless | range | Ansible (pipelining) | range | Ansible / Driftless |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  echo "| no-op apply, root's real home (median of $RUNS) | $MED_driftless_noop_real | $RANGE_driftless_noop_real | $MED_ansible_noop_real | $RANGE_ansible_noop_real | **${R_REAL}x** |"
  echo "| no-op apply, empty home (median of $RUNS) | $MED_driftless_noop_empty | $RANGE_driftless_noop_empty | $MED_ansible_noop_empty | $RANGE_ansible_noop_empty | ${R_EMPTY}x |"
  echo "| cold apply: fresh machine, $NPKG packages installed, $NUNITS units written, enabled, started (1 run) | $D_COLD | | $A_COLD | | ${R_COLD}x |"
  echo
  echo "| floor (median of $RUNS) | real home | empty home |"
  echo "| --- | ---: | ---: |"
  echo "| OpenSSH login running \`true\` (a new connection each time) | $MED_ssh_floor_real ($RANGE_ssh_floor_real) | $MED_ssh_floor_empty ($RANGE_ssh_floor_empty) |"
  echo "| $FLOOR_CMDS remote commands (\`true\`) one after the other over one open connection (\`ssh -S\`) | $MED_cmd_floor_real ($RANGE_cmd_floor_real) | $MED_cmd_floor_empty ($RANGE_cmd_floor_empty) |"
  echo "| so one remote command costs | $PER_CMD_REAL | $PER_CMD_EMPTY |"
  echo "| JVM start + exit (\`java <the launcher's options> -cp <jar> dev.driftless.cli.Noop\`) | $MED_jvm_floor ($RANGE_jvm_floor) | |"
  echo
  echo "CPU time on this machine's side (user + system of the tool's processes: Driftless's JVM; \`ansible-playbook\`, its"
  echo "workers and ssh clients), median, seconds; the host's side (sshd, bash, the modules) is not in it:"
  echo
  echo "| measure | Driftless | Ansible | Ansible / Driftless |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| no-op apply, real home | $CPU_driftless_noop_real | $CPU_ansible_noop_real | $(ratio "$CPU_ansible_noop_real" "$CPU_driftless_noop_real")x |"
  echo "| no-op apply, empty home | $CPU_driftless_noop_empty | $CPU_ansible_noop_empty | $(ratio "$CPU_ansible_noop_empty" "$CPU_driftless_noop_empty")x |"
  echo "| cold apply | ${CPUS[driftless-cold]# } | ${CPUS[ansible-cold]# } | $(ratio "${CPUS[ansible-cold]# }" "${CPUS[driftless-cold]# }")x |"
  echo
  echo "Root's real home costs about ${BASHRC_COST} s per remote command here: sshd runs each command as \`bash -c\`, and"
  echo "Debian's bash reads \`~/.bashrc\` first when sshd starts it; this machine's runs \`pyenv init\` and \`pyenv virtualenv-init\`."
  echo "Driftless opened $D_LOGINS SSH connection and sent $D_RT remote commands per no-op (every run); Ansible opened $A_LOGINS new"
  echo "connection(s) (it keeps a master connection open between runs: ControlPersist) and sent $A_RT remote commands per no-op"
  echo "(median over the timed real-home runs). Counted in the machines' sshd logs between runs: \"Accepted publickey\" and"
  echo "\"Starting session\" lines."
  echo "The cold applies sent $D_COLD_SESSIONS (Driftless) and $A_COLD_SESSIONS (Ansible) remote commands."
  if [[ -n ${D_RT_COST:-} ]]; then
    echo
    echo "Where a Driftless no-op's time goes: its $D_RT remote commands cost about $D_RT x $PER_CMD_REAL = ${D_RT_COST} s of its"
    echo "${MED_driftless_noop_real} s (${D_RT_SHARE} %) at the measured cost of one command with the real home; its JVM used"
    echo "$CPU_driftless_noop_real s of CPU on this side, where a JVM that starts and exits takes $MED_jvm_floor s."
    if ((D_RT > RT_BAR)); then
      echo "With $RT_BAR commands, the rest unchanged, it would take about ${D_AT_BAR} s: ${R_AT_BAR}x against this run's Ansible"
      echo "(an estimate, not a measurement)."
    fi
  fi
  echo
  echo "## SSH round trips of a Driftless no-op"
  echo
  echo "The issue's bar is at most $RT_BAR round trips per host for a no-op. Each remote command is one SSH channel (open,"
  echo "exec, output, exit status): one round trip at least. One more no-op, untimed, logged every command that bash was asked"
  echo "to run (a line in root's \`~/.bashrc\` appending \`\$BASH_EXECUTION_STRING\` to a file; sshd's log agreed: $TRACED_SESSIONS sessions)."
  echo "In the order they were sent:"
  echo
  echo "| # | bytes | what it does | how it begins |"
  echo "| ---: | ---: | --- | --- |"
  for line in "${TRACE[@]}"; do
    IFS=$'\t' read -r n bytes what head <<<"$line"
    echo "| $n | $bytes | $what | \`$head\` |"
  done
  echo
  if [[ $RT_VERDICT == FAIL ]]; then
    echo "More than $RT_BAR: the product code was left as it is; the list above is what a no-op sends, for merging."
    echo
  fi
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
  echo "- memory: $MEM"
  echo "- load average (1, 5, 15 min) from other work on this shared machine: $LOAD_START when the run started, $LOAD_END at its end"
  echo "- kernel: $(uname -sr)"
  echo "- java: $JAVA_V${BENCH_JAVA_OPTS:+ (options: \`$BENCH_JAVA_OPTS\`)}"
  echo "- jar: \`target/driftless.jar\`, built $JAR_DATE, sha256 $JAR_SHA..., source tree at commit $GIT_HEAD$DIRTY when the run started"
  echo "- ansible: $ANS_V (the controller; python3 $MACHINE_PY and python3-apt on the host)"
  echo "- OpenSSH client: $SSH_V; on the host: openssh-server $MACHINE_SSHD, systemd $MACHINE_SYSTEMD"
  echo "- the host: \`${TREE}\` (scripts/debian-tree.sh) plus \`${LAYER}\` (python3, python3-apt), as an overlay"
  echo "  per machine; booted in ${BOOT_S} s"
  echo "- root's real home on the host: from this machine's /root, $(printf '`%s` ' "${HOME_FILES[@]}")copied$( ((${#HOME_DIRS[@]})) && printf ', %s' "$(printf '`%s` ' "${HOME_DIRS[@]}")mounted (overlays of a hard-linked snapshot)")"
  echo
  echo "## What ran"
  echo
  echo "- **The host**: \`systemd-nspawn --boot --register=no --keep-unit --link-journal=no\` (as the tests' SystemdMachine) of"
  echo "  an overlay of the cached Debian 12 tree and a layer with python3 and python3-apt (Debian's standard system has both;"
  echo "  Ansible needs them). It shares this machine's network; its own sshd listens on a free 127.0.0.1 port"
  echo "  (\`sshd_config.d/00-port.conf\`), lets root in with one generated key, logs at \`LogLevel VERBOSE\`. Its only apt source is"
  echo "  \`deb [trusted=yes] file:/srv/bench-apt ./\` ($NPKG .debs built by \`dpkg-deb\`, indexed by \`dpkg-scanpackages\`), its apt"
  echo "  lists start empty. Each tool gets a fresh machine of its own for its cold apply, then runs its no-ops there;"
  echo "  both machines run side by side (idle but for the 20 \`sleep\` units each)."
  echo "- **Root's home**: \"real\": root's login shell is bash, and its \`~/.bashrc\` and \`~/.profile\` are this machine's root's;"
  echo "  what they name under /root (${HOME_DIRS[*]:-nothing}) is mounted in as an overlay, so \`pyenv init\` runs as it does here."
  echo "  \"Empty\": Debian's stock root dotfiles (comments only), what \`bench/ssh-run.sh\` calls a clean home."
  echo "- **Driftless**: \`bin/driftless apply --repo \$WORK/repo --known-hosts \$WORK/known_hosts\` on a committed repository:"
  echo "  one host \`bench\` (\`address: ssh://root@127.0.0.1:PORT\`, \`identity:\`), one service with \`packages:\` (the $NPKG names)"
  echo "  and \`units:\` ($NUNITS entries: \`source: units/NAME\`, \`enabled: true\`, \`state: running\`)."
  echo "- **Ansible**: \`ansible-playbook -i hosts.ini site.yml\`, \`gather_facts: false\`, \`ansible_python_interpreter=/usr/bin/python3\`,"
  echo "  \`ANSIBLE_PIPELINING=True\`, \`ANSIBLE_NOCOLOR=1\`, SSH masters under \$WORK (\`ANSIBLE_SSH_CONTROL_PATH_DIR\`), no"
  echo "  ansible.cfg. The play: \`apt\` with the $NPKG names (\`state: present\`, \`update_cache: true\`, \`cache_valid_time: 3600\`),"
  echo "  \`copy\` of the $NUNITS unit files from the Driftless repository (a loop; notifies a \`systemd: daemon_reload\` handler,"
  echo "  flushed before the units), \`systemd\` with \`enabled: true\`, \`state: started\` (a loop over the $NUNITS units)."
  echo "  Back-to-back runs reuse the SSH master connection the previous one left open (ControlPersist=60s), as they would."
  echo "- **No-op**: after both cold applies converged, $WARMUP untimed warmup run(s) then $RUNS timed, with the real home, then"
  echo "  the same with the empty home; Driftless and Ansible take turns run by run (one Driftless no-op, one Ansible no-op, ...),"
  echo "  so that both meet the same load from other work on this machine. Checked: exit codes, unit main PIDs and activation times, unit"
  echo "  files' inode/size/mtime, dpkg's log and apt's lists all unchanged; Driftless prints \"nothing to do\", Ansible \`changed=0\`."
  echo "- Timing: bash \`\$EPOCHREALTIME\` around each whole process, output to a log file."
  echo
  echo "## Rerun"
  echo
  echo '```'
  echo 'bash bench/services-run.sh                 # 15 to 45 minutes on 2 cores (more when they are busy), nearly all Ansible'
  echo 'BENCH_RUNS=3 bash bench/services-run.sh    # fewer timed runs'
  echo '```'
  echo
  echo "Run as root. The Debian tree and the python3 layer are built once (Debian's mirror) and cached in $CACHE."
} >"$RESULTS_MD"

log "wrote $RESULTS_MD and $RAW"
log "no-op: Ansible / Driftless ${R_REAL}x real home (>= $BAR: $VERDICT), ${R_EMPTY}x empty home; round trips per no-op: $D_RT (<= $RT_BAR: $RT_VERDICT); checks: $CORRECT"
[[ $VERDICT == PASS && $RT_VERDICT == PASS && $CORRECT == PASS ]] || exit 2
exit 0
