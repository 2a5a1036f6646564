#!/usr/bin/env bash
# tests/e2e/run_faults.sh - every fault kind of the emulator against
# `mqreset run`: what is retried, what is not, what ends unknown, and that
# the journal of applied resets agrees with the report (a type 0 row is
# never cleared twice unless --retry-ambiguous).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

# fresh N0 N1 FAULT...: new plan and emulator with the given faults.
fresh() {
	local n0=$1 n1=$2; shift 2
	emu_stop >/dev/null 2>&1 || true
	make_plan "$T/plan.csv" "$n0" "$n1"
	local args=() f
	for f in "$@"; do args+=(--fault "$f"); done
	start_emu "$T/plan.csv" --qps 1000 "${args[@]}"
	rm -f "$T"/r.csv*
}
go() { run_exec "$T/plan.csv" "$T/r.csv" --rate 500 --seed 3 "$@"; }
field() { rc field "$T/r.csv" "$1" "$2"; }
sum() { rc json "$T/r.csv.json" "$1"; }

# 5xx: retried, every row ok and applied once.
fresh 4 4 unavailable:every=2
go
expect_status "503 every 2nd request: exit 0" 0
check "503: all ok, applied once each" rc journal-once "$T/r.csv" "$T/journal.jsonl"
check "503: retries counted" test "$(sum retries)" -gt 0
# 500 InternalError may come after the backend acted (here it did not,
# but a client cannot tell): type 1 is retried and ends ok...
fresh 0 8 internal-error:p=0.4
go
expect_status "500 at random, type 1: exit 0" 0
check "500 type 1: all ok, applied once each" rc journal-once "$T/r.csv" "$T/journal.jsonl"
# ...a type 0 row it hits is never sent again: unknown.
fresh 8 0 internal-error:p=0.4
go
expect_status "500 at random, type 0: exit 1" 1
check "500 type 0: the rows hit are unknown" grep -q ',unknown,500,' "$T/r.csv"
check "500 type 0: ok rows applied once" rc journal-once "$T/r.csv" "$T/journal.jsonl"

# Connection closed before applying: to the client it looks the same as
# closed after (sent, no answer), so type 1 is retried and applied once...
fresh 0 6 close-before:every=3
go
expect_status "close-before type 1: exit 0" 0
check "close-before type 1: all ok, applied once each" rc journal-once "$T/r.csv" "$T/journal.jsonl"
# ...and type 0 is unknown (truthfully: it was not applied, nobody knows).
fresh 2 0 close-before:every=2
go --workers 1
expect_status "close-before type 0: exit 1" 1
check "close-before type 0: 1 unknown, 1 ok, 1 applied" \
    all_of statuses "$T/r.csv" unknown 1 ok 1 ';' \
    applied_count "$T/journal.jsonl" 1

# Closed after applying, type 1 only: retried (idempotent), ok.
fresh 0 4 close-after:every=2,max=2
go
expect_status "close-after type 1: exit 0" 0
check "close-after type 1: 4 ok" rc status "$T/r.csv" ok 4
check "close-after type 1: retried rows show 2 attempts" \
    grep -q ',2,[0-9]*,20' "$T/r.csv"

# Closed after applying, type 0: unknown, never sent twice.
fresh 3 0 close-after:every=2,max=1
go --workers 1
expect_status "close-after type 0: exit 1" 1
check "close-after type 0: 1 unknown" rc status "$T/r.csv" unknown 1
check "close-after type 0: cleared exactly once each" rc type0-once "$T/journal.jsonl"
check "close-after type 0: all 3 applied once" rc applied "$T/journal.jsonl" 3
check "close-after type 0: reason names --retry-ambiguous" \
    grep -q 'retry-ambiguous' "$T/r.csv"
check "close-after type 0: attempts 1" test "$(field 3 attempts)" = 1

# ...with --retry-ambiguous: sent again, ok, cleared twice (as asked).
fresh 3 0 close-after:every=2,max=1
go --workers 1 --retry-ambiguous
expect_status "close-after type 0 --retry-ambiguous: exit 0" 0
check "--retry-ambiguous: 3 ok" rc status "$T/r.csv" ok 3
check "--retry-ambiguous: 4 applied (one twice)" rc applied "$T/journal.jsonl" 4

# Stalled after applying: a timeout after sending is ambiguous.
fresh 1 1 stall-after:ms=4000,max=2
go --timeout 0.5 --workers 2
expect_status "stall-after: exit 1 (type 0 unknown)" 1
check "stall-after: type 0 unknown, type 1 ok" \
    all_of cells "$T/r.csv" 2 status=unknown ';' cells "$T/r.csv" 3 status=ok
check "stall-after: type 0 error code is the timeout" \
    test "$(field 2 error_code)" = mqreset.Timeout

# Slow drip of the answer: ok.
fresh 2 2 drip:ms=2
go
expect_status "drip: exit 0" 0
check "drip: applied once each" rc journal-once "$T/r.csv" "$T/journal.jsonl"

# A 200 that is not JSON (a proxy page, nothing applied): type 1 retried.
fresh 0 3 non-json:every=2,max=1
go --workers 1
expect_status "non-json type 1: exit 0" 0
check "non-json type 1: all ok once" rc journal-once "$T/r.csv" "$T/journal.jsonl"

# ...type 0: we cannot know it was not applied: unknown.
fresh 2 0 non-json:every=1,max=1
go --workers 1
expect_status "non-json type 0: exit 1" 1
check "non-json type 0: 1 unknown, nothing cleared twice" \
    all_of statuses "$T/r.csv" unknown 1 ';' cleared_once "$T/journal.jsonl"

# A 200 without RequestId (applied, answer garbled): type 1 retried, ok.
fresh 0 2 no-request-id:every=1,max=1
go --workers 1
expect_status "no-request-id type 1: exit 0" 0
check "no-request-id: 2 ok, every ok row has a RequestId" \
    all_of statuses "$T/r.csv" ok 2 ';' cells "$T/r.csv" 2 'request_id=*'

# reconsumeLater (type 0): retried after a delay; reported if it persists.
fresh 1 0 reconsume-later:max=1
go
expect_status "reconsumeLater once: exit 0" 0
check "reconsumeLater once: ok after 2 attempts" test "$(field 2 attempts)" = 2
fresh 1 0 reconsume-later
go --max-attempts 2
expect_status "reconsumeLater persisting: exit 1" 1
check "reconsumeLater persisting: failed, code kept, nothing cleared" \
    all_of statuses "$T/r.csv" failed 1 ';' \
    cells "$T/r.csv" 2 'error_code~reconsumeLater' ';' \
    applied_count "$T/journal.jsonl" 0

# Retries exhausted on a persistent 503: failed after --max-attempts.
fresh 0 1 unavailable
go --max-attempts 3
expect_status "persistent 503: exit 1" 1
check "persistent 503: failed after 3 attempts" \
    cells "$T/r.csv" 2 attempts=3 http_status=503

finish
