#!/usr/bin/env bash
# tests/e2e/run_enospc.sh - the disk holding the report fills up during a
# run (a small tmpfs, filled by dd while requests are in flight): the run
# stops with exit 3 and every row the service applied is in the report
# (ok or unknown), so nothing answered is lost; once space is freed,
# --resume from that report clears no backlog twice.  Needs root and
# mount(8) for the tmpfs; elsewhere the case is skipped, and says so.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$LIBDIR/files.bash"

M=$T/disk
# 8 MiB: room for what mqreset may keep in reserve, filled in a moment.
if ! tmpfs_mount "$M" ${ENOSPC_SIZE:-8m}; then
	skip "ENOSPC during a run" "$TMPFS_WHY"
	finish
	exit
fi

make_plan "$T/plan.csv" 100 100
P=$T/plan.csv
start_emu "$P" --qps 1000 --fault latency:ms=30,jitter=60
EX=(--execute --endpoint "$EMU_URL")

bg_run "$M/r.csv" "$P" "${EX[@]}" --rate 50 --workers 4
wait_lines "$M/r.csv" 40 || true # about 0.8 s in, rows in flight
dd if=/dev/zero of="$M/fill" bs=16k >"$T/dd.out" 2>&1 || true
bg_join
check "the disk was full" grep -q 'No space left' "$T/dd.out"
check "disk full during the run: exit 3" exit_is 3
check "disk full: every applied row is ok or unknown in the report" \
    answered_reported "$M/r.csv"
check "disk full: no type 0 row cleared twice" type0_once

# Space again: resume from the report the full disk left.
rm -f "$M/fill"
mq_marked RUN_ST run "$P" --report "$M/r2.csv" --resume "$M/r.csv" \
    "${EX[@]}" --rate 200
check "resume after freeing space: exit 0 or 1 (held rows)" exit_is 0 1
check "resume after freeing space: report complete" complete "$M/r2.csv" "$P"
check "resume after freeing space: no type 0 row cleared twice" type0_once
tmpfs_umount "$M"

finish
