#!/usr/bin/env bash
# tests/e2e/run_files.sh - the files `mqreset run` writes: never through a
# symbolic link or to a non-regular file (the report, the intent journal,
# --summary-json; with or without --force: exit 2, the target unchanged,
# nothing sent), and a report whose derived paths (REPORT.intent, .lock,
# .start-XXXXXX, .sort-XXXXXX) would be longer than NAME_MAX is refused
# before any request.
set -euo pipefail
. "$(dirname "$0")/lib/run.bash"
. "$LIBDIR/files.bash"

make_plan "$T/plan.csv" 3 3
start_emu "$T/plan.csv" --qps 1000
P=$T/plan.csv
EX=(--execute --endpoint "$EMU_URL" --rate 200)
# precious FILE: a file mqreset must not touch.
precious() { printf 'precious %s\n' "$1" >"$1"; }

# 1. The report is a symbolic link.
precious "$T/keep1"
ln -s "$T/keep1" "$T/r1.csv"
mq_marked RUN_ST run "$P" --report "$T/r1.csv" --force "${EX[@]}"
check "report symlink, --force --execute: exit 2" exit_is 2
check "report symlink, --force: target unchanged" \
    content_is "$T/keep1" "precious $T/keep1"
check "report symlink, --force: still the link" link_to "$T/r1.csv" "$T/keep1"
check "report symlink, --force: nothing sent" nothing_sent
precious "$T/keep1"
mq_marked RUN_ST run "$P" --report "$T/r1.csv" --force --offline
check "report symlink, --force dry run: exit 2" exit_is 2
check "report symlink, --force dry run: target unchanged" \
    content_is "$T/keep1" "precious $T/keep1"
precious "$T/keep1"
mq_marked RUN_ST run "$P" --report "$T/r1.csv" "${EX[@]}"
check "report symlink, no --force: exit 2" exit_is 2
check "report symlink, no --force: target unchanged" \
    content_is "$T/keep1" "precious $T/keep1"
# A dangling link: following it would create the target.
ln -s "$T/made-through-link" "$T/r2.csv"
mq_marked RUN_ST run "$P" --report "$T/r2.csv" --force "${EX[@]}"
check "dangling report symlink, --force: exit 2" exit_is 2
check "dangling report symlink, --force: no target created" \
    absent "$T/made-through-link"
check "dangling report symlink: nothing sent" nothing_sent

# 2. The intent journal is a symbolic link.
precious "$T/keep2"
ln -s "$T/keep2" "$T/r3.csv.intent"
mq_marked RUN_ST run "$P" --report "$T/r3.csv" --force "${EX[@]}"
check "intent symlink, --force --execute: exit 2" exit_is 2
check "intent symlink, --force: target unchanged" \
    content_is "$T/keep2" "precious $T/keep2"
check "intent symlink, --force: still the link" \
    link_to "$T/r3.csv.intent" "$T/keep2"
check "intent symlink, --force: nothing sent" nothing_sent
precious "$T/keep2"
mq_marked RUN_ST run "$P" --report "$T/r3.csv" "${EX[@]}"
check "intent symlink, no --force: exit 2" exit_is 2
check "intent symlink, no --force: target unchanged" \
    content_is "$T/keep2" "precious $T/keep2"

# 3. --summary-json is a symbolic link.
precious "$T/keep3"
ln -s "$T/keep3" "$T/r4.json"
mq_marked RUN_ST run "$P" --report "$T/r4.csv" --summary-json "$T/r4.json" "${EX[@]}"
check "--summary-json symlink: exit 2" exit_is 2
check "--summary-json symlink: target unchanged" \
    content_is "$T/keep3" "precious $T/keep3"
check "--summary-json symlink: still the link" link_to "$T/r4.json" "$T/keep3"
check "--summary-json symlink: nothing sent" nothing_sent
rm -f "$T/r4.csv" "$T/r4.csv.intent"
precious "$T/keep3"
mq_marked RUN_ST run "$P" --report "$T/r4.csv" --summary-json "$T/r4.json" --force --offline
check "--summary-json symlink, --force dry run: exit 2" exit_is 2
check "--summary-json symlink, --force dry run: target unchanged" \
    content_is "$T/keep3" "precious $T/keep3"

# 4. Not regular files: a character device as the report, a directory as
#    the intent journal.
if mknod "$T/r5.csv" c 1 3 2>/dev/null; then
	mq_marked RUN_ST run "$P" --report "$T/r5.csv" --force "${EX[@]}"
	check "report is a character device, --force: exit 2" exit_is 2
	check "report is a character device: left alone" char_device "$T/r5.csv"
	check "report is a character device: nothing sent" nothing_sent
else
	skip "report is a character device" "mknod not permitted"
fi
mkdir "$T/r6.csv.intent"
mq_marked RUN_ST run "$P" --report "$T/r6.csv" --force "${EX[@]}"
check "intent journal is a directory, --force: exit 2" exit_is 2
check "intent journal is a directory: nothing sent" nothing_sent

# 5. Report names of 246..255 bytes: some derived name would pass
#    NAME_MAX (255); refused before any request.
long_name() { # N: a file name of N bytes ending in .csv
	local s
	printf -v s '%*s' $(($1 - 4)) ''
	printf '%s.csv' "${s// /r}"
}
for n in 246 250 253 255; do
	f="$T/$(long_name $n)"
	mq_marked RUN_ST run "$P" --report "$f" "${EX[@]}"
	check "report name of $n bytes: exit 2" exit_is 2
	check "report name of $n bytes: nothing sent" nothing_sent
done
# The same for a resumed run (its report is staged under REPORT.start-*).
# (A dry run's rows are all sent again on resume.)
mq RUN_ST run "$P" --report "$T/prev.csv" --offline
f="$T/$(long_name 248)"
mq_marked RUN_ST run "$P" --report "$f" --resume "$T/prev.csv" "${EX[@]}"
check "resumed run, report name of 248 bytes: exit 2" exit_is 2
check "resumed run, report name of 248 bytes: nothing sent" nothing_sent
# A name of 232 bytes leaves room for every derived name: it works.
emu_stop >/dev/null || true
start_emu "$P" --qps 1000
EX=(--execute --endpoint "$EMU_URL" --rate 200)
f="$T/$(long_name 232)"
mq_marked RUN_ST run "$P" --report "$f" "${EX[@]}"
check "report name of 232 bytes: exit 0" exit_is 0
check "report name of 232 bytes: complete" complete "$f" "$P"
check "report name of 232 bytes: every row applied once" applied_once "$f"
check "report name of 232 bytes: no temporary file left" \
    no_temp_files "$T" "$(long_name 232)"

finish
