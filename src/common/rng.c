/*
 * rng.c - xoshiro256** seeded by splitmix64.  See include/common/rng.h.
 *
 * The algorithms are the public-domain reference designs by David Blackman
 * and Sebastiano Vigna (https://prng.di.unimi.it/); written here from
 * their description.  Small, fast, and good enough for jitter and fault
 * injection; never used for anything that must be unpredictable.
 */
#include "rng.h"

#include <string.h>

#include <openssl/rand.h>

#include "clock.h"

/* splitmix64: spreads one 64-bit seed into well-mixed state words. */
static uint64_t
rng_splitmix(uint64_t *x)
{
	uint64_t z;

	z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x;
	int i;

	x = seed;
	for (i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&x);
	/* splitmix64 never yields four zero words, but be explicit. */
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

err_code
rng_seed_random(struct rng *r, struct err *e)
{
	uint64_t seed;

	if (RAND_bytes((unsigned char *)&seed, (int)sizeof(seed)) != 1) {
		rng_seed(r, (uint64_t)clock_mono_ns() ^
		    (uint64_t)clock_wall_ms());
		return err_set(e, ERR_INTERNAL, "RAND_bytes failed");
	}
	rng_seed(r, seed);
	return ERR_OK;
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t result, t;

	result = rng_rotl(r->s[1] * 5, 7) * 9;
	t = r->s[1] << 17;
	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rng_rotl(r->s[3], 45);
	return result;
}

double
rng_double(struct rng *r)
{
	/* The top 53 bits scaled by 2^-53: exactly representable, < 1. */
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t
rng_below(struct rng *r, uint64_t bound)
{
	unsigned __int128 m;
	uint64_t lo, threshold;

	if (bound == 0)
		return 0;
	/* Lemire: multiply-shift, rejecting the few biased low products. */
	m = (unsigned __int128)rng_next(r) * bound;
	lo = (uint64_t)m;
	if (lo < bound) {
		threshold = (0 - bound) % bound;
		while (lo < threshold) {
			m = (unsigned __int128)rng_next(r) * bound;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}
