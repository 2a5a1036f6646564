#!/usr/bin/env bash
# tests/e2e/run_preflight.sh - `mqreset run --preflight` against
# mqreset-emulator with a state: one row per case (a group that does not
# exist, a group that does not subscribe to the topic, a timestamp before
# the topic's oldest message and one after its newest, a BROADCASTING
# group, an offline group, healthy rows of both types), each with its
# outcome; --strict fails the warning; nothing is applied (the journal
# stays empty); the calls counted in the request log and the summary prove
# the caching (many rows over few groups cost one call per group or
# pair); a wrong secret exits 3 naming the key and the endpoint.
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
def sub(t, pos, backlog):
    return {"Topic": t, "SubString": "*", "ConsumerPosition": pos,
            "Backlog": backlog, "ConsumeTps": 1.0}
def group(gid, subs, online=True, model="CLUSTERING"):
    return {"GroupId": gid, "GroupType": "tcp", "MessageModel": model,
            "Online": online, "CreateTime": now - 5 * 86400000,
            "Remark": "", "Subscriptions": subs}
topics = [{"Topic": t, "MessageType": 0, "Perm": 6, "EarliestTime": early,
           "LatestTime": late, "MessageCount": 100000,
           "CreateTime": now - 9 * 86400000}
          for t in ["orders", "pay"] + ["t%02d" % i for i in range(20)]]
groups = [group("GID_ok", [sub("orders", now - 3600000, 1200),
                           sub("pay", now - 7200000, 34)] +
                [sub("t%02d" % i, now - 3600000, 10) for i in range(20)]),
          group("GID_bcast", [sub("orders", now - 600000, 5)],
                model="BROADCASTING"),
          group("GID_off", [sub("orders", now - 86400000, 777)],
                online=False)]
doc = {"Owner": "1234567890123456",
       "Credentials": [{"AccessKeyId": "LTAI5tPreflightE2E001",
                        "AccessKeySecret": "preflightE2eSecret-001"}],
       "Instances": [{"InstanceId": inst, "Topics": topics,
                      "Groups": groups}]}
json.dump(doc, open(out, "w"), indent=1)
def rfc(ms):
    d = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone(
        datetime.timedelta(hours=8)))
    return d.isoformat(timespec="seconds")
rows = [("GID_missing", "orders", 0, ""),           # line 2
        ("GID_ok", "nosuchtopic", 0, ""),           # 3
        ("GID_bcast", "pay", 0, ""),                # 4: not subscribed
        ("GID_ok", "t00", 1, rfc(early - 86400000)),  # 5: before
        ("GID_ok", "t01", 1, rfc(now - 30000)),     # 6: after newest
        ("GID_bcast", "orders", 0, ""),             # 7: warning
        ("GID_off", "orders", 1, rfc(now - 2 * 3600000)),  # 8: forward
        ("GID_ok", "orders", 0, ""),                # 9: skips 1200
        ("GID_ok", "pay", 1, rfc(now - 4 * 3600000))]  # 10: back
with open(plan, "w") as f:
    f.write("instance,group,topic,type,timestamp,ticket\n")
    for i, (g, t, ty, ts) in enumerate(rows):
        f.write("%s,%s,%s,%d,%s,T-%d\n" % (inst, g, t, ty, ts, i))
    # more rows of the same group: one group read for all of them
    for i in range(2, 20):
        f.write("%s,GID_ok,t%02d,1,%s,R-%d\n" % (inst, i,
                rfc(now - (i + 1) * 60000), i))
EOF
chmod 600 "$tmp/account.json"

emu_start --state "$tmp/account.json" --write-credentials "$tmp/creds" \
    --request-log "$tmp/log.jsonl" --journal "$tmp/journal.jsonl"
emu_export_creds "$tmp/creds"

pf() { "$MQRESET" run --endpoint "$EMU_URL" --preflight "$@"; }

set +e
pf "$tmp/plan.csv" --report "$tmp/r1.csv" --summary-json "$tmp/s1.json" \
    2>"$tmp/r1.err"
st=$?
set -e
expect "preflight: some rows would fail: exit 1" 1 "$st"
check=$(python3 - "$tmp/r1.csv" <<'EOF'
import csv, sys
rows = {int(r["line"]): r for r in csv.DictReader(open(sys.argv[1]))}
want = {2: ("would-fail", "BIZ_SUBSCRIPTION_NOT_FOUND"),
        3: ("would-fail", "BIZ_TOPIC_NOT_FOUND"),
        4: ("would-fail", "BIZ_SUBSCRIPTION_NOT_FOUND"),
        5: ("would-fail", "BIZ_FIELD_CHECK_INVALID"),
        6: ("would-fail", "BIZ_FIELD_CHECK_INVALID"),
        7: ("would-reset", ""), 8: ("would-reset", ""),
        9: ("would-reset", ""), 10: ("would-reset", "")}
errs = []
for line, (pf, code) in want.items():
    r = rows.get(line)
    if r is None:
        errs.append("line %d missing" % line); continue
    if (r["preflight"], r["error_code"]) != (pf, code):
        errs.append("line %d: %s %s (%s)" % (line, r["preflight"],
                    r["error_code"], r["error_message"]))
    if r["status"] != "dry-run":
        errs.append("line %d status %s" % (line, r["status"]))
def has(line, col, s):
    if s not in rows[line][col]:
        errs.append("line %d %s: %r lacks %r" % (line, col, rows[line][col], s))
has(5, "error_message", "before the oldest")
has(5, "error_message", "+08:00 .. ")
has(6, "error_message", "after the newest")
has(7, "error_message", "BROADCASTING")
has(7, "message_model", "BROADCASTING")
has(8, "consumers_online", "no")
has(8, "impact", "forward")
has(9, "impact_messages", "1200")
has(9, "backlog", "1200")
has(9, "consumers_online", "yes")
has(10, "impact", "back")
has(10, "ticket", "T-8")
if rows[9]["consume_time"] == "":
    errs.append("line 9: no consume_time")
if len(rows) != 27:
    errs.append("%d rows" % len(rows))
print("; ".join(errs) or "ok")
EOF
)
expect "preflight: each row's outcome, code and impact" ok "$check"
expect "preflight: the summary totals" 1 \
    "$(grep -c 'rows would skip 1,205 messages in 2 groups; 5 rows would fail' "$tmp/r1.err")"

# The cache: one call per instance, group and pair, however many rows.
check=$(python3 - "$tmp/log.jsonl" "$tmp/s1.json" <<'EOF'
import json, sys
by = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    by[d["action"]] = by.get(d["action"], 0) + 1
want = {"OnsInstanceInServiceList": 1, "OnsGroupList": 1, "OnsTopicList": 1,
        "OnsGroupSubDetail": 3, "OnsConsumerAccumulate": 3,
        "OnsConsumerTimeSpan": 24}
s = json.load(open(sys.argv[2]))["calls"]
errs = []
if by != want:
    errs.append("log %s" % by)
if {k: v for k, v in s.items() if v} != want:
    errs.append("summary %s" % s)
print("; ".join(errs) or "ok")
EOF
)
expect "preflight: calls per action (request log and --summary-json)" ok "$check"
expect "preflight: nothing applied (journal empty)" 0 \
    "$(cat "$tmp/journal.jsonl" 2>/dev/null | wc -l)"

# --strict: the BROADCASTING warning fails its row.
grep -e "^instance," -e 'GID_bcast,orders' -e 'GID_ok,orders,0' \
    "$tmp/plan.csv" >"$tmp/plan2.csv"
set +e
pf "$tmp/plan2.csv" --report "$tmp/r2.csv" 2>/dev/null
st=$?
pf "$tmp/plan2.csv" --report "$tmp/r3.csv" --strict 2>/dev/null
st2=$?
set -e
expect "preflight: healthy rows with a warning exit 0" 0 "$st"
expect "preflight --strict: the warning fails: exit 1" 1 "$st2"
expect "preflight --strict: the BROADCASTING row would fail" would-fail \
    "$(python3 -c 'import csv,sys; print([r["preflight"] for r in csv.DictReader(open(sys.argv[1])) if r["group_id"]=="GID_bcast"][0])' "$tmp/r3.csv")"

# The report is a previous report for --resume: nothing was applied.
set +e
"$MQRESET" run --endpoint "$EMU_URL" "$tmp/plan2.csv" --report "$tmp/r4.csv" \
    --resume "$tmp/r2.csv" --offline >/dev/null 2>"$tmp/r4.err"
st=$?
set -e
expect "a preflight report is read by --resume" 0 "$st"

# A wrong secret: the preflight cannot run.
set +e
ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong pf "$tmp/plan2.csv" \
    --report "$tmp/r5.csv" 2>"$tmp/r5.err"
st=$?
set -e
expect "preflight: a wrong secret exits 3" 3 "$st"
if grep -q "AccessKeyId \*\*\*\*E001 .*endpoint $EMU_URL" "$tmp/r5.err"; then
	ok "preflight: the message names the key id and the endpoint"
else bad "preflight: key and endpoint" "$(cat "$tmp/r5.err")"; fi
if [ -e "$tmp/r5.csv" ]; then bad "preflight: no report after exit 3"
else ok "preflight: no report after exit 3"; fi
expect "preflight: still nothing applied" 0 \
    "$(cat "$tmp/journal.jsonl" 2>/dev/null | wc -l)"

emu_stop
emu_summary
