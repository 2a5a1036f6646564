/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/ share: the entry
 * point's prototype (libFuzzer calls it; -Wmissing-prototypes wants a
 * declaration), the fixed "now" that time-dependent checks use so a
 * reproducer replays the same way on any day, and the invariant check.
 */
#ifndef MQR_FUZZ_H
#define MQR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-01-01T00:00:00Z in ms: "now" for plan and timestamp checks. */
#define FUZZ_NOW_MS INT64_C(1767225600000)

/* A broken invariant is a crash, so libFuzzer keeps the input. */
static inline void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

#endif /* MQR_FUZZ_H */
