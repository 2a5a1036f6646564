/*
 * cmd_run.c - `mqreset run PLAN --report FILE [--execute] [options]`.
 *
 * The command layer: options (one table), credentials and endpoint, the
 * signal handlers, then engine_run() (engine.c) and the summary.  Without
 * --execute nothing is sent: the dry run is the preflight (preflight.h),
 * which asks the account with read-only calls; --offline keeps the dry
 * run that only validates and signs every row.  With --execute the same
 * preflight runs first and the rows it finds would fail are held back
 * (engine_config.hold), unless --no-preflight.
 *
 * Signals: SIGINT and SIGTERM only increment a counter here (the handler
 * does nothing else); the engine's main loop polls it - 1 stops
 * dispatching, 2 abandons the requests in flight.  Workers block every
 * signal, so the handler always runs in the main thread.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "accounts.h"
#include "attempt.h"
#include "client.h"
#include "clock.h"
#include "cmd.h"
#include "creds.h"
#include "engine.h"
#include "exitcode.h"
#include "fsutil.h"
#include "guide.h"
#include "msg.h"
#include "planfmt.h"
#include "preflight.h"
#include "summary.h"

struct run_cfg {
	struct cmd_common common;   /* --help, --quiet, --verbose, --debug */
	struct cmd_conn conn;       /* connection options (cmd.h) */
	int again;                  /* --again: apply a plan already applied */
	double burst;               /* --burst: bucket capacity, 0 auto */
	const char *assume_offset;  /* --assume-offset OFFSET */
	const char *assume_tz;      /* --assume-tz ZONE */
	struct opts_list columns;   /* --column COLUMN=HEADER... */
	const char *delimiter;      /* --delimiter C */
	int dry_run;                /* --dry-run: the default, explicit */
	int execute;                /* --execute: really send */
	int force;                  /* --force: overwrite the report */
	const char *instance;       /* --instance ID */
	long long max_attempts;     /* --max-attempts N */
	long long max_consecutive;  /* --max-consecutive-failures N */
	const char *max_failures;   /* --max-failures N or P% */
	int no_preflight;           /* --no-preflight: execute unchecked */
	int offline;                /* --offline: dry run without the account */
	int preflight;              /* --preflight: the default, explicit */
	double progress_interval;   /* --progress-interval SECONDS */
	double rate;                /* --rate R */
	const char *report;         /* --report FILE */
	struct opts_list resume;    /* --resume PREVIOUS_REPORT (repeatable:
	                               a chain of reports) */
	int retry_ambiguous;        /* --retry-ambiguous */
	long long seed;             /* --seed N: reproducible jitter */
	int stop_on_error;          /* --stop-on-error */
	int strict;                 /* --strict: preflight warnings fail */
	const char *summary_json;   /* --summary-json FILE */
	int sync_journal;           /* --sync-journal */
	const char *undo_plan;      /* --undo-plan FILE */
	int verify;                 /* --verify: read each reset back */
	long long verify_timeout;   /* --verify-timeout SECONDS */
	long long workers;          /* --workers N */
	int yes;                    /* --yes: no confirmation prompt */
};

#define RUN_OFF(f) offsetof(struct run_cfg, f)

/* The key id and secret an --offline dry run signs with. */
#define RUN_OFFLINE_KEY "offline-dry-run"

/* Sorted by name, after the common and the connection options. */
static const struct opts_spec run_opts[] = {
	CMD_COMMON_OPTS(struct run_cfg),
	CMD_CONN_OPTS(struct run_cfg),
	CMD_PLAN_FORMAT_OPTS(struct run_cfg),
	{ "again", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(again),
	  "execute even though a report next to --report shows type 0 rows "
	  "of this plan applied (clears those backlogs again)" },
	{ "burst", 0, OPTS_DOUBLE, "B", 0, 1e6, NULL, "0", RUN_OFF(burst),
	  "token bucket capacity (0: a tenth of a second of --rate, at "
	  "least 1)" },
	{ "dry-run", 'n', OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(dry_run),
	  "send nothing: check every row against the account with "
	  "read-only calls (the default; the explicit spelling)" },
	{ "execute", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(execute),
	  "apply the plan (without it: dry run, nothing is sent)" },
	{ "force", 'f', OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(force),
	  "overwrite an existing report (and its intent journal)" },
	{ "instance", 0, OPTS_STRING, "ID", 0, 0, NULL, NULL,
	  RUN_OFF(instance), "instance ID for plans without an instance "
	  "column" },
	{ "max-attempts", 0, OPTS_INT, "N", 1, 100, NULL, "5",
	  RUN_OFF(max_attempts), "attempts per row for retryable outcomes" },
	{ "max-consecutive-failures", 0, OPTS_INT, "N", 0, 1000000, NULL,
	  "20", RUN_OFF(max_consecutive), "stop the run (exit 3) when N "
	  "requests in a row fail at the transport or endpoint level; 0: "
	  "never" },
	{ "max-failures", 0, OPTS_STRING, "N|P%", 0, 0, NULL, NULL,
	  RUN_OFF(max_failures), "stop the run once N rows (or P% of the "
	  "rows to send) failed or are unknown" },
	{ "no-preflight", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  RUN_OFF(no_preflight), "with --execute: send every row without "
	  "checking the plan against the account first" },
	{ "offline", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(offline),
	  "dry run without the account: validate and sign every row, no "
	  "network, no credentials needed" },
	{ "preflight", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  RUN_OFF(preflight), "check every row against the account with "
	  "read-only calls and show its impact (the default; see "
	  "PREFLIGHT)" },
	{ "progress-interval", 0, OPTS_DOUBLE, "SECONDS", 0, 86400, NULL,
	  "30", RUN_OFF(progress_interval), "when standard error is not a "
	  "terminal: a progress line every SECONDS (0: none)" },
	{ "rate", 0, OPTS_DOUBLE, "R", 0.01, 100000, NULL, "10", RUN_OFF(rate),
	  "at most R requests per second, retries included (service quota: "
	  "10)" },
	{ "report", 'o', OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  RUN_OFF(report), "write the report to FILE (required)" },
	{ "resume", 0, OPTS_LIST, "PREVIOUS_REPORT", 0, 0, NULL, NULL,
	  RUN_OFF(resume), "skip the rows that are ok in PREVIOUS_REPORT, "
	  "send the others again (repeat for a chain of reports)" },
	{ "retry-ambiguous", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  RUN_OFF(retry_ambiguous), "retry (and resume) type 0 rows that may "
	  "already have been applied" },
	{ "seed", 0, OPTS_INT, "N", 0, 9e18, NULL, "0", RUN_OFF(seed),
	  "seed of the retry jitter (0: random); for reproducible tests" },
	{ "stop-on-error", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  RUN_OFF(stop_on_error), "stop at the first failed or unknown row "
	  "(--max-failures 1)" },
	{ "strict", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(strict),
	  "preflight: a warning (BROADCASTING group) fails the row; with "
	  "--execute, a row it could not check is not sent either" },
	{ "summary-json", 0, OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  RUN_OFF(summary_json), "also write the summary as JSON to FILE "
	  "(- for stdout)" },
	{ "sync-journal", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  RUN_OFF(sync_journal), "fdatasync the intent journal before each "
	  "type 0 request (survives power loss)" },
	{ "undo-plan", 0, OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  RUN_OFF(undo_plan), "with --execute: write each row's position "
	  "before its reset to FILE, a plan that moves the groups back" },
	{ "verify", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(verify),
	  "with --execute: read each reset back until the state shows it "
	  "(report column verified); resolves ambiguous clears" },
	{ "verify-timeout", 0, OPTS_INT, "SECONDS", 1, 3600, NULL, "30",
	  RUN_OFF(verify_timeout), "how long --verify reads a reset back "
	  "before saying verified=no" },
	{ "workers", 'j', OPTS_INT, "N", 1, ENGINE_MAX_WORKERS, NULL, "8",
	  RUN_OFF(workers), "worker threads, each with its own connection" },
	{ "yes", 'y', OPTS_FLAG, NULL, 0, 0, NULL, NULL, RUN_OFF(yes),
	  "do not ask before clearing backlogs (type 0) on a terminal" },
};

static int run_main(int argc, char **argv);

const struct cmd cmd_run = {
	"run",
	"mqreset run [options] PLAN --report FILE [--execute]",
	"apply a plan (dry run unless --execute), write a report",
	run_opts,
	sizeof run_opts / sizeof run_opts[0],
	run_main,
};

/* SIGINT/SIGTERM count; read by the engine's main loop. */
static volatile sig_atomic_t run_signals;

static void
run_on_signal(int sig)
{
	(void)sig;
	if (run_signals < 2)
		run_signals++;
}

static void
run_signals_install(struct sigaction *old_int, struct sigaction *old_term)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
}

/* "N" or "P%" into the engine config.  ERR_USAGE when malformed. */
static err_code
run_parse_failures(const char *s, struct engine_config *ec, struct err *e)
{
	char *end;
	double v;

	ec->max_failures = 0;
	ec->max_failures_pct = -1;
	if (s == NULL)
		return ERR_OK;
	v = strtod(s, &end);
	if (end == s || !(v >= 0))
		return err_set(e, ERR_USAGE, "--max-failures: '%s' is not a "
		    "number or a percentage", s);
	if (*end == '%' && end[1] == '\0') {
		if (v <= 0 || v > 100)
			return err_set(e, ERR_USAGE, "--max-failures: %s is "
			    "not within 0%%..100%%", s);
		ec->max_failures_pct = v;
		return ERR_OK;
	}
	if (*end != '\0' || v != (double)(unsigned long)v || v < 1)
		return err_set(e, ERR_USAGE, "--max-failures: '%s' is not a "
		    "positive whole number or a percentage", s);
	ec->max_failures = (unsigned long)v;
	return ERR_OK;
}

/* The preflight's settings from the run's options. */
static void
run_preflight_config(const struct run_cfg *cfg, const char *plan,
    const struct plan_options *po, struct preflight_config *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->plan = plan;
	pc->report = cfg->report;
	pc->instance = cfg->instance;
	pc->summary_json = cfg->summary_json;
	pc->conn = &cfg->conn;
	pc->force = cfg->force;
	pc->strict = cfg->strict;
	pc->debug = cfg->common.debug;
	pc->delimiter = po->delimiter;
	pc->assume_offset = po->assume_offset;
	pc->assume_tz = po->assume_tz;
	pc->columns = po->columns;
	pc->workers = (unsigned)cfg->workers;
}

/* The mode options that contradict each other; ERR_USAGE says which. */
static err_code
run_check_mode(const struct run_cfg *cfg, struct err *e)
{
	if (cfg->execute && cfg->offline)
		return err_set(e, ERR_USAGE, "--offline is a dry run: it "
		    "contradicts --execute (--no-preflight sends without "
		    "checking the plan first)");
	if (!cfg->execute && cfg->no_preflight)
		return err_set(e, ERR_USAGE, "--no-preflight is for --execute; "
		    "the dry run without the account is --offline");
	if ((cfg->offline || cfg->no_preflight) &&
	    (cfg->preflight || cfg->strict))
		return err_set(e, ERR_USAGE, "%s turns the preflight off: "
		    "--preflight and --strict need it", cfg->offline ?
		    "--offline" : "--no-preflight");
	if (!cfg->execute && !cfg->offline && cfg->resume.n > 0)
		return err_set(e, ERR_USAGE, "the preflight checks the whole "
		    "plan: a dry run of --resume is --offline (it shows what "
		    "the resume would skip and send)");
	return ERR_OK;
}

/*
 * Preflight asks the run's own account about every row: a plan naming
 * accounts (accounts.h) is refused rather than checked in the wrong
 * account.  1 (said) when refused.
 */
static int
run_names_accounts(const char *plan, const char *instance,
    const struct plan_options *po)
{
	struct plan_options o;
	struct accounts acc;
	struct err e;
	int multi;

	accounts_init(&acc);
	memset(&o, 0, sizeof(o));
	o.delimiter = po->delimiter;
	o.assume_offset = po->assume_offset;
	o.instance = instance;
	o.now_ms = clock_wall_ms();
	err_clear(&e);
	multi = accounts_scan(&acc, plan, &o, &e) == ERR_OK &&
	    accounts_multi(&acc);
	accounts_free(&acc);
	if (multi)
		msg_error("%s: the plan names accounts (profile or region "
		    "column): the preflight checks the run's own account "
		    "only; give --offline for a dry run, --no-preflight to "
		    "execute without it, or preflight each account's rows "
		    "on their own", plan_display_name(plan));
	return multi;
}

/* `run` without --execute or --offline: the preflight (preflight.h). */
static int
run_preflight(const struct run_cfg *cfg, const struct plan_options *po,
    struct opts_result *res)
{
	struct preflight_config pc;
	int status;

	if (run_names_accounts(res->pos[0], cfg->instance, po)) {
		opts_result_free(res);
		return EXITCODE_INVALID;
	}
	run_preflight_config(cfg, res->pos[0], po, &pc);
	status = preflight_run(&pc);
	opts_result_free(res);
	return status;
}

/* A --rate above the service's quota: say it is the account's, shared. */
static void
run_warn_rate(double rate)
{
	char warn[GUIDE_LINE_MAX];

	if (guide_rate_warning(rate, warn, sizeof warn))
		msg_warn("%s", warn);
}

/*
 * Before the first request: the banner (guide.h), and with --execute on a
 * terminal, when type 0 rows would clear backlogs for good, the
 * question.  Scripts (no terminal on stdin or stderr) are not asked:
 * they pass --execute deliberately, and the banner is in their log.
 * Returns 1 to go on, 0 when the operator said no.
 */
static int
run_announce(const struct run_cfg *cfg, const struct engine *eng,
    const char *plan, const char *url, const struct creds *cr,
    const struct pfhold *hold)
{
	struct guide_banner b;
	const char *region;
	size_t type0;
	int tty;

	region = cfg->conn.region;
	if (region == NULL && cfg->conn.endpoint == NULL) {
		region = getenv("ALIBABA_CLOUD_REGION_ID");
		if (region == NULL || *region == '\0')
			region = creds_region(cr);
	}
	memset(&b, 0, sizeof b);
	b.plan = plan;
	b.report = cfg->report;
	b.execute = cfg->execute;
	b.endpoint = url;
	b.region = region;
	b.cred_source = creds_source(cr);
	b.key_hint = creds_key_hint(cr);
	b.rows = engine_rows(eng, &type0);
	b.to_send = engine_rows_to_send(eng);
	b.type0 = type0;
	b.rate = cfg->rate;
	b.workers = (unsigned)cfg->workers;
	b.resume = cfg->resume.n > 0;
	b.offline = cfg->offline;
	b.held = pfhold_count(hold);
	b.held_type0 = pfhold_clears(hold);
	guide_banner_print(&b);
	/* The question counts the backlogs this run may clear. */
	type0 = type0 > b.held_type0 ? type0 - b.held_type0 : 0;
	tty = isatty(STDIN_FILENO) && msg_is_tty();
	if (!guide_should_confirm(cfg->execute, cfg->yes, tty, type0))
		return 1;
	if (guide_confirm(stdin, stderr, type0, b.resume))
		return 1;
	msg_error("not confirmed: nothing was sent and no report was "
	    "written (--yes skips the question)");
	return 0;
}

/*
 * Credentials and endpoint of the run: the run's own (the default chain
 * or --profile, and --endpoint / --region...), or for a plan naming
 * accounts each account's (accounts.h; the run's own only when a row
 * leaves its profile empty).  *cc gets the first account's settings.
 */
static err_code
run_connect(const struct run_cfg *cfg, const char *plan,
    struct accounts *acc, struct creds **creds, char *url,
    struct client_config *cc, struct err *e)
{
	struct accounts_setup as;
	err_code rc = ERR_OK;

	if (!accounts_multi(acc) || accounts_need_default(acc))
		rc = cmd_conn_creds(&cfg->conn, creds, e);
	if (rc != ERR_OK || accounts_multi(acc)) {
		if (rc != ERR_OK)
			return rc;
		memset(&as, 0, sizeof(as));
		as.plan_name = plan_display_name(plan);
		as.conn = &cfg->conn;
		as.creds = *creds;
		as.debug = cfg->common.debug;
		rc = accounts_resolve(acc, &as, e);
		if (rc == ERR_OK)
			*cc = acc->v[0]->cc;
		return rc;
	}
	rc = cmd_conn_endpoint(&cfg->conn, *creds, url, e);
	if (rc == ERR_OK) {
		cmd_conn_client_config(&cfg->conn, url, *creds,
		    cfg->common.debug, cc);
		msg_verbose("endpoint %s, key %s from %s", url,
		    creds_key_hint(*creds), creds_source(*creds));
	}
	return rc;
}

/*
 * `mqreset run`.  Over 100 lines on purpose: the command's steps in the
 * order the operator is promised them (options, the plan before anything
 * else, credentials and endpoint, the run, the summary, one exit status),
 * with one cleanup path; the engine does the work, this only sequences it.
 */
static int
run_main(int argc, char **argv)
{
	struct run_cfg cfg;
	struct opts_result res;
	struct engine_config ec;
	struct plan_options po;
	struct client_config cc;
	struct creds *creds;
	struct engine *eng;
	struct accounts acc;
	struct summary sum;
	struct preflight_config pc;
	struct pfhold *hold = NULL;
	struct planfmt pf;
	struct sigaction old_int, old_term;
	struct err e;
	char url[CLIENT_URL_MAX];
	int status, detached, started, signals_set;
	int64_t cpu0;
	err_code rc;

	cpu0 = clock_cpu_ns();
	/*
	 * No OpenSSL clean-up at exit: after a second signal the workers are
	 * abandoned in the middle of requests, and OpenSSL's atexit handler
	 * would free what they are using.  The process is ending anyway.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	memset(&cfg, 0, sizeof(cfg));
	memset(&res, 0, sizeof(res));
	status = cmd_parse(&cmd_run, argc, argv, &cfg,
	    offsetof(struct run_cfg, common), &res);
	if (status >= 0)
		return status;
	err_clear(&e);
	creds = NULL;
	eng = NULL;
	started = 0;
	signals_set = 0;
	detached = 0;
	summary_init(&sum);
	accounts_init(&acc);
	memset(&ec, 0, sizeof(ec));
	memset(&cc, 0, sizeof(cc));
	rc = ERR_OK;
	if (res.npos != 1)
		rc = err_set(&e, ERR_USAGE, "expected one PLAN, got %zu "
		    "(usage: %s)", res.npos, cmd_run.usage);
	else if (cfg.report == NULL)
		rc = err_set(&e, ERR_USAGE, "--report FILE is required: "
		    "the report is the record of what was done");
	else if (cfg.dry_run && cfg.execute)
		rc = err_set(&e, ERR_USAGE, "--dry-run and --execute "
		    "contradict each other: give one");
	else if (!cfg.execute && (cfg.verify || cfg.undo_plan != NULL))
		rc = err_set(&e, ERR_USAGE, "--verify and --undo-plan read "
		    "the state around resets that are sent: they need "
		    "--execute");
	if (rc == ERR_OK)
		rc = run_check_mode(&cfg, &e);
	if (rc == ERR_OK)
		rc = run_parse_failures(cfg.max_failures, &ec, &e);
	/* The summary is written last: refuse a link or a name too long
	 * for its temporary file now, before anything is sent. */
	if (rc == ERR_OK && cfg.summary_json != NULL &&
	    strcmp(cfg.summary_json, "-") != 0) {
		rc = fsutil_check_target(cfg.summary_json, &e);
		if (rc == ERR_OK)
			rc = fsutil_check_derived(cfg.summary_json,
			    FSUTIL_TMP_SUFFIX_LEN, &e);
	}
	if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		opts_result_free(&res);
		return EXITCODE_INVALID;
	}
	if (cfg.stop_on_error)
		ec.max_failures = 1;
	run_warn_rate(cfg.rate);
	status = planfmt_setup(&pf, cfg.delimiter, cfg.assume_offset,
	    cfg.assume_tz, &cfg.columns, &po);
	if (status >= 0) {
		planfmt_free(&pf);
		opts_result_free(&res);
		return status;
	}
	ec.delimiter = po.delimiter;
	ec.assume_offset = po.assume_offset;
	ec.assume_tz = po.assume_tz;
	ec.columns = po.columns;
	if (!cfg.execute && !cfg.offline) {
		status = run_preflight(&cfg, &po, &res);
		planfmt_free(&pf);
		return status;
	}

	status = EXITCODE_OK;
	ec.plan_path = res.pos[0];
	ec.report_path = cfg.report;
	ec.resume_paths = cfg.resume.v;
	ec.nresume = cfg.resume.n;
	ec.instance = cfg.instance;
	ec.execute = cfg.execute;
	ec.force = cfg.force;
	ec.again = cfg.again;
	ec.workers = (unsigned)cfg.workers;
	ec.rate = cfg.rate;
	ec.burst = cfg.burst > 0 ? cfg.burst : cfg.rate / 10.0;
	if (ec.burst < 1)
		ec.burst = 1;
	ec.max_attempts = (unsigned)cfg.max_attempts;
	ec.max_consecutive_failures = (unsigned)cfg.max_consecutive;
	ec.retry_ambiguous = cfg.retry_ambiguous;
	ec.progress = msg_is_tty() && !cfg.common.quiet;
	ec.progress_interval = cfg.progress_interval;
	ec.intent_sync = cfg.sync_journal;
	ec.seed = (uint64_t)cfg.seed;
	ec.client = &cc;
	ec.verify = cfg.verify;
	ec.verify_timeout_ms = cfg.verify_timeout * 1000;
	ec.undo_path = cfg.undo_plan;
	/* --offline resolves no account (it reads no credentials). */
	ec.accounts = cfg.offline ? NULL : &acc;

	/* The plan first: an invalid plan is exit 2 whatever else is wrong. */
	run_signals = 0;
	run_signals_install(&old_int, &old_term);
	signals_set = 1;
	rc = engine_prepare(&ec, &eng, &e);
	/* Credentials and endpoint: a dry run signs too.  libcurl first:
	 * role credentials are fetched over HTTPS. */
	if (rc == ERR_OK) {
		rc = client_global_init();
		if (rc != ERR_OK)
			err_set(&e, rc, "cannot initialise libcurl");
		started = rc == ERR_OK;
	}
	/* --offline reads no credentials (some sources are network calls):
	 * the rows are signed with a placeholder key, proving the requests
	 * can be built; only the preflight proves the key. */
	if (rc == ERR_OK && cfg.offline) {
		rc = creds_new(RUN_OFFLINE_KEY, RUN_OFFLINE_KEY, NULL, &creds);
		if (rc != ERR_OK)
			err_set(&e, rc, "out of memory");
		if (rc == ERR_OK)
			rc = cmd_conn_endpoint(&cfg.conn, creds, url, &e);
		if (rc == ERR_OK) {
			cmd_conn_client_config(&cfg.conn, url, creds,
			    cfg.common.debug, &cc);
			msg_verbose("endpoint %s, no key (--offline)", url);
		}
	} else if (rc == ERR_OK)
		rc = run_connect(&cfg, res.pos[0], &acc, &creds, url, &cc, &e);
	if (rc == ERR_OK) {
		if ((cfg.verify || cfg.undo_plan != NULL) &&
		    accounts_multi(&acc)) {
			/* The read-back reads through the run's own account. */
			msg_error("%s: the plan names accounts (profile or "
			    "region column): --verify and --undo-plan read the "
			    "run's own account only; run each account's rows on "
			    "their own to use them", plan_display_name(
			    res.pos[0]));
			status = EXITCODE_INVALID;
		} else if (cfg.execute && !cfg.no_preflight &&
		    run_names_accounts(res.pos[0], cfg.instance, &po))
			status = EXITCODE_INVALID;
		else if (cfg.execute && !cfg.no_preflight) {
			run_preflight_config(&cfg, res.pos[0], &po, &pc);
			pc.signals = &run_signals;
			status = preflight_check(&pc, &cc, &hold);
			ec.hold = hold;
		}
		if (status != EXITCODE_OK)
			rc = ERR_OK; /* said; nothing was sent */
		else if (!run_announce(&cfg, eng, res.pos[0], cc.endpoint,
		    cc.creds, hold))
			rc = err_set(&e, ERR_INTERRUPTED, "not confirmed");
		else
			rc = engine_run(eng, &run_signals, &sum, &e);
	}
	if (rc != ERR_OK && rc != ERR_INTERRUPTED) {
		msg_error("%s", err_message(&e));
		if (cmd_conn_hint(rc) != NULL)
			msg_error("%s", cmd_conn_hint(rc));
	}
	if (status == EXITCODE_OK)
		status = exitcode_from_outcome(rc, sum.aborted,
		    sum.by_status[REPORT_FAILED] > 0 ||
		    sum.by_status[REPORT_UNKNOWN] > 0 ||
		    sum.verified[ATTEMPT_VERIFIED_NO] > 0 ||
		    sum.verified[ATTEMPT_VERIFIED_UNKNOWN] > 0);
	if (sum.report != NULL) {
		sum.assume_offset = ec.assume_offset;
		sum.assume_tz = cfg.assume_tz;
		sum.exit_status = status;
		sum.cpu_s = (double)(clock_cpu_ns() - cpu0) / 1e9;
		summary_print(&sum);
		if (cfg.summary_json != NULL &&
		    summary_write_json(&sum, cfg.summary_json, &e) != ERR_OK) {
			msg_error("%s", err_message(&e));
			if (status == EXITCODE_OK)
				status = EXITCODE_ABORTED;
		}
	}
	if (signals_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (!detached) {
		engine_destroy(eng);
		pfhold_destroy(hold);
		accounts_free(&acc);
		if (started)
			client_global_cleanup();
		creds_destroy(creds);
	}
	planfmt_free(&pf);
	opts_result_free(&res);
	return status;
}
