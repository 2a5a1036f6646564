/*
 * backoff.h - exponential backoff with full jitter, capped, honouring a
 * server hint.
 *
 * Design: a pure function of (policy, attempt number, random draw, hint)
 * so it is table-tested; the caller supplies the draw from its own rng
 * and does the sleeping.
 *
 * The numbers follow the official Alibaba Cloud SDKs (mqreset-protocol(7),
 * RETRIES: aliyun-python-sdk-core retry/backoff_strategy.py): ordinary retryable
 * errors back off exponentially as min(20000 ms, 100 ms << retries);
 * throttling errors start from 500 ms, capped at 20 s.  Where the SDK uses
 * "equal jitter" for throttling (delay/2 + rand(0, delay/2)) we use full
 * jitter (rand(0, delay)) for every class, which spreads a pool of
 * workers that failed together better (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"); the adaptive rate limiter, not the backoff, is
 * what slows the whole run down on throttling.  A floor keeps a minimum
 * delay where the service asks for one (reconsumeLater: the service is
 * redelivering, asking again at once is pointless).
 *
 * Thread-safety: pure; no state.
 */
#ifndef MQR_BACKOFF_H
#define MQR_BACKOFF_H

#include <stdint.h>

struct backoff_policy {
	int64_t base_ns;  /* delay ceiling before the first retry */
	int64_t cap_ns;   /* the ceiling never grows past this */
	int64_t floor_ns; /* minimum delay, whatever the draw (0: none) */
};

/* Ordinary retryable errors (5xx, connection): 100 ms doubling to 20 s. */
#define BACKOFF_POLICY_TRANSIENT \
	{ INT64_C(100000000), INT64_C(20000000000), 0 }
/* Throttling replies: 500 ms doubling to 20 s. */
#define BACKOFF_POLICY_THROTTLE \
	{ INT64_C(500000000), INT64_C(20000000000), 0 }
/* reconsumeLater: at least 1 s, 2 s doubling to 20 s. */
#define BACKOFF_POLICY_RECONSUME \
	{ INT64_C(2000000000), INT64_C(20000000000), INT64_C(1000000000) }

/*
 * The delay before retry number `retry` (1 for the first retry, i.e.
 * after the first failed attempt): ceiling = min(cap, base << (retry-1)),
 * delay = draw * ceiling with `draw` in [0, 1) (values outside are
 * clamped), then raised to the floor and to `hint_ns` (a delay the server
 * asked for, 0 when none; it may exceed the cap: the server knows best).
 * retry 0 is treated as 1.  Returns nanoseconds >= 0.
 */
int64_t
backoff_delay_ns(const struct backoff_policy *p, unsigned retry, double draw,
    int64_t hint_ns);

#endif /* MQR_BACKOFF_H */
