/*
 * emu_state.c - the emulator's world and its JSON state file.
 * See include/emulator/emu_state.h for the contract and mqreset-emulator(1) for the
 * file format.
 *
 * Design: objects are malloc'd one by one and listed in pointer arrays;
 * a single open-addressing hash table maps composite keys (a kind byte,
 * then the instance, group and topic names separated by NUL bytes) to
 * objects, so a request resolves its names in O(1) however large a
 * rehearsal state is.  The graph only grows before the server starts,
 * so the index is read without locking afterwards.  cJSON is used here
 * and nowhere else in the emulator.
 */
#include "emu_state.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "dupset.h"
#include "emu_sts.h"

/* Longest identifier accepted (the plan validator uses the same bound). */
#define EMU_NAME_MAX 255
/* Composite key: kind + 3 names + 2 separators. */
#define EMU_KEY_MAX (1 + 3 * (EMU_NAME_MAX + 1))
/* A state file larger than this is refused (a 1M-row rehearsal is ~300 MB
 * of JSON; nobody writes that by hand). */
#define EMU_STATE_FILE_MAX ((size_t)1 << 30)

enum emu_kind {
	EMU_K_CRED = 'c',
	EMU_K_INST = 'i',
	EMU_K_TOPIC = 't',
	EMU_K_GROUP = 'g',
	EMU_K_SUB = 's'
};

struct emu_slot {
	uint64_t hash; /* FNV-1a of the key; 0 marks an empty slot */
	char *key;     /* owned composite key */
	size_t klen;   /* key length (it contains NUL bytes) */
	void *obj;     /* the object */
};

struct emu_state_index {
	struct emu_slot *slots; /* power-of-two table */
	size_t cap;             /* slots allocated */
	size_t n;               /* slots used */
};

static uint64_t
emu_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

/* Build kind\0a\0b\0c into key; returns its length, 0 when too long. */
static size_t
emu_key(char key[EMU_KEY_MAX], char kind, const char *a, const char *b,
    const char *c)
{
	const char *parts[3] = { a, b, c };
	size_t n = 0, i, len;

	key[n++] = kind;
	for (i = 0; i < 3 && parts[i] != NULL; i++) {
		len = strlen(parts[i]);
		if (len > EMU_NAME_MAX)
			return 0;
		if (i > 0)
			key[n++] = '\0';
		memcpy(key + n, parts[i], len);
		n += len;
	}
	return n;
}

static void *
emu_index_get(const struct emu_state_index *ix, const char *key, size_t n)
{
	uint64_t h;
	size_t i;

	if (n == 0 || ix->cap == 0)
		return NULL;
	h = emu_hash(key, n);
	for (i = h & (ix->cap - 1); ix->slots[i].hash != 0;
	    i = (i + 1) & (ix->cap - 1))
		if (ix->slots[i].hash == h && ix->slots[i].klen == n &&
		    memcmp(ix->slots[i].key, key, n) == 0)
			return ix->slots[i].obj;
	return NULL;
}

static void
emu_index_place(struct emu_slot *slots, size_t cap, struct emu_slot s)
{
	size_t i;

	for (i = s.hash & (cap - 1); slots[i].hash != 0; i = (i + 1) & (cap - 1))
		;
	slots[i] = s;
}

/* Insert key -> obj (the key must be absent). */
static err_code
emu_index_put(struct emu_state_index *ix, const char *key, size_t n,
    void *obj)
{
	struct emu_slot s, *ns;
	size_t i, ncap;

	if (n == 0)
		return ERR_TOOBIG;
	if ((ix->n + 1) * 2 > ix->cap) {
		ncap = ix->cap != 0 ? ix->cap * 2 : 64;
		ns = calloc(ncap, sizeof *ns);
		if (ns == NULL)
			return ERR_NOMEM;
		for (i = 0; i < ix->cap; i++)
			if (ix->slots[i].hash != 0)
				emu_index_place(ns, ncap, ix->slots[i]);
		free(ix->slots);
		ix->slots = ns;
		ix->cap = ncap;
	}
	s.key = malloc(n);
	if (s.key == NULL)
		return ERR_NOMEM;
	memcpy(s.key, key, n);
	s.klen = n;
	s.hash = emu_hash(key, n);
	s.obj = obj;
	emu_index_place(ix->slots, ix->cap, s);
	ix->n++;
	return ERR_OK;
}

/* Grow a pointer array by one slot; ERR_NOMEM on failure. */
static err_code
emu_grow(void *arrp, size_t n, size_t *cap)
{
	void ***arr = arrp;
	void **na;
	size_t ncap;

	if (n < *cap)
		return ERR_OK;
	ncap = *cap != 0 ? *cap * 2 : 4;
	na = realloc(*arr, ncap * sizeof *na);
	if (na == NULL)
		return ERR_NOMEM;
	*arr = na;
	*cap = ncap;
	return ERR_OK;
}

/* Replace *dst with a copy of s; 0 on success. */
static int
emu_setstr(char **dst, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		return -1;
	free(*dst);
	*dst = d;
	return 0;
}

static void
emu_secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

struct emu_state *
emu_state_new(void)
{
	struct emu_state *st;

	st = calloc(1, sizeof *st);
	if (st == NULL)
		return NULL;
	st->index = calloc(1, sizeof *st->index);
	st->owner = strdup("1234567890123456");
	if (st->index == NULL || st->owner == NULL) {
		free(st->index);
		free(st->owner);
		free(st);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	return st;
}

static void
emu_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
emu_group_free(struct emu_group *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nsubs; i++) {
		free(g->subs[i]->sub_string);
		free(g->subs[i]);
	}
	free(g->subs);
	free(g->group_id);
	free(g->group_type);
	free(g->message_model);
	free(g->remark);
	free(g);
}

static void
emu_instance_free(struct emu_instance *in)
{
	size_t i;

	if (in == NULL)
		return;
	for (i = 0; i < in->ntopics; i++) {
		free(in->topics[i]->name);
		free(in->topics[i]->remark);
		free(in->topics[i]);
	}
	for (i = 0; i < in->ngroups; i++)
		emu_group_free(in->groups[i]);
	free(in->topics);
	free(in->groups);
	free(in->id);
	free(in);
}

void
emu_state_destroy(struct emu_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->ncreds; i++) {
		free(st->creds[i]->key_id);
		emu_secret_free(st->creds[i]->secret);
		emu_secret_free(st->creds[i]->token);
		emu_strv_free(st->creds[i]->deny, st->creds[i]->ndeny);
		free(st->creds[i]);
	}
	for (i = 0; i < st->ninstances; i++)
		emu_instance_free(st->instances[i]);
	for (i = 0; i < st->nfaults; i++)
		free(st->faults[i]);
	for (i = 0; i < st->nroles; i++)
		free(st->roles[i]);
	free(st->roles);
	if (st->index != NULL) {
		for (i = 0; i < st->index->cap; i++)
			free(st->index->slots[i].key);
		free(st->index->slots);
		free(st->index);
	}
	free(st->faults);
	free(st->creds);
	free(st->instances);
	for (i = 0; i < st->nowners; i++)
		free(st->owners[i]);
	free(st->owners);
	free(st->owner);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const char *
emu_state_owner(const struct emu_state *st, size_t i)
{
	if (i == 0)
		return st->owner != NULL ? st->owner : "";
	return i <= st->nowners ? st->owners[i - 1] : "";
}

size_t
emu_state_owner_find(const struct emu_state *st, const char *uid)
{
	size_t i;

	for (i = 0; uid != NULL && i < st->nowners; i++)
		if (strcmp(st->owners[i], uid) == 0)
			return i + 1;
	return 0;
}

size_t
emu_state_naccounts(const struct emu_state *st)
{
	return 1 + st->nowners;
}

/* The index of account `uid`, added when new (the state's Owner: 0).
 * -1 on ERR_NOMEM. */
static long
emu_state_owner_add(struct emu_state *st, const char *uid)
{
	size_t i;
	char **grown;

	if (st->owner != NULL && strcmp(st->owner, uid) == 0)
		return 0;
	i = emu_state_owner_find(st, uid);
	if (i > 0)
		return (long)i;
	if (st->nowners == st->capowners) {
		size_t cap = st->capowners == 0 ? 4 : 2 * st->capowners;

		grown = realloc(st->owners, cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		st->owners = grown;
		st->capowners = cap;
	}
	st->owners[st->nowners] = strdup(uid);
	if (st->owners[st->nowners] == NULL)
		return -1;
	return (long)++st->nowners;
}

struct emu_cred *
emu_state_find_cred(const struct emu_state *st, const char *key_id)
{
	char k[EMU_KEY_MAX];
	struct emu_cred *c;

	c = emu_index_get(st->index, k,
	    emu_key(k, EMU_K_CRED, key_id, NULL, NULL));
	/* Temporary credentials STS issued while serving. */
	if (c == NULL && st->sts != NULL)
		c = emu_sts_find(st->sts, key_id);
	return c;
}

struct emu_instance *
emu_state_find_instance(const struct emu_state *st, const char *id)
{
	char k[EMU_KEY_MAX];

	return emu_index_get(st->index, k,
	    emu_key(k, EMU_K_INST, id, NULL, NULL));
}

struct emu_topic *
emu_state_find_topic(const struct emu_state *st, const char *instance,
    const char *topic)
{
	char k[EMU_KEY_MAX];

	return emu_index_get(st->index, k,
	    emu_key(k, EMU_K_TOPIC, instance, topic, NULL));
}

struct emu_group *
emu_state_find_group(const struct emu_state *st, const char *instance,
    const char *group_id)
{
	char k[EMU_KEY_MAX];

	return emu_index_get(st->index, k,
	    emu_key(k, EMU_K_GROUP, instance, group_id, NULL));
}

struct emu_sub *
emu_state_find_sub(const struct emu_state *st, const char *instance,
    const char *group_id, const char *topic)
{
	char k[EMU_KEY_MAX];

	return emu_index_get(st->index, k,
	    emu_key(k, EMU_K_SUB, instance, group_id, topic));
}

struct emu_cred *
emu_state_add_cred(struct emu_state *st, const char *key_id,
    const char *secret)
{
	struct emu_cred *c;
	char k[EMU_KEY_MAX];
	size_t kn;
	char *s;

	s = strdup(secret);
	if (s == NULL)
		return NULL;
	c = emu_state_find_cred(st, key_id);
	if (c != NULL) {
		emu_secret_free(c->secret);
		c->secret = s;
		return c;
	}
	kn = emu_key(k, EMU_K_CRED, key_id, NULL, NULL);
	c = calloc(1, sizeof *c);
	if (kn == 0 || c == NULL || (c->key_id = strdup(key_id)) == NULL ||
	    emu_grow(&st->creds, st->ncreds, &st->capcreds) != ERR_OK ||
	    emu_index_put(st->index, k, kn, c) != ERR_OK) {
		emu_secret_free(s);
		if (c != NULL)
			free(c->key_id);
		free(c);
		return NULL;
	}
	c->secret = s;
	c->index = st->ncreds;
	st->creds[st->ncreds++] = c;
	return c;
}

struct emu_instance *
emu_state_add_instance(struct emu_state *st, const char *id)
{
	struct emu_instance *in;
	char k[EMU_KEY_MAX];
	size_t kn;

	in = emu_state_find_instance(st, id);
	if (in != NULL)
		return in;
	kn = emu_key(k, EMU_K_INST, id, NULL, NULL);
	in = calloc(1, sizeof *in);
	if (kn == 0 || in == NULL || (in->id = strdup(id)) == NULL ||
	    emu_grow(&st->instances, st->ninstances, &st->capinstances) !=
	    ERR_OK || emu_index_put(st->index, k, kn, in) != ERR_OK) {
		if (in != NULL)
			free(in->id);
		free(in);
		return NULL;
	}
	st->instances[st->ninstances++] = in;
	return in;
}

struct emu_topic *
emu_state_add_topic(struct emu_state *st, struct emu_instance *in,
    const char *name)
{
	struct emu_topic *t;
	char k[EMU_KEY_MAX];
	size_t kn;

	t = emu_state_find_topic(st, in->id, name);
	if (t != NULL)
		return t;
	kn = emu_key(k, EMU_K_TOPIC, in->id, name, NULL);
	t = calloc(1, sizeof *t);
	if (kn == 0 || t == NULL || (t->name = strdup(name)) == NULL ||
	    (t->remark = strdup("")) == NULL ||
	    emu_grow(&in->topics, in->ntopics, &in->captopics) != ERR_OK ||
	    emu_index_put(st->index, k, kn, t) != ERR_OK) {
		if (t != NULL) {
			free(t->name);
			free(t->remark);
		}
		free(t);
		return NULL;
	}
	t->perm = 6;
	in->topics[in->ntopics++] = t;
	return t;
}

struct emu_group *
emu_state_add_group(struct emu_state *st, struct emu_instance *in,
    const char *group_id)
{
	struct emu_group *g;
	char k[EMU_KEY_MAX];
	size_t kn;

	g = emu_state_find_group(st, in->id, group_id);
	if (g != NULL)
		return g;
	kn = emu_key(k, EMU_K_GROUP, in->id, group_id, NULL);
	g = calloc(1, sizeof *g);
	if (kn == 0 || g == NULL || (g->group_id = strdup(group_id)) == NULL ||
	    (g->group_type = strdup("tcp")) == NULL ||
	    (g->message_model = strdup("CLUSTERING")) == NULL ||
	    (g->remark = strdup("")) == NULL ||
	    emu_grow(&in->groups, in->ngroups, &in->capgroups) != ERR_OK ||
	    emu_index_put(st->index, k, kn, g) != ERR_OK) {
		emu_group_free(g);
		return NULL;
	}
	g->online = 1;
	in->groups[in->ngroups++] = g;
	return g;
}

struct emu_sub *
emu_state_add_sub(struct emu_state *st, struct emu_instance *in,
    struct emu_group *g, struct emu_topic *t)
{
	struct emu_sub *s;
	char k[EMU_KEY_MAX];
	size_t kn;

	s = emu_state_find_sub(st, in->id, g->group_id, t->name);
	if (s != NULL)
		return s;
	kn = emu_key(k, EMU_K_SUB, in->id, g->group_id, t->name);
	s = calloc(1, sizeof *s);
	if (kn == 0 || s == NULL || (s->sub_string = strdup("*")) == NULL ||
	    emu_grow(&g->subs, g->nsubs, &g->capsubs) != ERR_OK ||
	    emu_index_put(st->index, k, kn, s) != ERR_OK) {
		if (s != NULL)
			free(s->sub_string);
		free(s);
		return NULL;
	}
	s->topic = t;
	s->position_ms = t->latest_ms;
	g->subs[g->nsubs++] = s;
	return s;
}

err_code
emu_state_add_fault(struct emu_state *st, const char *spec)
{
	char *s;

	if (emu_grow(&st->faults, st->nfaults, &st->capfaults) != ERR_OK)
		return ERR_NOMEM;
	s = strdup(spec);
	if (s == NULL)
		return ERR_NOMEM;
	st->faults[st->nfaults++] = s;
	return ERR_OK;
}

err_code
emu_state_add_role(struct emu_state *st, const char *arn)
{
	char *s;
	size_t i;

	for (i = 0; i < st->nroles; i++)
		if (strcmp(st->roles[i], arn) == 0)
			return ERR_OK;
	if (emu_grow(&st->roles, st->nroles, &st->caproles) != ERR_OK)
		return ERR_NOMEM;
	s = strdup(arn);
	if (s == NULL)
		return ERR_NOMEM;
	st->roles[st->nroles++] = s;
	return ERR_OK;
}

int
emu_state_cred_denied(const struct emu_cred *c, const char *action)
{
	size_t i;

	for (i = 0; action != NULL && i < c->ndeny; i++)
		if (strcmp(c->deny[i], action) == 0)
			return 1;
	return 0;
}

void
emu_state_lock(struct emu_state *st)
{
	pthread_mutex_lock(&st->lock);
}

void
emu_state_unlock(struct emu_state *st)
{
	pthread_mutex_unlock(&st->lock);
}

int64_t
emu_state_backlog_at(const struct emu_topic *t, int64_t pos_ms)
{
	double span, frac;

	if (pos_ms <= t->earliest_ms)
		return t->message_count;
	if (pos_ms >= t->latest_ms)
		return 0;
	span = (double)(t->latest_ms - t->earliest_ms);
	frac = (double)(t->latest_ms - pos_ms) / span;
	return (int64_t)llround(frac * (double)t->message_count);
}

/* ---- loading ---------------------------------------------------------- */

/* A JSON string member, or NULL (absent or not a string). */
static const char *
emu_jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * A JSON integer member into *out; absent leaves *out.  Returns -1 when
 * present but not an integral number.
 */
static int
emu_jint(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	double d;

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* A JSON boolean member into *out; absent leaves *out. */
static int
emu_jbool(const cJSON *o, const char *name, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return -1;
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A name is 1..255 bytes without control characters. */
static int
emu_name_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > EMU_NAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Record that key (a, b, c), entry `pos` (from 0) of its array, was seen
 * in this document; 1 when it was seen before (its first entry in
 * *first, from 0), 0 when new, -1 when out of memory.
 */
static int
emu_load_dup(struct dupset *seen, const char *a, const char *b,
    const char *c, int pos, int *first)
{
	uint32_t f = 0;

	if (dupset_insert(seen, a, b, c, (uint32_t)pos + 1, &f) != ERR_OK)
		return -1;
	*first = (int)f - 1;
	return f != 0;
}

/* A credential's "Deny": the API actions its RAM policy denies. */
static err_code
emu_load_deny(struct emu_cred *cr, const cJSON *arr, const char *src,
    int pos, struct err *e)
{
	const cJSON *v;
	char **nv;
	size_t n = 0;

	if (arr == NULL)
		return ERR_OK;
	if (!cJSON_IsArray(arr))
		return err_set(e, ERR_PARSE, "%s: credentials[%d]: Deny must "
		    "be an array of action names", src, pos);
	nv = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *nv);
	if (nv == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsString(v) || !emu_name_ok(v->valuestring)) {
			emu_strv_free(nv, n);
			return err_set(e, ERR_PARSE, "%s: credentials[%d]: "
			    "Deny must be an array of action names", src, pos);
		}
		if ((nv[n] = strdup(v->valuestring)) == NULL) {
			emu_strv_free(nv, n);
			return err_set(e, ERR_NOMEM, "out of memory");
		}
		n++;
	}
	emu_strv_free(cr->deny, cr->ndeny);
	cr->deny = nv;
	cr->ndeny = n;
	return ERR_OK;
}

/* Key prefix of credentials in the duplicate set: names have no control
 * characters, so it cannot equal an instance id. */
#define EMU_DUP_CRED "\001"

/* An object's optional "Owner" into *owner.  0, or -1 on ERR_NOMEM. */
static int
emu_load_owner(struct emu_state *st, const cJSON *o, size_t *owner)
{
	const char *uid = emu_jstr(o, "Owner");
	long i;

	if (uid == NULL)
		return 0;
	i = emu_state_owner_add(st, uid);
	if (i < 0)
		return -1;
	*owner = (size_t)i;
	return 0;
}

static err_code
emu_load_creds(struct emu_state *st, const cJSON *arr, const char *src,
    struct dupset *seen, struct err *e)
{
	const cJSON *c;
	struct emu_cred *cr;
	const char *id, *secret, *token;
	int i = 0, first, d;
	err_code rc;

	cJSON_ArrayForEach(c, arr) {
		id = emu_jstr(c, "AccessKeyId");
		secret = emu_jstr(c, "AccessKeySecret");
		token = emu_jstr(c, "SecurityToken");
		if (!emu_name_ok(id) || secret == NULL || secret[0] == '\0')
			return err_set(e, ERR_PARSE, "%s: credentials[%d]: "
			    "needs AccessKeyId and AccessKeySecret strings",
			    src, i);
		d = emu_load_dup(seen, EMU_DUP_CRED, id, "", i, &first);
		if (d < 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (d > 0)
			return err_set(e, ERR_PARSE, "%s: duplicate credential "
			    "%s (Credentials[%d] and [%d])", src, id, first, i);
		cr = emu_state_add_cred(st, id, secret);
		if (cr == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (token != NULL) {
			emu_secret_free(cr->token);
			cr->token = strdup(token);
			if (cr->token == NULL)
				return err_set(e, ERR_NOMEM, "out of memory");
		}
		if (emu_jint(c, "Expiration", &cr->expires_ms) != 0 ||
		    emu_jbool(c, "Disabled", &cr->disabled) != 0)
			return err_set(e, ERR_PARSE, "%s: credentials[%d]: "
			    "Expiration must be ms, Disabled a boolean", src,
			    i);
		rc = emu_load_deny(cr, cJSON_GetObjectItemCaseSensitive(c,
		    "Deny"), src, i, e);
		if (rc != ERR_OK)
			return rc;
		if (emu_load_owner(st, c, &cr->owner) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		i++;
	}
	return ERR_OK;
}

static err_code
emu_load_topics(struct emu_state *st, struct emu_instance *in,
    const cJSON *arr, const char *src, struct dupset *seen, struct err *e)
{
	const cJSON *o;
	struct emu_topic *t;
	int64_t mt, perm;
	const char *name, *remark;
	int i = 0, first, d;

	cJSON_ArrayForEach(o, arr) {
		name = emu_jstr(o, "Topic");
		if (!emu_name_ok(name))
			return err_set(e, ERR_PARSE, "%s: instance %s: a topic "
			    "without a valid \"Topic\" name", src, in->id);
		d = emu_load_dup(seen, in->id, "", name, i, &first);
		if (d < 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (d > 0)
			return err_set(e, ERR_PARSE, "%s: instance %s: duplicate "
			    "topic %s (Topics[%d] and [%d])", src, in->id, name,
			    first, i);
		i++;
		t = emu_state_add_topic(st, in, name);
		if (t == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		mt = t->message_type;
		perm = t->perm;
		if (emu_jint(o, "MessageType", &mt) != 0 ||
		    emu_jint(o, "Perm", &perm) != 0 ||
		    emu_jint(o, "EarliestTime", &t->earliest_ms) != 0 ||
		    emu_jint(o, "LatestTime", &t->latest_ms) != 0 ||
		    emu_jint(o, "MessageCount", &t->message_count) != 0 ||
		    emu_jint(o, "CreateTime", &t->create_ms) != 0 ||
		    mt < 0 || mt > 5 || (perm != 2 && perm != 4 && perm != 6) ||
		    t->message_count < 0 || t->earliest_ms > t->latest_ms)
			return err_set(e, ERR_PARSE, "%s: topic %s: bad "
			    "MessageType, Perm, times or MessageCount (times "
			    "are ms, EarliestTime <= LatestTime)", src, name);
		t->message_type = (int)mt;
		t->perm = (int)perm;
		remark = emu_jstr(o, "Remark");
		if (remark != NULL && emu_setstr(&t->remark, remark) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

static err_code
emu_load_subs(struct emu_state *st, struct emu_instance *in,
    struct emu_group *g, const cJSON *arr, const char *src,
    struct dupset *seen, struct err *e)
{
	const cJSON *o, *v;
	struct emu_topic *t;
	struct emu_sub *s;
	const char *name, *expr;
	int fresh, i = 0, first, d;

	cJSON_ArrayForEach(o, arr) {
		name = emu_jstr(o, "Topic");
		t = name != NULL ? emu_state_find_topic(st, in->id, name)
				 : NULL;
		if (t == NULL)
			return err_set(e, ERR_PARSE, "%s: group %s subscribes "
			    "to topic %s, which instance %s does not have",
			    src, g->group_id, name != NULL ? name : "(none)",
			    in->id);
		d = emu_load_dup(seen, in->id, g->group_id, name, i, &first);
		if (d < 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (d > 0)
			return err_set(e, ERR_PARSE, "%s: instance %s: group %s: "
			    "duplicate subscription to topic %s "
			    "(Subscriptions[%d] and [%d])", src, in->id,
			    g->group_id, name, first, i);
		i++;
		fresh = emu_state_find_sub(st, in->id, g->group_id, name) ==
		    NULL;
		s = emu_state_add_sub(st, in, g, t);
		if (s == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (fresh) {
			/* Default: caught up, nothing pending. */
			s->position_ms = t->latest_ms;
			s->backlog = 0;
		}
		expr = emu_jstr(o, "SubString");
		if (expr != NULL && emu_setstr(&s->sub_string, expr) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (emu_jint(o, "ConsumerPosition", &s->position_ms) != 0)
			return err_set(e, ERR_PARSE, "%s: %s/%s: bad "
			    "ConsumerPosition", src, g->group_id, name);
		/* Backlog defaults to what the position implies. */
		if (cJSON_GetObjectItemCaseSensitive(o, "ConsumerPosition")
		    != NULL)
			s->backlog = emu_state_backlog_at(t, s->position_ms);
		if (emu_jint(o, "Backlog", &s->backlog) != 0 || s->backlog < 0)
			return err_set(e, ERR_PARSE, "%s: %s/%s: bad Backlog",
			    src, g->group_id, name);
		v = cJSON_GetObjectItemCaseSensitive(o, "ConsumeTps");
		if (v != NULL && !cJSON_IsNumber(v))
			return err_set(e, ERR_PARSE, "%s: %s/%s: bad "
			    "ConsumeTps", src, g->group_id, name);
		if (v != NULL)
			s->consume_tps = v->valuedouble;
	}
	return ERR_OK;
}

static err_code
emu_load_groups(struct emu_state *st, struct emu_instance *in,
    const cJSON *arr, const char *src, struct dupset *seen, struct err *e)
{
	const cJSON *o;
	struct emu_group *g;
	const char *id, *s;
	err_code rc = ERR_OK;
	int i = 0, first, d;

	cJSON_ArrayForEach(o, arr) {
		id = emu_jstr(o, "GroupId");
		if (!emu_name_ok(id))
			return err_set(e, ERR_PARSE, "%s: instance %s: a group "
			    "without a valid \"GroupId\"", src, in->id);
		d = emu_load_dup(seen, in->id, id, "", i, &first);
		if (d < 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (d > 0)
			return err_set(e, ERR_PARSE, "%s: instance %s: duplicate "
			    "group %s (Groups[%d] and [%d])", src, in->id, id,
			    first, i);
		i++;
		g = emu_state_add_group(st, in, id);
		if (g == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		if ((s = emu_jstr(o, "GroupType")) != NULL &&
		    strcmp(s, "tcp") != 0 && strcmp(s, "http") != 0)
			return err_set(e, ERR_PARSE, "%s: group %s: GroupType "
			    "must be tcp or http", src, id);
		if (s != NULL && emu_setstr(&g->group_type, s) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if ((s = emu_jstr(o, "MessageModel")) != NULL &&
		    strcmp(s, "CLUSTERING") != 0 &&
		    strcmp(s, "BROADCASTING") != 0)
			return err_set(e, ERR_PARSE, "%s: group %s: "
			    "MessageModel must be CLUSTERING or BROADCASTING",
			    src, id);
		if (s != NULL && emu_setstr(&g->message_model, s) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if ((s = emu_jstr(o, "Remark")) != NULL &&
		    emu_setstr(&g->remark, s) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
		if (emu_jbool(o, "Online", &g->online) != 0 ||
		    emu_jint(o, "CreateTime", &g->create_ms) != 0)
			return err_set(e, ERR_PARSE, "%s: group %s: Online is "
			    "a boolean, CreateTime ms", src, id);
		rc = emu_load_subs(st, in, g,
		    cJSON_GetObjectItemCaseSensitive(o, "Subscriptions"), src,
		    seen, e);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

err_code
emu_state_load_json(struct emu_state *st, const char *text, size_t n,
    const char *source, struct err *e)
{
	cJSON *root;
	const cJSON *o, *f;
	struct emu_instance *in;
	struct dupset *seen;
	const char *id, *owner;
	err_code rc = ERR_OK;
	int i = 0, first, d;

	root = cJSON_ParseWithLength(text, n);
	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return err_set(e, ERR_PARSE, "%s: not a JSON object", source);
	}
	/* What this document listed, to refuse duplicates within it. */
	seen = dupset_new();
	if (seen == NULL) {
		cJSON_Delete(root);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	owner = emu_jstr(root, "Owner");
	if (owner != NULL && emu_setstr(&st->owner, owner) != 0)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK)
		rc = emu_load_creds(st, cJSON_GetObjectItemCaseSensitive(root,
		    "Credentials"), source, seen, e);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root,
	    "Roles")) {
		if (rc != ERR_OK)
			break;
		if (!cJSON_IsString(f) || strncmp(f->valuestring, "acs:ram::",
		    9) != 0)
			rc = err_set(e, ERR_PARSE, "%s: Roles: each entry is a "
			    "role ARN like \"acs:ram::123:role/name\"",
			    source);
		else if (emu_state_add_role(st, f->valuestring) != ERR_OK)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root,
	    "Faults")) {
		if (rc != ERR_OK)
			break;
		if (!cJSON_IsString(f))
			rc = err_set(e, ERR_PARSE, "%s: Faults: each entry is a "
			    "string like \"latency:ms=50\"", source);
		else if (emu_state_add_fault(st, f->valuestring) != ERR_OK)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root,
	    "Instances")) {
		if (rc != ERR_OK)
			break;
		id = emu_jstr(o, "InstanceId");
		if (!emu_name_ok(id)) {
			rc = err_set(e, ERR_PARSE, "%s: an instance without a "
			    "valid \"InstanceId\"", source);
			break;
		}
		d = emu_load_dup(seen, id, "", "", i, &first);
		if (d != 0) {
			rc = d < 0 ? err_set(e, ERR_NOMEM, "out of memory") :
			    err_set(e, ERR_PARSE, "%s: duplicate instance %s "
			    "(Instances[%d] and [%d])", source, id, first, i);
			break;
		}
		i++;
		in = emu_state_add_instance(st, id);
		if (in == NULL || emu_load_owner(st, o, &in->owner) != 0) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			break;
		}
		rc = emu_load_topics(st, in,
		    cJSON_GetObjectItemCaseSensitive(o, "Topics"), source,
		    seen, e);
		if (rc == ERR_OK)
			rc = emu_load_groups(st, in,
			    cJSON_GetObjectItemCaseSensitive(o, "Groups"),
			    source, seen, e);
	}
	dupset_destroy(seen);
	cJSON_Delete(root);
	return rc;
}

err_code
emu_state_load_file(struct emu_state *st, const char *path, struct err *e)
{
	FILE *fp;
	char *data = NULL, *nd;
	size_t n = 0, cap = 0, r;
	err_code rc = ERR_OK;

	fp = fopen(path, "rb");
	if (fp == NULL)
		return err_set_errno(e, ERR_IO, errno, "%s", path);
	for (;;) {
		if (cap - n < 65536) {
			if (cap > EMU_STATE_FILE_MAX) {
				rc = err_set(e, ERR_TOOBIG, "%s: larger than "
				    "1 GiB", path);
				break;
			}
			nd = realloc(data, cap * 2 + 65536);
			if (nd == NULL) {
				rc = err_set(e, ERR_NOMEM, "out of memory");
				break;
			}
			data = nd;
			cap = cap * 2 + 65536;
		}
		r = fread(data + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (rc == ERR_OK && ferror(fp))
		rc = err_set_errno(e, ERR_IO, errno, "%s", path);
	fclose(fp);
	if (rc == ERR_OK)
		rc = emu_state_load_json(st, data, n, path, e);
	free(data);
	return rc;
}

/* ---- saving ----------------------------------------------------------- */

/* Numbers above 2^53 lose precision in cJSON; ours are far below. */
static int
emu_jadd_num(cJSON *o, const char *name, double v)
{
	return cJSON_AddNumberToObject(o, name, v) == NULL ? -1 : 0;
}

static int
emu_jadd_str(cJSON *o, const char *name, const char *v)
{
	return cJSON_AddStringToObject(o, name, v) == NULL ? -1 : 0;
}

static cJSON *
emu_save_instance(const struct emu_instance *in)
{
	cJSON *o, *arr, *x, *subs, *s;
	size_t i, j;
	int bad = 0;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	bad |= emu_jadd_str(o, "InstanceId", in->id);
	arr = cJSON_AddArrayToObject(o, "Topics");
	bad |= arr == NULL;
	for (i = 0; !bad && i < in->ntopics; i++) {
		const struct emu_topic *t = in->topics[i];

		x = cJSON_CreateObject();
		if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
			cJSON_Delete(x);
			bad = 1;
			break;
		}
		bad |= emu_jadd_str(x, "Topic", t->name);
		bad |= emu_jadd_num(x, "MessageType", t->message_type);
		bad |= emu_jadd_num(x, "Perm", t->perm);
		bad |= emu_jadd_num(x, "EarliestTime", (double)t->earliest_ms);
		bad |= emu_jadd_num(x, "LatestTime", (double)t->latest_ms);
		bad |= emu_jadd_num(x, "MessageCount",
		    (double)t->message_count);
		bad |= emu_jadd_num(x, "CreateTime", (double)t->create_ms);
		bad |= emu_jadd_str(x, "Remark", t->remark);
	}
	arr = cJSON_AddArrayToObject(o, "Groups");
	bad |= arr == NULL;
	for (i = 0; !bad && i < in->ngroups; i++) {
		const struct emu_group *g = in->groups[i];

		x = cJSON_CreateObject();
		if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
			cJSON_Delete(x);
			bad = 1;
			break;
		}
		bad |= emu_jadd_str(x, "GroupId", g->group_id);
		bad |= emu_jadd_str(x, "GroupType", g->group_type);
		bad |= emu_jadd_str(x, "MessageModel", g->message_model);
		bad |= cJSON_AddBoolToObject(x, "Online", g->online) == NULL;
		bad |= emu_jadd_num(x, "CreateTime", (double)g->create_ms);
		bad |= emu_jadd_str(x, "Remark", g->remark);
		subs = cJSON_AddArrayToObject(x, "Subscriptions");
		bad |= subs == NULL;
		for (j = 0; !bad && j < g->nsubs; j++) {
			const struct emu_sub *u = g->subs[j];

			s = cJSON_CreateObject();
			if (s == NULL || !cJSON_AddItemToArray(subs, s)) {
				cJSON_Delete(s);
				bad = 1;
				break;
			}
			bad |= emu_jadd_str(s, "Topic", u->topic->name);
			bad |= emu_jadd_str(s, "SubString", u->sub_string);
			bad |= emu_jadd_num(s, "ConsumerPosition",
			    (double)u->position_ms);
			bad |= emu_jadd_num(s, "Backlog", (double)u->backlog);
			bad |= emu_jadd_num(s, "ConsumeTps", u->consume_tps);
		}
	}
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
emu_save_tree(struct emu_state *st)
{
	cJSON *root, *arr, *x;
	size_t i;
	int bad = 0;

	root = cJSON_CreateObject();
	if (root == NULL)
		return NULL;
	bad |= emu_jadd_str(root, "Owner", st->owner);
	arr = cJSON_AddArrayToObject(root, "Credentials");
	bad |= arr == NULL;
	for (i = 0; !bad && i < st->ncreds; i++) {
		const struct emu_cred *c = st->creds[i];

		x = cJSON_CreateObject();
		if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
			cJSON_Delete(x);
			bad = 1;
			break;
		}
		bad |= emu_jadd_str(x, "AccessKeyId", c->key_id);
		bad |= emu_jadd_str(x, "AccessKeySecret", c->secret);
		if (c->token != NULL)
			bad |= emu_jadd_str(x, "SecurityToken", c->token);
		if (c->expires_ms != 0)
			bad |= emu_jadd_num(x, "Expiration",
			    (double)c->expires_ms);
		bad |= cJSON_AddBoolToObject(x, "Disabled", c->disabled) ==
		    NULL;
		if (c->owner != 0)
			bad |= emu_jadd_str(x, "Owner", emu_state_owner(st,
			    c->owner));
		if (c->ndeny > 0)
			bad |= cJSON_AddItemToObject(x, "Deny",
			    cJSON_CreateStringArray((const char *const *)c->deny,
			    (int)c->ndeny)) == 0;
	}
	if (!bad && st->nroles > 0)
		bad |= cJSON_AddItemToObject(root, "Roles",
		    cJSON_CreateStringArray((const char *const *)st->roles,
		    (int)st->nroles)) == 0;
	arr = cJSON_AddArrayToObject(root, "Faults");
	bad |= arr == NULL;
	for (i = 0; !bad && i < st->nfaults; i++) {
		x = cJSON_CreateString(st->faults[i]);
		if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
			cJSON_Delete(x);
			bad = 1;
		}
	}
	arr = cJSON_AddArrayToObject(root, "Instances");
	bad |= arr == NULL;
	for (i = 0; !bad && i < st->ninstances; i++) {
		x = emu_save_instance(st->instances[i]);
		if (x != NULL && st->instances[i]->owner != 0)
			bad |= emu_jadd_str(x, "Owner", emu_state_owner(st,
			    st->instances[i]->owner));
		if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
			cJSON_Delete(x);
			bad = 1;
		}
	}
	if (bad) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

err_code
emu_state_save_file(struct emu_state *st, const char *path, struct err *e)
{
	cJSON *root;
	char *text = NULL, *tmp = NULL;
	size_t len = 0;
	int fd = -1;
	err_code rc = ERR_OK;

	emu_state_lock(st);
	root = emu_save_tree(st);
	emu_state_unlock(st);
	if (root != NULL)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	if (text == NULL || asprintf(&tmp, "%s.tmpXXXXXX", path) < 0) {
		tmp = NULL;
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = err_set_errno(e, ERR_IO, errno, "%s", tmp);
		goto out;
	}
	len = strlen(text);
	text[len] = '\n'; /* replace the NUL: files end with a newline */
	if (fchmod(fd, 0600) != 0 || write(fd, text, len + 1) !=
	    (ssize_t)(len + 1) || fsync(fd) != 0) {
		rc = err_set_errno(e, ERR_IO, errno, "%s", tmp);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = err_set_errno(e, ERR_IO, errno, "%s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		rc = err_set_errno(e, ERR_IO, errno, "%s", path);
out:
	if (fd >= 0)
		close(fd);
	if (rc != ERR_OK && tmp != NULL)
		unlink(tmp);
	if (text != NULL) {
		/* The text holds every secret of the state. */
		OPENSSL_cleanse(text, len != 0 ? len + 1 : strlen(text));
		free(text);
	}
	free(tmp);
	return rc;
}
