/*
 * fuzz_report_read.c - libFuzzer target over the --resume reader.
 *
 * The input is a previous report, optionally followed by a NUL byte and
 * an intent journal.  Both go through resume_load_fp() (csvin.c, the
 * header checks, key digests, the fold of journal lines); every loaded
 * table is then matched against keys taken from the input and checked
 * for unmatched rows.  A second property: the input's text (up to the
 * first NUL) written as one cell by csvout.c and read back by csvin.c,
 * then decoded, must be the same bytes; a difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"
#include "csvout.h"
#include "fuzz.h"
#include "report.h"
#include "resume.h"

struct one {
	char *cell; /* the decoded middle cell, malloc'd */
	int records;
};

static err_code
grab(void *arg, char **cells, size_t n, unsigned long line)
{
	struct one *o = arg;

	(void)line;
	o->records++;
	if (n == 3 && o->cell == NULL) {
		csvout_decode(cells[1]);
		o->cell = strdup(cells[1]);
	}
	return ERR_OK;
}

static void
round_trip(const char *text)
{
	const char *cells[3] = { "a", text, "z" };
	struct one o = { NULL, 0 };
	struct buf b;
	FILE *fp;

	buf_init(&b, 1 << 20);
	if (csvout_record(&b, cells, 3) != ERR_OK)
		goto out;
	fp = fmemopen(b.data, b.len, "r");
	if (fp == NULL)
		goto out;
	if (csvin_read(fp, "cell", grab, &o, NULL, NULL) != ERR_OK ||
	    o.records != 1 || o.cell == NULL || strcmp(o.cell, text) != 0)
		abort();
	fclose(fp);
out:
	free(o.cell);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul != NULL ? (size_t)(nul - data) : size;
	char *text = malloc(rlen + 1);
	struct resume *rs = NULL;
	struct resume_prev p;
	struct plan_key k;
	FILE *rep = NULL, *jr = NULL;
	struct err e;

	memset(&k, 0, sizeof k);
	if (text == NULL)
		return 0;
	memcpy(text, data, rlen);
	text[rlen] = '\0';
	round_trip(text);
	/* fmemopen of size 0 fails on some libcs: use a 1-byte newline. */
	rep = rlen > 0 ? fmemopen((void *)data, rlen, "r") :
	    fmemopen((void *)"\n", 1, "r");
	if (nul != NULL && size - rlen - 1 > 0)
		jr = fmemopen((void *)(nul + 1), size - rlen - 1, "r");
	if (rep != NULL && resume_load_fp(&rs, rep, "fuzz.csv", jr,
	    "fuzz.csv.intent", &e) == ERR_OK) {
		const struct resume_stats *st = resume_stats(rs);

		if (st->in_flight > st->intents)
			abort();
		k.instance = text;
		k.group = "GID_a";
		k.topic = "t";
		k.type = (int)(size & 1);
		k.reset_ms = (int64_t)size;
		resume_match(rs, &k, &p);
		if (p.seen == RESUME_SEEN_ROW &&
		    (unsigned)p.status >= REPORT_NSTATUS)
			abort();
		(void)resume_decide(&p, k.type, 0);
		(void)resume_check_unmatched(rs, &e);
		resume_destroy(rs);
	}
	if (rep != NULL)
		fclose(rep);
	if (jr != NULL)
		fclose(jr);
	free(text);
	return 0;
}
