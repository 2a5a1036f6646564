#!/usr/bin/env bash
# tests/e2e/inventory.sh - `mqreset inventory` and `mqreset plan` against
# mqreset-emulator: an account of 3 instances, 40 groups and 12 topics
# with BROADCASTING and offline groups and an empty topic; the region's
# instances without --instance; the inventory as CSV, JSON and state;
# the state loaded into a second emulator gives the same inventory (round
# trip, compared as CSV) and holds no secret; `plan --to-current` on the
# copy validates and, run with --execute, leaves every position where it
# was; glob selection; --all-groups-of-topic; every read action kept to
# its documented per-account quota (the emulator's request log); the
# rehearsal's warnings for names it had to invent.
#
# Run from the top of the tree (tests/run does).
set -euo pipefail
: "${MQRESET:?}" "${MQRESET_EMULATOR:?}"
tmp=$(mktemp -d)
EMU_DIR=$tmp/emu
mkdir -p "$EMU_DIR"
EMU_PID=
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}" ${EMU_PID:+"$EMU_PID"}; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${KEEP_T:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
# shellcheck source=tests/e2e/lib/emulator.bash
. tests/e2e/lib/emulator.bash

SEED=${INVENTORY_SEED:-$RANDOM}
echo "# seed $SEED (INVENTORY_SEED=$SEED replays it)"
A=MQ_INST_1234567890123456_AAAAaaaa
B=MQ_INST_1234567890123456_BBBBbbbb
C=MQ_INST_1234567890123456_CCCCcccc

# The account: instance A has 20 groups and 4 topics (one empty), B and
# C 10 groups and 4 topics each.  Times are around now, so a snapshot's
# timestamps pass the plan checks.
python3 - "$tmp/account.json" "$tmp/expect.json" "$SEED" "$A" "$B" "$C" <<'EOF'
import json, random, sys, time
out, expect, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
insts = sys.argv[4:7]
rnd = random.Random(seed)
now = int(time.time() * 1000)
doc = {"Owner": "1234567890123456",
       "Credentials": [{"AccessKeyId": "LTAI5tInventoryE2E0001",
                        "AccessKeySecret": "inventoryE2eSecret-0001"}],
       "Instances": []}
exp = {}
names = {insts[0]: (["orders", "payments", "audit", "refunds"], 20),
         insts[1]: (["billing", "invoices", "ledger", "orders-b"], 10),
         insts[2]: (["clicks", "views", "sessions", "orders-c"], 10)}
for inst in insts:
    topics, ngroups = names[inst]
    tl = []
    for t in topics:
        if t == "audit":
            tl.append({"Topic": t, "MessageType": 0, "Perm": 6,
                       "EarliestTime": 0, "LatestTime": 0,
                       "MessageCount": 0, "CreateTime": now - 9 * 86400000})
        else:
            tl.append({"Topic": t, "MessageType": rnd.choice([0, 1]),
                       "Perm": 6, "EarliestTime": now - 3 * 86400000,
                       "LatestTime": now - 60000,
                       "MessageCount": rnd.randint(1000, 900000),
                       "CreateTime": now - 9 * 86400000,
                       "Remark": "topic " + t})
    tmap = {t["Topic"]: t for t in tl}
    gl = []
    subs = []
    prefix = inst[-4:].lower()
    for i in range(ngroups):
        gid = "GID_%s_%02d" % (prefix[0], i)
        online = i % 5 != 3
        model = "BROADCASTING" if i % 7 == 2 else "CLUSTERING"
        g = {"GroupId": gid, "GroupType": "tcp", "MessageModel": model,
             "Online": online, "CreateTime": now - 5 * 86400000,
             "Remark": "", "Subscriptions": []}
        for t in rnd.sample(topics, rnd.randint(1, 3)):
            tt = tmap[t]
            if tt["MessageCount"] == 0:
                pos = 0
            else:
                pos = rnd.randint(tt["EarliestTime"], tt["LatestTime"])
            s = {"Topic": t, "SubString": rnd.choice(["*", "TagA||TagB",
                 "TagC"]), "ConsumerPosition": pos,
                 "Backlog": rnd.randint(0, 50000), "ConsumeTps": 2.5}
            g["Subscriptions"].append(s)
            subs.append({"group": gid, "topic": t, "online": online,
                         "model": model, "pos": pos,
                         "expr": s["SubString"] if online else ""})
        gl.append(g)
    doc["Instances"].append({"InstanceId": inst, "Topics": tl,
                             "Groups": gl})
    exp[inst] = subs
json.dump(doc, open(out, "w"), indent=1)
json.dump(exp, open(expect, "w"))
EOF
chmod 600 "$tmp/account.json"

# A second emulator beside the library's EMU_PID one: start, keep.
emu_start --state "$tmp/account.json" --write-credentials "$tmp/creds1" \
    --request-log "$tmp/log1.jsonl"
URL1=$EMU_URL
PIDS+=("$EMU_PID")
EMU_PID=
emu_export_creds "$tmp/creds1"

inv() { "$MQRESET" inventory --endpoint "$1" "${@:2}"; }

# -- the region's instances ------------------------------------------------
set +e
inv "$URL1" --format csv >"$tmp/instances.csv" 2>"$tmp/instances.err"
st=$?
set -e
expect "instances: exit 0" 0 "$st"
expect "instances: the three listed" "$A $B $C" \
    "$(tail -n +2 "$tmp/instances.csv" | cut -d, -f1 | sort | xargs)"
if grep -q -- "--instance" "$tmp/instances.err"; then ok "instances: says which option to pass"
else bad "instances: hint" "$(cat "$tmp/instances.err")"; fi

# -- the inventory of A: what the state holds --------------------------------
inv "$URL1" --instance "$A" --format csv -o "$tmp/inv1.csv" \
    --summary-json "$tmp/sum1.json" 2>"$tmp/inv1.err" || true
check=$(python3 - "$tmp/inv1.csv" "$tmp/expect.json" "$A" <<'EOF'
import csv, json, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1])))
exp = json.load(open(sys.argv[2]))[sys.argv[3]]
want = {(e["group"], e["topic"]): e for e in exp}
got = {(r["group"], r["topic"]): r for r in rows}
errs = []
if list(rows[0].keys()) != ["instance", "group", "topic", "message_model",
        "online", "subscription", "position", "backlog", "delay_ms"]:
    errs.append("header %s" % list(rows[0].keys()))
if set(want) != set(got):
    errs.append("pairs differ: missing %s extra %s" % (
        sorted(set(want) - set(got))[:3], sorted(set(got) - set(want))[:3]))
keys = [(r["group"], r["topic"]) for r in rows]
if keys != sorted(keys):
    errs.append("not sorted by group then topic")
for k, e in want.items():
    r = got.get(k)
    if r is None:
        continue
    if r["message_model"] != e["model"] or r["online"] != (
            "true" if e["online"] else "false") or r["subscription"] != e["expr"]:
        errs.append("%s: %s" % (k, r))
    t = datetime.datetime.strptime(r["position"], "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = int((t - datetime.datetime(1970, 1, 1)).total_seconds() * 1000 + 0.5)
    if ms != e["pos"]:
        errs.append("%s: position %s is %d, want %d" % (k, r["position"], ms, e["pos"]))
print("; ".join(errs[:5]) if errs else "ok")
EOF
)
expect "inventory csv: every subscription, model, online, expression, position" ok "$check"

# -- json: the same rows --------------------------------------------------
inv "$URL1" --instance "$A" --format json -o "$tmp/inv1.json" 2>/dev/null
check=$(python3 - "$tmp/inv1.json" "$tmp/inv1.csv" <<'EOF'
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
j = [(s["group"], s["topic"], s["position"] or "", str(s["backlog"])) for s in d["subscriptions"]]
c = [(r["group"], r["topic"], r["position"], r["backlog"]) for r in rows]
print("ok" if j == c else "differ: %s vs %s" % (j[:2], c[:2]))
EOF
)
expect "inventory json: the csv's rows" ok "$check"

# -- state: a copy of the account, no secret -------------------------------
lines_before=$(wc -l <"$tmp/log1.jsonl")
inv "$URL1" --instance "$A" --format state -o "$tmp/copy.json" \
    --summary-json "$tmp/sum-state.json" 2>"$tmp/state.err"
lines_after=$(wc -l <"$tmp/log1.jsonl")
if grep -q -e 'inventoryE2eSecret' -e 'AccessKeySecret' "$tmp/copy.json"; then
	bad "state: no secret" "$(grep -o 'AccessKeySecret[^,]*' "$tmp/copy.json" | head -1)"
else ok "state: no secret"; fi

emu_start --state "$tmp/copy.json" --write-credentials "$tmp/creds2" \
    --journal "$tmp/journal2.jsonl"
URL2=$EMU_URL
PIDS+=("$EMU_PID")
EMU_PID=
creds2_env() {
	env ALIBABA_CLOUD_ACCESS_KEY_ID="$(sed -n 's/^access_key_id = //p' "$tmp/creds2")" \
	    ALIBABA_CLOUD_ACCESS_KEY_SECRET="$(sed -n 's/^access_key_secret = //p' "$tmp/creds2")" "$@"
}
creds2_env "$MQRESET" inventory --endpoint "$URL2" --instance "$A" \
    --format csv -o "$tmp/inv2.csv" 2>"$tmp/inv2.err"
if cmp -s "$tmp/inv1.csv" "$tmp/inv2.csv"; then
	ok "round trip: the copy's inventory is the account's"
else
	bad "round trip" "$(diff "$tmp/inv1.csv" "$tmp/inv2.csv" | head -5)"
fi

# -- plan --to-current on the copy, validated, run: nothing moves ----------
creds2_env "$MQRESET" plan --endpoint "$URL2" --instance "$A" --to-current \
    --ticket CHG-42 -o "$tmp/snap.csv" 2>"$tmp/snap.err"
expect "plan: header" "instance,group,topic,type,timestamp,ticket" \
    "$(head -n 1 "$tmp/snap.csv")"
set +e
"$MQRESET" validate "$tmp/snap.csv" >"$tmp/validate.out" 2>&1
st=$?
set -e
expect "plan --to-current: validates" 0 "$st"
check=$(python3 - "$tmp/snap.csv" "$tmp/inv1.csv" <<'EOF'
import csv, sys
plan = list(csv.DictReader(open(sys.argv[1])))
inv = list(csv.DictReader(open(sys.argv[2])))
keys = [(r["group"], r["topic"]) for r in plan]
want = [(r["group"], r["topic"]) for r in inv if r["topic"] != "audit"]
pos = {(r["group"], r["topic"]): r["position"] for r in inv}
errs = []
if keys != want:
    errs.append("rows %d, want %d (audit is empty: left out)" % (len(keys), len(want)))
for r in plan:
    if r["type"] != "1" or r["timestamp"] != pos[(r["group"], r["topic"])] or r["ticket"] != "CHG-42":
        errs.append(str(r))
print("; ".join(errs[:3]) if errs else "ok")
EOF
)
expect "plan --to-current: one type 1 row per subscription at its position, sorted" ok "$check"
if grep -q "left out" "$tmp/snap.err"; then ok "plan: the empty topic's rows are left out with a warning"
else bad "plan: left out warning" "$(cat "$tmp/snap.err")"; fi

set +e
creds2_env "$MQRESET" run "$tmp/snap.csv" --report "$tmp/report.csv" --execute \
    --endpoint "$URL2" >"$tmp/run.out" 2>&1
st=$?
set -e
expect "run --execute of the snapshot: exit 0" 0 "$st"
expect "run: every row applied" "$(($(wc -l <"$tmp/snap.csv") - 1))" \
    "$(grep -c . "$tmp/journal2.jsonl" || true)"
creds2_env "$MQRESET" inventory --endpoint "$URL2" --instance "$A" \
    --format csv -o "$tmp/inv3.csv" 2>/dev/null
expect "run of the snapshot: every position unchanged" \
    "$(cut -d, -f2,3,7 "$tmp/inv1.csv")" "$(cut -d, -f2,3,7 "$tmp/inv3.csv")"

# -- glob selection ----------------------------------------------------------
inv "$URL1" --instance "$B" --group 'GID_b_0[1-4]' --topic '*o*' \
    --format csv -o "$tmp/glob.csv" 2>/dev/null
check=$(python3 - "$tmp/glob.csv" "$tmp/expect.json" "$B" <<'EOF'
import csv, json, sys, fnmatch
rows = [(r["group"], r["topic"]) for r in csv.DictReader(open(sys.argv[1]))]
exp = sorted((e["group"], e["topic"]) for e in json.load(open(sys.argv[2]))[sys.argv[3]]
             if fnmatch.fnmatchcase(e["group"], "GID_b_0[1-4]") and fnmatch.fnmatchcase(e["topic"], "*o*"))
print("ok" if rows == exp and rows else "got %s want %s" % (rows, exp))
EOF
)
expect "glob: --group and --topic select by shell pattern" ok "$check"

set +e
"$MQRESET" plan --endpoint "$URL1" --instance "$A" --clear \
    --all-groups-of-topic orders >"$tmp/clear.csv" 2>/dev/null
st=$?
set -e
check=$(python3 - "$tmp/clear.csv" "$tmp/expect.json" "$A" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
exp = sorted(e["group"] for e in json.load(open(sys.argv[2]))[sys.argv[3]] if e["topic"] == "orders")
got = [r["group"] for r in rows]
bad = [r for r in rows if r["topic"] != "orders" or r["type"] != "0" or r["timestamp"] != ""]
print("ok" if got == exp and not bad else "got %s want %s bad %s" % (got, exp, bad[:2]))
EOF
)
expect "plan --clear --all-groups-of-topic: exit 0" 0 "$st"
expect "plan --clear --all-groups-of-topic: type 0, every subscriber of the topic" ok "$check"
set +e
"$MQRESET" validate "$tmp/clear.csv" >/dev/null 2>&1
expect "plan --clear: validates" 0 "$?"
"$MQRESET" plan --endpoint "$URL1" --instance "$A" --clear --to-current \
    >/dev/null 2>&1
expect "plan: two modes are a usage error" 2 "$?"
set -e

# -- rate buckets: each action within its quota, calls counted ------------
check=$(python3 - "$tmp/log1.jsonl" <<'EOF'
import json, sys
quota = {"OnsInstanceInServiceList": 50, "OnsGroupList": 10, "OnsTopicList": 10,
         "OnsGroupSubDetail": 10, "OnsConsumerAccumulate": 10,
         "OnsConsumerTimeSpan": 10, "OnsTopicStatus": 1}
by = {}
errs = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    by.setdefault(d["action"], []).append(d["t_ms"])
    if d["code"].startswith("Throttling"):
        errs.append("throttled: %s" % d["action"])
for a, ts in by.items():
    ts.sort()
    q = quota.get(a)
    if q is None:
        errs.append("unexpected action %s" % a)
        continue
    # no window of 1000 ms holds more than the quota
    j = 0
    for i in range(len(ts)):
        while ts[i] - ts[j] >= 1000:
            j += 1
        if i - j + 1 > q:
            errs.append("%s: %d calls within 1 s" % (a, i - j + 1))
            break
print("; ".join(errs[:4]) if errs else "ok %d" % len(by.get("OnsTopicStatus", [])))
EOF
)
expect "rate: every read action within its per-account quota, never throttled" \
    "ok 4" "$check"
check=$(python3 - "$tmp/sum-state.json" "$tmp/log1.jsonl" "$lines_before" \
    "$lines_after" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()[int(sys.argv[3]):int(sys.argv[4])]
by = {}
for l in lines:
    a = json.loads(l)["action"]
    by[a] = by.get(a, 0) + 1
calls = {a: n for a, n in s["calls"].items() if n}
print("ok" if calls == by and s["requests"] == len(lines) else "summary %s log %s" % (calls, by))
EOF
)
expect "summary-json: calls per action as the emulator logged them" ok "$check"

# -- rehearsal honesty --------------------------------------------------------
cat >"$tmp/typos.csv" <<EOF
instance,group,topic,type,timestamp
$A,GID_a_01,orders,0,
$A,GID_ordr_sync,orders,0,
$A,GID_a_02,payment-setled,0,
EOF
emu_start --state "$tmp/account.json" --rehearse "$tmp/typos.csv"
PIDS+=("$EMU_PID")
EMU_PID=
err=$EMU_DIR/emu.err
if grep -q "invented group 'GID_ordr_sync'" "$err" &&
    grep -q "invented topic 'payment-setled'" "$err" &&
    ! grep -q "invented group 'GID_a_01'" "$err" &&
    grep -q "invented 1 groups, 1 topics" "$err"; then
	ok "rehearse --state: only the names missing from the state are invented, each flagged and counted"
else
	bad "rehearse --state warnings" "$(cat "$err")"
fi
emu_start --rehearse "$tmp/typos.csv"
PIDS+=("$EMU_PID")
EMU_PID=
expect "rehearse without a state: one warning per invented group and topic" 5 \
    "$(grep -c "invented \(group\|topic\) '" "$EMU_DIR/emu.err" || true)"

emu_summary
