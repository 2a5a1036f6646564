#!/usr/bin/env bash
# tests/e2e/emulator.sh - mqreset-emulator end to end: every action and
# every authentication error, with requests signed "official SDK style"
# by an independent shell implementation (openssl dgst + base64), by GET
# and POST, signature v1 and v3; the QPS limit; credentials file; clean
# stop on a signal.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${MQRESET_EMULATOR:=$PWD/${BUILD:-build}/mqreset-emulator}"
EMU_DIR=$(mktemp -d)
trap 'emu_stop >/dev/null 2>&1 || true; rm -rf "$EMU_DIR"' EXIT
source tests/e2e/lib/emulator.bash

INST=MQ_INST_1234567890123456_BXhFqGdd
KEY=LTAI5tEmulatorSample0001
SECRET=emulatorSampleSecret0000000001

# A state with the sample's objects plus an expired STS credential.
python3 - "$EMU_DIR/state.json" <<'EOF'
import json, sys
s = json.load(open("samples/emulator-state.json"))
s["Credentials"].append({"AccessKeyId": "STS.NExpired0001",
    "AccessKeySecret": "expiredStsSecret00000000000004",
    "SecurityToken": "CAIS.expired", "Expiration": 1000})
json.dump(s, open(sys.argv[1], "w"))
EOF

emu_start --state "$EMU_DIR/state.json" --journal "$EMU_DIR/journal.jsonl" \
    --write-credentials "$EMU_DIR/creds.ini"

code_of() { emu_json "$EMU_DIR/body" 'd.get("Code")'; }

# call METHOD KEY SECRET ACTION [PARAM=VALUE...]: signs with emu_sign_v1
# and sends; prints the HTTP status.
call() {
	local method=$1 key=$2 secret=$3 action=$4; shift 4
	local -a c
	mapfile -t c < <(emu_common "$key" "$action")
	local q
	q=$(emu_sign_v1 "$method" "$secret" "${c[@]}" "$@")
	if [ "$method" = GET ]; then emu_get "$q"; else emu_post "$q"; fi
}

# ---- actions ---------------------------------------------------------------
st=$(call GET "$KEY" "$SECRET" OnsTopicStatus InstanceId=$INST Topic=orders)
expect "OnsTopicStatus GET status" 200 "$st"
expect "OnsTopicStatus TotalCount" 1200000 "$(emu_json "$EMU_DIR/body" 'd["Data"]["TotalCount"]')"
expect "OnsTopicStatus Perm" 6 "$(emu_json "$EMU_DIR/body" 'd["Data"]["Perm"]')"
rid=$(emu_json "$EMU_DIR/body" 'd["RequestId"]')
if [[ $rid =~ ^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$ ]]; then
	ok "RequestId is an uppercase UUID"
else
	bad "RequestId is an uppercase UUID" "$rid"
fi

st=$(call POST "$KEY" "$SECRET" OnsGroupList InstanceId=$INST)
expect "OnsGroupList POST status" 200 "$st"
expect "OnsGroupList groups" "GID_order_sync GID_billing" \
    "$(emu_json "$EMU_DIR/body" '" ".join(g["GroupId"] for g in d["Data"]["SubscribeInfoDo"])')"

st=$(call GET "$KEY" "$SECRET" OnsTopicList InstanceId=$INST Topic=pay)
expect "OnsTopicList status" 200 "$st"
expect "OnsTopicList filter" payments \
    "$(emu_json "$EMU_DIR/body" '" ".join(t["Topic"] for t in d["Data"]["PublishInfoDo"])')"

st=$(call POST "$KEY" "$SECRET" OnsConsumerAccumulate InstanceId=$INST GroupId=GID_order_sync Detail=true)
expect "OnsConsumerAccumulate status" 200 "$st"
expect "OnsConsumerAccumulate detail topics" "orders payments" \
    "$(emu_json "$EMU_DIR/body" '" ".join(t["Topic"] for t in d["Data"]["DetailInTopicList"]["DetailInTopicDo"])')"
total=$(emu_json "$EMU_DIR/body" 'd["Data"]["TotalDiff"]')
[ "$total" -gt 0 ] && ok "backlog before reset ($total)" || bad "backlog before reset" "$total"

st=$(call GET "$KEY" "$SECRET" OnsGroupSubDetail InstanceId=$INST GroupId=GID_order_sync)
expect "OnsGroupSubDetail status" 200 "$st"
expect "OnsGroupSubDetail SubString" "*,TagA||TagB" \
    "$(emu_json "$EMU_DIR/body" '",".join(s["SubString"] for s in d["Data"]["SubscriptionDataList"]["SubscriptionDataList"])')"

# A reset by POST, with a value needing encoding in a parameter name's
# neighbourhood (the topic), then the backlog is gone.
st=$(call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_order_sync Topic=orders Type=0)
expect "OnsConsumerResetOffset type 0" 200 "$st"
reset_rid=$(emu_json "$EMU_DIR/body" 'd["RequestId"]')
expect "reset reply has only RequestId" 1 "$(emu_json "$EMU_DIR/body" 'len(d)')"
st=$(call GET "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_order_sync Topic=payments Type=1 ResetTimestamp=1800000000000)
expect "OnsConsumerResetOffset type 1 by GET" 200 "$st"
st=$(call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_order_sync Topic=payments Type=1 ResetTimestamp=1000)
expect "ResetTimestamp out of range" "400 BIZ_FIELD_CHECK_INVALID" "$st $(code_of)"
st=$(call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_order_sync Type=0)
expect "missing Topic" "400 MissingParameter" "$st $(code_of)"
st=$(call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_billing Topic=orders Type=0)
expect "no subscription" "404 BIZ_SUBSCRIPTION_NOT_FOUND" "$st $(code_of)"
st=$(call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=MQ_INST_0_nope GroupId=GID_billing Topic=orders Type=0)
expect "unknown instance" "404 INSTANCE_NOT_FOUND" "$st $(code_of)"
st=$(call POST "$KEY" "$SECRET" OnsConsumerAccumulate InstanceId=$INST GroupId=GID_order_sync Detail=true)
expect "orders backlog cleared" 0 \
    "$(emu_json "$EMU_DIR/body" '[t["TotalDiff"] for t in d["Data"]["DetailInTopicList"]["DetailInTopicDo"] if t["Topic"]=="orders"][0]')"
st=$(call POST "$KEY" "$SECRET" OnsDeleteEverything InstanceId=$INST)
expect "unknown action" "404 InvalidAction.NotFound" "$st $(code_of)"
for m in PUT DELETE PATCH; do
	st=$(curl -sS -o "$EMU_DIR/body" -w '%{http_code}' -X "$m" "$EMU_URL/?Action=OnsTopicList")
	expect "method $m refused" "405 MethodNotAllowed" "$st $(code_of)"
done

# ---- authentication errors -------------------------------------------------
st=$(call GET LTAI5tNoSuchKey000000001 "$SECRET" OnsTopicList InstanceId=$INST)
expect "unknown AccessKeyId" "404 InvalidAccessKeyId.NotFound" "$st $(code_of)"
st=$(call GET LTAI5tEmulatorDisabled01 emulatorSampleSecret0000000002 OnsTopicList InstanceId=$INST)
expect "disabled AccessKeyId" "400 InvalidAccessKeyId.Inactive" "$st $(code_of)"
st=$(call GET "$KEY" wrongSecret OnsTopicList InstanceId=$INST)
expect "wrong secret" "400 SignatureDoesNotMatch" "$st $(code_of)"
grep -q 'server string to sign is:GET&%2F&AccessKeyId' "$EMU_DIR/body" &&
    ok "SignatureDoesNotMatch shows the string to sign" ||
    bad "SignatureDoesNotMatch shows the string to sign" "$(cat "$EMU_DIR/body")"

# Signed for POST, sent as GET.
mapfile -t c < <(emu_common "$KEY" OnsTopicList)
q=$(emu_sign_v1 POST "$SECRET" "${c[@]}" InstanceId=$INST)
st=$(emu_get "$q")
expect "POST signature sent by GET" "400 SignatureDoesNotMatch" "$st $(code_of)"

mapfile -t c < <(emu_common "$KEY" OnsTopicList -1200)
st=$(emu_get "$(emu_sign_v1 GET "$SECRET" "${c[@]}" InstanceId=$INST)")
expect "Timestamp 20 min old" "400 InvalidTimeStamp.Expired" "$st $(code_of)"
mapfile -t c < <(emu_common "$KEY" OnsTopicList 1200)
st=$(emu_get "$(emu_sign_v1 GET "$SECRET" "${c[@]}" InstanceId=$INST)")
expect "Timestamp 20 min ahead" "400 InvalidTimeStamp.Expired" "$st $(code_of)"
mapfile -t c < <(emu_common "$KEY" OnsTopicList 600)
st=$(emu_get "$(emu_sign_v1 GET "$SECRET" "${c[@]}" InstanceId=$INST)")
expect "Timestamp 10 min ahead accepted" 200 "$st"

mapfile -t c < <(emu_common "$KEY" OnsGroupList)
q=$(emu_sign_v1 GET "$SECRET" "${c[@]}" InstanceId=$INST)
st1=$(emu_get "$q")
st2=$(emu_get "$q")
expect "nonce reused" "200 400 SignatureNonceUsed" "$st1 $st2 $(code_of)"

mapfile -t c < <(emu_common STS.NEmulatorSample0001 OnsGroupList)
st=$(emu_get "$(emu_sign_v1 GET emulatorStsSecret000000000003 "${c[@]}" InstanceId=$INST SecurityToken=CAIS.emulator.sample.sts.token)")
expect "STS token accepted" 200 "$st"
mapfile -t c < <(emu_common STS.NEmulatorSample0001 OnsGroupList)
st=$(emu_get "$(emu_sign_v1 GET emulatorStsSecret000000000003 "${c[@]}" InstanceId=$INST)")
expect "STS key without token" "400 InvalidSecurityToken.MismatchWithAccessKey" "$st $(code_of)"
mapfile -t c < <(emu_common STS.NExpired0001 OnsGroupList)
st=$(emu_get "$(emu_sign_v1 GET expiredStsSecret00000000000004 "${c[@]}" InstanceId=$INST SecurityToken=CAIS.expired)")
expect "expired STS token" "400 InvalidSecurityToken.Expired" "$st $(code_of)"

# ---- signature v3 ------------------------------------------------------------
hostport=${EMU_URL#http://}
v3() { # SECRET KEY ACTION QUERY_KV...: prints the status
	local -a a
	mapfile -t a < <(emu_sign_v3 POST "$1" "$2" "$3" "$hostport" "" "${@:4}")
	local q=${a[-1]}
	unset 'a[-1]'
	curl -sS -o "$EMU_DIR/body" -w '%{http_code}' -X POST "${a[@]}" \
	    "$EMU_URL/?$q"
}
st=$(v3 "$SECRET" "$KEY" OnsTopicStatus InstanceId=$INST Topic=orders)
expect "v3 OnsTopicStatus" 200 "$st"
expect "v3 reply" 1200000 "$(emu_json "$EMU_DIR/body" 'd["Data"]["TotalCount"]')"
st=$(v3 wrongSecret "$KEY" OnsGroupList InstanceId=$INST)
expect "v3 wrong secret" "400 SignatureDoesNotMatch" "$st $(code_of)"
st=$(v3 "$SECRET" LTAI5tNoSuchKey000000001 OnsGroupList InstanceId=$INST)
expect "v3 unknown key" "404 InvalidAccessKeyId.NotFound" "$st $(code_of)"
st=$(EMU_V3_OFFSET=-1200 v3 "$SECRET" "$KEY" OnsGroupList InstanceId=$INST)
expect "v3 stale x-acs-date" "400 InvalidTimeStamp.Expired" "$st $(code_of)"
st=$(EMU_V3_EXTRA="x-acs-security-token:CAIS.expired" v3 expiredStsSecret00000000000004 STS.NExpired0001 OnsGroupList InstanceId=$INST)
expect "v3 expired STS token" "400 InvalidSecurityToken.Expired" "$st $(code_of)"

# ---- QPS: OnsTopicStatus is documented at 1 per second per account -----------
throttled=0
for i in 1 2 3; do
	st=$(call GET "$KEY" "$SECRET" OnsTopicStatus InstanceId=$INST Topic=payments)
	if [ "$st" = 400 ] && [ "$(code_of)" = Throttling.User ]; then
		throttled=$((throttled + 1))
	fi
done
[ $throttled -ge 1 ] && ok "OnsTopicStatus throttled at 1/s ($throttled of 3)" ||
    bad "OnsTopicStatus throttled at 1/s" "none of 3 throttled"

# ---- credentials file, journal, secrets, clean stop --------------------------
expect "credentials file mode" 600 "$(stat -c %a "$EMU_DIR/creds.ini")"
grep -qx "access_key_id = $KEY" "$EMU_DIR/creds.ini" &&
    ok "credentials file names the key" || bad "credentials file names the key"
kill -INT "$EMU_PID"
rc=0; wait "$EMU_PID" || rc=$?
EMU_PID=
expect "SIGINT stops cleanly" 0 "$rc"
grep -q 'resets applied: 2' "$EMU_DIR/emu.err" && ok "summary counts resets" ||
    bad "summary counts resets" "$(cat "$EMU_DIR/emu.err")"
grep -q '^mqreset-emulator: faults: latency=0 ' "$EMU_DIR/emu.err" &&
    ok "fault summary printed" || bad "fault summary printed"
expect "journal lines" 2 "$(wc -l <"$EMU_DIR/journal.jsonl")"
expect "journal request id" "$reset_rid" \
    "$(head -n 1 "$EMU_DIR/journal.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["request_id"])')"
if grep -rq -e "$SECRET" -e emulatorStsSecret "$EMU_DIR/emu.out" "$EMU_DIR/emu.err" "$EMU_DIR/journal.jsonl"; then
	bad "no secret in output" "a secret was printed"
else
	ok "no secret in output"
fi
emu_summary
