#!/usr/bin/env bash
# tests/e2e/run_endpoint.sh - where `mqreset run` and `mqreset reset` send
# their calls: no silent default region (exit 2 saying how to set one, a
# dry run included: it signs for the endpoint it names), the region from
# --region, ALIBABA_CLOUD_REGION_ID or the profile, --endpoint-type vpc,
# the SDK's exceptions to ons.REGION.aliyuncs.com, --endpoint needing no
# region; and the v3 wire shape (every parameter in the query, empty
# body) accepted by the emulator for every row.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

make_plan "$T/plan.csv" 6 6
start_emu "$T/plan.csv" --qps 1000
ROW=(--instance "$RUN_INSTANCE" --group GID_g_c000 --topic t00 --clear)

# No region anywhere (the test library sets one for the other tests).
saved_region=$ALIBABA_CLOUD_REGION_ID
unset ALIBABA_CLOUD_REGION_ID

mq RUN_ST run "$T/plan.csv" --report "$T/none.csv"
expect_status "run without region or endpoint (dry run): exit 2" 2
check "run without region: says how to set one" \
    has_text "$T/mq.err" 'no region' --region ALIBABA_CLOUD_REGION_ID \
    '--endpoint URL'
mq RUN_ST run "$T/plan.csv" --report "$T/none2.csv" --execute
expect_status "run --execute without region or endpoint: exit 2" 2
check "run --execute without region: nothing applied" \
    rc applied "$T/journal.jsonl" 0
mq RUN_ST reset "${ROW[@]}"
expect_status "reset without region or endpoint: exit 2" 2
check "reset without region: says how to set one" \
    grep -q ALIBABA_CLOUD_REGION_ID "$T/mq.err"

# --endpoint needs no region.
run_exec "$T/plan.csv" "$T/ep.csv" --rate 500
expect_status "run --endpoint without a region: exit 0" 0
check "run --endpoint: 12 ok rows, each applied once" \
    rc journal-once "$T/ep.csv" "$T/journal.jsonl"

# Where the region comes from, and which host it gives: the dry run (the
# preflight) names the endpoint it could not reach.  Its HTTPS goes to a
# proxy on a loopback port nothing listens on, so nothing leaves the
# machine (exit 3, the preflight could not run).
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
where() { # NAME WANT-URL ARGS...
	local name=$1 want=$2; shift 2
	rm -f "$T/w.csv"
	https_proxy=http://127.0.0.1:$DEAD_PORT mq RUN_ST run "$T/plan.csv" \
	    --report "$T/w.csv" "$@"
	check "$name: exit 3" test "$RUN_ST" = 3
	check "$name: $want" grep -qE "endpoint ${want//./\\.}\$" "$T/mq.err"
}
where "--region" https://ons.cn-shanghai.aliyuncs.com --region cn-shanghai
where "--region, vpc" https://ons-vpc.cn-shanghai.aliyuncs.com \
    --region cn-shanghai --endpoint-type vpc
where "--region, public" https://ons.eu-central-1.aliyuncs.com \
    --region eu-central-1 --endpoint-type public
where "finance region" https://ons.aliyuncs.com --region cn-beijing-finance-1
where "-oxs region, vpc" https://ons.ap-northeast-1.aliyuncs.com \
    --region eu-west-1-oxs --endpoint-type vpc
export ALIBABA_CLOUD_REGION_ID=ap-southeast-1
where "ALIBABA_CLOUD_REGION_ID" https://ons.ap-southeast-1.aliyuncs.com
where "--region over the environment" https://ons.cn-qingdao.aliyuncs.com \
    --region cn-qingdao
unset ALIBABA_CLOUD_REGION_ID
# The profile's region_id (the shared credentials file's section).
cp "$T/creds" "$T/creds.orig"
printf 'region_id = cn-wuhan\n' >>"$T/creds"
where "profile region_id (gov/internal: central host)" https://ons.aliyuncs.com
ALIBABA_CLOUD_REGION_ID=cn-hongkong where "environment over the profile" \
    https://ons.cn-hongkong.aliyuncs.com
cp "$T/creds.orig" "$T/creds"

mq RUN_ST run "$T/plan.csv" --report "$T/t.csv" --region cn-hangzhou \
    --endpoint-type intranet
expect_status "--endpoint-type intranet: exit 2" 2
mq RUN_ST run "$T/plan.csv" --report "$T/t.csv" --endpoint "$EMU_URL" \
    --endpoint-type vpc
expect_status "--endpoint with --endpoint-type: exit 2" 2
mq RUN_ST reset "${ROW[@]}" --region cn-shanghai --endpoint-type vpc
expect_status "reset --endpoint-type vpc (dry run): exit 0" 0
check "reset --endpoint-type vpc: names the VPC host" \
    grep -qF https://ons-vpc.cn-shanghai.aliyuncs.com "$T/mq.out"
export ALIBABA_CLOUD_REGION_ID=$saved_region

# v3 as the SDK sends it, POST and GET, every row applied once.  Each
# against a fresh emulator, its report in its own directory (a run
# refuses a plan applied by a report next to its own: ep.csv above).
mkdir -p "$T/v3" "$T/v3g"
start_emu "$T/plan.csv" --qps 1000
run_exec "$T/plan.csv" "$T/v3/v3.csv" --rate 500 --signature-version 3
expect_status "v3 POST (query, empty body): exit 0" 0
check "v3 POST: each row applied once" \
    rc journal-once "$T/v3/v3.csv" "$T/journal.jsonl"
start_emu "$T/plan.csv" --qps 1000
run_exec "$T/plan.csv" "$T/v3g/v3g.csv" --rate 500 --signature-version 3 \
    --method GET
expect_status "v3 GET: exit 0" 0
check "v3 GET: each row applied once" \
    rc journal-once "$T/v3g/v3g.csv" "$T/journal.jsonl"

finish
