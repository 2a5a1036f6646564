/*
 * test_core.c - err, buf, msg (redaction, diagnostics), opts.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cu.h"
#include "err.h"
#include "exitcode.h"
#include "msg.h"
#include "opts.h"
#include "summary.h"

static void
test_buf_limit(void)
{
	struct buf b;

	buf_init(&b, 8);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "");
	CU_ASSERT_EQUAL(buf_puts(&b, "12345"), ERR_OK);
	CU_ASSERT_EQUAL(buf_puts(&b, "678"), ERR_OK);
	CU_ASSERT_EQUAL(buf_putc(&b, '9'), ERR_TOOBIG);
	CU_ASSERT_EQUAL(b.len, 8);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "12345678");
	buf_reset(&b);
	CU_ASSERT_EQUAL(buf_printf(&b, "%d-%s", 42, "x"), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "42-x");
	CU_ASSERT_EQUAL(buf_printf(&b, "%s", "too long!"), ERR_TOOBIG);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "42-x");
	buf_free(&b);
	buf_free(&b);
}

static void
test_buf_grow(void)
{
	struct buf b;
	int i;
	char *s;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 10000; i++)
		CU_ASSERT_EQUAL_FATAL(buf_puts(&b, "abcdefghij"), ERR_OK);
	CU_ASSERT_EQUAL(b.len, 100000);
	s = buf_steal(&b);
	CU_ASSERT_EQUAL(strlen(s), 100000);
	CU_ASSERT_PTR_NULL(b.data);
	free(s);
}

static void
test_err(void)
{
	struct err e;

	err_clear(&e);
	CU_ASSERT_EQUAL(e.code, ERR_OK);
	CU_ASSERT_STRING_EQUAL(err_message(&e), "success");
	CU_ASSERT_EQUAL(err_set(&e, ERR_IO, "open %s", "x.csv"), ERR_IO);
	CU_ASSERT_STRING_EQUAL(err_message(&e), "open x.csv");
	CU_ASSERT_EQUAL(err_set(NULL, ERR_NOMEM, "x"), ERR_NOMEM);
	err_set_errno(&e, ERR_IO, 2, "open %s", "y");
	CU_ASSERT_STRING_EQUAL(e.msg, "open y: No such file or directory");
	CU_ASSERT_EQUAL(exitcode_from_err(ERR_PLAN), EXITCODE_INVALID);
	CU_ASSERT_EQUAL(exitcode_from_err(ERR_AUTH), EXITCODE_ABORTED);
	CU_ASSERT_EQUAL(exitcode_from_err(ERR_REMOTE), EXITCODE_FAILED);
	CU_ASSERT_EQUAL(exitcode_from_err(ERR_OK), EXITCODE_OK);
}

/* {input, expected} rows for pattern redaction. */
static const struct {
	const char *in;
	const char *want;
} redact_rows[] = {
	{ "plain text", "plain text" },
	{ "a=1&Signature=abc%2B&b=2", "a=1&Signature=***&b=2" },
	{ "\"AccessKeySecret\": \"s3cr3t\"}", "\"AccessKeySecret\": \"***\"}" },
	{ "access_key_secret = hunter22", "access_key_secret = ***" },
	{ "SecurityToken=CAIS.xyz&x=1", "SecurityToken=***&x=1" },
	{ "x-acs-security-token: abc def", "x-acs-security-token: *** def" },
	{ "Authorization: ACS3-HMAC-SHA256 Credential=id,SignedHeaders=a,"
	  "Signature=0f0f", "Authorization: ACS3-HMAC-SHA256 Credential=id,"
	  "SignedHeaders=a,Signature=***" },
	{ "no secret here: tokens are counted", "no secret here: tokens are counted" },
	{ "Signature=", "Signature=" },
	/* Prose after a generic word is never hidden; values still are. */
	{ "it holds a secret: chmod 600 FILE",
	  "it holds a secret: chmod 600 FILE" },
	{ "password: change it", "password: change it" },
	{ "password=hunter2 user", "password=*** user" },
	{ "{\"token\": \"abc\"}", "{\"token\": \"***\"}" },
	{ "secret = s3cr3t", "secret = ***" },
	{ "AccessKeySecret: s3cr3t rest", "AccessKeySecret: *** rest" },
};

static void
test_msg_redact(void)
{
	size_t i;
	struct buf b;

	buf_init(&b, 4096);
	for (i = 0; i < sizeof redact_rows / sizeof redact_rows[0]; i++) {
		buf_reset(&b);
		CU_ASSERT_EQUAL(msg_redact(redact_rows[i].in, &b), ERR_OK);
		if (strcmp(buf_cstr(&b), redact_rows[i].want) != 0)
			fprintf(stderr, "row %zu: got '%s' want '%s'\n", i,
			    buf_cstr(&b), redact_rows[i].want);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&b), redact_rows[i].want);
	}
	buf_free(&b);
}

static void
test_msg_secret_and_diag(void)
{
	char path[] = "/tmp/mqr-msg-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w+");
	char secret[] = "Zz9SuperSecretValue";
	char *out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	msg_init("mqreset");
	msg_set_stream(fp);
	CU_ASSERT_EQUAL(msg_secret_add(secret), 0);
	msg_error("key is %s, ok", secret);
	msg_diag("plan.csv", 12, 3, MSG_ERROR, "bad type '%s'", "2");
	msg_diag("plan.csv", 7, 0, MSG_WARN, "odd");
	msg_set_level(MSG_ERROR);
	msg_warn("hidden");
	msg_set_level(MSG_INFO);
	msg_secret_forget(secret);
	msg_set_stream(NULL);
	fclose(fp);
	out = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_STRING_EQUAL(out,
	    "mqreset: error: key is ***, ok\n"
	    "plan.csv:12:3: error: bad type '2'\n"
	    "plan.csv:7: warning: odd\n");
	free(out);
	remove(path);
}

/* The mean rate is never computed over a zero-length interval. */
static void
test_summary_rate(void)
{
	char path[] = "/tmp/mqr-sum-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w+");
	struct summary s;
	char *out;

	summary_init(&s);
	s.requests = 1;
	s.elapsed_s = 0.0067;
	CU_ASSERT_EQUAL(summary_mean_rate(&s), 0.0);
	s.requests = 5;
	s.elapsed_s = 0.2;
	CU_ASSERT_EQUAL(summary_mean_rate(&s), 0.0);
	s.requests = 1;
	s.elapsed_s = 10;
	CU_ASSERT_EQUAL(summary_mean_rate(&s), 0.0);
	s.requests = 100;
	s.elapsed_s = 10;
	CU_ASSERT_DOUBLE_EQUAL(summary_mean_rate(&s), 10.0, 1e-9);

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	msg_init("mqreset");
	msg_set_stream(fp);
	summary_init(&s);
	s.execute = 1;
	s.rows = 1;
	s.requests = 1;
	s.elapsed_s = 0.0067;
	s.rate_limit = 10;
	s.final_rate = 10;
	s.report = "r.csv";
	s.assume_offset = "+08:00";
	summary_print(&s);
	msg_set_stream(NULL);
	fclose(fp);
	out = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NULL(strstr(out, "req/s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "1 request in 0.0 s (limit 10.0, "
	    "now 10.0)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "plan times without an offset "
	    "were read as +08:00"));
	free(out);
	remove(path);
}

struct opts_cfg {
	struct opts_list tags;
	int flag;
	const char *name;
	long long n;
	double rate;
	int verbose;
	const char *fmt;
};

static const struct opts_spec opts_rows[] = {
	{ "flag", 'f', OPTS_FLAG, NULL, 0, 0, NULL, NULL,
	  offsetof(struct opts_cfg, flag), "a flag" },
	{ "format", 0, OPTS_STRING, "FMT", 0, 0, "text|json", "text",
	  offsetof(struct opts_cfg, fmt), "output format" },
	{ "name", 0, OPTS_STRING, "NAME", 0, 0, NULL, NULL,
	  offsetof(struct opts_cfg, name), "a name" },
	{ "number", 'n', OPTS_INT, "N", 1, 100, NULL, "5",
	  offsetof(struct opts_cfg, n), "a number" },
	{ "tag", 't', OPTS_LIST, "TAG", 0, 0, "a|b|c", NULL,
	  offsetof(struct opts_cfg, tags), "a repeatable tag" },
	{ "rate", 0, OPTS_DOUBLE, "R", 0.1, 1000, NULL, "10",
	  offsetof(struct opts_cfg, rate), "a rate" },
	{ "verbose", 'v', OPTS_COUNT, NULL, 0, 0, NULL, NULL,
	  offsetof(struct opts_cfg, verbose), "more" },
};
#define NOPTS (sizeof opts_rows / sizeof opts_rows[0])

static void
test_opts_parse(void)
{
	char *argv[] = { "cmd", "a.csv", "--flag", "--name=x", "-n", "7",
		"-v", "-v", "--rate", "2.5", "--", "--flag", NULL };
	struct opts_cfg cfg;
	struct opts_result res;
	struct err e;

	memset(&cfg, 0, sizeof cfg);
	CU_ASSERT_EQUAL_FATAL(opts_parse(opts_rows, NOPTS, 12, argv, 1, &cfg,
	    &res, &e), ERR_OK);
	CU_ASSERT_EQUAL(cfg.flag, 1);
	CU_ASSERT_STRING_EQUAL(cfg.name, "x");
	CU_ASSERT_EQUAL(cfg.n, 7);
	CU_ASSERT_EQUAL(cfg.verbose, 2);
	CU_ASSERT_DOUBLE_EQUAL(cfg.rate, 2.5, 1e-9);
	CU_ASSERT_STRING_EQUAL(cfg.fmt, "text");
	CU_ASSERT_EQUAL(res.npos, 2);
	CU_ASSERT_STRING_EQUAL(res.pos[0], "a.csv");
	CU_ASSERT_STRING_EQUAL(res.pos[1], "--flag");
	CU_ASSERT_TRUE(opts_given(opts_rows, NOPTS, &res, "name"));
	CU_ASSERT_FALSE(opts_given(opts_rows, NOPTS, &res, "format"));
	opts_result_free(&res);
}

static void
test_opts_list(void)
{
	char *argv[] = { "cmd", "--tag", "b", "x", "-t", "a", "--tag=b",
		NULL };
	struct opts_cfg cfg;
	struct opts_result res;
	struct err e;

	memset(&cfg, 0, sizeof cfg);
	CU_ASSERT_EQUAL_FATAL(opts_parse(opts_rows, NOPTS, 7, argv, 1, &cfg,
	    &res, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(cfg.tags.n, 3);
	CU_ASSERT_STRING_EQUAL(cfg.tags.v[0], "b");
	CU_ASSERT_STRING_EQUAL(cfg.tags.v[1], "a");
	CU_ASSERT_STRING_EQUAL(cfg.tags.v[2], "b");
	CU_ASSERT_EQUAL(res.npos, 1);
	opts_result_free(&res);

	/* Not given: an empty list. */
	memset(&cfg, 0, sizeof cfg);
	CU_ASSERT_EQUAL_FATAL(opts_parse(opts_rows, NOPTS, 1, argv, 1, &cfg,
	    &res, &e), ERR_OK);
	CU_ASSERT_EQUAL(cfg.tags.n, 0);
	CU_ASSERT_PTR_NULL(cfg.tags.v);
	opts_result_free(&res);
}

static const struct {
	const char *arg1, *arg2;
	const char *msg;
} opts_bad[] = {
	{ "--tag", "z", "--tag: 'z' is not one of a|b|c" },
	{ "--nope", NULL, "unknown option '--nope' (see --help)" },
	{ "-n", "0", "--number: 0 is out of range (1 to 100)" },
	{ "-n", "x1", "--number: 'x1' is not a whole number" },
	{ "--rate", "abc", "--rate: 'abc' is not a number" },
	{ "--format", "xml", "--format: 'xml' is not one of text|json" },
	{ "--name", NULL, "--name needs a value (NAME)" },
	{ "--flag=1", NULL, "--flag takes no value" },
	/* A forgotten value is not taken from the next option. */
	{ "--name", "--flag", "--name needs a value (NAME), found the option "
	  "'--flag'; a value that starts with '-' is written --name=VALUE" },
	{ "--name", "-f", "--name needs a value (NAME), found the option "
	  "'-f'; a value that starts with '-' is written --name=VALUE" },
	{ "-n", "--rate", "--number needs a value (N), found the option "
	  "'--rate'; a value that starts with '-' is written --number=VALUE" },
	{ "-n", "-5", "--number: -5 is out of range (1 to 100)" },
	/* Did you mean: typos, swaps, abbreviations; nothing when far. */
	{ "--nmae", NULL, "unknown option '--nmae': did you mean --name? "
	  "(see --help)" },
	{ "--formt=json", NULL, "unknown option '--formt': did you mean "
	  "--format? (see --help)" },
	{ "--verb", NULL, "unknown option '--verb': did you mean --verbose? "
	  "(see --help)" },
	{ "--ratee", "2", "unknown option '--ratee': did you mean --rate? "
	  "(see --help)" },
	{ "--xyzzy", NULL, "unknown option '--xyzzy' (see --help)" },
	{ "-fz", NULL, "unknown option '-fz' (see --help)" },
};

/* Values that look like options only where they cannot be one. */
static void
test_opts_values(void)
{
	char *argv[] = { "cmd", "--name", "-", "--format=json", "-vfv",
		"--tag=b", "--rate", "-0.5e1", NULL };
	char *argv2[] = { "cmd", "--name=--flag", "--", "--name", "-x",
		NULL };
	struct opts_cfg cfg;
	struct opts_result res;
	struct err e;

	memset(&cfg, 0, sizeof cfg);
	err_clear(&e);
	/* -0.5e1 is a value (a number), out of --rate's range. */
	CU_ASSERT_EQUAL(opts_parse(opts_rows, NOPTS, 8, argv, 1, &cfg, &res,
	    &e), ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err_message(&e), "out of range"));
	memset(&cfg, 0, sizeof cfg);
	CU_ASSERT_EQUAL_FATAL(opts_parse(opts_rows, NOPTS, 6, argv, 1, &cfg,
	    &res, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(cfg.name, "-");
	CU_ASSERT_STRING_EQUAL(cfg.fmt, "json");
	CU_ASSERT_EQUAL(cfg.verbose, 2);
	CU_ASSERT_EQUAL(cfg.flag, 1);
	CU_ASSERT_EQUAL(cfg.tags.n, 1);
	opts_result_free(&res);
	memset(&cfg, 0, sizeof cfg);
	CU_ASSERT_EQUAL_FATAL(opts_parse(opts_rows, NOPTS, 5, argv2, 1, &cfg,
	    &res, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(cfg.name, "--flag");
	CU_ASSERT_EQUAL(res.npos, 2);
	opts_result_free(&res);
	CU_ASSERT_PTR_NOT_NULL(opts_lookup(opts_rows, NOPTS, "--name=x"));
	CU_ASSERT_PTR_NOT_NULL(opts_lookup(opts_rows, NOPTS, "-vv"));
	CU_ASSERT_PTR_NULL(opts_lookup(opts_rows, NOPTS, "-"));
	CU_ASSERT_PTR_NULL(opts_lookup(opts_rows, NOPTS, "run"));
	CU_ASSERT_EQUAL(opts_nearness("valdate", 7, "validate"), 1);
	CU_ASSERT_EQUAL(opts_nearness("exectue", 7, "execute"), 1);
	CU_ASSERT_EQUAL(opts_nearness("rn", 2, "run"), 1);
	CU_ASSERT_EQUAL(opts_nearness("xyz", 3, "run"), 0);
	CU_ASSERT_EQUAL(opts_nearness("plan", 4, "run"), 0);
}

static void
test_opts_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof opts_bad / sizeof opts_bad[0]; i++) {
		char *argv[4] = { "cmd", (char *)opts_bad[i].arg1,
			(char *)opts_bad[i].arg2, NULL };
		int argc = opts_bad[i].arg2 != NULL ? 3 : 2;
		struct opts_cfg cfg;
		struct opts_result res;
		struct err e;

		memset(&cfg, 0, sizeof cfg);
		err_clear(&e);
		CU_ASSERT_EQUAL(opts_parse(opts_rows, NOPTS, argc, argv, 1,
		    &cfg, &res, &e), ERR_USAGE);
		CU_ASSERT_STRING_EQUAL(e.msg, opts_bad[i].msg);
	}
}

static CU_TestInfo core_tests[] = {
	{ "buf limit", test_buf_limit },
	{ "buf grow", test_buf_grow },
	{ "err", test_err },
	{ "msg redact table", test_msg_redact },
	{ "msg secret and diag", test_msg_secret_and_diag },
	{ "summary rate", test_summary_rate },
	{ "opts parse", test_opts_parse },
	{ "opts errors", test_opts_errors },
	{ "opts repeatable list", test_opts_list },
	{ "opts values, bundles, did you mean", test_opts_values },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "core", NULL, NULL, NULL, NULL, core_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_core", suites);
}
