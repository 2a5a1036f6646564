/*
 * resume.h - `run --resume PREVIOUS_REPORT`: what the previous run did.
 *
 * Reading.  resume_load_chain() reads one or more previous reports (a
 * chain: a run and the runs that resumed it, in any order), each as
 * resume_load() reads one.  resume_load() reads a previous report (report.h) whether final
 * (plan order) or streamed (completion order, cut short by a kill -9: a
 * last record without its line end is ignored and reported in the stats),
 * and its intent journal "PREVIOUS_REPORT.intent" (intent.h) when present.
 * It keeps no text: per report row, a 96-bit digest of the row's key
 * (instance, group, topic, type, reset instant), its status and line
 * numbers, 32 bytes (with a 32-bit digest of instance, group and topic,
 * and the request id and time of an ok or skipped row, kept in a text
 * pool so that a skipped row can repeat them), in an array sorted by
 * digest.  The rows of one key across a chain fold into the most telling
 * one (resume_rank()): ok proves the row applied whatever a later report
 * says; an unknown (or a journal line never answered) stays a possible
 * application whatever failed after it.  A key digest is the
 * leading bytes of SHA-256 over the key fields separated by a byte that
 * plan identifiers cannot contain; the reset instant enters as
 * milliseconds, so "...+08:00" and "...Z" spellings of one instant match.
 *
 * Matching.  The engine (ledger.h) calls resume_match() for every plan
 * row in a pass over the validated plan, then resume_check_unmatched()
 * before sending anything.  A report row that may have had an effect
 * (ok, skipped, unknown, or a journal line never answered) whose key is
 * not a row of the plan means the report comes from another plan, or a
 * row that may have been applied was edited: that is refused with
 * ERR_MISMATCH naming the report line (resume_first_conflict() tells the
 * engine which, so it can name the plan line that took its place).  Rows
 * that failed, were not-run or dry-run may change or leave the plan: the
 * operator fixes them and resumes.  Line numbers are not
 * compared: adding a comment line to a plan does not change what its rows
 * mean.  Plan rows absent from the report (a partial report) are simply
 * new.  Two report rows with one key are refused too, unless one of them
 * is `not-run` (it says nothing: the other one speaks); a run writes such
 * a row for a line of a plan edited while it ran.
 *
 * Deciding.  resume_decide() is a pure function of the previous outcome,
 * the row type and --retry-ambiguous (table in its comment).
 *
 * Engine protocol (what keeps a chain of resumed runs from applying a
 * type 0 row twice; engine.c and ledger.c carry it out):
 *  1. resume_check_paths(): the previous report and the new one must be
 *     different files (opening the new one would destroy the evidence);
 *     both are locked, and the new report's journal must not exist
 *     (intent_check_absent()).
 *  2. resume_load_chain(), then resume_match() for every plan row, then
 *     resume_first_conflict(): all before the new report is created.
 *  3. Write every `skipped` row and every held row (status `unknown`,
 *     the reason in error_message) to the new report, staged, and give it
 *     its name BEFORE the first request is sent: an operator who resumes
 *     from the new report after another kill -9 must find there
 *     everything the old one knew.
 *  4. Then dispatch the rows to send, journaling each type 0 row
 *     (intent.h) right before its first request leaves (attempt.h).
 * The previous report and its journal are only read, never changed.
 *
 * Not thread-safe; lookups after loading do not allocate.
 */
#ifndef MQR_RESUME_H
#define MQR_RESUME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "plan.h"
#include "report.h"

/* What the previous run left for one key. */
enum resume_seen {
	RESUME_SEEN_NONE = 0, /* no row, no journal line: never sent */
	RESUME_SEEN_ROW,      /* a report row: status holds its outcome */
	RESUME_SEEN_INFLIGHT  /* journaled as in flight, never answered */
};

struct resume_prev {
	enum resume_seen seen;     /* which of the above */
	enum report_status status; /* RESUME_SEEN_ROW: the row's status */
	unsigned long report_line; /* line in the previous report / journal */
	unsigned long plan_line;   /* plan line recorded there */
	const char *report_name;   /* that report or journal (owned by the
	                              table), NULL when seen is NONE */
	const char *request_id;    /* ok or skipped row: its request id
	                              ("" when the cell was empty), else
	                              NULL (owned by the table) */
	const char *finished_at;   /* the same for its finished_at cell */
};

/* Most reports one --resume chain may name. */
#define RESUME_CHAIN_MAX 64

/* What to do with a plan row on resume. */
enum resume_action {
	RESUME_SEND = 0, /* send it (again) */
	RESUME_SKIP,     /* already applied: report `skipped`, do not send */
	RESUME_HOLD      /* outcome of a type 0 unknown: report `unknown`,
	                    do not send (needs --retry-ambiguous) */
};

/* "send", "skip", "hold". */
const char *
resume_action_text(enum resume_action a);

/*
 * The decision table (pure):
 *   previous             type 1   type 0            type 0 + retry_ambiguous
 *   none                 send     send              send
 *   ok, skipped          skip     skip              skip
 *   failed, not-run,
 *   dry-run              send     send              send
 *   unknown              send     hold              send
 *   in flight (journal)  send     hold              send
 * `type` other than 0 is treated as 1 (only type 0 can do lasting harm when
 * repeated).
 */
enum resume_action
resume_decide(const struct resume_prev *prev, int type, int retry_ambiguous);

/*
 * How telling a previous outcome is, to fold a chain (pure): ok 6,
 * skipped 5, unknown and in flight 4, failed 3, not-run 2, dry-run 1,
 * none 0.  An out-of-range status counts as unknown.
 */
int
resume_rank(enum resume_seen seen, enum report_status st);

/* 1 when the outcome may have changed the service (rank >= 4). */
int
resume_has_effect(enum resume_seen seen, enum report_status st);

/* Counts from loading, for the engine's messages and summary. */
struct resume_stats {
	size_t rows;                      /* complete report rows read */
	size_t by_status[REPORT_NSTATUS]; /* of those, per status */
	unsigned long truncated_line;     /* line of a cut-short last record of
	                                     the report, 0 when none (the
	                                     first such report of a chain) */
	const char *truncated_name;       /* that report (owned by the table) */
	int have_journal;                 /* an intent journal was read */
	size_t intents;                   /* journal lines read */
	size_t in_flight;                 /* journal lines without a row */
	unsigned long journal_truncated_line; /* as truncated_line */
};

struct resume;

/*
 * Load `report_path` and, if it exists, report_path + INTENT_SUFFIX.
 * Errors: ERR_IO (cannot read; a missing report is an error, a missing
 * journal is not), ERR_PARSE (not a mqreset report: wrong header, bad
 * status, bad type or time; the message is "FILE:LINE: ..."), ERR_MISMATCH
 * (two rows with one key), ERR_NOMEM.  On success *out owns the table.
 */
err_code
resume_load(struct resume **out, const char *report_path, struct err *e);

/*
 * The same for a chain of `n` reports (1..RESUME_CHAIN_MAX), each with its
 * journal when present, folded into one table (see the top comment).
 * Errors as resume_load(); ERR_USAGE for a bad n.
 */
err_code
resume_load_chain(struct resume **out, const char *const *paths, size_t n,
    struct err *e);

/*
 * The same from open streams (tests, fuzzing): `journal` may be NULL.
 * Names are used in messages only.  The streams are read to their end and
 * not closed.
 */
err_code
resume_load_fp(struct resume **out, FILE *report, const char *report_name,
    FILE *journal, const char *journal_name, struct err *e);

/* Statistics of the load.  Never NULL for a loaded table. */
const struct resume_stats *
resume_stats(const struct resume *r);

/*
 * Look up the plan row with identity *key, fill *prev (seen NONE when the
 * previous run has no trace of it) and mark the entry as belonging to the
 * plan.  Idempotent; never fails.
 */
void
resume_match(struct resume *r, const struct plan_key *key,
    struct resume_prev *prev);

/*
 * After every plan row went through resume_match(): ERR_MISMATCH when some
 * report row or journal line that may have had an effect matched no plan
 * row, with a message naming the first such line (without the plan line
 * that took its place: the engine adds it), else ERR_OK.
 */
err_code
resume_check_unmatched(const struct resume *r, struct err *e);

/* The first report row with an effect that matched no plan row. */
struct resume_conflict {
	const char *name;          /* the report or journal (owned by the
	                              table) */
	unsigned long report_line; /* its line there */
	unsigned long plan_line;   /* the plan line recorded there */
	const char *what;          /* "ok", "unknown", "in flight", ... */
	uint32_t place;            /* digest of instance, group, topic */
	size_t count;              /* such rows in all */
};

/*
 * After every plan row went through resume_match(): 1 and *c filled when
 * a row that may have had an effect matched no plan row (the first one:
 * by report of the chain, report rows before journal lines, by line),
 * else 0.
 */
int
resume_first_conflict(const struct resume *r, struct resume_conflict *c);

/* 1 when *key has the instance, group and topic of c's row. */
int
resume_same_place(struct resume *r, const struct resume_conflict *c,
    const struct plan_key *key);

/*
 * Step 1 of the protocol: ERR_USAGE when `resume_path` and `report_path`
 * name the same file (same path, or same device and inode), with a
 * message saying why.  A report_path that does not exist yet is fine.
 */
err_code
resume_check_paths(const char *resume_path, const char *report_path,
    struct err *e);

/*
 * The reports of a --resume chain: at most RESUME_CHAIN_MAX, each named
 * once (by path, or by device and inode): ERR_USAGE otherwise.
 */
err_code
resume_check_chain(const char *const *paths, size_t n, struct err *e);

/* Free the table.  NULL-tolerant. */
void
resume_destroy(struct resume *r);

#endif /* MQR_RESUME_H */
