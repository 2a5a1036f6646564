/*
 * emu_nonce.c - the SignatureNonce replay cache.  See include/emulator/emu_nonce.h.
 *
 * Each shard: ring[] holds (hash, time) in arrival order, head..head+count;
 * tab[] (twice the ring size, power of two) holds ring position + 1, 0 for
 * empty, with linear probing and backward-shift deletion, so no tombstones
 * accumulate however long the server runs.
 */
#include "emu_nonce.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define EMU_NONCE_SHARDS 16

struct emu_nonce_entry {
	uint64_t hash; /* hash of (key id, nonce) */
	int64_t t_ms;  /* when it was used */
};

struct emu_nonce_shard {
	pthread_mutex_t mu;            /* guards everything below */
	struct emu_nonce_entry *ring;  /* rcap entries */
	size_t rcap;                   /* ring capacity */
	size_t head;                   /* oldest entry */
	size_t count;                  /* entries in the ring */
	uint32_t *tab;                 /* ring index + 1, 0 = empty */
	size_t tmask;                  /* table size - 1 */
};

struct emu_nonce {
	struct emu_nonce_shard shard[EMU_NONCE_SHARDS]; /* by hash */
	atomic_uint_fast64_t evicted; /* forgotten early (full shard) */
};

static uint64_t
emu_nonce_hash(const char *key_id, const char *nonce)
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = key_id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL; /* separator no name contains */
	for (p = nonce; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	/* splitmix64 finaliser: spread FNV's low bits for the table. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

struct emu_nonce *
emu_nonce_new(size_t capacity)
{
	struct emu_nonce *nc;
	size_t per, tsize, i;

	nc = calloc(1, sizeof *nc);
	if (nc == NULL)
		return NULL;
	per = capacity / EMU_NONCE_SHARDS;
	if (per < 16)
		per = 16;
	for (tsize = 32; tsize < per * 2; tsize <<= 1)
		;
	for (i = 0; i < EMU_NONCE_SHARDS; i++) {
		struct emu_nonce_shard *s = &nc->shard[i];

		pthread_mutex_init(&s->mu, NULL);
		s->rcap = per;
		s->tmask = tsize - 1;
		s->ring = calloc(per, sizeof *s->ring);
		s->tab = calloc(tsize, sizeof *s->tab);
		if (s->ring == NULL || s->tab == NULL) {
			emu_nonce_destroy(nc);
			return NULL;
		}
	}
	atomic_init(&nc->evicted, 0);
	return nc;
}

void
emu_nonce_destroy(struct emu_nonce *nc)
{
	size_t i;

	if (nc == NULL)
		return;
	for (i = 0; i < EMU_NONCE_SHARDS; i++) {
		free(nc->shard[i].ring);
		free(nc->shard[i].tab);
		pthread_mutex_destroy(&nc->shard[i].mu);
	}
	free(nc);
}

/* Table slot holding ring position `pos`. */
static size_t
emu_nonce_slot_of(const struct emu_nonce_shard *s, size_t pos)
{
	size_t i;

	for (i = (size_t)s->ring[pos].hash & s->tmask;
	    s->tab[i] != pos + 1; i = (i + 1) & s->tmask)
		;
	return i;
}

/* Remove the table slot i with backward-shift deletion. */
static void
emu_nonce_unslot(struct emu_nonce_shard *s, size_t i)
{
	size_t j = i, k;

	for (;;) {
		j = (j + 1) & s->tmask;
		if (s->tab[j] == 0)
			break;
		k = (size_t)s->ring[s->tab[j] - 1].hash & s->tmask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->tab[i] = s->tab[j];
		i = j;
	}
	s->tab[i] = 0;
}

static void
emu_nonce_pop(struct emu_nonce_shard *s)
{
	emu_nonce_unslot(s, emu_nonce_slot_of(s, s->head));
	s->head = (s->head + 1) % s->rcap;
	s->count--;
}

int
emu_nonce_use(struct emu_nonce *nc, const char *key_id, const char *nonce,
    int64_t now_ms)
{
	struct emu_nonce_shard *s;
	uint64_t h;
	size_t i, pos;
	int fresh = 1;

	h = emu_nonce_hash(key_id, nonce);
	s = &nc->shard[h >> 60];
	pthread_mutex_lock(&s->mu);
	while (s->count > 0 &&
	    s->ring[s->head].t_ms <= now_ms - EMU_NONCE_WINDOW_MS)
		emu_nonce_pop(s);
	for (i = (size_t)h & s->tmask; s->tab[i] != 0;
	    i = (i + 1) & s->tmask)
		if (s->ring[s->tab[i] - 1].hash == h) {
			fresh = 0;
			break;
		}
	if (fresh) {
		if (s->count == s->rcap) {
			emu_nonce_pop(s);
			atomic_fetch_add(&nc->evicted, 1);
		}
		pos = (s->head + s->count) % s->rcap;
		s->ring[pos].hash = h;
		s->ring[pos].t_ms = now_ms;
		s->count++;
		for (i = (size_t)h & s->tmask; s->tab[i] != 0;
		    i = (i + 1) & s->tmask)
			;
		s->tab[i] = (uint32_t)(pos + 1);
	}
	pthread_mutex_unlock(&s->mu);
	return fresh;
}

uint64_t
emu_nonce_evicted(struct emu_nonce *nc)
{
	return atomic_load(&nc->evicted);
}
