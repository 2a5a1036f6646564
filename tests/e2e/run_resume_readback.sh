#!/usr/bin/env bash
# tests/e2e/run_resume_readback.sh - `run --resume ... --verify` judges the
# type 0 rows an earlier run left ambiguous by the state read before their
# send (saved in the report row's message, or in the intent journal after
# a kill -9) and the state now:
#   applied earlier -> ok, verified yes, not sent again;
#   clearly not applied -> sent (once);
#   without --verify, or without a saved reading -> held unknown as before.
# The emulator's journal of applied resets is the witness that no backlog
# is cleared twice.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$(dirname "$0")/lib/files.bash"

# The emulator keeps running across a run and its resume (its journal is
# the record of both).
A=GID_g_c000 # applied, then answered 500 / then silent
B=GID_g_c001 # connection closed before applying
make_plan "$T/plan.csv" 4 0

# ---- unknown rows of a finished run (--undo-plan: the state was read) ------
start_emu "$T/plan.csv" --qps 1000 \
    --fault "500-after:group=$A,action=OnsConsumerResetOffset,max=1" \
    --fault "close-before:group=$B,action=OnsConsumerResetOffset,max=1"
run_exec "$T/plan.csv" "$T/r1.csv" --undo-plan "$T/undo1.csv" --workers 1
expect_status "run 1 (--undo-plan, ambiguous faults): exit 1" 1
check "run 1: the two ambiguous rows are unknown" rc status "$T/r1.csv" unknown 2
check "run 1: their reading before the send is in the message" \
    rc field-is "$T/r1.csv" 2 status=unknown \
    "error_message~before-send reading: newest_ms="
check "run 1: journal removed (the report is complete)" \
    test ! -e "$T/r1.csv.intent"
check "run 1: A and the two others applied, B not" rc applied "$T/journal.jsonl" 3

# Without --verify: held, as before.
run_exec "$T/plan.csv" "$T/r2h.csv" --resume "$T/r1.csv"
expect_status "resume without --verify: exit 1 (held)" 1
check "resume without --verify: both held unknown" \
    rc field-is "$T/r2h.csv" 2 status=unknown error_code=mqreset.AmbiguousHeld
check "resume without --verify: nothing sent" rc applied "$T/journal.jsonl" 3

run_exec "$T/plan.csv" "$T/r2.csv" --resume "$T/r1.csv" --verify \
    --verify-timeout 2
expect_status "resume --verify: exit 0" 0
check "resume --verify: A confirmed applied by read-back, not sent" \
    rc field-is "$T/r2.csv" 2 status=ok verified=yes attempts=0 \
    "error_message~applied (confirmed by read-back)" \
    "error_message~before the earlier send: backlog"
check "resume --verify: B not applied, sent once, verified" \
    rc field-is "$T/r2.csv" 3 status=ok verified=yes attempts=1
check "resume --verify: the others skipped" rc status "$T/r2.csv" skipped 2
check "resume --verify: summary counts both verified" \
    rc json-is "$T/r2.csv.json" verified.yes=2 verified.no=0
check "resume --verify: every row applied exactly once" \
    rc applied "$T/journal.jsonl" 4
check "resume --verify: no backlog cleared twice" \
    rc type0-once "$T/journal.jsonl"
emu_stop

# ---- in flight at a kill -9 (the intent journal holds the reading) ---------
rm -f "$T"/r*.csv* "$T"/undo*.csv
start_emu "$T/plan.csv" --qps 1000 \
    --fault "stall-after:group=$A,action=OnsConsumerResetOffset,ms=60000"
bg_run "$T/k1.csv" "$T/plan.csv" --execute --endpoint "$EMU_URL" \
    --undo-plan "$T/undo1.csv" --workers 1
# A is applied (the emulator's journal) and its answer never comes.
wait_lines "$T/journal.jsonl" 1 || true
kill -9 "$BG_PID" 2>/dev/null || true
bg_join
check "kill -9: killed" test "$RUN_ST" = 137
check "kill -9: A in flight in the journal, with the reading" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
a = [r for r in rows if r["group_id"] == sys.argv[2]]
sys.exit(0 if a and a[0]["before_newest_ms"] and a[0]["before_backlog"]
         else "journal %r" % rows)' "$T/k1.csv.intent" "$A"
run_exec "$T/plan.csv" "$T/k2.csv" --resume "$T/k1.csv" --verify \
    --verify-timeout 2
expect_status "resume --verify after kill -9: exit 0" 0
check "after kill -9: A confirmed applied, not sent" \
    rc field-is "$T/k2.csv" 2 status=ok verified=yes attempts=0 \
    "error_message~applied (confirmed by read-back)"
check "after kill -9: every row ok" python3 -c '
import csv, sys
bad = [(r["line"], r["status"]) for r in csv.DictReader(open(sys.argv[1]))
       if r["status"] not in ("ok", "skipped")]
sys.exit("%r" % bad if bad else 0)' "$T/k2.csv"
check "after kill -9: every row applied exactly once" \
    rc applied "$T/journal.jsonl" 4
check "after kill -9: no backlog cleared twice" rc type0-once "$T/journal.jsonl"
emu_stop

finish
