#!/usr/bin/env bash
# tests/soak/killchain.sh - the long kill-chain soak (make soak; not part
# of make check): SOAK_CHAINS (100) seeded chains on a plan of SOAK_ROWS
# (20,000) rows, half type 0, each with up to 3 kill -9s, at least one in
# a resumed run's copy-forward window, then a run to the end (see
# tests/e2e/lib/killchain.py).  Prints at the end the chains, the kills
# and the three losses, rows lost, type 0 applied twice and ok but not
# applied, which must all be 0 (exit 1 otherwise).  It stops starting
# chains after SOAK_MAX_SECONDS (2400) and says so.
#
# SOAK_SEED=N (default 1000) seeds chain i with N+i-1; every chain prints
# its seed and kill points, and KILLCHAIN_SEED=S KILLCHAIN_CHAINS=1
# KILLCHAIN_ROWS=10000 KILLCHAIN_RATE=2000 KILLCHAIN_WORKERS=8
# KILLCHAIN_COPY_MS=60 bash tests/e2e/run_killchain.sh replays one.
set -euo pipefail
BUILD=${BUILD:-build}
export MQRESET=${MQRESET:-$PWD/$BUILD/mqreset}
export MQRESET_EMULATOR=${MQRESET_EMULATOR:-$PWD/$BUILD/mqreset-emulator}
. "$(dirname "$0")/../e2e/lib/run.bash"
. "$LIBDIR/killchain.bash"

seed0=${SOAK_SEED:-1000}
chains=${SOAK_CHAINS:-100}
rows=${SOAK_ROWS:-20000}
limit=${SOAK_MAX_SECONDS:-2400}
export EMU_MAX_SECONDS=900 # one chain's emulator
echo "soak: $chains chains from seed $seed0, plan of $rows rows," \
    "at most $limit s"
make_plan "$T/plan.csv" $((rows / 2)) $((rows - rows / 2))

fig() { # SEED NAME: a chain's figure, 0 when it has none
	local v
	v=$(killchain_figure "$1" "$2")
	echo "${v:-0}"
}
start=$SECONDS
done_chains=0; kills=0; lost=0; twice=0; notapp=0; unrep=0; badexit=0
failed_seeds=()
for ((c = 0; c < chains; c++)); do
	if [ $((SECONDS - start)) -ge "$limit" ]; then
		echo "soak: time limit of $limit s reached after $done_chains chains"
		break
	fi
	s=$((seed0 + c))
	killchain_one "$s" "$T/plan.csv" --rate "${SOAK_RATE:-2000}" \
	    --workers 8 --max-kills 3 --copy-ms 60 || failed_seeds+=("$s")
	done_chains=$((done_chains + 1))
	kills=$((kills + $(fig "$s" kills)))
	lost=$((lost + $(fig "$s" rows_lost)))
	twice=$((twice + $(fig "$s" type0_twice)))
	notapp=$((notapp + $(fig "$s" ok_not_applied)))
	unrep=$((unrep + $(fig "$s" applied_unreported)))
	badexit=$((badexit + $(fig "$s" bad_exits)))
	rm -rf "$T/chain-$s" # 20,000-row reports add up
	echo "soak: after $done_chains chains ($((SECONDS - start)) s): kills $kills," \
	    "rows lost $lost, type 0 applied twice $twice, ok-not-applied $notapp"
done

echo
echo "soak figures:"
echo "  chains                 $done_chains of $chains (seeds $seed0..$((seed0 + done_chains - 1)))"
echo "  kills                  $kills"
echo "  rows lost              $lost"
echo "  type 0 applied twice   $twice"
echo "  ok-not-applied         $notapp"
echo "  applied, not reported  $unrep"
echo "  unexpected exits       $badexit"
echo "  elapsed                $((SECONDS - start)) s"
[ ${#failed_seeds[@]} -eq 0 ] || echo "  failing seeds          ${failed_seeds[*]}"
check "soak: chains ran" test "$done_chains" -gt 0
check "soak: rows lost = 0" test "$lost" = 0
check "soak: type 0 applied twice = 0" test "$twice" = 0
check "soak: ok-not-applied = 0" test "$notapp" = 0
check "soak: applied, not reported = 0" test "$unrep" = 0
check "soak: unexpected exits = 0" test "$badexit" = 0
check "soak: every chain clean" test ${#failed_seeds[@]} = 0
finish
