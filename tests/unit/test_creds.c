/*
 * test_creds.c - the credential chain with a temporary HOME and
 * environment: a table of (environment, config.json, INI file, --profile)
 * -> (result, key id, token, region, source); permission warnings; the
 * secret registered for redaction and wiped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "buf.h"
#include "client.h"
#include "creds.h"
#include "cu.h"
#include "imds.h"
#include "msg.h"
#include "sts.h"

/* Role sources must not leave the machine in a unit test: STS and the
 * metadata service are a closed loopback port. */
#define DEAD_URL "http://127.0.0.1:1"

static const char *const env_names[] = {
	"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
	"ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_PROFILE",
	"ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_CREDENTIALS_FILE",
	"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
	"ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_URI",
	"ALIBABA_CLOUD_CONFIG_FILE", "ALIBABA_CLOUD_STS_REGION",
	"ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
};

static void
env_clear(void)
{
	size_t i;

	for (i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
		unsetenv(env_names[i]);
	/* Never 100.100.100.200 from a test. */
	setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
}

#define CLI_JSON \
	"{\"current\":\"work\",\"profiles\":[" \
	"{\"name\":\"default\",\"mode\":\"AK\",\"access_key_id\":\"LTAIdefault1\"," \
	"\"access_key_secret\":\"cli-default-secret\",\"region_id\":\"cn-beijing\"}," \
	"{\"name\":\"work\",\"mode\":\"AK\",\"access_key_id\":\"LTAIwork0001\"," \
	"\"access_key_secret\":\"cli-work-secret\",\"region_id\":\"cn-shanghai\"}," \
	"{\"name\":\"sts\",\"mode\":\"StsToken\",\"access_key_id\":\"STS.abcd\"," \
	"\"access_key_secret\":\"cli-sts-secret\",\"sts_token\":\"cli-sts-token\"," \
	"\"region_id\":\"\"}," \
	"{\"name\":\"role\",\"mode\":\"RamRoleArn\",\"access_key_id\":\"x\"," \
	"\"access_key_secret\":\"y\",\"ram_role_arn\":\"acs:ram::1:role/r\"}," \
	"{\"name\":\"stsnotoken\",\"mode\":\"StsToken\",\"access_key_id\":\"a\"," \
	"\"access_key_secret\":\"b\"}" \
	"]}"

#define INI \
	"# shared credentials\n" \
	"[default]\n" \
	"type = access_key\n" \
	"access_key_id = LTAIinidefault\n" \
	"access_key_secret = ini-default-secret\n" \
	"\n" \
	"[ops]\r\n" \
	"type=access_key\r\n" \
	"access_key_id=LTAIiniops01\r\n" \
	"access_key_secret=ini-ops-secret\r\n" \
	"region_id = ap-southeast-1\r\n" \
	"[ecs]\n" \
	"type = ecs_ram_role\n" \
	"role_name = r\n"

static const struct {
	const char *name;
	const char *env_id, *env_secret, *env_token; /* NULL: unset */
	const char *env_profile;   /* ALIBABA_CLOUD_PROFILE */
	const char *cli;           /* config.json content, NULL: no file */
	const char *ini;           /* credentials content, NULL: no file */
	const char *profile;       /* --profile */
	err_code rc;
	const char *key_id;        /* expected, or a substring of the error */
	const char *token;         /* expected token, NULL: none */
	const char *region;        /* expected region, NULL: none */
	const char *source;        /* substring of creds_source() */
} rows[] = {
	{ "env wins over files", "LTAIenv00001", "env-secret-value", NULL,
	  NULL, CLI_JSON, INI, NULL, ERR_OK, "LTAIenv00001", NULL, NULL,
	  "environment" },
	{ "env with STS token", "STS.env", "env-secret-value",
	  "env-token-value", NULL, NULL, NULL, NULL, ERR_OK, "STS.env",
	  "env-token-value", NULL, "environment" },
	{ "env id without secret falls through", "LTAIenv00001", NULL, NULL,
	  NULL, CLI_JSON, NULL, NULL, ERR_OK, "LTAIwork0001", NULL,
	  "cn-shanghai", "profile 'work'" },
	{ "env secret without id", NULL, "env-secret-value", NULL, NULL, NULL,
	  NULL, NULL, ERR_CRED, "ALIBABA_CLOUD_ACCESS_KEY_ID is not", NULL,
	  NULL, NULL },
	{ "cli current profile", NULL, NULL, NULL, NULL, CLI_JSON, INI, NULL,
	  ERR_OK, "LTAIwork0001", NULL, "cn-shanghai", "profile 'work'" },
	{ "--profile skips env", "LTAIenv00001", "env-secret-value", NULL,
	  NULL, CLI_JSON, INI, "default", ERR_OK, "LTAIdefault1", NULL,
	  "cn-beijing", "config.json profile 'default'" },
	{ "ALIBABA_CLOUD_PROFILE", NULL, NULL, NULL, "sts", CLI_JSON, INI,
	  NULL, ERR_OK, "STS.abcd", "cli-sts-token", NULL, "profile 'sts'" },
	{ "--profile beats ALIBABA_CLOUD_PROFILE", NULL, NULL, NULL, "sts",
	  CLI_JSON, INI, "work", ERR_OK, "LTAIwork0001", NULL, "cn-shanghai",
	  "profile 'work'" },
	{ "RamRoleArn, STS unreachable, --profile: no fall-through", NULL,
	  NULL, NULL, NULL, CLI_JSON, INI, "role", ERR_CRED,
	  "profile 'role' (RamRoleArn): STS " DEAD_URL " failed", NULL, NULL,
	  NULL },
	{ "RamRoleArn current, STS unreachable: falls to ini", NULL, NULL,
	  NULL, NULL, "{\"current\":\"r\",\"profiles\":[{\"name\":\"r\","
	  "\"mode\":\"RamRoleArn\",\"access_key_id\":\"x\","
	  "\"access_key_secret\":\"y\",\"ram_role_arn\":\"acs:ram::1:role/r\"}]}",
	  INI, NULL, ERR_OK, "LTAIinidefault", NULL, NULL,
	  "credentials profile 'default'" },
	{ "unknown mode", NULL, NULL, NULL, NULL,
	  "{\"profiles\":[{\"name\":\"x\",\"mode\":\"CloudSSO\"}]}", NULL,
	  "x", ERR_CRED, "mode 'CloudSSO' is not supported", NULL, NULL,
	  NULL },
	{ "StsToken without token", NULL, NULL, NULL, NULL, CLI_JSON, NULL,
	  "stsnotoken", ERR_CRED, "without sts_token", NULL, NULL, NULL },
	{ "profile only in ini", NULL, NULL, NULL, NULL, CLI_JSON, INI, "ops",
	  ERR_OK, "LTAIiniops01", NULL, "ap-southeast-1",
	  "credentials profile 'ops'" },
	{ "ini default", NULL, NULL, NULL, NULL, NULL, INI, NULL, ERR_OK,
	  "LTAIinidefault", NULL, NULL, "credentials profile 'default'" },
	{ "ini ecs_ram_role, no metadata service", NULL, NULL, NULL, NULL,
	  NULL, INI, "ecs", ERR_CRED, "profile 'ecs' (EcsRamRole): PUT "
	  DEAD_URL "/latest/api/token failed", NULL, NULL, NULL },
	{ "ini unknown type", NULL, NULL, NULL, NULL, NULL,
	  "[default]\ntype = chain\n", NULL, ERR_CRED,
	  "type 'chain' is not supported", NULL, NULL, NULL },
	{ "profile nowhere", NULL, NULL, NULL, NULL, CLI_JSON, INI, "nope",
	  ERR_CRED, "profile 'nope' not found", NULL, NULL, NULL },
	{ "nothing at all", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  ERR_CRED, "no credentials (environment: not set; OIDC: not set; ",
	  NULL, NULL, NULL },
	{ "broken config.json falls to ini", NULL, NULL, NULL, NULL,
	  "{\"current\":", INI, NULL, ERR_OK, "LTAIinidefault", NULL, NULL,
	  "credentials profile 'default'" },
	{ "broken config.json, nothing else", NULL, NULL, NULL, NULL,
	  "{\"current\":", NULL, NULL, ERR_CRED,
	  "not a valid aliyun CLI configuration", NULL, NULL, NULL },
	{ "broken ini", NULL, NULL, NULL, NULL, NULL, "[default\nx=1\n", NULL,
	  ERR_CRED, "credentials:1: section header", NULL, NULL, NULL },
	{ "cli current missing falls to ini", NULL, NULL, NULL, NULL,
	  "{\"current\":\"gone\",\"profiles\":[]}", INI, NULL, ERR_OK,
	  "LTAIinidefault", NULL, NULL, "credentials profile 'default'" },
};

static void
put_file(const char *dir, const char *sub, const char *name,
    const char *content, mode_t mode)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	CU_ASSERT_EQUAL_FATAL(cu_write(path, content), 0);
	chmod(path, mode);
}

static void
set_or_unset(const char *name, const char *v)
{
	if (v != NULL)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

static void
test_chain(void)
{
	struct creds_options o;
	struct creds *c;
	struct err e;
	const char *home;
	size_t i;
	err_code rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		env_clear();
		home = cu_tmpdir();
		if (rows[i].cli != NULL)
			put_file(home, ".aliyun", "config.json", rows[i].cli,
			    0600);
		if (rows[i].ini != NULL)
			put_file(home, ".alibabacloud", "credentials",
			    rows[i].ini, 0600);
		set_or_unset("ALIBABA_CLOUD_ACCESS_KEY_ID", rows[i].env_id);
		set_or_unset("ALIBABA_CLOUD_ACCESS_KEY_SECRET",
		    rows[i].env_secret);
		set_or_unset("ALIBABA_CLOUD_SECURITY_TOKEN", rows[i].env_token);
		set_or_unset("ALIBABA_CLOUD_PROFILE", rows[i].env_profile);
		memset(&o, 0, sizeof o);
		o.profile = rows[i].profile;
		o.home = home;
		o.sts_endpoint = DEAD_URL;
		o.metadata_endpoint = DEAD_URL;
		err_clear(&e);
		c = NULL;
		rc = creds_load(&o, &c, &e);
		if (rc != rows[i].rc)
			fprintf(stderr, "%s: rc %d (%s)\n", rows[i].name, rc,
			    e.msg);
		CU_ASSERT_EQUAL(rc, rows[i].rc);
		if (rc == ERR_OK && rows[i].rc == ERR_OK) {
			CU_ASSERT_STRING_EQUAL(creds_key_id(c),
			    rows[i].key_id);
			if (rows[i].token == NULL) {
				CU_ASSERT_PTR_NULL(creds_token(c));
			} else {
				CU_ASSERT_STRING_EQUAL(creds_token(c),
				    rows[i].token);
			}
			if (rows[i].region == NULL) {
				CU_ASSERT_PTR_NULL(creds_region(c));
			} else {
				CU_ASSERT_STRING_EQUAL(creds_region(c),
				    rows[i].region);
			}
			CU_ASSERT_PTR_NOT_NULL(strstr(creds_source(c),
			    rows[i].source));
		} else if (rc != ERR_OK) {
			if (strstr(e.msg, rows[i].key_id) == NULL)
				fprintf(stderr, "%s: message '%s'\n",
				    rows[i].name, e.msg);
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, rows[i].key_id));
			/* No secret ever appears in an error. */
			CU_ASSERT_PTR_NULL(strstr(e.msg, "secret"));
			CU_ASSERT_PTR_NULL(c);
		}
		creds_destroy(c);
	}
	env_clear();
}

/* Run creds_load with messages captured; returns the captured text. */
static char *
load_capture(const char *home, err_code *rc)
{
	struct creds_options o;
	struct creds *c;
	char path[1024];
	FILE *fp;
	char *text;

	snprintf(path, sizeof path, "%s/msgs.txt", home);
	fp = fopen(path, "w+");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	msg_set_stream(fp);
	memset(&o, 0, sizeof o);
	o.home = home;
	c = NULL;
	*rc = creds_load(&o, &c, NULL);
	msg_set_stream(NULL);
	fclose(fp);
	creds_destroy(c);
	text = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	return text;
}

static const struct {
	mode_t mode;
	int warns;
} perm_rows[] = {
	{ 0600, 0 },
	{ 0400, 0 },
	{ 0640, 1 },
	{ 0604, 1 },
	{ 0644, 1 },
};

static void
test_permissions(void)
{
	const char *home;
	size_t i;
	err_code rc;
	char *text;

	for (i = 0; i < sizeof perm_rows / sizeof perm_rows[0]; i++) {
		env_clear();
		home = cu_tmpdir();
		put_file(home, ".aliyun", "config.json", CLI_JSON,
		    perm_rows[i].mode);
		text = load_capture(home, &rc);
		CU_ASSERT_EQUAL(rc, ERR_OK);
		CU_ASSERT_EQUAL(strstr(text, "let group or others read it") !=
		    NULL, perm_rows[i].warns);
		CU_ASSERT_PTR_NULL(strstr(text, "cli-work-secret"));
		free(text);
	}
	/* The INI file too. */
	env_clear();
	home = cu_tmpdir();
	put_file(home, ".alibabacloud", "credentials", INI, 0644);
	text = load_capture(home, &rc);
	CU_ASSERT_EQUAL(rc, ERR_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "credentials: permissions 0644"));
	free(text);
}

static void
test_redaction_and_hint(void)
{
	struct creds *c;
	struct buf b;

	CU_ASSERT_EQUAL_FATAL(creds_new("LTAI5tABCDwxyz", "my-own-secret-42",
	    "token/with+chars", &c), ERR_OK);
	CU_ASSERT_STRING_EQUAL(creds_key_hint(c), "****wxyz");
	CU_ASSERT_STRING_EQUAL(creds_source(c), "explicit");
	buf_init(&b, 4096);
	msg_redact("x my-own-secret-42 y token/with+chars z", &b);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "x *** y *** z");
	creds_destroy(c);
	/* After destroy the secret is forgotten by msg (no dangling use). */
	buf_reset(&b);
	msg_redact("my-own-secret-42", &b);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "my-own-secret-42");
	buf_free(&b);
	CU_ASSERT_EQUAL_FATAL(creds_new("ab", "s3cr", NULL, &c), ERR_OK);
	CU_ASSERT_STRING_EQUAL(creds_key_hint(c), "****");
	CU_ASSERT_PTR_NULL(creds_token(c));
	creds_destroy(c);
	creds_destroy(NULL);
}

/* Holding a secret makes the process undumpable and coreless. */
static void
test_protect_process(void)
{
	struct creds *c = NULL;
	struct rlimit rl;

	CU_ASSERT_EQUAL_FATAL(creds_new("LTAI5tProtectTest0001",
	    "protectTestSecret0000000001", NULL, &c), ERR_OK);
	CU_ASSERT_EQUAL(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_CORE, &rl), 0);
	CU_ASSERT_EQUAL(rl.rlim_cur, 0);
	creds_destroy(c);
}

/* True when the n bytes at p are all zero. */
static int
all_zero(const char *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != '\0')
			return 0;
	return 1;
}

/*
 * The environment's copy of a secret is wiped in place and the variable
 * removed, whichever source wins.  putenv() makes the environment point
 * into our own buffers, as it points into the initial stack copy of a
 * variable inherited at exec: so the test sees the very bytes that
 * /proc/PID/environ would show.
 */
static void
test_env_secret_wiped(void)
{
	static const struct {
		const char *profile; /* --profile */
		int with_id;         /* ALIBABA_CLOUD_ACCESS_KEY_ID set */
		int with_secret;     /* ALIBABA_CLOUD_ACCESS_KEY_SECRET set */
		err_code rc;
	} wrows[] = {
		{ NULL, 1, 1, ERR_OK },      /* used */
		{ "ops", 1, 1, ERR_OK },     /* a profile was named: unused */
		/* incomplete: the chain moves on to the INI file */
		{ "default", 1, 0, ERR_OK },
		{ "default", 0, 1, ERR_OK },
		{ "missing", 0, 1, ERR_CRED },
	};
	static char env_id[] = "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIenvwipe01";
	static char env_sec[64], env_tok[64];
	const size_t sec_off = strlen("ALIBABA_CLOUD_ACCESS_KEY_SECRET=");
	const size_t tok_off = strlen("ALIBABA_CLOUD_SECURITY_TOKEN=");
	struct creds_options o;
	struct creds *c;
	const char *home;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof wrows / sizeof wrows[0]; i++) {
		env_clear();
		home = cu_tmpdir();
		CU_ASSERT_PTR_NOT_NULL_FATAL(home);
		put_file(home, ".alibabacloud", "credentials", INI, 0600);
		snprintf(env_sec, sizeof env_sec,
		    "ALIBABA_CLOUD_ACCESS_KEY_SECRET=env-wipe-secret");
		snprintf(env_tok, sizeof env_tok,
		    "ALIBABA_CLOUD_SECURITY_TOKEN=env-wipe-token");
		if (wrows[i].with_id)
			CU_ASSERT_EQUAL(putenv(env_id), 0);
		if (wrows[i].with_secret)
			CU_ASSERT_EQUAL(putenv(env_sec), 0);
		CU_ASSERT_EQUAL(putenv(env_tok), 0);
		memset(&o, 0, sizeof o);
		o.profile = wrows[i].profile;
		o.home = home;
		c = NULL;
		err_clear(&e);
		CU_ASSERT_EQUAL(creds_load(&o, &c, &e), wrows[i].rc);
		if (wrows[i].rc == ERR_OK && wrows[i].profile == NULL) {
			/* The object kept its own copies. */
			CU_ASSERT_STRING_EQUAL(creds_secret(c),
			    "env-wipe-secret");
			CU_ASSERT_STRING_EQUAL(creds_token(c),
			    "env-wipe-token");
		}
		CU_ASSERT_PTR_NULL(getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
		CU_ASSERT_PTR_NULL(getenv("ALIBABA_CLOUD_SECURITY_TOKEN"));
		if (wrows[i].with_secret)
			CU_ASSERT(all_zero(env_sec + sec_off,
			    strlen("env-wipe-secret")));
		CU_ASSERT(all_zero(env_tok + tok_off,
		    strlen("env-wipe-token")));
		/* The key id is not a secret: it stays. */
		if (wrows[i].with_id)
			CU_ASSERT_PTR_NOT_NULL(
			    getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"));
		creds_destroy(c);
		env_clear();
		cu_rmdir(cu_path_in(home, ".alibabacloud"));
		cu_rmdir(home);
	}
}

/* STS/metadata Expiration parsing. */
static const struct {
	const char *in;
	err_code rc;
	int64_t ms;
} exp_rows[] = {
	{ "2026-12-02T09:10:06Z", ERR_OK, INT64_C(1796202606000) },
	{ "1970-01-01T00:00:00Z", ERR_OK, 0 },
	{ "2026-12-02T09:10:06", ERR_PARSE, 0 },
	{ "2026-12-02 09:10:06Z", ERR_PARSE, 0 },
	{ "2026-12-02T09:10:06Zx", ERR_PARSE, 0 },
	{ "", ERR_PARSE, 0 },
};

static void
test_expiration(void)
{
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof exp_rows / sizeof exp_rows[0]; i++) {
		ms = -1;
		CU_ASSERT_EQUAL(sts_parse_expiration(exp_rows[i].in, &ms),
		    exp_rows[i].rc);
		if (exp_rows[i].rc == ERR_OK)
			CU_ASSERT_EQUAL(ms, exp_rows[i].ms);
	}
}

/* The STS endpoint: override, profile region, environment, default. */
static const struct {
	const char *override, *region, *env_region, *env_vpc;
	int vpc;
	err_code rc;
	const char *want;
} ep_rows[] = {
	{ NULL, NULL, NULL, NULL, 0, ERR_OK, "https://sts.aliyuncs.com" },
	{ NULL, NULL, "cn-shanghai", NULL, 0, ERR_OK,
	  "https://sts.cn-shanghai.aliyuncs.com" },
	{ NULL, NULL, "cn-shanghai", "true", 0, ERR_OK,
	  "https://sts-vpc.cn-shanghai.aliyuncs.com" },
	{ NULL, "cn-beijing", "cn-shanghai", NULL, 1, ERR_OK,
	  "https://sts-vpc.cn-beijing.aliyuncs.com" },
	{ "http://127.0.0.1:8080", "cn-beijing", NULL, NULL, 0, ERR_OK,
	  "http://127.0.0.1:8080" },
	{ "http://sts.example.com", NULL, NULL, NULL, 0, ERR_USAGE, NULL },
	{ "https://sts.example.com/path", NULL, NULL, NULL, 0, ERR_USAGE,
	  NULL },
};

static void
test_sts_endpoint(void)
{
	char out[CLIENT_URL_MAX];
	struct err e;
	size_t i;

	for (i = 0; i < sizeof ep_rows / sizeof ep_rows[0]; i++) {
		env_clear();
		set_or_unset("ALIBABA_CLOUD_STS_REGION", ep_rows[i].env_region);
		set_or_unset("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
		    ep_rows[i].env_vpc);
		err_clear(&e);
		CU_ASSERT_EQUAL(sts_endpoint(ep_rows[i].override,
		    ep_rows[i].region, ep_rows[i].vpc, out, &e),
		    ep_rows[i].rc);
		if (ep_rows[i].rc == ERR_OK)
			CU_ASSERT_STRING_EQUAL(out, ep_rows[i].want);
	}
	env_clear();
}

/* The plain-http rule of metadata and credentials URIs. */
static const struct {
	const char *url;
	err_code rc;
} url_rows[] = {
	{ "https://creds.example.com/x", ERR_OK },
	{ "http://127.0.0.1:9/creds", ERR_OK },
	{ "http://127.8.9.10/creds", ERR_OK },
	{ "http://localhost:9/creds", ERR_OK },
	{ "http://[::1]:9/creds", ERR_OK },
	{ "http://10.0.0.1/creds", ERR_USAGE },
	{ "http://127.0.0.1.example.com/creds", ERR_USAGE },
	{ "http://user@127.0.0.1/creds", ERR_USAGE },
	{ "ftp://127.0.0.1/creds", ERR_USAGE },
};

static void
test_url_rule(void)
{
	struct err e;
	size_t i;

	for (i = 0; i < sizeof url_rows / sizeof url_rows[0]; i++) {
		err_clear(&e);
		CU_ASSERT_EQUAL(imds_check_url(url_rows[i].url, "URI", &e),
		    url_rows[i].rc);
	}
}

/* Static keys: acquire hands out the same keys, refresh is refused. */
static void
test_static_acquire(void)
{
	struct creds *c;
	struct creds_key *k;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(creds_new("LTAI5tStatic0001", "static-secret-1",
	    NULL, &c), ERR_OK);
	err_clear(&e);
	CU_ASSERT_EQUAL(creds_acquire(c, &k, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(creds_key_akid(k), "LTAI5tStatic0001");
	CU_ASSERT_STRING_EQUAL(creds_key_secret(k), "static-secret-1");
	CU_ASSERT_PTR_NULL(creds_key_token(k));
	CU_ASSERT_STRING_EQUAL(creds_key_khint(k), "****0001");
	CU_ASSERT_EQUAL(creds_key_expires(k), 0);
	CU_ASSERT_EQUAL(creds_refresh(c, k, &e), ERR_CRED);
	CU_ASSERT_EQUAL(creds_kind(c), CREDS_STATIC);
	CU_ASSERT_EQUAL(creds_refreshes(c), 0);
	creds_release(k);
	creds_destroy(c);
}

static CU_TestInfo creds_tests[] = {
	{ "Expiration parsing", test_expiration },
	{ "STS endpoint rules", test_sts_endpoint },
	{ "plain http only to loopback", test_url_rule },
	{ "static keys: acquire and refresh", test_static_acquire },
	{ "process protected once a secret is held", test_protect_process },
	{ "credential chain table", test_chain },
	{ "file permission warnings", test_permissions },
	{ "redaction and key hint", test_redaction_and_hint },
	{ "environment secrets wiped and unset", test_env_secret_wiped },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "creds", NULL, NULL, NULL, NULL, creds_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_creds", suites);
}
