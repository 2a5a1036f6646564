/*
 * inventory.c - an instance's subscriptions, gathered through the read
 * layer; the connection and output helpers shared by `mqreset inventory`
 * and `mqreset plan`.  See include/mqreset/inventory.h.
 */
#include "inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fsutil.h"
#include "msg.h"


void
inventory_free(struct inventory *inv)
{
	if (inv == NULL)
		return;
	free(inv->v);
	memset(inv, 0, sizeof *inv);
}

static int
inventory_match(const char *glob, const char *name)
{
	return glob == NULL || fnmatch(glob, name, 0) == 0;
}

static struct inventory_row *
inventory_add(struct inventory *inv)
{
	struct inventory_row *nv;
	size_t ncap;

	if (inv->n == inv->cap) {
		ncap = inv->cap != 0 ? inv->cap * 2 : 64;
		nv = realloc(inv->v, ncap * sizeof *nv);
		if (nv == NULL)
			return NULL;
		inv->v = nv;
		inv->cap = ncap;
	}
	memset(&inv->v[inv->n], 0, sizeof inv->v[0]);
	return &inv->v[inv->n++];
}

static int
inventory_cmp(const void *a, const void *b)
{
	const struct inventory_row *x = a, *y = b;
	int c = strcmp(x->group->id, y->group->id);

	return c != 0 ? c : strcmp(x->topic, y->topic);
}

/* The service answered that a name does not exist: skip, not stop. */
static int
inventory_gone(const struct onsread *r, err_code rc)
{
	return rc == ERR_REMOTE && onsread_last_class(r) == REPLY_FAILED_ROW;
}

/* The rows of one group (those its topics' glob selects). */
static err_code
inventory_group(struct onsread *r, const struct inventory_select *sel,
    const struct onsread_group *g, struct inventory *inv, struct err *e)
{
	const struct onsread_group_sub *sd;
	const struct onsread_accum *ac;
	struct inventory_row *row;
	size_t i, j;
	err_code rc;

	rc = onsread_group_sub(r, sel->instance, g->id, &sd, e);
	if (rc == ERR_OK)
		rc = onsread_accumulate(r, sel->instance, g->id, &ac, e);
	if (rc != ERR_OK)
		return rc;
	/* Every topic the service keeps a backlog for, then the topics
	 * of the online consumers it has no backlog entry for. */
	for (i = 0; i < ac->n + sd->n; i++) {
		const char *topic = i < ac->n ? ac->v[i].topic :
		    sd->v[i - ac->n].topic;
		const char *expr = NULL;

		if (topic[0] == '\0' || !inventory_match(sel->topic_glob,
		    topic))
			continue;
		for (j = 0; i >= ac->n && j < ac->n; j++)
			if (strcmp(ac->v[j].topic, topic) == 0)
				break;
		if (i >= ac->n && j < ac->n)
			continue;
		for (j = 0; j < sd->n; j++)
			if (strcmp(sd->v[j].topic, topic) == 0)
				expr = sd->v[j].expr;
		if ((row = inventory_add(inv)) == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		row->instance = sel->instance;
		row->group = g;
		row->topic = topic;
		row->model = sd->model;
		row->online = sd->online || ac->online;
		row->expr = expr;
		row->position_ms = row->min_ms = row->max_ms = -1;
		row->backlog = i < ac->n ? ac->v[i].diff : 0;
		row->delay_ms = i < ac->n ? ac->v[i].delay_ms : 0;
		row->tps = ac->tps;
	}
	return ERR_OK;
}

/* OnsConsumerTimeSpan for one row; a subscription gone is kept unknown. */
static err_code
inventory_span(struct onsread *r, struct inventory_row *row, struct err *e)
{
	const struct onsread_span *sp;
	struct err se;
	err_code rc;

	err_clear(&se);
	rc = onsread_time_span(r, row->instance, row->group->id, row->topic,
	    &sp, &se);
	if (rc == ERR_OK) {
		row->position_ms = sp->consume_ms;
		row->min_ms = sp->min_ms;
		row->max_ms = sp->max_ms;
		return ERR_OK;
	}
	if (inventory_gone(r, rc)) {
		msg_warn("%s/%s: position unknown: %s", row->group->id,
		    row->topic, err_message(&se));
		return ERR_OK;
	}
	return err_set(e, rc, "%s", err_message(&se));
}

static void
inventory_progress(const struct inventory_select *sel, const char *what,
    size_t done, size_t total)
{
	char line[160];

	if (!sel->progress)
		return;
	snprintf(line, sizeof line, "%s: %s %zu/%zu", sel->instance, what,
	    done, total);
	msg_status(line);
}

err_code
inventory_collect(struct onsread *r, const struct inventory_select *sel,
    struct inventory *inv, struct err *e)
{
	const struct onsread_groups *gl;
	struct err ge;
	err_code rc;
	size_t i;

	rc = onsread_groups(r, sel->instance, &gl, e);
	for (i = 0; rc == ERR_OK && i < gl->n; i++) {
		if (!inventory_match(sel->group_glob, gl->v[i].id))
			continue;
		inventory_progress(sel, "groups", i + 1, gl->n);
		err_clear(&ge);
		rc = inventory_group(r, sel, &gl->v[i], inv, &ge);
		if (rc != ERR_OK && inventory_gone(r, rc)) {
			msg_warn("group %s skipped: %s", gl->v[i].id,
			    err_message(&ge));
			inv->skipped++;
			rc = ERR_OK;
		} else if (rc != ERR_OK) {
			rc = err_set(e, rc, "%s", err_message(&ge));
		}
	}
	if (rc == ERR_OK && inv->n > 1)
		qsort(inv->v, inv->n, sizeof inv->v[0], inventory_cmp);
	for (i = 0; rc == ERR_OK && sel->positions && i < inv->n; i++) {
		inventory_progress(sel, "positions", i + 1, inv->n);
		rc = inventory_span(r, &inv->v[i], e);
	}
	if (sel->progress)
		msg_status(NULL);
	return rc;
}

int
inventory_connect(const char *cmd, const struct cmd_conn *c, int debug,
    struct inventory_link *l)
{
	struct client_config cc;
	const char *hint;
	struct err e;

	err_clear(&e);
	if (cmd_conn_creds(c, &l->creds, &e) != ERR_OK) {
		msg_error("%s: %s", cmd, err_message(&e));
		return EXITCODE_ABORTED;
	}
	msg_verbose("%s: credentials from %s (AccessKeyId %s)", cmd,
	    creds_source(l->creds), creds_key_hint(l->creds));
	if (cmd_conn_endpoint(c, l->creds, l->endpoint, &e) != ERR_OK) {
		msg_error("%s: %s", cmd, err_message(&e));
		return EXITCODE_INVALID;
	}
	if (client_global_init() != ERR_OK) {
		msg_error("%s: libcurl cannot start", cmd);
		return EXITCODE_ABORTED;
	}
	l->inited = 1;
	memset(&cc, 0, sizeof cc);
	cmd_conn_client_config(c, l->endpoint, l->creds, debug, &cc);
	l->client = client_new(&cc, &e);
	if (l->client != NULL)
		l->reader = onsread_new(l->client, &e);
	if (l->reader == NULL) {
		msg_error("%s: %s", cmd, err_message(&e));
		if ((hint = cmd_conn_hint(e.code)) != NULL)
			msg_error("%s: %s", cmd, hint);
		return e.code == ERR_USAGE ? EXITCODE_INVALID :
		    EXITCODE_ABORTED;
	}
	return EXITCODE_OK;
}

void
inventory_disconnect(struct inventory_link *l)
{
	if (l == NULL)
		return;
	onsread_destroy(l->reader);
	client_destroy(l->client);
	creds_destroy(l->creds);
	if (l->inited)
		client_global_cleanup();
	memset(l, 0, sizeof *l);
}

err_code
inventory_check_outputs(const char *output, const char *summary_json,
    struct err *e)
{
	err_code rc = ERR_OK;

	if (output != NULL && strcmp(output, "-") != 0)
		rc = fsutil_check_target(output, e);
	if (rc == ERR_OK && summary_json != NULL)
		rc = fsutil_check_target(summary_json, e);
	return rc;
}

err_code
inventory_write(const char *path, const struct buf *b, struct err *e)
{
	const char *text = b->data != NULL ? b->data : "";

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(text, 1, b->len, stdout) != b->len ||
		    fflush(stdout) != 0)
			return err_set(e, ERR_IO, "cannot write to standard "
			    "output");
		return ERR_OK;
	}
	return fsutil_write_file(path, text, b->len, e);
}

err_code
inventory_json_str(struct buf *b, const char *s)
{
	err_code rc = buf_putc(b, '"');

	for (; rc == ERR_OK && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			rc = buf_printf(b, "\\u%04x", c);
		else
			rc = buf_putc(b, (char)c);
	}
	return rc == ERR_OK ? buf_putc(b, '"') : rc;
}

err_code
inventory_summary_json(const char *path, const char *cmd,
    const char *instance, size_t rows, const struct onsread *r,
    struct err *e)
{
	uint64_t calls[ONSREAD_N], thr[ONSREAD_N], total = 0;
	struct buf b;
	err_code rc;
	int a;

	onsread_calls(r, calls);
	onsread_throttled(r, thr);
	buf_init(&b, 1 << 20);
	rc = buf_puts(&b, "{\"command\":");
	if (rc == ERR_OK)
		rc = inventory_json_str(&b, cmd);
	if (rc == ERR_OK)
		rc = buf_puts(&b, ",\"instance\":");
	if (rc == ERR_OK)
		rc = instance != NULL ? inventory_json_str(&b, instance) :
		    buf_puts(&b, "null");
	if (rc == ERR_OK)
		rc = buf_printf(&b, ",\"rows\":%zu,\"calls\":{", rows);
	for (a = 0; rc == ERR_OK && a < ONSREAD_N; a++) {
		total += calls[a];
		rc = buf_printf(&b, "%s\"%s\":%llu", a > 0 ? "," : "",
		    onsread_action_name((enum onsread_action)a),
		    (unsigned long long)calls[a]);
	}
	if (rc == ERR_OK)
		rc = buf_printf(&b, "},\"requests\":%llu,\"throttled\":{",
		    (unsigned long long)total);
	for (a = 0; rc == ERR_OK && a < ONSREAD_N; a++)
		rc = buf_printf(&b, "%s\"%s\":%llu", a > 0 ? "," : "",
		    onsread_action_name((enum onsread_action)a),
		    (unsigned long long)thr[a]);
	if (rc == ERR_OK)
		rc = buf_puts(&b, "}}\n");
	if (rc != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	else
		rc = inventory_write(path, &b, e);
	buf_free(&b);
	return rc;
}
