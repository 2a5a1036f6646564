/*
 * pacer.c - the run's limiter, throttle hold and stop flags.  See
 * include/mqreset/pacer.h.
 *
 * Design: a worker waiting for its turn makes one timed wait per rate
 * slot or backoff (not a loop of short sleeps: the client must not wake
 * up for nothing), cut short by a stop.  A sleeper holds stop_lock from
 * its check of the flags until it waits, and a stop is broadcast under
 * that lock, so no wake-up is lost.
 */
#include "pacer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "msg.h"

static int64_t
pacer_real_mono(void *arg)
{
	(void)arg;
	return clock_mono_ns();
}

static int64_t
pacer_real_wall(void *arg)
{
	(void)arg;
	return clock_wall_ms();
}

err_code
pacer_init(struct pacer *p, const struct pacer_clock *clock, struct err *e)
{
	pthread_condattr_t ca;
	int ok = 0;

	memset(p, 0, sizeof(*p));
	p->root = p;
	if (clock != NULL)
		p->clock = *clock;
	else {
		p->clock.mono_ns = pacer_real_mono;
		p->clock.wall_ms = pacer_real_wall;
	}
	if (pthread_condattr_init(&ca) == 0) {
		/* Deadlines are monotonic, immune to clock steps. */
		ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
		    pthread_cond_init(&p->stop_cv, &ca) == 0;
		pthread_condattr_destroy(&ca);
	}
	if (!ok)
		return err_set(e, ERR_INTERNAL, "cannot create a condition "
		    "variable");
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->stop_lock, NULL);
	atomic_init(&p->stopping, 0);
	atomic_init(&p->aborting, 0);
	p->stop_code = ERR_OK;
	return ERR_OK;
}

void
pacer_init_lane(struct pacer *lane, struct pacer *root)
{
	memset(lane, 0, sizeof(*lane));
	lane->root = root->root;
	lane->clock = root->clock;
	pthread_mutex_init(&lane->lock, NULL);
	atomic_init(&lane->stopping, 0);
	atomic_init(&lane->aborting, 0);
}

void
pacer_start(struct pacer *p, double rate, double burst)
{
	pthread_mutex_lock(&p->lock);
	ratelimit_init(&p->rl, rate, burst, pacer_now_ns(p));
	pthread_mutex_unlock(&p->lock);
}

void
pacer_free(struct pacer *p)
{
	if (p->root == p) {
		pthread_cond_destroy(&p->stop_cv);
		pthread_mutex_destroy(&p->stop_lock);
	}
	pthread_mutex_destroy(&p->lock);
}

int64_t
pacer_now_ns(struct pacer *p)
{
	return p->clock.mono_ns(p->clock.arg);
}

int64_t
pacer_wall_ms(struct pacer *p)
{
	return p->clock.wall_ms(p->clock.arg);
}

int
pacer_should_stop(struct pacer *p)
{
	p = p->root;
	return atomic_load(&p->stopping) || atomic_load(&p->aborting);
}

int
pacer_aborting(struct pacer *p)
{
	p = p->root;
	return atomic_load(&p->aborting);
}

/* Raise `flag` and wake every sleeper (see the design note). */
static void
pacer_raise(struct pacer *p, atomic_int *flag)
{
	atomic_store(flag, 1);
	pthread_mutex_lock(&p->stop_lock);
	pthread_cond_broadcast(&p->stop_cv);
	pthread_mutex_unlock(&p->stop_lock);
}

void
pacer_stop(struct pacer *p, err_code code, const char *fmt, ...)
{
	va_list ap;

	p = p->root;
	pthread_mutex_lock(&p->stop_lock);
	if (code != ERR_OK && p->stop_code == ERR_OK) {
		p->stop_code = code;
		va_start(ap, fmt);
		vsnprintf(p->stop_reason, sizeof(p->stop_reason), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&p->stop_lock);
	pacer_raise(p, &p->stopping);
}

void
pacer_abort(struct pacer *p)
{
	p = p->root;
	pacer_raise(p, &p->stopping);
	pacer_raise(p, &p->aborting);
}

err_code
pacer_stopped(struct pacer *p, char *out, size_t size)
{
	err_code code;

	p = p->root;
	pthread_mutex_lock(&p->stop_lock);
	code = p->stop_code;
	if (out != NULL)
		snprintf(out, size, "%s", p->stop_reason);
	pthread_mutex_unlock(&p->stop_lock);
	return code;
}

void
pacer_unsent_reason(struct pacer *p, char *out, size_t size)
{
	char reason[SUMMARY_REASON_MAX];

	reason[0] = '\0';
	pacer_stopped(p, reason, sizeof reason);
	snprintf(out, size, "not sent: %s", reason[0] != '\0' ? reason :
	    "the run was stopping");
}

/* Sleep until the monotonic time `until`; -1 on a stop. */
static int
pacer_sleep_until(struct pacer *p, int64_t until)
{
	struct timespec ts;
	int stop;

	if (pacer_should_stop(p))
		return -1;
	if (pacer_now_ns(p) >= until)
		return 0;
	if (p->clock.sleep_until != NULL) {
		p->clock.sleep_until(p->clock.arg, until);
		return pacer_should_stop(p) ? -1 : 0;
	}
	ts.tv_sec = (time_t)(until / 1000000000);
	ts.tv_nsec = (long)(until % 1000000000);
	p = p->root; /* a lane sleeps on its run's condition variable */
	pthread_mutex_lock(&p->stop_lock);
	while (!(stop = pacer_should_stop(p)) && pacer_now_ns(p) < until)
		if (pthread_cond_timedwait(&p->stop_cv, &p->stop_lock,
		    &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&p->stop_lock);
	return stop ? -1 : 0;
}

int
pacer_wait_turn(struct pacer *p, int64_t delay_ns)
{
	int64_t now, w, hold;

	if (pacer_sleep_until(p, pacer_now_ns(p) + delay_ns) != 0)
		return -1;
	for (;;) {
		now = pacer_now_ns(p);
		pthread_mutex_lock(&p->lock);
		hold = p->hold_until_ns;
		w = hold > now ? 0 : ratelimit_reserve(&p->rl, now);
		pthread_mutex_unlock(&p->lock);
		if (hold > now) {
			/* The server asked for quiet: nobody sends. */
			if (pacer_sleep_until(p, hold) != 0)
				return -1;
			continue;
		}
		if (pacer_sleep_until(p, now + w) != 0)
			return -1;
		/* A hint that came while this worker waited for its slot
		 * holds it too: the slot is given up, a new one taken. */
		if (pacer_hold_until(p) <= pacer_now_ns(p))
			return 0;
	}
}

void
pacer_after_reply(struct pacer *p, int throttled, int64_t hint_ms)
{
	int64_t now = pacer_now_ns(p), until;

	pthread_mutex_lock(&p->lock);
	if (throttled)
		ratelimit_throttled(&p->rl, now);
	if (hint_ms > 0) {
		until = now + hint_ms * INT64_C(1000000);
		if (until > p->hold_until_ns)
			p->hold_until_ns = until;
	}
	pthread_mutex_unlock(&p->lock);
	if (hint_ms > 0)
		msg_debug("the service asked for %lld ms of quiet: every "
		    "worker waits", (long long)hint_ms);
}

double
pacer_rate(struct pacer *p, uint64_t *cuts)
{
	double rate;

	pthread_mutex_lock(&p->lock);
	rate = ratelimit_rate(&p->rl, pacer_now_ns(p));
	if (cuts != NULL)
		*cuts = p->rl.cuts;
	pthread_mutex_unlock(&p->lock);
	return rate;
}

int64_t
pacer_hold_until(struct pacer *p)
{
	int64_t hold;

	pthread_mutex_lock(&p->lock);
	hold = p->hold_until_ns;
	pthread_mutex_unlock(&p->lock);
	return hold;
}
