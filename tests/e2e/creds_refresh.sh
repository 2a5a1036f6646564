#!/usr/bin/env bash
# tests/e2e/creds_refresh.sh - temporary credentials during a long run:
# role credentials that last 20 seconds are refreshed before they expire,
# once for all workers, and a 300-row run at --rate 10 (30 s) ends with
# every row ok; an InvalidSecurityToken.Expired answer is met by one
# refresh and a re-send of that request, never by an abort.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

ROLE=acs:ram::1234567890123456:role/mqreset-operator
make_plan "$T/plan.csv" 150 150
now_ms=$(( $(date +%s) * 1000 ))
cat >"$T/state.json" <<JSON
{
  "Owner": "1234567890123456",
  "Roles": ["$ROLE"],
  "Credentials": [
    { "AccessKeyId": "LTAI5tRefreshE2e00001", "AccessKeySecret": "refreshE2eSecret000000001" },
    { "AccessKeyId": "STS.RefreshShort00001", "AccessKeySecret": "refreshShortSecret0000001",
      "SecurityToken": "CAIS.refresh.short.token.1", "Expiration": $((now_ms + 3000)) },
    { "AccessKeyId": "STS.RefreshLong000001", "AccessKeySecret": "refreshLongSecret00000001",
      "SecurityToken": "CAIS.refresh.long.token.01", "Expiration": $((now_ms + 600000)) }
  ]
}
JSON
EMU_MAX_SECONDS=200 start_emu "$T/plan.csv" --state "$T/state.json" \
    --qps 1000 --sts --sts-duration 20
mkdir -p "$HOME/.aliyun"
cat >"$HOME/.aliyun/config.json" <<JSON
{"current": "ops", "profiles": [
  {"name": "ops", "mode": "RamRoleArn", "access_key_id": "LTAI5tRefreshE2e00001",
   "access_key_secret": "refreshE2eSecret000000001", "ram_role_arn": "$ROLE",
   "ram_session_name": "e2e"}]}
JSON
chmod 600 "$HOME/.aliyun/config.json"

# 1. 300 rows at 10/s with 20-second credentials: refreshed on the way.
run_exec "$T/plan.csv" "$T/r1.csv" --rate 10 --workers 4 \
    --sts-endpoint "$EMU_URL" --debug
expect_status "20 s credentials, 300 rows at 10/s: exit 0" 0
check "refresh run: 300 ok rows" statuses "$T/r1.csv" ok 300
check "refresh run: each row applied once" applied_once "$T/r1.csv" "$T/journal.jsonl"
check "refresh run: at least one refresh in --debug" \
    grep -q 'credentials refreshed' "$T/mq.err"
check "refresh run: no expired token answered" \
    no_text InvalidSecurityToken.Expired "$T/mq.err" "$T/r1.csv"
check "refresh run: no secret in any output" \
    no_text refreshE2eSecret000000001 "$T/mq.err" "$T/mq.out" "$T/r1.csv"
emu_stop

# 2. Keys that the service calls expired while their announced
# Expiration is an hour away: a credentials URI hands out a state key
# that expired 3 s after the test began, then a long-lived one.  The
# Expired answer is met by a refresh and the same request again.
make_plan "$T/plan2.csv" 30 30 x
start_emu "$T/plan2.csv" --state "$T/state.json" --qps 1000
cat >"$T/uri.py" <<'PY'
import http.server, json, sys, time
exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
keys = [("STS.RefreshShort00001", "refreshShortSecret0000001",
         "CAIS.refresh.short.token.1"),
        ("STS.RefreshLong000001", "refreshLongSecret00000001",
         "CAIS.refresh.long.token.01")]
served = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        k = keys[min(served[0], 1)]
        served[0] += 1
        body = json.dumps({"Code": "Success", "AccessKeyId": k[0],
                           "AccessKeySecret": k[1], "SecurityToken": k[2],
                           "Expiration": exp}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
PY
python3 "$T/uri.py" >"$T/uri.port" &
RUN_BG_PIDS="${RUN_BG_PIDS:-} $!"
for _ in $(seq 100); do [ -s "$T/uri.port" ] && break; sleep 0.05; done
rm -f "$HOME/.aliyun/config.json"
ALIBABA_CLOUD_CREDENTIALS_FILE=$T/none ALIBABA_CLOUD_CREDENTIALS_URI=http://127.0.0.1:$(cat "$T/uri.port")/creds \
    run_exec "$T/plan2.csv" "$T/r2.csv" --rate 10 --workers 2 --debug
expect_status "expired answer: refreshed and re-sent, exit 0" 0
check "expired answer: 60 ok rows" statuses "$T/r2.csv" ok 60
check "expired answer: each row applied once" applied_once "$T/r2.csv" "$T/journal.jsonl"
check "expired answer: the refresh and re-send are in --debug" \
    grep -q 'InvalidSecurityToken.Expired; keys refreshed, sending the request again' "$T/mq.err"
check "expired answer: no secret in any output" \
    no_text refreshShortSecret0000001 "$T/mq.err" "$T/mq.out" "$T/r2.csv"
finish
