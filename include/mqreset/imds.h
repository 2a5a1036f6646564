/*
 * imds.h - credentials from the ECS instance metadata service (the
 * instance's RAM role) and from a credentials URI.
 *
 * Metadata service (the official credentials-go ecs_ram_role.go): first
 * PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds
 * (IMDSv2); when that fails the requests go without a token (IMDSv1)
 * unless v1 is disabled.  Then GET
 * /latest/meta-data/ram/security-credentials/ names the role (unless it
 * is given) and GET .../security-credentials/ROLE returns {"Code":
 * "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken",
 * "Expiration"}; the token travels in X-aliyun-ecs-metadata-token.
 * Timeouts are short (1 s to connect, 2 s in all) so that a machine that
 * is not an ECS instance moves on quickly.
 *
 * Credentials URI: GET the URI, same reply.
 *
 * Thread-safety: thread-safe (no shared state) once client_global_init()
 * ran.
 */
#ifndef MQR_IMDS_H
#define MQR_IMDS_H

#include "err.h"
#include "sts.h"

/* The metadata service's address on ECS (plain http, link-local). */
#define IMDS_DEFAULT_ENDPOINT "http://100.100.100.200"
/* The IMDSv2 token lifetime asked for (the SDK's value). */
#define IMDS_TOKEN_TTL 21600

struct imds_request {
	const char *endpoint;  /* base URL; IMDS_DEFAULT_ENDPOINT or a
	                          --metadata-endpoint (http:// for loopback
	                          only) */
	const char *role;      /* role name, or NULL to ask the service */
	int v1_disabled;       /* 1: fail when no IMDSv2 token is issued */
	const char *cacert;    /* extra CA bundle, or NULL */
};

/*
 * The instance role's credentials into *out (sts_creds_init'ed); the role
 * name used into role_out[role_size].  Errors: the transport's codes,
 * ERR_CRED for a refusal (HTTP status, Code not "Success"), ERR_PROTO.
 */
err_code
imds_fetch(const struct imds_request *req, struct sts_creds *out,
    char *role_out, size_t role_size, struct err *e);

/*
 * Credentials from a credentials URI (https://, or http:// to a loopback
 * address).  Errors as imds_fetch(); ERR_USAGE for a refused URI.
 */
err_code
imds_uri_fetch(const char *uri, const char *cacert, struct sts_creds *out,
    struct err *e);

/*
 * Check a URL for the plain-http rule: https:// always, http:// only
 * when its host is localhost, 127.0.0.0/8 or [::1].  ERR_USAGE with a
 * message naming `what` otherwise.  Pure.
 */
err_code
imds_check_url(const char *url, const char *what, struct err *e);

#endif /* MQR_IMDS_H */
