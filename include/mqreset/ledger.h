/*
 * ledger.h - the rows of a run as the report receives them, with what
 * --resume says about each plan row.
 *
 * Design: the engine's main thread writes every report row through this
 * object, which counts them per status and turns a failed write or a disk
 * running full into a stop of the run (pacer.h).  It also holds the
 * previous run (resume.h) and answers, for each plan row, whether it is
 * sent, skipped (ok before) or held (a type 0 row that may have been
 * applied), writing the rows that are not sent.  The engine protocol of
 * resume.h is carried out here: pass 2 over the plan matches every row
 * (ledger_resume_load), and the skipped and held rows are written before
 * the first request (ledger_write_resumed).
 *
 * Not thread-safe: the engine's main thread owns it.
 */
#ifndef MQR_LEDGER_H
#define MQR_LEDGER_H

#include <stddef.h>

#include "accounts.h"
#include "heldcheck.h"
#include "err.h"
#include "pacer.h"
#include "plan.h"
#include "planpass.h"
#include "report.h"
#include "resume.h"

struct ledger {
	const char *report_path;  /* the report (borrowed) */
	const char *const *resume_paths; /* the previous reports (borrowed),
	                             NULL when not resuming */
	size_t nresume;           /* entries in resume_paths */
	int retry_ambiguous;      /* --retry-ambiguous */
	struct pacer *pacer;      /* where write failures stop the run */
	struct report *report;    /* the writer (borrowed), NULL until the
	                             report is open */
	struct resume *resume;    /* the previous run (owned), or NULL */
	size_t by_status[REPORT_NSTATUS]; /* rows written per status */
	size_t written;           /* rows written */
	size_t held;              /* type 0 rows held on resume */
	struct accounts *accounts; /* counts rows per account (borrowed),
	                             or NULL */
	struct heldcheck *heldcheck; /* --resume --verify: judges held rows
	                             by their saved reading (borrowed,
	                             heldcheck.h), or NULL */
};

/* Set up (cannot fail); strings and pacer are borrowed. */
void
ledger_init(struct ledger *lg, const char *report_path,
    const char *const *resume_paths, size_t nresume, int retry_ambiguous,
    struct pacer *pacer);

/* Free the previous run's table.  NULL-ok. */
void
ledger_free(struct ledger *lg);

/*
 * Write one report row; a failure stops the run (the error is returned),
 * and so does a disk running out of the report's reserved space.
 */
err_code
ledger_write(struct ledger *lg, size_t index, const struct report_row *row,
    struct err *e);

/* A row written without being sent (skipped, held, not-run), finished
 * at `now_ms` (skipped rows have no time). */
void
ledger_write_unsent(struct ledger *lg, const struct plan_row *prow,
    size_t index, enum report_status st, const char *code,
    const char *message, int64_t now_ms, struct err *e);

/*
 * A row that differs from the validated one (the plan was edited during
 * the run): never sent, reported not-run as read with that reason.
 */
void
ledger_write_changed(struct ledger *lg, const struct plan_row *prow,
    size_t index, int64_t now_ms, struct err *e);

/*
 * Is the plan row to be sent?  0 when it is; 1 when --resume says no
 * (and, with `write`, its skipped or held row is written).
 */
int
ledger_resume_row(struct ledger *lg, const struct plan_row *prow,
    size_t index, int write, int64_t now_ms, struct err *e);

/*
 * Pass 2 (--resume): load the previous reports and their journals, match
 * every plan row, refuse a report whose rows that may have had an effect
 * are not all in the plan unchanged (ERR_MISMATCH, naming the report line
 * and the plan line that took its place, if any) and say what the resume
 * will do; *to_send (the plan's rows) loses the skipped and held ones.
 * A skipped row repeats the request id and time of the row that proved it.
 */
err_code
ledger_resume_load(struct ledger *lg, const struct planpass *pp,
    size_t *to_send, struct err *e);

/*
 * Before the first request of a resumed run: write every skipped and
 * held row into the staged report (resume.h, engine protocol step 3).
 */
err_code
ledger_write_resumed(struct ledger *lg, const struct planpass *pp,
    struct err *e);

#endif /* MQR_LEDGER_H */
