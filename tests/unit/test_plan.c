/*
 * test_plan.c - plan files: timestamps, identifiers, duplicate set,
 * diagnostics sink, header mapping, the streaming reader, validation.
 *
 * Most tests are tables of {input, expected}.  Plans are written to a
 * temporary directory (removed at the end); diagnostics are collected and
 * rendered as "LINE:COL: severity: message" lines so a row's expectation
 * is one string.  "Now" is fixed (2026-01-01T00:00:00Z).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cu.h"
#include "diag.h"
#include "dupset.h"
#include "ident.h"
#include "msg.h"
#include "plan.h"
#include "tstamp.h"

#define NOW INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

static char tdir[256];
static int tfile_seq;

static int
suite_init(void)
{
	const char *d = cu_tmpdir();

	if (d == NULL)
		return -1;
	snprintf(tdir, sizeof tdir, "%s", d);
	return 0;
}

static int
suite_clean(void)
{
	char path[512];
	int i;

	for (i = 0; i < tfile_seq; i++) {
		snprintf(path, sizeof path, "%s/p%d.csv", tdir, i);
		unlink(path);
	}
	rmdir(tdir);
	return 0;
}

/* Write content to a fresh file; returns a static path. */
static const char *
tplan(const char *content)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/p%d.csv", tdir, tfile_seq++);
	CU_ASSERT_FATAL(cu_write(path, content) == 0);
	return path;
}

/* Render collected diagnostics, one "L:C: sev: msg" line each. */
static void
render_diags(const struct diag *d, struct buf *out)
{
	size_t i;

	for (i = 0; i < diag_count(d); i++) {
		const struct diag_entry *de = diag_entry_at(d, i);

		buf_printf(out, "%lu:%lu: %s: %s\n", de->line, de->col,
		    de->severity == DIAG_ERROR ? "error" : "warning",
		    de->message);
	}
}

/*
 * Validate `csv`; returns the rendered diagnostics (malloc'd) and fills
 * *c and *rc.
 */
static char *
validate_text(const char *csv, const char *instance, struct plan_counts *c,
    err_code *rc)
{
	struct plan_options o;
	struct diag *d = diag_new("t.csv", DIAG_COLLECT, 0);
	struct buf out;
	struct err e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	memset(&o, 0, sizeof o);
	o.instance = instance;
	o.now_ms = NOW;
	o.diag = d;
	buf_init(&out, 1 << 20);
	*rc = plan_validate(tplan(csv), &o, c, &e);
	render_diags(d, &out);
	diag_destroy(d);
	return buf_steal(&out);
}

/* ---- timestamps ------------------------------------------------------ */

static const struct {
	const char *in;   /* timestamp text */
	int64_t ms;       /* expected value when ok */
	const char *err;  /* substring of the reason, NULL when ok */
} tstamp_rows[] = {
	{ "1717380000000", INT64_C(1717380000000), NULL },
	{ "946684800000", INT64_C(946684800000), NULL },     /* 12 digits */
	{ "946684799999", 0, "before 2000-01-01" },
	{ "1717380000", 0, "looks like seconds, not milliseconds" },
	{ "0000000000", 0, "looks like seconds" },
	{ "1717380000000000", 0, "microseconds" },
	{ "1717380000000000000", 0, "nanoseconds" },
	{ "99999999999999999999", 0, "too large" },
	{ "123", 0, "before 2000-01-01" },
	{ "1767225900000", INT64_C(1767225900000), NULL },   /* now + 5 min */
	{ "1767225900001", 0, "more than 5 minutes in the future" },
	{ "2024-06-03T10:00:00+08:00", INT64_C(1717380000000), NULL },
	{ "2024-06-03T02:00:00Z", INT64_C(1717380000000), NULL },
	{ "2024-06-03t02:00:00z", INT64_C(1717380000000), NULL },
	{ "2024-06-03 02:00:00Z", INT64_C(1717380000000), NULL },
	{ "2024-06-03T10:00:00+05:45", INT64_C(1717388100000), NULL },
	{ "2023-12-31T23:59:59-12:00", INT64_C(1704110399000), NULL },
	{ "2024-06-03T02:00:00-00:00", INT64_C(1717380000000), NULL },
	{ "2024-06-03T02:00:00.5Z", INT64_C(1717380000500), NULL },
	{ "2024-06-03T02:00:00.123Z", INT64_C(1717380000123), NULL },
	{ "2024-06-03T02:00:00,25Z", INT64_C(1717380000250), NULL },
	{ "2024-06-03T02:00:00.123456789Z", INT64_C(1717380000123), NULL },
	{ "2024-06-03T02:00:00.1234567890Z", 0, "more than 9 fractional" },
	{ "2024-06-03T02:00:00.Z", 0, "digits after the decimal point" },
	{ "2024-02-29T12:00:00Z", INT64_C(1709208000000), NULL }, /* leap */
	{ "2000-02-29T00:00:00Z", INT64_C(951782400000), NULL },  /* leap */
	{ "2023-02-29T12:00:00Z", 0, "day 29 out of range for 2023-02" },
	{ "2100-02-29T00:00:00Z", 0, "day 29 out of range" },     /* not leap */
	{ "2024-04-31T00:00:00Z", 0, "day 31 out of range" },
	{ "2024-13-01T00:00:00Z", 0, "month 13 out of range" },
	{ "2024-00-01T00:00:00Z", 0, "month 00 out of range" },
	{ "2024-06-00T00:00:00Z", 0, "day 00 out of range" },
	{ "2024-06-03T24:00:00Z", 0, "hour 24 out of range" },
	{ "2024-06-03T10:60:00Z", 0, "minute 60 out of range" },
	{ "2024-06-03T10:00:60Z", 0, "leap second" },
	{ "2024-06-03T10:00:00", 0, "ambiguous time zone" },
	{ "2024-06-03T10:00:00.250", 0, "ambiguous time zone" },
	{ "2024-06-03", 0, "a date without a time" },
	{ "2024-06-03T10:00+08:00", 0, "seconds are required" },
	{ "2024-06-03T10:00:00+0800", 0, "with a colon" },
	{ "2024-06-03T10:00:00+8:00", 0, "+HH:MM" },
	{ "2024-06-03T10:00:00+24:00", 0, "offset +24:00 out of range" },
	{ "2024-06-03T10:00:00 UTC", 0, "where the offset" },
	{ "2024-06-03T10:00:00Zjunk", 0, "after the offset" },
	{ "2024-06-03X10:00:00Z", 0, "expected 'T'" },
	{ "1999-12-31T23:59:59Z", 0, "before 2000-01-01" },
	{ "2000-01-01T08:00:00+08:00", INT64_C(946684800000), NULL },
	{ "2026-01-01T08:05:00+08:00", INT64_C(1767225900000), NULL },
	{ "2026-01-01T00:05:00.001Z", 0, "more than 5 minutes in the future" },
	{ "2090-01-01T00:00:00Z", 0, "in the future" },
	{ "-1717380000000", 0, "signed number" },
	{ "+1717380000000", 0, "signed number" },
	{ "1717380000000.5", 0, "whole number" },
	{ "06/03/2024 10:00", 0, "not a timestamp" },
	{ "yesterday", 0, "not a timestamp" },
	{ "", 0, "empty timestamp" },
};

static void
test_tstamp_table(void)
{
	size_t i;

	for (i = 0; i < sizeof tstamp_rows / sizeof tstamp_rows[0]; i++) {
		struct err e;
		int64_t ms = -7;
		err_code rc;

		err_clear(&e);
		rc = tstamp_parse(tstamp_rows[i].in, NOW, &ms, &e);
		if (tstamp_rows[i].err == NULL) {
			if (rc != ERR_OK || ms != tstamp_rows[i].ms)
				printf("\nrow %zu '%s': rc %d ms %lld (%s)\n", i,
				    tstamp_rows[i].in, rc, (long long)ms, e.msg);
			CU_ASSERT_EQUAL(rc, ERR_OK);
			CU_ASSERT_EQUAL(ms, tstamp_rows[i].ms);
		} else {
			if (rc != ERR_PARSE ||
			    strstr(e.msg, tstamp_rows[i].err) == NULL)
				printf("\nrow %zu '%s': rc %d '%s'\n", i,
				    tstamp_rows[i].in, rc, e.msg);
			CU_ASSERT_EQUAL(rc, ERR_PARSE);
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg,
			    tstamp_rows[i].err));
			CU_ASSERT_EQUAL(ms, -7); /* untouched on error */
		}
	}
}

static void
test_tstamp_format(void)
{
	static const struct {
		int64_t ms;
		const char *out;
	} rows[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ INT64_C(1717380000123), "2024-06-03T02:00:00.123Z" },
		{ INT64_C(951782400000), "2000-02-29T00:00:00.000Z" },
		{ INT64_C(4107542399999), "2100-02-28T23:59:59.999Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
		{ INT64_C(253402300800000), "out-of-range" },
	};
	char buf[TSTAMP_FMT_MAX];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CU_ASSERT_STRING_EQUAL(tstamp_format(rows[i].ms, buf),
		    rows[i].out);
}

/* Every day from 2000 to 2100 formats and parses back to itself. */
static void
test_tstamp_roundtrip(void)
{
	char buf[TSTAMP_FMT_MAX];
	int64_t ms, back, bad = 0;
	struct err e;

	for (ms = TSTAMP_MIN_MS; ms < INT64_C(4102444800000);
	    ms += INT64_C(86400000) + 1234) {
		tstamp_format(ms, buf);
		if (tstamp_parse_syntax(buf, &back, &e) != ERR_OK ||
		    back != ms)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- identifiers ----------------------------------------------------- */

static const struct {
	enum ident_kind kind;
	const char *in;
	enum ident_verdict v;
	const char *why; /* substring, NULL for OK */
} ident_rows[] = {
	{ IDENT_INSTANCE, "MQ_INST_1234567890123456_BXhgfe12", IDENT_OK, NULL },
	{ IDENT_INSTANCE, "MQ_INST_111111111111_DOxxxxxx", IDENT_OK, NULL },
	{ IDENT_INSTANCE, "MQ_INST_abc_BX", IDENT_WARNING, "MQ_INST_<digits>" },
	{ IDENT_INSTANCE, "MQ_INST_123_", IDENT_WARNING, "MQ_INST_<digits>" },
	{ IDENT_INSTANCE, "MQ_INST_123_B-X", IDENT_WARNING, "MQ_INST_" },
	/* ApsaraMQ for RocketMQ 5.x: another product, another API. */
	{ IDENT_INSTANCE, "rmq-cn-7mz2xk4ab01", IDENT_ERROR, "belongs to "
	  "ApsaraMQ for RocketMQ 5.x: OnsConsumerResetOffset serves 4.x "
	  "instances only; 5.x instances use a different API (RocketMQ "
	  "2022-08-01, ResetConsumeOffset)" },
	{ IDENT_INSTANCE, "rmq-cn-", IDENT_ERROR, "RocketMQ 5.x" },
	{ IDENT_INSTANCE, "rmq-cn-ab_c", IDENT_ERROR, "RocketMQ 5.x" },
	{ IDENT_INSTANCE, "RMQ-CN-7MZ2", IDENT_ERROR, "RocketMQ 5.x" },
	{ IDENT_INSTANCE, "rmq-sg-7mz2", IDENT_ERROR, "ResetConsumeOffset" },
	{ IDENT_INSTANCE, "rmq", IDENT_WARNING, "is unusual" },
	{ IDENT_INSTANCE, "my-instance", IDENT_WARNING, "is unusual: "
	  "expected MQ_INST_<digits>_<letters/digits>" },
	{ IDENT_INSTANCE, "inst.1", IDENT_WARNING, "contains '.'" },
	{ IDENT_INSTANCE, "", IDENT_ERROR, "is empty" },
	{ IDENT_INSTANCE, "MQ_INST_1_A\tB", IDENT_ERROR, "control character "
	  "(byte 12)" },
	{ IDENT_GROUP, "GID_orders_consumer", IDENT_OK, NULL },
	{ IDENT_GROUP, "GID-orders-consumer", IDENT_OK, NULL },
	{ IDENT_GROUP, "GID_a", IDENT_OK, NULL },
	{ IDENT_GROUP, "GID_", IDENT_WARNING, "nothing follows" },
	{ IDENT_GROUP, "orders_consumer", IDENT_WARNING, "GID_ or GID-" },
	{ IDENT_GROUP, "gid_orders", IDENT_WARNING, "GID_ or GID-" },
	{ IDENT_GROUP, "GID_orders.v2", IDENT_WARNING, "contains '.'" },
	{ IDENT_GROUP, "GID_\xe8\xae\xa2\xe5\x8d\x95", IDENT_WARNING,
	  "non-ASCII" },
	{ IDENT_GROUP, "%RETRY%GID_orders", IDENT_WARNING, "retry" },
	{ IDENT_GROUP, "G", IDENT_WARNING, "1 character long" },
	{ IDENT_GROUP, "GID_0123456789012345678901234567890123456789"
	  "012345678901234567890", IDENT_WARNING, "65 characters long" },
	{ IDENT_GROUP, "GID_orders consumer", IDENT_ERROR, "space (byte 11)" },
	{ IDENT_GROUP, "GID_\x7f", IDENT_ERROR, "control character" },
	{ IDENT_GROUP, "GID_\xff", IDENT_ERROR, "not valid UTF-8 (byte 5)" },
	{ IDENT_GROUP, "GID_\xc0\xaf", IDENT_ERROR, "not valid UTF-8" },
	{ IDENT_GROUP, "GID_\xed\xa0\x80", IDENT_ERROR, "not valid UTF-8" },
	{ IDENT_GROUP, "GID_\xe8\xae", IDENT_ERROR, "not valid UTF-8" },
	{ IDENT_GROUP, "", IDENT_ERROR, "is empty" },
	{ IDENT_TOPIC, "orders-topic", IDENT_OK, NULL },
	{ IDENT_TOPIC, "trade_settlement_v2", IDENT_OK, NULL },
	{ IDENT_TOPIC, "ab", IDENT_WARNING, "2 characters long" },
	{ IDENT_TOPIC, "GID_orders", IDENT_WARNING, "group ID in the topic" },
	{ IDENT_TOPIC, "CID_orders", IDENT_WARNING, "starts with CID" },
	{ IDENT_TOPIC, "%DLQ%GID_orders", IDENT_WARNING, "dead-letter" },
	{ IDENT_TOPIC, "orders/eu", IDENT_WARNING, "contains '/'" },
	{ IDENT_TOPIC, "orders\r", IDENT_ERROR, "control character (byte 7)" },
	{ IDENT_TOPIC, "", IDENT_ERROR, "is empty" },
};

static void
test_ident_table(void)
{
	char why[256];
	size_t i;

	for (i = 0; i < sizeof ident_rows / sizeof ident_rows[0]; i++) {
		enum ident_verdict v;

		v = ident_check(ident_rows[i].kind, ident_rows[i].in, why,
		    sizeof why);
		if (v != ident_rows[i].v || (ident_rows[i].why != NULL &&
		    strstr(why, ident_rows[i].why) == NULL))
			printf("\nrow %zu: verdict %d '%s'\n", i, v, why);
		CU_ASSERT_EQUAL(v, ident_rows[i].v);
		if (ident_rows[i].why == NULL) {
			CU_ASSERT_STRING_EQUAL(why, "");
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr(why, ident_rows[i].why));
		}
	}
}

static void
test_ident_limits(void)
{
	char s[300], why[256];

	memset(s, 'a', sizeof s);
	memcpy(s, "GID_", 4);
	s[255] = '\0';
	CU_ASSERT_EQUAL(ident_check(IDENT_GROUP, s, why, sizeof why),
	    IDENT_WARNING); /* 255: possible, over the console's 64 */
	s[255] = 'a';
	s[256] = '\0';
	CU_ASSERT_EQUAL(ident_check(IDENT_GROUP, s, why, sizeof why),
	    IDENT_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "256 bytes long (at most 255)"));
	CU_ASSERT_EQUAL(ident_check(IDENT_GROUP, "GID_x", NULL, 0), IDENT_OK);
}

/* ---- duplicate set --------------------------------------------------- */

static void
test_dupset_basic(void)
{
	struct dupset *s = dupset_new();
	uint32_t first = 99;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(dupset_insert(s, "I", "ab", "c", 3, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 0);
	/* Length prefixes: ("a","bc") is another key than ("ab","c"). */
	CU_ASSERT_EQUAL(dupset_insert(s, "I", "a", "bc", 4, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT_EQUAL(dupset_insert(s, "Ia", "b", "c", 5, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT_EQUAL(dupset_insert(s, "I", "ab", "c", 9, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 3);
	CU_ASSERT_EQUAL(dupset_insert(s, "I", "a", "bc", 10, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 4);
	CU_ASSERT_EQUAL(dupset_insert(s, "", "", "", 11, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT_EQUAL(dupset_insert(s, "", "", "", 12, &first), ERR_OK);
	CU_ASSERT_EQUAL(first, 11);
	CU_ASSERT_EQUAL(dupset_size(s), 4);
	CU_ASSERT_EQUAL(dupset_insert(s, "I", "g", "t", 0, &first),
	    ERR_INTERNAL);
	dupset_destroy(s);
	dupset_destroy(NULL);
}

/* 200,000 keys through several growths: all found, none confused. */
static void
test_dupset_many(void)
{
	struct dupset *s = dupset_new();
	char g[64], t[64];
	uint32_t first, i, wrong = 0;
	char long_group[2000];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 1; i <= 200000; i++) {
		snprintf(g, sizeof g, "GID_svc_%u", i / 7);
		snprintf(t, sizeof t, "topic-%u", i % 7);
		if (dupset_insert(s, "MQ_INST_1_A", g, t, i, &first) !=
		    ERR_OK || first != 0)
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(dupset_size(s), 200000);
	for (i = 1; i <= 200000; i++) {
		snprintf(g, sizeof g, "GID_svc_%u", i / 7);
		snprintf(t, sizeof t, "topic-%u", i % 7);
		if (dupset_insert(s, "MQ_INST_1_A", g, t, i + 200000, &first) !=
		    ERR_OK || first != i)
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	/* 16-byte slots, load at most 3/4, growth 1.5x: < 33 bytes a key. */
	CU_ASSERT(dupset_bytes(s) < 200000 * 33);
	/* A key longer than the stack buffer. */
	memset(long_group, 'g', sizeof long_group - 1);
	long_group[sizeof long_group - 1] = '\0';
	CU_ASSERT_EQUAL(dupset_insert(s, "I", long_group, "t", 7, &first),
	    ERR_OK);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT_EQUAL(dupset_insert(s, "I", long_group, "t", 8, &first),
	    ERR_OK);
	CU_ASSERT_EQUAL(first, 7);
	dupset_destroy(s);
}

/* ---- diagnostics sink ------------------------------------------------ */

static void
test_diag_cap(void)
{
	struct diag *d = diag_new("x.csv", DIAG_COLLECT, 2);
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (i = 0; i < 5; i++)
		diag_add(d, (unsigned long)i + 2, 1, DIAG_ERROR, "e%d", i);
	diag_add(d, 9, 2, DIAG_WARNING, "w");
	CU_ASSERT_EQUAL(diag_errors(d), 5);
	CU_ASSERT_EQUAL(diag_warnings(d), 1);
	CU_ASSERT_EQUAL(diag_omitted(d, DIAG_ERROR), 3);
	CU_ASSERT_EQUAL(diag_omitted(d, DIAG_WARNING), 0);
	CU_ASSERT_EQUAL(diag_count(d), 3);
	CU_ASSERT_STRING_EQUAL(diag_entry_at(d, 1)->message, "e1");
	CU_ASSERT_EQUAL(diag_entry_at(d, 2)->severity, DIAG_WARNING);
	CU_ASSERT_PTR_NULL(diag_entry_at(d, 3));
	CU_ASSERT_STRING_EQUAL(diag_file(d), "x.csv");
	diag_destroy(d);
	diag_add(NULL, 1, 1, DIAG_ERROR, "ignored");
	CU_ASSERT_EQUAL(diag_errors(NULL), 0);
}

/* Print mode: capped lines and the "... and N more" tail, via msg. */
static void
test_diag_print(void)
{
	char path[512];
	struct diag *d;
	FILE *fp;
	char *text;
	int i;

	snprintf(path, sizeof path, "%s/diag.txt", tdir);
	fp = fopen(path, "w+");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	msg_set_stream(fp);
	d = diag_new("plan.csv", DIAG_PRINT, 2);
	for (i = 0; i < 4; i++)
		diag_add(d, 10 + (unsigned long)i, 3, DIAG_ERROR, "bad %d", i);
	diag_add(d, 20, 0, DIAG_WARNING, "odd");
	diag_finish(d);
	diag_finish(d);
	diag_destroy(d);
	msg_set_stream(NULL);
	fclose(fp);
	text = cu_slurp(path, NULL);
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text,
	    "plan.csv:10:3: error: bad 0\n"
	    "plan.csv:11:3: error: bad 1\n"
	    "plan.csv:20: warning: odd\n"
	    "plan.csv: error: ... and 2 more errors\n");
	free(text);
}

static void
test_diag_quote(void)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "GID_a", "GID_a" },
		{ "a\x1b[31mb", "a\\x1b[31mb" },
		{ "it's", "it\\'s" },
		{ "back\\slash", "back\\\\slash" },
		{ "tab\there\n", "tab\\x09here\\x0a" },
		{ "\xe8\xae\xa2", "\xe8\xae\xa2" },
		{ "0123456789012345678901234567890123456789012345678901234567"
		  "89ABC", "012345678901234567890123456789012345678901234567"
		  "890123456789..." },
		/* Truncation never splits a UTF-8 sequence. */
		{ "01234567890123456789012345678901234567890123456789012345678"
		  "\xe8\xae\xa2zz", "0123456789012345678901234567890123456789"
		  "0123456789012345678\xe8\xae\xa2..." },
		{ "", "" },
	};
	char out[DIAG_QUOTE_MAX];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CU_ASSERT_STRING_EQUAL(diag_quote(rows[i].in, out, sizeof out),
		    rows[i].out);
	CU_ASSERT_STRING_EQUAL(diag_quote("abcdef", out, 4), "abc");
}

/* ---- header mapping and row checks (validation tables) --------------- */

#define I1 "MQ_INST_1234567890123456_BXhgfe12"
#define I2 "MQ_INST_1234567890123456_BXzz0001"

static const struct {
	const char *name;     /* what the row is about */
	const char *csv;      /* the plan */
	const char *instance; /* --instance, or NULL */
	unsigned long rows;   /* expected data rows */
	unsigned long valid;  /* expected valid rows */
	const char *diags;    /* expected rendered diagnostics, exactly */
} vrows[] = {
	{ "short names", "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,0,\n", NULL, 1, 1, "" },
	{ "API names, mixed case, reordered",
	  "resettimestamp,TOPIC,Type,GROUPID,instanceid\n"
	  "1717380000000,orders-topic,1," "GID_a," I1 "\n", NULL, 1, 1, "" },
	{ "BOM and CRLF", "\xef\xbb\xbfInstanceId,GroupId,Topic,Type,"
	  "ResetTimestamp\r\n" I1 ",GID_a,orders-topic,1,"
	  "2024-06-03T10:00:00+08:00\r\n", NULL, 1, 1, "" },
	{ "timestamp column optional for type 0",
	  "instance,group,topic,type\n" I1 ",GID_a,orders-topic,clear\n"
	  I1 ",GID_b,orders-topic,timestamp\n", NULL, 2, 1,
	  "3:0: error: type 1 (timestamp) needs a timestamp, and the plan "
	  "has no timestamp column\n" },
	{ "missing columns", "inst,group,type\n" I1 ",GID_a,0\n", NULL, 1, 0,
	  "1:0: error: missing column 'instance' (or InstanceId): add it, or "
	  "give --instance\n"
	  "1:0: error: missing required column 'topic' (or Topic)\n" },
	{ "duplicate column", "instance,group,GroupId,topic,type,timestamp\n"
	  I1 ",GID_a,GID_b,t,0,\n", NULL, 1, 0,
	  "1:3: error: duplicate column 'GroupId': column 2 is already the "
	  "group column\n" },
	{ "header after comments and blanks", "# plan for CHG-1\n\n  \n"
	  "group,topic,type,timestamp\nGID_a,orders-topic,0,\n", I1, 1, 1,
	  "" },
	{ "--instance fills a plan without the column",
	  "group,topic,type,timestamp\nGID_a,orders-topic,0,\n", I2,
	  1, 1, "" },
	{ "a 5.x instance in a row",
	  "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,0,\nrmq-cn-7mz2xk4ab01,GID_a,orders-topic,0,\n",
	  NULL, 2, 1,
	  "3:1: error: instance ID 'rmq-cn-7mz2xk4ab01' belongs to ApsaraMQ "
	  "for RocketMQ 5.x: OnsConsumerResetOffset serves 4.x instances "
	  "only; 5.x instances use a different API (RocketMQ 2022-08-01, "
	  "ResetConsumeOffset)\n" },
	{ "a 5.x --instance", "group,topic,type,timestamp\n"
	  "GID_a,orders-topic,0,\n", "rmq-cn-x1", 1, 0,
	  "0:0: error: --instance 'rmq-cn-x1' belongs to ApsaraMQ for "
	  "RocketMQ 5.x: OnsConsumerResetOffset serves 4.x instances only; "
	  "5.x instances use a different API (RocketMQ 2022-08-01, "
	  "ResetConsumeOffset)\n" },
	{ "--instance disagrees with the column",
	  "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,0,\n" I2 ",GID_a,orders-topic,0,\n",
	  I1, 2, 1,
	  "3:1: error: instance ID '" I2 "' disagrees with --instance '" I1
	  "'\n" },
	{ "invalid --instance", "group,topic,type,timestamp\n"
	  "GID_a,orders-topic,0,\n", "bad\x01", 1, 0,
	  "0:0: error: --instance 'bad\\x01' contains a control character "
	  "(byte 4)\n" },
	{ "unusual --instance warns once", "group,topic,type,timestamp\n"
	  "GID_a,orders-topic,0,\nGID_b,orders-topic,0,\n", "inst-1", 2, 2,
	  "0:0: warning: --instance 'inst-1' is unusual: expected "
	  "MQ_INST_<digits>_<letters/digits>\n" },
	{ "extra columns and empty/duplicate names",
	  "instance,group,ticket,topic,type,timestamp,,ticket\n"
	  I1 ",GID_a,T-1,orders-topic,0,,x,y\n", NULL, 1, 1,
	  "1:7: warning: empty column name: the column is kept as an unnamed "
	  "extra column\n"
	  "1:8: warning: column 'ticket' appears twice (also column 3)\n" },
	{ "field counts", "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,0\n" I1 ",GID_a,orders-topic,0,,extra\n"
	  I1 "\n", NULL, 3, 0,
	  "2:5: error: expected 5 fields as in the header, found 4\n"
	  "3:6: error: expected 5 fields as in the header, found 6\n"
	  "4:2: error: expected 5 fields as in the header, found 1\n" },
	{ "types", "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,CLEAR,\n"
	  I1 ",GID_b,orders-topic,Timestamp,1717380000000\n"
	  I1 ",GID_c,orders-topic,2,\n" I1 ",GID_d,orders-topic,,\n"
	  I1 ",GID_e,orders-topic,\" 1\",1717380000000\n", NULL, 5, 2,
	  "4:4: error: invalid type '2': expected 0 (clear) or 1 "
	  "(timestamp)\n"
	  "5:4: error: missing type: expected 0 (clear) or 1 (timestamp)\n"
	  "6:4: error: invalid type ' 1': expected 0 (clear) or 1 "
	  "(timestamp)\n" },
	{ "type and timestamp disagree", "instance,group,topic,type,"
	  "timestamp\n" I1 ",GID_a,orders-topic,0,1717380000000\n"
	  I1 ",GID_b,orders-topic,1,\n", NULL, 2, 0,
	  "2:5: error: type 0 (clear) takes no timestamp, found "
	  "'1717380000000': empty the cell or use type 1\n"
	  "3:5: error: type 1 (timestamp) needs a timestamp\n" },
	{ "bad timestamp with a bad type is still checked",
	  "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,x,2024-06-03T10:00:00\n", NULL, 1, 0,
	  "2:4: error: invalid type 'x': expected 0 (clear) or 1 "
	  "(timestamp)\n"
	  "2:5: error: timestamp '2024-06-03T10:00:00': no time zone offset "
	  "(ambiguous time zone): add Z for UTC or an offset such as "
	  "+08:00 (or give --assume-offset or --assume-tz for the whole "
	  "plan)\n" },
	{ "duplicates name both lines", "instance,group,topic,type,"
	  "timestamp\n" I1 ",GID_a,orders-topic,0,\n"
	  "# GID_a again\n" I1 ",GID_b,orders-topic,0,\n"
	  I1 ",GID_a,orders-topic,1,1717380000000\n"
	  I2 ",GID_a,orders-topic,0,\n" I1 ",GID_a,orders-topic,0,\n",
	  NULL, 5, 3,
	  "5:2: error: duplicate of line 2: the same instance, group and "
	  "topic ('GID_a', 'orders-topic')\n"
	  "7:2: error: duplicate of line 2: the same instance, group and "
	  "topic ('GID_a', 'orders-topic')\n" },
	{ "duplicates with --instance", "group,topic,type,timestamp\n"
	  "GID_a,orders-topic,0,\nGID_a,orders-topic,0,\n", I1, 2, 1,
	  "3:1: error: duplicate of line 2: the same instance, group and "
	  "topic ('GID_a', 'orders-topic')\n" },
	{ "identifier errors and warnings",
	  "instance,group,topic,type,timestamp\n"
	  ",GID_a,orders-topic,0,\n" I1 ",orders,orders-topic,0,\n"
	  I1 ",\"GID_a b\",orders-topic,0,\n", NULL, 3, 1,
	  "2:1: error: instance ID is empty\n"
	  "3:2: warning: group ID 'orders' is unusual: does not start with "
	  "GID_ or GID-\n"
	  "4:2: error: group ID 'GID_a b' contains a space (byte 6)\n" },
	{ "malformed quotes resynchronise at the next line",
	  "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders\"x,0,\n" I1 ",\"GID_b\"x,orders-topic,0,\n"
	  I1 ",GID_c,orders-topic,0,\n", NULL, 3, 1,
	  "2:3: error: malformed quoting: a quote inside an unquoted field, "
	  "or text after a closing quote\n"
	  "3:2: error: malformed quoting: a quote inside an unquoted field, "
	  "or text after a closing quote\n" },
	{ "unterminated quote at the end", "instance,group,topic,type,"
	  "timestamp\n" I1 ",GID_a,orders-topic,0,\n"
	  I1 ",\"GID_b,orders-topic,0,\n", NULL, 2, 1,
	  "3:2: error: unterminated quoted field: the closing quote is "
	  "missing\n" },
	{ "malformed header: the next record is not taken for it",
	  "instance,group,to\"pic,type\n" I1 ",GID_a,orders-topic,0\n"
	  I1 ",GID_b,orders-topic,0\n", NULL, 2, 0,
	  "1:3: error: header: malformed quoting: a quote inside an unquoted "
	  "field, or text after a closing quote\n" },
	{ "UTF-16 is refused", "\xff\xfei\x00n\x00", NULL, 0, 0,
	  "0:0: error: the plan is UTF-16 encoded: save it as UTF-8 (CSV "
	  "UTF-8)\n" },
	{ "empty plan", "", NULL, 0, 0,
	  "0:0: error: no header row: the plan is empty\n" },
	{ "only comments", "# nothing\n\n", NULL, 0, 0,
	  "0:0: error: no header row: the plan is empty\n" },
	{ "header only", "instance,group,topic,type,timestamp\n", NULL, 0, 0,
	  "0:0: warning: the plan has no data rows\n" },
	{ "no newline at the end", "instance,group,topic,type,timestamp\n"
	  I1 ",GID_a,orders-topic,1,1717380000000", NULL, 1, 1, "" },
	{ "comment with quotes and commas", "instance,group,topic,type,"
	  "timestamp\n# don't \"touch\", ok\n  # indented\n"
	  "\"#quoted\",x\n" I1 ",GID_a,orders-topic,0,\n", NULL, 1, 1, "" },
};

static void
test_validate_table(void)
{
	size_t i;

	for (i = 0; i < sizeof vrows / sizeof vrows[0]; i++) {
		struct plan_counts c;
		err_code rc;
		char *got;

		got = validate_text(vrows[i].csv, vrows[i].instance, &c, &rc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		if (strcmp(got, vrows[i].diags) != 0 ||
		    c.rows != vrows[i].rows || c.valid != vrows[i].valid)
			printf("\n[%s] rows %lu valid %lu\n--- got:\n%s--- "
			    "want:\n%s", vrows[i].name, c.rows, c.valid, got,
			    vrows[i].diags);
		CU_ASSERT_STRING_EQUAL(got, vrows[i].diags);
		CU_ASSERT_EQUAL(c.rows, vrows[i].rows);
		CU_ASSERT_EQUAL(c.valid, vrows[i].valid);
		CU_ASSERT_EQUAL(rc, c.errors > 0 ? ERR_PLAN : ERR_OK);
		free(got);
	}
}

static void
test_validate_missing_file(void)
{
	struct plan_options o;
	struct plan_counts c;
	struct err e;

	memset(&o, 0, sizeof o);
	o.now_ms = NOW;
	err_clear(&e);
	CU_ASSERT_EQUAL(plan_validate("/nonexistent/plan.csv", &o, &c, &e),
	    ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/plan.csv"));
}

/* ---- the streaming reader -------------------------------------------- */

/* Read every row of csv and render them, one per line. */
static char *
read_rows(const char *csv, int stop_on_error, err_code *last,
    struct plan_counts *c)
{
	struct plan_options o;
	struct plan_reader *r = NULL;
	struct plan_row row;
	struct buf out;
	struct err e;
	size_t i, nx;
	const char *const *names;
	int eof = 0;
	err_code rc;

	memset(&o, 0, sizeof o);
	o.now_ms = NOW;
	o.stop_on_error = stop_on_error;
	buf_init(&out, 1 << 20);
	rc = plan_open(tplan(csv), &o, &r, &e);
	CU_ASSERT_EQUAL_FATAL(rc, ERR_OK);
	names = plan_extra_names(r, &nx);
	buf_puts(&out, "extras:");
	for (i = 0; i < nx; i++)
		buf_printf(&out, " [%s]", names[i]);
	buf_puts(&out, "\n");
	for (;;) {
		rc = plan_next(r, &row, &eof, &e);
		if (rc != ERR_OK || eof)
			break;
		buf_printf(&out, "%lu|%s|%s|%s|%d|%lld|%s", row.line,
		    row.key.instance, row.key.group, row.key.topic,
		    row.key.type, (long long)row.key.reset_ms, row.timestamp);
		for (i = 0; i < row.nextra; i++)
			buf_printf(&out, "|%s", row.extra[i]);
		buf_puts(&out, "\n");
	}
	*last = rc;
	*c = *plan_counts(r);
	plan_close(r);
	return buf_steal(&out);
}

static void
test_reader_lines(void)
{
	static const char csv[] =
	    "\xef\xbb\xbf# migration CHG-2291\r\n"
	    "\r\n"
	    "ticket,InstanceId,GroupId,Topic,Type,ResetTimestamp,comment\r\n"
	    "T-1," I1 ",GID_a,orders-topic,0,,\"two\r\nlines\"\r\n"
	    "T-2," I1 ",GID_b,orders-topic,1,2024-06-03T10:00:00+08:00,"
	    "\"a, \"\"quoted\"\" one\"\r\n"
	    "   \r\n"
	    "#T-3," I1 ",GID_c,orders-topic,0,,\r\n"
	    "\"T-4\",\"" I1 "\",\"GID_d\",\"orders-topic\",\"1\","
	    "\"1717380000000\",\"three\n\nlines\"\n"
	    "T-5," I1 ",GID_e,orders-topic,2,,bad type\n"
	    "T-6," I1 ",GID_f,orders-topic,0,,\"last\"";
	struct plan_counts c;
	err_code rc;
	char *got;

	got = read_rows(csv, 0, &rc, &c);
	CU_ASSERT_EQUAL(rc, ERR_OK);
	CU_ASSERT_STRING_EQUAL(got,
	    "extras: [ticket] [comment]\n"
	    "4|" I1 "|GID_a|orders-topic|0|-1||T-1|two\r\nlines\n"
	    "6|" I1 "|GID_b|orders-topic|1|1717380000000|"
	    "2024-06-03T10:00:00+08:00|T-2|a, \"quoted\" one\n"
	    "9|" I1 "|GID_d|orders-topic|1|1717380000000|1717380000000|T-4|"
	    "three\n\nlines\n"
	    "13|" I1 "|GID_f|orders-topic|0|-1||T-6|last\n");
	CU_ASSERT_EQUAL(c.rows, 5);
	CU_ASSERT_EQUAL(c.valid, 4);
	CU_ASSERT_EQUAL(c.comments, 2);
	CU_ASSERT_EQUAL(c.blanks, 2);
	CU_ASSERT_EQUAL(c.errors, 1);
	CU_ASSERT_EQUAL(c.type0, 2);
	CU_ASSERT_EQUAL(c.type1, 2);
	CU_ASSERT_EQUAL(c.lines, 13);
	free(got);
}

/* Old Mac line ends (CR only) still count as lines. */
static void
test_reader_cr_only(void)
{
	struct plan_counts c;
	err_code rc;
	char *got;

	got = read_rows("group,topic,instance,type,timestamp\r"
	    "GID_a,orders-topic," I1 ",0,\r\rGID_b,orders-topic," I1 ",0,\r",
	    0, &rc, &c);
	CU_ASSERT_STRING_EQUAL(got, "extras:\n"
	    "2|" I1 "|GID_a|orders-topic|0|-1|\n"
	    "4|" I1 "|GID_b|orders-topic|0|-1|\n");
	CU_ASSERT_EQUAL(c.blanks, 1);
	free(got);
}

/*
 * Mixed line ends: a LF that follows a CR line end and other bytes is a
 * line break of its own (only the LF of a CRLF is not), after data, a
 * comment, a lost record and a CR inside quotes alike.
 */
static void
test_reader_mixed_breaks(void)
{
	static const struct {
		const char *csv;  /* plan text */
		const char *want; /* read_rows() output */
		unsigned long lines; /* counts.lines */
	} rows[] = {
		{ "group,topic,instance,type,timestamp\r"
		  "GID_a,orders-topic," I1 ",0,\n"
		  "GID_b,orders-topic," I1 ",0,\n",
		  "extras:\n2|" I1 "|GID_a|orders-topic|0|-1|\n"
		  "3|" I1 "|GID_b|orders-topic|0|-1|\n", 3 },
		{ "group,topic,instance,type,timestamp\r# note\n"
		  "GID_a,orders-topic," I1 ",0,\n",
		  "extras:\n3|" I1 "|GID_a|orders-topic|0|-1|\n", 3 },
		{ "group,topic,instance,type,timestamp,note\n"
		  "GID_a,orders-topic," I1 ",0,,\"x\ry\"\n"
		  "GID_b,orders-topic," I1 ",0,,z\n",
		  "extras: [note]\n2|" I1 "|GID_a|orders-topic|0|-1||x\ry\n"
		  "4|" I1 "|GID_b|orders-topic|0|-1||z\n", 4 },
		{ "group,topic,instance,type,timestamp\r\n"
		  "GID_a,orders-topic," I1 ",0,\r"
		  "GID_b,orders-topic," I1 ",0,\r\n",
		  "extras:\n2|" I1 "|GID_a|orders-topic|0|-1|\n"
		  "3|" I1 "|GID_b|orders-topic|0|-1|\n", 3 },
		{ "group,topic,instance,type,timestamp\r"
		  "GID_a,orders-topic," I1 ",0,x\"y\n"
		  "GID_b,orders-topic," I1 ",0,\n",
		  "extras:\n3|" I1 "|GID_b|orders-topic|0|-1|\n", 3 },
	};
	struct plan_counts c;
	err_code rc;
	size_t i;
	char *got;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		got = read_rows(rows[i].csv, 0, &rc, &c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		if (strcmp(got, rows[i].want) != 0 ||
		    c.lines != rows[i].lines)
			fprintf(stderr, "mixed breaks row %zu: got\n%s"
			    "(%lu lines)\n", i, got, c.lines);
		CU_ASSERT_STRING_EQUAL(got, rows[i].want);
		CU_ASSERT_EQUAL(c.lines, rows[i].lines);
		free(got);
	}
}

static void
test_reader_stop_on_error(void)
{
	struct plan_counts c;
	err_code rc;
	char *got;

	got = read_rows("instance,group,topic,type,timestamp\n"
	    I1 ",GID_a,orders-topic,0,\n" I1 ",GID_b,orders-topic,9,\n"
	    I1 ",GID_c,orders-topic,0,\n", 1, &rc, &c);
	CU_ASSERT_EQUAL(rc, ERR_PLAN);
	CU_ASSERT_STRING_EQUAL(got, "extras:\n"
	    "2|" I1 "|GID_a|orders-topic|0|-1|\n");
	free(got);

	/* A record lost to bad quoting stops before the next good row. */
	got = read_rows("instance,group,topic,type,timestamp\n"
	    I1 ",GID_a,orders-topic,0,\n" I1 ",GID_\"b,orders-topic,0,\n"
	    I1 ",GID_c,orders-topic,0,\n", 1, &rc, &c);
	CU_ASSERT_EQUAL(rc, ERR_PLAN);
	CU_ASSERT_STRING_EQUAL(got, "extras:\n"
	    "2|" I1 "|GID_a|orders-topic|0|-1|\n");
	free(got);

	/* A header error stops before the first row. */
	got = read_rows("instance,group,topic,topic,type,timestamp\n"
	    I1 ",GID_a,orders-topic,orders-topic,0,\n", 1, &rc, &c);
	CU_ASSERT_EQUAL(rc, ERR_PLAN);
	CU_ASSERT_STRING_EQUAL(got, "extras:\n");
	free(got);
}

/* Records longer than PLAN_RECORD_MAX and a runaway quote. */
static void
test_reader_big_records(void)
{
	struct buf csv;
	struct plan_counts c;
	err_code rc;
	char *got;
	size_t i;

	buf_init(&csv, 1 << 22);
	buf_puts(&csv, "instance,group,topic,type,timestamp,note\n");
	buf_puts(&csv, I1 ",GID_a,orders-topic,0,,\"");
	for (i = 0; i < PLAN_RECORD_MAX + 10; i++)
		buf_putc(&csv, 'x');
	buf_puts(&csv, "\"\n" I1 ",GID_b,orders-topic,0,,ok\n");
	got = validate_text(buf_cstr(&csv), NULL, &c, &rc);
	CU_ASSERT_STRING_EQUAL(got, "2:0: error: record longer than 64 "
	    "KiB\n");
	CU_ASSERT_EQUAL(rc, ERR_PLAN);
	CU_ASSERT_EQUAL(c.rows, 2);
	CU_ASSERT_EQUAL(c.valid, 1);
	free(got);

	/* An unterminated quote swallowing the rest: reading stops. */
	buf_reset(&csv);
	buf_puts(&csv, "instance,group,topic,type,timestamp,note\n");
	buf_puts(&csv, I1 ",GID_a,orders-topic,0,,ok\n");
	buf_puts(&csv, I1 ",GID_b,orders-topic,0,,\"oops\n");
	for (i = 0; i < 5000; i++)
		buf_puts(&csv, I1 ",GID_c,orders-topic,0,,fine\n");
	got = validate_text(buf_cstr(&csv), NULL, &c, &rc);
	CU_ASSERT_STRING_EQUAL(got, "3:6: error: record longer than 64 "
	    "KiB (an unterminated quote?); stopped reading here\n");
	CU_ASSERT_EQUAL(c.rows, 2);
	CU_ASSERT_EQUAL(c.valid, 1);
	free(got);

	/* A long but legal record is fine. */
	buf_reset(&csv);
	buf_puts(&csv, "instance,group,topic,type,timestamp,note\n");
	buf_puts(&csv, I1 ",GID_a,orders-topic,0,,\"");
	for (i = 0; i < 60000; i++)
		buf_putc(&csv, i % 100 == 99 ? '\n' : 'y');
	buf_puts(&csv, "\"\n" I1 ",GID_b,orders-topic,0,,ok\n");
	got = validate_text(buf_cstr(&csv), NULL, &c, &rc);
	CU_ASSERT_STRING_EQUAL(got, "");
	CU_ASSERT_EQUAL(c.valid, 2);
	CU_ASSERT_EQUAL(c.lines, 603);
	free(got);
	buf_free(&csv);
}

/* Many rows across chunk boundaries keep exact line numbers. */
static void
test_reader_chunks(void)
{
	struct plan_options o;
	struct plan_reader *r = NULL;
	struct plan_row row;
	struct buf csv;
	struct err e;
	unsigned long n = 0, bad = 0, i;
	int eof = 0;

	buf_init(&csv, 1 << 24);
	buf_puts(&csv, "instance,group,topic,type,timestamp\n");
	for (i = 0; i < 20000; i++)
		buf_printf(&csv, "%s%s,GID_g%lu,orders-topic,1,%s\n",
		    i % 3 == 0 ? "\n" : "", I1, i,
		    i % 2 ? "1717380000000" : "\"2024-06-03T10:00:00\r\n\"");
	memset(&o, 0, sizeof o);
	o.now_ms = NOW;
	CU_ASSERT_EQUAL_FATAL(plan_open(tplan(buf_cstr(&csv)), &o, &r, &e),
	    ERR_OK);
	/* Expected line of row i: 2 + i + (blank lines) + (CRLF lines). */
	for (i = 0;; i++) {
		unsigned long want;

		if (plan_next(r, &row, &eof, &e) != ERR_OK || eof)
			break;
		/* Only odd rows are valid (even ones lack an offset). */
		want = (2 * n + 1) + (2 * n + 2) / 2 + (2 * n + 1) / 3 + 3;
		if (row.line != want)
			bad++;
		n++;
	}
	CU_ASSERT_EQUAL(n, 10000);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(plan_counts(r)->errors, 10000);
	plan_close(r);
	buf_free(&csv);
}

/* NUL bytes would silently cut a C string: the field is an error. */
static void
test_reader_nul(void)
{
	static const char csv[] = "instance,group,topic,type,timestamp\n"
	    I1 ",GID_a\0x,orders-topic,0,\n" I1 ",GID_b,orders-topic,0,\n";
	struct plan_options o;
	struct plan_counts c;
	struct diag *d = diag_new("t.csv", DIAG_COLLECT, 0);
	struct buf out;
	struct err e;
	const char *path = tplan("");
	FILE *fp = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fwrite(csv, 1, sizeof csv - 1, fp);
	fclose(fp);
	memset(&o, 0, sizeof o);
	o.now_ms = NOW;
	o.diag = d;
	buf_init(&out, 4096);
	CU_ASSERT_EQUAL(plan_validate(path, &o, &c, &e), ERR_PLAN);
	render_diags(d, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "2:2: error: field contains a "
	    "NUL byte (a UTF-16 or binary file?)\n");
	CU_ASSERT_EQUAL(c.valid, 1);
	buf_free(&out);
	diag_destroy(d);
}

/* ---- plans as tickets look: separators, spellings, reports, times --- */

struct ticket_seen {
	unsigned long rows;   /* rows handed to on_row */
	size_t nextra;        /* extra columns of the last row */
	int64_t reset_ms;     /* reset time of the last row */
	char group[64];       /* group of the last row */
};

static int
ticket_on_row(void *arg, const struct plan_row *row)
{
	struct ticket_seen *t = arg;

	t->rows++;
	t->nextra = row->nextra;
	t->reset_ms = row->key.reset_ms;
	snprintf(t->group, sizeof t->group, "%s", row->key.group);
	return 0;
}

static const struct {
	const char *name;      /* what the row is about */
	const char *csv;       /* the plan */
	char delimiter;        /* --delimiter, or 0 to detect */
	const char *offset;    /* --assume-offset, or NULL */
	unsigned long valid;   /* expected valid rows */
	size_t nextra;         /* extra columns of the last valid row */
	int64_t reset_ms;      /* its reset time (-1: type 0) */
	const char *diag;      /* a substring of the diagnostics, or "" for
	                          none at all */
} trows[] = {
	{ "semicolon detected", "instance;group;topic;type;timestamp\n"
	  I1 ";GID_a;orders;1;1767225000000\n", 0, NULL, 1, 0,
	  INT64_C(1767225000000), "" },
	{ "tab detected", "instance\tgroup\ttopic\ttype\ttimestamp\n"
	  I1 "\tGID_a\torders\t0\t\n", 0, NULL, 1, 0, -1, "" },
	{ "tab with an empty first field", "note\tinstance\tgroup\ttopic"
	  "\ttype\n\t" I1 "\tGID_a\torders\t0\n", 0, NULL, 1, 1, -1, "" },
	{ "comma wins a tie, quoted separators not counted",
	  "\"a;b;c\",instance,group,topic,type\nx," I1 ",GID_a,orders,0\n", 0,
	  NULL, 1, 1, -1, "" },
	{ "comments before the header", "# ticket 42; see wiki\n"
	  "instance;group;topic;type\n" I1 ";GID_a;orders;0\n", 0, NULL, 1, 0,
	  -1, "" },
	{ "given semicolon", "instance;group;topic;type\n" I1
	  ";GID_a;orders;0\n", ';', NULL, 1, 0, -1, "" },
	{ "given comma on a semicolon plan", "instance;group;topic;type\n"
	  I1 ";GID_a;orders;0\n", ',', NULL, 0, 0, -1,
	  "1:1: error: header: the whole line is one column when split at "
	  "',' (comma), the given separator; it holds ';' (semicolon): "
	  "give --delimiter ';'" },
	{ "given semicolon on a comma plan", "instance,group,topic,type\n"
	  I1 ",GID_a,orders,0\n", ';', NULL, 0, 0, -1,
	  "it holds ',' (comma): give --delimiter ','" },
	{ "console spellings", "Instance ID;Group ID;Topic;Reset Type;"
	  "Reset Time\n" I1 ";GID_a;orders;1;2025-12-31T08:00:00+08:00\n", 0,
	  NULL, 1, 0, INT64_C(1767139200000), "" },
	{ "case and spaces ignored", "INSTANCE id,group  ID,TOPIC,reset "
	  "type,RESET TIME\n" I1 ",GID_a,orders,0,\n", 0, NULL, 1, 0, -1, "" },
	{ "report as a plan", "line,instance_id,group_id,topic,type,"
	  "reset_timestamp,status,http_status,request_id,error_code,"
	  "error_message,attempts,latency_ms,finished_at,ticket\n"
	  "2," I1 ",GID_a,orders,1,2025-12-31T00:00:00.000Z,failed,404,"
	  "R-1,BIZ_TOPIC_NOT_FOUND,no such topic,1,12,"
	  "2025-12-31T01:00:00.000Z,CHG-1\n", 0, NULL, 1, 1,
	  INT64_C(1767139200000), "" },
	{ "result names in a plan that is not a report are extras",
	  "instance,group,topic,type,status\n" I1 ",GID_a,orders,0,x\n", 0, NULL,
	  1, 1, -1, "" },
	{ "Excel scientific notation", "instance,group,topic,type,"
	  "timestamp\n" I1 ",GID_a,orders,1,1.79619E+12\n", 0, NULL, 0, 0, -1,
	  "2:5: error: timestamp '1.79619E+12' is a number in scientific "
	  "notation: the spreadsheet cell was formatted as a number and "
	  "lost digits; format the column as text" },
	{ "no offset refused", "instance,group,topic,type,timestamp\n" I1
	  ",GID_a,orders,1,2025-12-31T08:00:00\n", 0, NULL, 0, 0, -1,
	  "no time zone offset (ambiguous time zone): add Z for UTC or an "
	  "offset such as +08:00 (or give --assume-offset or --assume-tz "
	  "for the whole plan)" },
	{ "no offset with --assume-offset", "instance,group,topic,type,"
	  "timestamp\n" I1 ",GID_a,orders,1,2025-12-31T08:00:00\n", 0, "+08:00",
	  1, 0, INT64_C(1767139200000), "" },
	{ "--assume-offset leaves a written offset alone", "instance,group,"
	  "topic,type,timestamp\n" I1 ",GID_a,orders,1,2025-12-31T08:00:00Z\n",
	  0, "+08:00", 1, 0, INT64_C(1767168000000), "" },
	{ "--assume-offset with a fraction and a space", "instance,group,"
	  "topic,type,timestamp\n" I1 ",GID_a,orders,1,2025-12-31 08:00:00.5\n",
	  0, "-01:00", 1, 0, INT64_C(1767171600500), "" },
};

static void
test_tickets_table(void)
{
	size_t i;

	for (i = 0; i < sizeof trows / sizeof trows[0]; i++) {
		struct plan_options o;
		struct diag *d = diag_new("t.csv", DIAG_COLLECT, 0);
		struct ticket_seen seen;
		struct plan_counts c;
		struct buf out;
		struct err e;
		char *text;
		int ok;

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		memset(&o, 0, sizeof o);
		memset(&seen, 0, sizeof seen);
		o.now_ms = NOW;
		o.diag = d;
		o.delimiter = trows[i].delimiter;
		o.assume_offset = trows[i].offset;
		o.on_row = ticket_on_row;
		o.on_row_arg = &seen;
		buf_init(&out, 1 << 20);
		(void)plan_validate(tplan(trows[i].csv), &o, &c, &e);
		render_diags(d, &out);
		diag_destroy(d);
		text = buf_steal(&out);
		ok = c.valid == trows[i].valid && seen.rows == c.valid &&
		    (*trows[i].diag == '\0' ? *text == '\0' :
		    strstr(text, trows[i].diag) != NULL) &&
		    (c.valid == 0 || (seen.nextra == trows[i].nextra &&
		    seen.reset_ms == trows[i].reset_ms &&
		    strcmp(seen.group, "GID_a") == 0));
		if (!ok)
			fprintf(stderr, "\n  row '%s': valid %lu, extra %zu, "
			    "time %lld, diagnostics:\n%s", trows[i].name,
			    c.valid, seen.nextra, (long long)seen.reset_ms,
			    text);
		CU_ASSERT(ok);
		free(text);
	}
}

static void
test_offset_and_delimiter_words(void)
{
	struct err e;

	CU_ASSERT_EQUAL(plan_check_offset("+08:00", &e), ERR_OK);
	CU_ASSERT_EQUAL(plan_check_offset("Z", &e), ERR_OK);
	CU_ASSERT_EQUAL(plan_check_offset("-05:30", &e), ERR_OK);
	CU_ASSERT_EQUAL(plan_check_offset("+8", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(plan_check_offset("0800", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(plan_check_offset("+24:00", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(plan_check_offset("+08:00x", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(plan_check_offset("", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(plan_parse_delimiter(";"), ';');
	CU_ASSERT_EQUAL(plan_parse_delimiter("semicolon"), ';');
	CU_ASSERT_EQUAL(plan_parse_delimiter("TAB"), '\t');
	CU_ASSERT_EQUAL(plan_parse_delimiter("\\t"), '\t');
	CU_ASSERT_EQUAL(plan_parse_delimiter("\t"), '\t');
	CU_ASSERT_EQUAL(plan_parse_delimiter(","), ',');
	CU_ASSERT_EQUAL(plan_parse_delimiter("|"), 0);
	CU_ASSERT_EQUAL(plan_parse_delimiter(""), 0);
}

static void
test_parse_type(void)
{
	CU_ASSERT_EQUAL(plan_parse_type("0"), 0);
	CU_ASSERT_EQUAL(plan_parse_type("Clear"), 0);
	CU_ASSERT_EQUAL(plan_parse_type("1"), 1);
	CU_ASSERT_EQUAL(plan_parse_type("TIMESTAMP"), 1);
	CU_ASSERT_EQUAL(plan_parse_type("01"), -1);
	CU_ASSERT_EQUAL(plan_parse_type(""), -1);
	CU_ASSERT_STRING_EQUAL(plan_display_name("-"), "<stdin>");
	CU_ASSERT_STRING_EQUAL(plan_display_name("a.csv"), "a.csv");
}

static CU_TestInfo tstamp_tests[] = {
	{ "parse table", test_tstamp_table },
	{ "format table", test_tstamp_format },
	{ "format/parse round trip 2000-2100", test_tstamp_roundtrip },
	CU_TEST_INFO_NULL
};

static CU_TestInfo ident_tests[] = {
	{ "verdict table", test_ident_table },
	{ "length limits", test_ident_limits },
	CU_TEST_INFO_NULL
};

static CU_TestInfo dupset_tests[] = {
	{ "basic and length prefixes", test_dupset_basic },
	{ "200k keys through growth", test_dupset_many },
	CU_TEST_INFO_NULL
};

static CU_TestInfo diag_tests[] = {
	{ "cap and counts", test_diag_cap },
	{ "print mode", test_diag_print },
	{ "quote table", test_diag_quote },
	CU_TEST_INFO_NULL
};

static CU_TestInfo plan_tests[] = {
	{ "validation table", test_validate_table },
	{ "missing file", test_validate_missing_file },
	{ "reader: lines, quotes, CRLF, comments", test_reader_lines },
	{ "reader: CR-only line ends", test_reader_cr_only },
	{ "reader: mixed CR and LF line ends", test_reader_mixed_breaks },
	{ "reader: stop on error", test_reader_stop_on_error },
	{ "reader: big records", test_reader_big_records },
	{ "reader: chunk boundaries", test_reader_chunks },
	{ "reader: NUL bytes", test_reader_nul },
	{ "type words", test_parse_type },
	{ "tickets: separators, spellings, reports, times",
	  test_tickets_table },
	{ "--assume-offset and --delimiter values",
	  test_offset_and_delimiter_words },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "tstamp", NULL, NULL, NULL, NULL, tstamp_tests },
	{ "ident", NULL, NULL, NULL, NULL, ident_tests },
	{ "dupset", NULL, NULL, NULL, NULL, dupset_tests },
	{ "diag", suite_init, suite_clean, NULL, NULL, diag_tests },
	{ "plan", suite_init, suite_clean, NULL, NULL, plan_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_plan", suites);
}
