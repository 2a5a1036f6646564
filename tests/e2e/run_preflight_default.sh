#!/usr/bin/env bash
# tests/e2e/run_preflight_default.sh - the preflight is the default dry
# run and runs before --execute (issue 12):
#   - `run PLAN --report R` (and --dry-run) asks the account: exit 1 when
#     a row would fail, 0 when every row would reset; nothing applied;
#   - --offline is the dry run without the account: no credentials, no
#     network, exit 0, status dry-run;
#   - a wrong secret, and an unknown region (its host reached through a
#     loopback proxy that is not there: the test never leaves the
#     machine), exit 3 naming the key id, its source and the endpoint;
#   - --execute: rows the preflight finds would fail are reported failed
#     with its code, attempts 0, and never reach the emulator; the other
#     rows are applied; --no-preflight sends them (the emulator answers
#     the error); a preflight that cannot run stops --execute (exit 3)
#     before anything is sent;
#   - the modes that contradict each other are usage errors (exit 2).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
RUN_PREFLIGHT=1 # run_exec: the default --execute, preflight included

A=MQ_INST_1234567890123456_PFdefault
python3 - "$T/account.json" "$T/plan.csv" "$T/good.csv" "$A" <<'PY'
import json, sys, time, datetime
out, plan, good, inst = sys.argv[1:5]
now = int(time.time() * 1000)
early, late = now - 3 * 86400000, now - 60000
def sub(t, pos, backlog):
    return {"Topic": t, "SubString": "*", "ConsumerPosition": pos,
            "Backlog": backlog, "ConsumeTps": 1.0}
def group(gid, subs):
    return {"GroupId": gid, "GroupType": "tcp", "MessageModel": "CLUSTERING",
            "Online": True, "CreateTime": now - 5 * 86400000, "Remark": "",
            "Subscriptions": subs}
topics = [{"Topic": t, "MessageType": 0, "Perm": 6, "EarliestTime": early,
           "LatestTime": late, "MessageCount": 100000,
           "CreateTime": now - 9 * 86400000} for t in ["orders", "pay"]]
groups = [group("GID_a", [sub("orders", now - 3600000, 1200),
                          sub("pay", now - 7200000, 34)]),
          group("GID_b", [sub("orders", now - 600000, 5)])]
json.dump({"Owner": "1234567890123456",
           "Credentials": [{"AccessKeyId": "LTAI5tPreflightDefault1",
                            "AccessKeySecret": "pfDefaultSecret-0001"}],
           "Instances": [{"InstanceId": inst, "Topics": topics,
                          "Groups": groups}]}, open(out, "w"), indent=1)
def rfc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone(
        datetime.timedelta(hours=8))).isoformat(timespec="seconds")
rows = [("GID_a", "orders", 0, ""),                      # 2 ok
        ("GID_missing", "orders", 0, ""),                # 3 would fail
        ("GID_b", "pay", 1, rfc(now - 3600000)),         # 4 not subscribed
        ("GID_a", "pay", 1, rfc(early - 86400000)),      # 5 before oldest
        ("GID_b", "orders", 1, rfc(now - 2 * 3600000))]  # 6 ok
hdr = "instance,group,topic,type,timestamp,ticket\n"
with open(plan, "w") as f:
    f.write(hdr)
    for i, (g, t, ty, ts) in enumerate(rows):
        f.write("%s,%s,%s,%d,%s,T-%d\n" % (inst, g, t, ty, ts, i))
with open(good, "w") as f:
    f.write(hdr)
    for i in (0, 4):
        g, t, ty, ts = rows[i]
        f.write("%s,%s,%s,%d,%s,T-%d\n" % (inst, g, t, ty, ts, i))
PY
chmod 600 "$T/account.json"
emu_start --state "$T/account.json" --write-credentials "$T/creds" \
    --journal "$T/journal.jsonl" --request-log "$T/log.jsonl"
emu_export_creds "$T/creds"
# A loopback port nothing listens on (for the unknown region's proxy).
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
resets() { # requests OnsConsumerResetOffset the emulator received
	grep -c '"OnsConsumerResetOffset"' "$T/log.jsonl" || true
}

# 1. The default dry run is the preflight.
mq RUN_ST run "$T/plan.csv" --report "$T/d1.csv" --endpoint "$EMU_URL" \
    --summary-json "$T/d1.json"
expect_status "default dry run: some rows would fail: exit 1" 1
check "default dry run: preflight outcomes per row" all_of \
    cells "$T/d1.csv" 2 preflight=would-reset status=dry-run ';' \
    cells "$T/d1.csv" 3 preflight=would-fail \
    error_code=BIZ_SUBSCRIPTION_NOT_FOUND ';' \
    cells "$T/d1.csv" 4 preflight=would-fail \
    error_code=BIZ_SUBSCRIPTION_NOT_FOUND ';' \
    cells "$T/d1.csv" 5 preflight=would-fail \
    error_code=BIZ_FIELD_CHECK_INVALID ';' \
    cells "$T/d1.csv" 6 preflight=would-reset 'impact~back'
check "default dry run: the totals sentence" has_text "$T/mq.err" \
    "1 row would skip 1,200 messages in 1 group; 3 rows would fail"
check "default dry run: calls per action in --summary-json" \
    summary_has "$T/d1.json" mode=preflight calls.OnsGroupList=1 \
    calls.OnsConsumerTimeSpan=3 would_fail=3
check "default dry run: nothing applied" applied_count "$T/journal.jsonl" 0
mq RUN_ST run "$T/good.csv" --report "$T/d2.csv" --endpoint "$EMU_URL" \
    --dry-run
expect_status "--dry-run, every row would reset: exit 0" 0
check "--dry-run: the preflight columns" cells "$T/d2.csv" 2 \
    preflight=would-reset backlog=1200 impact_messages=1200
mq RUN_ST run "$T/good.csv" --report "$T/d3.csv" --endpoint "$EMU_URL" \
    --preflight
expect_status "--preflight, the explicit spelling: exit 0" 0
check "no reset request reached the emulator" test "$(resets)" = 0

# 2. --offline: no credentials, no network.
ALIBABA_CLOUD_ACCESS_KEY_ID= ALIBABA_CLOUD_ACCESS_KEY_SECRET= \
    ALIBABA_CLOUD_CREDENTIALS_FILE=$T/none https_proxy=http://127.0.0.1:$DEAD_PORT \
    mq RUN_ST run "$T/plan.csv" --report "$T/o1.csv" --offline
expect_status "--offline without credentials: exit 0" 0
check "--offline: every row dry-run, no preflight column" all_of \
    rc status "$T/o1.csv" dry-run 5 ';' no_text preflight "$T/o1.csv"
ALIBABA_CLOUD_CREDENTIALS_FILE=$T/none ALIBABA_CLOUD_ACCESS_KEY_ID= \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET= \
    mq RUN_ST run "$T/plan.csv" --report "$T/o2.csv" --endpoint "$EMU_URL"
expect_status "default dry run without credentials: exit 3" 3

# 3. The preflight cannot run: exit 3, naming what it used.
ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong mq RUN_ST run "$T/good.csv" \
    --report "$T/w1.csv" --endpoint "$EMU_URL"
expect_status "dry run, a wrong secret: exit 3" 3
check "wrong secret: key id, source and endpoint named" has_text \
    "$T/mq.err" "AccessKeyId ****ult1 from" "endpoint $EMU_URL"
check "wrong secret: no report" absent "$T/w1.csv"
https_proxy=http://127.0.0.1:$DEAD_PORT mq RUN_ST run "$T/good.csv" \
    --report "$T/w2.csv" --region cn-nowhere --connect-timeout 2
expect_status "dry run, an unknown region: exit 3" 3
check "unknown region: the endpoint named" has_text "$T/mq.err" \
    "endpoint https://ons.cn-nowhere.aliyuncs.com" "AccessKeyId ****ult1"

# 4. --execute: the preflight runs first; would-fail rows are not sent.
run_exec "$T/plan.csv" "$T/x1.csv" --rate 100
expect_status "--execute with would-fail rows: exit 1" 1
check "--execute: held rows failed with the preflight's code" all_of \
    cells "$T/x1.csv" 3 status=failed attempts=0 \
    error_code=BIZ_SUBSCRIPTION_NOT_FOUND 'error_message~not sent: preflight' ';' \
    cells "$T/x1.csv" 5 status=failed attempts=0 \
    error_code=BIZ_FIELD_CHECK_INVALID
check "--execute: the other rows applied" all_of \
    cells "$T/x1.csv" 2 status=ok attempts=1 ';' \
    cells "$T/x1.csv" 6 status=ok attempts=1 ';' \
    applied_count "$T/journal.jsonl" 2
check "--execute: only the rows sent reached the emulator" \
    test "$(resets)" = 2
check "--execute: the preflight's line" has_text "$T/mq.err" \
    "preflight: 5 rows checked: 2 would reset, 3 would fail (not sent)"
check "--execute: held rows said and listed like any failed row" \
    has_text "$T/mq.err" "plan.csv:3: GID_missing orders: failed BIZ_SUBSCRIPTION_NOT_FOUND: not sent: preflight" \
    "failed or unknown, plan lines 3, 4, 5"

# 5. --no-preflight sends them; the emulator answers the error.
RUN_PREFLIGHT=0 run_exec "$T/plan.csv" "$T/x2.csv" --again --rate 100
expect_status "--execute --no-preflight: exit 1" 1
check "--no-preflight: the row sent, the service's answer" \
    cells "$T/x2.csv" 3 status=failed attempts=1 'request_id=*' \
    'error_code=*'
check "--no-preflight: every row sent" test "$(resets)" = 7

# 6. A preflight that cannot run stops --execute before anything is sent.
n=$(resets)
ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong run_exec "$T/good.csv" "$T/x3.csv" --again
expect_status "--execute, wrong secret: the preflight stops it (exit 3)" 3
check "--execute stopped: nothing sent, no report" all_of \
    test "$(resets)" = "$n" ';' absent "$T/x3.csv"
check "--execute stopped: says --no-preflight" has_text "$T/mq.err" \
    "nothing was sent" "--no-preflight"

# 7. Modes that contradict each other.
mq RUN_ST run "$T/good.csv" --report "$T/u1.csv" --offline --execute
expect_status "--offline --execute: exit 2" 2
mq RUN_ST run "$T/good.csv" --report "$T/u2.csv" --no-preflight
expect_status "--no-preflight without --execute: exit 2" 2
mq RUN_ST run "$T/good.csv" --report "$T/u3.csv" --offline --strict
expect_status "--offline --strict: exit 2" 2
mq RUN_ST run "$T/good.csv" --report "$T/u4.csv" --resume "$T/x1.csv" \
    --endpoint "$EMU_URL"
expect_status "a dry run of --resume needs --offline: exit 2" 2
check "dry run of --resume: says --offline" has_text "$T/mq.err" --offline
# A dry run never replaces a report a run is writing: it takes the lock.
cp "$T/d2.csv" "$T/busy.csv"
flock "$T/busy.csv.lock" sleep 30 &
FLOCK_PID=$!
RUN_BG_PIDS="${RUN_BG_PIDS:-} $FLOCK_PID"
for _ in $(seq 100); do
	flock -n "$T/busy.csv.lock" true 2>/dev/null || break; sleep 0.05
done
mq RUN_ST run "$T/good.csv" --report "$T/busy.csv" --force \
    --endpoint "$EMU_URL"
expect_status "dry run --force on a locked report: exit 2" 2
check "locked report: says so, left alone" all_of has_text "$T/mq.err" \
    locked ';' cmp -s "$T/d2.csv" "$T/busy.csv"
kill "$FLOCK_PID" 2>/dev/null || true


# 8. A row the preflight cannot check (its read fails): sent with a
# warning; --strict holds it back.
emu_stop
emu_start --state "$T/account.json" --write-credentials "$T/creds" \
    --journal "$T/journal2.jsonl" \
    --fault internal-error:action=OnsConsumerTimeSpan,group=GID_b
emu_export_creds "$T/creds"
run_exec "$T/good.csv" "$T/k1.csv" --again --rate 100
expect_status "--execute, a row not checked: sent anyway, exit 0" 0
check "not checked: a warning names the row" has_text "$T/mq.err" \
    "good.csv:3: preflight could not check the row" "1 unknown (sent anyway)"
check "not checked: both rows applied" applied_count "$T/journal2.jsonl" 2
run_exec "$T/good.csv" "$T/k2.csv" --again --rate 100 --strict
expect_status "--execute --strict, a row not checked: exit 1" 1
check "--strict: the row held back" all_of cells "$T/k2.csv" 3 \
    status=failed attempts=0 error_code=mqreset.PreflightUnknown ';' \
    cells "$T/k2.csv" 2 status=ok ';' \
    applied_count "$T/journal2.jsonl" 3
emu_stop

# 9. SIGINT during the preflight of --execute: it stops there, nothing
# sent, no report (the reads of a group take 2 s here).
emu_start --state "$T/account.json" --write-credentials "$T/creds" \
    --journal "$T/journal3.jsonl" --request-log "$T/log3.jsonl" \
    --fault latency:ms=2000,action=OnsGroupSubDetail
emu_export_creds "$T/creds"
"$MQRESET" run "$T/good.csv" --report "$T/i1.csv" --execute --again \
    --endpoint "$EMU_URL" >"$T/i1.out" 2>"$T/i1.err" &
I_PID=$!
RUN_BG_PIDS="${RUN_BG_PIDS:-} $I_PID"
for _ in $(seq 200); do
	grep -q OnsTopicList "$T/log3.jsonl" 2>/dev/null && break; sleep 0.05
done
kill -INT "$I_PID"
RUN_ST=0; wait "$I_PID" || RUN_ST=$?
cp "$T/i1.err" "$T/mq.err"
expect_status "SIGINT during the preflight of --execute: exit 3" 3
check "SIGINT during the preflight: nothing sent, no report" all_of \
    applied_count "$T/journal3.jsonl" 0 ';' absent "$T/i1.csv" ';' \
    has_text "$T/i1.err" "interrupted during the preflight; nothing was sent"
emu_stop

# 10. The README's review excerpt is what the tool prints for the sample.
cp samples/review-state.json "$T/review-state.json"
chmod 600 "$T/review-state.json"
emu_start --state "$T/review-state.json" --write-credentials "$T/creds"
emu_export_creds "$T/creds"
mq RUN_ST run samples/review-plan.csv --report "$T/rv.csv" \
    --endpoint "$EMU_URL"
expect_status "README review sample: exit 1" 1
python3 - "$T/rv.csv" >"$T/rv.txt" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(",".join(r[k] for k in ("line", "group_id", "topic", "type",
          "error_code", "preflight", "backlog", "impact_messages", "impact",
          "consumers_online", "message_model")))
    if r["error_message"]:
        print("    " + r["error_message"])
PY
sed -n 's/^mqreset: preflight: /&/p' "$T/mq.err" >>"$T/rv.txt"
missing=$(while IFS= read -r l; do grep -qxF -- "$l" README.md ||
    printf '%s\n' "$l"; done <"$T/rv.txt")
check "README review excerpt: every line as the tool prints it" \
    test -z "$missing" -a "$(wc -l <"$T/rv.txt")" -ge 10
[ -z "$missing" ] || echo "$missing"
emu_stop
finish
