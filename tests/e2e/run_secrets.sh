#!/usr/bin/env bash
# tests/e2e/run_secrets.sh - the AccessKey secret handed over in the
# environment does not stay there: while `mqreset run` is busy sending,
# /proc/PID/environ (the process's initial environment block, which the
# kernel shows as it is in memory) no longer holds the secret's value.
# Reading another process's environ once it is not dumpable needs root;
# elsewhere the case is skipped with a message.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

make_plan "$T/plan.csv" 4 4
start_emu "$T/plan.csv" --qps 1000
id=$(sed -n 's/^access_key_id *= *//p' "$T/creds" | head -n 1)
secret=$(sed -n 's/^access_key_secret *= *//p' "$T/creds" | head -n 1)
check "credentials from the emulator" test -n "$id" -a -n "$secret"

if [ "$(id -u)" != 0 ]; then
	skip "environ wiped" "not root: /proc/PID/environ of a non-dumpable process is unreadable"
	finish
	exit
fi

# 8 rows at 2 requests/s: about 4 s of sending to look at it.
ALIBABA_CLOUD_CREDENTIALS_FILE= ALIBABA_CLOUD_ACCESS_KEY_ID=$id \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=$secret \
    "$MQRESET" run "$T/plan.csv" --report "$T/r.csv" --execute \
    --endpoint "$EMU_URL" --rate 2 --workers 1 \
    >"$T/mq.out" 2>"$T/mq.err" &
pid=$!
RUN_BG_PIDS="$pid"
# The report appears once credentials are loaded and sending starts.
for ((i = 0; i < 200; i++)); do
	[ -s "$T/r.csv" ] && break
	sleep 0.02
done
tr '\0' '\n' <"/proc/$pid/environ" >"$T/environ" 2>/dev/null || true
check "environ readable while running" test -s "$T/environ"
check "the secret's value is not in /proc/PID/environ" \
    no_text "$secret" "$T/environ"
check "the key id (not a secret) still is" grep -qF -- "$id" "$T/environ"
st=0
wait "$pid" || st=$?
RUN_BG_PIDS=
check "the run used the secret: exit 0" test "$st" = 0
check "every row ok" rc status "$T/r.csv" ok 8
finish
