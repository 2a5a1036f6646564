/*
 * ratelimit.h - a token bucket and an adaptive rate limiter that learns
 * the server's limit.
 *
 * Design (after curl's lib/ratelimit.h): both are pure functions of their
 * state and a caller-supplied monotonic time `now_ns`, so they are tested
 * with a fake clock and never sleep.  The caller decides what to do with
 * "wait N ns" (sleep, or answer Throttling as the emulator does).
 *
 * struct ratelimit_bucket - the plain bucket.  `rate` tokens per second
 * accrue up to `burst`; each request takes one.  A fresh bucket is full.
 *
 * struct ratelimit - the adaptive limiter used by `mqreset run`: a bucket
 * paced at a rate that learns where the server's limit is.  The policy:
 *  - It runs RATELIMIT_MARGIN below its ceiling, at first the
 *    configured maximum (the operator's --rate): a server that counts
 *    any one-second window refuses a client paced exactly at its limit
 *    as soon as network jitter brings two requests closer.  It starts at
 *    most one request ahead: the first request goes at once, the next
 *    one a slot later, whatever the burst capacity.
 *  - On a throttling reply (ratelimit_throttled) it takes the rate at
 *    which the throttling happened as the server's ceiling: the pace
 *    rate, or the rate actually sent in the last second less the
 *    throttled replies in it when that is clearly lower (the client was
 *    slower than its pace, or far over the limit; at most half the pace
 *    lower).  It then runs below that ceiling, drops the tokens saved up,
 *    keeps one slot of quiet per throttling reply (the refused request
 *    counted in the server's window) and
 *    from then on allows no burst (burst 1): a server that throttles may
 *    count any one-second window.  Throttling replies within
 *    RATELIMIT_CUT_WINDOW_NS of a cut belong to the same overload and
 *    change nothing.
 *  - After a quiet period without throttling (RATELIMIT_QUIET_NS after
 *    the first cut, three times longer each time a cut finds the same
 *    ceiling again, up to RATELIMIT_QUIET_MAX_NS) the ceiling is probed
 *    upwards by RATELIMIT_PROBE of itself per second, up to the maximum.
 *  - The rate is never above the maximum nor below a floor.
 * The limiter never sleeps and keeps its own small history (requests
 * reserved and throttling replies per RATELIMIT_BIN_NS over the last
 * second), so it stays a pure function of its state and the times given.
 *
 * Thread-safety: none inside.  The emulator keeps one bucket per action under
 * its own lock; the engine shares one `struct ratelimit` between all
 * workers and holds the engine's limiter mutex around every call
 * (ratelimit_reserve, ratelimit_throttled, ratelimit_rate).
 */
#ifndef MQR_RATELIMIT_H
#define MQR_RATELIMIT_H

#include <stdint.h>

struct ratelimit_bucket {
	double rate;     /* tokens per second, > 0 */
	double burst;    /* capacity in tokens, >= 1 */
	double tokens;   /* tokens available at `last_ns` */
	int64_t last_ns; /* time of the last refill */
};

/*
 * Start a full bucket at `now_ns`.  rate <= 0 is treated as a tiny rate
 * (1e-9/s), burst < 1 as 1.
 */
void
ratelimit_bucket_init(struct ratelimit_bucket *b, double rate, double burst,
    int64_t now_ns);

/*
 * Take one token at `now_ns`.  Returns 0 when granted (the token is
 * consumed), else the number of nanoseconds (>= 1) until one will be
 * available; nothing is consumed then.  Time going backwards is ignored.
 */
int64_t
ratelimit_bucket_take(struct ratelimit_bucket *b, int64_t now_ns);

/*
 * Reserve the next token at `now_ns` and return how long to wait for it
 * (0: at once).  Unlike ratelimit_bucket_take(), the token is always
 * consumed and the balance may go negative: concurrent callers each get
 * their own, later slot (virtual scheduling), so a pool of waiting
 * threads wakes once per request instead of polling.  A caller that
 * reserves and then does not send wastes its slot; the long-run rate
 * never exceeds `rate`.
 */
int64_t
ratelimit_bucket_reserve(struct ratelimit_bucket *b, int64_t now_ns);

/*
 * Change the rate from `now_ns` on: tokens accrued so far at the old rate
 * are kept (capped at the burst).
 */
void
ratelimit_bucket_set_rate(struct ratelimit_bucket *b, double rate,
    int64_t now_ns);

/* Drop every token available at `now_ns` (after a throttling reply). */
void
ratelimit_bucket_drain(struct ratelimit_bucket *b, int64_t now_ns);

/*
 * Counts per RATELIMIT_BIN_NS (see ratelimit): the last second is read,
 * the bins beyond it hold slots reserved ahead (up to 2.2 s ahead).
 */
#define RATELIMIT_BINS 64
#define RATELIMIT_BIN_NS INT64_C(50000000)
#define RATELIMIT_WINDOW_BINS 20
/* Fewer requests than this in the last second: too few to estimate. */
#define RATELIMIT_MIN_SAMPLE 20

struct ratelimit_history {
	int64_t bin[RATELIMIT_BINS];    /* absolute bin index held, -1 none */
	uint32_t count[RATELIMIT_BINS]; /* events in that bin */
};

struct ratelimit {
	struct ratelimit_bucket bucket; /* paced at the current rate */
	double max_rate;        /* the configured ceiling (--rate) */
	double min_rate;        /* floor of the cuts */
	double ceiling;         /* learned server limit, 0 = none yet */
	int64_t quiet_ns;       /* quiet period before probing */
	int64_t start_ns;       /* ratelimit_init's time */
	int64_t last_cut_ns;    /* time of the last cut, INT64_MIN if none */
	int64_t last_throttle_ns; /* last throttling reply, INT64_MIN none */
	struct ratelimit_history sent;      /* reserved slots, by slot time */
	struct ratelimit_history throttles; /* throttling replies */
	uint64_t cuts;          /* number of cuts applied (summary) */
};

/* Policy constants of the adaptive layer (see struct ratelimit). */
#define RATELIMIT_MARGIN 0.015
#define RATELIMIT_PROBE 0.01
#define RATELIMIT_MIN_RATE 0.1
#define RATELIMIT_CUT_WINDOW_NS INT64_C(1000000000)
#define RATELIMIT_QUIET_NS INT64_C(10000000000)
#define RATELIMIT_QUIET_MAX_NS INT64_C(120000000000)

/*
 * Start an adaptive limiter at `max_rate` with `burst` at `now_ns`: no
 * ceiling learned, one token in the bucket (no initial burst), the floor
 * min(0.1/s, max_rate).
 */
void
ratelimit_init(struct ratelimit *rl, double max_rate, double burst,
    int64_t now_ns);

/* As ratelimit_bucket_take, at the rate due at now_ns. */
int64_t
ratelimit_take(struct ratelimit *rl, int64_t now_ns);

/*
 * As ratelimit_bucket_reserve, at the rate due at now_ns; the slot is
 * counted as sent at its time (now_ns + the wait returned).
 */
int64_t
ratelimit_reserve(struct ratelimit *rl, int64_t now_ns);

/*
 * Report a throttling reply seen at `now_ns` (call it for every one):
 * learn the ceiling and cut the rate below it, unless a cut happened
 * within the window and this reply does not show the ceiling far lower.
 * Returns 1 when the rate was cut, 0 otherwise.
 */
int
ratelimit_throttled(struct ratelimit *rl, int64_t now_ns);

/* The current rate in requests per second (as due at now_ns). */
double
ratelimit_rate(struct ratelimit *rl, int64_t now_ns);

#endif /* MQR_RATELIMIT_H */
