#!/usr/bin/env bash
# tests/e2e/run_auth.sh - run-fatal outcomes stop `mqreset run` at once:
# a wrong secret (SignatureDoesNotMatch), a disabled AccessKey, and an STS
# token that expires in the middle of a run.  Exit 3, the report complete
# (rows not sent are not-run), nothing applied that the report does not
# show as ok.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

make_plan "$T/plan.csv" 10 30
now_ms=$(( $(date +%s) * 1000 ))
# Credentials of our own (a state file), the rest from the rehearsal.
cat >"$T/state.json" <<JSON
{
  "Credentials": [
    { "AccessKeyId": "LTAI5tRunE2eGood00001", "AccessKeySecret": "runE2eSecretGood000000001" },
    { "AccessKeyId": "LTAI5tRunE2eOff000001", "AccessKeySecret": "runE2eSecretOff0000000001", "Disabled": true },
    { "AccessKeyId": "STS.RunE2eExpiring0001", "AccessKeySecret": "runE2eStsSecret0000000001",
      "SecurityToken": "CAIS.run.e2e.expiring.token", "Expiration": $((now_ms + 2500)) }
  ],
  "Faults": [],
  "Instances": []
}
JSON
start_emu "$T/plan.csv" --state "$T/state.json" --qps 1000

# as KEYID SECRET [TOKEN] -- ARGS: run with credentials in the environment.
as() {
	local id=$1 secret=$2 token=$3; shift 3
	if [ -n "$token" ]; then
		ALIBABA_CLOUD_ACCESS_KEY_ID=$id ALIBABA_CLOUD_ACCESS_KEY_SECRET=$secret \
		    ALIBABA_CLOUD_SECURITY_TOKEN=$token run_exec "$@"
	else
		ALIBABA_CLOUD_ACCESS_KEY_ID=$id ALIBABA_CLOUD_ACCESS_KEY_SECRET=$secret \
		    run_exec "$@"
	fi
}
complete() { # REPORT: every plan row has its row, in plan order
	rc plan-order "$1" "$T/plan.csv"
}

# 1. Wrong secret: the first answer stops the run.
as LTAI5tRunE2eGood00001 wrongSecretWrongSecret00 "" "$T/plan.csv" "$T/r1.csv" --rate 20
expect_status "wrong secret: exit 3" 3
check "wrong secret: SignatureDoesNotMatch reported" grep -q SignatureDoesNotMatch "$T/r1.csv"
check "wrong secret: rows not sent are not-run, none ok" \
    all_of statuses "$T/r1.csv" ok 0 ';' \
    summary_has "$T/r1.csv.json" 'status.not-run>=30'
check "wrong secret: report complete and in plan order" complete "$T/r1.csv"
check "wrong secret: nothing applied" rc applied "$T/journal.jsonl" 0
check "wrong secret: the secret is not in any output" \
    no_text wrongSecretWrongSecret00 "$T/mq.err" "$T/mq.out" "$T/r1.csv" \
    "$T/r1.csv.json"
check "wrong secret: summary says aborted" \
    test "$(rc json "$T/r1.csv.json" outcome)" = aborted

# 2. A disabled AccessKey.
as LTAI5tRunE2eOff000001 runE2eSecretOff0000000001 "" "$T/plan.csv" "$T/r2.csv" --rate 20
expect_status "disabled key: exit 3" 3
check "disabled key: InvalidAccessKeyId.Inactive reported" \
    grep -q InvalidAccessKeyId.Inactive "$T/r2.csv"
check "disabled key: nothing applied" rc applied "$T/journal.jsonl" 0

# 3. An STS token expiring mid-run (2.5 s after the emulator started; the
# run takes 4 s at 10 req/s): stops at the first expired answer.
as STS.RunE2eExpiring0001 runE2eStsSecret0000000001 CAIS.run.e2e.expiring.token \
    "$T/plan.csv" "$T/r3.csv" --rate 10 --workers 2
expect_status "token expiring mid-run: exit 3" 3
check "token expiring: InvalidSecurityToken.Expired reported" \
    grep -q InvalidSecurityToken.Expired "$T/r3.csv"
check "token expiring: not-run rows left" \
    summary_has "$T/r3.csv.json" 'status.not-run>=1'
check "token expiring: journal holds exactly the ok rows" \
    rc journal-once "$T/r3.csv" "$T/journal.jsonl"
check "token expiring: report complete and in plan order" complete "$T/r3.csv"

# 4. Resume after the failure with good credentials: the rest is sent.
as LTAI5tRunE2eGood00001 runE2eSecretGood000000001 "" "$T/plan.csv" "$T/r4.csv" \
    --resume "$T/r3.csv" --rate 500
expect_status "resume with good credentials: exit 0" 0
check "resume: every row ok or skipped, each applied once" \
    all_of statuses "$T/r4.csv" failed 0 not-run 0 ';' \
    cleared_once "$T/journal.jsonl" ';' applied_count "$T/journal.jsonl" 40

finish
