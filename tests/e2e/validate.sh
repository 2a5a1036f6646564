#!/usr/bin/env bash
# tests/e2e/validate.sh - `mqreset validate`: samples, golden diagnostics
# (text and JSON), stdin, caps, options, usage errors and exit statuses.
#
# Run from the top of the tree (tests/run does).  The only time-dependent
# text, "(now 2026-...Z)", is normalised before comparing with the golden
# files.  `validate.sh --write-golden` (run by `make golden`) rewrites them
# and checks nothing; review the diff.  A test run never writes them.
set -euo pipefail
: "${MQRESET:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "     $l"; done; }

# run NAME EXPECTED_STATUS ARGS... : run mqreset, keep out/err, check status
run() {
	local name=$1 want=$2; shift 2
	local st=0
	"$MQRESET" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
	if [ "$st" -eq "$want" ]; then return 0; fi
	fail "$name" "exit $st, expected $want" "stderr: $(head -c 400 "$tmp/err")"
	return 1
}

norm() { sed -E 's/\(now [0-9T:.-]+Z\)/(now NOW)/'; }

golden() { # NAME FILE GOLDEN
	if diff -u "$3" "$2" >"$tmp/diff"; then ok "$1"; else
		fail "$1" "differs from $3:" "$(head -n 40 "$tmp/diff")"; fi
}

expect_grep() { # NAME PATTERN FILE
	if grep -qE -- "$2" "$3"; then ok "$1"; else
		fail "$1" "no /$2/ in:" "$(head -c 600 "$3")"; fi
}

if [ "${1:-}" = --write-golden ]; then
	# validate exits 2 on the bad plan: that is the point.
	"$MQRESET" validate samples/bad-plan.csv 2>&1 >/dev/null | norm \
	    >tests/golden/bad-plan.diag || true
	"$MQRESET" validate --format=json samples/bad-plan.csv 2>/dev/null |
	    norm >tests/golden/bad-plan.json || true
	echo "wrote tests/golden/bad-plan.diag and tests/golden/bad-plan.json"
	exit 0
fi

# 1. The valid samples, one and all together.
if run "valid samples" 0 validate samples/migration-50-groups.csv \
    samples/ticket-replay.csv; then
	expect_grep "migration summary" \
	    '^mqreset: samples/migration-50-groups.csv: 62 rows \(7 type 0, 55 type 1\), 0 warnings, 0 errors: valid$' "$tmp/err"
	expect_grep "ticket summary" \
	    '^mqreset: samples/ticket-replay.csv: 8 rows \(2 type 0, 6 type 1\), 0 warnings, 0 errors: valid$' "$tmp/err"
	[ ! -s "$tmp/out" ] && ok "nothing on stdout" || fail "nothing on stdout" "$(head -c 200 "$tmp/out")"
fi

# 2. The bad plan: every diagnostic, golden text.
if run "bad plan exits 2" 2 validate samples/bad-plan.csv; then
	norm <"$tmp/err" >"$tmp/err.n"
	golden "bad plan text diagnostics" "$tmp/err.n" tests/golden/bad-plan.diag
fi

# 3. The same as JSON on stdout, nothing on stderr.
if run "bad plan json exits 2" 2 validate --format=json samples/bad-plan.csv; then
	norm <"$tmp/out" >"$tmp/out.n"
	golden "bad plan json diagnostics" "$tmp/out.n" tests/golden/bad-plan.json
	[ ! -s "$tmp/err" ] && ok "json: stderr empty" || fail "json: stderr empty" "$(head -c 300 "$tmp/err")"
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["errors"] == 20 and d["summary"]["valid"] is False and len(d["plans"][0]["diagnostics"]) == 24' "$tmp/out"; then
		ok "json parses, counts agree"; else fail "json parses, counts agree"; fi
fi

# 4. Standard input.
if run "stdin" 0 validate - <samples/ticket-replay.csv; then
	expect_grep "stdin is named <stdin>" '^mqreset: <stdin>: 8 rows' "$tmp/err"
fi
if run "stdin bad" 2 validate - <samples/bad-plan.csv; then
	expect_grep "stdin diagnostics name <stdin>" '^<stdin>:6:5: error: timestamp' "$tmp/err"
fi

# 5. --max-errors caps what is shown, never what is counted.
if run "max-errors 3" 2 validate --max-errors 3 samples/bad-plan.csv; then
	n=$(grep -c ': error: ' "$tmp/err" || true)
	[ "$n" -eq 4 ] && ok "3 errors + 1 tail line" || fail "3 errors + 1 tail line" "got $n"
	expect_grep "tail line" '^samples/bad-plan.csv: error: \.\.\. and 17 more errors$' "$tmp/err"
	expect_grep "summary counts all" '4 warnings, 20 errors: INVALID$' "$tmp/err"
fi
if run "max-errors 0 = all" 2 validate --max-errors=0 samples/bad-plan.csv; then
	n=$(grep -c ': error: ' "$tmp/err" || true)
	[ "$n" -eq 20 ] && ok "all 20 errors shown" || fail "all 20 errors shown" "got $n"
fi
if run "json max-errors" 2 validate --format json --max-errors 2 samples/bad-plan.csv; then
	if python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["plans"][0]; assert p["omitted_errors"] == 18 and p["omitted_warnings"] == 2 and len(p["diagnostics"]) == 4' "$tmp/out"; then
		ok "json caps and omitted counts"; else fail "json caps and omitted counts"; fi
fi

# 6. --quiet: errors only; a valid plan prints nothing.
if run "quiet valid" 0 validate --quiet samples/migration-50-groups.csv; then
	[ ! -s "$tmp/err" ] && ok "quiet prints nothing" || fail "quiet prints nothing" "$(cat "$tmp/err")"
fi
if run "quiet bad" 2 validate -q samples/bad-plan.csv; then
	if grep -q 'warning:' "$tmp/err"; then fail "quiet hides warnings"; else ok "quiet hides warnings"; fi
	expect_grep "quiet keeps errors" ':6:5: error:' "$tmp/err"
fi

# 7. Warnings alone do not fail a plan.
cat >"$tmp/warn.csv" <<'CSV'
group,topic,type,timestamp
orders_consumer,order-paid,0,
CSV
if run "warnings only exit 0" 0 validate --instance MQ_INST_1827364554637281_BXk3Jq9T "$tmp/warn.csv"; then
	expect_grep "warning shown" "warn.csv:2:1: warning: group ID 'orders_consumer' is unusual" "$tmp/err"
	expect_grep "summary valid" '1 warning, 0 errors: valid$' "$tmp/err"
fi

# 8. --instance: fills the column, or must agree with it.
run "no instance column, no --instance" 2 validate "$tmp/warn.csv" &&
	expect_grep "missing instance" "warn.csv:1: error: missing column 'instance' \(or InstanceId\): add it, or give --instance" "$tmp/err"
if run "--instance disagrees" 2 validate --instance MQ_INST_1827364554637281_BXother1 samples/ticket-replay.csv; then
	expect_grep "disagreement named" "ticket-replay.csv:5:2: error: instance ID 'MQ_INST_1827364554637281_BXk3Jq9T' disagrees with --instance 'MQ_INST_1827364554637281_BXother1'" "$tmp/err"
fi

# 9. Several plans: each checked, any error fails the command.
if run "one bad of two" 2 validate samples/ticket-replay.csv samples/bad-plan.csv; then
	expect_grep "first summary" '^mqreset: samples/ticket-replay.csv: .*: valid$' "$tmp/err"
	expect_grep "second summary" '^mqreset: samples/bad-plan.csv: .*: INVALID$' "$tmp/err"
fi

# 10. Unreadable plans and usage errors exit 2.
run "missing file" 2 validate "$tmp/nope.csv" &&
	expect_grep "missing file named" "nope.csv: No such file or directory" "$tmp/err"
run "no plan" 2 validate && expect_grep "usage shown" 'no plan given' "$tmp/err"
run "bad format" 2 validate --format xml samples/ticket-replay.csv && ok "bad --format refused"
run "negative max-errors" 2 validate --max-errors -1 samples/ticket-replay.csv && ok "bad --max-errors refused"
run "unknown option" 2 validate --frobnicate samples/ticket-replay.csv && ok "unknown option refused"
if run "help" 0 validate --help; then
	for o in --instance --format --max-errors --quiet; do
		expect_grep "help lists $o" "$o" "$tmp/out"
	done
fi

# 11. A header-only plan warns; an empty plan is an error.
printf 'instance,group,topic,type,timestamp\n' >"$tmp/empty-rows.csv"
run "header only" 0 validate "$tmp/empty-rows.csv" &&
	expect_grep "no data rows warning" 'empty-rows.csv: warning: the plan has no data rows' "$tmp/err"
: >"$tmp/empty.csv"
run "empty file" 2 validate "$tmp/empty.csv" &&
	expect_grep "empty plan error" 'empty.csv: error: no header row: the plan is empty' "$tmp/err"

echo
echo "validate.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
