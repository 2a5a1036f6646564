/*
 * applied.h - "this plan was already applied": the check an executing run
 * makes before its first request.
 *
 * A type 0 reset clears a backlog for good.  Running a plan a second time
 * (a new report name, or --force over the old one, in the hurry of a
 * change window) would clear every backlog again.  So before an executing
 * run sends anything, the reports next to its new report (the same
 * directory: where an operator keeps the reports of one ticket) are read:
 * every regular file whose first line is a mqreset report's header, with
 * its intent journal, except the plan itself and the reports given to
 * --resume.  When one of them shows a type 0 row of this plan as ok,
 * skipped, unknown or in flight (it may have cleared the backlog), and
 * this run would send that row, the run is refused, naming that report
 * line and the plan line, unless --again.  With --retry-ambiguous (the
 * operator sends again what may have been applied) only ok and skipped
 * rows refuse.
 *
 * Rows are matched as --resume matches them (resume.h: instance, group,
 * topic, type, reset instant), not by a digest of the plan file: a plan
 * edited after it was run (a typo fixed) is the same plan for the
 * backlogs it clears, which a file digest would miss.
 *
 * Cost: one pass over the plan per report found (a report of another plan
 * is read, matched and dropped).  Not thread-safe.
 */
#ifndef MQR_APPLIED_H
#define MQR_APPLIED_H

#include <stddef.h>

#include "err.h"
#include "ledger.h"
#include "planpass.h"

/*
 * Check as described above.  `lg` says which rows this run sends (its
 * --resume chain is already loaded); `chain` lists the --resume reports
 * (excluded from the search).  ERR_EXISTS with a message naming the
 * report line, the plan line and the ways on (--resume REPORT, --again);
 * ERR_OK when nothing was found (reports that cannot be read are passed
 * over, with a verbose message); ERR_NOMEM.
 */
err_code
applied_check(const struct planpass *pp, struct ledger *lg,
    const char *report_path, const char *const *chain, size_t nchain,
    struct err *e);

#endif /* MQR_APPLIED_H */
