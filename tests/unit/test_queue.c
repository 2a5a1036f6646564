/*
 * test_queue.c - the bounded MPMC queue: order, bounds, close/drain,
 * timed pops, and a multithreaded run (meant for SAN=tsan too) checking
 * that every item pushed by several producers is popped exactly once.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cu.h"
#include "queue.h"

static void
test_fifo_and_bounds(void)
{
	struct queue *q;
	void *p;
	intptr_t i;

	q = queue_new(3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(queue_trypop(q, &p), QUEUE_EMPTY);
	for (i = 1; i <= 3; i++)
		CU_ASSERT_EQUAL(queue_trypush(q, (void *)i), QUEUE_OK);
	CU_ASSERT_EQUAL(queue_trypush(q, (void *)4), QUEUE_FULL);
	CU_ASSERT_EQUAL(queue_len(q), 3);
	CU_ASSERT_EQUAL(queue_pop(q, &p), QUEUE_OK);
	CU_ASSERT_EQUAL((intptr_t)p, 1);
	/* Wrap around the ring. */
	CU_ASSERT_EQUAL(queue_push(q, (void *)4), QUEUE_OK);
	for (i = 2; i <= 4; i++) {
		CU_ASSERT_EQUAL(queue_trypop(q, &p), QUEUE_OK);
		CU_ASSERT_EQUAL((intptr_t)p, i);
	}
	CU_ASSERT_EQUAL(queue_len(q), 0);
	queue_destroy(q);
	queue_destroy(NULL);
}

static void
test_close_drains(void)
{
	struct queue *q;
	void *p;

	q = queue_new(4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(queue_push(q, (void *)1), QUEUE_OK);
	CU_ASSERT_EQUAL(queue_push(q, (void *)2), QUEUE_OK);
	queue_close(q);
	queue_close(q);
	CU_ASSERT_EQUAL(queue_push(q, (void *)3), QUEUE_CLOSED);
	CU_ASSERT_EQUAL(queue_trypush(q, (void *)3), QUEUE_CLOSED);
	/* Items queued before the close are still delivered. */
	CU_ASSERT_EQUAL(queue_pop(q, &p), QUEUE_OK);
	CU_ASSERT_EQUAL((intptr_t)p, 1);
	CU_ASSERT_EQUAL(queue_pop_until(q, &p, 0), QUEUE_OK);
	CU_ASSERT_EQUAL((intptr_t)p, 2);
	CU_ASSERT_EQUAL(queue_pop(q, &p), QUEUE_CLOSED);
	CU_ASSERT_EQUAL(queue_trypop(q, &p), QUEUE_CLOSED);
	CU_ASSERT_EQUAL(queue_pop_until(q, &p, clock_mono_ns() + 1000000000),
	    QUEUE_CLOSED);
	queue_destroy(q);
}

static void
test_timed_pop(void)
{
	struct queue *q;
	void *p;
	int64_t t0;

	q = queue_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	t0 = clock_mono_ns();
	CU_ASSERT_EQUAL(queue_pop_until(q, &p, t0 + 20000000), QUEUE_TIMEOUT);
	/* It did wait (a lower bound only: never assert an upper one). */
	CU_ASSERT(clock_mono_ns() - t0 >= 20000000);
	CU_ASSERT_EQUAL(queue_pop_until(q, &p, 0), QUEUE_TIMEOUT);
	queue_destroy(q);
}

#define MT_PRODUCERS 4
#define MT_CONSUMERS 4
#define MT_PER_PRODUCER 20000

struct mt_ctx {
	struct queue *q;          /* shared queue, capacity 8 */
	int id;                   /* producer index */
	unsigned char *seen;      /* consumer: hits per item (own slots) */
	long popped;              /* consumer: items taken */
};

static void *
mt_producer(void *arg)
{
	struct mt_ctx *c = arg;
	intptr_t i;

	for (i = 0; i < MT_PER_PRODUCER; i++)
		if (queue_push(c->q, (void *)(intptr_t)(c->id *
		    MT_PER_PRODUCER + i + 1)) != QUEUE_OK)
			break;
	return NULL;
}

static void *
mt_consumer(void *arg)
{
	struct mt_ctx *c = arg;
	void *p;

	while (queue_pop(c->q, &p) == QUEUE_OK) {
		c->seen[(intptr_t)p - 1]++;
		c->popped++;
	}
	return NULL;
}

static void
test_multithreaded(void)
{
	struct queue *q;
	pthread_t prod[MT_PRODUCERS], cons[MT_CONSUMERS];
	struct mt_ctx pc[MT_PRODUCERS], cc[MT_CONSUMERS];
	const size_t n = MT_PRODUCERS * MT_PER_PRODUCER;
	size_t i;
	int k, ok;
	long total;

	q = queue_new(8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	for (k = 0; k < MT_CONSUMERS; k++) {
		memset(&cc[k], 0, sizeof(cc[k]));
		cc[k].q = q;
		cc[k].seen = calloc(n, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cc[k].seen);
		pthread_create(&cons[k], NULL, mt_consumer, &cc[k]);
	}
	for (k = 0; k < MT_PRODUCERS; k++) {
		memset(&pc[k], 0, sizeof(pc[k]));
		pc[k].q = q;
		pc[k].id = k;
		pthread_create(&prod[k], NULL, mt_producer, &pc[k]);
	}
	for (k = 0; k < MT_PRODUCERS; k++)
		pthread_join(prod[k], NULL);
	queue_close(q);
	total = 0;
	for (k = 0; k < MT_CONSUMERS; k++) {
		pthread_join(cons[k], NULL);
		total += cc[k].popped;
	}
	CU_ASSERT_EQUAL(total, (long)n);
	ok = 1;
	for (i = 0; i < n; i++) {
		int hits = 0;

		for (k = 0; k < MT_CONSUMERS; k++)
			hits += cc[k].seen[i];
		if (hits != 1)
			ok = 0;
	}
	CU_ASSERT(ok);
	for (k = 0; k < MT_CONSUMERS; k++)
		free(cc[k].seen);
	queue_destroy(q);
}

static CU_TestInfo queue_tests[] = {
	{ "fifo and bounds", test_fifo_and_bounds },
	{ "close drains", test_close_drains },
	{ "timed pop", test_timed_pop },
	{ "multithreaded exactly once", test_multithreaded },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "queue", NULL, NULL, NULL, NULL, queue_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_queue", suites);
}
