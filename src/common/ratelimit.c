/*
 * ratelimit.c - token bucket and AIMD limiter.  See include/common/ratelimit.h.
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

void
ratelimit_init(struct ratelimit *rl, double max_rate, double burst,
    int64_t now_ns)
{
	if (max_rate <= RATELIMIT_TINY_RATE)
		max_rate = RATELIMIT_TINY_RATE;
	ratelimit_bucket_init(&rl->bucket, max_rate, burst, now_ns);
	rl->max_rate = max_rate;
	rl->min_rate = max_rate < RATELIMIT_MIN_RATE ? max_rate :
	    RATELIMIT_MIN_RATE;
	rl->cut_factor = RATELIMIT_CUT_FACTOR;
	rl->recover_per_s = max_rate / 20.0;
	rl->cut_window_ns = RATELIMIT_CUT_WINDOW_NS;
	rl->last_cut_ns = INT64_MIN;
	rl->last_adjust_ns = now_ns;
	rl->cuts = 0;
}

/* Additive increase for the time since the last adjustment. */
static void
ratelimit_recover(struct ratelimit *rl, int64_t now_ns)
{
	double rate, dt;

	if (now_ns <= rl->last_adjust_ns)
		return;
	dt = (double)(now_ns - rl->last_adjust_ns) / RATELIMIT_NS_PER_S;
	rl->last_adjust_ns = now_ns;
	rate = rl->bucket.rate;
	if (rate >= rl->max_rate)
		return;
	rate += dt * rl->recover_per_s;
	if (rate > rl->max_rate)
		rate = rl->max_rate;
	ratelimit_bucket_set_rate(&rl->bucket, rate, now_ns);
}

int64_t
ratelimit_take(struct ratelimit *rl, int64_t now_ns)
{
	ratelimit_recover(rl, now_ns);
	return ratelimit_bucket_take(&rl->bucket, now_ns);
}

int64_t
ratelimit_reserve(struct ratelimit *rl, int64_t now_ns)
{
	ratelimit_recover(rl, now_ns);
	return ratelimit_bucket_reserve(&rl->bucket, now_ns);
}

int
ratelimit_throttled(struct ratelimit *rl, int64_t now_ns)
{
	double rate;

	ratelimit_recover(rl, now_ns);
	ratelimit_bucket_drain(&rl->bucket, now_ns);
	if (rl->last_cut_ns != INT64_MIN &&
	    now_ns - rl->last_cut_ns < rl->cut_window_ns)
		return 0;
	rate = rl->bucket.rate * rl->cut_factor;
	if (rate < rl->min_rate)
		rate = rl->min_rate;
	ratelimit_bucket_set_rate(&rl->bucket, rate, now_ns);
	rl->last_cut_ns = now_ns;
	rl->cuts++;
	return 1;
}

double
ratelimit_rate(struct ratelimit *rl, int64_t now_ns)
{
	ratelimit_recover(rl, now_ns);
	return rl->bucket.rate;
}
