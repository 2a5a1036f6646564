/*
 * decide.h - what the run engine does with the outcome of one attempt.
 *
 * Design: one pure function maps (what the attempt produced, the row's
 * type, its history, the run's settings) to an action: retry (with which
 * backoff), or a final status for the report, or abort the whole run.
 * Every safety rule about retries lives here and nowhere else, so it is
 * table-tested in one place (tests/unit/test_decide.c):
 *
 *  - Row failures (parameter errors, not found, timestamp out of range)
 *    are never retried: asking again gives the same answer.
 *  - Instance failures (the instance is unknown or not ours) end the row
 *    as failed and set fail_instance: the engine fails every row of the
 *    same instance not yet sent, without sending it.
 *  - Run-fatal outcomes (signature mismatch, unknown or disabled key,
 *    clock skew, expired token, forbidden) abort the run: every later
 *    request would fail the same way.
 *  - Transient outcomes (503, throttling, connection refused before the
 *    request was sent) are retried up to the attempt limit.
 *  - Ambiguity: a request that may have been applied although no reply
 *    says so (maybe_applied: a 5xx other than 503, InternalError and the
 *    like, a garbled reply, a timeout or connection lost after sending).
 *    A type 1 row is idempotent (resetting twice to the same time is the
 *    same as once) and is retried; a type 0 row is not (a second clear
 *    also drops what arrived since the first), so it ends `unknown`
 *    unless the operator gave --retry-ambiguous - whatever the outcome
 *    class says.  A final status other than ok after such an attempt is
 *    `unknown`, also when the attempt's class is fatal (an interrupted
 *    request) or a failure.
 *  - reconsumeLater (type 0 only: the backlog was not cleared because the
 *    service is redelivering) is retried after a longer delay and reported
 *    as failed if it persists.
 *  - Once any attempt of a row was ambiguous, a final outcome other than
 *    ok is `unknown`: that earlier attempt may have applied the reset.
 *  - When the run is stopping (signal, fatal error, failure limit) no
 *    retry is started; the row ends with what its last attempt showed.
 *
 * Thread-safety: pure; no state.
 */
#ifndef MQR_DECIDE_H
#define MQR_DECIDE_H

#include "report.h"

/* What one attempt produced, as far as the decision is concerned. */
enum decide_outcome {
	DECIDE_IN_OK = 0,     /* the service accepted the reset */
	DECIDE_IN_TRANSIENT,  /* 5xx, unavailable, connection error... */
	DECIDE_IN_THROTTLED,  /* a throttling reply (also slows the run) */
	DECIDE_IN_RECONSUME,  /* reconsumeLater: not cleared, try later */
	DECIDE_IN_ROW_FAILED, /* definite error for this row */
	DECIDE_IN_FATAL,      /* definite error for the whole run */
	DECIDE_IN_INSTANCE_FAILED /* definite error for every row of this
	                             row's instance */
};

struct decide_input {
	enum decide_outcome outcome; /* class of this attempt */
	int maybe_applied;      /* this attempt may have been applied
	                           (no answer after the request was sent) */
	int ambiguous_before;   /* an earlier attempt of this row was */
	int type;               /* the row's type, 0 or 1 */
	unsigned attempts;      /* attempts made so far, this one included */
	unsigned max_attempts;  /* --max-attempts, >= 1 */
	int retry_ambiguous;    /* --retry-ambiguous */
	int stopping;           /* the run is stopping: no new attempts */
};

enum decide_action {
	DECIDE_FINAL = 0, /* the row is done: see status */
	DECIDE_RETRY,     /* send again after a backoff (see policy) */
	DECIDE_ABORT_RUN  /* the row is done (status) and the run stops */
};

enum decide_policy {
	DECIDE_BACKOFF_NONE = 0,  /* not retrying */
	DECIDE_BACKOFF_TRANSIENT, /* BACKOFF_POLICY_TRANSIENT */
	DECIDE_BACKOFF_THROTTLE,  /* BACKOFF_POLICY_THROTTLE */
	DECIDE_BACKOFF_RECONSUME  /* BACKOFF_POLICY_RECONSUME */
};

/* Why a row ended as it did, when the reply alone does not say. */
enum decide_reason {
	DECIDE_WHY_NONE = 0,       /* the reply says it all */
	DECIDE_WHY_EXHAUSTED,      /* retryable, but out of attempts */
	DECIDE_WHY_STOPPING,       /* retryable, but the run is stopping */
	DECIDE_WHY_AMBIGUOUS_TYPE0,/* type 0, maybe applied: not retried */
	DECIDE_WHY_AMBIGUOUS_EARLIER, /* an earlier attempt may have applied */
	DECIDE_WHY_AMBIGUOUS_FINAL /* this final attempt may have applied */
};

struct decide_result {
	enum decide_action action;  /* what to do */
	enum report_status status;  /* final status (DECIDE_FINAL/ABORT) */
	enum decide_policy policy;  /* backoff to use (DECIDE_RETRY) */
	enum decide_reason reason;  /* extra explanation for the report */
	int fail_instance;          /* 1: fail every row of this row's
	                               instance not yet sent, unsent (the
	                               row itself ends with `status`) */
};

/* Decide; see the rules above.  Never fails. */
struct decide_result
decide(const struct decide_input *in);

/*
 * A short phrase for `why` (appended to the row's error message in the
 * report), "" for DECIDE_WHY_NONE.  Static.
 */
const char *
decide_reason_text(enum decide_reason why);

#endif /* MQR_DECIDE_H */
