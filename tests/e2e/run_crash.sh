#!/usr/bin/env bash
# tests/e2e/run_crash.sh - kill -9 at random moments, then --resume, in a
# chain; SIGTERM (finish in-flight, rest not-run, exit 3); a second SIGTERM
# (in-flight rows unknown).  The emulator's journal proves that no type 0
# row is ever cleared twice without --retry-ambiguous and that a type 1 row
# is applied twice only when it was in flight at a kill.
#
# The kill moments and the runs' retry jitter come from one seed, printed
# first; CRASH_SEED=N replays a failure's draws (the timing of the runs
# themselves still varies).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

CRASH_SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
case $CRASH_SEED in
''|*[!0-9]*) echo "CRASH_SEED must be a number, not '$CRASH_SEED'" >&2; exit 2 ;;
esac
echo "seed: CRASH_SEED=$CRASH_SEED"
RANDOM=$CRASH_SEED

# bg REPORT ARGS...: start a run in the background; pid in BG.
bg() {
	local report=$1; shift
	"$MQRESET" run "$T/plan.csv" --report "$report" --execute \
	    --no-preflight --endpoint "$EMU_URL" --summary-json "$report.json" \
	    --seed $((CRASH_SEED + 1)) "$@" \
	    >"$report.out" 2>"$report.err" &
	BG=$!
	RUN_BG_PIDS="${RUN_BG_PIDS:-} $BG"
}
# wait_lines FILE N: until FILE has at least N lines (or 20 s).
wait_lines() {
	local i
	for ((i = 0; i < 400; i++)); do
		if [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}
bg_wait() { # -> RUN_ST
	RUN_ST=0
	wait "$BG" || RUN_ST=$?
}

# Final checks over the whole chain of runs.
chain_ok() { # FINAL_REPORT: all type 1 ok/skipped; type 0 ok/skipped/held
	python3 - "$1" "$T/journal.jsonl" "$@" <<'PY'
import csv, json, sys
from collections import Counter
final, journal = sys.argv[1], sys.argv[2]
reports = sys.argv[3:]
rows = list(csv.DictReader(open(final, newline="")))
applied = Counter()
for line in open(journal):
    if line.strip():
        j = json.loads(line)
        applied[(j["group_id"], j["topic"], j["type"])] += 1
bad = []
for r in rows:
    k = (r["group_id"], r["topic"], int(r["type"]))
    st = r["status"]
    if k[2] == 1:
        if st not in ("ok", "skipped") or applied[k] < 1:
            bad.append(("type 1 not done", r["line"], st, applied[k]))
    else:
        if applied[k] > 1:
            bad.append(("type 0 cleared twice", r["line"], applied[k]))
        if st == "unknown" and r["error_code"] != "mqreset.AmbiguousHeld":
            bad.append(("type 0 unknown, not held", r["line"]))
        if st in ("ok", "skipped") and applied[k] != 1:
            bad.append(("type 0 ok but applied", r["line"], applied[k]))
        if st not in ("ok", "skipped", "unknown"):
            bad.append(("type 0 left", r["line"], st))
# A row ok in a report is skipped by every later run of the chain (the
# reports are given in chain order after the final one), so it is never
# sent again: what was applied twice was in flight when a run was killed.
chain = [final if p == final else p for p in reports[1:]] + [final]
seen_ok = {}
for rep in chain:
    try:
        cur = list(csv.DictReader(open(rep, newline="")))
    except FileNotFoundError:
        continue
    for r in cur:
        k = (r["group_id"], r["topic"], int(r["type"]))
        if k in seen_ok and r["status"] != "skipped":
            bad.append(("ok in %s, %s in %s" % (seen_ok[k], r["status"],
                                                 rep), r["line"]))
    for r in cur:
        k = (r["group_id"], r["topic"], int(r["type"]))
        if r["status"] == "ok" and k not in seen_ok:
            seen_ok[k] = rep
if bad:
    print(bad[:10])
    sys.exit(1)
PY
}

make_plan "$T/plan.csv" 10 30
start_emu "$T/plan.csv" --qps 1000 --fault latency:ms=20,jitter=80

# 1. kill -9 twice at random moments, resuming each time, then complete.
kill_at() { # REPORT [ARGS...]: start, wait for K answered rows, kill -9
	local report=$1; shift
	bg "$report" --rate 40 --workers 6 "$@"
	local k=$(( 2 + RANDOM % 12 ))
	wait_lines "$report" "$k" || true
	sleep "0.0$(( RANDOM % 10 ))"
	kill -9 "$BG" 2>/dev/null || true
	bg_wait
}
kill_at "$T/k1.csv"
check "kill -9 #1: killed (status 137)" test "$RUN_ST" = 137
check "kill -9 #1: intent journal left behind" test -e "$T/k1.csv.intent"
kill_at "$T/k2.csv" --resume "$T/k1.csv"
check "kill -9 #2 (resumed run): killed" test "$RUN_ST" = 137
check "kill -9 #2: skipped rows written before any request" \
    count_at_least "$T/k2.csv" ,skipped, "$T/k1.csv" ,ok,
bg "$T/k3.csv" --resume "$T/k2.csv" --rate 200
bg_wait
check "resume to the end: exit 0 or 1 (held type 0 rows)" \
    test "$RUN_ST" = 0 -o "$RUN_ST" = 1
check "resume chain: report complete, in plan order" \
    rc plan-order "$T/k3.csv" "$T/plan.csv"
check "resume chain: ok rows never sent again; type 0 at most once" \
    chain_ok "$T/k3.csv" "$T/k1.csv" "$T/k2.csv"
# held_explained REPORT: no unknown row, or the report says how to send it.
held_explained() {
	! grep -q ',unknown,' "$1" || has_text "$1" retry-ambiguous
}
check "resume chain: held rows explained" held_explained "$T/k3.csv"
# The operator decides to send the held rows again.
bg "$T/k4.csv" --resume "$T/k3.csv" --rate 200 --retry-ambiguous
bg_wait
expect_status "--resume --retry-ambiguous: exit 0" 0
check "--retry-ambiguous: every row ok or skipped" \
    statuses "$T/k4.csv" unknown 0 failed 0

# 2. SIGTERM: in-flight rows finish, the rest is not-run, exit 3.  (Its
# reports in their own directory: the chain above applied this plan, and
# a run refuses a plan applied by a report next to its own.)
mkdir -p "$T/s" "$T/d"
emu_stop >/dev/null || true
start_emu "$T/plan.csv" --qps 1000 --fault latency:ms=50
bg "$T/s/s1.csv" --rate 10 --workers 4
wait_lines "$T/s/s1.csv" 4 || true
kill -TERM "$BG"
bg_wait
expect_status "SIGTERM: exit 3" 3
check "SIGTERM: report complete, in plan order" rc plan-order "$T/s/s1.csv" "$T/plan.csv"
check "SIGTERM: not-run rows, ok rows applied once, nothing else" \
    all_of summary_has "$T/s/s1.csv.json" 'status.not-run>=20' ';' \
    applied_once "$T/s/s1.csv" "$T/journal.jsonl"
check "SIGTERM: said so" grep -q 'interrupted' "$T/s/s1.csv.err"
check "SIGTERM: intent journal removed (report complete)" test ! -e "$T/s/s1.csv.intent"

# 3. Two SIGTERMs: requests in flight (3 s each) are interrupted: unknown;
# the workers are joined, so the run ends as after one signal.
emu_stop >/dev/null || true
make_plan "$T/plan.csv" 8 0
start_emu "$T/plan.csv" --qps 1000 --fault latency:ms=3000
bg "$T/d/d1.csv" --rate 100 --workers 4
wait_lines "$T/d/d1.csv.intent" 5 || true # header + 4 type 0 rows in flight
kill -TERM "$BG"
sleep 0.2
kill -TERM "$BG"
bg_wait
expect_status "second SIGTERM: exit 3" 3
check "second SIGTERM: 4 in flight are unknown (aborted), 4 not-run" \
    all_of statuses "$T/d/d1.csv" unknown 4 not-run 4 ';' \
    lines_with "$T/d/d1.csv" mqreset.Aborted 4
check "second SIGTERM: report complete" rc plan-order "$T/d/d1.csv" "$T/plan.csv"
check "second SIGTERM: workers joined, journal removed" test ! -e "$T/d/d1.csv.intent"
sleep 3.2 # let the emulator apply what it received
bg "$T/d/d2.csv" --resume "$T/d/d1.csv" --rate 100
bg_wait
expect_status "resume after abort: exit 1 (held rows)" 1
check "resume after abort: the 4 unknown type 0 rows held, 4 sent" \
    all_of statuses "$T/d/d2.csv" unknown 4 ok 4 ';' \
    cleared_once "$T/journal.jsonl"

finish
