/*
 * backoff.c - capped exponential backoff with full jitter.
 * See include/backoff.h for the rules and their source.
 */
#include "backoff.h"

int64_t
backoff_delay_ns(const struct backoff_policy *p, unsigned retry, double draw,
    int64_t hint_ns)
{
	int64_t ceiling, delay;
	unsigned i;

	if (retry == 0)
		retry = 1;
	if (!(draw >= 0.0))
		draw = 0.0;
	if (draw >= 1.0)
		draw = 1.0;
	ceiling = p->base_ns > 0 ? p->base_ns : 0;
	/* Double without overflow: stop as soon as the cap is reached. */
	for (i = 1; i < retry && ceiling < p->cap_ns; i++)
		ceiling = ceiling > p->cap_ns / 2 ? p->cap_ns : ceiling * 2;
	if (ceiling > p->cap_ns)
		ceiling = p->cap_ns;
	delay = (int64_t)(draw * (double)ceiling);
	if (delay < p->floor_ns)
		delay = p->floor_ns;
	if (delay < hint_ns)
		delay = hint_ns;
	return delay < 0 ? 0 : delay;
}
