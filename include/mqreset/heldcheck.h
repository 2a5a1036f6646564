/*
 * heldcheck.h - `run --resume ... --execute --verify`: judging a held type 0
 * row by the state read before its earlier send and the state now.
 *
 * A type 0 row that an earlier run left `unknown` (an ambiguous answer) or
 * in flight (its intent journal line without an answer, after a kill -9)
 * is held on --resume: it may have cleared the backlog already.  When
 * that run read the state right before sending it (--verify or
 * --undo-plan, verify.h), the reading was saved:
 *   - in the row's intent journal line (intent.h: before_newest_ms,
 *     before_position_ms, before_backlog);
 *   - in the error_message of an `unknown` report row, as the token
 *     HELDCHECK_TOKEN " newest_ms=N position_ms=N backlog=N" (a held row
 *     written by a resume repeats it, so a chain keeps it).
 * heldcheck_load() collects these readings from the previous reports and
 * their journals.  Of several readings of one key the one with the oldest
 * newest message is kept: it was taken before the earliest send, and a
 * clear moves the position to at least that message for good.
 *
 * heldcheck_judge() (pure) applies verify_resolve() to the saved reading
 * and a reading taken now: applied -> the row is reported `ok`, verified
 * yes, not sent; clearly not applied -> it is sent; cannot tell -> it
 * stays held.  heldcheck_row() reads the state once per held row (cached
 * by the row's index: the engine asks in several passes).
 *
 * Not thread-safe: the engine's main thread uses it.
 */
#ifndef MQR_HELDCHECK_H
#define MQR_HELDCHECK_H

#include <stddef.h>

#include "err.h"
#include "intent.h"
#include "plan.h"
#include "verify.h"

/* Marks a saved reading in a report row's error_message. */
#define HELDCHECK_TOKEN "before-send reading:"

enum heldcheck_verdict {
	HELDCHECK_HOLD = 0, /* no saved reading, or the state cannot tell */
	HELDCHECK_APPLIED,  /* applied earlier: report ok, do not send */
	HELDCHECK_SEND      /* clearly not applied: send it */
};

/* Append "; " HELDCHECK_TOKEN " newest_ms=.. position_ms=.. backlog=.."
 * to msg (size n), truncating. */
void
heldcheck_token(char *msg, size_t n, const struct intent_reading *r);

/* Find the token in s: 1 and *r filled, else 0. */
int
heldcheck_parse_token(const char *s, struct intent_reading *r);

/*
 * The verdict on a held row from its saved reading and the state now
 * (pure); msg gets "read-back: before ...; now ..." and, for
 * HELDCHECK_HOLD, why, ending with the saved reading's token.
 */
enum heldcheck_verdict
heldcheck_judge(const struct intent_reading *saved,
    const struct verify_reading *now, char *msg, size_t n);

struct heldcheck;

/*
 * Read the saved readings of the `n` previous reports and their
 * journals (those that exist).  ERR_IO, ERR_PARSE, ERR_NOMEM.
 */
err_code
heldcheck_load(struct heldcheck **out, const char *const *paths, size_t n,
    struct verify *v, struct err *e);

/* The saved reading of *key: 1 and *r filled, 0 when there is none. */
int
heldcheck_saved(const struct heldcheck *hc, const struct plan_key *key,
    struct intent_reading *r);

/*
 * The verdict on the held plan row `index` with identity *key: the first
 * call reads the state now (without a saved reading: HELDCHECK_HOLD, no
 * read); later calls return the same verdict.  msg (may be NULL) gets
 * heldcheck_judge()'s text on the first call, "" later.
 */
enum heldcheck_verdict
heldcheck_row(struct heldcheck *hc, size_t index, const struct plan_key *key,
    char *msg, size_t n);

/* Rows judged: applied, sent, held with a reading. */
void
heldcheck_counts(const struct heldcheck *hc, size_t *applied, size_t *sent,
    size_t *held);

void
heldcheck_destroy(struct heldcheck *hc);

#endif /* MQR_HELDCHECK_H */
