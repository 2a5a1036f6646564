#!/usr/bin/env bash
# tests/e2e/run_preflight_workers.sh - the preflight's read calls run on
# --workers threads: with OnsGroupSubDetail slowed to 300 ms by the
# emulator, a plan of 20 groups has calls of that action in flight at
# the same time (one arrived before the one before it finished: the
# request log's t_ms and t_done_ms), none with --workers 1; either way
# the same outcomes and the same calls per action (the cache), and the
# action's calls still paced at its quota (20 calls at 9/s span at least
# 18 intervals of 100 ms).
#
# Run from the top of the tree (tests/run does).
set -euo pipefail
: "${MQRESET:?}" "${MQRESET_EMULATOR:?}"
# shellcheck source=tests/e2e/lib/emulator.bash
. tests/e2e/lib/emulator.bash
emu_scratch

A=MQ_INST_1234567890123456_AAAAaaaa
python3 - "$tmp/account.json" "$tmp/plan.csv" "$A" <<'EOF'
import json, sys, time, datetime
out, plan, inst = sys.argv[1], sys.argv[2], sys.argv[3]
now = int(time.time() * 1000)
early, late = now - 3 * 86400000, now - 60000
topics = [{"Topic": "orders", "MessageType": 0, "Perm": 6,
           "EarliestTime": early, "LatestTime": late,
           "MessageCount": 100000, "CreateTime": now - 9 * 86400000}]
groups = [{"GroupId": "GID_w%02d" % i, "GroupType": "tcp",
           "MessageModel": "CLUSTERING", "Online": True,
           "CreateTime": now - 5 * 86400000, "Remark": "",
           "Subscriptions": [{"Topic": "orders", "SubString": "*",
                              "ConsumerPosition": now - 3600000,
                              "Backlog": 10 + i, "ConsumeTps": 1.0}]}
          for i in range(20)]
doc = {"Owner": "1234567890123456",
       "Credentials": [{"AccessKeyId": "LTAI5tPreflightE2E001",
                        "AccessKeySecret": "preflightE2eSecret-001"}],
       "Instances": [{"InstanceId": inst, "Topics": topics,
                      "Groups": groups}]}
json.dump(doc, open(out, "w"), indent=1)
d = datetime.datetime.fromtimestamp((now - 2 * 3600000) / 1000,
                                    datetime.timezone.utc)
with open(plan, "w") as f:
    f.write("instance,group,topic,type,timestamp\n")
    for i in range(20):
        if i % 2:
            f.write("%s,GID_w%02d,orders,0,\n" % (inst, i))
        else:
            f.write("%s,GID_w%02d,orders,1,%s\n" % (inst, i,
                    d.isoformat(timespec="seconds")))
EOF
chmod 600 "$tmp/account.json"

# One preflight against a fresh emulator: LOG REPORT [options].
pf_logged() {
	local log=$1 rep=$2 st
	shift 2
	emu_start --state "$tmp/account.json" --write-credentials \
	    "$tmp/creds" --request-log "$log" \
	    --fault latency:ms=300,action=OnsGroupSubDetail
	emu_export_creds "$tmp/creds"
	set +e
	"$MQRESET" run --endpoint "$EMU_URL" --preflight "$tmp/plan.csv" \
	    --report "$rep" --summary-json "$rep.json" "$@" 2>"$rep.err"
	st=$?
	set -e
	emu_stop
	return "$st"
}

# ACTION LOG: "overlap N" (calls that arrived before the previous one,
# in arrival order, finished), "span MS" (last arrival - first), "calls".
timing() {
	python3 - "$@" <<'EOF'
import json, sys
action, log = sys.argv[1], sys.argv[2]
v = sorted((d["t_ms"], d["t_done_ms"]) for d in
           map(json.loads, open(log)) if d["action"] == action)
over = sum(1 for a, b in zip(v, v[1:]) if b[0] < a[1])
print("overlap %d span %d calls %d" % (over, v[-1][0] - v[0][0], len(v)))
EOF
}

st=0; pf_logged "$tmp/log8.jsonl" "$tmp/r8.csv" --workers 8 || st=$?
expect "preflight --workers 8: every row would reset, exit 0" 0 "$st"
st=0; pf_logged "$tmp/log1.jsonl" "$tmp/r1.csv" --workers 1 || st=$?
expect "preflight --workers 1: every row would reset, exit 0" 0 "$st"

read -r _ over8 _ span8 _ n8 <<<"$(timing OnsGroupSubDetail "$tmp/log8.jsonl")"
read -r _ over1 _ _ _ n1 <<<"$(timing OnsGroupSubDetail "$tmp/log1.jsonl")"
if [ "$over8" -ge 1 ]; then
	ok "--workers 8: OnsGroupSubDetail calls in flight together ($over8)"
else bad "--workers 8: no two OnsGroupSubDetail calls overlapped"; fi
expect "--workers 1: the calls one after the other" 0 "$over1"
expect "--workers 8: 20 OnsGroupSubDetail calls" 20 "$n8"
expect "--workers 1: 20 OnsGroupSubDetail calls" 20 "$n1"
if [ "$span8" -ge 1800 ]; then
	ok "--workers 8: the action still paced at its quota (${span8} ms)"
else bad "--workers 8: 20 calls within $span8 ms: faster than 10/s"; fi

check=$(python3 - "$tmp/r8.csv" "$tmp/r1.csv" "$tmp/log8.jsonl" \
    "$tmp/log1.jsonl" "$tmp/r8.csv.json" "$tmp/r1.csv.json" <<'EOF'
import csv, json, sys
cols = ("line", "group_id", "preflight", "error_code", "backlog",
        "impact_messages", "consume_time", "consumers_online")
r8, r1, l8, l1, s8, s1 = sys.argv[1:7]
rows = [[tuple(r[c] for c in cols) for r in csv.DictReader(open(p))]
        for p in (r8, r1)]
errs = []
if rows[0] != rows[1]:
    errs.append("reports differ")
if len(rows[0]) != 20 or any(r[2] != "would-reset" for r in rows[0]):
    errs.append("outcomes %s" % [r[2] for r in rows[0]])
def by(log):
    d = {}
    for line in open(log):
        a = json.loads(line)["action"]
        d[a] = d.get(a, 0) + 1
    return d
want = {"OnsInstanceInServiceList": 1, "OnsGroupList": 1, "OnsTopicList": 1,
        "OnsGroupSubDetail": 20, "OnsConsumerAccumulate": 20,
        "OnsConsumerTimeSpan": 20}
for log, summ in ((l8, s8), (l1, s1)):
    if by(log) != want:
        errs.append("%s: %s" % (log, by(log)))
    s = {k: v for k, v in json.load(open(summ))["calls"].items() if v}
    if s != want:
        errs.append("%s: %s" % (summ, s))
print("; ".join(errs) or "ok")
EOF
)
expect "same outcomes and calls per action with 8 workers and with 1" ok \
    "$check"
emu_summary
