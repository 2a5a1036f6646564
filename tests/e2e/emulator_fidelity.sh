#!/usr/bin/env bash
# tests/e2e/emulator_fidelity.sh - what mqreset-emulator does so that the
# client's truthfulness can be tested: faults that apply and then answer
# 500 (JSON) or 504 (an HTML page), throttling replies with a retry hint
# (by fault and from the QPS limit with --throttle-hint-ms), the request
# log, RAM denials with their AccessDeniedDetail, v3 requests whose body
# parameters are not signed, and state files with duplicates.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${MQRESET_EMULATOR:=$PWD/${BUILD:-build}/mqreset-emulator}"
EMU_DIR=$(mktemp -d)
trap 'emu_stop >/dev/null 2>&1 || true; rm -rf "$EMU_DIR"' EXIT
source tests/e2e/lib/emulator.bash

INST=MQ_INST_1234567890123456_BXhFqGdd
KEY=LTAI5tEmulatorSample0001
SECRET=emulatorSampleSecret0000000001

# call KEY SECRET ACTION [PARAM=VALUE...]: a signed v1 POST; prints the
# status; body in body, response headers in hdrs.
call() {
	local key=$1 secret=$2 action=$3; shift 3
	local -a c
	mapfile -t c < <(emu_common "$key" "$action")
	curl -sS -D "$EMU_DIR/hdrs" -o "$EMU_DIR/body" -w '%{http_code}' \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data-binary "$(emu_sign_v1 POST "$secret" "${c[@]}" "$@")" \
	    "$EMU_URL/"
}
reset0() { call "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=$1 Topic=$2 Type=0; }
code_of() { emu_json "$EMU_DIR/body" 'd.get("Code")'; }
header() { tr -d '\r' <"$EMU_DIR/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
journal_lines() { [ -f "$EMU_DIR/j.jsonl" ] && wc -l <"$EMU_DIR/j.jsonl" || echo 0; }
journal_reply() { tail -n 1 "$EMU_DIR/j.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["reply"])'; }
# logq EXPR: evaluate EXPR over the request log's lines (a list L).
logq() { python3 -c 'import json,sys; L=[json.loads(x) for x in open(sys.argv[1])]; print(eval(sys.argv[2]))' "$EMU_DIR/req.jsonl" "$1"; }

# with ARGS...: restart with a fresh journal and request log.
with() {
	emu_stop || true
	rm -f "$EMU_DIR/j.jsonl" "$EMU_DIR/req.jsonl"
	emu_start --state "${STATE:-samples/emulator-state.json}" \
	    --journal "$EMU_DIR/j.jsonl" --request-log "$EMU_DIR/req.jsonl" \
	    --qps-action OnsConsumerResetOffset=0 "$@"
}

# ---- applied, then a 5xx ---------------------------------------------------
with --fault 500-after
st=$(reset0 GID_order_sync orders)
expect "500-after: 500 InternalError" "500 InternalError" "$st $(code_of)"
rid=$(emu_json "$EMU_DIR/body" 'd.get("RequestId","")')
[ ${#rid} -eq 36 ] && ok "500-after: JSON body has a RequestId" ||
    bad "500-after: JSON body has a RequestId" "$(cat "$EMU_DIR/body")"
expect "500-after: x-acs-request-id header" "$rid" "$(header x-acs-request-id)"
expect "500-after: applied (journal)" "1 500-after" "$(journal_lines) $(journal_reply)"

with --fault 504-after
st=$(reset0 GID_order_sync orders)
expect "504-after: status 504" 504 "$st"
grep -q '<title>504 Gateway Time-out</title>' "$EMU_DIR/body" &&
    ok "504-after: HTML gateway page" || bad "504-after: HTML gateway page" "$(cat "$EMU_DIR/body")"
expect "504-after: Content-Type" text/html "$(header content-type)"
expect "504-after: no x-acs-request-id" "" "$(header x-acs-request-id)"
expect "504-after: applied (journal)" "1 504-after" "$(journal_lines) $(journal_reply)"

# ---- acknowledged, not applied ---------------------------------------------
with --fault ack-no-effect:max=1
span() { call "$KEY" "$SECRET" OnsConsumerTimeSpan InstanceId=$INST GroupId=$1 Topic=$2 >/dev/null; emu_json "$EMU_DIR/body" 'd["Data"]["ConsumeTimeStamp"]'; }
pos0=$(span GID_order_sync orders)
st=$(reset0 GID_order_sync orders)
expect "ack-no-effect: 200, no Code" "200 None" "$st $(code_of)"
rid=$(emu_json "$EMU_DIR/body" 'd.get("RequestId","")')
[ ${#rid} -eq 36 ] && ok "ack-no-effect: a RequestId" ||
    bad "ack-no-effect: a RequestId" "$(cat "$EMU_DIR/body")"
expect "ack-no-effect: nothing journaled" 0 "$(journal_lines)"
expect "ack-no-effect: position unchanged" "$pos0" "$(span GID_order_sync orders)"
st=$(reset0 GID_order_sync orders)
expect "ack-no-effect: after max, applied" "200 1 ok" "$st $(journal_lines) $(journal_reply)"

# ---- throttle hints --------------------------------------------------------
with --fault throttle-hint:max=1 --fault throttle-hint:ms=1500,max=1
st=$(reset0 GID_order_sync orders)
expect "throttle-hint: 400 Throttling.User" "400 Throttling.User" "$st $(code_of)"
expect "throttle-hint: default x-acs-retry-after" 1000 "$(header x-acs-retry-after)"
st=$(reset0 GID_order_sync orders)
expect "throttle-hint ms=1500" "400 1500" "$st $(header x-acs-retry-after)"
expect "throttle-hint: nothing applied" 0 "$(journal_lines)"
st=$(reset0 GID_order_sync orders)
expect "after max: applied, no hint" "200 " "$st $(header x-acs-retry-after)"
expect "request log: one line per request" 3 "$(logq 'len(L)')"
expect "request log: hints" "[1000, 1500, 0]" "$(logq '[x["hint_ms"] for x in L]')"
expect "request log: statuses and codes" \
    "[(400, 'Throttling.User'), (400, 'Throttling.User'), (200, '')]" \
    "$(logq '[(x["status"], x["code"]) for x in L]')"
expect "request log: the row's identity" \
    "OnsConsumerResetOffset GID_order_sync orders 0 $INST $KEY" \
    "$(logq '" ".join(str(L[0][k]) for k in ("action","group_id","topic","type","instance_id","key_id"))')"
expect "request log: t_ms <= t_done_ms, in order" True \
    "$(logq 'all(x["t_ms"] <= x["t_done_ms"] for x in L) and L[0]["t_ms"] <= L[1]["t_ms"] <= L[2]["t_ms"]')"
now=$(date +%s%3N)
expect "request log: wall-clock ms" True \
    "$(logq "abs(L[-1]['t_done_ms'] - $now) < 60000")"
expect "request log: RequestId of the answer" \
    "$(emu_json "$EMU_DIR/body" 'd["RequestId"]')" "$(logq 'L[-1]["request_id"]')"

# The QPS limit's own throttling replies carry the hint with --throttle-hint-ms.
emu_stop
rm -f "$EMU_DIR/req.jsonl"
emu_start --state samples/emulator-state.json --request-log "$EMU_DIR/req.jsonl" \
    --qps-action OnsConsumerResetOffset=0.01 --throttle-hint-ms 700
hints=""
for i in 1 2; do
	st=$(reset0 GID_order_sync orders)
	[ "$st" = 400 ] && hints+="$(code_of):$(header x-acs-retry-after) "
done
case "$hints" in
Throttling.User:700*) ok "QPS throttling carries x-acs-retry-after" ;;
*) bad "QPS throttling carries x-acs-retry-after" "'$hints'" ;;
esac
expect "request log: QPS hint" True "$(logq 'any(x["hint_ms"] == 700 and x["fault"] == "" for x in L)')"
emu_stop
emu_start --state samples/emulator-state.json --qps-action OnsConsumerResetOffset=0.01
for i in 1 2; do st=$(reset0 GID_order_sync orders); done
expect "QPS throttling: no hint by default" "400 " "$st $(header x-acs-retry-after)"

# Every request is logged, whatever its outcome.
with --fault close-before:max=1
rc=0; reset0 GID_order_sync orders >/dev/null 2>&1 || rc=$?
call LTAI5tNoSuchKey000000001 "$SECRET" OnsGroupList InstanceId=$INST >/dev/null
expect "request log: closed and refused requests" \
    "[(0, '', 'close-before'), (404, 'InvalidAccessKeyId.NotFound', '')]" \
    "$(logq '[(x["status"], x["code"], x["fault"]) for x in L]')"
expect "request log: the claimed key of a refused request" \
    LTAI5tNoSuchKey000000001 "$(logq 'L[1]["key_id"]')"

# ---- RAM denials -------------------------------------------------------------
python3 - "$EMU_DIR/deny.json" <<'PY'
import json, sys
s = json.load(open("samples/emulator-state.json"))
s["Owner"] = "1234567890123456"
s["Credentials"].append({"AccessKeyId": "LTAI5tReadOnly0000000001",
    "AccessKeySecret": "readOnlySecret000000000000005",
    "Deny": ["OnsConsumerResetOffset"]})
json.dump(s, open(sys.argv[1], "w"))
PY
STATE=$EMU_DIR/deny.json with
st=$(call LTAI5tReadOnly0000000001 readOnlySecret000000000000005 OnsConsumerResetOffset \
    InstanceId=$INST GroupId=GID_order_sync Topic=orders Type=0)
expect "RAM: 403 Forbidden.RAM" "403 Forbidden.RAM" "$st $(code_of)"
expect "RAM: AccessDeniedDetail" \
    "AccountLevelIdentityBasedPolicy mq:ResetConsumerOffset LTAI5tReadOnly0000000001 1234567890123456 SubUser ImplicitDeny" \
    "$(emu_json "$EMU_DIR/body" '" ".join(d["AccessDeniedDetail"][k] for k in ("PolicyType","AuthAction","AuthPrincipalDisplayName","AuthPrincipalOwnerId","AuthPrincipalType","NoPermissionType"))')"
expect "RAM: diagnostic message" True \
    "$(emu_json "$EMU_DIR/body" 'len(d["AccessDeniedDetail"]["EncodedDiagnosticMessage"]) > 20')"
expect "RAM: nothing applied" 0 "$(journal_lines)"
st=$(call LTAI5tReadOnly0000000001 readOnlySecret000000000000005 OnsGroupList InstanceId=$INST)
expect "RAM: other actions allowed" 200 "$st"
st=$(reset0 GID_order_sync orders)
expect "RAM: other keys allowed" 200 "$st"
# The state round trip keeps the Deny list.
emu_stop
emu_start --state "$EMU_DIR/deny.json" --save-state "$EMU_DIR/saved.json"
emu_stop
expect "RAM: Deny saved" "['OnsConsumerResetOffset']" \
    "$(emu_json "$EMU_DIR/saved.json" '[c.get("Deny") for c in d["Credentials"] if c["AccessKeyId"]=="LTAI5tReadOnly0000000001"][0]')"

# ---- v3: body parameters must be signed --------------------------------------
with
hostport=${EMU_URL#http://}
form="GroupId=GID_order_sync&InstanceId=$INST&Topic=orders&Type=0"
v3body() { # extra-signed-headers: POST form with v3; prints the status
	local -a a
	mapfile -t a < <(EMU_V3_EXTRA=$1 emu_sign_v3 POST "$SECRET" "$KEY" \
	    OnsConsumerResetOffset "$hostport" "$form")
	unset 'a[-1]' # the (empty) query
	# curl sends its own form Content-Type unless the signer gave one.
	curl -sS -o "$EMU_DIR/body" -w '%{http_code}' -X POST "${a[@]}" \
	    --data-binary "$form" "$EMU_URL/"
}
st=$(v3body "")
expect "v3 form body, content-type not signed" "400 SignatureDoesNotMatch" "$st $(code_of)"
expect "v3 unsigned body: nothing applied" 0 "$(journal_lines)"
st=$(v3body "content-type:application/x-www-form-urlencoded")
expect "v3 form body, content-type signed" 200 "$st"
expect "v3 signed body: applied" 1 "$(journal_lines)"
# The SDK's shape: parameters in the query, empty body, no Content-Type.
mapfile -t a < <(emu_sign_v3 POST "$SECRET" "$KEY" OnsConsumerResetOffset \
    "$hostport" "" InstanceId=$INST GroupId=GID_order_sync Topic=payments Type=0)
q=${a[-1]}; unset 'a[-1]'
st=$(curl -sS -o "$EMU_DIR/body" -w '%{http_code}' -X POST "${a[@]}" "$EMU_URL/?$q")
expect "v3 SDK shape" 200 "$st"
emu_stop

# ---- duplicates in a state file ------------------------------------------------
dup_state() { # python expression mutating s
	python3 - "$EMU_DIR/dup.json" "$1" <<'PY'
import json, sys
s = json.load(open("samples/emulator-state.json"))
exec(sys.argv[2])
json.dump(s, open(sys.argv[1], "w"))
PY
	local rc=0
	"$MQRESET_EMULATOR" --max-seconds 5 --state "$EMU_DIR/dup.json" \
	    >/dev/null 2>"$EMU_DIR/dup.err" || rc=$?
	echo "$rc $(head -n 1 "$EMU_DIR/dup.err")"
}
r=$(dup_state 's["Instances"].append(s["Instances"][0])')
expect "duplicate instance refused" \
    "2 mqreset-emulator: error: $EMU_DIR/dup.json: duplicate instance $INST (Instances[0] and [1])" "$r"
r=$(dup_state 'g=s["Instances"][0]["Groups"]; g.append(dict(g[0]))')
case "$r" in "2 "*"dup.json: instance $INST: duplicate group GID_order_sync (Groups[0] and [2])") ok "duplicate group refused" ;;
*) bad "duplicate group refused" "$r" ;; esac
r=$(dup_state 'x=s["Instances"][0]["Groups"][0]["Subscriptions"]; x.append(dict(x[0]))')
case "$r" in "2 "*"group GID_order_sync: duplicate subscription to topic orders"*) ok "duplicate subscription refused" ;;
*) bad "duplicate subscription refused" "$r" ;; esac
emu_summary
