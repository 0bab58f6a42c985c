# Driftless: one batch of writes on an SSH host, read from standard input (see WriteStream.java).
# Runs in a subshell of the host's long-lived shell, after the confinement functions (SshHost.confinement:
# R, rr, inside, landed, culprit; R unset when the host has no root). POSIX sh plus GNU coreutils and GNU tar.
#
# Input: a header section, one operation a line ("OP COUNT", then COUNT lines), ended by "E 0"; then, when
# the batch has files, a tar archive of their bytes ("K/NAME", K the folder's number, ending with ".end").
# In the batch folder a file is K.NAME (one folder, none made per folder written to: on ext4 a new directory
# costs as much as a file) when perl renames them into place and the stream says its names are short ("N 0");
# else K/NAME, in a folder per folder written to, which mv -t can rename from.
# Output: a record per write done ("\0@@driftless-written D INDEX [REMOVAL]\0"), one for the write that
# failed ("\0@@driftless-written F INDEX CODE\0"). Exit 9: the stream was cut short, nothing renamed.
#
# Processes are a handful per batch, none per file: a file costs the shell builtins only (its header read, its empty
# file made when it gets an owner before its bytes). The renames into place are one perl process for all folders
# when the host has perl (Debian and Ubuntu always do: perl-base is essential) and the names are short, else one mv
# per folder.

B=.driftless-batch.driftless-tmp
T=.driftless-stage.driftless-tmp
NL='
'
i=0; stop=; complete=; kn=0; kd=; S=; first=; specs=; C644=; _failed=; flat=; J=/

# The mounts (/proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT POINT ..."): a rename from one to another fails and mv
# would copy instead, so a folder's files come by rename from the batch folder only when both are on one mount.
# Unknown when mountinfo cannot be read or names a point with an escaped character: every folder then gets its
# files by way of a stage of its own.
mounts=
if [ -r /proc/self/mountinfo ]; then
    while read -r _id _ _ _ _mp _; do
        case $_mp in *\\*) mounts=; break;; esac
        mounts=$mounts$_id' '$_mp$NL
    done < /proc/self/mountinfo
fi
# sets _m to the mount folder $1 is on: the longest mount point holding it, the last mounted of equals (a point
# hidden under a later mount can only make two folders look apart, never alike); empty when unknown
mountof() {
    _m=; _ml=-1; _mi=$mounts
    while [ -n "$_mi" ]; do
        _x=${_mi%%"$NL"*}; _mi=${_mi#*"$NL"}; _mp=${_x#* }
        case $1/ in "${_mp%/}"/*) if [ ${#_mp} -ge $_ml ]; then _ml=${#_mp}; _m=${_x%% *}; fi;; esac
    done
}
# the batch's folders, one at a time: set _kd=$kd, then "while nextfolder": k its number, p its path, via "s" when
# it is on the batch folder's mount, "o" when not (from its line in kd, "K VIA PATH")
nextfolder() {
    [ -n "$_kd" ] || return 1
    _x=${_kd%%"$NL"*}; _kd=${_kd#*"$NL"}; k=${_x%% *}; _r=${_x#* }; via=${_r%% *}; p=${_r#* }
}
# the files of a list, one at a time: set _l (eval "_l=\$F_$k"), then "while nextfile": _fi its index, _ff its
# flags, _fn its name (from its line, "INDEX FLAGS NAME")
nextfile() {
    [ -n "$_l" ] || return 1
    _x=${_l%%"$NL"*}; _l=${_l#*"$NL"}; _fi=${_x%% *}; _r=${_x#* }; _ff=${_r%% *}; _fn=${_r#* }
}

fail() { printf '\000@@driftless-written F %s %s\000' "$1" "$2"; stop=1; }
done1() { printf '\000@@driftless-written D %s\000' "$1"; }
gone() { printf '\000@@driftless-written D %s %s\000' "$1" "$2"; }
parent() { d=${f%/*}; [ -n "$d" ] || d=/; n=${f##*/}; t=.$n.driftless-tmp; }
# appends line $2 to the variable named $1 (a name of ours: letters, digits, underscores)
add() { eval "$1=\${$1}\$2\$NL"; }
# whether folder $d stays inside the root as far as it exists, and whether the folder just entered ($PWD) is
# inside it (each names the link that leads out when not; nothing is outside without a root)
within() { [ -z "${R:-}" ] || inside "$d" || { culprit "$d"; return 1; }; }
entered() { [ -z "${R:-}" ] || landed || { culprit "$d"; return 1; }; }
# the index of the first line ("INDEX FLAGS NAME") of the list named $1
firstof() { eval "_f=\$$1"; _f=${_f%%" "*}; }
# runs "$@" with, after its arguments, PREFIX NAME for each line ("INDEX FLAGS NAME") of the list named $1
# whose FLAGS hold the letter $2 (every line when $2 is empty); runs nothing when no line does (own variables:
# the callers' loops use theirs)
each() {
    eval "_el=\$$1"; _efl=$2; _epre=$3; shift 3; _ec=$#
    while [ -n "$_el" ]; do
        _ex=${_el%%"$NL"*}; _el=${_el#*"$NL"}; _er=${_ex#* }
        case ${_er%% *} in *"$_efl"*) set -- "$@" "$_epre${_er#* }";; esac
    done
    [ $# -eq $_ec ] || "$@"
}
# for each file of the batch whose flags hold the letter $1, what one stat of the file it replaces says in format $2
# (one word): runs "$3 WORD" once per distinct word with the batch's files that have it (cwd: the batch folder);
# fails the first that stat could not tell (a file gone meanwhile) or whose command fails
keepfrom() {
    _rf=$1; _rfmt=$2; _rcmd=$3; _rl=; _rs=; set --; _kd=$kd
    while nextfolder; do
        eval "_l=\$F_$k"
        while nextfile; do
            case $_ff in *"$_rf"*) set -- "$@" "$p/$_fn"; add _rl "$_fi - $k$J$_fn";; esac
        done
    done
    [ $# -gt 0 ] || return 0
    _rs=$(stat -c "$_rfmt" -- "$@" 2>/dev/null) || _rs=
    _ws=; _t=$_rs; _x=$_rl
    while [ -n "$_x" ]; do
        _y=${_x%%"$NL"*}; _x=${_x#*"$NL"}
        case $_t in *"$NL"*) _w=${_t%%"$NL"*}; _t=${_t#*"$NL"};; *) _w=$_t; _t=;; esac
        case $_w in ''|*[!0-9:]*) fail "${_y%% *}" 1; return 1;; esac
        _v=${_w%%:*}; case $_w in *:*) _v=${_v}_${_w#*:};; esac
        case " $_ws " in *" $_v "*) ;; *) _ws="$_ws $_v"; eval "W_$_v=";; esac
        add "W_$_v" "$_y"
    done
    for _v in $_ws; do
        _w=${_v%%_*}; case $_v in *_*) _w=$_w:${_v#*_};; esac
        each "W_$_v" "" "" "$_rcmd" "$_w" -- || { firstof "W_$_v"; fail "$_f" 1; return 1; }
    done
}
# evaluates $1 in each folder of the batch (k its number, p its path), entered again and checked; stops at
# the first that fails, reporting its first file
infolders() {
    _kd=$kd
    while nextfolder; do
        if ! { cd -P -- "$p" && [ "$PWD" = "$p" ] && eval "$1"; }; then firstof "F_$k"; fail "$_f" 1; return 1; fi
    done
}
# syncs the file systems the batch's files are on (sync -f: each folder named costs a syncfs, even of one synced
# already): the batch folder's, and that of each folder on another
syncall() {
    set -- "$S"; _kd=$kd
    while nextfolder; do [ "$via" = s ] || set -- "$@" "$p"; done
    sync -f -- "$@"
}
# what is not in place goes: the batch folder and the folders' stages (after a success, there are none)
cleanup() {
    cd / || return
    if [ -n "$S" ] && { [ -e "$S" ] || [ -L "$S" ]; }; then rm -rf -- "$S"; fi
    _kd=$kd
    while nextfolder; do
        if [ "$via" = o ] && [ -d "$p/$T" ] && [ ! -L "$p/$T" ]; then rm -rf -- "$p/$T"; fi
    done
}
trap cleanup EXIT

# First pass, in order: folders, links and deletions are done; a file is checked, its folder made and entered,
# and noted in its folder's list with what it keeps of the file it replaces. After a failure the rest is only read.
while IFS=' ' read -r op cnt; do
    [ "$op" != E ] || { complete=1; break; }
    if [ -n "$stop" ]; then
        while [ "$cnt" -gt 0 ]; do IFS= read -r _x; cnt=$((cnt - 1)); done
        continue
    fi
    case $op in
    N)  # the names of the batch's files are short enough to take their folder's number before them
        if command -v perl >/dev/null 2>&1; then flat=1; J=.; fi
        continue;;
    C)  # an owner:group the files of the batch may get: its number, owner, group (either may be empty)
        read -r s; IFS= read -r o; IFS= read -r g
        eval "co_$s=\$o; cg_$s=\$g"; specs="$specs $s"
        continue;;
    M)  # the folders the files go to, made at once (those missing and inside the root; each file checks its own)
        set --
        while [ "$cnt" -gt 0 ]; do
            IFS= read -r d; cnt=$((cnt - 1))
            [ ! -d "$d" ] || continue
            if [ -n "${R:-}" ] && ! inside "$d"; then continue; fi
            set -- "$@" "$d"
        done
        [ $# -eq 0 ] || mkdir -p -- "$@" 2>/dev/null
        continue;;
    F)  # a file: path, ownership number (empty: none set), whether an owner or group is kept (1), mode, folder
        IFS= read -r f; read -r s; read -r w; read -r m; read -r k; parent
        within || { fail $i 7; continue; }
        if [ -d "$f" ] && [ ! -L "$f" ]; then fail $i 3; continue; fi
        [ -d "$d" ] || mkdir -p -- "$d" || { fail $i 1; continue; }
        cd -P -- "$d" || { fail $i 1; continue; }
        entered || { fail $i 7; continue; }
        if [ "$k" -ge "$kn" ]; then
            mountof "$PWD"
            [ -n "$S" ] || { S=$PWD/$B; first=$i; m0=$_m; }
            if [ -n "$_m" ] && [ "$_m" = "$m0" ]; then via=s; else via=o; fi
            kn=$((k + 1)); kd=$kd$k' '$via' '$PWD$NL
        fi
        # kept from the regular file replaced: its mode (m), its owner and group unless already ours (o);
        # a new file whose mode is not set gets 0644 (c); one whose owner or group the resource sets (w)
        x=
        if [ -f "$n" ] && [ ! -L "$n" ]; then
            [ -n "$m" ] || x=m
            if [ -n "$w" ] && ! { [ -O "$n" ] && [ -G "$n" ]; }; then x=${x}o; fi
        elif [ -z "$m" ]; then
            add C644 "$i c $k$J$n"
        fi
        [ -z "$s" ] || x=${x}w
        add "F_$k" "$i ${x:--} $n"
        [ -z "$s" ] || add "C_$s" "$i - $k$J$n";;
    D)  # a folder: path, owner, group, mode
        IFS= read -r f; IFS= read -r o; IFS= read -r g; read -r m; parent
        within || { fail $i 7; continue; }
        if [ -L "$f" ] || { [ -e "$f" ] && [ ! -d "$f" ]; }; then fail $i 3; continue; fi
        if [ ! -d "$f" ]; then mkdir -p -- "$f" && chmod 755 -- "$f" || { fail $i 1; continue; }; fi
        d=$f; cd -P -- "$f" || { fail $i 1; continue; }
        entered || { fail $i 7; continue; }
        { [ -z "$m" ] || chmod "$m" -- .; } && { [ -z "$o" ] || chown -- "$o" .; } \
            && { [ -z "$g" ] || chgrp -- "$g" .; } || { fail $i 1; continue; }
        done1 $i;;
    L)  # a symbolic link: path, target
        IFS= read -r f; IFS= read -r target; parent
        within || { fail $i 7; continue; }
        if [ -d "$f" ] && [ ! -L "$f" ]; then fail $i 3; continue; fi
        [ -d "$d" ] || mkdir -p -- "$d" || { fail $i 1; continue; }
        cd -P -- "$d" || { fail $i 1; continue; }
        entered || { fail $i 7; continue; }
        rm -f -- "$t"
        ln -s -- "$target" "$t" && mv -fT -- "$t" "$n" || { rm -f -- "$t"; fail $i 1; continue; }
        done1 $i;;
    R)  # a deletion, as remove() does it: 5 when nothing is there (nor its folder), 4 a folder kept not empty
        IFS= read -r f; parent
        if [ ! -d "$d" ]; then gone $i 5; else
            within || { fail $i 7; continue; }
            cd -P -- "$d" || { fail $i 1; continue; }
            entered || { fail $i 7; continue; }
            if [ -d "$n" ] && [ ! -L "$n" ]; then
                if rmdir -- "$n" 2>/dev/null; then gone $i 0; else gone $i 4; fi
            elif [ -e "$n" ] || [ -L "$n" ]; then
                rm -f -- "$n" || { fail $i 1; continue; }
                gone $i 0
            else
                gone $i 5
            fi
        fi;;
    *)  echo "unreadable batch: $op" >&2; exit 2;;
    esac
    i=$((i + 1))
done
# a stream cut short: nothing of it is renamed
[ -n "$complete" ] || exit 9
[ -n "$S" ] || exit 0

# The files, in the batch folder (a private folder of ours beside the first one): one that gets an owner or group
# is first made empty and private (umask 077) and given them (those of the file it replaces, by one stat of all
# and a chown per owner; then the resource's); then tar writes the bytes of all (creating the others 0600, writing
# into those made: --overwrite truncates, keeps the owner) and gives each the mode of its header once its bytes
# are in; the modes kept (one stat, a chmod per mode) or 0644 follow. A folder on another file system gets its
# files copied into a private folder in it. All are synced, then renamed into place: by one perl for all folders,
# else one mv per folder. No process per file.
umask 077
# The renames of all folders in one process: perl reads records "d FROM FOLDER" (enter FOLDER, as cd -P does,
# and check that it is where the first pass found it: getcwd gives the path the kernel resolved) and "f NAME"
# (rename FROM NAME, FROM a prefix, to NAME in the folder entered), NUL-terminated fields; it stops at the first
# that fails (perl-base has Cwd; a perl that cannot run renames nothing, and mv does it all)
RENAMES='use Cwd "getcwd"; $/ = "\0"; my $from;
while (defined(my $op = <STDIN>)) {
    chomp $op; chomp(my $x = <STDIN>);
    if ($op eq "d") { chomp(my $to = <STDIN>); $from = $x; (chdir($to) && getcwd() eq $to) or exit 1; }
    else { rename("$from$x", $x) or exit 1; }
}'
# src: what comes before a file's name where the files of folder k wait to be renamed (batch folder or stage)
srcof() { if [ "$via" = s ]; then src=$S/$k$J; elif [ -n "$flat" ]; then src=$T/$k.; else src=$T/; fi; }
renames() {
    _kd=$kd
    while nextfolder; do
        srcof
        printf 'd\000%s\000%s\000' "$src" "$p"
        eval "_l=\$F_$k"
        while nextfile; do printf 'f\000%s\000' "$_fn"; done
    done
}
# _left: the lines of the list _l (the folder's files, entered; kept) whose file still waits at $src, not renamed
left() {
    _left=; _lk=$_l
    while nextfile; do
        if [ -e "$src$_fn" ] || [ -L "$src$_fn" ]; then _left=$_left$_x$NL; fi
    done
    _l=$_lk
}
# renames the files of _left into the folder entered: one mv -t (K/NAME), or one mv each (K.NAME: only after perl
# failed)
moveleft() {
    if [ -z "$flat" ]; then each _left "" "$src" mv -f -t . --; return; fi
    _lk=$_l; _l=$_left
    while nextfile; do mv -f -T -- "$src$_fn" "$_fn" || { _l=$_lk; return 1; }; done
    _l=$_lk
}
# a folder on another file system: its files go into a private stage in it (a copy, made 0700 under umask 077)
stage() {
    [ "$via" = s ] && return 0
    if [ -e "$T" ] || [ -L "$T" ]; then rm -rf -- "$T"; fi
    if [ -n "$flat" ]; then mkdir -- "$T" && each "F_$k" "" "$S/$k." mv -t "$T" --; else mv -T -- "$S/$k" "$T"; fi
}
place() {
    cd -P -- "${S%/*}" && [ "$PWD" = "${S%/*}" ] || { fail $first 1; return 1; }
    if [ -e "$B" ] || [ -L "$B" ]; then rm -rf -- "$B"; fi
    set -- "$B"; k=0
    while [ -z "$flat" ] && [ $k -lt $kn ]; do set -- "$@" "$B/$k"; k=$((k + 1)); done
    mkdir -- "$@" || { fail $first 1; return 1; }
    cd -- "$S" || { fail $first 1; return 1; }
    _kd=$kd
    while nextfolder; do
        eval "_l=\$F_$k"
        while nextfile; do
            case $_ff in *[ow]*) : > "$k$J$_fn" || { fail "$_fi" 1; return 1; };; esac
        done
    done
    # owners before the first byte: those kept from the files replaced, then those the resources set
    keepfrom o %u:%g chown || return 1
    for s in $specs; do
        eval "o=\$co_$s; g=\$cg_$s"
        if [ -n "$o" ]; then each "C_$s" "" "" chown -- "$o${g:+:$g}"; else each "C_$s" "" "" chgrp -- "$g"; fi \
            || { firstof "C_$s"; fail "$_f" 1; return 1; }
    done
    if [ -n "$flat" ]; then set -- --transform 's,/,.,'; else set --; fi
    tar -x -f - -C "$S" --overwrite --no-same-owner --same-permissions --touch "$@" || { fail $first 1; return 1; }
    # the archive's last member: without it the stream was cut short
    [ -f "$S/.end" ] || { fail $first 9; return 1; }
    each C644 "" "" chmod 644 -- || { firstof C644; fail "$_f" 1; return 1; }
    keepfrom m %a chmod || return 1
    infolders stage || return 1
    syncall || { fail $first 1; return 1; }
    if [ -n "$flat" ]; then renames | perl -e "$RENAMES" 2>/dev/null; fi
    # what perl did not rename (all of it without perl; after its first failure, the rest)
    _kd=$kd; set -- "$S"
    while nextfolder; do
        srcof; [ "$via" = s ] || set -- "$@" "$p/$T"
        eval "_l=\$F_$k"
        if cd -P -- "$p" && [ "$PWD" = "$p" ] && left && moveleft; then
            while nextfile; do done1 "$_fi"; done
        else
            # what was renamed is in place; the first file that was not fails the batch
            while nextfile; do
                if [ "$PWD" = "$p" ] && [ ! -e "$src$_fn" ] && [ ! -L "$src$_fn" ]; then done1 "$_fi"
                elif [ -z "$_failed" ]; then fail "$_fi" 1; _failed=1; fi
            done
            sync -f -- "$p" 2>/dev/null
            return 1
        fi
    done
    sync -f -- "$@" 2>/dev/null
    # the batch folder holds the archive's end mark only, the stages nothing
    rm -rf -- "$@"
    return 0
}
place
exit 0
