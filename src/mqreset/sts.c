/*
 * sts.c - STS AssumeRole and AssumeRoleWithOIDC.  See include/mqreset/sts.h.
 *
 * Wire shape (the official credentials-go providers ram_role_arn.go and
 * oidc.go): POST to "/" with Format=JSON, Version=2015-04-01 and, for
 * AssumeRole, the v1 signature parameters; here every parameter travels
 * in the form body (the service reads query and body as one map, and the
 * signature covers them all, as for Ons).  The reply is
 * {"RequestId", "AssumedRoleUser", "Credentials": {"AccessKeyId",
 * "AccessKeySecret", "SecurityToken", "Expiration"}}, or on error
 * {"RequestId", "Code", "Message"} with a 4xx/5xx status.
 */
#include "sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "clock.h"
#include "http.h"
#include "params.h"
#include "sign.h"

/* STS replies are a few KiB (the token is long). */
#define STS_REPLY_CAP (64u * 1024)
#define STS_REQ_MAX (64u * 1024)
#define STS_CONNECT_TIMEOUT_MS 5000
#define STS_TIMEOUT_MS 15000

void
sts_creds_init(struct sts_creds *c)
{
	memset(c, 0, sizeof *c);
}

static void
sts_wipe_str(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
sts_creds_free(struct sts_creds *c)
{
	if (c == NULL)
		return;
	free(c->key_id);
	sts_wipe_str(c->secret);
	sts_wipe_str(c->token);
	sts_creds_init(c);
}

err_code
sts_endpoint(const char *override, const char *region, int vpc,
    char out[CLIENT_URL_MAX], struct err *e)
{
	struct client_where w;
	struct err te;
	const char *venv;

	if (override != NULL && override[0] != '\0') {
		memset(&w, 0, sizeof w);
		w.endpoint = override;
		err_clear(&te);
		if (client_endpoint(&w, out, &te) != ERR_OK)
			return err_set(e, ERR_USAGE, "--sts-endpoint: %s",
			    err_message(&te));
		return ERR_OK;
	}
	if (region == NULL || region[0] == '\0')
		region = getenv("ALIBABA_CLOUD_STS_REGION");
	venv = getenv("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
	if (venv != NULL && strcasecmp(venv, "true") == 0)
		vpc = 1;
	if (region != NULL && region[0] != '\0')
		snprintf(out, CLIENT_URL_MAX, "https://%s.%s.aliyuncs.com",
		    vpc ? "sts-vpc" : "sts", region);
	else
		snprintf(out, CLIENT_URL_MAX, "https://sts.aliyuncs.com");
	return ERR_OK;
}

err_code
sts_parse_expiration(const char *s, int64_t *ms)
{
	struct tm tm;
	int n;
	time_t t;

	memset(&tm, 0, sizeof tm);
	n = 0;
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6 || n == 0 || s[n] != '\0')
		return ERR_PARSE;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return ERR_PARSE;
	*ms = (int64_t)t * 1000;
	return ERR_OK;
}

static void
sts_json_wipe(cJSON *it)
{
	cJSON *ch;

	if (cJSON_IsString(it) && it->valuestring != NULL)
		OPENSSL_cleanse(it->valuestring, strlen(it->valuestring));
	for (ch = it->child; ch != NULL; ch = ch->next)
		sts_json_wipe(ch);
}

void
sts_json_wipe_delete(void *root)
{
	if (root == NULL)
		return;
	sts_json_wipe(root);
	cJSON_Delete(root);
}

/* A string member, or NULL. */
static const char *
sts_json_str(const cJSON *obj, const char *name)
{
	const cJSON *it;

	it = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

err_code
sts_creds_from_json(const void *obj, const char *what, struct sts_creds *out,
    struct err *e)
{
	const char *id, *sec, *tok, *exp;

	id = sts_json_str(obj, "AccessKeyId");
	sec = sts_json_str(obj, "AccessKeySecret");
	tok = sts_json_str(obj, "SecurityToken");
	exp = sts_json_str(obj, "Expiration");
	if (id == NULL || id[0] == '\0' || sec == NULL || sec[0] == '\0')
		return err_set(e, ERR_PROTO, "%s: the reply has no "
		    "AccessKeyId or AccessKeySecret", what);
	out->expires_ms = 0;
	if (exp != NULL && exp[0] != '\0' &&
	    sts_parse_expiration(exp, &out->expires_ms) != ERR_OK)
		return err_set(e, ERR_PROTO, "%s: Expiration '%.40s' is not "
		    "YYYY-MM-DDThh:mm:ssZ", what, exp);
	out->key_id = strdup(id);
	out->secret = strdup(sec);
	out->token = tok != NULL && tok[0] != '\0' ? strdup(tok) : NULL;
	if (out->key_id == NULL || out->secret == NULL ||
	    (tok != NULL && tok[0] != '\0' && out->token == NULL)) {
		sts_creds_free(out);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

/* The request's parameters, common ones included (not the Signature). */
static err_code
sts_params(const struct sts_request *req, struct params *p)
{
	char nonce[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN], dur[16];
	char session[64];
	err_code rc;

	sign_timestamp(clock_wall_ms(), ts);
	snprintf(dur, sizeof dur, "%d", req->duration_s > 0 ?
	    req->duration_s : STS_DURATION_DEFAULT);
	if (req->session_name != NULL && req->session_name[0] != '\0')
		snprintf(session, sizeof session, "%.63s", req->session_name);
	else
		snprintf(session, sizeof session, "mqreset-%lld",
		    (long long)clock_wall_ms());
	rc = params_add(p, "Action", req->oidc ? "AssumeRoleWithOIDC" :
	    "AssumeRole");
	if (rc == ERR_OK)
		rc = params_add(p, "Version", STS_API_VERSION);
	if (rc == ERR_OK)
		rc = params_add(p, "Format", "JSON");
	if (rc == ERR_OK)
		rc = params_add(p, "Timestamp", ts);
	if (rc == ERR_OK)
		rc = params_add(p, "RoleArn", req->role_arn);
	if (rc == ERR_OK)
		rc = params_add(p, "RoleSessionName", session);
	if (rc == ERR_OK)
		rc = params_add(p, "DurationSeconds", dur);
	if (rc == ERR_OK && req->policy != NULL && req->policy[0] != '\0')
		rc = params_add(p, "Policy", req->policy);
	if (req->oidc) {
		if (rc == ERR_OK)
			rc = params_add(p, "OIDCProviderArn",
			    req->oidc_provider_arn);
		if (rc == ERR_OK)
			rc = params_add(p, "OIDCToken", req->oidc_token);
		return rc;
	}
	if (rc == ERR_OK && req->external_id != NULL &&
	    req->external_id[0] != '\0')
		rc = params_add(p, "ExternalId", req->external_id);
	if (rc == ERR_OK)
		rc = sign_nonce(nonce);
	if (rc == ERR_OK)
		rc = params_add(p, "SignatureNonce", nonce);
	if (rc == ERR_OK)
		rc = params_add(p, "SignatureMethod", "HMAC-SHA1");
	if (rc == ERR_OK)
		rc = params_add(p, "SignatureVersion", "1.0");
	if (rc == ERR_OK)
		rc = params_add(p, "AccessKeyId", req->key_id);
	if (rc == ERR_OK && req->token != NULL && req->token[0] != '\0')
		rc = params_add(p, "SecurityToken", req->token);
	return rc;
}

/* Wipe the values of a parameter list (token, OIDC token), then free. */
static void
sts_params_wipe(struct params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->items[i].value != NULL)
			OPENSSL_cleanse(p->items[i].value,
			    strlen(p->items[i].value));
	params_free(p);
}

/* The reply: credentials, or the service's error as ERR_CRED. */
static err_code
sts_reply(long status, const struct buf *body, struct sts_creds *out,
    struct err *e)
{
	cJSON *root;
	const cJSON *cr;
	const char *code, *message, *rid;
	err_code rc;

	root = cJSON_ParseWithLength(body->data != NULL ? body->data : "",
	    body->len);
	if (!cJSON_IsObject(root)) {
		sts_json_wipe_delete(root);
		return err_set(e, status == 200 ? ERR_PROTO : ERR_CRED,
		    "STS answered HTTP %ld without a JSON object", status);
	}
	cr = cJSON_GetObjectItemCaseSensitive(root, "Credentials");
	if (status == 200 && cJSON_IsObject(cr))
		rc = sts_creds_from_json(cr, "STS", out, e);
	else {
		code = sts_json_str(root, "Code");
		message = sts_json_str(root, "Message");
		rid = sts_json_str(root, "RequestId");
		rc = err_set(e, status == 200 ? ERR_PROTO : ERR_CRED,
		    "STS refused (HTTP %ld): %.100s: %.200s%s%.64s%s", status,
		    code != NULL ? code : "no Code",
		    message != NULL ? message : "",
		    rid != NULL ? " (RequestId " : "", rid != NULL ? rid : "",
		    rid != NULL ? ")" : "");
	}
	sts_json_wipe_delete(root);
	return rc;
}

err_code
sts_call(const struct sts_request *req, struct sts_creds *out,
    struct err *e)
{
	struct http_config hc;
	struct http_request hr;
	struct http_response resp;
	struct http *h;
	struct params p;
	struct buf enc, sts, url;
	struct err te;
	char sig[SIGN_V1_LEN];
	err_code rc;

	if (req->role_arn == NULL || req->role_arn[0] == '\0')
		return err_set(e, ERR_USAGE, "no role ARN");
	if (req->oidc && (req->oidc_provider_arn == NULL ||
	    req->oidc_token == NULL))
		return err_set(e, ERR_USAGE, "no OIDC provider ARN or token");
	if (!req->oidc && (req->key_id == NULL || req->secret == NULL))
		return err_set(e, ERR_USAGE, "no keys to sign AssumeRole");
	if (req->duration_s != 0 && req->duration_s < STS_DURATION_MIN)
		return err_set(e, ERR_USAGE, "DurationSeconds %d: the service "
		    "accepts %d or more", req->duration_s, STS_DURATION_MIN);
	params_init(&p);
	buf_init(&enc, STS_REQ_MAX);
	buf_init(&sts, STS_REQ_MAX * 3);
	buf_init(&url, CLIENT_URL_MAX + 8);
	http_response_init(&resp, STS_REPLY_CAP);
	h = NULL;
	rc = sts_params(req, &p);
	if (rc == ERR_OK)
		rc = sign_v1_canonical(&p, &enc);
	if (rc == ERR_OK && !req->oidc) {
		rc = sign_v1_string_to_sign_canonical("POST", buf_cstr(&enc),
		    enc.len, &sts);
		if (rc == ERR_OK)
			rc = sign_v1_signature(req->secret, buf_cstr(&sts),
			    sig);
		if (rc == ERR_OK)
			rc = sign_v1_append_signature(&enc, sig);
		OPENSSL_cleanse(sig, sizeof sig);
	}
	if (rc == ERR_OK)
		rc = buf_printf(&url, "%s/", req->endpoint);
	if (rc != ERR_OK) {
		err_set(e, rc, "cannot build the STS request: %s",
		    err_text(rc));
		goto done;
	}
	hc.connect_timeout_ms = STS_CONNECT_TIMEOUT_MS;
	hc.timeout_ms = STS_TIMEOUT_MS;
	hc.cacert = req->cacert;
	hc.reply_cap = STS_REPLY_CAP;
	hc.abort_flag = NULL;
	h = http_new(&hc, e);
	if (h == NULL) {
		rc = e->code;
		goto done;
	}
	hr.method = "POST";
	hr.url = buf_cstr(&url);
	hr.headers = NULL;
	hr.body = buf_cstr(&enc);
	hr.body_len = enc.len;
	err_clear(&te);
	rc = http_do(h, &hr, &resp, &te);
	if (rc != ERR_OK)
		err_set(e, rc, "STS %s failed (%s)", req->endpoint,
		    err_message(&te));
	else
		rc = sts_reply(resp.status, &resp.body, out, e);
done:
	http_destroy(h);
	if (resp.body.data != NULL)
		OPENSSL_cleanse(resp.body.data, resp.body.cap);
	http_response_free(&resp);
	sts_params_wipe(&p);
	if (enc.data != NULL)
		OPENSSL_cleanse(enc.data, enc.cap);
	if (sts.data != NULL)
		OPENSSL_cleanse(sts.data, sts.cap);
	buf_free(&enc);
	buf_free(&sts);
	buf_free(&url);
	return rc;
}
