/*
 * test_emu_qps.c - the emulator's per-account QPS limiters: token
 * bucket, fixed and sliding window, on a fake clock.
 */
#include <stdint.h>

#include "cu.h"
#include "emu_qps.h"

#define NS INT64_C(1000000000)
#define MS INT64_C(1000000)

/* Requests granted for action 0 at each of `n` times start + i * step. */
static long
qps_granted(struct emu_qps *q, int64_t start, int64_t step, long n)
{
	long i, ok = 0;

	for (i = 0; i < n; i++)
		ok += emu_qps_take(q, 0, start + i * step);
	return ok;
}

static void
test_window_parse(void)
{
	enum emu_qps_window w = EMU_QPS_FIXED;

	CU_ASSERT_EQUAL(emu_qps_window_parse("token", &w), 0);
	CU_ASSERT_EQUAL(w, EMU_QPS_TOKEN);
	CU_ASSERT_EQUAL(emu_qps_window_parse("fixed", &w), 0);
	CU_ASSERT_EQUAL(w, EMU_QPS_FIXED);
	CU_ASSERT_EQUAL(emu_qps_window_parse("sliding", &w), 0);
	CU_ASSERT_EQUAL(w, EMU_QPS_SLIDING);
	CU_ASSERT_EQUAL(emu_qps_window_parse("leaky", &w), -1);
	CU_ASSERT_EQUAL(w, EMU_QPS_SLIDING);
}

/* Token: a full bucket of one second's worth, then the rate. */
static void
test_token(void)
{
	double rates[2] = { 10, 0 };
	struct emu_qps *q = emu_qps_new(2, rates, EMU_QPS_TOKEN, 0);
	long n;

	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_EQUAL(qps_granted(q, 0, 0, 15), 10);
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 50 * MS), 0);
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 100 * MS), 1);
	/* 20/s offered for 10 s: 10/s granted, plus the 9 tokens saved
	 * up since the last grant. */
	n = qps_granted(q, NS, 50 * MS, 200);
	CU_ASSERT(n >= 107 && n <= 110);
	/* Unlimited and unknown actions always pass. */
	CU_ASSERT_EQUAL(qps_granted(q, 0, 0, 1000), 0);
	CU_ASSERT_EQUAL(emu_qps_take(q, 1, 0), 1);
	CU_ASSERT_EQUAL(emu_qps_take(q, 7, 0), 1);
	emu_qps_destroy(q);
}

/* Fixed: n per clock second, the count reset at each second. */
static void
test_fixed(void)
{
	double rates[1] = { 10 };
	struct emu_qps *q = emu_qps_new(1, rates, EMU_QPS_FIXED, 0);

	CU_ASSERT_FATAL(q != NULL);
	/* 10 at the end of one second and 10 at the start of the next:
	 * 20 within 2 ms, all granted (what a fixed window allows). */
	CU_ASSERT_EQUAL(qps_granted(q, 999 * MS, 0, 12), 10);
	CU_ASSERT_EQUAL(qps_granted(q, 1000 * MS, 0, 12), 10);
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 1999 * MS), 0);
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 2000 * MS), 1);
	emu_qps_destroy(q);
	/* Below 1/s: one per 1/rate seconds. */
	rates[0] = 0.5;
	q = emu_qps_new(1, rates, EMU_QPS_FIXED, 0);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_EQUAL(qps_granted(q, 0, 500 * MS, 8), 2);
	emu_qps_destroy(q);
}

/* Sliding: n in any second, refused requests counted. */
static void
test_sliding(void)
{
	double rates[1] = { 10 };
	struct emu_qps *q = emu_qps_new(1, rates, EMU_QPS_SLIDING, 0);

	CU_ASSERT_FATAL(q != NULL);
	/* Exactly 10/s evenly: all granted, for 10 s. */
	CU_ASSERT_EQUAL(qps_granted(q, 0, 100 * MS, 100), 100);
	/* One more squeezed in: refused... */
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 9950 * MS), 0);
	/* ...and it counts: the next on-time request is refused too. */
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 10000 * MS), 0);
	emu_qps_destroy(q);
	/* Unlike fixed, 20 within 2 ms across a second boundary: 10. */
	q = emu_qps_new(1, rates, EMU_QPS_SLIDING, 0);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_EQUAL(qps_granted(q, 999 * MS, 0, 12), 10);
	CU_ASSERT_EQUAL(qps_granted(q, 1000 * MS, 0, 12), 0);
	/* A client that keeps sending 20/s is never let through... */
	CU_ASSERT_EQUAL(qps_granted(q, 1050 * MS, 50 * MS, 100), 0);
	/* ...until it pauses a full second. */
	CU_ASSERT_EQUAL(emu_qps_take(q, 0, 7050 * MS), 1);
	emu_qps_destroy(q);
}

static CU_TestInfo qps_tests[] = {
	{ "window names", test_window_parse },
	{ "token bucket", test_token },
	{ "fixed window", test_fixed },
	{ "sliding window", test_sliding },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "emu_qps", NULL, NULL, NULL, NULL, qps_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_emu_qps", suites);
}
