/*
 * ratelimit.h - a token bucket and an adaptive (AIMD) rate limiter.
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
 * whose rate is cut multiplicatively when the service answers with a
 * throttling error (ratelimit_throttled) and grows back additively with
 * time, never above the configured maximum (the operator's --rate) nor
 * below a floor.  Several throttling replies that arrive together (every
 * in-flight request sees the same overload) count as one cut: cuts are at
 * most one per `cut_window_ns`.
 *
 * Thread-safety: none inside.  The emulator keeps one bucket per key under
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

struct ratelimit {
	struct ratelimit_bucket bucket; /* paced at the current rate */
	double max_rate;        /* the configured ceiling (--rate) */
	double min_rate;        /* floor of the cuts */
	double cut_factor;      /* multiplicative decrease, in (0, 1) */
	double recover_per_s;   /* additive increase, requests/s per second */
	int64_t cut_window_ns;  /* at most one cut per window */
	int64_t last_cut_ns;    /* time of the last cut, INT64_MIN if none */
	int64_t last_adjust_ns; /* time the recovery was last applied */
	uint64_t cuts;          /* number of cuts applied (summary) */
};

/* Defaults of the adaptive layer (see ratelimit_init). */
#define RATELIMIT_CUT_FACTOR 0.5
#define RATELIMIT_MIN_RATE 0.1
#define RATELIMIT_CUT_WINDOW_NS INT64_C(1000000000)

/*
 * Start an adaptive limiter at `max_rate` with `burst` at `now_ns`.
 * Defaults: cut x0.5 at most once per second, floor min(0.1/s, max_rate),
 * recovery of max_rate/20 per second (from half speed back to full in
 * about ten seconds without further throttling).
 */
void
ratelimit_init(struct ratelimit *rl, double max_rate, double burst,
    int64_t now_ns);

/* As ratelimit_bucket_take, after applying the recovery due at now_ns. */
int64_t
ratelimit_take(struct ratelimit *rl, int64_t now_ns);

/* As ratelimit_bucket_reserve, after applying the recovery due. */
int64_t
ratelimit_reserve(struct ratelimit *rl, int64_t now_ns);

/*
 * Report a throttling reply seen at `now_ns`: cut the rate (unless a cut
 * happened within the window) and drain the bucket.  Returns 1 when the
 * rate was cut, 0 when the reply fell in the window of a previous cut.
 */
int
ratelimit_throttled(struct ratelimit *rl, int64_t now_ns);

/* The current rate in requests per second (after recovery at now_ns). */
double
ratelimit_rate(struct ratelimit *rl, int64_t now_ns);

#endif /* MQR_RATELIMIT_H */
