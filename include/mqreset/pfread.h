/*
 * pfread.h - the preflight's read calls on several threads.
 *
 * Design: the caller (preflight.c) lists the distinct calls it still
 * needs as tasks of one or two steps (a step is one read call of the
 * read layer, onsread.h; a task's second step is made only when its
 * first succeeded, as the sequential preflight did).  pfread_run() runs
 * them over `workers` threads, each with its own client built from the
 * same client configuration, through onsread_fetch(): the results land
 * in the shared cache, paced by the shared per-action buckets, so the
 * calls made and the quotas are those of one thread.  Each task's
 * failure (message, class, error code) is kept in the task for the
 * caller to attribute to its rows.  A failure that stops the preflight
 * (pfread_stops: a refused identity, out of memory, a fatal answer) or a
 * nonzero *signals stops the threads before their next task (the calls
 * in flight end first).  *signals is read by the calling thread only,
 * every 20 ms while it waits for the threads: it is a signal handler's
 * flag, not for other threads to read.
 *
 * Thread-safety: pfread_run() is called by one thread; it starts and
 * joins its threads before it returns.
 */
#ifndef MQR_PFREAD_H
#define MQR_PFREAD_H

#include <signal.h>
#include <stddef.h>

#include "client.h"
#include "err.h"
#include "onsread.h"

/* Most threads the preflight reads with. */
#define PFREAD_MAX_WORKERS 32

/* One read call. */
struct pfread_step {
	enum onsread_action a; /* which */
	const char *instance;  /* names (borrowed), NULL when unused */
	const char *group;
	const char *topic;
};

/* A call made after a task's steps succeeded, if the caller wants it. */
struct pfread_more {
	struct pfread_step step;    /* the call */
	void *arg;                  /* the caller's */
	/* Filled by pfread_run(): */
	int made;                   /* 1: it was made (or failed) */
	struct err err;             /* ERR_OK, or why it failed */
	enum reply_class cls;       /* its last class */
};

/*
 * Up to two calls, the second made only when the first succeeded; then,
 * when both did, each of more[] for which the `want` callback of
 * pfread_run() says 1 (its answer may depend on theirs, in the cache:
 * onsread_peek): the next calls need not wait for every task's steps.
 */
struct pfread_task {
	struct pfread_step step[2]; /* the calls */
	int nsteps;                 /* 1 or 2 */
	struct pfread_more *more;   /* owned by the caller, NULL: none */
	size_t nmore;               /* entries */
	/* Filled by pfread_run(): */
	int done;                   /* 1: every step ran (or failed) */
	struct err err;             /* ERR_OK, or why a step failed */
	enum reply_class cls;       /* the failed step's last class */
};

/* Is the follow-up call m of task t wanted?  Called by the threads. */
typedef int (*pfread_want_fn)(struct onsread *rd,
    const struct pfread_task *t, const struct pfread_more *m);

/* 1 when a failure (its class and error) stops the whole preflight. */
int
pfread_stops(enum reply_class cls, err_code code);

/*
 * Run the n tasks over min(workers, n, PFREAD_MAX_WORKERS) threads
 * (workers 0 counts as 1), each with a client of its own from `cc`.
 * Returns ERR_OK when the threads ran (read failures are in the tasks;
 * tasks left undone by a stop or a signal have done == 0), or an error in
 * *e when no client or thread could be started (ERR_NOMEM...).
 */
err_code
pfread_run(struct onsread *rd, const struct client_config *cc,
    unsigned workers, struct pfread_task *t, size_t n, pfread_want_fn want,
    volatile sig_atomic_t *signals, struct err *e);

#endif /* MQR_PFREAD_H */
