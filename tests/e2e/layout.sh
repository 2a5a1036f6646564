#!/usr/bin/env bash
# tests/e2e/layout.sh - the folders show the architecture: src/common
# includes only common headers, src/mqreset (the tool) never an emulator
# header, src/emulator never a tool header; tests of the emulator
# (test_emu_*) include no tool header and the others no emulator header.
# The build enforces the same (each folder is compiled with its own
# include path only); this names the offending line.
set -u
cd "$(dirname "$0")/../.."
passed=0; failed=0
# check NAME FILES... : every project include of FILES is in ALLOWED dirs.
check_dir() {
	local name=$1 allowed=$2; shift 2
	local f inc bad=""
	for f in "$@"; do
		[ -f "$f" ] || continue
		while IFS= read -r inc; do
			local h=${inc#*\"}; h=${h%\"*}
			local ok=0 d
			for d in $allowed; do
				[ -f "include/$d/$h" ] && ok=1
			done
			# Headers next to the file (tests' cu.h, fuzz.h) are fine.
			[ -f "$(dirname "$f")/$h" ] && ok=1
			[ $ok = 1 ] || bad+="$f: #include \"$h\" (not in include/{${allowed// /,}})"$'\n'
		done < <(grep -E '^#include "' "$f")
	done
	if [ -z "$bad" ]; then
		passed=$((passed + 1)); echo "ok   $name"
	else
		failed=$((failed + 1)); echo "FAIL $name"; printf '%s' "$bad" | head -20
	fi
}
check_dir "common includes only common" "common" src/common/*.c include/common/*.h
check_dir "the tool includes no emulator header" "common mqreset" \
    src/mqreset/*.c include/mqreset/*.h
check_dir "the emulator includes no tool header" "common emulator" \
    src/emulator/*.c include/emulator/*.h
check_dir "emulator unit tests include no tool header" "common emulator" \
    tests/unit/test_emu_*.c
emu_tests=$(ls tests/unit/test_emu_*.c)
other_tests=$(ls tests/unit/test_*.c | grep -v -F "$emu_tests")
# shellcheck disable=SC2086
check_dir "tool unit tests include no emulator header" "common mqreset" \
    $other_tests
# Every source file is in one of the three folders.
stray=$(find src include -maxdepth 1 -type f)
if [ -z "$stray" ]; then passed=$((passed + 1)); echo "ok   no file outside the three folders"
else failed=$((failed + 1)); echo "FAIL files outside the three folders:"; echo "$stray"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
