/*
 * test_reply.c - reply parsing and classification: a table of (HTTP
 * status, body, Retry-After) -> (class, error, throttled, maybe_applied,
 * fields), transport failures, and the body accessors.
 */
#include <stdint.h>
#include <string.h>

#include "cu.h"
#include "reply.h"

#define ERRBODY(code) "{\"RequestId\":\"R-1\",\"HostId\":\"ons.cn-hangzhou" \
	".aliyuncs.com\",\"Code\":\"" code "\",\"Message\":\"m\"," \
	"\"Recommend\":\"https://api.aliyun.com/troubleshoot?q=" code "\"}"

static const struct {
	long status;
	const char *body;
	const char *retry_after;
	enum reply_class cls;
	err_code err;
	int throttled;
	int maybe_applied; /* with sent = 1 */
	int64_t hint_ms;
	const char *request_id;
} rows[] = {
	/* Success. */
	{ 200, "{\"RequestId\":\"D52C68F8-EC5D\"}", NULL, REPLY_OK, ERR_OK,
	  0, 0, -1, "D52C68F8-EC5D" },
	{ 200, "{\"RequestId\":\"X\",\"HelpUrl\":\"u\",\"Code\":\"200\"}",
	  NULL, REPLY_OK, ERR_OK, 0, 0, -1, "X" },
	/* A 2xx that is not a trustworthy success. */
	{ 200, "not json", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1, "" },
	{ 200, "", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1, "" },
	{ 200, "[\"RequestId\"]", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1,
	  "" },
	{ 200, "{\"Data\":{}}", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1,
	  "" },
	{ 200, "{\"RequestId\":\"\"}", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1,
	  -1, "" },
	/* reconsumeLater, wherever the service puts it. */
	{ 200, "{\"RequestId\":\"R\",\"Code\":\"reconsumeLater\"}", NULL,
	  REPLY_RECONSUME_LATER, ERR_REMOTE, 0, 0, -1, "R" },
	{ 400, "{\"RequestId\":\"R\",\"Code\":\"BIZ_X\",\"Message\":\"result"
	  ": reconsumeLater\"}", NULL, REPLY_RECONSUME_LATER, ERR_REMOTE, 0,
	  0, -1, "R" },
	{ 200, "{\"RequestId\":\"R\",\"Message\":\"reconsumeLater\"}", NULL,
	  REPLY_RECONSUME_LATER, ERR_REMOTE, 0, 0, -1, "R" },
	/* Throttling: retryable and throttled; Retry-After honoured. */
	{ 400, ERRBODY("Throttling"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 1,
	  0, -1, "R-1" },
	{ 400, ERRBODY("Throttling.User"), "2", REPLY_RETRYABLE, ERR_REMOTE,
	  1, 0, 2000, "R-1" },
	{ 400, ERRBODY("Throttling.Api"), " 1 ", REPLY_RETRYABLE, ERR_REMOTE,
	  1, 0, 1000, "R-1" },
	{ 400, ERRBODY("ONS_SYSTEM_FLOW_CONTROL"), "soon", REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, -1, "R-1" },
	{ 429, "", "3", REPLY_RETRYABLE, ERR_REMOTE, 1, 0, 3000, "" },
	/* Transient service errors. */
	{ 503, ERRBODY("ServiceUnavailable"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 500, ERRBODY("InternalError"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  0, -1, "R-1" },
	{ 500, ERRBODY("ONS_SYSTEM_ERROR"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 502, "<html>bad gateway</html>", NULL, REPLY_RETRYABLE, ERR_REMOTE,
	  0, 0, -1, "" },
	{ 504, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 0, -1, "" },
	/* A used nonce: this very request arrived before, maybe applied. */
	{ 400, ERRBODY("SignatureNonceUsed"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 1, -1, "R-1" },
	/* Fatal for the run: identity, signature, clock, permission. */
	{ 400, ERRBODY("SignatureDoesNotMatch"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 403, ERRBODY("SignatureDoesNotMatch"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 404, ERRBODY("InvalidAccessKeyId.NotFound"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidAccessKeyId.Inactive"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidSecurityToken.Expired"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidTimeStamp.Expired"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 403, ERRBODY("Forbidden.RAM"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0,
	  -1, "R-1" },
	{ 403, ERRBODY("Forbidden"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0, -1,
	  "R-1" },
	{ 403, ERRBODY("NoPermission"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0,
	  -1, "R-1" },
	{ 403, "", NULL, REPLY_FATAL, ERR_AUTH, 0, 0, -1, "" },
	{ 400, ERRBODY("InvalidAuthorization"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidSecurityToken.MismatchWithAccessKey"), NULL,
	  REPLY_FATAL, ERR_AUTH, 0, 0, -1, "R-1" },
	{ 404, ERRBODY("InvalidAction.NotFound"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidVersion"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0,
	  -1, "R-1" },
	{ 401, "{}", NULL, REPLY_FATAL, ERR_AUTH, 0, 0, -1, "" },
	/* This row failed. */
	{ 400, ERRBODY("MissingParameter"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("MissingGroupId"), NULL, REPLY_FAILED_ROW, ERR_REMOTE,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidParameter"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidParameter.ResetTimestamp"), NULL,
	  REPLY_FAILED_ROW, ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidTimestamp.OutOfRange"), NULL,
	  REPLY_FAILED_ROW, ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 404, ERRBODY("BIZ_TOPIC_NOT_FOUND"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 404, ERRBODY("BIZ_SUBSCRIPTION_NOT_FOUND"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 404, ERRBODY("INSTANCE_NOT_FOUND"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("SomethingNew"), NULL, REPLY_FAILED_ROW, ERR_REMOTE,
	  0, 0, -1, "R-1" },
	{ 200, ERRBODY("BIZ_TOPIC_NOT_FOUND"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, "oops", NULL, REPLY_FAILED_ROW, ERR_REMOTE, 0, 0, -1, "" },
	/* An unknown code with a 5xx status is still transient. */
	{ 503, ERRBODY("SomethingNew"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  0, -1, "R-1" },
};

static void
test_table(void)
{
	struct reply r;
	size_t i;
	err_code rc;

	reply_init(&r);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		rc = reply_parse(&r, rows[i].status, rows[i].body,
		    strlen(rows[i].body), rows[i].retry_after, 1);
		if (r.cls != rows[i].cls || rc != rows[i].err)
			fprintf(stderr, "row %zu: class %s err %d (%s)\n", i,
			    reply_class_name(r.cls), rc, r.detail);
		CU_ASSERT_EQUAL(r.cls, rows[i].cls);
		CU_ASSERT_EQUAL(rc, rows[i].err);
		CU_ASSERT_EQUAL(r.err, rows[i].err);
		CU_ASSERT_EQUAL(r.throttled, rows[i].throttled);
		CU_ASSERT_EQUAL(r.maybe_applied, rows[i].maybe_applied);
		CU_ASSERT_EQUAL(r.retry_after_ms, rows[i].hint_ms);
		CU_ASSERT_STRING_EQUAL(r.request_id, rows[i].request_id);
		CU_ASSERT_EQUAL(r.http_status, rows[i].status);
		if (r.cls != REPLY_OK)
			CU_ASSERT_NOT_EQUAL(r.detail[0], '\0');
	}
	reply_free(&r);
}

static void
test_fields(void)
{
	struct reply r;
	const char *b = ERRBODY("SignatureDoesNotMatch");

	reply_init(&r);
	reply_parse(&r, 400, b, strlen(b), NULL, 1);
	CU_ASSERT_STRING_EQUAL(r.code, "SignatureDoesNotMatch");
	CU_ASSERT_STRING_EQUAL(r.message, "m");
	CU_ASSERT_STRING_EQUAL(r.host_id, "ons.cn-hangzhou.aliyuncs.com");
	CU_ASSERT_STRING_EQUAL(r.recommend, "https://api.aliyun.com/"
	    "troubleshoot?q=SignatureDoesNotMatch");
	CU_ASSERT_STRING_EQUAL(r.detail, "SignatureDoesNotMatch: m");
	/* A 2xx garbled body when the request was not fully sent cannot
	 * have been applied. */
	reply_parse(&r, 200, "x", 1, NULL, 0);
	CU_ASSERT_EQUAL(r.maybe_applied, 0);
	/* Control bytes never reach a message line; long values are cut. */
	b = "{\"RequestId\":\"a\\nb\",\"Code\":\"Invalid\",\"Message\":\""
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "\"}";
	reply_parse(&r, 400, b, strlen(b), NULL, 1);
	CU_ASSERT_STRING_EQUAL(r.request_id, "a b");
	CU_ASSERT_EQUAL(strlen(r.message), REPLY_TEXT_MAX - 1);
	CU_ASSERT_EQUAL(strlen(r.detail), REPLY_TEXT_MAX - 1);
	/* The server's echo of its string to sign is dropped. */
	b = "{\"RequestId\":\"R\",\"Code\":\"SignatureDoesNotMatch\","
	    "\"Message\":\"Specified signature is not matched with our "
	    "calculation. server string to sign is:GET&%2F&AccessKeyId%3D"
	    "LTAIxyz%26SecurityToken%3Dtok\"}";
	reply_parse(&r, 400, b, strlen(b), NULL, 1);
	CU_ASSERT_STRING_EQUAL(r.message, "Specified signature is not "
	    "matched with our calculation. [server string to sign omitted]");
	CU_ASSERT_PTR_NULL(strstr(r.detail, "LTAIxyz"));
	reply_free(&r);
	reply_free(&r);
	reply_free(NULL);
}

static const struct {
	err_code code;
	int sent;
	enum reply_class cls;
	int maybe_applied;
} transport_rows[] = {
	{ ERR_NET, 0, REPLY_RETRYABLE, 0 },
	{ ERR_NET, 1, REPLY_RETRYABLE, 1 },
	{ ERR_TIMEOUT, 0, REPLY_RETRYABLE, 0 },
	{ ERR_TIMEOUT, 1, REPLY_RETRYABLE, 1 },
	{ ERR_TOOBIG, 1, REPLY_RETRYABLE, 1 },
	{ ERR_TLS, 0, REPLY_FATAL, 0 },
	{ ERR_TLS, 1, REPLY_FATAL, 0 },
	{ ERR_INTERRUPTED, 0, REPLY_FATAL, 0 },
	{ ERR_INTERRUPTED, 1, REPLY_FATAL, 1 },
	{ ERR_NOMEM, 0, REPLY_FATAL, 0 },
};

static void
test_transport(void)
{
	struct reply r;
	size_t i;

	reply_init(&r);
	for (i = 0; i < sizeof transport_rows / sizeof transport_rows[0];
	    i++) {
		CU_ASSERT_EQUAL(reply_set_transport(&r, transport_rows[i].code,
		    transport_rows[i].sent, "what"), transport_rows[i].code);
		CU_ASSERT_EQUAL(r.cls, transport_rows[i].cls);
		CU_ASSERT_EQUAL(r.maybe_applied,
		    transport_rows[i].maybe_applied);
		CU_ASSERT_EQUAL(r.http_status, 0);
		CU_ASSERT_STRING_EQUAL(r.detail, "what");
	}
	reply_free(&r);
}

static void
test_accessors(void)
{
	static const char body[] = "{\"RequestId\":\"R\",\"Data\":{"
	    "\"Perm\":6,\"LastTimeStamp\":1570864984364,\"TotalCount\":\"2310\","
	    "\"ConsumeTps\":1.5,\"Online\":true,\"Off\":\"false\","
	    "\"SubscribeInfoDo\":[{\"GroupId\":\"GID_a\"},{\"GroupId\":\"GID_b\"}]"
	    ",\"Frac\":1.5}}";
	struct reply r;
	int64_t v;
	double d;
	int b;

	reply_init(&r);
	CU_ASSERT_EQUAL(reply_parse(&r, 200, body, strlen(body), NULL, 1),
	    ERR_OK);
	CU_ASSERT_EQUAL(reply_get_int64(&r, "Data.Perm", &v), 0);
	CU_ASSERT_EQUAL(v, 6);
	CU_ASSERT_EQUAL(reply_get_int64(&r, "Data.LastTimeStamp", &v), 0);
	CU_ASSERT_EQUAL(v, INT64_C(1570864984364));
	CU_ASSERT_EQUAL(reply_get_int64(&r, "Data.TotalCount", &v), 0);
	CU_ASSERT_EQUAL(v, 2310);
	CU_ASSERT_EQUAL(reply_get_int64(&r, "Data.Frac", &v), -1);
	CU_ASSERT_EQUAL(reply_get_int64(&r, "Data.Missing", &v), -1);
	CU_ASSERT_EQUAL(reply_get_double(&r, "Data.ConsumeTps", &d), 0);
	CU_ASSERT_DOUBLE_EQUAL(d, 1.5, 1e-9);
	CU_ASSERT_EQUAL(reply_get_bool(&r, "Data.Online", &b), 0);
	CU_ASSERT_EQUAL(b, 1);
	CU_ASSERT_EQUAL(reply_get_bool(&r, "Data.Off", &b), 0);
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_EQUAL(reply_get_count(&r, "Data.SubscribeInfoDo"), 2);
	CU_ASSERT_EQUAL(reply_get_count(&r, "Data"), -1);
	CU_ASSERT_STRING_EQUAL(reply_get_string(&r,
	    "Data.SubscribeInfoDo.1.GroupId"), "GID_b");
	CU_ASSERT_PTR_NULL(reply_get_string(&r,
	    "Data.SubscribeInfoDo.2.GroupId"));
	CU_ASSERT_PTR_NULL(reply_get_string(&r, "Data..Perm"));
	CU_ASSERT_PTR_NULL(reply_get_string(&r, "Data.Perm"));
	CU_ASSERT_STRING_EQUAL(reply_get_string(&r, "RequestId"), "R");
	reply_free(&r);
	CU_ASSERT_PTR_NULL(reply_get_string(&r, "RequestId"));
}

static CU_TestInfo reply_tests[] = {
	{ "classification table", test_table },
	{ "fields and limits", test_fields },
	{ "transport failures", test_transport },
	{ "body accessors", test_accessors },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "reply", NULL, NULL, NULL, NULL, reply_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_reply", suites);
}
