/*
 * test_pacing.c - rng, token bucket, adaptive limiter, backoff.
 *
 * Everything here is a pure function of state and a fake clock: no test
 * sleeps, and the figures are exact or bounded analytically.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "cu.h"
#include "ratelimit.h"
#include "rng.h"

#define NS INT64_C(1000000000)
#define MS INT64_C(1000000)

static void
test_rng_deterministic(void)
{
	struct rng a, b, c;
	int i, same;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	same = 0;
	for (i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);
		CU_ASSERT_EQUAL(x, rng_next(&b));
		same += x == rng_next(&c);
	}
	CU_ASSERT_EQUAL(same, 0);
	/* Seed 0 must not give a degenerate all-zero stream. */
	rng_seed(&a, 0);
	CU_ASSERT_NOT_EQUAL(rng_next(&a) | rng_next(&a), 0);
}

static void
test_rng_ranges(void)
{
	struct rng r;
	int i, hist[10];
	double d, sum;
	uint64_t v;

	memset(hist, 0, sizeof(hist));
	rng_seed(&r, 7);
	sum = 0;
	for (i = 0; i < 100000; i++) {
		d = rng_double(&r);
		CU_ASSERT_FATAL(d >= 0.0 && d < 1.0);
		sum += d;
		v = rng_below(&r, 10);
		CU_ASSERT_FATAL(v < 10);
		hist[v]++;
	}
	/* Mean of U[0,1) over 1e5 draws: sd ~ 0.0009. */
	CU_ASSERT(fabs(sum / 100000 - 0.5) < 0.005);
	for (i = 0; i < 10; i++)
		CU_ASSERT(hist[i] > 9500 && hist[i] < 10500);
	CU_ASSERT_EQUAL(rng_below(&r, 0), 0);
	CU_ASSERT_EQUAL(rng_below(&r, 1), 0);
	CU_ASSERT_EQUAL(rng_seed_random(&r, NULL), ERR_OK);
}

/*
 * A greedy client on a fake clock: it takes whenever granted and otherwise
 * jumps exactly the returned wait.  Returns the grants within `span_ns`.
 */
static long
pace_greedy(struct ratelimit_bucket *b, int64_t start, int64_t span_ns)
{
	int64_t now, w;
	long grants;

	grants = 0;
	now = start;
	while (now < start + span_ns) {
		w = ratelimit_bucket_take(b, now);
		if (w == 0)
			grants++;
		else {
			CU_ASSERT_FATAL(w > 0);
			now += w;
		}
	}
	return grants;
}

/* {rate, burst, seconds, expected grants} for a greedy client. */
static const struct {
	double rate;
	double burst;
	int seconds;
	long want;
} bucket_rows[] = {
	{ 10, 1, 10, 1 + 100 },       /* full bucket (1) + 10/s * 10 s */
	{ 10, 10, 10, 10 + 100 },     /* burst 10 */
	{ 100, 1, 60, 1 + 6000 },
	{ 2000, 5, 5, 5 + 10000 },
	{ 0.5, 1, 20, 1 + 10 },
	{ 3, 2, 1, 2 + 3 },
};

static void
test_bucket_rate(void)
{
	struct ratelimit_bucket b;
	size_t i;
	long got;

	for (i = 0; i < sizeof(bucket_rows) / sizeof(bucket_rows[0]); i++) {
		ratelimit_bucket_init(&b, bucket_rows[i].rate,
		    bucket_rows[i].burst, 1000 * NS);
		got = pace_greedy(&b, 1000 * NS, bucket_rows[i].seconds * NS);
		/* The last token may land exactly on the end: allow +-1. */
		if (labs(got - bucket_rows[i].want) > 1)
			printf("\nrow %zu: got %ld want %ld\n", i, got,
			    bucket_rows[i].want);
		CU_ASSERT(labs(got - bucket_rows[i].want) <= 1);
	}
}

static void
test_bucket_burst_and_wait(void)
{
	struct ratelimit_bucket b;
	int i;

	ratelimit_bucket_init(&b, 10, 3, 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 0), 0);
	/* Empty: the next token is 100 ms away, and stays away. */
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 0), 100 * MS);
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 40 * MS), 60 * MS);
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 100 * MS), 0);
	/* Idle for an hour: only `burst` tokens are saved up. */
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 3600 * NS), 0);
	CU_ASSERT(ratelimit_bucket_take(&b, 3600 * NS) > 0);
	/* Time going backwards neither grants nor breaks anything. */
	CU_ASSERT(ratelimit_bucket_take(&b, 10 * NS) > 0);
	/* Burst below 1 is raised to 1; rate 0 never grants a refill. */
	ratelimit_bucket_init(&b, 0, 0, 0);
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 0), 0);
	CU_ASSERT(ratelimit_bucket_take(&b, 1000 * NS) > 1000 * NS);
}

static void
test_bucket_set_rate(void)
{
	struct ratelimit_bucket b;

	ratelimit_bucket_init(&b, 10, 1, 0);
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 0), 0);
	/* Half a token accrued at 10/s, then the rate drops to 1/s. */
	ratelimit_bucket_set_rate(&b, 1, 50 * MS);
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 50 * MS), 500 * MS);
	ratelimit_bucket_drain(&b, 50 * MS);
	CU_ASSERT_EQUAL(ratelimit_bucket_take(&b, 50 * MS), 1000 * MS);
}

/*
 * Reservations: n callers reserving at the same instant get slots 1/rate
 * apart; over a long run, callers that each sleep their wait and reserve
 * again send exactly rate per second.
 */
static void
test_bucket_reserve(void)
{
	struct ratelimit_bucket b;
	int64_t next[8], now;
	long sent;
	int i, k;

	ratelimit_bucket_init(&b, 100, 1, 0);
	CU_ASSERT_EQUAL(ratelimit_bucket_reserve(&b, 0), 0);
	for (i = 1; i <= 5; i++)
		CU_ASSERT_EQUAL(ratelimit_bucket_reserve(&b, 0), i * 10 * MS);
	/* 8 workers, each: reserve, sleep the wait, send, reserve again. */
	ratelimit_bucket_init(&b, 250, 5, 0);
	for (k = 0; k < 8; k++)
		next[k] = ratelimit_bucket_reserve(&b, 0);
	sent = 0;
	for (;;) {
		k = 0;
		for (i = 1; i < 8; i++)
			if (next[i] < next[k])
				k = i;
		now = next[k];
		if (now >= 60 * NS)
			break;
		sent++;
		next[k] = now + ratelimit_bucket_reserve(&b, now);
	}
	/* 5 burst tokens + 250/s for 60 s, within one token. */
	CU_ASSERT(labs(sent - (5 + 250 * 60)) <= 1);
}

static void
test_aimd_cut_recover(void)
{
	struct ratelimit rl;
	int64_t t;

	ratelimit_init(&rl, 100, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 0), 100, 1e-9);
	CU_ASSERT_EQUAL(ratelimit_throttled(&rl, 1 * NS), 1);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 1 * NS), 50, 1e-9);
	/* A burst of throttling replies within the window is one cut. */
	CU_ASSERT_EQUAL(ratelimit_throttled(&rl, 1 * NS + 300 * MS), 0);
	CU_ASSERT_EQUAL(rl.cuts, 1);
	/* Recovery: +max/20 = 5/s per second. */
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 3 * NS), 60, 1e-6);
	CU_ASSERT_EQUAL(ratelimit_throttled(&rl, 3 * NS), 1);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 3 * NS), 30, 1e-6);
	/* Never above the configured rate, however long it recovers. */
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 1000 * NS), 100, 1e-9);
	/*
	 * One cut a second against +5/s of recovery settles where
	 * r = r/2 + 5, i.e. at 10/s.
	 */
	for (t = 2000; t < 2100; t++)
		ratelimit_throttled(&rl, t * NS);
	CU_ASSERT(ratelimit_rate(&rl, 2100 * NS) > 9.9);
	CU_ASSERT(ratelimit_rate(&rl, 2100 * NS) < 10.1);
	/* Without recovery, repeated cuts stop exactly at the floor. */
	rl.recover_per_s = 0;
	for (t = 3000; t < 3100; t++)
		ratelimit_throttled(&rl, t * NS);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 3100 * NS),
	    RATELIMIT_MIN_RATE, 1e-12);
	/* A ceiling below the floor is not raised by the floor. */
	ratelimit_init(&rl, 0.05, 1, 0);
	ratelimit_throttled(&rl, 0);
	CU_ASSERT(ratelimit_rate(&rl, 0) <= 0.05);
}

/*
 * A greedy client under the adaptive limiter, throttled every time it
 * sends faster than `server` per second over the last second: it must
 * never exceed --rate, and must settle near the server's limit.
 */
static void
test_aimd_converges(void)
{
	struct ratelimit rl;
	int64_t now, w, sec_start;
	long sent_in_sec, total, throttled;
	double max_seen;

	ratelimit_init(&rl, 200, 1, 0);
	now = 0;
	sec_start = 0;
	sent_in_sec = total = throttled = 0;
	max_seen = 0;
	while (now < 120 * NS) {
		if (now - sec_start >= NS) {
			if (sent_in_sec > max_seen)
				max_seen = (double)sent_in_sec;
			sec_start = now;
			sent_in_sec = 0;
		}
		w = ratelimit_take(&rl, now);
		if (w > 0) {
			now += w;
			continue;
		}
		total++;
		if (++sent_in_sec > 80) {
			throttled++;
			ratelimit_throttled(&rl, now);
		}
	}
	CU_ASSERT(max_seen <= 201);
	CU_ASSERT(ratelimit_rate(&rl, now) <= 200);
	/* AIMD keeps well above half the server limit on average. */
	CU_ASSERT((double)total / 120 > 40);
	CU_ASSERT((double)throttled / (double)total < 0.2);
}

/* {policy, retry, draw, hint, expected} */
static const struct {
	struct backoff_policy p;
	unsigned retry;
	double draw;
	int64_t hint;
	int64_t want;
} backoff_rows[] = {
	{ BACKOFF_POLICY_TRANSIENT, 1, 0.999999, 0, 99999900 },
	{ BACKOFF_POLICY_TRANSIENT, 0, 0.5, 0, 50 * MS },
	{ BACKOFF_POLICY_TRANSIENT, 1, 0.5, 0, 50 * MS },
	{ BACKOFF_POLICY_TRANSIENT, 2, 0.5, 0, 100 * MS },
	{ BACKOFF_POLICY_TRANSIENT, 3, 0.5, 0, 200 * MS },
	{ BACKOFF_POLICY_TRANSIENT, 8, 0.5, 0, 6400 * MS },
	{ BACKOFF_POLICY_TRANSIENT, 9, 0.5, 0, 10 * NS },  /* capped at 20 s */
	{ BACKOFF_POLICY_TRANSIENT, 200, 0.5, 0, 10 * NS },/* no overflow */
	{ BACKOFF_POLICY_TRANSIENT, 4000000000u, 0.25, 0, 5 * NS },
	{ BACKOFF_POLICY_TRANSIENT, 1, 0.0, 0, 0 },        /* full jitter */
	{ BACKOFF_POLICY_TRANSIENT, 1, -3.0, 0, 0 },       /* clamped */
	{ BACKOFF_POLICY_TRANSIENT, 1, 7.0, 0, 100 * MS }, /* clamped */
	{ BACKOFF_POLICY_TRANSIENT, 1, 0.1, 3 * NS, 3 * NS }, /* hint wins */
	{ BACKOFF_POLICY_TRANSIENT, 9, 0.9, 60 * NS, 60 * NS }, /* > cap */
	{ BACKOFF_POLICY_TRANSIENT, 9, 0.9, 1 * NS, 18 * NS }, /* computed */
	{ BACKOFF_POLICY_THROTTLE, 1, 0.5, 0, 250 * MS },
	{ BACKOFF_POLICY_THROTTLE, 4, 0.5, 0, 2000 * MS },
	{ BACKOFF_POLICY_THROTTLE, 7, 1.0, 0, 20 * NS },
	{ BACKOFF_POLICY_RECONSUME, 1, 0.0, 0, 1 * NS },   /* floor */
	{ BACKOFF_POLICY_RECONSUME, 1, 0.75, 0, 1500 * MS },
	{ BACKOFF_POLICY_RECONSUME, 3, 0.5, 0, 4 * NS },
	{ { 0, 0, 0 }, 5, 0.5, 0, 0 },                     /* degenerate */
};

static void
test_backoff_table(void)
{
	size_t i;
	int64_t got;

	for (i = 0; i < sizeof(backoff_rows) / sizeof(backoff_rows[0]); i++) {
		got = backoff_delay_ns(&backoff_rows[i].p,
		    backoff_rows[i].retry, backoff_rows[i].draw,
		    backoff_rows[i].hint);
		if (got != backoff_rows[i].want)
			printf("\nrow %zu: got %lld want %lld\n", i,
			    (long long)got, (long long)backoff_rows[i].want);
		CU_ASSERT_EQUAL(got, backoff_rows[i].want);
	}
}

static CU_TestInfo rng_tests[] = {
	{ "deterministic", test_rng_deterministic },
	{ "ranges", test_rng_ranges },
	CU_TEST_INFO_NULL
};

static CU_TestInfo ratelimit_tests[] = {
	{ "bucket rate table", test_bucket_rate },
	{ "bucket burst and wait", test_bucket_burst_and_wait },
	{ "bucket set rate", test_bucket_set_rate },
	{ "bucket reservations", test_bucket_reserve },
	{ "aimd cut and recover", test_aimd_cut_recover },
	{ "aimd converges under a server limit", test_aimd_converges },
	CU_TEST_INFO_NULL
};

static CU_TestInfo backoff_tests[] = {
	{ "table", test_backoff_table },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "rng", NULL, NULL, NULL, NULL, rng_tests },
	{ "ratelimit", NULL, NULL, NULL, NULL, ratelimit_tests },
	{ "backoff", NULL, NULL, NULL, NULL, backoff_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_pacing", suites);
}
