/*
 * test_chain.c - merging a chain of run reports (chain.c) and the resume
 * table over a chain (resume.c): which status is true for a row across
 * reports given in any order, the request id that proves it, attempts
 * over the chain, rows dropped by an edited plan, the rows to try again,
 * and the edited-plan rule of --resume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "chain.h"
#include "err.h"
#include "resume.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define HDR "line,instance_id,group_id,topic,type,reset_timestamp,status," \
	"http_status,request_id,error_code,error_message,attempts," \
	"latency_ms,finished_at,ticket\n"
#define JHDR "line,instance_id,group_id,topic,type,reset_timestamp," \
	"sent_at\n"

/* A report row for group G (type 0) with a status, request id, time. */
static void
put_row(FILE *fp, const char *group, const char *st, const char *rid,
    unsigned attempts, const char *fin)
{
	fprintf(fp, "2,I,%s,T,0,,%s,,%s,,,%u,,%s,tk-%s\n", group, st, rid,
	    attempts, fin, st);
}

static FILE *
mem(const char *text)
{
	FILE *fp = tmpfile();

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	rewind(fp);
	return fp;
}

/*
 * One key over a chain of reports: per report the status of its row ("-"
 * none, "J" a journal line only, "J+st" a journal line and a row), in
 * time order; the merged status, whether it is in flight, and which
 * report decided.
 */
static const struct {
	const char *words[3];
	enum report_status want;
	int in_flight;
	size_t decided;
} fold_rows[] = {
	{ { "failed", "ok", NULL }, REPORT_OK, 0, 1 },
	{ { "ok", "skipped", NULL }, REPORT_OK, 0, 0 },
	{ { "ok", "skipped", "skipped" }, REPORT_OK, 0, 0 },
	{ { "unknown", "failed", NULL }, REPORT_UNKNOWN, 0, 0 },
	{ { "ok", "failed", NULL }, REPORT_OK, 0, 0 },
	{ { "failed", "failed", NULL }, REPORT_FAILED, 0, 1 },
	{ { "not-run", "dry-run", NULL }, REPORT_NOT_RUN, 0, 0 },
	{ { "dry-run", "failed", "not-run" }, REPORT_FAILED, 0, 1 },
	{ { "J", "failed", NULL }, REPORT_UNKNOWN, 1, 0 },
	{ { "J+ok", "skipped", NULL }, REPORT_OK, 0, 0 },
	{ { "J", "ok", NULL }, REPORT_OK, 0, 1 },
	{ { "unknown", "J", "failed" }, REPORT_UNKNOWN, 1, 1 },
};

static void
build_chain(size_t row, int reversed, struct chain **out)
{
	struct chain *c = chain_new();
	struct err e;
	char name[48], fin[64], rid[32];
	size_t i, n = 0, k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	while (n < 3 && fold_rows[row].words[n] != NULL)
		n++;
	for (k = 0; k < n; k++) {
		const char *w;
		FILE *rep, *jr = NULL;

		i = reversed ? n - 1 - k : k;
		w = fold_rows[row].words[i];
		snprintf(name, sizeof name, "r%zu.csv", i);
		snprintf(fin, sizeof fin, "2024-06-03T02:0%zu:00.000Z", i);
		snprintf(rid, sizeof rid, "RID-%zu", i);
		rep = mem(HDR);
		fseek(rep, 0, SEEK_END);
		if (w[0] == 'J') {
			jr = mem(JHDR "2,I,G,T,0,,2024-06-03T02:00:00.000Z\n");
			w = w[1] == '+' ? w + 2 : NULL;
		}
		/* Every report answers another row at its time, so that
		 * even a report that only journaled G has a time. */
		put_row(rep, "H", "ok", rid, 1, fin);
		if (w != NULL)
			put_row(rep, "G", w, strcmp(w, "skipped") == 0 ?
			    "RID-0" : rid, strcmp(w, "ok") == 0 ||
			    strcmp(w, "failed") == 0 ||
			    strcmp(w, "unknown") == 0 ? 1 : 0,
			    strcmp(w, "skipped") == 0 ?
			    "2024-06-03T02:00:00.000Z" : fin);
		rewind(rep);
		CU_ASSERT_EQUAL(chain_add_fp(c, rep, name, jr, "j", &e),
		    ERR_OK);
		fclose(rep);
		if (jr != NULL)
			fclose(jr);
	}
	CU_ASSERT_EQUAL_FATAL(chain_merge(c, &e), ERR_OK);
	*out = c;
}

static void
test_fold_table(void)
{
	const struct chain_row *r;
	struct chain *c;
	char want[32];
	size_t i, k;
	int rev;

	for (i = 0; i < NELEM(fold_rows); i++) {
		for (rev = 0; rev < 2; rev++) {
			build_chain(i, rev, &c);
			/* Rows H and G, sorted by line then group. */
			CU_ASSERT_EQUAL_FATAL(chain_count(c), 2);
			r = chain_row(c, 0);
			CU_ASSERT_STRING_EQUAL(r->group, "G");
			if (r->status != fold_rows[i].want ||
			    r->in_flight != fold_rows[i].in_flight ||
			    r->decided->report != fold_rows[i].decided) {
				fprintf(stderr, "fold row %zu rev %d: %s %d "
				    "%zu\n", i, rev,
				    report_status_text(r->status),
				    r->in_flight, r->decided->report);
				CU_FAIL("fold");
			}
			/* Reports in time order whatever the order given. */
			for (k = 0; k < chain_nreports(c); k++) {
				snprintf(want, sizeof want, "r%zu.csv", k);
				CU_ASSERT_STRING_EQUAL(chain_report_name(c, k),
				    want);
			}
			chain_destroy(c);
		}
	}
}

static void
test_proof_and_attempts(void)
{
	const struct chain_row *r;
	struct chain *c;

	/* ok, skipped, skipped: proved by r0's request id and time. */
	build_chain(2, 0, &c);
	r = chain_row(c, 0);
	CU_ASSERT_STRING_EQUAL(r->request_id, "RID-0");
	CU_ASSERT_STRING_EQUAL(r->finished_at, "2024-06-03T02:00:00.000Z");
	CU_ASSERT_EQUAL(r->nwords, 3);
	CU_ASSERT_EQUAL(r->attempts, 1);
	CU_ASSERT_EQUAL(r->words[2].status, REPORT_SKIPPED);
	/* The extra column comes from the latest report with the row. */
	CU_ASSERT_EQUAL_FATAL(chain_nextra(c), 1);
	CU_ASSERT_STRING_EQUAL(chain_extra_name(c, 0), "ticket");
	CU_ASSERT_STRING_EQUAL(r->extra[0], "tk-skipped");
	chain_destroy(c);

	/* failed then ok: two attempts, proved by r1. */
	build_chain(0, 1, &c);
	r = chain_row(c, 0);
	CU_ASSERT_EQUAL(r->attempts, 2);
	CU_ASSERT_STRING_EQUAL(r->request_id, "RID-1");
	chain_destroy(c);

	/* In flight, never answered: unknown with the journal's note. */
	build_chain(8, 0, &c);
	r = chain_row(c, 0);
	CU_ASSERT_STRING_EQUAL(r->error_code, "mqreset.InFlight");
	CU_ASSERT_PTR_NOT_NULL(strstr(r->error_message, "r0.csv"));
	CU_ASSERT_EQUAL(r->attempts, 2); /* the one in flight, the failure */
	chain_destroy(c);
}

static void
test_dropped_and_retry(void)
{
	struct chain *c = chain_new();
	const struct chain_row *r;
	struct err e;
	FILE *a, *b;
	size_t i;
	int seen = 0;

	/* r1: A failed (a typo), B ok, C unknown type 0, D unknown type 1,
	 * E failed.  r2 (the plan fixed, resumed): A2 ok, B skipped,
	 * C unknown (held), D unknown, E failed again. */
	a = mem(HDR
	    "2,I,GA,T,1,2024-06-03T02:00:00.000Z,failed,404,R1,X,,1,,"
	    "2024-06-03T03:00:00.000Z,\n"
	    "3,I,GB,T,0,,ok,200,R2,,,1,,2024-06-03T03:00:01.000Z,\n"
	    "4,I,GC,T,0,,unknown,,R3,,,1,,2024-06-03T03:00:02.000Z,\n"
	    "5,I,GD,T,1,2024-06-03T02:00:00.000Z,unknown,,R4,,,1,,"
	    "2024-06-03T03:00:03.000Z,\n"
	    "6,I,GE,T,0,,failed,404,R5,X,,1,,2024-06-03T03:00:04.000Z,\n");
	b = mem(HDR
	    "2,I,GA2,T,1,2024-06-03T02:00:00.000Z,ok,200,R6,,,1,,"
	    "2024-06-03T04:00:00.000Z,\n"
	    "3,I,GB,T,0,,skipped,,R2,,,0,,2024-06-03T03:00:01.000Z,\n"
	    "4,I,GC,T,0,,unknown,,,mqreset.AmbiguousHeld,,0,,"
	    "2024-06-03T04:00:01.000Z,\n"
	    "5,I,GD,T,1,2024-06-03T02:00:00.000Z,unknown,,R7,,,1,,"
	    "2024-06-03T04:00:02.000Z,\n"
	    "6,I,GE,T,0,,failed,404,R8,X,,1,,2024-06-03T04:00:03.000Z,\n");
	CU_ASSERT_EQUAL(chain_add_fp(c, b, "r2.csv", NULL, NULL, &e), ERR_OK);
	CU_ASSERT_EQUAL(chain_add_fp(c, a, "r1.csv", NULL, NULL, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(chain_merge(c, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(chain_count(c), 6);
	for (i = 0; i < chain_count(c); i++) {
		r = chain_row(c, i);
		if (strcmp(r->group, "GA") == 0) {
			seen++;
			CU_ASSERT_TRUE(r->dropped);
			CU_ASSERT_FALSE(chain_row_retry(r));
		} else if (strcmp(r->group, "GA2") == 0) {
			seen++;
			CU_ASSERT_EQUAL(r->status, REPORT_OK);
		} else if (strcmp(r->group, "GB") == 0) {
			seen++;
			CU_ASSERT_STRING_EQUAL(r->request_id, "R2");
			CU_ASSERT_EQUAL(r->decided->report, 0); /* r1 */
			CU_ASSERT_FALSE(chain_row_retry(r));
		} else if (strcmp(r->group, "GC") == 0) {
			seen++;
			CU_ASSERT_EQUAL(r->status, REPORT_UNKNOWN);
			CU_ASSERT_FALSE(chain_row_retry(r)); /* type 0 */
		} else if (strcmp(r->group, "GD") == 0) {
			seen++;
			CU_ASSERT_TRUE(chain_row_retry(r)); /* type 1 */
		} else if (strcmp(r->group, "GE") == 0) {
			seen++;
			CU_ASSERT_FALSE(r->dropped);
			CU_ASSERT_TRUE(chain_row_retry(r));
			CU_ASSERT_EQUAL(r->attempts, 2);
		}
	}
	CU_ASSERT_EQUAL(seen, 6);
	CU_ASSERT_STRING_EQUAL(chain_report_name(c, 0), "r1.csv");
	fclose(a);
	fclose(b);
	chain_destroy(c);
}

/* A report that answered nothing (all skipped) comes after r1. */
static void
test_skipped_only(void)
{
	struct chain *c = chain_new();
	struct err e;
	FILE *a, *b;

	a = mem(HDR "2,I,G,T,0,,ok,200,R1,,,1,,2024-06-03T03:00:00.000Z,\n");
	b = mem(HDR "2,I,G,T,0,,skipped,,R1,,,0,,2024-06-03T03:00:00.000Z,\n");
	CU_ASSERT_EQUAL(chain_add_fp(c, b, "r2.csv", NULL, NULL, &e), ERR_OK);
	CU_ASSERT_EQUAL(chain_add_fp(c, a, "r1.csv", NULL, NULL, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(chain_merge(c, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(chain_report_name(c, 0), "r1.csv");
	CU_ASSERT_STRING_EQUAL(chain_report_name(c, 1), "r2.csv");
	CU_ASSERT_EQUAL(chain_row(c, 0)->words[1].status, REPORT_SKIPPED);
	CU_ASSERT_EQUAL(chain_row(c, 0)->decided->report, 0);
	fclose(a);
	fclose(b);
	chain_destroy(c);
}

static void
test_errors(void)
{
	struct chain *c;
	struct err e;
	FILE *fp;

	/* Two answers for one row in one report. */
	c = chain_new();
	fp = mem(HDR "2,I,G,T,0,,ok,,R1,,,1,,,\n3,I,G,T,0,,failed,,R2,,,1,,,"
	    "\n");
	CU_ASSERT_EQUAL(chain_add_fp(c, fp, "d.csv", NULL, NULL, &e), ERR_OK);
	CU_ASSERT_EQUAL(chain_merge(c, &e), ERR_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "d.csv:2 and line 3"));
	fclose(fp);
	chain_destroy(c);

	/* Not a report; a name given twice; a bad status. */
	c = chain_new();
	fp = mem("instance,group,topic,type,timestamp\n");
	CU_ASSERT_EQUAL(chain_add_fp(c, fp, "p.csv", NULL, NULL, &e),
	    ERR_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "p.csv:1: not a mqreset report"));
	fclose(fp);
	fp = mem(HDR);
	CU_ASSERT_EQUAL(chain_add_fp(c, fp, "r.csv", NULL, NULL, &e), ERR_OK);
	rewind(fp);
	CU_ASSERT_EQUAL(chain_add_fp(c, fp, "r.csv", NULL, NULL, &e),
	    ERR_USAGE);
	fclose(fp);
	fp = mem(HDR "2,I,G,T,0,,maybe,,,,,1,,,\n");
	CU_ASSERT_EQUAL(chain_add_fp(c, fp, "s.csv", NULL, NULL, &e),
	    ERR_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "s.csv:2: unknown status"));
	fclose(fp);
	chain_destroy(c);
	chain_destroy(NULL);
}

/* --resume over a chain: the fold, the proof kept, the edited plan. */
static void
test_resume_chain(void)
{
	char dir[256];
	const char *paths[2];
	struct resume *rs = NULL;
	struct resume_prev p;
	struct resume_conflict cf;
	struct plan_key k;
	struct err e;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	paths[0] = cu_path_in(dir, "r2.csv");
	cu_write(paths[0], HDR
	    "2,I,GA,T,0,,ok,200,R3,,,1,,2024-06-03T04:00:00.000Z,\n"
	    "3,I,GB,T,0,,skipped,,R2,,,0,,2024-06-03T03:00:00.000Z,\n");
	paths[0] = strdup(paths[0]);
	paths[1] = cu_path_in(dir, "r1.csv");
	cu_write(paths[1], HDR
	    "2,I,GA,T,0,,failed,404,R1,X,,1,,2024-06-03T03:00:00.000Z,\n"
	    "3,I,GB,T,0,,ok,200,R2,,,1,,2024-06-03T03:00:00.000Z,\n"
	    "4,I,GX,T,0,,failed,404,R4,X,,1,,2024-06-03T03:00:00.000Z,\n"
	    "5,I,GY,T,0,,unknown,,R5,,,1,,2024-06-03T03:00:00.000Z,\n");
	CU_ASSERT_EQUAL_FATAL(resume_load_chain(&rs, paths, 2, &e), ERR_OK);
	memset(&k, 0, sizeof k);
	k.instance = "I";
	k.topic = "T";
	k.type = 0;
	k.group = "GA";
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(p.status, REPORT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.report_name, "r2.csv"));
	CU_ASSERT_STRING_EQUAL(p.request_id, "R3");
	k.group = "GB";
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(p.status, REPORT_OK); /* ok beats skipped */
	CU_ASSERT_PTR_NOT_NULL(strstr(p.report_name, "r1.csv"));
	CU_ASSERT_STRING_EQUAL(p.request_id, "R2");
	CU_ASSERT_STRING_EQUAL(p.finished_at, "2024-06-03T03:00:00.000Z");
	/* GX failed and left the plan: fine.  GY unknown and left: not. */
	CU_ASSERT_EQUAL(resume_first_conflict(rs, &cf), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cf.name, "r1.csv"));
	CU_ASSERT_EQUAL(cf.report_line, 5);
	CU_ASSERT_STRING_EQUAL(cf.what, "unknown");
	CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_MISMATCH);
	k.group = "GY";
	CU_ASSERT_TRUE(resume_same_place(rs, &cf, &k));
	k.type = 1;
	k.reset_ms = 1;
	CU_ASSERT_TRUE(resume_same_place(rs, &cf, &k)); /* edited time */
	k.type = 0;
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(resume_first_conflict(rs, &cf), 0);
	CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_OK);
	resume_destroy(rs);
	/* Each report of a chain once. */
	CU_ASSERT_EQUAL(resume_check_chain(paths, 2, &e), ERR_OK);
	paths[1] = paths[0];
	CU_ASSERT_EQUAL(resume_check_chain(paths, 2, &e), ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "name the same report"));
	free((char *)paths[0]);
	cu_rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "fold table, any order", test_fold_table },
	{ "proof and attempts", test_proof_and_attempts },
	{ "dropped rows, rows to try again", test_dropped_and_retry },
	{ "a report of skipped rows only", test_skipped_only },
	{ "errors", test_errors },
	{ "resume over a chain, edited plan", test_resume_chain },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "chain", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_chain", suites);
}
