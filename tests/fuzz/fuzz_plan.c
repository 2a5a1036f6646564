/*
 * fuzz_plan.c - libFuzzer target for the plan reader and validator.
 *
 * The input's first byte picks options (--instance or not, a diagnostic
 * cap, stop_on_error); the rest is the plan, written to a temporary file
 * because plan_open() reads files.  Each input goes through the complete
 * validation and through the streaming reader, and the invariants that
 * the run engine relies on are checked: every returned row is a valid row
 * (identifiers without errors, type 0 or 1, reset_ms consistent with the
 * type), line numbers never decrease, and both passes agree on the
 * counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fuzz.h"
#include "ident.h"
#include "plan.h"
#include "tstamp.h"

static char fuzz_path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan_options o;
	struct plan_counts vc;
	struct plan_reader *r = NULL;
	struct plan_row row;
	const struct plan_key *k;
	struct diag *d;
	struct err e;
	FILE *fp;
	unsigned flags;
	unsigned long last = 0, rows = 0;
	int eof = 0;
	size_t i;
	err_code rc;

	if (size == 0)
		return 0;
	flags = data[0];
	if (fuzz_path[0] == '\0')
		snprintf(fuzz_path, sizeof fuzz_path, "/tmp/fuzz-plan-%ld.csv",
		    (long)getpid());
	fp = fopen(fuzz_path, "wb");
	if (fp == NULL)
		return 0;
	fwrite(data + 1, 1, size - 1, fp);
	fclose(fp);

	memset(&o, 0, sizeof o);
	o.now_ms = FUZZ_NOW_MS;
	if (flags & 1)
		o.instance = "MQ_INST_1827364554637281_BXk3Jq9T";
	d = diag_new("fuzz.csv", DIAG_COLLECT, flags & 2 ? 3 : 0);
	if (d == NULL)
		return 0;
	o.diag = d;
	rc = plan_validate(fuzz_path, &o, &vc, &e);
	fuzz_check(rc == ERR_OK || rc == ERR_PLAN);
	fuzz_check((rc == ERR_PLAN) == (vc.errors > 0));
	fuzz_check(diag_errors(d) == vc.errors);
	fuzz_check(diag_warnings(d) == vc.warnings);
	fuzz_check(vc.valid <= vc.rows);
	fuzz_check(vc.type0 + vc.type1 <= vc.rows);
	for (i = 0; i < diag_count(d); i++)
		fuzz_check(diag_entry_at(d, i)->message != NULL);
	diag_destroy(d);

	/* The second pass, as the engine reads: no duplicate detection. */
	o.diag = NULL;
	o.stop_on_error = (flags & 4) != 0;
	if (plan_open(fuzz_path, &o, &r, &e) != ERR_OK)
		return 0;
	for (;;) {
		size_t nx;

		rc = plan_next(r, &row, &eof, &e);
		if (rc != ERR_OK || eof)
			break;
		rows++;
		fuzz_check(row.line > last);
		last = row.line;
		k = &row.key;
		fuzz_check(ident_check(IDENT_INSTANCE, k->instance, NULL, 0) !=
		    IDENT_ERROR);
		fuzz_check(ident_check(IDENT_GROUP, k->group, NULL, 0) !=
		    IDENT_ERROR);
		fuzz_check(ident_check(IDENT_TOPIC, k->topic, NULL, 0) !=
		    IDENT_ERROR);
		fuzz_check(k->type == 0 || k->type == 1);
		if (k->type == 0)
			fuzz_check(k->reset_ms == -1 && row.timestamp[0] == 0);
		else
			fuzz_check(k->reset_ms >= TSTAMP_MIN_MS &&
			    k->reset_ms <= FUZZ_NOW_MS + TSTAMP_FUTURE_MS);
		plan_extra_names(r, &nx);
		fuzz_check(nx == row.nextra);
		for (i = 0; i < row.nextra; i++)
			fuzz_check(row.extra[i] != NULL);
	}
	if (rc == ERR_OK && !o.stop_on_error) {
		/* Without duplicate detection at least as many rows pass. */
		fuzz_check(rows >= vc.valid);
		fuzz_check(plan_counts(r)->rows == vc.rows);
		fuzz_check(plan_counts(r)->lines == vc.lines);
	}
	if (o.stop_on_error && rc == ERR_OK)
		fuzz_check(plan_counts(r)->errors == 0);
	plan_close(r);
	return 0;
}
