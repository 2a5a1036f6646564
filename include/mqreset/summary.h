/*
 * summary.h - the figures of one `mqreset run`, and their two outputs:
 * the human summary at the end (through msg.h) and the machine-readable
 * `--summary-json FILE`.
 *
 * The engine fills a struct summary (main thread only, after the workers
 * are joined); cmd_run prints it.  The JSON object is documented in
 * mqreset(1) (run, --summary-json) and its keys are a stable interface:
 *   {"plan":..., "report":..., "mode":"execute"|"dry-run",
 *    "outcome":"completed"|"aborted", "stop_reason":..., "rows":N,
 *    "status":{"ok":N,"failed":N,"unknown":N,"not-run":N,"skipped":N,
 *              "dry-run":N},
 *    "requests":N, "retries":N, "throttled":N, "rate_cuts":N,
 *    "connections":N, "workers":N, "rate_limit":R, "final_rate":R,
 *    "elapsed_s":S, "mean_rate":R, "cpu_s":S, "held_ambiguous":N,
 *    "exit_status":N, "assume_offset":"+08:00" (only when given),
 *    "verified":{"yes":N,"no":N,"unknown":N} (only with --verify),
 *    "undo_plan":FILE, "undo_rows":N (only with --undo-plan),
 *    "reads":N (read-only calls of either; only with one of them),
 *    "accounts":[{"profile":P, "region":R, "rows":N, "status":{...},
 *                 "requests":N, "throttled":N}, ...] (only for a plan
 *                 naming accounts, accounts.h),
 *    "assume_tz":"Asia/Shanghai" (only when given)}
 * ("mean_rate" is 0 when too little was sent to compute it.)
 *
 * Not thread-safe (one owner).
 */
#ifndef MQR_SUMMARY_H
#define MQR_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "guide.h"
#include "report.h"

/*
 * The mean request rate needs at least this many requests over at least
 * this many seconds; below, it is not computed (0, and not printed).
 */
#define SUMMARY_RATE_MIN_REQUESTS 2
#define SUMMARY_RATE_MIN_S 1.0

/* Longest stop reason kept (one line). */
#define SUMMARY_REASON_MAX 512

/* The figures of one account of a plan naming several (accounts.h). */
struct summary_account {
	const char *profile;     /* profile cell, "" the run's own */
	const char *region;      /* region cell, "" the run's endpoint */
	size_t rows;             /* plan rows of the account */
	size_t by_status[REPORT_NSTATUS]; /* its rows per final status */
	uint64_t requests;       /* requests sent for its rows */
	uint64_t throttled;      /* throttling replies to them */
};

struct summary {
	const char *plan;        /* plan path (borrowed) */
	const char *report;      /* report path (borrowed) */
	int execute;             /* 1: --execute, 0: dry run */
	int aborted;             /* the run stopped before the end */
	char stop_reason[SUMMARY_REASON_MAX]; /* why, "" when it did not */
	size_t rows;             /* plan data rows */
	size_t by_status[REPORT_NSTATUS]; /* rows per final status */
	size_t held_ambiguous;   /* type 0 rows held as unknown on resume */
	uint64_t requests;       /* attempts sent (retries included) */
	uint64_t retries;        /* attempts after the first of a row */
	uint64_t throttled;      /* throttling replies received */
	uint64_t rate_cuts;      /* times the adaptive limiter cut the rate */
	uint64_t connections;    /* connections opened (TLS handshakes) */
	unsigned workers;        /* worker threads */
	double rate_limit;       /* --rate */
	double final_rate;       /* the limiter's rate at the end */
	double elapsed_s;        /* wall time of the dispatch phase */
	double cpu_s;            /* process CPU time, whole run */
	int exit_status;         /* what the command returns */
	const char *assume_offset; /* --assume-offset, or NULL (borrowed) */
	int verify;              /* --verify was given */
	size_t verified[4];      /* rows per attempt_verified (yes, no,
	                            unknown; [0] unused) */
	const char *undo_plan;   /* --undo-plan FILE, or NULL (borrowed) */
	size_t undo_rows;        /* rows written to it */
	const struct summary_account *accounts; /* per account, or NULL
	                            (borrowed) */
	size_t naccounts;        /* entries in accounts */
	uint64_t reads;          /* read-only calls of --verify and
	                            --undo-plan, retries included */
	const char *assume_tz;   /* --assume-tz, or NULL (borrowed) */
	struct guide_lines bad_lines; /* lines of this run's failed and
	                              unknown rows (the first ones) */
};

/* Zero *s.  Cannot fail. */
void
summary_init(struct summary *s);

/*
 * Requests per second over the elapsed time; 0 with fewer than
 * SUMMARY_RATE_MIN_REQUESTS requests or under SUMMARY_RATE_MIN_S seconds.
 */
double
summary_mean_rate(const struct summary *s);

/* Print the human summary through msg_info() (several lines). */
void
summary_print(const struct summary *s);

/*
 * Write the JSON object to `path` ("-" is stdout): a temporary file next
 * to it, renamed over it, so it is replaced whole; a symbolic link or a
 * non-regular file at `path` is refused (ERR_USAGE).  ERR_IO / ERR_NOMEM
 * with detail in *e.
 */
err_code
summary_write_json(const struct summary *s, const char *path,
    struct err *e);

#endif /* MQR_SUMMARY_H */
