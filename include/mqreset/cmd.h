/*
 * cmd.h - subcommand descriptors and the table of them.
 *
 * Design (after tmux's cmd-*.c): each subcommand lives in its own file
 * src/mqreset/cmd_NAME.c and exports one `const struct cmd cmd_NAME` descriptor;
 * src/mqreset/cmd.c collects them in one table that main() dispatches through and
 * that tests iterate (every option must appear in man/mqreset.1).
 *
 * A command's run function receives the whole argv (argv[0] is the command
 * name) and returns an exit status from exitcode.h.  It must never call
 * exit(): it returns, so reports are always finished.  It turns errors
 * into an exit status through exitcode.h only.
 *
 * Messages: every command writes them through msg, which alone prefixes
 * them ("mqreset: error: ..."); a command adds no prefix of its own, and
 * it is the only layer that names options in messages (cmd_conn_hint()).
 */
#ifndef MQR_CMD_H
#define MQR_CMD_H

#include <stddef.h>

#include "client.h"
#include "creds.h"
#include "err.h"
#include "opts.h"

/* Options every command accepts; embed as a member named `common`. */
struct cmd_common {
	int help;    /* --help: print usage and exit 0 */
	int quiet;   /* --quiet: errors only */
	int verbose; /* --verbose (repeatable) */
	int debug;   /* --debug: protocol dumps, secrets redacted */
};

/* Rows for the common options; `type` is the command's config struct. */
#define CMD_COMMON_OPTS(type)                                              \
	{ "help", 'h', OPTS_FLAG, NULL, 0, 0, NULL, NULL,                  \
	  offsetof(type, common.help), "show this help and exit" },       \
	{ "quiet", 'q', OPTS_FLAG, NULL, 0, 0, NULL, NULL,                 \
	  offsetof(type, common.quiet), "print errors only" },            \
	{ "verbose", 'v', OPTS_COUNT, NULL, 0, 0, NULL, NULL,              \
	  offsetof(type, common.verbose), "print more (repeatable)" },    \
	{ "debug", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,                   \
	  offsetof(type, common.debug),                                    \
	  "print protocol detail (secrets redacted)" }

/*
 * Connection options of every command that talks to the API (reset, run):
 * one row set, one range per option, one filler of struct client_config.
 * Embed as a member named `conn`.  The ranges are documented once, in
 * mqreset(1) under "Connection options".
 */
struct cmd_conn {
	const char *cacert;        /* --cacert FILE: extra trusted CAs */
	double connect_timeout;    /* --connect-timeout SECONDS */
	const char *endpoint;      /* --endpoint URL */
	const char *endpoint_type; /* --endpoint-type public|vpc */
	const char *metadata_endpoint; /* --metadata-endpoint URL */
	const char *method;        /* --method POST|GET */
	const char *profile;       /* --profile NAME */
	const char *region;        /* --region REGION */
	const char *sigver;        /* --signature-version 1|3 */
	const char *sts_endpoint;  /* --sts-endpoint URL */
	double timeout;            /* --timeout SECONDS */
};

#define CMD_CONNECT_TIMEOUT_MIN 0.1  /* --connect-timeout bounds, seconds */
#define CMD_CONNECT_TIMEOUT_MAX 600.0
#define CMD_TIMEOUT_MIN 0.1          /* --timeout bounds, seconds */
#define CMD_TIMEOUT_MAX 3600.0

/* Rows for the connection options, sorted by name; `type` is the
 * command's config struct. */
#define CMD_CONN_OPTS(type)                                                \
	{ "cacert", 0, OPTS_STRING, "FILE", 0, 0, NULL, NULL,              \
	  offsetof(type, conn.cacert),                                     \
	  "also trust the CA certificates in FILE (verification stays "   \
	  "on)" },                                                         \
	{ "connect-timeout", 0, OPTS_DOUBLE, "SECONDS",                    \
	  CMD_CONNECT_TIMEOUT_MIN, CMD_CONNECT_TIMEOUT_MAX, NULL, "5",     \
	  offsetof(type, conn.connect_timeout),                            \
	  "give up connecting (TCP and TLS) after SECONDS" },              \
	{ "endpoint", 0, OPTS_STRING, "URL", 0, 0, NULL, NULL,             \
	  offsetof(type, conn.endpoint),                                   \
	  "API endpoint (default: the region's, see --endpoint-type)" },  \
	{ "endpoint-type", 0, OPTS_STRING, "TYPE", 0, 0, "public|vpc",     \
	  NULL, offsetof(type, conn.endpoint_type),                        \
	  "the region's public host (ons.REGION.aliyuncs.com, the "       \
	  "default) or vpc (ons-vpc.REGION...)" },                         \
	{ "metadata-endpoint", 0, OPTS_STRING, "URL", 0, 0, NULL, NULL,    \
	  offsetof(type, conn.metadata_endpoint),                          \
	  "ECS metadata service for instance-role credentials (default "  \
	  "http://100.100.100.200)" },                                     \
	{ "method", 0, OPTS_STRING, "METHOD", 0, 0, "POST|GET", "POST",    \
	  offsetof(type, conn.method),                                     \
	  "HTTP method: POST (form body) or GET (query)" },               \
	{ "profile", 0, OPTS_STRING, "NAME", 0, 0, NULL, NULL,             \
	  offsetof(type, conn.profile),                                    \
	  "credentials profile (aliyun CLI or ~/.alibabacloud/"           \
	  "credentials)" },                                                \
	{ "region", 0, OPTS_STRING, "REGION", 0, 0, NULL, NULL,            \
	  offsetof(type, conn.region),                                     \
	  "region ID, e.g. cn-hangzhou (default: ALIBABA_CLOUD_REGION_ID, " \
	  "else the profile's; required without --endpoint)" },            \
	{ "signature-version", 0, OPTS_STRING, "V", 0, 0, "1|3", "1",      \
	  offsetof(type, conn.sigver),                                     \
	  "request signature: 1 (HMAC-SHA1) or 3 (ACS3-HMAC-SHA256)" },   \
	{ "sts-endpoint", 0, OPTS_STRING, "URL", 0, 0, NULL, NULL,         \
	  offsetof(type, conn.sts_endpoint),                               \
	  "STS endpoint for role credentials (default: "                  \
	  "sts.aliyuncs.com, or per ALIBABA_CLOUD_STS_REGION)" },         \
	{ "timeout", 0, OPTS_DOUBLE, "SECONDS", CMD_TIMEOUT_MIN,           \
	  CMD_TIMEOUT_MAX, NULL, "30", offsetof(type, conn.timeout),       \
	  "give up on a request after SECONDS" }

/*
 * Options on how a plan is written (validate, run): the field separator,
 * the offset or zone of times written without one, the header names of
 * the plan's columns.  `type` is the command's config struct with `const
 * char *delimiter, *assume_offset, *assume_tz` and `struct opts_list
 * columns` members (planfmt.h builds the last two).
 */
#define CMD_PLAN_FORMAT_OPTS(type)                                         \
	{ "assume-offset", 0, OPTS_STRING, "OFFSET", 0, 0, NULL, NULL,     \
	  offsetof(type, assume_offset),                                   \
	  "read plan times written without an offset at OFFSET (+08:00, "  \
	  "Z; default: refuse them)" },                                    \
	{ "assume-tz", 0, OPTS_STRING, "ZONE", 0, 0, NULL, NULL,           \
	  offsetof(type, assume_tz),                                       \
	  "read plan times written without an offset as civil times in "  \
	  "the IANA time zone ZONE (Asia/Shanghai)" },                     \
	{ "column", 0, OPTS_LIST, "COLUMN=HEADER", 0, 0, NULL, NULL,       \
	  offsetof(type, columns),                                         \
	  "the plan column COLUMN is the header's HEADER "                 \
	  "(group=\"Consumer Group\")" },                                  \
	{ "delimiter", 0, OPTS_STRING, "C", 0, 0, NULL, NULL,              \
	  offsetof(type, delimiter),                                       \
	  "plan field separator: ',', ';' or tab (default: detected from " \
	  "the header)" }

struct cmd {
	const char *name;              /* "validate" */
	const char *usage;             /* "mqreset validate [options] PLAN..." */
	const char *summary;           /* one line for `mqreset --help` */
	const struct opts_spec *opts;  /* the option table */
	size_t nopts;                  /* rows in opts */
	int (*run)(int argc, char **argv); /* returns an exitcode */
};

/* The table, NULL-terminated, sorted by name. */
extern const struct cmd *const cmd_table[];

/* Look a command up by name; NULL when unknown. */
const struct cmd *
cmd_find(const char *name);

/* Set the message level from the common options. */
void
cmd_common_apply(const struct cmd_common *c);

/*
 * Parse argv for `c` into cfg (which embeds struct cmd_common at
 * `common_offset`).  Returns -1 to continue, or an exit status to return at
 * once: 0 after printing --help, 2 after a usage error (message printed).
 */
int
cmd_parse(const struct cmd *c, int argc, char **argv, void *cfg,
    size_t common_offset, struct opts_result *res);

/*
 * Check --delimiter and --assume-offset (either NULL when not given) and
 * set po->delimiter and po->assume_offset.  Returns -1 to continue, or
 * the exit status of a usage error (message printed).
 */
struct plan_options;
int
cmd_plan_format(const char *delimiter, const char *assume_offset,
    struct plan_options *po);

/*
 * Load the credentials for `c` (its --profile) into *out (the caller
 * destroys them with creds_destroy).  Returns ERR_OK or creds_load's error,
 * with the message in *e.
 */
err_code
cmd_conn_creds(const struct cmd_conn *c, struct creds **out, struct err *e);

/*
 * The endpoint URL for `c` into url[CLIENT_URL_MAX]: --endpoint, else the
 * host of --region, ALIBABA_CLOUD_REGION_ID or the profile's region (cr,
 * may be NULL).  Returns ERR_OK or ERR_USAGE with the message in *e.
 */
err_code
cmd_conn_endpoint(const struct cmd_conn *c, const struct creds *cr,
    char *url, struct err *e);

/*
 * Set the fields of *cc that the options decide (endpoint, signature
 * version, method, timeouts, CA file, debug, credentials); the others
 * (reply cap, abort flag) are left as they are.  `url` and `cr` are
 * borrowed and must outlive the client.
 */
void
cmd_conn_client_config(const struct cmd_conn *c, const char *url,
    const struct creds *cr, int debug, struct client_config *cc);

/*
 * Advice the command layer adds after an error of `code` that an option
 * can fix (ERR_TLS: --cacert), or NULL.  Lower layers name no option.
 */
const char *
cmd_conn_hint(err_code code);

#endif /* MQR_CMD_H */
