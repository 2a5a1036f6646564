/*
 * client.h - the Ons OpenAPI client: signed requests over HTTPS.
 *
 * Design: a client owns one libcurl easy handle (http.c), reused for every
 * call so the connection stays alive; one client per worker thread, as in
 * wrk.  A call builds the common and action parameters, signs them (v1
 * HMAC-SHA1 by default, or v3 ACS3-HMAC-SHA256; sign.h) with a fresh
 * SignatureNonce and Timestamp for every attempt, sends them by POST (v1:
 * a form body, the default) or GET (the query; v3 puts the parameters in
 * the query for POST too, with an empty body, as the SDK for Ons
 * 2019-02-14), and hands the answer to reply.c for
 * parsing and classification.  The caller gets a struct reply; cJSON and
 * curl never leak out.
 *
 * Thread-safety: client_global_init() must run once in the main thread
 * before any other thread starts; client_new()/client_destroy() are then
 * thread-safe; a struct client is used by one thread at a time (its
 * owner).  The config and credentials it borrows must stay unchanged and
 * alive until client_destroy().
 *
 * --debug (cfg->debug): the StringToSign (v1) or CanonicalRequest (v3),
 * the request and the reply go to msg_debug() with the Signature,
 * SecurityToken and Authorization signature replaced by "***" and the
 * AccessKeyId shown as its last 4 characters; the secret is never part of
 * any of them.
 */
#ifndef MQR_CLIENT_H
#define MQR_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "creds.h"
#include "err.h"
#include "params.h"
#include "plan.h"
#include "reply.h"

/* The product version of the Ons API (OnsConsumerResetOffset's page). */
#define CLIENT_API_VERSION "2019-02-14"
/* Default reply cap: real replies are a few hundred bytes. */
#define CLIENT_REPLY_CAP (1u << 20)
/* Default timeouts. */
#define CLIENT_CONNECT_TIMEOUT_MS 5000
#define CLIENT_TIMEOUT_MS 30000
/* Longest endpoint URL accepted. */
#define CLIENT_URL_MAX 512

enum client_method {
	CLIENT_POST = 0, /* v1: form body (default, as the official SDKs);
	                    v3: query string and an empty body */
	CLIENT_GET = 1   /* query string */
};

struct client_config {
	const char *endpoint;     /* base URL "https://ons.REGION.aliyuncs.com"
	                             (client_endpoint() builds it); http://
	                             only for loopback hosts */
	int signature_version;    /* 1 (default when 0) or 3 */
	enum client_method method; /* CLIENT_POST or CLIENT_GET */
	long connect_timeout_ms;  /* 0: CLIENT_CONNECT_TIMEOUT_MS */
	long timeout_ms;          /* whole call; 0: CLIENT_TIMEOUT_MS */
	const char *cacert;       /* extra CA bundle file (--cacert), or NULL;
	                             peer verification is always on */
	int debug;                /* dump requests and replies, redacted */
	size_t reply_cap;         /* max reply body; 0: CLIENT_REPLY_CAP */
	const struct creds *creds; /* borrowed; must outlive the client;
	                             each call signs with its current keys
	                             (creds_acquire: refreshed when due, for
	                             every client at once) */
	const atomic_int *abort_flag; /* optional (NULL: none): when it
	                             becomes nonzero, a call in progress stops
	                             within about a second with
	                             ERR_INTERRUPTED (maybe_applied set if the
	                             request had been sent), so a hard stop can
	                             join its workers instead of leaving them
	                             running */
};

/* Counters of one client (its owner thread reads them). */
struct client_stats {
	uint64_t calls;      /* calls attempted (sent or not) */
	uint64_t connects;   /* new connections opened (each a TLS handshake
	                        on https://), from CURLINFO_NUM_CONNECTS */
	uint64_t bytes_sent; /* request bytes sent (headers and body) */
};

/*
 * Once per process, in the main thread, before other threads start:
 * curl_global_init.  Returns ERR_INTERNAL when libcurl cannot start.
 */
err_code
client_global_init(void);

void
client_global_cleanup(void);

/* Which host of a region serves the API. */
enum client_endpoint_type {
	CLIENT_ENDPOINT_PUBLIC = 0, /* ons.REGION.aliyuncs.com */
	CLIENT_ENDPOINT_VPC = 1     /* ons-vpc.REGION.aliyuncs.com */
};

/*
 * The endpoint URL of `region` (lowercase letters, digits and '-') into
 * out: "https://ons.<region>.aliyuncs.com", or "https://ons-vpc.<region>
 * .aliyuncs.com" for CLIENT_ENDPOINT_VPC, except for the regions the SDK
 * for Ons 2019-02-14 maps to another host whatever the type
 * (cn-beijing-finance-1, the gov and internal regions: ons.aliyuncs.com;
 * ap-northeast-2-pop, eu-west-1-oxs, rus-west-1-pop:
 * ons.ap-northeast-1.aliyuncs.com).  ERR_USAGE with a message for an
 * empty or malformed region.  Pure.
 */
err_code
client_endpoint_for(const char *region, enum client_endpoint_type type,
    char out[CLIENT_URL_MAX], struct err *e);

/* Where a command's calls go, as its options and environment say. */
struct client_where {
	const char *endpoint;       /* --endpoint URL, or NULL */
	const char *endpoint_type;  /* --endpoint-type "public" or "vpc", or
	                               NULL (public) */
	const char *region;         /* --region, or NULL */
	const char *env_region;     /* ALIBABA_CLOUD_REGION_ID, or NULL */
	const char *profile_region; /* the credentials profile's region_id,
	                               or NULL */
};

/*
 * The endpoint URL into out[CLIENT_URL_MAX], shared by every command:
 * w->endpoint when given (it must be http:// or https://, with no path
 * other than "/", query or user info; plain http:// only when the host is
 * localhost, 127.0.0.0/8 or ::1; no region is needed, and an
 * endpoint_type with it is refused), else client_endpoint_for() the first
 * non-empty region of w->region, w->env_region, w->profile_region.  There
 * is no default region: with none, ERR_USAGE and a message saying how to
 * set one.  ERR_USAGE with a message for anything malformed.  Pure.
 */
err_code
client_endpoint(const struct client_where *w, char out[CLIENT_URL_MAX],
    struct err *e);

/*
 * A new client for cfg (copied, except creds which is borrowed).  The
 * endpoint is checked as by client_endpoint().  NULL on failure with
 * *e set (ERR_USAGE, ERR_NOMEM, ERR_INTERNAL).
 */
struct client *
client_new(const struct client_config *cfg, struct err *e);

/* Free the client and its connection; NULL-tolerant. */
void
client_destroy(struct client *c);

/*
 * One OnsConsumerResetOffset call for the plan row *req (one attempt:
 * retries are the caller's).
 * *out (reply_init'ed by the caller; previous content is freed) always
 * receives the outcome, including for transport failures.  Returns
 * out->err: ERR_OK only when out->cls is REPLY_OK; on local failures
 * before sending (ERR_NOMEM, ERR_INTERNAL, ERR_USAGE for a bad request)
 * out->cls is REPLY_FATAL and nothing was sent (also when the
 * credentials expired and could not be refreshed: ERR_CRED).  A reply
 * InvalidSecurityToken.Expired (refused, so not applied) makes the call
 * refresh the credentials and send the request once more; *out is the
 * second answer.  *e gets a one-line description of any failure
 * ("SignatureDoesNotMatch: ..." etc.).
 */
err_code
client_reset_offset(struct client *c, const struct plan_key *req,
    struct reply *out, struct err *e);

/*
 * Any Ons action with its action parameters (`params` may be NULL; the
 * common parameters are added here and must not be in it).  Same contract
 * as client_reset_offset().  For read-only actions (preflight, dry run,
 * tests): the reply's body is available through reply_get_*().
 */
err_code
client_call(struct client *c, const char *action,
    const struct params *params, struct reply *out, struct err *e);

/*
 * What a call would send, without sending it: the action parameters plus
 * the common ones (Format, Version, SignatureMethod, ...) into *shown
 * (params_init'ed by the caller), signed as for real so a credential or
 * signing problem shows up, but with no Signature, no SecurityToken and
 * the AccessKeyId replaced by its hint.  For dry runs.
 */
err_code
client_preview(struct client *c, const char *action,
    const struct params *params, struct params *shown, struct err *e);

/*
 * Build OnsConsumerResetOffset's action parameters for the row *req
 * (InstanceId, GroupId, Topic, Type, and ResetTimestamp when the row has
 * a time) into *p.
 */
err_code
client_reset_params(const struct plan_key *req, struct params *p);

/* The client's counters so far. */
void
client_stats(const struct client *c, struct client_stats *out);

/*
 * Is `host` (a URL's host: no brackets, no port) a loopback address
 * (127.0.0.0/8, ::1) or "localhost"?  A string check, no name lookup: the
 * rule "plain http:// only to loopback" for every URL mqreset is given.
 * Pure.
 */
int
client_host_is_loopback(const char *host);

#endif /* MQR_CLIENT_H */
