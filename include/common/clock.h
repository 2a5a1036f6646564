/*
 * clock.h - the one place that reads the real clock.
 *
 * Design: code that depends on time (rate limiter, backoff, timestamp
 * validation, progress) takes "now" as a parameter; only callers at the
 * edge (main loop, workers) read it from here, so tests pass a fake time.
 * All functions are thread-safe.
 */
#ifndef MQR_CLOCK_H
#define MQR_CLOCK_H

#include <stdint.h>

/* Wall-clock time in milliseconds since the Unix epoch (UTC). */
int64_t
clock_wall_ms(void);

/* Monotonic time in nanoseconds from an arbitrary origin. */
int64_t
clock_mono_ns(void);

/* Sleep for `ns` nanoseconds (resumes after signals; <= 0 returns at once). */
void
clock_sleep_ns(int64_t ns);

/* Process CPU time (user + system) in nanoseconds. */
int64_t
clock_cpu_ns(void);

#endif /* MQR_CLOCK_H */
