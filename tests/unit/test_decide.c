/*
 * test_decide.c - the classification -> decision table (decide.h).
 * Each row: one attempt's outcome and context -> action, status, backoff.
 */
#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "decide.h"

#define OK DECIDE_IN_OK
#define TR DECIDE_IN_TRANSIENT
#define TH DECIDE_IN_THROTTLED
#define RC DECIDE_IN_RECONSUME
#define RF DECIDE_IN_ROW_FAILED
#define FA DECIDE_IN_FATAL
#define IF DECIDE_IN_INSTANCE_FAILED
#define FIN DECIDE_FINAL
#define RETRY DECIDE_RETRY
#define ABORT DECIDE_ABORT_RUN

static const struct {
	struct decide_input in; /* outcome, maybe, amb_before, type,
	                           attempts, max, retry_amb, stopping */
	enum decide_action action;
	enum report_status status;    /* checked unless RETRY */
	enum decide_policy policy;    /* checked for RETRY */
	enum decide_reason reason;
	int fail_instance;            /* checked always */
} rows[] = {
	/* Success, first try or after retries; both types. */
	{ { OK, 0, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_OK, 0, DECIDE_WHY_NONE, 0 },
	{ { OK, 0, 0, 1, 4, 5, 0, 0 }, FIN, REPORT_OK, 0, DECIDE_WHY_NONE, 0 },
	/* Ok after an ambiguous attempt is still ok. */
	{ { OK, 0, 1, 1, 2, 5, 0, 0 }, FIN, REPORT_OK, 0, DECIDE_WHY_NONE, 0 },
	/* Row failures are never retried, even with attempts left. */
	{ { RF, 0, 0, 1, 1, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE, 0 },
	{ { RF, 0, 0, 0, 1, 5, 1, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE, 0 },
	/* ...but after an ambiguous attempt the truth is unknown. */
	{ { RF, 0, 1, 1, 2, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_EARLIER, 0 },
	/* Fatal: the row failed and the run stops. */
	{ { FA, 0, 0, 0, 1, 5, 0, 0 }, ABORT, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE, 0 },
	{ { FA, 0, 1, 1, 3, 5, 0, 0 }, ABORT, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_EARLIER, 0 },
	/* Transient and throttled: retry with their backoff. */
	{ { TR, 0, 0, 0, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE, 0 },
	{ { TH, 0, 0, 1, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_THROTTLE,
	  DECIDE_WHY_NONE, 0 },
	{ { TR, 0, 0, 1, 4, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE, 0 },
	/* Out of attempts. */
	{ { TR, 0, 0, 1, 5, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	{ { TH, 0, 0, 0, 1, 1, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	{ { TR, 0, 1, 1, 5, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	/* Stopping: no new attempt. */
	{ { TR, 0, 0, 1, 1, 5, 0, 1 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_STOPPING, 0 },
	{ { TH, 1, 0, 1, 1, 5, 0, 1 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_STOPPING, 0 },
	/* Ambiguous type 1: retried, unknown once out of attempts. */
	{ { TR, 1, 0, 1, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE, 0 },
	{ { TR, 1, 1, 1, 5, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	/* Ambiguous type 0: unknown, never retried without the flag... */
	{ { TR, 1, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_TYPE0, 0 },
	{ { TH, 1, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_TYPE0, 0 },
	/* ...retried with it. */
	{ { TR, 1, 0, 0, 1, 5, 1, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE, 0 },
	{ { TR, 1, 1, 0, 5, 5, 1, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	/* reconsumeLater: retried after a longer delay, failed if it stays. */
	{ { RC, 0, 0, 0, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_RECONSUME,
	  DECIDE_WHY_NONE, 0 },
	{ { RC, 0, 0, 0, 5, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	{ { RC, 0, 0, 0, 2, 5, 0, 1 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_STOPPING, 0 },
	/* max-attempts 1: nothing is ever retried. */
	{ { TR, 1, 0, 1, 1, 1, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	{ { RC, 0, 0, 0, 1, 1, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED, 0 },
	/* A 5xx that may have been applied (transient class, maybe set):
	 * type 0 ends unknown at once, type 1 is retried. */
	{ { TR, 1, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_TYPE0, 0 },
	{ { TR, 1, 0, 1, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE, 0 },
	/* Whatever the class says: throttled (a Retry-After on a 504) keeps
	 * its backoff for type 1 and is not re-sent for type 0... */
	{ { TH, 1, 0, 1, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_THROTTLE,
	  DECIDE_WHY_NONE, 0 },
	/* ...nor is reconsumeLater that may have been applied. */
	{ { RC, 1, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_TYPE0, 0 },
	/* A fatal attempt that may have been applied (interrupted after
	 * sending): the run stops, the row is unknown, not failed. */
	{ { FA, 1, 0, 0, 1, 5, 0, 0 }, ABORT, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_FINAL, 0 },
	{ { FA, 1, 0, 1, 1, 5, 1, 0 }, ABORT, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_FINAL, 0 },
	{ { RF, 1, 0, 1, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_FINAL, 0 },
	/* Instance failures: the row failed, and so does its instance. */
	{ { IF, 0, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE, 1 },
	{ { IF, 0, 0, 1, 1, 5, 1, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE, 1 },
	{ { IF, 0, 0, 1, 1, 5, 0, 1 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE, 1 },
	/* ...after an ambiguous attempt this row is unknown; the instance
	 * still fails. */
	{ { IF, 0, 1, 0, 2, 5, 1, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_EARLIER, 1 },
};

static void
test_table(void)
{
	struct decide_result r;
	size_t i;
	int bad;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = decide(&rows[i].in);
		bad = r.action != rows[i].action || r.reason != rows[i].reason ||
		    r.fail_instance != rows[i].fail_instance;
		if (rows[i].action == DECIDE_RETRY)
			bad |= r.policy != rows[i].policy;
		else
			bad |= r.status != rows[i].status ||
			    r.policy != DECIDE_BACKOFF_NONE;
		if (bad)
			printf("\nrow %zu: action %d status %d policy %d "
			    "reason %d fail_instance %d\n", i, (int)r.action,
			    (int)r.status, (int)r.policy, (int)r.reason,
			    r.fail_instance);
		CU_ASSERT(!bad);
	}
}

static void
test_reason_text(void)
{
	CU_ASSERT_STRING_EQUAL(decide_reason_text(DECIDE_WHY_NONE), "");
	CU_ASSERT_PTR_NOT_NULL(strstr(decide_reason_text(
	    DECIDE_WHY_AMBIGUOUS_TYPE0), "--retry-ambiguous"));
	CU_ASSERT_PTR_NOT_NULL(strstr(decide_reason_text(
	    DECIDE_WHY_AMBIGUOUS_FINAL), "may have been applied"));
}

static CU_TestInfo decide_tests[] = {
	{ "decision table", test_table },
	{ "reason text", test_reason_text },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "decide", NULL, NULL, NULL, NULL, decide_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_decide", suites);
}
