/*
 * test_report.c - the report writer (report.c), its cell encoding
 * (csvout.c) and the strict reader of our own CSV (csvin.c).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csvin.h"
#include "csvout.h"
#include "cu.h"
#include "err.h"
#include "intent.h"
#include "tstamp.h"
#include "report.h"

/* {input, encoded cell} rows: neutralisation, then quoting. */
static const struct {
	const char *in;
	const char *want;
} cell_rows[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "GID_orders", "GID_orders" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "line1\nline2", "\"line1\nline2\"" },
	{ "cr\rinside", "\"cr\rinside\"" },
	{ "=1+1", "'=1+1" },
	{ "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
	{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
	{ "-cmd", "'-cmd" },
	{ "@SUM(A1:A9)", "'@SUM(A1:A9)" },
	{ "\tx", "'\tx" },
	{ "\rx", "\"'\rx\"" },
	{ "\tx\t", "\"'\tx\t\"" },
	/* A line break (or spaces) before the formula character. */
	{ "\n=HYPERLINK(\"http://x\")",
	  "\"'\n=HYPERLINK(\"\"http://x\"\")\"" },
	{ "\r\n=1+1", "\"'\r\n=1+1\"" },
	{ "\n+1", "\"'\n+1\"" },
	{ "\nplain", "\"'\nplain\"" },
	{ "\t=1", "'\t=1" },
	{ " =1+1", "' =1+1" },
	{ "  @SUM(A1)", "'  @SUM(A1)" },
	{ " -cmd", "' -cmd" },
	{ " \n=1", "\"' \n=1\"" },
	{ " -5", "\" -5\"" },
	{ " 'x", "\" 'x\"" },
	{ " ", "\" \"" },
	{ "-5", "-5" },
	{ "+3", "+3" },
	{ "-0.25", "-0.25" },
	{ "-5.", "'-5." },
	{ "-.5", "'-.5" },
	{ "-1+2", "'-1+2" },
	{ "-1e3", "'-1e3" },
	{ "-", "'-" },
	{ "+", "'+" },
	{ "'quoted", "''quoted" },
	{ "''", "'''" },
	{ "=a,b", "\"'=a,b\"" },
	{ " lead", "\" lead\"" },
	{ "trail ", "\"trail \"" },
	{ "in side", "in side" },
	{ "5-3", "5-3" },
	{ "a=b", "a=b" },
	{ "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c", "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c" },
	{ "=\xe4\xb8\x96", "'=\xe4\xb8\x96" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Collects records as "[c1|c2]" strings, and their lines. */
struct collect {
	struct buf text;   /* records */
	struct buf lines;  /* "L1,L2," */
	int decode;        /* csvout_decode() each cell */
};

static err_code
collect_record(void *arg, char **cells, size_t n, unsigned long line)
{
	struct collect *c = arg;
	size_t i;

	buf_putc(&c->text, '[');
	for (i = 0; i < n; i++) {
		if (c->decode)
			csvout_decode(cells[i]);
		if (i > 0)
			buf_putc(&c->text, '|');
		buf_puts(&c->text, cells[i]);
	}
	buf_putc(&c->text, ']');
	buf_printf(&c->lines, "%lu,", line);
	return ERR_OK;
}

/* Read `text` through csvin into *c; returns csvin_read's code. */
static err_code
read_text(const char *text, size_t len, struct collect *c,
    unsigned long *trunc, struct err *e)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	err_code rc;

	buf_init(&c->text, 1 << 20);
	buf_init(&c->lines, 1 << 20);
	if (len == 0) {
		/* fmemopen refuses a zero size on some libcs. */
		fp = fopen("/dev/null", "r");
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	rc = csvin_read(fp, "t.csv", collect_record, c, trunc, e);
	fclose(fp);
	return rc;
}

static void
test_cell_table(void)
{
	struct buf b;
	size_t i;

	buf_init(&b, 4096);
	for (i = 0; i < NELEM(cell_rows); i++) {
		buf_reset(&b);
		CU_ASSERT_EQUAL(csvout_cell(&b, cell_rows[i].in), ERR_OK);
		if (strcmp(buf_cstr(&b), cell_rows[i].want) != 0) {
			fprintf(stderr, "row %zu: got <%s> want <%s>\n", i,
			    buf_cstr(&b), cell_rows[i].want);
			CU_FAIL("cell encoding");
		}
	}
	buf_reset(&b);
	CU_ASSERT_EQUAL(csvout_cell(&b, NULL), ERR_OK);
	CU_ASSERT_EQUAL(b.len, 0);
	buf_free(&b);
}

/* Every table input survives encode -> csvin -> decode unchanged. */
static void
test_cell_round_trip(void)
{
	struct buf rec, want;
	struct collect c;
	const char *cells[3];
	unsigned long trunc;
	size_t i;

	buf_init(&rec, 4096);
	buf_init(&want, 4096);
	for (i = 0; i < NELEM(cell_rows); i++) {
		cells[0] = "k";
		cells[1] = cell_rows[i].in;
		cells[2] = "z";
		buf_reset(&rec);
		buf_reset(&want);
		CU_ASSERT_EQUAL(csvout_record(&rec, cells, 3), ERR_OK);
		buf_printf(&want, "[k|%s|z]", cell_rows[i].in);
		memset(&c, 0, sizeof c);
		c.decode = 1;
		CU_ASSERT_EQUAL(read_text(rec.data, rec.len, &c, &trunc,
		    NULL), ERR_OK);
		CU_ASSERT_EQUAL(trunc, 0);
		if (strcmp(buf_cstr(&c.text), buf_cstr(&want)) != 0) {
			fprintf(stderr, "row %zu: got <%s> want <%s>\n", i,
			    buf_cstr(&c.text), buf_cstr(&want));
			CU_FAIL("round trip");
		}
		buf_free(&c.text);
		buf_free(&c.lines);
	}
	buf_free(&rec);
	buf_free(&want);
}

/* {input, records, starting lines, truncated line, code} */
static const struct {
	const char *in;
	const char *records;
	const char *lines;
	unsigned long trunc;
	err_code rc;
} csvin_rows[] = {
	{ "a,b\nc,d\n", "[a|b][c|d]", "1,2,", 0, ERR_OK },
	{ "a,b\r\nc,d\r\n", "[a|b][c|d]", "1,2,", 0, ERR_OK },
	{ "\"x,y\",\"q\"\"\"\n", "[x,y|q\"]", "1,", 0, ERR_OK },
	{ "\"multi\nline\",z\nnext\n", "[multi\nline|z][next]", "1,3,", 0,
	    ERR_OK },
	{ "\n\na\n\r\nb\n", "[a][b]", "3,5,", 0, ERR_OK },
	{ "a,,\n", "[a||]", "1,", 0, ERR_OK },
	{ "\"\"\n", "[]", "1,", 0, ERR_OK },
	{ ",\n", "[|]", "1,", 0, ERR_OK },
	{ " a , b \n", "[ a | b ]", "1,", 0, ERR_OK },
	{ "\"a\"\"\",\"\n\"\n", "[a\"|\n]", "1,", 0, ERR_OK },
	{ "", "", "", 0, ERR_OK },
	{ "a,b\nc,d", "[a|b]", "1,", 2, ERR_OK },
	{ "a,b\n\"c\nd", "[a|b]", "1,", 2, ERR_OK },
	{ "a,b\nc,\"d\"", "[a|b]", "1,", 2, ERR_OK },
	{ "a,b\nc\r", "[a|b]", "1,", 2, ERR_OK },
	{ "a\"b\n", "", "", 0, ERR_PARSE },
	{ "\"a\"b\n", "", "", 0, ERR_PARSE },
	{ "a\rb\n", "", "", 0, ERR_PARSE },
	{ "ok\n\"a\" \n", "[ok]", "1,", 0, ERR_PARSE },
};

static void
test_csvin_table(void)
{
	struct collect c;
	unsigned long trunc;
	struct err e;
	size_t i;
	err_code rc;

	for (i = 0; i < NELEM(csvin_rows); i++) {
		memset(&c, 0, sizeof c);
		err_clear(&e);
		rc = read_text(csvin_rows[i].in, strlen(csvin_rows[i].in), &c,
		    &trunc, &e);
		CU_ASSERT_EQUAL(rc, csvin_rows[i].rc);
		if (rc == ERR_OK) {
			CU_ASSERT_EQUAL(trunc, csvin_rows[i].trunc);
			CU_ASSERT_STRING_EQUAL(buf_cstr(&c.lines),
			    csvin_rows[i].lines);
		} else
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "t.csv:"));
		if (strcmp(buf_cstr(&c.text), csvin_rows[i].records) != 0) {
			fprintf(stderr, "row %zu: got <%s> want <%s>\n", i,
			    buf_cstr(&c.text), csvin_rows[i].records);
			CU_FAIL("csvin records");
		}
		buf_free(&c.text);
		buf_free(&c.lines);
	}
}

/* {ms, text} rows: the report's time form (tstamp_format,
 * tstamp_parse_canonical). */
static const struct {
	int64_t ms;
	const char *text;
} time_rows[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 1717380000000LL, "2024-06-03T02:00:00.000Z" },
	{ 1717380000123LL, "2024-06-03T02:00:00.123Z" },
	{ 951782400000LL, "2000-02-29T00:00:00.000Z" },
	{ 946684799999LL, "1999-12-31T23:59:59.999Z" },
	{ 4102444800000LL, "2100-01-01T00:00:00.000Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
};

static const struct {
	const char *text;
	err_code rc;
	int64_t ms;
} parse_rows[] = {
	{ "1717380000000", ERR_OK, 1717380000000LL },
	{ "2024-06-03T02:00:00.000Z", ERR_OK, 1717380000000LL },
	{ "2024-06-03T10:00:00+08:00", ERR_PARSE, 0 },
	{ "2024-06-03T02:00:00Z", ERR_PARSE, 0 },
	{ "2023-02-29T00:00:00.000Z", ERR_PARSE, 0 },
	{ "2024-13-01T00:00:00.000Z", ERR_PARSE, 0 },
	{ "2024-06-03T24:00:00.000Z", ERR_PARSE, 0 },
	{ "2024-06-03t02:00:00.000Z", ERR_PARSE, 0 },
	{ "", ERR_PARSE, 0 },
	{ "-5", ERR_PARSE, 0 },
	{ "12345678901234567890", ERR_PARSE, 0 },
};

static void
test_time(void)
{
	char buf[TSTAMP_FMT_MAX];
	int64_t ms;
	size_t i;

	for (i = 0; i < NELEM(time_rows); i++) {
		CU_ASSERT_STRING_EQUAL(tstamp_format(time_rows[i].ms, buf),
		    time_rows[i].text);
		if (time_rows[i].ms >= 0) {
			CU_ASSERT_EQUAL(tstamp_parse_canonical(
			    time_rows[i].text, &ms), ERR_OK);
			CU_ASSERT_EQUAL(ms, time_rows[i].ms);
		}
	}
	for (i = 0; i < NELEM(parse_rows); i++) {
		ms = 0;
		CU_ASSERT_EQUAL(tstamp_parse_canonical(parse_rows[i].text,
		    &ms), parse_rows[i].rc);
		if (parse_rows[i].rc == ERR_OK)
			CU_ASSERT_EQUAL(ms, parse_rows[i].ms);
	}
}

static void
test_status_text(void)
{
	static const char *const want[REPORT_NSTATUS] = {
		"ok", "failed", "unknown", "not-run", "skipped", "dry-run"
	};
	enum report_status st;
	int i;

	for (i = 0; i < REPORT_NSTATUS; i++) {
		CU_ASSERT_STRING_EQUAL(report_status_text(
		    (enum report_status)i), want[i]);
		CU_ASSERT_EQUAL(report_status_parse(want[i], &st), ERR_OK);
		CU_ASSERT_EQUAL(st, (enum report_status)i);
	}
	CU_ASSERT_EQUAL(report_status_parse("OK", &st), ERR_PARSE);
	CU_ASSERT_EQUAL(report_status_parse("", &st), ERR_PARSE);
}

/* The golden rows: index order is plan order. */
static const char *const golden_extra_names[] = { "ticket", "note" };

static void
golden_row(size_t i, struct report_row *row, const char *const **extra)
{
	static const char *const ex[4][2] = {
		{ "CHG-1001", "owner: ops" },
		{ "CHG-1002", "=HYPERLINK(\"http://evil\")" },
		{ "-5", "two\nlines, \"quoted\"" },
		{ "@me", "" },
	};

	static struct plan_key keys[4];
	struct plan_key *k = &keys[i];

	memset(row, 0, sizeof *row);
	row->line = 2 + i * 2;
	k->instance = "MQ_INST_1234567890_BXmVKhcd";
	k->group = i == 3 ? "-GID_odd" : "GID_orders";
	k->topic = i == 1 ? "topic,with,commas" : "orders";
	k->type = i == 2 ? 0 : 1;
	k->reset_ms = i == 2 ? -1 : 1717380000000LL + (int64_t)i * 1000;
	row->key = k;
	row->http_status = 200;
	row->request_id = "9C4B3D2E-0000-4000-8000-00000000000";
	row->attempts = 1;
	row->latency_ms = 40 + (int64_t)i;
	row->finished_ms = 1717381000000LL + (int64_t)i;
	switch (i) {
	case 0:
		row->status = REPORT_OK;
		break;
	case 1:
		row->status = REPORT_FAILED;
		row->http_status = 400;
		row->error_code = "InvalidParameter";
		row->error_message = "=cmd|' /C calc'!A0";
		row->attempts = 1;
		break;
	case 2:
		row->status = REPORT_UNKNOWN;
		row->http_status = 0;
		row->request_id = NULL;
		row->error_code = "timeout";
		row->error_message = "no answer after sending; type 0 is "
		    "not retried";
		row->attempts = 1;
		break;
	case 3:
		row->status = REPORT_NOT_RUN;
		row->http_status = 0;
		row->request_id = NULL;
		row->attempts = 0;
		row->finished_ms = 0;
		break;
	}
	*extra = ex[i];
	row->extra = ex[i];
	row->nextra = 2;
}


/* Number of directory entries whose name contains `part`. */
static int
count_files(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, part) != NULL;
	closedir(d);
	return n;
}

/*
 * Write the outputs test_golden compares into DIR: the same rows in the
 * same order, streamed and finished.  `make golden` runs it
 * (test_report --write-golden tests/golden); it checks nothing, and
 * test_golden never writes, so a golden is never compared with itself.
 * Returns 0 when both files were written.
 */
static int
golden_write(const char *out)
{
	static const size_t order[] = { 2, 0, 3, 1 };
	char dir[256];
	const char *path;
	const char *const *extra;
	struct report_row row;
	struct report *r = NULL;
	struct err e;
	char *streamed = NULL, *got = NULL;
	size_t i;
	int bad;

	err_clear(&e);
	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "report.csv");
	bad = report_open(&r, path, 4, golden_extra_names, 2, 0, &e) !=
	    ERR_OK || report_publish(r, &e) != ERR_OK;
	for (i = 0; !bad && i < NELEM(order); i++) {
		golden_row(order[i], &row, &extra);
		bad = report_write(r, order[i], &row, &e) != ERR_OK;
	}
	if (!bad)
		bad = (streamed = cu_slurp(path, NULL)) == NULL ||
		    report_finish(r, &e) != ERR_OK;
	report_destroy(r);
	if (!bad)
		bad = (got = cu_slurp(path, NULL)) == NULL ||
		    cu_write(cu_path_in(out, "report-streamed.csv"),
		    streamed) != 0 ||
		    cu_write(cu_path_in(out, "report-basic.csv"), got) != 0;
	if (bad)
		fprintf(stderr, "test_report: cannot write the goldens: %s\n",
		    err_message(&e));
	else
		printf("wrote %s and %s\n",
		    cu_path_in(out, "report-streamed.csv"),
		    cu_path_in(out, "report-basic.csv"));
	free(streamed);
	free(got);
	cu_rmdir(dir);
	return bad;
}

static void
test_golden(void)
{
	static const size_t order[] = { 2, 0, 3, 1 };
	char dir[256];
	const char *path;
	const char *const *extra;
	struct report_row row;
	struct report *r = NULL;
	struct err e;
	char *got, *want, *streamed;
	size_t i, hdr_len;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "report.csv");
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 4, golden_extra_names, 2,
	    0, &e), ERR_OK);
	/* Staged under another name until published. */
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_EQUAL(count_files(dir, ".start-"), 1);
	CU_ASSERT_EQUAL_FATAL(report_publish(r, &e), ERR_OK);
	CU_ASSERT_EQUAL(count_files(dir, ".start-"), 0);
	/* The header is on disk before any row. */
	got = cu_slurp(path, &hdr_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "line,instance_id,group_id,topic,type,"
	    "reset_timestamp,status,http_status,request_id,error_code,"
	    "error_message,attempts,latency_ms,finished_at,ticket,note\n");
	free(got);
	for (i = 0; i < NELEM(order); i++) {
		golden_row(order[i], &row, &extra);
		CU_ASSERT_EQUAL(report_write(r, order[i], &row, &e), ERR_OK);
	}
	CU_ASSERT_EQUAL(report_count(r), 4);
	/* Streamed: completion order, already on disk (flushed). */
	streamed = cu_slurp(path, NULL);
	want = cu_slurp(cu_path("golden/report-streamed.csv"), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_STRING_EQUAL(streamed, want);
	free(want);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	report_destroy(r);
	got = cu_slurp(path, NULL);
	want = cu_slurp(cu_path("golden/report-basic.csv"), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_STRING_EQUAL(got, want);
	/* Same bytes, other order. */
	CU_ASSERT_EQUAL(strlen(got), strlen(streamed));
	CU_ASSERT_EQUAL(count_files(dir, ".sort-"), 0);
	free(got);
	free(want);
	free(streamed);
	cu_rmdir(dir);
}

static void
test_writer_errors(void)
{
	char dir[256];
	const char *path;
	const char *const *extra;
	struct report_row row;
	struct report *r = NULL;
	struct err e;
	char *before, *after;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "r.csv");
	CU_ASSERT_EQUAL(report_check_target(path, 0, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 3, NULL, 0, 0, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL_FATAL(report_publish(r, &e), ERR_OK);
	golden_row(0, &row, &extra);
	row.nextra = 0;
	CU_ASSERT_EQUAL(report_write(r, 3, &row, &e), ERR_INTERNAL);
	CU_ASSERT_EQUAL(report_write(r, 1, &row, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_write(r, 1, &row, &e), ERR_INTERNAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "written twice"));
	row.nextra = 2; /* the report has no extra columns */
	CU_ASSERT_EQUAL(report_write(r, 0, &row, &e), ERR_INTERNAL);
	row.nextra = 0;
	CU_ASSERT_EQUAL(report_write(r, 0, &row, &e), ERR_OK);
	/* Row 2 missing: finish refuses and keeps the streamed copy. */
	before = cu_slurp(path, NULL);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_INTERNAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "index 2"));
	CU_ASSERT_EQUAL(report_write(r, 2, &row, &e), ERR_BADSTATE);
	report_destroy(r);
	after = cu_slurp(path, NULL);
	CU_ASSERT_STRING_EQUAL(before, after);
	CU_ASSERT_EQUAL(count_files(dir, ".sort-"), 0);
	free(before);
	free(after);

	/* Existing report: refused without force, both at check and open. */
	r = NULL;
	CU_ASSERT_EQUAL(report_check_target(path, 0, &e), ERR_EXISTS);
	/* The way on is --resume, never a hint at --force (which would
	 * send every row again). */
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "--resume"));
	CU_ASSERT_PTR_NULL(strstr(e.msg, "--force"));
	CU_ASSERT_EQUAL(report_open(&r, path, 1, NULL, 0, 0, &e), ERR_EXISTS);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(report_check_target(path, REPORT_FORCE, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 1, NULL, 0, REPORT_FORCE,
	    &e), ERR_OK);
	CU_ASSERT_EQUAL(report_write(r, 0, &row, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	report_destroy(r);
	after = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(after, "\n2,MQ_INST"));
	CU_ASSERT_PTR_NULL(strstr(after, "\n2,MQ_INST") == NULL ? NULL :
	    strstr(strstr(after, "\n2,MQ_INST") + 1, "\n2,MQ_INST"));
	free(after);

	/* Not a regular file: refused even with --force, and never
	 * removed or replaced. */
	r = NULL;
	if (access("/dev/full", W_OK) == 0) {
		CU_ASSERT_EQUAL(report_open(&r, "/dev/full", 1, NULL, 0,
		    REPORT_FORCE, &e), ERR_USAGE);
		CU_ASSERT_PTR_NULL(r);
		CU_ASSERT_EQUAL(access("/dev/full", F_OK), 0);
	}

	/* A leftover journal of an interrupted run blocks too (the
	 * engine's check, intent.h), not the report's. */
	path = cu_path_in(dir, "other.csv");
	CU_ASSERT_EQUAL(intent_check_absent(path, 0, &e), ERR_OK);
	CU_ASSERT_EQUAL(cu_write(cu_path_in(dir, "other.csv.intent"), "x\n"), 0);
	CU_ASSERT_EQUAL(report_check_target(path, 0, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_check_absent(path, 0, &e), ERR_EXISTS);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "interrupted"));
	CU_ASSERT_EQUAL(intent_check_absent(path, INTENT_FORCE, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_check_target(cu_path_in(dir, "no/such/r.csv"),
	    0, &e), ERR_IO);
	cu_rmdir(dir);
}

/* Number of '\n' in s. */
static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/*
 * Staging: rows written before report_publish() (a resume's inherited
 * rows) never appear under the report's name without the others; an
 * unpublished stage is removed; a link is never written through.
 */
static void
test_staging(void)
{
	char dir[256], *got, *other;
	const char *path, *link_path, *target;
	const char *const *extra;
	struct report_row row;
	struct report *r = NULL;
	struct err e;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "r.csv");
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 3, NULL, 0, 0, &e),
	    ERR_OK);
	golden_row(0, &row, &extra);
	row.nextra = 0;
	CU_ASSERT_EQUAL(report_write(r, 0, &row, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_write(r, 2, &row, &e), ERR_OK);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_EQUAL(report_publish(r, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_publish(r, &e), ERR_OK); /* idempotent */
	got = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(count_lines(got), 3);
	free(got);
	CU_ASSERT_EQUAL(report_write(r, 1, &row, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	report_destroy(r);

	/* Destroyed before publishing: nothing left, nothing named. */
	r = NULL;
	path = cu_path_in(dir, "s.csv");
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 1, NULL, 0, 0, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(count_files(dir, ".start-"), 1);
	report_destroy(r);
	CU_ASSERT_EQUAL(count_files(dir, ".start-"), 0);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);

	/* The name taken meanwhile: publishing never replaces it. */
	r = NULL;
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 1, NULL, 0, 0, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(cu_write(path, "theirs\n"), 0);
	CU_ASSERT_EQUAL(report_publish(r, &e), ERR_EXISTS);
	report_destroy(r);
	got = cu_slurp(path, NULL);
	CU_ASSERT_STRING_EQUAL(got, "theirs\n");
	free(got);
	CU_ASSERT_EQUAL(count_files(dir, ".start-"), 0);

	/* A symbolic link: refused with or without force, target kept. */
	r = NULL;
	target = cu_path_in(dir, "target.txt");
	link_path = cu_path_in(dir, "link.csv");
	CU_ASSERT_EQUAL(cu_write(target, "keep\n"), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, link_path), 0);
	CU_ASSERT_EQUAL(report_open(&r, link_path, 1, NULL, 0, REPORT_FORCE,
	    &e), ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "symbolic link"));
	CU_ASSERT_EQUAL(report_open(&r, link_path, 1, NULL, 0, 0, &e),
	    ERR_USAGE);
	CU_ASSERT_PTR_NULL(r);
	other = cu_slurp(target, NULL);
	CU_ASSERT_STRING_EQUAL(other, "keep\n");
	free(other);
	CU_ASSERT_EQUAL(count_files(dir, ".start-"), 0);
	(void)unlink(link_path);
	cu_rmdir(dir);
}

/* Zero rows: a header-only report is still finalised. */
static void
test_empty_plan(void)
{
	char dir[256];
	const char *path;
	struct report *r = NULL;
	struct err e;
	char *got;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "r.csv");
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, 0, NULL, 0, 0, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	report_destroy(r);
	got = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(strncmp(got, "line,instance_id,", 17), 0);
	CU_ASSERT_EQUAL(strchr(got, '\n') - got + 1, (long)strlen(got));
	free(got);
	cu_rmdir(dir);
}

/* Many rows in a scrambled order come out in plan order. */
static void
test_many_scrambled(void)
{
	enum { N = 5000 };
	char dir[256], inst[32];
	const char *path;
	struct report_row row;
	struct plan_key key;
	struct report *r = NULL;
	struct err e;
	FILE *fp;
	char line[256];
	size_t i, k;
	unsigned long want = 1;
	int ok = 1;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "r.csv");
	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, N, NULL, 0, 0, &e),
	    ERR_OK);
	memset(&row, 0, sizeof row);
	memset(&key, 0, sizeof key);
	row.key = &key;
	key.instance = inst;
	key.group = "GID_x";
	key.topic = "t";
	key.type = 1;
	row.status = REPORT_DRY_RUN;
	for (k = 0; k < N; k++) {
		i = (k * 7919) % N; /* 7919 is prime: a permutation */
		row.line = i + 1;
		snprintf(inst, sizeof inst, "MQ_INST_%zu", i);
		key.reset_ms = 1717380000000LL + (int64_t)i;
		if (report_write(r, i, &row, &e) != ERR_OK)
			ok = 0;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	report_destroy(r);
	fp = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, fp));
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strtoul(line, NULL, 10) != want)
			ok = 0;
		want++;
	}
	fclose(fp);
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(want, N + 1);
	cu_rmdir(dir);
}

static CU_TestInfo report_tests[] = {
	{ "cell encoding table", test_cell_table },
	{ "cell round trip", test_cell_round_trip },
	{ "csvin table", test_csvin_table },
	{ "time format and parse", test_time },
	{ "status text", test_status_text },
	{ "golden: out of order, finalised", test_golden },
	{ "writer errors, exists, force", test_writer_errors },
	{ "empty plan", test_empty_plan },
	{ "staging, publish, links", test_staging },
	{ "many rows scrambled", test_many_scrambled },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "report", NULL, NULL, NULL, NULL, report_tests },
	CU_SUITE_INFO_NULL,
};

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-golden") == 0)
		return golden_write(argv[2]);
	return cu_main("test_report", suites);
}
