/*
 * cmd_plan.c - `mqreset plan --instance ID (--clear | --to TIME |
 * --to-current) [--group GLOB] [--topic GLOB] [--all-groups-of-topic T]
 * [--ticket VALUE]`: a plan CSV (mqreset-plan(5)) written from the
 * account, one row per selected subscription, so the common migrations
 * need no hand editing.
 *
 * Design: the subscriptions come from inventory.c, read-only, sorted by
 * group then topic.  --clear writes type 0 rows; --to TIME type 1 rows
 * to TIME; --to-current type 1 rows to each subscription's current
 * position (OnsConsumerTimeSpan's ConsumeTimeStamp): the snapshot a
 * change ticket attaches before anything moves, which puts every group
 * back where it stood.  A subscription whose position cannot be sent
 * back (unknown, or outside the topic's stored messages: an empty topic)
 * is left out with a warning, since `run` would fail its row.  --to TIME
 * outside a topic's stored range is kept, with a warning: the service
 * will refuse that row.  Timestamps are RFC 3339 UTC with milliseconds,
 * exact to the millisecond the service reported.
 *
 * Exit: 0, 1 nothing selected, 2 usage, 3 credentials, authentication,
 * transport (as inventory).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "csvout.h"
#include "exitcode.h"
#include "fsutil.h"
#include "ident.h"
#include "inventory.h"
#include "msg.h"
#include "tstamp.h"

struct plan_cfg {
	struct cmd_common common;   /* --help, --quiet, --verbose, --debug */
	struct cmd_conn conn;       /* credentials and endpoint options */
	const char *instance;       /* --instance ID */
	int clear;                  /* --clear: type 0 */
	const char *to;             /* --to TIME: type 1 */
	int to_current;             /* --to-current: type 1, current */
	const char *group;          /* --group GLOB */
	const char *topic;          /* --topic GLOB */
	const char *all_groups_of;  /* --all-groups-of-topic T */
	const char *ticket;         /* --ticket VALUE */
	const char *output;         /* -o FILE */
	const char *summary_json;   /* --summary-json FILE */
};

static const struct opts_spec plan_opts[] = {
	CMD_COMMON_OPTS(struct plan_cfg),
	CMD_CONN_OPTS(struct plan_cfg),
	{ "all-groups-of-topic", 0, OPTS_STRING, "TOPIC", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, all_groups_of),
	  "every group subscribed to TOPIC, on that topic only" },
	{ "clear", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, clear),
	  "type 0 rows: clear every selected backlog" },
	{ "group", 0, OPTS_STRING, "GLOB", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, group),
	  "only groups whose GroupId matches the shell pattern" },
	{ "instance", 0, OPTS_STRING, "ID", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, instance), "instance ID (required)" },
	{ "output", 'o', OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, output),
	  "write the plan to FILE instead of standard output" },
	{ "summary-json", 0, OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, summary_json),
	  "write the calls made per action as JSON to FILE" },
	{ "ticket", 0, OPTS_STRING, "VALUE", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, ticket),
	  "add a ticket column holding VALUE to every row" },
	{ "to", 0, OPTS_STRING, "TIME", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, to),
	  "type 1 rows to TIME (ms since the epoch, or RFC 3339 with "
	  "offset)" },
	{ "to-current", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, to_current),
	  "type 1 rows to each group's current position (a snapshot)" },
	{ "topic", 0, OPTS_STRING, "GLOB", 0, 0, NULL, NULL,
	  offsetof(struct plan_cfg, topic),
	  "only topics whose name matches the shell pattern" },
};

static int plan_run(int argc, char **argv);

const struct cmd cmd_plan = {
	"plan",
	"mqreset plan --instance ID (--clear | --to TIME | --to-current) "
	"[--group GLOB] [--topic GLOB] [--all-groups-of-topic TOPIC] "
	"[--ticket VALUE] [-o FILE] [options]",
	"write a plan CSV for an instance's subscriptions (read-only)",
	plan_opts,
	sizeof plan_opts / sizeof plan_opts[0],
	plan_run,
};

/* The argument checks; fills *to_ms.  0, or an exit status. */
static int
plan_check(const struct plan_cfg *cfg, int64_t *to_ms)
{
	char why[256];
	struct err te;
	int modes = (cfg->clear != 0) + (cfg->to != NULL) +
	    (cfg->to_current != 0);

	if (cfg->instance == NULL) {
		msg_error("plan: --instance ID is required (`mqreset "
		    "inventory` lists the region's instances)");
		return EXITCODE_INVALID;
	}
	if (ident_check(IDENT_INSTANCE, cfg->instance, why, sizeof why) ==
	    IDENT_ERROR) {
		msg_error("plan: --instance: %s", why);
		return EXITCODE_INVALID;
	}
	if (modes != 1) {
		msg_error("plan: exactly one of --clear (type 0), --to TIME "
		    "or --to-current (type 1) is required");
		return EXITCODE_INVALID;
	}
	if (cfg->all_groups_of != NULL && cfg->topic != NULL) {
		msg_error("plan: --all-groups-of-topic and --topic exclude "
		    "each other");
		return EXITCODE_INVALID;
	}
	*to_ms = -1;
	if (cfg->to != NULL) {
		err_clear(&te);
		if (tstamp_parse(cfg->to, clock_wall_ms(), to_ms, &te) !=
		    ERR_OK) {
			msg_error("plan: --to: timestamp '%s': %s", cfg->to,
			    te.msg);
			return EXITCODE_INVALID;
		}
	}
	return 0;
}

/*
 * The plan's rows into b.  *rows: rows written; *left_out: subscriptions
 * left out (--to-current without a position that can be sent back).
 */
static err_code
plan_write_rows(const struct plan_cfg *cfg, const struct inventory *inv,
    int64_t to_ms, struct buf *b, size_t *rows, size_t *left_out)
{
	char when[TSTAMP_FMT_MAX];
	const char *cells[6];
	size_t i, ncells = cfg->ticket != NULL ? 6 : 5;
	err_code rc;

	cells[0] = "instance";
	cells[1] = "group";
	cells[2] = "topic";
	cells[3] = "type";
	cells[4] = "timestamp";
	cells[5] = "ticket";
	rc = csvout_record(b, cells, ncells);
	for (i = 0; rc == ERR_OK && i < inv->n; i++) {
		const struct inventory_row *r = &inv->v[i];
		int64_t ms = cfg->to_current ? r->position_ms : to_ms;

		if (cfg->to_current && (r->position_ms < 0 || r->max_ms <= 0 ||
		    r->position_ms < r->min_ms || r->position_ms > r->max_ms)) {
			msg_warn("plan: %s/%s left out: its position %s cannot "
			    "be sent back (the topic's stored messages span "
			    "%lld..%lld)", r->group->id, r->topic,
			    r->position_ms < 0 ? "is unknown and" : "",
			    (long long)r->min_ms, (long long)r->max_ms);
			(*left_out)++;
			continue;
		}
		if (cfg->to != NULL && r->max_ms >= 0 && (ms < r->min_ms ||
		    ms > r->max_ms))
			msg_warn("plan: %s/%s: --to is outside the topic's "
			    "stored messages (%lld..%lld); the service will "
			    "refuse this row", r->group->id, r->topic,
			    (long long)r->min_ms, (long long)r->max_ms);
		cells[0] = r->instance;
		cells[1] = r->group->id;
		cells[2] = r->topic;
		cells[3] = cfg->clear ? "0" : "1";
		cells[4] = cfg->clear ? "" : tstamp_format(ms, when);
		cells[5] = cfg->ticket;
		rc = csvout_record(b, cells, ncells);
		(*rows)++;
	}
	return rc;
}

/*
 * `mqreset plan`.  Over 100 lines on purpose: the command's steps in
 * order (options, the mutually exclusive modes, connection, gathering,
 * writing, summary) with one cleanup path, like the other commands' run
 * functions.
 */
static int
plan_run(int argc, char **argv)
{
	struct plan_cfg cfg;
	struct opts_result res;
	struct inventory_link link;
	struct inventory_select sel;
	struct inventory inv;
	struct buf out;
	struct err e;
	size_t rows = 0, left_out = 0;
	int64_t to_ms;
	err_code rc;
	int st;

	memset(&cfg, 0, sizeof cfg);
	memset(&res, 0, sizeof res);
	memset(&link, 0, sizeof link);
	memset(&inv, 0, sizeof inv);
	buf_init(&out, (size_t)1 << 30);
	err_clear(&e);
	st = cmd_parse(&cmd_plan, argc, argv, &cfg,
	    offsetof(struct plan_cfg, common), &res);
	if (st >= 0)
		return st;
	if (res.npos > 0) {
		msg_error("plan: unexpected argument '%s' (usage: %s)",
		    res.pos[0], cmd_plan.usage);
		st = EXITCODE_INVALID;
		goto done;
	}
	st = plan_check(&cfg, &to_ms);
	if (st != 0)
		goto done;
	if (inventory_check_outputs(cfg.output, cfg.summary_json, &e) !=
	    ERR_OK) {
		msg_error("plan: %s", err_message(&e));
		st = EXITCODE_INVALID;
		goto done;
	}
	st = inventory_connect("plan", &cfg.conn, cfg.common.debug,
	    &link);
	if (st != EXITCODE_OK)
		goto done;
	memset(&sel, 0, sizeof sel);
	sel.instance = cfg.instance;
	sel.group_glob = cfg.group;
	sel.topic_glob = cfg.all_groups_of != NULL ? cfg.all_groups_of :
	    cfg.topic;
	/* Type 0 rows need no position; type 1 rows are checked against
	 * the stored range. */
	sel.positions = !cfg.clear;
	sel.progress = msg_is_tty();
	rc = inventory_collect(link.reader, &sel, &inv, &e);
	if (rc != ERR_OK) {
		msg_error("plan: %s", err_message(&e));
		st = exitcode_from_err(rc);
		goto summary;
	}
	/* --all-groups-of-topic names one topic, not a pattern. */
	if (cfg.all_groups_of != NULL) {
		size_t i, k = 0;

		for (i = 0; i < inv.n; i++)
			if (strcmp(inv.v[i].topic, cfg.all_groups_of) == 0)
				inv.v[k++] = inv.v[i];
		inv.n = k;
	}
	if (plan_write_rows(&cfg, &inv, to_ms, &out, &rows, &left_out) !=
	    ERR_OK) {
		msg_error("plan: out of memory");
		st = EXITCODE_ABORTED;
		goto summary;
	}
	if (rows == 0) {
		msg_error("plan: no subscription of instance %s matches the "
		    "selection%s; nothing written", cfg.instance, left_out > 0
		    ? " with a position that can be sent back" : "");
		st = EXITCODE_FAILED;
		goto summary;
	}
	if (inventory_write(cfg.output, &out, &e) != ERR_OK) {
		msg_error("plan: %s", err_message(&e));
		st = EXITCODE_ABORTED;
		goto summary;
	}
	msg_info("plan: %zu rows%s%s", rows, left_out > 0 ? ", left out: " :
	    "", left_out > 0 ? "see the warnings above" : "");
summary:
	if (cfg.summary_json != NULL && link.reader != NULL &&
	    inventory_summary_json(cfg.summary_json, "plan", cfg.instance,
	    rows, link.reader, &e) != ERR_OK) {
		msg_error("plan: %s", err_message(&e));
		if (st == EXITCODE_OK)
			st = EXITCODE_ABORTED;
	}
done:
	inventory_free(&inv);
	inventory_disconnect(&link);
	buf_free(&out);
	opts_result_free(&res);
	return st;
}
