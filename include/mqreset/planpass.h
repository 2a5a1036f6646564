/*
 * planpass.h - the run's passes over its plan file.
 *
 * Design: `run` reads the plan up to three times (validation, --resume
 * matching, dispatch) and never holds it in memory, so it must be a
 * regular file that does not change meanwhile.  The validation pass keeps
 * the file's identity (device, inode, size, mtime) and one 64-bit digest
 * per valid row (plan_row_digest()); every later pass compares each row
 * with its digest, so a row edited in place after validation is never
 * sent: 8 bytes per plan row.
 *
 * Not thread-safe: the engine's main thread owns it.
 */
#ifndef MQR_PLANPASS_H
#define MQR_PLANPASS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "err.h"
#include "plan.h"

struct planpass {
	const char *path;          /* the plan (borrowed) */
	const char *instance;      /* --instance or NULL (borrowed) */
	int64_t now_ms;            /* "now" of every pass */
	char delimiter;            /* --delimiter, 0: detect (plan.h) */
	const char *assume_offset; /* --assume-offset or NULL (borrowed) */
	const struct tzconv *assume_tz; /* --assume-tz or NULL (borrowed) */
	const struct colmap *columns; /* --column mappings or NULL
	                              (borrowed) */
	struct stat st;            /* the file as validated */
	struct plan_counts counts; /* from the validation */
	uint64_t *digests;         /* per valid row, by index (owned) */
	size_t ndigests;           /* entries in digests */
	size_t cap;                /* allocated entries */
	/* Also called with every valid row of pass 1 (NULL: not), as
	   plan_options.on_row (the run's accounts, accounts.h). */
	int (*on_row)(void *arg, const struct plan_row *row);
	void *on_row_arg;          /* passed to on_row */
};

/* Set up (cannot fail); strings are borrowed until planpass_free(). */
void
planpass_init(struct planpass *pp, const char *path, const char *instance,
    int64_t now_ms);

/* Free the digests.  NULL-ok. */
void
planpass_free(struct planpass *pp);

/*
 * Pass 1: the file is a regular file (ERR_USAGE for standard input or
 * anything else), then the complete check with its diagnostics printed
 * (at most `diag_max` per severity).  ERR_PLAN when the plan has errors
 * (message: the count, nothing was sent), ERR_IO, ERR_NOMEM.
 */
err_code
planpass_validate(struct planpass *pp, unsigned diag_max, struct err *e);

/* ERR_MISMATCH when the file changed since it was validated. */
err_code
planpass_unchanged(const struct planpass *pp, struct err *e);

/* Open the plan for a later pass (no diagnostics, stop at any error). */
err_code
planpass_open(const struct planpass *pp, struct plan_reader **out,
    struct err *e);

/*
 * plan_next() for a later pass, the row at `index`: a row with an error,
 * a row whose digest is not the validated one, or more rows than were
 * validated all mean that the file changed since it was validated:
 * ERR_MISMATCH, so the row is never sent.  A row that was read but
 * differs also sets *changed (the reader can go on); otherwise the reader
 * is done.
 */
err_code
planpass_next(const struct planpass *pp, struct plan_reader *r,
    size_t index, struct plan_row *row, int *eof, int *changed,
    struct err *e);

#endif /* MQR_PLANPASS_H */
