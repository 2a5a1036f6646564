#!/usr/bin/env bash
# tests/e2e/run_basic.sh - `mqreset run` against the emulator: an all-ok
# plan (each row applied exactly once, RequestIds equal to the journal's,
# plan order, extra columns, summary JSON), the dry run, refusal to
# overwrite, an invalid plan (nothing sent), usage errors, resume of a
# complete report, row failures.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

make_plan "$T/plan.csv" 12 18
start_emu "$T/plan.csv" --qps 1000

# 1. Dry run: signed, nothing sent, status dry-run, exit 0.
mq RUN_ST run "$T/plan.csv" --report "$T/dry.csv" --endpoint "$EMU_URL"
expect_status "dry run exits 0" 0
check "dry run: 30 dry-run rows" rc status "$T/dry.csv" dry-run 30
check "dry run: nothing applied" rc applied "$T/journal.jsonl" 0
check "dry run: no intent journal left" test ! -e "$T/dry.csv.intent"

# 2. All ok.
run_exec "$T/plan.csv" "$T/r1.csv" --rate 500 --workers 4
expect_status "all-ok run exits 0" 0
check "all ok: 30 ok rows" rc status "$T/r1.csv" ok 30
check "all ok: each row applied once, RequestIds match the journal" \
    rc journal-once "$T/r1.csv" "$T/journal.jsonl"
check "all ok: report in plan order" rc plan-order "$T/r1.csv" "$T/plan.csv"
check "all ok: extra column carried through" \
    grep -q '"T-3, ""x"""$' "$T/r1.csv"
check "all ok: attempts 1, latency and http status set" \
    cells "$T/r1.csv" 3 attempts=1 http_status=200 'latency_ms=*'
check "all ok: summary json" summary_has "$T/r1.csv.json" status.ok=30 \
    requests=30 outcome=completed 'connections<=4'
check "all ok: intent journal removed" test ! -e "$T/r1.csv.intent"
check "all ok: summary on stderr" grep -q 'run done: 30 rows: 30 ok' "$T/mq.err"
check "no secret in any output" \
    no_text "$(sed -n 's/^access_key_secret = //p' "$T/creds")" \
    "$T/mq.err" "$T/mq.out" "$T/r1.csv" "$T/r1.csv.json"

# 3. Refuses to overwrite the report without --force; nothing sent.
run_exec "$T/plan.csv" "$T/r1.csv"
expect_status "existing report refused (exit 2)" 2
check "existing report: nothing more applied" rc applied "$T/journal.jsonl" 30

# 4. Resume from the complete report: every row skipped, nothing sent.
run_exec "$T/plan.csv" "$T/r2.csv" --resume "$T/r1.csv" --rate 500
expect_status "resume of a complete run exits 0" 0
check "resume: 30 skipped" rc status "$T/r2.csv" skipped 30
check "resume: nothing more applied" rc applied "$T/journal.jsonl" 30
run_exec "$T/plan.csv" "$T/r1.csv" --resume "$T/r1.csv" --force
expect_status "resume into the same file refused" 2

# 5. Resume with another plan's report: refused before sending.
make_plan "$T/other.csv" 2 2 other
run_exec "$T/other.csv" "$T/r3.csv" --resume "$T/r1.csv"
expect_status "report of another plan refused (exit 2)" 2
check "another plan: nothing applied" rc applied "$T/journal.jsonl" 30

# 6. An invalid plan: exit 2, nothing sent, no report.
{ cat "$T/plan.csv"; echo "$RUN_INSTANCE,GID_bad,t01,7,,x"; } >"$T/bad.csv"
run_exec "$T/bad.csv" "$T/r4.csv"
expect_status "invalid plan exits 2" 2
check "invalid plan: diagnostic in compiler form" \
    grep -qE 'bad\.csv:32:4: error' "$T/mq.err"
check "invalid plan: nothing applied, no report" \
    all_of applied_count "$T/journal.jsonl" 30 ';' absent "$T/r4.csv"

# ...even without credentials (the plan is checked first).
ALIBABA_CLOUD_CREDENTIALS_FILE=$T/none mq RUN_ST run "$T/bad.csv" --report "$T/r4.csv"
expect_status "invalid plan without credentials: exit 2" 2

# 7. Usage errors.
mq RUN_ST run - --report "$T/x.csv" <"$T/plan.csv"
expect_status "plan on stdin refused (read more than once)" 2
mq RUN_ST run "$T/plan.csv"
expect_status "--report is required" 2
mq RUN_ST run "$T/plan.csv" --report "$T/x.csv" --max-failures 3x
expect_status "bad --max-failures" 2

# 8. Row failures are never retried: rows the emulator does not know.
make_plan "$T/mixed.csv" 2 3
printf '%s,GID_unknown_%d,t01,1,2024-06-03T10:00:00+08:00,u\n' \
    "$RUN_INSTANCE" 1 "$RUN_INSTANCE" 2 >>"$T/mixed.csv"
# (Its own directory: r1.csv above applied its type 0 rows, and a run
# refuses a plan applied by a report next to its own.)
mkdir -p "$T/m"
run_exec "$T/mixed.csv" "$T/m/r5.csv" --rate 500
expect_status "row failures exit 1" 1
check "row failures: 2 failed" rc status "$T/m/r5.csv" failed 2
check "row failures: 1 attempt, service code kept" \
    cells "$T/m/r5.csv" 7 attempts=1 'error_code=*' 'request_id=*'

finish
