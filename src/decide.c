/*
 * decide.c - outcome of one attempt -> retry / final status / abort.
 * The rules, and why, are in include/decide.h.
 */
#include "decide.h"

/* A final result; an ambiguous history turns a non-ok end into unknown. */
static struct decide_result
decide_final(const struct decide_input *in, enum report_status st,
    enum decide_reason why)
{
	struct decide_result r;

	r.action = DECIDE_FINAL;
	r.policy = DECIDE_BACKOFF_NONE;
	r.status = st;
	r.reason = why;
	if (st != REPORT_OK && in->ambiguous_before) {
		r.status = REPORT_UNKNOWN;
		if (why == DECIDE_WHY_NONE)
			r.reason = DECIDE_WHY_AMBIGUOUS_EARLIER;
	}
	return r;
}

/* Retry if the run and the attempt budget allow, else end with `st`. */
static struct decide_result
decide_retry(const struct decide_input *in, enum decide_policy policy,
    enum report_status st)
{
	struct decide_result r;

	if (in->stopping)
		return decide_final(in, st, DECIDE_WHY_STOPPING);
	if (in->attempts >= in->max_attempts)
		return decide_final(in, st, DECIDE_WHY_EXHAUSTED);
	r.action = DECIDE_RETRY;
	r.status = st;
	r.policy = policy;
	r.reason = DECIDE_WHY_NONE;
	return r;
}

struct decide_result
decide(const struct decide_input *in)
{
	struct decide_result r;

	switch (in->outcome) {
	case DECIDE_IN_OK:
		return decide_final(in, REPORT_OK, DECIDE_WHY_NONE);
	case DECIDE_IN_ROW_FAILED:
		return decide_final(in, REPORT_FAILED, DECIDE_WHY_NONE);
	case DECIDE_IN_FATAL:
		r = decide_final(in, REPORT_FAILED, DECIDE_WHY_NONE);
		r.action = DECIDE_ABORT_RUN;
		return r;
	case DECIDE_IN_RECONSUME:
		return decide_retry(in, DECIDE_BACKOFF_RECONSUME,
		    REPORT_FAILED);
	case DECIDE_IN_THROTTLED:
	case DECIDE_IN_TRANSIENT:
		break;
	}
	if (in->maybe_applied) {
		if (in->type == 0 && !in->retry_ambiguous) {
			r = decide_final(in, REPORT_UNKNOWN,
			    DECIDE_WHY_AMBIGUOUS_TYPE0);
			return r;
		}
		/* Whatever happens next, this attempt may have applied. */
		return decide_retry(in, DECIDE_BACKOFF_TRANSIENT,
		    REPORT_UNKNOWN);
	}
	return decide_retry(in, in->outcome == DECIDE_IN_THROTTLED ?
	    DECIDE_BACKOFF_THROTTLE : DECIDE_BACKOFF_TRANSIENT,
	    REPORT_FAILED);
}

const char *
decide_reason_text(enum decide_reason why)
{
	switch (why) {
	case DECIDE_WHY_NONE:
		return "";
	case DECIDE_WHY_EXHAUSTED:
		return "gave up after the last allowed attempt";
	case DECIDE_WHY_STOPPING:
		return "not retried: the run was stopping";
	case DECIDE_WHY_AMBIGUOUS_TYPE0:
		return "no answer after the request was sent: the backlog "
		    "may have been cleared; type 0 is not retried without "
		    "--retry-ambiguous";
	case DECIDE_WHY_AMBIGUOUS_EARLIER:
		return "an earlier attempt got no answer after the request "
		    "was sent and may have applied the reset";
	}
	return "";
}
