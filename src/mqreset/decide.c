/*
 * decide.c - outcome of one attempt -> retry / final status / abort.
 * The rules, and why, are in include/mqreset/decide.h.
 */
#include "decide.h"

/*
 * A final result.  When this attempt or an earlier one may have applied
 * the reset, an end other than ok is `unknown`: nothing proves the reset
 * did not happen.
 */
static struct decide_result
decide_final(const struct decide_input *in, enum report_status st,
    enum decide_reason why)
{
	struct decide_result r;

	r.action = DECIDE_FINAL;
	r.policy = DECIDE_BACKOFF_NONE;
	r.status = st;
	r.reason = why;
	r.fail_instance = 0;
	if (st != REPORT_OK && (in->ambiguous_before || in->maybe_applied)) {
		r.status = REPORT_UNKNOWN;
		if (why == DECIDE_WHY_NONE)
			r.reason = in->ambiguous_before ?
			    DECIDE_WHY_AMBIGUOUS_EARLIER :
			    DECIDE_WHY_AMBIGUOUS_FINAL;
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
	r.fail_instance = 0;
	return r;
}

struct decide_result
decide(const struct decide_input *in)
{
	struct decide_result r;
	enum decide_policy policy;

	policy = DECIDE_BACKOFF_TRANSIENT;
	switch (in->outcome) {
	case DECIDE_IN_OK:
		return decide_final(in, REPORT_OK, DECIDE_WHY_NONE);
	case DECIDE_IN_ROW_FAILED:
		return decide_final(in, REPORT_FAILED, DECIDE_WHY_NONE);
	case DECIDE_IN_INSTANCE_FAILED:
		r = decide_final(in, REPORT_FAILED, DECIDE_WHY_NONE);
		r.fail_instance = 1;
		return r;
	case DECIDE_IN_FATAL:
		r = decide_final(in, REPORT_FAILED, DECIDE_WHY_NONE);
		r.action = DECIDE_ABORT_RUN;
		return r;
	case DECIDE_IN_RECONSUME:
		policy = DECIDE_BACKOFF_RECONSUME;
		break;
	case DECIDE_IN_THROTTLED:
		policy = DECIDE_BACKOFF_THROTTLE;
		break;
	case DECIDE_IN_TRANSIENT:
		break;
	}
	if (in->maybe_applied) {
		/* Whatever the class, a clear that may have happened is not
		 * repeated on our own. */
		if (in->type == 0 && !in->retry_ambiguous)
			return decide_final(in, REPORT_UNKNOWN,
			    DECIDE_WHY_AMBIGUOUS_TYPE0);
		/* Whatever happens next, this attempt may have applied. */
		return decide_retry(in, policy, REPORT_UNKNOWN);
	}
	return decide_retry(in, policy, REPORT_FAILED);
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
		return "the request may have been applied (no answer, or a "
		    "server error, after it was sent): the backlog may have "
		    "been cleared; type 0 is not retried without "
		    "--retry-ambiguous";
	case DECIDE_WHY_AMBIGUOUS_EARLIER:
		return "an earlier attempt may have applied the reset (no "
		    "answer, or a server error, after it was sent)";
	case DECIDE_WHY_AMBIGUOUS_FINAL:
		return "the request may have been applied (it was sent, and "
		    "no answer says it was not)";
	}
	return "";
}
