#!/usr/bin/env bash
# bench/report.sh - the report writer at 1,000,000 rows: rows written out
# of order and flushed one by one, the final pass into plan order, and the
# --resume reader over the result.  Prints time and peak RSS per row
# (target from issue 6: peak RSS of `run` on a 1M-row plan under 100 MiB,
# a fixed base plus a few tens of bytes per row).  Never fails on a figure.
set -euo pipefail
BUILD=${BUILD:-build}
ROWS=${REPORT_BENCH_ROWS:-1000000}
tmp=${BENCH_TMP:-$(mktemp -d)}
work=$(mktemp -d "$tmp/report.XXXXXX")
trap 'rm -rf "$work"' EXIT
${CC:-cc} -std=c11 -O2 -Iinclude/common -Iinclude/mqreset -D_GNU_SOURCE \
    -o "$work/report_bench" bench/report_bench.c "$BUILD/libmqreset.a" \
    "$BUILD/libcommon.a" -lcurl -lssl -lcrypto -lcsv -lcjson -lpthread -lm
for order in near random; do
	"$work/report_bench" "$work" "$ROWS" "$order"
	echo "  report size: $(du -h "$work/report.csv" | cut -f1)"
	rm -f "$work/report.csv"
done
