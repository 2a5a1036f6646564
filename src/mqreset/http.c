/*
 * http.c - libcurl transport for the API client.  See include/mqreset/http.h.
 *
 * Design: one easy handle per http object, configured once (timeouts,
 * TLS, callbacks) and reused, so libcurl keeps the connection alive
 * between calls.  "Was the request fully sent?" is answered after the
 * transfer from libcurl's own byte counters (no debug callback, so no
 * CURLOPT_VERBOSE and none of the text libcurl formats for it):
 * CURLINFO_REQUEST_SIZE counts the bytes of the first write of the
 * request (headers, and the body when it fits in the same write) and
 * CURLINFO_SIZE_UPLOAD_T the body bytes, including those written later
 * when the first write was partial.  libcurl 7.x/8.x update both from the
 * byte count each send returned, exactly where they call the debug
 * callback with CURLINFO_HEADER_OUT/DATA_OUT, so the answer is the same
 * as counting in that callback.  libcurl's own silent re-send on a dead
 * reused connection is refused (prereq callback): only the caller
 * decides whether to send a request again.
 *
 * Per-request work is kept out of the loop: the fixed request headers are
 * built once per handle; the proxy variables libcurl would read from the
 * environment on every transfer are read once, on the first request
 * (same variables, same precedence, handed to libcurl as
 * CURLOPT_PROXY/NOPROXY).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "clock.h"
#include "version.h"

struct http {
	CURL *curl;            /* the easy handle (owns the connection) */
	struct http_config cfg; /* copied configuration */
	char *cacert;          /* owned copy of cfg.cacert */
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail for the last error */
	/* Per-transfer state the callbacks fill. */
	struct http_response *resp; /* where the reply goes */
	int toobig;            /* the body passed the cap */
	int prereqs;           /* times libcurl was about to send the
	                          request in this transfer */
	/* Built once, reused by every request without extra headers. */
	struct curl_slist *hdrs_base; /* the fixed lines (Expect:) */
	int proxy_set;         /* proxy options taken from the environment */
};

void
http_response_init(struct http_response *r, size_t cap)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, cap);
}

void
http_response_free(struct http_response *r)
{
	if (r == NULL)
		return;
	buf_free(&r->body);
}

static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http *h;

	h = ud;
	if (buf_append(&h->resp->body, ptr, size * nmemb) != ERR_OK) {
		/* Returning less than given makes libcurl stop with
		 * CURLE_WRITE_ERROR; we remember why. */
		h->toobig = 1;
		return 0;
	}
	return size * nmemb;
}

/*
 * Keep the throttle hint headers (names case-insensitive) in their
 * http_response fields; reply.c reads the values.  A value too long for
 * its field is dropped, not cut.
 */
static size_t
http_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	static const struct {
		const char *name; /* with the colon */
		size_t off, size; /* the field in struct http_response */
	} keep[] = {
		{ "retry-after:", offsetof(struct http_response, retry_after),
		  sizeof ((struct http_response *)0)->retry_after },
		{ "x-acs-retry-after:",
		  offsetof(struct http_response, acs_retry_after),
		  sizeof ((struct http_response *)0)->acs_retry_after },
		{ "x-ratelimit-user-api:",
		  offsetof(struct http_response, ratelimit_user_api),
		  sizeof ((struct http_response *)0)->ratelimit_user_api },
		{ "x-ratelimit-user:",
		  offsetof(struct http_response, ratelimit_user),
		  sizeof ((struct http_response *)0)->ratelimit_user },
	};
	struct http *h;
	size_t n, k, len, i, o;
	char *dst;

	h = ud;
	n = size * nmemb;
	/* A new response (after a proxy's CONNECT answer, say): only the
	 * last one's hints count. */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
		for (k = 0; k < sizeof keep / sizeof keep[0]; k++)
			*((char *)h->resp + keep[k].off) = '\0';
	for (k = 0; k < sizeof keep / sizeof keep[0]; k++) {
		len = strlen(keep[k].name);
		if (n <= len || strncasecmp(ptr, keep[k].name, len) != 0)
			continue;
		dst = (char *)h->resp + keep[k].off;
		for (i = len; i < n && (ptr[i] == ' ' || ptr[i] == '\t'); i++)
			;
		for (o = 0; i < n && ptr[i] != '\r' && ptr[i] != '\n'; i++) {
			if (o + 1 >= keep[k].size) {
				o = 0;
				break;
			}
			dst[o++] = ptr[i];
		}
		dst[o] = '\0';
		break;
	}
	return n;
}

/*
 * Called by libcurl each time it is about to send the request.  libcurl
 * re-sends a request by itself when a reused connection dies before any
 * answer byte; the service may already have applied the first copy, so
 * a second send is refused here and reported as an ambiguous failure (a
 * type 0 clear must never be repeated behind the caller's back).
 */
static int
http_prereq_cb(void *ud, char *primary_ip, char *local_ip, int primary_port,
    int local_port)
{
	struct http *h;

	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	h = ud;
	h->prereqs++;
	return h->prereqs > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

/* Progress callback: a raised abort flag stops the transfer. */
static int
http_xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct http *h;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	h = ud;
	return h->cfg.abort_flag != NULL && atomic_load(h->cfg.abort_flag);
}

/*
 * The fixed request headers; NULL on allocation failure.  Only one line:
 * "Expect:" drops libcurl's "Expect: 100-continue" (one round trip less).
 * Everything else is libcurl's default, because libcurl 7.x formats every
 * header line given here through its own printf, one byte at a time, on
 * every request: POST bodies go out as "application/x-www-form-urlencoded" (UTF-8 is the
 * form's encoding by the API's definition), libcurl's own Accept line
 * (any type) is sent, and the reply format is chosen by the request itself
 * (Format=JSON in v1; the v3 client adds an Accept line of its own).
 */
static struct curl_slist *
http_base_headers(void)
{
	return curl_slist_append(NULL, "Expect:");
}

/* First of two environment variables that is set, or NULL. */
static const char *
http_env2(const char *a, const char *b)
{
	const char *v;

	v = getenv(a);
	if (v == NULL && b != NULL)
		v = getenv(b);
	return v;
}

/*
 * Hand libcurl the proxy settings it would look up in the environment on
 * every transfer, looked up once with its rules (libcurl 7.x/8.x url.c):
 * no_proxy, then NO_PROXY; https_proxy, then HTTPS_PROXY, then all_proxy,
 * ALL_PROXY.  An unset or empty variable is "no proxy", as for libcurl.
 * Plain http:// never goes through a proxy (http_proxy and all_proxy are
 * ignored for it):
 * it is allowed only to a loopback address, and a proxy would carry the
 * signed request (and an STS token) in clear text over the network;
 * https:// through a proxy stays encrypted end to end (CONNECT).
 * Returns nonzero if an option was refused.
 */
static int
http_set_proxy(struct http *h, const char *url)
{
	const char *proxy, *noproxy;
	int bad;

	if (strncasecmp(url, "http://", 7) == 0) {
		proxy = "";
		noproxy = "*";
	} else {
		proxy = http_env2("https_proxy", "HTTPS_PROXY");
		if (proxy == NULL || proxy[0] == '\0')
			proxy = http_env2("all_proxy", "ALL_PROXY");
		noproxy = http_env2("no_proxy", "NO_PROXY");
	}
	bad = 0;
	bad |= curl_easy_setopt(h->curl, CURLOPT_NOPROXY,
	    noproxy != NULL ? noproxy : "") != CURLE_OK;
	bad |= curl_easy_setopt(h->curl, CURLOPT_PROXY,
	    proxy != NULL ? proxy : "") != CURLE_OK;
	if (!bad)
		h->proxy_set = 1;
	return bad;
}

struct http *
http_new(const struct http_config *cfg, struct err *e)
{
	struct http *h;
	CURL *c;
	int bad;

	h = calloc(1, sizeof *h);
	if (h == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	h->cfg = *cfg;
	if (cfg->cacert != NULL) {
		h->cacert = strdup(cfg->cacert);
		if (h->cacert == NULL) {
			free(h);
			err_set(e, ERR_NOMEM, "out of memory");
			return NULL;
		}
	}
	h->hdrs_base = http_base_headers();
	if (h->hdrs_base == NULL) {
		http_destroy(h);
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		http_destroy(h);
		err_set(e, ERR_INTERNAL, "libcurl: cannot create a handle");
		return NULL;
	}
	c = h->curl;
	bad = 0;
	/* Threads: no signals for timeouts (workers block them). */
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT,
	    "mqreset/" MQR_VERSION) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    cfg->connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms) !=
	    CURLE_OK;
	/* Only http and https, no redirects: the endpoint is the endpoint. */
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	/* HTTP/1.1 as the official SDKs speak it: the "fully sent" and
	 * "re-sent" detection above rely on its one-request-per-exchange
	 * byte counters, which HTTP/2 multiplexing does not give. */
	bad |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
	/* TLS verification is always on; --cacert only adds trust. */
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	if (h->cacert != NULL)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert) !=
		    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, h) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, http_prereq_cb) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PREREQDATA, h) != CURLE_OK;
	if (cfg->abort_flag != NULL) {
		bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION,
		    http_xferinfo_cb) != CURLE_OK;
		bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, h) !=
		    CURLE_OK;
		bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
	}
	if (bad) {
		http_destroy(h);
		err_set(e, ERR_INTERNAL, "libcurl: an option was refused");
		return NULL;
	}
	return h;
}

void
http_destroy(struct http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->hdrs_base);
	free(h->cacert);
	free(h);
}

/* The project error for a libcurl failure. */
static err_code
http_map(CURLcode cc)
{
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return ERR_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return ERR_RESOLVE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return ERR_TLS;
	case CURLE_OUT_OF_MEMORY:
		return ERR_NOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return ERR_INTERNAL;
	default:
		/* Connect, send, receive, closed connection, TLS
		 * handshake interrupted: transient network trouble. */
		return ERR_NET;
	}
}

/*
 * After a transfer: was the request written completely (resp->sent), and
 * how many bytes went out (resp->bytes_sent)?  `first` is what the first
 * write of the request took (headers, plus the body when it fitted),
 * `body` the body bytes written (those of the first write and any written
 * after a partial one).  Sent: something was written and the body bytes
 * reached the body length; for an empty body, any byte written.  After
 * libcurl tried a re-send (prereqs > 1; refused), the counters may have
 * been reset for the refused second attempt (libcurl re-initialises a
 * transfer's progress counters before each attempt), so nothing they say
 * can prove the first attempt unsent: the request counts as sent.  libcurl
 * re-sends only after writing on a reused connection that then died, so
 * the service may have received it, which is what `sent` must never deny.
 * bytes_sent is exact when the
 * request went out in one write (requests below the socket buffer) and a
 * lower bound otherwise.
 */
static void
http_sent(struct http *h, size_t body_len, struct http_response *resp)
{
	curl_off_t body;
	long first;

	first = 0;
	body = 0;
	if (curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &first) !=
	    CURLE_OK)
		first = 0;
	if (curl_easy_getinfo(h->curl, CURLINFO_SIZE_UPLOAD_T, &body) !=
	    CURLE_OK)
		body = 0;
	if (first < 0)
		first = 0;
	if (body < 0)
		body = 0;
	if (h->prereqs > 1)
		resp->sent = 1;
	else
		resp->sent = (first > 0 || body > 0) &&
		    (uint64_t)body >= body_len;
	resp->bytes_sent = (uint64_t)(first > body ? first : body);
}

/*
 * Over 100 lines on purpose: one transfer from the first option to the
 * last byte counter.  The per-request options, the perform, the "was it
 * sent?" reading and the mapping of libcurl's result must all see the
 * same handle state in that order; split into helpers they would pass
 * that state around and the order would no longer be visible in one
 * place, and that order is what keeps "may have been applied" truthful.
 */
err_code
http_do(struct http *h, const struct http_request *req,
    struct http_response *resp, struct err *e)
{
	struct curl_slist *hdrs, *tmp, *added, *base;
	struct buf line;
	int post, bare;
	CURLcode cc;
	long nc;
	long status;
	int64_t t0;
	size_t i;
	err_code rc;
	int bad;

	buf_reset(&resp->body);
	resp->status = 0;
	resp->retry_after[0] = '\0';
	resp->acs_retry_after[0] = '\0';
	resp->ratelimit_user_api[0] = '\0';
	resp->ratelimit_user[0] = '\0';
	resp->sent = 0;
	resp->latency_us = 0;
	resp->connects = 0;
	resp->bytes_sent = 0;
	h->resp = resp;
	h->toobig = 0;
	h->prereqs = 0;
	h->errbuf[0] = '\0';
	hdrs = NULL;
	rc = ERR_OK;
	/* PUT (the metadata service's token request) is sent as a POST
	 * with the method renamed. */
	post = strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0;
	base = h->hdrs_base;
	/* Extra headers (v3): a fresh list, the fixed lines first.  A POST
	 * with an empty body is not a form: "Content-Type:" drops the line
	 * libcurl would add (the v3 shape has none; and if there were one it
	 * would have to be signed). */
	bare = post && (req->body == NULL || req->body_len == 0);
	if ((req->headers != NULL && req->headers->n > 0) || bare) {
		buf_init(&line, 64 * 1024);
		for (tmp = base; rc == ERR_OK && tmp != NULL;
		    tmp = tmp->next) {
			added = curl_slist_append(hdrs, tmp->data);
			if (added == NULL)
				rc = ERR_NOMEM;
			else
				hdrs = added;
		}
		for (i = 0; rc == ERR_OK && req->headers != NULL &&
		    i < req->headers->n; i++) {
			buf_reset(&line);
			rc = buf_printf(&line, "%s: %s",
			    req->headers->items[i].name,
			    req->headers->items[i].value);
			if (rc != ERR_OK)
				break;
			added = curl_slist_append(hdrs, buf_cstr(&line));
			if (added == NULL)
				rc = ERR_NOMEM;
			else
				hdrs = added;
		}
		if (rc == ERR_OK && bare) {
			added = curl_slist_append(hdrs, "Content-Type:");
			if (added == NULL)
				rc = ERR_NOMEM;
			else
				hdrs = added;
		}
		buf_free(&line);
	}
	if (rc != ERR_OK) {
		curl_slist_free_all(hdrs);
		return err_set(e, rc, "cannot build the request headers");
	}

	if (!h->proxy_set && http_set_proxy(h, req->url) != 0) {
		curl_slist_free_all(hdrs);
		return err_set(e, ERR_INTERNAL, "libcurl: the proxy options "
		    "were refused");
	}
	bad = 0;
	bad |= curl_easy_setopt(h->curl, CURLOPT_URL, req->url) != CURLE_OK;
	bad |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER,
	    hdrs != NULL ? hdrs : base) != CURLE_OK;
	if (post) {
		/* POSTFIELDS is not copied: req->body outlives the transfer.
		 * A v3 POST with its parameters in the query has an empty
		 * body, sent with Content-Length: 0. */
		bad |= curl_easy_setopt(h->curl, CURLOPT_POST, 1L) != CURLE_OK;
		bad |= curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
		    strcmp(req->method, "PUT") == 0 ? "PUT" : NULL) !=
		    CURLE_OK;
		bad |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "") != CURLE_OK;
		bad |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0)) !=
		    CURLE_OK;
	} else {
		bad |= curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L) !=
		    CURLE_OK;
		bad |= curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
		    (char *)NULL) != CURLE_OK;
	}
	if (bad) {
		curl_slist_free_all(hdrs);
		return err_set(e, ERR_INTERNAL, "libcurl: a request option "
		    "was refused");
	}

	t0 = clock_mono_ns();
	cc = curl_easy_perform(h->curl);
	resp->latency_us = (clock_mono_ns() - t0) / 1000;
	curl_slist_free_all(hdrs);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);

	http_sent(h, post && req->body != NULL ? req->body_len : 0, resp);
	nc = 0;
	if (curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &nc) ==
	    CURLE_OK)
		resp->connects = nc;
	status = 0;
	if (curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status) ==
	    CURLE_OK)
		resp->status = status;
	h->resp = NULL;

	if (cc == CURLE_OK)
		return ERR_OK;
	if (h->toobig)
		return err_set(e, ERR_TOOBIG, "the reply is larger than %zu "
		    "bytes (HTTP %ld)", h->cfg.reply_cap, resp->status);
	if (cc == CURLE_ABORTED_BY_CALLBACK && h->cfg.abort_flag != NULL &&
	    atomic_load(h->cfg.abort_flag) && h->prereqs <= 1)
		return err_set(e, ERR_INTERRUPTED, "aborted%s",
		    resp->sent ? " after the request was sent (it may have "
		    "been applied)" : " before the request was sent");
	if (cc == CURLE_ABORTED_BY_CALLBACK && h->prereqs > 1)
		return err_set(e, ERR_NET, "the connection closed after the "
		    "request was sent, before any answer (not re-sent: it may "
		    "have been applied)");
	rc = http_map(cc);
	/* Once the request is out, the service may have applied it, whatever
	 * went wrong next: libcurl 7.x answers an oversized reply header
	 * (over 100 KB) with CURLE_OUT_OF_MEMORY, 8.x with CURLE_TOO_LARGE,
	 * and a failed TLS read is a TLS error.  Only the codes that carry
	 * "may have been applied" to the caller are returned then. */
	if (resp->sent && rc != ERR_TIMEOUT)
		return err_set(e, ERR_NET, "%s%s%s (after the request was "
		    "sent: it may have been applied)", curl_easy_strerror(cc),
		    h->errbuf[0] != '\0' ? ": " : "", h->errbuf);
	return err_set(e, rc, "%s%s%s", curl_easy_strerror(cc),
	    h->errbuf[0] != '\0' ? ": " : "", h->errbuf);
}
