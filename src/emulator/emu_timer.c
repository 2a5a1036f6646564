/*
 * emu_timer.c - a one-thread timer heap.  See include/emulator/emu_timer.h.
 */
#include "emu_timer.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

struct emu_timer_ent {
	int64_t due_ns;  /* when to call */
	emu_timer_fn fn; /* what to call */
	void *arg;       /* its argument */
};

struct emu_timer {
	pthread_mutex_t mu;          /* guards all below */
	pthread_cond_t cv;           /* signalled on add and stop */
	struct emu_timer_ent *heap;  /* min-heap by due_ns */
	size_t n, cap;               /* used / allocated */
	int stopping;                /* emu_timer_stop() was called */
	pthread_t thread;            /* the timer thread */
};

static void
emu_timer_up(struct emu_timer_ent *h, size_t i)
{
	struct emu_timer_ent tmp;

	while (i > 0 && h[(i - 1) / 2].due_ns > h[i].due_ns) {
		tmp = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static struct emu_timer_ent
emu_timer_pop(struct emu_timer *t)
{
	struct emu_timer_ent top = t->heap[0], tmp;
	size_t i = 0, c;

	t->heap[0] = t->heap[--t->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= t->n)
			break;
		if (c + 1 < t->n && t->heap[c + 1].due_ns < t->heap[c].due_ns)
			c++;
		if (t->heap[i].due_ns <= t->heap[c].due_ns)
			break;
		tmp = t->heap[i];
		t->heap[i] = t->heap[c];
		t->heap[c] = tmp;
		i = c;
	}
	return top;
}

static void *
emu_timer_main(void *arg)
{
	struct emu_timer *t = arg;
	struct emu_timer_ent ent;
	struct timespec ts;
	int64_t now, wall;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		if (t->n == 0) {
			if (t->stopping)
				break;
			pthread_cond_wait(&t->cv, &t->mu);
			continue;
		}
		now = clock_mono_ns();
		if (!t->stopping && t->heap[0].due_ns > now) {
			/* The condvar waits on CLOCK_REALTIME: convert. */
			wall = clock_wall_ms() * 1000000 +
			    (t->heap[0].due_ns - now);
			ts.tv_sec = (time_t)(wall / 1000000000);
			ts.tv_nsec = (long)(wall % 1000000000);
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
			continue;
		}
		ent = emu_timer_pop(t);
		pthread_mutex_unlock(&t->mu);
		ent.fn(ent.arg);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

err_code
emu_timer_start(struct emu_timer **out, struct err *e)
{
	struct emu_timer *t;

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&t->thread, NULL, emu_timer_main, t) != 0) {
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		free(t);
		return err_set(e, ERR_INTERNAL, "cannot start the timer thread");
	}
	*out = t;
	return ERR_OK;
}

err_code
emu_timer_add(struct emu_timer *t, int64_t due_ns, emu_timer_fn fn,
    void *arg)
{
	struct emu_timer_ent *nh;
	size_t ncap;

	pthread_mutex_lock(&t->mu);
	if (t->stopping) {
		/* The thread may be gone: never leave the caller waiting. */
		pthread_mutex_unlock(&t->mu);
		fn(arg);
		return ERR_OK;
	}
	if (t->n == t->cap) {
		ncap = t->cap != 0 ? t->cap * 2 : 64;
		nh = realloc(t->heap, ncap * sizeof *nh);
		if (nh == NULL) {
			pthread_mutex_unlock(&t->mu);
			fn(arg);
			return ERR_NOMEM;
		}
		t->heap = nh;
		t->cap = ncap;
	}
	t->heap[t->n].due_ns = due_ns;
	t->heap[t->n].fn = fn;
	t->heap[t->n].arg = arg;
	emu_timer_up(t->heap, t->n);
	t->n++;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return ERR_OK;
}

void
emu_timer_stop(struct emu_timer *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	free(t->heap);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}
