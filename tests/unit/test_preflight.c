/*
 * test_preflight.c - the preflight's per-row decision (preflight.h): a
 * table of facts as read -> outcome, the code the service would answer,
 * the impact; and the bounds written in the plan's offset.
 */
#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "preflight.h"
#include "tstamp.h"

#define Y PREFLIGHT_YES
#define N PREFLIGHT_NO
#define U PREFLIGHT_NOT_KNOWN
#define RESET PREFLIGHT_WOULD_RESET
#define FAIL PREFLIGHT_WOULD_FAIL
#define UNK PREFLIGHT_UNKNOWN

/* 2024-06-03T02:00:00Z and one hour. */
#define T0 INT64_C(1717380000000)
#define H INT64_C(3600000)

struct row {
	const char *name;         /* the case */
	const char *read_error;   /* facts... */
	enum preflight_fact inst, group, topic, sub;
	const char *model;
	int64_t backlog;
	int have_span;
	int64_t min_ms, max_ms, consume_ms;
	int type;                 /* the row */
	int64_t reset_ms;
	int strict;
	enum preflight_outcome want;   /* expected */
	const char *code;
	int64_t messages;
	const char *in_message;   /* substring of message, "" none */
	const char *in_impact;    /* substring of impact, "" none */
};

static const struct row rows[] = {
	{ "read failed", "OnsGroupList: InternalError", U, U, U, U, "", -1,
	  0, 0, 0, 0, 0, -1, 0, UNK, "", -1, "InternalError", "" },
	{ "no instance", NULL, N, U, U, U, "", -1, 0, 0, 0, 0, 0, -1, 0,
	  FAIL, "INSTANCE_NOT_FOUND", -1, "not in service", "" },
	{ "no group", NULL, Y, N, Y, U, "", -1, 0, 0, 0, 0, 0, -1, 0,
	  FAIL, "BIZ_SUBSCRIPTION_NOT_FOUND", -1, "does not exist", "" },
	{ "no topic", NULL, Y, Y, N, U, "", -1, 0, 0, 0, 0, 0, -1, 0,
	  FAIL, "BIZ_TOPIC_NOT_FOUND", -1, "topic", "" },
	{ "not subscribed", NULL, Y, Y, Y, N, "CLUSTERING", 0, 0, 0, 0, 0,
	  0, -1, 0, FAIL, "BIZ_SUBSCRIPTION_NOT_FOUND", -1,
	  "does not subscribe", "" },
	{ "clear", NULL, Y, Y, Y, Y, "CLUSTERING", 1234, 1, T0 - 9 * H, T0,
	  T0 - H, 0, -1, 0, RESET, "", 1234, "", "skips 1234" },
	{ "before min", NULL, Y, Y, Y, Y, "CLUSTERING", 5, 1, T0 - 9 * H, T0,
	  T0 - H, 1, T0 - 10 * H, 0, FAIL, "BIZ_FIELD_CHECK_INVALID", -1,
	  "before the oldest", "" },
	{ "after max", NULL, Y, Y, Y, Y, "CLUSTERING", 5, 1, T0 - 9 * H, T0,
	  T0 - H, 1, T0 + 1, 0, FAIL, "BIZ_FIELD_CHECK_INVALID", -1,
	  "after the newest", "" },
	{ "at min", NULL, Y, Y, Y, Y, "CLUSTERING", 5, 1, T0 - 9 * H, T0,
	  T0 - H, 1, T0 - 9 * H, 0, RESET, "", -1, "", "back 8h00m" },
	{ "at max: forward", NULL, Y, Y, Y, Y, "CLUSTERING", 5, 1,
	  T0 - 9 * H, T0, T0 - H, 1, T0, 0, RESET, "", -1, "",
	  "forward 1h00m" },
	{ "at the position", NULL, Y, Y, Y, Y, "CLUSTERING", 5, 1,
	  T0 - 9 * H, T0, T0 - H, 1, T0 - H, 0, RESET, "", -1, "", "none" },
	{ "empty topic", NULL, Y, Y, Y, Y, "CLUSTERING", 0, 1, 0, 0, 0, 1,
	  T0, 0, FAIL, "BIZ_NO_MESSAGE", -1, "no stored message", "" },
	{ "broadcasting warns", NULL, Y, Y, Y, Y, "BROADCASTING", 7, 1,
	  T0 - 9 * H, T0, T0 - H, 0, -1, 0, RESET, "", 7, "BROADCASTING",
	  "skips 7" },
	{ "broadcasting strict", NULL, Y, Y, Y, Y, "BROADCASTING", 7, 1,
	  T0 - 9 * H, T0, T0 - H, 0, -1, 1, FAIL, "mqreset.Broadcasting", 7,
	  "BROADCASTING", "" },
	{ "clustering strict", NULL, Y, Y, Y, Y, "CLUSTERING", 7, 1,
	  T0 - 9 * H, T0, T0 - H, 0, -1, 1, RESET, "", 7, "", "" },
};

static void
test_table(void)
{
	struct preflight_facts f;
	struct preflight_verdict v;
	struct plan_key k;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		int bad;

		memset(&f, 0, sizeof f);
		f.read_error = r->read_error;
		f.instance = r->inst;
		f.group = r->group;
		f.topic = r->topic;
		f.subscribed = r->sub;
		f.online = Y;
		f.model = r->model;
		f.backlog = r->backlog;
		f.have_span = r->have_span;
		f.span.min_ms = r->min_ms;
		f.span.max_ms = r->max_ms;
		f.span.consume_ms = r->consume_ms;
		k.instance = "MQ_INST_1";
		k.group = "GID_a";
		k.topic = "orders";
		k.type = r->type;
		k.reset_ms = r->reset_ms;
		preflight_decide(&k, r->type == 1 ? "2024-06-03T10:00:00+08:00" :
		    "", &f, r->strict, &v);
		bad = v.outcome != r->want || strcmp(v.code, r->code) != 0 ||
		    v.impact_messages != r->messages ||
		    strstr(v.message, r->in_message) == NULL ||
		    strstr(v.impact, r->in_impact) == NULL;
		if (bad)
			printf("\n%s: %s %s %lld [%s] [%s]\n", r->name,
			    preflight_outcome_text(v.outcome), v.code,
			    (long long)v.impact_messages, v.message, v.impact);
		CU_ASSERT(!bad);
	}
}

/* A failing bound is written in the plan's offset, both bounds given. */
static void
test_bounds_offset(void)
{
	struct preflight_facts f;
	struct preflight_verdict v;
	struct plan_key k;
	char out[TSTAMP_FMT_MAX + 8];

	CU_ASSERT_STRING_EQUAL(preflight_format_in(T0, "x+08:00", out),
	    "2024-06-03T10:00:00.000+08:00");
	CU_ASSERT_STRING_EQUAL(preflight_format_in(T0, "x-05:30", out),
	    "2024-06-02T20:30:00.000-05:30");
	CU_ASSERT_STRING_EQUAL(preflight_format_in(T0, "1717380000000", out),
	    "2024-06-03T02:00:00.000Z");
	memset(&f, 0, sizeof f);
	f.instance = f.group = f.topic = f.subscribed = Y;
	f.model = "CLUSTERING";
	f.have_span = 1;
	f.span.min_ms = T0 - H;
	f.span.max_ms = T0;
	k.instance = "i";
	k.group = "g";
	k.topic = "t";
	k.type = 1;
	k.reset_ms = T0 - 2 * H;
	preflight_decide(&k, "2024-06-03T08:00:00+08:00", &f, 0, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.message,
	    "2024-06-03T09:00:00.000+08:00 .. 2024-06-03T10:00:00.000+08:00"));
	CU_ASSERT_PTR_NOT_NULL(strstr(v.message,
	    "2024-06-03T08:00:00.000+08:00"));
}

static CU_TestInfo preflight_tests[] = {
	{ "decision table", test_table },
	{ "bounds in the plan's offset", test_bounds_offset },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "preflight", NULL, NULL, NULL, NULL, preflight_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_preflight", suites);
}
