/*
 * preflight.c - the dry run that asks the account.  See
 * include/mqreset/preflight.h for the contract.
 *
 * Three parts: the pure decision (preflight_decide and its formatters),
 * the gathering of one row's facts through the read layer, whose cache
 * makes repeated groups and pairs free (a failed read is not cached
 * there, so this file remembers failures itself: a vanished group costs
 * one call, not one per row), and the run: validate, read, decide, write
 * the report in plan order, print and write the summary.
 */
#include "preflight.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "creds.h"
#include "csvout.h"
#include "diag.h"
#include "dupset.h"
#include "exitcode.h"
#include "fsutil.h"
#include "inventory.h"
#include "lockfile.h"
#include "msg.h"
#include "pfhold.h"
#include "pfread.h"
#include "report.h"
#include "tstamp.h"

/* Warnings printed one per row before they are only counted. */
#define PREFLIGHT_WARN_MAX 20

const char *
preflight_outcome_text(enum preflight_outcome o)
{
	switch (o) {
	case PREFLIGHT_WOULD_RESET:
		return "would-reset";
	case PREFLIGHT_WOULD_FAIL:
		return "would-fail";
	case PREFLIGHT_UNKNOWN:
		return "unknown";
	}
	return "?";
}

/* Offset in minutes east of UTC that `cell` ends with; 0 when none. */
static int
preflight_cell_offset(const char *cell, const char **suffix)
{
	size_t n = cell != NULL ? strlen(cell) : 0;
	const char *s;
	int m;

	*suffix = "Z";
	if (n < 6)
		return 0;
	s = cell + n - 6;
	if ((s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' ||
	    s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9')
		return 0;
	m = ((s[1] - '0') * 10 + (s[2] - '0')) * 60 + (s[4] - '0') * 10 +
	    (s[5] - '0');
	*suffix = s;
	return s[0] == '-' ? -m : m;
}

const char *
preflight_format_in(int64_t ms, const char *cell, char *out)
{
	const char *suffix;
	int off = preflight_cell_offset(cell, &suffix);
	size_t n;

	tstamp_format(ms + (int64_t)off * 60000, out);
	n = strlen(out);
	/* tstamp_format() ends with 'Z'; put the plan's offset there. */
	if (n > 0 && out[n - 1] == 'Z' && strcmp(suffix, "Z") != 0)
		snprintf(out + n - 1, TSTAMP_FMT_MAX + 7, "%s", suffix);
	return out;
}

/* A time distance, "3d04h", "2h05m", "4m10s", "12s", into out[32]. */
static const char *
preflight_distance(int64_t ms, char *out)
{
	int64_t s = (ms < 0 ? -ms : ms) / 1000;

	if (s >= 86400)
		snprintf(out, 32, "%" PRId64 "d%02" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, 32, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else if (s >= 60)
		snprintf(out, 32, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(out, 32, "%" PRId64 "s", s);
	return out;
}

static void
preflight_fail(struct preflight_verdict *v, const char *code,
    const char *fmt, const char *a, const char *b)
{
	v->outcome = PREFLIGHT_WOULD_FAIL;
	v->code = code;
	snprintf(v->message, sizeof v->message, fmt, a, b);
}

/* The impact of a row that passed the checks: v->impact, messages. */
static void
preflight_impact(const struct plan_key *k, const struct preflight_facts *f,
    struct preflight_verdict *v)
{
	char d[32];
	int64_t dist;

	if (!plan_key_has_time(k)) {
		v->impact_messages = f->backlog;
		if (f->backlog >= 0)
			snprintf(v->impact, sizeof v->impact, "skips %" PRId64
			    " message%s: the group moves to the newest message",
			    f->backlog, f->backlog == 1 ? "" : "s");
		else
			snprintf(v->impact, sizeof v->impact, "skips the "
			    "backlog (not known): the group moves to the "
			    "newest message");
		return;
	}
	if (!f->have_span)
		return;
	dist = k->reset_ms - f->span.consume_ms;
	if (dist < 0)
		snprintf(v->impact, sizeof v->impact, "back %s: the messages "
		    "since the timestamp are delivered again",
		    preflight_distance(dist, d));
	else if (dist > 0)
		snprintf(v->impact, sizeof v->impact, "forward %s: the "
		    "messages before the timestamp are skipped",
		    preflight_distance(dist, d));
	else
		snprintf(v->impact, sizeof v->impact, "none: the group is at "
		    "the timestamp already");
}

void
preflight_decide(const struct plan_key *k, const char *ts_cell,
    const struct preflight_facts *f, int strict,
    struct preflight_verdict *v)
{
	char lo[TSTAMP_FMT_MAX + 8], hi[TSTAMP_FMT_MAX + 8];
	char at[TSTAMP_FMT_MAX + 8], both[2 * TSTAMP_FMT_MAX + 48];

	memset(v, 0, sizeof *v);
	v->outcome = PREFLIGHT_WOULD_RESET;
	v->code = "";
	v->impact_messages = -1;
	if (f->read_error != NULL) {
		v->outcome = PREFLIGHT_UNKNOWN;
		snprintf(v->message, sizeof v->message, "%s", f->read_error);
		return;
	}
	if (f->instance == PREFLIGHT_NO) {
		preflight_fail(v, "INSTANCE_NOT_FOUND", "the instance %s is "
		    "not in service in this region%s", k->instance, "");
		return;
	}
	if (f->group == PREFLIGHT_NO) {
		preflight_fail(v, "BIZ_SUBSCRIPTION_NOT_FOUND", "the group %s "
		    "does not exist in instance %s", k->group, k->instance);
		return;
	}
	if (f->topic == PREFLIGHT_NO) {
		preflight_fail(v, "BIZ_TOPIC_NOT_FOUND", "the topic %s does "
		    "not exist in instance %s", k->topic, k->instance);
		return;
	}
	if (f->subscribed == PREFLIGHT_NO) {
		preflight_fail(v, "BIZ_SUBSCRIPTION_NOT_FOUND", "the group %s "
		    "does not subscribe to topic %s", k->group, k->topic);
		return;
	}
	if (plan_key_has_time(k) && f->have_span) {
		preflight_format_in(f->span.min_ms, ts_cell, lo);
		preflight_format_in(f->span.max_ms, ts_cell, hi);
		preflight_format_in(k->reset_ms, ts_cell, at);
		snprintf(both, sizeof both, "%s .. %s", lo, hi);
		if (f->span.max_ms <= 0) {
			preflight_fail(v, "BIZ_NO_MESSAGE", "the topic %s has "
			    "no stored message to reset to%s", k->topic, "");
			return;
		}
		if (k->reset_ms < f->span.min_ms) {
			preflight_fail(v, "BIZ_FIELD_CHECK_INVALID", "the "
			    "timestamp %s is before the oldest stored message "
			    "(MinTimeStamp..MaxTimeStamp %s)", at, both);
			return;
		}
		if (k->reset_ms > f->span.max_ms) {
			preflight_fail(v, "BIZ_FIELD_CHECK_INVALID", "the "
			    "timestamp %s is after the newest stored message "
			    "(MinTimeStamp..MaxTimeStamp %s)", at, both);
			return;
		}
	}
	preflight_impact(k, f, v);
	if (f->model != NULL && strcmp(f->model, "BROADCASTING") == 0) {
		v->warned = 1;
		snprintf(v->message, sizeof v->message, "warning: %s is a "
		    "BROADCASTING group: its offsets live on the clients, the "
		    "reset may not reach them", k->group);
		if (strict) {
			v->outcome = PREFLIGHT_WOULD_FAIL;
			v->code = "mqreset.Broadcasting";
		}
	}
}

/* ---- gathering ---------------------------------------------------- */

/* A read that failed for a reason about its names, remembered. */
struct preflight_miss {
	struct preflight_miss *next; /* the list */
	char *key;                   /* action, names, joined by 0x1f */
	char *why;                   /* the failure, one line */
};

/* The state of one run. */
struct preflight_ctx {
	struct onsread *rd;          /* the read layer (borrowed) */
	int positions;               /* read the position of type 0 rows
	                                too (the report shows it) */
	struct preflight_miss *miss; /* failed reads, each asked once */
	int fatal;                   /* 1: stop, *fatal_err holds why */
	struct err fatal_err;        /* why the preflight cannot go on */
	char why[512];               /* the current row's read failure */
	/* The threaded prefetch (pfread.h): */
	const struct client_config *cc; /* the workers' clients */
	unsigned workers;            /* threads */
	int dry;                     /* 1: gather makes no call, it lists
	                                what is missing in need[] */
	int pending;                 /* the row needs a call not made */
	struct dupset *seen;         /* the calls listed this wave */
	struct pfread_task *need;    /* the calls missing */
	char **needkey;              /* their miss keys, owned */
	size_t nneed, capneed;       /* entries, room */
	int nomem;                   /* listing them ran out of memory */
};

static void
preflight_step_free(struct pfread_step *s)
{
	free((char *)(uintptr_t)s->instance);
	free((char *)(uintptr_t)s->group);
	free((char *)(uintptr_t)s->topic);
}

/* Forget the calls listed (after a wave). */
static void
preflight_need_clear(struct preflight_ctx *c)
{
	size_t i, k;
	int j;

	for (i = 0; i < c->nneed; i++) {
		for (j = 0; j < c->need[i].nsteps; j++)
			preflight_step_free(&c->need[i].step[j]);
		for (k = 0; k < c->need[i].nmore; k++) {
			preflight_step_free(&c->need[i].more[k].step);
			free(c->need[i].more[k].arg);
		}
		free(c->need[i].more);
		free(c->needkey[i]);
	}
	c->nneed = 0;
	dupset_destroy(c->seen);
	c->seen = NULL;
}

static char *
preflight_dup(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

/*
 * A dry gather: the call(s) under miss key `key` (the second action
 * a2 made after a1 only, ONSREAD_N: none) are missing; list them once.
 * Returns the index of their task in c->need, -1 out of memory.
 */
static long
preflight_need(struct preflight_ctx *c, const char *key,
    enum onsread_action a1, enum onsread_action a2, const char *inst,
    const char *group, const char *topic)
{
	struct pfread_task *t;
	uint32_t first = 0;
	int bad = 0, j;

	c->pending = 1;
	if (c->seen == NULL && (c->seen = dupset_new()) == NULL) {
		c->nomem = 1;
		return -1;
	}
	if (dupset_insert(c->seen, key, "", "", (uint32_t)c->nneed + 1,
	    &first) != ERR_OK) {
		c->nomem = 1;
		return -1;
	}
	if (first != 0)
		return (long)first - 1;
	if (c->nneed == c->capneed) {
		size_t cap = c->capneed == 0 ? 64 : c->capneed * 2;
		void *n1 = realloc(c->need, cap * sizeof *c->need);

		if (n1 != NULL)
			c->need = n1;
		n1 = n1 == NULL ? NULL : realloc(c->needkey,
		    cap * sizeof *c->needkey);
		if (n1 == NULL) {
			c->nomem = 1;
			return -1;
		}
		c->needkey = n1;
		c->capneed = cap;
	}
	t = &c->need[c->nneed];
	memset(t, 0, sizeof *t);
	t->nsteps = a2 == ONSREAD_N ? 1 : 2;
	t->step[0].a = a1;
	t->step[1].a = a2;
	for (j = 0; j < t->nsteps; j++) {
		t->step[j].instance = preflight_dup(inst, &bad);
		t->step[j].group = preflight_dup(group, &bad);
		t->step[j].topic = preflight_dup(topic, &bad);
	}
	c->needkey[c->nneed] = preflight_dup(key, &bad);
	c->nneed++;
	if (bad)
		c->nomem = 1;
	return (long)c->nneed - 1;
}

/*
 * A dry gather: the group's task `ti` is listed; the span of (group,
 * topic) under miss key `key` is to be read after it, when the group
 * subscribes to the topic (preflight_want): listed once.
 */
static void
preflight_more(struct preflight_ctx *c, long ti, const char *key,
    const struct plan_key *k)
{
	struct pfread_task *t;
	struct pfread_more *m;
	uint32_t first = 0;
	int bad = 0;

	if (ti < 0)
		return;
	if (dupset_insert(c->seen, key, "", "", 1, &first) != ERR_OK) {
		c->nomem = 1;
		return;
	}
	if (first != 0)
		return;
	t = &c->need[ti];
	/* Room doubles at each power of two. */
	if ((t->nmore & (t->nmore - 1)) == 0) {
		m = realloc(t->more, (t->nmore == 0 ? 1 : t->nmore * 2) *
		    sizeof *t->more);
		if (m == NULL) {
			c->nomem = 1;
			return;
		}
		t->more = m;
	}
	m = &t->more[t->nmore];
	memset(m, 0, sizeof *m);
	m->step.a = ONSREAD_TIME_SPAN;
	m->step.instance = preflight_dup(k->instance, &bad);
	m->step.group = preflight_dup(k->group, &bad);
	m->step.topic = preflight_dup(k->topic, &bad);
	m->arg = preflight_dup(key, &bad);
	t->nmore++;
	if (bad)
		c->nomem = 1;
}

/* pfread_want_fn: does the group subscribe to m's topic?  As
 * preflight_gather decides it, from the answers in the cache. */
static int
preflight_want(struct onsread *rd, const struct pfread_task *t,
    const struct pfread_more *m)
{
	const struct onsread_group_sub *sd;
	const struct onsread_accum *ac;
	size_t i;

	(void)t;
	sd = onsread_peek(rd, ONSREAD_GROUP_SUB, m->step.instance,
	    m->step.group, NULL);
	ac = onsread_peek(rd, ONSREAD_ACCUMULATE, m->step.instance,
	    m->step.group, NULL);
	if (sd == NULL || ac == NULL)
		return 0;
	for (i = 0; i < ac->n; i++)
		if (strcmp(ac->v[i].topic, m->step.topic) == 0)
			return 1;
	for (i = 0; i < sd->n; i++)
		if (strcmp(sd->v[i].topic, m->step.topic) == 0)
			return 1;
	return 0;
}

static const char *
preflight_missed(const struct preflight_ctx *c, const char *key)
{
	const struct preflight_miss *m;

	for (m = c->miss; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m->why;
	return NULL;
}

static void
preflight_remember(struct preflight_ctx *c, const char *key,
    const char *why)
{
	struct preflight_miss *m = calloc(1, sizeof *m);

	if (m == NULL || (m->key = strdup(key)) == NULL ||
	    (m->why = strdup(why)) == NULL) {
		if (m != NULL)
			free(m->key);
		free(m);
		return; /* not remembered: asked again, still correct */
	}
	m->next = c->miss;
	c->miss = m;
}

/*
 * After a failed read with error *e under cache key `key`: a refused
 * identity (or any failure before the first answer, kept by the caller)
 * stops the preflight; anything else makes the row unknown and is
 * remembered so that the next row with the same names is not asked again.
 */
static void
preflight_failed(struct preflight_ctx *c, const char *key,
    const struct err *e, struct preflight_facts *f)
{
	if (onsread_last_class(c->rd) == REPLY_FATAL || e->code == ERR_AUTH ||
	    e->code == ERR_NOMEM) {
		c->fatal = 1;
		err_set(&c->fatal_err, e->code, "%s", err_message(e));
		return;
	}
	snprintf(c->why, sizeof c->why, "%s", err_message(e));
	preflight_remember(c, key, c->why);
	f->read_error = c->why;
}

/* Is the name in the list of n entries of `size` bytes whose first
 * member is a char *? */
static int
preflight_listed(const void *v, size_t n, size_t size, const char *name)
{
	const char *p = v;
	size_t i;

	for (i = 0; i < n; i++, p += size)
		if (strcmp(*(char *const *)(const void *)p, name) == 0)
			return 1;
	return 0;
}

/* Gather the facts of row k into *f; c->fatal set when the run stops. */
static void
preflight_gather(struct preflight_ctx *c, const struct plan_key *k,
    struct preflight_facts *f)
{
	const struct onsread_instances *il;
	const struct onsread_groups *gl;
	const struct onsread_topics *tl;
	const struct onsread_group_sub *sd;
	const struct onsread_accum *ac;
	const struct onsread_span *sp;
	char key[1024];
	const char *why;
	struct err e;
	size_t i;

	memset(f, 0, sizeof *f);
	f->instance = f->group = f->topic = PREFLIGHT_NOT_KNOWN;
	f->subscribed = f->online = PREFLIGHT_NOT_KNOWN;
	f->model = "";
	f->backlog = -1;
	err_clear(&e);
	if (c->dry && !onsread_has(c->rd, ONSREAD_INSTANCES, NULL, NULL,
	    NULL)) {
		preflight_need(c, "I", ONSREAD_INSTANCES, ONSREAD_N, NULL,
		    NULL, NULL);
		return;
	}
	/* The region's instances: one call for the whole plan. */
	if (onsread_instances(c->rd, &il, &e) != ERR_OK) {
		c->fatal = 1;
		err_set(&c->fatal_err, e.code, "%s", err_message(&e));
		return;
	}
	f->instance = preflight_listed(il->v, il->n, sizeof il->v[0],
	    k->instance) ? PREFLIGHT_YES : PREFLIGHT_NO;
	if (f->instance == PREFLIGHT_NO)
		return;
	snprintf(key, sizeof key, "L\x1f%s", k->instance);
	if ((why = preflight_missed(c, key)) != NULL) {
		f->read_error = why;
		return;
	}
	if (c->dry && (!onsread_has(c->rd, ONSREAD_GROUP_LIST, k->instance,
	    NULL, NULL) || !onsread_has(c->rd, ONSREAD_TOPIC_LIST,
	    k->instance, NULL, NULL))) {
		preflight_need(c, key, ONSREAD_GROUP_LIST, ONSREAD_TOPIC_LIST,
		    k->instance, NULL, NULL);
		return;
	}
	if (onsread_groups(c->rd, k->instance, &gl, &e) != ERR_OK ||
	    onsread_topics(c->rd, k->instance, &tl, &e) != ERR_OK) {
		preflight_failed(c, key, &e, f);
		return;
	}
	f->group = preflight_listed(gl->v, gl->n, sizeof gl->v[0], k->group) ?
	    PREFLIGHT_YES : PREFLIGHT_NO;
	f->topic = preflight_listed(tl->v, tl->n, sizeof tl->v[0], k->topic) ?
	    PREFLIGHT_YES : PREFLIGHT_NO;
	if (f->group == PREFLIGHT_NO || f->topic == PREFLIGHT_NO)
		return;
	snprintf(key, sizeof key, "G\x1f%s\x1f%s", k->instance, k->group);
	if ((why = preflight_missed(c, key)) != NULL) {
		f->read_error = why;
		return;
	}
	if (c->dry && (!onsread_has(c->rd, ONSREAD_GROUP_SUB, k->instance,
	    k->group, NULL) || !onsread_has(c->rd, ONSREAD_ACCUMULATE,
	    k->instance, k->group, NULL))) {
		long ti = preflight_need(c, key, ONSREAD_GROUP_SUB,
		    ONSREAD_ACCUMULATE, k->instance, k->group, NULL);

		/* The span follows in the same task: the spans need not
		 * wait for every group's answers. */
		if (c->positions || plan_key_has_time(k)) {
			snprintf(key, sizeof key, "S\x1f%s\x1f%s\x1f%s",
			    k->instance, k->group, k->topic);
			preflight_more(c, ti, key, k);
		}
		return;
	}
	if (onsread_group_sub(c->rd, k->instance, k->group, &sd, &e) !=
	    ERR_OK || onsread_accumulate(c->rd, k->instance, k->group, &ac,
	    &e) != ERR_OK) {
		preflight_failed(c, key, &e, f);
		return;
	}
	f->model = sd->model;
	f->online = sd->online || ac->online ? PREFLIGHT_YES : PREFLIGHT_NO;
	f->subscribed = PREFLIGHT_NO;
	/* Offline consumers list no subscription; the backlog per topic
	 * is kept by the service either way. */
	for (i = 0; i < ac->n; i++)
		if (strcmp(ac->v[i].topic, k->topic) == 0) {
			f->subscribed = PREFLIGHT_YES;
			f->backlog = ac->v[i].diff;
		}
	for (i = 0; i < sd->n; i++)
		if (strcmp(sd->v[i].topic, k->topic) == 0)
			f->subscribed = PREFLIGHT_YES;
	if (f->subscribed == PREFLIGHT_NO)
		return;
	/* A clear's verdict does not need the position: an execute run
	 * saves the call. */
	if (!c->positions && !plan_key_has_time(k))
		return;
	snprintf(key, sizeof key, "S\x1f%s\x1f%s\x1f%s", k->instance,
	    k->group, k->topic);
	if ((why = preflight_missed(c, key)) != NULL) {
		f->read_error = why;
		return;
	}
	if (c->dry && !onsread_has(c->rd, ONSREAD_TIME_SPAN, k->instance,
	    k->group, k->topic)) {
		preflight_need(c, key, ONSREAD_TIME_SPAN, ONSREAD_N,
		    k->instance, k->group, k->topic);
		return;
	}
	if (onsread_time_span(c->rd, k->instance, k->group, k->topic, &sp,
	    &e) != ERR_OK) {
		preflight_failed(c, key, &e, f);
		return;
	}
	f->have_span = 1;
	f->span = *sp;
}

/* ---- the run ------------------------------------------------------ */

/* Totals for the summary. */
struct preflight_totals {
	unsigned long rows;        /* rows checked */
	unsigned long by[3];       /* per outcome */
	unsigned long warnings;    /* rows with a warning */
	unsigned long skip_rows;   /* would-reset type 0 rows */
	int64_t skip_messages;     /* messages they skip */
	struct dupset *groups;     /* the groups of those rows */
};

/* "1234567" as "1,234,567" into out[32]. */
static const char *
preflight_thousands(int64_t v, char *out)
{
	char tmp[32];
	size_t n, i, j = 0;

	snprintf(tmp, sizeof tmp, "%" PRId64, v);
	n = strlen(tmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && tmp[i - 1] != '-' && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = tmp[i];
	}
	out[j] = '\0';
	return out;
}

/* The header: the report's fixed columns, ours, the plan's extras. */
static err_code
preflight_header(struct buf *b, const char *const *extra, size_t nextra)
{
	static const char *const ours[] = { "preflight", "consume_time",
	    "backlog", "impact_messages", "impact", "consumers_online",
	    "message_model" };
	const char **cells;
	size_t n = REPORT_NFIXED + 7 + nextra, i;
	err_code rc;

	cells = calloc(n, sizeof *cells);
	if (cells == NULL)
		return ERR_NOMEM;
	for (i = 0; i < REPORT_NFIXED; i++)
		cells[i] = report_fixed_columns[i];
	for (i = 0; i < 7; i++)
		cells[REPORT_NFIXED + i] = ours[i];
	for (i = 0; i < nextra; i++)
		cells[REPORT_NFIXED + 7 + i] = extra[i];
	rc = csvout_record(b, cells, n);
	free(cells);
	return rc;
}

static const char *
preflight_fact_text(enum preflight_fact x)
{
	switch (x) {
	case PREFLIGHT_NOT_KNOWN:
		return "";
	case PREFLIGHT_NO:
		return "no";
	case PREFLIGHT_YES:
		return "yes";
	}
	return "";
}

/* One report record. */
static err_code
preflight_record(struct buf *b, const struct plan_row *row,
    const struct preflight_facts *f, const struct preflight_verdict *v,
    const char *finished)
{
	char line[24], ts[TSTAMP_FMT_MAX], pos[TSTAMP_FMT_MAX];
	char backlog[24], impact_n[24], type[4];
	const char **cells;
	size_t n = REPORT_NFIXED + 7 + row->nextra, i;
	err_code rc;

	cells = calloc(n, sizeof *cells);
	if (cells == NULL)
		return ERR_NOMEM;
	snprintf(line, sizeof line, "%lu", row->line);
	snprintf(type, sizeof type, "%d", row->key.type);
	snprintf(backlog, sizeof backlog, "%" PRId64, f->backlog);
	snprintf(impact_n, sizeof impact_n, "%" PRId64, v->impact_messages);
	cells[0] = line;
	cells[1] = row->key.instance;
	cells[2] = row->key.group;
	cells[3] = row->key.topic;
	cells[4] = type;
	cells[5] = plan_key_has_time(&row->key) ?
	    tstamp_format(row->key.reset_ms, ts) : "";
	cells[6] = report_status_text(REPORT_DRY_RUN);
	cells[7] = "";
	cells[8] = "";
	cells[9] = v->code;
	cells[10] = v->message;
	cells[11] = "0";
	cells[12] = "";
	cells[13] = finished;
	cells[REPORT_NFIXED] = preflight_outcome_text(v->outcome);
	cells[REPORT_NFIXED + 1] = f->have_span ?
	    tstamp_format(f->span.consume_ms, pos) : "";
	cells[REPORT_NFIXED + 2] = f->backlog >= 0 ? backlog : "";
	cells[REPORT_NFIXED + 3] = v->impact_messages >= 0 ? impact_n : "";
	cells[REPORT_NFIXED + 4] = v->impact;
	cells[REPORT_NFIXED + 5] = preflight_fact_text(f->online);
	cells[REPORT_NFIXED + 6] = f->model;
	for (i = 0; i < row->nextra; i++)
		cells[REPORT_NFIXED + 7 + i] = row->extra[i];
	rc = csvout_record(b, cells, n);
	free(cells);
	return rc;
}

static void
preflight_count(struct preflight_totals *t, const struct plan_key *k,
    const struct preflight_verdict *v)
{
	uint32_t first;

	t->rows++;
	t->by[v->outcome]++;
	if (v->warned)
		t->warnings++;
	if (v->outcome != PREFLIGHT_WOULD_RESET || plan_key_has_time(k))
		return;
	t->skip_rows++;
	if (v->impact_messages > 0)
		t->skip_messages += v->impact_messages;
	(void)dupset_insert(t->groups, k->instance, k->group, "", 1, &first);
}

/* The summary as JSON, to path ("-": standard output). */
static err_code
preflight_json(const struct preflight_config *c,
    const struct preflight_totals *t, const struct onsread *rd,
    int status, struct err *e)
{
	uint64_t calls[ONSREAD_N], thr[ONSREAD_N];
	struct buf b;
	err_code rc;
	int i;

	onsread_calls(rd, calls);
	onsread_throttled(rd, thr);
	buf_init(&b, 1 << 20);
	rc = buf_puts(&b, "{\"command\":\"run\",\"mode\":\"preflight\","
	    "\"plan\":");
	if (rc == ERR_OK)
		rc = inventory_json_str(&b, c->plan);
	if (rc == ERR_OK)
		rc = buf_printf(&b, ",\"rows\":%lu,\"would_reset\":%lu,"
		    "\"would_fail\":%lu,\"unknown\":%lu,\"warnings\":%lu,"
		    "\"skip_rows\":%lu,\"skip_messages\":%" PRId64 ","
		    "\"skip_groups\":%zu,\"exit_status\":%d,\"calls\":{",
		    t->rows, t->by[PREFLIGHT_WOULD_RESET],
		    t->by[PREFLIGHT_WOULD_FAIL], t->by[PREFLIGHT_UNKNOWN],
		    t->warnings, t->skip_rows, t->skip_messages,
		    dupset_size(t->groups), status);
	for (i = 0; rc == ERR_OK && i < ONSREAD_N; i++)
		rc = buf_printf(&b, "%s\"%s\":%" PRIu64, i > 0 ? "," : "",
		    onsread_action_name((enum onsread_action)i), calls[i]);
	if (rc == ERR_OK)
		rc = buf_puts(&b, "},\"throttled\":{");
	for (i = 0; rc == ERR_OK && i < ONSREAD_N; i++)
		rc = buf_printf(&b, "%s\"%s\":%" PRIu64, i > 0 ? "," : "",
		    onsread_action_name((enum onsread_action)i), thr[i]);
	if (rc == ERR_OK)
		rc = buf_puts(&b, "}}\n");
	if (rc != ERR_OK)
		rc = err_set(e, rc, "--summary-json: out of memory");
	else
		rc = inventory_write(c->summary_json, &b, e);
	buf_free(&b);
	return rc;
}

static void
preflight_print(const struct preflight_totals *t)
{
	char n1[32];

	msg_info("preflight: %lu row%s: %lu would reset, %lu would fail, "
	    "%lu unknown, %lu warning%s", t->rows, t->rows == 1 ? "" : "s",
	    t->by[PREFLIGHT_WOULD_RESET], t->by[PREFLIGHT_WOULD_FAIL],
	    t->by[PREFLIGHT_UNKNOWN], t->warnings,
	    t->warnings == 1 ? "" : "s");
	msg_info("preflight: %lu row%s would skip %s message%s in %zu "
	    "group%s; %lu row%s would fail", t->skip_rows,
	    t->skip_rows == 1 ? "" : "s",
	    preflight_thousands(t->skip_messages, n1),
	    t->skip_messages == 1 ? "" : "s", dupset_size(t->groups),
	    dupset_size(t->groups) == 1 ? "" : "s",
	    t->by[PREFLIGHT_WOULD_FAIL],
	    t->by[PREFLIGHT_WOULD_FAIL] == 1 ? "" : "s");
}

/* The plan's options for a pass after its validation. */
static void
preflight_plan_options(const struct preflight_config *c, int64_t now,
    struct plan_options *po)
{
	memset(po, 0, sizeof *po);
	po->instance = c->instance;
	po->now_ms = now;
	po->delimiter = c->delimiter;
	po->assume_offset = c->assume_offset;
	po->assume_tz = c->assume_tz;
	po->columns = c->columns;
}

/* Validate the plan (diagnostics printed).  ERR_PLAN, ERR_IO... */
static err_code
preflight_validate(const struct preflight_config *c, int64_t now,
    struct err *e)
{
	struct plan_options po;
	struct plan_counts counts;
	struct diag *d;
	err_code rc;

	/* Read twice (validated, then checked): a file, not a pipe. */
	if (strcmp(c->plan, "-") == 0)
		return err_set(e, ERR_USAGE, "the plan is read more than once: "
		    "give a file, not standard input");
	d = diag_new(plan_display_name(c->plan), DIAG_PRINT, 20);
	if (d == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	preflight_plan_options(c, now, &po);
	po.diag = d;
	po.check_duplicates = 1;
	rc = plan_validate(c->plan, &po, &counts, e);
	diag_finish(d);
	diag_destroy(d);
	if (rc == ERR_PLAN)
		err_set(e, ERR_PLAN, "%s: %lu error%s: nothing was read from "
		    "the account", plan_display_name(c->plan), counts.errors,
		    counts.errors == 1 ? "" : "s");
	return rc;
}

/*
 * An execute run's verdict on one row: held rows go into `hold`; an
 * unknown row sent anyway is said (the first few, then a count).
 */
static err_code
preflight_hold_row(const struct preflight_config *c, struct pfhold *hold,
    const struct plan_row *row, const struct preflight_verdict *v,
    unsigned long *warned, struct err *e)
{
	char why[sizeof v->message + 64];

	switch (pfhold_decide((int)v->outcome, c->strict)) {
	case PFHOLD_SEND:
		return ERR_OK;
	case PFHOLD_SEND_WARN:
		if ((*warned)++ < PREFLIGHT_WARN_MAX)
			msg_warn("%s:%lu: preflight could not check the row "
			    "(%s); it is sent anyway (--strict holds it)",
			    plan_display_name(c->plan), row->line, v->message);
		return ERR_OK;
	case PFHOLD_HOLD:
		break;
	}
	if (v->outcome == PREFLIGHT_UNKNOWN) {
		snprintf(why, sizeof why, "not sent: preflight could not check "
		    "the row (--strict): %s", v->message);
		return pfhold_add(hold, row->line, row->key.type == 0,
		    "mqreset.PreflightUnknown",
		    why, e);
	}
	snprintf(why, sizeof why, "not sent: preflight: %s", v->message);
	return pfhold_add(hold, row->line, row->key.type == 0, v->code,
	    why, e);
}

/* One dry pass over the plan: list the calls still missing. */
static err_code
preflight_scan(const struct preflight_config *c, struct preflight_ctx *x,
    int64_t now, struct err *e)
{
	struct plan_reader *pr = NULL;
	struct plan_options po;
	struct plan_row row;
	struct preflight_facts f;
	int eof = 0;
	err_code rc;

	preflight_plan_options(c, now, &po);
	po.stop_on_error = 1;
	rc = plan_open(c->plan, &po, &pr, e);
	while (rc == ERR_OK) {
		rc = plan_next(pr, &row, &eof, e);
		if (rc != ERR_OK || eof)
			break;
		x->pending = 0;
		preflight_gather(x, &row.key, &f);
	}
	plan_close(pr);
	if (rc == ERR_OK && x->nomem)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	return rc;
}

/*
 * Make the read calls the rows need on x->workers threads, in waves
 * (the instances, then each instance's lists, each group's subscription
 * and backlog, each pair's span: a wave's calls depend on the answers of
 * the one before), so that the rows' pass finds every answer, or its
 * failure, already there.  x->fatal set when the preflight stops.
 */
static err_code
preflight_prefetch(const struct preflight_config *c, struct preflight_ctx *x,
    int64_t now, struct err *e)
{
	struct pfread_task *t;
	struct pfread_more *m;
	err_code rc = ERR_OK;
	size_t i, j;

	while (rc == ERR_OK && !x->fatal) {
		if (c->signals != NULL && *c->signals != 0)
			return err_set(e, ERR_INTERRUPTED, "interrupted during "
			    "the preflight");
		x->dry = 1;
		rc = preflight_scan(c, x, now, e);
		x->dry = 0;
		if (rc != ERR_OK || x->nneed == 0)
			break;
		rc = pfread_run(x->rd, x->cc, x->workers, x->need, x->nneed,
		    preflight_want, c->signals, e);
		for (i = 0; rc == ERR_OK && i < x->nneed; i++) {
			t = &x->need[i];
			for (j = 0; j < t->nmore; j++) {
				m = &t->more[j];
				if (!m->made || m->err.code == ERR_OK)
					continue;
				if (pfread_stops(m->cls, m->err.code)) {
					if (!x->fatal)
						err_set(&x->fatal_err,
						    m->err.code, "%s",
						    err_message(&m->err));
					x->fatal = 1;
				} else
					preflight_remember(x, m->arg,
					    err_message(&m->err));
			}
			if (!t->done || t->err.code == ERR_OK)
				continue;
			if (t->step[0].a == ONSREAD_INSTANCES ||
			    pfread_stops(t->cls, t->err.code)) {
				if (!x->fatal)
					err_set(&x->fatal_err, t->err.code,
					    "%s", err_message(&t->err));
				x->fatal = 1;
			} else
				preflight_remember(x, x->needkey[i],
				    err_message(&t->err));
		}
		preflight_need_clear(x);
	}
	preflight_need_clear(x);
	return rc;
}

/*
 * Check every row: into b (the report) when not NULL, into `hold` (an
 * execute run's held rows) when not NULL; totals into *t.
 */
static err_code
preflight_rows(const struct preflight_config *c, struct preflight_ctx *x,
    int64_t now, struct buf *b, struct pfhold *hold,
    struct preflight_totals *t, struct err *e)
{
	struct plan_reader *pr = NULL;
	struct plan_options po;
	struct plan_row row;
	struct preflight_facts f;
	struct preflight_verdict v;
	const char *const *extra;
	char fin[TSTAMP_FMT_MAX];
	unsigned long warned = 0;
	size_t nextra;
	int eof = 0;
	err_code rc;

	if (x->cc != NULL) {
		rc = preflight_prefetch(c, x, now, e);
		if (rc != ERR_OK || x->fatal)
			return rc;
	}
	preflight_plan_options(c, now, &po);
	po.stop_on_error = 1;
	rc = plan_open(c->plan, &po, &pr, e);
	if (rc == ERR_OK && b != NULL) {
		extra = plan_extra_names(pr, &nextra);
		rc = preflight_header(b, extra, nextra);
		if (rc != ERR_OK)
			err_set(e, rc, "the report: out of memory");
	}
	while (rc == ERR_OK) {
		if (c->signals != NULL && *c->signals != 0) {
			rc = err_set(e, ERR_INTERRUPTED, "interrupted during "
			    "the preflight");
			break;
		}
		rc = plan_next(pr, &row, &eof, e);
		if (rc != ERR_OK || eof)
			break;
		preflight_gather(x, &row.key, &f);
		if (x->fatal)
			break;
		preflight_decide(&row.key, row.timestamp, &f, c->strict, &v);
		preflight_count(t, &row.key, &v);
		if (hold != NULL)
			rc = preflight_hold_row(c, hold, &row, &v, &warned, e);
		if (rc == ERR_OK && b != NULL) {
			rc = preflight_record(b, &row, &f, &v,
			    tstamp_format(clock_wall_ms(), fin));
			if (rc != ERR_OK)
				err_set(e, rc, "the report: out of memory");
		}
	}
	if (warned > PREFLIGHT_WARN_MAX)
		msg_warn("preflight could not check %lu more rows; they are "
		    "sent anyway", warned - PREFLIGHT_WARN_MAX);
	plan_close(pr);
	return rc;
}

static void
preflight_ctx_free(struct preflight_ctx *x)
{
	struct preflight_miss *m, *next;

	for (m = x->miss; m != NULL; m = next) {
		next = m->next;
		free(m->key);
		free(m->why);
		free(m);
	}
	x->miss = NULL;
	preflight_need_clear(x);
	free(x->need);
	free(x->needkey);
	x->need = NULL;
	x->needkey = NULL;
}

/* Why the preflight could not run, with the identity and the endpoint
 * it used (never the secret). */
static void
preflight_say_fatal(const struct preflight_ctx *x, const struct creds *cr,
    const char *endpoint, int execute)
{
	msg_error("preflight could not run: %s", err_message(&x->fatal_err));
	msg_error("preflight: AccessKeyId %s from %s, endpoint %s",
	    creds_key_hint(cr), creds_source(cr), endpoint);
	if (execute)
		msg_error("nothing was sent; --no-preflight sends the plan "
		    "without checking it");
}

/*
 * Lock REPORT.lock, as every run does: a dry run must not replace a
 * report that a running --execute is writing.  ERR_EXISTS names the pid.
 */
static err_code
preflight_lock(const char *report, struct lockfile **out, struct err *e)
{
	char *path;
	err_code rc;

	if (asprintf(&path, "%s.lock", report) < 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = lockfile_acquire(out, path, e);
	free(path);
	return rc;
}

int
preflight_run(const struct preflight_config *c)
{
	struct inventory_link link;
	struct client_config cc;
	struct preflight_totals t;
	struct preflight_ctx x;
	struct lockfile *lock = NULL;
	struct stat st;
	struct buf b;
	struct err e;
	int64_t now = clock_wall_ms();
	int status;
	err_code rc;

	memset(&link, 0, sizeof link);
	memset(&cc, 0, sizeof cc); /* reply cap, abort flag: none */
	memset(&t, 0, sizeof t);
	memset(&x, 0, sizeof x);
	err_clear(&e);
	err_clear(&x.fatal_err);
	buf_init(&b, (size_t)1 << 40);
	rc = fsutil_check_target(c->report, &e);
	if (rc == ERR_OK)
		rc = preflight_lock(c->report, &lock, &e);
	if (rc == ERR_OK && !c->force && lstat(c->report, &st) == 0)
		rc = err_set(&e, ERR_EXISTS, "%s exists: pass --force to "
		    "overwrite it", c->report);
	if (rc == ERR_OK && c->summary_json != NULL &&
	    strcmp(c->summary_json, "-") != 0)
		rc = fsutil_check_target(c->summary_json, &e);
	if (rc == ERR_OK)
		rc = preflight_validate(c, now, &e);
	if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		buf_free(&b);
		lockfile_release(lock);
		return rc == ERR_IO || rc == ERR_NOMEM ? EXITCODE_ABORTED :
		    EXITCODE_INVALID;
	}
	status = inventory_connect("preflight", c->conn, c->debug, &link);
	if (status != EXITCODE_OK) {
		/* No credentials (3), or no region given (2, as for
		 * --execute): the preflight could not run. */
		inventory_disconnect(&link);
		buf_free(&b);
		lockfile_release(lock);
		return status;
	}
	t.groups = dupset_new();
	x.rd = link.reader;
	x.positions = 1;
	cmd_conn_client_config(c->conn, link.endpoint, link.creds, c->debug,
	    &cc);
	x.cc = &cc;
	x.workers = c->workers;
	if (t.groups == NULL)
		rc = err_set(&e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK)
		rc = preflight_rows(c, &x, now, &b, NULL, &t, &e);
	if (rc == ERR_OK && x.fatal) {
		preflight_say_fatal(&x, link.creds, link.endpoint, 0);
		status = EXITCODE_ABORTED;
	} else if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		status = exitcode_from_err(rc);
	} else {
		rc = inventory_write(c->report, &b, &e);
		if (rc != ERR_OK) {
			msg_error("%s", err_message(&e));
			status = EXITCODE_ABORTED;
		} else {
			status = t.by[PREFLIGHT_WOULD_FAIL] > 0 ||
			    t.by[PREFLIGHT_UNKNOWN] > 0 ? EXITCODE_FAILED :
			    EXITCODE_OK;
			preflight_print(&t);
		}
	}
	if (c->summary_json != NULL && status != EXITCODE_INVALID &&
	    preflight_json(c, &t, link.reader, status, &e) != ERR_OK) {
		msg_error("%s", err_message(&e));
		if (status == EXITCODE_OK)
			status = EXITCODE_ABORTED;
	}
	preflight_ctx_free(&x);
	dupset_destroy(t.groups);
	buf_free(&b);
	inventory_disconnect(&link);
	lockfile_release(lock);
	return status;
}

int
preflight_check(const struct preflight_config *c,
    const struct client_config *cc, struct pfhold **held)
{
	struct preflight_totals t;
	struct preflight_ctx x;
	struct client *cl = NULL;
	struct pfhold *h;
	struct err e;
	int status = EXITCODE_OK;
	err_code rc = ERR_OK;

	*held = NULL;
	memset(&t, 0, sizeof t);
	memset(&x, 0, sizeof x);
	err_clear(&e);
	err_clear(&x.fatal_err);
	h = pfhold_new();
	t.groups = dupset_new();
	if (h == NULL || t.groups == NULL)
		rc = err_set(&e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK && (cl = client_new(cc, &e)) == NULL)
		rc = e.code != ERR_OK ? e.code : ERR_INTERNAL;
	if (rc == ERR_OK && (x.rd = onsread_new(cl, &e)) == NULL)
		rc = e.code != ERR_OK ? e.code : ERR_INTERNAL;
	x.cc = cc;
	x.workers = c->workers;
	if (rc == ERR_OK)
		rc = preflight_rows(c, &x, clock_wall_ms(), NULL, h, &t, &e);
	if (rc == ERR_OK && x.fatal) {
		preflight_say_fatal(&x, cc->creds, cc->endpoint, 1);
		status = EXITCODE_ABORTED;
	} else if (rc != ERR_OK) {
		msg_error("preflight: %s; nothing was sent", err_message(&e));
		status = rc == ERR_INTERRUPTED ? EXITCODE_ABORTED :
		    exitcode_from_err(rc);
	} else {
		msg_info("preflight: %lu row%s checked: %lu would reset, %lu "
		    "would fail (not sent), %lu unknown%s", t.rows,
		    t.rows == 1 ? "" : "s", t.by[PREFLIGHT_WOULD_RESET],
		    t.by[PREFLIGHT_WOULD_FAIL], t.by[PREFLIGHT_UNKNOWN],
		    t.by[PREFLIGHT_UNKNOWN] == 0 ? "" : c->strict ?
		    " (not sent: --strict)" : " (sent anyway)");
		*held = h;
		h = NULL;
	}
	onsread_destroy(x.rd);
	client_destroy(cl);
	preflight_ctx_free(&x);
	dupset_destroy(t.groups);
	pfhold_destroy(h);
	return status;
}
