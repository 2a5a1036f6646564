/*
 * test_emu_auth.c - the emulator's authentication, table-driven: every
 * row builds one request (signed with the sign module, then spoiled as
 * the row says), runs emu_auth_check at a fixed "now", and expects
 * success or a code and HTTP status.  The shell test
 * tests/e2e/emulator.sh signs independently with openssl(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "emu_auth.h"
#include "emu_nonce.h"
#include "emu_reply.h"
#include "emu_state.h"
#include "sign.h"

/* 2026-11-26T00:00:00Z */
#define NOW_MS INT64_C(1795651200000)

static const char state_json[] =
    "{\"Credentials\":["
    "{\"AccessKeyId\":\"LTAI5tGood\",\"AccessKeySecret\":\"good-secret\"},"
    "{\"AccessKeyId\":\"LTAI5tOff\",\"AccessKeySecret\":\"off-secret\","
    "\"Disabled\":true},"
    "{\"AccessKeyId\":\"STS.Live\",\"AccessKeySecret\":\"sts-secret\","
    "\"SecurityToken\":\"tok-live\",\"Expiration\":1795654800000},"
    "{\"AccessKeyId\":\"STS.Old\",\"AccessKeySecret\":\"sts-secret2\","
    "\"SecurityToken\":\"tok-old\",\"Expiration\":1795647600000}]}";

struct auth_case {
	const char *name;     /* what the row checks */
	int v3;               /* sign with v3 */
	const char *key_id;   /* AccessKeyId sent */
	const char *secret;   /* secret used to sign */
	const char *token;    /* SecurityToken sent, or NULL */
	const char *sign_method; /* method signed */
	const char *send_method; /* method sent */
	int64_t ts_offset_s;  /* Timestamp = now + offset */
	const char *ts_raw;   /* Timestamp text overriding the above */
	const char *drop;     /* parameter / header removed after signing */
	const char *version;  /* Version sent ("2019-02-14" when NULL) */
	int replay;           /* send the same request twice */
	int spoil_body;       /* v3: change the body after signing */
	int unsigned_hdr;     /* v3: add an x-acs-* header not signed */
	const char *code;     /* expected Code, NULL for success */
	unsigned status;      /* expected HTTP status */
};

static const struct auth_case cases[] = {
	{ "v1 GET ok", 0, "LTAI5tGood", "good-secret", NULL, "GET", "GET",
	    0, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v1 POST ok", 0, "LTAI5tGood", "good-secret", NULL, "POST", "POST",
	    0, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v1 14 min ahead ok", 0, "LTAI5tGood", "good-secret", NULL, "GET",
	    "GET", 14 * 60, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v1 unknown key", 0, "LTAI5tNobody", "good-secret", NULL, "GET",
	    "GET", 0, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidAccessKeyId.NotFound", 404 },
	{ "v1 disabled key", 0, "LTAI5tOff", "off-secret", NULL, "GET", "GET",
	    0, NULL, NULL, NULL, 0, 0, 0, "InvalidAccessKeyId.Inactive",
	    400 },
	{ "v1 wrong secret", 0, "LTAI5tGood", "bad-secret", NULL, "GET",
	    "GET", 0, NULL, NULL, NULL, 0, 0, 0, "SignatureDoesNotMatch",
	    400 },
	{ "v1 POST signature sent as GET", 0, "LTAI5tGood", "good-secret",
	    NULL, "POST", "GET", 0, NULL, NULL, NULL, 0, 0, 0,
	    "SignatureDoesNotMatch", 400 },
	{ "v1 16 min late", 0, "LTAI5tGood", "good-secret", NULL, "GET",
	    "GET", -16 * 60, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidTimeStamp.Expired", 400 },
	{ "v1 16 min ahead", 0, "LTAI5tGood", "good-secret", NULL, "GET",
	    "GET", 16 * 60, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidTimeStamp.Expired", 400 },
	{ "v1 bad timestamp", 0, "LTAI5tGood", "good-secret", NULL, "GET",
	    "GET", 0, "2026-11-26 00:00:00", NULL, NULL, 0, 0, 0,
	    "InvalidTimeStamp.Format", 400 },
	{ "v1 nonce reused", 0, "LTAI5tGood", "good-secret", NULL, "GET",
	    "GET", 0, NULL, NULL, NULL, 1, 0, 0, "SignatureNonceUsed", 400 },
	{ "v1 missing Signature", 0, "LTAI5tGood", "good-secret", NULL,
	    "GET", "GET", 0, NULL, "Signature", NULL, 0, 0, 0,
	    "MissingParameter", 400 },
	{ "v1 missing SignatureNonce", 0, "LTAI5tGood", "good-secret", NULL,
	    "GET", "GET", 0, NULL, "SignatureNonce", NULL, 0, 0, 0,
	    "MissingParameter", 400 },
	{ "v1 wrong Version", 0, "LTAI5tGood", "good-secret", NULL, "GET",
	    "GET", 0, NULL, NULL, "2018-01-01", 0, 0, 0, "InvalidVersion",
	    400 },
	{ "v1 STS ok", 0, "STS.Live", "sts-secret", "tok-live", "GET", "GET",
	    0, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v1 STS expired", 0, "STS.Old", "sts-secret2", "tok-old", "GET",
	    "GET", 0, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidSecurityToken.Expired", 400 },
	{ "v1 STS token missing", 0, "STS.Live", "sts-secret", NULL, "GET",
	    "GET", 0, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidSecurityToken.MismatchWithAccessKey", 400 },
	{ "v1 STS wrong token", 0, "STS.Live", "sts-secret", "tok-old",
	    "GET", "GET", 0, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidSecurityToken.MismatchWithAccessKey", 400 },
	{ "v3 POST ok", 1, "LTAI5tGood", "good-secret", NULL, "POST", "POST",
	    0, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v3 GET ok", 1, "LTAI5tGood", "good-secret", NULL, "GET", "GET",
	    0, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v3 STS ok", 1, "STS.Live", "sts-secret", "tok-live", "POST",
	    "POST", 0, NULL, NULL, NULL, 0, 0, 0, NULL, 200 },
	{ "v3 wrong secret", 1, "LTAI5tGood", "bad-secret", NULL, "POST",
	    "POST", 0, NULL, NULL, NULL, 0, 0, 0, "SignatureDoesNotMatch",
	    400 },
	{ "v3 unknown key", 1, "LTAI5tNobody", "good-secret", NULL, "POST",
	    "POST", 0, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidAccessKeyId.NotFound", 404 },
	{ "v3 expired date", 1, "LTAI5tGood", "good-secret", NULL, "POST",
	    "POST", -20 * 60, NULL, NULL, NULL, 0, 0, 0,
	    "InvalidTimeStamp.Expired", 400 },
	{ "v3 nonce reused", 1, "LTAI5tGood", "good-secret", NULL, "POST",
	    "POST", 0, NULL, NULL, NULL, 1, 0, 0, "SignatureNonceUsed", 400 },
	{ "v3 body changed", 1, "LTAI5tGood", "good-secret", NULL, "POST",
	    "POST", 0, NULL, NULL, NULL, 0, 1, 0, "SignatureDoesNotMatch",
	    400 },
	{ "v3 unsigned x-acs header", 1, "LTAI5tGood", "good-secret", NULL,
	    "POST", "POST", 0, NULL, NULL, NULL, 0, 0, 1,
	    "SignatureDoesNotMatch", 400 },
	{ "v3 missing x-acs-date", 1, "LTAI5tGood", "good-secret", NULL,
	    "POST", "POST", 0, NULL, "x-acs-date", NULL, 0, 0, 0,
	    "MissingParameter", 400 },
};

static struct emu_state *st;

static int
auth_setup(void)
{
	st = emu_state_new();
	return st == NULL || emu_state_load_json(st, state_json,
	    strlen(state_json), "test", NULL) != ERR_OK;
}

static int
auth_teardown(void)
{
	emu_state_destroy(st);
	return 0;
}

static void
req_init(struct emu_request *rq)
{
	memset(rq, 0, sizeof *rq);
	params_init(&rq->query);
	params_init(&rq->params);
	params_init(&rq->headers);
	rq->host = "ons.cn-hangzhou.aliyuncs.com";
}

static void
req_free(struct emu_request *rq)
{
	params_free(&rq->query);
	params_free(&rq->params);
	params_free(&rq->headers);
}

static void
build_v1(const struct auth_case *c, struct emu_request *rq)
{
	struct params *p = &rq->params;
	char nonce[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN], sig[SIGN_V1_LEN];
	struct buf sts;

	sign_nonce(nonce);
	sign_timestamp(NOW_MS + c->ts_offset_s * 1000, ts);
	params_add(p, "AccessKeyId", c->key_id);
	params_add(p, "Action", "OnsTopicStatus");
	params_add(p, "Format", "JSON");
	params_add(p, "InstanceId", "MQ_INST_1_x");
	params_add(p, "SignatureMethod", "HMAC-SHA1");
	params_add(p, "SignatureNonce", nonce);
	params_add(p, "SignatureVersion", "1.0");
	params_add(p, "Timestamp", c->ts_raw != NULL ? c->ts_raw : ts);
	params_add(p, "Topic", "orders with space*~");
	params_add(p, "Version", c->version != NULL ? c->version :
	    "2019-02-14");
	if (c->token != NULL)
		params_add(p, "SecurityToken", c->token);
	buf_init(&sts, 1 << 16);
	CU_ASSERT_EQUAL(sign_v1_string_to_sign(c->sign_method, p, &sts),
	    ERR_OK);
	CU_ASSERT_EQUAL(sign_v1_signature(c->secret, buf_cstr(&sts), sig),
	    ERR_OK);
	buf_free(&sts);
	params_add(p, "Signature", sig);
	if (c->drop != NULL)
		params_remove(p, c->drop);
	rq->method = c->send_method;
}

/* build_v3: a Content-Type to send (NULL: none), signed or not. */
static const char *v3_content_type;
static int v3_sign_content_type;

static void
build_v3(const struct auth_case *c, struct emu_request *rq,
    const char *body)
{
	struct sign_v3_input in;
	struct buf creq, sh, sts, authz;
	char nonce[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN];
	char hash[SIGN_HEX_LEN], sig[SIGN_HEX_LEN];

	sign_nonce(nonce);
	sign_timestamp(NOW_MS + c->ts_offset_s * 1000, ts);
	sign_sha256_hex(body, strlen(body), hash);
	params_add(&rq->query, "InstanceId", "MQ_INST_1_x");
	params_add(&rq->query, "Topic", "orders");
	params_add(&rq->params, "InstanceId", "MQ_INST_1_x");
	params_add(&rq->params, "Topic", "orders");
	params_add(&rq->headers, "Host", rq->host);
	params_add(&rq->headers, "x-acs-action", "OnsTopicStatus");
	params_add(&rq->headers, "x-acs-version", "2019-02-14");
	params_add(&rq->headers, "x-acs-date", ts);
	params_add(&rq->headers, "x-acs-signature-nonce", nonce);
	params_add(&rq->headers, "x-acs-content-sha256", hash);
	if (c->token != NULL)
		params_add(&rq->headers, "x-acs-security-token", c->token);
	if (v3_content_type != NULL && v3_sign_content_type)
		params_add(&rq->headers, "content-type", v3_content_type);
	buf_init(&creq, 1 << 16);
	buf_init(&sh, 1 << 16);
	buf_init(&sts, 1 << 16);
	buf_init(&authz, 1 << 16);
	in.method = c->sign_method;
	in.uri = "/";
	in.query = &rq->query;
	in.headers = &rq->headers;
	in.payload_sha256 = hash;
	CU_ASSERT_EQUAL(sign_v3_canonical_request(&in, &creq, &sh), ERR_OK);
	CU_ASSERT_EQUAL(sign_v3_string_to_sign(buf_cstr(&creq), &sts), ERR_OK);
	CU_ASSERT_EQUAL(sign_v3_signature(c->secret, buf_cstr(&sts), sig),
	    ERR_OK);
	buf_printf(&authz, "ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,"
	    "Signature=%s", c->key_id, buf_cstr(&sh), sig);
	params_add(&rq->headers, "Authorization", buf_cstr(&authz));
	params_add(&rq->headers, "User-Agent", "test"); /* not signed: fine */
	if (v3_content_type != NULL && !v3_sign_content_type)
		params_add(&rq->headers, "Content-Type", v3_content_type);
	if (c->unsigned_hdr)
		params_add(&rq->headers, "x-acs-extra", "1");
	if (c->drop != NULL)
		params_remove(&rq->headers, c->drop);
	buf_free(&creq);
	buf_free(&sh);
	buf_free(&sts);
	buf_free(&authz);
	rq->method = c->send_method;
	rq->body = c->spoil_body ? "tampered" : body;
	rq->body_len = strlen(rq->body);
}

static void
test_auth_table(void)
{
	struct emu_nonce *nc;
	struct emu_request rq;
	struct emu_reply r;
	struct emu_auth a;
	size_t i;
	int ok;

	nc = emu_nonce_new(4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct auth_case *c = &cases[i];

		req_init(&rq);
		emu_reply_init(&r, "ons.test");
		if (c->v3)
			build_v3(c, &rq, "");
		else
			build_v1(c, &rq);
		ok = emu_auth_check(st, nc, &rq, NOW_MS, &a, &r);
		if (c->replay && ok) {
			emu_reply_free(&r);
			emu_reply_init(&r, "ons.test");
			ok = emu_auth_check(st, nc, &rq, NOW_MS + 60000, &a, &r);
		}
		if (c->code == NULL) {
			if (!ok)
				fprintf(stderr, "%s: refused: %s\n", c->name,
				    buf_cstr(&r.body));
			CU_ASSERT_TRUE(ok);
			CU_ASSERT_STRING_EQUAL(a.action, "OnsTopicStatus");
			CU_ASSERT_STRING_EQUAL(a.cred->key_id, c->key_id);
			CU_ASSERT_EQUAL(a.v3, c->v3);
		} else {
			if (ok || r.code == NULL || strcmp(r.code, c->code) != 0)
				fprintf(stderr, "%s: expected %s, got %s\n",
				    c->name, c->code, ok ? "success" :
				    buf_cstr(&r.body));
			CU_ASSERT_FALSE(ok);
			CU_ASSERT_PTR_NOT_NULL(r.code);
			if (r.code != NULL) {
				CU_ASSERT_STRING_EQUAL(r.code, c->code);
			}
			CU_ASSERT_EQUAL(r.status, c->status);
			/* The service's error shape. */
			CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&r.body),
			    "{\"RequestId\":\""));
			CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&r.body),
			    "\"HostId\":\"ons.test\""));
			CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&r.body),
			    "\"Recommend\":\"https://api.aliyun.com/"));
			/* Secrets never leak into answers. */
			CU_ASSERT_PTR_NULL(strstr(buf_cstr(&r.body), "secret"));
		}
		emu_reply_free(&r);
		req_free(&rq);
	}
	emu_nonce_destroy(nc);
}

/*
 * v3 with a body: the service signs body parameters only through the
 * body hash and a signed content-type, so a body sent without signing
 * its type is refused; the SDK's shape (empty body, no type) passes.
 */
static void
test_v3_body(void)
{
	static const struct {
		const char *name;   /* what the row checks */
		const char *body;   /* request body */
		const char *ctype;  /* Content-Type, or NULL */
		int sign_ctype;     /* content-type among SignedHeaders */
		int ok;             /* expected outcome */
	} rows[] = {
		{ "SDK shape: empty body, no type", "", NULL, 0, 1 },
		{ "empty body, unsigned type", "",
		    "application/x-www-form-urlencoded", 0, 1 },
		{ "form body, type signed", "GroupId=GID_a",
		    "application/x-www-form-urlencoded", 1, 1 },
		{ "form body, type not signed", "GroupId=GID_a",
		    "application/x-www-form-urlencoded", 0, 0 },
		{ "form body, no type", "GroupId=GID_a", NULL, 0, 0 },
	};
	static const struct auth_case base = { "v3 body", 1, "LTAI5tGood",
	    "good-secret", NULL, "POST", "POST", 0, NULL, NULL, NULL, 0, 0,
	    0, NULL, 200 };
	struct emu_nonce *nc;
	struct emu_request rq;
	struct emu_reply r;
	struct emu_auth a;
	size_t i;
	int ok;

	nc = emu_nonce_new(4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		req_init(&rq);
		emu_reply_init(&r, "ons.test");
		v3_content_type = rows[i].ctype;
		v3_sign_content_type = rows[i].sign_ctype;
		build_v3(&base, &rq, rows[i].body);
		ok = emu_auth_check(st, nc, &rq, NOW_MS, &a, &r);
		if (ok != rows[i].ok)
			fprintf(stderr, "%s: expected %s, got %s\n",
			    rows[i].name, rows[i].ok ? "success" : "refusal",
			    ok ? "success" : buf_cstr(&r.body));
		CU_ASSERT_EQUAL(ok, rows[i].ok);
		if (!ok && r.code != NULL) {
			CU_ASSERT_STRING_EQUAL(r.code, "SignatureDoesNotMatch");
		}
		emu_reply_free(&r);
		req_free(&rq);
	}
	v3_content_type = NULL;
	v3_sign_content_type = 0;
	emu_nonce_destroy(nc);
}

static void
test_parse_time(void)
{
	static const struct {
		const char *in;
		int ok;
		int64_t ms;
	} rows[] = {
		{ "2026-11-26T00:00:00Z", 1, NOW_MS },
		{ "1970-01-01T00:00:00Z", 1, 0 },
		{ "2026-11-26T00:00:00", 0, 0 },
		{ "2026-11-26T00:00:00.123Z", 0, 0 },
		{ "2026-11-26 00:00:00Z", 0, 0 },
		{ "", 0, 0 },
	};
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		ms = -1;
		CU_ASSERT_EQUAL(emu_auth_parse_time(rows[i].in, &ms) == 0,
		    rows[i].ok);
		if (rows[i].ok) {
			CU_ASSERT_EQUAL(ms, rows[i].ms);
		}
	}
}

static void
test_request_id_shape(void)
{
	char a[EMU_REQUEST_ID_LEN], b[EMU_REQUEST_ID_LEN];
	size_t i;

	emu_reply_new_id(a);
	emu_reply_new_id(b);
	CU_ASSERT_EQUAL(strlen(a), 36);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			CU_ASSERT_EQUAL(a[i], '-');
		} else {
			CU_ASSERT_TRUE((a[i] >= '0' && a[i] <= '9') ||
			    (a[i] >= 'A' && a[i] <= 'F'));
		}
	}
}

static void
test_nonce_cache(void)
{
	struct emu_nonce *nc;
	char n[32];
	int i, fresh;

	nc = emu_nonce_new(16 * 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	CU_ASSERT_EQUAL(emu_nonce_use(nc, "k", "n1", 1000), 1);
	CU_ASSERT_EQUAL(emu_nonce_use(nc, "k", "n1", 2000), 0);
	/* Another key may use the same nonce. */
	CU_ASSERT_EQUAL(emu_nonce_use(nc, "k2", "n1", 2000), 1);
	/* Still used just inside 15 minutes, free again after. */
	CU_ASSERT_EQUAL(emu_nonce_use(nc, "k", "n1",
	    1000 + EMU_NONCE_WINDOW_MS - 1), 0);
	CU_ASSERT_EQUAL(emu_nonce_use(nc, "k", "n1",
	    1000 + EMU_NONCE_WINDOW_MS + 1), 1);
	/* Fill far past capacity: old entries are evicted, recent ones
	 * still remembered, and the table stays consistent. */
	for (i = 0; i < 5000; i++) {
		snprintf(n, sizeof n, "fill-%d", i);
		CU_ASSERT_EQUAL(emu_nonce_use(nc, "k", n, 5000000 + i), 1);
	}
	CU_ASSERT_TRUE(emu_nonce_evicted(nc) > 0);
	fresh = 0;
	for (i = 4990; i < 5000; i++) {
		snprintf(n, sizeof n, "fill-%d", i);
		fresh += emu_nonce_use(nc, "k", n, 5010000);
	}
	CU_ASSERT_EQUAL(fresh, 0);
	emu_nonce_destroy(nc);
}

static CU_TestInfo auth_tests[] = {
	{ "v3 body parameters must be signed", test_v3_body },
	{ "auth table", test_auth_table },
	{ "timestamp parsing", test_parse_time },
	{ "RequestId shape", test_request_id_shape },
	{ "nonce cache", test_nonce_cache },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "emu_auth", auth_setup, auth_teardown, NULL, NULL, auth_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_emu_auth", suites);
}
