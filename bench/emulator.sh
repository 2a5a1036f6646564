#!/usr/bin/env bash
# bench/emulator.sh - emulator throughput: signed OnsConsumerResetOffset
# calls per second on loopback, faults off, the per-key QPS limit lifted.
#
# Builds bench/emu_load.c (libcurl, keep-alive, one connection per load
# thread, every request signed by the project's sign module with a fresh
# nonce and timestamp) against $BUILD/libmqreset.a, starts the emulator
# on the sample state with --threads 2 and a journal off, runs the load
# for a few seconds and prints requests/s against the target.  Both run
# on the same 2-core machine, so the figure includes the client's cost.
set -euo pipefail
BUILD=${BUILD:-build}
EMU=${MQRESET_EMULATOR:-$PWD/$BUILD/mqreset-emulator}
tmp=${BENCH_TMP:-$(mktemp -d)}/emulator
mkdir -p "$tmp"
emu_pid=
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

cc -Iinclude/common -D_GNU_SOURCE -std=c11 -O2 -pthread -o "$tmp/emu_load" \
    bench/emu_load.c "$BUILD/libcommon.a" -lcurl -lssl -lcrypto -lpthread

THREADS=${EMU_THREADS:-2}
LOAD_THREADS=${LOAD_THREADS:-4}
SECONDS_RUN=${SECONDS_RUN:-5}
"$EMU" --max-seconds $((SECONDS_RUN + 30)) --threads "$THREADS" \
    --state samples/emulator-state.json \
    --qps-action OnsConsumerResetOffset=0 \
    --write-credentials "$tmp/creds.ini" >"$tmp/emu.out" 2>"$tmp/emu.err" &
emu_pid=$!
for _ in $(seq 200); do
	url=$(sed -n 's/^listening on //p' "$tmp/emu.out" 2>/dev/null | head -n 1)
	[ -n "$url" ] && break
	sleep 0.05
done
[ -n "$url" ] || { cat "$tmp/emu.err"; exit 1; }

out=$("$tmp/emu_load" "$url/" "$tmp/creds.ini" "$LOAD_THREADS" "$SECONDS_RUN" \
    MQ_INST_1234567890123456_BXhFqGdd GID_order_sync orders)
kill -TERM "$emu_pid"; wait "$emu_pid" || true; emu_pid=
rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$out")
echo "load: $out"
echo "emulator: $(grep -E 'requests:' "$tmp/emu.err" | sed 's/^mqreset-emulator: //')"
echo "emulator throughput: $rps signed OnsConsumerResetOffset req/s" \
    "(target >= 10000; $THREADS server threads, $LOAD_THREADS keep-alive" \
    "client threads, ${SECONDS_RUN}s, loopback, same 2 cores)"
