# shellcheck shell=bash
# Debian machines booted by systemd-nspawn (systemd as PID 1, sshd on its own 127.0.0.1 port, the host's network
# shared), as SystemdMachine does in the tests, with root's real home: what bench/services-run.sh and
# bench/dr-run.sh share. Sourced once the script has defined log() and die() and set:
#   WORK            the work directory (machines live in $WORK/machine-NAME)
#   MACHINE_LOWER   the overlay's lower directories (lowerdir=...: "LAYER:TREE" or just TREE)
#   MACHINE_PREFIX  the machines' names are MACHINE_PREFIX-NAME
#   USER_KEY        the private key whose .pub goes to root's authorized_keys
#   M_PORT[NAME]    each machine's sshd port (the associative array is declared here)
# and optionally defined machine_prepare NAME ROOT, run on a machine's file system before it boots. MOUNTS (declared
# here) lists what the script's cleanup must unmount; stop_all_machines is for that cleanup.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
POWEROFF_TIMEOUT=${POWEROFF_TIMEOUT:-20}
MACHINE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
declare -A M_PID M_INIT M_DIR M_PORT
MOUNTS=()

unmount() { # DIR: unmount if mounted (lazily when busy)
  if mountpoint -q "$1" 2>/dev/null; then umount "$1" 2>/dev/null || umount -l "$1" || true; fi
}

# root's real home: ~/.bashrc and ~/.profile as this machine's root has them, and every folder or file under /root
# they name (e.g. ~/.pyenv for `pyenv init`, ~/.cargo/env): folders mounted into a machine as overlays (the machine
# may write, e.g. pyenv rehash, without touching this machine's copy), files copied. Sets HOME_FILES and HOME_DIRS.
# The folders are mounted from a snapshot taken once per run (hard links, so no data is copied), never from /root
# itself: the machine's overlay must have a lower layer nobody changes while it is mounted. (Over the live ~/.pyenv,
# a lock file that this machine's own shells create and remove in ~/.pyenv/shims during `pyenv rehash` stayed
# visible in the machine after it was gone, and every `pyenv init` there waited 60 s for it.)
HOME_FILES=() HOME_DIRS=()
real_home_snapshot() {
  local f name
  for f in .bashrc .profile; do [[ -f /root/$f ]] && HOME_FILES+=("$f"); done
  if ((${#HOME_FILES[@]})); then
    while IFS= read -r name; do
      if [[ -d /root/$name ]]; then HOME_DIRS+=("$name"); elif [[ -f /root/$name && " ${HOME_FILES[*]} " != *" $name "* ]]; then HOME_FILES+=("$name"); fi
    done < <(cat "${HOME_FILES[@]/#//root/}" | sed 's/#.*//' \
      | grep -oE '(\$HOME|\$\{HOME\}|~|/root)/\.[A-Za-z0-9_-][A-Za-z0-9_.-]*' | sed -E 's#^(\$HOME|\$\{HOME\}|~|/root)/##' | sort -u)
  fi
  HOME_SNAPSHOT=$WORK/home-snapshot
  mkdir -p "$HOME_SNAPSHOT"
  for f in "${HOME_DIRS[@]}"; do
    cp -al "/root/$f" "$HOME_SNAPSHOT/$f" 2>/dev/null || { rm -rf "${HOME_SNAPSHOT:?}/$f"; cp -a "/root/$f" "$HOME_SNAPSHOT/$f"; }
  done
  # pyenv's lock, if a shell here held it at that instant: in the snapshot nobody would ever release it
  rm -f "$HOME_SNAPSHOT/.pyenv/shims/.pyenv-shim"
}

minit() { # NAME: the machine's PID 1 as this machine numbers it (the child of nspawn that runs systemd)
  local p
  for p in $(pgrep -P "${M_PID[$1]}" 2>/dev/null || true); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == systemd ]] && { echo "$p"; return 0; }
  done
  return 1
}
mexec() { # NAME CMD...: CMD inside the machine as root, in all its namespaces, with a clean environment
  local name=$1; shift
  timeout -k 5 120 nsenter --target "${M_INIT[$name]}" --all env -i PATH="$MACHINE_PATH" LANG=C.UTF-8 "$@"
}
banner() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0 && head -c 8 <&3' "$1" 2>/dev/null | grep -q '^SSH-2.0'; }

boot_machine() { # NAME: a fresh machine (a new, empty upper layer) with root's real home; sets M_PID, M_INIT, M_DIR
  local name=$1 port=${M_PORT[$1]} d r f extra=() deadline multi=0
  d=$WORK/machine-$name; r=$d/root
  rm -rf --one-file-system "$d"
  M_DIR[$name]=$d
  mkdir -p "$d/upper" "$d/work" "$r" "$d/home-upper"
  MOUNTS+=("$r")
  mount -t overlay overlay -o "lowerdir=$MACHINE_LOWER,upperdir=$d/upper,workdir=$d/work" "$r" \
    || die "cannot mount the overlay of machine $name (overlayfs is needed)"
  echo "Port $port" >"$r/etc/ssh/sshd_config.d/00-port.conf"
  install -d -m 0700 "$r/root/.ssh"
  install -m 0600 "$USER_KEY.pub" "$r/root/.ssh/authorized_keys"
  mkdir -p "$d/stock-home"
  cp -p "$r/root/.bashrc" "$r/root/.profile" "$d/stock-home/"
  for f in "${HOME_FILES[@]}"; do cp -p "/root/$f" "$r/root/$f"; done
  for f in "${HOME_DIRS[@]}"; do
    mkdir -p "$d/home-upper/$f"
    extra+=("--overlay=$HOME_SNAPSHOT/$f:$d/home-upper/$f:/root/$f")
  done
  if declare -F machine_prepare >/dev/null; then machine_prepare "$name" "$r"; fi
  systemd-nspawn --boot --register=no --keep-unit --link-journal=no --console=read-only --setenv=SYSTEMD_COLORS=0 \
    --machine="$MACHINE_PREFIX-$name" -D "$r" "${extra[@]}" </dev/null >"$d/console.log" 2>&1 &
  M_PID[$name]=$!
  M_INIT[$name]=
  deadline=$((SECONDS + BOOT_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "${M_PID[$name]}" 2>/dev/null || die "machine $name: systemd-nspawn ended: $(tail -5 "$d/console.log")"
    [[ -n ${M_INIT[$name]} ]] || M_INIT[$name]=$(minit "$name" || true)
    if [[ -n ${M_INIT[$name]} ]] && ((multi == 0)); then
      [[ $(mexec "$name" systemctl is-active multi-user.target 2>/dev/null || true) == active ]] && multi=1
    fi
    ((multi)) && banner "$port" && return 0
    sleep 0.1
  done
  die "machine $name did not boot within ${BOOT_TIMEOUT} s (multi-user.target reached: $multi): $(tail -5 "$d/console.log")"
}
use_home() { # NAME real|empty: root's dotfiles in the machine: this machine's root's, or Debian's stock ones
  local r=${M_DIR[$1]}/root f
  if [[ $2 == real ]]; then
    for f in "${HOME_FILES[@]}"; do cp -p "/root/$f" "$r/root/$f"; done
  else
    cp -p "${M_DIR[$1]}/stock-home/.bashrc" "${M_DIR[$1]}/stock-home/.profile" "$r/root/"
  fi
}
stop_machine() { # NAME: power off (SIGTERM to nspawn asks systemd to), kill after POWEROFF_TIMEOUT s, unmount
  local name=$1 pid=${M_PID[$1]:-} init=${M_INIT[$1]:-} i
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < POWEROFF_TIMEOUT * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "machine $name did not power off within ${POWEROFF_TIMEOUT} s: killing it"
      [[ -n $init ]] && kill -KILL "$init" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
  M_PID[$name]=
  # nspawn cannot remove this itself where /run is not a tmpfs
  rm -rf --one-file-system "/run/systemd/nspawn/propagate/$MACHINE_PREFIX-$name" 2>/dev/null || true
  unmount "${M_DIR[$name]:-/nonexistent}/root"
}
stop_all_machines() { # every machine, then every mount in MOUNTS
  local name m
  for name in "${!M_PID[@]}"; do stop_machine "$name"; done
  for m in "${MOUNTS[@]}"; do unmount "$m"; done
}
