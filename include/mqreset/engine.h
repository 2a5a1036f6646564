/*
 * engine.h - `mqreset run`: dispatch a validated plan through a pool of
 * workers under a rate limit, with retries, and write a truthful report.
 *
 * Threads (after wrk): the configuration below is read-only once the
 * workers start.  The main thread (the caller of engine_run) reads the
 * plan row by row (it is never held in memory: planpass.h), decides per
 * row with the --resume table, hands jobs to the workers through a bounded
 * queue, receives their results through a second bounded queue, and alone
 * writes the report (ledger.h, report.h), shows progress and watches for
 * signals.  Each worker owns its API client (one libcurl handle, so one
 * connection kept alive) and its random generator, and drives each row
 * through the attempt loop (attempt.h).  The shared state is the pacer
 * (pacer.h: the adaptive rate limiter, every attempt takes a token,
 * retries included; the throttle hold; the stop flags), the intent
 * journal (behind its own lock: a worker records a type 0 row right
 * before sending it), the set of failed instances and atomic counters.
 * Workers block every signal (pthread_sigmask); the caller installs the
 * handlers and passes a counter that engine_run polls.
 *
 * Stopping: when `*signals` becomes 1 (or a run-fatal reply, an I/O error
 * or the failure limit), no new row is dispatched, in-flight rows finish
 * (without starting retries), and every row not sent is `not-run`; the
 * stop keeps its cause (the err_code of the first reason).  When it
 * reaches 2, the requests in flight are interrupted too (the clients'
 * abort flag, client.h): their rows are `unknown` (mqreset.Aborted) if the
 * request may have left, `not-run` if it never did, and every worker is
 * joined before engine_run returns.
 */
#ifndef MQR_ENGINE_H
#define MQR_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "accounts.h"
#include "client.h"
#include "pacer.h"
#include "pfhold.h"
#include "err.h"
#include "summary.h"

/* Defaults of the run options. */
#define ENGINE_DEFAULT_WORKERS 8
#define ENGINE_MAX_WORKERS 256
/*
 * 10 requests per second: the documented per-account quota of
 * OnsConsumerResetOffset (root and RAM users combined; mqreset(1),
 * --rate).
 */
#define ENGINE_DEFAULT_RATE 10.0
#define ENGINE_DEFAULT_BURST 1.0
#define ENGINE_DEFAULT_MAX_ATTEMPTS 5

struct engine_config {
	const char *plan_path;     /* the plan (validated by engine_run) */
	const char *report_path;   /* the report to create */
	const char *const *resume_paths; /* previous reports (--resume, a
	                              chain in any order), or NULL */
	size_t nresume;            /* entries in resume_paths */
	int again;                 /* --again: run even though a report
	                              next to the new one shows rows of
	                              this plan applied (applied.h) */
	const char *instance;      /* --instance for plans without the
	                              column, or NULL */
	char delimiter;            /* the plan's separator, 0: detect */
	const char *assume_offset; /* offset of plan times without one, or
	                              NULL to refuse them (plan.h) */
	const struct tzconv *assume_tz; /* or their zone, or NULL (plan.h) */
	const struct colmap *columns; /* --column mappings, or NULL */
	int execute;               /* 1: send; 0: dry run (sign only) */
	int force;                 /* overwrite an existing report */
	unsigned workers;          /* worker threads, 1..ENGINE_MAX_WORKERS */
	double rate;               /* requests per second, ceiling */
	double burst;              /* token bucket capacity */
	unsigned max_attempts;     /* per row, >= 1 */
	int retry_ambiguous;       /* retry/resend type 0 rows that may have
	                              been applied */
	unsigned long max_failures; /* stop once this many rows failed or
	                              are unknown; 0: no limit */
	double max_failures_pct;   /* the same as a percentage of the rows
	                              to send; < 0: not given */
	int progress;              /* draw the progress line (TTY) */
	double progress_interval;  /* not drawn: a progress line (info)
	                              every this many seconds; 0: none */
	int intent_sync;           /* fdatasync each journal line */
	unsigned max_consecutive_failures; /* stop after this many attempts
	                              in a row fail at the transport or
	                              endpoint level; 0: never */
	const struct client_config *client; /* endpoint, creds, timeouts */
	struct accounts *accounts; /* the plan's accounts (accounts.h),
	                              collected by engine_prepare()'s
	                              validation pass and resolved by the
	                              caller before engine_run(); NULL: not
	                              collected, one account */
	uint64_t seed;             /* jitter seed; 0: from RAND_bytes */
	const struct pacer_clock *clock; /* NULL: the real clock (pacer.h) */
	const struct pfhold *hold; /* rows the preflight holds back: never
	                              sent, reported failed with its code
	                              (pfhold.h); NULL: none */
	int verify;                /* --verify: read each reset back */
	int64_t verify_timeout_ms; /* --verify-timeout */
	const char *undo_path;     /* --undo-plan FILE, or NULL */
};

struct engine;

/*
 * Everything that can refuse the run, before any request and before the
 * credentials are looked at: --resume and --report are different files,
 * the report may be created (ERR_EXISTS), the plan is a regular file and
 * valid (pass 1; ERR_PLAN after printing its diagnostics), and with
 * --resume the previous report belongs to this plan (pass 2;
 * ERR_MISMATCH).  On success *out owns the prepared engine; `cfg` is
 * borrowed until engine_destroy() and may still be completed (its
 * `client`) until engine_run().  Nothing is created on disk.
 */
err_code
engine_prepare(const struct engine_config *cfg, struct engine **out,
    struct err *e);

/* Rows the plan asks to send (not skipped or held by --resume). */
size_t
engine_rows_to_send(const struct engine *eng);

/* Valid plan rows, and the type 0 ones among them into *type0 (may be
 * NULL). */
size_t
engine_rows(const struct engine *eng, size_t *type0);

/*
 * Run a prepared engine (once).  Returns:
 *   ERR_OK          every row was handled (some may have failed: see
 *                   the summary's counts);
 *   ERR_IO, ERR_NOMEM, ERR_USAGE, ERR_MISMATCH (the plan changed since
 *                   it was validated)... before anything was sent
 *                   (message in *e);
 *   ERR_INTERRUPTED the run was stopped (signal, run-fatal reply, I/O
 *                   error, failure limit): the report is complete, rows
 *                   not sent are not-run; *e says why.
 * *sum is filled whenever dispatching started (sum->report set).
 * `signals` is incremented by the caller's signal handler (may be NULL).
 * Every worker has been joined when it returns.
 */
err_code
engine_run(struct engine *eng, volatile sig_atomic_t *signals,
    struct summary *sum, struct err *e);

/* Free the engine; NULL-ok. */
void
engine_destroy(struct engine *eng);

#endif /* MQR_ENGINE_H */
