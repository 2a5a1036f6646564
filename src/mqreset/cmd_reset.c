/*
 * cmd_reset.c - `mqreset reset --instance I --group G --topic T
 * (--clear | --to TIME) [--execute]`: one consumer-offset reset from the
 * command line.
 *
 * Design: the arguments get the checks of a plan row (ident.c, tstamp.c,
 * with the plan reader's wording); then credentials (creds.c), the
 * endpoint and one client (client.c).  Without --execute nothing is sent:
 * the request is built and signed as for real (so credential and signing
 * problems show up) and its parameters are printed, without the signature
 * or the security token.  With --execute it makes exactly one attempt -
 * no retries: a type 0 clear that may have been applied must not be
 * repeated behind the operator's back - and prints the outcome.
 *
 * Output: the result as "name: value" lines on stdout (for scripts);
 * messages on stderr through msg.  The outcome is reply.c's
 * classification, the one `run` uses.  Every error is kept as an err_code
 * and turned into the exit status by exitcode.c alone: 0 ok (or dry run),
 * 1 the reset failed (rejected, a transient failure: try again later, or
 * it may have been applied: check before sending it again), 2 invalid
 * arguments, 3 credentials, authentication, permission, clock, endpoint
 * or TLS failure.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "clock.h"
#include "cmd.h"
#include "creds.h"
#include "diag.h"
#include "exitcode.h"
#include "ident.h"
#include "msg.h"
#include "params.h"
#include "plan.h"
#include "reltime.h"
#include "reply.h"
#include "resetjson.h"
#include "tstamp.h"

struct reset_cfg {
	struct cmd_common common;  /* --help, --quiet, --verbose, --debug */
	struct cmd_conn conn;      /* connection options (cmd.h) */
	const char *instance;      /* --instance: InstanceId */
	const char *group;         /* --group: GroupId */
	const char *topic;         /* --topic: Topic */
	int clear;                 /* --clear: type 0 */
	const char *to;            /* --to TIME: type 1 */
	int execute;               /* --execute: really send */
	const char *format;        /* --format text|json */
};

static const struct opts_spec reset_opts[] = {
	CMD_COMMON_OPTS(struct reset_cfg),
	CMD_CONN_OPTS(struct reset_cfg),
	{ "clear", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  offsetof(struct reset_cfg, clear),
	  "type 0: clear the whole backlog" },
	{ "execute", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  offsetof(struct reset_cfg, execute),
	  "send the request (default: show it and send nothing)" },
	{ "format", 0, OPTS_STRING, "FORMAT", 0, 0, "text|json", "text",
	  offsetof(struct reset_cfg, format),
	  "the outcome as name: value lines, or one JSON object" },
	{ "group", 0, OPTS_STRING, "ID", 0, 0, NULL, NULL,
	  offsetof(struct reset_cfg, group), "consumer group ID (GroupId)" },
	{ "instance", 0, OPTS_STRING, "ID", 0, 0, NULL, NULL,
	  offsetof(struct reset_cfg, instance), "instance ID (InstanceId)" },
	{ "to", 0, OPTS_STRING, "TIME", 0, 0, NULL, NULL,
	  offsetof(struct reset_cfg, to),
	  "type 1: reset to TIME (ms since the epoch, RFC 3339 with "
	  "offset, or now, -2h, -30m, -1d)" },
	{ "topic", 0, OPTS_STRING, "NAME", 0, 0, NULL, NULL,
	  offsetof(struct reset_cfg, topic), "topic name (Topic)" },
};

static int reset_run(int argc, char **argv);

const struct cmd cmd_reset = {
	"reset",
	"mqreset reset --instance ID --group ID --topic NAME "
	"(--clear | --to TIME) [--execute] [options]",
	"reset one consumer offset (dry run unless --execute)",
	reset_opts,
	sizeof reset_opts / sizeof reset_opts[0],
	reset_run,
};

/* Check one identifier as a plan row would; nonzero on error. */
static int
reset_check_ident(enum ident_kind kind, const char *opt, const char *v)
{
	char why[256], q[DIAG_QUOTE_MAX];
	enum ident_verdict verdict;

	if (v == NULL) {
		msg_error("--%s is required", opt);
		return 1;
	}
	verdict = ident_check(kind, v, why, sizeof why);
	if (verdict == IDENT_OK)
		return 0;
	if (*v == '\0')
		msg_error("--%s: %s", opt, why);
	else
		msg_log(verdict == IDENT_ERROR ? MSG_ERROR : MSG_WARN,
		    "--%s: %s '%s': %s", opt, ident_kind_name(kind),
		    diag_quote(v, q, sizeof q), why);
	return verdict == IDENT_ERROR;
}

/* The row checks; fills *req.  Returns ERR_OK, or ERR_USAGE after the
 * messages. */
static err_code
reset_check_args(const struct reset_cfg *cfg, struct plan_key *req)
{
	char q[DIAG_QUOTE_MAX];
	struct err te;
	int bad;

	bad = 0;
	bad |= reset_check_ident(IDENT_INSTANCE, "instance", cfg->instance);
	bad |= reset_check_ident(IDENT_GROUP, "group", cfg->group);
	bad |= reset_check_ident(IDENT_TOPIC, "topic", cfg->topic);
	if (cfg->clear && cfg->to != NULL) {
		msg_error("--clear and --to exclude each other: type 0 "
		    "(clear) takes no timestamp");
		bad = 1;
	} else if (!cfg->clear && cfg->to == NULL) {
		msg_error("one of --clear (type 0) or --to TIME "
		    "(type 1) is required");
		bad = 1;
	}
	memset(req, 0, sizeof *req);
	req->instance = cfg->instance;
	req->group = cfg->group;
	req->topic = cfg->topic;
	req->type = cfg->clear ? PLAN_TYPE_CLEAR : PLAN_TYPE_TIMESTAMP;
	req->reset_ms = -1;
	if (cfg->to != NULL) {
		int64_t now = clock_wall_ms();
		err_code rc;

		err_clear(&te);
		/* At a terminal, "two hours ago" is what the operator means;
		 * a plan refuses it (it must mean the same next week). */
		if (cfg->to[0] == '-' || cfg->to[0] == '+' ||
		    strcasecmp(cfg->to, "now") == 0) {
			rc = reltime_parse(cfg->to, now, &req->reset_ms, &te);
			if (rc == ERR_OK)
				rc = tstamp_check_range(req->reset_ms, now,
				    &te);
		} else
			rc = tstamp_parse(cfg->to, now, &req->reset_ms, &te);
		if (rc != ERR_OK) {
			msg_error("--to: timestamp '%s': %s",
			    diag_quote(cfg->to, q, sizeof q), te.msg);
			bad = 1;
		}
	}
	return bad ? ERR_USAGE : ERR_OK;
}

/*
 * The reset time for messages, in the terms the operator wrote --to in
 * (tstamp_show(): its offset; UTC with the milliseconds for a count or a
 * relative time) into when[TSTAMP_SHOW_MAX].
 */
static const char *
reset_when(const struct reset_cfg *cfg, const struct plan_key *req,
    char *when)
{
	char t[TSTAMP_FMT_MAX];

	if (cfg->to != NULL && reltime_is_relative(cfg->to)) {
		snprintf(when, TSTAMP_SHOW_MAX, "%s (%lld ms)",
		    tstamp_format(req->reset_ms, t),
		    (long long)req->reset_ms);
		return when;
	}
	return tstamp_show(req->reset_ms, cfg->to, when);
}

/* The outcome as "name: value" lines on stdout. */
static void
reset_print_text(const struct reply *r, const char *status)
{
	printf("status: %s\n", status);
	printf("outcome: %s\n", reply_class_name(r->cls));
	if (r->http_status != 0)
		printf("http_status: %ld\n", r->http_status);
	printf("request_id: %s\n", r->request_id);
	if (r->code[0] != '\0')
		printf("code: %s\n", r->code);
	if (r->message[0] != '\0')
		printf("message: %s\n", r->message);
	if (r->recommend[0] != '\0')
		printf("recommend: %s\n", r->recommend);
	printf("latency_ms: %lld\n", (long long)(r->latency_us / 1000));
	if (r->maybe_applied)
		printf("maybe_applied: yes\n");
}

/* Print the dry run: what would be sent.  Returns ERR_OK or the error
 * (message in *e). */
static err_code
reset_dry_run(struct client *cl, const char *endpoint,
    const struct reset_cfg *cfg, const struct plan_key *req,
    struct err *e)
{
	struct params p, shown;
	char when[TSTAMP_SHOW_MAX];
	struct resetjson j;
	char *text;
	size_t i;
	err_code rc;

	params_init(&p);
	params_init(&shown);
	rc = client_reset_params(req, &p);
	if (rc != ERR_OK)
		err_set(e, rc, "cannot build the request");
	else
		rc = client_preview(cl, "OnsConsumerResetOffset", &p, &shown,
		    e);
	if (rc != ERR_OK)
		goto done;
	if (req->type != PLAN_TYPE_CLEAR)
		reset_when(cfg, req, when);
	if (strcmp(cfg->format, "json") == 0) {
		memset(&j, 0, sizeof j);
		j.status = "dry-run";
		j.latency_ms = -1;
		j.endpoint = endpoint;
		j.key = req;
		j.reset_time = req->type != PLAN_TYPE_CLEAR ? when : NULL;
		text = resetjson_format(&j);
		if (text == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
		else
			printf("%s\n", text);
		free(text);
		goto done;
	}
	printf("dry run: would send OnsConsumerResetOffset to %s "
	    "(%s, signature v%s)\n", endpoint, cfg->conn.method,
	    cfg->conn.sigver);
	for (i = 0; i < shown.n; i++)
		printf("  %s: %s\n", shown.items[i].name, shown.items[i].value);
	if (req->type == PLAN_TYPE_CLEAR)
		printf("effect: type 0 clears the whole backlog of group "
		    "'%s' on topic '%s'; it cannot be undone\n", req->group,
		    req->topic);
	else
		printf("effect: type 1 moves group '%s' on topic '%s' to %s\n",
		    req->group, req->topic, when);
	printf("nothing was sent; add --execute to send it\n");
done:
	params_free(&p);
	params_free(&shown);
	return rc;
}

/* Advice for a failure, from what the classification says it points
 * at (reply.c's table), not from matching Codes here, and from the
 * error code (an option that can fix it). */
static void
reset_advice(const struct reply *r, const struct creds *cr)
{
	if (cmd_conn_hint(r->err) != NULL)
		msg_error("%s", cmd_conn_hint(r->err));
	switch (r->cause) {
	case REPLY_CAUSE_CREDENTIALS:
		msg_error("check the credentials from %s (AccessKeyId "
		    "%s)", creds_source(cr), creds_key_hint(cr));
		break;
	case REPLY_CAUSE_CLOCK:
		msg_error("check this machine's clock: the service "
		    "allows 15 minutes of skew");
		break;
	case REPLY_CAUSE_PERMISSION:
		msg_error("the credentials from %s (AccessKeyId %s) "
		    "may not reset consumer offsets (RAM action "
		    "mq:ResetConsumerOffset)", creds_source(cr),
		    creds_key_hint(cr));
		break;
	case REPLY_CAUSE_ENDPOINT:
		msg_error("check --region or --endpoint");
		break;
	case REPLY_CAUSE_INSTANCE:
		msg_error("check --instance: the instance does not "
		    "exist in this region or belongs to another account");
		break;
	case REPLY_CAUSE_NONE:
	case REPLY_CAUSE_REQUEST:
	case REPLY_CAUSE_SERVICE:
		break;
	}
}

/* The outcome as one JSON object on stdout (--format json). */
static void
reset_print_json(const struct reset_cfg *cfg, const char *endpoint,
    const struct plan_key *req, const struct reply *r, const char *status)
{
	struct resetjson j;
	char when[TSTAMP_SHOW_MAX], *text;

	memset(&j, 0, sizeof j);
	j.status = status;
	j.outcome = reply_class_name(r->cls);
	j.request_id = r->request_id;
	j.http_status = r->http_status;
	j.code = r->code;
	j.message = r->cls != REPLY_OK ? (r->message[0] != '\0' ? r->message :
	    r->detail) : NULL;
	j.recommend = r->recommend;
	j.maybe_applied = r->maybe_applied;
	j.latency_ms = (int64_t)(r->latency_us / 1000);
	j.endpoint = endpoint;
	j.key = req;
	if (req->type != PLAN_TYPE_CLEAR)
		j.reset_time = reset_when(cfg, req, when);
	text = resetjson_format(&j);
	if (text == NULL)
		msg_error("out of memory");
	else
		printf("%s\n", text);
	free(text);
}

/* Send it and print the outcome; returns the exit status. */
static enum exitcode
reset_execute(struct client *cl, const struct creds *cr,
    const struct plan_key *req, const struct reset_cfg *cfg,
    const char *endpoint)
{
	struct reply r;
	struct err e;
	enum exitcode st;
	const char *status;

	reply_init(&r);
	err_clear(&e);
	(void)client_reset_offset(cl, req, &r, &e);
	status = r.cls == REPLY_OK ? "ok" : r.maybe_applied ? "unknown" :
	    "failed";
	if (strcmp(cfg->format, "json") == 0)
		reset_print_json(cfg, endpoint, req, &r, status);
	else
		reset_print_text(&r, status);
	/*
	 * One row, through the one mapping (exitcode.c): a fatal class ends
	 * the command with its own error (authentication, TLS, a name that
	 * does not resolve: 3); any other failure, retryable or not, is
	 * this row failing (1).
	 */
	st = exitcode_from_outcome(ERR_OK, 0, r.cls != REPLY_OK);
	switch (r.cls) {
	case REPLY_OK:
		msg_info("done (RequestId %s)", r.request_id);
		break;
	case REPLY_FATAL:
		msg_error("%s", err_message(&e));
		reset_advice(&r, cr);
		st = exitcode_from_outcome(r.err != ERR_OK ? r.err : ERR_AUTH,
		    0, 1);
		break;
	case REPLY_RETRYABLE:
	case REPLY_RECONSUME_LATER:
		if (r.maybe_applied)
			msg_error("%s", err_message(&e));
		else
			msg_error("%s; this is transient: try again later",
			    err_message(&e));
		break;
	case REPLY_FAILED_ROW:
	case REPLY_FAILED_INSTANCE:
		msg_error("%s", err_message(&e));
		reset_advice(&r, cr);
		break;
	}
	if (r.maybe_applied) {
		/* Never "try again" here: a second clear is not the same as
		 * one. */
		msg_warn("the request was sent and no answer says it "
		    "was not applied: it may have been applied; check the "
		    "group before sending it again%s",
		    req->type == PLAN_TYPE_CLEAR ?
		    " (a type 0 clear cannot be undone)" : "");
	}
	reply_free(&r);
	return st;
}

static int
reset_run(int argc, char **argv)
{
	struct reset_cfg cfg;
	struct opts_result res;
	struct plan_key req;
	struct client_config cc;
	struct creds *cr;
	struct client *cl;
	char endpoint[CLIENT_URL_MAX];
	struct err e;
	err_code rc;
	int st, inited;

	memset(&cfg, 0, sizeof cfg);
	memset(&res, 0, sizeof res);
	memset(&cc, 0, sizeof cc);
	cr = NULL;
	cl = NULL;
	inited = 0;
	st = cmd_parse(&cmd_reset, argc, argv, &cfg,
	    offsetof(struct reset_cfg, common), &res);
	if (st >= 0)
		return st;
	st = EXITCODE_OK;
	err_clear(&e);
	if (res.npos > 0) {
		msg_error("unexpected argument '%s' (usage: %s)", res.pos[0],
		    cmd_reset.usage);
		rc = ERR_USAGE;
		goto done;
	}
	/* Messages for these two are printed where they are found. */
	rc = reset_check_args(&cfg, &req);
	if (rc != ERR_OK)
		goto done;
	/* libcurl first: role credentials are fetched over HTTPS. */
	rc = client_global_init();
	if (rc != ERR_OK)
		err_set(&e, rc, "cannot initialise libcurl");
	inited = rc == ERR_OK;
	if (rc == ERR_OK)
		rc = cmd_conn_creds(&cfg.conn, &cr, &e);
	if (rc == ERR_OK) {
		msg_verbose("credentials from %s (AccessKeyId %s%s)",
		    creds_source(cr), creds_key_hint(cr),
		    creds_token(cr) != NULL ? ", STS" : "");
		rc = cmd_conn_endpoint(&cfg.conn, cr, endpoint, &e);
	}
	if (rc == ERR_OK) {
		cmd_conn_client_config(&cfg.conn, endpoint, cr,
		    cfg.common.debug, &cc);
		cl = client_new(&cc, &e);
		if (cl == NULL)
			rc = e.code != ERR_OK ? e.code : ERR_INTERNAL;
	}
	if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		goto done;
	}
	if (cfg.execute)
		st = reset_execute(cl, cr, &req, &cfg, endpoint);
	else {
		rc = reset_dry_run(cl, endpoint, &cfg, &req, &e);
		if (rc != ERR_OK)
			msg_error("%s", err_message(&e));
	}
done:
	if (rc != ERR_OK)
		st = exitcode_from_err(rc);
	client_destroy(cl);
	creds_destroy(cr);
	if (inited)
		client_global_cleanup();
	opts_result_free(&res);
	return st; /* main() checks that stdout was written */
}
