/*
 * test_accounts.c - several accounts in one plan: the plan's profile and
 * region columns (spellings, checks, the account in the duplicate
 * check), grouping rows into accounts (accounts.h), resolving them with
 * a scripted credential loader (an unresolvable profile is a plan error
 * at file:line:column; --endpoint with two regions is refused), the
 * per-account limiter lanes on a fake clock, and --resume keeping two
 * accounts' same-named rows apart.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "buf.h"
#include "cu.h"
#include "diag.h"
#include "pacer.h"
#include "plan.h"
#include "resume.h"

#define NOW INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define MS INT64_C(1000000)

static const char *
write_plan(const char *content)
{
	const char *path = cu_path_in(cu_tmpdir(), "plan.csv");

	CU_ASSERT_FATAL(cu_write(path, content) == 0);
	return path;
}

/* Validate `text`; diagnostics as "LINE:COL: message" lines into out. */
static err_code
validate(const char *text, char *out, size_t size,
    int (*on_row)(void *, const struct plan_row *), void *arg)
{
	struct plan_options po;
	struct plan_counts pc;
	struct diag *d;
	struct err e;
	size_t i, n = 0;
	err_code rc;

	d = diag_new("p.csv", DIAG_COLLECT, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	memset(&po, 0, sizeof po);
	po.now_ms = NOW;
	po.diag = d;
	po.on_row = on_row;
	po.on_row_arg = arg;
	rc = plan_validate(write_plan(text), &po, &pc, &e);
	out[0] = '\0';
	for (i = 0; i < diag_count(d); i++) {
		const struct diag_entry *de = diag_entry_at(d, i);

		n += (size_t)snprintf(out + n, size - n, "%lu:%lu: %s\n",
		    de->line, de->col, de->message);
	}
	diag_destroy(d);
	return rc;
}

#define INST "MQ_INST_1234567890123456_BXabcd01"

/* The columns, their spellings and checks: {plan, diagnostics}. */
static void
test_plan_columns(void)
{
	static const struct {
		const char *plan;
		const char *diags;
	} t[] = {
		/* Same instance, group and topic in two accounts: two rows. */
		{ "profile,instance,group,topic,type\n"
		  "a," INST ",GID_x,topic1,0\n"
		  "b," INST ",GID_x,topic1,0\n", "" },
		/* ... in one account: a duplicate, said with the account. */
		{ "Profile Name,instance,group,topic,type\n"
		  "a," INST ",GID_x,topic1,0\n"
		  "a," INST ",GID_x,topic1,0\n",
		  "3:3: duplicate of line 2: the same account, instance, group "
		  "and topic ('GID_x', 'topic1')\n" },
		/* A region makes another account too. */
		{ "instance,group,topic,type,Region ID\n"
		  INST ",GID_x,topic1,0,cn-hangzhou\n"
		  INST ",GID_x,topic1,0,cn-shanghai\n", "" },
		/* Without account columns: the duplicate as always. */
		{ "instance,group,topic,type\n"
		  INST ",GID_x,topic1,0\n"
		  INST ",GID_x,topic1,0\n",
		  "3:2: duplicate of line 2: the same instance, group and "
		  "topic ('GID_x', 'topic1')\n" },
		/* Malformed cells, at their column. */
		{ "instance,group,topic,type,region,profile\n"
		  INST ",GID_x,topic1,0,CN_Hangzhou,\" a\"\n",
		  "2:6: profile ' a' begins or ends with a space\n"
		  "2:5: region 'CN_Hangzhou' is not a region ID (lowercase "
		  "letters, digits and '-', as cn-hangzhou)\n" },
		{ "RegionId,instance,group,topic,type,profile_name\n"
		  "-x," INST ",GID_x,topic1,0,ok\n",
		  "2:1: region '-x' is not a region ID (lowercase letters, "
		  "digits and '-', as cn-hangzhou)\n" },
		/* Twice the same column. */
		{ "profile,instance,group,topic,type,Profile\n"
		  "a," INST ",GID_x,topic1,0,b\n",
		  "1:6: duplicate column 'Profile': column 1 is already the "
		  "profile column\n" },
	};
	char got[2048];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		validate(t[i].plan, got, sizeof got, NULL, NULL);
		if (strcmp(got, t[i].diags) != 0)
			printf("\ncase %zu: got\n%s", i, got);
		CU_ASSERT_STRING_EQUAL(got, t[i].diags);
	}
}

/* A row's account and columns reach plan_row; the cells stay extras. */
static void
test_plan_row_fields(void)
{
	struct plan_options po;
	struct plan_reader *r;
	struct plan_row row;
	const char *const *names;
	struct err e;
	size_t n;
	int eof;

	memset(&po, 0, sizeof po);
	po.now_ms = NOW;
	CU_ASSERT_EQUAL_FATAL(plan_open(write_plan(
	    "instance,group,topic,type,region,ticket,profile\n"
	    INST ",GID_x,topic1,0,cn-hangzhou,T-1,prod\n"
	    INST ",GID_y,topic1,0,,T-2,\n"), &po, &r, &e), ERR_OK);
	names = plan_extra_names(r, &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(names[0], "region");
	CU_ASSERT_STRING_EQUAL(names[1], "ticket");
	CU_ASSERT_STRING_EQUAL(names[2], "profile");
	CU_ASSERT_EQUAL_FATAL(plan_next(r, &row, &eof, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(row.key.profile, "prod");
	CU_ASSERT_STRING_EQUAL(row.key.region, "cn-hangzhou");
	CU_ASSERT_EQUAL(row.profile_col, 7);
	CU_ASSERT_EQUAL(row.region_col, 5);
	CU_ASSERT_EQUAL_FATAL(plan_next(r, &row, &eof, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(row.key.profile, "");
	CU_ASSERT_STRING_EQUAL(row.key.region, "");
	plan_close(r);
	CU_ASSERT_EQUAL(plan_account_column("Profile Name"),
	    PLAN_ACCOUNT_PROFILE);
	CU_ASSERT_EQUAL(plan_account_column("region_id"),
	    PLAN_ACCOUNT_REGION);
	CU_ASSERT_EQUAL(plan_account_column("ticket"), PLAN_ACCOUNT_NONE);
}

/* Grouping: {plan, accounts as "profile/region:line:rows;", multi,
 * need_default}. */
static void
test_grouping(void)
{
	static const struct {
		const char *plan;
		const char *accounts;
		int multi, need_default;
	} t[] = {
		{ "instance,group,topic,type\n" INST ",GID_a,topic1,0\n"
		  INST ",GID_b,topic1,0\n", "/:2:2;", 0, 1 },
		{ "profile,instance,group,topic,type\n"
		  "," INST ",GID_a,topic1,0\n", "/:2:1;", 0, 1 },
		{ "profile,instance,group,topic,type,region\n"
		  "a," INST ",GID_a,topic1,0,\n"
		  "b," INST ",GID_a,topic1,0,\n"
		  "a," INST ",GID_b,topic1,0,\n"
		  "a," INST ",GID_c,topic1,0,cn-beijing\n",
		  "a/:2:2;b/:3:1;a/cn-beijing:5:1;", 1, 0 },
		{ "profile,instance,group,topic,type\n"
		  "a," INST ",GID_a,topic1,0\n"
		  "," INST ",GID_b,topic1,0\n", "a/:2:1;/:3:1;", 1, 1 },
	};
	struct accounts a;
	struct plan_key k;
	char got[512], diags[1024];
	size_t i, j, n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		accounts_init(&a);
		validate(t[i].plan, diags, sizeof diags, accounts_on_row, &a);
		n = 0;
		got[0] = '\0';
		for (j = 0; j < a.n; j++)
			n += (size_t)snprintf(got + n, sizeof got - n,
			    "%s/%s:%lu:%zu;", a.v[j]->profile, a.v[j]->region,
			    a.v[j]->line, a.v[j]->rows);
		if (strcmp(got, t[i].accounts) != 0)
			printf("\ncase %zu: %s", i, got);
		CU_ASSERT_STRING_EQUAL(got, t[i].accounts);
		CU_ASSERT_EQUAL(accounts_multi(&a), t[i].multi);
		CU_ASSERT_EQUAL(accounts_need_default(&a), t[i].need_default);
		/* Every account is found by its key, NULL and "" alike. */
		for (j = 0; j < a.n; j++) {
			memset(&k, 0, sizeof k);
			k.profile = a.v[j]->profile[0] ? a.v[j]->profile : NULL;
			k.region = a.v[j]->region;
			CU_ASSERT_EQUAL(accounts_index(&a, &k), j);
			CU_ASSERT_PTR_EQUAL(accounts_find(&a, &k), a.v[j]);
		}
		memset(&k, 0, sizeof k);
		k.profile = "nobody";
		CU_ASSERT_PTR_NULL(accounts_find(&a, &k));
		CU_ASSERT_EQUAL(accounts_index(&a, &k), a.n);
		accounts_free(&a);
	}
}

/* The scripted loader: profiles named "bad*" do not resolve. */
static int loads;

static err_code
fake_load(void *arg, const char *profile, struct creds **out,
    struct err *e)
{
	(void)arg;
	loads++;
	if (strncmp(profile, "bad", 3) == 0)
		return err_set(e, ERR_CRED, "profile '%s' not found in the "
		    "test's files", profile);
	return creds_new("LTAI5tTestKey0001", "testsecret", NULL, out);
}

/* {plan, --endpoint, expected code, message part} */
static void
test_resolve(void)
{
	static const struct {
		const char *plan;
		const char *endpoint;
		err_code rc;
		const char *msg;
	} t[] = {
		{ "instance,group,topic,type,profile,region\n"
		  INST ",GID_a,topic1,0,p1,cn-hangzhou\n"
		  INST ",GID_b,topic1,0,p2,cn-hangzhou\n"
		  INST ",GID_c,topic1,0,p1,cn-shanghai\n",
		  NULL, ERR_OK, "" },
		{ "instance,group,topic,type,profile,region\n"
		  INST ",GID_a,topic1,0,p1,cn-hangzhou\n"
		  INST ",GID_c,topic1,0,p1,cn-shanghai\n",
		  "http://127.0.0.1:9", ERR_USAGE, "--endpoint serves every "
		  "account, but the plan names the regions cn-hangzhou and "
		  "cn-shanghai (line 3)" },
		{ "instance,group,topic,type,profile\n"
		  INST ",GID_a,topic1,0,p1\n"
		  INST ",GID_b,topic1,0,bad1\n"
		  INST ",GID_c,topic1,0,bad1\n"
		  INST ",GID_d,topic1,0,bad2\n",
		  "http://127.0.0.1:9", ERR_PLAN, "2 profiles cannot be "
		  "resolved: nothing was sent" },
	};
	static const char *const urls[] = {
		"https://ons.cn-hangzhou.aliyuncs.com",
		"https://ons.cn-hangzhou.aliyuncs.com",
		"https://ons.cn-shanghai.aliyuncs.com",
	};
	struct accounts_setup s;
	struct cmd_conn conn;
	struct accounts a;
	struct err e;
	char diags[512];
	size_t i, j;
	err_code rc;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		accounts_init(&a);
		validate(t[i].plan, diags, sizeof diags, accounts_on_row, &a);
		memset(&conn, 0, sizeof conn);
		conn.endpoint = t[i].endpoint;
		conn.sigver = "1";
		conn.method = "POST";
		conn.connect_timeout = 5;
		conn.timeout = 30;
		memset(&s, 0, sizeof s);
		s.plan_name = "p.csv";
		s.conn = &conn;
		s.load = fake_load;
		loads = 0;
		err_clear(&e);
		rc = accounts_resolve(&a, &s, &e);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		CU_ASSERT_PTR_NOT_NULL(strstr(err_message(&e), t[i].msg));
		if (rc == ERR_OK) {
			/* One load per profile, each account its host. */
			CU_ASSERT_EQUAL(loads, 2);
			for (j = 0; j < a.n; j++)
				CU_ASSERT_STRING_EQUAL(a.v[j]->url, urls[j]);
			CU_ASSERT_PTR_EQUAL(a.v[0]->creds, a.v[2]->creds);
			CU_ASSERT_PTR_EQUAL(a.v[1]->cc.creds, a.v[1]->creds);
		}
		if (rc == ERR_PLAN)
			CU_ASSERT_EQUAL(loads, 3); /* bad1 once */
		accounts_free(&a);
	}
}

/* A plan naming more than ACCOUNTS_MAX accounts is refused, naming the
 * line of the first one beyond. */
static void
test_too_many(void)
{
	struct accounts_setup s;
	struct cmd_conn conn;
	struct accounts a;
	struct buf b;
	struct err e;
	char diags[256];
	int i;

	buf_init(&b, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(buf_puts(&b, "region,instance,group,topic,"
	    "type\n"), ERR_OK);
	for (i = 0; i <= ACCOUNTS_MAX; i++)
		CU_ASSERT_EQUAL_FATAL(buf_printf(&b, "r%d," INST ",GID_a,"
		    "topic1,0\n", i), ERR_OK);
	accounts_init(&a);
	validate(buf_cstr(&b), diags, sizeof diags, accounts_on_row, &a);
	CU_ASSERT_EQUAL(a.n, ACCOUNTS_MAX);
	memset(&conn, 0, sizeof conn);
	conn.sigver = "1";
	conn.method = "POST";
	memset(&s, 0, sizeof s);
	s.plan_name = "p.csv";
	s.conn = &conn;
	s.load = fake_load;
	CU_ASSERT_EQUAL_FATAL(creds_new("LTAI5tOwn0001", "own", NULL, &s.creds),
	    ERR_OK);
	CU_ASSERT_EQUAL(accounts_resolve(&a, &s, &e), ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err_message(&e), "p.csv:258: the plan "
	    "names more than 256 accounts"));
	accounts_free(&a);
	creds_destroy(s.creds);
	buf_free(&b);
}

/* The fake clock of the lanes. */
struct fake_clock {
	int64_t now_ns;
};

static int64_t
fake_mono(void *arg)
{
	return ((struct fake_clock *)arg)->now_ns;
}

static int64_t
fake_wall(void *arg)
{
	return NOW + ((struct fake_clock *)arg)->now_ns / MS;
}

static void
fake_sleep(void *arg, int64_t until)
{
	struct fake_clock *c = arg;

	if (until > c->now_ns)
		c->now_ns = until;
}

/*
 * Each account has its own quota: at 10 per second, 20 requests of two
 * accounts take as long as 10 of one (the clock only moves when a
 * worker sleeps for its slot); and a stop of the run stops every lane.
 */
static void
test_lanes(void)
{
	struct fake_clock fc = { 0 };
	struct pacer_clock clk = { fake_mono, fake_wall, fake_sleep, &fc };
	struct pacer run;
	struct accounts a;
	struct plan_key ka, kb;
	char diags[256];
	struct err e;
	int i;
	int64_t one, two;

	accounts_init(&a);
	validate("profile,instance,group,topic,type\n"
	    "a," INST ",GID_a,topic1,0\n"
	    "b," INST ",GID_b,topic1,0\n", diags, sizeof diags,
	    accounts_on_row, &a);
	CU_ASSERT_EQUAL_FATAL(a.n, 2);
	CU_ASSERT_EQUAL_FATAL(pacer_init(&run, &clk, &e), ERR_OK);
	pacer_start(&run, 10, 1);
	accounts_start(&a, &run, 10, 1);
	memset(&ka, 0, sizeof ka);
	memset(&kb, 0, sizeof kb);
	ka.profile = "a";
	kb.profile = "b";
	CU_ASSERT_PTR_EQUAL(accounts_pacer_for(&a, &ka), &run);
	CU_ASSERT_PTR_EQUAL(accounts_pacer_for(&a, &kb), &a.v[1]->lane);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(pacer_wait_turn(accounts_pacer_for(&a, &ka),
		    0), 0);
	one = fc.now_ns;
	for (i = 0; i < 10; i++) {
		CU_ASSERT_EQUAL(pacer_wait_turn(accounts_pacer_for(&a, &ka),
		    0), 0);
		CU_ASSERT_EQUAL(pacer_wait_turn(accounts_pacer_for(&a, &kb),
		    0), 0);
	}
	two = fc.now_ns - one;
	/* 10 more of each account took about the time of 10 of one (a
	 * shared limiter: twice as long). */
	CU_ASSERT(two < one + one / 2);
	CU_ASSERT(two >= 800 * MS);
	/* A throttle hint holds its own account only. */
	pacer_after_reply(accounts_pacer_for(&a, &kb), 1, 5000);
	CU_ASSERT(pacer_hold_until(&a.v[1]->lane) > fc.now_ns);
	CU_ASSERT(pacer_hold_until(&run) <= fc.now_ns);
	/* A stop of the run stops the lane's waiters. */
	pacer_stop(&run, ERR_INTERRUPTED, "test");
	CU_ASSERT(pacer_should_stop(&a.v[1]->lane));
	CU_ASSERT_EQUAL(pacer_wait_turn(&a.v[1]->lane, 0), -1);
	CU_ASSERT_EQUAL(pacer_stopped(&a.v[1]->lane, NULL, 0),
	    ERR_INTERRUPTED);
	accounts_free(&a);
	pacer_free(&run);
}

/*
 * Accounts that are one for the service share a limiter: a row naming
 * the profile --profile names and a row leaving it empty, at one
 * endpoint.  Another profile, or another region, has its own.
 */
static void
test_shared_lane(void)
{
	struct fake_clock fc = { 0 };
	struct pacer_clock clk = { fake_mono, fake_wall, fake_sleep, &fc };
	struct accounts_setup s;
	struct cmd_conn conn;
	struct creds *own = NULL;
	struct accounts a;
	struct pacer run;
	char diags[512];
	struct err e;

	accounts_init(&a);
	validate("profile,region,instance,group,topic,type\n"
	    "p1,," INST ",GID_a,topic1,0\n"
	    ",," INST ",GID_b,topic1,0\n"
	    "p2,," INST ",GID_c,topic1,0\n"
	    "p1,cn-beijing," INST ",GID_d,topic1,0\n", diags, sizeof diags,
	    accounts_on_row, &a);
	CU_ASSERT_EQUAL_FATAL(a.n, 4);
	CU_ASSERT_EQUAL_FATAL(creds_new("LTAI5tOwn0001", "own", NULL, &own),
	    ERR_OK);
	memset(&conn, 0, sizeof conn);
	conn.profile = "p1";
	conn.region = "cn-hangzhou";
	conn.sigver = "1";
	conn.method = "POST";
	memset(&s, 0, sizeof s);
	s.plan_name = "p.csv";
	s.conn = &conn;
	s.creds = own;
	s.load = fake_load;
	CU_ASSERT_EQUAL_FATAL(accounts_resolve(&a, &s, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(pacer_init(&run, &clk, &e), ERR_OK);
	pacer_start(&run, 10, 1);
	accounts_start(&a, &run, 10, 1);
	CU_ASSERT_PTR_EQUAL(a.v[0]->pacer, &run);
	CU_ASSERT_PTR_EQUAL(a.v[1]->pacer, &run);
	CU_ASSERT_PTR_EQUAL(a.v[2]->pacer, &a.v[2]->lane);
	CU_ASSERT_PTR_EQUAL(a.v[3]->pacer, &a.v[3]->lane);
	accounts_free(&a);
	pacer_free(&run);
	creds_destroy(own);
}

/* The summary's figures, per account. */
static void
test_counts(void)
{
	struct accounts a;
	struct summary sum;
	struct plan_key k;
	char diags[256];

	accounts_init(&a);
	validate("profile,instance,group,topic,type\n"
	    "a," INST ",GID_a,topic1,0\n"
	    "b," INST ",GID_b,topic1,0\n"
	    "b," INST ",GID_c,topic1,0\n", diags, sizeof diags,
	    accounts_on_row, &a);
	memset(&k, 0, sizeof k);
	k.profile = "b";
	accounts_count_row(&a, &k, REPORT_OK);
	accounts_count_row(&a, &k, REPORT_FAILED);
	accounts_count_request(&a, 1, 0);
	accounts_count_request(&a, 1, 1);
	accounts_count_request(&a, 7, 1); /* out of range: ignored */
	summary_init(&sum);
	accounts_summary(&a, &sum);
	CU_ASSERT_EQUAL_FATAL(sum.naccounts, 2);
	CU_ASSERT_STRING_EQUAL(sum.accounts[1].profile, "b");
	CU_ASSERT_EQUAL(sum.accounts[1].rows, 2);
	CU_ASSERT_EQUAL(sum.accounts[1].by_status[REPORT_OK], 1);
	CU_ASSERT_EQUAL(sum.accounts[1].by_status[REPORT_FAILED], 1);
	CU_ASSERT_EQUAL(sum.accounts[1].requests, 2);
	CU_ASSERT_EQUAL(sum.accounts[1].throttled, 1);
	CU_ASSERT_EQUAL(sum.accounts[0].requests, 0);
	accounts_free(&a);
}

/*
 * --resume: a report holding the same instance, group and topic in two
 * accounts is two rows, each matched by its own account; a plan row of
 * a third account is new.
 */
static void
test_resume_accounts(void)
{
	const char *path = cu_path_in(cu_tmpdir(), "prev.csv");
	struct resume *rs = NULL;
	struct resume_prev p;
	struct plan_key k;
	struct err e;

	CU_ASSERT_FATAL(cu_write(path, "line,instance_id,group_id,topic,type,"
	    "reset_timestamp,status,http_status,request_id,error_code,"
	    "error_message,attempts,latency_ms,finished_at,Profile Name\n"
	    "2," INST ",GID_a,topic1,0,,ok,200,R1,,,1,5,"
	    "2026-01-01T00:00:00.000Z,a\n"
	    "3," INST ",GID_a,topic1,0,,failed,400,R2,X,,1,5,"
	    "2026-01-01T00:00:00.000Z,b\n") == 0);
	CU_ASSERT_EQUAL_FATAL(resume_load(&rs, path, &e), ERR_OK);
	memset(&k, 0, sizeof k);
	k.instance = INST;
	k.group = "GID_a";
	k.topic = "topic1";
	k.type = 0;
	k.reset_ms = -1;
	k.profile = "a";
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_ROW);
	CU_ASSERT_EQUAL(p.status, REPORT_OK);
	k.profile = "b";
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_ROW);
	CU_ASSERT_EQUAL(p.status, REPORT_FAILED);
	k.profile = "c";
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_NONE);
	k.profile = NULL;
	resume_match(rs, &k, &p);
	CU_ASSERT_EQUAL(p.seen, RESUME_SEEN_NONE);
	resume_destroy(rs);
}

static CU_TestInfo tests[] = {
	{ "plan: account columns, checks, duplicates", test_plan_columns },
	{ "plan: the row's account fields", test_plan_row_fields },
	{ "grouping rows into accounts", test_grouping },
	{ "resolving profiles and endpoints", test_resolve },
	{ "at most ACCOUNTS_MAX accounts", test_too_many },
	{ "a limiter lane per account", test_lanes },
	{ "one lane for one account named twice", test_shared_lane },
	{ "per-account counts for the summary", test_counts },
	{ "resume keeps accounts apart", test_resume_accounts },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "accounts", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_accounts", suites);
}
