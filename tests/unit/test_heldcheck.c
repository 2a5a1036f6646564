/*
 * test_heldcheck.c - judging held type 0 rows on --resume --verify
 * (heldcheck.h): the verdict from the saved reading and the state now,
 * the report token, and loading the readings from a previous report and
 * its intent journal (the journal written by intent.c itself).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cu.h"
#include "heldcheck.h"
#include "intent.h"
#include "plan.h"

#define NEWEST INT64_C(1800000000000)
#define HOUR INT64_C(3600000)

static struct verify_reading
now_rd(int ok, int64_t consume_ms, int64_t max_ms, int64_t backlog)
{
	struct verify_reading r;

	memset(&r, 0, sizeof r);
	r.ok = ok;
	r.max_ms = max_ms;
	r.consume_ms = consume_ms;
	r.backlog = backlog;
	if (!ok)
		snprintf(r.error, sizeof r.error, "Throttling.User");
	return r;
}

static void
test_judge(void)
{
	/* Before the earlier send: a backlog, position an hour behind. */
	struct intent_reading saved = { NEWEST, NEWEST - HOUR, 5000 };
	struct intent_reading clear = { NEWEST, NEWEST, 0 };
	struct verify_reading now;
	char msg[ATTEMPT_MSG_MAX];

	/* Cleared now: applied. */
	now = now_rd(1, NEWEST + 10, NEWEST + 10, 3);
	CU_ASSERT_EQUAL(heldcheck_judge(&saved, &now, msg, sizeof msg),
	    HELDCHECK_APPLIED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "before the earlier send: "
	    "backlog 5000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "now: backlog 3"));
	/* Position still before the newest message of then: not applied
	 * (consumers moved it a little). */
	now = now_rd(1, NEWEST - HOUR / 2, NEWEST + HOUR, 9000);
	CU_ASSERT_EQUAL(heldcheck_judge(&saved, &now, msg, sizeof msg),
	    HELDCHECK_SEND);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not applied"));
	/* Past the newest message of then, but a backlog again: cannot
	 * tell (a clear, or consumers catching up); the token is kept. */
	now = now_rd(1, NEWEST + 1, NEWEST + 2 * HOUR, 9000);
	CU_ASSERT_EQUAL(heldcheck_judge(&saved, &now, msg, sizeof msg),
	    HELDCHECK_HOLD);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot tell"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, HELDCHECK_TOKEN));
	/* The read failed now: hold. */
	now = now_rd(0, 0, 0, -1);
	CU_ASSERT_EQUAL(heldcheck_judge(&saved, &now, msg, sizeof msg),
	    HELDCHECK_HOLD);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "Throttling.User"));
	/* Cleared already before the send: nothing to learn. */
	now = now_rd(1, NEWEST + 10, NEWEST + 10, 0);
	CU_ASSERT_EQUAL(heldcheck_judge(&clear, &now, msg, sizeof msg),
	    HELDCHECK_HOLD);
}

static void
test_token(void)
{
	struct intent_reading r = { NEWEST, NEWEST - HOUR, -1 }, back;
	char msg[256] = "InternalError: m";
	char tiny[8] = "abcdef";

	heldcheck_token(msg, sizeof msg, &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "InternalError: m; "
	    HELDCHECK_TOKEN " newest_ms=1800000000000"));
	memset(&back, 0, sizeof back);
	CU_ASSERT_EQUAL(heldcheck_parse_token(msg, &back), 1);
	CU_ASSERT_EQUAL(back.newest_ms, r.newest_ms);
	CU_ASSERT_EQUAL(back.position_ms, r.position_ms);
	CU_ASSERT_EQUAL(back.backlog, -1);
	CU_ASSERT_EQUAL(heldcheck_parse_token("applied", &back), 0);
	CU_ASSERT_EQUAL(heldcheck_parse_token(HELDCHECK_TOKEN " newest_ms=x",
	    &back), 0);
	/* No room: the message is left as it was, never overrun. */
	heldcheck_token(tiny, sizeof tiny, &r);
	CU_ASSERT_EQUAL(strlen(tiny) < sizeof tiny, 1);
}

static void
test_load(void)
{
	const char *dir = cu_tmpdir();
	const char *rep = cu_path_in(dir, "r.csv");
	struct plan_key a = { "MQ_INST_1", "GID_a", "t", 0, -1, NULL, NULL };
	struct plan_key b = { "MQ_INST_1", "GID_b", "t", 0, -1, NULL, NULL };
	struct plan_key c = { "MQ_INST_1", "GID_c", "t", 0, -1, NULL, NULL };
	struct plan_key b1 = { "MQ_INST_1", "GID_b", "t", 1, 5, NULL, NULL };
	struct plan_key bp = { "MQ_INST_1", "GID_b", "t", 0, -1, "prod",
		"cn-x" };
	struct intent_reading r1 = { NEWEST, NEWEST - HOUR, 700 };
	struct intent_reading r2 = { NEWEST - HOUR, NEWEST - 2 * HOUR, 600 };
	struct intent_reading got;
	struct intent *j = NULL;
	struct heldcheck *hc = NULL;
	struct err e;
	const char *paths[1];
	char report[1024];

	err_clear(&e);
	/* A report: a's reading in an unknown row's message. */
	snprintf(report, sizeof report, "line,instance_id,group_id,topic,"
	    "type,reset_timestamp,status,http_status,request_id,error_code,"
	    "error_message,attempts,latency_ms,finished_at\n"
	    "2,MQ_INST_1,GID_a,t,0,,unknown,500,R1,InternalError,"
	    "\"m; %s newest_ms=%lld position_ms=%lld backlog=7\",1,5,"
	    "2024-06-03T00:00:00.000Z\n", HELDCHECK_TOKEN,
	    (long long)NEWEST, (long long)(NEWEST - HOUR));
	CU_ASSERT_EQUAL_FATAL(cu_write(rep, report), 0);
	/* Its journal: b twice (the older reading wins), c without one. */
	CU_ASSERT_EQUAL_FATAL(intent_open(&j, rep, 0, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_record_rb(j, 3, &b, NEWEST, &r2, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_record_rb(j, 3, &b, NEWEST, &r1, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_record(j, 4, &c, NEWEST, &e), ERR_OK);
	intent_destroy(j);
	paths[0] = rep;
	CU_ASSERT_EQUAL_FATAL(heldcheck_load(&hc, paths, 1, NULL, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(heldcheck_saved(hc, &a, &got), 1);
	CU_ASSERT_EQUAL(got.newest_ms, NEWEST);
	CU_ASSERT_EQUAL(got.backlog, 7);
	CU_ASSERT_EQUAL(heldcheck_saved(hc, &b, &got), 1);
	CU_ASSERT_EQUAL(got.newest_ms, r2.newest_ms);
	CU_ASSERT_EQUAL(got.position_ms, r2.position_ms);
	CU_ASSERT_EQUAL(got.backlog, 600);
	CU_ASSERT_EQUAL(heldcheck_saved(hc, &c, &got), 0);
	CU_ASSERT_EQUAL(heldcheck_saved(hc, &b1, &got), 0);
	CU_ASSERT_EQUAL(heldcheck_saved(hc, &bp, &got), 0);
	/* Without a saved reading a row is held without any read. */
	CU_ASSERT_EQUAL(heldcheck_row(hc, 9, &c, NULL, 0), HELDCHECK_HOLD);
	heldcheck_destroy(hc);
	/* A journal written before the reading columns existed still
	 * reads: no readings in it. */
	{
		struct buf jp;

		buf_init(&jp, 4096);
		CU_ASSERT_EQUAL_FATAL(intent_path(rep, &jp), ERR_OK);
		CU_ASSERT_EQUAL_FATAL(cu_write(buf_cstr(&jp), "line,"
		    "instance_id,group_id,topic,type,reset_timestamp,sent_at,"
		    "profile,region\n3,MQ_INST_1,GID_b,t,0,,"
		    "2024-06-03T02:16:40.000Z,,\n"), 0);
		hc = NULL;
		CU_ASSERT_EQUAL_FATAL(heldcheck_load(&hc, paths, 1, NULL, &e),
		    ERR_OK);
		CU_ASSERT_EQUAL(heldcheck_saved(hc, &b, &got), 0);
		CU_ASSERT_EQUAL(heldcheck_saved(hc, &a, &got), 1);
		heldcheck_destroy(hc);
		unlink(buf_cstr(&jp));
		buf_free(&jp);
	}
	cu_rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "the verdict on a held row", test_judge },
	{ "the reading in a report message", test_token },
	{ "readings from a report and its journal", test_load },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "heldcheck", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_heldcheck", suites);
}
