/*
 * undo.h - the undo plan of `mqreset run --execute --undo-plan FILE`.
 *
 * Design: before a row's reset is sent, the group's current position on
 * the topic (OnsConsumerTimeSpan's ConsumeTimeStamp, read by verify.c)
 * is written to FILE as a type 1 row of a valid plan - the same
 * instance, group and topic, the position in RFC 3339 UTC with
 * milliseconds, the plan's extra columns carried unchanged, plus the
 * column undo_of_line (the plan line it undoes) - and the file is
 * fsync'd before the request leaves.  `mqreset run FILE --execute` moves
 * the groups back.  Rows are in the order they were sent.
 *
 * Files: FILE is created when the run starts (never through a symbolic
 * link, never onto a non-regular file; an existing FILE only with
 * --force), its header written and synced; each record is appended in
 * one write(2) and synced.  After a crash FILE holds a row for every
 * reset that may have left (at worst a last record cut short, of a row
 * that was never sent: `mqreset validate` names its line).
 *
 * What cannot be restored is written as a comment line ("# line N:
 * ..."), not as a row: a group that never consumed the topic (no
 * position).  A position older than the oldest stored message is
 * clamped to it (the messages before it are gone), with a comment.
 *
 * Thread-safety: undo_record() and undo_comment() may be called from
 * many workers at once (one mutex; records are whole lines).
 */
#ifndef MQR_UNDO_H
#define MQR_UNDO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "plan.h"

/* The column naming the plan line a row undoes. */
#define UNDO_LINE_COLUMN "undo_of_line"

struct undo;

/*
 * Before anything is sent: may FILE be created (ERR_EXISTS without
 * `force`; ERR_USAGE for a link, a non-regular file, or the plan or the
 * report itself)?
 */
err_code
undo_check(const char *path, int force, const char *plan_path,
    const char *report_path, struct err *e);

/*
 * Create FILE with the header instance,group,topic,type,timestamp, the
 * plan's extra column names (one called undo_of_line is left out: the
 * plan is itself an undo plan) and undo_of_line; synced.  ERR_EXISTS,
 * ERR_USAGE, ERR_IO, ERR_NOMEM.
 */
err_code
undo_open(struct undo **out, const char *path, const char *plan_name,
    const char *const *extra_names, size_t nextra, int force,
    struct err *e);

/*
 * The undo row of plan line `line` (*key: the row being sent; `extra`:
 * its extra cells, in the plan's order): type 1 to `position_ms`, or to
 * `min_ms` with a comment when the position is older; a comment alone
 * when position_ms <= 0 (never consumed).  Written and synced before
 * returning.  ERR_IO (the file is then unusable), ERR_NOMEM.
 */
err_code
undo_record(struct undo *u, unsigned long line, const struct plan_key *key,
    int64_t position_ms, int64_t min_ms, const char *const *extra,
    size_t nextra, struct err *e);

/* Rows written so far. */
size_t
undo_rows(struct undo *u);

/* Close the file; NULL-tolerant. */
void
undo_close(struct undo *u);

#endif /* MQR_UNDO_H */
