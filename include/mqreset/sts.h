/*
 * sts.h - temporary credentials from Alibaba Cloud STS (Security Token
 * Service, API version 2015-04-01): AssumeRole and AssumeRoleWithOIDC.
 *
 * Design: one call is one POST of an application/x-www-form-urlencoded
 * body to the STS endpoint, over a transport of its own (http.c) that
 * lives only for the call: refreshes are rare, so nothing is kept.
 * AssumeRole is signed like an Ons v1 request (HMAC-SHA1, sign.h) with
 * the caller's keys; AssumeRoleWithOIDC is not signed (the OIDC token is
 * the proof).  The reply's Credentials object becomes a struct sts_creds;
 * the cJSON tree never leaves sts.c and is wiped before it is freed.
 *
 * Thread-safety: every function is thread-safe (no shared state) once
 * client_global_init() ran.
 */
#ifndef MQR_STS_H
#define MQR_STS_H

#include <stdint.h>

#include "client.h"
#include "err.h"

/* The API version of STS. */
#define STS_API_VERSION "2015-04-01"
/* DurationSeconds: the service's minimum and the SDK's default. */
#define STS_DURATION_MIN 900
#define STS_DURATION_DEFAULT 3600

/* A set of temporary (or, from a credentials URI, possibly long-lived)
 * keys.  All strings owned; secret and token are wiped by
 * sts_creds_free(). */
struct sts_creds {
	char *key_id;       /* AccessKeyId */
	char *secret;       /* AccessKeySecret */
	char *token;        /* SecurityToken, or NULL */
	int64_t expires_ms; /* Expiration (wall ms, UTC); 0: none given */
};

/* One STS call. */
struct sts_request {
	const char *endpoint;     /* base URL ("https://sts.aliyuncs.com");
	                             http:// only for loopback */
	int oidc;                 /* 0: AssumeRole, 1: AssumeRoleWithOIDC */
	const char *key_id;       /* AssumeRole: the signing AccessKeyId */
	const char *secret;       /* AssumeRole: its secret */
	const char *token;        /* AssumeRole: its SecurityToken, or NULL */
	const char *role_arn;     /* RoleArn */
	const char *session_name; /* RoleSessionName; NULL: a generated one */
	const char *policy;       /* Policy, or NULL */
	const char *external_id;  /* ExternalId (AssumeRole), or NULL */
	const char *oidc_provider_arn; /* OIDCProviderArn (OIDC) */
	const char *oidc_token;   /* OIDCToken (OIDC); secret */
	int duration_s;           /* DurationSeconds; 0: 3600 */
	const char *cacert;       /* extra CA bundle, or NULL */
};

/* Empty *c (all NULL); cannot fail. */
void
sts_creds_init(struct sts_creds *c);

/* Wipe the secret and token and free everything; NULL-tolerant,
 * repeatable. */
void
sts_creds_free(struct sts_creds *c);

/*
 * The STS endpoint base URL into out: `override` when given (checked as
 * an Ons --endpoint: https://, or http:// for loopback), else
 * https://sts.REGION.aliyuncs.com with `region` (a profile's sts_region)
 * or else ALIBABA_CLOUD_STS_REGION (sts-vpc.REGION when `vpc` or
 * ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED is "true"), else
 * https://sts.aliyuncs.com, as the SDK.  ERR_USAGE for a bad override.
 * Reads the environment.
 */
err_code
sts_endpoint(const char *override, const char *region, int vpc,
    char out[CLIENT_URL_MAX], struct err *e);

/*
 * Call STS; on success *out (sts_creds_init'ed by the caller) holds the
 * keys.  Errors: ERR_USAGE (bad request), the transport's codes
 * (ERR_NET, ERR_TIMEOUT, ERR_TLS, ERR_RESOLVE...), ERR_CRED when STS
 * refused (the message names its Code, Message and RequestId), ERR_PROTO
 * for a reply that is not the documented JSON.  The message never holds
 * a secret.
 */
err_code
sts_call(const struct sts_request *req, struct sts_creds *out,
    struct err *e);

/*
 * Parse an STS/metadata Expiration ("2026-01-02T03:04:05Z") into wall
 * ms.  ERR_PARSE when malformed.  Pure.
 */
err_code
sts_parse_expiration(const char *s, int64_t *ms);

/*
 * Fill *out from a reply object that holds AccessKeyId, AccessKeySecret,
 * SecurityToken and Expiration (the STS Credentials object, the metadata
 * service's and a credentials URI's whole reply).  `what` names the
 * source in messages.  ERR_PROTO when a field is missing.  Internal to
 * the credential modules (sts.c, imds.c); `obj` is a cJSON object.
 */
err_code
sts_creds_from_json(const void *obj, const char *what, struct sts_creds *out,
    struct err *e);

/* Wipe every string of a cJSON tree, then free it; NULL-tolerant. */
void
sts_json_wipe_delete(void *root);

#endif /* MQR_STS_H */
