/*
 * test_reply.c - reply parsing and classification: a table of (HTTP
 * status, body, throttle hints) -> (class, error, throttled,
 * maybe_applied, fields) with a row for every rule of reply.c's table,
 * hint parsing, RAM denial details, transport failures, and the body
 * accessors.
 */
#include <stdint.h>
#include <string.h>

#include "cu.h"
#include "reply.h"

#define ERRBODY(code) "{\"RequestId\":\"R-1\",\"HostId\":\"ons.cn-hangzhou" \
	".aliyuncs.com\",\"Code\":\"" code "\",\"Message\":\"m\"," \
	"\"Recommend\":\"https://api.aliyun.com/troubleshoot?q=" code "\"}"

/* Throttle hint headers used by the table. */
static const struct reply_hints ra_2 = { .retry_after = "2" };
static const struct reply_hints ra_1sp = { .retry_after = " 1 " };
static const struct reply_hints ra_soon = { .retry_after = "soon" };
static const struct reply_hints ra_3 = { .retry_after = "3" };
static const struct reply_hints acs_1500 = { .acs_retry_after = "1500" };
static const struct reply_hints rl_api = {
	.ratelimit_user_api = "Limit:10,Remain:0,TimeLeft:700,Reset:1"
};
static const struct reply_hints rl_user = {
	.ratelimit_user = "TimeLeft:250"
};

/*
 * One row per rule of reply.c's table (Code rules and status rules),
 * plus the rules outside it (success, reconsumeLater, hints).  The
 * maybe_applied column is for sent = 1.
 */
static const struct {
	long status;
	const char *body;
	const struct reply_hints *hints;
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
	{ 200, "{\"RequestId\":\"X\",\"Code\":\"Success\"}", NULL, REPLY_OK,
	  ERR_OK, 0, 0, -1, "X" },
	/* A hint on a success is kept but is no throttling. */
	{ 200, "{\"RequestId\":\"X\"}", &acs_1500, REPLY_OK, ERR_OK, 0, 0,
	  1500, "X" },
	/* A 2xx that is not the API's JSON: may have been applied. */
	{ 200, "not json", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1, "" },
	{ 200, "", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1, "" },
	{ 200, "[\"RequestId\"]", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1,
	  "" },
	{ 200, "{\"Data\":{}}", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1,
	  "" },
	{ 200, "{\"RequestId\":\"\"}", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1,
	  -1, "" },
	{ 204, "", NULL, REPLY_RETRYABLE, ERR_PROTO, 0, 1, -1, "" },
	/* ...an unknown error Code in the API's JSON: a row failure. */
	{ 200, ERRBODY("SomethingNew"), NULL, REPLY_FAILED_ROW, ERR_REMOTE,
	  0, 0, -1, "R-1" },
	/* A redirect (never followed). */
	{ 302, "", NULL, REPLY_FAILED_ROW, ERR_REMOTE, 0, 0, -1, "" },
	/* reconsumeLater, wherever the service puts it. */
	{ 200, "{\"RequestId\":\"R\",\"Code\":\"reconsumeLater\"}", NULL,
	  REPLY_RECONSUME_LATER, ERR_REMOTE, 0, 0, -1, "R" },
	{ 400, "{\"RequestId\":\"R\",\"Code\":\"BIZ_X\",\"Message\":\"result"
	  ": reconsumeLater\"}", NULL, REPLY_RECONSUME_LATER, ERR_REMOTE, 0,
	  0, -1, "R" },
	{ 200, "{\"RequestId\":\"R\",\"Message\":\"reconsumeLater\"}", NULL,
	  REPLY_RECONSUME_LATER, ERR_REMOTE, 0, 0, -1, "R" },
	/* Throttling: not applied, retryable and throttled. */
	{ 400, ERRBODY("Throttling"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 1,
	  0, -1, "R-1" },
	{ 400, ERRBODY("Throttling.User"), &ra_2, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, 2000, "R-1" },
	{ 400, ERRBODY("Throttling.Api"), &ra_1sp, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, 1000, "R-1" },
	{ 400, ERRBODY("ONS_SYSTEM_FLOW_CONTROL"), &ra_soon, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, -1, "R-1" },
	{ 429, "", &ra_3, REPLY_RETRYABLE, ERR_REMOTE, 1, 0, 3000, "" },
	/* Not processed: 503 from the service, and 408. */
	{ 503, ERRBODY("ServiceUnavailable"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 503, ERRBODY("ServiceUnavailable.Busy"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 503, "{\"RequestId\":\"R-1\"}", NULL, REPLY_RETRYABLE, ERR_REMOTE,
	  0, 0, -1, "R-1" },
	{ 503, ERRBODY("SomethingNew"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  0, -1, "R-1" },
	{ 408, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 0, -1, "" },
	/* May have been applied: 5xx other than the service's 503, and the
	 * backend failure codes, whatever the status. */
	{ 500, ERRBODY("InternalError"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  1, -1, "R-1" },
	{ 500, ERRBODY("InternalError.Backend"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 1, -1, "R-1" },
	{ 500, ERRBODY("UnknownError"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  1, -1, "R-1" },
	{ 500, ERRBODY("ONS_SYSTEM_ERROR"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 1, -1, "R-1" },
	{ 200, ERRBODY("ONS_INVOKE_ERROR"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 1, -1, "R-1" },
	{ 503, ERRBODY("InternalError"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  1, -1, "R-1" },
	{ 500, "{\"RequestId\":\"R-1\"}", NULL, REPLY_RETRYABLE, ERR_REMOTE,
	  0, 1, -1, "R-1" },
	{ 500, ERRBODY("SomethingNew"), NULL, REPLY_RETRYABLE, ERR_REMOTE, 0,
	  1, -1, "R-1" },
	{ 502, "<html>bad gateway</html>", NULL, REPLY_RETRYABLE, ERR_REMOTE,
	  0, 1, -1, "" },
	{ 504, "<html><body>504 Gateway Time-out</body></html>", NULL,
	  REPLY_RETRYABLE, ERR_REMOTE, 0, 1, -1, "" },
	{ 504, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 1, -1, "" },
	{ 599, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 1, -1, "" },
	/* A proxy's 503 page: some proxies answer 503 for a request the
	 * backend received and dropped. */
	{ 503, "<html>Service Unavailable</html>", NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 1, -1, "" },
	/* No status we can place. */
	{ 0, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 1, -1, "" },
	{ 101, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 1, -1, "" },
	{ 600, "", NULL, REPLY_RETRYABLE, ERR_REMOTE, 0, 1, -1, "" },
	/* A used nonce: this very request arrived before, maybe applied. */
	{ 400, ERRBODY("SignatureNonceUsed"), NULL, REPLY_RETRYABLE,
	  ERR_REMOTE, 0, 1, -1, "R-1" },
	/* Throttle hints on any 4xx/5xx: throttled; the gateway's own
	 * hints also mean "not processed". */
	{ 400, ERRBODY("SomethingNew"), &acs_1500, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, 1500, "R-1" },
	{ 500, ERRBODY("InternalError"), &acs_1500, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, 1500, "R-1" },
	{ 403, ERRBODY("Forbidden"), &rl_api, REPLY_RETRYABLE, ERR_REMOTE, 1,
	  0, 700, "R-1" },
	{ 404, ERRBODY("BIZ_TOPIC_NOT_FOUND"), &rl_user, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, 250, "R-1" },
	{ 400, ERRBODY("InvalidParameter"), &ra_2, REPLY_RETRYABLE,
	  ERR_REMOTE, 1, 0, 2000, "R-1" },
	/* ...a bare Retry-After does not clear "may have been applied". */
	{ 504, "<html>gateway</html>", &ra_2, REPLY_RETRYABLE, ERR_REMOTE, 1,
	  1, 2000, "" },
	{ 500, ERRBODY("InternalError"), &ra_2, REPLY_RETRYABLE, ERR_REMOTE,
	  1, 1, 2000, "R-1" },
	/* Fatal for the run: identity, signature, clock. */
	{ 400, ERRBODY("SignatureDoesNotMatch"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 403, ERRBODY("SignatureDoesNotMatch"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("IncompleteSignature"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 404, ERRBODY("InvalidAccessKeyId.NotFound"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidAccessKeyId.Inactive"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidSecurityToken.Expired"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidSecurityToken.MismatchWithAccessKey"), NULL,
	  REPLY_FATAL, ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidSignatureMethod"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidAuthorization"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("UnsupportedSignatureVersion"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidTimeStamp.Expired"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	/* ...permission. */
	{ 403, ERRBODY("Forbidden.RAM"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0,
	  -1, "R-1" },
	{ 403, ERRBODY("Forbidden"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0, -1,
	  "R-1" },
	{ 403, ERRBODY("NoPermission"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0,
	  -1, "R-1" },
	{ 400, ERRBODY("InvalidApi.NotPurchase"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	/* ...our request's shape, the endpoint. */
	{ 404, ERRBODY("InvalidAction.NotFound"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("InvalidVersion"), NULL, REPLY_FATAL, ERR_AUTH, 0, 0,
	  -1, "R-1" },
	{ 404, ERRBODY("BIZ_REGION_NOT_FOUND"), NULL, REPLY_FATAL, ERR_AUTH,
	  0, 0, -1, "R-1" },
	{ 400, ERRBODY("ONS_SERVICE_UNSUPPORTED"), NULL, REPLY_FATAL,
	  ERR_AUTH, 0, 0, -1, "R-1" },
	/* ...401/403 without a known Code. */
	{ 401, "{}", NULL, REPLY_FATAL, ERR_AUTH, 0, 0, -1, "" },
	{ 403, "", NULL, REPLY_FATAL, ERR_AUTH, 0, 0, -1, "" },
	/* The instance failed: every row of it. */
	{ 404, ERRBODY("INSTANCE_NOT_FOUND"), NULL, REPLY_FAILED_INSTANCE,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 403, ERRBODY("AUTH_RESOURCE_OWNER_ERROR"), NULL,
	  REPLY_FAILED_INSTANCE, ERR_REMOTE, 0, 0, -1, "R-1" },
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
	{ 400, ERRBODY("BIZ_FIELD_CHECK_INVALID"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, ERRBODY("SomethingNew"), NULL, REPLY_FAILED_ROW, ERR_REMOTE,
	  0, 0, -1, "R-1" },
	{ 200, ERRBODY("BIZ_TOPIC_NOT_FOUND"), NULL, REPLY_FAILED_ROW,
	  ERR_REMOTE, 0, 0, -1, "R-1" },
	{ 400, "oops", NULL, REPLY_FAILED_ROW, ERR_REMOTE, 0, 0, -1, "" },
	{ 404, "<html>not found</html>", NULL, REPLY_FAILED_ROW, ERR_REMOTE,
	  0, 0, -1, "" },
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
		    strlen(rows[i].body), rows[i].hints, 1);
		if (r.cls != rows[i].cls || rc != rows[i].err ||
		    r.maybe_applied != rows[i].maybe_applied ||
		    r.throttled != rows[i].throttled)
			fprintf(stderr, "row %zu: class %s err %d maybe %d "
			    "throttled %d (%s)\n", i, reply_class_name(r.cls),
			    rc, r.maybe_applied, r.throttled, r.detail);
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
		/* Not sent completely: never maybe applied. */
		reply_parse(&r, rows[i].status, rows[i].body,
		    strlen(rows[i].body), rows[i].hints, 0);
		CU_ASSERT_EQUAL(r.maybe_applied, 0);
		CU_ASSERT_EQUAL(r.cls, rows[i].cls);
	}
	reply_free(&r);
}

/* Every Code rule of reply.c's table is exercised by a row above: a new
 * rule without a test fails here. */
static void
test_every_rule_tested(void)
{
	const char *pat, *code;
	size_t i, k;
	int prefix, seen;
	char want[REPLY_ID_MAX + 16];

	for (i = 0; (pat = reply_rule_code(i, &prefix)) != NULL; i++) {
		seen = 0;
		for (k = 0; !seen && k < sizeof rows / sizeof rows[0]; k++) {
			snprintf(want, sizeof want, "\"Code\":\"%s", pat);
			code = strstr(rows[k].body, want);
			if (code == NULL)
				continue;
			code += strlen(want);
			/* The row's Code must be the pattern itself (exact)
			 * or start with it (prefix); that the row lands on
			 * this rule's class is what test_table checks. */
			seen = prefix ? 1 : *code == '"';
		}
		if (!seen)
			fprintf(stderr, "rule '%s' has no test row\n", pat);
		CU_ASSERT(seen);
	}
	CU_ASSERT(i > 20);
}

/* What an error points at (for advice). */
static const struct {
	long status;
	const char *code;
	enum reply_cause cause;
} cause_rows[] = {
	{ 400, "SignatureDoesNotMatch", REPLY_CAUSE_CREDENTIALS },
	{ 400, "InvalidAccessKeyId.NotFound", REPLY_CAUSE_CREDENTIALS },
	{ 400, "InvalidSecurityToken.Expired", REPLY_CAUSE_CREDENTIALS },
	{ 400, "InvalidTimeStamp.Expired", REPLY_CAUSE_CLOCK },
	{ 403, "Forbidden.RAM", REPLY_CAUSE_PERMISSION },
	{ 403, "NoPermission", REPLY_CAUSE_PERMISSION },
	{ 403, "", REPLY_CAUSE_PERMISSION },
	{ 401, "", REPLY_CAUSE_CREDENTIALS },
	{ 404, "BIZ_REGION_NOT_FOUND", REPLY_CAUSE_ENDPOINT },
	{ 400, "ONS_SERVICE_UNSUPPORTED", REPLY_CAUSE_ENDPOINT },
	{ 404, "INSTANCE_NOT_FOUND", REPLY_CAUSE_INSTANCE },
	{ 403, "AUTH_RESOURCE_OWNER_ERROR", REPLY_CAUSE_INSTANCE },
	{ 400, "InvalidVersion", REPLY_CAUSE_REQUEST },
	{ 400, "InvalidParameter", REPLY_CAUSE_NONE },
	{ 500, "InternalError", REPLY_CAUSE_SERVICE },
};

static void
test_cause(void)
{
	struct reply_verdict v;
	size_t i;

	for (i = 0; i < sizeof cause_rows / sizeof cause_rows[0]; i++) {
		v = reply_classify(cause_rows[i].status, cause_rows[i].code,
		    NULL, 1);
		if (v.cause != cause_rows[i].cause)
			fprintf(stderr, "cause row %zu: %d\n", i, (int)v.cause);
		CU_ASSERT_EQUAL(v.cause, cause_rows[i].cause);
	}
	CU_ASSERT_EQUAL(reply_classify(500, NULL, NULL, 0).maybe_applied, 1);
}

/* Throttle hint values: valid, capped, garbage. */
static const struct {
	struct reply_hints h;
	int64_t ms;   /* reply_hint_ms() */
	int gateway;  /* a gateway header gave a valid hint */
} hint_rows[] = {
	{ { NULL, NULL, NULL, NULL }, -1, 0 },
	{ { "", "", "", "" }, -1, 0 },
	{ { "1500", NULL, NULL, NULL }, 1500, 1 },
	{ { " 0 ", NULL, NULL, NULL }, 0, 1 },
	{ { "1500ms", NULL, NULL, NULL }, -1, 0 },
	{ { "-5", NULL, NULL, NULL }, -1, 0 },
	{ { "1.5", NULL, NULL, NULL }, -1, 0 },
	{ { "+7", NULL, NULL, NULL }, -1, 0 },
	{ { "999999999999999999999999", NULL, NULL, NULL },
	  REPLY_HINT_MAX_MS, 1 },
	{ { "600001", NULL, NULL, NULL }, REPLY_HINT_MAX_MS, 1 },
	{ { NULL, "TimeLeft:700", NULL, NULL }, 700, 1 },
	{ { NULL, "Limit:10;Remain:0;TimeLeft: 80 ; x", NULL, NULL }, 80,
	  1 },
	{ { NULL, "timeleft:42", NULL, NULL }, 42, 1 },
	{ { NULL, "TimeLeftX:42", NULL, NULL }, -1, 0 },
	{ { NULL, "TimeLeft:", NULL, NULL }, -1, 0 },
	{ { NULL, "TimeLeft", NULL, NULL }, -1, 0 },
	{ { NULL, "TimeLeft:abc,TimeLeft:9", NULL, NULL }, 9, 1 },
	{ { NULL, ",,;;", NULL, NULL }, -1, 0 },
	{ { NULL, NULL, "TimeLeft:250", NULL }, 250, 1 },
	{ { NULL, NULL, "Remain:3", NULL }, -1, 0 },
	{ { NULL, NULL, NULL, "2" }, 2000, 0 },
	{ { NULL, NULL, NULL, "Wed, 21 Oct 2015 07:28:00 GMT" }, -1, 0 },
	{ { NULL, NULL, NULL, "86400" }, REPLY_HINT_MAX_MS, 0 },
	{ { NULL, NULL, NULL, "600" }, REPLY_HINT_MAX_MS, 0 },
	{ { NULL, NULL, NULL, "599" }, 599000, 0 },
	/* The largest valid one wins. */
	{ { "1500", "TimeLeft:700", "TimeLeft:3000", "2" }, 3000, 1 },
	{ { "10", NULL, NULL, "1" }, 1000, 1 },
	{ { "junk", NULL, NULL, "1" }, 1000, 0 },
};

static void
test_hints(void)
{
	size_t i;
	int64_t ms;
	int gw;

	for (i = 0; i < sizeof hint_rows / sizeof hint_rows[0]; i++) {
		gw = -1;
		ms = reply_hint_ms(&hint_rows[i].h, &gw);
		if (ms != hint_rows[i].ms || gw != hint_rows[i].gateway)
			fprintf(stderr, "hint row %zu: %lld gateway %d\n", i,
			    (long long)ms, gw);
		CU_ASSERT_EQUAL(ms, hint_rows[i].ms);
		CU_ASSERT_EQUAL(gw, hint_rows[i].gateway);
	}
	CU_ASSERT_EQUAL(reply_hint_ms(NULL, NULL), -1);
}

/* A RAM denial's AccessDeniedDetail reaches the detail line, compact. */
static void
test_denial(void)
{
	static const char body[] = "{\"RequestId\":\"R-9\",\"Code\":"
	    "\"Forbidden.RAM\",\"Message\":\"User not authorized to operate "
	    "on the specified resource.\",\"AccessDeniedDetail\":{"
	    "\"PolicyType\":\"AccountLevelIdentityBasedPolicy\","
	    "\"AuthPrincipalOwnerId\":\"1234567890123456\","
	    "\"EncodedDiagnosticMessage\":\"AQEAAAAAZ0123456789abcdefghij"
	    "klmnopqrstuvwxyz\",\"AuthPrincipalType\":\"SubUser\","
	    "\"AuthPrincipalDisplayName\":\"ops-bot\","
	    "\"NoPermissionType\":\"ImplicitDeny\","
	    "\"AuthAction\":\"mq:ResetConsumerOffset\"}}";
	struct reply r;
	char big[3 * REPLY_TEXT_MAX];
	int n;

	reply_init(&r);
	CU_ASSERT_EQUAL(reply_parse(&r, 403, body, strlen(body), NULL, 1),
	    ERR_AUTH);
	CU_ASSERT_EQUAL(r.cls, REPLY_FATAL);
	CU_ASSERT_EQUAL(r.cause, REPLY_CAUSE_PERMISSION);
	CU_ASSERT_STRING_EQUAL(r.detail, "Forbidden.RAM: User not "
	    "authorized to operate on the specified resource. [RAM: action "
	    "mq:ResetConsumerOffset, principal ops-bot, policy type "
	    "AccountLevelIdentityBasedPolicy, no-permission type "
	    "ImplicitDeny, diagnostic AQEAAAAAZ0123456789abcde...]");
	/* A Message that fills the line is cut; the denial stays whole. */
	n = snprintf(big, sizeof big, "{\"RequestId\":\"R\",\"Code\":"
	    "\"NoPermission\",\"Message\":\"%0*d\",\"AccessDeniedDetail\":{"
	    "\"AuthAction\":\"mq:ResetConsumerOffset\"}}", 2000, 0);
	CU_ASSERT(n > 0 && (size_t)n < sizeof big);
	reply_parse(&r, 403, big, strlen(big), NULL, 1);
	CU_ASSERT_EQUAL(strlen(r.detail), REPLY_TEXT_MAX - 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.detail,
	    " [RAM: action mq:ResetConsumerOffset]"));
	/* No detail object, or an empty one: nothing added. */
	snprintf(big, sizeof big, "{\"RequestId\":\"R\",\"Code\":"
	    "\"Forbidden\",\"Message\":\"m\",\"AccessDeniedDetail\":{}}");
	reply_parse(&r, 403, big, strlen(big), NULL, 1);
	CU_ASSERT_STRING_EQUAL(r.detail, "Forbidden: m");
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
	{ ERR_RESOLVE, 0, REPLY_FATAL, 0 },
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
	{ "every table rule tested", test_every_rule_tested },
	{ "causes", test_cause },
	{ "throttle hints", test_hints },
	{ "RAM denial detail", test_denial },
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
