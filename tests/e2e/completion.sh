#!/usr/bin/env bash
# tests/e2e/completion.sh - `mqreset completion bash|zsh|fish`: the bash
# script loads in a fresh bash and completes a command, an option, an
# option's fixed values and a file; the zsh and fish scripts parse when
# those shells are installed; a wrong shell is exit 2.
set -euo pipefail
: "${MQRESET:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "     $l"; done; }

"$MQRESET" completion bash >"$tmp/mqreset.bash"

# complete WORD... : load the script in a clean bash, complete the last
# word of "mqreset WORD...", print the candidates one a line.
complete_words() {
	(cd "$tmp" && env -i PATH="$PATH" bash --norc --noprofile -c '
		source ./mqreset.bash
		COMP_WORDS=(mqreset "$@")
		COMP_CWORD=$#
		_mqreset
		printf "%s\n" "${COMPREPLY[@]}"' complete "$@")
}

expect_has() { # NAME WANT WORD...
	local name=$1 want=$2; shift 2
	local got
	got=$(complete_words "$@" 2>&1) || true
	if printf '%s\n' "$got" | grep -qxF -- "$want"; then ok "$name"; else
		fail "$name" "no '$want' in: $(printf '%s' "$got" | tr '\n' ' ')"; fi
}
expect_not() { # NAME UNWANTED WORD...
	local name=$1 bad=$2; shift 2
	if complete_words "$@" | grep -qxF -- "$bad"; then
		fail "$name" "'$bad' offered"; else ok "$name"; fi
}

if (cd "$tmp" && bash --norc --noprofile -c 'source ./mqreset.bash && complete -p mqreset') \
    >"$tmp/out" 2>&1 && grep -q "_mqreset" "$tmp/out"; then
	ok "the bash script loads and registers _mqreset"
else
	fail "the bash script loads" "$(head -c 400 "$tmp/out")"
fi
expect_has "a command: val -> validate" validate val
expect_has "a command: com -> completion" completion com
expect_not "no option where the command goes" --report --rep
expect_has "an option of run: --rep -> --report" --report run plan.csv --rep
expect_has "a global option before the command does not hide it" \
    --execute -v run --exe
expect_not "an option of another command is not offered" --report \
    validate --rep
expect_has "fixed values: validate --format j -> json" json validate \
    --format j
expect_has "completion's shells" fish completion f
touch "$tmp/plan.csv"
expect_has "a file after --report" plan.csv run --report pl
expect_not "nothing after --rate" plan.csv run --rate pl

for sh in zsh fish; do
	if command -v "$sh" >/dev/null 2>&1; then
		"$MQRESET" completion "$sh" >"$tmp/mqreset.$sh"
		if "$sh" -n "$tmp/mqreset.$sh" 2>"$tmp/err"; then
			ok "the $sh script parses"
		else
			fail "the $sh script parses" "$(head -c 400 "$tmp/err")"
		fi
	else
		passed=$((passed + 1)); echo "skipped: $sh not installed"
	fi
done
# Into a file first: `| grep -q` would stop reading at the first match
# and, with pipefail, mqreset's SIGPIPE would fail the check at random.
"$MQRESET" completion fish >"$tmp/mqreset.fish.out"
grep -q -- "-l report -s o -r -F" "$tmp/mqreset.fish.out" &&
    ok "fish: --report takes a file" || fail "fish: --report takes a file"

st=0; "$MQRESET" completion tcsh >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 2 ] && grep -q "unknown shell 'tcsh'" "$tmp/err" &&
    ok "an unknown shell: exit 2" || fail "an unknown shell: exit 2" "exit $st"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
