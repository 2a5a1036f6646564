/*
 * clock.c - real-clock access.  See include/common/clock.h.
 */
#include "clock.h"

#include <errno.h>
#include <time.h>

static int64_t
clock_read(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
clock_wall_ms(void)
{
	return clock_read(CLOCK_REALTIME) / 1000000;
}

int64_t
clock_mono_ns(void)
{
	return clock_read(CLOCK_MONOTONIC);
}

int64_t
clock_cpu_ns(void)
{
	return clock_read(CLOCK_PROCESS_CPUTIME_ID);
}

void
clock_sleep_ns(int64_t ns)
{
	struct timespec ts;

	if (ns <= 0)
		return;
	ts.tv_sec = (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
