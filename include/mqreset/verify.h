/*
 * verify.h - reading a group's position back around its reset:
 * `mqreset run --execute` with --verify and/or --undo-plan.
 *
 * Design: one struct verify per run owns a read layer (onsread.h) over
 * its own API client, behind a mutex: the workers share it, so every
 * read-only call of the run goes through one token bucket per action at
 * the account's quota (onsread.h), and a read is held under the lock
 * only for the call itself, never while polling.  Reads bypass
 * onsread's cache (positions change).  Per row, verify_row():
 *   1. reads the position before the reset is sent (OnsConsumerTimeSpan;
 *      for type 0 also OnsConsumerAccumulate's backlog of the topic) and,
 *      with --undo-plan, writes it as the row's undo row (undo.h) before
 *      the request leaves; a row whose position cannot be read is not
 *      sent then (failed, mqreset.ReadFailed);
 *   2. sends the row (attempt.h) with a read-back for ambiguous type 0
 *      attempts (--verify): verify_resolve() on the readings before and
 *      after;
 *      the reading before is journaled with a type 0 row's intent line
 *      and, when the row ends unknown, appended to its message
 *      (heldcheck.h: a later --resume --verify judges the row with it);
 *   3. with --verify, after an acknowledged reset, reads the state again
 *      until verify_reflects() or --verify-timeout passes: the row's
 *      `verified` is yes, no (with the figures in the message) or unknown
 *      (every read failed).
 *
 * The decision functions (verify_reflects, verify_resolve,
 * verify_describe) are pure and unit-tested (tests/unit/test_verify.c).
 *
 * Thread-safety: verify_row() may run in many workers at once.
 */
#ifndef MQR_VERIFY_H
#define MQR_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "attempt.h"
#include "client.h"
#include "err.h"
#include "plan.h"
#include "pool.h"
#include "undo.h"

/* --verify-timeout's default, seconds. */
#define VERIFY_DEFAULT_TIMEOUT_S 30
/*
 * Type 1: the position reflects the reset when it is within this much of
 * the reset's timestamp (the service positions each queue on the first
 * message stored at or after it, and consumers move on from there).
 * Type 0: a position this close to the newest stored message counts as
 * "at the latest".
 */
#define VERIFY_TOLERANCE_MS INT64_C(60000)
/* Type 0: a backlog of at most this many messages counts as cleared
 * (messages published since the clear). */
#define VERIFY_BACKLOG_NEAR_ZERO 100
/* Poll interval: from the first to the last, doubling. */
#define VERIFY_POLL_FIRST_MS 200
#define VERIFY_POLL_MAX_MS 2000

/* One reading of a group's state on a topic. */
struct verify_reading {
	int ok;              /* 1: OnsConsumerTimeSpan answered */
	int64_t min_ms;      /* MinTimeStamp: oldest stored message */
	int64_t max_ms;      /* MaxTimeStamp: newest stored message */
	int64_t consume_ms;  /* ConsumeTimeStamp: the group's position */
	int64_t backlog;     /* the topic's TotalDiff, -1 when not read */
	char error[256];     /* why a read failed, "" when none did */
	int fatal;           /* the failure was run-fatal (reply.h:
	                        credentials, permission, endpoint) */
};

/* 1 when reading *r shows the reset *key as done (see the constants). */
int
verify_reflects(const struct plan_key *key, const struct verify_reading *r);

/*
 * An ambiguous type 0 attempt, judged from the readings before it was
 * sent and after: APPLIED when the state was not cleared before and is
 * now; NOT_APPLIED when the position is still older than the newest
 * message stored before the clear was sent (a clear moves it to at
 * least that message; consumers only move it forward); CANNOT_TELL
 * otherwise (a reading failed, the backlog was empty already, or the
 * position moved without reaching the newest message).
 */
enum attempt_resolution
verify_resolve(const struct verify_reading *before,
    const struct verify_reading *after);

/* "backlog N, position RFC3339 (newest RFC3339)" or the read's error. */
void
verify_describe(const struct verify_reading *r, char *out, size_t n);

struct verify_config {
	const struct client_config *client; /* copied for the reader */
	int verify;                 /* --verify */
	int64_t timeout_ms;         /* --verify-timeout */
	struct undo *undo;          /* --undo-plan (borrowed), or NULL */
};

struct verify;

/* NULL with *e set on failure. */
struct verify *
verify_new(const struct verify_config *cfg, struct err *e);

void
verify_destroy(struct verify *v);

/* Read-only calls made so far, retries included. */
uint64_t
verify_reads(struct verify *v);

/* Attach the undo plan (before the workers start). */
void
verify_set_undo(struct verify *v, struct undo *u);

/* Read the state of *key now (uncached); fills *out, ok = 0 on failure. */
void
verify_read(struct verify *v, const struct plan_key *key,
    struct verify_reading *out);

/*
 * Drive job j through steps 1-3 above with attempt_row_rb(); sets
 * j->res (and its `verified`).  `send`, `send_arg`, `rng`, `rep` as
 * attempt_row() takes them.
 */
void
verify_row(struct verify *v, struct attempt_ctx *actx, struct job *j,
    attempt_send_fn send, void *send_arg, struct rng *rng,
    struct reply *rep);

/* "yes", "no", "unknown", "" for ATTEMPT_VERIFIED_NONE. */
const char *
verify_text(enum attempt_verified v);

#endif /* MQR_VERIFY_H */
