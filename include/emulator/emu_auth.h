/*
 * emu_auth.h - authenticate a request the way the OpenAPI gateway does.
 *
 * Signature v1 (HMAC-SHA1 over the sorted query or form parameters) and
 * v3 (ACS3-HMAC-SHA256, Authorization header) are verified by recomputing
 * them with the client's own sign module (sign.h) and comparing with
 * sign_equal(): one canonicalisation serves both sides, and the e2e test
 * that signs with `openssl dgst` in shell proves it independently.
 *
 * Checks, in this order, each answered with the service's code:
 *   missing common parameters       400 MissingParameter
 *   SignatureMethod / Version       400 InvalidParameter / InvalidVersion
 *   unknown AccessKeyId             404 InvalidAccessKeyId.NotFound
 *   disabled key                    400 InvalidAccessKeyId.Inactive
 *   STS token missing or wrong      400 InvalidSecurityToken.MismatchWithAccessKey
 *   STS token past its expiry       400 InvalidSecurityToken.Expired
 *   Timestamp not ISO 8601 UTC      400 InvalidTimeStamp.Format
 *   Timestamp off by > 15 min       400 InvalidTimeStamp.Expired
 *   signature differs               400 SignatureDoesNotMatch (the message
 *                                   carries the server's StringToSign,
 *                                   as the service's does)
 *   nonce seen in the last 15 min   400 SignatureNonceUsed
 * The nonce is recorded only once the signature is right, so a forged
 * request cannot burn a client's nonce.  A v3 request with a body must
 * sign content-type (and x-acs-content-sha256 must be the body's hash),
 * else SignatureDoesNotMatch: unsigned body parameters are refused.
 *
 * Authorisation (emu_auth_allowed) comes after the action is known: an
 * action listed in the credential's "Deny" is answered 403 Forbidden.RAM
 * with an AccessDeniedDetail, as the gateway does for a RAM policy.
 *
 * Thread-safe (the state's credentials are read-only while serving; the
 * nonce cache locks itself).
 */
#ifndef MQR_EMU_AUTH_H
#define MQR_EMU_AUTH_H

#include <stdint.h>

#include "emu_nonce.h"
#include "emu_reply.h"
#include "emu_request.h"
#include "emu_state.h"

/* The API version the emulator serves. */
#define EMU_API_VERSION "2019-02-14"
/* Allowed clock difference for Timestamp / x-acs-date. */
#define EMU_AUTH_SKEW_MS (15 * 60 * 1000)

struct emu_auth {
	const struct emu_cred *cred; /* the authenticated credential */
	const char *action;          /* Action (borrowed from the request) */
	int v3;                      /* 1: signature v3 */
};

/*
 * Authenticate req at now_ms.  Returns 1 and fills *out when the request
 * may proceed; returns 0 after making *reply the error answer.
 */
int
emu_auth_check(const struct emu_state *st, struct emu_nonce *nc,
    const struct emu_request *req, int64_t now_ms, struct emu_auth *out,
    struct emu_reply *reply);

/*
 * May the authenticated caller `a` run `action` (RAM action ram_action)?
 * Returns 1, or 0 after making *reply the Forbidden.RAM denial (the
 * principal is the AccessKeyId, the owner the state's Owner).
 */
int
emu_auth_allowed(const struct emu_state *st, const struct emu_auth *a,
    const char *action, const char *ram_action, struct emu_reply *reply);

/*
 * Parse "YYYY-MM-DDThh:mm:ssZ" (UTC, no fraction: what the SDKs send)
 * into ms since the epoch.  Returns 0, or -1 when malformed.
 */
int
emu_auth_parse_time(const char *s, int64_t *out_ms);

#endif /* MQR_EMU_AUTH_H */
