#!/usr/bin/env bash
# tests/e2e/reset.sh - `mqreset reset` against mqreset-emulator, which
# checks signatures the way the service does: credentials from the
# environment, the aliyun CLI profile (AK and StsToken), the shared INI
# file and STS; GET and POST; signature v1 and v3; wrong secret, unknown
# key, row failures, dry run, usage errors and exit statuses; TLS with a
# throwaway CA; and no secret in anything the processes wrote.
#
# Run from the top of the tree (tests/run does).  Secrets here are
# throwaway emulator keys written to files, never passed on a command line
# to mqreset.
set -euo pipefail
: "${MQRESET:?}" "${MQRESET_EMULATOR:?}"
tmp=$(mktemp -d)
EMU_DIR=$tmp/emu
mkdir -p "$EMU_DIR" "$tmp/out"
EMU_PID=
cleanup() {
	if [ -n "${EMU_PID:-}" ]; then kill -TERM "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/lib/emulator.bash
. tests/e2e/lib/emulator.bash
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "     $l"; done; }

KEY=LTAI5tResetE2E0000001
SECRET=e2eSecretValue-AAAA0001
PKEY=LTAI5tResetE2EProf002
PSECRET=e2eProfSecret-DDDD0004
SKEY=STS.ResetE2E0000003
SSECRET=e2eStsSecret-BBBB0002
STOKEN=CAIS.e2e+sts/token==CCCC0003
INST=MQ_INST_1234567890123456_BXhFqGdd
SECRETS=("$SECRET" "$PSECRET" "$SSECRET" "$STOKEN" "CCCC0003")

cat >"$tmp/state.json" <<EOF
{
  "Owner": "1234567890123456",
  "Credentials": [
    { "AccessKeyId": "$KEY", "AccessKeySecret": "$SECRET" },
    { "AccessKeyId": "$PKEY", "AccessKeySecret": "$PSECRET" },
    { "AccessKeyId": "$SKEY", "AccessKeySecret": "$SSECRET",
      "SecurityToken": "$STOKEN", "Expiration": 4102444800000 }
  ],
  "Instances": [ {
    "InstanceId": "$INST",
    "Topics": [ { "Topic": "orders", "MessageType": 0, "Perm": 6,
      "EarliestTime": 1767225600000, "LatestTime": 1893456000000,
      "MessageCount": 1000, "CreateTime": 1767225600000 } ],
    "Groups": [ { "GroupId": "GID_order_sync", "GroupType": "tcp",
      "MessageModel": "CLUSTERING", "Online": true,
      "CreateTime": 1767225600000,
      "Subscriptions": [ { "Topic": "orders", "SubString": "*",
        "Backlog": 500, "ConsumerPosition": 1893452400000 } ] } ]
  } ]
}
EOF
chmod 600 "$tmp/state.json"
emu_start --state "$tmp/state.json" --journal "$tmp/journal.jsonl" \
    --qps 1000
URL=$EMU_URL

# A clean environment for mqreset: no credentials but what a case sets.
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET \
    ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
    ALIBABA_CLOUD_CREDENTIALS_FILE ALIBABA_CLOUD_CLI_PROFILE_DISABLED
# ... and no ECS metadata service at 100.100.100.200 (tests stay on
# loopback).
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
home_empty=$tmp/home-empty
mkdir -p "$home_empty"

# aliyun CLI config with an AK profile (current) and an StsToken one.
home_cli=$tmp/home-cli
mkdir -p "$home_cli/.aliyun"
cat >"$home_cli/.aliyun/config.json" <<EOF
{ "current": "prof",
  "profiles": [
    { "name": "prof", "mode": "AK", "access_key_id": "$PKEY",
      "access_key_secret": "$PSECRET", "region_id": "cn-shanghai" },
    { "name": "sts", "mode": "StsToken", "access_key_id": "$SKEY",
      "access_key_secret": "$SSECRET", "sts_token": "$STOKEN" }
  ] }
EOF
chmod 600 "$home_cli/.aliyun/config.json"
# The shared INI file.
home_ini=$tmp/home-ini
mkdir -p "$home_ini/.alibabacloud"
printf '[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n' \
    "$KEY" "$SECRET" >"$home_ini/.alibabacloud/credentials"
chmod 600 "$home_ini/.alibabacloud/credentials"

n=0
# mr NAME WANT_STATUS [VAR=VALUE...] -- ARGS: run mqreset reset with an
# environment; output kept in $tmp/out/NAME.{out,err} for the secret scan.
mr() {
	local name=$1 want=$2; shift 2
	local -a envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local st=0
	n=$((n + 1))
	env HOME="$home_empty" "${envs[@]}" "$MQRESET" reset "$@" \
	    >"$tmp/out/$name.out" 2>"$tmp/out/$name.err" || st=$?
	if [ "$st" -eq "$want" ]; then return 0; fi
	fail "$name" "exit $st, expected $want" \
	    "stdout: $(head -c 400 "$tmp/out/$name.out")" \
	    "stderr: $(head -c 400 "$tmp/out/$name.err")"
	return 1
}

ROW=(--instance "$INST" --group GID_order_sync --topic orders)
ENVAK=(ALIBABA_CLOUD_ACCESS_KEY_ID=$KEY ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SECRET)
ENVSTS=(ALIBABA_CLOUD_ACCESS_KEY_ID=$SKEY ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SSECRET
    ALIBABA_CLOUD_SECURITY_TOKEN=$STOKEN)

# applied NAME: the reset succeeded and the journal has its RequestId.
applied() {
	local name=$1 rid
	rid=$(sed -n 's/^request_id: //p' "$tmp/out/$name.out")
	if ! grep -q '^status: ok$' "$tmp/out/$name.out" || [ -z "$rid" ]; then
		fail "$name" "no ok status or request id" "$(cat "$tmp/out/$name.out")"
		return
	fi
	if [ "$(grep -c -- "$rid" "$tmp/journal.jsonl" || true)" -ne 1 ]; then
		fail "$name" "RequestId $rid not exactly once in the journal"
		return
	fi
	ok "$name"
}

# 1. Every signature version and method, with env AK and env STS.
for sv in 1 3; do
	for m in POST GET; do
		c=env-ak-v$sv-$m
		mr "$c" 0 "${ENVAK[@]}" -- "${ROW[@]}" --clear --execute \
		    --endpoint "$URL" --signature-version $sv --method $m && applied "$c"
		c=env-sts-v$sv-$m
		mr "$c" 0 "${ENVSTS[@]}" -- "${ROW[@]}" --to 2026-06-01T00:00:00Z \
		    --execute --endpoint "$URL" --signature-version $sv --method $m &&
		    applied "$c"
	done
done

# 2. The aliyun CLI profile: current (AK), --profile sts, ALIBABA_CLOUD_PROFILE.
mr cli-current 0 HOME="$home_cli" -- "${ROW[@]}" --clear --execute \
    --endpoint "$URL" && applied cli-current
mr cli-profile-sts 0 HOME="$home_cli" -- "${ROW[@]}" --clear --execute \
    --endpoint "$URL" --profile sts --signature-version 3 && applied cli-profile-sts
mr cli-env-profile 0 HOME="$home_cli" ALIBABA_CLOUD_PROFILE=sts -- "${ROW[@]}" \
    --clear --execute --endpoint "$URL" --method GET && applied cli-env-profile
# --profile wins over the environment's key.
mr cli-profile-over-env 0 HOME="$home_cli" "${ENVAK[@]}" -- "${ROW[@]}" \
    --clear --execute --endpoint "$URL" --profile prof -v &&
    if grep -q "config.json profile 'prof'" "$tmp/out/cli-profile-over-env.err"; then
	    applied cli-profile-over-env
    else fail cli-profile-over-env "source not the profile" \
	    "$(cat "$tmp/out/cli-profile-over-env.err")"; fi

# 3. The shared INI file.
mr ini-default 0 HOME="$home_ini" -- "${ROW[@]}" --clear --execute \
    --endpoint "$URL" --signature-version 3 --method GET && applied ini-default

# 4. A group-readable credentials file works but warns.
chmod 644 "$home_ini/.alibabacloud/credentials"
mr ini-perm-warning 0 HOME="$home_ini" -- "${ROW[@]}" --clear --execute \
    --endpoint "$URL" && if grep -q "let group or others read it" \
    "$tmp/out/ini-perm-warning.err"; then applied ini-perm-warning; else
	fail ini-perm-warning "no permission warning"; fi
chmod 600 "$home_ini/.alibabacloud/credentials"

# 5. Wrong secret: the server's SignatureDoesNotMatch and exit 3, v1 and v3.
for sv in 1 3; do
	c=wrong-secret-v$sv
	mr "$c" 3 ALIBABA_CLOUD_ACCESS_KEY_ID=$KEY \
	    ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong-Secret-EEEE0005 -- "${ROW[@]}" \
	    --clear --execute --endpoint "$URL" --signature-version $sv &&
	    if grep -q '^code: SignatureDoesNotMatch$' "$tmp/out/$c.out" &&
		grep -q 'SignatureDoesNotMatch' "$tmp/out/$c.err"; then ok "$c"; else
		fail "$c" "no SignatureDoesNotMatch" "$(cat "$tmp/out/$c.out")"; fi
done
SECRETS+=(wrong-Secret-EEEE0005)

# 6. Unknown key: exit 3; STS key without its token: exit 3.
mr unknown-key 3 ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tNoSuchKey000009 \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SECRET -- "${ROW[@]}" --clear --execute \
    --endpoint "$URL" && if grep -q '^code: InvalidAccessKeyId' \
    "$tmp/out/unknown-key.out"; then ok unknown-key; else
	fail unknown-key "$(cat "$tmp/out/unknown-key.out")"; fi
mr sts-without-token 3 ALIBABA_CLOUD_ACCESS_KEY_ID=$SKEY \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SSECRET -- "${ROW[@]}" --clear --execute \
    --endpoint "$URL" && ok sts-without-token

# 7. Row failures: exit 1, distinct from auth failures.
mr no-such-group 1 "${ENVAK[@]}" -- --instance "$INST" --group GID_nope \
    --topic orders --clear --execute --endpoint "$URL" &&
    if grep -q '^outcome: failed-row$' "$tmp/out/no-such-group.out"; then
	ok no-such-group; else fail no-such-group "$(cat "$tmp/out/no-such-group.out")"; fi
mr out-of-range 1 "${ENVAK[@]}" -- "${ROW[@]}" --to 2025-06-01T00:00:00Z \
    --execute --endpoint "$URL" && ok out-of-range

# 8. Dry run: prints the parameters, sends nothing, exit 0.
before=$(wc -l <"$tmp/journal.jsonl")
mr dry-run 0 "${ENVSTS[@]}" -- "${ROW[@]}" --clear --endpoint "$URL"
after=$(wc -l <"$tmp/journal.jsonl")
if [ "$before" -eq "$after" ] && grep -q 'nothing was sent' "$tmp/out/dry-run.out" &&
    grep -q 'GroupId: GID_order_sync' "$tmp/out/dry-run.out" &&
    ! grep -qi 'Signature:\|SecurityToken' "$tmp/out/dry-run.out"; then
	ok dry-run; else fail dry-run "$(cat "$tmp/out/dry-run.out")"; fi

# 9. Usage and credential errors.
mr no-type 2 "${ENVAK[@]}" -- "${ROW[@]}" --execute --endpoint "$URL" && ok no-type
mr both-types 2 "${ENVAK[@]}" -- "${ROW[@]}" --clear --to 1767225600000 \
    --endpoint "$URL" && ok both-types
mr bad-time 2 "${ENVAK[@]}" -- "${ROW[@]}" --to 2026-06-01T00:00:00 \
    --endpoint "$URL" && if grep -q "timestamp '2026-06-01T00:00:00'" \
    "$tmp/out/bad-time.err"; then ok bad-time; else fail bad-time "$(cat "$tmp/out/bad-time.err")"; fi
mr no-group 2 "${ENVAK[@]}" -- --instance "$INST" --topic orders --clear && ok no-group
mr http-refused 2 "${ENVAK[@]}" -- "${ROW[@]}" --clear \
    --endpoint http://example.com && ok http-refused
mr no-credentials 3 -- "${ROW[@]}" --clear --execute --endpoint "$URL" && ok no-credentials
mr unknown-profile 3 HOME="$home_cli" -- "${ROW[@]}" --clear --profile nope \
    --endpoint "$URL" && ok unknown-profile

# 9b. The connection options are one set: reset and run refuse the same
# values with the same message (they once had their own ranges, and
# --signature-version 2 two wordings).
printf 'InstanceId,GroupId,Topic,Type,ResetTimestamp\n%s,GID_order_sync,orders,0,\n' \
    "$INST" >"$tmp/plan.csv"
# same_refusal NAME OPTION...: both commands exit 2 and print one line,
# the same, that names the option.
same_refusal() {
	local name=$1 st1=0 st2=0; shift
	env HOME="$home_empty" "${ENVAK[@]}" "$MQRESET" reset "${ROW[@]}" \
	    --clear --endpoint "$URL" "$@" >/dev/null 2>"$tmp/out/$name-reset.err" || st1=$?
	env HOME="$home_empty" "${ENVAK[@]}" "$MQRESET" run "$tmp/plan.csv" \
	    --report "$tmp/$name.csv" --endpoint "$URL" "$@" \
	    >/dev/null 2>"$tmp/out/$name-run.err" || st2=$?
	if [ "$st1" = 2 ] && [ "$st2" = 2 ] &&
	    cmp -s "$tmp/out/$name-reset.err" "$tmp/out/$name-run.err" &&
	    [ "$(wc -l <"$tmp/out/$name-run.err")" = 1 ] &&
	    grep -q -- "$1" "$tmp/out/$name-run.err"; then ok "$name"; else
		fail "$name" "reset: exit $st1: $(cat "$tmp/out/$name-reset.err")" \
		    "run: exit $st2: $(cat "$tmp/out/$name-run.err")"; fi
}
same_refusal same-sigver-2 --signature-version 2
same_refusal same-connect-timeout-low --connect-timeout 0.05
same_refusal same-connect-timeout-high --connect-timeout 1000
same_refusal same-timeout-high --timeout 4000
same_refusal same-method --method PUT

# 10. --debug with STS, v1 and v3: the dumps are there, the secrets are not.
for sv in 1 3; do
	c=debug-v$sv
	mr "$c" 0 "${ENVSTS[@]}" -- "${ROW[@]}" --clear --execute \
	    --endpoint "$URL" --signature-version $sv --debug &&
	    if grep -q 'StringToSign\|CanonicalRequest' "$tmp/out/$c.err" &&
		grep -q '\*\*\*\*0003' "$tmp/out/$c.err"; then applied "$c"; else
		fail "$c" "no debug dump" "$(head -c 600 "$tmp/out/$c.err")"; fi
done

# 11. TLS: a throwaway CA; verified with --cacert, refused without it.
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=e2e-ca \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" >/dev/null 2>&1 &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "$tmp/srv.key" -out "$tmp/srv.csr" >/dev/null 2>&1 &&
    printf 'subjectAltName=IP:127.0.0.1\n' >"$tmp/ext" &&
    openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 1 -extfile "$tmp/ext" -out "$tmp/srv.pem" >/dev/null 2>&1; then
	plain_pid=$EMU_PID
	EMU_DIR=$tmp/emu-tls
	mkdir -p "$EMU_DIR"
	emu_start --state "$tmp/state.json" --journal "$tmp/journal.jsonl" \
	    --tls-cert "$tmp/srv.pem" --tls-key "$tmp/srv.key"
	tls_pid=$EMU_PID
	case $EMU_URL in
	https://*)
		mr tls-cacert 0 "${ENVAK[@]}" -- "${ROW[@]}" --clear --execute \
		    --endpoint "$EMU_URL" --cacert "$tmp/ca.pem" && applied tls-cacert
		mr tls-untrusted 3 "${ENVAK[@]}" -- "${ROW[@]}" --clear --execute \
		    --endpoint "$EMU_URL" && if grep -q 'TLS verification is always on' \
		    "$tmp/out/tls-untrusted.err"; then ok tls-untrusted; else
			fail tls-untrusted "$(cat "$tmp/out/tls-untrusted.err")"; fi
		;;
	*) fail tls "emulator did not serve https: $EMU_URL" ;;
	esac
	kill -TERM "$tls_pid" 2>/dev/null || true
	wait "$tls_pid" 2>/dev/null || true
	EMU_PID=$plain_pid
	EMU_DIR=$tmp/emu
else
	fail tls "openssl could not make a test CA"
fi

# 12. Faults: each outcome class and the maybe-applied warning, one
# emulator per fault (every request hit).
fault() { # NAME SPEC WANT_STATUS OUTCOME MAYBE(yes|no) [ARGS...]
	local name=$1 spec=$2 want=$3 outcome=$4 maybe=$5; shift 5
	local plain_pid=$EMU_PID
	EMU_DIR=$tmp/emu-$name
	mkdir -p "$EMU_DIR"
	emu_start --state "$tmp/state.json" --journal "$tmp/journal-$name.jsonl" \
	    --fault "$spec"
	local fpid=$EMU_PID
	if mr "fault-$name" "$want" "${ENVAK[@]}" -- "${ROW[@]}" --execute \
	    --endpoint "$EMU_URL" --timeout 2 "$@"; then
		local o=$tmp/out/fault-$name.out
		if ! grep -q "^outcome: $outcome\$" "$o"; then
			fail "fault-$name" "outcome not $outcome" "$(cat "$o")"
		elif [ "$maybe" = yes ] && ! { grep -q '^maybe_applied: yes$' "$o" &&
		    grep -q 'may have been applied' "$tmp/out/fault-$name.err"; }; then
			fail "fault-$name" "no maybe-applied notice" "$(cat "$o")"
		elif [ "$maybe" = no ] && grep -q '^maybe_applied' "$o"; then
			fail "fault-$name" "maybe_applied unexpected" "$(cat "$o")"
		else
			ok "fault-$name"
		fi
	fi
	kill -TERM "$fpid" 2>/dev/null || true
	wait "$fpid" 2>/dev/null || true
	EMU_PID=$plain_pid
	EMU_DIR=$tmp/emu
}
fault reconsume reconsume-later:every=1 1 reconsume-later no --clear
fault unavailable unavailable:every=1 1 retryable no --clear
fault throttle throttle:every=1 1 retryable no --clear
fault non-json non-json:every=1 1 retryable yes --clear
fault no-request-id no-request-id:every=1 1 retryable yes --clear
fault close-after close-after:every=1 1 retryable yes --clear
fault stall-after stall-after:every=1 1 retryable yes --clear --method GET
if grep -q 'cannot be undone' "$tmp/out/fault-close-after.err"; then
	ok "close-after: type 0 warning"; else
	fail "close-after: type 0 warning" "$(cat "$tmp/out/fault-close-after.err")"; fi
# Applied, then a 5xx: may have been applied (exit 1, status unknown), for
# the API's JSON 500 and a proxy's 504 page alike, type 0 and type 1; a
# throttling reply with the gateway's hint was not applied.
fault 500-after 500-after:every=1 1 retryable yes --clear
fault 504-after 504-after:every=1 1 retryable yes --clear
fault 504-after-t1 504-after:every=1 1 retryable yes --to 2026-06-01T00:00:00Z
fault throttle-hint throttle-hint:every=1 1 retryable no --clear
for c in 500-after 504-after 504-after-t1; do
	if grep -q '^status: unknown$' "$tmp/out/fault-$c.out"; then
		ok "$c: status unknown"; else
		fail "$c: status unknown" "$(cat "$tmp/out/fault-$c.out")"; fi
done
if grep -q '^status: failed$' "$tmp/out/fault-throttle-hint.out" &&
    grep -q 'try again later' "$tmp/out/fault-throttle-hint.err"; then
	ok "throttle-hint: not applied, transient"; else
	fail "throttle-hint: not applied, transient" \
	    "$(cat "$tmp/out/fault-throttle-hint.out" "$tmp/out/fault-throttle-hint.err")"; fi

# 13. No secret in anything mqreset wrote (stdout, stderr, debug dumps).
leaks=""
for s in "${SECRETS[@]}"; do
	if grep -rlF -- "$s" "$tmp/out" >/dev/null 2>&1; then
		leaks+=" $(grep -rlF -- "$s" "$tmp/out" | xargs -n1 basename | tr '\n' ' ')"
	fi
done
# Nor the whole AccessKeyIds (only their last four characters are shown).
for k in "$KEY" "$PKEY" "$SKEY"; do
	if grep -rlF -- "$k" "$tmp/out" >/dev/null 2>&1; then
		leaks+=" key-id:$(grep -rlF -- "$k" "$tmp/out" | xargs -n1 basename | tr '\n' ' ')"
	fi
done
if [ -z "$leaks" ] && [ "$(ls "$tmp/out" | wc -l)" -gt 40 ]; then
	ok "no secret in $(ls "$tmp/out" | wc -l) output files of $n runs"
else
	fail "secret scan" "found in:$leaks"
fi

emu_stop || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
