#!/usr/bin/env bash
# tests/e2e/run_limits.sh - throttling storms (the emulator's QPS limit
# and forced throttling: the adaptive limiter cuts the rate, rows still
# end ok, nothing applied twice), --max-failures N and P%, and
# --stop-on-error.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

# 1. Storm: the emulator allows 20 req/s, we ask for 400.
make_plan "$T/plan.csv" 8 32
start_emu "$T/plan.csv" --qps 20
run_exec "$T/plan.csv" "$T/r1.csv" --rate 400 --max-attempts 10 --workers 8
expect_status "QPS storm: exit 0" 0
check "QPS storm: all 40 ok, each applied once" \
    rc journal-once "$T/r1.csv" "$T/journal.jsonl"
check "QPS storm: throttled replies counted" \
    test "$(rc json "$T/r1.csv.json" throttled)" -gt 0
check "QPS storm: the rate was cut" \
    test "$(rc json "$T/r1.csv.json" rate_cuts)" -gt 0
check "QPS storm: the final rate is below --rate" python3 -c "
import json,sys; d=json.load(open('$T/r1.csv.json')); sys.exit(not d['final_rate'] < 400)"
check "QPS storm: retries = requests - rows" python3 -c "
import json,sys; d=json.load(open('$T/r1.csv.json')); sys.exit(d['retries'] != d['requests'] - 40)"
emu_stop >/dev/null || true

# 2. Forced throttling of half the requests, whatever the rate.
start_emu "$T/plan.csv" --qps 1000 --fault throttle:p=0.3
# (A fresh emulator: the plan r1.csv applied, again on purpose.)
run_exec "$T/plan.csv" "$T/r2.csv" --rate 300 --max-attempts 12 --again
expect_status "forced throttling: exit 0" 0
check "forced throttling: all ok, applied once" \
    rc journal-once "$T/r2.csv" "$T/journal.jsonl"
check "forced throttling: Throttling counted" \
    test "$(rc json "$T/r2.csv.json" throttled)" -gt 3
emu_stop >/dev/null || true

# 3. --max-failures: 6 rows the service does not know, then good ones.
make_plan "$T/good.csv" 0 20
start_emu "$T/good.csv" --qps 1000
{
	head -n 1 "$T/good.csv"
	for i in 1 2 3 4 5 6; do
		echo "$RUN_INSTANCE,GID_nowhere_$i,t01,1,2024-06-03T10:00:00+08:00,x"
	done
	tail -n +2 "$T/good.csv"
} >"$T/bad.csv"
run_exec "$T/bad.csv" "$T/r3.csv" --max-failures 3 --workers 1 --rate 500
expect_status "--max-failures 3: exit 3" 3
check "--max-failures 3: exactly 3 failed, the rest not-run" \
    all_of statuses "$T/r3.csv" failed 3 not-run 23 ';' \
    applied_count "$T/journal.jsonl" 0
check "--max-failures: the reason is in the summary" \
    grep -q 'failure limit reached' "$T/mq.err"
run_exec "$T/bad.csv" "$T/r4.csv" --stop-on-error --workers 1 --rate 500
expect_status "--stop-on-error: exit 3" 3
check "--stop-on-error: 1 failed" rc status "$T/r4.csv" failed 1
# 20% of 26 rows = 5 failures.
run_exec "$T/bad.csv" "$T/r5.csv" --max-failures 20% --workers 1 --rate 500
expect_status "--max-failures 20%: exit 3" 3
check "--max-failures 20%: 5 failed" rc status "$T/r5.csv" failed 5
# A limit that is not reached: the run completes, exit 1.
run_exec "$T/bad.csv" "$T/r6.csv" --max-failures 7 --rate 500
expect_status "--max-failures 7 not reached: exit 1" 1
check "--max-failures 7: 6 failed, 20 ok" \
    all_of statuses "$T/r6.csv" failed 6 ';' \
    applied_once "$T/r6.csv" "$T/journal.jsonl"

finish
