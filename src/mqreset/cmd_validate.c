/*
 * cmd_validate.c - `mqreset validate [options] PLAN...`: check plans
 * without touching the network.
 *
 * Design: each plan gets its own diagnostic sink and one complete pass of
 * plan_validate() (every row, duplicates included); plans are checked
 * independently (no duplicate detection across files).  Text format:
 * diagnostics go to stderr as they are found, then one summary line per
 * plan.  JSON format: nothing but fatal errors on stderr; one document on
 * stdout with every plan's diagnostics (capped like the text) and counts,
 * built here with cJSON and freed here.  "Now" for the future-time check
 * is read once, at the start.
 *
 * Exit status (exitcode.c): 0 when no plan has an error (warnings
 * allowed), 2 when a plan has errors, cannot be read, or the command line
 * is wrong, 3 when memory runs out.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cmd.h"
#include "diag.h"
#include "exitcode.h"
#include "msg.h"
#include "plan.h"
#include "planfmt.h"

struct validate_cfg {
	struct cmd_common common; /* --help, --quiet, --verbose, --debug */
	const char *instance;     /* --instance: for plans without one */
	const char *format;       /* --format: "text" or "json" */
	long long max_errors;     /* --max-errors: shown per severity */
	const char *delimiter;    /* --delimiter: NULL detects it */
	const char *assume_offset; /* --assume-offset: NULL refuses times
	                              without an offset */
	const char *assume_tz;    /* --assume-tz: or their zone */
	struct opts_list columns; /* --column COLUMN=HEADER... */
};

static const struct opts_spec validate_opts[] = {
	CMD_COMMON_OPTS(struct validate_cfg),
	CMD_PLAN_FORMAT_OPTS(struct validate_cfg),
	{ "format", 0, OPTS_STRING, "FORMAT", 0, 0, "text|json", "text",
	  offsetof(struct validate_cfg, format),
	  "text diagnostics on stderr, or JSON on stdout" },
	{ "instance", 0, OPTS_STRING, "ID", 0, 0, NULL, NULL,
	  offsetof(struct validate_cfg, instance),
	  "instance ID for plans without an instance column" },
	{ "max-errors", 0, OPTS_INT, "N", 0, 1000000000, NULL, "50",
	  offsetof(struct validate_cfg, max_errors),
	  "show at most N errors and N warnings per plan (0: all)" },
};

static int validate_run(int argc, char **argv);

const struct cmd cmd_validate = {
	"validate",
	"mqreset validate [options] PLAN...",
	"check plans without touching the network",
	validate_opts,
	sizeof validate_opts / sizeof validate_opts[0],
	validate_run,
};

/* Add one plan's result to the JSON array; 0 on success. */
static int
validate_json_plan(cJSON *plans, const char *name, const struct diag *d,
    const struct plan_counts *c, const char *fatal)
{
	cJSON *p, *list, *it;
	size_t i;
	int ok = 1;

	p = cJSON_CreateObject();
	if (p == NULL || !cJSON_AddItemToArray(plans, p)) {
		cJSON_Delete(p);
		return -1;
	}
	ok &= cJSON_AddStringToObject(p, "file", name) != NULL;
	ok &= cJSON_AddBoolToObject(p, "valid", fatal == NULL &&
	    c->errors == 0) != NULL;
	if (fatal != NULL)
		ok &= cJSON_AddStringToObject(p, "fatal", fatal) != NULL;
	ok &= cJSON_AddNumberToObject(p, "lines", (double)c->lines) != NULL;
	ok &= cJSON_AddNumberToObject(p, "rows", (double)c->rows) != NULL;
	ok &= cJSON_AddNumberToObject(p, "valid_rows", (double)c->valid) !=
	    NULL;
	ok &= cJSON_AddNumberToObject(p, "type0", (double)c->type0) != NULL;
	ok &= cJSON_AddNumberToObject(p, "type1", (double)c->type1) != NULL;
	ok &= cJSON_AddNumberToObject(p, "comments", (double)c->comments) !=
	    NULL;
	ok &= cJSON_AddNumberToObject(p, "blank_lines", (double)c->blanks) !=
	    NULL;
	ok &= cJSON_AddNumberToObject(p, "warnings", (double)c->warnings) !=
	    NULL;
	ok &= cJSON_AddNumberToObject(p, "errors", (double)c->errors) != NULL;
	ok &= cJSON_AddNumberToObject(p, "omitted_errors",
	    (double)diag_omitted(d, DIAG_ERROR)) != NULL;
	ok &= cJSON_AddNumberToObject(p, "omitted_warnings",
	    (double)diag_omitted(d, DIAG_WARNING)) != NULL;
	list = cJSON_AddArrayToObject(p, "diagnostics");
	if (!ok || list == NULL)
		return -1;
	for (i = 0; i < diag_count(d); i++) {
		const struct diag_entry *de = diag_entry_at(d, i);

		it = cJSON_CreateObject();
		if (it == NULL || !cJSON_AddItemToArray(list, it)) {
			cJSON_Delete(it);
			return -1;
		}
		ok &= cJSON_AddStringToObject(it, "file", name) != NULL;
		ok &= cJSON_AddNumberToObject(it, "line", (double)de->line) !=
		    NULL;
		ok &= cJSON_AddNumberToObject(it, "column", (double)de->col) !=
		    NULL;
		ok &= cJSON_AddStringToObject(it, "severity",
		    de->severity == DIAG_ERROR ? "error" : "warning") != NULL;
		ok &= cJSON_AddStringToObject(it, "message", de->message) !=
		    NULL;
		if (!ok)
			return -1;
	}
	return 0;
}

static void
validate_summary(const char *name, const struct plan_counts *c,
    const char *assume_offset, const char *assume_tz)
{
	if (assume_tz != NULL)
		assume_offset = assume_tz;
	msg_info("%s: %lu row%s (%lu type 0, %lu type 1), %lu warning%s, "
	    "%lu error%s: %s%s%s%s", name, c->rows, c->rows == 1 ? "" : "s",
	    c->type0, c->type1, c->warnings, c->warnings == 1 ? "" : "s",
	    c->errors, c->errors == 1 ? "" : "s",
	    c->errors == 0 ? "valid" : "INVALID",
	    assume_offset != NULL ? " (times without an offset read as " :
	    "", assume_offset != NULL ? assume_offset : "",
	    assume_offset != NULL ? ")" : "");
}

/*
 * `mqreset validate`.  Over 100 lines on purpose: options, then each plan
 * in turn (diagnostics, counts, the text or JSON summary) with one
 * cleanup path, like the other commands' run functions.
 */
static int
validate_run(int argc, char **argv)
{
	struct validate_cfg cfg;
	struct opts_result res;
	struct plan_options po;
	struct plan_counts counts;
	struct planfmt pf;
	cJSON *root = NULL, *plans = NULL, *sum;
	unsigned long rows = 0, warnings = 0, errors = 0;
	int json, status, st = EXITCODE_OK, bad = 0;
	size_t i;
	char *text;

	memset(&cfg, 0, sizeof cfg);
	memset(&res, 0, sizeof res);
	status = cmd_parse(&cmd_validate, argc, argv, &cfg,
	    offsetof(struct validate_cfg, common), &res);
	if (status >= 0)
		return status;
	if (res.npos == 0) {
		msg_error("no plan given (usage: %s)", cmd_validate.usage);
		opts_result_free(&res);
		return exitcode_from_err(ERR_USAGE);
	}
	memset(&po, 0, sizeof po);
	status = planfmt_setup(&pf, cfg.delimiter, cfg.assume_offset,
	    cfg.assume_tz, &cfg.columns, &po);
	if (status >= 0) {
		planfmt_free(&pf);
		opts_result_free(&res);
		return status;
	}
	json = strcmp(cfg.format, "json") == 0;
	if (json) {
		root = cJSON_CreateObject();
		plans = root != NULL ? cJSON_AddArrayToObject(root, "plans") :
		    NULL;
		if (plans == NULL) {
			msg_error("out of memory");
			st = exitcode_from_err(ERR_NOMEM);
			goto done;
		}
	}
	po.instance = cfg.instance;
	po.now_ms = clock_wall_ms();
	for (i = 0; i < res.npos; i++) {
		const char *name = plan_display_name(res.pos[i]);
		struct diag *d;
		struct err e;
		err_code rc;

		d = diag_new(name, json ? DIAG_COLLECT : DIAG_PRINT,
		    (unsigned long)cfg.max_errors);
		if (d == NULL) {
			msg_error("out of memory");
			st = exitcode_from_err(ERR_NOMEM);
			goto done;
		}
		err_clear(&e);
		po.diag = d;
		rc = plan_validate(res.pos[i], &po, &counts, &e);
		diag_finish(d);
		if (rc == ERR_NOMEM) {
			msg_error("%s: %s", name, err_message(&e));
			diag_destroy(d);
			st = exitcode_from_err(ERR_NOMEM);
			goto done;
		}
		if (rc != ERR_OK && rc != ERR_PLAN) {
			/* Unreadable plan: an invalid argument. */
			msg_error("%s", err_message(&e));
			bad = 1;
		} else if (counts.errors > 0)
			bad = 1;
		if (json) {
			if (validate_json_plan(plans, name, d, &counts,
			    rc != ERR_OK && rc != ERR_PLAN ?
			    err_message(&e) : NULL) != 0) {
				msg_error("out of memory");
				diag_destroy(d);
				st = exitcode_from_err(ERR_NOMEM);
				goto done;
			}
		} else if (rc == ERR_OK || rc == ERR_PLAN)
			validate_summary(name, &counts, cfg.assume_offset,
			    cfg.assume_tz);
		diag_destroy(d);
		rows += counts.rows;
		warnings += counts.warnings;
		errors += counts.errors;
	}
	st = exitcode_from_err(bad ? ERR_PLAN : ERR_OK);
	if (json) {
		sum = cJSON_AddObjectToObject(root, "summary");
		if (sum == NULL ||
		    cJSON_AddNumberToObject(sum, "plans", (double)res.npos) ==
		    NULL ||
		    cJSON_AddNumberToObject(sum, "rows", (double)rows) == NULL ||
		    cJSON_AddNumberToObject(sum, "warnings",
		    (double)warnings) == NULL ||
		    cJSON_AddNumberToObject(sum, "errors", (double)errors) ==
		    NULL ||
		    cJSON_AddBoolToObject(sum, "valid", !bad) == NULL ||
		    cJSON_AddNumberToObject(sum, "exit_status", st) == NULL ||
		    (text = cJSON_Print(root)) == NULL) {
			msg_error("out of memory");
			st = exitcode_from_err(ERR_NOMEM);
			goto done;
		}
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
	}
done:
	cJSON_Delete(root);
	planfmt_free(&pf);
	opts_result_free(&res);
	return st;
}
