/*
 * pfhold.h - the rows a preflight holds back from `run --execute`.
 *
 * Design: before an execute run, the preflight (preflight.h) checks
 * every row with read-only calls; a row the service would refuse is not
 * sent.  Its verdict is kept here, keyed by the row's plan line (the
 * preflight reads the plan in order, so lines arrive ascending and the
 * set is a sorted array searched by bisection: 8 bytes plus the two
 * strings per held row, nothing for the rows that are sent).  The engine
 * asks pfhold_find() for each row it is about to send and reports a held
 * row `failed` with the preflight's code and reason, attempts 0
 * (engine.h).  pfhold_decide() is the one rule of what is held.
 *
 * Ownership: the strings are copied.  Not thread-safe: filled by the
 * main thread before the workers start, then only read by it.
 */
#ifndef MQR_PFHOLD_H
#define MQR_PFHOLD_H

#include <stddef.h>

#include "err.h"

/* What an execute run does with a row, from its preflight outcome. */
enum pfhold_action {
	PFHOLD_SEND = 0,   /* would reset: sent */
	PFHOLD_SEND_WARN,  /* not known (the read calls failed): sent, with
	                      a warning, as without a preflight */
	PFHOLD_HOLD        /* not sent: reported failed */
};

/*
 * The rule: a row that would fail is held; an unknown row is sent with a
 * warning, or held under `strict` (--strict).  `outcome` is an enum
 * preflight_outcome (0 would-reset, 1 would-fail, 2 unknown).  Pure.
 */
enum pfhold_action
pfhold_decide(int outcome, int strict);

/* One held row. */
struct pfhold_row {
	unsigned long line; /* the plan line */
	char *code;         /* the code the service would answer (owned) */
	char *message;      /* why, one line (owned) */
};

struct pfhold;

/* An empty set; NULL when out of memory. */
struct pfhold *
pfhold_new(void);

/* Free; NULL-ok. */
void
pfhold_destroy(struct pfhold *h);

/*
 * Hold the row at `line` (greater than every line held so far, else
 * ERR_INTERNAL) with its code and reason (copied); `clear` is nonzero
 * for a type 0 row (pfhold_clears()).  ERR_NOMEM.
 */
err_code
pfhold_add(struct pfhold *h, unsigned long line, int clear,
    const char *code, const char *message, struct err *e);

/* The held row at `line`, or NULL (also when h is NULL). */
const struct pfhold_row *
pfhold_find(const struct pfhold *h, unsigned long line);

/* Rows held; 0 for NULL. */
size_t
pfhold_count(const struct pfhold *h);

/* Type 0 rows held (backlogs the run will not clear); 0 for NULL. */
size_t
pfhold_clears(const struct pfhold *h);

#endif /* MQR_PFHOLD_H */
