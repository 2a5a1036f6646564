/*
 * pfread.c - the preflight's read calls on several threads.  See
 * include/mqreset/pfread.h.
 *
 * Design: the threads take the next task from an atomic index; a stop
 * flag (a failure that stops everything, or a signal the calling thread
 * saw while it waits for them) is looked at before each task.  Nothing here holds a lock across a call: the read
 * layer guards its own buckets and cache.
 */
#include "pfread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* How often the calling thread looks at the signal flag. */
#define PFREAD_POLL_NS 20000000

struct pfread_shared {
	struct onsread *rd;             /* the read layer */
	struct pfread_task *t;          /* the tasks */
	size_t n;                       /* how many */
	atomic_size_t next;             /* the next task to take */
	atomic_int stop;                /* 1: take no more */
	atomic_size_t running;          /* threads not finished */
	pfread_want_fn want;            /* follow-ups wanted? (NULL: no) */
};

struct pfread_worker {
	struct pfread_shared *sh; /* shared */
	struct client *cl;        /* this thread's own */
	pthread_t tid;            /* the thread */
	int started;              /* tid is valid */
};

int
pfread_stops(enum reply_class cls, err_code code)
{
	return cls == REPLY_FATAL || code == ERR_AUTH || code == ERR_NOMEM;
}

static void
pfread_task_run(struct pfread_shared *sh, struct client *cl,
    struct pfread_task *t)
{
	const struct pfread_step *s;

	struct pfread_more *m;
	size_t j;
	int i;

	for (i = 0; i < t->nsteps; i++) {
		s = &t->step[i];
		if (onsread_fetch(sh->rd, cl, s->a, s->instance, s->group,
		    s->topic, &t->cls, &t->err) != ERR_OK) {
			if (pfread_stops(t->cls, t->err.code) ||
			    s->a == ONSREAD_INSTANCES)
				atomic_store(&sh->stop, 1);
			t->done = 1;
			return;
		}
	}
	t->done = 1;
	for (j = 0; sh->want != NULL && j < t->nmore; j++) {
		m = &t->more[j];
		if (atomic_load(&sh->stop) || !sh->want(sh->rd, t, m))
			continue;
		s = &m->step;
		m->made = 1;
		if (onsread_fetch(sh->rd, cl, s->a, s->instance, s->group,
		    s->topic, &m->cls, &m->err) != ERR_OK &&
		    pfread_stops(m->cls, m->err.code))
			atomic_store(&sh->stop, 1);
	}
}

static void *
pfread_main(void *arg)
{
	struct pfread_worker *w = arg;
	struct pfread_shared *sh = w->sh;
	size_t i;

	for (;;) {
		if (atomic_load(&sh->stop))
			break;
		i = atomic_fetch_add(&sh->next, 1);
		if (i >= sh->n)
			break;
		pfread_task_run(sh, w->cl, &sh->t[i]);
	}
	atomic_fetch_sub(&sh->running, 1);
	return NULL;
}

err_code
pfread_run(struct onsread *rd, const struct client_config *cc,
    unsigned workers, struct pfread_task *t, size_t n, pfread_want_fn want,
    volatile sig_atomic_t *signals, struct err *e)
{
	struct pfread_shared sh;
	struct pfread_worker *w;
	size_t nw = workers == 0 ? 1 : workers, i, j;
	err_code rc = ERR_OK;

	for (i = 0; i < n; i++) {
		t[i].done = 0;
		t[i].cls = REPLY_OK;
		err_clear(&t[i].err);
		for (j = 0; j < t[i].nmore; j++) {
			t[i].more[j].made = 0;
			t[i].more[j].cls = REPLY_OK;
			err_clear(&t[i].more[j].err);
		}
	}
	if (n == 0)
		return ERR_OK;
	if (nw > PFREAD_MAX_WORKERS)
		nw = PFREAD_MAX_WORKERS;
	if (nw > n)
		nw = n;
	memset(&sh, 0, sizeof sh);
	sh.rd = rd;
	sh.t = t;
	sh.n = n;
	atomic_init(&sh.next, 0);
	atomic_init(&sh.stop, 0);
	atomic_init(&sh.running, 0);
	sh.want = want;
	w = calloc(nw, sizeof *w);
	if (w == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	/* Every client before any thread (client.h). */
	for (i = 0; rc == ERR_OK && i < nw; i++) {
		w[i].sh = &sh;
		if ((w[i].cl = client_new(cc, e)) == NULL)
			rc = e->code != ERR_OK ? e->code : ERR_INTERNAL;
	}
	for (i = 0; rc == ERR_OK && i < nw; i++) {
		atomic_fetch_add(&sh.running, 1);
		if (pthread_create(&w[i].tid, NULL, pfread_main, &w[i]) != 0) {
			/* Fewer threads: the ones started do the work. */
			atomic_fetch_sub(&sh.running, 1);
			if (i == 0)
				rc = err_set(e, ERR_NOMEM, "cannot start a "
				    "thread");
			break;
		}
		w[i].started = 1;
	}
	/* The signal flag is this thread's (a handler's) to read: pass it
	 * on to the workers as the stop flag. */
	while (atomic_load(&sh.running) > 0) {
		if (signals != NULL && *signals != 0)
			atomic_store(&sh.stop, 1);
		clock_sleep_ns(PFREAD_POLL_NS);
	}
	for (i = 0; i < nw; i++)
		if (w[i].started)
			pthread_join(w[i].tid, NULL);
	for (i = 0; i < nw; i++)
		client_destroy(w[i].cl);
	free(w);
	return rc;
}
