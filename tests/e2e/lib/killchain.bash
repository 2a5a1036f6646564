# tests/e2e/lib/killchain.bash - seeded kill chains of `mqreset run`
# (lib/killchain.py drives one chain), shared by tests/e2e/run_killchain.sh
# and tests/soak/killchain.sh.  Source after lib/run.bash.
#
#   KILLCHAIN_SEED=N    seed of the first chain (chain i has seed N+i-1);
#                       every chain prints its seed and its kill points, and
#                       KILLCHAIN_SEED=S KILLCHAIN_CHAINS=1 replays chain S.
#   KILLCHAIN_CHAINS=N  number of chains.

# killchain_one SEED PLAN [DRIVER ARGS...]: a fresh emulator for PLAN
# (no QPS limit on the reset action), one chain in $T/chain-SEED; its
# output is shown and kept in $T/chain-SEED.log; the driver's exit status.
killchain_one() {
	local seed=$1 plan=$2; shift 2
	local dir="$T/chain-$seed" st=0
	rm -rf "$dir"; mkdir -p "$dir"
	start_emu "$plan" --qps-action OnsConsumerResetOffset=0 || return 2
	python3 "$LIBDIR/killchain.py" --mqreset "$MQRESET" --plan "$plan" \
	    --dir "$dir" --endpoint "$EMU_URL" --journal "$T/journal.jsonl" \
	    --seed "$seed" "$@" >"$T/chain-$seed.log" 2>&1 || st=$?
	emu_stop >/dev/null 2>&1 || true
	cp "$T/journal.jsonl" "$dir/journal.jsonl" 2>/dev/null || true
	cat "$T/chain-$seed.log"
	return $st
}

# killchain_figure SEED NAME: a figure of chain SEED's "figures" line.
killchain_figure() {
	sed -n "s/^figures seed=$1 .*\\b$2=\\([0-9]*\\).*/\\1/p" \
	    "$T/chain-$1.log" | tail -n 1
}

# chain_zero SEED NAME: the chain's figure NAME is 0 (check's command).
chain_zero() {
	local v
	v=$(killchain_figure "$1" "$2")
	[ "$v" = 0 ] && return 0
	echo "chain seed=$1: $2=${v:-missing}"
	grep -E "^chain seed=$1:   " "$T/chain-$1.log" || true
	return 1
}

# chain_had_kill SEED: the chain killed at least one run.
chain_had_kill() {
	local v
	v=$(killchain_figure "$1" kills)
	[ "${v:-0}" -ge 1 ] || { echo "no run was killed"; return 1; }
}
