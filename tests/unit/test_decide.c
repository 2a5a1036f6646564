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
} rows[] = {
	/* Success, first try or after retries; both types. */
	{ { OK, 0, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_OK, 0, DECIDE_WHY_NONE },
	{ { OK, 0, 0, 1, 4, 5, 0, 0 }, FIN, REPORT_OK, 0, DECIDE_WHY_NONE },
	/* Ok after an ambiguous attempt is still ok. */
	{ { OK, 0, 1, 1, 2, 5, 0, 0 }, FIN, REPORT_OK, 0, DECIDE_WHY_NONE },
	/* Row failures are never retried, even with attempts left. */
	{ { RF, 0, 0, 1, 1, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE },
	{ { RF, 0, 0, 0, 1, 5, 1, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE },
	/* ...but after an ambiguous attempt the truth is unknown. */
	{ { RF, 0, 1, 1, 2, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_EARLIER },
	/* Fatal: the row failed and the run stops. */
	{ { FA, 0, 0, 0, 1, 5, 0, 0 }, ABORT, REPORT_FAILED, 0,
	  DECIDE_WHY_NONE },
	{ { FA, 0, 1, 1, 3, 5, 0, 0 }, ABORT, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_EARLIER },
	/* Transient and throttled: retry with their backoff. */
	{ { TR, 0, 0, 0, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE },
	{ { TH, 0, 0, 1, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_THROTTLE,
	  DECIDE_WHY_NONE },
	{ { TR, 0, 0, 1, 4, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE },
	/* Out of attempts. */
	{ { TR, 0, 0, 1, 5, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED },
	{ { TH, 0, 0, 0, 1, 1, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED },
	{ { TR, 0, 1, 1, 5, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED },
	/* Stopping: no new attempt. */
	{ { TR, 0, 0, 1, 1, 5, 0, 1 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_STOPPING },
	{ { TH, 1, 0, 1, 1, 5, 0, 1 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_STOPPING },
	/* Ambiguous type 1: retried, unknown once out of attempts. */
	{ { TR, 1, 0, 1, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE },
	{ { TR, 1, 1, 1, 5, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED },
	/* Ambiguous type 0: unknown, never retried without the flag... */
	{ { TR, 1, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_TYPE0 },
	{ { TH, 1, 0, 0, 1, 5, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_AMBIGUOUS_TYPE0 },
	/* ...retried with it. */
	{ { TR, 1, 0, 0, 1, 5, 1, 0 }, RETRY, 0, DECIDE_BACKOFF_TRANSIENT,
	  DECIDE_WHY_NONE },
	{ { TR, 1, 1, 0, 5, 5, 1, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED },
	/* reconsumeLater: retried after a longer delay, failed if it stays. */
	{ { RC, 0, 0, 0, 1, 5, 0, 0 }, RETRY, 0, DECIDE_BACKOFF_RECONSUME,
	  DECIDE_WHY_NONE },
	{ { RC, 0, 0, 0, 5, 5, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED },
	{ { RC, 0, 0, 0, 2, 5, 0, 1 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_STOPPING },
	/* max-attempts 1: nothing is ever retried. */
	{ { TR, 1, 0, 1, 1, 1, 0, 0 }, FIN, REPORT_UNKNOWN, 0,
	  DECIDE_WHY_EXHAUSTED },
	{ { RC, 0, 0, 0, 1, 1, 0, 0 }, FIN, REPORT_FAILED, 0,
	  DECIDE_WHY_EXHAUSTED },
};

static void
test_table(void)
{
	struct decide_result r;
	size_t i;
	int bad;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = decide(&rows[i].in);
		bad = r.action != rows[i].action || r.reason != rows[i].reason;
		if (rows[i].action == DECIDE_RETRY)
			bad |= r.policy != rows[i].policy;
		else
			bad |= r.status != rows[i].status ||
			    r.policy != DECIDE_BACKOFF_NONE;
		if (bad)
			printf("\nrow %zu: action %d status %d policy %d "
			    "reason %d\n", i, (int)r.action, (int)r.status,
			    (int)r.policy, (int)r.reason);
		CU_ASSERT(!bad);
	}
}

static void
test_reason_text(void)
{
	CU_ASSERT_STRING_EQUAL(decide_reason_text(DECIDE_WHY_NONE), "");
	CU_ASSERT_PTR_NOT_NULL(strstr(decide_reason_text(
	    DECIDE_WHY_AMBIGUOUS_TYPE0), "--retry-ambiguous"));
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
