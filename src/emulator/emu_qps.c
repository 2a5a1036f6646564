/*
 * emu_qps.c - per-account, per-action limiters (token bucket, fixed and
 * sliding window).  See include/emulator/emu_qps.h.
 */
#include "emu_qps.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define EMU_QPS_NS_PER_S 1e9

struct emu_qps_cell {
	pthread_mutex_t mu;             /* guards everything below */
	int unlimited;                  /* rate <= 0: never throttle */
	struct ratelimit_bucket bucket; /* EMU_QPS_TOKEN */
	size_t n;                       /* requests allowed per window */
	int64_t window_ns;              /* window length (fixed, sliding) */
	int64_t fixed_start_ns;         /* EMU_QPS_FIXED: current window */
	size_t fixed_count;             /* accepted in it */
	int64_t *ring;                  /* EMU_QPS_SLIDING: times of the last
	                                   n requests, oldest at `head` */
	size_t ring_len;                /* entries filled (<= n) */
	size_t head;                    /* next slot to overwrite */
};

struct emu_qps {
	struct emu_qps_cell *cells; /* one per action */
	size_t nactions;            /* entries in cells */
	enum emu_qps_window window; /* how every cell counts */
};

int
emu_qps_window_parse(const char *s, enum emu_qps_window *w)
{
	if (strcmp(s, "token") == 0)
		*w = EMU_QPS_TOKEN;
	else if (strcmp(s, "fixed") == 0)
		*w = EMU_QPS_FIXED;
	else if (strcmp(s, "sliding") == 0)
		*w = EMU_QPS_SLIDING;
	else
		return -1;
	return 0;
}

/* N per window and the window's length for a limit of `rate` per s. */
static void
emu_qps_shape(double rate, size_t *n, int64_t *window_ns)
{
	double k = floor(rate + 0.5);

	if (k < 1)
		k = 1;
	if (k > EMU_QPS_MAX_N)
		k = EMU_QPS_MAX_N;
	*n = (size_t)k;
	*window_ns = (int64_t)llround(k / rate * EMU_QPS_NS_PER_S);
	if (*window_ns < 1)
		*window_ns = 1;
}

struct emu_qps *
emu_qps_new(size_t nactions, const double *rates, enum emu_qps_window window,
    int64_t now_ns)
{
	struct emu_qps *q;
	size_t i;

	q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->nactions = nactions;
	q->window = window;
	q->cells = calloc(nactions + 1, sizeof *q->cells);
	if (q->cells == NULL) {
		free(q);
		return NULL;
	}
	for (i = 0; i < nactions; i++) {
		struct emu_qps_cell *c = &q->cells[i];
		double r = rates[i];

		pthread_mutex_init(&c->mu, NULL);
		c->unlimited = r <= 0;
		ratelimit_bucket_init(&c->bucket, r > 0 ? r : 1,
		    r > 1 ? r : 1, now_ns);
		emu_qps_shape(r > 0 ? r : 1, &c->n, &c->window_ns);
		c->fixed_start_ns = now_ns;
		if (!c->unlimited && window == EMU_QPS_SLIDING) {
			c->ring = calloc(c->n, sizeof *c->ring);
			if (c->ring == NULL) {
				q->nactions = i + 1;
				emu_qps_destroy(q);
				return NULL;
			}
		}
	}
	return q;
}

struct emu_qps *
emu_qps_new_accounts(size_t nactions, size_t naccounts, const double *rates,
    enum emu_qps_window window, int64_t now_ns)
{
	struct emu_qps *q;
	double *all;
	size_t k;

	if (naccounts <= 1)
		return emu_qps_new(nactions, rates, window, now_ns);
	all = calloc(nactions * naccounts, sizeof *all);
	if (all == NULL)
		return NULL;
	for (k = 0; k < naccounts; k++)
		memcpy(all + k * nactions, rates, nactions * sizeof *all);
	q = emu_qps_new(nactions * naccounts, all, window, now_ns);
	free(all);
	return q;
}

void
emu_qps_destroy(struct emu_qps *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nactions; i++) {
		pthread_mutex_destroy(&q->cells[i].mu);
		free(q->cells[i].ring);
	}
	free(q->cells);
	free(q);
}

/* Fixed window: windows start at whole multiples of window_ns. */
static int
emu_qps_fixed(struct emu_qps_cell *c, int64_t now_ns)
{
	int64_t start = now_ns - now_ns % c->window_ns;

	if (now_ns % c->window_ns < 0)
		start -= c->window_ns;
	if (start > c->fixed_start_ns) {
		c->fixed_start_ns = start;
		c->fixed_count = 0;
	}
	if (c->fixed_count >= c->n)
		return 0;
	c->fixed_count++;
	return 1;
}

/*
 * Sliding window: granted when fewer than n requests (any outcome) came
 * in the window_ns before now, i.e. the n-th most recent one is older
 * than that.  Every request is remembered, the throttled ones too.
 */
static int
emu_qps_sliding(struct emu_qps_cell *c, int64_t now_ns)
{
	int ok;

	ok = c->ring_len < c->n || now_ns - c->ring[c->head] >= c->window_ns;
	c->ring[c->head] = now_ns;
	c->head = (c->head + 1) % c->n;
	if (c->ring_len < c->n)
		c->ring_len++;
	return ok;
}

int
emu_qps_take(struct emu_qps *q, size_t action, int64_t now_ns)
{
	struct emu_qps_cell *c;
	int ok = 1;

	if (action >= q->nactions)
		return 1;
	c = &q->cells[action];
	if (c->unlimited)
		return 1;
	pthread_mutex_lock(&c->mu);
	switch (q->window) {
	case EMU_QPS_TOKEN:
		ok = ratelimit_bucket_take(&c->bucket, now_ns) == 0;
		break;
	case EMU_QPS_FIXED:
		ok = emu_qps_fixed(c, now_ns);
		break;
	case EMU_QPS_SLIDING:
		ok = emu_qps_sliding(c, now_ns);
		break;
	}
	pthread_mutex_unlock(&c->mu);
	return ok;
}
