#!/usr/bin/env bash
# tests/e2e/emulator_faults.sh - every fault kind of mqreset-emulator,
# reproduced by flag: what the client sees (status, body, closed or
# stalled connection) and what the journal proves was applied.  Also:
# group matching, max=, faults from the state file, the exit summary and
# determinism of p= decisions under one --seed.  Time is asserted only as
# a lower bound (a delay must be at least what was asked).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${MQRESET_EMULATOR:=$PWD/${BUILD:-build}/mqreset-emulator}"
EMU_DIR=$(mktemp -d)
trap 'emu_stop >/dev/null 2>&1 || true; rm -rf "$EMU_DIR"' EXIT
source tests/e2e/lib/emulator.bash

INST=MQ_INST_1234567890123456_BXhFqGdd
KEY=LTAI5tEmulatorSample0001
SECRET=emulatorSampleSecret0000000001

# reset GROUP TOPIC TYPE [TS]: POST a signed reset with curl options
# $CURL_EXTRA; prints "curl_exit status" and leaves the body in body.
reset() {
	local -a c extra=()
	mapfile -t c < <(emu_common "$KEY" OnsConsumerResetOffset)
	local q rc=0 st
	q=$(emu_sign_v1 POST "$SECRET" "${c[@]}" InstanceId=$INST GroupId=$1 \
	    Topic=$2 Type=$3 ${4:+ResetTimestamp=$4})
	read -r -a extra <<<"${CURL_EXTRA:-}"
	st=$(curl -s "${extra[@]}" -o "$EMU_DIR/body" -w '%{http_code}' \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data-binary "$q" "$EMU_URL/") || rc=$?
	echo "$rc $st"
}

journal_lines() { [ -f "$EMU_DIR/j.jsonl" ] && wc -l <"$EMU_DIR/j.jsonl" || echo 0; }
journal_reply() { tail -n 1 "$EMU_DIR/j.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["reply"])'; }
code_of() { emu_json "$EMU_DIR/body" 'd.get("Code")'; }

# with_fault SPEC...: restart the emulator with these faults, fresh journal.
with_fault() {
	emu_stop || true
	rm -f "$EMU_DIR/j.jsonl"
	local -a args=()
	local f
	for f in "$@"; do args+=(--fault "$f"); done
	emu_start --state samples/emulator-state.json --journal "$EMU_DIR/j.jsonl" \
	    --qps-action OnsConsumerResetOffset=0 "${args[@]}"
}

# ---- latency -----------------------------------------------------------------
with_fault latency:ms=300
t0=$(date +%s%N)
r=$(reset GID_order_sync orders 0)
t1=$(date +%s%N)
expect "latency: answered" "0 200" "$r"
[ $(( (t1 - t0) / 1000000 )) -ge 300 ] && ok "latency: at least 300 ms" ||
    bad "latency: at least 300 ms" "$(( (t1 - t0) / 1000000 )) ms"
expect "latency: applied" 1 "$(journal_lines)"

# ---- error answers, nothing applied -----------------------------------------
with_fault internal-error
r=$(reset GID_order_sync orders 0)
expect "internal-error: 500 InternalError" "0 500 InternalError" "$r $(code_of)"
expect "internal-error: nothing applied" 0 "$(journal_lines)"

with_fault unavailable
r=$(reset GID_order_sync orders 0)
expect "unavailable: 503 ServiceUnavailable" "0 503 ServiceUnavailable" "$r $(code_of)"
expect "unavailable: nothing applied" 0 "$(journal_lines)"

with_fault throttle
r=$(reset GID_order_sync orders 0)
expect "throttle: 400 Throttling.User" "0 400 Throttling.User" "$r $(code_of)"
expect "throttle: nothing applied" 0 "$(journal_lines)"

# ---- connection faults ---------------------------------------------------------
with_fault close-before
r=$(reset GID_order_sync orders 0)
expect "close-before: empty reply (curl 52)" "52 000" "$r"
expect "close-before: nothing applied" 0 "$(journal_lines)"

with_fault close-after
r=$(reset GID_order_sync orders 0)
expect "close-after: empty reply (curl 52)" "52 000" "$r"
expect "close-after: applied once" 1 "$(journal_lines)"
expect "close-after: journal says so" close-after "$(journal_reply)"

with_fault stall-after:ms=30000
r=$(CURL_EXTRA="--max-time 1" reset GID_order_sync orders 0)
expect "stall-after: client times out (curl 28)" "28 000" "$r"
expect "stall-after: applied once" 1 "$(journal_lines)"
expect "stall-after: journal says so" stall-after "$(journal_reply)"
# Stopping with a stalled connection still exits cleanly.
rc=0; emu_stop || rc=$?
expect "stop with a stalled connection" 0 "$rc"

with_fault drip:ms=10
t0=$(date +%s%N)
r=$(reset GID_order_sync orders 0)
t1=$(date +%s%N)
expect "drip: answered" "0 200" "$r"
len=$(wc -c <"$EMU_DIR/body")
expect "drip: complete JSON body" 36 "$(emu_json "$EMU_DIR/body" 'len(d["RequestId"])')"
[ $(( (t1 - t0) / 1000000 )) -ge $(( (len - 1) * 10 )) ] &&
    ok "drip: at least 10 ms per byte" ||
    bad "drip: at least 10 ms per byte" "$(( (t1 - t0) / 1000000 )) ms for $len bytes"
expect "drip: journal says so" drip "$(journal_reply)"

# ---- garbled answers -----------------------------------------------------------
with_fault non-json
r=$(reset GID_order_sync orders 0)
expect "non-json: status 200" "0 200" "$r"
head -c 6 "$EMU_DIR/body" | grep -q '<html>' && ok "non-json: HTML body" ||
    bad "non-json: HTML body" "$(head -c 60 "$EMU_DIR/body")"
expect "non-json: nothing applied" 0 "$(journal_lines)"

with_fault no-request-id
r=$(reset GID_order_sync orders 0)
expect "no-request-id: 200 {}" "0 200 {}" "$r $(cat "$EMU_DIR/body")"
expect "no-request-id: applied" 1 "$(journal_lines)"
expect "no-request-id: journal says so" no-request-id "$(journal_reply)"

with_fault reconsume-later
r=$(reset GID_order_sync orders 0)
expect "reconsume-later: 200 with Code" "0 200 reconsumeLater" "$r $(code_of)"
expect "reconsume-later: nothing applied" 0 "$(journal_lines)"
r=$(reset GID_order_sync payments 1 1800000000000)
expect "reconsume-later: type 1 unaffected" "0 200" "$r"
expect "reconsume-later: type 1 applied" 1 "$(journal_lines)"

# ---- matching, max, summary --------------------------------------------------
with_fault internal-error:group=GID_billing,max=1 close-before:topic=nothing
r=$(reset GID_order_sync payments 0)
expect "group match: other group untouched" "0 200" "$r"
r=$(reset GID_billing payments 0)
expect "group match: matching group hit" "0 500" "$r"
r=$(reset GID_billing payments 0)
expect "max=1: second request untouched" "0 200" "$r"
emu_stop
grep -q 'faults: latency=0 internal-error=1 unavailable=0 throttle=0 close-before=0 ' \
    "$EMU_DIR/emu.err" && ok "exit summary counts faults" ||
    bad "exit summary counts faults" "$(grep faults: "$EMU_DIR/emu.err")"

# Faults from the state file.
python3 - "$EMU_DIR/state.json" <<'EOF'
import json, sys
s = json.load(open("samples/emulator-state.json"))
s["Faults"] = ["unavailable:every=2"]
json.dump(s, open(sys.argv[1], "w"))
EOF
emu_start --state "$EMU_DIR/state.json" --qps-action OnsConsumerResetOffset=0
r1=$(reset GID_order_sync orders 0); r2=$(reset GID_order_sync orders 0)
expect "state file faults: every=2" "0 200 / 0 503" "$r1 / $r2"
emu_stop

# ---- determinism under --seed -----------------------------------------------
seq_of() { # seed: statuses of 12 resets under unavailable:p=0.5
	emu_start --state samples/emulator-state.json --seed "$1" \
	    --qps-action OnsConsumerResetOffset=0 --fault unavailable:p=0.5
	local s="" i
	for i in $(seq 12); do s+="$(reset GID_order_sync orders 0 | cut -d' ' -f2) "; done
	emu_stop
	echo "$s"
}
a=$(seq_of 7); b=$(seq_of 7); c=$(seq_of 8)
expect "same seed, same faults" "$a" "$b"
[ "$a" != "$c" ] && ok "another seed, other faults" || bad "another seed, other faults" "$a"
case "$a" in *503*) ok "p=0.5 fires" ;; *) bad "p=0.5 fires" "$a" ;; esac
case "$a" in *200*) ok "p=0.5 spares" ;; *) bad "p=0.5 spares" "$a" ;; esac

# ---- bad fault syntax is a usage error ------------------------------------------
rc=0
"$MQRESET_EMULATOR" --max-seconds 5 --fault 'explode:p=1' >/dev/null 2>"$EMU_DIR/bad.err" || rc=$?
expect "unknown fault kind: exit 2" 2 "$rc"
grep -q "unknown kind 'explode'" "$EMU_DIR/bad.err" && ok "unknown fault kind: message" ||
    bad "unknown fault kind: message" "$(cat "$EMU_DIR/bad.err")"
emu_summary
