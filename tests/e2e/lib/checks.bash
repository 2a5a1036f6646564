# tests/e2e/lib/checks.bash - named assertions for the end-to-end tests,
# so that a case reads `check NAME statuses "$T/r.csv" ok 3` instead of
# an escaped `bash -c "[ \"\$(python3 ...)\" ... ]"`.  Each helper is a
# command: it succeeds when the assertion holds and prints why not
# otherwise (check shows that output).  Needs rc (lib/run.bash).

# statuses REPORT STATUS N [STATUS N ...]: exactly N rows per STATUS.
statuses() { rc status "$@"; }

# cells REPORT LINE COLUMN=VALUE...: the row of plan line LINE has these
# cells; VALUE "*" is any non-empty one, COLUMN~TEXT a cell holding TEXT.
cells() { rc field-is "$@"; }

# summary_has FILE KEY=VALUE|KEY>=N|KEY<=N...: values of a summary JSON
# (KEY.SUBKEY for nested ones, e.g. status.ok=30).
summary_has() { rc json-is "$@"; }

# applied_count JOURNAL N: the emulator applied exactly N resets.
applied_count() { rc applied "$@"; }

# applied_once REPORT JOURNAL: every ok row applied exactly once under its
# RequestId, nothing else applied.
applied_once() { rc journal-once "$@"; }

# cleared_once JOURNAL: no type 0 row applied twice.
cleared_once() { rc type0-once "$@"; }

# absent FILE: FILE does not exist.
absent() { if [ -e "$1" ]; then echo "$1 exists"; return 1; fi; }

# no_text TEXT FILE...: TEXT (a fixed string) is in none of the files.
no_text() {
	local t=$1; shift
	if grep -lF -- "$t" "$@" 2>/dev/null; then
		echo "found in the files above"; return 1
	fi
	return 0
}

# has_text FILE TEXT...: every TEXT (a fixed string) is in FILE.
has_text() {
	local f=$1 t; shift
	for t in "$@"; do
		grep -qF -- "$t" "$f" || { echo "no '$t' in $f"; return 1; }
	done
}

# lines_with FILE TEXT N: exactly N lines of FILE hold TEXT.
lines_with() {
	local n
	n=$(grep -cF -- "$2" "$1" || true)
	[ "$n" = "$3" ] || { echo "$1: $n lines hold '$2', expected $3"; return 1; }
}

# count_at_least FILE_A TEXT_A FILE_B TEXT_B: FILE_A has at least as many
# lines holding TEXT_A as FILE_B has lines holding TEXT_B.
count_at_least() {
	local a b
	a=$(grep -cF -- "$2" "$1" || true)
	b=$(grep -cF -- "$4" "$3" || true)
	[ "$a" -ge "$b" ] || { echo "$1: $a '$2', $3: $b '$4'"; return 1; }
}

# all_of CMD ARGS... [';' CMD ARGS...]...: every command succeeds (run in
# order; the first failure ends it).  Pass ';' quoted.
all_of() {
	local -a cmd=()
	while [ $# -gt 0 ]; do
		if [ "$1" = ";" ]; then
			"${cmd[@]}" || return 1
			cmd=()
		else
			cmd+=("$1")
		fi
		shift
	done
	[ ${#cmd[@]} -eq 0 ] || "${cmd[@]}"
}
