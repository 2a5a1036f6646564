/*
 * emu_auth.c - request authentication as the OpenAPI gateway does it.
 * See include/emulator/emu_auth.h for the checks and their codes.
 *
 * HTTP statuses where the sources disagree (mqreset-protocol(7), ERROR
 * CODES):
 *  - InvalidAccessKeyId.NotFound: 404, as on the OpenAPI common error
 *    code page (doc-detail/51132, the gateway's own list), rather than the
 *    400 of a community answer.
 *  - SignatureDoesNotMatch: 400, as the common error code pages and the
 *    ECS/Ons gateway; the 403 of the Alibaba Cloud DNS page is that
 *    product's own front end.
 *  - InvalidSecurityToken.*: not documented; 400 like every other
 *    malformed or stale credential parameter the gateway rejects.
 */
#include "emu_auth.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sign.h"

/* Canonical strings of an RPC request are small; this caps abuse. */
#define EMU_AUTH_BUF_MAX (1u << 20)

int
emu_auth_parse_time(const char *s, int64_t *out_ms)
{
	struct tm tm;
	const char *end;
	time_t t;

	if (s == NULL || strlen(s) != 20)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out_ms = (int64_t)t * 1000;
	return 0;
}

/* The credential checks shared by v1 and v3; 1 when they pass. */
static int
emu_auth_cred(const struct emu_state *st, const char *key_id,
    const char *token, int64_t now_ms, const struct emu_cred **out,
    struct emu_reply *reply)
{
	const struct emu_cred *c;

	c = emu_state_find_cred(st, key_id);
	if (c == NULL) {
		emu_reply_error(reply, 404, "InvalidAccessKeyId.NotFound",
		    "Specified access key is not found.");
		return 0;
	}
	if (c->disabled) {
		emu_reply_error(reply, 400, "InvalidAccessKeyId.Inactive",
		    "Specified access key is disabled.");
		return 0;
	}
	if ((c->token == NULL) != (token == NULL) ||
	    (c->token != NULL && !sign_equal(c->token, token))) {
		emu_reply_error(reply, 400,
		    "InvalidSecurityToken.MismatchWithAccessKey",
		    "Specified SecurityToken mismatch with the AccessKey.");
		return 0;
	}
	if (c->token != NULL && c->expires_ms != 0 && now_ms >= c->expires_ms) {
		emu_reply_error(reply, 400, "InvalidSecurityToken.Expired",
		    "Specified SecurityToken is expired.");
		return 0;
	}
	*out = c;
	return 1;
}

/* Timestamp checks; 1 when they pass. */
static int
emu_auth_time(const char *ts, int64_t now_ms, struct emu_reply *reply)
{
	int64_t t;

	if (emu_auth_parse_time(ts, &t) != 0) {
		emu_reply_error(reply, 400, "InvalidTimeStamp.Format",
		    "Specified time stamp or date value is not well "
		    "formatted.");
		return 0;
	}
	if (t < now_ms - EMU_AUTH_SKEW_MS || t > now_ms + EMU_AUTH_SKEW_MS) {
		emu_reply_error(reply, 400, "InvalidTimeStamp.Expired",
		    "Specified time stamp or date value is expired.");
		return 0;
	}
	return 1;
}

static int
emu_auth_nonce(struct emu_nonce *nc, const char *key_id, const char *nonce,
    int64_t now_ms, struct emu_reply *reply)
{
	if (emu_nonce_use(nc, key_id, nonce, now_ms))
		return 1;
	emu_reply_error(reply, 400, "SignatureNonceUsed",
	    "Specified signature nonce was used already.");
	return 0;
}

static int
emu_auth_v1(const struct emu_state *st, struct emu_nonce *nc,
    const struct emu_request *req, int64_t now_ms, struct emu_auth *out,
    struct emu_reply *reply)
{
	static const char *const required[] = {
		"AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp", "Action",
		"Version"
	};
	const struct params *p = &req->params;
	struct buf sts;
	char sig[SIGN_V1_LEN];
	const char *v;
	size_t i;
	int ok = 0;

	for (i = 0; i < sizeof required / sizeof required[0]; i++)
		if ((v = params_get(p, required[i])) == NULL || v[0] == '\0') {
			emu_reply_missing(reply, required[i]);
			return 0;
		}
	if (strcmp(params_get(p, "SignatureMethod"), "HMAC-SHA1") != 0) {
		emu_reply_error(reply, 400, "InvalidParameter", "The specified "
		    "parameter \"SignatureMethod\" is not valid.");
		return 0;
	}
	if (strcmp(params_get(p, "SignatureVersion"), "1.0") != 0) {
		emu_reply_error(reply, 400, "InvalidParameter", "The specified "
		    "parameter \"SignatureVersion\" is not valid.");
		return 0;
	}
	if (strcmp(params_get(p, "Version"), EMU_API_VERSION) != 0) {
		emu_reply_error(reply, 400, "InvalidVersion",
		    "Specified parameter Version is not valid.");
		return 0;
	}
	v = params_get(p, "Format");
	if (v != NULL && strcasecmp(v, "JSON") != 0) {
		emu_reply_error(reply, 400, "InvalidParameter", "The emulator "
		    "answers Format=JSON only.");
		return 0;
	}
	if (!emu_auth_cred(st, params_get(p, "AccessKeyId"),
	    params_get(p, "SecurityToken"), now_ms, &out->cred, reply) ||
	    !emu_auth_time(params_get(p, "Timestamp"), now_ms, reply))
		return 0;
	buf_init(&sts, EMU_AUTH_BUF_MAX);
	if (sign_v1_string_to_sign(req->method, p, &sts) != ERR_OK ||
	    sign_v1_signature(out->cred->secret, buf_cstr(&sts), sig) !=
	    ERR_OK) {
		emu_reply_error(reply, 500, "InternalError", "The request "
		    "processing has failed due to some unknown error.");
	} else if (!sign_equal(sig, params_get(p, "Signature"))) {
		emu_reply_error(reply, 400, "SignatureDoesNotMatch",
		    "Specified signature is not matched with our calculation. "
		    "server string to sign is:%s", buf_cstr(&sts));
	} else
		ok = 1;
	buf_free(&sts);
	if (ok)
		ok = emu_auth_nonce(nc, out->cred->key_id,
		    params_get(p, "SignatureNonce"), now_ms, reply);
	if (ok) {
		out->action = params_get(p, "Action");
		out->v3 = 0;
	}
	return ok;
}

/*
 * Split "ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=HEX"
 * into its three values (copied into the caller's arrays).  0 on success.
 */
static int
emu_auth_parse_v3(const char *h, char *cred, size_t ncred, char *signed_h,
    size_t nsigned, char *sig, size_t nsig)
{
	static const char scheme[] = "ACS3-HMAC-SHA256";
	const char *p, *end, *eq;
	size_t klen, vlen;
	char *dst;
	size_t cap;

	cred[0] = signed_h[0] = sig[0] = '\0';
	if (strncmp(h, scheme, sizeof scheme - 1) != 0 ||
	    !isspace((unsigned char)h[sizeof scheme - 1]))
		return -1;
	for (p = h + sizeof scheme - 1; *p != '\0'; p = end) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL)
			return -1;
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		if (klen == 10 && strncmp(p, "Credential", 10) == 0) {
			dst = cred;
			cap = ncred;
		} else if (klen == 13 && strncmp(p, "SignedHeaders", 13) == 0) {
			dst = signed_h;
			cap = nsigned;
		} else if (klen == 9 && strncmp(p, "Signature", 9) == 0) {
			dst = sig;
			cap = nsig;
		} else
			continue;
		while (vlen > 0 && isspace((unsigned char)eq[vlen]))
			vlen--;
		if (vlen >= cap)
			return -1;
		memcpy(dst, eq + 1, vlen);
		dst[vlen] = '\0';
	}
	return cred[0] != '\0' && signed_h[0] != '\0' && sig[0] != '\0' ? 0 : -1;
}

/* Is header `name` listed in the ';'-separated list (case-insensitive)? */
static int
emu_auth_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list, *semi;

	for (;;) {
		semi = strchr(p, ';');
		if ((semi != NULL ? (size_t)(semi - p) : strlen(p)) == n &&
		    strncasecmp(p, name, n) == 0)
			return 1;
		if (semi == NULL)
			return 0;
		p = semi + 1;
	}
}

static int
emu_auth_v3(const struct emu_state *st, struct emu_nonce *nc,
    const struct emu_request *req, const char *authz, int64_t now_ms,
    struct emu_auth *out, struct emu_reply *reply)
{
	static const char *const required[] = {
		"x-acs-action", "x-acs-version", "x-acs-date",
		"x-acs-signature-nonce", "x-acs-content-sha256"
	};
	char cred[256], signed_h[1024], claimed[SIGN_HEX_LEN + 1];
	char body_hash[SIGN_HEX_LEN], sig[SIGN_HEX_LEN];
	struct sign_v3_input in;
	struct params hdrs;
	struct buf creq, sh, sts;
	const char *v;
	size_t i;
	int ok = 0;

	if (emu_auth_parse_v3(authz, cred, sizeof cred, signed_h,
	    sizeof signed_h, claimed, sizeof claimed) != 0) {
		emu_reply_error(reply, 400, "InvalidAuthorization", "The "
		    "Authorization header is not ACS3-HMAC-SHA256 "
		    "Credential=...,SignedHeaders=...,Signature=....");
		return 0;
	}
	for (i = 0; i < sizeof required / sizeof required[0]; i++)
		if ((v = params_get_ci(&req->headers, required[i])) == NULL ||
		    v[0] == '\0') {
			emu_reply_missing(reply, required[i]);
			return 0;
		}
	if (strcmp(params_get_ci(&req->headers, "x-acs-version"),
	    EMU_API_VERSION) != 0) {
		emu_reply_error(reply, 400, "InvalidVersion",
		    "Specified parameter Version is not valid.");
		return 0;
	}
	if (!emu_auth_cred(st, cred, params_get_ci(&req->headers,
	    "x-acs-security-token"), now_ms, &out->cred, reply) ||
	    !emu_auth_time(params_get_ci(&req->headers, "x-acs-date"), now_ms,
	    reply))
		return 0;
	sign_sha256_hex(req->body != NULL ? req->body : "", req->body_len,
	    body_hash);
	if (strcasecmp(body_hash, params_get_ci(&req->headers,
	    "x-acs-content-sha256")) != 0) {
		emu_reply_error(reply, 400, "SignatureDoesNotMatch", "The "
		    "x-acs-content-sha256 header does not match the body.");
		return 0;
	}
	/* The service signs a body only through its hash and type: a v3
	 * request with a body (form parameters) whose Content-Type is not
	 * signed would carry unsigned parameters, so it is refused, as the
	 * SDK's rules imply (it sends every parameter in the query). */
	if (req->body_len > 0 && !emu_auth_listed(signed_h, "content-type")) {
		emu_reply_error(reply, 400, "SignatureDoesNotMatch", "The "
		    "request has a body but content-type is not among the "
		    "SignedHeaders; sign it or send the parameters in the "
		    "query.");
		return 0;
	}
	/* Every x-acs-* header and host must be signed. */
	params_init(&hdrs);
	for (i = 0; i < req->headers.n; i++) {
		const struct params_item *h = &req->headers.items[i];
		int acs = strncasecmp(h->name, "x-acs-", 6) == 0;

		if (emu_auth_listed(signed_h, h->name)) {
			if (params_add(&hdrs, h->name, h->value) != ERR_OK)
				break;
		} else if (acs || strcasecmp(h->name, "host") == 0) {
			emu_reply_error(reply, 400, "SignatureDoesNotMatch",
			    "Header %s must be signed.", h->name);
			params_free(&hdrs);
			return 0;
		}
	}
	buf_init(&creq, EMU_AUTH_BUF_MAX);
	buf_init(&sh, EMU_AUTH_BUF_MAX);
	buf_init(&sts, EMU_AUTH_BUF_MAX);
	in.method = req->method;
	in.uri = "/";
	in.query = &req->query;
	in.headers = &hdrs;
	in.payload_sha256 = params_get_ci(&req->headers,
	    "x-acs-content-sha256");
	if (i < req->headers.n ||
	    sign_v3_canonical_request(&in, &creq, &sh) != ERR_OK ||
	    sign_v3_string_to_sign(buf_cstr(&creq), &sts) != ERR_OK ||
	    sign_v3_signature(out->cred->secret, buf_cstr(&sts), sig) !=
	    ERR_OK) {
		emu_reply_error(reply, 500, "InternalError", "The request "
		    "processing has failed due to some unknown error.");
	} else if (strcasecmp(buf_cstr(&sh), signed_h) != 0 ||
	    !sign_equal(sig, claimed)) {
		emu_reply_error(reply, 400, "SignatureDoesNotMatch",
		    "Specified signature is not matched with our calculation. "
		    "server string to sign is:%s", buf_cstr(&sts));
	} else
		ok = 1;
	buf_free(&creq);
	buf_free(&sh);
	buf_free(&sts);
	params_free(&hdrs);
	if (ok)
		ok = emu_auth_nonce(nc, out->cred->key_id,
		    params_get_ci(&req->headers, "x-acs-signature-nonce"),
		    now_ms, reply);
	if (ok) {
		out->action = params_get_ci(&req->headers, "x-acs-action");
		out->v3 = 1;
	}
	return ok;
}

int
emu_auth_allowed(const struct emu_state *st, const struct emu_auth *a,
    const char *action, const char *ram_action, struct emu_reply *reply)
{
	struct emu_reply_denial d;

	if (!emu_state_cred_denied(a->cred, action))
		return 1;
	d.auth_action = ram_action;
	d.principal = a->cred->key_id;
	d.owner_id = emu_state_owner(st, a->cred->owner);
	d.principal_type = a->cred->token != NULL ? "AssumedRoleUser" :
	    "SubUser";
	emu_reply_denied(reply, &d);
	return 0;
}

int
emu_auth_check(const struct emu_state *st, struct emu_nonce *nc,
    const struct emu_request *req, int64_t now_ms, struct emu_auth *out,
    struct emu_reply *reply)
{
	const char *authz;

	memset(out, 0, sizeof *out);
	authz = params_get_ci(&req->headers, "Authorization");
	if (authz != NULL && strncmp(authz, "ACS3-", 5) == 0)
		return emu_auth_v3(st, nc, req, authz, now_ms, out, reply);
	return emu_auth_v1(st, nc, req, now_ms, out, reply);
}
