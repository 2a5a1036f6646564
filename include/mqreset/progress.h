/*
 * progress.h - the run's progress line (a terminal's status line).
 *
 * Design: a pure formatter of counts and elapsed time, so the line is
 * tested without a clock; the engine gathers the counts and decides when
 * to draw (msg_status()).  Thread-safety: pure.
 */
#ifndef MQR_PROGRESS_H
#define MQR_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* Buffer size that holds any progress line. */
#define PROGRESS_LINE_MAX 256

/* What the line shows. */
struct progress_counts {
	size_t done;          /* rows written to the report */
	size_t total;         /* plan data rows */
	size_t ok;            /* ok, dry-run and skipped rows */
	size_t failed;        /* failed rows */
	size_t unknown;       /* unknown rows */
	uint64_t requests;    /* attempts sent */
	double limiter_rate;  /* the limiter's rate (0 in a dry run) */
};

/*
 * "run: DONE/TOTAL rows, ok N, failed N, unknown N, R req/s (limiter at
 * L/s), ETA T" into out[size]; the ETA is "?" until half a second has
 * passed and rows are done.
 */
void
progress_format(const struct progress_counts *c, double elapsed_s,
    char *out, size_t size);

#endif /* MQR_PROGRESS_H */
