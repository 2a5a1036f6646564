/*
 * pool.c - the run's worker threads.  See include/mqreset/pool.h.
 */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guide.h"
#include "queue.h"
#include "rng.h"
#include "verify.h"

#define POOL_ACTION "OnsConsumerResetOffset"

/* A worker thread: its own client and random generator. */
struct worker {
	struct pool *pool;        /* the pool (read-only config) */
	pthread_t tid;            /* the thread */
	int started;              /* tid is valid */
	struct client *client;    /* owned: one curl handle, kept alive */
	struct client **aclients; /* owned: one per account of a plan
	                             naming several (accounts.h), made at
	                             the account's first row; NULL: none */
	struct rng rng;           /* jitter draws */
	struct client_stats stats; /* the client's counters at exit */
	uint64_t astats_connects; /* connections of the aclients, at exit */
};

struct pool {
	struct pool_config cfg;   /* read-only once the threads start */
	struct client_config ccfg; /* cfg.client with the abort flag */
	struct pacer *pacer;      /* shared (borrowed) */
	struct attempt_ctx *actx; /* shared (borrowed) */
	struct queue *jobs;       /* main -> workers */
	struct queue *results;    /* workers -> main */
	atomic_ulong failed_rows; /* failed or unknown rows */
	struct worker *workers;   /* cfg.workers entries */
	unsigned nworkers;        /* workers with a client */
};

struct job *
job_new(const struct plan_row *row, size_t index)
{
	struct job *j;
	size_t need, i, off;
	char *p;

	need = sizeof(*j) + (row->nextra + 1) * sizeof(char *);
	need += strlen(row->key.instance) + strlen(row->key.group) +
	    strlen(row->key.topic) + strlen(plan_key_str(row->key.profile)) +
	    strlen(plan_key_str(row->key.region)) + 5;
	for (i = 0; i < row->nextra; i++)
		need += strlen(row->extra[i] ? row->extra[i] : "") + 1;
	j = calloc(1, need);
	if (j == NULL)
		return NULL;
	j->extra = (char **)(void *)(j + 1);
	p = (char *)(j->extra + row->nextra + 1);
	off = 0;
#define POOL_COPY(dst, src)                                                \
	do {                                                               \
		size_t n_ = strlen(src) + 1;                               \
		memcpy(p + off, (src), n_);                                \
		(dst) = p + off;                                           \
		off += n_;                                                 \
	} while (0)
	POOL_COPY(j->key.instance, row->key.instance);
	POOL_COPY(j->key.group, row->key.group);
	POOL_COPY(j->key.topic, row->key.topic);
	POOL_COPY(j->key.profile, plan_key_str(row->key.profile));
	POOL_COPY(j->key.region, plan_key_str(row->key.region));
	for (i = 0; i < row->nextra; i++)
		POOL_COPY(j->extra[i], row->extra[i] ? row->extra[i] : "");
#undef POOL_COPY
	j->key.type = row->key.type;
	j->key.reset_ms = row->key.reset_ms;
	j->nextra = row->nextra;
	j->index = index;
	j->line = row->line;
	j->res.status = REPORT_NOT_RUN;
	return j;
}

void
job_report_row(const struct job *j, struct report_row *row)
{
	memset(row, 0, sizeof(*row));
	row->line = j->line;
	row->key = &j->key;
	row->status = j->res.status;
	row->http_status = j->res.http_status;
	row->request_id = j->res.request_id;
	row->error_code = j->res.code;
	row->error_message = j->res.message;
	row->attempts = j->res.attempts;
	row->latency_ms = j->res.attempts > 0 ?
	    (j->res.latency_us + 500) / 1000 : -1;
	row->finished_ms = j->res.finished_ms;
	row->extra = (const char *const *)j->extra;
	row->nextra = j->nextra + (j->res.verified != ATTEMPT_VERIFIED_NONE);
}

/*
 * The client for a row: the worker's own, or for a plan naming accounts
 * the one of the row's account (made now at its first row; *idx gets
 * the account's index).  NULL with *e set when it cannot be made.
 */
static struct client *
pool_client_for(struct worker *w, const struct plan_key *key, size_t *idx,
    struct err *e)
{
	struct pool *p = w->pool;
	struct accounts *a = p->cfg.accounts;
	struct client_config cc;
	size_t i;

	*idx = 0;
	if (a == NULL || w->aclients == NULL)
		return w->client;
	i = accounts_index(a, key);
	*idx = i;
	if (i >= a->n) {
		err_set(e, ERR_INTERNAL, "the row's account is not in the "
		    "plan's accounts");
		return NULL;
	}
	if (w->aclients[i] == NULL) {
		cc = a->v[i]->cc;
		cc.abort_flag = p->ccfg.abort_flag;
		cc.reply_cap = p->ccfg.reply_cap;
		w->aclients[i] = client_new(&cc, e);
	}
	return w->aclients[i];
}

/* attempt_row()'s transport: the worker's API client (of the row's
 * account). */
static void
pool_send(void *arg, const struct plan_key *key, struct reply *rep)
{
	struct worker *w = arg;
	struct client *c;
	struct err e;
	size_t idx;

	err_clear(&e);
	c = pool_client_for(w, key, &idx, &e);
	if (c == NULL) {
		reply_set_transport(rep, e.code != ERR_OK ? e.code :
		    ERR_INTERNAL, 0, err_message(&e));
		return;
	}
	client_reset_offset(c, key, rep, &e);
	if (w->pool->cfg.accounts != NULL)
		accounts_count_request(w->pool->cfg.accounts, idx,
		    rep->throttled);
}

/* Dry run: sign the request as for real, send nothing. */
static void
pool_dry_run(struct worker *w, struct job *j)
{
	struct pool *p = w->pool;
	struct params prm, shown;
	struct client *c;
	struct err e;
	size_t idx;
	err_code rc;

	err_clear(&e);
	params_init(&prm);
	params_init(&shown);
	c = pool_client_for(w, &j->key, &idx, &e);
	rc = c != NULL ? client_reset_params(&j->key, &prm) : e.code;
	if (rc == ERR_OK)
		rc = client_preview(c, POOL_ACTION, &prm, &shown, &e);
	if (rc == ERR_OK) {
		j->res.status = REPORT_DRY_RUN;
		j->res.finished_ms = pacer_wall_ms(p->pacer);
	} else {
		/* A signing failure is the same for every row. */
		attempt_unsent(p->actx, &j->res, err_message(&e));
		snprintf(j->res.code, sizeof(j->res.code), "%s",
		    attempt_local_code(rc));
		j->res.fatal = rc;
	}
	params_free(&shown);
	params_free(&prm);
}

/*
 * Stop the other workers from taking new rows as soon as this result
 * makes the run stop (a fatal reply, the failure limit), without waiting
 * for the main thread to read it: with --stop-on-error no row may start
 * after the failing one ended.  The main thread records the reason.
 */
static void
pool_limits(struct pool *p, const struct job *j)
{
	unsigned long n;

	if (j->res.fatal == ERR_AUTH) {
		/* The reason now, so that every row not sent carries it. */
		char why[SUMMARY_REASON_MAX];

		guide_fatal_reason(reply_classify(j->res.http_status,
		    j->res.code, NULL, 1).cause, j->res.code, j->line, why,
		    sizeof why);
		pacer_stop(p->pacer, ERR_AUTH, "%s", why);
	} else if (j->res.fatal != ERR_OK)
		pacer_stop(p->pacer, ERR_OK, "%s", "fatal row");
	if (j->res.status != REPORT_FAILED && j->res.status != REPORT_UNKNOWN)
		return;
	n = (unsigned long)atomic_fetch_add(&p->failed_rows, 1) + 1;
	if (p->cfg.fail_limit > 0 && n >= p->cfg.fail_limit)
		pacer_stop(p->pacer, ERR_OK, "%s", "failure limit");
}

/* The connections of the worker's account clients, at its exit. */
static void
pool_account_stats(struct worker *w)
{
	struct client_stats st;
	size_t i;

	if (w->aclients == NULL)
		return;
	for (i = 0; i < w->pool->cfg.accounts->n; i++)
		if (w->aclients[i] != NULL) {
			client_stats(w->aclients[i], &st);
			w->astats_connects += st.connects;
		}
}

static void *
pool_worker(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct reply rep;
	void *item;
	struct job *j;

	reply_init(&rep);
	while (queue_pop(p->jobs, &item) == QUEUE_OK) {
		j = item;
		if (pacer_should_stop(p->pacer)) {
			char why[SUMMARY_REASON_MAX + 16];

			pacer_unsent_reason(p->pacer, why, sizeof why);
			attempt_unsent(p->actx, &j->res,
			    pacer_aborting(p->pacer) ? "not sent: the run "
			    "was aborted" : why);
		}
		else if (p->cfg.execute && p->cfg.verify != NULL)
			verify_row(p->cfg.verify, p->actx, j, pool_send, w,
			    &w->rng, &rep);
		else if (p->cfg.execute)
			attempt_row(p->actx, j->line, &j->key, pool_send, w,
			    &w->rng, &rep, &j->res);
		else
			pool_dry_run(w, j);
		reply_free(&rep);
		pool_limits(p, j);
		/* The results queue has room for every job handed out. */
		if (queue_push(p->results, j) != QUEUE_OK)
			free(j);
	}
	reply_free(&rep);
	client_stats(w->client, &w->stats);
	pool_account_stats(w);
	return NULL;
}

struct pool *
pool_new(const struct pool_config *cfg, struct pacer *pacer,
    struct attempt_ctx *actx, struct err *e)
{
	struct pool *p;
	unsigned i;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	p->ccfg = *cfg->client;
	p->ccfg.abort_flag = &pacer->aborting;
	p->pacer = pacer;
	p->actx = actx;
	atomic_init(&p->failed_rows, 0);
	p->workers = calloc(cfg->workers, sizeof(*p->workers));
	p->jobs = queue_new(cfg->jobs_cap);
	p->results = queue_new(cfg->results_cap);
	if (p->workers == NULL || p->jobs == NULL || p->results == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		pool_destroy(p);
		return NULL;
	}
	for (i = 0; i < cfg->workers; i++) {
		struct worker *w = &p->workers[i];

		w->pool = p;
		w->client = client_new(&p->ccfg, e);
		if (w->client != NULL && cfg->accounts != NULL) {
			w->aclients = calloc(cfg->accounts->n,
			    sizeof(*w->aclients));
			if (w->aclients == NULL)
				err_set(e, ERR_NOMEM, "out of memory");
		}
		if (w->client == NULL || (cfg->accounts != NULL &&
		    w->aclients == NULL)) {
			client_destroy(w->client);
			pool_destroy(p);
			return NULL;
		}
		p->nworkers++;
		if (cfg->seed != 0)
			rng_seed(&w->rng, cfg->seed + i);
		else
			rng_seed_random(&w->rng, NULL);
	}
	return p;
}

err_code
pool_start(struct pool *p, struct err *e)
{
	sigset_t all, old;
	unsigned i;
	int prc;

	/* Threads inherit the mask: workers never see a signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	prc = 0;
	for (i = 0; i < p->nworkers && prc == 0; i++) {
		prc = pthread_create(&p->workers[i].tid, NULL, pool_worker,
		    &p->workers[i]);
		p->workers[i].started = prc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0)
		return err_set_errno(e, ERR_INTERNAL, prc, "cannot start "
		    "worker threads");
	return ERR_OK;
}

int
pool_put(struct pool *p, struct job *j)
{
	return queue_trypush(p->jobs, j) == QUEUE_OK;
}

struct job *
pool_get(struct pool *p, int64_t deadline_ns)
{
	void *item;
	enum queue_rc rc;

	if (deadline_ns == 0)
		rc = queue_trypop(p->results, &item);
	else
		rc = queue_pop_until(p->results, &item, deadline_ns);
	return rc == QUEUE_OK ? item : NULL;
}

void
pool_join(struct pool *p)
{
	unsigned i;

	queue_close(p->jobs);
	for (i = 0; i < p->nworkers; i++)
		if (p->workers[i].started) {
			pthread_join(p->workers[i].tid, NULL);
			p->workers[i].started = 0;
		}
}

uint64_t
pool_connections(const struct pool *p)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < p->nworkers; i++)
		n += p->workers[i].stats.connects +
		    p->workers[i].astats_connects;
	return n;
}

void
pool_destroy(struct pool *p)
{
	void *item;
	unsigned i;

	if (p == NULL)
		return;
	if (p->jobs != NULL) {
		pool_join(p);
		while (queue_trypop(p->jobs, &item) == QUEUE_OK)
			free(item);
	}
	if (p->results != NULL)
		while (queue_trypop(p->results, &item) == QUEUE_OK)
			free(item);
	for (i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->workers[i];
		size_t k;

		client_destroy(w->client);
		for (k = 0; w->aclients != NULL && k < p->cfg.accounts->n; k++)
			client_destroy(w->aclients[k]);
		free(w->aclients);
	}
	free(p->workers);
	queue_destroy(p->jobs);
	queue_destroy(p->results);
	free(p);
}
