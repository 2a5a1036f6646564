#!/usr/bin/env bash
# tests/e2e/run_verify.sh - reading the state back around resets:
#   --verify catches a reset the service acknowledged without applying it
#   (the emulator's ack-no-effect fault): status ok, verified no, exit 1;
#   every other row verified yes;
#   --undo-plan writes a valid plan of the positions before the resets,
#   and running it puts every group back where it was (the emulator's
#   saved state before and after is the witness);
#   ambiguous clears (applied then 500, applied then the connection
#   closed, closed before applying) are resolved by read-back: ok and
#   verified when applied, sent again when not, and no backlog is ever
#   cleared twice (the emulator's journal of applied resets).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

# state_positions STATE: "group topic position_ms" per subscription.
state_positions() {
	python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for i in s["Instances"]:
    for g in i["Groups"]:
        for u in g["Subscriptions"]:
            print(g["GroupId"], u["Topic"], int(u["ConsumerPosition"]))
PY
}

# fresh_state PLAN STATE: a rehearsal state for PLAN saved to STATE, so
# the positions before the run are known and the run starts from them.
fresh_state() {
	start_emu "$1" --qps 1000 --save-state "$2"
	emu_stop
}

# ---- --verify and ack-no-effect ------------------------------------------
make_plan "$T/plan.csv" 6 6
fresh_state "$T/plan.csv" "$T/s0.json"
start_emu "$T/plan.csv" --state "$T/s0.json" \
    --fault ack-no-effect:group=GID_g_c002 \
    --fault ack-no-effect:group=GID_g_r004
run_exec "$T/plan.csv" "$T/r.csv" --again --verify --verify-timeout 1 --workers 3
expect_status "ack-no-effect under --verify: exit 1" 1
check "acknowledged rows are ok" rc status "$T/r.csv" ok 12
check "type 0 acknowledged without effect: verified no, with figures" \
    rc field-is "$T/r.csv" 6 status=ok verified=no \
    "error_message~acknowledged but not cleared" "error_message~backlog"
check "type 1 acknowledged without effect: verified no, with figures" \
    rc field-is "$T/r.csv" 11 status=ok verified=no \
    "error_message~position is not within 60 s of 2024-06-03T02:00:00.000Z"
check "the other rows: verified yes" python3 -c '
import csv, sys
bad = [(r["line"], r["verified"]) for r in csv.DictReader(open(sys.argv[1]))
       if r["line"] not in ("6", "11") and r["verified"] != "yes"]
sys.exit("not yes: %r" % bad if bad else 0)' "$T/r.csv"
check "verified is the last column" python3 -c '
import csv, sys
h = next(csv.reader(open(sys.argv[1])))
sys.exit(0 if h[-2:] == ["ticket", "verified"] else "header %r" % h)' "$T/r.csv"
check "summary: verified counts" rc json-is "$T/r.csv.json" verified.yes=10 \
    verified.no=2 verified.unknown=0 exit_status=1
# Before and after each row: TimeSpan (and Accumulate for a clear).
check "summary: the reads made" rc json-is "$T/r.csv.json" "reads>=36"
grep -q "verified: 10 yes, 2 no, 0 unknown" "$T/mq.err" &&
    ok "summary line: verified" || fail "summary line: verified" "$(cat "$T/mq.err")"
check "journal: the two rows were not applied" rc applied "$T/journal.jsonl" 10
emu_stop

# Without --verify the same run looks perfect: what --verify is for.
start_emu "$T/plan.csv" --state "$T/s0.json" \
    --fault ack-no-effect:group=GID_g_c002
rm -f "$T"/r.csv*
run_exec "$T/plan.csv" "$T/r.csv" --again
expect_status "ack-no-effect without --verify: exit 0" 0
check "no verified column without --verify" python3 -c '
import csv, sys
h = next(csv.reader(open(sys.argv[1])))
sys.exit("verified" in h and "header %r" % h or 0)' "$T/r.csv"
emu_stop

# A report with the column is a plan: the column is a result, not carried.
mq VST validate "$T/plan.csv"
rm -f "$T"/r2.csv*
cp "$T/s0.json" "$T/s0b.json"
start_emu "$T/plan.csv" --state "$T/s0b.json"
rm -f "$T"/r.csv*
run_exec "$T/plan.csv" "$T/r.csv" --again --verify --verify-timeout 1
run_exec "$T/r.csv" "$T/r2.csv" --again --verify --verify-timeout 1
expect_status "a --verify report run as a plan: exit 0" 0
rm -f "$T"/r3.csv*
run_exec "$T/plan.csv" "$T/r3.csv" --verify --resume "$T/r.csv"
expect_status "--resume from a --verify report: exit 0" 0
check "--resume from a --verify report: skipped, verified empty" python3 -c '
import csv, sys
bad = [(r["line"], r["status"], r["verified"]) for r in csv.DictReader(open(sys.argv[1]))
       if r["status"] != "skipped" or r["verified"] != ""]
sys.exit("%r" % bad if bad else 0)' "$T/r3.csv"
check "its report has the same columns" python3 -c '
import csv, sys
a = next(csv.reader(open(sys.argv[1]))); b = next(csv.reader(open(sys.argv[2])))
sys.exit(0 if a == b else "%r != %r" % (a, b))' "$T/r.csv" "$T/r2.csv"
emu_stop

# --verify and --undo-plan need --execute.
mq VST run "$T/plan.csv" --report "$T/dry.csv" --verify
if [ "$VST" = 2 ] && grep -q "need --execute" "$T/mq.err"; then
	ok "--verify without --execute: exit 2"; else
	fail "--verify without --execute: exit 2" "exit $VST" "$(cat "$T/mq.err")"; fi

# ---- --undo-plan -----------------------------------------------------------
make_plan "$T/plan.csv" 5 7
rm -f "$T"/s*.json
fresh_state "$T/plan.csv" "$T/s0.json"
start_emu "$T/plan.csv" --state "$T/s0.json" --save-state "$T/s1.json"
rm -f "$T"/r.csv*
run_exec "$T/plan.csv" "$T/r.csv" --again --undo-plan "$T/undo.csv" --workers 3
expect_status "run with --undo-plan: exit 0" 0
check "undo plan: one row per plan row" python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
sys.exit(0 if len(rows) == 12 and {r["type"] for r in rows} == {"1"} else "rows %r" % rows)' "$T/undo.csv"
mq VST validate "$T/undo.csv"
if [ "$VST" = 0 ]; then ok "undo plan: mqreset validate"; else
	fail "undo plan: mqreset validate" "exit $VST" "$(cat "$T/mq.out" "$T/mq.err")"; fi
check "undo plan: the positions before, the ticket kept, undo_of_line" \
    python3 - "$T/undo.csv" "$T/plan.csv" <(state_positions "$T/s0.json") <<'PY'
import csv, sys, datetime
undo = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
plan = list(csv.reader(open(sys.argv[2])))
before = {(g, t): int(p) for g, t, p in (l.split() for l in open(sys.argv[3]))}
for r in undo:
    ts = datetime.datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = int(ts.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    if ms != before[(r["group"], r["topic"])]:
        sys.exit("%s: %d, before %d" % (r["group"], ms, before[(r["group"], r["topic"])]))
    src = plan[int(r["undo_of_line"]) - 1]
    if src[1] != r["group"] or src[5] != r["ticket"]:
        sys.exit("undo_of_line %s: %r vs %r" % (r["undo_of_line"], src, r))
PY
emu_stop
start_emu "$T/plan.csv" --state "$T/s1.json" --save-state "$T/s2.json"
rm -f "$T"/u.csv*
run_exec "$T/undo.csv" "$T/u.csv" --again --verify --verify-timeout 2
expect_status "the undo plan applied: exit 0" 0
check "the undo plan applied: every row ok, verified" rc status "$T/u.csv" ok 12
emu_stop
check "the undo plan restored every position" \
    diff <(state_positions "$T/s0.json") <(state_positions "$T/s2.json")
check "the run had moved them (the check can fail)" \
    python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() == open(sys.argv[2]).read())' \
    <(state_positions "$T/s0.json") <(state_positions "$T/s1.json")
# An existing undo plan is not overwritten, and nothing is sent.
start_emu "$T/plan.csv" --state "$T/s0.json"
rm -f "$T"/r.csv*
run_exec "$T/plan.csv" "$T/r.csv" --again --undo-plan "$T/undo.csv"
if [ "$RUN_ST" = 2 ] || [ "$RUN_ST" = 3 ]; then
	if grep -q "undo plan .* already exists" "$T/mq.err" &&
	    [ ! -s "$T/journal.jsonl" ]; then
		ok "an existing undo plan is refused before sending"; else
		fail "an existing undo plan is refused before sending" \
		    "$(cat "$T/mq.err")"; fi
else
	fail "an existing undo plan is refused before sending" "exit $RUN_ST"
fi
emu_stop

# Reads the key may not make: the run stops before sending anything.
python3 - "$T/s0.json" "$T/deny.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for c in s["Credentials"]:
    c["Deny"] = ["OnsConsumerTimeSpan"]
json.dump(s, open(sys.argv[2], "w"))
PY
start_emu "$T/plan.csv" --state "$T/deny.json"
rm -f "$T"/r.csv* "$T/undo2.csv"
run_exec "$T/plan.csv" "$T/r.csv" --again --undo-plan "$T/undo2.csv" --workers 1
expect_status "position reads refused: exit 3" 3
check "position reads refused: nothing applied" rc applied "$T/journal.jsonl" 0
check "position reads refused: the row says why" rc field-is "$T/r.csv" 2 \
    status=failed error_code=mqreset.ReadFailed "error_message~Forbidden.RAM"
emu_stop

# ---- ambiguous clears resolved by read-back --------------------------------
make_plan "$T/plan.csv" 60 0
rm -f "$T"/s*.json
for f in 500-after close-after close-before; do
	start_emu "$T/plan.csv" --qps 1000 \
	    --fault "$f:p=0.3,action=OnsConsumerResetOffset"
	rm -f "$T"/r.csv*
	run_exec "$T/plan.csv" "$T/r.csv" --again --verify --verify-timeout 1 \
	    --workers 4 --max-attempts 8 --seed 3
	expect_status "$f, 60 type 0 rows under --verify: exit 0" 0
	check "$f: every row ok and verified" python3 -c '
import csv, sys
bad = [(r["line"], r["status"], r["verified"]) for r in csv.DictReader(open(sys.argv[1]))
       if r["status"] != "ok" or r["verified"] != "yes"]
sys.exit("%r" % bad if bad else 0)' "$T/r.csv"
	check "$f: no backlog cleared twice" rc type0-once "$T/journal.jsonl"
	check "$f: every row applied once" rc applied "$T/journal.jsonl" 60
	case $f in
	close-before)
		check "$f: rows not applied were sent again" python3 -c '
import csv, sys
n = sum(int(r["attempts"]) > 1 for r in csv.DictReader(open(sys.argv[1])))
sys.exit(0 if n > 0 else "no row sent twice")' "$T/r.csv" ;;
	*)
		check "$f: applied rows confirmed by read-back, sent once" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
conf = [r for r in rows if r["error_message"].startswith("applied (confirmed by read-back)")]
bad = [r["line"] for r in rows if r["attempts"] != "1"]
sys.exit(0 if conf and not bad else "confirmed %d, resent %r" % (len(conf), bad))' "$T/r.csv" ;;
	esac
	emu_stop
done
# The same faults without --verify: held unknown, as before.
start_emu "$T/plan.csv" --qps 1000 \
    --fault "500-after:p=0.3,action=OnsConsumerResetOffset"
rm -f "$T"/r.csv*
run_exec "$T/plan.csv" "$T/r.csv" --again --workers 4 --seed 3
expect_status "500-after without --verify: exit 1 (unknown rows)" 1
check "500-after without --verify: no backlog cleared twice" \
    rc type0-once "$T/journal.jsonl"
emu_stop

finish
