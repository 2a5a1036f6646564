#!/usr/bin/env bash
# tests/e2e/emulator_tls_state.sh - mqreset-emulator over TLS (a throwaway
# CA and server certificate made with openssl: verification succeeds with
# the CA and fails without it), state save/load round trip through the
# server, the rehearsal of a plan (every row applies, the journal holds
# exactly one line per row) and the default credential of an empty state.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${MQRESET_EMULATOR:=$PWD/${BUILD:-build}/mqreset-emulator}"
EMU_DIR=$(mktemp -d)
trap 'emu_stop >/dev/null 2>&1 || true; rm -rf "$EMU_DIR"' EXIT
source tests/e2e/lib/emulator.bash

INST=MQ_INST_1234567890123456_BXhFqGdd
KEY=LTAI5tEmulatorSample0001
SECRET=emulatorSampleSecret0000000001
code_of() { emu_json "$EMU_DIR/body" 'd.get("Code")'; }
call() { # METHOD KEY SECRET ACTION PARAMS...: prints the status
	local method=$1 key=$2 secret=$3 action=$4; shift 4
	local -a c
	mapfile -t c < <(emu_common "$key" "$action")
	local q
	q=$(emu_sign_v1 "$method" "$secret" "${c[@]}" "$@")
	if [ "$method" = GET ]; then emu_get "$q"; else emu_post "$q"; fi
}

# ---- TLS ---------------------------------------------------------------------
d=$EMU_DIR/pki
mkdir -p "$d"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mqreset test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/ext.cnf"
openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null
emu_start --state samples/emulator-state.json \
    --tls-cert "$d/server.pem" --tls-key "$d/server.key"
case $EMU_URL in https://127.0.0.1:*) ok "TLS: https URL printed" ;;
*) bad "TLS: https URL printed" "$EMU_URL" ;; esac
st=$(EMU_CURL_OPTS="--cacert $d/ca.pem" call GET "$KEY" "$SECRET" OnsTopicStatus InstanceId=$INST Topic=orders)
expect "TLS: verified with the CA" 200 "$st"
rc=0
curl -sS -o /dev/null "$EMU_URL/" 2>/dev/null || rc=$?
expect "TLS: unknown CA refused (curl 60)" 60 "$rc"
st=$(EMU_CURL_OPTS="--cacert $d/ca.pem" call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_order_sync Topic=orders Type=0)
expect "TLS: reset by POST" 200 "$st"
emu_stop
rc=0
"$MQRESET_EMULATOR" --max-seconds 5 --tls-cert "$d/server.pem" >/dev/null 2>&1 || rc=$?
expect "TLS: --tls-cert without --tls-key is a usage error" 2 "$rc"

# ---- state save/load round trip ---------------------------------------------
emu_start --state samples/emulator-state.json --save-state "$EMU_DIR/saved.json"
st=$(call POST "$KEY" "$SECRET" OnsConsumerResetOffset InstanceId=$INST GroupId=GID_billing Topic=payments Type=0)
expect "round trip: reset" 200 "$st"
emu_stop
expect "saved state mode" 600 "$(stat -c %a "$EMU_DIR/saved.json")"
emu_start --state "$EMU_DIR/saved.json" --save-state "$EMU_DIR/saved2.json"
st=$(call GET "$KEY" "$SECRET" OnsConsumerAccumulate InstanceId=$INST GroupId=GID_billing Detail=true)
expect "round trip: reset survives a restart" "200 0" \
    "$st $(emu_json "$EMU_DIR/body" 'd["Data"]["TotalDiff"]')"
st=$(call GET "$KEY" "$SECRET" OnsConsumerAccumulate InstanceId=$INST GroupId=GID_order_sync)
expect "round trip: other backlog kept" "200 34" \
    "$st $(emu_json "$EMU_DIR/body" 'd["Data"]["TotalDiff"]')"
emu_stop
cmp -s "$EMU_DIR/saved.json" "$EMU_DIR/saved2.json" &&
    ok "round trip: saved twice, identical" ||
    bad "round trip: saved twice, identical" "$(diff "$EMU_DIR/saved.json" "$EMU_DIR/saved2.json" | head -5)"

# ---- rehearsal ---------------------------------------------------------------
plan=$EMU_DIR/plan.csv
{
	echo "instance,group,topic,type,timestamp,ticket"
	for i in $(seq 1 30); do
		if [ $((i % 2)) = 0 ]; then
			echo "MQ_INST_1111111111111111_RehearsAA,GID_rehearse_$((i % 7)),topic_$i,0,,T-$i"
		else
			echo "MQ_INST_1111111111111111_RehearsAA,GID_rehearse_$((i % 7)),topic_$i,1,$(( ($(date +%s) - 3600 * i) * 1000 )),T-$i"
		fi
	done
} >"$plan"
emu_start --rehearse "$plan" --journal "$EMU_DIR/rj.jsonl" \
    --write-credentials "$EMU_DIR/creds.ini" --qps-action OnsConsumerResetOffset=0
rkey=$(sed -n 's/^access_key_id = //p' "$EMU_DIR/creds.ini")
rsecret=$(sed -n 's/^access_key_secret = //p' "$EMU_DIR/creds.ini")
grep -q "created credential $rkey" "$EMU_DIR/emu.err" && ok "rehearsal: credential id reported" ||
    bad "rehearsal: credential id reported" "$(cat "$EMU_DIR/emu.err")"
grep -q -- "$rsecret" "$EMU_DIR/emu.err" "$EMU_DIR/emu.out" &&
    bad "rehearsal: secret not printed" || ok "rehearsal: secret not printed"
fails=0
while IFS=, read -r inst grp topic type ts _; do
	[ "$inst" = instance ] && continue
	st=$(call POST "$rkey" "$rsecret" OnsConsumerResetOffset InstanceId=$inst GroupId=$grp Topic=$topic Type=$type ${ts:+ResetTimestamp=$ts})
	[ "$st" = 200 ] || { fails=$((fails + 1)); cat "$EMU_DIR/body"; }
done <"$plan"
expect "rehearsal: every row applies" 0 "$fails"
expect "rehearsal: one journal line per row" 30 "$(wc -l <"$EMU_DIR/rj.jsonl")"
expect "rehearsal: distinct rows journaled" 30 \
    "$(python3 -c 'import json,sys; print(len({(j["group_id"], j["topic"]) for j in map(json.loads, open(sys.argv[1]))}))' "$EMU_DIR/rj.jsonl")"
st=$(call GET "$rkey" "$rsecret" OnsGroupList InstanceId=MQ_INST_1111111111111111_RehearsAA)
expect "rehearsal: groups created" 7 "$(emu_json "$EMU_DIR/body" 'len(d["Data"]["SubscribeInfoDo"])')"
emu_stop

printf 'group,topic,type,timestamp\nGID_x,topic_x,9,\n' >"$EMU_DIR/bad.csv"
rc=0
"$MQRESET_EMULATOR" --max-seconds 5 --rehearse "$EMU_DIR/bad.csv" --instance MQ_INST_1_x \
    >/dev/null 2>"$EMU_DIR/bad.err" || rc=$?
expect "rehearsal: invalid plan refused (exit 2)" 2 "$rc"
grep -q 'bad.csv:2:3: error' "$EMU_DIR/bad.err" && ok "rehearsal: diagnostics printed" ||
    bad "rehearsal: diagnostics printed" "$(cat "$EMU_DIR/bad.err")"
emu_summary
