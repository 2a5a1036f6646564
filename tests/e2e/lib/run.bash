# tests/e2e/lib/run.bash - helpers for the end-to-end tests of `mqreset
# run` (tests/e2e/run*.sh), on top of lib/emulator.bash.
#
# Each test: a temporary directory ($T), a generated plan, an emulator
# started with a rehearsal state for it (time-limited, killed by trap),
# credentials handed over through ALIBABA_CLOUD_CREDENTIALS_FILE (never a
# command line), and checks on the report, the summary JSON and the
# emulator's journal of applied resets (lib/runcheck.py parses them).
# A script counts its cases and ends with "N passed, N failed".

: "${MQRESET:?}" "${MQRESET_EMULATOR:?}"
LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=emulator.bash
. "$LIBDIR/emulator.bash"
T=$(mktemp -d)
EMU_DIR=$T
passed=0; failed=0
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET \
    ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE
export HOME=$T # no operator profile can leak into a test
# The chain would ask the ECS metadata service (100.100.100.200): tests
# talk to loopback only; the credential tests turn it back on with
# --metadata-endpoint.
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
unset ALIBABA_CLOUD_ROLE_ARN ALIBABA_CLOUD_OIDC_PROVIDER_ARN \
    ALIBABA_CLOUD_OIDC_TOKEN_FILE ALIBABA_CLOUD_CREDENTIALS_URI \
    ALIBABA_CLOUD_CONFIG_FILE
export ALIBABA_CLOUD_CREDENTIALS_FILE=$T/creds
# The operator's region: a run without --endpoint (a dry run) needs one.
export ALIBABA_CLOUD_REGION_ID=cn-hangzhou

run_cleanup() {
	local p
	for p in ${RUN_BG_PIDS:-}; do kill -9 "$p" 2>/dev/null || true; done
	emu_stop >/dev/null 2>&1 || true
	# File systems mounted by a test (lib/files.bash tmpfs_mount).
	for p in ${RUN_MOUNTS:-}; do umount -l "$p" 2>/dev/null || true; done
	[ -n "${KEEP_T:-}" ] || rm -rf "$T" # KEEP_T=1: keep it to look at
}
trap run_cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
	failed=$((failed + 1)); echo "FAIL $1"; shift
	local l; for l in "$@"; do echo "     $l"; done
}
# check NAME COMMAND...: the command's success is the case's result.
check() {
	local name=$1; shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"; else
		fail "$name" "$(head -c 1500 "$T/check.out")"; fi
}
# skip NAME REASON: a case that cannot run here counts as passed, and
# says so ("skipped: ..." lines; tests/run shows them).
skipped=0
skip() {
	passed=$((passed + 1)); skipped=$((skipped + 1))
	echo "skipped: $1: $2"
}
finish() {
	[ "$skipped" -eq 0 ] || echo "skipped: $skipped case(s) counted as passed"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

rc() { python3 "$LIBDIR/runcheck.py" "$@"; }
# shellcheck source=checks.bash
. "$LIBDIR/checks.bash"

# make_plan FILE N0 N1 [PREFIX]: a plan with N0 type 0 rows and N1 type 1
# rows (interleaved), unique (group, topic), on one instance.
RUN_INSTANCE=MQ_INST_1234567890123456_BXtest01
make_plan() {
	local f=$1 n0=$2 n1=$3 p=${4:-g} i
	{
		echo "InstanceId,GroupId,Topic,Type,ResetTimestamp,ticket"
		for ((i = 0; i < n0 || i < n1; i++)); do
			if [ "$i" -lt "$n0" ]; then
				printf '%s,GID_%s_c%03d,t%02d,0,,T-%d\n' \
				    "$RUN_INSTANCE" "$p" "$i" $((i % 7)) "$i"
			fi
			if [ "$i" -lt "$n1" ]; then
				printf '%s,GID_%s_r%03d,t%02d,1,2024-06-03T10:00:00+08:00,"T-%d, ""x"""\n' \
				    "$RUN_INSTANCE" "$p" "$i" $((i % 7)) "$i"
			fi
		done
	} >"$f"
}

# start_emu PLAN [EMULATOR ARGS...]: rehearsal state for PLAN, journal
# in $T/journal.jsonl, credentials in $T/creds.
start_emu() {
	local plan=$1; shift
	# emu_start polls emu.out: remove the previous emulator's first.
	rm -f "$T/journal.jsonl" "$T/creds" "$T/emu.out"
	emu_start --rehearse "$plan" --journal "$T/journal.jsonl" \
	    --write-credentials "$T/creds" --seed "${EMU_SEED:-7}" "$@"
}

# mq STATUS_VAR ARGS...: run mqreset (quiet by default), exit status into
# the named variable; stdout/stderr in $T/mq.out, $T/mq.err.
mq() {
	local __var=$1; shift
	local __st=0
	"$MQRESET" "$@" >"$T/mq.out" 2>"$T/mq.err" || __st=$?
	printf -v "$__var" '%s' "$__st"
}

# run_exec PLAN REPORT [ARGS...]: --execute against the emulator.  The
# tests of the engine (faults, limits, kills) count the emulator's
# requests: without the preflight's reads (--no-preflight), unless
# RUN_PREFLIGHT=1; run_preflight_default.sh tests the preflight's part.
run_exec() {
	local plan=$1 report=$2; shift 2
	local -a pf=(--no-preflight)
	[ "${RUN_PREFLIGHT:-0}" = 1 ] && pf=()
	mq RUN_ST run "$plan" --report "$report" --execute \
	    --endpoint "$EMU_URL" --summary-json "$report.json" "${pf[@]}" "$@"
}

expect_status() { # NAME WANT
	if [ "$RUN_ST" = "$2" ]; then ok "$1"; else
		fail "$1" "exit $RUN_ST, expected $2" \
		    "$(tail -c 1200 "$T/mq.err")"; fi
}
