/*
 * heldcheck.c - judging held type 0 rows on `run --resume --verify` by the
 * reading saved before their earlier send.  See include/mqreset/heldcheck.h.
 *
 * Design: the previous reports and journals are read once with csvin
 * (columns found by name); every saved reading becomes an entry (the
 * key's strings and the reading), the one with the oldest newest message
 * winning per key.  Held rows are few: lookups are linear.  Verdicts are
 * cached per plan row index in increasing order (the engine's passes go
 * through the plan in order), looked up by binary search.
 */
#include "heldcheck.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"
#include "csvout.h"

struct heldcheck_entry {
	char *instance, *group, *topic, *profile, *region; /* owned */
	struct intent_reading r;
};

struct heldcheck_verdict_slot {
	size_t index;
	enum heldcheck_verdict v;
};

struct heldcheck {
	struct verify *v;                   /* reads the state now */
	struct heldcheck_entry *ent;
	size_t nent, capent;
	struct heldcheck_verdict_slot *slot; /* by increasing index */
	size_t nslot, capslot;
	size_t applied, sent, held;
	int broken;                         /* see heldcheck_row() */
};

/* One file being read. */
struct heldcheck_loader {
	struct heldcheck *hc;
	const char *name;
	struct err *e;
	int journal;       /* an intent journal, else a report */
	int have_header;
	long col[9];       /* instance, group, topic, type, profile, region,
	                      newest, position, backlog / error_message */
};

enum {
	HC_INSTANCE, HC_GROUP, HC_TOPIC, HC_TYPE, HC_PROFILE, HC_REGION,
	HC_NEWEST, HC_POSITION, HC_BACKLOG
};
#define HC_MESSAGE HC_NEWEST /* reports: error_message */

void
heldcheck_token(char *msg, size_t n, const struct intent_reading *r)
{
	size_t len = strlen(msg);

	if (len + 1 >= n)
		return;
	snprintf(msg + len, n - len, "%s%s newest_ms=%" PRId64 " position_ms="
	    "%" PRId64 " backlog=%" PRId64, len > 0 ? "; " : "",
	    HELDCHECK_TOKEN, r->newest_ms, r->position_ms, r->backlog);
}

int
heldcheck_parse_token(const char *s, struct intent_reading *r)
{
	const char *p = strstr(s, HELDCHECK_TOKEN);
	long long a, b, c;

	if (p == NULL)
		return 0;
	p += strlen(HELDCHECK_TOKEN);
	if (sscanf(p, " newest_ms=%lld position_ms=%lld backlog=%lld", &a,
	    &b, &c) != 3)
		return 0;
	r->newest_ms = a;
	r->position_ms = b;
	r->backlog = c;
	return 1;
}

enum heldcheck_verdict
heldcheck_judge(const struct intent_reading *saved,
    const struct verify_reading *now, char *msg, size_t n)
{
	struct verify_reading before;
	char b[256], a[256];
	enum attempt_resolution rs;

	memset(&before, 0, sizeof before);
	before.ok = 1;
	before.max_ms = saved->newest_ms;
	before.consume_ms = saved->position_ms;
	before.backlog = saved->backlog;
	rs = verify_resolve(&before, now);
	verify_describe(&before, b, sizeof b);
	verify_describe(now, a, sizeof a);
	snprintf(msg, n, "read-back: before the earlier send: %s; now: %s%s",
	    b, a, rs == ATTEMPT_RB_NOT_APPLIED ? "; not applied" :
	    rs == ATTEMPT_RB_CANNOT_TELL ? "; the state cannot tell" : "");
	if (rs == ATTEMPT_RB_APPLIED)
		return HELDCHECK_APPLIED;
	if (rs == ATTEMPT_RB_NOT_APPLIED)
		return HELDCHECK_SEND;
	heldcheck_token(msg, n, saved);
	return HELDCHECK_HOLD;
}

static int
heldcheck_parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static const char *
heldcheck_cell(char **cells, size_t n, long col)
{
	return col >= 0 && (size_t)col < n ? cells[col] : "";
}

static int
heldcheck_same(const struct heldcheck_entry *x, const struct plan_key *k)
{
	return strcmp(x->instance, plan_key_str(k->instance)) == 0 &&
	    strcmp(x->group, plan_key_str(k->group)) == 0 &&
	    strcmp(x->topic, plan_key_str(k->topic)) == 0 &&
	    strcmp(x->profile, plan_key_str(k->profile)) == 0 &&
	    strcmp(x->region, plan_key_str(k->region)) == 0;
}

static struct heldcheck_entry *
heldcheck_find(const struct heldcheck *hc, const struct plan_key *k)
{
	size_t i;

	for (i = 0; i < hc->nent; i++)
		if (heldcheck_same(&hc->ent[i], k))
			return &hc->ent[i];
	return NULL;
}

/* Keep the reading of *k, or the older one already kept. */
static err_code
heldcheck_add(struct heldcheck *hc, const struct plan_key *k,
    const struct intent_reading *r, struct err *e)
{
	struct heldcheck_entry *x = heldcheck_find(hc, k), *grown;

	if (x != NULL) {
		if (r->newest_ms < x->r.newest_ms)
			x->r = *r;
		return ERR_OK;
	}
	if (hc->nent == hc->capent) {
		size_t cap = hc->capent ? hc->capent * 2 : 16;

		grown = realloc(hc->ent, cap * sizeof *grown);
		if (grown == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		hc->ent = grown;
		hc->capent = cap;
	}
	x = &hc->ent[hc->nent];
	memset(x, 0, sizeof *x);
	x->r = *r;
	x->instance = strdup(plan_key_str(k->instance));
	x->group = strdup(plan_key_str(k->group));
	x->topic = strdup(plan_key_str(k->topic));
	x->profile = strdup(plan_key_str(k->profile));
	x->region = strdup(plan_key_str(k->region));
	hc->nent++;
	if (x->instance == NULL || x->group == NULL || x->topic == NULL ||
	    x->profile == NULL || x->region == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

static err_code
heldcheck_header(struct heldcheck_loader *ld, char **cells, size_t n)
{
	static const char *const names[] = {
		"instance_id", "group_id", "topic", "type"
	};
	size_t i, c;

	for (c = 0; c < sizeof ld->col / sizeof ld->col[0]; c++)
		ld->col[c] = -1;
	for (i = 0; i < n; i++) {
		enum plan_account_col ac = plan_account_column(cells[i]);

		for (c = 0; c < 4; c++)
			if (strcmp(cells[i], names[c]) == 0 && ld->col[c] < 0)
				ld->col[c] = (long)i;
		if (ac == PLAN_ACCOUNT_PROFILE && ld->col[HC_PROFILE] < 0)
			ld->col[HC_PROFILE] = (long)i;
		else if (ac == PLAN_ACCOUNT_REGION && ld->col[HC_REGION] < 0)
			ld->col[HC_REGION] = (long)i;
		if (ld->journal) {
			for (c = 0; c < INTENT_NREADING; c++)
				if (strcmp(cells[i],
				    intent_reading_columns[c]) == 0)
					ld->col[HC_NEWEST + c] = (long)i;
		} else if (strcmp(cells[i], "error_message") == 0) {
			ld->col[HC_MESSAGE] = (long)i;
		}
	}
	for (c = 0; c < 4; c++)
		if (ld->col[c] < 0)
			return err_set(ld->e, ERR_PARSE, "%s: no column \"%s\"",
			    ld->name, names[c]);
	ld->have_header = 1;
	return ERR_OK;
}

/* csvin callback. */
static err_code
heldcheck_record(void *arg, char **cells, size_t n, unsigned long line)
{
	struct heldcheck_loader *ld = arg;
	struct intent_reading r;
	struct plan_key k;
	size_t i;
	int have;

	(void)line;
	if (!ld->have_header)
		return heldcheck_header(ld, cells, n);
	for (i = 0; i < n; i++)
		csvout_decode(cells[i]);
	if (strcmp(heldcheck_cell(cells, n, ld->col[HC_TYPE]), "0") != 0)
		return ERR_OK;
	if (ld->journal)
		have = heldcheck_parse_i64(heldcheck_cell(cells, n,
		    ld->col[HC_NEWEST]), &r.newest_ms) == 0 &&
		    heldcheck_parse_i64(heldcheck_cell(cells, n,
		    ld->col[HC_POSITION]), &r.position_ms) == 0 &&
		    heldcheck_parse_i64(heldcheck_cell(cells, n,
		    ld->col[HC_BACKLOG]), &r.backlog) == 0;
	else
		have = heldcheck_parse_token(heldcheck_cell(cells, n,
		    ld->col[HC_MESSAGE]), &r);
	if (!have)
		return ERR_OK;
	memset(&k, 0, sizeof k);
	k.instance = heldcheck_cell(cells, n, ld->col[HC_INSTANCE]);
	k.group = heldcheck_cell(cells, n, ld->col[HC_GROUP]);
	k.topic = heldcheck_cell(cells, n, ld->col[HC_TOPIC]);
	k.type = PLAN_TYPE_CLEAR;
	k.profile = heldcheck_cell(cells, n, ld->col[HC_PROFILE]);
	k.region = heldcheck_cell(cells, n, ld->col[HC_REGION]);
	return heldcheck_add(ld->hc, &k, &r, ld->e);
}

/* Read one file; a missing journal is not an error. */
static err_code
heldcheck_file(struct heldcheck *hc, const char *path, int journal,
    struct err *e)
{
	struct heldcheck_loader ld;
	FILE *fp;
	err_code rc;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		if (journal && errno == ENOENT)
			return ERR_OK;
		return err_set_errno(e, ERR_IO, errno, "cannot read %s", path);
	}
	memset(&ld, 0, sizeof ld);
	ld.hc = hc;
	ld.name = path;
	ld.e = e;
	ld.journal = journal;
	rc = csvin_read(fp, path, heldcheck_record, &ld, NULL, e);
	fclose(fp);
	return rc;
}

err_code
heldcheck_load(struct heldcheck **out, const char *const *paths, size_t n,
    struct verify *v, struct err *e)
{
	struct heldcheck *hc;
	struct buf jpath;
	size_t i;
	err_code rc = ERR_OK;

	*out = NULL;
	hc = calloc(1, sizeof *hc);
	if (hc == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	hc->v = v;
	buf_init(&jpath, 8192);
	for (i = 0; i < n && rc == ERR_OK; i++) {
		rc = heldcheck_file(hc, paths[i], 0, e);
		if (rc == ERR_OK && intent_path(paths[i], &jpath) != ERR_OK)
			rc = err_set(e, ERR_TOOBIG, "path too long: %s",
			    paths[i]);
		if (rc == ERR_OK)
			rc = heldcheck_file(hc, buf_cstr(&jpath), 1, e);
	}
	buf_free(&jpath);
	if (rc != ERR_OK) {
		heldcheck_destroy(hc);
		return rc;
	}
	*out = hc;
	return ERR_OK;
}

int
heldcheck_saved(const struct heldcheck *hc, const struct plan_key *key,
    struct intent_reading *r)
{
	const struct heldcheck_entry *x;

	if (key->type != PLAN_TYPE_CLEAR)
		return 0;
	x = heldcheck_find(hc, key);
	if (x == NULL)
		return 0;
	*r = x->r;
	return 1;
}

/* The cached verdict of row `index`, or NULL. */
static struct heldcheck_verdict_slot *
heldcheck_slot(struct heldcheck *hc, size_t index)
{
	size_t lo = 0, hi = hc->nslot, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hc->slot[mid].index == index)
			return &hc->slot[mid];
		if (hc->slot[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

enum heldcheck_verdict
heldcheck_row(struct heldcheck *hc, size_t index, const struct plan_key *key,
    char *msg, size_t n)
{
	struct heldcheck_verdict_slot *s = heldcheck_slot(hc, index), *grown;
	struct intent_reading saved;
	struct verify_reading now;
	enum heldcheck_verdict v;
	char text[ATTEMPT_MSG_MAX];

	if (msg != NULL && n > 0)
		msg[0] = '\0';
	if (s != NULL)
		return s->v;
	if (hc->broken || !heldcheck_saved(hc, key, &saved))
		return HELDCHECK_HOLD; /* nothing read: nothing to cache */
	/* Room for the verdict first: every pass must get the same one, so
	 * a row judged is always cached; when that cannot be, every later
	 * row is held (the engine's first pass asks for every row before
	 * any is sent). */
	if (hc->nslot > 0 && hc->slot[hc->nslot - 1].index > index)
		hc->broken = 1;
	if (!hc->broken && hc->nslot == hc->capslot) {
		size_t cap = hc->capslot ? hc->capslot * 2 : 16;

		grown = realloc(hc->slot, cap * sizeof *grown);
		if (grown == NULL)
			hc->broken = 1;
		else {
			hc->slot = grown;
			hc->capslot = cap;
		}
	}
	if (hc->broken)
		return HELDCHECK_HOLD;
	verify_read(hc->v, key, &now);
	v = heldcheck_judge(&saved, &now, text, sizeof text);
	if (msg != NULL && n > 0)
		snprintf(msg, n, "%s", text);
	if (v == HELDCHECK_APPLIED)
		hc->applied++;
	else if (v == HELDCHECK_SEND)
		hc->sent++;
	else
		hc->held++;
	hc->slot[hc->nslot].index = index;
	hc->slot[hc->nslot].v = v;
	hc->nslot++;
	return v;
}

void
heldcheck_counts(const struct heldcheck *hc, size_t *applied, size_t *sent,
    size_t *held)
{
	*applied = hc->applied;
	*sent = hc->sent;
	*held = hc->held;
}

void
heldcheck_destroy(struct heldcheck *hc)
{
	size_t i;

	if (hc == NULL)
		return;
	for (i = 0; i < hc->nent; i++) {
		free(hc->ent[i].instance);
		free(hc->ent[i].group);
		free(hc->ent[i].topic);
		free(hc->ent[i].profile);
		free(hc->ent[i].region);
	}
	free(hc->ent);
	free(hc->slot);
	free(hc);
}
