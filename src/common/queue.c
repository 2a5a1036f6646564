/*
 * queue.c - bounded MPMC pointer queue.  See include/common/queue.h.
 *
 * A fixed ring allocated once; head is the oldest item, len the count.
 * Waiters loop on their predicate (spurious wake-ups are allowed by
 * POSIX).  A push or pop wakes one waiter of the other side, and only
 * when one is waiting (counted under the lock); the signal is sent after
 * the unlock, so the woken thread does not run straight into the mutex
 * the signaller still holds and go back to sleep on it (with 100 results
 * a second handed to the main thread, that was a second futex wait and
 * context switch for a few of them).  Signalling after the unlock is
 * safe: the waiter re-checks its predicate under the lock, and a queue is
 * destroyed only after every thread using it is done with it.
 */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct queue {
	pthread_mutex_t lock;     /* guards everything below */
	pthread_cond_t not_empty; /* signalled on push and on close */
	pthread_cond_t not_full;  /* signalled on pop and on close */
	void **ring;              /* cap slots */
	size_t cap;               /* ring size, >= 1 */
	size_t head;              /* index of the oldest item */
	size_t len;               /* items queued */
	unsigned nwait_empty;     /* threads waiting on not_empty */
	unsigned nwait_full;      /* threads waiting on not_full */
	int closed;               /* no more pushes */
};

struct queue *
queue_new(size_t cap)
{
	struct queue *q;
	pthread_condattr_t ca;
	int ok;

	if (cap == 0)
		cap = 1;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	q->cap = cap;
	if (pthread_condattr_init(&ca) == 0) {
		/* Timed pops take monotonic deadlines, immune to clock steps. */
		ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
		if (ok) {
			pthread_mutex_init(&q->lock, NULL);
			pthread_cond_init(&q->not_empty, &ca);
			pthread_cond_init(&q->not_full, &ca);
		}
		pthread_condattr_destroy(&ca);
		if (ok)
			return q;
	}
	free(q->ring);
	free(q);
	return NULL;
}

void
queue_destroy(struct queue *q)
{
	if (q == NULL)
		return;
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

/*
 * Append under the lock; the caller checked there is room.  Returns 1
 * when a popper waits: the caller signals not_empty after unlocking.
 */
static int
queue_put_locked(struct queue *q, void *item)
{
	q->ring[(q->head + q->len) % q->cap] = item;
	q->len++;
	return q->nwait_empty > 0;
}

/*
 * Remove the oldest under the lock; the caller checked len > 0.  *wake
 * is set to 1 when a pusher waits (the caller signals not_full after
 * unlocking).
 */
static void *
queue_get_locked(struct queue *q, int *wake)
{
	void *item;

	item = q->ring[q->head];
	q->ring[q->head] = NULL;
	q->head = (q->head + 1) % q->cap;
	q->len--;
	*wake = q->nwait_full > 0;
	return item;
}

enum queue_rc
queue_push(struct queue *q, void *item)
{
	enum queue_rc rc;
	int wake;

	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->len == q->cap) {
		q->nwait_full++;
		pthread_cond_wait(&q->not_full, &q->lock);
		q->nwait_full--;
	}
	rc = QUEUE_CLOSED;
	wake = 0;
	if (!q->closed) {
		wake = queue_put_locked(q, item);
		rc = QUEUE_OK;
	}
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->not_empty);
	return rc;
}

enum queue_rc
queue_trypush(struct queue *q, void *item)
{
	enum queue_rc rc;
	int wake;

	wake = 0;
	pthread_mutex_lock(&q->lock);
	if (q->closed)
		rc = QUEUE_CLOSED;
	else if (q->len == q->cap)
		rc = QUEUE_FULL;
	else {
		wake = queue_put_locked(q, item);
		rc = QUEUE_OK;
	}
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->not_empty);
	return rc;
}

/*
 * Wait until an item, a close or the deadline `ts` (NULL: no deadline),
 * then take the item if there is one.
 */
static enum queue_rc
queue_pop_wait(struct queue *q, void **item, const struct timespec *ts)
{
	enum queue_rc rc;
	int timed_out, wake;

	timed_out = 0;
	wake = 0;
	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->len == 0 && !timed_out) {
		q->nwait_empty++;
		if (ts == NULL)
			pthread_cond_wait(&q->not_empty, &q->lock);
		else
			timed_out = pthread_cond_timedwait(&q->not_empty,
			    &q->lock, ts) == ETIMEDOUT;
		q->nwait_empty--;
	}
	if (q->len > 0) {
		*item = queue_get_locked(q, &wake);
		rc = QUEUE_OK;
	} else
		rc = q->closed ? QUEUE_CLOSED : QUEUE_TIMEOUT;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->not_full);
	return rc;
}

enum queue_rc
queue_pop(struct queue *q, void **item)
{
	return queue_pop_wait(q, item, NULL);
}

enum queue_rc
queue_pop_until(struct queue *q, void **item, int64_t deadline_ns)
{
	struct timespec ts;

	if (deadline_ns < 0)
		deadline_ns = 0;
	ts.tv_sec = (time_t)(deadline_ns / 1000000000);
	ts.tv_nsec = (long)(deadline_ns % 1000000000);
	return queue_pop_wait(q, item, &ts);
}

enum queue_rc
queue_trypop(struct queue *q, void **item)
{
	enum queue_rc rc;
	int wake;

	wake = 0;
	pthread_mutex_lock(&q->lock);
	if (q->len > 0) {
		*item = queue_get_locked(q, &wake);
		rc = QUEUE_OK;
	} else
		rc = q->closed ? QUEUE_CLOSED : QUEUE_EMPTY;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->not_full);
	return rc;
}

void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

size_t
queue_len(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}
