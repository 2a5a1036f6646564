#!/usr/bin/env bash
# tests/e2e/run_planedit.sh - a plan overwritten in place while it runs
# (same inode, same size: a late type 0 row turned into a copy of an
# earlier type 0 row's group and topic) is never sent as edited: the run
# stops at that row (exit 3, it and the rest not-run) and no backlog is
# cleared twice.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$LIBDIR/files.bash"

# 200 rows of about 800 bytes (a long note column), so that a late row
# lies well past the first read blocks of the file.
make_plan "$T/base.csv" 100 100
pad_plan "$T/base.csv" "$T/plan.csv" 700
P=$T/plan.csv
start_emu "$P" --qps 1000
# Line 12 is type 0 row 5 (GID_g_c005, t05); line 172 is type 0 row 85
# (GID_g_c085, t01).
EDIT=172
cp "$P" "$T/orig.csv"
before=$(inode "$P")
bg_run "$T/r.csv" "$P" --execute --endpoint "$EMU_URL" --rate 20 --workers 2
wait_lines "$T/r.csv" 21 || true # about 1 s in
edit_in_place "$P" "$EDIT" "GID_g_c085,t01" "GID_g_c005,t05"
check "plan edited in place (same inode)" test "$(inode "$P")" = "$before"
bg_join
check "plan edited during the run: exit 3" exit_is 3
check "plan edited: the edited row is not-run" status_at "$T/r.csv" "$EDIT" not-run
check "plan edited: that row and the rest not-run" \
    rows_from "$T/r.csv" "$EDIT" not-run
check "plan edited: report complete, in plan order" complete "$T/r.csv" "$P"
check "plan edited: the earlier row is ok" status_at "$T/r.csv" 12 ok
check "plan edited: no type 0 row cleared twice" type0_once
check "plan edited: the validated row at that line was not sent either" \
    never_applied GID_g_c085
check "plan edited: ok rows applied once, nothing else applied" \
    applied_once "$T/r.csv"

# The plan put back as validated: a resume from that report sends what
# was never sent (the edited line's validated row included), nothing twice.
cp "$T/orig.csv" "$P"
mq RUN_ST run "$P" --report "$T/r2.csv" --resume "$T/r.csv" --execute \
    --endpoint "$EMU_URL" --rate 200
check "resume with the plan restored: exit 0" exit_is 0
check "resume with the plan restored: the edited line's row applied" \
    status_at "$T/r2.csv" "$EDIT" ok
check "resume with the plan restored: no type 0 row cleared twice" type0_once

finish
