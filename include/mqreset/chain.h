/*
 * chain.h - a chain of run reports merged into one final view: the audit
 * trail of a change window (`mqreset report REPORT...`).
 *
 * A change window leaves a chain of reports: a run, then runs that
 * resumed it (--resume) after a failure was fixed, a Ctrl-C or a kill -9,
 * each with its intent journal while it was interrupted.  The chain
 * tells, for every plan row (keyed as resume.h keys it: instance, group,
 * topic, type and reset instant), the one status that is true now and the
 * report line that proves it.
 *
 * Which status is true (the same rule as a resume, resume_rank()):
 *  - within one report: its answer, else its journal line never answered
 *    (in flight when the run was killed: unknown), else its not-run row;
 *    two answers for one key in one report are an error (ERR_MISMATCH);
 *  - across the reports: the most telling word wins: ok (proved by its
 *    request id) over skipped (ok in an earlier report), over unknown and
 *    in flight (may have been applied), over failed, not-run and dry-run;
 *    among equals the latest report's.  So a row ok in the first run and
 *    skipped in the next one is proved by the first run's request id; a
 *    row that failed, was fixed and then applied is ok; a row whose
 *    request may have left stays unknown whatever failed after it.
 * A row that had no effect and is absent from the latest report was
 * edited or removed from the plan before a resume: it stays in the view
 * (the trail shows it) marked `dropped`, and is not a row to try again.
 * Reports are put in time order (the latest finished_at of rows they
 * answered themselves, not skipped; a report of skipped rows only comes
 * right after the latest answer it repeats), so the command line order
 * does not matter; equal times keep the order given.
 *
 * Memory: every cell of every report is kept (a few hundred bytes per
 * row and report): the chain of one change window, not an archive.
 *
 * Not thread-safe.
 */
#ifndef MQR_CHAIN_H
#define MQR_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "report.h"

/* Most reports one chain may hold. */
#define CHAIN_MAX_REPORTS 1024

/* One report's word on one row. */
struct chain_word {
	size_t report;             /* chain_report_name() index, time order */
	unsigned long report_line; /* its line in the report (or journal) */
	unsigned long plan_line;   /* the plan line recorded there */
	enum report_status status; /* its status (unknown when in_flight) */
	int in_flight;             /* a journal line never answered */
	unsigned attempts;         /* requests it sent (1 when in flight) */
};

/* The final view of one row.  Strings are owned by the chain. */
struct chain_row {
	unsigned long line;         /* plan line in the latest report with
	                               the row */
	const char *instance;       /* instance_id */
	const char *group;          /* group_id */
	const char *topic;          /* topic */
	int type;                   /* 0 or 1 */
	const char *reset_timestamp; /* canonical, "" for type 0 */
	enum report_status status;  /* the true status */
	int in_flight;              /* decided by a journal line */
	const char *http_status;    /* of the deciding report row */
	const char *request_id;     /* the request that proved it ("" none) */
	const char *error_code;     /* of the deciding row (in flight:
	                               "mqreset.InFlight") */
	const char *error_message;  /* of the deciding row */
	const char *latency_ms;     /* of the deciding row */
	const char *finished_at;    /* of the deciding row */
	unsigned attempts;          /* requests over the whole chain */
	int dropped;                /* no effect (failed, not-run, dry-run)
	                               and not in the latest report: the row
	                               was edited or removed from the plan
	                               (a fixed row took its place) */
	const struct chain_word *decided; /* the word that decided */
	const struct chain_word *words; /* every report's word, time order */
	size_t nwords;              /* entries in words */
	const char *const *extra;   /* the chain's extra columns' values
	                               (chain_extra_name()), from the latest
	                               report with the row; "" when absent */
};

struct chain;

/* An empty chain.  NULL when out of memory. */
struct chain *
chain_new(void);

/*
 * Add the report at `path` and its journal (path + INTENT_SUFFIX) when it
 * exists.  ERR_IO (cannot read), ERR_PARSE ("FILE:LINE: ..." not a
 * mqreset report), ERR_USAGE (more than CHAIN_MAX_REPORTS), ERR_NOMEM.
 * A last record cut short by a kill is ignored, as --resume does.
 */
err_code
chain_add(struct chain *c, const char *path, struct err *e);

/* The same from open streams (tests); `journal` may be NULL. */
err_code
chain_add_fp(struct chain *c, FILE *report, const char *name,
    FILE *journal, const char *journal_name, struct err *e);

/*
 * Merge what was added (once; nothing can be added afterwards).
 * ERR_MISMATCH when one report holds two answers for one row; ERR_NOMEM.
 */
err_code
chain_merge(struct chain *c, struct err *e);

/* After chain_merge(): the rows, in plan line order. */
size_t
chain_count(const struct chain *c);
const struct chain_row *
chain_row(const struct chain *c, size_t i);

/* The reports, in time order (what chain_word.report indexes). */
size_t
chain_nreports(const struct chain *c);
const char *
chain_report_name(const struct chain *c, size_t i);

/* The extra (plan) columns over the chain, in order of first appearance. */
size_t
chain_nextra(const struct chain *c);
const char *
chain_extra_name(const struct chain *c, size_t i);

/*
 * Is the row to be tried again (`report --failed`)?  1 for failed,
 * not-run and dry-run rows not dropped, and for unknown type 1 rows (resetting to a time
 * twice is harmless); 0 for ok and skipped, and for unknown type 0 rows
 * (the backlog may already be cleared: the operator decides).  Pure.
 */
int
chain_row_retry(const struct chain_row *row);

/* Free everything.  NULL-tolerant. */
void
chain_destroy(struct chain *c);

#endif /* MQR_CHAIN_H */
