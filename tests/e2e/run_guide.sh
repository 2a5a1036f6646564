#!/usr/bin/env bash
# tests/e2e/run_guide.sh - what `mqreset run` tells the operator, on a
# terminal and in a pipeline: the start banner (never the secret), the
# confirmation before type 0 clears on a pseudo-terminal (y goes on, n,
# an empty line and Ctrl-D send nothing, --yes skips it, a script is not
# asked), progress lines in a log, failures printed as they happen and
# the summary's failed lines capped at 20, the --rate warning, and one
# message for refused credentials.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

PTY=$LIBDIR/pty_run.py
make_plan "$T/plan.csv" 4 6
start_emu "$T/plan.csv" --qps 1000
secret=$(sed -n 's/^access_key_secret *= *//p' "$T/creds")
keyid=$(sed -n 's/^access_key_id *= *//p' "$T/creds")

# 1. The banner, in a log (no terminal): what, where, who, how much.
run_exec "$T/plan.csv" "$T/r1.csv" --rate 50
expect_status "banner run: exit 0" 0
check "banner: plan, report, endpoint" \
    has_text "$T/mq.err" "applying $T/plan.csv, report $T/r1.csv" \
    "endpoint $EMU_URL"
check "banner: credential source and key hint" \
    has_text "$T/mq.err" "AccessKeyId ****${keyid: -4} from $T/creds profile 'default'"
check "banner: rows, type 0 rows, rate" \
    has_text "$T/mq.err" "rows: 10, type 0 (clears the whole backlog, for good): 4; rate 50.0 req/s"
check "banner comes before the summary" \
    test "$(grep -n 'applying ' "$T/mq.err" | head -1 | cut -d: -f1)" -lt \
    "$(grep -n 'run done' "$T/mq.err" | cut -d: -f1)"
check "banner: never the secret" no_text "$secret" "$T/mq.err" "$T/mq.out"
check "banner: never the whole key ID" no_text "$keyid" "$T/mq.err"
# 2. --rate above the quota warns that it is per account and shared.
check "--rate 50 warns: quota per account, shared" \
    has_text "$T/mq.err" "warning: --rate 50.0 is above the documented quota" \
    "per account" "shares it"
run_exec "$T/plan.csv" "$T/r1b.csv" --rate 10 --force --again
check "--rate 10: no warning" no_text "documented quota" "$T/mq.err"
# A script (stdin not a terminal) is not asked.
check "no terminal: no question" no_text "[y/N]" "$T/mq.err"

# 3. The confirmation on a terminal.
pty() { # ANSWER REPORT [ARGS]: run --execute on a pseudo-terminal
	local answer=$1 report=$2; shift 2
	RUN_ST=0
	python3 "$PTY" "$answer" "$MQRESET" run "$T/plan.csv" --report "$report" \
	    --execute --again --endpoint "$EMU_URL" "$@" >"$T/pty.out" 2>&1 || RUN_ST=$?
}
applied_before=$(wc -l <"$T/journal.jsonl")
journal_grew() { # N: the emulator's journal grew by N resets since $applied_before
	local now; now=$(wc -l <"$T/journal.jsonl")
	[ $((now - applied_before)) -eq "$1" ] || {
		echo "journal grew by $((now - applied_before)), expected $1"; return 1; }
}
for ans in n "" no EOF; do
	pty "$ans" "$T/r-no.csv"
	expect_status "answer '$ans': exit 3" 3
	check "answer '$ans': the question was asked" \
	    has_text "$T/pty.out" "clear 4 backlogs? [y/N]"
	check "answer '$ans': nothing sent" journal_grew 0
	check "answer '$ans': no report" absent "$T/r-no.csv"
	check "answer '$ans': says nothing was sent" \
	    has_text "$T/pty.out" "not confirmed: nothing was sent"
done
pty y "$T/r-yes.csv"
expect_status "answer y: exit 0" 0
check "answer y: every row applied" journal_grew 10
check "answer y: report all ok" statuses "$T/r-yes.csv" ok 10
applied_before=$(wc -l <"$T/journal.jsonl")
pty n "$T/r-yes2.csv" --yes
expect_status "--yes: exit 0" 0
check "--yes: no question" no_text "[y/N]" "$T/pty.out"
check "--yes: rows applied" journal_grew 10
applied_before=$(wc -l <"$T/journal.jsonl")
make_plan "$T/plan1.csv" 0 3
python3 "$PTY" n "$MQRESET" run "$T/plan1.csv" --report "$T/r-t1c.csv" \
    --execute --endpoint "$EMU_URL" >"$T/pty.out" 2>&1 && RUN_ST=0 || RUN_ST=$?
expect_status "no type 0 rows: no question, exit 0" 0
check "no type 0 rows: not asked" no_text "[y/N]" "$T/pty.out"
python3 "$PTY" n "$MQRESET" run "$T/plan.csv" --report "$T/r-dry.csv" \
    --endpoint "$EMU_URL" >"$T/pty.out" 2>&1 && RUN_ST=0 || RUN_ST=$?
expect_status "dry run on a terminal: not asked, exit 0" 0
check "dry run: not asked" no_text "[y/N]" "$T/pty.out"

# 4. In a log: progress lines every --progress-interval, failures as they
# happen, the summary's failed lines capped at 20.
make_plan "$T/good.csv" 0 10 ok
start_emu "$T/good.csv" --qps 1000
keyid=$(sed -n 's/^access_key_id *= *//p' "$T/creds")
{
	cat "$T/good.csv"
	# 25 rows on a topic the emulator does not have: each fails.
	for ((i = 0; i < 25; i++)); do
		printf '%s,GID_ok_r%03d,nosuchtopic%02d,1,2024-06-03T10:00:00+08:00,X\n' \
		    "$RUN_INSTANCE" $((i % 10)) "$i"
	done
} >"$T/mixed.csv"
run_exec "$T/mixed.csv" "$T/r4.csv" --rate 20 --progress-interval 0.3
expect_status "failures: exit 1" 1
check "failed rows in the report" statuses "$T/r4.csv" ok 10 failed 25
check "progress lines in the log" \
    grep -qE '^mqreset: run: [0-9]+/35 rows, ok [0-9]+, failed' "$T/mq.err"
check "failures printed as they happen, one line each" \
    lines_with "$T/mq.err" ": failed BIZ_" 25
check "a failure line names file, line, group, topic and code" \
    grep -qE "^mqreset: $T/mixed.csv:12: GID_ok_r000 nosuchtopic00: failed BIZ_[A-Z_]+: " "$T/mq.err"
check "a failure is printed before the summary" \
    test "$(grep -n ': failed BIZ_' "$T/mq.err" | head -1 | cut -d: -f1)" -lt \
    "$(grep -n 'run done' "$T/mq.err" | cut -d: -f1)"
check "the summary names the first 20 failed lines, then a count" \
    has_text "$T/mq.err" "failed or unknown, plan lines 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 (and 5 more)"
run_exec "$T/mixed.csv" "$T/r5.csv" --rate 20 --progress-interval 0
check "--progress-interval 0: no progress line" \
    no_text "mqreset: run: " "$T/mq.err"

# 5. Wrong secret: one message with the key, its source and what to check;
# every row not sent carries one reason.
ALIBABA_CLOUD_CREDENTIALS_FILE=/nonexistent ALIBABA_CLOUD_ACCESS_KEY_ID=$keyid \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrongSecretWrongSecret00 \
    run_exec "$T/mixed.csv" "$T/r6.csv" --rate 20
expect_status "wrong secret: exit 3" 3
check "wrong secret: one error line" lines_with "$T/mq.err" "error:" 1
check "wrong secret: it names the code, the key, the source and the check" \
    has_text "$T/mq.err" "refused the credentials (SignatureDoesNotMatch): AccessKeyId ****${keyid: -4} from environment" \
    "does not belong to this AccessKeyId"
check "wrong secret: the code is not doubled" \
    no_text "SignatureDoesNotMatch: SignatureDoesNotMatch" "$T/mq.err"
check "wrong secret: not in any output" \
    no_text wrongSecretWrongSecret00 "$T/mq.err" "$T/mq.out" "$T/r6.csv"
check "wrong secret: every row not sent carries the same reason" python3 - "$T/r6.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] == "not-run"]
reasons = {r["error_message"] for r in rows}
assert len(rows) >= 30, len(rows)
assert reasons == {"not sent: the service refused the credentials at line 2 "
                   "(SignatureDoesNotMatch)"}, reasons
PY

# Many requests in flight when the first refusal comes back: still one
# message (the others are refused alike).
ALIBABA_CLOUD_CREDENTIALS_FILE=/nonexistent ALIBABA_CLOUD_ACCESS_KEY_ID=$keyid \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrongSecretWrongSecret00 \
    run_exec "$T/mixed.csv" "$T/r7.csv" --rate 5000 --burst 16 --workers 16
expect_status "wrong secret, 16 in flight: exit 3" 3
check "wrong secret, 16 in flight: one error line" \
    lines_with "$T/mq.err" "error:" 1

finish
