/*
 * attempt.c - the attempt loop of one row.  See include/mqreset/attempt.h.
 *
 * Design: every rule about retries is decide.c's; the pacing is
 * pacer.c's and backoff.c's; this file wires them around one row: it
 * turns a reply into decide()'s input, a decision into the next delay or
 * the row's final fields, and keeps the run-wide facts a reply teaches
 * (a dead instance, an endpoint failing again and again).
 */
#include "attempt.h"

#include <stdio.h>
#include <string.h>

#include "backoff.h"
#include "decide.h"
#include "msg.h"

static const struct backoff_policy attempt_policies[] = {
	[DECIDE_BACKOFF_NONE] = { 0, 0, 0 },
	[DECIDE_BACKOFF_TRANSIENT] = BACKOFF_POLICY_TRANSIENT,
	[DECIDE_BACKOFF_THROTTLE] = BACKOFF_POLICY_THROTTLE,
	[DECIDE_BACKOFF_RECONSUME] = BACKOFF_POLICY_RECONSUME,
};

void
attempt_ctx_init(struct attempt_ctx *ctx, const struct attempt_config *cfg,
    struct pacer *pacer, struct intent *journal)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = *cfg;
	ctx->pacer = pacer;
	ctx->journal = journal;
	pthread_mutex_init(&ctx->journal_lock, NULL);
	pthread_mutex_init(&ctx->dead_lock, NULL);
	atomic_init(&ctx->endpoint_failures, 0);
	atomic_init(&ctx->requests, 0);
	atomic_init(&ctx->retries, 0);
	atomic_init(&ctx->throttled, 0);
}

void
attempt_ctx_free(struct attempt_ctx *ctx)
{
	pthread_mutex_destroy(&ctx->journal_lock);
	pthread_mutex_destroy(&ctx->dead_lock);
}

const char *
attempt_local_code(err_code code)
{
	switch (code) {
	case ERR_TIMEOUT:
		return "mqreset.Timeout";
	case ERR_NET:
	case ERR_RESOLVE:
		return "mqreset.ConnectionError";
	case ERR_TLS:
		return "mqreset.TLSError";
	case ERR_PROTO:
		return "mqreset.BadReply";
	case ERR_TOOBIG:
		return "mqreset.ReplyTooBig";
	case ERR_IO:
		return "mqreset.JournalError";
	case ERR_INTERRUPTED:
		return "mqreset.Interrupted";
	case ERR_OK:
	case ERR_NOMEM:
	case ERR_USAGE:
	case ERR_PLAN:
	case ERR_PARSE:
	case ERR_CRED:
	case ERR_AUTH:
	case ERR_REMOTE:
	case ERR_BADSTATE:
	case ERR_EXISTS:
	case ERR_MISMATCH:
	case ERR_INTERNAL:
		break;
	}
	return "mqreset.Error";
}

/* Append "; text" (or "text" to an empty message), truncating. */
static void
attempt_msg_append(char *msg, const char *text)
{
	size_t n;

	if (text == NULL || *text == '\0')
		return;
	n = strlen(msg);
	if (n > 0 && n + 2 < ATTEMPT_MSG_MAX) {
		memcpy(msg + n, "; ", 3);
		n += 2;
	}
	snprintf(msg + n, ATTEMPT_MSG_MAX - n, "%s", text);
}

/* Final fields of a row from its last reply and the decision. */
static void
attempt_finish(struct attempt_ctx *ctx, struct attempt_result *res,
    const struct reply *rep, const struct decide_result *d)
{
	res->status = d->status;
	res->http_status = (int)rep->http_status;
	snprintf(res->request_id, sizeof(res->request_id), "%s",
	    rep->request_id);
	res->code[0] = '\0';
	res->message[0] = '\0';
	if (d->status != REPORT_OK) {
		snprintf(res->code, sizeof(res->code), "%s",
		    rep->code[0] != '\0' ? rep->code :
		    attempt_local_code(rep->err));
		snprintf(res->message, sizeof(res->message), "%s",
		    rep->detail);
		attempt_msg_append(res->message,
		    decide_reason_text(d->reason));
	}
	/* The real cause: a refused identity is ERR_AUTH, a host that does
	 * not resolve ERR_RESOLVE, and so on. */
	if (d->action == DECIDE_ABORT_RUN)
		res->fatal = rep->err != ERR_OK ? rep->err : ERR_INTERNAL;
	res->finished_ms = pacer_wall_ms(ctx->pacer);
}

void
attempt_unsent(struct attempt_ctx *ctx, struct attempt_result *res,
    const char *why)
{
	res->status = REPORT_NOT_RUN;
	snprintf(res->message, sizeof(res->message), "%s", why);
	res->finished_ms = pacer_wall_ms(ctx->pacer);
}

/*
 * Did this attempt fail at the transport or endpoint level (no HTTP
 * answer, an answer that is not the API's JSON, a 5xx)?  Such failures in
 * a row, with no answer of the API in between, mean the endpoint itself
 * is wrong or down: after cfg.max_consecutive_failures of them the run
 * stops instead of spending every row's retries.
 */
static void
attempt_count_endpoint(struct attempt_ctx *ctx, const struct reply *rep)
{
	unsigned n, lim = ctx->cfg.max_consecutive_failures;

	if (rep->err == ERR_INTERRUPTED)
		return;
	if (rep->http_status > 0 && rep->http_status < 500 &&
	    rep->body != NULL) {
		atomic_store(&ctx->endpoint_failures, 0);
		return;
	}
	n = atomic_fetch_add(&ctx->endpoint_failures, 1) + 1;
	if (lim > 0 && n == lim)
		pacer_stop(ctx->pacer, ERR_NET, "%u requests in a row failed "
		    "at the transport or endpoint level with no answer from "
		    "the API (last: %s); check the endpoint, region and "
		    "network (--max-consecutive-failures)", n, rep->detail);
}

int
attempt_instance_dead(struct attempt_ctx *ctx, const char *instance)
{
	size_t i;
	int dead = 0;

	pthread_mutex_lock(&ctx->dead_lock);
	for (i = 0; i < ctx->ndead && !dead; i++)
		dead = strcmp(ctx->dead[i].instance, instance) == 0;
	pthread_mutex_unlock(&ctx->dead_lock);
	return dead;
}

/* Has the row's instance failed as a whole?  Then fail it unsent. */
static int
attempt_check_dead(struct attempt_ctx *ctx, const struct plan_key *key,
    struct attempt_result *res)
{
	const struct attempt_dead *d = NULL;
	size_t i;

	pthread_mutex_lock(&ctx->dead_lock);
	for (i = 0; i < ctx->ndead && d == NULL; i++)
		if (strcmp(ctx->dead[i].instance, key->instance) == 0)
			d = &ctx->dead[i];
	if (d != NULL) {
		res->status = REPORT_FAILED;
		snprintf(res->code, sizeof(res->code), "%s", d->code);
		snprintf(res->message, sizeof(res->message), "not sent: "
		    "instance %s failed at plan line %lu: %s", d->instance,
		    d->line, d->detail);
		res->finished_ms = pacer_wall_ms(ctx->pacer);
	}
	pthread_mutex_unlock(&ctx->dead_lock);
	return d != NULL;
}

/* Remember that the row's instance failed as a whole. */
static void
attempt_fail_instance(struct attempt_ctx *ctx, unsigned long line,
    const struct plan_key *key, const struct reply *rep)
{
	struct attempt_dead *d;
	size_t i;

	pthread_mutex_lock(&ctx->dead_lock);
	for (i = 0; i < ctx->ndead; i++)
		if (strcmp(ctx->dead[i].instance, key->instance) == 0)
			break;
	if (i == ctx->ndead && ctx->ndead < ATTEMPT_DEAD_MAX) {
		d = &ctx->dead[ctx->ndead++];
		snprintf(d->instance, sizeof(d->instance), "%s",
		    key->instance);
		d->line = line;
		snprintf(d->code, sizeof(d->code), "%s", rep->code);
		snprintf(d->detail, sizeof(d->detail), "%s", rep->detail);
	}
	pthread_mutex_unlock(&ctx->dead_lock);
}

static enum decide_outcome
attempt_outcome(const struct reply *rep)
{
	switch (rep->cls) {
	case REPLY_OK:
		return DECIDE_IN_OK;
	case REPLY_RETRYABLE:
		return rep->throttled ? DECIDE_IN_THROTTLED :
		    DECIDE_IN_TRANSIENT;
	case REPLY_FATAL:
		return DECIDE_IN_FATAL;
	case REPLY_FAILED_ROW:
		return DECIDE_IN_ROW_FAILED;
	case REPLY_RECONSUME_LATER:
		return DECIDE_IN_RECONSUME;
	case REPLY_FAILED_INSTANCE:
		return DECIDE_IN_INSTANCE_FAILED;
	}
	return DECIDE_IN_FATAL;
}

/* The intent is on disk before the request leaves; ERR_IO otherwise. */
static err_code
attempt_journal(struct attempt_ctx *ctx, unsigned long line,
    const struct plan_key *key, const struct intent_reading *before,
    struct err *e)
{
	err_code rc = ERR_OK;

	if (ctx->journal == NULL)
		return ERR_OK;
	pthread_mutex_lock(&ctx->journal_lock);
	rc = intent_record_rb(ctx->journal, line, key,
	    pacer_wall_ms(ctx->pacer), before, e);
	pthread_mutex_unlock(&ctx->journal_lock);
	return rc;
}

/* The row ends without a new attempt (stop, journal failure): the last
 * attempt decides, or it is not-run when there was none. */
static void
attempt_end_early(struct attempt_ctx *ctx, struct decide_input *in,
    const struct reply *rep, struct attempt_result *res, const char *why)
{
	struct decide_result d;

	if (res->attempts == 0) {
		attempt_unsent(ctx, res, why);
		return;
	}
	in->stopping = 1;
	d = decide(in);
	attempt_finish(ctx, res, rep, &d);
}

/*
 * A request interrupted by pacer_abort(): unknown when it may have left,
 * otherwise not counted (the row then ends as if the run stopped before
 * it).
 */
static void
attempt_aborted(struct attempt_ctx *ctx, struct decide_input *in,
    const struct reply *rep, struct attempt_result *res)
{
	if (!rep->maybe_applied) {
		atomic_fetch_sub(&ctx->requests, 1);
		if (res->attempts > 1)
			atomic_fetch_sub(&ctx->retries, 1);
		res->attempts--;
		in->outcome = DECIDE_IN_TRANSIENT;
		in->maybe_applied = 0;
		attempt_end_early(ctx, in, rep, res, "not sent: the run was "
		    "aborted");
		return;
	}
	res->status = REPORT_UNKNOWN;
	res->http_status = 0;
	snprintf(res->code, sizeof(res->code), "mqreset.Aborted");
	snprintf(res->message, sizeof(res->message), "aborted by a second "
	    "signal while in flight: it may or may not have been applied");
	res->finished_ms = pacer_wall_ms(ctx->pacer);
}

/* Account for one attempt's reply: counters, pacing (on the row's
 * lane), endpoint health. */
static void
attempt_note_reply(struct attempt_ctx *ctx, struct pacer *lane,
    const struct reply *rep, struct attempt_result *res)
{
	int64_t hint;

	res->attempts++;
	atomic_fetch_add(&ctx->requests, 1);
	if (res->attempts > 1)
		atomic_fetch_add(&ctx->retries, 1);
	if (rep->latency_us > 0)
		res->latency_us += rep->latency_us;
	if (rep->throttled)
		atomic_fetch_add(&ctx->throttled, 1);
	/* A throttle hint holds every worker, not only this one. */
	hint = rep->http_status >= 400 && rep->retry_after_ms > 0 ?
	    rep->retry_after_ms : 0;
	pacer_after_reply(lane, rep->throttled, hint);
	attempt_count_endpoint(ctx, rep);
}

/* Would this attempt end a type 0 row `unknown` for its ambiguity? */
static int
attempt_rb_applies(const struct plan_key *key, const struct reply *rep,
    const struct decide_result *d)
{
	return key->type == PLAN_TYPE_CLEAR && rep->maybe_applied &&
	    rep->err != ERR_INTERRUPTED && d->action == DECIDE_FINAL &&
	    d->status == REPORT_UNKNOWN;
}

/* The read-back showed the ambiguous clear applied: the row is ok. */
static void
attempt_confirmed(struct attempt_ctx *ctx, struct attempt_result *res,
    const struct reply *rep, const char *readings)
{
	res->status = REPORT_OK;
	res->verified = ATTEMPT_VERIFIED_YES;
	res->http_status = (int)rep->http_status;
	snprintf(res->request_id, sizeof(res->request_id), "%s",
	    rep->request_id);
	res->code[0] = '\0';
	snprintf(res->message, sizeof(res->message), "applied (confirmed by "
	    "read-back)");
	attempt_msg_append(res->message, readings);
	attempt_msg_append(res->message, rep->detail);
	res->finished_ms = pacer_wall_ms(ctx->pacer);
}

void
attempt_row(struct attempt_ctx *ctx, unsigned long line,
    const struct plan_key *key, attempt_send_fn send, void *send_arg,
    struct rng *rng, struct reply *rep, struct attempt_result *res)
{
	attempt_row_rb(ctx, line, key, send, send_arg, rng, rep, res, NULL);
}

void
attempt_row_rb(struct attempt_ctx *ctx, unsigned long line,
    const struct plan_key *key, attempt_send_fn send, void *send_arg,
    struct rng *rng, struct reply *rep, struct attempt_result *res,
    const struct attempt_readback *rb)
{
	char readings[ATTEMPT_MSG_MAX];
	enum attempt_resolution rs;
	struct pacer *lane = ctx->pacer_for != NULL ?
	    ctx->pacer_for(ctx->pacer_for_arg, key) : NULL;
	struct decide_input in;
	struct decide_result d;
	struct err e;
	int64_t delay, hint;
	int journaled = 0;

	if (lane == NULL)
		lane = ctx->pacer;
	memset(res, 0, sizeof(*res));
	memset(&in, 0, sizeof(in));
	in.type = key->type;
	in.max_attempts = ctx->cfg.max_attempts;
	in.retry_ambiguous = ctx->cfg.retry_ambiguous;
	delay = 0;
	for (;;) {
		if (pacer_wait_turn(lane, delay) != 0) {
			/* Retry abandoned: the last attempt decides. */
			char why[SUMMARY_REASON_MAX + 16];

			pacer_unsent_reason(ctx->pacer, why, sizeof why);
			attempt_end_early(ctx, &in, rep, res, why);
			return;
		}
		if (res->attempts == 0 && attempt_check_dead(ctx, key, res))
			return;
		if (key->type == PLAN_TYPE_CLEAR && !journaled) {
			err_clear(&e);
			if (attempt_journal(ctx, line, key, rb != NULL ?
			    rb->before : NULL, &e) != ERR_OK) {
				attempt_end_early(ctx, &in, rep, res,
				    err_message(&e));
				if (res->status == REPORT_NOT_RUN)
					snprintf(res->code, sizeof(res->code),
					    "%s", attempt_local_code(ERR_IO));
				res->fatal = ERR_IO;
				return;
			}
			journaled = 1;
		}
		send(send_arg, key, rep);
		attempt_note_reply(ctx, lane, rep, res);
		in.outcome = attempt_outcome(rep);
		/* reply.c says when an answer does not prove the request
		 * unapplied (a 5xx, a replayed nonce...). */
		in.maybe_applied = rep->maybe_applied;
		in.attempts = res->attempts;
		in.stopping = pacer_should_stop(ctx->pacer);
		if (rep->err == ERR_INTERRUPTED && pacer_aborting(ctx->pacer)) {
			attempt_aborted(ctx, &in, rep, res);
			return;
		}
		d = decide(&in);
		readings[0] = '\0';
		if (rb != NULL && rb->ambiguous != NULL &&
		    attempt_rb_applies(key, rep, &d)) {
			rs = rb->ambiguous(rb->arg, key, readings,
			    sizeof(readings));
			if (rs == ATTEMPT_RB_APPLIED) {
				attempt_confirmed(ctx, res, rep, readings);
				return;
			}
			if (rs == ATTEMPT_RB_NOT_APPLIED) {
				/* Proven unapplied: an ordinary failure. */
				in.maybe_applied = 0;
				in.stopping = pacer_should_stop(ctx->pacer);
				d = decide(&in);
			}
		}
		if (d.fail_instance)
			attempt_fail_instance(ctx, line, key, rep);
		if (d.action != DECIDE_RETRY) {
			attempt_finish(ctx, res, rep, &d);
			attempt_msg_append(res->message, readings);
			return;
		}
		in.ambiguous_before |= in.maybe_applied;
		hint = rep->retry_after_ms > 0 ? rep->retry_after_ms *
		    INT64_C(1000000) : 0;
		delay = backoff_delay_ns(&attempt_policies[d.policy],
		    res->attempts, rng_double(rng), hint);
		msg_debug("line %lu: attempt %u: %s; retrying in %lld ms", line,
		    res->attempts, rep->detail, (long long)(delay / 1000000));
	}
}
