#!/usr/bin/env bash
# tests/e2e/run_truth.sh - outcomes told as they are, against an emulator
# that misbehaves the way gateways do: a 5xx after the backend applied the
# reset (500 JSON, 504 HTML page), a 500 or 503 that applied nothing,
# throttling replies that ask every client for quiet, an instance that
# does not exist, and an endpoint nobody answers on.  The emulator's
# journal of applied resets and its request log are the witnesses.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

tc() { python3 "$LIBDIR/truthcheck.py" "$@"; }

# fresh N0 N1 FAULT...: a new plan and an emulator with the faults and a
# request log in $T/req.jsonl.
fresh() {
	local n0=$1 n1=$2; shift 2
	emu_stop >/dev/null 2>&1 || true
	make_plan "$T/plan.csv" "$n0" "$n1"
	local args=() f
	for f in "$@"; do args+=(--fault "$f"); done
	rm -f "$T/req.jsonl"
	start_emu "$T/plan.csv" --qps 1000 --request-log "$T/req.jsonl" \
	    "${args[@]}"
	rm -f "$T"/r.csv*
}
go() { run_exec "$T/plan.csv" "$T/r.csv" --rate 400 --seed 5 "$@"; }

# A 500 after the backend applied the clear: never sent again, unknown.
for kind in 500-after 504-after; do
	fresh 400 0 "$kind:p=0.2"
	go
	expect_status "$kind, 400 type 0 rows: exit 1 (some unknown)" 1
	check "$kind: no backlog cleared twice" tc applied-once "$T/journal.jsonl"
	check "$kind: every applied row not ok is unknown" \
	    tc applied-not-ok "$T/r.csv" "$T/journal.jsonl" unknown
	check "$kind: every ok row applied" \
	    tc ok-applied "$T/r.csv" "$T/journal.jsonl"
done
# Type 1 under the same faults: retried (idempotent), all ok.
fresh 0 200 500-after:p=0.2
go --max-attempts 12 # a row hit 12 times in a row: p = 4e-9
expect_status "500-after, type 1: exit 0 (retried)" 0
check "500-after, type 1: all ok" rc status "$T/r.csv" ok 200
# A 500 that applied nothing looks the same from outside: type 0 is held
# unknown (nothing applied twice), not retried behind the operator's back.
fresh 200 0 internal-error:p=0.2
go
expect_status "500 (not applied), type 0: exit 1" 1
check "500 (not applied): nothing cleared twice" tc applied-once "$T/journal.jsonl"
check "500 (not applied): every ok row applied" \
    tc ok-applied "$T/r.csv" "$T/journal.jsonl"
# 503 says nothing was done: retried, every row ok and applied once.
fresh 200 0 unavailable:p=0.2
go --max-attempts 12
expect_status "503, type 0: exit 0 (retried)" 0
check "503: all ok, applied once each" rc journal-once "$T/r.csv" "$T/journal.jsonl"

# Throttle hints hold every worker, not only the one that got the reply.
fresh 0 300 throttle-hint:every=25,ms=700
go --rate 200 --workers 8
expect_status "throttle hints: exit 0" 0
check "throttle hints: all ok" rc status "$T/r.csv" ok 300
check "throttle hints: no request inside a quiet window" \
    tc quiet "$T/req.jsonl" 40

# An instance that does not exist fails its own rows only, unsent after
# the first answer; the other instance goes on.
emu_stop >/dev/null 2>&1 || true
{
	echo "InstanceId,GroupId,Topic,Type,ResetTimestamp"
	for i in $(seq 1 20); do
		printf 'MQ_INST_1234567890123456_BXgood001,GID_good_%02d,t1,1,1717380000000\n' "$i"
		printf 'MQ_INST_1234567890123456_BXgone001,GID_gone_%02d,t1,0,\n' "$i"
	done
} >"$T/two.csv"
grep -v gone "$T/two.csv" >"$T/known.csv"
start_emu "$T/known.csv" --qps 1000
rm -f "$T"/r.csv*
run_exec "$T/two.csv" "$T/r.csv" --rate 100 --workers 2
expect_status "unknown instance: exit 1" 1
check "unknown instance: its 20 rows failed" rc status "$T/r.csv" failed 20
check "unknown instance: the other's 20 rows ok" rc status "$T/r.csv" ok 20
check "unknown instance: at most one request per worker sent to it" \
    tc attempts "$T/r.csv" GID_gone_ 2
check "unknown instance: unsent rows say why" \
    grep -q 'not sent: instance MQ_INST_1234567890123456_BXgone001 failed' "$T/r.csv"

# A RAM policy denies the action: the run stops at once, the detail of
# the denial (action, principal) in the message.
emu_stop >/dev/null 2>&1 || true
tc deny-state "$LIBDIR/../../../samples/emulator-state.json" "$T/deny.json" \
    OnsConsumerResetOffset
rm -f "$T/creds" "$T/emu.out"
emu_start --state "$T/deny.json" --write-credentials "$T/creds" --qps 1000
{
	echo "InstanceId,GroupId,Topic,Type,ResetTimestamp"
	for i in $(seq 1 30); do
		printf 'MQ_INST_1234567890123456_BXhFqGdd,GID_deny_%02d,orders,0,\n' "$i"
	done
} >"$T/deny.csv"
rm -f "$T"/r.csv*
run_exec "$T/deny.csv" "$T/r.csv" --rate 100 --workers 2
expect_status "RAM denial: exit 3" 3
check "RAM denial: the message names the denied action" \
    grep -q 'Forbidden.RAM.*action mq:ResetConsumerOffset' "$T/mq.err"
check "RAM denial: rows not sent are not-run" \
    test "$(rc json "$T/r.csv.json" status.not-run)" -ge 27

# Nobody listens: the run stops after --max-consecutive-failures, exit 3.
emu_stop >/dev/null 2>&1 || true
make_plan "$T/plan.csv" 0 300
rm -f "$T"/r.csv*
mq RUN_ST run "$T/plan.csv" --report "$T/r.csv" --execute --no-preflight \
    --endpoint http://127.0.0.1:1 --summary-json "$T/r.csv.json" --rate 1000 \
    --connect-timeout 1
expect_status "unreachable endpoint: exit 3" 3
check "unreachable endpoint: stopped after 20 failures in a row" \
    grep -q '20 requests in a row failed' "$T/mq.err"
check "unreachable endpoint: few requests, not every row's retries" \
    test "$(rc json "$T/r.csv.json" requests)" -le 40
check "unreachable endpoint: the rest not-run" \
    test "$(rc json "$T/r.csv.json" status.not-run)" -ge 250

finish
