/*
 * ledger.c - a run's report rows and --resume decisions.  See
 * include/mqreset/ledger.h.
 */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent.h"
#include "msg.h"
#include "tstamp.h"

void
ledger_init(struct ledger *lg, const char *report_path,
    const char *const *resume_paths, size_t nresume, int retry_ambiguous,
    struct pacer *pacer)
{
	memset(lg, 0, sizeof(*lg));
	lg->report_path = report_path;
	lg->resume_paths = nresume > 0 ? resume_paths : NULL;
	lg->nresume = nresume;
	lg->retry_ambiguous = retry_ambiguous;
	lg->pacer = pacer;
}

void
ledger_free(struct ledger *lg)
{
	if (lg == NULL)
		return;
	resume_destroy(lg->resume);
	lg->resume = NULL;
}

err_code
ledger_write(struct ledger *lg, size_t index, const struct report_row *row,
    struct err *e)
{
	err_code rc;

	rc = report_write(lg->report, index, row, e);
	if (rc != ERR_OK) {
		pacer_stop(lg->pacer, rc, "cannot write the report: %s",
		    err_message(e));
		return rc;
	}
	lg->by_status[row->status]++;
	if (lg->accounts != NULL)
		accounts_count_row(lg->accounts, row->key, row->status);
	lg->written++;
	if (report_space_low(lg->report))
		pacer_stop(lg->pacer, ERR_IO, "the disk holding the report %s "
		    "is full: stopped before a row could be lost",
		    lg->report_path);
	return ERR_OK;
}

void
ledger_write_unsent(struct ledger *lg, const struct plan_row *prow,
    size_t index, enum report_status st, const char *code,
    const char *message, int64_t now_ms, struct err *e)
{
	struct report_row row;

	memset(&row, 0, sizeof(row));
	row.line = prow->line;
	row.key = &prow->key;
	row.status = st;
	row.error_code = code;
	row.error_message = message;
	row.latency_ms = -1;
	row.finished_ms = st == REPORT_SKIPPED ? 0 : now_ms;
	row.extra = prow->extra;
	row.nextra = prow->nextra;
	ledger_write(lg, index, &row, e);
}

void
ledger_write_changed(struct ledger *lg, const struct plan_row *prow,
    size_t index, int64_t now_ms, struct err *e)
{
	/* Its key may repeat another row's: the resume reader lets a
	 * not-run row give way. */
	ledger_write_unsent(lg, prow, index, REPORT_NOT_RUN,
	    "mqreset.PlanChanged", "not sent: this line changed after the "
	    "plan was validated (the plan was edited during the run)", now_ms,
	    e);
}

/*
 * A row ok (or skipped) in a previous report: skipped, with the request id
 * and the time of the answer that proved it, so that the last report of a
 * chain still names the request that applied every row.
 */
static void
ledger_write_skipped(struct ledger *lg, const struct plan_row *prow,
    size_t index, const struct resume_prev *prev, struct err *e)
{
	struct report_row row;
	char why[256];
	int64_t fin = 0;

	snprintf(why, sizeof(why), "%s in %s line %lu, not sent again",
	    prev->status == REPORT_SKIPPED ? "skipped (applied earlier)" :
	    "ok", prev->report_name, prev->report_line);
	if (prev->finished_at == NULL || prev->finished_at[0] == '\0' ||
	    tstamp_parse_canonical(prev->finished_at, &fin) != ERR_OK)
		fin = 0;
	memset(&row, 0, sizeof(row));
	row.line = prow->line;
	row.key = &prow->key;
	row.status = REPORT_SKIPPED;
	row.request_id = prev->request_id;
	row.error_code = "";
	row.error_message = why;
	row.latency_ms = -1;
	row.finished_ms = fin;
	row.extra = prow->extra;
	row.nextra = prow->nextra;
	ledger_write(lg, index, &row, e);
}

/* A held row that the state shows applied (heldcheck.h): ok, verified
 * yes (the report's last extra column with --verify), not sent. */
static void
ledger_write_confirmed(struct ledger *lg, const struct plan_row *prow,
    size_t index, const char *readings, int64_t now_ms, struct err *e)
{
	struct report_row row;
	const char **x;
	char why[ATTEMPT_MSG_MAX];

	x = calloc(prow->nextra + 1, sizeof(*x));
	if (x == NULL) {
		pacer_stop(lg->pacer, ERR_NOMEM, "out of memory");
		return;
	}
	if (prow->nextra > 0)
		memcpy(x, prow->extra, prow->nextra * sizeof(*x));
	x[prow->nextra] = "yes";
	snprintf(why, sizeof(why), "applied (confirmed by read-back); not "
	    "sent again; %s", readings);
	memset(&row, 0, sizeof(row));
	row.line = prow->line;
	row.key = &prow->key;
	row.status = REPORT_OK;
	row.error_code = "";
	row.error_message = why;
	row.latency_ms = -1;
	row.finished_ms = now_ms;
	row.extra = x;
	row.nextra = prow->nextra + 1;
	ledger_write(lg, index, &row, e);
	free(x);
}

/* What --resume says about a plan row (RESUME_SEND without --resume). */
static enum resume_action
ledger_resume_action(struct ledger *lg, const struct plan_row *prow,
    struct resume_prev *prev)
{
	memset(prev, 0, sizeof(*prev));
	if (lg->resume == NULL)
		return RESUME_SEND;
	resume_match(lg->resume, &prow->key, prev);
	return resume_decide(prev, prow->key.type, lg->retry_ambiguous);
}

int
ledger_resume_row(struct ledger *lg, const struct plan_row *prow,
    size_t index, int write, int64_t now_ms, struct err *e)
{
	struct resume_prev prev;
	char why[256], rb[ATTEMPT_MSG_MAX];
	enum resume_action act;
	enum heldcheck_verdict hv;

	rb[0] = '\0';
	act = ledger_resume_action(lg, prow, &prev);
	if (act == RESUME_HOLD && lg->heldcheck != NULL) {
		hv = heldcheck_row(lg->heldcheck, index, &prow->key, rb,
		    sizeof(rb));
		if (hv == HELDCHECK_SEND)
			return 0;
		if (hv == HELDCHECK_APPLIED) {
			if (write)
				ledger_write_confirmed(lg, prow, index, rb,
				    now_ms, e);
			return 1;
		}
	}
	if (act != RESUME_SEND && !write)
		return 1;
	switch (act) {
	case RESUME_SEND:
		return 0;
	case RESUME_SKIP:
		ledger_write_skipped(lg, prow, index, &prev, e);
		return 1;
	case RESUME_HOLD: {
		char held[ATTEMPT_MSG_MAX];

		snprintf(why, sizeof(why), "type 0 row %s %s line %lu: "
		    "the backlog may have been cleared; not sent again "
		    "without --retry-ambiguous",
		    prev.seen == RESUME_SEEN_INFLIGHT ? "in flight and never "
		    "answered in" : "unknown in", prev.report_name,
		    prev.report_line);
		/* With the read-back (and its saved reading) when judged. */
		snprintf(held, sizeof(held), "%s%s%s", why, rb[0] != '\0' ?
		    "; " : "", rb);
		ledger_write_unsent(lg, prow, index, REPORT_UNKNOWN,
		    "mqreset.AmbiguousHeld", held, now_ms, e);
		lg->held++;
		return 1;
	}
	}
	return 0;
}

/* Tell the operator what the resume will do. */
static void
ledger_resume_say(const struct ledger *lg, size_t skip, size_t hold,
    size_t to_send)
{
	const struct resume_stats *st = resume_stats(lg->resume);

	if (st->truncated_line != 0)
		msg_warn("%s:%lu: last record cut short (the run was killed); "
		    "ignored", st->truncated_name, st->truncated_line);
	msg_info("resuming from %s%s: %zu row%s ok (skipped), %zu to send%s",
	    lg->resume_paths[0], lg->nresume > 1 ? " and the other reports "
	    "of its chain" : "", skip, skip == 1 ? "" : "s",
	    to_send - skip - hold, st->have_journal ? ", intent journal "
	    "read" : "");
	if (hold > 0)
		msg_warn("%zu type 0 row%s may already have cleared the "
		    "backlog (unknown or in flight when the previous run "
		    "ended): reported unknown and not sent; use "
		    "--retry-ambiguous to send %s again", hold, hold == 1 ?
		    "" : "s", hold == 1 ? "it" : "them");
	else if (lg->retry_ambiguous && st->in_flight > 0)
		msg_warn("--retry-ambiguous: sending again %zu type 0 "
		    "row%s that may already have been applied", st->in_flight,
		    st->in_flight == 1 ? "" : "s");
}

/*
 * A resume refused: name the report line that may have had an effect and
 * the plan line that now holds its instance, group and topic, if any
 * (one more pass over the plan).  The message is built in a copy: it must
 * not be formatted into the buffer it reads from.
 */
static err_code
ledger_resume_refuse(struct ledger *lg, const struct planpass *pp,
    const struct resume_conflict *c, struct err *e)
{
	struct plan_reader *r;
	struct plan_row row;
	char where[160];
	size_t index = 0;
	int eof = 0, changed;
	const char *plan = plan_display_name(pp->path);

	snprintf(where, sizeof(where), "no line of %s has its instance, "
	    "group and topic", plan);
	if (planpass_open(pp, &r, e) == ERR_OK) {
		while (planpass_next(pp, r, index++, &row, &eof, &changed,
		    e) == ERR_OK && !eof) {
			if (resume_same_place(lg->resume, c, &row.key)) {
				snprintf(where, sizeof(where), "%s:%lu now "
				    "holds its group and topic with another "
				    "type or reset time", plan, row.line);
				break;
			}
		}
		plan_close(r);
	}
	return err_set(e, ERR_MISMATCH, "%s:%lu: the row for plan line %lu "
	    "is %s (it may have been applied) but is not in %s unchanged: "
	    "%s%s; only rows that failed, were not-run or dry-run may be "
	    "edited or removed before a resume; refusing to resume", c->name,
	    c->report_line, c->plan_line, c->what, plan, where, c->count > 1 ?
	    " (other such rows too)" : "");
}

err_code
ledger_resume_load(struct ledger *lg, const struct planpass *pp,
    size_t *to_send, struct err *e)
{
	struct plan_reader *r;
	struct plan_row row;
	struct resume_prev prev;
	struct resume_conflict c;
	err_code rc;
	int eof, changed;
	size_t skip, hold, index;

	rc = resume_load_chain(&lg->resume, lg->resume_paths, lg->nresume, e);
	if (rc != ERR_OK)
		return rc;
	rc = planpass_open(pp, &r, e);
	skip = hold = index = 0;
	eof = 0;
	while (rc == ERR_OK && !eof) {
		rc = planpass_next(pp, r, index++, &row, &eof, &changed, e);
		if (rc != ERR_OK || eof)
			break;
		switch (ledger_resume_action(lg, &row, &prev)) {
		case RESUME_SKIP:
			skip++;
			break;
		case RESUME_HOLD:
			hold++;
			break;
		case RESUME_SEND:
			break;
		}
	}
	plan_close(r);
	if (rc == ERR_OK && resume_first_conflict(lg->resume, &c))
		rc = ledger_resume_refuse(lg, pp, &c, e);
	if (rc != ERR_OK)
		return rc;
	ledger_resume_say(lg, skip, hold, *to_send);
	*to_send -= skip + hold;
	return ERR_OK;
}

err_code
ledger_write_resumed(struct ledger *lg, const struct planpass *pp,
    struct err *e)
{
	struct plan_reader *r;
	struct plan_row row;
	size_t index;
	err_code rc;
	int eof, changed;

	/* The report takes its name only once these rows are in
	 * (report_publish), so a report of this run, even cut short by a
	 * kill -9, knows everything the previous one did. */
	rc = planpass_open(pp, &r, e);
	index = 0;
	eof = 0;
	while (rc == ERR_OK && !eof) {
		rc = planpass_next(pp, r, index, &row, &eof, &changed, e);
		if (rc != ERR_OK || eof)
			break;
		ledger_resume_row(lg, &row, index, 1,
		    pacer_wall_ms(lg->pacer), e);
		if (pacer_stopped(lg->pacer, NULL, 0) != ERR_OK)
			rc = pacer_stopped(lg->pacer, NULL, 0);
		index++;
	}
	plan_close(r);
	return rc;
}
