/*
 * http.h - the HTTP(S) transport under the API client: one libcurl easy
 * handle, reused for keep-alive.
 *
 * Design: the client (client.c) builds and signs a request; this module
 * only moves bytes.  It caps the reply body (struct buf: over the cap is
 * ERR_TOOBIG, not an allocation failure), keeps TLS peer and host
 * verification on (there is no switch to turn it off), never follows
 * redirects, and records whether the request had been sent completely
 * before a failure (from libcurl's byte counters), because
 * then the service may have applied it.
 *
 * Thread-safety: an http object is used by one thread at a time;
 * http_new()/http_destroy() are thread-safe once curl_global_init() ran
 * (client_global_init()).
 */
#ifndef MQR_HTTP_H
#define MQR_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "params.h"

struct http_config {
	long connect_timeout_ms; /* TCP + TLS connect limit */
	long timeout_ms;         /* whole transfer limit */
	const char *cacert;      /* CA bundle file, or NULL for the system's */
	size_t reply_cap;        /* max reply body bytes */
	const atomic_int *abort_flag; /* nonzero: stop the transfer (NULL:
	                                 none) */
};

struct http_request {
	const char *method;           /* "GET", "POST" or "PUT" (body as
	                                 for POST) */
	const char *url;              /* full URL, query included */
	const struct params *headers; /* extra headers, or NULL */
	const char *body;             /* POST body, or NULL */
	size_t body_len;              /* its length */
};

struct http_response {
	long status;             /* HTTP status; 0 when none arrived */
	struct buf body;         /* reply body (capped) */
	/* Throttle hint headers, raw, trimmed; "" when absent or when the
	 * value did not fit (a cut number would be a wrong hint). */
	char retry_after[32];    /* Retry-After (seconds) */
	char acs_retry_after[32]; /* x-acs-retry-after (milliseconds) */
	char ratelimit_user_api[256]; /* x-ratelimit-user-api
	                                 ("TimeLeft:<ms>", ...) */
	char ratelimit_user[256]; /* x-ratelimit-user (the same) */
	int sent;                /* 1: the request was sent completely */
	int64_t latency_us;      /* time spent in the transfer */
	long connects;           /* new connections this transfer opened */
	uint64_t bytes_sent;     /* request bytes written (headers + body) */
};

/* Initialise *r with a body capped at `cap` bytes; cannot fail. */
void
http_response_init(struct http_response *r, size_t cap);

/* Free the body; NULL-tolerant, repeatable. */
void
http_response_free(struct http_response *r);

/* A new transport (NULL with *e set: ERR_NOMEM, ERR_INTERNAL). */
struct http *
http_new(const struct http_config *cfg, struct err *e);

void
http_destroy(struct http *h);

/*
 * Perform one request.  *resp is reset first.  Returns ERR_OK when an HTTP
 * answer (any status) was read completely; otherwise ERR_TIMEOUT,
 * ERR_NET (connect, send or receive failure, connection closed),
 * ERR_RESOLVE (the host or proxy name does not resolve),
 * ERR_TLS (peer verification or certificate problem), ERR_TOOBIG (the
 * body passed the cap), ERR_INTERRUPTED (cfg->abort_flag was raised),
 * ERR_NOMEM, ERR_INTERNAL, with a one-line
 * description in *e and resp->sent telling whether the request had gone
 * out completely.  Once it had (resp->sent), the only codes are
 * ERR_TIMEOUT, ERR_NET, ERR_TOOBIG and ERR_INTERRUPTED, the ones that
 * tell the caller the service may have applied it: any other failure
 * after sending (a reply header over libcurl's limit, an allocation or
 * TLS failure while reading) is ERR_NET.
 */
err_code
http_do(struct http *h, const struct http_request *req,
    struct http_response *resp, struct err *e);

#endif /* MQR_HTTP_H */
