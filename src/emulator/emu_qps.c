/*
 * emu_qps.c - per-key, per-action token buckets.  See include/emulator/emu_qps.h.
 */
#include "emu_qps.h"

#include <pthread.h>
#include <stdlib.h>

#include "ratelimit.h"

struct emu_qps_cell {
	pthread_mutex_t mu;            /* guards bucket */
	struct ratelimit_bucket bucket; /* this key's quota for the action */
	int unlimited;                 /* rate <= 0: never throttle */
};

struct emu_qps {
	struct emu_qps_cell *cells; /* ncreds * nactions, row per key */
	size_t ncreds, nactions;    /* dimensions */
};

struct emu_qps *
emu_qps_new(size_t ncreds, size_t nactions, const double *rates,
    int64_t now_ns)
{
	struct emu_qps *q;
	size_t i;

	q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->ncreds = ncreds;
	q->nactions = nactions;
	q->cells = calloc(ncreds * nactions + 1, sizeof *q->cells);
	if (q->cells == NULL) {
		free(q);
		return NULL;
	}
	for (i = 0; i < ncreds * nactions; i++) {
		double r = rates[i % nactions];

		pthread_mutex_init(&q->cells[i].mu, NULL);
		q->cells[i].unlimited = r <= 0;
		ratelimit_bucket_init(&q->cells[i].bucket, r > 0 ? r : 1,
		    r > 1 ? r : 1, now_ns);
	}
	return q;
}

void
emu_qps_destroy(struct emu_qps *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->ncreds * q->nactions; i++)
		pthread_mutex_destroy(&q->cells[i].mu);
	free(q->cells);
	free(q);
}

int
emu_qps_take(struct emu_qps *q, size_t cred, size_t action, int64_t now_ns)
{
	struct emu_qps_cell *c;
	int64_t wait;

	if (cred >= q->ncreds || action >= q->nactions)
		return 1;
	c = &q->cells[cred * q->nactions + action];
	if (c->unlimited)
		return 1;
	pthread_mutex_lock(&c->mu);
	wait = ratelimit_bucket_take(&c->bucket, now_ns);
	pthread_mutex_unlock(&c->mu);
	return wait == 0;
}
