/*
 * emu_guard.c - header-receive deadlines.  See include/emulator/emu_guard.h.
 */
#include "emu_guard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"

/* The reaper looks at the lists at least this often (ns), so it needs no
 * wake-up when a connection is added. */
#define EMU_GUARD_TICK_NS (100 * 1000000LL)

/* Which watch list a record is on. */
enum emu_guard_list {
	EMU_GUARD_NONE = -1,  /* not watched */
	EMU_GUARD_FIRST = 0,  /* the first request's headers */
	EMU_GUARD_LATER,      /* a later request on a kept-alive connection */
	EMU_GUARD_NLISTS
};

struct emu_guard_conn {
	int fd;                      /* the connection's socket */
	int64_t deadline_ns;         /* when it is shut down, if watched */
	enum emu_guard_list list;    /* where it is linked */
	struct emu_guard_conn *prev; /* list neighbours */
	struct emu_guard_conn *next;
};

struct emu_guard {
	int64_t ms[EMU_GUARD_NLISTS];          /* deadline of each list */
	struct emu_guard_conn *head[EMU_GUARD_NLISTS]; /* oldest first */
	struct emu_guard_conn *tail[EMU_GUARD_NLISTS]; /* newest */
	pthread_mutex_t mu;                    /* guards everything above */
	pthread_cond_t cv;                     /* wakes the reaper to stop */
	int stop;                              /* reaper must exit (mu) */
	int running;                           /* the thread was started */
	pthread_t thread;                      /* the reaper */
	atomic_uint_fast64_t reaped;           /* sockets shut down */
};

err_code
emu_guard_new(int64_t header_ms, int64_t idle_ms, struct emu_guard **out,
    struct err *e)
{
	struct emu_guard *g;
	pthread_condattr_t ca;

	*out = NULL;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	g->ms[EMU_GUARD_FIRST] = header_ms;
	g->ms[EMU_GUARD_LATER] = idle_ms;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&g->reaped, 0);
	*out = g;
	return ERR_OK;
}

/* Take c off its list (mu held). */
static void
emu_guard_unlink(struct emu_guard *g, struct emu_guard_conn *c)
{
	enum emu_guard_list l = c->list;

	if (l == EMU_GUARD_NONE)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->head[l] = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		g->tail[l] = c->prev;
	c->prev = c->next = NULL;
	c->list = EMU_GUARD_NONE;
}

/* Append c to list l with its deadline (mu held). */
static void
emu_guard_link(struct emu_guard *g, struct emu_guard_conn *c,
    enum emu_guard_list l, int64_t now_ns)
{
	emu_guard_unlink(g, c);
	c->deadline_ns = now_ns + g->ms[l] * 1000000;
	c->list = l;
	c->prev = g->tail[l];
	c->next = NULL;
	if (g->tail[l] != NULL)
		g->tail[l]->next = c;
	else
		g->head[l] = c;
	g->tail[l] = c;
}

struct emu_guard_conn *
emu_guard_open(struct emu_guard *g, int fd, int64_t now_ns)
{
	struct emu_guard_conn *c;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->fd = fd;
	c->list = EMU_GUARD_NONE;
	pthread_mutex_lock(&g->mu);
	emu_guard_link(g, c, EMU_GUARD_FIRST, now_ns);
	pthread_mutex_unlock(&g->mu);
	return c;
}

void
emu_guard_headers(struct emu_guard *g, struct emu_guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	emu_guard_unlink(g, c);
	pthread_mutex_unlock(&g->mu);
}

void
emu_guard_rearm(struct emu_guard *g, struct emu_guard_conn *c,
    int64_t now_ns)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	emu_guard_link(g, c, EMU_GUARD_LATER, now_ns);
	pthread_mutex_unlock(&g->mu);
}

void
emu_guard_close(struct emu_guard *g, struct emu_guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	emu_guard_unlink(g, c);
	pthread_mutex_unlock(&g->mu);
	free(c);
}

/* emu_guard_reap with mu held. */
static size_t
emu_guard_reap_locked(struct emu_guard *g, int64_t now_ns)
{
	struct emu_guard_conn *c;
	size_t n = 0;
	int l;

	for (l = 0; l < EMU_GUARD_NLISTS; l++)
		while ((c = g->head[l]) != NULL && c->deadline_ns <= now_ns) {
			emu_guard_unlink(g, c);
			/* The server closes it when it sees the end of the
			 * stream; the descriptor stays its own until then. */
			(void)shutdown(c->fd, SHUT_RDWR);
			n++;
		}
	if (n > 0)
		atomic_fetch_add(&g->reaped, n);
	return n;
}

size_t
emu_guard_reap(struct emu_guard *g, int64_t now_ns)
{
	size_t n;

	pthread_mutex_lock(&g->mu);
	n = emu_guard_reap_locked(g, now_ns);
	pthread_mutex_unlock(&g->mu);
	return n;
}

uint64_t
emu_guard_reaped(const struct emu_guard *g)
{
	return atomic_load(&((struct emu_guard *)g)->reaped);
}

static void *
emu_guard_main(void *arg)
{
	struct emu_guard *g = arg;
	struct timespec ts;
	int64_t now, wake;
	int l;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		now = clock_mono_ns();
		(void)emu_guard_reap_locked(g, now);
		wake = now + EMU_GUARD_TICK_NS;
		for (l = 0; l < EMU_GUARD_NLISTS; l++)
			if (g->head[l] != NULL && g->head[l]->deadline_ns < wake)
				wake = g->head[l]->deadline_ns;
		ts.tv_sec = (time_t)(wake / 1000000000);
		ts.tv_nsec = (long)(wake % 1000000000);
		(void)pthread_cond_timedwait(&g->cv, &g->mu, &ts);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

err_code
emu_guard_start(struct emu_guard *g, struct err *e)
{
	if (pthread_create(&g->thread, NULL, emu_guard_main, g) != 0)
		return err_set(e, ERR_INTERNAL, "cannot start the header "
		    "deadline thread");
	g->running = 1;
	return ERR_OK;
}

void
emu_guard_destroy(struct emu_guard *g)
{
	struct emu_guard_conn *c;
	int l;

	if (g == NULL)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->mu);
		g->stop = 1;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->thread, NULL);
	}
	/* Records left behind belong to connections never reported closed
	 * (none once the daemon has stopped); free them all the same. */
	for (l = 0; l < EMU_GUARD_NLISTS; l++)
		while ((c = g->head[l]) != NULL) {
			emu_guard_unlink(g, c);
			free(c);
		}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}
