#!/usr/bin/env bash
# tests/e2e/run_quota.sh - `mqreset run` holds the account quota against
# each limiter the emulator can enforce (--qps-window token, fixed,
# sliding): 300 rows at --rate 50 against a limit of 50 per second, all
# ok, applied once, and from the emulator's request log few throttled
# replies (at most 2 % of the requests) and none in the first second.
# Then the same under a sliding window with throttle hints on: no request
# reaches the server while a hint it sent says wait.  Behaviour only:
# no figure here depends on the machine's speed (bench/run.sh measures).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

# quota_log LOG: the throttling figures of a request log; exits
# non-zero naming the first that is out of bounds.
quota_log() {
	python3 - "$@" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rs = [r for r in rs if r.get("action") == "OnsConsumerResetOffset"]
rs.sort(key=lambda r: r["t_ms"])
thr = [r for r in rs if r.get("code") == "Throttling.User"]
t0 = rs[0]["t_ms"]
first = [r for r in thr if r["t_ms"] - t0 < 1000]
bad = []
if len(thr) > 0.02 * len(rs):
    bad.append("%d throttled of %d requests" % (len(thr), len(rs)))
if first:
    bad.append("%d throttled in the first second" % len(first))
if bad:
    print("; ".join(bad))
    sys.exit(1)
PY
}

make_plan "$T/plan.csv" 60 240
for kind in token fixed sliding; do
	rm -f "$T/req.log"
	start_emu "$T/plan.csv" --qps-window "$kind" \
	    --qps-action OnsConsumerResetOffset=50 --request-log "$T/req.log"
	# Each emulator is a fresh account: the plan again, on purpose.
	run_exec "$T/plan.csv" "$T/r_$kind.csv" --rate 50 --workers 8 --again
	expect_status "$kind window: exit 0" 0
	check "$kind window: all 300 ok, each applied once" \
	    all_of statuses "$T/r_$kind.csv" ok 300 ';' \
	    applied_once "$T/r_$kind.csv" "$T/journal.jsonl"
	emu_stop >/dev/null || true
	check "$kind window: <= 2 % throttled, none in the first second" \
	    quota_log "$T/req.log"
done

# Hints on: every throttling reply says wait 300 ms.  The limit is
# below --rate so that the server does throttle.
rm -f "$T/req.log"
start_emu "$T/plan.csv" --qps-window sliding --throttle-hint-ms 300 \
    --qps-action OnsConsumerResetOffset=40 --request-log "$T/req.log"
run_exec "$T/plan.csv" "$T/r_hint.csv" --rate 50 --workers 8 \
    --max-attempts 20 --again
expect_status "hints: exit 0" 0
check "hints: all 300 ok, each applied once" \
    all_of statuses "$T/r_hint.csv" ok 300 ';' \
    applied_once "$T/r_hint.csv" "$T/journal.jsonl"
emu_stop >/dev/null || true
check "hints: the server throttled" \
    python3 -c "import sys; sys.exit(not any('Throttling.User' in l for l in open('$T/req.log')))"
check "hints: nothing sent while a hint said wait" \
    python3 -c "
import json, sys
rs = [json.loads(l) for l in open('$T/req.log') if l.strip()]
h = [(r['t_done_ms'], r['t_done_ms'] + r['hint_ms']) for r in rs
     if r.get('hint_ms', 0) > 0]
v = [r for r in rs if any(a + 2 < r['t_ms'] < b for a, b in h)]
print('%d of %d requests sent while a hint said wait' % (len(v), len(rs)))
sys.exit(1 if v or not h else 0)"
finish
