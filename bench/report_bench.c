/*
 * report_bench.c - the report writer and the resume reader at plan scale.
 *
 * Usage: report_bench DIR ROWS ORDER
 *   ORDER "near": rows finish close to plan order (8 workers, a little
 *   jitter), as in a real run; "random": a full permutation (worst case
 *   for the final pass).
 * Writes ROWS rows out of order to DIR/report.csv (flushed per row),
 * finalises it into plan order, then loads it for --resume and matches
 * every row.  Prints elapsed times and peak RSS (the process's
 * ru_maxrss), and the growth above the RSS measured before the writer
 * was opened, per row.  Built and run by bench/report.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "report.h"
#include "resume.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Position -> plan index: the order in which rows finish. */
static size_t
finish_order(size_t k, size_t n, int random)
{
	size_t b, i;

	if (random)
		return (size_t)(((unsigned long long)k * 1000003ULL) % n);
	/* Blocks of 8 in flight finish in a scrambled order. */
	b = k / 8 * 8;
	i = b + ((k % 8) * 5 + 3) % 8;
	return i < n ? i : k;
}

static void
fill(size_t i, struct report_row *row, char *inst, char *grp, char *tk,
    const char **extra)
{
	snprintf(inst, 32, "MQ_INST_1234567890_%06zu", i % 1000);
	snprintf(grp, 48, "GID_service_%zu", i);
	snprintf(tk, 32, "CHG-%zu", 100000 + i);
	static struct plan_key key;

	memset(row, 0, sizeof *row);
	row->line = i + 2;
	key.instance = inst;
	key.group = grp;
	key.topic = "orders-events";
	key.type = (int)(i % 2);
	key.reset_ms = key.type == 0 ? -1 : 1717380000000LL;
	row->key = &key;
	row->status = REPORT_DRY_RUN;
	row->request_id = "6E0E3B3C-6C3D-4B39-9D5B-0A6C2E1F0B7A";
	row->http_status = 200;
	row->attempts = 1;
	row->latency_ms = 48;
	row->finished_ms = 1717381000000LL + (int64_t)i;
	extra[0] = tk;
	extra[1] = "replay after incident";
	row->extra = extra;
	row->nextra = 2;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "ticket", "comment" };
	char path[4096], inst[32], grp[48], tk[32];
	const char *extra[2];
	struct report_row row;
	struct report *r = NULL;
	struct resume *rs = NULL;
	struct resume_prev p;
	struct err e;
	size_t n, k, skip = 0;
	long base, after_write, after_finish;
	double t0, t1, t2, t3;
	int random;

	if (argc != 4)
		return 2;
	snprintf(path, sizeof path, "%s/report.csv", argv[1]);
	n = strtoul(argv[2], NULL, 10);
	random = strcmp(argv[3], "random") == 0;
	base = peak_kib();
	t0 = now_s();
	if (report_open(&r, path, n, names, 2, REPORT_FORCE, &e) != ERR_OK ||
	    report_publish(r, &e) != ERR_OK)
		goto fail;
	for (k = 0; k < n; k++) {
		size_t i = finish_order(k, n, random);

		fill(i, &row, inst, grp, tk, extra);
		if (report_write(r, i, &row, &e) != ERR_OK)
			goto fail;
	}
	after_write = peak_kib();
	t1 = now_s();
	if (report_finish(r, &e) != ERR_OK)
		goto fail;
	report_destroy(r);
	r = NULL;
	after_finish = peak_kib();
	t2 = now_s();
	if (resume_load(&rs, path, &e) != ERR_OK)
		goto fail;
	for (k = 0; k < n; k++) {
		fill(k, &row, inst, grp, tk, extra);
		resume_match(rs, row.key, &p);
		skip += p.seen == RESUME_SEEN_ROW;
	}
	if (resume_check_unmatched(rs, &e) != ERR_OK || skip != n)
		goto fail;
	t3 = now_s();
	printf("order=%s rows=%zu\n", argv[3], n);
	printf("  write (flush per row): %.2f s (%.0f rows/s)\n", t1 - t0,
	    (double)n / (t1 - t0));
	printf("  finalise (plan order): %.2f s\n", t2 - t1);
	printf("  peak RSS: base %ld KiB, writing %ld KiB, finalising %ld KiB"
	    " -> %.1f bytes/row above base (target: a few tens)\n", base,
	    after_write, after_finish,
	    (double)(after_finish - base) * 1024.0 / (double)n);
	printf("  resume load + match all rows: %.2f s, peak RSS %ld KiB "
	    "-> %.1f bytes/row above base\n", t3 - t2, peak_kib(),
	    (double)(peak_kib() - base) * 1024.0 / (double)n);
	resume_destroy(rs);
	return 0;
fail:
	fprintf(stderr, "report_bench: %s\n", err_message(&e));
	report_destroy(r);
	resume_destroy(rs);
	return 1;
}
