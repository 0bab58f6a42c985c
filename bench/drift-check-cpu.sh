#!/usr/bin/env bash
# Drift check CPU (issue 10, point 17): the CPU time (user+sys) of one quiet drift check of 1,000 files by
# the agent, in a warm JVM, next to `sha256sum` of the same 1,000 files (the cost of reading and hashing
# them once). Goal: the check costs less than sha256sum, i.e. it stats the files and reads none of them.
# Writes the section "Drift check CPU" of bench/AGENT-RESULTS.md (replacing an earlier one) and
# bench/results/drift-cpu-raw-<UTC date>.txt.
#
#   bash bench/drift-check-cpu.sh          # about a minute on 2 cores
#
# Environment (all optional):
#   DRIFT_BENCH_WARMUP=300     drift checks run before measuring (the JIT compiles the check)
#   DRIFT_BENCH_CHECKS=101     drift checks measured (median, p10, p90 reported)
#   DRIFT_BENCH_SHA_RUNS=31    sha256sum runs measured (after 5 unmeasured ones)
#   DRIFT_BENCH_JAR=target/driftless.jar   the build to measure (e.g. one of an older commit)
#   DRIFT_BENCH_WORK=/tmp/driftless-drift-bench   work directory (wiped at the start)
#   DRIFT_BENCH_BEFORE_JAR=     also measure this build (e.g. of the commit before the quiet check) as "before"
#   DRIFT_BENCH_BEFORE_NAME=    what to call it in the report (e.g. its commit)
# Anything but the defaults (or another jar) is a smoke run: its report goes to $DRIFT_BENCH_WORK.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
WARMUP=${DRIFT_BENCH_WARMUP:-300}
CHECKS=${DRIFT_BENCH_CHECKS:-101}
SHA_RUNS=${DRIFT_BENCH_SHA_RUNS:-31}
JAR=${DRIFT_BENCH_JAR:-$REPO_ROOT/target/driftless.jar}
WORK=${DRIFT_BENCH_WORK:-/tmp/driftless-drift-bench}
SERVICES=10
FILES_PER_SERVICE=100
FILE_BYTES=4096
# the JVM options bin/driftless gives the agent (less the class-data archive, which only speeds start-up)
AGENT_OPTS=(-XX:+UseSerialGC -Xms16m -Xmx512m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30)

log() { printf '[drift-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$WORK" in /|/tmp|/home|/root|"$REPO_ROOT"|"$REPO_ROOT"/*) die "refusing DRIFT_BENCH_WORK=$WORK";; esac
for v in WARMUP CHECKS SHA_RUNS; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"; done
command -v sha256sum >/dev/null || die "sha256sum (coreutils) is missing"
command -v python3 >/dev/null || die "python3 is missing"
if [[ ! -f $JAR ]]; then
  [[ $JAR == "$REPO_ROOT/target/driftless.jar" ]] || die "no jar at $JAR"
  log "building $JAR"
  (cd "$REPO_ROOT" && mvn -q -B -ntp -DskipTests package)
fi
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ $WARMUP == 300 && $CHECKS == 101 && $SHA_RUNS == 31 && $JAR == "$REPO_ROOT/target/driftless.jar" ]]; then
  RESULTS_MD=$BENCH_DIR/AGENT-RESULTS.md
  RAW=$BENCH_DIR/results/drift-cpu-raw-$STAMP.txt
else
  RESULTS_MD=$WORK/AGENT-RESULTS.md
  RAW=$WORK/drift-cpu-raw-$STAMP.txt
fi

rm -rf "$WORK"
mkdir -p "$WORK/repo" "$BENCH_DIR/results"
cp "$JAR" "$WORK/driftless.jar"   # a rebuild during the run cannot mix two builds

# 1. The workload: 10 services x 100 files of 4 KiB, every one different, deterministic
log "writing $SERVICES x $FILES_PER_SERVICE files of $FILE_BYTES bytes"
python3 - "$WORK/repo" "$SERVICES" "$FILES_PER_SERVICE" "$FILE_BYTES" <<'EOF'
import hashlib, os, sys
repo, services, per, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(os.path.join(repo, "driftless.yaml"), "w") as f:
    f.write("hosts:\n  bench:\n    address: local\n")
for s in range(services):
    d = os.path.join(repo, "services", f"svc-{s:02d}")
    os.makedirs(d)
    lines = ["hosts: [bench]", "files:"]
    for i in range(per):
        seed, text = f"{s}-{i}".encode(), ""
        while len(text) < size:
            seed = hashlib.sha256(seed).digest()
            text += "key_" + seed.hex()[:8] + " = " + seed.hex()[8:] + "\n"
        with open(os.path.join(d, f"file-{i:03d}.conf"), "w") as f:
            f.write(text[:size - 1] + "\n")
        lines += [f"  - path: /etc/bench/svc-{s:02d}/file-{i:03d}.conf", f"    source: file-{i:03d}.conf", '    mode: "0644"']
    with open(os.path.join(d, "service.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
EOF
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@localhost commit -q -m "1,000 files"

# 2. The drift checks, in one warm JVM
checks() {  # checks JAR OUT: one JVM, a fresh host root and agent state
  rm -rf "$WORK/root" "$WORK/state"
  log "agent ($(basename "$1")): apply, $WARMUP warm-up checks, $CHECKS measured checks"
  java "${AGENT_OPTS[@]}" -cp "$1" "$BENCH_DIR/DriftCheckCpu.java" "file://$WORK/repo" "$WORK" "$WARMUP" "$CHECKS" \
      > "$2" 2> "$WORK/harness.log" || { cat "$WORK/harness.log" >&2; die "the harness failed"; }
}
BEFORE_JAR=${DRIFT_BENCH_BEFORE_JAR:-}
if [[ -n $BEFORE_JAR ]]; then
  cp "$BEFORE_JAR" "$WORK/before.jar"
  checks "$WORK/before.jar" "$WORK/before.txt"
fi
checks "$WORK/driftless.jar" "$WORK/checks.txt"
count=$(find "$WORK/root/etc/bench" -type f | wc -l)
[[ $count == $((SERVICES * FILES_PER_SERVICE)) ]] || die "the agent wrote $count files, not $((SERVICES * FILES_PER_SERVICE))"
cmp -s "$WORK/root/etc/bench/svc-09/file-099.conf" "$WORK/repo/services/svc-09/file-099.conf" || die "the files differ from the repository"

# 3. sha256sum of the same files, one process over all of them, warm page cache
log "sha256sum: 5 + $SHA_RUNS runs"
python3 - "$WORK/root/etc/bench" "$SHA_RUNS" > "$WORK/sha.txt" <<'EOF'
import glob, resource, subprocess, sys, time
files = sorted(glob.glob(sys.argv[1] + "/*/*.conf"))
runs = int(sys.argv[2])
for i in range(5 + runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.monotonic_ns()
    subprocess.run(["sha256sum", *files], stdout=subprocess.DEVNULL, check=True)
    w1 = time.monotonic_ns()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if i >= 5:
        print("sha256sum", int(cpu * 1e9), w1 - w0)
EOF

# 4. Figures
read -r -a FIG < <(python3 - "$WORK/checks.txt" "$WORK/sha.txt" ${BEFORE_JAR:+"$WORK/before.txt"} <<'EOF'
import statistics, sys
checks = [l.split() for l in open(sys.argv[1]) if l.startswith("check ")]
sha = [l.split() for l in open(sys.argv[2]) if l.startswith("sha256sum ")]
def q(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
cpu = [int(c[1]) / 1e6 for c in checks]; alloc = [int(c[2]) / 2**20 for c in checks]; wall = [int(c[3]) / 1e6 for c in checks]
scpu = [int(s[1]) / 1e6 for s in sha]; swall = [int(s[2]) / 1e6 for s in sha]
m, sm = statistics.median(cpu), statistics.median(scpu)
before = [l.split() for l in open(sys.argv[3]) if l.startswith("check ")] if len(sys.argv) > 3 else []
bcpu = [int(c[1]) / 1e6 for c in before] or [0]; balloc = [int(c[2]) / 2**20 for c in before] or [0]
bwall = [int(c[3]) / 1e6 for c in before] or [0]
print(f"{statistics.median(bcpu):.2f} {q(bcpu,.1):.2f} {q(bcpu,.9):.2f} {statistics.median(balloc):.2f} "
      f"{statistics.median(bwall):.2f} {statistics.median(bcpu)/sm:.2f}", end=" ")
print(f"{m:.2f} {q(cpu,.1):.2f} {q(cpu,.9):.2f} {statistics.median(alloc):.2f} {statistics.median(wall):.2f} "
      f"{sm:.2f} {q(scpu,.1):.2f} {q(scpu,.9):.2f} {statistics.median(swall):.2f} {m/sm:.2f} {len(cpu)} {len(scpu)}")
EOF
)
BCPU=${FIG[0]}; BCPU10=${FIG[1]}; BCPU90=${FIG[2]}; BALLOC=${FIG[3]}; BWALL=${FIG[4]}; BRATIO=${FIG[5]}
FIG=("${FIG[@]:6}")
CPU=${FIG[0]}; CPU10=${FIG[1]}; CPU90=${FIG[2]}; ALLOC=${FIG[3]}; WALL=${FIG[4]}
SHA=${FIG[5]}; SHA10=${FIG[6]}; SHA90=${FIG[7]}; SHAWALL=${FIG[8]}; RATIO=${FIG[9]}
BEFORE_ROW=
if [[ -n $BEFORE_JAR ]]; then
  BEFORE_ROW="| drift check before, ${DRIFT_BENCH_BEFORE_NAME:-$(basename "$BEFORE_JAR")} (ratio $BRATIO) | $BCPU ms | $BCPU10 / $BCPU90 ms | $BWALL ms | $BALLOC MiB |"
fi
VERDICT=$(python3 -c "print('met' if $RATIO < 1 else 'NOT met')")
COMMIT=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "# drift check CPU, $STAMP, commit $COMMIT, jar $JAR"
  echo "# check: process CPU ns, bytes allocated by all threads, wall ns; sha256sum: CPU ns (rusage of the child), wall ns"
  cat "$WORK/checks.txt" "$WORK/sha.txt"
  [[ -z $BEFORE_JAR ]] || sed 's/^check /before /' "$WORK/before.txt"
} > "$RAW"

SECTION=$(cat <<EOF
<!-- drift-check-cpu: written by bench/drift-check-cpu.sh; a re-run replaces this section -->
## Drift check CPU (one quiet check of 1,000 files)

Run $STAMP (UTC), commit $COMMIT, $(nproc) cores. Goal: one quiet drift check costs less CPU than
\`sha256sum\` of the same files. **Goal $VERDICT: ratio $RATIO.**

| | CPU (user+sys), median | p10 / p90 | wall, median | allocated, median |
|---|---|---|---|---|
| drift check, agent, warm JVM | $CPU ms | $CPU10 / $CPU90 ms | $WALL ms | $ALLOC MiB |
$BEFORE_ROW
| \`sha256sum\` of the same 1,000 files | $SHA ms | $SHA10 / $SHA90 ms | $SHAWALL ms | |

- Workload: $SERVICES services x $FILES_PER_SERVICE files of $FILE_BYTES bytes ($((SERVICES * FILES_PER_SERVICE)) files,
  every one different), one host \`address: local\`, applied once by the agent; nothing changes afterwards.
- Drift check: \`bench/DriftCheckCpu.java\` runs one \`Agent\` in a JVM with the agent's options
  (\`${AGENT_OPTS[*]}\`), applies, waits 2.5 s (a stat is trusted once a file is 2 s old), runs $WARMUP warm-up
  checks, then $CHECKS measured ones. Each figure is read around \`Agent.checkDriftOnce()\`: CPU as the sum over
  every thread of its run time in \`/proc/self/task/*/schedstat\` (ns: the check's thread, the workers that
  stat the files, GC and JIT, so an upper bound of the check's own cost; \`getProcessCpuTime()\` counts in
  10 ms ticks here), allocation as the sum of
  \`ThreadMXBean.getThreadAllocatedBytes\` over all threads. The harness fails if a check adds a history row
  (the checks must be quiet).
- \`sha256sum\`: one process over all 1,000 files, page cache warm, 5 unmeasured then $SHA_RUNS measured runs;
  CPU is the child's user+sys from \`getrusage(RUSAGE_CHILDREN)\` (process start-up included, as a cron
  check would pay it).
- Raw figures: \`bench/results/$(basename "$RAW")\`.
<!-- /drift-check-cpu -->
EOF
)
python3 - "$RESULTS_MD" "$SECTION" <<'EOF'
import os, re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else ""
pattern = re.compile(r"<!-- drift-check-cpu:.*?<!-- /drift-check-cpu -->", re.S)
text = pattern.sub(lambda m: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
EOF
log "drift check $CPU ms CPU (p10 $CPU10, p90 $CPU90), $ALLOC MiB allocated; sha256sum $SHA ms; ratio $RATIO ($VERDICT)"
log "report: $RESULTS_MD; raw: $RAW"
