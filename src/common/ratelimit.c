/*
 * ratelimit.c - token bucket and adaptive limiter.  See include/common/ratelimit.h.
 *
 * Tokens are kept as a double: at the rates we use (0.1 to a few thousand
 * per second) and run lengths (hours), the rounding error is far below
 * one token.  The wait returned is rounded up so that a caller sleeping
 * exactly that long finds a whole token.
 */
#include "ratelimit.h"

#include <math.h>

#define RATELIMIT_NS_PER_S 1e9
#define RATELIMIT_TINY_RATE 1e-9

/* Accrue tokens for the time since the last refill. */
static void
ratelimit_bucket_refill(struct ratelimit_bucket *b, int64_t now_ns)
{
	double dt;

	if (now_ns <= b->last_ns)
		return;
	dt = (double)(now_ns - b->last_ns) / RATELIMIT_NS_PER_S;
	b->tokens += dt * b->rate;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last_ns = now_ns;
}

void
ratelimit_bucket_init(struct ratelimit_bucket *b, double rate, double burst,
    int64_t now_ns)
{
	b->rate = rate > RATELIMIT_TINY_RATE ? rate : RATELIMIT_TINY_RATE;
	b->burst = burst >= 1.0 ? burst : 1.0;
	b->tokens = b->burst;
	b->last_ns = now_ns;
}

int64_t
ratelimit_bucket_take(struct ratelimit_bucket *b, int64_t now_ns)
{
	double missing, wait;

	ratelimit_bucket_refill(b, now_ns);
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	missing = 1.0 - b->tokens;
	wait = ceil(missing / b->rate * RATELIMIT_NS_PER_S);
	if (wait < 1.0)
		wait = 1.0;
	if (wait > (double)INT64_MAX / 2)
		wait = (double)INT64_MAX / 2;
	return (int64_t)wait;
}

int64_t
ratelimit_bucket_reserve(struct ratelimit_bucket *b, int64_t now_ns)
{
	double wait;

	ratelimit_bucket_refill(b, now_ns);
	b->tokens -= 1.0;
	if (b->tokens >= 0.0)
		return 0;
	wait = ceil(-b->tokens / b->rate * RATELIMIT_NS_PER_S);
	if (wait > (double)INT64_MAX / 2)
		wait = (double)INT64_MAX / 2;
	return (int64_t)wait;
}

void
ratelimit_bucket_set_rate(struct ratelimit_bucket *b, double rate,
    int64_t now_ns)
{
	ratelimit_bucket_refill(b, now_ns);
	b->rate = rate > RATELIMIT_TINY_RATE ? rate : RATELIMIT_TINY_RATE;
}

void
ratelimit_bucket_drain(struct ratelimit_bucket *b, int64_t now_ns)
{
	ratelimit_bucket_refill(b, now_ns);
	if (b->tokens > 0.0)
		b->tokens = 0.0;
}

/* Forget every bin of a history. */
static void
ratelimit_history_clear(struct ratelimit_history *h)
{
	int i;

	for (i = 0; i < RATELIMIT_BINS; i++) {
		h->bin[i] = -1;
		h->count[i] = 0;
	}
}

/* Bin index of a time; times before the epoch fall in bin 0. */
static int64_t
ratelimit_bin_of(int64_t t_ns)
{
	return t_ns > 0 ? t_ns / RATELIMIT_BIN_NS : 0;
}

/* Count one event at t_ns; an event older than its slot's bin is lost. */
static void
ratelimit_history_add(struct ratelimit_history *h, int64_t t_ns)
{
	int64_t b = ratelimit_bin_of(t_ns);
	int i = (int)(b % RATELIMIT_BINS);

	if (h->bin[i] < b) {
		h->bin[i] = b;
		h->count[i] = 0;
	}
	if (h->bin[i] == b)
		h->count[i]++;
}

/* Events in the RATELIMIT_WINDOW_BINS bins ending with now_ns's. */
static double
ratelimit_history_sum(const struct ratelimit_history *h, int64_t now_ns)
{
	int64_t b = ratelimit_bin_of(now_ns);
	double n = 0;
	int i;

	for (i = 0; i < RATELIMIT_BINS; i++)
		if (h->bin[i] <= b && h->bin[i] > b - RATELIMIT_WINDOW_BINS)
			n += h->count[i];
	return n;
}

void
ratelimit_init(struct ratelimit *rl, double max_rate, double burst,
    int64_t now_ns)
{
	if (max_rate <= RATELIMIT_TINY_RATE)
		max_rate = RATELIMIT_TINY_RATE;
	ratelimit_bucket_init(&rl->bucket, max_rate, burst, now_ns);
	/* One request ahead, not a bucketful: the server's window may
	 * already hold other clients' requests. */
	rl->bucket.tokens = 1.0;
	rl->max_rate = max_rate;
	rl->min_rate = max_rate < RATELIMIT_MIN_RATE ? max_rate :
	    RATELIMIT_MIN_RATE;
	rl->ceiling = 0;
	rl->quiet_ns = RATELIMIT_QUIET_NS;
	rl->start_ns = now_ns;
	rl->last_cut_ns = INT64_MIN;
	rl->last_throttle_ns = INT64_MIN;
	ratelimit_history_clear(&rl->sent);
	ratelimit_history_clear(&rl->throttles);
	rl->cuts = 0;
}

/*
 * The rate due at now_ns: RATELIMIT_MARGIN below the ceiling (the
 * maximum until one is learned), which grows by RATELIMIT_PROBE of
 * itself per second once the quiet period after the last throttling
 * reply is over, up to the maximum.
 */
static double
ratelimit_due(const struct ratelimit *rl, int64_t now_ns)
{
	double c, rate;
	int64_t probe_from;

	c = rl->max_rate;
	if (rl->ceiling > 0) {
		c = rl->ceiling;
		probe_from = rl->last_throttle_ns + rl->quiet_ns;
		if (now_ns > probe_from)
			c += c * RATELIMIT_PROBE * ((double)(now_ns -
			    probe_from) / RATELIMIT_NS_PER_S);
		if (c > rl->max_rate)
			c = rl->max_rate;
	}
	rate = c * (1.0 - RATELIMIT_MARGIN);
	if (rate < rl->min_rate)
		rate = rl->min_rate;
	return rate;
}

/* Bring the bucket's rate to the one due at now_ns. */
static void
ratelimit_adjust(struct ratelimit *rl, int64_t now_ns)
{
	double rate = ratelimit_due(rl, now_ns);

	if (rate != rl->bucket.rate)
		ratelimit_bucket_set_rate(&rl->bucket, rate, now_ns);
}

int64_t
ratelimit_take(struct ratelimit *rl, int64_t now_ns)
{
	int64_t w;

	ratelimit_adjust(rl, now_ns);
	w = ratelimit_bucket_take(&rl->bucket, now_ns);
	if (w == 0)
		ratelimit_history_add(&rl->sent, now_ns);
	return w;
}

int64_t
ratelimit_reserve(struct ratelimit *rl, int64_t now_ns)
{
	int64_t w;

	ratelimit_adjust(rl, now_ns);
	w = ratelimit_bucket_reserve(&rl->bucket, now_ns);
	ratelimit_history_add(&rl->sent, now_ns + w);
	return w;
}

/*
 * The server's limit as seen at now_ns: the pace rate, or what went out
 * in the last second less what came back throttled when that is clearly
 * lower (a client slower than its pace, or far over the limit).
 */
static double
ratelimit_estimate(const struct ratelimit *rl, int64_t now_ns)
{
	double span, sent, got, pace;

	span = (double)(now_ns - rl->start_ns) / RATELIMIT_NS_PER_S;
	if (span > 1.0)
		span = 1.0;
	if (span < 0.25)
		span = 0.25;
	sent = ratelimit_history_sum(&rl->sent, now_ns);
	got = (sent - ratelimit_history_sum(&rl->throttles, now_ns)) / span;
	pace = rl->bucket.rate;
	if (sent >= RATELIMIT_MIN_SAMPLE && got < pace * 0.9)
		return got > pace / 2 ? got : pace / 2;
	return pace;
}

int
ratelimit_throttled(struct ratelimit *rl, int64_t now_ns)
{
	double est;

	ratelimit_adjust(rl, now_ns);
	ratelimit_history_add(&rl->throttles, now_ns);
	/* No saved-up tokens, and one slot more of quiet: the refused
	 * request counted in the server's window like an accepted one. */
	ratelimit_bucket_drain(&rl->bucket, now_ns);
	rl->bucket.tokens -= 1.0;
	rl->bucket.burst = 1.0;
	if (now_ns > rl->last_throttle_ns)
		rl->last_throttle_ns = now_ns;
	if (rl->last_cut_ns != INT64_MIN &&
	    now_ns - rl->last_cut_ns < RATELIMIT_CUT_WINDOW_NS)
		return 0;
	est = ratelimit_estimate(rl, now_ns);
	/* The same ceiling found again: wait longer before probing. */
	if (rl->ceiling > 0 && est >= rl->ceiling * 0.9) {
		rl->quiet_ns *= 3;
		if (rl->quiet_ns > RATELIMIT_QUIET_MAX_NS)
			rl->quiet_ns = RATELIMIT_QUIET_MAX_NS;
	} else
		rl->quiet_ns = RATELIMIT_QUIET_NS;
	rl->ceiling = est;
	rl->last_cut_ns = now_ns;
	rl->cuts++;
	ratelimit_adjust(rl, now_ns);
	return 1;
}

double
ratelimit_rate(struct ratelimit *rl, int64_t now_ns)
{
	ratelimit_adjust(rl, now_ns);
	return rl->bucket.rate;
}
