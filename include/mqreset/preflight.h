/*
 * preflight.h - the dry run that asks the account: `mqreset run PLAN
 * --report R` (without --execute or --offline; --preflight spells it
 * out), and the same check before `run --execute` (preflight_check: the
 * rows that would fail are held back, pfhold.h).
 *
 * Design: the plan is validated as for any run (an invalid plan is exit
 * 2), then each row is checked with read-only calls through the read
 * layer (onsread.h), which caches every answer per instance, group and
 * (group, topic): a plan of many rows over few groups costs O(instances
 * + groups + pairs) calls.  Per row the facts gathered are: the instance
 * is in service (OnsInstanceInServiceList), the group and the topic exist
 * (OnsGroupList, OnsTopicList), the group subscribes to the topic (its
 * backlog per topic from OnsConsumerAccumulate with Detail, or the
 * subscriptions of its online consumers from OnsGroupSubDetail), the
 * topic's stored range and the group's position (OnsConsumerTimeSpan).
 * preflight_decide() turns them into an outcome, purely.  Nothing that
 * changes the account is ever sent.
 *
 * The report has the run report's fixed columns (status "dry-run", the
 * code the service would answer in error_code), then the preflight
 * columns preflight, consume_time, backlog, impact_messages, impact,
 * consumers_online, message_model, then the plan's extra columns: so
 * `--resume` reads it as a previous report in which no row was applied.
 *
 * The read calls are made first, in waves, on c->workers threads sharing
 * the read layer's per-action buckets and cache (pfread.h); the rows are
 * then decided in plan order from the cache, on the calling thread.
 *
 * Thread-safety: called by one thread; it starts and joins its own.
 */
#ifndef MQR_PREFLIGHT_H
#define MQR_PREFLIGHT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "onsread.h"
#include "pfhold.h"
#include "plan.h"

/* The outcome of one row.  Keep preflight_outcome_text() in step. */
enum preflight_outcome {
	PREFLIGHT_WOULD_RESET = 0, /* every check passed */
	PREFLIGHT_WOULD_FAIL,      /* the service would refuse the reset */
	PREFLIGHT_UNKNOWN          /* the read calls themselves failed */
};

/* "would-reset", "would-fail", "unknown". */
const char *
preflight_outcome_text(enum preflight_outcome o);

/* A fact as read: known true, known false, or not known. */
enum preflight_fact {
	PREFLIGHT_NOT_KNOWN = -1, /* not read (an earlier check failed) */
	PREFLIGHT_NO = 0,         /* read, and false */
	PREFLIGHT_YES = 1         /* read, and true */
};

/* What the read calls said about one row. */
struct preflight_facts {
	const char *read_error;         /* non-NULL: a read call failed,
	                                   the reason (borrowed) */
	enum preflight_fact instance;   /* the instance is in service */
	enum preflight_fact group;      /* the group exists */
	enum preflight_fact topic;      /* the topic exists */
	enum preflight_fact subscribed; /* the group subscribes to it */
	enum preflight_fact online;     /* consumers online */
	const char *model;              /* MessageModel, "" unknown */
	int64_t backlog;                /* TotalDiff on the topic, -1 */
	int have_span;                  /* span below was read */
	struct onsread_span span;       /* the topic's range, the position */
};

/* The decision about one row. */
struct preflight_verdict {
	enum preflight_outcome outcome; /* what would happen */
	const char *code;               /* the code the service would
	                                   answer ("" unless would-fail) */
	int warned;                     /* a warning (BROADCASTING) */
	int64_t impact_messages;        /* messages skipped (type 0), -1
	                                   when not known or not counted */
	char message[512];              /* why it would fail, the warning */
	char impact[192];               /* a short sentence */
};

/*
 * Decide the outcome of the row `k` from the facts `f`.  `ts_cell` is the
 * plan's timestamp cell as written: a failing bound is said in RFC 3339
 * in its offset (UTC for milliseconds).  `strict` turns a warning into a
 * would-fail.  Pure; fills *v entirely.
 */
void
preflight_decide(const struct plan_key *k, const char *ts_cell,
    const struct preflight_facts *f, int strict,
    struct preflight_verdict *v);

/*
 * Format ms in RFC 3339 with milliseconds in the UTC offset `cell` ends
 * with ("+08:00", "-05:30", "Z"; UTC when it has none) into
 * out[TSTAMP_FMT_MAX + 8].  Returns out.  Pure.
 */
const char *
preflight_format_in(int64_t ms, const char *cell, char *out);

/* What the preflight of `run` was asked. */
struct preflight_config {
	const char *plan;          /* PLAN */
	const char *report;        /* --report FILE */
	const char *instance;      /* --instance, NULL */
	const char *summary_json;  /* --summary-json FILE, NULL */
	const struct cmd_conn *conn; /* connection options */
	int force;                 /* --force: overwrite the report */
	int strict;                /* --strict */
	int debug;                 /* --debug */
	char delimiter;            /* --delimiter, 0: detect (plan.h) */
	const char *assume_offset; /* --assume-offset, NULL */
	const struct tzconv *assume_tz; /* --assume-tz, NULL (plan.h) */
	const struct colmap *columns; /* --column mappings, NULL (plan.h) */
	volatile sig_atomic_t *signals; /* preflight_check() stops between
	                              rows when it is nonzero (NULL: never) */
	unsigned workers;          /* --workers: threads making the read
	                              calls (0: 1; at most
	                              PFREAD_MAX_WORKERS) */
};

/*
 * The dry run: run the preflight, write its report and print its
 * summary.  Returns the exit status: 0 every row would reset, 1 some
 * would fail or are unknown, 2 an invalid plan or usage (no region
 * given: as for --execute), 3 the preflight could not run (credentials,
 * endpoint, region: the message names the key id, where it came from and
 * the endpoint).
 */
int
preflight_run(const struct preflight_config *c);

/*
 * Before `run --execute` sends anything: check every row of the plan
 * (validated by the caller; c->report and c->summary_json are not used)
 * with a client of its own built from `cc`, and return in *held the rows
 * not to send (pfhold.h: would fail, or unknown under c->strict).  A
 * clear's position is not read (its verdict does not need it).  Prints
 * one summary line.  Returns 0 (*held set, possibly empty), or 3 the
 * preflight could not run (the message names the key id, its source and
 * the endpoint, and --no-preflight) or was interrupted (c->signals):
 * then nothing may be sent.
 */
int
preflight_check(const struct preflight_config *c,
    const struct client_config *cc, struct pfhold **held);

#endif /* MQR_PREFLIGHT_H */
