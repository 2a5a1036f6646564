# tests/e2e/lib/emulator.bash - helpers for end-to-end tests of
# mqreset-emulator, sourced by tests/e2e/emulator*.sh.
#
# The signing functions are an independent, "official SDK style"
# implementation of the Alibaba Cloud RPC signature (v1, HMAC-SHA1) and
# of ACS3-HMAC-SHA256 (v3) with openssl(1), od(1) and base64(1): they share
# no code with src/common/sign.c, so a request they sign and the emulator accepts
# proves both sides follow the published algorithm.  The secrets used are
# throwaway emulator keys; `openssl dgst -hmac` needs the key as an
# argument, which is acceptable for them and never done with real ones.

# No test may reach the credential chain's metadata service (outside the
# machine); the credential tests that want it give it a loopback endpoint.
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true

# RFC 3986 percent-encoding of $1, byte by byte (UTF-8 safe: the C
# locale makes bash see bytes), without subshells.
emu_pe() {
	local LC_ALL=C s=$1 out="" c h i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) printf -v h '%%%02X' "'$c"; out+=$h ;;
		esac
	done
	printf '%s' "$out"
}

# emu_timestamp [OFFSET_SECONDS]: ISO 8601 UTC, as the SDKs send it.
emu_timestamp() {
	date -u -d "@$(( $(date +%s) + ${1:-0} ))" +%Y-%m-%dT%H:%M:%SZ
}

emu_nonce() { openssl rand -hex 16; }

# emu_sign_v1 METHOD SECRET NAME=VALUE...: prints the query string
# (sorted, encoded) with &Signature=... appended.  Values are raw.
emu_sign_v1() {
	local method=$1 secret=$2; shift 2
	local kv canon="" sts sig
	local -a pairs=()
	for kv in "$@"; do
		pairs+=("$(emu_pe "${kv%%=*}")=$(emu_pe "${kv#*=}")")
	done
	canon=$(printf '%s\n' "${pairs[@]}" | LC_ALL=C sort | paste -sd '&')
	sts="$method&%2F&$(emu_pe "$canon")"
	sig=$(printf '%s' "$sts" | openssl dgst -sha1 -hmac "$secret&" -binary |
	    base64)
	printf '%s&Signature=%s' "$canon" "$(emu_pe "$sig")"
}

# emu_common KEYID ACTION [TIMESTAMP_OFFSET]: the common v1 parameters.
emu_common() {
	printf '%s\n' "AccessKeyId=$1" "Action=$2" "Format=JSON" \
	    "SignatureMethod=HMAC-SHA1" "SignatureNonce=$(emu_nonce)" \
	    "SignatureVersion=1.0" "Timestamp=$(emu_timestamp "${3:-0}")" \
	    "Version=2019-02-14"
}

# emu_scratch: a scratch directory $tmp with EMU_DIR=$tmp/emu in it, for
# a script that starts its own emulator; at exit the emulator is stopped
# and $tmp removed (KEEP_T=1 keeps it).  Call at the top level.
emu_scratch() {
	tmp=$(mktemp -d)
	EMU_DIR=$tmp/emu
	mkdir -p "$EMU_DIR"
	EMU_PID=
	trap emu_scratch_cleanup EXIT
}
emu_scratch_cleanup() {
	if [ -n "${EMU_PID:-}" ]; then
		kill -TERM "$EMU_PID" 2>/dev/null || true
		wait "$EMU_PID" 2>/dev/null || true
	fi
	if [ -n "${KEEP_T:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

# emu_start ARGS...: start the emulator (time-limited), wait for its
# "listening on URL" line, set EMU_URL and EMU_PID.  Logs in $EMU_DIR.
emu_start() {
	: "${EMU_DIR:?}"
	# A previous run's line must not be mistaken for this one's.
	rm -f "$EMU_DIR/emu.out" "$EMU_DIR/emu.err"
	EMU_URL=
	"$MQRESET_EMULATOR" --max-seconds "${EMU_MAX_SECONDS:-300}" "$@" \
	    >"$EMU_DIR/emu.out" 2>"$EMU_DIR/emu.err" &
	EMU_PID=$!
	local i
	for ((i = 0; i < 400; i++)); do
		if [ -s "$EMU_DIR/emu.out" ]; then
			EMU_URL=$(head -n 1 "$EMU_DIR/emu.out" |
			    sed -n 's/^listening on //p')
			[ -n "$EMU_URL" ] && return 0
		fi
		kill -0 "$EMU_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "emulator did not start:" >&2
	cat "$EMU_DIR/emu.err" >&2
	return 1
}

# emu_stop: SIGTERM and wait; a non-zero exit (a crash, or a sanitizer or
# valgrind finding when MQRESET_EMULATOR wraps one) is a failed check.
emu_stop() {
	[ -n "${EMU_PID:-}" ] || return 0
	kill -TERM "$EMU_PID" 2>/dev/null || true
	local rc=0
	wait "$EMU_PID" || rc=$?
	EMU_PID=
	if [ $rc -ne 0 ]; then
		bad "emulator exit status" "$rc: $(tail -n 20 "$EMU_DIR/emu.err")"
	fi
	return $rc
}

# emu_get QUERY: GET $EMU_URL/?QUERY; body in $EMU_DIR/body, prints status.
emu_get() {
	curl -sS ${EMU_CURL_OPTS:-} -o "$EMU_DIR/body" -w '%{http_code}' \
	    "$EMU_URL/?$1"
}

# emu_post FORM: POST form body; body in $EMU_DIR/body, prints status.
emu_post() {
	curl -sS ${EMU_CURL_OPTS:-} -o "$EMU_DIR/body" -w '%{http_code}' \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data-binary "$1" "$EMU_URL/"
}

# emu_json_get FILE EXPR: a value from JSON with python3 (tests only).
emu_json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}

# emu_sign_v3 METHOD SECRET KEYID ACTION HOST BODY [QUERY_KV...]: prints
# curl arguments (one per line: -H lines, then the URL query) for an
# ACS3-HMAC-SHA256 request; parameters go in the query, as the SDK for
# Ons sends them (BODY is then "").  Extra headers to sign may be given
# in EMU_V3_EXTRA ("name:value" lines); a non-empty BODY is accepted by
# the service only with its content-type signed, e.g.
# EMU_V3_EXTRA="content-type:application/x-www-form-urlencoded".
emu_sign_v3() {
	local method=$1 secret=$2 keyid=$3 action=$4 host=$5 body=$6; shift 6
	local kv canon hash date nonce creq sts sig
	local -a pairs=() hdrs=()
	for kv in "$@"; do
		pairs+=("$(emu_pe "${kv%%=*}")=$(emu_pe "${kv#*=}")")
	done
	canon=$(printf '%s\n' "${pairs[@]}" | LC_ALL=C sort | paste -sd '&')
	hash=$(printf '%s' "$body" | openssl dgst -sha256 -r | cut -d' ' -f1)
	date=$(emu_timestamp "${EMU_V3_OFFSET:-0}")
	nonce=$(emu_nonce)
	hdrs=("host:$host" "x-acs-action:$action" "x-acs-content-sha256:$hash"
	    "x-acs-date:$date" "x-acs-signature-nonce:$nonce"
	    "x-acs-version:2019-02-14")
	if [ -n "${EMU_V3_EXTRA:-}" ]; then
		while IFS= read -r kv; do hdrs+=("$kv"); done <<<"$EMU_V3_EXTRA"
	fi
	local sorted signed
	sorted=$(printf '%s\n' "${hdrs[@]}" | LC_ALL=C sort)
	signed=$(cut -d: -f1 <<<"$sorted" | paste -sd ';')
	creq=$(printf '%s\n/\n%s\n%s\n\n%s\n%s' "$method" "$canon" "$sorted" \
	    "$signed" "$hash")
	sts=$(printf 'ACS3-HMAC-SHA256\n%s' \
	    "$(printf '%s' "$creq" | openssl dgst -sha256 -r | cut -d' ' -f1)")
	sig=$(printf '%s' "$sts" | openssl dgst -sha256 -hmac "$secret" -r |
	    cut -d' ' -f1)
	while IFS= read -r kv; do
		[ "${kv%%:*}" = host ] && continue
		printf -- '-H\n%s: %s\n' "${kv%%:*}" "${kv#*:}"
	done <<<"$sorted"
	printf -- '-H\nAuthorization: ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s\n' \
	    "$keyid" "$signed" "$sig"
	printf '%s\n' "$canon"
}

# Test bookkeeping: ok NAME / bad NAME DETAIL, then emu_summary.
EMU_PASSED=0
EMU_FAILED=0
ok() { EMU_PASSED=$((EMU_PASSED + 1)); echo "ok   $1"; }
bad() { EMU_FAILED=$((EMU_FAILED + 1)); echo "FAIL $1: ${2:-}"; }
# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want '$2', got '$3'"; fi
}
emu_summary() {
	echo "$EMU_PASSED passed, $EMU_FAILED failed"
	[ "$EMU_FAILED" -eq 0 ]
}

# emu_export_creds FILE: export ALIBABA_CLOUD_ACCESS_KEY_ID and
# ALIBABA_CLOUD_ACCESS_KEY_SECRET from a --write-credentials file, so a
# client under test gets its key from the environment, never from argv.
#   emu_start --state samples/emulator-state.json \
#       --write-credentials "$EMU_DIR/creds.ini"
#   emu_export_creds "$EMU_DIR/creds.ini"
#   "$MQRESET" reset --endpoint "$EMU_URL" ... --execute
emu_export_creds() {
	ALIBABA_CLOUD_ACCESS_KEY_ID=$(sed -n 's/^access_key_id = //p' "$1")
	ALIBABA_CLOUD_ACCESS_KEY_SECRET=$(sed -n 's/^access_key_secret = //p' "$1")
	export ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET
}
