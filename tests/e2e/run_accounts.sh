#!/usr/bin/env bash
# tests/e2e/run_accounts.sh - several accounts in one plan (the profile
# column): two accounts (two Owners) in one emulator state, each with its
# own key and instance and a quota of 10 OnsConsumerResetOffset per
# second (sliding window, the strictest); the profiles "acct-a" (an
# AccessKey in ~/.alibabacloud/credentials) and "acct-b" (a RamRoleArn
# profile of ~/.aliyun/config.json whose STS credentials last 4 s, so
# they are refreshed during the run).
#   - --execute at --rate 10 (per account): every row ok, applied once,
#     each row sent with its own account's key, and from the emulator's
#     request log each account's calls stay within its quota while the
#     two accounts together went well above one account's quota (15 in
#     one second: the rate is per account, not shared);
#   - the report carries the profile column, the summary (text and JSON)
#     breaks the rows down by profile;
#   - --resume from that report sends nothing (the account is part of
#     the row's identity, the same group in two accounts is two rows);
#   - a profile that cannot be resolved: exit 2 naming file:line:column
#     and what the source said, nothing sent, no report, no journal;
#   - --preflight (the run's own account only) refuses such a plan;
#   - one account's key used on the other account's instance is refused
#     by the emulator (INSTANCE_NOT_FOUND): the accounts are apart.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

OWNER_A=1111111111111111
OWNER_B=2222222222222222
INST_A=MQ_INST_${OWNER_A}_BXaccta1
INST_B=MQ_INST_${OWNER_B}_BXacctb1
AK_A=LTAI5tAccountsA00001
SK_A=accountsSecretA000000001
AK_B=LTAI5tAccountsB00001
SK_B=accountsSecretB000000001
ROLE_B=acs:ram::${OWNER_B}:role/mqreset-operator-b
N=60 # rows per account

# The plan: rows of the two accounts interleaved; the same group and
# topic names in both (two rows: two accounts).
{
	echo "profile,InstanceId,GroupId,Topic,Type,ResetTimestamp"
	for ((i = 0; i < N; i++)); do
		printf 'acct-a,%s,GID_acc%03d,topic%d,1,2024-06-03T10:00:00+08:00\n' \
		    "$INST_A" "$i" $((i % 5))
		if ((i % 2)); then
			printf 'acct-b,%s,GID_acc%03d,topic%d,1,2024-06-03T10:00:00+08:00\n' \
			    "$INST_B" "$i" $((i % 5))
		else
			printf 'acct-b,%s,GID_acc%03d,topic%d,0,\n' \
			    "$INST_B" "$i" $((i % 5))
		fi
	done
} >"$T/plan.csv"
cat >"$T/state.json" <<JSON
{
  "Owner": "$OWNER_A",
  "Roles": [ "$ROLE_B" ],
  "Credentials": [
    { "AccessKeyId": "$AK_A", "AccessKeySecret": "$SK_A" },
    { "AccessKeyId": "$AK_B", "AccessKeySecret": "$SK_B",
      "Owner": "$OWNER_B" } ],
  "Instances": [ { "InstanceId": "$INST_B", "Owner": "$OWNER_B" } ]
}
JSON
mkdir -p "$HOME/.aliyun" "$HOME/.alibabacloud"
# acct-b assumes a role of its account with STS credentials that last 4
# seconds: refreshed on the way, for that account only.
cat >"$HOME/.aliyun/config.json" <<JSON
{"current": "acct-b", "profiles": [
  {"name": "acct-b", "mode": "RamRoleArn", "access_key_id": "$AK_B",
   "access_key_secret": "$SK_B", "ram_role_arn": "$ROLE_B",
   "ram_session_name": "e2e"}]}
JSON
printf '[acct-a]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n' \
    "$AK_A" "$SK_A" >"$HOME/.alibabacloud/credentials"
chmod 600 "$HOME/.aliyun/config.json" "$HOME/.alibabacloud/credentials"
export ALIBABA_CLOUD_CREDENTIALS_FILE=$HOME/.alibabacloud/credentials

rm -f "$T/journal.jsonl" "$T/req.log"
emu_start --state "$T/state.json" --rehearse "$T/plan.csv" \
    --journal "$T/journal.jsonl" --seed 7 --qps-window sliding \
    --qps-action OnsConsumerResetOffset=10 --request-log "$T/req.log" \
    --sts --sts-duration 4

# --- the two-account run -------------------------------------------------
run_exec "$T/plan.csv" "$T/r.csv" --rate 10 --workers 8 \
    --sts-endpoint "$EMU_URL" --debug
expect_status "two accounts: exit 0" 0
# applied_once_per_account REPORT JOURNAL: every ok row applied exactly
# once in its own instance under its RequestId, nothing else applied
# (runcheck's applied_once keys on group and topic: the same in both).
applied_once_per_account() {
	python3 - "$1" "$2" <<'PY'
import collections, csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
j = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
key = lambda x: (x["instance_id"], x["group_id"], x["topic"])
applied = collections.Counter(key(x) for x in j)
ids = {key(x): x["request_id"] for x in j}
bad = [r["line"] for r in rows if r["status"] == "ok" and
       (applied[key(r)] != 1 or ids[key(r)] != r["request_id"])]
extra = set(applied) - set(key(r) for r in rows if r["status"] == "ok")
if bad or extra:
    print("lines %s not applied once; %d applied without an ok row"
          % (bad[:5], len(extra)))
    sys.exit(1)
PY
}
check "two accounts: all $((2 * N)) ok, each applied once" \
    all_of statuses "$T/r.csv" ok $((2 * N)) ';' \
    applied_once_per_account "$T/r.csv" "$T/journal.jsonl"
check "report carries the profile column" python3 -c "
import csv, sys
rows = list(csv.DictReader(open('$T/r.csv')))
n = {p: sum(r['profile'] == p for r in rows) for p in ('acct-a', 'acct-b')}
sys.exit(0 if n == {'acct-a': $N, 'acct-b': $N} else print(n) or 1)"
check "each row went with its own account's key (acct-b: its role's)" \
    python3 -c "
import json, sys
rs = [json.loads(l) for l in open('$T/req.log') if l.strip()]
rs = [r for r in rs if r.get('action') == 'OnsConsumerResetOffset']
bad = [r for r in rs if not (r['key_id'] == '$AK_A'
       if r['instance_id'] == '$INST_A' else r['key_id'].startswith('STS.'))]
sys.exit(1 if bad or not rs else 0)"
check "acct-b's 4-second credentials refreshed, none answered expired" \
    all_of grep -q 'credentials refreshed' "$T/mq.err" ';' \
    no_text InvalidSecurityToken.Expired "$T/r.csv"
check "request log: each account within its quota of 10/s" python3 - \
    "$T/req.log" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rs = [r for r in rs if r.get("action") == "OnsConsumerResetOffset"]
def peak(ts):
    ts = sorted(ts)
    return max(sum(1 for u in ts if t <= u < t + 1000) for t in ts)
bad = []
for k in sorted(set(r["key_id"] for r in rs)):
    mine = [r for r in rs if r["key_id"] == k]
    thr = [r for r in mine if r.get("code") == "Throttling.User"]
    ok = [r["t_ms"] for r in mine if r.get("code") != "Throttling.User"]
    # A few throttled replies at the quota's edge are retried: jitter,
    # or the first requests of each worker arriving together after
    # their connections opened slowly (a sanitizer build: 4 of 64); a
    # limiter above the quota gets most of its requests throttled.
    if peak(ok) > 10 or len(thr) > max(3, 0.1 * len(mine)):
        bad.append("%s: %d accepted in one second, %d throttled of %d"
                   % (k, peak(ok), len(thr), len(mine)))
if bad:
    print("; ".join(bad))
    sys.exit(1)
PY
check "request log: the accounts ran side by side, each on its own quota" \
    python3 - "$T/req.log" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ts = sorted(r["t_ms"] for r in rs if r.get("action") == "OnsConsumerResetOffset")
p = max(sum(1 for u in ts if t <= u < t + 1000) for t in ts)
print("both accounts together: at most %d requests in one second" % p)
sys.exit(0 if p >= 15 else 1)
PY
# (A throttled reply or two at the quota's edge is retried: requests
# are at least the rows, the throttled ones the difference.)
check "summary text: one line per profile" has_text "$T/mq.err" \
    "profile acct-a: $N rows: $N ok; " "profile acct-b: $N rows: $N ok; "
check "summary JSON: per-profile figures" python3 -c "
import json, sys
a = json.load(open('$T/r.csv.json'))['accounts']
got = [(x['profile'], x['rows'], x['status']['ok'], x['status']['failed'],
        x['status']['unknown'], x['status']['not-run'],
        x['requests'] - x['throttled'])
       for x in a]
want = [('acct-a', $N, $N, 0, 0, 0, $N), ('acct-b', $N, $N, 0, 0, 0, $N)]
sys.exit(0 if got == want else print(got) or 1)"

cp "$T/mq.err" "$T/run1.err"

# --- resume: the account is part of the identity -------------------------
before=$(grep -c OnsConsumerResetOffset "$T/req.log")
run_exec "$T/plan.csv" "$T/r2.csv" --rate 10 --resume "$T/r.csv" \
    --sts-endpoint "$EMU_URL"
expect_status "resume: exit 0" 0
check "resume: every row skipped, nothing sent" all_of \
    statuses "$T/r2.csv" skipped $((2 * N)) ';' \
    lines_with "$T/req.log" OnsConsumerResetOffset "$before"

# --- an unresolvable profile ---------------------------------------------
sed '5s/^acct-b,/acct-c,/' "$T/plan.csv" >"$T/bad.csv"
before=$(grep -c OnsConsumerResetOffset "$T/req.log")
run_exec "$T/bad.csv" "$T/rb.csv" --again --rate 10 \
    --sts-endpoint "$EMU_URL"
expect_status "unknown profile: exit 2" 2
check "unknown profile: file:line:column and what the source said" \
    has_text "$T/mq.err" "$T/bad.csv:5:1: error: cannot resolve the row's profile: profile 'acct-c' not found"
check "unknown profile: nothing sent, no report, no journal" all_of \
    lines_with "$T/req.log" OnsConsumerResetOffset "$before" ';' \
    absent "$T/rb.csv" ';' absent "$T/rb.csv.intent"

# --- preflight asks the run's own account only: refused ------------------
before=$(grep -c '"action"' "$T/req.log")
mq RUN_ST run "$T/plan.csv" --report "$T/rp.csv" --preflight \
    --endpoint "$EMU_URL"
expect_status "preflight of a plan naming accounts: exit 2" 2
check "preflight: says why, sends nothing" all_of \
    has_text "$T/mq.err" "the plan names accounts" ';' \
    lines_with "$T/req.log" '"action"' "$before" ';' absent "$T/rp.csv"

# The default dry run and --execute's preflight likewise; --verify and
# --undo-plan read the run's own account only: refused before anything.
# (AssumeRole for a profile's role may be asked; no Ons action is.)
before=$(grep -c '"action":"Ons' "$T/req.log")
mq RUN_ST run "$T/plan.csv" --report "$T/rp.csv" --endpoint "$EMU_URL"
expect_status "default dry run of a plan naming accounts: exit 2" 2
check "default dry run: points at --offline, sends nothing" all_of \
    has_text "$T/mq.err" "give --offline" ';' \
    lines_with "$T/req.log" '"action":"Ons' "$before" ';' absent "$T/rp.csv"
RUN_PREFLIGHT=1 run_exec "$T/plan.csv" "$T/rp.csv" --again --rate 10 \
    --sts-endpoint "$EMU_URL"
expect_status "--execute with its preflight, plan naming accounts: exit 2" 2
check "--execute: points at --no-preflight, sends nothing" all_of \
    has_text "$T/mq.err" "--no-preflight to execute without it" ';' \
    lines_with "$T/req.log" '"action":"Ons' "$before" ';' absent "$T/rp.csv"
run_exec "$T/plan.csv" "$T/rp.csv" --again --rate 10 --verify \
    --sts-endpoint "$EMU_URL"
expect_status "--verify with a plan naming accounts: exit 2" 2
check "--verify: says why, sends nothing" all_of \
    has_text "$T/mq.err" "--verify and --undo-plan read the run's own" ';' \
    lines_with "$T/req.log" '"action":"Ons' "$before" ';' absent "$T/rp.csv"
mq RUN_ST run "$T/plan.csv" --report "$T/rp.csv" --offline
expect_status "--offline dry run of a plan naming accounts: exit 0" 0

# --- the accounts are apart in the emulator ------------------------------
{
	echo "profile,InstanceId,GroupId,Topic,Type,ResetTimestamp"
	printf 'acct-a,%s,GID_acc001,topic1,1,2024-06-03T10:00:00+08:00\n' \
	    "$INST_B"
} >"$T/cross.csv"
run_exec "$T/cross.csv" "$T/rc.csv" --rate 10
check "another account's instance: not found for this key" \
    cells "$T/rc.csv" 2 status=failed error_code=INSTANCE_NOT_FOUND
check "no secret in the outputs (--debug included)" all_of \
    no_text "$SK_B" "$T/run1.err" "$T/r.csv" "$T/r.csv.json" ';' \
    no_text "$SK_A" "$T/run1.err" "$T/r.csv" "$T/r.csv.json"
emu_stop >/dev/null || true
finish
