/*
 * cmd_whoami.c - `mqreset whoami [options]`: which credentials the other
 * commands would use, without calling the Ons API.
 *
 * Design: the same chain as run and reset (cmd_conn_creds, so the same
 * --profile, --sts-endpoint, --metadata-endpoint), with a trace callback
 * that collects what each source said.  Role credentials are really
 * fetched (STS, metadata service, URI), so a working answer means the
 * role can be assumed.  Stdout gets "name: value" lines: the source, the
 * key id as its hint (never the secret), whether it is an STS token, the
 * role and the expiry.  With no working source, every source's answer
 * goes to stderr and the exit status is 3, as for run and reset.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "cmd.h"
#include "creds.h"
#include "exitcode.h"
#include "msg.h"
#include "tstamp.h"

struct whoami_cfg {
	struct cmd_common common; /* --help, --quiet, --verbose, --debug */
	struct cmd_conn conn;     /* --profile, --sts-endpoint, ... */
};

static const struct opts_spec whoami_opts[] = {
	CMD_COMMON_OPTS(struct whoami_cfg),
	CMD_CONN_OPTS(struct whoami_cfg),
};

static int whoami_run(int argc, char **argv);

const struct cmd cmd_whoami = {
	"whoami",
	"mqreset whoami [options]",
	"show which credentials would be used (source, key id, role, expiry)",
	whoami_opts,
	sizeof whoami_opts / sizeof whoami_opts[0],
	whoami_run,
};

/* What each source said, in order. */
struct whoami_trail {
	char lines[16][ERR_MSG_MAX + 64]; /* "source: said" */
	size_t n;                         /* lines used */
};

static void
whoami_trace(void *arg, const char *source, const char *said)
{
	struct whoami_trail *t = arg;

	if (t->n < sizeof t->lines / sizeof t->lines[0])
		snprintf(t->lines[t->n++], sizeof t->lines[0], "%s: %s",
		    source, said);
}

static const char *
whoami_kind(enum creds_kind k)
{
	switch (k) {
	case CREDS_STATIC:
		return "static";
	case CREDS_ROLE:
		return "sts-assume-role";
	case CREDS_OIDC:
		return "sts-oidc";
	case CREDS_ECS:
		return "ecs-ram-role";
	case CREDS_URI:
		return "credentials-uri";
	}
	return "?";
}

static int
whoami_run(int argc, char **argv)
{
	struct whoami_cfg cfg;
	struct opts_result res;
	struct whoami_trail trail;
	struct creds_options co;
	struct creds *cr;
	char when[TSTAMP_FMT_MAX];
	struct err e;
	int64_t exp;
	err_code rc;
	size_t i;
	int st;

	memset(&cfg, 0, sizeof cfg);
	memset(&res, 0, sizeof res);
	memset(&trail, 0, sizeof trail);
	st = cmd_parse(&cmd_whoami, argc, argv, &cfg,
	    offsetof(struct whoami_cfg, common), &res);
	if (st >= 0)
		return st;
	err_clear(&e);
	cr = NULL;
	if (res.npos > 0) {
		msg_error("unexpected argument '%s' (usage: %s)", res.pos[0],
		    cmd_whoami.usage);
		opts_result_free(&res);
		return exitcode_from_err(ERR_USAGE);
	}
	rc = client_global_init();
	if (rc != ERR_OK) {
		msg_error("libcurl cannot start");
		opts_result_free(&res);
		return exitcode_from_err(rc);
	}
	memset(&co, 0, sizeof co);
	co.profile = cfg.conn.profile;
	co.sts_endpoint = cfg.conn.sts_endpoint;
	co.metadata_endpoint = cfg.conn.metadata_endpoint;
	co.cacert = cfg.conn.cacert;
	co.trace = whoami_trace;
	co.trace_arg = &trail;
	rc = creds_load(&co, &cr, &e);
	if (rc != ERR_OK) {
		if (rc == ERR_CRED && trail.n > 0) {
			msg_error("no credentials; each source said:");
			for (i = 0; i < trail.n; i++)
				msg_error("  %s", trail.lines[i]);
		} else
			msg_error("%s", err_message(&e));
		st = exitcode_from_err(rc);
	} else {
		for (i = 0; i < trail.n; i++)
			msg_verbose("tried %s", trail.lines[i]);
		exp = creds_expires(cr);
		printf("source: %s\n", creds_source(cr));
		printf("kind: %s\n", whoami_kind(creds_kind(cr)));
		printf("access_key_id: %s\n", creds_key_hint(cr));
		printf("security_token: %s\n", creds_token(cr) != NULL ?
		    "yes" : "no");
		printf("role: %s\n", creds_role(cr) != NULL ? creds_role(cr) :
		    "-");
		if (exp != 0)
			printf("expires: %s (in %lld s)\n",
			    tstamp_format(exp, when),
			    (long long)((exp - clock_wall_ms()) / 1000));
		else
			printf("expires: never\n");
		if (creds_region(cr) != NULL)
			printf("region: %s\n", creds_region(cr));
		st = EXITCODE_OK;
	}
	creds_destroy(cr);
	client_global_cleanup();
	opts_result_free(&res);
	return st;
}
