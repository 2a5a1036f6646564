#!/usr/bin/env bash
# tests/e2e/tickets.sh - plans as tickets really look: ';' and tab
# separators (detected, or --delimiter), the console's and spreadsheets'
# header spellings, a report used as a plan (its result columns ignored),
# Excel's scientific notation, times without an offset (--assume-offset,
# recorded in the summary), --dry-run as the explicit default; the command
# line (options before the command, did you mean, a forgotten value);
# redaction that leaves the advice after "secret" readable.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

I=$RUN_INSTANCE
has() { grep -qF -- "$1" "$2"; }
hasnt() { ! grep -qF -- "$1" "$2"; }

# ---- validate ----------------------------------------------------------
printf 'instance;group;topic;type;timestamp;ticket\n%s;GID_a;orders;0;;"T-1; x"\n%s;GID_b;orders;1;2024-06-03T10:00:00+08:00;T-2\n' \
    "$I" "$I" >"$T/semi.csv"
mq st validate "$T/semi.csv"
check "semicolon plan detected and valid" test "$st" = 0
check "semicolon plan: 2 rows" has "2 rows (1 type 0, 1 type 1)" "$T/mq.err"

printf 'Instance ID\tGroup ID\tTopic\tReset Type\tReset Time\n%s\tGID_a\torders\t1\t2024-06-03T10:00:00Z\n' \
    "$I" >"$T/tab.csv"
mq st validate "$T/tab.csv"
check "tab plan with the console's spellings is valid" test "$st" = 0

mq st validate --delimiter , "$T/semi.csv"
check "--delimiter , on a semicolon plan: exit 2" test "$st" = 2
check "the header names the separator" has \
    "it holds ';' (semicolon): give --delimiter ';'" "$T/mq.err"
mq st validate --delimiter ';' "$T/semi.csv"
check "--delimiter ';' on it: valid" test "$st" = 0
mq st validate --delimiter tab "$T/tab.csv"
check "--delimiter tab: valid" test "$st" = 0
mq st validate --delimiter '|' "$T/semi.csv"
check "--delimiter '|' refused" test "$st" = 2
check "--delimiter '|' says what is allowed" has "give ',', ';' or tab" \
    "$T/mq.err"

printf 'instance,group,topic,type,timestamp\n%s,GID_a,orders,1,1.71738E+12\n' \
    "$I" >"$T/excel.csv"
mq st validate "$T/excel.csv"
check "Excel scientific notation: exit 2" test "$st" = 2
check "Excel scientific notation: its own message" has \
    "format the column as text" "$T/mq.err"

printf 'instance,group,topic,type,timestamp\n%s,GID_a,orders,1,2024-06-03T10:00:00\n' \
    "$I" >"$T/local.csv"
mq st validate "$T/local.csv"
check "a time without an offset is refused" test "$st" = 2
check "the refusal names --assume-offset" has "--assume-offset" "$T/mq.err"
mq st validate --assume-offset +08:00 "$T/local.csv"
check "--assume-offset +08:00: valid" test "$st" = 0
check "--assume-offset in the validate summary" has \
    "times without an offset read as +08:00" "$T/mq.err"
mq st validate --assume-offset 8 "$T/local.csv"
check "--assume-offset 8 refused" test "$st" = 2

# ---- run ---------------------------------------------------------------
{
	echo "InstanceId,GroupId,Topic,Type,ResetTimestamp,ticket"
	echo "$I,GID_t0,orders,0,,T-1"
	echo "$I,GID_t1,orders,1,2024-06-03T10:00:00+08:00,T-2"
	echo "$I,GID_t2,orders,1,2024-06-03T02:00:00Z,T-3"
} >"$T/plan.csv"
tr ',' ';' <"$T/plan.csv" >"$T/plan-semi.csv"
start_emu "$T/plan.csv"
run_exec "$T/plan-semi.csv" "$T/r1.csv"
expect_status "run of a semicolon plan: exit 0" 0
check "run of a semicolon plan: all ok" statuses "$T/r1.csv" ok 3

# The report is a valid plan: a dry run of it, result columns ignored.
mq st run "$T/r1.csv" --report "$T/r2.csv" --dry-run --offline \
    --summary-json "$T/r2.json"
check "a report as a plan (--dry-run): exit 0" test "$st" = 0
check "a report as a plan: every row dry-run" statuses "$T/r2.csv" \
    dry-run 3
check "a report as a plan: result columns not carried as extras" test \
    "$(head -n 1 "$T/r2.csv")" = "$(head -n 1 "$T/r1.csv")"
mq st validate "$T/r1.csv"
check "validate accepts a report" test "$st" = 0

# --assume-offset on run, recorded in the summary.
sed 's/+08:00,T-2/,T-2/; s/02:00:00Z/02:00:00/' "$T/plan.csv" >"$T/local-run.csv"
mq st run "$T/local-run.csv" --report "$T/r3.csv" --offline
check "run refuses times without an offset" test "$st" = 2
mq st run "$T/local-run.csv" --report "$T/r3.csv" --assume-offset +08:00 --offline \
    --summary-json "$T/r3.json"
check "run --assume-offset: exit 0" test "$st" = 0
check "run --assume-offset: in the summary" has \
    "plan times without an offset were read as +08:00" "$T/mq.err"
check "run --assume-offset: in the summary JSON" summary_has "$T/r3.json" \
    assume_offset=+08:00
check "run --assume-offset: the time as read" cells "$T/r3.csv" 4 \
    reset_timestamp=2024-06-02T18:00:00.000Z

mq st run "$T/plan.csv" --report "$T/r4.csv" --dry-run --execute
check "--dry-run with --execute refused" test "$st" = 2

# ---- command line ------------------------------------------------------
mq st --version
check "mqreset --version" has "mqreset " "$T/mq.out"
mq st -v --version
check "mqreset -v --version" has "mqreset " "$T/mq.out"
mq st -q validate "$T/semi.csv"
check "a global option before the command: -q validate" test "$st" = 0
check "-q before the command took effect" test ! -s "$T/mq.err"
mq st -vv validate "$T/semi.csv"
check "-vv before the command" test "$st" = 0
mq st --max-errors 3 validate "$T/semi.csv"
check "an option with a separate value before the command: exit 2" \
    test "$st" = 2
check "... told to put it after the command" has \
    "--max-errors takes a value: put it after the command" "$T/mq.err"
mq st --max-errors=3 validate "$T/semi.csv"
check "--max-errors=3 before the command" test "$st" = 0
mq st valdate "$T/semi.csv"
check "a misspelt command: exit 2" test "$st" = 2
check "a misspelt command: did you mean" has \
    "unknown command 'valdate': did you mean 'validate'?" "$T/mq.err"
mq st run "$T/plan.csv" --report "$T/r6.csv" --exectue
check "a misspelt option: did you mean" has \
    "unknown option '--exectue': did you mean --execute?" "$T/mq.err"
mq st run "$T/plan.csv" --report --endpoint "$EMU_URL"
check "--report --endpoint URL: exit 2" test "$st" = 2
check "--report --endpoint URL: the value is missing" has \
    "--report needs a value (FILE), found the option '--endpoint'" \
    "$T/mq.err"
check "--report --endpoint URL: no file named --endpoint" \
    test ! -e ./--endpoint
mq st -v run "$T/plan.csv" --report "$T/r7.csv" --dry-run --offline
check "mqreset -v run ... --dry-run: exit 0" test "$st" = 0
check "mqreset -v run: verbose" has "endpoint " "$T/mq.err"

# ---- messages ----------------------------------------------------------
# A credentials file readable by others: the advice after "secret" stays.
printf '[default]\ntype = access_key\naccess_key_id = LTAIexample000001\naccess_key_secret = notarealsecret01\n' \
    >"$T/loose"
chmod 644 "$T/loose"
ALIBABA_CLOUD_CREDENTIALS_FILE=$T/loose mq st run "$T/plan.csv" \
    --report "$T/r5.csv" --endpoint "$EMU_URL"
check "the advice after 'secret' is readable" has "chmod 600" "$T/mq.err"
check "the secret itself never shown" hasnt "notarealsecret01" "$T/mq.err"

finish
