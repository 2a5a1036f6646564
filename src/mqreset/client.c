/*
 * client.c - build, sign and send Ons OpenAPI calls.  See include/mqreset/client.h.
 *
 * Design: a call goes through three steps, each a function:
 *   client_build()  action + parameters -> a signed wire request (method,
 *                   URL, body, headers) with a fresh nonce and timestamp;
 *   http_do()       the transfer (http.c);
 *   reply_parse()   the answer -> struct reply and its class (reply.c).
 * client_preview() stops after the first step (dry runs).
 *
 * Wire formats (mqreset-protocol(7), SIGNATURE V1, SIGNATURE V3 and WIRE
 * FORMAT):
 *   v1 GET   all parameters, Signature included, in the query string;
 *   v1 POST  all of them as an application/x-www-form-urlencoded body to
 *            "/" with an empty query, as the official Node SDK does;
 *   v3       the action parameters in the query string whatever the
 *            method, an empty body (x-acs-content-sha256 is the hash of
 *            "") sent without a Content-Type, common values in signed
 *            x-acs-* headers (with STS also x-acs-accesskey-id and
 *            x-acs-security-token), and an Authorization header: the
 *            shape the Tea SDK for Ons 2019-02-14 sends.
 * The secret is read from the creds object only inside sign_*() calls.
 *
 * Debug dumps are built from a masked copy of the request (AccessKeyId as
 * its last four characters, SecurityToken and Signature as "***"), not by
 * scrubbing the real one, so percent-encoded secrets cannot slip through.
 *
 * Per-call cost (a run sends up to the rate limit for hours, so a call
 * should allocate nothing once warm): a client keeps its wire request and scratch buffers between calls
 * (reset, not freed, so they stop growing after the first call), and the
 * v1 parameters are signed and encoded from an array of borrowed
 * name/value pointers instead of owned copies; the owned list is made
 * only when a caller shows it (client_preview, --debug).
 */
#include "client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "clock.h"
#include "http.h"
#include "msg.h"
#include "sign.h"

/* Longest request we build (URL or body); real ones are < 1 KiB. */
#define CLIENT_REQ_MAX (64u * 1024)
#define CLIENT_MASK "***"
/* The Accept line of v3 requests (v1 asks for JSON with Format=JSON). */
#define CLIENT_V3_ACCEPT "application/json"
/* Parameters a v1 call adds to the caller's (Action ... Signature). */
#define CLIENT_V1_COMMON 10
/* Borrowed parameter slots on the stack; more are malloc'd. */
#define CLIENT_V1_ITEMS 32

/* One signed request ready to send (or to show). */
struct client_wire {
	const char *method;  /* "GET" or "POST" */
	struct buf url;      /* full URL */
	struct buf body;     /* POST body ("" for GET) */
	struct params headers; /* extra headers (v3) */
	struct params signed_params; /* v1: every parameter, Signature too
	                                (only when want_params); v3: the
	                                action parameters */
	int want_params;     /* v1: fill signed_params (to show them) */
	struct buf dbg;      /* masked debug text when cfg.debug */
};

struct client {
	struct client_config cfg;   /* copied; cfg.creds borrowed */
	struct creds_key *key;      /* the keys of the call in progress
	                               (held from creds_acquire to
	                               creds_release), NULL between calls */
	char base[CLIENT_URL_MAX];  /* "https://host[:port]" */
	char host[CLIENT_URL_MAX];  /* "host[:port]" as in the URL */
	struct http *http;          /* the transport (owns the handle) */
	struct http_response resp;  /* reused reply buffer */
	struct client_stats stats;  /* counters */
	struct client_wire wire;    /* client_call's request, reused */
	struct buf sts;             /* v1 string to sign, reused */
	struct buf enc;             /* v1 encoded parameters, reused */
};

static void
client_wire_init(struct client_wire *w)
{
	w->method = "POST";
	buf_init(&w->url, CLIENT_REQ_MAX);
	buf_init(&w->body, CLIENT_REQ_MAX);
	params_init(&w->headers);
	params_init(&w->signed_params);
	w->want_params = 0;
	buf_init(&w->dbg, 4 * CLIENT_REQ_MAX);
}

static void
client_wire_free(struct client_wire *w)
{
	buf_free(&w->url);
	buf_free(&w->body);
	params_free(&w->headers);
	params_free(&w->signed_params);
	buf_free(&w->dbg);
}

/* Empty a wire for the next call, keeping the buffers' memory. */
static void
client_wire_reset(struct client_wire *w)
{
	w->method = "POST";
	buf_reset(&w->url);
	buf_reset(&w->body);
	params_free(&w->headers);
	params_free(&w->signed_params);
	params_init(&w->headers);
	params_init(&w->signed_params);
	w->want_params = 0;
	buf_reset(&w->dbg);
}

err_code
client_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? ERR_OK :
	    ERR_INTERNAL;
}

void
client_global_cleanup(void)
{
	curl_global_cleanup();
}

int
client_host_is_loopback(const char *host)
{
	unsigned char a[16];
	static const unsigned char v6lo[16] = { [15] = 1 };

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, v6lo, sizeof v6lo) == 0;
	return 0;
}

/*
 * Check an endpoint URL; on success base = "scheme://authority" and host =
 * authority.  Pure.
 */
static err_code
client_parse_endpoint(const char *url, char base[CLIENT_URL_MAX],
    char host[CLIENT_URL_MAX], struct err *e)
{
	const char *auth, *end, *h, *he, *port;
	char name[CLIENT_URL_MAX];
	size_t n;
	int https;
	long pn;
	char *pend;

	if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else {
		return err_set(e, ERR_USAGE, "endpoint '%s': must start with "
		    "https:// (or http:// for a loopback address)", url);
	}
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0)
		return err_set(e, ERR_USAGE, "endpoint '%s': no path, query or "
		    "fragment allowed (the API path is /)", url);
	n = (size_t)(end - auth);
	if (n == 0 || n >= CLIENT_URL_MAX - 8 || memchr(auth, '@', n) != NULL)
		return err_set(e, ERR_USAGE, "endpoint '%s': bad host", url);
	/* Host, possibly a bracketed IPv6 literal, then an optional port. */
	if (auth[0] == '[') {
		he = memchr(auth, ']', n);
		if (he == NULL)
			return err_set(e, ERR_USAGE, "endpoint '%s': "
			    "unterminated [IPv6] host", url);
		h = auth + 1;
		port = he + 1 < end ? he + 1 : NULL;
		if (port != NULL && *port != ':')
			return err_set(e, ERR_USAGE, "endpoint '%s': bad host",
			    url);
	} else {
		h = auth;
		he = memchr(auth, ':', n);
		port = he;
		if (he == NULL)
			he = end;
	}
	if (he == h)
		return err_set(e, ERR_USAGE, "endpoint '%s': empty host", url);
	memcpy(name, h, (size_t)(he - h));
	name[he - h] = '\0';
	for (n = 0; name[n] != '\0'; n++)
		if (!isalnum((unsigned char)name[n]) && name[n] != '-' &&
		    name[n] != '.' && name[n] != ':' && name[n] != '_')
			return err_set(e, ERR_USAGE, "endpoint '%s': bad "
			    "character in host", url);
	if (port != NULL) {
		pn = strtol(port + 1, &pend, 10);
		if (pend != end || port + 1 == end || pn < 1 || pn > 65535)
			return err_set(e, ERR_USAGE, "endpoint '%s': bad port",
			    url);
	}
	if (!https && !client_host_is_loopback(name))
		return err_set(e, ERR_USAGE, "endpoint '%s': plain http:// is "
		    "refused for a host that is not a loopback address; use "
		    "https://", url);
	snprintf(host, CLIENT_URL_MAX, "%.*s", (int)(end - auth), auth);
	snprintf(base, CLIENT_URL_MAX, "%s://%s", https ? "https" : "http",
	    host);
	return ERR_OK;
}

/*
 * The regions the SDK for Ons 2019-02-14 does not send to
 * ons.REGION.aliyuncs.com (its EndpointMap; mqreset-protocol(7),
 * ENDPOINTS): the
 * finance, gov, internal and other non-public regions share the central
 * host; three edge regions are served from Tokyo.  The SDK consults this
 * map before its public/VPC rule, so it applies to both types.
 */
static const struct {
	const char *region; /* RegionId */
	const char *host;   /* its API host */
} client_endpoint_map[] = {
	{ "ap-northeast-2-pop", "ons.ap-northeast-1.aliyuncs.com" },
	{ "cn-beijing-finance-1", "ons.aliyuncs.com" },
	{ "cn-beijing-finance-pop", "ons.aliyuncs.com" },
	{ "cn-beijing-gov-1", "ons.aliyuncs.com" },
	{ "cn-beijing-nu16-b01", "ons.aliyuncs.com" },
	{ "cn-edge-1", "ons.aliyuncs.com" },
	{ "cn-fujian", "ons.aliyuncs.com" },
	{ "cn-haidian-cm12-c01", "ons.aliyuncs.com" },
	{ "cn-hangzhou-bj-b01", "ons.aliyuncs.com" },
	{ "cn-hangzhou-internal-prod-1", "ons.aliyuncs.com" },
	{ "cn-hangzhou-internal-test-1", "ons.aliyuncs.com" },
	{ "cn-hangzhou-internal-test-2", "ons.aliyuncs.com" },
	{ "cn-hangzhou-internal-test-3", "ons.aliyuncs.com" },
	{ "cn-hangzhou-test-306", "ons.aliyuncs.com" },
	{ "cn-hongkong-finance-pop", "ons.aliyuncs.com" },
	{ "cn-qingdao-nebula", "ons.aliyuncs.com" },
	{ "cn-shanghai-et15-b01", "ons.aliyuncs.com" },
	{ "cn-shanghai-et2-b01", "ons.aliyuncs.com" },
	{ "cn-shanghai-inner", "ons.aliyuncs.com" },
	{ "cn-shanghai-internal-test-1", "ons.aliyuncs.com" },
	{ "cn-shenzhen-inner", "ons.aliyuncs.com" },
	{ "cn-shenzhen-st4-d01", "ons.aliyuncs.com" },
	{ "cn-shenzhen-su18-b01", "ons.aliyuncs.com" },
	{ "cn-wuhan", "ons.aliyuncs.com" },
	{ "cn-yushanfang", "ons.aliyuncs.com" },
	{ "cn-zhangbei-na61-b01", "ons.aliyuncs.com" },
	{ "cn-zhangjiakou-na62-a01", "ons.aliyuncs.com" },
	{ "cn-zhengzhou-nebula-1", "ons.aliyuncs.com" },
	{ "eu-west-1-oxs", "ons.ap-northeast-1.aliyuncs.com" },
	{ "rus-west-1-pop", "ons.ap-northeast-1.aliyuncs.com" },
};

err_code
client_endpoint_for(const char *region, enum client_endpoint_type type,
    char out[CLIENT_URL_MAX], struct err *e)
{
	size_t i;

	if (region == NULL || region[0] == '\0')
		return err_set(e, ERR_USAGE, "no region");
	if (strlen(region) > 64)
		return err_set(e, ERR_USAGE, "region '%.64s...': too long",
		    region);
	for (i = 0; region[i] != '\0'; i++)
		if (!islower((unsigned char)region[i]) &&
		    !isdigit((unsigned char)region[i]) && region[i] != '-')
			return err_set(e, ERR_USAGE, "region '%s': only "
			    "lowercase letters, digits and '-' "
			    "(e.g. cn-hangzhou)", region);
	for (i = 0; i < sizeof client_endpoint_map /
	    sizeof client_endpoint_map[0]; i++)
		if (strcmp(region, client_endpoint_map[i].region) == 0) {
			snprintf(out, CLIENT_URL_MAX, "https://%s",
			    client_endpoint_map[i].host);
			return ERR_OK;
		}
	switch (type) {
	case CLIENT_ENDPOINT_PUBLIC:
		snprintf(out, CLIENT_URL_MAX, "https://ons.%s.aliyuncs.com",
		    region);
		break;
	case CLIENT_ENDPOINT_VPC:
		snprintf(out, CLIENT_URL_MAX,
		    "https://ons-vpc.%s.aliyuncs.com", region);
		break;
	}
	return ERR_OK;
}

err_code
client_endpoint(const struct client_where *w, char out[CLIENT_URL_MAX],
    struct err *e)
{
	char host[CLIENT_URL_MAX];
	enum client_endpoint_type type;
	const char *region;

	type = CLIENT_ENDPOINT_PUBLIC;
	if (w->endpoint_type != NULL && strcmp(w->endpoint_type, "vpc") == 0)
		type = CLIENT_ENDPOINT_VPC;
	else if (w->endpoint_type != NULL &&
	    strcmp(w->endpoint_type, "public") != 0)
		return err_set(e, ERR_USAGE, "--endpoint-type '%s': use public "
		    "or vpc", w->endpoint_type);
	if (w->endpoint != NULL) {
		if (w->endpoint_type != NULL)
			return err_set(e, ERR_USAGE, "--endpoint-type and "
			    "--endpoint: give one of them (--endpoint names "
			    "the host itself)");
		return client_parse_endpoint(w->endpoint, out, host, e);
	}
	/* No silent default (the SDK refuses to guess too): a plan names
	 * instances of one region, and only the operator knows which. */
	region = w->region;
	if (region == NULL || region[0] == '\0')
		region = w->env_region;
	if (region == NULL || region[0] == '\0')
		region = w->profile_region;
	if (region == NULL || region[0] == '\0')
		return err_set(e, ERR_USAGE, "no region: give --region REGION "
		    "(e.g. cn-hangzhou), set ALIBABA_CLOUD_REGION_ID, or set "
		    "region_id in the credentials profile; or give "
		    "--endpoint URL");
	return client_endpoint_for(region, type, out, e);
}

struct client *
client_new(const struct client_config *cfg, struct err *e)
{
	struct http_config hc;
	struct client *c;

	if (cfg->creds == NULL) {
		err_set(e, ERR_CRED, "no credentials");
		return NULL;
	}
	if (cfg->signature_version != 0 && cfg->signature_version != 1 &&
	    cfg->signature_version != 3) {
		err_set(e, ERR_USAGE, "signature version %d: use 1 or 3",
		    cfg->signature_version);
		return NULL;
	}
	if (cfg->endpoint == NULL) {
		err_set(e, ERR_USAGE, "no endpoint");
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	client_wire_init(&c->wire);
	buf_init(&c->sts, CLIENT_REQ_MAX * 3);
	buf_init(&c->enc, CLIENT_REQ_MAX);
	if (c->cfg.signature_version == 0)
		c->cfg.signature_version = 1;
	if (c->cfg.connect_timeout_ms <= 0)
		c->cfg.connect_timeout_ms = CLIENT_CONNECT_TIMEOUT_MS;
	if (c->cfg.timeout_ms <= 0)
		c->cfg.timeout_ms = CLIENT_TIMEOUT_MS;
	if (c->cfg.reply_cap == 0)
		c->cfg.reply_cap = CLIENT_REPLY_CAP;
	/* Strings the config points to are only needed here. */
	c->cfg.endpoint = NULL;
	c->cfg.cacert = NULL;
	http_response_init(&c->resp, c->cfg.reply_cap);
	if (client_parse_endpoint(cfg->endpoint, c->base, c->host, e) !=
	    ERR_OK) {
		client_destroy(c);
		return NULL;
	}
	hc.connect_timeout_ms = c->cfg.connect_timeout_ms;
	hc.timeout_ms = c->cfg.timeout_ms;
	hc.cacert = cfg->cacert;
	hc.reply_cap = c->cfg.reply_cap;
	hc.abort_flag = cfg->abort_flag;
	c->http = http_new(&hc, e);
	if (c->http == NULL) {
		client_destroy(c);
		return NULL;
	}
	return c;
}

void
client_destroy(struct client *c)
{
	if (c == NULL)
		return;
	http_destroy(c->http);
	http_response_free(&c->resp);
	client_wire_free(&c->wire);
	buf_free(&c->sts);
	buf_free(&c->enc);
	free(c);
}

/* Room for the reset parameters as borrowed pointers. */
#define CLIENT_RESET_N 5

/*
 * The OnsConsumerResetOffset parameters as a list of pointers borrowed
 * from req, ts (the ResetTimestamp text, filled here) and literals: valid
 * while those are.  Never params_free()d or grown.
 */
static void
client_reset_view(const struct plan_key *req, char ts[24],
    struct params_item items[CLIENT_RESET_N], struct params *view)
{
	size_t n;

	n = 0;
	items[n].name = (char *)"InstanceId";
	items[n++].value = (char *)req->instance;
	items[n].name = (char *)"GroupId";
	items[n++].value = (char *)req->group;
	items[n].name = (char *)"Topic";
	items[n++].value = (char *)req->topic;
	items[n].name = (char *)"Type";
	items[n++].value = (char *)(req->type == PLAN_TYPE_CLEAR ? "0" : "1");
	if (plan_key_has_time(req)) {
		snprintf(ts, 24, "%lld", (long long)req->reset_ms);
		items[n].name = (char *)"ResetTimestamp";
		items[n++].value = ts;
	}
	view->items = items;
	view->n = n;
	view->cap = CLIENT_RESET_N;
}

err_code
client_reset_params(const struct plan_key *req, struct params *p)
{
	struct params_item items[CLIENT_RESET_N];
	struct params view;
	char ts[24];
	size_t i;
	err_code rc;

	client_reset_view(req, ts, items, &view);
	rc = ERR_OK;
	for (i = 0; rc == ERR_OK && i < view.n; i++)
		rc = params_add(p, items[i].name, items[i].value);
	return rc;
}

/* A copy of p with the secret-bearing values masked. */
static err_code
client_mask(const struct client *c, const struct params *p,
    struct params *out)
{
	const char *v, *n;
	size_t i;
	err_code rc;

	rc = ERR_OK;
	for (i = 0; rc == ERR_OK && i < p->n; i++) {
		n = p->items[i].name;
		v = p->items[i].value;
		if (strcmp(n, "AccessKeyId") == 0 ||
		    strcasecmp(n, "x-acs-accesskey-id") == 0)
			v = creds_key_khint(c->key);
		else if (strcmp(n, "SecurityToken") == 0 ||
		    strcmp(n, "Signature") == 0 ||
		    strcasecmp(n, "x-acs-security-token") == 0)
			v = CLIENT_MASK;
		else if (strcasecmp(n, "Authorization") == 0)
			continue;
		rc = params_add(out, n, v);
	}
	return rc;
}

/* Append (name, value) to a borrowed view with room for it. */
static void
client_view_put(struct params *v, const char *name, const char *value)
{
	v->items[v->n].name = (char *)name;
	v->items[v->n].value = (char *)value;
	v->n++;
}

/*
 * v1, encoded once: the CanonicalizedQueryString (sorted, encoded, without
 * Signature) into enc, and the StringToSign built from it into sts.  enc
 * is then sent as it is with the signature appended
 * (sign_v1_append_signature).
 */
static err_code
client_v1_encode(const struct params *view, const char *method,
    struct buf *enc, struct buf *sts)
{
	err_code rc;

	rc = sign_v1_canonical(view, enc);
	if (rc == ERR_OK)
		rc = sign_v1_string_to_sign_canonical(method, buf_cstr(enc),
		    enc->len, sts);
	return rc;
}

/*
 * The v1 request: all parameters signed, in the query or the body.  The
 * signed list is a view of borrowed pointers (the caller's parameters,
 * literals, and the nonce, timestamp and signature on this stack frame);
 * w->signed_params gets owned copies only when w->want_params.
 */
static err_code
client_build_v1(struct client *c, const char *action,
    const struct params *params, struct client_wire *w, struct err *e)
{
	const struct creds_key *cr;
	struct params_item small[CLIENT_V1_ITEMS], *items;
	struct params view, masked;
	struct buf *sts, *enc;
	char nonce[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN], sig[SIGN_V1_LEN];
	size_t i, n, cap;
	int get;
	err_code rc;

	cr = c->key;
	get = strcmp(w->method, "GET") == 0;
	sts = &c->sts;
	enc = &c->enc;
	buf_reset(sts);
	buf_reset(enc);
	params_init(&masked);
	n = params != NULL ? params->n : 0;
	cap = n + CLIENT_V1_COMMON;
	items = cap <= CLIENT_V1_ITEMS ? small : malloc(cap * sizeof *items);
	if (items == NULL)
		return err_set(e, ERR_NOMEM, "cannot build the %s request: %s",
		    action, err_text(ERR_NOMEM));
	view.items = items;
	view.n = 0;
	view.cap = cap;
	rc = sign_nonce(nonce);
	sign_timestamp(clock_wall_ms(), ts);
	for (i = 0; i < n; i++)
		client_view_put(&view, params->items[i].name,
		    params->items[i].value);
	client_view_put(&view, "Action", action);
	client_view_put(&view, "Version", CLIENT_API_VERSION);
	client_view_put(&view, "Format", "JSON");
	client_view_put(&view, "AccessKeyId", creds_key_akid(cr));
	client_view_put(&view, "SignatureMethod", "HMAC-SHA1");
	client_view_put(&view, "SignatureVersion", "1.0");
	client_view_put(&view, "SignatureNonce", nonce);
	client_view_put(&view, "Timestamp", ts);
	if (creds_key_token(cr) != NULL)
		client_view_put(&view, "SecurityToken", creds_key_token(cr));
	if (rc == ERR_OK)
		rc = client_v1_encode(&view, w->method, enc, sts);
	if (rc == ERR_OK)
		rc = sign_v1_signature(creds_key_secret(cr), buf_cstr(sts), sig);
	if (rc == ERR_OK)
		rc = sign_v1_append_signature(enc, sig);
	if (rc == ERR_OK && w->want_params) {
		client_view_put(&view, "Signature", sig);
		params_sort(&view);
	}
	if (rc == ERR_OK)
		rc = buf_puts(&w->url, c->base);
	if (rc == ERR_OK)
		rc = buf_puts(&w->url, get ? "/?" : "/");
	if (rc == ERR_OK)
		rc = buf_append(get ? &w->url : &w->body, buf_cstr(enc),
		    enc->len);
	for (i = 0; rc == ERR_OK && w->want_params && i < view.n; i++)
		rc = params_add(&w->signed_params, view.items[i].name,
		    view.items[i].value);

	if (rc == ERR_OK && c->cfg.debug) {
		/* The dump is rebuilt from masked values. */
		buf_reset(sts);
		buf_reset(enc);
		rc = client_mask(c, &view, &masked);
		if (rc == ERR_OK)
			rc = client_v1_encode(&masked, w->method, enc, sts);
		if (rc == ERR_OK)
			rc = sign_v1_append_signature(enc, CLIENT_MASK);
		if (rc == ERR_OK)
			rc = buf_printf(&w->dbg, "StringToSign (AccessKeyId "
			    "and SecurityToken masked): %s\n> %s %s/%s%s\n",
			    buf_cstr(sts), w->method, c->base,
			    get ? "?" : "", get ? buf_cstr(enc) : "");
		if (rc == ERR_OK && !get)
			rc = buf_printf(&w->dbg, "> body: %s\n",
			    buf_cstr(enc));
	}
	params_free(&masked);
	OPENSSL_cleanse(sig, sizeof sig);
	if (items != small)
		free(items);
	if (rc != ERR_OK)
		err_set(e, rc, "cannot build the %s request: %s", action,
		    err_text(rc));
	return rc;
}

/*
 * The v3 request: action parameters in the query (GET or POST), an empty
 * body, signed headers.  Nothing travels unsigned but Accept.
 */
static err_code
client_build_v3(struct client *c, const char *action,
    const struct params *params, struct client_wire *w, struct err *e)
{
	const struct creds_key *cr;
	struct sign_v3_input in;
	struct params sorted, masked;
	struct buf cr_text, sh, sts, enc, auth;
	char nonce[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN];
	char hash[SIGN_HEX_LEN], sig[SIGN_HEX_LEN];
	size_t i;
	err_code rc;

	cr = c->key;
	params_init(&sorted);
	params_init(&masked);
	buf_init(&cr_text, CLIENT_REQ_MAX * 2);
	buf_init(&sh, 1024);
	buf_init(&sts, 256);
	buf_init(&enc, CLIENT_REQ_MAX);
	buf_init(&auth, 2048);
	rc = sign_nonce(nonce);
	sign_timestamp(clock_wall_ms(), ts);
	for (i = 0; rc == ERR_OK && params != NULL && i < params->n; i++)
		rc = params_add(&sorted, params->items[i].name,
		    params->items[i].value);
	if (rc == ERR_OK) {
		params_sort(&sorted);
		rc = sign_canonical_query(&sorted, &enc);
	}
	/* The body stays empty: every parameter is in the signed query. */
	sign_sha256_hex("", 0, hash);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "host", c->host);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "x-acs-action", action);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "x-acs-version",
		    CLIENT_API_VERSION);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "x-acs-date", ts);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "x-acs-signature-nonce", nonce);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "x-acs-content-sha256", hash);
	/* With STS the SDK names the key in a signed header too. */
	if (rc == ERR_OK && creds_key_token(cr) != NULL)
		rc = params_add(&w->headers, "x-acs-accesskey-id",
		    creds_key_akid(cr));
	if (rc == ERR_OK && creds_key_token(cr) != NULL)
		rc = params_add(&w->headers, "x-acs-security-token",
		    creds_key_token(cr));
	in.method = w->method;
	in.uri = "/";
	in.query = &sorted;
	in.headers = &w->headers;
	in.payload_sha256 = hash;
	if (rc == ERR_OK)
		rc = sign_v3_canonical_request(&in, &cr_text, &sh);
	if (rc == ERR_OK)
		rc = sign_v3_string_to_sign(buf_cstr(&cr_text), &sts);
	if (rc == ERR_OK)
		rc = sign_v3_signature(creds_key_secret(cr), buf_cstr(&sts), sig);
	if (rc == ERR_OK)
		rc = buf_printf(&auth, "ACS3-HMAC-SHA256 Credential=%s,"
		    "SignedHeaders=%s,Signature=%s", creds_key_akid(cr),
		    buf_cstr(&sh), sig);
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "Authorization", buf_cstr(&auth));
	if (rc == ERR_OK)
		rc = buf_printf(&w->url, "%s/%s%s", c->base,
		    enc.len > 0 ? "?" : "", buf_cstr(&enc));
	for (i = 0; rc == ERR_OK && i < sorted.n; i++)
		rc = params_add(&w->signed_params, sorted.items[i].name,
		    sorted.items[i].value);

	if (rc == ERR_OK && c->cfg.debug) {
		/* The canonical request again, from masked headers. */
		buf_reset(&cr_text);
		buf_reset(&sh);
		rc = client_mask(c, &w->headers, &masked);
		in.headers = &masked;
		if (rc == ERR_OK)
			rc = sign_v3_canonical_request(&in, &cr_text, &sh);
		if (rc == ERR_OK)
			rc = buf_printf(&w->dbg, "CanonicalRequest "
			    "(x-acs-security-token masked):\n%s\n%s\n"
			    "> %s %s\n> Authorization: ACS3-HMAC-SHA256 "
			    "Credential=%s,SignedHeaders=%s,Signature=%s\n",
			    buf_cstr(&cr_text), buf_cstr(&sts), w->method,
			    buf_cstr(&w->url), creds_key_khint(cr),
			    buf_cstr(&sh), CLIENT_MASK);
		for (i = 0; rc == ERR_OK && i < masked.n; i++)
			rc = buf_printf(&w->dbg, "> %s: %s\n",
			    masked.items[i].name, masked.items[i].value);
		if (rc == ERR_OK)
			rc = buf_printf(&w->dbg, "> Accept: %s\n",
			    CLIENT_V3_ACCEPT);
	}
	/* Unsigned, after the signature: v3 has no Format parameter, so the
	 * reply format is asked for here (v1 asks with Format=JSON). */
	if (rc == ERR_OK)
		rc = params_add(&w->headers, "Accept", CLIENT_V3_ACCEPT);
	OPENSSL_cleanse(sig, sizeof sig);
	params_free(&sorted);
	params_free(&masked);
	buf_free(&cr_text);
	buf_free(&sh);
	buf_free(&sts);
	buf_free(&enc);
	if (auth.data != NULL)
		OPENSSL_cleanse(auth.data, auth.len);
	buf_free(&auth);
	if (rc != ERR_OK)
		err_set(e, rc, "cannot build the %s request: %s", action,
		    err_text(rc));
	return rc;
}

static err_code
client_build(struct client *c, const char *action,
    const struct params *params, struct client_wire *w, struct err *e)
{
	w->method = c->cfg.method == CLIENT_GET ? "GET" : "POST";
	if (action == NULL || action[0] == '\0')
		return err_set(e, ERR_USAGE, "no action");
	if (c->cfg.signature_version == 3)
		return client_build_v3(c, action, params, w, e);
	return client_build_v1(c, action, params, w, e);
}

/*
 * Copy `in` to `out` with the key id replaced by its hint and the secret
 * and token replaced by "***", each in raw, percent-encoded and doubly
 * percent-encoded form (a server may echo its string to sign).  Used on
 * everything the server sent before it is shown.
 */
static err_code
client_scrub(const struct client *c, const char *in, struct buf *out)
{
	const char *raw[3], *rep[3];
	struct buf needle[9];
	const char *with[9];
	size_t i, k, n, len;
	const char *p;
	int hit;
	err_code rc;

	raw[0] = creds_key_akid(c->key);
	rep[0] = creds_key_khint(c->key);
	raw[1] = creds_key_secret(c->key);
	rep[1] = CLIENT_MASK;
	raw[2] = creds_key_token(c->key);
	rep[2] = CLIENT_MASK;
	rc = ERR_OK;
	n = 0;
	for (i = 0; i < 3; i++) {
		if (raw[i] == NULL || strlen(raw[i]) < 4)
			continue;
		for (k = 0; k < 3; k++, n++) {
			buf_init(&needle[n], CLIENT_REQ_MAX);
			with[n] = rep[i];
			if (k == 0)
				rc = buf_puts(&needle[n], raw[i]);
			else
				rc = sign_pct_encode(&needle[n],
				    buf_cstr(&needle[n - 1]),
				    needle[n - 1].len);
			if (rc != ERR_OK)
				break;
		}
		if (rc != ERR_OK) {
			n++;
			break;
		}
	}
	for (p = in; rc == ERR_OK && *p != '\0';) {
		hit = 0;
		for (k = 0; k < n; k++) {
			len = needle[k].len;
			if (len > 0 && strncmp(p, buf_cstr(&needle[k]), len) ==
			    0) {
				rc = buf_puts(out, with[k]);
				p += len;
				hit = 1;
				break;
			}
		}
		if (!hit)
			rc = buf_putc(out, *p++);
	}
	for (k = 0; k < n; k++)
		buf_free(&needle[k]);
	return rc;
}

/* Scrub a fixed-size reply field in place (see client_scrub). */
static void
client_scrub_field(const struct client *c, char *field, size_t size)
{
	struct buf b;

	/* Nothing to hide in an empty field (the usual success). */
	if (field[0] == '\0')
		return;
	buf_init(&b, CLIENT_REQ_MAX);
	if (client_scrub(c, field, &b) == ERR_OK)
		snprintf(field, size, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* Write a multi-line debug text, one msg_debug per line. */
static void
client_debug_lines(const char *text)
{
	const char *p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			msg_debug("%s", p);
			break;
		}
		msg_debug("%.*s", (int)(nl - p), p);
	}
}

/* One attempt with the keys in c->key (see client_call). */
static err_code
client_call_once(struct client *c, const char *action,
    const struct params *params, struct reply *out, struct err *e)
{
	struct client_wire *w;
	struct http_request req;
	struct err te;
	err_code rc;

	reply_free(out);
	c->stats.calls++;
	/* The client's wire, emptied: its buffers keep their memory. */
	w = &c->wire;
	client_wire_reset(w);
	rc = client_build(c, action, params, w, e);
	if (rc != ERR_OK) {
		reply_set_transport(out, rc, 0, err_message(e));
		out->cls = REPLY_FATAL;
		return rc;
	}
	if (c->cfg.debug)
		client_debug_lines(buf_cstr(&w->dbg));
	req.method = w->method;
	req.url = buf_cstr(&w->url);
	req.headers = &w->headers;
	req.body = strcmp(w->method, "POST") == 0 ? buf_cstr(&w->body) : NULL;
	req.body_len = strcmp(w->method, "POST") == 0 ? w->body.len : 0;
	err_clear(&te);
	rc = http_do(c->http, &req, &c->resp, &te);
	c->stats.connects += (uint64_t)(c->resp.connects > 0 ?
	    c->resp.connects : 0);
	c->stats.bytes_sent += c->resp.bytes_sent;
	if (rc == ERR_OK) {
		struct reply_hints hints = {
			.acs_retry_after = c->resp.acs_retry_after,
			.ratelimit_user_api = c->resp.ratelimit_user_api,
			.ratelimit_user = c->resp.ratelimit_user,
			.retry_after = c->resp.retry_after,
		};

		rc = reply_parse(out, c->resp.status, buf_cstr(&c->resp.body),
		    c->resp.body.len, &hints, c->resp.sent);
	} else
		rc = reply_set_transport(out, rc, c->resp.sent,
		    err_message(&te));
	out->latency_us = c->resp.latency_us;
	/* Whatever the server echoed, it is shown only scrubbed. */
	client_scrub_field(c, out->message, sizeof out->message);
	client_scrub_field(c, out->detail, sizeof out->detail);
	if (c->cfg.debug) {
		struct buf sb;

		buf_init(&sb, 4 * c->cfg.reply_cap);
		msg_debug("< HTTP %ld (%lld ms, %ld new connection%s)",
		    c->resp.status, (long long)(out->latency_us / 1000),
		    c->resp.connects, c->resp.connects == 1 ? "" : "s");
		if (c->resp.body.len > 0 &&
		    client_scrub(c, buf_cstr(&c->resp.body), &sb) == ERR_OK)
			msg_debug("< %s", buf_cstr(&sb));
		buf_free(&sb);
		msg_debug("outcome: %s%s%s%s", reply_class_name(out->cls),
		    out->maybe_applied ? " (may have been applied)" : "",
		    out->detail[0] != '\0' ? ": " : "", out->detail);
	}
	if (rc != ERR_OK) {
		if (out->request_id[0] != '\0')
			err_set(e, rc, "%s (RequestId %s)", out->detail,
			    out->request_id);
		else
			err_set(e, rc, "%s", out->detail);
	}
	return rc;
}

/* The service's code for a SecurityToken past its Expiration. */
#define CLIENT_EXPIRED_CODE "InvalidSecurityToken.Expired"

/*
 * Every call signs with the credentials' current keys, taken per call
 * (creds_acquire refreshes them first when they are due, once for all
 * clients).  A reply saying the token expired means the request was
 * refused, not applied: the keys are refreshed and the same request is
 * sent once more, fresh nonce and all, inside this call.
 */
err_code
client_call(struct client *c, const char *action,
    const struct params *params, struct reply *out, struct err *e)
{
	struct creds *cr;
	struct err re;
	err_code rc, rrc;
	int tries, again;

	/* The credentials object refreshes itself under its own locks;
	 * the client only reads it. */
	cr = (struct creds *)(uintptr_t)c->cfg.creds;
	for (tries = 0;; tries++) {
		rc = creds_acquire(cr, &c->key, e);
		if (rc != ERR_OK) {
			reply_free(out);
			reply_set_transport(out, rc, 0, err_message(e));
			out->cls = REPLY_FATAL;
			return rc;
		}
		rc = client_call_once(c, action, params, out, e);
		again = 0;
		if (tries == 0 && strcmp(out->code, CLIENT_EXPIRED_CODE) == 0) {
			err_clear(&re);
			rrc = creds_refresh(cr, c->key, &re);
			if (rrc == ERR_OK) {
				again = 1;
				msg_debug("%s: %s; keys refreshed, sending the "
				    "request again", action,
				    CLIENT_EXPIRED_CODE);
			} else
				msg_warn("%s: %s and no refresh: %s", action,
				    CLIENT_EXPIRED_CODE, err_message(&re));
		}
		creds_release(c->key);
		c->key = NULL;
		if (!again)
			return rc;
	}
}

err_code
client_reset_offset(struct client *c, const struct plan_key *req,
    struct reply *out, struct err *e)
{
	struct params_item items[CLIENT_RESET_N];
	struct params view;
	char ts[24];

	/* Borrowed, not copied: client_call only reads the parameters. */
	client_reset_view(req, ts, items, &view);
	return client_call(c, "OnsConsumerResetOffset", &view, out, e);
}

err_code
client_preview(struct client *c, const char *action,
    const struct params *params, struct params *shown, struct err *e)
{
	struct client_wire w;
	size_t i;
	err_code rc;

	client_wire_init(&w);
	w.want_params = 1;
	rc = creds_acquire((struct creds *)(uintptr_t)c->cfg.creds, &c->key,
	    e);
	if (rc != ERR_OK) {
		client_wire_free(&w);
		return rc;
	}
	rc = client_build(c, action, params, &w, e);
	if (rc == ERR_OK && c->cfg.signature_version == 3) {
		for (i = 0; rc == ERR_OK && i < w.signed_params.n; i++)
			rc = params_add(shown, w.signed_params.items[i].name,
			    w.signed_params.items[i].value);
		if (rc == ERR_OK)
			rc = params_add(shown, "AccessKeyId",
			    creds_key_khint(c->key));
		if (rc == ERR_OK)
			rc = client_mask(c, &w.headers, shown);
		params_remove(shown, "x-acs-security-token");
	} else if (rc == ERR_OK) {
		rc = client_mask(c, &w.signed_params, shown);
		params_remove(shown, "Signature");
		params_remove(shown, "SecurityToken");
	}
	if (rc == ERR_OK && c->cfg.debug)
		client_debug_lines(buf_cstr(&w.dbg));
	creds_release(c->key);
	c->key = NULL;
	client_wire_free(&w);
	if (rc != ERR_OK && e != NULL && e->code == ERR_OK)
		err_set(e, rc, "out of memory");
	return rc;
}

void
client_stats(const struct client *c, struct client_stats *out)
{
	*out = c->stats;
}
