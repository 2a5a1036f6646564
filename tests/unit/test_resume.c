/*
 * test_resume.c - resume after a previous run (resume.c) and the type 0
 * in-flight journal (intent.c): the decision table, matching and
 * different-plan detection, reading streamed reports cut short by a kill,
 * and the journal round trip.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cu.h"
#include "err.h"
#include "intent.h"
#include "report.h"
#include "resume.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* {seen, status, type, retry_ambiguous, action}: the whole table. */
static const struct {
	enum resume_seen seen;
	enum report_status status;
	int type;
	int retry;
	enum resume_action want;
} decide_rows[] = {
	{ RESUME_SEEN_NONE, REPORT_OK, 1, 0, RESUME_SEND },
	{ RESUME_SEEN_NONE, REPORT_OK, 0, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_OK, 1, 0, RESUME_SKIP },
	{ RESUME_SEEN_ROW, REPORT_OK, 0, 0, RESUME_SKIP },
	{ RESUME_SEEN_ROW, REPORT_OK, 0, 1, RESUME_SKIP },
	{ RESUME_SEEN_ROW, REPORT_SKIPPED, 1, 0, RESUME_SKIP },
	{ RESUME_SEEN_ROW, REPORT_SKIPPED, 0, 1, RESUME_SKIP },
	{ RESUME_SEEN_ROW, REPORT_FAILED, 1, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_FAILED, 0, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_NOT_RUN, 1, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_NOT_RUN, 0, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_DRY_RUN, 1, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_DRY_RUN, 0, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_UNKNOWN, 1, 0, RESUME_SEND },
	{ RESUME_SEEN_ROW, REPORT_UNKNOWN, 0, 0, RESUME_HOLD },
	{ RESUME_SEEN_ROW, REPORT_UNKNOWN, 0, 1, RESUME_SEND },
	{ RESUME_SEEN_INFLIGHT, REPORT_OK, 1, 0, RESUME_SEND },
	{ RESUME_SEEN_INFLIGHT, REPORT_OK, 0, 0, RESUME_HOLD },
	{ RESUME_SEEN_INFLIGHT, REPORT_OK, 0, 1, RESUME_SEND },
	{ RESUME_SEEN_ROW, (enum report_status)99, 1, 0, RESUME_HOLD },
};

static void
test_decide_table(void)
{
	struct resume_prev p;
	size_t i;

	for (i = 0; i < NELEM(decide_rows); i++) {
		memset(&p, 0, sizeof p);
		p.seen = decide_rows[i].seen;
		p.status = decide_rows[i].status;
		if (resume_decide(&p, decide_rows[i].type,
		    decide_rows[i].retry) != decide_rows[i].want) {
			fprintf(stderr, "decide row %zu\n", i);
			CU_FAIL("decision");
		}
	}
	CU_ASSERT_STRING_EQUAL(resume_action_text(RESUME_SEND), "send");
	CU_ASSERT_STRING_EQUAL(resume_action_text(RESUME_SKIP), "skip");
	CU_ASSERT_STRING_EQUAL(resume_action_text(RESUME_HOLD), "hold");
}


/*
 * The plan of these tests: 8 rows.  Identifiers include characters the
 * writer neutralises or quotes, so matching goes through the decoding.
 */
struct prow {
	const char *instance, *group, *topic;
	int type;
	int64_t ms;
};

static const struct prow plan[] = {
	{ "MQ_INST_1_a", "GID_a", "orders", 1, 1717380000000LL },
	{ "MQ_INST_1_a", "GID_b", "orders", 0, -1 },
	{ "MQ_INST_1_a", "-GID_c", "t,1", 1, 1717380000000LL },
	{ "MQ_INST_1_a", "GID_d", "=t", 0, -1 },
	{ "MQ_INST_1_a", "GID_e", "orders", 1, 1717390000000LL },
	{ "MQ_INST_1_a", "GID_f", "'q", 0, -1 },
	{ "rmq-cn-x1", "GID_g", "orders", 1, 1717380000123LL },
	{ "rmq-cn-x1", "GID_h", "orders", 0, -1 },
};
#define NPLAN NELEM(plan)

static void
key_of(size_t i, struct plan_key *k)
{
	k->instance = plan[i].instance;
	k->group = plan[i].group;
	k->topic = plan[i].topic;
	k->type = plan[i].type;
	k->reset_ms = plan[i].ms;
	k->profile = NULL;
	k->region = NULL;
}

static void
row_of(size_t i, enum report_status st, struct report_row *row)
{
	static struct plan_key keys[NPLAN];

	memset(row, 0, sizeof *row);
	row->line = 2 + i;
	key_of(i, &keys[i]);
	row->key = &keys[i];
	row->status = st;
	row->attempts = st == REPORT_NOT_RUN ? 0 : 1;
	row->http_status = st == REPORT_OK ? 200 : 0;
	row->request_id = st == REPORT_OK ? "RID" : NULL;
	row->finished_ms = 1717381000000LL;
}

/* Statuses the previous run left, per plan row. */
static const enum report_status prev_status[NPLAN] = {
	REPORT_OK, REPORT_OK, REPORT_FAILED, REPORT_UNKNOWN,
	REPORT_UNKNOWN, REPORT_NOT_RUN, REPORT_SKIPPED, REPORT_DRY_RUN,
};

/* {plan row, retry_ambiguous, seen, action} after a full previous run. */
static const struct {
	size_t row;
	int retry;
	enum resume_seen seen;
	enum resume_action want;
} match_rows[] = {
	{ 0, 0, RESUME_SEEN_ROW, RESUME_SKIP },
	{ 1, 0, RESUME_SEEN_ROW, RESUME_SKIP },
	{ 2, 0, RESUME_SEEN_ROW, RESUME_SEND },
	{ 3, 0, RESUME_SEEN_ROW, RESUME_HOLD },
	{ 3, 1, RESUME_SEEN_ROW, RESUME_SEND },
	{ 4, 0, RESUME_SEEN_ROW, RESUME_SEND },
	{ 5, 0, RESUME_SEEN_ROW, RESUME_SEND },
	{ 6, 0, RESUME_SEEN_ROW, RESUME_SKIP },
	{ 7, 0, RESUME_SEEN_ROW, RESUME_SEND },
};

/* Write a complete previous report (final, plan order) for `plan`. */
static void
write_prev(const char *path, size_t n, int finish)
{
	struct report_row row;
	struct report *r = NULL;
	struct err e;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(report_open(&r, path, n, NULL, 0, REPORT_FORCE,
	    &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(report_publish(r, &e), ERR_OK);
	for (i = n; i-- > 0;) {
		row_of(i, prev_status[i], &row);
		CU_ASSERT_EQUAL(report_write(r, i, &row, &e), ERR_OK);
	}
	if (finish)
		CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	report_destroy(r);
}

static void
test_match_table(void)
{
	char dir[256];
	const char *path;
	struct resume *rs = NULL;
	struct resume_prev p;
	struct plan_key k;
	struct err e;
	size_t i;
	int finish;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "prev.csv");
	for (finish = 0; finish <= 1; finish++) {
		write_prev(path, NPLAN, finish);
		CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
		CU_ASSERT_EQUAL(resume_stats(rs)->rows, NPLAN);
		CU_ASSERT_EQUAL(resume_stats(rs)->by_status[REPORT_OK], 2);
		CU_ASSERT_EQUAL(resume_stats(rs)->by_status[REPORT_UNKNOWN], 2);
		CU_ASSERT_EQUAL(resume_stats(rs)->truncated_line, 0);
		CU_ASSERT_EQUAL(resume_stats(rs)->have_journal, 0);
		for (i = 0; i < NELEM(match_rows); i++) {
			key_of(match_rows[i].row, &k);
			resume_match(rs, &k, &p);
			CU_ASSERT_EQUAL(p.seen, match_rows[i].seen);
			CU_ASSERT_EQUAL(p.plan_line, 2 + match_rows[i].row);
			CU_ASSERT_EQUAL(resume_decide(&p, k.type,
			    match_rows[i].retry), match_rows[i].want);
		}
		CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_OK);
		/* A row the previous run never saw. */
		k.instance = "MQ_INST_1_a";
		k.group = "GID_new";
		k.topic = "orders";
		k.type = 0;
		resume_match(rs, &k, &p);
		CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_NONE);
		CU_ASSERT_EQUAL(resume_decide(&p, 0, 0), RESUME_SEND);
		/* Type 0: the instant does not matter.  Type 1: it does. */
		key_of(1, &k);
		k.reset_ms = 42;
		resume_match(rs, &k, &p);
		CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_ROW);
		key_of(0, &k);
		k.reset_ms++;
		resume_match(rs, &k, &p);
		CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_NONE);
		resume_destroy(rs);
		rs = NULL;
	}
	cu_rmdir(dir);
}

/* A report whose rows are not all in the plan is refused, naming a line. */
static void
test_mismatch(void)
{
	char dir[256];
	const char *path;
	struct resume *rs = NULL;
	struct resume_prev p;
	struct plan_key k;
	struct err e;
	size_t i;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "prev.csv");
	write_prev(path, NPLAN, 1);
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
	/* The new plan lacks row 4 (plan line 6, report line 6). */
	for (i = 0; i < NPLAN; i++) {
		if (i == 4)
			continue;
		key_of(i, &k);
		resume_match(rs, &k, &p);
	}
	CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "prev.csv:6: the row for plan "
	    "line 6"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "different plan"));
	resume_destroy(rs);

	/* A plan with nothing in common. */
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
	k.instance = "MQ_INST_9_z";
	k.group = "GID_other";
	k.topic = "other";
	k.type = 1;
	k.reset_ms = 1;
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "prev.csv:2:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nor are other rows"));
	resume_destroy(rs);
	cu_rmdir(dir);
}

/* {report text, code, message fragment}: reports that are refused. */
static const struct {
	const char *text;
	err_code rc;
	const char *msg;
} bad_rows[] = {
	{ "", ERR_PARSE, "no header" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finis", ERR_PARSE, "no header" },
	{ "a,b,c\n", ERR_PARSE, "bad.csv:1: not a mqreset report" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "2,I,G,T,1,2024-06-03T02:00:00.000Z,done,,,,,1,,\n",
	  ERR_PARSE, "bad.csv:2: unknown status \"done\"" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "2,I,G,T,2,,ok,,,,,1,,\n", ERR_PARSE, "bad.csv:2: bad type" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "2,I,G,T,1,2024-06-03T10:00:00+08:00,ok,,,,,1,,\n", ERR_PARSE,
	  "bad.csv:2: bad reset_timestamp" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "x,I,G,T,0,,ok,,,,,1,,\n", ERR_PARSE, "bad.csv:2: bad plan line" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "2,I,G,T,0,,ok,,,,,1,,\n3,I,G,T,0,,ok\n", ERR_PARSE,
	  "bad.csv:3: 7 cells, the header has 14" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "2,I,G,T,0,,ok,,,,,1,,\n5,I,G,T,0,,failed,,,,,1,,\n", ERR_MISMATCH,
	  "bad.csv:2 and line 3 are the same plan row" },
	{ "line,instance_id,group_id,topic,type,reset_timestamp,status,"
	  "http_status,request_id,error_code,error_message,attempts,"
	  "latency_ms,finished_at\n"
	  "2,I,\"G\"x,T,0,,ok,,,,,1,,\n", ERR_PARSE,
	  "bad.csv:2: malformed CSV" },
};

static void
test_bad_reports(void)
{
	struct resume *rs;
	struct err e;
	FILE *fp;
	size_t i;

	for (i = 0; i < NELEM(bad_rows); i++) {
		fp = tmpfile();
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fputs(bad_rows[i].text, fp);
		rewind(fp);
		rs = (struct resume *)&e; /* must be reset to NULL */
		err_clear(&e);
		CU_ASSERT_EQUAL(resume_load_fp(&rs, fp, "bad.csv", NULL, NULL,
		    &e), bad_rows[i].rc);
		CU_ASSERT_PTR_NULL(rs);
		if (strstr(e.msg, bad_rows[i].msg) == NULL) {
			fprintf(stderr, "bad row %zu: <%s>\n", i, e.msg);
			CU_FAIL("message");
		}
		fclose(fp);
	}
	CU_ASSERT_EQUAL(resume_load(&rs, "/nonexistent/prev.csv", &e), ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/prev.csv"));
}

/*
 * A not-run row repeating another row's key (a line of a plan edited
 * during the run, reported as read) gives way to the other row, whichever
 * comes first; two rows that both say something are still refused.
 */
static void
test_notrun_duplicate(void)
{
	static const char *const texts[] = {
		"2,I,G,T,0,,ok,200,R1,,,1,5,\n9,I,G,T,0,,not-run,,,x,y,0,,\n",
		"2,I,G,T,0,,not-run,,,x,y,0,,\n9,I,G,T,0,,ok,200,R1,,,1,5,\n",
	};
	struct resume *rs;
	struct resume_prev p;
	struct plan_key k;
	struct err e;
	FILE *fp;
	size_t i;

	for (i = 0; i < NELEM(texts); i++) {
		fp = tmpfile();
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fputs("line,instance_id,group_id,topic,type,reset_timestamp,"
		    "status,http_status,request_id,error_code,error_message,"
		    "attempts,latency_ms,finished_at\n", fp);
		fputs(texts[i], fp);
		rewind(fp);
		rs = NULL;
		CU_ASSERT_EQUAL_FATAL(resume_load_fp(&rs, fp, "dup.csv", NULL,
		    NULL, &e), ERR_OK);
		memset(&k, 0, sizeof k);
		k.instance = "I";
		k.group = "G";
		k.topic = "T";
		k.type = 0;
		resume_match(rs, &k, &p);
		CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_ROW);
		CU_ASSERT_EQUAL(p.status, REPORT_OK);
		CU_ASSERT_EQUAL(resume_decide(&p, 0, 0), RESUME_SKIP);
		CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_OK);
		resume_destroy(rs);
		fclose(fp);
	}
}

/* Chop the last `n` bytes off a file. */
static void
chop(const char *path, size_t n)
{
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL_FATAL(truncate(path, st.st_size - (off_t)n), 0);
}

/*
 * Crash safety: a child runs the engine's protocol for the plan (journal
 * each type 0 row before "sending", write answered rows as they come,
 * out of order) and is killed with SIGKILL before finishing: no atexit,
 * no stdio flush, no report_finish.  Rows 0..4 were answered; row 7
 * (type 0) was journaled and in flight; row 6 was not started.  Then the
 * last report record is cut short, as by a kill in the middle of write().
 */
static void
test_crash_resume(void)
{
	static const size_t answered[] = { 3, 0, 1, 4, 2 };
	char dir[256];
	const char *path;
	struct resume *rs = NULL;
	struct resume_prev p;
	struct plan_key k;
	struct err e;
	pid_t pid;
	int status;
	size_t i;
	char *text;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "run.csv");
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct report *r = NULL;
		struct intent *j = NULL;
		struct report_row row;

		if (report_open(&r, path, NPLAN, NULL, 0, 0, &e) != ERR_OK ||
		    report_publish(r, &e) != ERR_OK ||
		    intent_open(&j, path, INTENT_SYNC, &e) != ERR_OK)
			_exit(3);
		for (i = 0; i < NPLAN; i++) {
			key_of(i, &k);
			if (k.type == 0 && (i < 5 || i == 7) &&
			    intent_record(j, 2 + i, &k, 1717381000000LL,
			    &e) != ERR_OK)
				_exit(4);
		}
		for (i = 0; i < NELEM(answered); i++) {
			row_of(answered[i], REPORT_OK, &row);
			if (report_write(r, answered[i], &row, &e) != ERR_OK)
				_exit(5);
		}
		raise(SIGKILL);
		_exit(6);
	}
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_FATAL(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_EQUAL(access(cu_path_in(dir, "run.csv.intent"), F_OK), 0);

	/* Everything answered is on disk, streamed in completion order. */
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
	CU_ASSERT_EQUAL(resume_stats(rs)->rows, 5);
	CU_ASSERT_EQUAL(resume_stats(rs)->have_journal, 1);
	CU_ASSERT_EQUAL(resume_stats(rs)->intents, 3); /* rows 1, 3, 7 */
	CU_ASSERT_EQUAL(resume_stats(rs)->in_flight, 1); /* row 7 */
	resume_destroy(rs);

	/* Cut the last record (row 2, report line 6) short. */
	chop(path, 7);
	text = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_NOT_EQUAL(text[strlen(text) - 1], '\n');
	free(text);
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
	CU_ASSERT_EQUAL(resume_stats(rs)->rows, 4);
	CU_ASSERT_EQUAL(resume_stats(rs)->truncated_line, 6);
	for (i = 0; i < NPLAN; i++) {
		static const struct {
			enum resume_seen seen;
			enum resume_action act;
		} want[NPLAN] = {
			{ RESUME_SEEN_ROW, RESUME_SKIP },      /* answered */
			{ RESUME_SEEN_ROW, RESUME_SKIP },      /* answered */
			{ RESUME_SEEN_NONE, RESUME_SEND },     /* cut short */
			{ RESUME_SEEN_ROW, RESUME_SKIP },      /* answered */
			{ RESUME_SEEN_ROW, RESUME_SKIP },      /* answered */
			{ RESUME_SEEN_NONE, RESUME_SEND },     /* never sent */
			{ RESUME_SEEN_NONE, RESUME_SEND },     /* never sent */
			{ RESUME_SEEN_INFLIGHT, RESUME_HOLD }, /* in flight */
		};

		key_of(i, &k);
		resume_match(rs, &k, &p);
		CU_ASSERT_EQUAL(p.seen, want[i].seen);
		CU_ASSERT_EQUAL(resume_decide(&p, k.type, 0), want[i].act);
		if (p.seen == RESUME_SEEN_INFLIGHT) {
			CU_ASSERT_EQUAL(p.plan_line, 9);
			CU_ASSERT_EQUAL(resume_decide(&p, k.type, 1),
			    RESUME_SEND);
		}
	}
	CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_OK);
	resume_destroy(rs);

	/* A journal line cut short is ignored (not sent yet) and counted. */
	chop(cu_path_in(dir, "run.csv.intent"), 3);
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
	CU_ASSERT_EQUAL(resume_stats(rs)->intents, 2);
	CU_ASSERT_EQUAL(resume_stats(rs)->in_flight, 0);
	CU_ASSERT_EQUAL(resume_stats(rs)->journal_truncated_line, 4);
	resume_destroy(rs);
	cu_rmdir(dir);
}

/* Journal: create, refuse a second, record, finish removes it. */
static void
test_intent_round_trip(void)
{
	char dir[256];
	const char *path;
	struct intent *j = NULL, *j2 = NULL;
	struct plan_key k;
	struct buf jp;
	struct err e;
	char *text;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	path = cu_path_in(dir, "r.csv");
	buf_init(&jp, 1024);
	CU_ASSERT_EQUAL(intent_path(path, &jp), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&jp), cu_path_in(dir, "r.csv.intent"));
	CU_ASSERT_EQUAL_FATAL(intent_open(&j, path, 0, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_open(&j2, path, 0, &e), ERR_EXISTS);
	CU_ASSERT_PTR_NULL(j2);
	key_of(3, &k);
	CU_ASSERT_EQUAL(intent_record(j, 5, &k, 1717381000000LL, &e), ERR_OK);
	key_of(6, &k);
	k.profile = "prod b";
	k.region = "cn-hangzhou";
	CU_ASSERT_EQUAL(intent_record(j, 8, &k, 1717381000001LL, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_count(j), 2);
	/* Flushed: readable while the journal is still open. */
	text = cu_slurp(buf_cstr(&jp), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text,
	    "line,instance_id,group_id,topic,type,reset_timestamp,sent_at,"
	    "profile,region,before_newest_ms,before_position_ms,"
	    "before_backlog\n"
	    "5,MQ_INST_1_a,GID_d,'=t,0,,2024-06-03T02:16:40.000Z,,,,,\n"
	    "8,rmq-cn-x1,GID_g,orders,1,2024-06-03T02:00:00.123Z,"
	    "2024-06-03T02:16:40.001Z,prod b,cn-hangzhou,,,\n");
	free(text);
	CU_ASSERT_EQUAL(intent_finish(j, &e), ERR_OK);
	CU_ASSERT_EQUAL(intent_record(j, 9, &k, 0, &e), ERR_BADSTATE);
	intent_destroy(j);
	CU_ASSERT_NOT_EQUAL(access(buf_cstr(&jp), F_OK), 0);
	/* Force truncates a leftover journal. */
	CU_ASSERT_EQUAL(cu_write(buf_cstr(&jp), "stale\n"), 0);
	j = NULL;
	CU_ASSERT_EQUAL_FATAL(intent_open(&j, path, INTENT_FORCE, &e),
	    ERR_OK);
	intent_destroy(j);
	text = cu_slurp(buf_cstr(&jp), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NULL(strstr(text, "stale"));
	free(text);
	intent_destroy(NULL);
	resume_destroy(NULL);
	report_destroy(NULL);
	buf_free(&jp);
	cu_rmdir(dir);
}

/* Resume chains: run 2 writes `skipped` and `unknown` rows run 3 reads. */
static void
test_chain(void)
{
	char dir[256];
	const char *p1, *p2;
	struct resume *rs = NULL;
	struct resume_prev p;
	struct plan_key k;
	struct report_row row;
	struct report *r = NULL;
	struct err e;
	enum resume_action act;
	size_t i;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	p1 = cu_path_in(dir, "run1.csv");
	p2 = cu_path_in(dir, "run2.csv");
	write_prev(p1, NPLAN, 1);
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, p1, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(report_open(&r, p2, NPLAN, NULL, 0, 0, &e),
	    ERR_OK);
	for (i = 0; i < NPLAN; i++) {
		key_of(i, &k);
		resume_match(rs, &k, &p);
		act = resume_decide(&p, k.type, 0);
		/* Sent rows succeed this time; held ones stay unknown. */
		row_of(i, act == RESUME_SKIP ? REPORT_SKIPPED :
		    act == RESUME_HOLD ? REPORT_UNKNOWN : REPORT_OK, &row);
		CU_ASSERT_EQUAL(report_write(r, i, &row, &e), ERR_OK);
	}
	CU_ASSERT_EQUAL(resume_check_unmatched(rs, &e), ERR_OK);
	CU_ASSERT_EQUAL(report_finish(r, &e), ERR_OK);
	/* The same file under two names is refused; others are fine. */
	CU_ASSERT_EQUAL(resume_check_paths(p1, p1, &e), ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "same file"));
	CU_ASSERT_EQUAL_FATAL(symlink(p1, cu_path_in(dir, "link.csv")), 0);
	CU_ASSERT_EQUAL(resume_check_paths(cu_path_in(dir, "link.csv"), p1, &e),
	    ERR_USAGE);
	CU_ASSERT_EQUAL(resume_check_paths(p1, p2, &e), ERR_OK);
	CU_ASSERT_EQUAL(resume_check_paths(p1, cu_path_in(dir, "new.csv"), &e),
	    ERR_OK);
	report_destroy(r);
	resume_destroy(rs);
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, p2, &e), ERR_OK);
	for (i = 0; i < NPLAN; i++) {
		key_of(i, &k);
		resume_match(rs, &k, &p);
		act = resume_decide(&p, k.type, 0);
		/* Only the held type 0 row (3) is still not done. */
		CU_ASSERT_EQUAL(act, i == 3 ? RESUME_HOLD : RESUME_SKIP);
	}
	resume_destroy(rs);
	cu_rmdir(dir);
}

static CU_TestInfo resume_tests[] = {
	{ "not-run duplicate gives way", test_notrun_duplicate },
	{ "decision table", test_decide_table },
	{ "match table (streamed and final)", test_match_table },
	{ "different plan detected", test_mismatch },
	{ "bad reports refused", test_bad_reports },
	{ "kill -9, truncated line, resume", test_crash_resume },
	{ "intent journal round trip", test_intent_round_trip },
	{ "resume chain", test_chain },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "resume", NULL, NULL, NULL, NULL, resume_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_resume", suites);
}
