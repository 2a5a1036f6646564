#!/usr/bin/env bash
# tests/e2e/run_killchain.sh - seeded kill chains: up to 3 kill -9s per
# chain at seeded moments, at least one inside a resumed run's
# copy-forward window (the new report, or its REPORT.start-* staging
# file, has just appeared), each next run resuming from the newest report
# that exists, then a run to the end.  The emulator's journal of applied
# resets proves per chain: no plan row lost from the final report, no
# type 0 row cleared twice, no row ok that was never applied, no applied
# row missing from the final report.  Also: --resume from a report that
# does not exist sends nothing.
#
# KILLCHAIN_SEED=N (default 1) seeds the chains (N, N+1, ...); every kill
# point is printed with its chain's seed, and KILLCHAIN_SEED=S
# KILLCHAIN_CHAINS=1 replays chain S; KILLCHAIN_ROWS (type 0 rows, as
# many type 1), KILLCHAIN_RATE, KILLCHAIN_WORKERS and KILLCHAIN_COPY_MS
# (the largest delay after the copy-forward window opens) replay a soak
# chain.  The long version is tests/soak/killchain.sh (make soak).
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$LIBDIR/killchain.bash"

seed0=${KILLCHAIN_SEED:-1}
chains=${KILLCHAIN_CHAINS:-5}
rows0=${KILLCHAIN_ROWS:-1000} # type 0 rows; as many type 1
echo "kill chains: $chains, seeds $seed0..$((seed0 + chains - 1))," \
    "plan of $((2 * rows0)) rows (replay one: KILLCHAIN_SEED=S KILLCHAIN_CHAINS=1)"

# 1. Resuming from a report that does not exist (a run killed before its
#    report was renamed into place) is refused before any request.
make_plan "$T/plan.csv" 4 4
start_emu "$T/plan.csv" --qps 1000
run_exec "$T/plan.csv" "$T/n2.csv" --resume "$T/n1.csv" --rate 100
check "--resume from a missing report: exit 2 or 3" \
    test "$RUN_ST" = 2 -o "$RUN_ST" = 3
check "--resume from a missing report: nothing sent" \
    rc applied "$T/journal.jsonl" 0
check "--resume from a missing report: no report written" \
    test ! -e "$T/n2.csv"
emu_stop >/dev/null || true

# 2. The chains.
make_plan "$T/plan.csv" "$rows0" "$rows0"
for ((c = 0; c < chains; c++)); do
	s=$((seed0 + c))
	killchain_one "$s" "$T/plan.csv" --rate "${KILLCHAIN_RATE:-400}" \
	    --workers "${KILLCHAIN_WORKERS:-4}" --max-kills 3 \
	    --copy-ms "${KILLCHAIN_COPY_MS:-4}" || true
	check "chain seed=$s: runs were killed" chain_had_kill "$s"
	check "chain seed=$s: rows lost = 0" chain_zero "$s" rows_lost
	check "chain seed=$s: type 0 applied twice = 0" \
	    chain_zero "$s" type0_twice
	check "chain seed=$s: ok but not applied = 0" \
	    chain_zero "$s" ok_not_applied
	check "chain seed=$s: applied but not reported = 0" \
	    chain_zero "$s" applied_unreported
	check "chain seed=$s: every unkilled run exited 0 or 1" \
	    chain_zero "$s" bad_exits
done

finish
