/*
 * progress.c - the run's progress line.  See include/mqreset/progress.h.
 */
#include "progress.h"

#include <math.h>
#include <stdio.h>

/* The remaining time at the rate rows were done so far. */
static void
progress_eta(const struct progress_counts *c, double elapsed_s, char *eta,
    size_t size)
{
	double done_rate;
	size_t left;
	long s;

	left = c->total > c->done ? c->total - c->done : 0;
	done_rate = elapsed_s > 0.5 ? (double)c->done / elapsed_s : 0;
	if (done_rate <= 0) {
		snprintf(eta, size, "?");
		return;
	}
	s = (long)ceil((double)left / done_rate);
	if (s >= 3600)
		snprintf(eta, size, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(eta, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(eta, size, "%lds", s);
}

void
progress_format(const struct progress_counts *c, double elapsed_s,
    char *out, size_t size)
{
	char eta[32];

	progress_eta(c, elapsed_s, eta, sizeof(eta));
	snprintf(out, size, "run: %zu/%zu rows, ok %zu, failed %zu, unknown "
	    "%zu, %.1f req/s (limiter at %.1f/s), ETA %s", c->done, c->total,
	    c->ok, c->failed, c->unknown, elapsed_s > 0 ?
	    (double)c->requests / elapsed_s : 0.0, c->limiter_rate, eta);
}
