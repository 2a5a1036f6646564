/*
 * test_verify.c - the read-back's pure decisions (verify.h: does a
 * reading reflect a reset, what do the readings before and after an
 * ambiguous clear say) and the undo plan's file (undo.h), read back with
 * the plan reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "plan.h"
#include "undo.h"
#include "verify.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NEWEST INT64_C(1800000000000)
#define HOUR INT64_C(3600000)

static const struct plan_key clear = { "MQ_INST_1", "GID_a", "t", 0, -1,
	NULL, NULL };
static const struct plan_key to_t = { "MQ_INST_1", "GID_a", "t", 1,
	NEWEST - 5 * HOUR, NULL, NULL };

/* A successful reading: position, backlog (-1: not read). */
static struct verify_reading
rd(int64_t consume_ms, int64_t backlog)
{
	struct verify_reading r;

	memset(&r, 0, sizeof r);
	r.ok = 1;
	r.min_ms = NEWEST - 100 * HOUR;
	r.max_ms = NEWEST;
	r.consume_ms = consume_ms;
	r.backlog = backlog;
	return r;
}

static void
test_reflects(void)
{
	struct verify_reading failed;
	static const struct {
		const char *name;
		int type;
		int64_t consume, backlog;
		int want;
	} t[] = {
		{ "clear: backlog 0", 0, NEWEST - HOUR, 0, 1 },
		{ "clear: backlog at the limit", 0, NEWEST - HOUR,
		  VERIFY_BACKLOG_NEAR_ZERO, 1 },
		{ "clear: backlog over it, position old", 0, NEWEST - HOUR,
		  VERIFY_BACKLOG_NEAR_ZERO + 1, 0 },
		{ "clear: backlog not read, position at the newest", 0,
		  NEWEST, -1, 1 },
		{ "clear: position within the tolerance", 0,
		  NEWEST - VERIFY_TOLERANCE_MS, 5000, 1 },
		{ "clear: position just outside it", 0,
		  NEWEST - VERIFY_TOLERANCE_MS - 1, 5000, 0 },
		{ "time: exact", 1, NEWEST - 5 * HOUR, 99, 1 },
		{ "time: later within the tolerance", 1,
		  NEWEST - 5 * HOUR + VERIFY_TOLERANCE_MS, 99, 1 },
		{ "time: earlier within the tolerance", 1,
		  NEWEST - 5 * HOUR - VERIFY_TOLERANCE_MS, 99, 1 },
		{ "time: unchanged, an hour off", 1, NEWEST - 4 * HOUR, 99,
		  0 },
		{ "time: just past the tolerance", 1,
		  NEWEST - 5 * HOUR + VERIFY_TOLERANCE_MS + 1, 99, 0 },
	};
	struct verify_reading r;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		r = rd(t[i].consume, t[i].backlog);
		if (verify_reflects(t[i].type == 0 ? &clear : &to_t, &r) !=
		    t[i].want)
			fprintf(stderr, "\n%s\n", t[i].name);
		CU_ASSERT_EQUAL(verify_reflects(t[i].type == 0 ? &clear :
		    &to_t, &r), t[i].want);
	}
	memset(&failed, 0, sizeof failed);
	CU_ASSERT_FALSE(verify_reflects(&clear, &failed));
	CU_ASSERT_FALSE(verify_reflects(&to_t, &failed));
}

static void
test_resolve(void)
{
	struct verify_reading failed, b, a;

	memset(&failed, 0, sizeof failed);
	/* A backlog before, none after: applied. */
	b = rd(NEWEST - HOUR, 5000);
	a = rd(NEWEST, 0);
	CU_ASSERT_EQUAL(verify_resolve(&b, &a), ATTEMPT_RB_APPLIED);
	/* Nothing moved: clearly not applied. */
	a = rd(NEWEST - HOUR, 5000);
	CU_ASSERT_EQUAL(verify_resolve(&b, &a), ATTEMPT_RB_NOT_APPLIED);
	/* Consumers moved on without reaching the newest message: a clear
	 * would have put it there at least. */
	a = rd(NEWEST - HOUR / 2, 2000);
	CU_ASSERT_EQUAL(verify_resolve(&b, &a), ATTEMPT_RB_NOT_APPLIED);
	/* At the newest message but a backlog again (published since):
	 * the position says applied, the backlog grew back. */
	a = rd(NEWEST + 10 * VERIFY_TOLERANCE_MS, 7000);
	a.max_ms = NEWEST + 20 * VERIFY_TOLERANCE_MS;
	CU_ASSERT_EQUAL(verify_resolve(&b, &a), ATTEMPT_RB_CANNOT_TELL);
	/* The backlog was empty before: nothing to tell by. */
	b = rd(NEWEST, 0);
	a = rd(NEWEST, 0);
	CU_ASSERT_EQUAL(verify_resolve(&b, &a), ATTEMPT_RB_CANNOT_TELL);
	/* A reading failed. */
	b = rd(NEWEST - HOUR, 5000);
	CU_ASSERT_EQUAL(verify_resolve(&b, &failed), ATTEMPT_RB_CANNOT_TELL);
	CU_ASSERT_EQUAL(verify_resolve(&failed, &b), ATTEMPT_RB_CANNOT_TELL);
}

static void
test_describe(void)
{
	struct verify_reading r = rd(INT64_C(1717380000000), 42);
	char out[256];

	verify_describe(&r, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "backlog 42, position "
	    "2024-06-03T02:00:00.000Z (newest message "
	    "2027-01-15T08:00:00.000Z)");
	memset(&r, 0, sizeof r);
	snprintf(r.error, sizeof r.error, "OnsConsumerTimeSpan: refused");
	verify_describe(&r, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "not read: OnsConsumerTimeSpan: refused");
	CU_ASSERT_STRING_EQUAL(verify_text(ATTEMPT_VERIFIED_NO), "no");
	CU_ASSERT_STRING_EQUAL(verify_text(ATTEMPT_VERIFIED_NONE), "");
}

/* The undo plan: header, rows, comments; a valid plan for the reader. */
static void
test_undo_file(void)
{
	static const char *const xn[] = { "ticket", UNDO_LINE_COLUMN,
	    "owner" };
	static const char *const xv[] = { "CHG-1, \"x\"", "9", "ops" };
	char dir[] = "/tmp/mqr-undo-XXXXXX", path[64], text[2048];
	struct plan_options po;
	struct plan_reader *r;
	struct plan_row row;
	struct undo *u;
	struct err e;
	FILE *f;
	size_t n;
	int eof, rows = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/undo.csv", dir);
	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(undo_open(&u, path, "plan.csv", xn, 3, 0, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(undo_record(u, 7, &clear, INT64_C(1717380000000),
	    INT64_C(1717300000000), xv, 3, &e), ERR_OK);
	CU_ASSERT_EQUAL(undo_record(u, 8, &to_t, 0, 1, xv, 3, &e), ERR_OK);
	CU_ASSERT_EQUAL(undo_record(u, 9, &to_t, NEWEST - 200 * HOUR,
	    NEWEST - 100 * HOUR, xv, 3, &e), ERR_OK);
	CU_ASSERT_EQUAL(undo_rows(u), 2);
	undo_close(u);
	/* An existing file is refused without --force. */
	CU_ASSERT_EQUAL(undo_check(path, 0, "plan.csv", "r.csv", &e),
	    ERR_EXISTS);
	CU_ASSERT_EQUAL(undo_check(path, 1, path, "r.csv", &e), ERR_USAGE);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "instance,group,topic,type,"
	    "timestamp,ticket,owner,undo_of_line\nMQ_INST_1,GID_a,t,1,"
	    "2024-06-03T02:00:00.000Z,\"CHG-1, \"\"x\"\"\",ops,7\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# line 8: GID_a on t has no "
	    "position (never consumed)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# line 9: the position "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",1,2027-01-11T04:00:00.000Z,"
	    "\"CHG-1, \"\"x\"\"\",ops,9\n"));
	/* The plan reader takes it: two type 1 rows. */
	memset(&po, 0, sizeof po);
	po.now_ms = NEWEST + HOUR;
	CU_ASSERT_EQUAL_FATAL(plan_open(path, &po, &r, &e), ERR_OK);
	for (;;) {
		if (plan_next(r, &row, &eof, &e) != ERR_OK || eof)
			break;
		CU_ASSERT_EQUAL(row.key.type, PLAN_TYPE_TIMESTAMP);
		rows++;
	}
	CU_ASSERT_EQUAL(rows, 2);
	plan_close(r);
	unlink(path);
	rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "a reading reflects the reset", test_reflects },
	{ "ambiguous clears: before and after", test_resolve },
	{ "readings in words", test_describe },
	{ "the undo plan file", test_undo_file },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "verify", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_verify", suites);
}
