/*
 * test_guide.c - the run's guidance (guide.h): banner lines, when to
 * ask, the answers that mean yes, the rate warning, the advice after a
 * refused identity, and the failed lines the summary names.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "guide.h"

static void
test_banner(void)
{
	struct guide_banner b;
	char all[4096], line[GUIDE_LINE_MAX];
	size_t i;

	memset(&b, 0, sizeof b);
	b.plan = "plan.csv";
	b.report = "r.csv";
	b.execute = 1;
	b.endpoint = "https://ons.cn-hangzhou.aliyuncs.com";
	b.region = "cn-hangzhou";
	b.cred_source = "environment";
	b.key_hint = "****j2Su";
	b.rows = 306;
	b.to_send = 120;
	b.type0 = 38;
	b.rate = 10;
	b.workers = 8;
	all[0] = '\0';
	for (i = 0; guide_banner_line(&b, i, line, sizeof line); i++) {
		strcat(all, line);
		strcat(all, "\n");
	}
	CU_ASSERT_EQUAL(i, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "applying plan.csv"));
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "ons.cn-hangzhou.aliyuncs.com "
	    "(region cn-hangzhou)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "AccessKeyId ****j2Su from "
	    "environment"));
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "rows: 306, type 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "): 38; rate 10.0 req/s, 8 "
	    "workers"));
	CU_ASSERT_PTR_NULL(strstr(all, "to send after"));
	b.resume = 1;
	b.execute = 0;
	b.region = NULL;
	guide_banner_line(&b, 3, line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "306, 120 to send after "
	    "--resume"));
	guide_banner_line(&b, 0, line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "nothing is sent"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "dry run of plan.csv (nothing"));
	guide_banner_line(&b, 1, line, sizeof line);
	CU_ASSERT_PTR_NULL(strstr(line, "region"));
	/* --offline reads no key: the banner says so, not a placeholder. */
	b.offline = 1;
	guide_banner_line(&b, 0, line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "plan.csv (offline: nothing"));
	guide_banner_line(&b, 2, line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "credentials: none read"));
	CU_ASSERT_PTR_NULL(strstr(line, "AccessKeyId"));
	/* Rows the preflight holds back are counted. */
	b.held = 3;
	b.held_type0 = 1;
	guide_banner_line(&b, 3, line, sizeof line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "--resume, 3 held back by the "
	    "preflight (1 type 0)"));
}

static void
test_should_confirm(void)
{
	/* execute, yes, tty, type0 -> ask */
	static const struct { int ex, yes, tty; size_t t0; int ask; } t[] = {
		{ 1, 0, 1, 38, 1 },
		{ 1, 1, 1, 38, 0 },  /* --yes */
		{ 1, 0, 0, 38, 0 },  /* a script */
		{ 1, 0, 1, 0, 0 },   /* nothing to clear */
		{ 0, 0, 1, 38, 0 },  /* a dry run */
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		CU_ASSERT_EQUAL(guide_should_confirm(t[i].ex, t[i].yes,
		    t[i].tty, t[i].t0), t[i].ask);
}

static void
test_answers(void)
{
	static const struct { const char *in; int yes; } t[] = {
		{ "y\n", 1 }, { "Y\n", 1 }, { "yes\n", 1 }, { "YES", 1 },
		{ "  yes \r\n", 1 }, { "\n", 0 }, { "", 0 }, { "n\n", 0 },
		{ "no\n", 0 }, { "yes please\n", 0 }, { "ye\n", 0 },
		{ "yess\n", 0 }, { "y y\n", 0 }, { "1\n", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (guide_answer_is_yes(t[i].in) != t[i].yes)
			printf("answer '%s'\n", t[i].in);
		CU_ASSERT_EQUAL(guide_answer_is_yes(t[i].in), t[i].yes);
	}
}

static void
test_question(void)
{
	char q[128];

	guide_confirm_question(38, 0, q, sizeof q);
	CU_ASSERT_STRING_EQUAL(q, "clear 38 backlogs? [y/N] ");
	guide_confirm_question(1, 1, q, sizeof q);
	CU_ASSERT_STRING_EQUAL(q, "clear up to 1 backlog? [y/N] ");
}

static void
test_confirm_stream(void)
{
	char outbuf[256];
	FILE *in, *out;
	static const char *answers[] = { "y\n", "n\n", "\n", "" };
	static const int want[] = { 1, 0, 0, 0 };
	size_t i;

	for (i = 0; i < 4; i++) {
		/* "": the end of input, as after Ctrl-D. */
		in = answers[i][0] != '\0' ? fmemopen((void *)(uintptr_t)
		    answers[i], strlen(answers[i]), "r") :
		    fopen("/dev/null", "r");
		out = fmemopen(outbuf, sizeof outbuf, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		CU_ASSERT_EQUAL(guide_confirm(in, out, 3, 0), want[i]);
		fclose(out);
		fclose(in);
		CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "clear 3 backlogs?"));
	}
}

static void
test_rate_warning(void)
{
	char w[512];

	CU_ASSERT_EQUAL(guide_rate_warning(10, w, sizeof w), 0);
	CU_ASSERT_STRING_EQUAL(w, "");
	CU_ASSERT_EQUAL(guide_rate_warning(2.5, w, sizeof w), 0);
	CU_ASSERT_EQUAL(guide_rate_warning(10.5, w, sizeof w), 1);
	CU_ASSERT_EQUAL(guide_rate_warning(50, w, sizeof w), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(w, "--rate 50.0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(w, "per account"));
	CU_ASSERT_PTR_NOT_NULL(strstr(w, "shares"));
}

static void
test_fatal_advice(void)
{
	static const struct {
		enum reply_cause cause;
		const char *code;
		const char *want1, *want2;
	} t[] = {
		{ REPLY_CAUSE_CREDENTIALS, "SignatureDoesNotMatch",
		  "refused the credentials (SignatureDoesNotMatch): "
		  "AccessKeyId ****ab12 from environment",
		  "does not belong to this AccessKeyId" },
		{ REPLY_CAUSE_CREDENTIALS, "InvalidAccessKeyId.Inactive",
		  "****ab12 from environment", "disabled" },
		{ REPLY_CAUSE_CREDENTIALS, "InvalidAccessKeyId.NotFound",
		  "****ab12", "no such AccessKeyId" },
		{ REPLY_CAUSE_CREDENTIALS, "InvalidSecurityToken.Expired",
		  "****ab12", "STS" },
		{ REPLY_CAUSE_CLOCK, "InvalidTimeStamp.Expired", "time",
		  "clock" },
		{ REPLY_CAUSE_PERMISSION, "Forbidden.RAM", "****ab12",
		  "mq:ResetConsumerOffset" },
		{ REPLY_CAUSE_ENDPOINT, "BIZ_REGION_NOT_FOUND", "region",
		  "endpoint" },
	};
	char out[GUIDE_LINE_MAX];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		guide_fatal_advice(t[i].cause, t[i].code, "environment",
		    "****ab12", out, sizeof out);
		if (strstr(out, t[i].want1) == NULL ||
		    strstr(out, t[i].want2) == NULL)
			printf("advice %zu: %s\n", i, out);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, t[i].want1));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, t[i].want2));
		/* The Code once, not "Code: Code: ..." */
		CU_ASSERT_PTR_NULL(strstr(strstr(out, t[i].code) +
		    strlen(t[i].code), t[i].code));
	}
	guide_fatal_reason(REPLY_CAUSE_CREDENTIALS, "SignatureDoesNotMatch",
	    62, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "the service refused the credentials at "
	    "line 62 (SignatureDoesNotMatch)");
}

static void
test_lines(void)
{
	struct guide_lines g;
	char out[1024];
	unsigned long l;

	guide_lines_init(&g);
	guide_lines_format(&g, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "");
	guide_lines_add(&g, 9);
	guide_lines_add(&g, 2);
	guide_lines_add(&g, 5);
	guide_lines_format(&g, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "2, 5, 9");
	/* 40 lines in reverse order: the 20 smallest are kept, sorted. */
	guide_lines_init(&g);
	for (l = 41; l >= 2; l--)
		guide_lines_add(&g, l);
	CU_ASSERT_EQUAL(g.total, 40);
	CU_ASSERT_EQUAL(g.n, GUIDE_LINES_MAX);
	guide_lines_format(&g, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out, "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
	    "13, 14, 15, 16, 17, 18, 19, 20, 21 (and 20 more)");
	/* Ascending order too. */
	guide_lines_init(&g);
	for (l = 2; l <= 23; l++)
		guide_lines_add(&g, l);
	guide_lines_format(&g, out, sizeof out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2, 3, "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ", 21 (and 2 more)"));
}

static CU_TestInfo guide_tests[] = {
	{ "banner lines", test_banner },
	{ "when to ask", test_should_confirm },
	{ "answers", test_answers },
	{ "question", test_question },
	{ "confirm on streams", test_confirm_stream },
	{ "rate warning", test_rate_warning },
	{ "refused identity advice", test_fatal_advice },
	{ "failed lines", test_lines },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "guide", NULL, NULL, NULL, NULL, guide_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_guide", suites);
}
