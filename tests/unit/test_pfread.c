/*
 * test_pfread.c - the preflight's threaded reads without a network: which
 * failures stop the whole preflight, an empty task list (no thread, no
 * client), and the read layer's thread-safe cache look-ups on an empty
 * cache (never a call).  The threads themselves are exercised end to end
 * by tests/e2e/run_preflight_workers.sh.
 */
#include <string.h>

#include "cu.h"
#include "pfread.h"

static void
test_stops(void)
{
	CU_ASSERT_TRUE(pfread_stops(REPLY_FATAL, ERR_REMOTE));
	CU_ASSERT_TRUE(pfread_stops(REPLY_FAILED_ROW, ERR_AUTH));
	CU_ASSERT_TRUE(pfread_stops(REPLY_RETRYABLE, ERR_NOMEM));
	CU_ASSERT_FALSE(pfread_stops(REPLY_FAILED_ROW, ERR_REMOTE));
	CU_ASSERT_FALSE(pfread_stops(REPLY_RETRYABLE, ERR_NET));
}

static void
test_empty(void)
{
	struct onsread *rd;
	struct err e;

	err_clear(&e);
	rd = onsread_new(NULL, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
	/* No task: no client is built from the (NULL) configuration. */
	CU_ASSERT_EQUAL(pfread_run(rd, NULL, 8, NULL, 0, NULL, NULL, &e),
	    ERR_OK);
	CU_ASSERT_FALSE(onsread_has(rd, ONSREAD_INSTANCES, NULL, NULL, NULL));
	CU_ASSERT_PTR_NULL(onsread_peek(rd, ONSREAD_GROUP_SUB, "I", "G",
	    NULL));
	onsread_destroy(rd);
}

static CU_TestInfo pfread_tests[] = {
	{ "failures that stop the preflight", test_stops },
	{ "no task, empty cache", test_empty },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "pfread", NULL, NULL, NULL, NULL, pfread_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_pfread", suites);
}
