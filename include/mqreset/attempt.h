/*
 * attempt.h - the attempt loop: one plan row, sent with its retries.
 *
 * Design: attempt_row() takes a row's identity and drives it to a final
 * status for the report: wait for its turn (pacer.h), journal a type 0
 * row before its first request leaves (intent.h), send through a
 * transport callback, classify the reply (reply.h) and let decide.h say
 * retry, end or abort the run.  What the rows of a run share lives in one
 * `struct attempt_ctx`: the pacer, the intent journal and its lock, the
 * set of instances that failed as a whole (their unsent rows fail
 * unsent), the count of transport or endpoint failures in a row (the run
 * stops after cfg->max_consecutive_failures of them) and the counters of
 * the summary.
 *
 * The transport is a callback and the clock is the pacer's, so the loop's
 * decisions are unit-tested with scripted replies and a fake clock
 * (tests/unit/test_attempt.c); the engine passes the worker's API client.
 *
 * A second stop (pacer_abort) interrupts a request in flight through the
 * client's abort flag: the row ends `unknown` (code mqreset.Aborted) when
 * the request may have left, `not-run` when it never did.
 *
 * Thread-safety: attempt_row() may run in many threads at once on one
 * context; each call owns its result, rng and reply.
 */
#ifndef MQR_ATTEMPT_H
#define MQR_ATTEMPT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "intent.h"
#include "pacer.h"
#include "plan.h"
#include "reply.h"
#include "report.h"
#include "rng.h"

/* Room for a row's error message: the reply's detail plus our reason. */
#define ATTEMPT_MSG_MAX (REPLY_TEXT_MAX + 512)
/* Instances remembered as failed (beyond it, rows are simply sent and
 * fail on their own reply). */
#define ATTEMPT_DEAD_MAX 64

/* The run settings the loop reads. */
struct attempt_config {
	unsigned max_attempts;      /* per row, >= 1 */
	int retry_ambiguous;        /* --retry-ambiguous */
	unsigned max_consecutive_failures; /* 0: never stop for them */
};

/* An instance the service said is gone or not ours. */
struct attempt_dead {
	char instance[128];          /* InstanceId */
	unsigned long line;          /* plan line whose reply said so */
	char code[REPLY_ID_MAX];     /* the service's Code */
	char detail[REPLY_TEXT_MAX]; /* its detail line */
};

/* What the rows of one run share (see the top comment). */
struct attempt_ctx {
	struct attempt_config cfg;   /* read-only */
	struct pacer *pacer;         /* borrowed */
	/* The limiter of a row's account (a lane of `pacer`, accounts.h):
	   its rows wait for their turn and report throttling there; NULL:
	   every row uses `pacer`.  Set before the rows start. */
	struct pacer *(*pacer_for)(void *arg, const struct plan_key *key);
	void *pacer_for_arg;         /* passed to pacer_for */
	struct intent *journal;      /* borrowed; NULL: type 0 rows are not
	                                journaled (tests only) */
	pthread_mutex_t journal_lock; /* guards journal */
	pthread_mutex_t dead_lock;   /* guards dead, ndead */
	struct attempt_dead dead[ATTEMPT_DEAD_MAX]; /* failed instances */
	size_t ndead;                /* entries in dead */
	atomic_uint endpoint_failures; /* attempts in a row that failed at
	                                the transport or endpoint level */
	atomic_uint_fast64_t requests;  /* attempts sent */
	atomic_uint_fast64_t retries;   /* attempts after a row's first */
	atomic_uint_fast64_t throttled; /* throttling replies */
};

/* What reading the state back said about a row (--verify: verify.h). */
enum attempt_verified {
	ATTEMPT_VERIFIED_NONE = 0, /* not verified: the cell stays empty */
	ATTEMPT_VERIFIED_YES,      /* the state reflects the reset */
	ATTEMPT_VERIFIED_NO,       /* it does not (figures in the message) */
	ATTEMPT_VERIFIED_UNKNOWN   /* the read failed */
};

/* The outcome of one row, as the report row needs it. */
struct attempt_result {
	enum report_status status;     /* final status */
	err_code fatal;                /* ERR_OK, or the cause that must
	                                  stop the run (ERR_AUTH for a
	                                  refused identity, ERR_IO for the
	                                  journal, ERR_TLS...) */
	int http_status;               /* of the final attempt, 0 none */
	unsigned attempts;             /* requests sent */
	int64_t latency_us;            /* time spent in requests */
	int64_t finished_ms;           /* wall time of the outcome */
	char request_id[REPLY_ID_MAX]; /* of the final attempt */
	char code[REPLY_ID_MAX];       /* service Code or local reason */
	char message[ATTEMPT_MSG_MAX]; /* detail for the report */
	enum attempt_verified verified; /* --verify's verdict */
};

/* What the state, read back, says about an ambiguous type 0 attempt. */
enum attempt_resolution {
	ATTEMPT_RB_CANNOT_TELL = 0, /* keep it unknown */
	ATTEMPT_RB_APPLIED,         /* the clear took effect: ok */
	ATTEMPT_RB_NOT_APPLIED      /* it clearly did not: may be resent */
};

/*
 * Read-back for one row (verify.h): called by attempt_row_rb() when a
 * type 0 attempt may have been applied and would end `unknown`; writes
 * the readings for the report into msg (always, whatever the answer).
 * `ambiguous` may be NULL: no read-back, only `before` to journal.
 */
struct attempt_readback {
	enum attempt_resolution (*ambiguous)(void *arg,
	    const struct plan_key *key, char *msg, size_t msglen);
	void *arg;
	/* The state read before the row is sent, written with its intent
	 * journal line (intent.h), or NULL. */
	const struct intent_reading *before;
};

/*
 * Send one request for *key into *rep (reply_init'ed; its old content is
 * the callee's to free).  The engine's is client_reset_offset() on the
 * worker's client.
 */
typedef void (*attempt_send_fn)(void *arg, const struct plan_key *key,
    struct reply *rep);

/* Set up `ctx` (init cannot fail); `pacer` and `journal` are borrowed. */
void
attempt_ctx_init(struct attempt_ctx *ctx, const struct attempt_config *cfg,
    struct pacer *pacer, struct intent *journal);

/* Release what attempt_ctx_init() made; no row may be running. */
void
attempt_ctx_free(struct attempt_ctx *ctx);

/* 1 when `instance` is in the failed set. */
int
attempt_instance_dead(struct attempt_ctx *ctx, const char *instance);

/* A result for a row that was not sent: not-run with `why`. */
void
attempt_unsent(struct attempt_ctx *ctx, struct attempt_result *res,
    const char *why);

/*
 * Drive the row at plan line `line` with identity *key to its final
 * status in *res (zeroed here).  `rep` is scratch space (reply_init'ed,
 * left for the caller to reply_free); `rng` draws the backoff jitter.
 * Raises a stop on the pacer when the endpoint fails too often in a row;
 * a row whose outcome must stop the run says so in res->fatal (the caller
 * stops the run).
 */
void
attempt_row(struct attempt_ctx *ctx, unsigned long line,
    const struct plan_key *key, attempt_send_fn send, void *send_arg,
    struct rng *rng, struct reply *rep, struct attempt_result *res);

/*
 * attempt_row() with a read-back (rb may be NULL: then the same): a
 * type 0 attempt that may have been applied is resolved by reading the
 * state instead of ending `unknown`.  Applied: `ok`, verified yes,
 * message "applied (confirmed by read-back)".  Clearly not applied: the
 * attempt counts as one that was not applied (sent again within the
 * attempt limit, or failed).  Cannot tell: `unknown` as before, with the
 * readings in the message.  Never sends a row again while the state
 * leaves any doubt that it was applied.
 */
void
attempt_row_rb(struct attempt_ctx *ctx, unsigned long line,
    const struct plan_key *key, attempt_send_fn send, void *send_arg,
    struct rng *rng, struct reply *rep, struct attempt_result *res,
    const struct attempt_readback *rb);

/* The local reason code for an outcome without a service Code. */
const char *
attempt_local_code(err_code code);

#endif /* MQR_ATTEMPT_H */
