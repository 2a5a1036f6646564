/*
 * summary.c - the end-of-run summary, for humans and for pipelines.
 * See include/mqreset/summary.h for the JSON keys (a stable interface).
 *
 * The JSON is built with cJSON, which stays inside this file.
 */
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "msg.h"

void
summary_init(struct summary *s)
{
	memset(s, 0, sizeof(*s));
}

double
summary_mean_rate(const struct summary *s)
{
	if (s->requests < SUMMARY_RATE_MIN_REQUESTS ||
	    s->elapsed_s < SUMMARY_RATE_MIN_S)
		return 0.0;
	return (double)s->requests / s->elapsed_s;
}

/* "N ok, M failed" of a by_status array into out ("none" when 0). */
static void
summary_counts(const size_t *by, char *out, size_t size)
{
	size_t n = 0, i;
	int first = 1;

	out[0] = '\0';
	for (i = 0; i < REPORT_NSTATUS; i++) {
		if (by[i] == 0)
			continue;
		n += (size_t)snprintf(out + n, size - n, "%s%zu %s",
		    first ? "" : ", ", by[i],
		    report_status_text((enum report_status)i));
		first = 0;
		if (n >= size)
			break;
	}
	if (first)
		snprintf(out, size, "none");
}

/* One line per account of a plan naming several. */
static void
summary_print_accounts(const struct summary *s)
{
	char counts[256];
	size_t i;

	for (i = 0; i < s->naccounts; i++) {
		const struct summary_account *a = &s->accounts[i];

		summary_counts(a->by_status, counts, sizeof counts);
		msg_info("  profile %s%s%s%s: %zu row%s: %s; %llu request%s, "
		    "%llu throttled",
		    a->profile[0] != '\0' ? a->profile : "(default)",
		    a->region[0] != '\0' ? " (region " : "", a->region,
		    a->region[0] != '\0' ? ")" : "", a->rows,
		    a->rows == 1 ? "" : "s", counts,
		    (unsigned long long)a->requests,
		    a->requests == 1 ? "" : "s",
		    (unsigned long long)a->throttled);
	}
}

void
summary_print(const struct summary *s)
{
	char counts[256], rate[48];
	size_t n, i;
	int first;

	n = 0;
	first = 1;
	counts[0] = '\0';
	for (i = 0; i < REPORT_NSTATUS; i++) {
		if (s->by_status[i] == 0)
			continue;
		n += (size_t)snprintf(counts + n, sizeof(counts) - n, "%s%zu %s",
		    first ? "" : ", ", s->by_status[i],
		    report_status_text((enum report_status)i));
		first = 0;
		if (n >= sizeof(counts))
			break;
	}
	msg_info("%s %s: %zu row%s: %s", s->execute ? "run" : "dry run",
	    s->aborted ? "stopped" : "done", s->rows, s->rows == 1 ? "" : "s",
	    first ? "none" : counts);
	if (s->aborted && s->stop_reason[0] != '\0')
		msg_info("stopped because: %s", s->stop_reason);
	summary_print_accounts(s);
	if (s->bad_lines.total > 0) {
		char lines[GUIDE_LINES_MAX * 24];

		guide_lines_format(&s->bad_lines, lines, sizeof lines);
		msg_info("failed or unknown, plan line%s %s (the report has "
		    "each row's error)", s->bad_lines.total == 1 ? "" : "s",
		    lines);
	}
	/* No rate over too short an interval or a single request: 1
	 * request in 7 ms is not 148 requests per second. */
	rate[0] = '\0';
	if (summary_mean_rate(s) > 0)
		snprintf(rate, sizeof rate, "%.2f req/s, ",
		    summary_mean_rate(s));
	if (s->execute)
		msg_info("%llu request%s in %.1f s (%slimit %.1f%s, "
		    "now %.1f), %llu retr%s, %llu throttled repl%s, "
		    "%llu rate cut%s, %llu connection%s for %u worker%s",
		    (unsigned long long)s->requests, s->requests == 1 ? "" : "s",
		    s->elapsed_s, rate, s->rate_limit,
		    s->naccounts > 0 ? " per account" : "", s->final_rate,
		    (unsigned long long)s->retries,
		    s->retries == 1 ? "y" : "ies",
		    (unsigned long long)s->throttled,
		    s->throttled == 1 ? "y" : "ies",
		    (unsigned long long)s->rate_cuts,
		    s->rate_cuts == 1 ? "" : "s",
		    (unsigned long long)s->connections,
		    s->connections == 1 ? "" : "s", s->workers,
		    s->workers == 1 ? "" : "s");
	else
		msg_info("nothing was sent (add --execute to apply); %.1f s",
		    s->elapsed_s);
	if (s->assume_offset != NULL)
		msg_info("plan times without an offset were read as %s "
		    "(--assume-offset)", s->assume_offset);
	if (s->assume_tz != NULL)
		msg_info("plan times without an offset were read as civil "
		    "times in %s (--assume-tz)", s->assume_tz);
	if (s->held_ambiguous > 0)
		msg_info("%zu type 0 row%s held as unknown: the previous run "
		    "may have cleared %s backlog; --retry-ambiguous sends "
		    "%s again", s->held_ambiguous,
		    s->held_ambiguous == 1 ? "" : "s",
		    s->held_ambiguous == 1 ? "its" : "their",
		    s->held_ambiguous == 1 ? "it" : "them");
	if (s->verify)
		msg_info("verified: %zu yes, %zu no, %zu unknown%s",
		    s->verified[1], s->verified[2], s->verified[3],
		    s->verified[2] + s->verified[3] > 0 ? " (acknowledged "
		    "resets the state does not show: see the report's "
		    "verified column)" : "");
	if (s->undo_plan != NULL)
		msg_info("undo plan: %s (%zu row%s)", s->undo_plan,
		    s->undo_rows, s->undo_rows == 1 ? "" : "s");
	if (s->verify || s->undo_plan != NULL)
		msg_info("%llu read-only call%s to read positions back",
		    (unsigned long long)s->reads, s->reads == 1 ? "" : "s");
	msg_info("report: %s", s->report);
}

/* "accounts": one object per account (only for a plan naming them). */
static int
summary_json_accounts(cJSON *o, const struct summary *s)
{
	cJSON *arr, *a, *st;
	size_t i, k;

	if (s->naccounts == 0)
		return 1;
	arr = cJSON_AddArrayToObject(o, "accounts");
	if (arr == NULL)
		return 0;
	for (i = 0; i < s->naccounts; i++) {
		const struct summary_account *sa = &s->accounts[i];

		a = cJSON_CreateObject();
		if (a == NULL || !cJSON_AddItemToArray(arr, a)) {
			cJSON_Delete(a);
			return 0;
		}
		st = cJSON_AddObjectToObject(a, "status");
		if (cJSON_AddStringToObject(a, "profile", sa->profile) == NULL ||
		    cJSON_AddStringToObject(a, "region", sa->region) == NULL ||
		    st == NULL)
			return 0;
		cJSON_AddNumberToObject(a, "rows", (double)sa->rows);
		for (k = 0; k < REPORT_NSTATUS; k++)
			cJSON_AddNumberToObject(st, report_status_text(
			    (enum report_status)k), (double)sa->by_status[k]);
		cJSON_AddNumberToObject(a, "requests", (double)sa->requests);
		cJSON_AddNumberToObject(a, "throttled", (double)sa->throttled);
	}
	return 1;
}

err_code
summary_write_json(const struct summary *s, const char *path, struct err *e)
{
	cJSON *o, *st;
	char *text;
	size_t i;
	err_code rc;
	int ok;

	o = cJSON_CreateObject();
	st = cJSON_CreateObject();
	ok = o != NULL && st != NULL;
	if (ok) {
		cJSON_AddStringToObject(o, "plan", s->plan ? s->plan : "");
		cJSON_AddStringToObject(o, "report", s->report ? s->report :
		    "");
		cJSON_AddStringToObject(o, "mode", s->execute ? "execute" :
		    "dry-run");
		cJSON_AddStringToObject(o, "outcome", s->aborted ? "aborted" :
		    "completed");
		cJSON_AddStringToObject(o, "stop_reason", s->stop_reason);
		cJSON_AddNumberToObject(o, "rows", (double)s->rows);
		for (i = 0; i < REPORT_NSTATUS; i++)
			cJSON_AddNumberToObject(st, report_status_text(
			    (enum report_status)i), (double)s->by_status[i]);
		cJSON_AddItemToObject(o, "status", st);
		st = NULL;
		cJSON_AddNumberToObject(o, "requests", (double)s->requests);
		cJSON_AddNumberToObject(o, "retries", (double)s->retries);
		cJSON_AddNumberToObject(o, "throttled", (double)s->throttled);
		cJSON_AddNumberToObject(o, "rate_cuts", (double)s->rate_cuts);
		cJSON_AddNumberToObject(o, "connections",
		    (double)s->connections);
		cJSON_AddNumberToObject(o, "workers", (double)s->workers);
		cJSON_AddNumberToObject(o, "rate_limit", s->rate_limit);
		cJSON_AddNumberToObject(o, "final_rate", s->final_rate);
		cJSON_AddNumberToObject(o, "elapsed_s", s->elapsed_s);
		cJSON_AddNumberToObject(o, "mean_rate", summary_mean_rate(s));
		cJSON_AddNumberToObject(o, "cpu_s", s->cpu_s);
		cJSON_AddNumberToObject(o, "held_ambiguous",
		    (double)s->held_ambiguous);
		cJSON_AddNumberToObject(o, "exit_status", s->exit_status);
		if (s->assume_offset != NULL)
			cJSON_AddStringToObject(o, "assume_offset",
			    s->assume_offset);
		if (s->verify) {
			cJSON *v = cJSON_AddObjectToObject(o, "verified");

			if (v != NULL) {
				cJSON_AddNumberToObject(v, "yes",
				    (double)s->verified[1]);
				cJSON_AddNumberToObject(v, "no",
				    (double)s->verified[2]);
				cJSON_AddNumberToObject(v, "unknown",
				    (double)s->verified[3]);
			}
		}
		if (s->undo_plan != NULL) {
			cJSON_AddStringToObject(o, "undo_plan", s->undo_plan);
			cJSON_AddNumberToObject(o, "undo_rows",
			    (double)s->undo_rows);
		}
		if (s->verify || s->undo_plan != NULL)
			cJSON_AddNumberToObject(o, "reads", (double)s->reads);
		ok = summary_json_accounts(o, s);
		if (s->assume_tz != NULL)
			cJSON_AddStringToObject(o, "assume_tz", s->assume_tz);
	}
	text = ok ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	cJSON_Delete(st);
	if (text == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (strcmp(path, "-") == 0) {
		rc = ERR_OK;
		if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF ||
		    fflush(stdout) != 0)
			rc = err_set_errno(e, ERR_IO, errno, "cannot write the "
			    "summary to standard output");
	} else {
		size_t n = strlen(text);

		text[n] = '\n'; /* cJSON_Print's NUL becomes the line end */
		rc = fsutil_write_file(path, text, n + 1, e);
	}
	cJSON_free(text);
	return rc;
}
