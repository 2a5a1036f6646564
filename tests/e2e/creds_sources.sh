#!/usr/bin/env bash
# tests/e2e/creds_sources.sh - the credential chain, source by source,
# against the emulator's STS (--sts) and metadata service (--metadata):
# environment, OIDC, the aliyun CLI config (AK, StsToken, RamRoleArn,
# ChainableRamRoleArn, EcsRamRole, OIDC), ~/.alibabacloud/credentials
# (access_key, ram_role_arn, ecs_ram_role), the ECS metadata service
# (IMDSv2, and --imdsv2-only), a credentials URI; each through `whoami`
# and a small run.  Then the fall-through cases, an explicit --profile
# that does not fall through, and exit 3 naming what each source said.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"

ROLE=acs:ram::1234567890123456:role/mqreset-operator
AK=LTAI5tSourcesE2e00001
SK=sourcesE2eSecret000000001
make_plan "$T/plan.csv" 3 3
cat >"$T/state.json" <<JSON
{
  "Owner": "1234567890123456",
  "Roles": ["$ROLE"],
  "Credentials": [ { "AccessKeyId": "$AK", "AccessKeySecret": "$SK" } ]
}
JSON
start_emu "$T/plan.csv" --state "$T/state.json" --qps 1000 --sts --metadata
mkdir -p "$HOME/.aliyun" "$HOME/.alibabacloud"
CLI=$HOME/.aliyun/config.json
INI=$HOME/.alibabacloud/credentials
# No default INI file from the rehearsal: each case writes what it uses.
export ALIBABA_CLOUD_CREDENTIALS_FILE=$INI
printf 'eyJhbGciOiJSUzI1NiJ9.e2e.token\n' >"$T/oidc.jwt"
n=0

# cli_profile MODE JSON_FIELDS: ~/.aliyun/config.json with one current
# profile "ops" (plus an AK profile "base" for source_profile).
cli_profile() {
	cat >"$CLI" <<JSON
{"current": "ops", "profiles": [
  {"name": "base", "mode": "AK", "access_key_id": "$AK", "access_key_secret": "$SK"},
  {"name": "ops", "mode": "$1", $2}]}
JSON
	chmod 600 "$CLI"
}
ini_profile() { printf '[default]\n%s\n' "$1" >"$INI"; chmod 600 "$INI"; }
clean() { rm -f "$CLI" "$INI"; }

# who NAME KIND [ARGS...]: whoami exits 0 with this kind (its output
# kept in who.out, who.err); then a run with the same options applies
# every row.
who() {
	local name=$1 kind=$2; shift 2
	n=$((n + 1))
	mq RUN_ST whoami --sts-endpoint "$EMU_URL" \
	    --metadata-endpoint "$EMU_URL" "$@"
	expect_status "$name: whoami exits 0" 0
	check "$name: whoami says kind $kind" has_text "$T/mq.out" "kind: $kind"
	check "$name: whoami shows no secret" no_text "$SK" "$T/mq.out" "$T/mq.err"
	cp "$T/mq.out" "$T/who.out"; cp "$T/mq.err" "$T/who.err"
	run_exec "$T/plan.csv" "$T/r$n.csv" --rate 100 --again \
	    --sts-endpoint "$EMU_URL" --metadata-endpoint "$EMU_URL" "$@"
	expect_status "$name: run exits 0" 0
	check "$name: 6 ok rows" statuses "$T/r$n.csv" ok 6
}

# 1. Environment.
clean
ALIBABA_CLOUD_ACCESS_KEY_ID=$AK ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SK \
    who "environment" static
check "environment: whoami names the source" has_text "$T/who.out" "source: environment"

# 2. OIDC from the environment.
ALIBABA_CLOUD_ROLE_ARN=$ROLE \
    ALIBABA_CLOUD_OIDC_PROVIDER_ARN=acs:ram::1234567890123456:oidc-provider/e2e \
    ALIBABA_CLOUD_OIDC_TOKEN_FILE=$T/oidc.jwt who "OIDC env" sts-oidc
check "OIDC env: the role is shown" has_text "$T/who.out" "role: $ROLE"

# 3. The aliyun CLI config, mode by mode.
cli_profile AK "\"access_key_id\": \"$AK\", \"access_key_secret\": \"$SK\""
who "CLI AK" static
cli_profile RamRoleArn "\"access_key_id\": \"$AK\", \"access_key_secret\": \"$SK\",
  \"ram_role_arn\": \"$ROLE\", \"ram_session_name\": \"e2e\", \"expired_seconds\": 900"
who "CLI RamRoleArn" sts-assume-role
check "CLI RamRoleArn: role and expiry shown" \
    has_text "$T/who.out" "role: $ROLE" "security_token: yes" "expires: 20"
cli_profile ChainableRamRoleArn "\"source_profile\": \"base\", \"ram_role_arn\": \"$ROLE\""
who "CLI ChainableRamRoleArn" sts-assume-role
cli_profile EcsRamRole "\"ram_role_name\": \"mqreset-operator\""
who "CLI EcsRamRole" ecs-ram-role
cli_profile OIDC "\"ram_role_arn\": \"$ROLE\", \"oidc_provider_arn\": \"acs:ram::1:oidc-provider/e2e\",
  \"oidc_token_file\": \"$T/oidc.jwt\""
who "CLI OIDC" sts-oidc
# ALIBABA_CLOUD_CONFIG_FILE moves the file.
mv "$CLI" "$T/elsewhere.json"
ALIBABA_CLOUD_CONFIG_FILE=$T/elsewhere.json who "ALIBABA_CLOUD_CONFIG_FILE" sts-oidc

# 4. ~/.alibabacloud/credentials, type by type.
clean
ini_profile "type = access_key
access_key_id = $AK
access_key_secret = $SK"
who "INI access_key" static
ini_profile "type = ram_role_arn
access_key_id = $AK
access_key_secret = $SK
role_arn = $ROLE
role_session_name = e2e"
who "INI ram_role_arn" sts-assume-role
ini_profile "type = ecs_ram_role
role_name = mqreset-operator"
who "INI ecs_ram_role" ecs-ram-role

# 5. The ECS metadata service (the role name asked of the service).
clean
ALIBABA_CLOUD_ECS_METADATA_DISABLED= who "ECS metadata" ecs-ram-role
check "ECS metadata: the role name comes from the service" \
    has_text "$T/who.out" "role: mqreset-operator"

# 6. A credentials URI.
ALIBABA_CLOUD_CREDENTIALS_URI=$EMU_URL/latest/meta-data/ram/security-credentials/mqreset-operator \
    who "credentials URI" credentials-uri

# 7. Fall-through: the current CLI profile fails (a role STS does not
# know), the INI file's [default] works; whoami -v shows both answers.
cli_profile RamRoleArn "\"access_key_id\": \"$AK\", \"access_key_secret\": \"$SK\",
  \"ram_role_arn\": \"acs:ram::1234567890123456:role/nobody\""
ini_profile "type = access_key
access_key_id = $AK
access_key_secret = $SK"
who "fall-through: bad CLI role, then INI" static -v
check "fall-through: INI used, the CLI failure reported" \
    has_text "$T/who.err" "EntityNotExist.Role" "$INI: ok"
# A RamRoleArn profile current and a valid [default]: the role is used.
cli_profile RamRoleArn "\"access_key_id\": \"$AK\", \"access_key_secret\": \"$SK\",
  \"ram_role_arn\": \"$ROLE\""
who "RamRoleArn current and a valid [default]" sts-assume-role
# Broken environment (key id without secret) falls through too.
ALIBABA_CLOUD_ACCESS_KEY_ID=$AK who "half environment falls through" sts-assume-role

# 8. An explicit --profile does not fall through.
cli_profile RamRoleArn "\"access_key_id\": \"$AK\", \"access_key_secret\": \"$SK\",
  \"ram_role_arn\": \"acs:ram::1234567890123456:role/nobody\""
mq RUN_ST whoami --profile ops --sts-endpoint "$EMU_URL"
expect_status "explicit --profile failing: exit 3" 3
check "explicit --profile: its own failure is the answer" \
    has_text "$T/mq.err" "EntityNotExist.Role"
check "explicit --profile: INI [default] not used" no_text "$INI: ok" "$T/mq.err"
mq RUN_ST whoami --profile missing
expect_status "explicit --profile missing: exit 3" 3

# 9. Nothing works: exit 3, every source's answer listed.
clean
mq RUN_ST whoami
expect_status "no source: whoami exits 3" 3
check "no source: each source said something" has_text "$T/mq.err" \
    "environment: not set" "OIDC: not set" "$CLI: no such file" \
    "$INI: no such file" "ECS metadata: disabled" \
    "ALIBABA_CLOUD_CREDENTIALS_URI: not set"
run_exec "$T/plan.csv" "$T/r-none.csv" --again
expect_status "no source: run exits 3" 3

# 10. Plain http:// to a host that is not loopback is refused.
mq RUN_ST whoami --sts-endpoint http://sts.example.com
expect_status "plain http STS endpoint: exit 2" 2
mq RUN_ST whoami --metadata-endpoint http://10.1.2.3
expect_status "plain http metadata endpoint: exit 2" 2
emu_stop

# 11. A metadata service that insists on IMDSv2 tokens.
start_emu "$T/plan.csv" --state "$T/state.json" --qps 1000 --metadata \
    --imdsv2-only
ALIBABA_CLOUD_ECS_METADATA_DISABLED= ALIBABA_CLOUD_IMDSV1_DISABLED=true \
    who "IMDSv2 only" ecs-ram-role
check "IMDSv2 only: a GET without a token is refused" \
    test "$(curl -s -o /dev/null -w '%{http_code}' \
    "$EMU_URL/latest/meta-data/ram/security-credentials/")" = 401
finish
