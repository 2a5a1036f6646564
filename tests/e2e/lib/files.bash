# tests/e2e/lib/files.bash - helpers for the tests of the files mqreset
# writes and reads (reports, intent journals, locks, the plan, a full
# disk): background runs, waits, and small named assertions usable as the
# command of `check` (lib/run.bash).  Source after lib/run.bash.

# bg_run REPORT ARGS...: `mqreset run ARGS... --report REPORT` in the
# background (stdout/stderr in REPORT.out/.err); pid in BG_PID.  An
# --execute run goes without the preflight's reads, as run_exec's.
bg_run() {
	local report=$1; shift
	local -a pf=()
	case " $* " in *" --execute "*)
		[ "${RUN_PREFLIGHT:-0}" = 1 ] || pf=(--no-preflight) ;;
	esac
	"$MQRESET" run "$@" "${pf[@]}" --report "$report" >"$report.out" \
	    2>"$report.err" &
	BG_PID=$!
	BG_ERR=$report.err
	RUN_BG_PIDS="${RUN_BG_PIDS:-} $BG_PID"
}
# bg_join: wait for BG_PID; its exit status into RUN_ST.
bg_join() {
	RUN_ST=0
	RUN_ERR=$BG_ERR
	wait "$BG_PID" || RUN_ST=$?
}

# wait_lines FILE N [SECONDS]: until FILE has at least N lines.
wait_lines() {
	local i n=$(( ${3:-20} * 50 ))
	for ((i = 0; i < n; i++)); do
		if [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; then
			return 0
		fi
		sleep 0.02
	done
	echo "$1: fewer than $2 lines after ${3:-20} s" >&2
	return 1
}

# exit_is WANT...: RUN_ST is one of the WANTs.
exit_is() {
	local w
	for w in "$@"; do [ "$RUN_ST" = "$w" ] && return 0; done
	echo "exit status $RUN_ST, expected $*"
	tail -c 800 "${RUN_ERR:-$T/mq.err}" 2>/dev/null || true
	return 1
}
# stderr_has FILE TEXT: FILE (a run's stderr) contains TEXT literally.
stderr_has() {
	grep -qF -- "$2" "$1" && return 0
	echo "'$2' not in $1:"; tail -c 800 "$1"
	return 1
}
# content_is FILE TEXT: FILE holds exactly TEXT and a newline.
content_is() {
	cmp -s "$1" <(printf '%s\n' "$2") && return 0
	echo "$1 holds: $(head -c 300 "$1")"
	return 1
}
# link_to LINK TARGET: LINK is still a symbolic link to TARGET.
link_to() {
	[ -L "$1" ] && [ "$(readlink "$1")" = "$2" ] && return 0
	echo "$1 is no longer a link to $2: $(ls -l "$1" 2>&1)"
	return 1
}
# char_device FILE: FILE is still a character device.
char_device() {
	[ -c "$1" ] && return 0
	echo "$1 is no longer a character device: $(ls -l "$1" 2>&1)"
	return 1
}
# absent PATH...: none of the paths exists (not even as a dangling link).
absent() {
	local p
	for p in "$@"; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "$p exists"; return 1; fi
	done
}
# no_temp_files DIR PREFIX: no PREFIX.start-* or PREFIX.sort-* left in DIR.
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 \( -name "$2.start-*" -o \
	    -name "$2.sort-*" \) 2>/dev/null)
	[ -z "$left" ] && return 0
	echo "left behind: $left"
	return 1
}

# journal_mark: remember how many resets the emulator has applied so far
# (journal $T/journal.jsonl); nothing_sent: none since the mark.
journal_lines() { cat "$T/journal.jsonl" 2>/dev/null | grep -c . || true; }
journal_mark() { JOURNAL_MARK=$(journal_lines); }
nothing_sent() {
	local n
	n=$(journal_lines)
	[ "$n" = "${JOURNAL_MARK:-0}" ] && return 0
	echo "$((n - ${JOURNAL_MARK:-0})) resets applied"
	return 1
}
# mq_marked STATUS_VAR ARGS...: journal_mark, then mq (lib/run.bash).
mq_marked() { journal_mark; RUN_ERR=$T/mq.err; mq "$@"; }
# type0_once: no type 0 row applied twice.
type0_once() { rc type0-once "$T/journal.jsonl"; }
# applied_once REPORT: every ok row of REPORT applied exactly once, with
# its RequestId; nothing else applied.
applied_once() { rc journal-once "$1" "$T/journal.jsonl"; }
# answered_reported REPORT: every row the emulator applied is ok or
# unknown in REPORT (no answered row lost).
answered_reported() { rc applied-reported "$1" "$T/journal.jsonl"; }
# status_at REPORT LINE STATUS: the row of plan line LINE has STATUS.
status_at() {
	local got
	got=$(rc field "$1" "$2" status) || { echo "$got"; return 1; }
	[ "$got" = "$3" ] && return 0
	echo "line $2: status $got, expected $3"
	return 1
}
# rows_from REPORT LINE STATUS: every row from plan line LINE has STATUS.
rows_from() { rc rows-from "$1" "$2" "$3"; }
# complete REPORT PLAN: one row per plan row, in plan order.
complete() { rc plan-order "$1" "$2"; }

# pad_plan IN OUT BYTES: IN with an extra column `note` of BYTES bytes on
# every row, so that each row lies in a later read block of the file.
pad_plan() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(src, newline="").read().splitlines()
with open(dst, "w", newline="") as f:
    f.write(lines[0] + ",note\n")
    for i, l in enumerate(lines[1:]):
        f.write("%s,%s\n" % (l, ("n%d-" % i).ljust(n, "x")))
PY
}
# edit_in_place FILE LINE OLD NEW: replace OLD by NEW (same length) in
# physical line LINE of FILE, writing at its offset: same inode, same
# size, as an editor that writes in place (or a careless script) would.
edit_in_place() {
	python3 - "$@" <<'PY'
import os, sys
path, line, old, new = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
old, new = old.encode(), new.encode()
assert len(old) == len(new), "not the same length"
with open(path, "r+b") as f:
    data = f.read()
    off = 0
    for _ in range(line - 1):
        off = data.index(b"\n", off) + 1
    end = data.index(b"\n", off)
    at = data.index(old, off, end)
    f.seek(at)
    f.write(new)
    f.flush()
    os.fsync(f.fileno())
PY
}
# inode FILE: print FILE's inode number.
inode() { stat -c %i "$1"; }
# never_applied GROUP: the emulator applied no reset for GROUP.
never_applied() {
	! grep -q "\"group_id\":\"$1\"" "$T/journal.jsonl" 2>/dev/null && return 0
	echo "$1 was applied:"; grep "\"group_id\":\"$1\"" "$T/journal.jsonl"
	return 1
}

# tmpfs_mount DIR SIZE: mount a tmpfs of SIZE (mount(8) syntax) on DIR,
# unmounted by the exit trap; fails (status 1, the reason in TMPFS_WHY)
# when not root or mount(8) is refused.  Not in a subshell: the trap must
# learn of the mount.
tmpfs_mount() {
	TMPFS_WHY=
	if [ "$(id -u)" != 0 ]; then TMPFS_WHY="not running as root"; return 1; fi
	mkdir -p "$1"
	if ! TMPFS_WHY=$(mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>&1); then
		TMPFS_WHY="mount -t tmpfs refused: $TMPFS_WHY"; return 1
	fi
	RUN_MOUNTS="${RUN_MOUNTS:-} $1"
}
# tmpfs_umount DIR
tmpfs_umount() {
	umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true
	RUN_MOUNTS=${RUN_MOUNTS:-}
	RUN_MOUNTS=${RUN_MOUNTS// $1/}
}
