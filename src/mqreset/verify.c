/*
 * verify.c - read-back around a row's reset: the position before (for
 * the undo plan and ambiguous clears) and after (--verify).  See
 * include/mqreset/verify.h.
 */
#include "verify.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "heldcheck.h"
#include "msg.h"
#include "onsread.h"
#include "tstamp.h"

struct verify {
	struct verify_config cfg;  /* read-only */
	pthread_mutex_t lock;      /* guards rd and its client */
	struct client *cl;         /* owned */
	struct onsread *rd;        /* owned */
};

/* What one row's read-back callback needs. */
struct verify_rowctx {
	struct verify *v;
	struct pacer *pacer;                 /* the run's, for stops */
	const struct verify_reading *before; /* read before sending */
};

const char *
verify_text(enum attempt_verified v)
{
	switch (v) {
	case ATTEMPT_VERIFIED_NONE:
		return "";
	case ATTEMPT_VERIFIED_YES:
		return "yes";
	case ATTEMPT_VERIFIED_NO:
		return "no";
	case ATTEMPT_VERIFIED_UNKNOWN:
		return "unknown";
	}
	return "";
}

/* Type 0: is the state that of a cleared backlog? */
static int
verify_cleared(const struct verify_reading *r)
{
	if (!r->ok)
		return 0;
	if (r->backlog >= 0 && r->backlog <= VERIFY_BACKLOG_NEAR_ZERO)
		return 1;
	return r->consume_ms >= r->max_ms - VERIFY_TOLERANCE_MS;
}

int
verify_reflects(const struct plan_key *key, const struct verify_reading *r)
{
	int64_t d;

	if (!r->ok)
		return 0;
	if (key->type == PLAN_TYPE_CLEAR)
		return verify_cleared(r);
	d = r->consume_ms - key->reset_ms;
	return d >= -VERIFY_TOLERANCE_MS && d <= VERIFY_TOLERANCE_MS;
}

enum attempt_resolution
verify_resolve(const struct verify_reading *before,
    const struct verify_reading *after)
{
	if (!before->ok || !after->ok || verify_cleared(before))
		return ATTEMPT_RB_CANNOT_TELL;
	if (verify_cleared(after))
		return ATTEMPT_RB_APPLIED;
	/* A clear puts the position at the newest message or later;
	 * consumers only move it forward. */
	if (after->consume_ms < before->max_ms)
		return ATTEMPT_RB_NOT_APPLIED;
	return ATTEMPT_RB_CANNOT_TELL;
}

void
verify_describe(const struct verify_reading *r, char *out, size_t n)
{
	char pos[TSTAMP_FMT_MAX], newest[TSTAMP_FMT_MAX], bl[32];

	if (!r->ok) {
		snprintf(out, n, "not read: %s", r->error);
		return;
	}
	if (r->backlog >= 0)
		snprintf(bl, sizeof bl, "%" PRId64, r->backlog);
	else
		snprintf(bl, sizeof bl, "not read");
	snprintf(out, n, "backlog %s, position %s (newest message %s)", bl,
	    r->consume_ms > 0 ? tstamp_format(r->consume_ms, pos) : "none",
	    r->max_ms > 0 ? tstamp_format(r->max_ms, newest) : "none");
}

struct verify *
verify_new(const struct verify_config *cfg, struct err *e)
{
	struct verify *v;

	v = calloc(1, sizeof *v);
	if (v == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	v->cfg = *cfg;
	pthread_mutex_init(&v->lock, NULL);
	v->cl = client_new(cfg->client, e);
	if (v->cl != NULL)
		v->rd = onsread_new(v->cl, e);
	if (v->rd == NULL) {
		verify_destroy(v);
		return NULL;
	}
	return v;
}

uint64_t
verify_reads(struct verify *v)
{
	uint64_t calls[ONSREAD_N], n = 0;
	int a;

	pthread_mutex_lock(&v->lock);
	onsread_calls(v->rd, calls);
	pthread_mutex_unlock(&v->lock);
	for (a = 0; a < ONSREAD_N; a++)
		n += calls[a];
	return n;
}

void
verify_set_undo(struct verify *v, struct undo *u)
{
	v->cfg.undo = u;
}

void
verify_destroy(struct verify *v)
{
	if (v == NULL)
		return;
	onsread_destroy(v->rd);
	client_destroy(v->cl);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

void
verify_read(struct verify *v, const struct plan_key *key,
    struct verify_reading *out)
{
	struct onsread_span sp;
	struct err e;
	int online;

	memset(out, 0, sizeof *out);
	out->backlog = -1;
	err_clear(&e);
	pthread_mutex_lock(&v->lock);
	if (onsread_time_span_now(v->rd, key->instance, key->group,
	    key->topic, &sp, &e) == ERR_OK) {
		out->ok = 1;
		out->min_ms = sp.min_ms;
		out->max_ms = sp.max_ms;
		out->consume_ms = sp.consume_ms;
		/* The backlog decides a clear; a type 1 row needs only the
		 * position. */
		if (key->type == PLAN_TYPE_CLEAR && onsread_backlog_now(v->rd,
		    key->instance, key->group, key->topic, &out->backlog,
		    &online, &e) != ERR_OK)
			out->backlog = -1;
	}
	if (!out->ok)
		out->fatal = onsread_last_class(v->rd) == REPLY_FATAL;
	pthread_mutex_unlock(&v->lock);
	if (!out->ok)
		snprintf(out->error, sizeof out->error, "%s", err_message(&e));
}

/* Sleep for a poll interval (doubling); 0 when the deadline passed or
 * the run is aborting. */
static int
verify_wait(struct pacer *pacer, int64_t deadline_ns, int64_t *gap_ms)
{
	int64_t now = clock_mono_ns(), ns;

	if (now >= deadline_ns || pacer_aborting(pacer))
		return 0;
	ns = *gap_ms * INT64_C(1000000);
	if (now + ns > deadline_ns)
		ns = deadline_ns - now;
	clock_sleep_ns(ns);
	*gap_ms = *gap_ms * 2 > VERIFY_POLL_MAX_MS ? VERIFY_POLL_MAX_MS :
	    *gap_ms * 2;
	return 1;
}

/* attempt_readback's callback: poll until the state tells, or the
 * deadline passes (a backend may still apply a request it received). */
static enum attempt_resolution
verify_ambiguous(void *arg, const struct plan_key *key, char *msg,
    size_t msglen)
{
	struct verify_rowctx *rc = arg;
	struct verify_reading after;
	enum attempt_resolution r;
	char b[256], a[256];
	int64_t deadline, gap = VERIFY_POLL_FIRST_MS;

	deadline = clock_mono_ns() + rc->v->cfg.timeout_ms *
	    INT64_C(1000000);
	for (;;) {
		verify_read(rc->v, key, &after);
		r = verify_resolve(rc->before, &after);
		/* Only "not applied" can change while we wait. */
		if (r != ATTEMPT_RB_NOT_APPLIED &&
		    (after.ok || !rc->before->ok))
			break;
		if (!verify_wait(rc->pacer, deadline, &gap))
			break;
	}
	verify_describe(rc->before, b, sizeof b);
	verify_describe(&after, a, sizeof a);
	snprintf(msg, msglen, "read-back: before %s; after %s%s", b, a,
	    r == ATTEMPT_RB_NOT_APPLIED ? "; not applied" :
	    r == ATTEMPT_RB_CANNOT_TELL ? "; the state cannot tell" : "");
	return r;
}

/* Append "; text" to the row's message. */
static void
verify_note(struct attempt_result *res, const char *text)
{
	size_t n = strlen(res->message);

	snprintf(res->message + n, sizeof res->message - n, "%s%s",
	    n > 0 ? "; " : "", text);
}

/* Step 3: poll until the acknowledged reset shows, or the deadline. */
static void
verify_after(struct verify *v, struct pacer *pacer, const struct job *j,
    const struct verify_reading *before, struct attempt_result *res)
{
	struct verify_reading after;
	char b[256], a[256], text[640];
	int64_t deadline, gap = VERIFY_POLL_FIRST_MS;
	int seen = 0;

	deadline = clock_mono_ns() + v->cfg.timeout_ms * INT64_C(1000000);
	for (;;) {
		verify_read(v, &j->key, &after);
		seen |= after.ok;
		if (verify_reflects(&j->key, &after)) {
			res->verified = ATTEMPT_VERIFIED_YES;
			return;
		}
		if (!verify_wait(pacer, deadline, &gap))
			break;
	}
	verify_describe(&after, a, sizeof a);
	verify_describe(before, b, sizeof b);
	if (!seen) {
		res->verified = ATTEMPT_VERIFIED_UNKNOWN;
		snprintf(text, sizeof text, "not verified: %s", a);
	} else if (j->key.type == PLAN_TYPE_CLEAR) {
		res->verified = ATTEMPT_VERIFIED_NO;
		snprintf(text, sizeof text, "verify: acknowledged but not "
		    "cleared after %" PRId64 " s: %s (before: %s)",
		    v->cfg.timeout_ms / 1000, a, b);
	} else {
		char want[TSTAMP_FMT_MAX];

		res->verified = ATTEMPT_VERIFIED_NO;
		snprintf(text, sizeof text, "verify: acknowledged but the "
		    "position is not within %" PRId64 " s of %s after %" PRId64
		    " s: %s (before: %s)", VERIFY_TOLERANCE_MS / 1000,
		    tstamp_format(j->key.reset_ms, want),
		    v->cfg.timeout_ms / 1000, a, b);
	}
	verify_note(res, text);
}

void
verify_row(struct verify *v, struct attempt_ctx *actx, struct job *j,
    attempt_send_fn send, void *send_arg, struct rng *rng,
    struct reply *rep)
{
	struct verify_reading before;
	struct verify_rowctx rc;
	struct attempt_readback rb;
	struct intent_reading saved;
	struct err e;

	verify_read(v, &j->key, &before);
	if (v->cfg.undo != NULL) {
		if (!before.ok) {
			memset(&j->res, 0, sizeof j->res);
			j->res.status = REPORT_FAILED;
			snprintf(j->res.code, sizeof j->res.code,
			    "mqreset.ReadFailed");
			snprintf(j->res.message, sizeof j->res.message, "not "
			    "sent: the position could not be read for the "
			    "undo plan: %s", before.error);
			j->res.finished_ms = pacer_wall_ms(actx->pacer);
			/* Every row would fail the same way: stop the run. */
			if (before.fatal)
				j->res.fatal = ERR_AUTH;
			return;
		}
		err_clear(&e);
		if (undo_record(v->cfg.undo, j->line, &j->key,
		    before.consume_ms, before.min_ms,
		    (const char *const *)j->extra, j->nextra, &e) != ERR_OK) {
			attempt_unsent(actx, &j->res, err_message(&e));
			snprintf(j->res.code, sizeof j->res.code,
			    "mqreset.UndoPlanError");
			j->res.fatal = ERR_IO;
			return;
		}
	}
	rc.v = v;
	rc.pacer = actx->pacer;
	rc.before = &before;
	rb.ambiguous = v->cfg.verify ? verify_ambiguous : NULL;
	rb.arg = &rc;
	/* Journaled with the row: a later --resume --verify judges it
	 * (heldcheck.h). */
	saved.newest_ms = before.max_ms;
	saved.position_ms = before.consume_ms;
	saved.backlog = before.backlog;
	rb.before = before.ok ? &saved : NULL;
	attempt_row_rb(actx, j->line, &j->key, send, send_arg, rng, rep,
	    &j->res, &rb);
	/* Saved for a later --resume --verify (heldcheck.h): the journal
	 * line goes when the report is complete. */
	if (j->key.type == PLAN_TYPE_CLEAR && j->res.status == REPORT_UNKNOWN &&
	    before.ok)
		heldcheck_token(j->res.message, sizeof j->res.message, &saved);
	if (v->cfg.verify && j->res.status == REPORT_OK &&
	    j->res.verified == ATTEMPT_VERIFIED_NONE)
		verify_after(v, actx->pacer, j, &before, &j->res);
	if (j->res.verified != ATTEMPT_VERIFIED_NONE)
		j->extra[j->nextra] = (char *)verify_text(j->res.verified);
	msg_debug("line %lu: verified %s", j->line,
	    verify_text(j->res.verified));
}
