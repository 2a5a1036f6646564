/*
 * intent.h - the in-flight journal that makes type 0 rows crash-safe.
 *
 * A type 0 reset clears a backlog for good, so it must never be sent twice
 * behind the operator's back.  Before the engine sends a type 0 request it
 * records the row here; when the answer comes, the row's record in the
 * report (report.h) supersedes the journal line.  After a kill -9, the
 * resume reader (resume.h) finds journal lines without a report row: those
 * rows were in flight and may have been applied, so they are `unknown` and
 * are not sent again unless --retry-ambiguous.
 *
 * The journal is a side file next to the report, "REPORT.intent", a CSV
 * file (csvout.h encoding) with the header
 *   line,instance_id,group_id,topic,type,reset_timestamp,sent_at,profile,
 *   region
 * (the last two, the row's account, are empty for a plan without
 * account columns; a reader finds them by name: older journals lack them)
 * then
 *   before_newest_ms,before_position_ms,before_backlog
 * the state read just before the row's first request (a run with --verify
 * or --undo-plan, verify.h): the newest stored message, the group's
 * position (milliseconds since the epoch) and the topic's backlog (-1 when
 * not read); all three empty when nothing was read.  `run --resume
 * --verify` judges a held row with them (heldcheck.h); readers find them
 * by name, so a journal without them still reads.
 * One line per row, written before the request leaves, so a killed process
 * cannot have sent a request whose line is not in the file.  The file is
 * created under a temporary name with its header and renamed into place,
 * so it never exists without a complete header; it is never written
 * through a symbolic link.  After a failed write (a full disk) every later
 * intent_record() fails: no type 0 row is sent without its line.
 * With INTENT_SYNC each line is also fdatasync()ed, which extends the
 * guarantee to power loss at the cost of one disk sync per type 0 row (the
 * service allows about 10 calls per second, so the cost is small).
 * It is removed by intent_finish() once the final report exists (every
 * answered row is then in the report; rows without answer are `unknown`
 * there).  Type 1 rows need no journal (resetting twice to one time is the
 * same as once), but recording them is harmless.
 *
 * Not thread-safe: one thread at a time (the engine's workers record
 * intents under a mutex, right before their request leaves).
 */
#ifndef MQR_INTENT_H
#define MQR_INTENT_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "plan.h"

/* Suffix appended to the report path to name its journal. */
#define INTENT_SUFFIX ".intent"
/* Suffix of the journal's staging name, after INTENT_SUFFIX. */
#define INTENT_STAGE_SUFFIX ".start-XXXXXX"

/* The journal's column names, in order (INTENT_NCOLUMNS entries). */
#define INTENT_NCOLUMNS 7
extern const char *const intent_columns[INTENT_NCOLUMNS];
/* Then the row's account: "profile", "region" (plan.h). */
#define INTENT_NACCOUNT 2

/* The state read before a type 0 row is sent (verify.h's reading). */
struct intent_reading {
	int64_t newest_ms;   /* MaxTimeStamp: the newest stored message */
	int64_t position_ms; /* ConsumeTimeStamp: the group's position */
	int64_t backlog;     /* TotalDiff, -1 when not read */
};
/* Then the reading: "before_newest_ms", "before_position_ms",
 * "before_backlog". */
#define INTENT_NREADING 3
extern const char *const intent_reading_columns[INTENT_NREADING];

/* Set `out` to report_path + INTENT_SUFFIX.  ERR_TOOBIG / ERR_NOMEM. */
err_code
intent_path(const char *report_path, struct buf *out);

/*
 * Before a run creates its report: ERR_EXISTS when the journal of the
 * report at `report_path` exists and `flags` lacks INTENT_FORCE (a run
 * writing that report was interrupted: the journal is evidence for
 * --resume, message says so), ERR_TOOBIG for an over-long path.
 * Advisory: intent_open() checks again atomically.
 */
err_code
intent_check_absent(const char *report_path, unsigned flags, struct err *e);

/* intent_open() flags. */
#define INTENT_FORCE 0x1u /* truncate a journal left by an earlier run */
#define INTENT_SYNC 0x2u  /* fdatasync() every line, not only fflush() */

struct intent;

/*
 * Create the journal for the report at `report_path` with its header.
 * ERR_EXISTS when the journal exists and flags lacks INTENT_FORCE (an
 * earlier run was interrupted: its journal is evidence for --resume);
 * ERR_USAGE when it is a symbolic link or not a regular file (even with
 * INTENT_FORCE); ERR_IO, ERR_NOMEM.  On success *out owns the file.
 */
err_code
intent_open(struct intent **out, const char *report_path, unsigned flags,
    struct err *e);

/*
 * Record that the row at plan line `line` with identity *key is about to be
 * sent (sent_at = now_ms; reset_timestamp empty for type 0, as in the
 * report), and flush it (and sync it with INTENT_SYNC).
 * Returns only after the line is in the kernel's hands: the caller may then
 * send.  ERR_IO on failure: the caller must not send the request.
 */
err_code
intent_record(struct intent *j, unsigned long line,
    const struct plan_key *key, int64_t now_ms, struct err *e);

/* The same, with the state read just before the send (NULL: none). */
err_code
intent_record_rb(struct intent *j, unsigned long line,
    const struct plan_key *key, int64_t now_ms,
    const struct intent_reading *before, struct err *e);

/* Lines recorded so far. */
unsigned long
intent_count(const struct intent *j);

/*
 * Close and remove the journal.  Call only after report_finish() succeeded:
 * from then on the report alone tells every outcome.  ERR_IO when the file
 * cannot be removed (it is closed anyway).  Call intent_destroy() next.
 */
err_code
intent_finish(struct intent *j, struct err *e);

/*
 * Free the journal object; when intent_finish() was not called the file is
 * flushed, synced and closed, and stays (an aborted run keeps its evidence).
 * NULL-tolerant.
 */
void
intent_destroy(struct intent *j);

#endif /* MQR_INTENT_H */
