/*
 * accounts.h - several accounts in one plan: from the plan's rows to one
 * context per account, with its credentials, endpoint and rate limiter.
 *
 * A plan may name each row's account with the optional `profile` and
 * `region` columns (plan.h, mqreset-plan(5)).  Rows are grouped by
 * (profile, region); each group is an account here and gets:
 *   - its credentials: an empty profile cell means the run's own (the
 *     default chain, or --profile); a named profile resolves as
 *     `--profile NAME` does (creds.h: the two files only, no falling
 *     through), and one that cannot be resolved is a plan error at the
 *     first row naming it (file:line:column, exit 2) before anything is
 *     sent;
 *   - its endpoint: --endpoint when given (for every account: allowed
 *     only while the plan names at most one region, else ERR_USAGE),
 *     else the host of the row's region, else of --region,
 *     ALIBABA_CLOUD_REGION_ID or the profile's region_id, as for the run
 *     (client.h client_endpoint());
 *   - its limiter: the service's quota is per account, so --rate applies
 *     to each account: a lane of the run's pacer (pacer.h) with its own
 *     token bucket and throttle hold, sharing the run's stop flags.  The
 *     first account uses the run's pacer itself.
 * Every account shares the run's worker pool: a worker keeps one API
 * client per account it has served (pool.c).
 *
 * Lifecycle: accounts_init(); accounts_on_row() for every valid row of
 * the validation pass (planpass.h's hook); accounts_resolve() before any
 * thread starts (creds_load() edits the environment); accounts_start()
 * when the run's limiter starts; then the lookups, from any thread;
 * accounts_free().  The per-row counters of the summary
 * (accounts_count_row) belong to the main thread; the request counters
 * are atomic.
 */
#ifndef MQR_ACCOUNTS_H
#define MQR_ACCOUNTS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmd.h"
#include "creds.h"
#include "err.h"
#include "pacer.h"
#include "plan.h"
#include "report.h"
#include "summary.h"

/* Most accounts one plan may name: the lookups are linear (few are
 * expected), and a typo repeated down a region column should not make
 * thousands of limiters. */
#define ACCOUNTS_MAX 256

/* One account of the plan: a (profile, region) group of rows. */
struct account {
	char *profile;             /* profile cell, "" for the run's own
	                              credentials (owned) */
	char *region;              /* region cell, "" for the run's endpoint
	                              (owned) */
	unsigned long line;        /* first plan line of the group */
	unsigned long profile_col; /* its profile column, 0: none */
	unsigned long region_col;  /* its region column, 0: none */
	size_t rows;               /* valid plan rows of the group */
	const char *keys;          /* whose keys: the profile, or for an
	                              empty cell --profile or "" (the
	                              default chain); borrowed */
	struct creds *creds;       /* resolved credentials */
	int own_creds;             /* creds is ours to destroy */
	char url[CLIENT_URL_MAX];  /* resolved endpoint */
	struct client_config cc;   /* the clients' settings (cc.creds and
	                              cc.endpoint point into this account) */
	struct pacer lane;         /* its limiter (accounts after the
	                              first; see pacer_init_lane()) */
	int lane_ok;               /* lane was initialised */
	struct pacer *pacer;       /* where its rows wait: the run's pacer
	                              or &lane */
	size_t by_status[REPORT_NSTATUS]; /* report rows per status (main
	                              thread) */
	atomic_uint_fast64_t requests;  /* requests sent for its rows */
	atomic_uint_fast64_t throttled; /* throttling replies */
};

struct accounts {
	struct account **v;        /* the accounts, in order of first row */
	size_t n;                  /* entries used */
	size_t cap;                /* entries allocated */
	int columns;               /* the plan has an account column */
	unsigned long too_many;    /* first line of an account beyond
	                              ACCOUNTS_MAX (not kept), 0: none */
	struct summary_account *sum; /* accounts_summary()'s array (owned) */
};

/* Set up an empty set (cannot fail). */
void
accounts_init(struct accounts *a);

/* Free everything (credentials resolved here included); NULL-ok.  No
 * thread may use the accounts any more. */
void
accounts_free(struct accounts *a);

/*
 * planpass/plan_validate hook (`arg` is the struct accounts): count the
 * row in its account, creating the account at its first row.  Returns
 * nonzero when out of memory.
 */
int
accounts_on_row(void *arg, const struct plan_row *row);

/*
 * Collect the accounts of plan `path` read with `po` (its delimiter,
 * offset and --instance; on_row, diag and duplicate checking are set
 * here): for a command that reads the plan on its own (preflight).  The
 * plan's errors are not reported (the command's own pass does): the
 * accounts are those of its valid rows.  ERR_IO / ERR_NOMEM only.
 */
err_code
accounts_scan(struct accounts *a, const char *path,
    const struct plan_options *po, struct err *e);

/*
 * 1 when the plan names any account (a non-empty profile or region
 * cell): the run then needs accounts_resolve() and per-account clients;
 * 0 when every row is the run's own account (nothing here changes the
 * run).  Pure.
 */
int
accounts_multi(const struct accounts *a);

/* 1 when some account uses the run's own credentials (an empty profile
 * cell): the run's default chain must then be loaded.  Pure. */
int
accounts_need_default(const struct accounts *a);

/* What accounts_resolve() needs from the command. */
struct accounts_setup {
	const char *plan_name;       /* the plan, for diagnostics */
	const struct cmd_conn *conn; /* the connection options */
	struct creds *creds;         /* the run's own credentials (borrowed),
	                                NULL when !accounts_need_default() */
	int debug;                   /* --debug for the clients */
	/* Test hook: load a profile's credentials; NULL: creds_load() with
	   the conn's STS, metadata and CA options. */
	err_code (*load)(void *arg, const char *profile, struct creds **out,
	    struct err *e);
	void *load_arg;              /* passed to load */
};

/*
 * Resolve every account's credentials and endpoint, and fill its client
 * settings.  A profile that cannot be resolved is reported as
 * "PLAN:LINE:COL: error: cannot resolve the row's profile: what the
 * source said" (every such profile, once) and gives ERR_PLAN; more
 * than ACCOUNTS_MAX accounts, --endpoint with two regions, or an
 * endpoint error give ERR_USAGE naming the line.
 * Single-threaded (before any worker starts).
 */
err_code
accounts_resolve(struct accounts *a, const struct accounts_setup *s,
    struct err *e);

/*
 * Start the limiters: the first account rows wait on `run` itself, every
 * other on a lane of it started at `rate` and `burst` (pacer_start()),
 * except that accounts with the same keys and endpoint (a row naming
 * the profile --profile also names, another leaving it empty) share
 * one: they are one account for the service.  Called when the run's
 * limiter starts.
 */
void
accounts_start(struct accounts *a, struct pacer *run, double rate,
    double burst);

/* The account of a key (NULL when none matches).  Thread-safe once
 * resolved. */
struct account *
accounts_find(const struct accounts *a, const struct plan_key *k);

/* Its index in a->v, or a->n when none matches. */
size_t
accounts_index(const struct accounts *a, const struct plan_key *k);

/* attempt.h's pacer_for hook (`arg`: the accounts): the key's account's
 * limiter; NULL when none matches (the caller then uses the run's). */
struct pacer *
accounts_pacer_for(void *arg, const struct plan_key *k);

/* A report row of `k` was written with status `st` (main thread). */
void
accounts_count_row(struct accounts *a, const struct plan_key *k,
    enum report_status st);

/* A request was sent for a row of account `i`; `throttled`: it was
 * answered with throttling.  Thread-safe. */
void
accounts_count_request(struct accounts *a, size_t i, int throttled);

/*
 * The per-account figures for the summary (summary.h), into s->accounts
 * and s->naccounts (an array owned by `a`, valid until accounts_free()).
 * Nothing when !accounts_multi().
 */
void
accounts_summary(struct accounts *a, struct summary *s);

#endif /* MQR_ACCOUNTS_H */
