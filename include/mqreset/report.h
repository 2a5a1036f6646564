/*
 * report.h - the run report: one CSV row per plan row.
 *
 * Format (documented for operators in mqreset(1), section REPORT): a header
 * line, then one record per plan data row with the columns
 *
 *   line,instance_id,group_id,topic,type,reset_timestamp,status,
 *   http_status,request_id,error_code,error_message,attempts,latency_ms,
 *   finished_at
 *
 * followed by the plan's extra columns, in the plan's order.  Records end
 * with LF; cells are written by csvout.h (RFC 4180 quoting, spreadsheet
 * formula neutralisation).  reset_timestamp is written in one canonical
 * form, RFC 3339 UTC with milliseconds ("2024-06-03T02:00:00.000Z",
 * tstamp_format()), empty for type 0, so that --resume can key rows on the
 * instant whatever spelling the plan used (tstamp_parse_canonical() reads
 * it back); finished_at uses the same form.
 *
 * Files and crash safety.  The streamed copy IS the target file:
 *  - report_open() creates a staging file next to REPORT,
 *    "REPORT.start-XXXXXX" (mode 0644 less the umask), and writes the
 *    header.  REPORT itself must not be a symbolic link or a non-regular
 *    file (ERR_USAGE, even with REPORT_FORCE), nor exist without it.
 *  - Rows written before report_publish() (a resumed run's inherited
 *    rows) go to the staging file; report_publish() fsyncs it and gives it
 *    the name REPORT in one rename (never replacing an existing REPORT
 *    without REPORT_FORCE).  So REPORT, when it exists, holds its header
 *    and every inherited row: a kill during the copy-forward leaves only
 *    the staging file, which no resume reads.  The caller publishes before
 *    the first request is sent.
 *  - report_write() appends one record as each row finishes, in any order,
 *    in one write at the file's end: after a kill -9 at any moment REPORT
 *    holds every row written so far (at worst the last record is cut
 *    short, which the resume reader detects and ignores).  Rows in REPORT
 *    are in completion order until the end of the run.
 *  - Disk space: the writer keeps 256 KiB allocated past the end of the
 *    file; report_space_low() turns true when that reserve can no longer
 *    be renewed (disk full), while at least 128 KiB of it remains for the
 *    rows in flight (a few dozen rows of a few hundred bytes each).  A write that fails is retried once at the same
 *    offset and otherwise cut back, so the file never holds half a record
 *    followed by another.
 *  - report_finish() fsyncs REPORT, writes the same records in plan order to
 *    a temporary file next to it ("REPORT.sort-XXXXXX"), fsyncs that, and
 *    rename()s it over REPORT, then fsyncs the directory.  Until rename()
 *    returns, REPORT is the complete streamed copy; afterwards it is the
 *    complete ordered copy.  No moment exists without one complete copy,
 *    and --resume reads either kind.  A crash during the final pass can
 *    leave the temporary file behind; it holds nothing REPORT lacks.
 *
 * Memory: the writer keeps no row text.  Per plan row it keeps one 64-bit
 * word (the byte offset, 40 bits, and length, 24 bits, of its record in the
 * streamed file); the final pass copies records through a 1 MiB window.
 * So a 1,000,000-row run costs 8 MB here.  A record may not exceed
 * REPORT_RECORD_MAX bytes; the streamed file may not exceed 1 TiB.
 *
 * Not thread-safe: the engine's main thread owns the writer.
 */
#ifndef MQR_REPORT_H
#define MQR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "plan.h"

/* Outcome of a row.  Keep report_status_text() in step (switch, no default). */
enum report_status {
	REPORT_OK = 0,     /* the service accepted the reset */
	REPORT_FAILED,     /* a definite error: the reset was not applied */
	REPORT_UNKNOWN,    /* may or may not have been applied (no answer) */
	REPORT_NOT_RUN,    /* never sent (run stopped, fatal error, signal) */
	REPORT_SKIPPED,    /* not sent: ok in the --resume report */
	REPORT_DRY_RUN     /* signed but not sent (no --execute) */
};

/* Number of statuses, for per-status counters. */
#define REPORT_NSTATUS 6

/* "ok", "failed", "unknown", "not-run", "skipped", "dry-run". */
const char *
report_status_text(enum report_status st);

/*
 * Parse a status word as written by report_status_text().  Returns ERR_OK
 * and sets *st, or ERR_PARSE for anything else (case-sensitive).
 */
err_code
report_status_parse(const char *s, enum report_status *st);

/* Longest record (one CSV line with its cells) the writer accepts. */
#define REPORT_RECORD_MAX ((size_t)(1u << 24) - 1)

/* Number of fixed columns before the plan's extra columns. */
#define REPORT_NFIXED 14

/* The fixed column names, in order (REPORT_NFIXED entries). */
extern const char *const report_fixed_columns[REPORT_NFIXED];

/*
 * One report row.  Every pointer is borrowed for the duration of the call
 * that receives it; NULL strings are written as empty cells.
 */
struct report_row {
	unsigned long line;         /* physical line of the row in the plan */
	const struct plan_key *key; /* instance, group, topic, type, time
	                               (plan.h) */
	enum report_status status;  /* outcome */
	int http_status;            /* of the final attempt; 0: none (empty) */
	const char *request_id;     /* RequestId of the final attempt */
	const char *error_code;     /* service Code or a local reason code */
	const char *error_message;  /* service Message or local detail */
	unsigned attempts;          /* requests sent for this row (0 if none) */
	int64_t latency_ms;         /* total time in requests; empty when
	                               attempts == 0 or latency_ms < 0 */
	int64_t finished_ms;        /* when the outcome was known, ms since
	                               epoch; <= 0 writes an empty cell */
	const char *const *extra;   /* values of the plan's extra columns */
	size_t nextra;              /* entries in extra (<= report's nextra;
	                               missing ones are written empty) */
};

/* report_open() flags. */
#define REPORT_FORCE 0x1u /* truncate an existing report (--force) */

/*
 * Check, before anything is sent, that the report can be created: ERR_EXISTS
 * when `path` exists and `flags` lacks REPORT_FORCE; ERR_IO when its
 * directory is not writable.  Advisory: report_open() checks again
 * atomically.  (A journal left by an interrupted run is the engine's
 * check: intent_check_absent().)
 */
err_code
report_check_target(const char *path, unsigned flags, struct err *e);

struct report;

/*
 * Stage the report for `path` for a plan of `nrows` data rows whose extra
 * column names are extra_names[0..nextra) (copied) and write the header
 * (see the top comment: the file is named `path` by report_publish()).
 * Fails with ERR_EXISTS when `path` exists and flags lacks REPORT_FORCE,
 * ERR_USAGE when it is a symbolic link or not a regular file, ERR_IO,
 * ERR_NOMEM.  On success *out owns the open file; release it with
 * report_finish() and/or report_destroy() (which removes a staging file
 * never published).
 */
err_code
report_open(struct report **out, const char *path, size_t nrows,
    const char *const *extra_names, size_t nextra, unsigned flags,
    struct err *e);

/*
 * Append the row for plan data row `index` (0-based position among the
 * plan's data rows: comments and blank lines do not count; this decides
 * the final order) and fflush() it.  Each index must be written exactly
 * once: ERR_INTERNAL for index >= nrows, a second write of an index, or
 * row->nextra above the report's nextra.  ERR_TOOBIG for a record over
 * REPORT_RECORD_MAX; ERR_IO when the write fails (the report is then
 * unusable: later writes fail too).
 */
err_code
report_write(struct report *r, size_t index, const struct report_row *row,
    struct err *e);

/* Rows written so far. */
size_t
report_count(const struct report *r);

/*
 * Give the staging file the report's name (see the top comment): fsync,
 * rename without following or (unless REPORT_FORCE) replacing anything,
 * fsync of the directory.  ERR_EXISTS when REPORT appeared meanwhile
 * without REPORT_FORCE; ERR_IO.  A no-op once published.
 */
err_code
report_publish(struct report *r, struct err *e);

/*
 * 1 when the disk space reserved ahead of the report could not be
 * renewed: stop starting new rows (those in flight still fit).
 */
int
report_space_low(const struct report *r);

/*
 * End the run (publishing first if that was not done): fsync the
 * streamed file, then rewrite it in plan order
 * (temporary file, fsync, rename over the target, fsync of the directory).
 * Every index must have been written: ERR_INTERNAL names the first one
 * missing, and the streamed copy is left in place.  ERR_IO on a write or
 * sync failure (the streamed copy is left in place, the temporary file is
 * removed).  The report is closed afterwards whatever the outcome; call
 * report_destroy() next.
 */
err_code
report_finish(struct report *r, struct err *e);

/*
 * Free the writer.  When report_finish() was not called, the streamed file
 * is flushed, fsynced and closed as it is (an aborted run keeps its rows).
 * NULL-tolerant.
 */
void
report_destroy(struct report *r);

#endif /* MQR_REPORT_H */
