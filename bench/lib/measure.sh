# shellcheck shell=bash
# What bench scripts share: the tools they install, CPU time of a timed child, medians and ratios, checks, and the
# report's closing sections. Sourced (`source "$BENCH_DIR/lib/measure.sh"`) once the script has defined log();
# run_timed also needs $WORK.
# bench/compose-run.sh and bench/dashboard-run.sh use it (the older scripts still carry copies of their own).
MEASURE_PY=${MEASURE_PY:-/usr/bin/python3}   # not a pyenv shim: these helpers run often

# install_missing PROGRAM:PACKAGE... [PACKAGE...]: one apt-get install of every PACKAGE whose PROGRAM (a command name or
# an absolute path) is not there, and of every bare PACKAGE named
install_missing() {
  local want pkgs=()
  for want in "$@"; do
    if [[ $want != *:* ]]; then pkgs+=("$want"); elif ! command -v "${want%%:*}" >/dev/null; then pkgs+=("${want#*:}"); fi
  done
  ((${#pkgs[@]})) || return 0
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  log "installing: ${pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

# run_timed LOGFILE CMD...: runs CMD (killed after STEP_TIMEOUT s, default 600), its output appended to LOGFILE, and
# sets LAST_SECS (whole-process wall time), LAST_RC and LAST_CPU (user + system seconds of CMD and every child it
# waited for). CMD runs in the background meanwhile, its pid in CHILD, so that a trap can stop it at once.
run_timed() {
  local out=$1 t0 t1 c0; shift
  LAST_RC=0
  children_cpu; c0=$CPU_NOW
  t0=$EPOCHREALTIME
  timeout -k 10 "${STEP_TIMEOUT:-600}" "$@" >>"$out" 2>&1 &
  CHILD=$!
  wait "$CHILD" || LAST_RC=$?
  t1=$EPOCHREALTIME
  CHILD=
  children_cpu
  LAST_CPU=$(cpu_seconds "$c0" "$CPU_NOW")
  LAST_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
}
# children_cpu: CPU_NOW = the CPU time (user + system) of this shell's finished children, as bash's `times` prints it
# (its second line); written to a file by this shell itself: in $(...) a subshell would report its own children
children_cpu() { times >"$WORK/.times"; CPU_NOW=$(sed -n 2p "$WORK/.times"); }
# cpu_seconds BEFORE AFTER: two CPU_NOW values ("XmY.YYYs XmY.YYYs"), the seconds between, user + system
cpu_seconds() {
  "$MEASURE_PY" -c 'import re, sys
def s(t): return sum(int(m) * 60 + float(x) for m, x in re.findall(r"(\d+)m([\d.]+)s", t))
print("%.2f" % (s(sys.argv[2]) - s(sys.argv[1])))' "$1" "$2"
}

# median "N N N", minmax "N N N", ratio A B, ge A B; "n/a" values are left out of a median and make a ratio n/a
median() { "$MEASURE_PY" -c 'import statistics, sys
v = [float(x) for x in sys.argv[1:] if x != "n/a"]
print("%.3f" % statistics.median(v) if v else "n/a")' $1; }
minmax() { "$MEASURE_PY" -c 'import sys; v = list(map(float, sys.argv[1:])); print("%.3f-%.3f" % (min(v), max(v)))' $1; }
ratio() { "$MEASURE_PY" -c 'import sys
a, b = sys.argv[1:]
print("n/a" if "n/a" in (a, b) or float(b) == 0 else "%.1f" % (float(a) / float(b)))' "$1" "$2"; }
ge() { "$MEASURE_PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2"; }

# verify DESCRIPTION CONDITION: CONDITION is evaluated; the outcome goes to CHECKS as "PASS ..." or "FAIL ..."
CHECKS=() NOTES=()
verify() { if eval "$2"; then CHECKS+=("PASS $1"); else CHECKS+=("FAIL $1"); log "check failed: $1"; fi; }
# all_rc CODE "N N N": every exit code is CODE (and there is at least one)
all_rc() { local r; [[ -n "${2// /}" ]] || return 1; for r in $2; do [[ $r == "$1" ]] || return 1; done; }
# checks_verdict: PASS when every check passed
checks_verdict() { local c; for c in "${CHECKS[@]}"; do [[ $c == FAIL* ]] && { echo FAIL; return; }; done; echo PASS; }

# report_checks: the report's "Checks" and "Notes on this run" sections, and the start of "Machine" (CPU, memory)
report_checks() {
  local c n
  echo "## Checks"
  echo
  for c in "${CHECKS[@]}"; do echo "- **${c%% *}** ${c#* }"; done
  if ((${#NOTES[@]})); then
    printf '\n## Notes on this run\n\n'
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
  printf '\n## Machine\n\n'
  echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), \`nproc\` = $(nproc)"
  echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
}

# results_paths NAME FULL: sets RESULTS_DIR, RESULTS_MD (bench/NAME-RESULTS.md) and RAW (bench/results/name-raw-<UTC>.txt)
# when FULL is 1 (the script's full workload); a smoke run's (FULL 0) go to $WORK and leave bench/ alone
results_paths() {
  local lower; lower=$(tr '[:upper:]' '[:lower:]' <<<"$1")
  RESULTS_DIR=$BENCH_DIR/results
  if [[ $2 == 1 ]]; then
    RESULTS_MD=$BENCH_DIR/$1-RESULTS.md
    RAW=$RESULTS_DIR/$lower-raw-$(date -u +%Y%m%d-%H%M%S).txt
  else
    RESULTS_MD=$WORK/$1-RESULTS.md
    RAW=$WORK/$lower-raw-$(date -u +%Y%m%d-%H%M%S).txt
  fi
}

# fresh_work: an empty $WORK with logs/ (LOGS), bench/results/, and an empty raw results file ($RAW)
fresh_work() {
  rm -rf --one-file-system "$WORK"
  LOGS=$WORK/logs
  mkdir -p "$WORK" "$RESULTS_DIR" "$LOGS"
  : >"$RAW"
}

# free_port: a TCP port on 127.0.0.1 that was free a moment ago
free_port() { "$MEASURE_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# stop_pids PID...: asks each process to stop (TERM), and kills what is left half a second later
stop_pids() {
  local p
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; done
}
