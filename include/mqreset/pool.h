/*
 * pool.h - the run's worker threads and the jobs they carry.
 *
 * Design (after wrk): each worker owns its API client (one libcurl
 * handle, so one connection kept alive) and its random generator; jobs go
 * out through one bounded queue and come back through another, which has
 * room for every job handed out so a worker never blocks on it.  A
 * worker drives each job through the attempt loop (attempt.h), or in a
 * dry run signs its request without sending it.  Workers block every
 * signal: the main thread alone sees them.  The clients watch the pacer's
 * abort flag, so a second signal interrupts the requests in flight and
 * pool_join() always returns.
 *
 * Thread-safety: the pool's functions are for the main thread; a job
 * belongs to the thread that holds it (the queues' mutexes order the
 * hand-overs).
 */
#ifndef MQR_POOL_H
#define MQR_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "attempt.h"
#include "client.h"
#include "err.h"
#include "pacer.h"
#include "plan.h"
#include "report.h"

/*
 * One plan row on its way through a worker and back.  The identity and
 * extra cells are copied into the same allocation and are read-only once
 * the job is handed out; the result is written by the worker holding it.
 */
struct job {
	size_t index;          /* position among the plan's data rows */
	unsigned long line;    /* plan line */
	struct plan_key key;   /* the row's identity (into this allocation) */
	char **extra;          /* extra cells (into this allocation), and
	                          one more slot: extra[nextra] is the
	                          `verified` cell once res.verified is set */
	size_t nextra;         /* number of extra cells */
	struct attempt_result res; /* the outcome */
};

/* Copy a plan row into a new job (one allocation; free()).  NULL on
 * ENOMEM. */
struct job *
job_new(const struct plan_row *row, size_t index);

/* The report row of a job (pointers into the job). */
void
job_report_row(const struct job *j, struct report_row *row);

/* The pool's settings. */
struct pool_config {
	unsigned workers;           /* threads, >= 1 */
	size_t jobs_cap;            /* jobs waiting for a worker */
	size_t results_cap;         /* results waiting for the main thread:
	                               at least every job handed out */
	int execute;                /* 1: send; 0: dry run (sign only) */
	uint64_t seed;              /* jitter seed; 0: from RAND_bytes */
	unsigned long fail_limit;   /* failed or unknown rows after which
	                               the workers stop the run; 0 none */
	const struct client_config *client; /* copied into each client */
	struct verify *verify;      /* --verify/--undo-plan read-back
	                               (verify.h, borrowed), or NULL */
	struct accounts *accounts;  /* the plan's accounts (borrowed), or
	                               NULL: every row uses `client`; else a
	                               worker makes a client of a row's
	                               account (its cc) at its first row */
};

struct pool;
struct verify;

/*
 * Make the queues and one client per worker (threads not started yet).
 * `pacer` and `actx` are borrowed and shared by the workers.  NULL with
 * *e set on failure.
 */
struct pool *
pool_new(const struct pool_config *cfg, struct pacer *pacer,
    struct attempt_ctx *actx, struct err *e);

/* Start the threads (every signal blocked in them).  ERR_INTERNAL. */
err_code
pool_start(struct pool *p, struct err *e);

/* Hand a job to the workers without blocking; 1 when queued. */
int
pool_put(struct pool *p, struct job *j);

/* A job back from a worker, waiting until the monotonic `deadline_ns`
 * (0: do not wait); NULL when none came. */
struct job *
pool_get(struct pool *p, int64_t deadline_ns);

/* No more jobs: close the queue and join every started worker. */
void
pool_join(struct pool *p);

/* New connections the clients opened (after pool_join()). */
uint64_t
pool_connections(const struct pool *p);

/* Free the pool, its clients and the jobs still queued.  NULL-ok. */
void
pool_destroy(struct pool *p);

#endif /* MQR_POOL_H */
