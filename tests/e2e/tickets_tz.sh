#!/usr/bin/env bash
# tests/e2e/tickets_tz.sh - plans as tickets name their columns and write
# their times: --column COLUMN=HEADER mappings (validate and run; errors
# name the option), --assume-tz ZONE across a daylight saving change
# (America/New_York: the instants sent, the report, the summary; a time
# the clocks skip or repeat is refused before anything is sent), a
# relative time refused in a plan, and `reset --to -2h` and
# `reset --format json` (parsed by python3's json).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

I=$RUN_INSTANCE
# The rehearsal plan (canonical names, explicit offsets) makes the
# emulator's groups and topics; the ticket is the same rows as an
# operator's spreadsheet writes them.
cat >"$T/canon.csv" <<CSV
instance,group,topic,type,timestamp
$I,GID_tz_a,orders,1,2024-03-09T12:00:00-05:00
$I,GID_tz_b,orders,1,2024-03-11T12:00:00-04:00
$I,GID_tz_c,orders,0,
CSV
cat >"$T/ticket.csv" <<CSV
Instance ID,Consumer Group,Topic Name,Reset Type,Reset At,Ticket
$I,GID_tz_a,orders,1,2024-03-09T12:00:00,CHG-1
$I,GID_tz_b,orders,1,2024-03-11T12:00:00,CHG-1
$I,GID_tz_c,orders,0,,CHG-1
CSV
start_emu "$T/canon.csv" --qps 1000
MAP=(--column group="Consumer Group" --column "topic=topic name"
     --column timestamp="Reset At")

# 1. Mappings: validate.
mq st validate "$T/ticket.csv" "${MAP[@]}" --assume-tz America/New_York
check "validate with --column and --assume-tz: exit 0" test "$st" = 0
check "validate says the zone" has_text "$T/mq.err" \
    "times without an offset read as America/New_York"
mq st validate "$T/ticket.csv" --assume-tz America/New_York
check "without --column: exit 2" test "$st" = 2
check "without --column: the group column is missing" \
    has_text "$T/mq.err" "missing required column 'group'"
mq st validate "$T/ticket.csv" --column grp="Consumer Group"
check "--column with an unknown column: exit 2" test "$st" = 2
check "--column with an unknown column: the option is named" \
    has_text "$T/mq.err" "error: --column grp=Consumer Group: 'grp' is not a plan column"
mq st validate "$T/ticket.csv" --column group="Consumer Grp" "${MAP[@]:2}" \
    --assume-tz America/New_York
check "--column naming no header: exit 2" test "$st" = 2
check "--column naming no header: the option and the line" \
    has_text "$T/mq.err" "ticket.csv:1: error: --column group=Consumer Grp: the header has no column 'Consumer Grp'"
mq st validate "$T/ticket.csv" --column group --assume-tz America/New_York
check "--column without '=': exit 2" test "$st" = 2
check "--column without '=': says the form" has_text "$T/mq.err" \
    "--column 'group' is not COLUMN=HEADER"
mq st validate "$T/ticket.csv" "${MAP[@]}" --assume-tz Mars/Olympus_Mons
check "unknown zone: exit 2" test "$st" = 2
check "unknown zone: named" has_text "$T/mq.err" \
    "--assume-tz: 'Mars/Olympus_Mons' is not a time zone"
mq st validate "$T/ticket.csv" "${MAP[@]}" --assume-tz Asia/Shanghai \
    --assume-offset +08:00
check "--assume-tz with --assume-offset: exit 2" test "$st" = 2

# 2. run across the DST change: 12:00 is -05:00 on March 9, -04:00 on
# March 11 (the clocks went forward on March 10).
run_exec "$T/ticket.csv" "$T/r1.csv" "${MAP[@]}" --assume-tz America/New_York
expect_status "run with --assume-tz: exit 0" 0
check "March 9 12:00 New York is 17:00Z" cells "$T/r1.csv" 2 \
    reset_timestamp=2024-03-09T17:00:00.000Z status=ok
check "March 11 12:00 New York is 16:00Z" cells "$T/r1.csv" 3 \
    reset_timestamp=2024-03-11T16:00:00.000Z status=ok
check "the instants the service received" python3 - "$T/journal.jsonl" <<'PY'
import json, sys
got = {}
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j.get("type") == 1 and j.get("result") == "applied":
        got[j["group_id"]] = int(j["reset_timestamp"])
assert got == {"GID_tz_a": 1710003600000, "GID_tz_b": 1710172800000}, got
PY
check "the report keeps the ticket column" cells "$T/r1.csv" 2 Ticket=CHG-1
check "the summary records the zone" summary_has "$T/r1.csv.json" \
    assume_tz=America/New_York
check "the summary line says the zone" has_text "$T/mq.err" \
    "read as civil times in America/New_York (--assume-tz)"

# 3. A time the zone skips or repeats names no instant: refused, nothing
# sent.
applied=$(wc -l <"$T/journal.jsonl")
sed 's/2024-03-09T12:00:00/2024-11-03T01:30:00/; s/2024-03-11T12:00:00/2024-03-10T02:30:00/' \
    "$T/ticket.csv" >"$T/dst.csv"
run_exec "$T/dst.csv" "$T/r2.csv" "${MAP[@]}" --assume-tz America/New_York
expect_status "times DST skips or repeats: exit 2" 2
check "repeated: both offsets named" has_text "$T/mq.err" \
    "dst.csv:2:5: error: timestamp '2024-11-03T01:30:00': happens twice in America/New_York: the clocks went back (it is both -04:00 and -05:00)"
check "skipped: named" has_text "$T/mq.err" \
    "dst.csv:3:5: error: timestamp '2024-03-10T02:30:00': does not exist in America/New_York"
check "nothing sent" test "$(wc -l <"$T/journal.jsonl")" = "$applied"

# 4. A relative time in a plan is refused with the reason.
sed 's/2024-03-09T12:00:00/-2h/' "$T/ticket.csv" >"$T/rel.csv"
mq st validate "$T/rel.csv" "${MAP[@]}" --assume-tz America/New_York
check "relative time in a plan: exit 2" test "$st" = 2
check "relative time in a plan: why" has_text "$T/mq.err" \
    "rel.csv:2:5: error: timestamp '-2h' is relative to now: a plan replayed later must mean the same instant"

# 5. reset --to -2h, and --format json.
reset() { mq st reset --instance "$I" --topic orders --endpoint "$EMU_URL" "$@"; }
before=$(( $(date +%s) * 1000 - 7200000 ))
reset --group GID_tz_a --to -2h --format json
after=$(( $(date +%s) * 1000 - 7200000 + 1000 ))
check "reset --to -2h dry run json: exit 0" test "$st" = 0
check "reset --to -2h: two hours ago, as JSON" python3 - "$T/mq.out" "$before" "$after" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
lo, hi = int(sys.argv[2]), int(sys.argv[3])
assert o["status"] == "dry-run", o
assert o["request_id"] is None and o["error"] is None, o
assert lo - 1000 <= o["reset_ms"] <= hi, (lo, o["reset_ms"], hi)
assert o["type"] == 1 and o["group"] == "GID_tz_a", o
assert o["reset_time"].endswith(" (%d ms)" % o["reset_ms"]), o
PY
reset --group GID_tz_a --to -30m --execute --format json
check "reset --to -30m --execute json: exit 0" test "$st" = 0
check "reset json: ok with a request id and no error" python3 - "$T/mq.out" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["status"] == "ok" and o["outcome"] == "ok", o
assert o["request_id"] and o["error"] is None, o
assert o["http_status"] == 200 and o["maybe_applied"] is False, o
PY
reset --group GID_nosuch --to now --execute --format json
check "reset json on a failure: exit 1" test "$st" = 1
check "reset json: failed, the error's code and message" python3 - "$T/mq.out" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["status"] == "failed", o
assert o["error"]["code"].startswith("BIZ_"), o
assert o["error"]["message"], o
assert o["request_id"], o
PY
reset --group GID_tz_a --to -2x
check "reset --to -2x: exit 2" test "$st" = 2
check "reset --to -2x: the unit is named" has_text "$T/mq.err" \
    "--to: timestamp '-2x': unknown unit"
reset --group GID_tz_a --to 2024-03-09T12:00:00-05:00
check "reset --to with an offset: shown in that offset" has_text "$T/mq.out" \
    "to 2024-03-09T12:00:00.000-05:00"

finish
