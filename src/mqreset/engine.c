/*
 * engine.c - the run engine: plan -> workers -> report.  See engine.h.
 *
 * Flow of engine_prepare() and engine_run():
 *   1. Checks that cost nothing: the report may be created, --resume is
 *      another file, both are locked.
 *   2. Pass 1 over the plan (planpass.h): every diagnostic, duplicates.
 *      An invalid plan stops here: nothing was sent.
 *   3. With --resume: pass 2 matches every row to the previous reports
 *      and their journals (ledger.h), refusing a report of another plan.
 *      With --execute: the reports next to the new one must not show
 *      this plan applied (applied.h), unless --again.
 *   4. One API client per worker, the report (staged with the rows a
 *      resume inherits, then published), the intent journal.
 *   5. Workers start (every signal blocked in them); the main thread runs
 *      the dispatch loop: pass 3 over the plan, one row at a time, never
 *      more than `jobs capacity + workers` rows outstanding, so memory
 *      does not grow with the plan.
 *   6. When the plan is exhausted or the run stops, the remaining rows are
 *      written as not-run (or skipped/held per --resume), the workers are
 *      joined, the report is put in plan order and the journal removed.
 *
 * The objects it wires: pacer.c (limiter, throttle hold, stop flags),
 * attempt.c (one row with its retries), ledger.c (report rows, --resume),
 * planpass.c (the plan file's passes), progress.c (the progress line).
 * This file owns the jobs, the threads, the queues and the signals.
 */
#include "engine.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applied.h"
#include "attempt.h"
#include "creds.h"
#include "fsutil.h"
#include "guide.h"
#include "intent.h"
#include "ledger.h"
#include "lockfile.h"
#include "msg.h"
#include "pacer.h"
#include "planpass.h"
#include "progress.h"
#include "pool.h"
#include "report.h"
#include "undo.h"
#include "verify.h"
#include "heldcheck.h"

/* Jobs waiting for a worker, per worker: enough to never starve one. */
#define ENGINE_JOBS_PER_WORKER 2
/* Main loop wake-up when idle (signals, progress). */
#define ENGINE_TICK_NS INT64_C(100000000)
/* Progress line refresh. */
#define ENGINE_PROGRESS_NS INT64_C(250000000)
/* Cap on diagnostics printed per severity by the validation pass. */
#define ENGINE_DIAG_MAX 50
/* The lock file next to a report. */
#define ENGINE_LOCK_SUFFIX ".lock"
/* Longest suffix of a file derived from the report's name: the intent
 * journal's staging name ".intent.start-XXXXXX" (report.h, intent.h). */
#define ENGINE_SUFFIX_MAX (sizeof(INTENT_SUFFIX INTENT_STAGE_SUFFIX) - 1)

struct engine {
	const struct engine_config *cfg; /* read-only once workers start */
	struct pacer pacer;       /* limiter, hold, stop flags (shared) */
	int pacer_ok;             /* pacer was initialised */
	struct attempt_ctx actx;  /* what the rows share (shared) */
	struct pool *pool;        /* the workers and their queues */
	struct intent *journal;   /* type 0 in-flight records (execute) */
	struct verify *verify;    /* --verify/--undo-plan read-back */
	struct heldcheck *heldcheck; /* --resume --verify: held rows judged
	                             by their saved reading, or NULL */
	struct undo *undo;        /* --undo-plan */
	size_t verified[4];       /* rows per attempt_verified */
	/* main thread only */
	struct lockfile *lock;    /* held on REPORT.lock for the whole run */
	struct lockfile *resume_lock[RESUME_CHAIN_MAX]; /* held on
	                             PREVIOUS_REPORT.lock, per --resume */
	struct ledger lg;         /* report rows, --resume decisions */
	struct planpass pp;       /* the plan file as validated */
	size_t outstanding_cap;   /* most jobs out at once */
	size_t outstanding;       /* jobs handed out and not back */
	size_t total;             /* plan data rows */
	size_t to_send;           /* rows the plan asks to send */
	unsigned long fail_limit; /* failures that stop the run, 0 none;
	                             set before the workers start */
	size_t failures;          /* failed + unknown rows of this run */
	struct guide_lines bad_lines; /* their plan lines, for the summary */
	int refused_said;         /* the refused identity was explained */
	int64_t start_ns;         /* when dispatching started */
};

/* ------------------------------------------------------------------ */
/* Main thread: results, signals, progress */

/*
 * The service refused the identity, the permission or the endpoint: one
 * message saying what, with the credentials' source and key hint and
 * what to check (guide.h), and one short reason for the stop that every
 * row not sent carries.
 */
static void
engine_refused(struct engine *eng, const struct job *j)
{
	const struct creds *cr = eng->cfg->client != NULL ?
	    eng->cfg->client->creds : NULL;
	char advice[GUIDE_LINE_MAX], reason[SUMMARY_REASON_MAX];
	enum reply_cause cause;

	/* Requests already in flight are refused alike: one message. */
	if (eng->refused_said++)
		return;
	cause = reply_classify(j->res.http_status, j->res.code, NULL,
	    1).cause;
	guide_fatal_advice(cause, j->res.code,
	    cr != NULL ? creds_source(cr) : NULL,
	    cr != NULL ? creds_key_hint(cr) : NULL, advice, sizeof advice);
	msg_error("%s:%lu: %s; stopping the run",
	    plan_display_name(eng->cfg->plan_path), j->line, advice);
	guide_fatal_reason(cause, j->res.code, j->line, reason,
	    sizeof reason);
	pacer_stop(&eng->pacer, ERR_AUTH, "%s", reason);
}

/* A result came back from a worker: report it, check the limits. */
static void
engine_record(struct engine *eng, struct job *j, struct err *e)
{
	const char *plan = plan_display_name(eng->cfg->plan_path);
	struct report_row row;

	eng->outstanding--;
	job_report_row(j, &row);
	if (ledger_write(&eng->lg, j->index, &row, e) != ERR_OK)
		return;
	eng->verified[j->res.verified]++;
	if (j->res.status == REPORT_FAILED || j->res.status == REPORT_UNKNOWN) {
		eng->failures++;
		guide_lines_add(&eng->bad_lines, j->line);
		/* As they happen, so a log shows them (guide.h). */
		if (j->res.fatal == ERR_OK)
			msg_info("%s:%lu: %s %s: %s %s%s%s", plan, j->line,
			    j->key.group, j->key.topic,
			    report_status_text(j->res.status), j->res.code,
			    j->res.message[0] ? ": " : "", j->res.message);
	}
	if (j->res.fatal == ERR_AUTH)
		engine_refused(eng, j);
	else if (j->res.fatal != ERR_OK) {
		msg_error("%s:%lu: %s: %s; stopping the run", plan, j->line,
		    j->res.code, j->res.message);
		pacer_stop(&eng->pacer, j->res.fatal, "run-fatal error at line "
		    "%lu: %s: %s", j->line, j->res.code, j->res.message);
	} else if (eng->fail_limit > 0 && eng->failures >= eng->fail_limit) {
		pacer_stop(&eng->pacer, ERR_REMOTE, "failure limit reached: "
		    "%zu row%s failed or unknown (limit %lu)", eng->failures,
		    eng->failures == 1 ? "" : "s", eng->fail_limit);
	}
}

static void
engine_progress(struct engine *eng)
{
	struct progress_counts c;
	char line[PROGRESS_LINE_MAX];
	const size_t *by = eng->lg.by_status;

	if (!eng->cfg->progress && !(eng->cfg->progress_interval > 0))
		return;
	c.done = eng->lg.written;
	c.total = eng->total;
	c.ok = by[REPORT_OK] + by[REPORT_DRY_RUN] + by[REPORT_SKIPPED];
	c.failed = by[REPORT_FAILED];
	c.unknown = by[REPORT_UNKNOWN];
	c.requests = atomic_load(&eng->actx.requests);
	c.limiter_rate = eng->cfg->execute ? pacer_rate(&eng->pacer, NULL) :
	    0.0;
	progress_format(&c, (double)(pacer_now_ns(&eng->pacer) -
	    eng->start_ns) / 1e9, line, sizeof(line));
	if (eng->cfg->progress)
		msg_status(line);
	else
		msg_info("%s", line); /* a log's line (not a terminal) */
}

/* Time to the next progress line: a terminal's status line is redrawn
 * often, a log gets one every --progress-interval. */
static int64_t
engine_progress_period(const struct engine *eng)
{
	if (eng->cfg->progress || !(eng->cfg->progress_interval > 0))
		return ENGINE_PROGRESS_NS;
	return (int64_t)(eng->cfg->progress_interval * 1e9);
}

/*
 * Look at the signal counter: 1 stops dispatching; 2 also interrupts the
 * requests in flight (the clients' abort flag), whose workers are then
 * joined like the others.
 */
static void
engine_signals(struct engine *eng, volatile sig_atomic_t *signals,
    int *seen)
{
	int n;

	if (signals == NULL)
		return;
	n = (int)*signals;
	if (n == *seen)
		return;
	*seen = n;
	msg_warn(n == 1 ? "interrupted: finishing %zu row%s in flight, the "
	    "rest will be not-run (interrupt again to abort them)" :
	    "interrupted again: aborting %zu row%s in flight (unknown if the "
	    "request may have left)", eng->outstanding,
	    eng->outstanding == 1 ? "" : "s");
	pacer_stop(&eng->pacer, ERR_INTERRUPTED, "interrupted by a signal");
	if (n >= 2)
		pacer_abort(&eng->pacer);
}

/* Put a job out to the workers; 1 when queued. */
static int
engine_hand_out(struct engine *eng, struct job *j)
{
	if (eng->outstanding >= eng->outstanding_cap ||
	    !pool_put(eng->pool, j))
		return 0;
	eng->outstanding++;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The dispatch loop (pass 3) */

/* Pass-3 state of the main thread. */
struct engine_pass {
	struct plan_reader *r;    /* the plan, pass 3 */
	size_t index;             /* next row's index */
	int eof;                  /* the reader is done */
	struct job *pending;      /* read, not handed out yet */
};

/*
 * A row the preflight holds back (engine_config.hold): written failed
 * with the preflight's code, never sent, and not counted against
 * --max-failures (nothing was sent).  1 when held.
 */
static int
engine_held(struct engine *eng, const struct plan_row *row, size_t index,
    struct err *e)
{
	const struct pfhold_row *h = pfhold_find(eng->cfg->hold, row->line);

	if (h == NULL)
		return 0;
	/* Said and listed like any failed row (engine_record). */
	msg_info("%s:%lu: %s %s: failed %s: %s",
	    plan_display_name(eng->cfg->plan_path), row->line, row->key.group,
	    row->key.topic, h->code, h->message);
	guide_lines_add(&eng->bad_lines, row->line);
	ledger_write_unsent(&eng->lg, row, index, REPORT_FAILED, h->code,
	    h->message, pacer_wall_ms(&eng->pacer), e);
	return 1;
}

/*
 * Read the next plan row: a job to send (ps->pending), a row --resume
 * does not send, or an edited row (reported as read; the rows after it
 * are read later for their not-run rows).  1 when a row was read.
 */
static int
engine_read_row(struct engine *eng, struct engine_pass *ps, struct err *e)
{
	struct plan_row row;
	int changed;
	err_code rc;

	rc = planpass_next(&eng->pp, ps->r, ps->index, &row, &ps->eof,
	    &changed, e);
	if (rc != ERR_OK) {
		msg_error("%s", err_message(e));
		pacer_stop(&eng->pacer, rc, "%s", err_message(e));
		if (changed)
			ledger_write_changed(&eng->lg, &row, ps->index++,
			    pacer_wall_ms(&eng->pacer), e);
		ps->eof = !changed;
		return 0;
	}
	if (ps->eof)
		return 0;
	if (!ledger_resume_row(&eng->lg, &row, ps->index, 0, 0, e) &&
	    !engine_held(eng, &row, ps->index, e)) {
		ps->pending = job_new(&row, ps->index);
		if (ps->pending == NULL) {
			pacer_stop(&eng->pacer, ERR_NOMEM, "out of memory");
			ledger_write_unsent(&eng->lg, &row, ps->index,
			    REPORT_NOT_RUN, "", "not sent: out of memory",
			    pacer_wall_ms(&eng->pacer), e);
		}
	}
	ps->index++;
	return 1;
}

/* A row read but never handed out: not-run. */
static void
engine_drop_pending(struct engine *eng, struct engine_pass *ps,
    struct err *e)
{
	struct report_row rr;
	char why[SUMMARY_REASON_MAX + 16];

	pacer_unsent_reason(&eng->pacer, why, sizeof why);
	attempt_unsent(&eng->actx, &ps->pending->res, why);
	job_report_row(ps->pending, &rr);
	ledger_write(&eng->lg, ps->pending->index, &rr, e);
	free(ps->pending);
	ps->pending = NULL;
}

/* The rows never read: not-run, or what --resume says (an edited row:
 * not-run as read). */
static void
engine_write_rest(struct engine *eng, struct engine_pass *ps, struct err *e)
{
	char why[SUMMARY_REASON_MAX + 32], reason[SUMMARY_REASON_MAX];
	struct plan_row row;
	int64_t now;
	int changed;
	err_code rc;

	while (!ps->eof) {
		rc = planpass_next(&eng->pp, ps->r, ps->index, &row, &ps->eof,
		    &changed, e);
		now = pacer_wall_ms(&eng->pacer);
		if (rc != ERR_OK) {
			pacer_stop(&eng->pacer, rc, "%s", err_message(e));
			if (!changed)
				break;
			ledger_write_changed(&eng->lg, &row, ps->index++, now,
			    e);
			continue;
		}
		if (ps->eof)
			break;
		if (!ledger_resume_row(&eng->lg, &row, ps->index, 0, now, e)) {
			pacer_stopped(&eng->pacer, reason, sizeof(reason));
			snprintf(why, sizeof(why), "not sent: %s", reason);
			ledger_write_unsent(&eng->lg, &row, ps->index,
			    REPORT_NOT_RUN, "", why, now, e);
		}
		ps->index++;
	}
}

static void
engine_dispatch(struct engine *eng, struct plan_reader *r,
    volatile sig_atomic_t *signals, struct err *e)
{
	struct engine_pass ps;
	int busy, sigseen = 0;
	int64_t next_progress = eng->start_ns;
	struct job *j;

	if (!eng->cfg->progress)
		next_progress += engine_progress_period(eng);

	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	for (;;) {
		engine_signals(eng, signals, &sigseen);
		busy = 0;
		if (ps.pending == NULL && !ps.eof &&
		    !pacer_should_stop(&eng->pacer) &&
		    eng->outstanding < eng->outstanding_cap)
			busy = engine_read_row(eng, &ps, e);
		if (ps.pending != NULL && pacer_should_stop(&eng->pacer))
			engine_drop_pending(eng, &ps, e);
		if (ps.pending != NULL && engine_hand_out(eng, ps.pending)) {
			ps.pending = NULL;
			busy = 1;
		}
		j = pool_get(eng->pool, busy ? 0 :
		    pacer_now_ns(&eng->pacer) + ENGINE_TICK_NS);
		if (j != NULL) {
			engine_record(eng, j, e);
			free(j);
		}
		if (pacer_now_ns(&eng->pacer) >= next_progress) {
			engine_progress(eng);
			next_progress = pacer_now_ns(&eng->pacer) +
			    engine_progress_period(eng);
		}
		if ((ps.eof || pacer_should_stop(&eng->pacer)) &&
		    ps.pending == NULL && eng->outstanding == 0)
			break;
	}
	engine_write_rest(eng, &ps, e);
	if (ps.index != eng->total &&
	    pacer_stopped(&eng->pacer, NULL, 0) == ERR_OK)
		pacer_stop(&eng->pacer, ERR_MISMATCH, "%s changed while it was "
		    "being run: %zu rows read, %zu validated",
		    plan_display_name(eng->cfg->plan_path), ps.index,
		    eng->total);
	msg_status(NULL);
}

/* ------------------------------------------------------------------ */
/* Setup and teardown */

/*
 * Lock PATH.lock (a report being written, or one a resume reads: its run
 * must be over).  ERR_EXISTS names the pid holding it.
 */
static err_code
engine_lock(const char *path, struct lockfile **out, struct err *e)
{
	char *lpath;
	err_code rc;

	if (asprintf(&lpath, "%s%s", path, ENGINE_LOCK_SUFFIX) < 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = lockfile_acquire(out, lpath, e);
	free(lpath);
	return rc;
}

/*
 * Lock the report a resume reads, so that it cannot be one a live run is
 * still writing.  A report kept where nothing can be created (a read-only
 * archive of a ticket) cannot be being written by a run either, which
 * needs its journal there: it is read without the lock, with a warning.
 */
static err_code
engine_lock_previous(const char *path, struct lockfile **out,
    struct err *e)
{
	char *dir;
	int writable;

	dir = fsutil_dirname(path);
	if (dir == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	writable = access(dir, W_OK) == 0;
	free(dir);
	if (!writable) {
		*out = NULL;
		msg_warn("%s is in a directory this user cannot write: it is "
		    "read without its lock (make sure no run is still "
		    "writing it)", path);
		return ERR_OK;
	}
	return engine_lock(path, out, e);
}

/* The failure limit from --max-failures N or P% of the rows to send. */
static unsigned long
engine_fail_limit(const struct engine_config *cfg, size_t to_send)
{
	unsigned long lim = 0, pct;

	if (cfg->max_failures > 0)
		lim = cfg->max_failures;
	if (cfg->max_failures_pct >= 0) {
		pct = (unsigned long)(cfg->max_failures_pct / 100.0 *
		    (double)to_send);
		if (pct < 1)
			pct = 1;
		if (lim == 0 || pct < lim)
			lim = pct;
	}
	return lim;
}

err_code
engine_prepare(const struct engine_config *cfg, struct engine **out,
    struct err *e)
{
	struct attempt_config ac;
	struct engine *eng;
	size_t i;
	err_code rc;

	*out = NULL;
	eng = calloc(1, sizeof(*eng));
	if (eng == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	eng->cfg = cfg;
	rc = pacer_init(&eng->pacer, cfg->clock, e);
	if (rc != ERR_OK) {
		free(eng);
		return rc;
	}
	eng->pacer_ok = 1;
	ac.max_attempts = cfg->max_attempts;
	ac.retry_ambiguous = cfg->retry_ambiguous;
	ac.max_consecutive_failures = cfg->max_consecutive_failures;
	attempt_ctx_init(&eng->actx, &ac, &eng->pacer, NULL);
	planpass_init(&eng->pp, cfg->plan_path, cfg->instance,
	    pacer_wall_ms(&eng->pacer));
	eng->pp.delimiter = cfg->delimiter;
	eng->pp.assume_offset = cfg->assume_offset;
	eng->pp.assume_tz = cfg->assume_tz;
	eng->pp.columns = cfg->columns;
	if (cfg->accounts != NULL) {
		eng->pp.on_row = accounts_on_row;
		eng->pp.on_row_arg = cfg->accounts;
	}
	ledger_init(&eng->lg, cfg->report_path, cfg->resume_paths,
	    cfg->nresume, cfg->retry_ambiguous, &eng->pacer);

	/* Everything that can refuse the run, before any request: first
	 * the names and the locks, so that nothing below races another run
	 * on the same report (a second run, --force or not, dry or not,
	 * and a run resuming from a report still being written). */
	rc = fsutil_check_derived(cfg->report_path, ENGINE_SUFFIX_MAX, e);
	if (rc == ERR_OK)
		rc = resume_check_chain(cfg->resume_paths, cfg->nresume, e);
	for (i = 0; rc == ERR_OK && i < cfg->nresume; i++)
		rc = resume_check_paths(cfg->resume_paths[i], cfg->report_path,
		    e);
	if (rc == ERR_OK)
		rc = engine_lock(cfg->report_path, &eng->lock, e);
	for (i = 0; rc == ERR_OK && i < cfg->nresume; i++)
		rc = engine_lock_previous(cfg->resume_paths[i],
		    &eng->resume_lock[i], e);
	/* The journal first: after a kill -9 the report exists too, and
	 * the way on is --resume, not --force. */
	if (rc == ERR_OK)
		rc = intent_check_absent(cfg->report_path, cfg->force ?
		    INTENT_FORCE : 0, e);
	if (rc == ERR_OK && cfg->execute && cfg->undo_path != NULL)
		rc = undo_check(cfg->undo_path, cfg->force, cfg->plan_path,
		    cfg->report_path, e);
	if (rc == ERR_OK)
		rc = report_check_target(cfg->report_path, cfg->force ?
		    REPORT_FORCE : 0, e);
	if (rc == ERR_OK)
		rc = planpass_validate(&eng->pp, ENGINE_DIAG_MAX, e);
	eng->total = eng->pp.counts.valid;
	eng->to_send = eng->total;
	if (rc == ERR_OK && cfg->nresume > 0)
		rc = ledger_resume_load(&eng->lg, &eng->pp, &eng->to_send, e);
	if (rc == ERR_OK && cfg->execute && !cfg->again)
		rc = applied_check(&eng->pp, &eng->lg, cfg->report_path,
		    cfg->resume_paths, cfg->nresume, e);
	if (rc != ERR_OK) {
		engine_destroy(eng);
		return rc;
	}
	eng->fail_limit = engine_fail_limit(cfg, eng->to_send);
	*out = eng;
	return ERR_OK;
}

size_t
engine_rows_to_send(const struct engine *eng)
{
	return eng->to_send;
}

/* The plan's accounts when it names any (accounts.h), else NULL. */
static struct accounts *
engine_accounts(const struct engine *eng)
{
	struct accounts *a = eng->cfg->accounts;

	return a != NULL && accounts_multi(a) ? a : NULL;
}

size_t
engine_rows(const struct engine *eng, size_t *type0)
{
	if (type0 != NULL)
		*type0 = eng->pp.counts.type0;
	return eng->total;
}

/* The workers and their clients (watching the abort flag of a second
 * signal). */
static err_code
engine_make_pool(struct engine *eng, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	struct pool_config pc;

	memset(&pc, 0, sizeof(pc));
	pc.workers = cfg->workers;
	pc.jobs_cap = (size_t)cfg->workers * ENGINE_JOBS_PER_WORKER;
	eng->outstanding_cap = pc.jobs_cap + cfg->workers;
	/* Results never block a worker: room for every outstanding job. */
	pc.results_cap = eng->outstanding_cap;
	pc.execute = cfg->execute;
	pc.seed = cfg->seed;
	pc.fail_limit = eng->fail_limit;
	pc.client = cfg->client;
	if (cfg->execute && (cfg->verify || cfg->undo_path != NULL)) {
		struct verify_config vc;

		memset(&vc, 0, sizeof(vc));
		vc.client = cfg->client;
		vc.verify = cfg->verify;
		vc.timeout_ms = cfg->verify_timeout_ms;
		eng->verify = verify_new(&vc, e);
		if (eng->verify == NULL)
			return e->code != ERR_OK ? e->code : ERR_INTERNAL;
		pc.verify = eng->verify;
	}
	pc.accounts = engine_accounts(eng);
	eng->pool = pool_new(&pc, &eng->pacer, &eng->actx, e);
	if (eng->pool == NULL)
		return e != NULL && e->code != ERR_OK ? e->code : ERR_INTERNAL;
	return ERR_OK;
}

/*
 * The report's columns: the plan's extra columns, and with --verify one
 * more, `verified` (last, so that rows written without it - not sent,
 * inherited by --resume - simply leave it empty).
 */
static err_code
engine_report_open(struct engine *eng, struct report **report,
    const char *const *xnames, size_t nx, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	const char **names;
	err_code rc;

	if (!(cfg->execute && cfg->verify))
		return report_open(report, cfg->report_path, eng->total,
		    xnames, nx, cfg->force ? REPORT_FORCE : 0, e);
	names = calloc(nx + 1, sizeof(*names));
	if (names == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (nx > 0)
		memcpy(names, xnames, nx * sizeof(*names));
	names[nx] = "verified";
	rc = report_open(report, cfg->report_path, eng->total, names, nx + 1,
	    cfg->force ? REPORT_FORCE : 0, e);
	free(names);
	return rc;
}

/*
 * The report, staged with every row a resume inherits and only then
 * given its name: a kill during the copy-forward leaves no report that
 * forgets what the previous run did (report.h).  The journal comes after
 * it, the first request after both.
 */
static err_code
engine_open_outputs(struct engine *eng, struct plan_reader *r,
    struct report **report, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	const char *const *xnames;
	size_t nx;
	err_code rc;

	xnames = plan_extra_names(r, &nx);
	rc = engine_report_open(eng, report, xnames, nx, e);
	eng->lg.report = *report;
	if (rc == ERR_OK && eng->lg.resume != NULL)
		rc = ledger_write_resumed(&eng->lg, &eng->pp, e);
	if (rc == ERR_OK && eng->heldcheck != NULL) {
		size_t ap, se, he;

		heldcheck_counts(eng->heldcheck, &ap, &se, &he);
		eng->to_send += se;
		if (ap + se + he > 0)
			msg_info("read-back of held type 0 rows: %zu applied "
			    "earlier (ok, not sent), %zu not applied (sent), "
			    "%zu still cannot tell (held)", ap, se, he);
	}
	if (rc == ERR_OK)
		rc = report_publish(*report, e);
	if (rc == ERR_OK && cfg->execute)
		rc = intent_open(&eng->journal, cfg->report_path,
		    (cfg->force ? INTENT_FORCE : 0) |
		    (cfg->intent_sync ? INTENT_SYNC : 0), e);
	if (rc == ERR_OK && eng->verify != NULL && cfg->undo_path != NULL) {
		rc = undo_open(&eng->undo, cfg->undo_path,
		    plan_display_name(cfg->plan_path), xnames, nx, cfg->force,
		    e);
		if (rc == ERR_OK)
			verify_set_undo(eng->verify, eng->undo);
	}
	return rc;
}

/* Fill the summary from the engine's counters. */
static void
engine_summarise(struct engine *eng, struct summary *sum)
{
	sum->plan = eng->cfg->plan_path;
	sum->report = eng->cfg->report_path;
	sum->execute = eng->cfg->execute;
	sum->aborted = pacer_stopped(&eng->pacer, sum->stop_reason,
	    sizeof(sum->stop_reason)) != ERR_OK;
	sum->rows = eng->total;
	memcpy(sum->by_status, eng->lg.by_status, sizeof(sum->by_status));
	sum->held_ambiguous = eng->lg.held;
	sum->requests = atomic_load(&eng->actx.requests);
	sum->retries = atomic_load(&eng->actx.retries);
	sum->throttled = atomic_load(&eng->actx.throttled);
	sum->workers = eng->cfg->workers;
	sum->rate_limit = eng->cfg->rate;
	sum->final_rate = pacer_rate(&eng->pacer, &sum->rate_cuts);
	sum->connections = pool_connections(eng->pool);
	sum->bad_lines = eng->bad_lines;
	sum->elapsed_s = (double)(pacer_now_ns(&eng->pacer) - eng->start_ns) /
	    1e9;
	sum->verify = eng->cfg->execute && eng->cfg->verify;
	memcpy(sum->verified, eng->verified, sizeof(sum->verified));
	if (eng->heldcheck != NULL) {
		size_t ap, se, he;

		/* Held rows confirmed applied by read-back: verified yes. */
		heldcheck_counts(eng->heldcheck, &ap, &se, &he);
		sum->verified[ATTEMPT_VERIFIED_YES] += ap;
	}
	if (eng->verify != NULL)
		sum->reads = verify_reads(eng->verify);
	if (eng->undo != NULL) {
		sum->undo_plan = eng->cfg->undo_path;
		sum->undo_rows = undo_rows(eng->undo);
	}
	if (engine_accounts(eng) != NULL)
		accounts_summary(engine_accounts(eng), sum);
}

/*
 * After the dispatch: join the workers, order the report, drop the
 * journal, and say why the run stopped (ERR_INTERRUPTED) if it did.
 */
static err_code
engine_finish(struct engine *eng, struct report *report,
    struct summary *sum, struct err *e)
{
	char reason[SUMMARY_REASON_MAX];
	err_code rc;

	pool_join(eng->pool);
	engine_summarise(eng, sum);
	rc = report_finish(report, e);
	if (rc == ERR_OK && eng->journal != NULL)
		rc = intent_finish(eng->journal, e);
	if (pacer_stopped(&eng->pacer, reason, sizeof(reason)) == ERR_OK)
		return rc;
	if (rc != ERR_OK) {
		/* The stop explains the unfinished report (a full disk, a
		 * plan edited while running): say both. */
		msg_error("%s", err_message(e));
		return err_set(e, ERR_INTERRUPTED, "%s; the report %s keeps "
		    "every row answered, in completion order; rows missing "
		    "from it were not sent", reason, eng->cfg->report_path);
	}
	return err_set(e, ERR_INTERRUPTED, "%s", reason);
}

err_code
engine_run(struct engine *eng, volatile sig_atomic_t *signals,
    struct summary *sum, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	struct plan_reader *r = NULL;
	struct report *report = NULL;
	err_code rc;
	struct err werr;

	/* Several accounts: per-account limiters and counters. */
	eng->lg.accounts = engine_accounts(eng);
	if (eng->lg.accounts != NULL) {
		eng->actx.pacer_for = accounts_pacer_for;
		eng->actx.pacer_for_arg = eng->lg.accounts;
	}
	rc = engine_make_pool(eng, e);
	/* Held type 0 rows with a reading saved before their earlier send
	 * are judged by the state now (heldcheck.h). */
	if (rc == ERR_OK && eng->verify != NULL && cfg->verify &&
	    eng->lg.resume != NULL) {
		rc = heldcheck_load(&eng->heldcheck, cfg->resume_paths,
		    cfg->nresume, eng->verify, e);
		eng->lg.heldcheck = eng->heldcheck;
	}
	if (rc == ERR_OK)
		rc = planpass_unchanged(&eng->pp, e);
	if (rc == ERR_OK)
		rc = planpass_open(&eng->pp, &r, e);
	if (rc == ERR_OK)
		rc = engine_open_outputs(eng, r, &report, e);
	if (rc != ERR_OK)
		goto out;
	/* The journal exists now: the rows may start. */
	eng->actx.journal = eng->journal;
	eng->start_ns = pacer_now_ns(&eng->pacer);
	pacer_start(&eng->pacer, cfg->rate, cfg->burst);
	if (eng->lg.accounts != NULL)
		accounts_start(eng->lg.accounts, &eng->pacer, cfg->rate,
		    cfg->burst);

	msg_verbose("%s %zu row%s of %s with %u worker%s at %.1f req/s",
	    cfg->execute ? "applying" : "dry run of", eng->to_send,
	    eng->to_send == 1 ? "" : "s", plan_display_name(cfg->plan_path),
	    cfg->workers, cfg->workers == 1 ? "" : "s", cfg->rate);
	rc = pool_start(eng->pool, e);
	if (rc != ERR_OK) {
		pacer_stop(&eng->pacer, rc, "%s", err_message(e));
		msg_error("%s", err_message(e));
	}
	err_clear(&werr);
	engine_dispatch(eng, r, signals, &werr);
	rc = engine_finish(eng, report, sum, e);
	if (rc != ERR_OK)
		sum->aborted = 1;
out:
	plan_close(r);
	report_destroy(report);
	eng->lg.report = NULL;
	return rc;
}

void
engine_destroy(struct engine *eng)
{
	size_t i;

	if (eng == NULL)
		return;
	intent_destroy(eng->journal);
	for (i = 0; i < RESUME_CHAIN_MAX; i++)
		lockfile_release(eng->resume_lock[i]);
	lockfile_release(eng->lock);
	ledger_free(&eng->lg);
	planpass_free(&eng->pp);
	pool_destroy(eng->pool);
	heldcheck_destroy(eng->heldcheck);
	verify_destroy(eng->verify);
	undo_close(eng->undo);
	if (eng->pacer_ok) {
		attempt_ctx_free(&eng->actx);
		pacer_free(&eng->pacer);
	}
	free(eng);
}
