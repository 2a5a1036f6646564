#!/usr/bin/env bash
# bench/run.sh - `mqreset run` against the emulator: the account quota
# held against each kind of server-side limiter, client CPU against the
# reference client, rate accuracy, and the peak RSS of a 1M-row dry run.
# Figures are printed next to their targets; a figure never fails the
# bench, a broken run does.
#
#  1. Quota, for each limiter the emulator can enforce (--qps-window
#     token, fixed, sliding): 3,000 rows at --rate 100 against a limit of
#     100/s with 50+-20 ms latency (fault latency:ms=30,jitter=40), then
#     600 rows at --rate 10 against the documented 10/s.  From the
#     emulator's request log: accepted calls per second (accepted /
#     time from the first request to the last acceptance; target >= 97 %
#     of the limit), throttled replies (<= 0.5 % of requests) and those
#     in the first second (0).
#  2. Hints: the sliding run at 100/s again with --throttle-hint-ms 200:
#     requests that reached the server while a hint it had sent said
#     wait (arrived more than 2 ms after the hint went out, before it
#     expired; target 0).
#  3. CPU per request at 100/s over TLS (the token run at 100/s is made
#     over TLS): mqreset's whole process (validation, signing, TLS,
#     engine, report) against the reference client (bench/emu_load.c,
#     libcurl easy handles and signing only, paced at the same rate with
#     as many threads as workers, against a second emulator with the same
#     options, at the same time); target <= 1.3 x.
#  4. Rate accuracy at --rate 20, 200, 2000 (+-2 %): requests / elapsed
#     over ~10-15 s each, no latency, no server limit.
#  5. Peak RSS of a dry run of a 1,000,000-row plan (< 100 MiB).
# BENCH_QUICK=1 shrinks every run ~10x (smoke test of the script).
set -euo pipefail
: "${MQRESET:?}" "${MQRESET_EMULATOR:?}" "${BENCH_TMP:?}"
T=$BENCH_TMP/run
mkdir -p "$T"
q=${BENCH_QUICK:-0}
emu_pids=()
cleanup() {
	local p
	for p in "${emu_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	emu_pids=()
	return 0
}
trap cleanup EXIT
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET \
    ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE
export ALIBABA_CLOUD_CREDENTIALS_FILE=$T/creds

gen_plan() { # FILE ROWS
	awk -v n="$2" 'BEGIN {
		print "InstanceId,GroupId,Topic,Type,ResetTimestamp"
		for (i = 0; i < n; i++) {
			inst = "MQ_INST_1827364554637281_BXbench01"
			grp = sprintf("GID_bench_%06d", int(i / 4))
			top = sprintf("topic-%02d", i % 4)
			if (i % 5 == 0)
				printf "%s,%s,%s,0,\n", inst, grp, top
			else
				printf "%s,%s,%s,1,2024-06-03T10:00:00+08:00\n", inst, grp, top
		}
	}' >"$1"
}

emu() { # DIR PLAN ARGS...: start an emulator writing into DIR, set URL
	local dir=$1 plan=$2
	shift 2
	mkdir -p "$dir"
	rm -f "$dir/emu.out" "$dir/creds" "$dir/req.log"
	"$MQRESET_EMULATOR" --rehearse "$plan" --listen 127.0.0.1:0 \
	    --max-seconds 900 --write-credentials "$dir/creds" --quiet \
	    --request-log "$dir/req.log" "$@" \
	    >"$dir/emu.out" 2>"$dir/emu.err" &
	emu_pids+=($!)
	URL=
	for _ in $(seq 400); do
		URL=$(sed -n 's/^listening on //p' "$dir/emu.out" 2>/dev/null | head -n 1)
		[ -n "$URL" ] && return 0
		sleep 0.05
	done
	cat "$dir/emu.err" >&2
	return 1
}

# Figures of one run from the emulator's request log: LOG LIMIT LABEL.
quota_figures() {
	python3 - "$@" <<'PY'
import json, sys
log, limit, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rs = [json.loads(l) for l in open(log) if l.strip()]
rs = [r for r in rs if r.get("action") == "OnsConsumerResetOffset"]
rs.sort(key=lambda r: r["t_ms"])
if not rs:
    print("  %-24s no requests" % label)
    sys.exit(0)
t0 = rs[0]["t_ms"]
thr = [r for r in rs if r.get("code") == "Throttling.User"]
acc = [r for r in rs if r.get("status") == 200]
span = max(1, max(r["t_ms"] for r in acc) - t0) / 1000.0 if acc else 1
rate = len(acc) / span
first = sum(1 for r in thr if r["t_ms"] - t0 < 1000)
hints = [(r["t_done_ms"], r["t_done_ms"] + r["hint_ms"]) for r in thr
         if r.get("hint_ms", 0) > 0]
viol = sum(1 for r in rs
           if any(a + 2 < r["t_ms"] < b for a, b in hints))
print("  %-24s %6.2f accepted/s = %5.1f %% of the limit (>= 97 %%), "
      "throttled %d of %d = %.2f %% (<= 0.5 %%), %d in the first second (0)%s"
      % (label, rate, 100 * rate / limit, len(thr), len(rs),
         100.0 * len(thr) / len(rs), first,
         (", %d sent while a hint said wait (0)" % viol) if hints else ""))
PY
}

# One run of mqreset: DIR ROWS RATE KIND EMU_ARGS...; TLS when $TLS=1.
quota_run() {
	local dir=$1 rows=$2 rate=$3 kind=$4
	shift 4
	local tls=()
	[ "${TLS:-0}" = 1 ] && tls=(--cacert "$T/cert.pem")
	gen_plan "$dir.csv" "$rows"
	emu "$dir" "$dir.csv" --qps-window "$kind" \
	    --qps-action "OnsConsumerResetOffset=$rate" --threads 4 \
	    --fault latency:ms=30,jitter=40 "$@"
	export ALIBABA_CLOUD_CREDENTIALS_FILE=$dir/creds
	rm -f "$dir/r.csv"
	/usr/bin/time -f '%e %U %S %M' -o "$dir/time" \
	    "$MQRESET" run "$dir.csv" --report "$dir/r.csv" --execute \
	    --endpoint "$URL" "${tls[@]}" --rate "$rate" --workers 8 \
	    --quiet --summary-json "$dir/s.json" || true
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
cc -Iinclude/common -D_GNU_SOURCE -std=c11 -O2 -pthread -o "$T/emu_load" \
    bench/emu_load.c "$BUILD/libcommon.a" -lcurl -lssl -lcrypto -lpthread
workers=8

# 1 and 3. The quota at 100/s under each limiter (token over TLS, with
# the reference client alongside), then at 10/s.
n=$(( q == 1 ? 300 : 3000 ))
echo "quota: $n rows at --rate 100, limit 100/s, latency 50+-20 ms, $workers workers"
for kind in token fixed sliding; do
	if [ "$kind" = token ]; then
		gen_plan "$T/ref.csv" "$n"
		emu "$T/ref" "$T/ref.csv" --qps-window token \
		    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
		    --qps-action OnsConsumerResetOffset=100 --threads 4 \
		    --fault latency:ms=30,jitter=40
		/usr/bin/time -f '%e %U %S %M' -o "$T/time_ref" \
		    "$T/emu_load" "$URL/" "$T/ref/creds" "$workers" $((n / 100)) \
		    MQ_INST_1827364554637281_BXbench01 GID_bench_000000 topic-00 \
		    100 "$T/cert.pem" >"$T/ref.out" 2>"$T/ref.err" &
		ref_pid=$!
		TLS=1 quota_run "$T/q100_$kind" "$n" 100 "$kind" \
		    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
		wait "$ref_pid" || true
	else
		quota_run "$T/q100_$kind" "$n" 100 "$kind"
	fi
	cleanup
	quota_figures "$T/q100_$kind/req.log" 100 "$kind$([ "$kind" = token ] && echo ' (TLS)')"
done
read -r wall user sys rss <"$T/q100_token/time"
read -r rwall ruser rsys rrss <"$T/time_ref"
python3 - "$T/q100_token/s.json" "$wall" "$user" "$sys" "$rwall" "$ruser" \
    "$rsys" "$(cat "$T/ref.out")" "$workers" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
wall, user, sysc, rwall, ruser, rsys = map(float, sys.argv[2:8])
ref = dict(kv.split("=") for kv in sys.argv[8].split())
workers = int(sys.argv[9])
me = 1e6 * (user + sysc) / max(1, s["requests"])
them = 1e6 * (ruser + rsys) / max(1, int(ref["requests"]))
print("  CPU per request at 100/s over TLS: mqreset %.0f us (%.2f s / %d requests,"
      " %.1f s wall), reference client %.0f us (%.2f s / %s requests): %.2f x"
      " (target <= 1.3 x)" % (me, user + sysc, s["requests"], wall, them,
                              ruser + rsys, ref["requests"], me / them))
print("  TLS handshakes %d for %d workers (target =); rows ok %d; rate cuts %d,"
      " final rate %.1f" % (s["connections"], workers, s["status"]["ok"],
                            s["rate_cuts"], s["final_rate"]))
PY
n=$(( q == 1 ? 60 : 600 ))
echo "quota: $n rows at --rate 10, limit 10/s (the documented quota), latency 50+-20 ms"
for kind in token fixed sliding; do
	quota_run "$T/q10_$kind" "$n" 10 "$kind"
	cleanup
	quota_figures "$T/q10_$kind/req.log" 10 "$kind"
done

# 2. Throttle hints honoured (a sliding window throttles most).
n=$(( q == 1 ? 300 : 3000 ))
echo "hints: $n rows at --rate 100, sliding limit 100/s, --throttle-hint-ms 200"
quota_run "$T/qh" "$n" 100 sliding --throttle-hint-ms 200
cleanup
quota_figures "$T/qh/req.log" 100 "sliding, hints on"

# 4. Rate accuracy.
echo "rate accuracy (requests / elapsed, no latency, no server limit; target +-2 %;"
echo "  the pace is 1.5 % under --rate by design, see mqreset(1)):"
for spec in "20 300 8" "200 3000 8" "2000 20000 16"; do
	read -r rate rows w <<<"$spec"
	[ "$q" = 1 ] && rows=$((rows / 10))
	gen_plan "$T/pr.csv" "$rows"
	emu "$T/emu" "$T/pr.csv" --qps-action OnsConsumerResetOffset=0 --threads 4
	export ALIBABA_CLOUD_CREDENTIALS_FILE=$T/emu/creds
	rm -f "$T/rr.csv"
	"$MQRESET" run "$T/pr.csv" --report "$T/rr.csv" --execute \
	    --endpoint "$URL" --rate "$rate" --workers "$w" --quiet \
	    --summary-json "$T/sr.json" || true
	python3 - "$T/sr.json" "$rate" "$rows" "$w" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
want, rows, w = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
got = s["mean_rate"]
print("  --rate %-5g %6d rows %2d workers: %9.2f req/s  (%+.2f %%), %d ok, %d throttled"
      % (want, rows, w, got, 100.0 * (got - want) / want, s["status"]["ok"],
         s["throttled"]))
PY
done
cleanup

# 5. Peak RSS of a 1M-row dry run.
n=$(( q == 1 ? 100000 : 1000000 ))
gen_plan "$T/p1m.csv" "$n"
export ALIBABA_CLOUD_CREDENTIALS_FILE=$T/creds
printf '[default]\ntype = access_key\naccess_key_id = LTAI5tBenchDryRun0001\naccess_key_secret = benchDryRunSecret000000001\n' >"$T/creds"
chmod 600 "$T/creds"
/usr/bin/time -f '%e %M' -o "$T/time3" \
    "$MQRESET" run "$T/p1m.csv" --report "$T/r3.csv" \
    --endpoint http://127.0.0.1:9 --quiet || true
read -r wall rss <"$T/time3"
echo "dry run of a $n-row plan: $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') MiB peak RSS (target < 100 MiB), $wall s, $(($(wc -l <"$T/r3.csv") - 1)) report rows"
rm -f "$T"/p1m.csv "$T"/r3.csv
