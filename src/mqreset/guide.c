/*
 * guide.c - the run's guidance for the operator.  See
 * include/mqreset/guide.h.
 */
#include "guide.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg.h"

/* "s" unless n is 1. */
static const char *
guide_s(size_t n)
{
	return n == 1 ? "" : "s";
}

int
guide_banner_line(const struct guide_banner *b, size_t i, char *out,
    size_t size)
{
	char resume[192];

	switch (i) {
	case 0:
		snprintf(out, size, "%s %s%s, report %s",
		    b->execute ? "applying" : "dry run of",
		    b->plan != NULL ? b->plan : "?",
		    b->execute ? "" : b->offline ? " (offline: nothing is "
		    "sent)" : " (nothing is sent)",
		    b->report != NULL ? b->report : "?");
		return 1;
	case 1:
		snprintf(out, size, "  endpoint %s%s%s%s",
		    b->endpoint != NULL ? b->endpoint : "?",
		    b->region != NULL ? " (region " : "",
		    b->region != NULL ? b->region : "",
		    b->region != NULL ? ")" : "");
		return 1;
	case 2:
		if (b->offline) {
			snprintf(out, size, "  credentials: none read "
			    "(--offline signs with a placeholder key)");
			return 1;
		}
		snprintf(out, size, "  credentials: AccessKeyId %s from %s",
		    b->key_hint != NULL ? b->key_hint : "?",
		    b->cred_source != NULL ? b->cred_source : "?");
		return 1;
	case 3:
		resume[0] = '\0';
		if (b->resume)
			snprintf(resume, sizeof resume, ", %zu to send after "
			    "--resume", b->to_send);
		if (b->held > 0)
			snprintf(resume + strlen(resume), sizeof resume -
			    strlen(resume), ", %zu held back by the preflight "
			    "(%zu type 0)", b->held, b->held_type0);
		snprintf(out, size, "  rows: %zu%s, type 0 (clears the whole "
		    "backlog, for good): %zu; rate %.1f req/s, %u worker%s",
		    b->rows, resume, b->type0, b->rate, b->workers,
		    guide_s(b->workers));
		return 1;
	}
	return 0;
}

void
guide_banner_print(const struct guide_banner *b)
{
	char line[GUIDE_LINE_MAX];
	size_t i;

	for (i = 0; guide_banner_line(b, i, line, sizeof line); i++)
		msg_info("%s", line);
}

int
guide_should_confirm(int execute, int yes, int tty, size_t type0)
{
	return execute && !yes && tty && type0 > 0;
}

void
guide_confirm_question(size_t type0, int resume, char *out, size_t size)
{
	snprintf(out, size, "clear %s%zu backlog%s? [y/N] ",
	    resume ? "up to " : "", type0, guide_s(type0));
}

int
guide_answer_is_yes(const char *answer)
{
	size_t n;

	while (*answer == ' ' || *answer == '\t')
		answer++;
	n = strcspn(answer, " \t\r\n");
	if (answer[n + strspn(answer + n, " \t\r\n")] != '\0')
		return 0;
	return (n == 1 && strncasecmp(answer, "y", 1) == 0) ||
	    (n == 3 && strncasecmp(answer, "yes", 3) == 0);
}

int
guide_confirm(FILE *in, FILE *out, size_t type0, int resume)
{
	char q[128], line[64];

	guide_confirm_question(type0, resume, q, sizeof q);
	fputs(q, out);
	fflush(out);
	if (fgets(line, sizeof line, in) == NULL) {
		fputc('\n', out);
		return 0;
	}
	return guide_answer_is_yes(line);
}

int
guide_rate_warning(double rate, char *out, size_t size)
{
	out[0] = '\0';
	if (!(rate > GUIDE_QUOTA_RATE))
		return 0;
	snprintf(out, size, "--rate %.1f is above the documented quota of "
	    "OnsConsumerResetOffset, %.0f requests per second per account "
	    "(root and RAM users together, every client of the account "
	    "shares it): expect throttling, which slows the run down and "
	    "fails other tools using the account at the same time",
	    rate, GUIDE_QUOTA_RATE);
	return 1;
}

/* What the service refused, by cause and Code. */
static const char *
guide_refused(enum reply_cause cause)
{
	switch (cause) {
	case REPLY_CAUSE_CREDENTIALS:
		return "the service refused the credentials";
	case REPLY_CAUSE_CLOCK:
		return "the service refused the request's time";
	case REPLY_CAUSE_PERMISSION:
		return "the service refused the permission";
	case REPLY_CAUSE_ENDPOINT:
		return "the endpoint does not serve this service or region";
	case REPLY_CAUSE_REQUEST:
		return "the service refused the request's form";
	case REPLY_CAUSE_INSTANCE:
		return "the service refused the instance";
	case REPLY_CAUSE_NONE:
	case REPLY_CAUSE_SERVICE:
		break;
	}
	return "the service refused the request";
}

/* What to check for a credentials Code. */
static const char *
guide_cred_check(const char *code)
{
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
		return "the AccessKeySecret does not belong to this "
		    "AccessKeyId: check the secret stored with it";
	if (strncmp(code, "InvalidAccessKeyId.Inactive", 27) == 0)
		return "the AccessKey is disabled: enable it in the RAM "
		    "console or use another";
	if (strncmp(code, "InvalidAccessKeyId", 18) == 0)
		return "the service knows no such AccessKeyId: check the key "
		    "ID and that it was not deleted";
	if (strncmp(code, "InvalidSecurityToken", 20) == 0)
		return "the STS security token is expired or does not belong "
		    "to these keys: get new STS credentials";
	return "check that the key ID, its secret (and STS token) belong "
	    "together and that the key is enabled";
}

void
guide_fatal_reason(enum reply_cause cause, const char *code,
    unsigned long line, char *out, size_t size)
{
	snprintf(out, size, "%s at line %lu (%s)", guide_refused(cause),
	    line, code != NULL && code[0] != '\0' ? code : "no code");
}

void
guide_fatal_advice(enum reply_cause cause, const char *code,
    const char *cred_source, const char *key_hint, char *out, size_t size)
{
	char what[256];
	const char *src = cred_source != NULL ? cred_source : "?";
	const char *key = key_hint != NULL ? key_hint : "?";

	if (code == NULL)
		code = "";
	snprintf(what, sizeof what, "%s (%s)", guide_refused(cause),
	    code[0] != '\0' ? code : "no code");
	switch (cause) {
	case REPLY_CAUSE_CREDENTIALS:
		snprintf(out, size, "%s: AccessKeyId %s from %s; %s", what,
		    key, src, guide_cred_check(code));
		return;
	case REPLY_CAUSE_CLOCK:
		snprintf(out, size, "%s: check this machine's clock (the "
		    "service allows 15 minutes of skew)", what);
		return;
	case REPLY_CAUSE_PERMISSION:
		snprintf(out, size, "%s: AccessKeyId %s from %s may not reset "
		    "consumer offsets (RAM action mq:ResetConsumerOffset) on "
		    "this instance", what, key, src);
		return;
	case REPLY_CAUSE_ENDPOINT:
		snprintf(out, size, "%s: check the region and the endpoint",
		    what);
		return;
	case REPLY_CAUSE_REQUEST:
	case REPLY_CAUSE_INSTANCE:
	case REPLY_CAUSE_NONE:
	case REPLY_CAUSE_SERVICE:
		break;
	}
	snprintf(out, size, "%s: AccessKeyId %s from %s", what, key, src);
}

void
guide_lines_init(struct guide_lines *g)
{
	memset(g, 0, sizeof *g);
}

void
guide_lines_add(struct guide_lines *g, unsigned long line)
{
	size_t i;

	g->total++;
	if (g->n == GUIDE_LINES_MAX && line >= g->line[g->n - 1])
		return;
	if (g->n < GUIDE_LINES_MAX)
		g->n++;
	/* Insert in order; the largest falls off when full. */
	for (i = g->n - 1; i > 0 && g->line[i - 1] > line; i--)
		g->line[i] = g->line[i - 1];
	g->line[i] = line;
}

void
guide_lines_format(const struct guide_lines *g, char *out, size_t size)
{
	size_t i, k = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < g->n && k < size; i++) {
		w = snprintf(out + k, size - k, "%s%lu", i > 0 ? ", " : "",
		    g->line[i]);
		if (w < 0)
			return;
		k += (size_t)w;
	}
	if (g->total > g->n && k < size)
		snprintf(out + k, size - k, " (and %zu more)",
		    g->total - g->n);
}
