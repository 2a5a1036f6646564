/*
 * test_timeconv.c - the time and header helpers of plans as tickets:
 * relative times (reltime.h), civil times in a time zone (tzconv.h,
 * across daylight saving changes), times shown in their writer's terms
 * (tstamp_show) and --column mappings (colmap.h, plan_column_named).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colmap.h"
#include "cu.h"
#include "plan.h"
#include "reltime.h"
#include "tstamp.h"
#include "tzconv.h"

/* 2026-01-15T12:00:00Z */
#define NOW INT64_C(1768478400000)

static void
test_reltime(void)
{
	static const struct {
		const char *in;
		int ok;
		int64_t before;     /* ms before NOW when ok */
		const char *why;    /* part of the reason otherwise */
	} t[] = {
		{ "now", 1, 0, NULL },
		{ "NOW", 1, 0, NULL },
		{ "-2h", 1, INT64_C(7200000), NULL },
		{ "-30m", 1, INT64_C(1800000), NULL },
		{ "-1d", 1, INT64_C(86400000), NULL },
		{ "-90s", 1, INT64_C(90000), NULL },
		{ "-1h30m", 1, INT64_C(5400000), NULL },
		{ "-1d2h3m4s", 1, INT64_C(93784000), NULL },
		{ "-0m", 1, 0, NULL },
		{ "+2h", 0, 0, "future" },
		{ "-1.5h", 0, 0, "whole numbers" },
		{ "-2", 0, 0, "without a unit" },
		{ "-2H", 0, 0, "unknown unit" },
		{ "-2w", 0, 0, "unknown unit" },
		{ "-30m2h", 0, 0, "out of order" },
		{ "-1h1h", 0, 0, "out of order" },
		{ "- 2h", 0, 0, "not a relative time" },
		{ "2h", 0, 0, "not a relative time" },
		{ "-99999999999999999999d", 0, 0, "100 years" },
		{ "-40000d", 0, 0, "100 years" },
	};
	struct err e;
	int64_t ms;
	size_t i;
	err_code rc;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		err_clear(&e);
		ms = -1;
		rc = reltime_parse(t[i].in, NOW, &ms, &e);
		if ((rc == ERR_OK) != t[i].ok || (t[i].ok && ms != NOW -
		    t[i].before) || (!t[i].ok && strstr(e.msg, t[i].why) ==
		    NULL))
			printf("reltime '%s': rc %d ms %lld '%s'\n", t[i].in,
			    rc, (long long)ms, e.msg);
		CU_ASSERT_EQUAL(rc == ERR_OK, t[i].ok);
		if (t[i].ok) {
			CU_ASSERT_EQUAL(ms, NOW - t[i].before);
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, t[i].why));
		}
	}
	/* What the plan reader refuses as relative. */
	CU_ASSERT_TRUE(reltime_is_relative("-2h"));
	CU_ASSERT_TRUE(reltime_is_relative("now"));
	CU_ASSERT_TRUE(reltime_is_relative("-1h30m"));
	CU_ASSERT_FALSE(reltime_is_relative("-5"));
	CU_ASSERT_FALSE(reltime_is_relative("1717380000000"));
	CU_ASSERT_FALSE(reltime_is_relative("2024-06-03T10:00:00+08:00"));
	CU_ASSERT_FALSE(reltime_is_relative("-h"));
}

static void
test_tz_new_york(void)
{
	static const struct {
		const char *civil;
		const char *utc;    /* expected instant, or NULL: refused */
		const char *why;
	} t[] = {
		/* Winter: -05:00; summer: -04:00. */
		{ "2024-01-15T10:00:00", "2024-01-15T15:00:00.000Z", NULL },
		{ "2024-07-01T10:00:00.250", "2024-07-01T14:00:00.250Z",
		  NULL },
		/* Spring forward 2024-03-10 02:00 -> 03:00. */
		{ "2024-03-10T01:59:59", "2024-03-10T06:59:59.000Z", NULL },
		{ "2024-03-10T02:00:00", NULL, "does not exist" },
		{ "2024-03-10T02:30:00", NULL, "from -05:00 to -04:00" },
		{ "2024-03-10T03:00:00", "2024-03-10T07:00:00.000Z", NULL },
		/* Fall back 2024-11-03 02:00 -> 01:00. */
		{ "2024-11-03T00:59:59", "2024-11-03T04:59:59.000Z", NULL },
		{ "2024-11-03T01:00:00", NULL, "happens twice" },
		{ "2024-11-03T01:30:00", NULL, "both -04:00 and -05:00" },
		{ "2024-11-03T02:00:00", "2024-11-03T07:00:00.000Z", NULL },
		/* Out of range after the conversion. */
		{ "1999-12-31T18:59:59", NULL, "before 2000-01-01" },
		{ "1999-12-31T19:00:00", "2000-01-01T00:00:00.000Z", NULL },
		/* Not a civil time at all. */
		{ "2024-13-01T00:00:00", NULL, "month" },
	};
	struct tzconv *tz = NULL;
	char out[TSTAMP_FMT_MAX];
	struct err e;
	int64_t ms;
	size_t i;
	err_code rc;

	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(tzconv_new("America/New_York", &tz, &e),
	    ERR_OK);
	CU_ASSERT_STRING_EQUAL(tzconv_name(tz), "America/New_York");
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		err_clear(&e);
		rc = tzconv_parse_local(tz, t[i].civil, NOW, &ms, &e);
		if (t[i].utc != NULL) {
			CU_ASSERT_EQUAL(rc, ERR_OK);
			if (rc == ERR_OK) {
				CU_ASSERT_STRING_EQUAL(tstamp_format(ms, out),
				    t[i].utc);
			}
		} else {
			CU_ASSERT_EQUAL(rc, ERR_PARSE);
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, t[i].why));
		}
		if ((rc == ERR_OK) != (t[i].utc != NULL))
			printf("tz '%s': rc %d '%s'\n", t[i].civil, rc, e.msg);
	}
	CU_ASSERT_EQUAL(tzconv_offset_at(tz, 1704067200), -5 * 3600);
	CU_ASSERT_EQUAL(tzconv_offset_at(tz, 1719792000), -4 * 3600);
	tzconv_destroy(tz);
}

static void
test_tz_names(void)
{
	static const char *const bad[] = {
		"Mars/Olympus", "", "/etc/passwd", "../../etc/passwd",
		"Asia/Shang hai", "America/New_York;rm", "Asia/../Asia/Tokyo",
	};
	struct tzconv *tz = NULL;
	struct err e;
	char out[TSTAMP_FMT_MAX];
	int64_t ms = 0;
	size_t i;
	const char *before;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		CU_ASSERT_EQUAL(tzconv_new(bad[i], &tz, &e), ERR_USAGE);
		CU_ASSERT_PTR_NULL(tz);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a time zone"));
	}
	/* No daylight saving: one offset, and TZ is left as it was. */
	before = getenv("TZ");
	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(tzconv_new("Asia/Shanghai", &tz, &e), ERR_OK);
	CU_ASSERT_EQUAL(getenv("TZ") == NULL, before == NULL);
	CU_ASSERT_EQUAL(tzconv_parse_local(tz, "2024-06-03T10:00:00", NOW,
	    &ms, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(tstamp_format(ms, out),
	    "2024-06-03T02:00:00.000Z");
	tzconv_destroy(tz);
	tzconv_destroy(NULL);
}

static void
test_show(void)
{
	char out[TSTAMP_SHOW_MAX], f[TSTAMP_FMT_MAX];

	CU_ASSERT_EQUAL(tstamp_cell_offset("2024-06-03T10:00:00+08:00"), 480);
	CU_ASSERT_EQUAL(tstamp_cell_offset("2024-06-03T10:00:00.5-05:30"),
	    -330);
	CU_ASSERT_EQUAL(tstamp_cell_offset("2024-06-03T10:00:00Z"), 0);
	CU_ASSERT_EQUAL(tstamp_cell_offset("1717380000000"), 0);
	CU_ASSERT_STRING_EQUAL(tstamp_show(INT64_C(1717380000000),
	    "2024-06-03T10:00:00+08:00", out),
	    "2024-06-03T10:00:00.000+08:00");
	CU_ASSERT_STRING_EQUAL(tstamp_show(INT64_C(1717380000000),
	    "1717380000000", out),
	    "2024-06-03T02:00:00.000Z (1717380000000 ms)");
	CU_ASSERT_STRING_EQUAL(tstamp_show(INT64_C(1717380000000), NULL,
	    out), "2024-06-03T02:00:00.000Z");
	CU_ASSERT_STRING_EQUAL(tstamp_format_at(INT64_C(1717380000000), -300,
	    f), "2024-06-02T21:00:00.000-05:00");
}

static void
test_colmap(void)
{
	struct colmap m;
	struct err e;
	const struct colmap_entry *x;

	colmap_init(&m);
	err_clear(&e);
	CU_ASSERT_EQUAL(colmap_add(&m, "group=Consumer Group", &e), ERR_OK);
	CU_ASSERT_EQUAL(colmap_add(&m, "timestamp=Reset at=UTC+8", &e),
	    ERR_OK);
	x = colmap_find(&m, "consumer group");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->column, "group");
	x = colmap_find(&m, "Reset at=UTC+8");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->column, "timestamp");
	CU_ASSERT_PTR_NULL(colmap_find(&m, "Consumer"));
	CU_ASSERT_EQUAL(colmap_add(&m, "topic=consumer group", &e),
	    ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "already mapped"));
	CU_ASSERT_EQUAL(colmap_add(&m, "group", &e), ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "COLUMN=HEADER"));
	CU_ASSERT_EQUAL(colmap_add(&m, "=Consumer", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(colmap_add(&m, "group=", &e), ERR_USAGE);
	CU_ASSERT_EQUAL(m.n, 2);
	colmap_free(&m);
	CU_ASSERT_EQUAL(m.n, 0);
	colmap_free(NULL);
	/* The columns a mapping may name: any spelling the header takes. */
	CU_ASSERT_TRUE(plan_column_named("group"));
	CU_ASSERT_TRUE(plan_column_named("GroupId"));
	CU_ASSERT_TRUE(plan_column_named("Reset Time"));
	CU_ASSERT_TRUE(plan_column_named("instance"));
	CU_ASSERT_FALSE(plan_column_named("grp"));
	CU_ASSERT_FALSE(plan_column_named("ticket"));
}

static CU_TestInfo timeconv_tests[] = {
	{ "relative times", test_reltime },
	{ "America/New_York across DST", test_tz_new_york },
	{ "zone names", test_tz_names },
	{ "times in their writer's terms", test_show },
	{ "column mappings", test_colmap },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "timeconv", NULL, NULL, NULL, NULL, timeconv_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_timeconv", suites);
}
