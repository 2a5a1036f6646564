/*
 * cmd.c - the subcommand table and the parsing shared by all commands.
 * See include/mqreset/cmd.h.  To add a command: write src/mqreset/cmd_NAME.c exporting
 * `const struct cmd cmd_NAME`, declare it below and add it to the table
 * (sorted by name).
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "msg.h"
#include "plan.h"

/* extern const struct cmd cmd_NAME; -- one line per command, sorted */
extern const struct cmd cmd_completion;
extern const struct cmd cmd_inventory;
extern const struct cmd cmd_plan;
extern const struct cmd cmd_report;
extern const struct cmd cmd_reset;
extern const struct cmd cmd_run;
extern const struct cmd cmd_validate;
extern const struct cmd cmd_whoami;

const struct cmd *const cmd_table[] = {
	/* &cmd_NAME, -- sorted by name */
	&cmd_completion,
	&cmd_inventory,
	&cmd_plan,
	&cmd_report,
	&cmd_reset,
	&cmd_run,
	&cmd_validate,
	&cmd_whoami,
	NULL
};

const struct cmd *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void
cmd_common_apply(const struct cmd_common *c)
{
	if (c->quiet)
		msg_set_level(MSG_ERROR);
	else if (c->debug)
		msg_set_level(MSG_DEBUG);
	else if (c->verbose > 0)
		msg_set_level(MSG_VERBOSE);
	else
		msg_set_level(MSG_INFO);
}

int
cmd_parse(const struct cmd *c, int argc, char **argv, void *cfg,
    size_t common_offset, struct opts_result *res)
{
	struct err e;
	const struct cmd_common *common;

	err_clear(&e);
	if (opts_parse(c->opts, c->nopts, argc, argv, 1, cfg, res, &e) !=
	    ERR_OK) {
		msg_error("%s", err_message(&e));
		return EXITCODE_INVALID;
	}
	common = (const struct cmd_common *)(const void *)((const char *)cfg +
	    common_offset);
	if (common->help) {
		opts_help(stdout, c->usage, c->summary, c->opts, c->nopts);
		opts_result_free(res);
		return EXITCODE_OK;
	}
	cmd_common_apply(common);
	return -1;
}

int
cmd_plan_format(const char *delimiter, const char *assume_offset,
    struct plan_options *po)
{
	struct err e;

	po->delimiter = 0;
	po->assume_offset = NULL;
	if (delimiter != NULL) {
		po->delimiter = plan_parse_delimiter(delimiter);
		if (po->delimiter == 0) {
			msg_error("--delimiter: '%s' is not a separator: give "
			    "',', ';' or tab", delimiter);
			return EXITCODE_INVALID;
		}
	}
	if (assume_offset != NULL) {
		err_clear(&e);
		if (plan_check_offset(assume_offset, &e) != ERR_OK) {
			msg_error("--assume-offset: %s", err_message(&e));
			return EXITCODE_INVALID;
		}
		po->assume_offset = assume_offset;
	}
	return -1;
}

err_code
cmd_conn_creds(const struct cmd_conn *c, struct creds **out, struct err *e)
{
	struct creds_options co;

	memset(&co, 0, sizeof co);
	co.profile = c->profile;
	co.sts_endpoint = c->sts_endpoint;
	co.metadata_endpoint = c->metadata_endpoint;
	co.cacert = c->cacert;
	return creds_load(&co, out, e);
}

err_code
cmd_conn_endpoint(const struct cmd_conn *c, const struct creds *cr,
    char *url, struct err *e)
{
	struct client_where where;

	memset(&where, 0, sizeof where);
	where.endpoint = c->endpoint;
	where.endpoint_type = c->endpoint_type;
	where.region = c->region;
	where.env_region = getenv("ALIBABA_CLOUD_REGION_ID");
	where.profile_region = cr != NULL ? creds_region(cr) : NULL;
	return client_endpoint(&where, url, e);
}

void
cmd_conn_client_config(const struct cmd_conn *c, const char *url,
    const struct creds *cr, int debug, struct client_config *cc)
{
	cc->endpoint = url;
	cc->signature_version = strcmp(c->sigver, "3") == 0 ? 3 : 1;
	cc->method = strcmp(c->method, "GET") == 0 ? CLIENT_GET : CLIENT_POST;
	cc->connect_timeout_ms = (long)(c->connect_timeout * 1000);
	cc->timeout_ms = (long)(c->timeout * 1000);
	cc->cacert = c->cacert;
	cc->debug = debug;
	cc->creds = cr;
}

const char *
cmd_conn_hint(err_code code)
{
	switch (code) {
	case ERR_TLS:
		return "TLS verification is always on; use --cacert FILE to "
		    "trust another CA";
	case ERR_OK:
	case ERR_USAGE:
	case ERR_PLAN:
	case ERR_PARSE:
	case ERR_EXISTS:
	case ERR_MISMATCH:
	case ERR_REMOTE:
	case ERR_NOMEM:
	case ERR_IO:
	case ERR_TOOBIG:
	case ERR_CRED:
	case ERR_NET:
	case ERR_RESOLVE:
	case ERR_TIMEOUT:
	case ERR_PROTO:
	case ERR_AUTH:
	case ERR_BADSTATE:
	case ERR_INTERRUPTED:
	case ERR_INTERNAL:
		break;
	}
	return NULL;
}
