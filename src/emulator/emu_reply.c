/*
 * emu_reply.c - the emulator's answers.  See include/emulator/emu_reply.h.
 */
#include "emu_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

void
emu_reply_new_id(char out[EMU_REQUEST_ID_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char r[16];
	size_t i, o = 0;

	if (RAND_bytes(r, sizeof r) != 1)
		memset(r, 0, sizeof r); /* never happens on Linux */
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 0x0f];
	}
	out[o] = '\0';
}

void
emu_reply_init(struct emu_reply *r, const char *host_id)
{
	r->status = 200;
	buf_init(&r->body, EMU_REPLY_MAX);
	emu_reply_new_id(r->request_id);
	r->host_id = host_id;
	r->code = NULL;
	r->content_type = "application/json;charset=utf-8";
	r->wire = EMU_WIRE_ANSWER;
	r->wire_ms = 0;
}

void
emu_reply_free(struct emu_reply *r)
{
	if (r == NULL)
		return;
	buf_free(&r->body);
}

err_code
emu_reply_json_str(struct buf *b, const char *s)
{
	const unsigned char *p;
	err_code rc;
	size_t run;

	rc = buf_putc(b, '"');
	for (p = (const unsigned char *)s; rc == ERR_OK && *p != '\0';) {
		run = 0;
		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\' &&
		    p[run] != 0x7f)
			run++;
		if (run > 0) {
			rc = buf_append(b, p, run);
			p += run;
			continue;
		}
		if (*p == '"' || *p == '\\')
			rc = buf_printf(b, "\\%c", *p);
		else
			rc = buf_printf(b, "\\u%04x", *p);
		p++;
	}
	if (rc == ERR_OK)
		rc = buf_putc(b, '"');
	return rc;
}

void
emu_reply_error(struct emu_reply *r, unsigned status, const char *code,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	err_code rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->status = status;
	r->code = code;
	buf_reset(&r->body);
	rc = buf_puts(&r->body, "{\"RequestId\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, r->request_id);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, ",\"HostId\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, r->host_id);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, ",\"Code\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, code);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, ",\"Message\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, msg);
	/* Codes and RequestIds need no URL escaping beyond what JSON does:
	 * both are [A-Za-z0-9._-]. */
	if (rc == ERR_OK)
		rc = buf_printf(&r->body, ",\"Recommend\":\"https://api."
		    "aliyun.com/troubleshoot?q=%s&product=Ons&requestId=%s\"}",
		    code, r->request_id);
	if (rc != ERR_OK) {
		/* Out of memory: a bare body still tells the client. */
		buf_reset(&r->body);
		r->status = 500;
	}
}

void
emu_reply_missing(struct emu_reply *r, const char *name)
{
	emu_reply_error(r, 400, "MissingParameter", "The input parameter "
	    "\"%s\" that is mandatory for processing this request is not "
	    "supplied.", name);
}

void
emu_reply_denied(struct emu_reply *r, const struct emu_reply_denial *d)
{
	static const char *const names[] = {
		"PolicyType", "AuthAction", "AuthPrincipalDisplayName",
		"AuthPrincipalOwnerId", "AuthPrincipalType",
		"EncodedDiagnosticMessage", "NoPermissionType"
	};
	const char *vals[sizeof names / sizeof names[0]];
	char diag[512];
	unsigned char enc[4 * (sizeof diag / 3) + 8];
	int n;
	size_t i;
	err_code rc = ERR_OK;

	emu_reply_error(r, 403, "Forbidden.RAM", "User not authorized to "
	    "operate on the specified resource, or this API doesn't support "
	    "RAM.");
	if (r->status != 403)
		return;
	/* The service's diagnostic is an opaque base64 blob; ours decodes
	 * to what was denied, which is all a test needs. */
	n = snprintf(diag, sizeof diag, "{\"AuthAction\":\"%s\","
	    "\"AuthPrincipalDisplayName\":\"%s\",\"RequestId\":\"%s\"}",
	    d->auth_action, d->principal, r->request_id);
	if (n < 0 || (size_t)n >= sizeof diag)
		n = 0;
	EVP_EncodeBlock(enc, (const unsigned char *)diag, n);
	vals[0] = "AccountLevelIdentityBasedPolicy";
	vals[1] = d->auth_action;
	vals[2] = d->principal;
	vals[3] = d->owner_id;
	vals[4] = d->principal_type;
	vals[5] = (const char *)enc;
	vals[6] = "ImplicitDeny";
	/* Reopen the object: drop its closing brace, add the detail. */
	r->body.data[--r->body.len] = '\0';
	rc = buf_puts(&r->body, ",\"AccessDeniedDetail\":{");
	for (i = 0; rc == ERR_OK && i < sizeof names / sizeof names[0]; i++) {
		rc = buf_printf(&r->body, "%s\"%s\":", i > 0 ? "," : "",
		    names[i]);
		if (rc == ERR_OK)
			rc = emu_reply_json_str(&r->body, vals[i]);
	}
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, "}}");
	if (rc != ERR_OK) {
		buf_reset(&r->body);
		r->status = 500;
	}
}
