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

/*
 * The adaptive limiter's policy on a fake clock: a cut learns the rate
 * at which the throttling happened and runs 2 % below it; replies in the
 * same second are one cut; probing starts after the quiet period.
 */
static void
test_adaptive_ceiling(void)
{
	const double m = 1 - RATELIMIT_MARGIN;
	struct ratelimit rl;
	int64_t t;

	ratelimit_init(&rl, 100, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 0), 100 * m, 1e-9);
	/* Pace for 2 s (the estimate sees what was sent). */
	for (t = 0; t < 2 * NS; t += 10 * MS)
		(void)ratelimit_reserve(&rl, t);
	CU_ASSERT_EQUAL(ratelimit_throttled(&rl, 2 * NS), 1);
	CU_ASSERT_DOUBLE_EQUAL(rl.ceiling, 100 * m, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 2 * NS), 100 * m * m,
	    1e-9);
	/* More replies of the same overload: one cut. */
	CU_ASSERT_EQUAL(ratelimit_throttled(&rl, 2 * NS + 300 * MS), 0);
	CU_ASSERT_EQUAL(rl.cuts, 1);
	/* Quiet for 10 s after the last reply: no probing yet. */
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 12 * NS + 300 * MS),
	    100 * m * m, 1e-9);
	/* Then +1 % of the ceiling per second, never above --rate. */
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 13 * NS + 300 * MS),
	    100 * m * 1.01 * m, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 1000 * NS), 100 * m, 1e-9);
	/* The same ceiling found again: the quiet period triples. */
	CU_ASSERT_EQUAL(ratelimit_throttled(&rl, 1000 * NS), 1);
	CU_ASSERT_EQUAL(rl.quiet_ns, 30 * NS);
	CU_ASSERT_DOUBLE_EQUAL(ratelimit_rate(&rl, 1029 * NS), 100 * m * m,
	    1e-9);
	/* Never below the floor, and a maximum below it stays. */
	ratelimit_init(&rl, 0.05, 1, 0);
	ratelimit_throttled(&rl, 0);
	CU_ASSERT(ratelimit_rate(&rl, 0) <= 0.05);
	CU_ASSERT(ratelimit_rate(&rl, 0) > 0);
}

/*
 * Cold start: whatever the burst capacity, the first request goes at
 * once and every later one waits its turn at the rate.
 */
static void
test_adaptive_cold_start(void)
{
	struct ratelimit rl;
	double slot;
	int i;

	ratelimit_init(&rl, 100, 50, 0);
	slot = 1e9 / ratelimit_rate(&rl, 0);
	CU_ASSERT_EQUAL(ratelimit_reserve(&rl, 0), 0);
	for (i = 1; i < 20; i++)
		CU_ASSERT(llabs(ratelimit_reserve(&rl, 0) -
		    (int64_t)(i * slot)) <= 1);
	ratelimit_init(&rl, 100, 50, 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 0), 0);
	CU_ASSERT(ratelimit_take(&rl, 0) > 0);
}

/* A simulated server: one limit of `limit` per second, enforced `kind`. */
enum sim_kind { SIM_TOKEN, SIM_FIXED, SIM_SLIDING };

#define SIM_MAX_N 1000
#define SIM_MAX_W 16

struct sim_server {
	enum sim_kind kind;
	long n;                      /* requests per second */
	struct ratelimit_bucket b;   /* SIM_TOKEN */
	int64_t win_start;           /* SIM_FIXED */
	long win_count;
	int64_t ring[SIM_MAX_N];     /* SIM_SLIDING: last n request times */
	long ring_len, head;
};

static void
sim_server_init(struct sim_server *s, enum sim_kind kind, long n)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->n = n;
	ratelimit_bucket_init(&s->b, (double)n, (double)n, 0);
	/* The fixed window's seconds are not the client's: offset them. */
	s->win_start = -370 * MS;
}

static int
sim_server_take(struct sim_server *s, int64_t t)
{
	int ok = 1;

	switch (s->kind) {
	case SIM_TOKEN:
		ok = ratelimit_bucket_take(&s->b, t) == 0;
		break;
	case SIM_FIXED:
		while (t >= s->win_start + NS) {
			s->win_start += NS;
			s->win_count = 0;
		}
		ok = s->win_count < s->n;
		s->win_count += ok;
		break;
	case SIM_SLIDING:
		ok = s->ring_len < s->n || t - s->ring[s->head] >= NS;
		s->ring[s->head] = t;
		s->head = (s->head + 1) % s->n;
		if (s->ring_len < s->n)
			s->ring_len++;
		break;
	}
	return ok;
}

struct sim_result {
	long accepted, throttled, throttled_first_s;
	double accepted_per_s; /* rows / time of the last acceptance */
	double max_per_s;      /* most requests sent in one clock second */
};

/*
 * `workers` engine workers on a fake clock, as the engine drives the
 * limiter: reserve a slot, sleep to it, send; the server answers after
 * 50 +- 20 ms; a throttled row is reported and retried after 250 ms.
 * Runs until `rows` were accepted.
 */
static void
sim_run(enum sim_kind kind, long limit, double rate, unsigned workers,
    long rows, uint64_t seed, struct sim_result *res)
{
	struct ratelimit rl;
	struct sim_server srv;
	struct rng r;
	int64_t next[SIM_MAX_W], t = 0, last_ok = 0, sec = 0;
	int phase[SIM_MAX_W], ok[SIM_MAX_W];
	long sent_in_sec = 0;
	unsigned i, k;

	sim_server_init(&srv, kind, limit);
	rng_seed(&r, seed);
	ratelimit_init(&rl, rate, rate / 10 < 1 ? 1 : rate / 10, 0);
	memset(res, 0, sizeof(*res));
	for (i = 0; i < workers; i++) {
		next[i] = 0;
		phase[i] = 0;
		ok[i] = 0;
	}
	while (res->accepted < rows && t < 3600 * NS) {
		k = 0;
		for (i = 1; i < workers; i++)
			if (next[i] < next[k])
				k = i;
		t = next[k];
		switch (phase[k]) {
		case 0: /* wants a slot */
			next[k] = t + ratelimit_reserve(&rl, t);
			phase[k] = 1;
			break;
		case 1: /* its slot: send */
			if (t / NS != sec) {
				sec = t / NS;
				sent_in_sec = 0;
			}
			if ((double)++sent_in_sec > res->max_per_s)
				res->max_per_s = (double)sent_in_sec;
			/* The network: 0-2 ms to the server. */
			ok[k] = sim_server_take(&srv, t +
			    (int64_t)(rng_double(&r) * 2 * MS));
			if (!ok[k] && t < NS)
				res->throttled_first_s++;
			next[k] = t + 30 * MS +
			    (int64_t)(rng_double(&r) * 40 * MS);
			phase[k] = 2;
			break;
		default: /* the answer */
			phase[k] = 0;
			if (ok[k]) {
				res->accepted++;
				last_ok = t;
			} else {
				res->throttled++;
				if (ratelimit_throttled(&rl, t) &&
				    getenv("SIM_DEBUG") != NULL)
					printf("\n  cut at %.3f s: ceiling %.2f",
					    (double)t / NS, rl.ceiling);
				next[k] = t + 250 * MS;
			}
			break;
		}
	}
	res->accepted_per_s = (double)res->accepted /
	    ((double)last_ok / NS);
}

static const char *const sim_kind_names[] = { "token", "fixed", "sliding" };

/*
 * The bench's shape on simulated time: each server kind, limit 100/s,
 * --rate 100, 3,000 rows; and the documented quota, limit and --rate 10,
 * 600 rows.  Accepted >= 97 % of the limit, throttled <= 0.5 % of the
 * requests, none in the first second, never over --rate in a second.
 */
static void
test_adaptive_servers(void)
{
	static const struct {
		long limit;
		double rate;
		long rows;
	} shapes[] = { { 100, 100, 3000 }, { 10, 10, 600 } };
	struct sim_result res;
	size_t s;
	int kind;
	uint64_t seed;

	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
	for (kind = SIM_TOKEN; kind <= SIM_SLIDING; kind++)
	for (seed = 1; seed <= 3; seed++) {
		sim_run((enum sim_kind)kind, shapes[s].limit, shapes[s].rate,
		    8, shapes[s].rows, seed, &res);
		if (getenv("SIM_VERBOSE") != NULL)
			printf("\n%-7s limit %3ld seed %d: %.2f/s, %ld "
			    "throttled, %ld in the first second, max %g/s",
			    sim_kind_names[kind], shapes[s].limit, (int)seed,
			    res.accepted_per_s, res.throttled,
			    res.throttled_first_s, res.max_per_s);
		CU_ASSERT(res.accepted_per_s >= 0.97 *
		    (double)shapes[s].limit);
		CU_ASSERT((double)res.throttled <=
		    0.005 * (double)(res.accepted + res.throttled));
		CU_ASSERT_EQUAL(res.throttled_first_s, 0);
		CU_ASSERT(res.max_per_s <= shapes[s].rate + 1);
	}
}

/*
 * A server under --rate (limits 95 and 40, --rate 100): the limiter
 * finds it from the rate at which throttling happens, or from the
 * accepted rate when far over, and settles near it instead of sawing
 * between halves.  A sliding window that counts refused requests refuses
 * everything over it, so the first cuts there overshoot downwards and
 * the requests the workers reserved ahead still go at the old pace.
 */
static void
test_adaptive_learns_lower_limit(void)
{
	static const long limits[] = { 95, 40 };
	struct sim_result res;
	size_t i;
	int kind, sliding;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
	for (kind = SIM_TOKEN; kind <= SIM_SLIDING; kind++) {
		sliding = kind == SIM_SLIDING;
		sim_run((enum sim_kind)kind, limits[i], 100, 8, 3000, 1, &res);
		if (getenv("SIM_VERBOSE") != NULL)
			printf("\n%-7s limit %ld --rate 100: %.2f/s, %ld "
			    "throttled", sim_kind_names[kind], limits[i],
			    res.accepted_per_s, res.throttled);
		CU_ASSERT(res.accepted_per_s >=
		    (sliding ? 0.8 : 0.9) * (double)limits[i]);
		CU_ASSERT((double)res.throttled <=
		    (limits[i] > 50 && !sliding ? 0.005 : 0.03) *
		    (double)(res.accepted + res.throttled));
	}
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
	{ "adaptive ceiling, quiet period, probe", test_adaptive_ceiling },
	{ "adaptive cold start", test_adaptive_cold_start },
	{ "adaptive against token, fixed, sliding", test_adaptive_servers },
	{ "adaptive learns a lower limit", test_adaptive_learns_lower_limit },
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
