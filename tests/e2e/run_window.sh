#!/usr/bin/env bash
# tests/e2e/run_window.sh - a change window's fix-and-resume loop against
# the emulator: a plan with typos fails some rows; the operator fixes the
# plan and resumes (accepted: only failed rows changed), twice, with the
# chain given to --resume in any order; an edit of a row that was applied
# is refused naming both lines; skipped rows keep the request id and time
# that applied them; `mqreset report` merges the chain (csv, json, table)
# and --failed writes a plan that validates; a run killed with -9 is
# continued with --resume (the message never hints at --force); a plan
# already applied next to the new report is refused without --resume or
# --again.  The emulator's journal proves no backlog is cleared twice.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$LIBDIR/files.bash"

has() { grep -qF -- "$1" "$2"; }
hasnt() { ! grep -qF -- "$1" "$2"; }
count_is() { # WANT PATTERN FILE: fixed-string occurrences
	local n; n=$(grep -oF -- "$2" "$3" | wc -l)
	[ "$n" = "$1" ] || { echo "$n occurrences of '$2', expected $1"; return 1; }
}
field() { rc field "$@"; }

# 4 type 0 and 4 type 1 rows (lines 2..9); line 3 is GID_g_r000 (type 1),
# line 6 is GID_g_c002 (type 0), line 7 is GID_g_r002 (type 1).
make_plan "$T/plan.csv" 4 4
start_emu "$T/plan.csv" --qps 1000
cd "$T"
# Two typos: lines 3 and 7 name groups that do not exist.
sed -e 's/GID_g_r000/GID_g_rXX0/' -e 's/GID_g_r002/GID_g_rXX2/' plan.csv \
    >typos.csv
sed -e 's/GID_g_r002/GID_g_rXX2/' plan.csv >fix1.csv
R=(--rate 200)

# ---- run 1: two rows fail ----------------------------------------------
run_exec typos.csv r1.csv "${R[@]}"
check "run 1 with two typos: exit 1" test "$RUN_ST" = 1
check "run 1: line 3 failed" status_at r1.csv 3 failed
check "run 1: line 7 failed" status_at r1.csv 7 failed

# ---- an edit of an applied row is refused ------------------------------
# Line 6 (type 0, ok in r1) turned into type 1: it may have been applied.
sed -e 's/^\(.*GID_g_c002,t02\),0,,/\1,1,2024-06-03T10:00:00+08:00,/' \
    fix1.csv >bad.csv
mq_marked RUN_ST run bad.csv --report rbad.csv --resume r1.csv --execute \
    --endpoint "$EMU_URL"
check "resume with an applied row edited: exit 2" test "$RUN_ST" = 2
check "the refusal names the report line" has "r1.csv:6: the row for plan line 6 is ok" "$T/mq.err"
check "the refusal names the plan line that took its place" \
    has "bad.csv:6 now holds its group and topic" "$T/mq.err"
check "the refusal is said once, whole" count_is 1 "refusing to resume" "$T/mq.err"
check "no doubled prefix" hasnt "does not belong" "$T/mq.err"
check "refused resume: nothing sent" nothing_sent
# The same row removed from the plan.
grep -v GID_g_c002 fix1.csv >gone.csv
mq RUN_ST run gone.csv --report rgone.csv --resume r1.csv --execute \
    --endpoint "$EMU_URL"
check "resume with an applied row removed: exit 2" test "$RUN_ST" = 2
check "removed row: no line of the plan holds it" \
    has "no line of gone.csv has its instance, group and topic" "$T/mq.err"

# ---- run 2: one typo fixed, resumed ------------------------------------
run_exec fix1.csv r2.csv --resume r1.csv "${R[@]}"
check "resume with a failed row fixed: accepted (exit 1: one typo left)" \
    test "$RUN_ST" = 1
check "run 2: the fixed row is ok" status_at r2.csv 3 ok
check "run 2: the other typo still fails" status_at r2.csv 7 failed
check "run 2: line 2 skipped" status_at r2.csv 2 skipped
rid1=$(field r1.csv 2 request_id); fin1=$(field r1.csv 2 finished_at)
check "skipped row keeps the request id that applied it" \
    test "$(field r2.csv 2 request_id)" = "$rid1" -a -n "$rid1"
check "skipped row keeps the time it was applied" \
    test "$(field r2.csv 2 finished_at)" = "$fin1" -a -n "$fin1"

mq_marked RUN_ST run plan.csv --report rdup.csv --resume r1.csv \
    --resume ./r1.csv --execute --endpoint "$EMU_URL"
check "one report twice in a --resume chain: exit 2" test "$RUN_ST" = 2
check "one report twice: said so" has "name the same report" "$T/mq.err"

# ---- run 3: the last typo fixed; the chain in reverse order ------------
run_exec plan.csv r3.csv --resume r2.csv --resume r1.csv "${R[@]}"
check "run 3 over the chain r2, r1: exit 0" test "$RUN_ST" = 0
check "run 3: line 7 ok" status_at r3.csv 7 ok
check "run 3: line 3 skipped (ok in r2)" status_at r3.csv 3 skipped
check "run 3: skipped line 3 names r2's request" \
    test "$(field r3.csv 3 request_id)" = "$(field r2.csv 3 request_id)"
check "run 3: skipped line 2 still names r1's request" \
    test "$(field r3.csv 2 request_id)" = "$rid1"
check "no backlog cleared twice" type0_once

# ---- mqreset report: the merged audit trail ----------------------------
mq st report r3.csv r1.csv r2.csv
check "report of the chain (any order): exit 0" test "$st" = 0
cp "$T/mq.out" merged.csv
check "merged csv: one row per plan row plus the two typos" \
    test "$(($(wc -l <merged.csv) - 1))" = 10
python3 - merged.csv r1.csv r2.csv r3.csv >"$T/py.out" 2>&1 <<'PY' && ok "merged view: status, proof and history per row" || fail "merged view: status, proof and history per row" "$(cat "$T/py.out")"
import csv, sys
m = {(r["group_id"]): r for r in csv.DictReader(open(sys.argv[1]))}
rep = [list(csv.DictReader(open(p))) for p in sys.argv[2:]]
def row(i, g): return next(r for r in rep[i] if r["group_id"] == g)
bad = []
for g, r in m.items():
    if g.startswith("GID_g_rXX"):
        if r["status"] != "failed" or "edited or removed" not in r["history"]:
            bad.append(("typo row not dropped", g, r["status"], r["history"]))
        continue
    if r["status"] != "ok":
        bad.append(("not ok", g, r["status"]))
# Line 2 was applied by r1: its request id and r1 decide.
if m["GID_g_c000"]["request_id"] != row(0, "GID_g_c000")["request_id"]:
    bad.append("line 2: not r1's request id")
if not m["GID_g_c000"]["decided_by"].endswith("r1.csv:2"):
    bad.append(("line 2 decided by", m["GID_g_c000"]["decided_by"]))
# The fixed rows: decided by the run that applied them.
if not m["GID_g_r000"]["decided_by"].endswith("r2.csv:3"):
    bad.append(("line 3 decided by", m["GID_g_r000"]["decided_by"]))
if m["GID_g_r002"]["request_id"] != row(2, "GID_g_r002")["request_id"]:
    bad.append("line 7: not r3's request id")
if m["GID_g_r000"]["history"].count(";") != 1:
    bad.append(("line 3 history", m["GID_g_r000"]["history"]))
if m["GID_g_c000"]["attempts"] != "1":
    bad.append(("line 2 attempts", m["GID_g_c000"]["attempts"]))
if m["GID_g_c000"]["ticket"] != "T-0":
    bad.append("extra column lost")
print(bad)
sys.exit(1 if bad else 0)
PY
check "merged: every ok row applied once, with its request id; nothing else" \
    rc journal-once merged.csv "$T/journal.jsonl"
mq st validate merged.csv
check "the merged csv is a valid plan" test "$st" = 0
mq st report --format json r1.csv r2.csv r3.csv
check "report --format json: exit 0" test "$st" = 0
check "json: reports in time order, rows with history" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [p.rsplit("/", 1)[-1] for p in d["reports"]] == ["r1.csv", "r2.csv", "r3.csv"], d["reports"]
assert len(d["rows"]) == 10
assert all("history" in r and "decided_by" in r for r in d["rows"])
' "$T/mq.out"
mq st report --format table r1.csv r2.csv
check "report of r1, r2: exit 1 (a row still failed)" test "$st" = 1
check "table: a header and the failed row" has "DECIDED_BY" "$T/mq.out"
check "table: the counts on stderr" has "failed" "$T/mq.err"

# ---- report --failed: the rows to try again, as a plan -----------------
"$MQRESET" report --failed r1.csv >retry.csv 2>"$T/mq.err" || true
check "--failed: header and the two failed rows" \
    test "$(wc -l <retry.csv)" = 3
check "--failed: the typo rows" has "GID_g_rXX2" retry.csv
mq st validate retry.csv
check "--failed output validates" test "$st" = 0
"$MQRESET" report --failed r1.csv r2.csv r3.csv >retry3.csv 2>/dev/null
check "--failed over the whole chain: nothing to try again" \
    test "$(wc -l <retry3.csv)" = 1
mq st report --failed --format json r1.csv
check "--failed is CSV only" test "$st" = 2
mq st report r1.csv --output merged.csv
check "--output refuses an existing file" test "$st" = 2
mq st report nosuch.csv
check "report of a missing file: exit 2" test "$st" = 2

# ---- plan already applied ----------------------------------------------
mq_marked RUN_ST run plan.csv --report r4.csv --execute --endpoint "$EMU_URL"
check "the same plan again, new report: exit 2" test "$RUN_ST" = 2
check "it names the report that applied it" has "this plan was already applied" "$T/mq.err"
check "it says the ways on" has "--again" "$T/mq.err"
check "plan already applied: nothing sent" nothing_sent
mq_marked RUN_ST run plan.csv --report r3.csv --force --execute --endpoint "$EMU_URL"
check "--force over the report that applied it: exit 2" test "$RUN_ST" = 2
check "--force: nothing sent" nothing_sent
# A dry run sends nothing: not refused.
mq RUN_ST run plan.csv --report dry.csv --endpoint "$EMU_URL"
check "a dry run of it is not refused" test "$RUN_ST" = 0
run_exec plan.csv r4.csv --again "${R[@]}"
check "--again: exit 0" test "$RUN_ST" = 0
check "--again: every row applied a second time, as asked" \
    applied_count "$T/journal.jsonl" 16

# ---- kill -9, then the same command again ------------------------------
mkdir k && cd k
make_plan plan.csv 30 0 k
emu_stop
start_emu plan.csv --qps 1000
bg_run k.csv plan.csv --execute --endpoint "$EMU_URL" --rate 5 --workers 1
wait_lines k.csv 4 || true
kill -9 "$BG_PID"; bg_join
check "killed run left its journal" test -f k.csv.intent
mq_marked RUN_ST run plan.csv --report k.csv --execute --endpoint "$EMU_URL"
check "running again on the killed report: exit 2" test "$RUN_ST" = 2
check "it says to continue with --resume" has \
    "k.csv.intent exists: the run writing k.csv was interrupted; continue it with --resume k.csv" "$T/mq.err"
check "it never hints at --force" hasnt "--force" "$T/mq.err"
check "nothing sent" nothing_sent
mq_marked RUN_ST run plan.csv --report k.csv --force --execute --endpoint "$EMU_URL"
check "--force over the killed report: refused (rows applied)" test "$RUN_ST" = 2
check "--force over the killed report: nothing sent" nothing_sent
run_exec plan.csv k2.csv --resume k.csv --rate 200
check "continued with --resume: exit 0 (or 1: a row in flight held)" \
    exit_is 0 1
check "killed and continued: no backlog cleared twice" type0_once

finish
