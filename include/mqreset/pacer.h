/*
 * pacer.h - when a run's requests may leave, and when the run stops.
 *
 * Design: one object shared by the run's workers holds what decides the
 * moment of a request: the adaptive rate limiter (ratelimit.h: every
 * attempt takes a slot, retries included), the quiet time a throttle hint
 * asked for (`hold_until_ns`: nobody sends before it, not only the worker
 * that got the hint), and the stop flags with the condition variable that
 * wakes the workers sleeping for a slot or a backoff.  The limiter and the
 * hold are behind one mutex; the flags are atomics, raised under the
 * condition variable's mutex so that no wake-up is lost.
 *
 * Two stops: `stopping` (no new row, no new retry: the rows in flight
 * finish) and `aborting` (a second signal: requests in flight are
 * interrupted too; the flag is the one the API clients watch, client.h's
 * abort_flag).  The first stop records its cause: an err_code and a
 * one-line reason.
 *
 * Time is a parameter: the pacer reads the clock only through its
 * `struct pacer_clock` (the real one by default), so the attempt loop's
 * decisions are unit-tested with a fake clock that never sleeps.
 *
 * Thread-safety: every function may be called from any thread once
 * pacer_init() returned, except pacer_free().
 */
#ifndef MQR_PACER_H
#define MQR_PACER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ratelimit.h"
#include "summary.h"

/* How the pacer reads and waits for time. */
struct pacer_clock {
	int64_t (*mono_ns)(void *arg); /* monotonic time, nanoseconds */
	int64_t (*wall_ms)(void *arg); /* wall time, ms since the epoch */
	/* Wait until the monotonic time `until` (a fake clock advances its
	   time to it); NULL: a timed wait on the pacer's condition
	   variable, cut short by a stop.  The hook is not woken by a stop:
	   a fake clock returns at once. */
	void (*sleep_until)(void *arg, int64_t until);
	void *arg;                     /* passed to the functions */
};

struct pacer {
	struct pacer *root;         /* whose stop flags and condition
	                               variable this pacer uses: itself, or
	                               the run's pacer for a lane */
	struct pacer_clock clock;   /* read-only after pacer_init() */
	pthread_mutex_t lock;       /* guards rl and hold_until_ns */
	struct ratelimit rl;        /* the shared adaptive limiter */
	int64_t hold_until_ns;      /* no request leaves before this
	                               monotonic time (a throttle hint) */
	atomic_int stopping;        /* no new rows, no new retries */
	atomic_int aborting;        /* interrupt requests in flight too
	                               (the clients' abort_flag) */
	pthread_mutex_t stop_lock;  /* orders the flags with stop_cv; guards
	                               stop_code and stop_reason */
	pthread_cond_t stop_cv;     /* broadcast when a flag is raised */
	err_code stop_code;         /* ERR_OK while not stopped */
	char stop_reason[SUMMARY_REASON_MAX]; /* why it stopped */
};

/*
 * Set up `p` (not running yet: see pacer_start()); `clock` NULL means the
 * real clock (clock.h).  ERR_INTERNAL when the condition variable cannot
 * be created (nothing to free then).
 */
err_code
pacer_init(struct pacer *p, const struct pacer_clock *clock,
    struct err *e);

/*
 * A lane of `root`: its own limiter and throttle hold (one account's
 * quota, accounts.h), and root's clock, stop flags and cause, so a stop
 * of the run wakes the lane's sleepers too.  Every function below works
 * on a lane; the stop functions act on its root.  Cannot fail.
 */
void
pacer_init_lane(struct pacer *lane, struct pacer *root);

/*
 * Start the limiter now, at `rate` requests per second with `burst`
 * capacity, one request ahead (ratelimit_init()).  Called when the first
 * request may go, not before: a limiter started early would let a
 * bucketful go at once.
 */
void
pacer_start(struct pacer *p, double rate, double burst);

/* Release what pacer_init() made.  No thread may use `p` any more. */
void
pacer_free(struct pacer *p);

/* The pacer's monotonic time (ns) and wall time (ms). */
int64_t
pacer_now_ns(struct pacer *p);

int64_t
pacer_wall_ms(struct pacer *p);

/* 1 once a stop (either kind) was raised. */
int
pacer_should_stop(struct pacer *p);

/* 1 once pacer_abort() was called. */
int
pacer_aborting(struct pacer *p);

/*
 * Stop the run (no new row, no new retry) and wake every sleeper.  The
 * first call records `code` and the reason (printf format); later calls
 * only stop.  Pass ERR_OK as code to stop without recording a cause (a
 * worker that saw a fatal row: the main thread records it).
 */
void
pacer_stop(struct pacer *p, err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Also interrupt the requests in flight (implies a stop). */
void
pacer_abort(struct pacer *p);

/* Why the run stopped: ERR_OK while it has not; the reason into out
 * (NULL: not wanted). */
err_code
pacer_stopped(struct pacer *p, char *out, size_t size);

/* The one reason every row not sent carries: "not sent: " and the stop's
 * reason (or "the run was stopping" before one is known) into out. */
void
pacer_unsent_reason(struct pacer *p, char *out, size_t size);

/*
 * Sleep `delay_ns` (a backoff), then wait for this attempt's rate-limit
 * slot and for the end of any throttle hold.  0 when the attempt may go,
 * -1 when the run is stopping.
 */
int
pacer_wait_turn(struct pacer *p, int64_t delay_ns);

/*
 * After an attempt: a throttling reply slows the limiter; a throttle hint
 * of `hint_ms` (> 0) holds every worker for that long from now.
 */
void
pacer_after_reply(struct pacer *p, int throttled, int64_t hint_ms);

/* The limiter's current rate; its number of cuts into *cuts (NULL-ok). */
double
pacer_rate(struct pacer *p, uint64_t *cuts);

/* hold_until_ns, for tests and messages. */
int64_t
pacer_hold_until(struct pacer *p);

#endif /* MQR_PACER_H */
