/*
 * reply.c - parse an API reply (cJSON stays in here) and classify it.
 * See include/reply.h for the classes and the contract.
 *
 * Design: one table, reply_codes[], maps error Codes (exact, or a prefix
 * ending in '.' or '*') to a class; HTTP status decides when the Code is
 * unknown or absent.  Sources for the codes: PROTOCOL.md section 4 (the
 * Alibaba Cloud common error codes and the legacy Ons codes) and section
 * 8 (which codes the official SDKs and terraform-provider-alicloud retry).
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

/* How a Code matches a table row. */
enum reply_match {
	REPLY_EXACT,  /* the whole Code */
	REPLY_PREFIX  /* Code starts with the pattern */
};

static const struct {
	const char *code;        /* Code or prefix */
	enum reply_match match;  /* exact or prefix */
	enum reply_class cls;    /* the class it means */
	int throttled;           /* a throttling reply */
} reply_codes[] = {
	/* Throttling: slow down and retry (PROTOCOL.md 4, 6, 8). */
	{ "Throttling", REPLY_EXACT, REPLY_RETRYABLE, 1 },
	{ "Throttling.", REPLY_PREFIX, REPLY_RETRYABLE, 1 },
	{ "ONS_SYSTEM_FLOW_CONTROL", REPLY_EXACT, REPLY_RETRYABLE, 1 },
	/* Transient service errors. */
	{ "ServiceUnavailable", REPLY_PREFIX, REPLY_RETRYABLE, 0 },
	{ "InternalError", REPLY_PREFIX, REPLY_RETRYABLE, 0 },
	{ "ONS_SYSTEM_ERROR", REPLY_EXACT, REPLY_RETRYABLE, 0 },
	{ "UnknownError", REPLY_EXACT, REPLY_RETRYABLE, 0 },
	/* Our nonce was seen before: a fresh attempt has a fresh nonce. */
	{ "SignatureNonceUsed", REPLY_EXACT, REPLY_RETRYABLE, 0 },
	/* Identity, signature, clock: nothing will succeed; stop the run. */
	{ "SignatureDoesNotMatch", REPLY_EXACT, REPLY_FATAL, 0 },
	{ "IncompleteSignature", REPLY_EXACT, REPLY_FATAL, 0 },
	{ "InvalidAccessKeyId", REPLY_PREFIX, REPLY_FATAL, 0 },
	{ "InvalidSecurityToken", REPLY_PREFIX, REPLY_FATAL, 0 },
	{ "InvalidTimeStamp.", REPLY_PREFIX, REPLY_FATAL, 0 },
	{ "InvalidSignatureMethod", REPLY_EXACT, REPLY_FATAL, 0 },
	{ "InvalidAuthorization", REPLY_PREFIX, REPLY_FATAL, 0 },
	/* Our request shape is wrong for every row: stop, do not fail
	 * the whole plan row by row. */
	{ "InvalidVersion", REPLY_EXACT, REPLY_FATAL, 0 },
	{ "InvalidAction", REPLY_PREFIX, REPLY_FATAL, 0 },
	{ "UnsupportedSignatureVersion", REPLY_EXACT, REPLY_FATAL, 0 },
	{ "Forbidden", REPLY_PREFIX, REPLY_FATAL, 0 },
	{ "NoPermission", REPLY_PREFIX, REPLY_FATAL, 0 },
	{ "InvalidApi.NotPurchase", REPLY_EXACT, REPLY_FATAL, 0 },
	{ "ONS_SERVICE_UNSUPPORTED", REPLY_EXACT, REPLY_FATAL, 0 },
	/* This row is wrong: parameters, missing resources, range. */
	{ "Missing", REPLY_PREFIX, REPLY_FAILED_ROW, 0 },
	{ "Invalid", REPLY_PREFIX, REPLY_FAILED_ROW, 0 },
	{ "BIZ_", REPLY_PREFIX, REPLY_FAILED_ROW, 0 },
	{ "INSTANCE_NOT_FOUND", REPLY_EXACT, REPLY_FAILED_ROW, 0 },
	{ "ONS_INVOKE_ERROR", REPLY_EXACT, REPLY_FAILED_ROW, 0 },
};

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

enum reply_class
reply_classify(long status, const char *code, const char *message,
    int *throttled)
{
	size_t i, n;
	int match;

	if (throttled != NULL)
		*throttled = 0;
	if (code == NULL)
		code = "";
	if (reply_contains_ci(code, "reconsumeLater") ||
	    (message != NULL && reply_contains_ci(message, "reconsumeLater")))
		return REPLY_RECONSUME_LATER;
	for (i = 0; code[0] != '\0' &&
	    i < sizeof reply_codes / sizeof reply_codes[0]; i++) {
		n = strlen(reply_codes[i].code);
		if (reply_codes[i].match == REPLY_EXACT)
			match = strcmp(code, reply_codes[i].code) == 0;
		else
			match = strncmp(code, reply_codes[i].code, n) == 0;
		if (!match)
			continue;
		if (throttled != NULL)
			*throttled = reply_codes[i].throttled;
		return reply_codes[i].cls;
	}
	/* An unknown or absent Code: the status decides. */
	if (status == 429) {
		if (throttled != NULL)
			*throttled = 1;
		return REPLY_RETRYABLE;
	}
	if (status == 408 || status >= 500 || status < 100)
		return REPLY_RETRYABLE;
	if (status == 401 || status == 403)
		return REPLY_FATAL;
	if (status >= 400)
		return REPLY_FAILED_ROW;
	/* A 2xx/3xx with an unknown error Code: not a success; the code
	 * names a problem we cannot place, so do not hammer the service. */
	return REPLY_FAILED_ROW;
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

/* Retry-After: delay-seconds (RFC 9110 10.2.3); HTTP dates ignored. */
static int64_t
reply_retry_after(const char *v)
{
	long long s;
	char *end;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	s = strtoll(v, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	if (errno != 0 || *end != '\0' || s < 0 || s > 86400)
		return -1;
	return (int64_t)s * 1000;
}

/* Set class, error and detail for an error reply. */
static void
reply_set_error(struct reply *r, enum reply_class cls)
{
	r->cls = cls;
	switch (cls) {
	case REPLY_OK:
		r->err = ERR_OK;
		break;
	case REPLY_FATAL:
		r->err = ERR_AUTH;
		break;
	case REPLY_RETRYABLE:
	case REPLY_FAILED_ROW:
	case REPLY_RECONSUME_LATER:
		r->err = ERR_REMOTE;
		break;
	}
}

err_code
reply_parse(struct reply *r, long status, const char *body, size_t n,
    const char *retry_after, int sent)
{
	cJSON *root;
	int throttled;
	const char *why;

	reply_free(r);
	r->http_status = status;
	r->retry_after_ms = reply_retry_after(retry_after);
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

	/* A success is a 2xx JSON object with a RequestId and either no
	 * Code or one of the success spellings some APIs use. */
	if (status >= 200 && status < 300 && root != NULL &&
	    r->request_id[0] != '\0' &&
	    (r->code[0] == '\0' || strcmp(r->code, "200") == 0 ||
	    strcasecmp(r->code, "OK") == 0 ||
	    strcasecmp(r->code, "Success") == 0) &&
	    !reply_contains_ci(r->message, "reconsumeLater")) {
		r->cls = REPLY_OK;
		r->err = ERR_OK;
		return ERR_OK;
	}

	if (status >= 200 && status < 300 && r->code[0] == '\0' &&
	    !reply_contains_ci(r->message, "reconsumeLater")) {
		/* A 2xx we cannot trust: the service may have applied it. */
		why = root == NULL ? "the reply body is not a JSON object" :
		    "the reply has no RequestId";
		r->cls = REPLY_RETRYABLE;
		r->err = ERR_PROTO;
		r->maybe_applied = sent ? 1 : 0;
		reply_detailf(r,
		    "HTTP %ld but %s: the request may have been applied",
		    status, why);
		return r->err;
	}

	reply_set_error(r, reply_classify(status, r->code, r->message,
	    &throttled));
	r->throttled = throttled;
	/* Every attempt has a fresh random nonce, so a used one means this
	 * very request reached the service before (a proxy re-sent it): the
	 * first copy may have been applied. */
	if (strcmp(r->code, "SignatureNonceUsed") == 0)
		r->maybe_applied = sent ? 1 : 0;
	if (r->code[0] != '\0' && r->message[0] != '\0')
		reply_detailf(r, "%s: %s", r->code,
		    r->message);
	else if (r->code[0] != '\0')
		reply_detailf(r, "%s (HTTP %ld)",
		    r->code, status);
	else
		reply_detailf(r, "HTTP %ld%s", status,
		    root == NULL ? " with a body that is not JSON" :
		    " without an error Code");
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
	default:
		/* TLS verification failures and local errors will not
		 * go away by themselves. */
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
