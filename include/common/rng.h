/*
 * rng.h - a small seeded, deterministic pseudo-random generator.
 *
 * Design: xoshiro256** (Blackman & Vigna) seeded through splitmix64, so a
 * 64-bit seed gives a reproducible stream: the emulator's faults and the
 * tests replay exactly from `--seed N`.  It is NOT cryptographic: nonces
 * and secrets come from OpenSSL's RAND_bytes, never from here.  Production
 * callers that want unpredictable jitter seed with rng_seed_random().
 *
 * Thread-safety: a `struct rng` is plain state with no locking; give each
 * thread its own (seed them differently, e.g. seed + thread index).
 */
#ifndef MQR_RNG_H
#define MQR_RNG_H

#include <stdint.h>

#include "err.h"

struct rng {
	uint64_t s[4]; /* xoshiro256** state; never all zero */
};

/* Seed *r deterministically from `seed` (any value, 0 included). */
void
rng_seed(struct rng *r, uint64_t seed);

/*
 * Seed *r from OpenSSL's RAND_bytes.  Returns ERR_OK, or ERR_INTERNAL
 * (message in *e) when the system RNG fails; *r is then seeded from the
 * clock so it is still usable.
 */
err_code
rng_seed_random(struct rng *r, struct err *e);

/* The next 64 random bits. */
uint64_t
rng_next(struct rng *r);

/* A uniform double in [0, 1) with 53 bits of precision. */
double
rng_double(struct rng *r);

/*
 * A uniform integer in [0, bound) without modulo bias (Lemire's method).
 * bound 0 returns 0.
 */
uint64_t
rng_below(struct rng *r, uint64_t bound);

#endif /* MQR_RNG_H */
