/*
 * queue.h - a bounded multi-producer multi-consumer queue of pointers.
 *
 * Design (after redis' bio.c): a ring of `void *` under one mutex with two
 * condition variables (not empty, not full).  The lock is held only to
 * move a pointer; all work on the items happens outside it.  The queue
 * never owns the items: whoever pops one owns it.
 *
 * Shutdown: queue_close() forbids further pushes (they return
 * QUEUE_CLOSED) and wakes every waiter; pops keep returning the items that
 * are still queued and return QUEUE_CLOSED only once the queue is both
 * closed and empty (drain semantics).  A consumer that wants to discard
 * the backlog pops with queue_trypop() until QUEUE_EMPTY/QUEUE_CLOSED.
 *
 * Timed waits use CLOCK_MONOTONIC deadlines (clock_mono_ns()).
 *
 * Thread-safety: every function except queue_destroy() may be called from
 * any thread concurrently.  queue_destroy() must be called once no thread
 * uses the queue any more (after joining them).
 */
#ifndef MQR_QUEUE_H
#define MQR_QUEUE_H

#include <stddef.h>
#include <stdint.h>

enum queue_rc {
	QUEUE_OK = 0,   /* an item was pushed or popped */
	QUEUE_CLOSED,   /* push: queue closed; pop: closed and empty */
	QUEUE_FULL,     /* trypush: no room now */
	QUEUE_EMPTY,    /* trypop: nothing queued now (still open) */
	QUEUE_TIMEOUT   /* timed pop: deadline passed, nothing popped */
};

struct queue;

/* A queue holding at most `cap` (>= 1) items; NULL when out of memory. */
struct queue *
queue_new(size_t cap);

/* Free the queue (not the items still in it).  NULL-tolerant. */
void
queue_destroy(struct queue *q);

/* Append `item`, waiting while the queue is full.  QUEUE_OK/QUEUE_CLOSED. */
enum queue_rc
queue_push(struct queue *q, void *item);

/* Append without waiting: QUEUE_OK, QUEUE_FULL or QUEUE_CLOSED. */
enum queue_rc
queue_trypush(struct queue *q, void *item);

/*
 * Take the oldest item into *item, waiting while the queue is empty and
 * open.  QUEUE_OK, or QUEUE_CLOSED once closed and drained.
 */
enum queue_rc
queue_pop(struct queue *q, void **item);

/*
 * As queue_pop, but give up at the monotonic time `deadline_ns`:
 * QUEUE_OK, QUEUE_CLOSED or QUEUE_TIMEOUT.
 */
enum queue_rc
queue_pop_until(struct queue *q, void **item, int64_t deadline_ns);

/* Take without waiting: QUEUE_OK, QUEUE_EMPTY or QUEUE_CLOSED. */
enum queue_rc
queue_trypop(struct queue *q, void **item);

/* Close the queue (idempotent) and wake every waiting thread. */
void
queue_close(struct queue *q);

/* Items queued right now (a snapshot). */
size_t
queue_len(struct queue *q);

#endif /* MQR_QUEUE_H */
