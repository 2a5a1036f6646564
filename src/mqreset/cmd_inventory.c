/*
 * cmd_inventory.c - `mqreset inventory [--instance ID] [--group GLOB]
 * [--topic GLOB] [--format table|csv|json|state]`: which groups read
 * which topics, where each stands and how big each backlog is; read-only.
 *
 * Design: the rows come from inventory.c (through the paced, cached read
 * layer, onsread.c); this file only formats them.  `state` writes the
 * emulator's state file (mqreset-emulator(1), STATE FILE) with the
 * instance's topics, groups, subscriptions, positions and backlogs and no
 * credential, so `mqreset-emulator --state FILE --write-credentials C`
 * serves a copy of the account for rehearsals.  Without --instance the
 * region's instances are listed (OnsInstanceInServiceList) with a hint.
 *
 * Output on stdout (or -o FILE); messages and the progress line on
 * stderr.  Exit: 0, 2 usage, 1 the service refused a read (instance not
 * found...), 3 credentials, authentication, transport.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "csvout.h"
#include "exitcode.h"
#include "fsutil.h"
#include "inventory.h"
#include "msg.h"
#include "tstamp.h"

/* Largest output kept in memory (a 100,000-subscription account's JSON
 * is about 30 MB). */
#define INV_OUT_MAX ((size_t)1 << 30)

struct inv_cfg {
	struct cmd_common common;   /* --help, --quiet, --verbose, --debug */
	struct cmd_conn conn;       /* credentials and endpoint options */
	const char *instance;       /* --instance ID */
	const char *group;          /* --group GLOB */
	const char *topic;          /* --topic GLOB */
	const char *format;         /* --format, NULL: table on a TTY */
	const char *output;         /* -o FILE */
	const char *summary_json;   /* --summary-json FILE */
};

static const struct opts_spec inv_opts[] = {
	CMD_COMMON_OPTS(struct inv_cfg),
	CMD_CONN_OPTS(struct inv_cfg),
	{ "format", 0, OPTS_STRING, "FORMAT", 0, 0, "table|csv|json|state",
	  NULL, offsetof(struct inv_cfg, format),
	  "table (default on a terminal), csv (default otherwise), json, "
	  "or state (an emulator state file)" },
	{ "group", 0, OPTS_STRING, "GLOB", 0, 0, NULL, NULL,
	  offsetof(struct inv_cfg, group),
	  "only groups whose GroupId matches the shell pattern" },
	{ "instance", 0, OPTS_STRING, "ID", 0, 0, NULL, NULL,
	  offsetof(struct inv_cfg, instance),
	  "instance ID (without it: list the region's instances)" },
	{ "output", 'o', OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  offsetof(struct inv_cfg, output),
	  "write to FILE instead of standard output" },
	{ "summary-json", 0, OPTS_STRING, "FILE", 0, 0, NULL, NULL,
	  offsetof(struct inv_cfg, summary_json),
	  "write the calls made per action as JSON to FILE" },
	{ "topic", 0, OPTS_STRING, "GLOB", 0, 0, NULL, NULL,
	  offsetof(struct inv_cfg, topic),
	  "only topics whose name matches the shell pattern" },
};

static int inv_run(int argc, char **argv);

const struct cmd cmd_inventory = {
	"inventory",
	"mqreset inventory [--instance ID] [--group GLOB] [--topic GLOB] "
	"[--format table|csv|json|state] [options]",
	"list an instance's subscriptions, positions and backlogs "
	"(read-only)",
	inv_opts,
	sizeof inv_opts / sizeof inv_opts[0],
	inv_run,
};

/* The nine cells of a row, formatted into cell[] with storage in st. */
struct inv_cells {
	char pos[TSTAMP_FMT_MAX];  /* position, RFC 3339 */
	char backlog[24];          /* TotalDiff */
	char delay[24];            /* DelayTime */
	const char *cell[9];       /* the cells */
};

static const char *const inv_header[9] = {
	"instance", "group", "topic", "message_model", "online",
	"subscription", "position", "backlog", "delay_ms"
};

static void
inv_cells(const struct inventory_row *r, struct inv_cells *c)
{
	if (r->position_ms >= 0)
		tstamp_format(r->position_ms, c->pos);
	else
		c->pos[0] = '\0';
	snprintf(c->backlog, sizeof c->backlog, "%lld",
	    (long long)r->backlog);
	snprintf(c->delay, sizeof c->delay, "%lld", (long long)r->delay_ms);
	c->cell[0] = r->instance;
	c->cell[1] = r->group->id;
	c->cell[2] = r->topic;
	c->cell[3] = r->model;
	c->cell[4] = r->online ? "true" : "false";
	c->cell[5] = r->expr != NULL ? r->expr : "";
	c->cell[6] = c->pos;
	c->cell[7] = c->backlog;
	c->cell[8] = c->delay;
}

static err_code
inv_csv(const struct inventory *inv, struct buf *b)
{
	struct inv_cells c;
	err_code rc;
	size_t i;

	rc = csvout_record(b, inv_header, 9);
	for (i = 0; rc == ERR_OK && i < inv->n; i++) {
		inv_cells(&inv->v[i], &c);
		rc = csvout_record(b, c.cell, 9);
	}
	return rc;
}

/* Aligned columns; a cell is never cut. */
static err_code
inv_table(const struct inventory *inv, struct buf *b)
{
	struct inv_cells c;
	size_t w[9], i, k, len;
	err_code rc = ERR_OK;

	for (k = 0; k < 9; k++)
		w[k] = strlen(inv_header[k]);
	for (i = 0; i < inv->n; i++) {
		inv_cells(&inv->v[i], &c);
		for (k = 0; k < 9; k++)
			if ((len = strlen(c.cell[k])) > w[k])
				w[k] = len;
	}
	for (k = 0; rc == ERR_OK && k < 9; k++)
		rc = k < 8 ? buf_printf(b, "%-*s  ", (int)w[k],
		    inv_header[k]) : buf_printf(b, "%s\n", inv_header[k]);
	for (i = 0; rc == ERR_OK && i < inv->n; i++) {
		inv_cells(&inv->v[i], &c);
		for (k = 0; rc == ERR_OK && k < 9; k++)
			rc = k < 8 ? buf_printf(b, "%-*s  ", (int)w[k],
			    c.cell[k]) : buf_printf(b, "%s\n", c.cell[k]);
	}
	return rc;
}

/* ,"name": then a JSON string or null */
static err_code
inv_json_member(struct buf *b, const char *name, const char *v)
{
	err_code rc = buf_printf(b, ",\"%s\":", name);

	if (rc != ERR_OK)
		return rc;
	return v != NULL ? inventory_json_str(b, v) : buf_puts(b, "null");
}

static err_code
inv_json(const struct inventory *inv, const char *instance, struct buf *b)
{
	const struct inventory_row *r;
	struct inv_cells c;
	err_code rc;
	size_t i;

	rc = buf_puts(b, "{\"instance\":");
	if (rc == ERR_OK)
		rc = inventory_json_str(b, instance);
	if (rc == ERR_OK)
		rc = buf_puts(b, ",\"subscriptions\":[");
	for (i = 0; rc == ERR_OK && i < inv->n; i++) {
		r = &inv->v[i];
		inv_cells(r, &c);
		rc = buf_printf(b, "%s\n{\"instance\":", i > 0 ? "," : "");
		if (rc == ERR_OK)
			rc = inventory_json_str(b, r->instance);
		if (rc == ERR_OK)
			rc = inv_json_member(b, "group", r->group->id);
		if (rc == ERR_OK)
			rc = inv_json_member(b, "topic", r->topic);
		if (rc == ERR_OK)
			rc = inv_json_member(b, "message_model", r->model);
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"online\":%s", r->online ?
			    "true" : "false");
		if (rc == ERR_OK)
			rc = inv_json_member(b, "subscription", r->expr);
		if (rc == ERR_OK)
			rc = inv_json_member(b, "position", r->position_ms >= 0
			    ? c.pos : NULL);
		if (rc == ERR_OK && r->position_ms >= 0)
			rc = buf_printf(b, ",\"position_ms\":%lld",
			    (long long)r->position_ms);
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"backlog\":%lld,\"delay_ms\":%lld}",
			    (long long)r->backlog, (long long)r->delay_ms);
	}
	if (rc == ERR_OK)
		rc = buf_puts(b, "\n]}\n");
	return rc;
}

/* The stored range the rows saw for `topic`: widest of their spans. */
static void
inv_topic_range(const struct inventory *inv, const char *topic,
    int64_t *lo, int64_t *hi)
{
	size_t i;

	*lo = *hi = -1;
	for (i = 0; i < inv->n; i++) {
		const struct inventory_row *r = &inv->v[i];

		if (strcmp(r->topic, topic) != 0 || r->max_ms < 0)
			continue;
		if (*lo < 0 || r->min_ms < *lo)
			*lo = r->min_ms;
		if (r->max_ms > *hi)
			*hi = r->max_ms;
	}
}

/* A topic goes into the state when --topic selects it or a row reads it. */
static int
inv_topic_wanted(const struct inventory *inv, const char *glob,
    const char *topic)
{
	size_t i;

	if (glob == NULL || fnmatch(glob, topic, 0) == 0)
		return 1;
	for (i = 0; i < inv->n; i++)
		if (strcmp(inv->v[i].topic, topic) == 0)
			return 1;
	return 0;
}

/* One topic of the state file: OnsTopicList's entry and OnsTopicStatus. */
static err_code
inv_state_topic(struct onsread *rd, const struct inventory *inv,
    const char *instance, const struct onsread_topic *t, int first,
    struct buf *b, struct err *e)
{
	const struct onsread_topic_status *ts;
	int64_t lo, hi;
	err_code rc;

	rc = onsread_topic_status(rd, instance, t->name, &ts, e);
	if (rc != ERR_OK)
		return rc;
	inv_topic_range(inv, t->name, &lo, &hi);
	if (hi < 0)
		hi = ts->last_ms;
	if (lo < 0)
		lo = hi;
	rc = buf_printf(b, "%s\n{\"Topic\":", first ? "" : ",");
	if (rc == ERR_OK)
		rc = inventory_json_str(b, t->name);
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"MessageType\":%d,\"Perm\":%d,"
		    "\"EarliestTime\":%lld,\"LatestTime\":%lld,"
		    "\"MessageCount\":%lld,\"CreateTime\":%lld,\"Remark\":",
		    t->message_type, ts->perm, (long long)lo, (long long)hi,
		    (long long)ts->total, (long long)t->create_ms);
	if (rc == ERR_OK)
		rc = inventory_json_str(b, t->remark);
	if (rc == ERR_OK)
		rc = buf_putc(b, '}');
	if (rc != ERR_OK && e->code == ERR_OK)
		rc = err_set(e, rc, "out of memory");
	return rc;
}

/* The subscriptions of group g among the rows, as state JSON. */
static err_code
inv_state_subs(const struct inventory *inv, const struct onsread_group *g,
    struct buf *b)
{
	size_t i, n = 0, k = 0;
	err_code rc = ERR_OK;

	for (i = 0; i < inv->n; i++)
		n += inv->v[i].group == g;
	for (i = 0; rc == ERR_OK && i < inv->n; i++) {
		const struct inventory_row *r = &inv->v[i];

		if (r->group != g)
			continue;
		rc = buf_printf(b, "%s{\"Topic\":", k++ > 0 ? "," : "");
		if (rc == ERR_OK)
			rc = inventory_json_str(b, r->topic);
		if (rc == ERR_OK && r->expr != NULL) {
			rc = buf_puts(b, ",\"SubString\":");
			if (rc == ERR_OK)
				rc = inventory_json_str(b, r->expr);
		}
		if (rc == ERR_OK && r->position_ms >= 0)
			rc = buf_printf(b, ",\"ConsumerPosition\":%lld",
			    (long long)r->position_ms);
		/* The group's rate, shared evenly: the service reports one
		 * figure per group. */
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"Backlog\":%lld,\"ConsumeTps\":"
			    "%.2f}", (long long)r->backlog, r->tps / (double)n);
	}
	return rc;
}

/*
 * The emulator state file: the instance's topics (those --topic selects,
 * and any a selected row reads), its groups (those --group selects),
 * their subscriptions, positions and backlogs; no credential.
 */
static err_code
inv_state(struct onsread *rd, const struct inventory *inv,
    const char *instance, const char *group_glob, const char *topic_glob,
    struct buf *b, struct err *e)
{
	const struct onsread_groups *gl;
	const struct onsread_topics *tl;
	const char *owner = "";
	err_code rc;
	size_t i, j;
	int first = 1, used;

	rc = onsread_groups(rd, instance, &gl, e);
	if (rc == ERR_OK)
		rc = onsread_topics(rd, instance, &tl, e);
	if (rc != ERR_OK)
		return rc;
	if (gl->n > 0)
		owner = gl->v[0].owner;
	rc = buf_puts(b, "{\"Owner\":");
	if (rc == ERR_OK)
		rc = inventory_json_str(b, owner);
	if (rc == ERR_OK)
		rc = buf_puts(b, ",\"Credentials\":[],\"Faults\":[],"
		    "\"Instances\":[{\"InstanceId\":");
	if (rc == ERR_OK)
		rc = inventory_json_str(b, instance);
	if (rc == ERR_OK)
		rc = buf_puts(b, ",\"Topics\":[");
	for (i = 0; rc == ERR_OK && i < tl->n; i++) {
		if (!inv_topic_wanted(inv, topic_glob, tl->v[i].name))
			continue;
		if (msg_is_tty()) {
			char line[128];

			snprintf(line, sizeof line, "%s: topic status %zu/%zu "
			    "(1 call/s)", instance, i + 1, tl->n);
			msg_status(line);
		}
		rc = inv_state_topic(rd, inv, instance, &tl->v[i], first, b,
		    e);
		first = 0;
	}
	msg_status(NULL);
	if (rc == ERR_OK)
		rc = buf_puts(b, "\n],\"Groups\":[");
	first = 1;
	for (i = 0; rc == ERR_OK && i < gl->n; i++) {
		const struct onsread_group *g = &gl->v[i];
		const struct onsread_group_sub *sd;
		const struct onsread_accum *ac;
		const char *model;
		int online;

		used = 0;
		for (j = 0; j < inv->n && !used; j++)
			used = inv->v[j].group == g;
		if (!used && (topic_glob != NULL || (group_glob != NULL &&
		    fnmatch(group_glob, g->id, 0) != 0)))
			continue;
		/* Both were read (and cached) while gathering the rows. */
		rc = onsread_group_sub(rd, instance, g->id, &sd, e);
		if (rc == ERR_OK)
			rc = onsread_accumulate(rd, instance, g->id, &ac, e);
		if (rc != ERR_OK)
			break;
		model = sd->model;
		online = sd->online || ac->online;
		rc = buf_printf(b, "%s\n{\"GroupId\":", first ? "" : ",");
		first = 0;
		if (rc == ERR_OK)
			rc = inventory_json_str(b, g->id);
		if (rc == ERR_OK)
			rc = buf_puts(b, ",\"GroupType\":");
		if (rc == ERR_OK)
			rc = inventory_json_str(b, strcmp(g->type, "http") == 0
			    ? "http" : "tcp");
		if (rc == ERR_OK && (strcmp(model, "CLUSTERING") == 0 ||
		    strcmp(model, "BROADCASTING") == 0)) {
			rc = buf_puts(b, ",\"MessageModel\":");
			if (rc == ERR_OK)
				rc = inventory_json_str(b, model);
		}
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"Online\":%s,\"CreateTime\":%lld,"
			    "\"Remark\":", online ? "true" : "false",
			    (long long)g->create_ms);
		if (rc == ERR_OK)
			rc = inventory_json_str(b, g->remark);
		if (rc == ERR_OK)
			rc = buf_puts(b, ",\"Subscriptions\":[");
		if (rc == ERR_OK)
			rc = inv_state_subs(inv, g, b);
		if (rc == ERR_OK)
			rc = buf_puts(b, "]}");
	}
	if (rc == ERR_OK)
		rc = buf_puts(b, "\n]}]}\n");
	if (rc != ERR_OK && e->code == ERR_OK)
		rc = err_set(e, rc, "out of memory");
	return rc;
}

/* Without --instance: the region's instances, and which to pass. */
static int
inv_instances(struct onsread *rd, const char *format, struct buf *b)
{
	const struct onsread_instances *il;
	char status[16], type[16];
	const char *cells[4];
	struct err e;
	err_code rc;
	size_t i;

	err_clear(&e);
	rc = onsread_instances(rd, &il, &e);
	if (rc != ERR_OK) {
		msg_error("inventory: %s", err_message(&e));
		return exitcode_from_err(rc);
	}
	if (strcmp(format, "json") == 0)
		rc = buf_puts(b, "{\"instances\":[");
	else if (strcmp(format, "csv") == 0)
		rc = buf_puts(b, "instance,name,status,type\n");
	else
		rc = buf_printf(b, "%-40s  %-24s  %-6s  %s\n", "instance",
		    "name", "status", "type");
	for (i = 0; rc == ERR_OK && i < il->n; i++) {
		const struct onsread_instance *in = &il->v[i];

		snprintf(status, sizeof status, "%d", in->status);
		snprintf(type, sizeof type, "%d", in->type);
		if (strcmp(format, "json") == 0) {
			rc = buf_printf(b, "%s{\"instance\":", i > 0 ? "," :
			    "");
			if (rc == ERR_OK)
				rc = inventory_json_str(b, in->id);
			if (rc == ERR_OK)
				rc = inv_json_member(b, "name", in->name);
			if (rc == ERR_OK)
				rc = buf_printf(b, ",\"status\":%d,\"type\":"
				    "%d}", in->status, in->type);
		} else if (strcmp(format, "csv") == 0) {
			cells[0] = in->id;
			cells[1] = in->name;
			cells[2] = status;
			cells[3] = type;
			rc = csvout_record(b, cells, 4);
		} else {
			rc = buf_printf(b, "%-40s  %-24s  %-6s  %s\n", in->id,
			    in->name, status, type);
		}
	}
	if (rc == ERR_OK && strcmp(format, "json") == 0)
		rc = buf_puts(b, "]}\n");
	if (rc != ERR_OK) {
		msg_error("inventory: out of memory");
		return EXITCODE_ABORTED;
	}
	if (il->n == 0)
		msg_info("inventory: no instance in service in this region");
	else
		msg_info("inventory: %zu instance%s; pass one with --instance "
		    "ID (e.g. --instance %s)", il->n, il->n == 1 ? "" : "s",
		    il->v[0].id);
	return EXITCODE_OK;
}

static int
inv_run(int argc, char **argv)
{
	struct inv_cfg cfg;
	struct opts_result res;
	struct inventory_link link;
	struct inventory_select sel;
	struct inventory inv;
	const char *format;
	struct buf out;
	struct err e;
	err_code rc;
	int st;

	memset(&cfg, 0, sizeof cfg);
	memset(&res, 0, sizeof res);
	memset(&link, 0, sizeof link);
	memset(&inv, 0, sizeof inv);
	buf_init(&out, INV_OUT_MAX);
	err_clear(&e);
	st = cmd_parse(&cmd_inventory, argc, argv, &cfg,
	    offsetof(struct inv_cfg, common), &res);
	if (st >= 0)
		return st;
	if (res.npos > 0) {
		msg_error("inventory: unexpected argument '%s' (usage: %s)",
		    res.pos[0], cmd_inventory.usage);
		st = EXITCODE_INVALID;
		goto done;
	}
	format = cfg.format != NULL ? cfg.format :
	    isatty(STDOUT_FILENO) && cfg.output == NULL ? "table" : "csv";
	if (cfg.instance == NULL && strcmp(format, "state") == 0) {
		msg_error("inventory: --format state needs --instance ID");
		st = EXITCODE_INVALID;
		goto done;
	}
	if ((cfg.instance == NULL && (cfg.group != NULL || cfg.topic !=
	    NULL))) {
		msg_error("inventory: --group and --topic need --instance ID "
		    "(without it, the region's instances are listed)");
		st = EXITCODE_INVALID;
		goto done;
	}
	if (inventory_check_outputs(cfg.output, cfg.summary_json, &e) !=
	    ERR_OK) {
		msg_error("inventory: %s", err_message(&e));
		st = EXITCODE_INVALID;
		goto done;
	}
	st = inventory_connect("inventory", &cfg.conn, cfg.common.debug,
	    &link);
	if (st != EXITCODE_OK)
		goto done;
	if (cfg.instance == NULL) {
		st = inv_instances(link.reader, format, &out);
	} else {
		memset(&sel, 0, sizeof sel);
		sel.instance = cfg.instance;
		sel.group_glob = cfg.group;
		sel.topic_glob = cfg.topic;
		sel.positions = 1;
		sel.progress = msg_is_tty();
		rc = inventory_collect(link.reader, &sel, &inv, &e);
		if (rc == ERR_OK && strcmp(format, "state") == 0)
			rc = inv_state(link.reader, &inv, cfg.instance,
			    cfg.group, cfg.topic, &out, &e);
		else if (rc == ERR_OK && strcmp(format, "json") == 0)
			rc = inv_json(&inv, cfg.instance, &out);
		else if (rc == ERR_OK && strcmp(format, "table") == 0)
			rc = inv_table(&inv, &out);
		else if (rc == ERR_OK)
			rc = inv_csv(&inv, &out);
		if (rc != ERR_OK) {
			msg_error("inventory: %s", e.code != ERR_OK ?
			    err_message(&e) : "out of memory");
			st = exitcode_from_err(rc);
			goto done;
		}
		msg_verbose("inventory: %zu subscriptions", inv.n);
	}
	if (st == EXITCODE_OK && inventory_write(cfg.output, &out, &e) !=
	    ERR_OK) {
		msg_error("inventory: %s", err_message(&e));
		st = EXITCODE_ABORTED;
	}
	if (cfg.summary_json != NULL && link.reader != NULL &&
	    inventory_summary_json(cfg.summary_json, "inventory",
	    cfg.instance, inv.n, link.reader, &e) != ERR_OK) {
		msg_error("inventory: %s", err_message(&e));
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
