/*
 * cmd_report.c - `mqreset report [options] REPORT...`: merge the reports of
 * a change window (a run and the runs that resumed it, in any order) into
 * one final view, the audit trail attached to the ticket; or, with
 * --failed, write the rows to try again as a plan.
 *
 * Design: chain.c reads and merges (the rule that decides each row is
 * there); this file only prints.  Formats: csv (the report's 14 columns
 * with the merged values, attempts counted over the chain, then
 * `decided_by` and `history`, then the plan's extra columns: still a
 * valid plan and a valid --resume input), json (one document, built here
 * with cJSON and freed here), table (for a terminal).  Without --format:
 * table on a terminal, csv otherwise.  --failed writes a plan (CSV with
 * the plan columns and the extra columns) of the rows chain_row_retry()
 * picks; unknown type 0 rows are left out and counted on stderr.
 *
 * Exit status: 0 when every row is ok or skipped, 1 when some row is not
 * (failed, unknown, not-run, dry-run), 2 for a usage error or a report
 * that cannot be read or merged, 3 when the output cannot be written.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "chain.h"
#include "cmd.h"
#include "csvout.h"
#include "exitcode.h"
#include "msg.h"

struct report_cfg {
	struct cmd_common common; /* --help, --quiet, --verbose, --debug */
	int failed;               /* --failed: the rows to try again */
	int force;                /* --force: overwrite --output */
	const char *format;       /* --format table|csv|json */
	const char *output;       /* --output FILE */
};

#define REP_OFF(f) offsetof(struct report_cfg, f)

static const struct opts_spec report_opts[] = {
	CMD_COMMON_OPTS(struct report_cfg),
	{ "failed", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL, REP_OFF(failed),
	  "write only the rows to try again, as a plan (CSV)" },
	{ "force", 'f', OPTS_FLAG, NULL, 0, 0, NULL, NULL, REP_OFF(force),
	  "overwrite an existing --output file" },
	{ "format", 0, OPTS_STRING, "FORMAT", 0, 0, "table|csv|json", NULL,
	  REP_OFF(format), "table, csv or json (default: table on a "
	  "terminal, else csv)" },
	{ "output", 'o', OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  REP_OFF(output), "write to FILE instead of standard output" },
};

static int report_main(int argc, char **argv);

const struct cmd cmd_report = {
	"report",
	"mqreset report [options] REPORT...",
	"merge a chain of run reports into one audit trail",
	report_opts,
	sizeof report_opts / sizeof report_opts[0],
	report_main,
};

/* "r1.csv:5" for a word (or a journal line). */
static void
report_where(const struct chain *c, const struct chain_word *w, char *out,
    size_t n)
{
	snprintf(out, n, "%s%s:%lu", chain_report_name(c, w->report),
	    w->in_flight ? ".intent" : "", w->report_line);
}

/* "r1.csv:5 failed (1); r2.csv:5 ok (1)": every report's word. */
static err_code
report_history(const struct chain *c, const struct chain_row *row,
    struct buf *out)
{
	char where[4096];
	size_t i;
	err_code rc = ERR_OK;

	buf_reset(out);
	for (i = 0; i < row->nwords && rc == ERR_OK; i++) {
		const struct chain_word *w = &row->words[i];

		report_where(c, w, where, sizeof where);
		rc = buf_printf(out, "%s%s %s (%u)", i > 0 ? "; " : "", where,
		    w->in_flight ? "in-flight" : report_status_text(w->status),
		    w->attempts);
	}
	if (rc == ERR_OK && row->dropped)
		rc = buf_printf(out, "; not in %s (edited or removed from the "
		    "plan)", chain_report_name(c, chain_nreports(c) - 1));
	return rc;
}

static const char *
report_status_word(const struct chain_row *row)
{
	return report_status_text(row->status);
}

/* One CSV record to fp. */
static int
report_put_record(FILE *fp, struct buf *line, const char *const *cells,
    size_t n)
{
	buf_reset(line);
	if (csvout_record(line, cells, n) != ERR_OK)
		return -1;
	return fwrite(line->data, 1, line->len, fp) == line->len ? 0 : -1;
}

static int
report_csv(FILE *fp, const struct chain *c)
{
	size_t nx = chain_nextra(c), ncol = REPORT_NFIXED + 2 + nx, i, k;
	const char **cells;
	char lbuf[32], abuf[32], where[4096];
	struct buf line, hist;
	int rc = 0;

	cells = calloc(ncol, sizeof *cells);
	if (cells == NULL)
		return -1;
	buf_init(&line, 1 << 24);
	buf_init(&hist, 1 << 20);
	for (k = 0; k < REPORT_NFIXED; k++)
		cells[k] = report_fixed_columns[k];
	cells[REPORT_NFIXED] = "decided_by";
	cells[REPORT_NFIXED + 1] = "history";
	for (k = 0; k < nx; k++)
		cells[REPORT_NFIXED + 2 + k] = chain_extra_name(c, k);
	rc = report_put_record(fp, &line, cells, ncol);
	for (i = 0; i < chain_count(c) && rc == 0; i++) {
		const struct chain_row *row = chain_row(c, i);

		snprintf(lbuf, sizeof lbuf, "%lu", row->line);
		snprintf(abuf, sizeof abuf, "%u", row->attempts);
		report_where(c, row->decided, where, sizeof where);
		if (report_history(c, row, &hist) != ERR_OK)
			rc = -1;
		cells[0] = lbuf;
		cells[1] = row->instance;
		cells[2] = row->group;
		cells[3] = row->topic;
		cells[4] = row->type == 0 ? "0" : "1";
		cells[5] = row->reset_timestamp;
		cells[6] = report_status_word(row);
		cells[7] = row->http_status;
		cells[8] = row->request_id;
		cells[9] = row->error_code;
		cells[10] = row->error_message;
		cells[11] = abuf;
		cells[12] = row->latency_ms;
		cells[13] = row->finished_at;
		cells[14] = where;
		cells[15] = buf_cstr(&hist);
		for (k = 0; k < nx; k++)
			cells[REPORT_NFIXED + 2 + k] = row->extra[k];
		if (rc == 0)
			rc = report_put_record(fp, &line, cells, ncol);
	}
	buf_free(&line);
	buf_free(&hist);
	free(cells);
	return rc;
}

/* --failed: the rows to try again, as a plan. */
static int
report_failed(FILE *fp, const struct chain *c, size_t *held)
{
	static const char *const plan_cols[] = {
		"instance_id", "group_id", "topic", "type", "reset_timestamp"
	};
	size_t nx = chain_nextra(c), ncol = 5 + nx, i, k;
	const char **cells;
	struct buf line;
	int rc;

	*held = 0;
	cells = calloc(ncol, sizeof *cells);
	if (cells == NULL)
		return -1;
	buf_init(&line, 1 << 24);
	for (k = 0; k < 5; k++)
		cells[k] = plan_cols[k];
	for (k = 0; k < nx; k++)
		cells[5 + k] = chain_extra_name(c, k);
	rc = report_put_record(fp, &line, cells, ncol);
	for (i = 0; i < chain_count(c) && rc == 0; i++) {
		const struct chain_row *row = chain_row(c, i);

		if (!chain_row_retry(row)) {
			*held += row->status == REPORT_UNKNOWN;
			continue;
		}
		cells[0] = row->instance;
		cells[1] = row->group;
		cells[2] = row->topic;
		cells[3] = row->type == 0 ? "0" : "1";
		cells[4] = row->reset_timestamp;
		for (k = 0; k < nx; k++)
			cells[5 + k] = row->extra[k];
		rc = report_put_record(fp, &line, cells, ncol);
	}
	buf_free(&line);
	free(cells);
	return rc;
}

static int
report_json(FILE *fp, const struct chain *c)
{
	cJSON *doc, *reps, *rows, *o, *h, *w;
	char where[4096], *text;
	size_t i, k;
	int rc = -1;

	doc = cJSON_CreateObject();
	reps = cJSON_AddArrayToObject(doc, "reports");
	rows = cJSON_AddArrayToObject(doc, "rows");
	if (doc == NULL || reps == NULL || rows == NULL)
		goto out;
	for (i = 0; i < chain_nreports(c); i++)
		if (!cJSON_AddItemToArray(reps, cJSON_CreateString(
		    chain_report_name(c, i))))
			goto out;
	for (i = 0; i < chain_count(c); i++) {
		const struct chain_row *row = chain_row(c, i);

		o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(rows, o))
			goto out;
		report_where(c, row->decided, where, sizeof where);
		cJSON_AddNumberToObject(o, "line", (double)row->line);
		cJSON_AddStringToObject(o, "instance_id", row->instance);
		cJSON_AddStringToObject(o, "group_id", row->group);
		cJSON_AddStringToObject(o, "topic", row->topic);
		cJSON_AddNumberToObject(o, "type", row->type);
		cJSON_AddStringToObject(o, "reset_timestamp",
		    row->reset_timestamp);
		cJSON_AddStringToObject(o, "status", report_status_word(row));
		cJSON_AddStringToObject(o, "request_id", row->request_id);
		cJSON_AddStringToObject(o, "finished_at", row->finished_at);
		cJSON_AddStringToObject(o, "error_code", row->error_code);
		cJSON_AddStringToObject(o, "error_message",
		    row->error_message);
		cJSON_AddNumberToObject(o, "attempts", row->attempts);
		cJSON_AddBoolToObject(o, "dropped", row->dropped);
		cJSON_AddStringToObject(o, "decided_by", where);
		h = cJSON_AddArrayToObject(o, "history");
		if (h == NULL)
			goto out;
		for (k = 0; k < row->nwords; k++) {
			const struct chain_word *wd = &row->words[k];

			w = cJSON_CreateObject();
			if (w == NULL || !cJSON_AddItemToArray(h, w))
				goto out;
			cJSON_AddStringToObject(w, "report",
			    chain_report_name(c, wd->report));
			cJSON_AddNumberToObject(w, "line",
			    (double)wd->report_line);
			cJSON_AddStringToObject(w, "status", wd->in_flight ?
			    "in-flight" : report_status_text(wd->status));
			cJSON_AddNumberToObject(w, "attempts", wd->attempts);
		}
	}
	text = cJSON_Print(doc);
	if (text != NULL) {
		rc = fputs(text, fp) >= 0 && fputc('\n', fp) != EOF ? 0 : -1;
		free(text);
	}
out:
	cJSON_Delete(doc);
	return rc;
}

/* Column widths of the table. */
static int
report_width(size_t cur, const char *s)
{
	size_t n = strlen(s);

	return (int)(n > cur ? n : cur);
}

static int
report_table(FILE *fp, const struct chain *c)
{
	int wg = 5, wt = 5, wr = 10, ws = 7;
	char where[4096];
	size_t i;

	for (i = 0; i < chain_count(c); i++) {
		const struct chain_row *row = chain_row(c, i);

		wg = report_width((size_t)wg, row->group);
		wt = report_width((size_t)wt, row->topic);
		wr = report_width((size_t)wr, row->request_id);
		ws = report_width((size_t)ws, report_status_word(row));
	}
	fprintf(fp, "%-6s %-*s %-4s %-*s %-*s %-*s %8s  %s\n", "LINE", ws,
	    "STATUS", "TYPE", wg, "GROUP", wt, "TOPIC", wr, "REQUEST_ID",
	    "ATTEMPTS", "DECIDED_BY");
	for (i = 0; i < chain_count(c); i++) {
		const struct chain_row *row = chain_row(c, i);

		report_where(c, row->decided, where, sizeof where);
		fprintf(fp, "%-6lu %-*s %-4d %-*s %-*s %-*s %8u  %s%s\n",
		    row->line, ws, report_status_word(row), row->type, wg,
		    row->group, wt, row->topic, wr, row->request_id[0] ?
		    row->request_id : "-", row->attempts, where,
		    row->dropped ? " (dropped: not in the latest report)" :
		    "");
	}
	return ferror(fp) ? -1 : 0;
}

/* "12 rows: 10 ok, 1 failed, 1 unknown" into out. */
static void
report_counts(const struct chain *c, char *out, size_t n, int *all_ok)
{
	size_t by[REPORT_NSTATUS], i, len, dropped = 0;
	int st;

	memset(by, 0, sizeof by);
	for (i = 0; i < chain_count(c); i++) {
		if (chain_row(c, i)->dropped)
			dropped++;
		else
			by[chain_row(c, i)->status]++;
	}
	len = (size_t)snprintf(out, n, "%zu row%s from %zu report%s:",
	    chain_count(c), chain_count(c) == 1 ? "" : "s",
	    chain_nreports(c), chain_nreports(c) == 1 ? "" : "s");
	for (st = 0; st < REPORT_NSTATUS && len < n; st++) {
		if (by[st] == 0)
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s %zu %s",
		    len > 0 && out[len - 1] != ':' ? "," : "", by[st],
		    report_status_text((enum report_status)st));
	}
	if (dropped > 0 && len < n)
		snprintf(out + len, n - len, "; %zu dropped (edited or "
		    "removed from the plan before a resume)", dropped);
	*all_ok = by[REPORT_OK] + by[REPORT_SKIPPED] + dropped ==
	    chain_count(c);
}

/* Open --output (or stdout).  NULL after printing why. */
static FILE *
report_open_out(const struct report_cfg *cfg)
{
	FILE *fp;

	if (cfg->output == NULL || strcmp(cfg->output, "-") == 0)
		return stdout;
	fp = fopen(cfg->output, cfg->force ? "w" : "wx");
	if (fp == NULL && errno == EEXIST)
		msg_error("%s exists: choose another name, or --force to "
		    "replace it", cfg->output);
	else if (fp == NULL)
		msg_error("cannot create %s: %s", cfg->output,
		    strerror(errno));
	return fp;
}

/*
 * `mqreset report`: read and merge the chain, then write one format and
 * say what it holds.
 */
static int
report_main(int argc, char **argv)
{
	struct report_cfg cfg;
	struct opts_result res;
	struct chain *c = NULL;
	struct err e;
	FILE *fp = NULL;
	char counts[256];
	const char *format;
	size_t i, held = 0;
	int status, all_ok = 0, wrc;
	err_code rc = ERR_OK;

	memset(&cfg, 0, sizeof cfg);
	memset(&res, 0, sizeof res);
	status = cmd_parse(&cmd_report, argc, argv, &cfg,
	    offsetof(struct report_cfg, common), &res);
	if (status >= 0)
		return status;
	err_clear(&e);
	format = cfg.format != NULL ? cfg.format :
	    isatty(STDOUT_FILENO) && cfg.output == NULL ? "table" : "csv";
	if (res.npos == 0)
		rc = err_set(&e, ERR_USAGE, "expected one or more REPORT "
		    "files (usage: %s)", cmd_report.usage);
	else if (cfg.failed && strcmp(format, "csv") != 0)
		rc = err_set(&e, ERR_USAGE, "--failed writes a plan: CSV only, "
		    "not --format %s", format);
	if (rc == ERR_OK) {
		c = chain_new();
		if (c == NULL)
			rc = err_set(&e, ERR_NOMEM, "out of memory");
	}
	for (i = 0; rc == ERR_OK && i < res.npos; i++)
		rc = chain_add(c, res.pos[i], &e);
	if (rc == ERR_OK)
		rc = chain_merge(c, &e);
	if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		status = rc == ERR_NOMEM ? EXITCODE_ABORTED : EXITCODE_INVALID;
		goto out;
	}
	fp = report_open_out(&cfg);
	if (fp == NULL) {
		status = EXITCODE_INVALID;
		goto out;
	}
	report_counts(c, counts, sizeof counts, &all_ok);
	if (cfg.failed)
		wrc = report_failed(fp, c, &held);
	else if (strcmp(format, "json") == 0)
		wrc = report_json(fp, c);
	else if (strcmp(format, "table") == 0)
		wrc = report_table(fp, c);
	else
		wrc = report_csv(fp, c);
	if (fflush(fp) != 0 || ferror(fp))
		wrc = -1;
	if (fp != stdout && fclose(fp) != 0)
		wrc = -1;
	if (wrc != 0) {
		msg_error("cannot write %s", cfg.output != NULL ? cfg.output :
		    "standard output");
		status = EXITCODE_ABORTED;
		goto out;
	}
	if (held > 0)
		msg_warn("%zu type 0 row%s unknown (the backlog may already "
		    "be cleared) left out of the rows to try again: check "
		    "%s and resume with --retry-ambiguous if needed", held,
		    held == 1 ? "" : "s", held == 1 ? "it" : "them");
	msg_info("%s", counts);
	status = all_ok ? EXITCODE_OK : EXITCODE_FAILED;
out:
	chain_destroy(c);
	opts_result_free(&res);
	return status;
}
