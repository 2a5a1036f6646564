#!/usr/bin/env bash
# tests/e2e/emulator_slowloris.sh - a slowloris flood must not starve a
# legitimate client.  1,500 connections from 127.0.0.2 send a request
# line and then one header line every 0.4 s, never finishing their
# headers; meanwhile a signed request from 127.0.0.1 must be answered
# within a few seconds.  The emulator must also cut the trickling
# connections it accepted at the header deadline, although each of them
# keeps sending (an idle timeout never fires for them).  The flood is
# bounded in count and time and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${MQRESET_EMULATOR:=$PWD/${BUILD:-build}/mqreset-emulator}"
EMU_DIR=$(mktemp -d)
FLOOD_PID=
trap '[ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null; emu_stop >/dev/null 2>&1 || true; rm -rf "$EMU_DIR"' EXIT
source tests/e2e/lib/emulator.bash

INST=MQ_INST_1234567890123456_BXhFqGdd
KEY=LTAI5tEmulatorSample0001
SECRET=emulatorSampleSecret0000000001
FLOOD_N=1500       # connections
FLOOD_SECONDS=9    # the flood's whole life
HEADER_MS=2000     # the emulator's header deadline

# flood HOST PORT: the slowloris, from 127.0.0.2; prints a JSON summary.
flood() {
	python3 - "$1" "$2" "$FLOOD_N" "$FLOOD_SECONDS" <<'PY'
import errno, json, resource, socket, sys, time
host, port, n, life = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = min(hard, n + 256) if hard != resource.RLIM_INFINITY else n + 256
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
t0 = time.monotonic()
conns = []  # [socket, opened_at, closed_at or None, lines sent]
for i in range(n):
    if time.monotonic() - t0 > life / 3:
        break
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.2", 0))
    s.setblocking(False)
    err = s.connect_ex((host, port))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        continue
    conns.append([s, time.monotonic(), None, 0])
def closed(c):
    try:
        if c[0].recv(4096, socket.MSG_DONTWAIT) == b"":
            return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    return False  # data (an error page): the server will close
def send(c, data):
    try:
        c[0].send(data)
        c[3] += 1
    except BlockingIOError:
        pass
    except OSError:
        c[2] = time.monotonic()
for c in conns:
    send(c, b"GET / HTTP/1.1\r\n")
while time.monotonic() - t0 < life:
    for c in conns:
        if c[2] is None and closed(c):
            c[2] = time.monotonic()
        if c[2] is None:
            send(c, b"X-Trickle-%d: x\r\n" % c[3])
    time.sleep(0.4)
alive = [c for c in conns if c[2] is None]
# Accepted and trickling for a while, then cut: their lifetimes.
cut = [c[2] - c[1] for c in conns if c[2] is not None and c[3] >= 3]
print(json.dumps({"opened": len(conns), "alive_at_end": len(alive),
    "cut_after_trickling": len(cut),
    "longest_cut_s": round(max(cut), 2) if cut else 0,
    "max_lines_sent": max(c[3] for c in conns) if conns else 0}))
for c in conns:
    c[0].close()
PY
}

emu_start --state samples/emulator-state.json --header-timeout-ms "$HEADER_MS" \
    --qps-action OnsTopicStatus=0
port=${EMU_URL##*:}
flood 127.0.0.1 "$port" >"$EMU_DIR/flood.json" &
FLOOD_PID=$!
sleep 2 # let the flood take every connection it can

# The legitimate client: a signed request from 127.0.0.1.
mapfile -t c < <(emu_common "$KEY" OnsTopicStatus)
q=$(emu_sign_v1 GET "$SECRET" "${c[@]}" InstanceId=$INST Topic=orders)
t0=$(date +%s%N)
st=$(curl -sS --max-time 5 -o "$EMU_DIR/body" -w '%{http_code}' "$EMU_URL/?$q" || true)
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
expect "legitimate request answered during the flood" 200 "$st"
[ "$ms" -lt 3000 ] && ok "answered in $ms ms" || bad "answered within 3 s" "$ms ms"

kill -0 "$FLOOD_PID" 2>/dev/null && ok "flood still running meanwhile" ||
    bad "flood still running meanwhile" "it ended before the request"
wait "$FLOOD_PID"
FLOOD_PID=
echo "flood: $(cat "$EMU_DIR/flood.json")"
fl() { emu_json "$EMU_DIR/flood.json" "$1"; }
expect "flood opened its connections" "$FLOOD_N" "$(fl 'd["opened"]')"
# The trickling connections the emulator accepted were cut at the header
# deadline, not left open while they kept sending.
expect "no trickling connection outlives the deadline" 0 "$(fl 'd["alive_at_end"]')"
expect "accepted trickling connections were cut" True "$(fl 'd["cut_after_trickling"] > 0')"
expect "cut near the deadline (${HEADER_MS} ms)" True \
    "$(fl "d['longest_cut_s'] < ${HEADER_MS} / 1000 + 2.5")"

emu_stop
grep -Eq 'connections closed for slow headers: [1-9]' "$EMU_DIR/emu.err" &&
    ok "exit summary counts the cut connections" ||
    bad "exit summary counts the cut connections" "$(cat "$EMU_DIR/emu.err")"
emu_summary
