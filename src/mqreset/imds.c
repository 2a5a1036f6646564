/*
 * imds.c - the ECS metadata service and credentials URIs.  See
 * include/mqreset/imds.h.
 *
 * Each fetch opens its own transport (http.c) for the few requests it
 * makes and closes it: fetches happen at start and at each refresh only.
 * Replies hold secrets, so their buffers and cJSON trees are wiped.
 */
#include "imds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "client.h"
#include "http.h"
#include "params.h"

#define IMDS_REPLY_CAP (64u * 1024)
#define IMDS_CONNECT_TIMEOUT_MS 1000
#define IMDS_TIMEOUT_MS 2000
#define URI_CONNECT_TIMEOUT_MS 5000
#define URI_TIMEOUT_MS 15000
#define IMDS_URL_MAX 2048
#define IMDS_TOKEN_MAX 512
#define IMDS_CREDS_PATH "/latest/meta-data/ram/security-credentials/"

err_code
imds_check_url(const char *url, const char *what, struct err *e)
{
	char host[256];
	const char *h, *end;
	size_t n;
	int lo;

	if (strncasecmp(url, "https://", 8) == 0)
		return ERR_OK;
	if (strncasecmp(url, "http://", 7) != 0)
		return err_set(e, ERR_USAGE, "%s '%s': must start with https:// "
		    "(or http:// for a loopback address)", what, url);
	h = url + 7;
	if (*h == '[') {
		h++;
		end = strchr(h, ']');
	} else
		end = h + strcspn(h, ":/?#");
	n = end != NULL ? (size_t)(end - h) : 0;
	if (n == 0 || n >= sizeof host || memchr(h, '@', n) != NULL)
		return err_set(e, ERR_USAGE, "%s '%s': bad host", what, url);
	memcpy(host, h, n);
	host[n] = '\0';
	lo = client_host_is_loopback(host);
	if (!lo)
		return err_set(e, ERR_USAGE, "%s '%s': plain http:// is refused "
		    "for a host that is not a loopback address; use https://",
		    what, url);
	return ERR_OK;
}

/* One request; the body stays in resp.  ERR_CRED for a non-200. */
static err_code
imds_do(struct http *h, const char *method, const char *url,
    const struct params *hdrs, struct http_response *resp, struct err *e)
{
	struct http_request hr;
	struct err te;
	err_code rc;

	hr.method = method;
	hr.url = url;
	hr.headers = hdrs;
	hr.body = NULL;
	hr.body_len = 0;
	err_clear(&te);
	rc = http_do(h, &hr, resp, &te);
	if (rc != ERR_OK)
		return err_set(e, rc, "%s %s failed (%s)", method, url,
		    err_message(&te));
	if (resp->status != 200)
		return err_set(e, ERR_CRED, "%s %s answered HTTP %ld", method,
		    url, resp->status);
	return ERR_OK;
}

static void
imds_resp_wipe(struct http_response *r)
{
	if (r->body.data != NULL)
		OPENSSL_cleanse(r->body.data, r->body.cap);
	http_response_free(r);
}

/* Parse a credentials reply ({"Code":"Success", ...}) into *out. */
static err_code
imds_parse(const struct buf *body, const char *what, struct sts_creds *out,
    struct err *e)
{
	cJSON *root;
	const cJSON *code;
	err_code rc;

	root = cJSON_ParseWithLength(body->data != NULL ? body->data : "",
	    body->len);
	if (!cJSON_IsObject(root)) {
		sts_json_wipe_delete(root);
		return err_set(e, ERR_PROTO, "%s: the reply is not a JSON "
		    "object", what);
	}
	code = cJSON_GetObjectItemCaseSensitive(root, "Code");
	if (cJSON_IsString(code) && strcmp(code->valuestring, "Success") != 0)
		rc = err_set(e, ERR_CRED, "%s: Code is '%.64s', not Success",
		    what, code->valuestring);
	else
		rc = sts_creds_from_json(root, what, out, e);
	sts_json_wipe_delete(root);
	return rc;
}

static struct http *
imds_http(long connect_ms, long total_ms, const char *cacert, struct err *e)
{
	struct http_config hc;

	hc.connect_timeout_ms = connect_ms;
	hc.timeout_ms = total_ms;
	hc.cacert = cacert;
	hc.reply_cap = IMDS_REPLY_CAP;
	hc.abort_flag = NULL;
	return http_new(&hc, e);
}

err_code
imds_fetch(const struct imds_request *req, struct sts_creds *out,
    char *role_out, size_t role_size, struct err *e)
{
	struct http *h;
	struct http_response resp;
	struct params hdrs;
	struct err te;
	char url[IMDS_URL_MAX], ttl[16], token[IMDS_TOKEN_MAX], role[256];
	size_t n;
	err_code rc;

	params_init(&hdrs);
	http_response_init(&resp, IMDS_REPLY_CAP);
	token[0] = role[0] = '\0';
	h = imds_http(IMDS_CONNECT_TIMEOUT_MS, IMDS_TIMEOUT_MS, req->cacert,
	    e);
	if (h == NULL) {
		rc = e->code;
		goto done;
	}
	/* IMDSv2: a session token first. */
	snprintf(ttl, sizeof ttl, "%d", IMDS_TOKEN_TTL);
	snprintf(url, sizeof url, "%s/latest/api/token", req->endpoint);
	rc = params_add(&hdrs, "X-aliyun-ecs-metadata-token-ttl-seconds", ttl);
	if (rc != ERR_OK) {
		err_set(e, rc, "out of memory");
		goto done;
	}
	err_clear(&te);
	rc = imds_do(h, "PUT", url, &hdrs, &resp, &te);
	params_free(&hdrs);
	params_init(&hdrs);
	if (rc == ERR_OK && resp.body.len > 0 &&
	    resp.body.len < sizeof token) {
		memcpy(token, resp.body.data, resp.body.len);
		token[resp.body.len] = '\0';
	} else if (req->v1_disabled) {
		if (rc == ERR_OK)
			rc = err_set(e, ERR_PROTO, "%s: no usable token", url);
		else
			err_set(e, rc, "%s (IMDSv1 is disabled)",
			    err_message(&te));
		goto done;
	} else if (rc == ERR_TIMEOUT || rc == ERR_NET || rc == ERR_RESOLVE) {
		/* No metadata service at all: not an ECS instance. */
		err_set(e, rc, "%s", err_message(&te));
		goto done;
	}
	rc = ERR_OK;
	if (token[0] != '\0')
		rc = params_add(&hdrs, "X-aliyun-ecs-metadata-token", token);
	if (rc != ERR_OK) {
		err_set(e, rc, "out of memory");
		goto done;
	}
	if (req->role != NULL && req->role[0] != '\0')
		snprintf(role, sizeof role, "%s", req->role);
	else {
		snprintf(url, sizeof url, "%s%s", req->endpoint,
		    IMDS_CREDS_PATH);
		rc = imds_do(h, "GET", url, &hdrs, &resp, e);
		if (rc != ERR_OK)
			goto done;
		n = strcspn(buf_cstr(&resp.body), " \t\r\n");
		if (n == 0 || n >= sizeof role) {
			rc = err_set(e, ERR_CRED, "%s: no role is attached to "
			    "this instance", url);
			goto done;
		}
		memcpy(role, resp.body.data, n);
		role[n] = '\0';
	}
	snprintf(url, sizeof url, "%s%s%s", req->endpoint, IMDS_CREDS_PATH,
	    role);
	rc = imds_do(h, "GET", url, &hdrs, &resp, e);
	if (rc == ERR_OK)
		rc = imds_parse(&resp.body, url, out, e);
	if (rc == ERR_OK && role_out != NULL && role_size > 0)
		snprintf(role_out, role_size, "%s", role);
done:
	OPENSSL_cleanse(token, sizeof token);
	http_destroy(h);
	imds_resp_wipe(&resp);
	params_free(&hdrs);
	return rc;
}

err_code
imds_uri_fetch(const char *uri, const char *cacert, struct sts_creds *out,
    struct err *e)
{
	struct http *h;
	struct http_response resp;
	err_code rc;

	rc = imds_check_url(uri, "ALIBABA_CLOUD_CREDENTIALS_URI", e);
	if (rc != ERR_OK)
		return rc;
	http_response_init(&resp, IMDS_REPLY_CAP);
	h = imds_http(URI_CONNECT_TIMEOUT_MS, URI_TIMEOUT_MS, cacert, e);
	if (h == NULL)
		rc = e->code;
	else
		rc = imds_do(h, "GET", uri, NULL, &resp, e);
	if (rc == ERR_OK)
		rc = imds_parse(&resp.body, uri, out, e);
	http_destroy(h);
	imds_resp_wipe(&resp);
	return rc;
}
