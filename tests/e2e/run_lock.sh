#!/usr/bin/env bash
# tests/e2e/run_lock.sh - one run per report: while a run holds
# REPORT.lock, a second run on the same report (dry run, --force,
# --force --execute) and a run resuming from it exit 2 naming the
# holder's pid, and the running execution's report is left alone; the
# lock goes with its holder (after the end, after kill -9).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$LIBDIR/files.bash"

make_plan "$T/plan.csv" 10 10
P=$T/plan.csv
start_emu "$P" --qps 1000 --fault latency:ms=20
EX=(--execute --endpoint "$EMU_URL")

# The holder: 20 rows at 4 per second, about 5 s.
bg_run "$T/r.csv" "$P" "${EX[@]}" --rate 4 --workers 2
A=$BG_PID
wait_lines "$T/r.csv" 2 || true # sending: the report has its first row
mq_marked RUN_ST run "$P" --report "$T/r.csv" --force --offline
check "second run (--force dry run) on a locked report: exit 2" exit_is 2
check "second run (--force dry run): names the holder's pid" \
    stderr_has "$T/mq.err" "locked by mqreset pid $A"
mq_marked RUN_ST run "$P" --report "$T/r.csv" --offline
check "second run (dry run) on a locked report: exit 2" exit_is 2
check "second run (dry run): names the holder's pid" \
    stderr_has "$T/mq.err" "locked by mqreset pid $A"
mq_marked RUN_ST run "$P" --report "$T/r.csv" --force "${EX[@]}" --rate 200
check "second run (--force --execute) on a locked report: exit 2" exit_is 2
check "second run (--force --execute): names the holder's pid" \
    stderr_has "$T/mq.err" "locked by mqreset pid $A"
mq_marked RUN_ST run "$P" --report "$T/r2.csv" --resume "$T/r.csv" \
    "${EX[@]}" --rate 200
check "resume from a report being written: exit 2" exit_is 2
check "resume from a report being written: names the holder's pid" \
    stderr_has "$T/mq.err" "locked by mqreset pid $A"
bg_join
check "the holder: exit 0" exit_is 0
check "the holder: its report complete" complete "$T/r.csv" "$P"
# The refused runs sent nothing: a row of theirs would be applied twice.
check "the holder: every row applied once, the refused runs sent nothing" \
    applied_once "$T/r.csv"

# The lock ends with its holder.
mq_marked RUN_ST run "$P" --report "$T/r.csv" --force --offline
check "after the holder ended: a --force dry run works" exit_is 0
emu_stop >/dev/null || true
start_emu "$P" --qps 1000 --fault latency:ms=20
EX=(--execute --endpoint "$EMU_URL")
bg_run "$T/k.csv" "$P" "${EX[@]}" --rate 4 --workers 2
wait_lines "$T/k.csv" 2 || true
kill -9 "$BG_PID"
bg_join
mq_marked RUN_ST run "$P" --report "$T/k2.csv" --resume "$T/k.csv" "${EX[@]}" \
    --rate 200
check "after kill -9 of the holder: resuming from its report works" \
    exit_is 0 1
check "after kill -9 of the holder: no type 0 row applied twice" type0_once

# A previous report where nothing can be created (a read-only archive):
# no run can be writing it, so it is read without its lock, with a
# warning.  Root writes through modes, so only a read-only mount shows it.
RO=$T/ro
if tmpfs_mount "$RO" 1m; then
	cp "$T/k2.csv" "$RO/k2.csv"
	mount -o remount,ro "$RO"
	mq_marked RUN_ST run "$P" --report "$T/k3.csv" --resume "$RO/k2.csv" \
	    "${EX[@]}" --rate 200
	check "resume from a read-only archive: works" exit_is 0 1
	check "resume from a read-only archive: says it reads it unlocked" \
	    stderr_has "$T/mq.err" "read without its lock"
	check "resume from a read-only archive: no type 0 row applied twice" \
	    type0_once
	tmpfs_umount "$RO"
else
	skip "resume from a read-only archive" "$TMPFS_WHY"
fi

finish
