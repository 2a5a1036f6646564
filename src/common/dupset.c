/*
 * dupset.c - the duplicate-key set of the plan validator.  See
 * include/common/dupset.h for the memory and false-positive analysis.
 *
 * Design: the key (instance, group, topic) is serialised as three
 * length-prefixed fields and hashed with MurmurHash3 x64-128 (public
 * domain algorithm by Austin Appleby, re-implemented here); 96 of the
 * 128 bits are kept.  The table is open-addressed with linear probing;
 * the home slot is derived from the first 64 bits by multiply-shift
 * ("fast range"), which allows any capacity, so the table grows by 1.5x
 * instead of doubling and a million keys fit in 24 MiB.  An empty slot
 * has line 0 (plan lines start at 1).
 */
#include "dupset.h"

#include <stdlib.h>
#include <string.h>

#define DUPSET_MIN_CAP 1024

struct dupset_slot {
	uint64_t h1;   /* first 64 bits of the key's hash */
	uint32_t h2;   /* next 32 bits */
	uint32_t line; /* line where the key was first seen; 0 = empty */
};

struct dupset {
	struct dupset_slot *slots; /* cap slots */
	size_t cap;                /* slots allocated */
	size_t size;               /* slots in use */
};

static uint64_t
dupset_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
dupset_fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

static uint64_t
dupset_load64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 8) {
		memcpy(&v, p, 8);
		return v;
	}
#endif
	/* Little-endian by construction, whatever the host order. */
	for (i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* MurmurHash3_x64_128 with seed 0. */
static void
dupset_hash(const unsigned char *data, size_t len, uint64_t *o1,
    uint64_t *o2)
{
	const uint64_t c1 = UINT64_C(0x87c37b91114253d5);
	const uint64_t c2 = UINT64_C(0x4cf5ad432745937f);
	uint64_t h1 = 0, h2 = 0, k1, k2;
	size_t i, nblocks = len / 16, rest;

	for (i = 0; i < nblocks; i++) {
		k1 = dupset_load64(data + 16 * i, 8);
		k2 = dupset_load64(data + 16 * i + 8, 8);
		k1 *= c1;
		k1 = dupset_rotl(k1, 31);
		k1 *= c2;
		h1 ^= k1;
		h1 = dupset_rotl(h1, 27);
		h1 += h2;
		h1 = h1 * 5 + 0x52dce729;
		k2 *= c2;
		k2 = dupset_rotl(k2, 33);
		k2 *= c1;
		h2 ^= k2;
		h2 = dupset_rotl(h2, 31);
		h2 += h1;
		h2 = h2 * 5 + 0x38495ab5;
	}
	rest = len - nblocks * 16;
	if (rest > 8) {
		k2 = dupset_load64(data + 16 * nblocks + 8, rest - 8);
		k2 *= c2;
		k2 = dupset_rotl(k2, 33);
		k2 *= c1;
		h2 ^= k2;
	}
	if (rest > 0) {
		k1 = dupset_load64(data + 16 * nblocks, rest);
		k1 *= c1;
		k1 = dupset_rotl(k1, 31);
		k1 *= c2;
		h1 ^= k1;
	}
	h1 ^= (uint64_t)len;
	h2 ^= (uint64_t)len;
	h1 += h2;
	h2 += h1;
	h1 = dupset_fmix(h1);
	h2 = dupset_fmix(h2);
	h1 += h2;
	h2 += h1;
	*o1 = h1;
	*o2 = h2;
}

/* Home slot of hash h in a table of cap slots. */
static size_t
dupset_home(uint64_t h, size_t cap)
{
	return (size_t)(((unsigned __int128)h * cap) >> 64);
}

struct dupset *
dupset_new(void)
{
	struct dupset *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->slots = calloc(DUPSET_MIN_CAP, sizeof *s->slots);
	if (s->slots == NULL) {
		free(s);
		return NULL;
	}
	s->cap = DUPSET_MIN_CAP;
	return s;
}

void
dupset_destroy(struct dupset *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

/* Place a slot known to be absent (rehash). */
static void
dupset_place(struct dupset_slot *slots, size_t cap,
    const struct dupset_slot *x)
{
	size_t i = dupset_home(x->h1, cap);

	while (slots[i].line != 0)
		i = i + 1 == cap ? 0 : i + 1;
	slots[i] = *x;
}

static err_code
dupset_grow(struct dupset *s)
{
	size_t ncap = s->cap + s->cap / 2, i;
	struct dupset_slot *n;

	n = calloc(ncap, sizeof *n);
	if (n == NULL)
		return ERR_NOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i].line != 0)
			dupset_place(n, ncap, &s->slots[i]);
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
	return ERR_OK;
}

/* Append a 4-byte length and the bytes of f to p; returns the new end. */
static unsigned char *
dupset_put(unsigned char *p, const char *f, size_t n)
{
	p[0] = (unsigned char)(n & 0xff);
	p[1] = (unsigned char)((n >> 8) & 0xff);
	p[2] = (unsigned char)((n >> 16) & 0xff);
	p[3] = (unsigned char)((n >> 24) & 0xff);
	memcpy(p + 4, f, n);
	return p + 4 + n;
}

err_code
dupset_insert(struct dupset *s, const char *instance, const char *group,
    const char *topic, uint32_t line, uint32_t *first)
{
	unsigned char stack[1024], *key = stack, *end;
	size_t ni = strlen(instance), ng = strlen(group), nt = strlen(topic);
	size_t need = ni + ng + nt + 12, i;
	uint64_t h1, h2;
	uint32_t h2lo;

	*first = 0;
	if (line == 0)
		return ERR_INTERNAL;
	if (need > sizeof stack) {
		key = malloc(need);
		if (key == NULL)
			return ERR_NOMEM;
	}
	end = dupset_put(key, instance, ni);
	end = dupset_put(end, group, ng);
	end = dupset_put(end, topic, nt);
	dupset_hash(key, (size_t)(end - key), &h1, &h2);
	if (key != stack)
		free(key);
	h2lo = (uint32_t)h2;
	for (i = dupset_home(h1, s->cap); s->slots[i].line != 0;
	    i = i + 1 == s->cap ? 0 : i + 1) {
		if (s->slots[i].h1 == h1 && s->slots[i].h2 == h2lo) {
			*first = s->slots[i].line;
			return ERR_OK;
		}
	}
	if ((s->size + 1) * 4 > s->cap * 3) {
		struct dupset_slot x = { h1, h2lo, line };

		if (dupset_grow(s) != ERR_OK)
			return ERR_NOMEM;
		dupset_place(s->slots, s->cap, &x);
	} else {
		s->slots[i].h1 = h1;
		s->slots[i].h2 = h2lo;
		s->slots[i].line = line;
	}
	s->size++;
	return ERR_OK;
}

size_t
dupset_size(const struct dupset *s)
{
	return s == NULL ? 0 : s->size;
}

size_t
dupset_bytes(const struct dupset *s)
{
	return s == NULL ? 0 : sizeof *s + s->cap * sizeof *s->slots;
}
