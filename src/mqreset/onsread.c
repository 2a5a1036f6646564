/*
 * onsread.c - typed, paced and cached read-only Ons calls.  See
 * include/mqreset/onsread.h.
 *
 * Design: one call path (onsread_call) paces, sends, retries and counts;
 * one parser per action turns the reply into plain structs through
 * reply_get_*(); one cache (a chained hash table keyed by action and
 * names) keeps every parsed result until the object is destroyed.  Reads
 * are idempotent, so retrying them is always safe, unlike a reset.
 */
#include "onsread.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "buf.h"
#include "clock.h"
#include "params.h"
#include "ratelimit.h"
#include "rng.h"

/* The documented per-account quotas (mqreset(1), inventory). */
static const struct {
	const char *name; /* API action */
	double qps;       /* calls per second per account */
} onsread_tab[ONSREAD_N] = {
	{ "OnsInstanceInServiceList", 50 },
	{ "OnsGroupList", 10 },
	{ "OnsTopicList", 10 },
	{ "OnsGroupSubDetail", 10 },
	{ "OnsConsumerAccumulate", 10 },
	{ "OnsConsumerTimeSpan", 10 },
	{ "OnsTopicStatus", 1 },
};

/* Buckets of the cache's hash table (a power of two). */
#define ONSREAD_HASH 1024
/* Longest reply_get path built here. */
#define ONSREAD_PATH_MAX 160

/* One cached result. */
struct onsread_entry {
	enum onsread_action a;      /* which call */
	char *key;                  /* instance \x1f group \x1f topic */
	void *val;                  /* the parsed result, owned */
	struct onsread_entry *next; /* chain */
};

struct onsread {
	struct client *cl;                       /* borrowed */
	struct ratelimit_bucket bucket[ONSREAD_N]; /* one per action */
	uint64_t calls[ONSREAD_N];               /* requests sent */
	uint64_t throttled[ONSREAD_N];           /* throttling answers */
	enum reply_class last;                   /* last answer's class */
	struct rng rng;                          /* backoff jitter */
	struct onsread_entry *tab[ONSREAD_HASH]; /* the cache */
	pthread_mutex_t mu;                      /* guards all the above
	                                            but cl; never held
	                                            across a call */
};

const char *
onsread_action_name(enum onsread_action a)
{
	return a < ONSREAD_N ? onsread_tab[a].name : "?";
}

double
onsread_action_qps(enum onsread_action a)
{
	return a < ONSREAD_N ? onsread_tab[a].qps : 1;
}

/* ---- parsing ----------------------------------------------------------- */

/* A copy of the string at path, "" when absent; NULL on ERR_NOMEM. */
static char *
onsread_dup(const struct reply *rp, const char *path)
{
	const char *s = reply_get_string(rp, path);

	return strdup(s != NULL ? s : "");
}

static int64_t
onsread_i64(const struct reply *rp, const char *path, int64_t dflt)
{
	int64_t v;

	return reply_get_int64(rp, path, &v) == 0 ? v : dflt;
}

/* The length of the array at path, ERR_PROTO when it is not one. */
static err_code
onsread_list(const struct reply *rp, const char *path, size_t elem,
    void **v, size_t *n, struct err *e)
{
	long c = reply_get_count(rp, path);

	*v = NULL;
	*n = 0;
	if (c < 0)
		return err_set(e, ERR_PROTO, "the reply has no list at %s",
		    path);
	*v = calloc((size_t)c + 1, elem);
	if (*v == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	*n = (size_t)c;
	return ERR_OK;
}

void
onsread_instances_free(struct onsread_instances *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; x->v != NULL && i < x->n; i++) {
		free(x->v[i].id);
		free(x->v[i].name);
	}
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

err_code
onsread_parse_instances(const struct reply *rp,
    struct onsread_instances *out, struct err *e)
{
	char p[ONSREAD_PATH_MAX];
	void *v = NULL;
	err_code rc;
	size_t i;

	rc = onsread_list(rp, "Data.InstanceVO", sizeof *out->v, &v, &out->n,
	    e);
	out->v = v;
	for (i = 0; rc == ERR_OK && i < out->n; i++) {
		struct onsread_instance *in = &out->v[i];

		snprintf(p, sizeof p, "Data.InstanceVO.%zu.InstanceId", i);
		in->id = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.InstanceVO.%zu.InstanceName", i);
		in->name = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.InstanceVO.%zu.InstanceStatus", i);
		in->status = (int)onsread_i64(rp, p, -1);
		snprintf(p, sizeof p, "Data.InstanceVO.%zu.InstanceType", i);
		in->type = (int)onsread_i64(rp, p, -1);
		if (in->id == NULL || in->name == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	return rc;
}

void
onsread_groups_free(struct onsread_groups *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; x->v != NULL && i < x->n; i++) {
		free(x->v[i].id);
		free(x->v[i].type);
		free(x->v[i].remark);
		free(x->v[i].owner);
	}
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

err_code
onsread_parse_groups(const struct reply *rp, struct onsread_groups *out,
    struct err *e)
{
	char p[ONSREAD_PATH_MAX];
	void *v = NULL;
	err_code rc;
	size_t i;

	rc = onsread_list(rp, "Data.SubscribeInfoDo", sizeof *out->v, &v,
	    &out->n, e);
	out->v = v;
	for (i = 0; rc == ERR_OK && i < out->n; i++) {
		struct onsread_group *g = &out->v[i];

		snprintf(p, sizeof p, "Data.SubscribeInfoDo.%zu.GroupId", i);
		g->id = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.SubscribeInfoDo.%zu.GroupType", i);
		g->type = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.SubscribeInfoDo.%zu.Remark", i);
		g->remark = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.SubscribeInfoDo.%zu.Owner", i);
		g->owner = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.SubscribeInfoDo.%zu.CreateTime", i);
		g->create_ms = onsread_i64(rp, p, 0);
		if (g->id == NULL || g->type == NULL || g->remark == NULL ||
		    g->owner == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
		else if (g->id[0] == '\0')
			rc = err_set(e, ERR_PROTO, "OnsGroupList: a group "
			    "without a GroupId");
	}
	return rc;
}

void
onsread_topics_free(struct onsread_topics *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; x->v != NULL && i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].remark);
	}
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

err_code
onsread_parse_topics(const struct reply *rp, struct onsread_topics *out,
    struct err *e)
{
	char p[ONSREAD_PATH_MAX];
	void *v = NULL;
	err_code rc;
	size_t i;

	rc = onsread_list(rp, "Data.PublishInfoDo", sizeof *out->v, &v,
	    &out->n, e);
	out->v = v;
	for (i = 0; rc == ERR_OK && i < out->n; i++) {
		struct onsread_topic *t = &out->v[i];

		snprintf(p, sizeof p, "Data.PublishInfoDo.%zu.Topic", i);
		t->name = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.PublishInfoDo.%zu.Remark", i);
		t->remark = onsread_dup(rp, p);
		snprintf(p, sizeof p, "Data.PublishInfoDo.%zu.MessageType", i);
		t->message_type = (int)onsread_i64(rp, p, 0);
		snprintf(p, sizeof p, "Data.PublishInfoDo.%zu.CreateTime", i);
		t->create_ms = onsread_i64(rp, p, 0);
		if (t->name == NULL || t->remark == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
		else if (t->name[0] == '\0')
			rc = err_set(e, ERR_PROTO, "OnsTopicList: a topic "
			    "without a name");
	}
	return rc;
}

void
onsread_group_sub_free(struct onsread_group_sub *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; x->v != NULL && i < x->n; i++) {
		free(x->v[i].topic);
		free(x->v[i].expr);
	}
	free(x->v);
	free(x->model);
	x->v = NULL;
	x->model = NULL;
	x->n = 0;
}

err_code
onsread_parse_group_sub(const struct reply *rp,
    struct onsread_group_sub *out, struct err *e)
{
	static const char *const lists[] = {
		"Data.SubscriptionDataList.SubscriptionDataList",
		"Data.SubscriptionDataList.SubscriptionDataListItem",
	};
	char p[ONSREAD_PATH_MAX];
	const char *list = NULL;
	void *v = NULL;
	err_code rc = ERR_OK;
	size_t i;

	if ((out->model = onsread_dup(rp, "Data.MessageModel")) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (reply_get_bool(rp, "Data.Online", &out->online) != 0)
		out->online = 0;
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (reply_get_count(rp, lists[i]) >= 0)
			list = lists[i];
	/* No list at all: nothing is subscribed while offline. */
	if (list != NULL)
		rc = onsread_list(rp, list, sizeof *out->v, &v, &out->n, e);
	out->v = v;
	for (i = 0; rc == ERR_OK && i < out->n; i++) {
		snprintf(p, sizeof p, "%s.%zu.Topic", list, i);
		out->v[i].topic = onsread_dup(rp, p);
		snprintf(p, sizeof p, "%s.%zu.SubString", list, i);
		out->v[i].expr = onsread_dup(rp, p);
		if (out->v[i].topic == NULL || out->v[i].expr == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	return rc;
}

void
onsread_accum_free(struct onsread_accum *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; x->v != NULL && i < x->n; i++)
		free(x->v[i].topic);
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

err_code
onsread_parse_accum(const struct reply *rp, struct onsread_accum *out,
    struct err *e)
{
	static const char list[] = "Data.DetailInTopicList.DetailInTopicDo";
	char p[ONSREAD_PATH_MAX];
	void *v = NULL;
	err_code rc = ERR_OK;
	size_t i;

	if (reply_get_int64(rp, "Data.TotalDiff", &out->diff) != 0)
		return err_set(e, ERR_PROTO, "OnsConsumerAccumulate: the reply "
		    "has no Data.TotalDiff");
	if (reply_get_bool(rp, "Data.Online", &out->online) != 0)
		out->online = 0;
	if (reply_get_double(rp, "Data.ConsumeTps", &out->tps) != 0)
		out->tps = 0;
	out->delay_ms = onsread_i64(rp, "Data.DelayTime", 0);
	if (reply_get_count(rp, list) >= 0)
		rc = onsread_list(rp, list, sizeof *out->v, &v, &out->n, e);
	out->v = v;
	for (i = 0; rc == ERR_OK && i < out->n; i++) {
		struct onsread_backlog *b = &out->v[i];

		snprintf(p, sizeof p, "%s.%zu.Topic", list, i);
		if ((b->topic = onsread_dup(rp, p)) == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		snprintf(p, sizeof p, "%s.%zu.TotalDiff", list, i);
		b->diff = onsread_i64(rp, p, 0);
		snprintf(p, sizeof p, "%s.%zu.DelayTime", list, i);
		b->delay_ms = onsread_i64(rp, p, 0);
		snprintf(p, sizeof p, "%s.%zu.LastTimestamp", list, i);
		b->last_ms = onsread_i64(rp, p, 0);
	}
	return rc;
}

err_code
onsread_parse_span(const struct reply *rp, struct onsread_span *out,
    struct err *e)
{
	if (reply_get_int64(rp, "Data.MinTimeStamp", &out->min_ms) != 0 ||
	    reply_get_int64(rp, "Data.MaxTimeStamp", &out->max_ms) != 0 ||
	    reply_get_int64(rp, "Data.ConsumeTimeStamp", &out->consume_ms) !=
	    0)
		return err_set(e, ERR_PROTO, "OnsConsumerTimeSpan: the reply "
		    "lacks MinTimeStamp, MaxTimeStamp or ConsumeTimeStamp");
	return ERR_OK;
}

err_code
onsread_parse_topic_status(const struct reply *rp,
    struct onsread_topic_status *out, struct err *e)
{
	if (reply_get_int64(rp, "Data.TotalCount", &out->total) != 0)
		return err_set(e, ERR_PROTO, "OnsTopicStatus: the reply has no "
		    "Data.TotalCount");
	out->perm = (int)onsread_i64(rp, "Data.Perm", 6);
	out->last_ms = onsread_i64(rp, "Data.LastTimeStamp", 0);
	return ERR_OK;
}

/* ---- the object, pacing and calls -------------------------------------- */

struct onsread *
onsread_new(struct client *cl, struct err *e)
{
	struct onsread *r;
	struct err re;
	int64_t now = clock_mono_ns();
	int a;

	r = calloc(1, sizeof *r);
	if (r == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r);
		err_set(e, ERR_NOMEM, "out of memory (mutex)");
		return NULL;
	}
	r->cl = cl;
	r->last = REPLY_OK;
	/* Burst 1: calls are spread evenly, never bunched at a second's
	 * start, whatever window the service counts in. */
	for (a = 0; a < ONSREAD_N; a++)
		ratelimit_bucket_init(&r->bucket[a], onsread_tab[a].qps *
		    ONSREAD_QUOTA_SHARE, 1, now);
	err_clear(&re);
	if (rng_seed_random(&r->rng, &re) != ERR_OK)
		rng_seed(&r->rng, (uint64_t)now);
	return r;
}

static void
onsread_val_free(enum onsread_action a, void *val)
{
	switch (a) {
	case ONSREAD_INSTANCES:
		onsread_instances_free(val);
		break;
	case ONSREAD_GROUP_LIST:
		onsread_groups_free(val);
		break;
	case ONSREAD_TOPIC_LIST:
		onsread_topics_free(val);
		break;
	case ONSREAD_GROUP_SUB:
		onsread_group_sub_free(val);
		break;
	case ONSREAD_ACCUMULATE:
		onsread_accum_free(val);
		break;
	case ONSREAD_TIME_SPAN:
	case ONSREAD_TOPIC_STATUS:
	case ONSREAD_N:
		break;
	}
	free(val);
}

void
onsread_destroy(struct onsread *r)
{
	struct onsread_entry *x, *next;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < ONSREAD_HASH; i++)
		for (x = r->tab[i]; x != NULL; x = next) {
			next = x->next;
			onsread_val_free(x->a, x->val);
			free(x->key);
			free(x);
		}
	pthread_mutex_destroy(&r->mu);
	free(r);
}

enum reply_class
onsread_last_class(const struct onsread *r)
{
	return r->last;
}

void
onsread_calls(const struct onsread *r, uint64_t calls[ONSREAD_N])
{
	memcpy(calls, r->calls, sizeof r->calls);
}

void
onsread_throttled(const struct onsread *r, uint64_t out[ONSREAD_N])
{
	memcpy(out, r->throttled, sizeof r->throttled);
}

/* The cache key of (a, names) into k; names are NULL when unused. */
static void
onsread_key(struct buf *k, const char *inst, const char *group,
    const char *topic)
{
	(void)buf_printf(k, "%s\x1f%s\x1f%s", inst != NULL ? inst : "",
	    group != NULL ? group : "", topic != NULL ? topic : "");
}

static size_t
onsread_slot(enum onsread_action a, const char *key)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)a;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return (size_t)(h & (ONSREAD_HASH - 1));
}

static void *
onsread_cached(const struct onsread *r, enum onsread_action a,
    const char *key)
{
	const struct onsread_entry *x;

	for (x = r->tab[onsread_slot(a, key)]; x != NULL; x = x->next)
		if (x->a == a && strcmp(x->key, key) == 0)
			return x->val;
	return NULL;
}

/*
 * Keep *val (owned from now on, freed here on failure), under r->mu.
 * When another thread kept the same call meanwhile, its result stays and
 * *val is replaced by it.
 */
static err_code
onsread_keep(struct onsread *r, enum onsread_action a, const char *key,
    void **val, struct err *e)
{
	struct onsread_entry *x;
	size_t s = onsread_slot(a, key);
	void *had;

	pthread_mutex_lock(&r->mu);
	if ((had = onsread_cached(r, a, key)) != NULL) {
		pthread_mutex_unlock(&r->mu);
		onsread_val_free(a, *val);
		*val = had;
		return ERR_OK;
	}
	x = calloc(1, sizeof *x);
	if (x == NULL || (x->key = strdup(key)) == NULL) {
		pthread_mutex_unlock(&r->mu);
		free(x);
		onsread_val_free(a, *val);
		*val = NULL;
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	x->a = a;
	x->val = *val;
	x->next = r->tab[s];
	r->tab[s] = x;
	pthread_mutex_unlock(&r->mu);
	return ERR_OK;
}

/*
 * One read: wait for the action's token, send, and retry what the
 * outcome table calls retryable (throttling, 503, connections refused,
 * timeouts: a read has no side effect), up to ONSREAD_MAX_ATTEMPTS.
 */
static err_code
onsread_call(struct onsread *r, struct client *cl, enum onsread_action a,
    const struct params *p, struct reply *out, struct err *e)
{
	static const struct backoff_policy transient = BACKOFF_POLICY_TRANSIENT;
	static const struct backoff_policy throttle = BACKOFF_POLICY_THROTTLE;
	int64_t wait, hint;
	struct err ce;
	unsigned attempt;

	double jitter;

	for (attempt = 1;; attempt++) {
		/* The bucket is shared by every thread: reserve a slot under
		 * the lock, wait for it without. */
		pthread_mutex_lock(&r->mu);
		wait = ratelimit_bucket_reserve(&r->bucket[a],
		    clock_mono_ns());
		r->calls[a]++;
		pthread_mutex_unlock(&r->mu);
		if (wait > 0)
			clock_sleep_ns(wait);
		err_clear(&ce);
		(void)client_call(cl, onsread_tab[a].name, p, out, &ce);
		pthread_mutex_lock(&r->mu);
		r->last = out->cls;
		if (out->throttled) {
			r->throttled[a]++;
			ratelimit_bucket_drain(&r->bucket[a], clock_mono_ns());
		}
		jitter = rng_double(&r->rng);
		pthread_mutex_unlock(&r->mu);
		if (out->cls == REPLY_OK)
			return ERR_OK;
		if (out->cls != REPLY_RETRYABLE ||
		    attempt >= ONSREAD_MAX_ATTEMPTS)
			break;
		hint = out->retry_after_ms > 0 ? out->retry_after_ms *
		    1000000 : 0;
		clock_sleep_ns(backoff_delay_ns(out->throttled ? &throttle :
		    &transient, attempt, jitter, hint));
	}
	return err_set(e, out->err != ERR_OK ? out->err : ERR_REMOTE,
	    "%s: %s%s", onsread_tab[a].name, out->detail[0] != '\0' ?
	    out->detail : err_message(&ce), attempt > 1 ? " (after retries)" :
	    "");
}

/*
 * The cached result of (a, names), or call, parse with `parse` into a
 * new zeroed object of `size` bytes, and cache it.
 */
static err_code
onsread_get(struct onsread *r, struct client *cl, enum onsread_action a,
    const char *inst, const char *group, const char *topic, size_t size,
    err_code (*parse)(const struct reply *, void *, struct err *),
    void **out, enum reply_class *cls, struct err *e)
{
	struct params p;
	struct reply rp;
	struct buf key;
	void *val = NULL;
	err_code rc = ERR_OK;

	buf_init(&key, 4096);
	params_init(&p);
	reply_init(&rp);
	onsread_key(&key, inst, group, topic);
	if (key.data == NULL)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	*cls = REPLY_OK;
	if (rc == ERR_OK) {
		pthread_mutex_lock(&r->mu);
		*out = onsread_cached(r, a, key.data);
		if (*out != NULL)
			r->last = REPLY_OK;
		pthread_mutex_unlock(&r->mu);
		if (*out != NULL)
			goto done;
	}
	if (rc == ERR_OK && inst != NULL)
		rc = params_add(&p, "InstanceId", inst);
	if (rc == ERR_OK && group != NULL)
		rc = params_add(&p, "GroupId", group);
	if (rc == ERR_OK && topic != NULL)
		rc = params_add(&p, "Topic", topic);
	if (rc == ERR_OK && a == ONSREAD_ACCUMULATE)
		rc = params_add(&p, "Detail", "true");
	if (rc != ERR_OK && e->code == ERR_OK)
		rc = err_set(e, rc, "out of memory");
	if (rc == ERR_OK) {
		rc = onsread_call(r, cl, a, &p, &rp, e);
		*cls = rp.cls;
	}
	if (rc == ERR_OK && (val = calloc(1, size)) == NULL)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK)
		rc = parse(&rp, val, e);
	if (rc != ERR_OK) {
		if (val != NULL)
			onsread_val_free(a, val);
		goto done;
	}
	rc = onsread_keep(r, a, key.data, &val, e);
	if (rc == ERR_OK)
		*out = val;
done:
	buf_free(&key);
	params_free(&p);
	reply_free(&rp);
	return rc;
}

/* Adapters from the typed parsers to onsread_get's signature. */
static err_code
onsread_p_instances(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_instances(rp, v, e);
}

static err_code
onsread_p_groups(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_groups(rp, v, e);
}

static err_code
onsread_p_topics(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_topics(rp, v, e);
}

static err_code
onsread_p_group_sub(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_group_sub(rp, v, e);
}

static err_code
onsread_p_accum(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_accum(rp, v, e);
}

static err_code
onsread_p_span(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_span(rp, v, e);
}

static err_code
onsread_p_topic_status(const struct reply *rp, void *v, struct err *e)
{
	return onsread_parse_topic_status(rp, v, e);
}

err_code
onsread_instances(struct onsread *r, const struct onsread_instances **out,
    struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_INSTANCES, NULL, NULL,
	    NULL, sizeof **out, onsread_p_instances, &v, &cls, e);

	*out = v;
	return rc;
}

err_code
onsread_groups(struct onsread *r, const char *instance,
    const struct onsread_groups **out, struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_GROUP_LIST, instance, NULL,
	    NULL, sizeof **out, onsread_p_groups, &v, &cls, e);

	*out = v;
	return rc;
}

err_code
onsread_topics(struct onsread *r, const char *instance,
    const struct onsread_topics **out, struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_TOPIC_LIST, instance, NULL,
	    NULL, sizeof **out, onsread_p_topics, &v, &cls, e);

	*out = v;
	return rc;
}

err_code
onsread_group_sub(struct onsread *r, const char *instance,
    const char *group, const struct onsread_group_sub **out, struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_GROUP_SUB, instance, group, NULL,
	    sizeof **out, onsread_p_group_sub, &v, &cls, e);

	*out = v;
	return rc;
}

err_code
onsread_accumulate(struct onsread *r, const char *instance,
    const char *group, const struct onsread_accum **out, struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_ACCUMULATE, instance, group,
	    NULL, sizeof **out, onsread_p_accum, &v, &cls, e);

	*out = v;
	return rc;
}

err_code
onsread_time_span(struct onsread *r, const char *instance,
    const char *group, const char *topic, const struct onsread_span **out,
    struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_TIME_SPAN, instance, group,
	    topic, sizeof **out, onsread_p_span, &v, &cls, e);

	*out = v;
	return rc;
}

err_code
onsread_topic_status(struct onsread *r, const char *instance,
    const char *topic, const struct onsread_topic_status **out,
    struct err *e)
{
	enum reply_class cls;
	void *v = NULL;
	err_code rc = onsread_get(r, r->cl, ONSREAD_TOPIC_STATUS, instance, NULL,
	    topic, sizeof **out, onsread_p_topic_status, &v, &cls, e);

	*out = v;
	return rc;
}

/* One uncached call of (a, names) whose reply `parse` reads into val. */
static err_code
onsread_fresh(struct onsread *r, enum onsread_action a, const char *inst,
    const char *group, const char *topic,
    err_code (*parse)(const struct reply *, void *, struct err *),
    void *val, struct err *e)
{
	struct params p;
	struct reply rp;
	err_code rc = ERR_OK;

	params_init(&p);
	reply_init(&rp);
	rc = params_add(&p, "InstanceId", inst);
	if (rc == ERR_OK)
		rc = params_add(&p, "GroupId", group);
	if (rc == ERR_OK && topic != NULL)
		rc = params_add(&p, "Topic", topic);
	if (rc == ERR_OK && a == ONSREAD_ACCUMULATE)
		rc = params_add(&p, "Detail", "true");
	if (rc != ERR_OK)
		rc = err_set(e, rc, "out of memory");
	if (rc == ERR_OK)
		rc = onsread_call(r, r->cl, a, &p, &rp, e);
	if (rc == ERR_OK)
		rc = parse(&rp, val, e);
	params_free(&p);
	reply_free(&rp);
	return rc;
}

err_code
onsread_time_span_now(struct onsread *r, const char *instance,
    const char *group, const char *topic, struct onsread_span *out,
    struct err *e)
{
	memset(out, 0, sizeof *out);
	return onsread_fresh(r, ONSREAD_TIME_SPAN, instance, group, topic,
	    onsread_p_span, out, e);
}

err_code
onsread_backlog_now(struct onsread *r, const char *instance,
    const char *group, const char *topic, int64_t *backlog, int *online,
    struct err *e)
{
	struct onsread_accum ac;
	err_code rc;
	size_t i;

	memset(&ac, 0, sizeof ac);
	*backlog = -1;
	*online = 0;
	rc = onsread_fresh(r, ONSREAD_ACCUMULATE, instance, group, NULL,
	    onsread_p_accum, &ac, e);
	if (rc == ERR_OK) {
		*online = ac.online;
		for (i = 0; i < ac.n; i++)
			if (strcmp(ac.v[i].topic, topic) == 0)
				*backlog = ac.v[i].diff;
	}
	onsread_accum_free(&ac);
	return rc;
}

/* The parser and result size of action a. */
static void
onsread_parser(enum onsread_action a, size_t *size,
    err_code (**parse)(const struct reply *, void *, struct err *))
{
	switch (a) {
	case ONSREAD_INSTANCES:
		*size = sizeof(struct onsread_instances);
		*parse = onsread_p_instances;
		return;
	case ONSREAD_GROUP_LIST:
		*size = sizeof(struct onsread_groups);
		*parse = onsread_p_groups;
		return;
	case ONSREAD_TOPIC_LIST:
		*size = sizeof(struct onsread_topics);
		*parse = onsread_p_topics;
		return;
	case ONSREAD_GROUP_SUB:
		*size = sizeof(struct onsread_group_sub);
		*parse = onsread_p_group_sub;
		return;
	case ONSREAD_ACCUMULATE:
		*size = sizeof(struct onsread_accum);
		*parse = onsread_p_accum;
		return;
	case ONSREAD_TIME_SPAN:
		*size = sizeof(struct onsread_span);
		*parse = onsread_p_span;
		return;
	case ONSREAD_TOPIC_STATUS:
	case ONSREAD_N:
		break;
	}
	*size = sizeof(struct onsread_topic_status);
	*parse = onsread_p_topic_status;
}

err_code
onsread_fetch(struct onsread *r, struct client *cl, enum onsread_action a,
    const char *instance, const char *group, const char *topic,
    enum reply_class *cls, struct err *e)
{
	err_code (*parse)(const struct reply *, void *, struct err *);
	size_t size;
	void *v = NULL;

	*cls = REPLY_OK;
	if (a >= ONSREAD_N)
		return err_set(e, ERR_INTERNAL, "onsread_fetch: bad action");
	onsread_parser(a, &size, &parse);
	return onsread_get(r, cl, a, instance, group, topic, size, parse, &v,
	    cls, e);
}

const void *
onsread_peek(struct onsread *r, enum onsread_action a, const char *instance,
    const char *group, const char *topic)
{
	const void *v = NULL;
	struct buf key;

	buf_init(&key, 4096);
	onsread_key(&key, instance, group, topic);
	if (key.data != NULL) {
		pthread_mutex_lock(&r->mu);
		v = onsread_cached(r, a, key.data);
		pthread_mutex_unlock(&r->mu);
	}
	buf_free(&key);
	return v;
}

int
onsread_has(struct onsread *r, enum onsread_action a, const char *instance,
    const char *group, const char *topic)
{
	return onsread_peek(r, a, instance, group, topic) != NULL;
}
