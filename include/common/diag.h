/*
 * diag.h - diagnostics about one input file (a plan): errors and warnings
 * with line and column, counted, capped, printed or collected.
 *
 * Design: the checker (plan.c) reports every problem here and never
 * prints.  A sink has one of two modes:
 *   DIAG_PRINT    each diagnostic goes at once to stderr through
 *                 msg_diag() ("plan.csv:12:3: error: ..."); after `max`
 *                 errors (or `max` warnings) further ones are only
 *                 counted, and diag_finish() prints "... and N more
 *                 errors" (warnings likewise).
 *   DIAG_COLLECT  the first `max` of each severity are stored (for
 *                 `validate --format=json`), the rest counted.
 * max == 0 means no cap.  Counts are always exact.  Messages never
 * contain secrets (plan files hold none); values quoted in them go
 * through diag_quote() so that control bytes cannot reach a terminal.
 *
 * Not thread-safe: one owner at a time (the main thread).
 */
#ifndef MQR_DIAG_H
#define MQR_DIAG_H

#include <stddef.h>

#include "err.h"

enum diag_severity {
	DIAG_ERROR = 0,  /* the plan is invalid */
	DIAG_WARNING = 1 /* unusual but possible; the plan stays valid */
};

enum diag_mode {
	DIAG_PRINT = 0,  /* print through msg_diag() as they come */
	DIAG_COLLECT = 1 /* store them for the caller (JSON output) */
};

struct diag_entry {
	unsigned long line;         /* 1-based line, 0 for the whole file */
	unsigned long col;          /* 1-based field number, 0 for none */
	enum diag_severity severity; /* error or warning */
	char *message;              /* owned, one line, no trailing newline */
};

struct diag;

/*
 * A sink for diagnostics about `file` (copied; the name shown, e.g.
 * "<stdin>").  NULL on allocation failure.
 */
struct diag *
diag_new(const char *file, enum diag_mode mode, unsigned long max);

/* Free the sink and its stored entries.  NULL-tolerant. */
void
diag_destroy(struct diag *d);

/*
 * Report one diagnostic.  NULL-tolerant (then nothing happens).  An
 * allocation failure while storing in DIAG_COLLECT mode keeps the count
 * and drops the text (diag_dropped() says how many).
 */
void
diag_add(struct diag *d, unsigned long line, unsigned long col,
    enum diag_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * End of input: in DIAG_PRINT mode print the "... and N more errors" /
 * "... and N more warnings" lines for what the cap held back.  Calling it
 * twice prints nothing new.
 */
void
diag_finish(struct diag *d);

/* Exact totals by severity (shown or not).  0 for NULL. */
unsigned long
diag_errors(const struct diag *d);

unsigned long
diag_warnings(const struct diag *d);

/* Diagnostics not shown or stored because of the cap. */
unsigned long
diag_omitted(const struct diag *d, enum diag_severity sev);

/* Entries that could not be stored for lack of memory. */
unsigned long
diag_dropped(const struct diag *d);

/* Stored entries (DIAG_COLLECT), in the order reported. */
size_t
diag_count(const struct diag *d);

const struct diag_entry *
diag_entry_at(const struct diag *d, size_t i);

/* The file name given to diag_new(). */
const char *
diag_file(const struct diag *d);

/*
 * Write a printable excerpt of `s` into out[size] for a message: at most
 * 60 bytes of the value (never cutting a UTF-8 sequence), control bytes
 * as "\x1b", single quotes and backslashes with a backslash, "..." when
 * truncated.  Returns out.
 */
const char *
diag_quote(const char *s, char *out, size_t size);

/* Buffer size that always holds a diag_quote() result. */
#define DIAG_QUOTE_MAX 256

#endif /* MQR_DIAG_H */
