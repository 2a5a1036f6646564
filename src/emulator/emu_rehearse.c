/*
 * emu_rehearse.c - a state made to fit a plan.  See
 * include/emulator/emu_rehearse.h.
 */
#include "emu_rehearse.h"

#include <string.h>

#include "diag.h"
#include "msg.h"
#include "plan.h"
#include "rng.h"

/*
 * Warning lines printed per kind of invented name; the rest are only
 * counted, so a benchmark's million-row rehearsal does not flood stderr.
 */
#define EMU_REHEARSE_WARN_MAX 100

/* What a rehearsal had to make up, for its warnings and summary. */
struct emu_rehearse_invented {
	const char *plan;         /* the plan's display name */
	int had_state;            /* the state held instances before */
	unsigned long instances;  /* instances created */
	unsigned long topics;     /* topics created */
	unsigned long groups;     /* groups created */
	unsigned long subs;       /* subscriptions created */
};

/* One warning line for an invented name (up to the cap per kind). */
static void
emu_rehearse_warn(const struct emu_rehearse_invented *inv,
    unsigned long count, const char *kind, const char *name,
    const char *instance)
{
	if (count > EMU_REHEARSE_WARN_MAX)
		return;
	if (count == EMU_REHEARSE_WARN_MAX)
		msg_warn("rehearse: %s: more invented %ss follow; only "
		    "counted", inv->plan, kind);
	else
		msg_warn("rehearse: %s: invented %s '%s' in instance %s%s",
		    inv->plan, kind, name, instance, inv->had_state ?
		    ": the state does not have it" : "");
}

/* A subscription starts this far behind the newest message. */
#define EMU_REHEARSE_LAG_MS ((int64_t)3600 * 1000)

static uint64_t
emu_rehearse_hash(const char *s, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Give a new topic its week of history; widen an old one for `ts`. */
static void
emu_rehearse_topic(struct emu_topic *t, int fresh, int64_t now_ms,
    uint64_t seed, int64_t ts)
{
	struct rng g;

	if (fresh) {
		rng_seed(&g, emu_rehearse_hash(t->name, seed));
		t->earliest_ms = now_ms - EMU_REHEARSE_HISTORY_MS;
		t->latest_ms = now_ms;
		t->message_count = 100000 + (int64_t)rng_below(&g, 900001);
		t->create_ms = now_ms - 4 * EMU_REHEARSE_HISTORY_MS;
	}
	if (ts >= 0 && ts < t->earliest_ms)
		t->earliest_ms = ts;
	if (ts > t->latest_ms)
		t->latest_ms = ts;
	if (t->message_count == 0)
		t->message_count = 100000;
}

static err_code
emu_rehearse_row(struct emu_state *st, const struct plan_row *row,
    int64_t now_ms, uint64_t seed, struct emu_rehearse_invented *inv)
{
	struct emu_instance *in;
	struct emu_topic *t;
	struct emu_group *g;
	struct emu_sub *s;
	int fresh_t, fresh_g, fresh_s;

	if (emu_state_find_instance(st, row->key.instance) == NULL)
		inv->instances++;
	in = emu_state_add_instance(st, row->key.instance);
	if (in == NULL)
		return ERR_NOMEM;
	fresh_t = emu_state_find_topic(st, in->id, row->key.topic) == NULL;
	t = emu_state_add_topic(st, in, row->key.topic);
	fresh_g = emu_state_find_group(st, in->id, row->key.group) == NULL;
	g = emu_state_add_group(st, in, row->key.group);
	if (t == NULL || g == NULL)
		return ERR_NOMEM;
	if (fresh_t)
		emu_rehearse_warn(inv, inv->topics++, "topic", t->name,
		    in->id);
	if (fresh_g)
		emu_rehearse_warn(inv, inv->groups++, "group", g->group_id,
		    in->id);
	emu_rehearse_topic(t, fresh_t, now_ms, seed,
	    row->key.type == PLAN_TYPE_TIMESTAMP ? row->key.reset_ms : -1);
	if (fresh_g)
		g->create_ms = now_ms - 2 * EMU_REHEARSE_HISTORY_MS;
	fresh_s = emu_state_find_sub(st, in->id, g->group_id, t->name) == NULL;
	s = emu_state_add_sub(st, in, g, t);
	if (s == NULL)
		return ERR_NOMEM;
	if (fresh_s) {
		inv->subs++;
		s->position_ms = t->latest_ms - EMU_REHEARSE_LAG_MS;
		if (s->position_ms < t->earliest_ms)
			s->position_ms = t->earliest_ms;
		s->backlog = emu_state_backlog_at(t, s->position_ms);
		if (s->backlog == 0)
			s->backlog = 1;
		s->consume_tps = 10.0;
	}
	return ERR_OK;
}

err_code
emu_rehearse(struct emu_state *st, const char *path, const char *instance,
    int64_t now_ms, uint64_t seed, unsigned long *rows, struct err *e)
{
	struct plan_options po;
	struct plan_counts counts;
	struct plan_reader *r = NULL;
	struct plan_row row;
	struct emu_rehearse_invented inv;
	struct diag *d;
	err_code rc;
	int eof = 0;

	*rows = 0;
	memset(&inv, 0, sizeof inv);
	inv.plan = plan_display_name(path);
	inv.had_state = st->ninstances > 0;
	d = diag_new(plan_display_name(path), DIAG_PRINT, 20);
	if (d == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	memset(&po, 0, sizeof po);
	po.instance = instance;
	po.now_ms = now_ms;
	po.diag = d;
	rc = plan_validate(path, &po, &counts, e);
	diag_finish(d);
	if (rc == ERR_PLAN)
		err_set(e, ERR_PLAN, "%s: the plan has errors; a rehearsal "
		    "needs a valid plan", plan_display_name(path));
	po.diag = NULL;
	po.stop_on_error = 1;
	if (rc == ERR_OK)
		rc = plan_open(path, &po, &r, e);
	while (rc == ERR_OK) {
		rc = plan_next(r, &row, &eof, e);
		if (rc != ERR_OK || eof)
			break;
		rc = emu_rehearse_row(st, &row, now_ms, seed, &inv);
		if (rc == ERR_NOMEM)
			err_set(e, rc, "out of memory");
		(*rows)++;
	}
	if (rc == ERR_OK)
		msg_log(inv.groups + inv.topics > 0 ? MSG_WARN : MSG_INFO,
		    "rehearse: %s: %lu rows; invented %lu groups, %lu topics, "
		    "%lu instances and %lu subscriptions%s", inv.plan, *rows,
		    inv.groups, inv.topics, inv.instances, inv.subs,
		    inv.had_state ? " missing from the state" :
		    " (no --state: every name is made up)");
	plan_close(r);
	diag_destroy(d);
	return rc;
}
