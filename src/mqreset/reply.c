/*
 * reply.c - parse an API reply (cJSON stays in here) and classify it.
 * See include/mqreset/reply.h for the classes and the contract.
 *
 * Design: one table, reply_rules[], decides every reply that is not a
 * success.  Rows are tried in order and the first that matches wins:
 * first the rows with a Code (exact, or a prefix), then the rows by HTTP
 * status (a range, and whether the body was the API's JSON: an object
 * with a RequestId).  Each row gives the class, the project error, the
 * maybe-applied and throttled flags and the cause, so `run`, `reset` and
 * the man page's table all read one thing.  Two rules stand outside the
 * table because they are not about one Code or status: reconsumeLater may
 * hide in the Message, and a throttle hint header overrides the row (see
 * reply_parse()).  The codes, their statuses and what each says about
 * whether the reset was applied: mqreset-protocol(7), ERROR CODES,
 * RETRIES and THROTTLE HINTS (a 5xx other than 503 may come after the
 * backend applied the reset).
 */
#include "reply.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

struct reply_body {
	cJSON *root; /* the top-level JSON object */
};

/* How a row matches a reply. */
enum reply_match {
	REPLY_EXACT,  /* the whole Code */
	REPLY_PREFIX, /* Code starts with the pattern */
	REPLY_STATUS  /* no Code rule matched: status in [lo, hi] */
};

/* Which bodies a status row accepts. */
enum reply_bodykind {
	REPLY_BODY_ANY = 0, /* any body */
	REPLY_BODY_API,     /* the API's JSON (an object with a RequestId) */
	REPLY_BODY_OTHER    /* anything else (HTML, empty, no RequestId) */
};

/* Row flags. */
#define REPLY_F_MAYBE 1u     /* the service may have applied it */
#define REPLY_F_THROTTLE 2u  /* a throttling reply */

static const struct reply_rule {
	const char *code;          /* Code or prefix (REPLY_STATUS: NULL) */
	enum reply_match match;    /* how it matches */
	long lo, hi;               /* REPLY_STATUS: the status range */
	enum reply_bodykind body;  /* REPLY_STATUS: which bodies */
	enum reply_class cls;      /* the class it means */
	err_code err;              /* the project error behind it */
	unsigned flags;            /* REPLY_F_* */
	enum reply_cause cause;    /* what it points at */
} reply_rules[] = {
#define CODE(c, m, cls, err, fl, cause) \
	{ c, m, 0, 0, REPLY_BODY_ANY, cls, err, fl, cause }
#define STATUS(lo, hi, b, cls, err, fl, cause) \
	{ NULL, REPLY_STATUS, lo, hi, b, cls, err, fl, cause }
	/* Throttling: not processed; slow down and retry. */
	CODE("Throttling", REPLY_EXACT, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_THROTTLE, REPLY_CAUSE_SERVICE),
	CODE("Throttling.", REPLY_PREFIX, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_THROTTLE, REPLY_CAUSE_SERVICE),
	CODE("ONS_SYSTEM_FLOW_CONTROL", REPLY_EXACT, REPLY_RETRYABLE,
	    ERR_REMOTE, REPLY_F_THROTTLE, REPLY_CAUSE_SERVICE),
	/* Unavailable: the service says it did not process the request. */
	CODE("ServiceUnavailable", REPLY_PREFIX, REPLY_RETRYABLE, ERR_REMOTE,
	    0, REPLY_CAUSE_SERVICE),
	/* Failures that can come after the backend acted (the gateway or
	 * the backend failed while or after applying it): retried only
	 * where a repeat is harmless (type 1). */
	CODE("InternalError", REPLY_PREFIX, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_MAYBE, REPLY_CAUSE_SERVICE),
	CODE("UnknownError", REPLY_EXACT, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_MAYBE, REPLY_CAUSE_SERVICE),
	CODE("ONS_SYSTEM_ERROR", REPLY_EXACT, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_MAYBE, REPLY_CAUSE_SERVICE),
	CODE("ONS_INVOKE_ERROR", REPLY_EXACT, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_MAYBE, REPLY_CAUSE_SERVICE),
	/* Every attempt signs a fresh random nonce, so a used one means
	 * this very request reached the service before: libcurl re-sends a
	 * request once by itself when a reused keep-alive connection dies,
	 * and a proxy may do the same.  The copy was refused; the first
	 * transmission may have been applied.  A new attempt has a new
	 * nonce, so it is retryable where a repeat is harmless. */
	CODE("SignatureNonceUsed", REPLY_EXACT, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_MAYBE, REPLY_CAUSE_NONE),
	/* Identity, signature, clock: nothing will succeed; stop the run. */
	CODE("SignatureDoesNotMatch", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	CODE("IncompleteSignature", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	CODE("InvalidAccessKeyId", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	CODE("InvalidSecurityToken", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	CODE("InvalidSignatureMethod", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	CODE("InvalidAuthorization", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	CODE("UnsupportedSignatureVersion", REPLY_EXACT, REPLY_FATAL,
	    ERR_AUTH, 0, REPLY_CAUSE_CREDENTIALS),
	CODE("InvalidTimeStamp.", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CLOCK),
	/* Permission: RAM or the account; the same for every row. */
	CODE("Forbidden", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_PERMISSION),
	CODE("NoPermission", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_PERMISSION),
	CODE("InvalidApi.NotPurchase", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_PERMISSION),
	/* Our request shape is wrong for every row: stop, do not fail the
	 * whole plan row by row. */
	CODE("InvalidVersion", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_REQUEST),
	CODE("InvalidAction", REPLY_PREFIX, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_REQUEST),
	/* The endpoint serves another region, or not this service. */
	CODE("BIZ_REGION_NOT_FOUND", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_ENDPOINT),
	CODE("ONS_SERVICE_UNSUPPORTED", REPLY_EXACT, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_ENDPOINT),
	/* The instance is unknown, or not this account's ("no permission,
	 * or the resource does not exist"): its other rows would fail the
	 * same way. */
	CODE("INSTANCE_NOT_FOUND", REPLY_EXACT, REPLY_FAILED_INSTANCE,
	    ERR_REMOTE, 0, REPLY_CAUSE_INSTANCE),
	CODE("AUTH_RESOURCE_OWNER_ERROR", REPLY_EXACT, REPLY_FAILED_INSTANCE,
	    ERR_REMOTE, 0, REPLY_CAUSE_INSTANCE),
	/* This row is wrong: parameters, its group or topic, range. */
	CODE("Missing", REPLY_PREFIX, REPLY_FAILED_ROW, ERR_REMOTE, 0,
	    REPLY_CAUSE_NONE),
	CODE("Invalid", REPLY_PREFIX, REPLY_FAILED_ROW, ERR_REMOTE, 0,
	    REPLY_CAUSE_NONE),
	CODE("BIZ_", REPLY_PREFIX, REPLY_FAILED_ROW, ERR_REMOTE, 0,
	    REPLY_CAUSE_NONE),
	/* An unknown or absent Code: the status decides. */
	STATUS(429, 429, REPLY_BODY_ANY, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_THROTTLE, REPLY_CAUSE_SERVICE),
	/* The server gave up waiting for our request: not processed. */
	STATUS(408, 408, REPLY_BODY_ANY, REPLY_RETRYABLE, ERR_REMOTE, 0,
	    REPLY_CAUSE_NONE),
	/* 503 from the service itself: not processed.  A 503 page from a
	 * proxy is another matter: some proxies answer 503 when the
	 * backend dropped a request it had received. */
	STATUS(503, 503, REPLY_BODY_API, REPLY_RETRYABLE, ERR_REMOTE, 0,
	    REPLY_CAUSE_SERVICE),
	STATUS(500, 599, REPLY_BODY_ANY, REPLY_RETRYABLE, ERR_REMOTE,
	    REPLY_F_MAYBE, REPLY_CAUSE_SERVICE),
	STATUS(401, 401, REPLY_BODY_ANY, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_CREDENTIALS),
	STATUS(403, 403, REPLY_BODY_ANY, REPLY_FATAL, ERR_AUTH, 0,
	    REPLY_CAUSE_PERMISSION),
	STATUS(400, 499, REPLY_BODY_ANY, REPLY_FAILED_ROW, ERR_REMOTE, 0,
	    REPLY_CAUSE_NONE),
	/* A 2xx that is not a trustworthy success: garbled (the service
	 * may have applied it), or with an error Code we cannot place (do
	 * not hammer the service). */
	STATUS(200, 299, REPLY_BODY_OTHER, REPLY_RETRYABLE, ERR_PROTO,
	    REPLY_F_MAYBE, REPLY_CAUSE_NONE),
	STATUS(200, 399, REPLY_BODY_ANY, REPLY_FAILED_ROW, ERR_REMOTE, 0,
	    REPLY_CAUSE_NONE),
	/* Anything else (no status, 1xx, beyond 599) is an answer we cannot
	 * read after the request went out. */
	STATUS(LONG_MIN, LONG_MAX, REPLY_BODY_ANY, REPLY_RETRYABLE,
	    ERR_REMOTE, REPLY_F_MAYBE, REPLY_CAUSE_NONE),
#undef CODE
#undef STATUS
};

#define REPLY_NRULES (sizeof reply_rules / sizeof reply_rules[0])

void
reply_init(struct reply *r)
{
	memset(r, 0, sizeof *r);
	r->cls = REPLY_OK;
	r->err = ERR_OK;
	r->retry_after_ms = -1;
	r->body = NULL;
}

void
reply_free(struct reply *r)
{
	if (r == NULL)
		return;
	if (r->body != NULL) {
		cJSON_Delete(r->body->root);
		free(r->body);
	}
	reply_init(r);
}

/* Case-insensitive substring search. */
static int
reply_contains_ci(const char *hay, const char *needle)
{
	size_t n;

	n = strlen(needle);
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Does row `u` match this reply? */
static int
reply_rule_matches(const struct reply_rule *u, long status, const char *code,
    int api_body)
{
	switch (u->match) {
	case REPLY_EXACT:
		return strcmp(code, u->code) == 0;
	case REPLY_PREFIX:
		return strncmp(code, u->code, strlen(u->code)) == 0;
	case REPLY_STATUS:
		if (status < u->lo || status > u->hi)
			return 0;
		switch (u->body) {
		case REPLY_BODY_ANY:
			return 1;
		case REPLY_BODY_API:
			return api_body;
		case REPLY_BODY_OTHER:
			return !api_body;
		}
		return 0;
	}
	return 0;
}

struct reply_verdict
reply_classify(long status, const char *code, const char *message,
    int api_body)
{
	struct reply_verdict v;
	const struct reply_rule *u;
	size_t i;

	if (code == NULL)
		code = "";
	v.cls = REPLY_RECONSUME_LATER;
	v.err = ERR_REMOTE;
	v.throttled = 0;
	v.maybe_applied = 0;
	v.cause = REPLY_CAUSE_NONE;
	if (reply_contains_ci(code, "reconsumeLater") ||
	    (message != NULL && reply_contains_ci(message, "reconsumeLater")))
		return v;
	for (i = 0; i < REPLY_NRULES; i++) {
		u = &reply_rules[i];
		if (u->match != REPLY_STATUS && code[0] == '\0')
			continue;
		if (!reply_rule_matches(u, status, code, api_body))
			continue;
		v.cls = u->cls;
		v.err = u->err;
		v.throttled = (u->flags & REPLY_F_THROTTLE) != 0;
		v.maybe_applied = (u->flags & REPLY_F_MAYBE) != 0;
		v.cause = u->cause;
		return v;
	}
	/* Not reached: the last row matches every status. */
	v.cls = REPLY_RETRYABLE;
	v.maybe_applied = 1;
	return v;
}

const char *
reply_rule_code(size_t i, int *prefix)
{
	size_t k;

	for (k = 0; k < REPLY_NRULES; k++) {
		if (reply_rules[k].match == REPLY_STATUS)
			continue;
		if (i-- > 0)
			continue;
		if (prefix != NULL)
			*prefix = reply_rules[k].match == REPLY_PREFIX;
		return reply_rules[k].code;
	}
	return NULL;
}

const char *
reply_class_name(enum reply_class c)
{
	switch (c) {
	case REPLY_OK:              return "ok";
	case REPLY_RETRYABLE:       return "retryable";
	case REPLY_FATAL:           return "fatal";
	case REPLY_FAILED_ROW:      return "failed-row";
	case REPLY_RECONSUME_LATER: return "reconsume-later";
	case REPLY_FAILED_INSTANCE: return "failed-instance";
	}
	return "unknown";
}

/* Copy src into dst[size] (cut, always terminated; control bytes as
 * spaces so one value cannot break a report or message line). */
static void
reply_copy(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[i] = '\0';
}

/* The top-level field as text: strings as is, numbers printed. */
static void
reply_copy_field(const cJSON *root, const char *name, char *dst,
    size_t size)
{
	const cJSON *it;
	char num[32];

	dst[0] = '\0';
	it = cJSON_GetObjectItemCaseSensitive(root, name);
	if (cJSON_IsString(it)) {
		reply_copy(dst, size, it->valuestring);
	} else if (cJSON_IsNumber(it)) {
		snprintf(num, sizeof num, "%.17g", it->valuedouble);
		reply_copy(dst, size, num);
	}
}

/*
 * Drop the server's echo of its string to sign from a Message
 * ("Specified signature is not matched with our calculation. server
 * string to sign is:GET&%2F&AccessKeyId%3D..."): it holds the AccessKeyId
 * and, percent-encoded, the SecurityToken, which must not reach reports
 * or messages.  --debug shows the reply body with those masked.
 */
static void
reply_cut_echo(char *msg, size_t size)
{
	static const char note[] = " [server string to sign omitted]";
	const char *p;
	size_t at;

	for (p = msg; *p != '\0'; p++)
		if (strncasecmp(p, "string to sign", 14) == 0)
			break;
	if (*p == '\0')
		return;
	at = (size_t)(p - msg);
	/* Cut "server " too, and the separators before it. */
	if (at >= 7 && strncasecmp(p - 7, "server ", 7) == 0)
		at -= 7;
	while (at > 0 && (msg[at - 1] == ' ' || msg[at - 1] == '.'))
		at--;
	if (at > 0)
		msg[at++] = '.';
	msg[at] = '\0';
	if (at + sizeof note <= size)
		memcpy(msg + at, note, sizeof note);
}

/* printf into r->detail, cut to fit (truncation is intended). */
static void
reply_detailf(struct reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_detailf(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
}

/*
 * The span [p, end) as a non-negative decimal integer between optional
 * blanks, saturated at `cap`; -1 for anything else (empty, a sign, a
 * fraction, an HTTP date, trailing text).
 */
static int64_t
reply_span_int(const char *p, const char *end, int64_t cap)
{
	int64_t v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (p == end)
		return -1;
	v = 0;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		if (v < cap)
			v = v * 10 + (*p - '0');
	}
	return v < cap ? v : cap;
}

/* A whole header value as an integer (see reply_span_int). */
static int64_t
reply_value_int(const char *v, int64_t cap)
{
	return v == NULL ? -1 : reply_span_int(v, v + strlen(v), cap);
}

/*
 * x-ratelimit-user-api / x-ratelimit-user: fields separated by ',' or
 * ';', one of them "TimeLeft:<ms>" (name case-insensitive); -1 when no
 * such field holds a valid number.
 */
static int64_t
reply_time_left(const char *v, int64_t cap)
{
	static const char name[] = "TimeLeft";
	const char *f, *end, *colon;
	int64_t best, x;

	best = -1;
	for (f = v; f != NULL && *f != '\0'; f = *end != '\0' ? end + 1 :
	    end) {
		end = f + strcspn(f, ",;");
		while (f < end && (*f == ' ' || *f == '\t'))
			f++;
		if ((size_t)(end - f) <= sizeof name - 1 ||
		    strncasecmp(f, name, sizeof name - 1) != 0)
			continue;
		colon = f + sizeof name - 1;
		while (colon < end && (*colon == ' ' || *colon == '\t'))
			colon++;
		if (colon == end || *colon != ':')
			continue;
		x = reply_span_int(colon + 1, end, cap);
		if (x > best)
			best = x;
	}
	return best;
}

int64_t
reply_hint_ms(const struct reply_hints *h, int *gateway)
{
	int64_t best, x;
	int gw;

	best = -1;
	gw = 0;
	if (h != NULL) {
		x = reply_value_int(h->acs_retry_after, REPLY_HINT_MAX_MS);
		gw |= x >= 0;
		best = x > best ? x : best;
		x = reply_time_left(h->ratelimit_user_api, REPLY_HINT_MAX_MS);
		gw |= x >= 0;
		best = x > best ? x : best;
		x = reply_time_left(h->ratelimit_user, REPLY_HINT_MAX_MS);
		gw |= x >= 0;
		best = x > best ? x : best;
		/* Retry-After: delay-seconds (RFC 9110 10.2.3). */
		x = reply_value_int(h->retry_after, REPLY_HINT_MAX_MS / 1000);
		x = x >= 0 ? x * 1000 : -1;
		best = x > best ? x : best;
	}
	if (gateway != NULL)
		*gateway = gw;
	return best;
}

/*
 * Append a RAM denial's AccessDeniedDetail to r->detail, compact:
 * "[RAM: action A, principal P, policy type T, no-permission type N,
 * diagnostic D...]".  The diagnostic is an opaque encoded blob for
 * Alibaba Cloud's diagnosis tool, kept short; none of these is a secret.
 * The Message is cut first when the line is too long.
 */
static void
reply_add_denial(struct reply *r, const cJSON *root)
{
	static const struct {
		const char *field; /* in AccessDeniedDetail */
		const char *label; /* in the detail line */
		size_t max;        /* characters kept */
	} parts[] = {
		{ "AuthAction", "action", 128 },
		{ "AuthPrincipalDisplayName", "principal", 128 },
		{ "PolicyType", "policy type", 64 },
		{ "NoPermissionType", "no-permission type", 64 },
		{ "EncodedDiagnosticMessage", "diagnostic", 24 },
	};
	const cJSON *d, *it;
	char ram[REPLY_TEXT_MAX / 2], val[129];
	size_t i, n, used, room;

	d = cJSON_GetObjectItemCaseSensitive(root, "AccessDeniedDetail");
	if (!cJSON_IsObject(d))
		return;
	n = 0;
	ram[0] = '\0';
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		it = cJSON_GetObjectItemCaseSensitive(d, parts[i].field);
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			continue;
		reply_copy(val, parts[i].max + 1 < sizeof val ?
		    parts[i].max + 1 : sizeof val, it->valuestring);
		n += (size_t)snprintf(ram + n, n < sizeof ram ?
		    sizeof ram - n : 0, "%s%s %s%s", n == 0 ? "[RAM: " : ", ",
		    parts[i].label, val, strlen(it->valuestring) >
		    parts[i].max ? "..." : "");
		if (n >= sizeof ram)
			n = sizeof ram - 1;
	}
	if (n == 0)
		return;
	if (n + 2 > sizeof ram)
		n = sizeof ram - 2;
	ram[n++] = ']';
	ram[n] = '\0';
	/* Make room: cut the Message part of the line, keep the denial. */
	used = strlen(r->detail);
	room = sizeof r->detail - 1;
	if (used + 1 + n > room)
		used = room > n + 1 ? room - n - 1 : 0;
	r->detail[used] = '\0';
	snprintf(r->detail + used, sizeof r->detail - used, "%s%s",
	    used > 0 ? " " : "", ram);
}

err_code
reply_parse(struct reply *r, long status, const char *body, size_t n,
    const struct reply_hints *hints, int sent)
{
	struct reply_verdict v;
	cJSON *root;
	int api, gateway;

	reply_free(r);
	r->http_status = status;
	r->retry_after_ms = reply_hint_ms(hints, &gateway);
	root = cJSON_ParseWithLength(body != NULL ? body : "",
	    body != NULL ? n : 0);
	if (root != NULL && !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = NULL;
	}
	if (root != NULL) {
		r->body = malloc(sizeof *r->body);
		if (r->body == NULL) {
			cJSON_Delete(root);
			r->cls = REPLY_FATAL;
			r->err = ERR_NOMEM;
			reply_copy(r->detail, sizeof r->detail,
			    "out of memory parsing the reply");
			return ERR_NOMEM;
		}
		r->body->root = root;
		reply_copy_field(root, "RequestId", r->request_id,
		    sizeof r->request_id);
		reply_copy_field(root, "Code", r->code, sizeof r->code);
		reply_copy_field(root, "Message", r->message,
		    sizeof r->message);
		reply_cut_echo(r->message, sizeof r->message);
		reply_copy_field(root, "Recommend", r->recommend,
		    sizeof r->recommend);
		reply_copy_field(root, "HostId", r->host_id,
		    sizeof r->host_id);
	}
	api = root != NULL && r->request_id[0] != '\0';

	/* A success is a 2xx JSON object with a RequestId and either no
	 * Code or one of the success spellings some APIs use. */
	if (status >= 200 && status < 300 && api &&
	    (r->code[0] == '\0' || strcmp(r->code, "200") == 0 ||
	    strcasecmp(r->code, "OK") == 0 ||
	    strcasecmp(r->code, "Success") == 0) &&
	    !reply_contains_ci(r->message, "reconsumeLater")) {
		r->cls = REPLY_OK;
		r->err = ERR_OK;
		return ERR_OK;
	}

	v = reply_classify(status, r->code, r->message, api);
	if (status >= 400 && r->retry_after_ms >= 0) {
		/* The SDKs take any 4xx/5xx carrying the gateway's hint for
		 * throttling: refused before it reached the backend.  A bare
		 * Retry-After (proxies add it) holds us back too, but does
		 * not prove the backend did nothing. */
		v.throttled = 1;
		if (gateway || !v.maybe_applied) {
			v.cls = REPLY_RETRYABLE;
			v.err = ERR_REMOTE;
			v.maybe_applied = 0;
			v.cause = REPLY_CAUSE_SERVICE;
		}
	}
	r->cls = v.cls;
	r->err = v.err;
	r->throttled = v.throttled;
	r->cause = v.cause;
	r->maybe_applied = v.maybe_applied && sent ? 1 : 0;

	if (r->code[0] != '\0' && r->message[0] != '\0')
		reply_detailf(r, "%s: %s", r->code, r->message);
	else if (r->code[0] != '\0')
		reply_detailf(r, "%s (HTTP %ld)", r->code, status);
	else if (status >= 200 && status < 300)
		reply_detailf(r, "HTTP %ld but %s", status, root == NULL ?
		    "the reply body is not a JSON object" :
		    "the reply has no RequestId");
	else
		reply_detailf(r, "HTTP %ld%s", status,
		    root == NULL ? " with a body that is not JSON" :
		    " without an error Code");
	if (root != NULL)
		reply_add_denial(r, root);
	return r->err;
}

err_code
reply_set_transport(struct reply *r, err_code code, int sent,
    const char *what)
{
	reply_free(r);
	r->err = code;
	r->http_status = 0;
	switch (code) {
	case ERR_NET:
	case ERR_TIMEOUT:
		r->cls = REPLY_RETRYABLE;
		r->maybe_applied = sent ? 1 : 0;
		break;
	case ERR_TOOBIG:
		/* An answer came but was too big to read: it may have been a
		 * success, so it may have been applied. */
		r->cls = REPLY_RETRYABLE;
		r->maybe_applied = sent ? 1 : 0;
		break;
	case ERR_INTERRUPTED:
		/* Stopped by the caller: nothing to retry, but the service
		 * may have the request. */
		r->cls = REPLY_FATAL;
		r->maybe_applied = sent ? 1 : 0;
		break;
	case ERR_RESOLVE:
		/* The endpoint's (or the proxy's) name is wrong for every
		 * row; nothing was sent. */
		r->cls = REPLY_FATAL;
		r->cause = REPLY_CAUSE_ENDPOINT;
		break;
	case ERR_TLS:
		r->cls = REPLY_FATAL;
		r->cause = REPLY_CAUSE_ENDPOINT;
		break;
	default:
		/* Local errors will not go away by themselves. */
		r->cls = REPLY_FATAL;
		break;
	}
	reply_copy(r->detail, sizeof r->detail, what != NULL ? what :
	    err_text(code));
	return code;
}

/* Walk a dot-separated path from the root; NULL when absent. */
static const cJSON *
reply_walk(const struct reply *r, const char *path)
{
	const cJSON *it;
	char part[128];
	const char *p, *dot;
	size_t n, k;
	char *end;
	long idx;

	if (r == NULL || r->body == NULL || path == NULL)
		return NULL;
	it = r->body->root;
	p = path;
	while (it != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof part)
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		for (k = 0; k < n && isdigit((unsigned char)part[k]); k++)
			;
		if (k == n && cJSON_IsArray(it)) {
			idx = strtol(part, &end, 10);
			it = idx > INT_MAX ? NULL :
			    cJSON_GetArrayItem(it, (int)idx);
		} else if (cJSON_IsObject(it)) {
			it = cJSON_GetObjectItemCaseSensitive(it, part);
		} else {
			return NULL;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return it;
}

const char *
reply_get_string(const struct reply *r, const char *path)
{
	const cJSON *it;

	it = reply_walk(r, path);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

int
reply_get_int64(const struct reply *r, const char *path, int64_t *out)
{
	const cJSON *it;
	long long v;
	char *end;
	double d;

	it = reply_walk(r, path);
	if (cJSON_IsNumber(it)) {
		d = it->valuedouble;
		if (d != floor(d) || d < -9007199254740992.0 ||
		    d > 9007199254740992.0)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (cJSON_IsString(it) && it->valuestring[0] != '\0') {
		errno = 0;
		v = strtoll(it->valuestring, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		*out = (int64_t)v;
		return 0;
	}
	return -1;
}

int
reply_get_double(const struct reply *r, const char *path, double *out)
{
	const cJSON *it;
	char *end;
	double d;

	it = reply_walk(r, path);
	if (cJSON_IsNumber(it)) {
		*out = it->valuedouble;
		return 0;
	}
	if (cJSON_IsString(it) && it->valuestring[0] != '\0') {
		errno = 0;
		d = strtod(it->valuestring, &end);
		if (errno != 0 || *end != '\0')
			return -1;
		*out = d;
		return 0;
	}
	return -1;
}

int
reply_get_bool(const struct reply *r, const char *path, int *out)
{
	const cJSON *it;

	it = reply_walk(r, path);
	if (cJSON_IsBool(it)) {
		*out = cJSON_IsTrue(it) ? 1 : 0;
		return 0;
	}
	if (cJSON_IsString(it) && strcmp(it->valuestring, "true") == 0) {
		*out = 1;
		return 0;
	}
	if (cJSON_IsString(it) && strcmp(it->valuestring, "false") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

long
reply_get_count(const struct reply *r, const char *path)
{
	const cJSON *it;

	it = reply_walk(r, path);
	return cJSON_IsArray(it) ? (long)cJSON_GetArraySize(it) : -1;
}
