/*
 * sign.h - Alibaba Cloud OpenAPI request signatures (RPC style).
 *
 * No I/O, no clock, no configuration: the caller supplies time, nonce
 * and secret, and every result is a function of the arguments (nonces
 * aside, which come from OpenSSL's RNG).  So that a request does not pay
 * for OpenSSL's algorithm look-ups each time, sign.c does keep hidden
 * state: the HMAC and SHA-256 algorithm handles, fetched once
 * per process, and per thread (a pthread key, freed and wiped when the
 * thread exits) keyed HMAC contexts with a copy of their key and a pool
 * of random bytes for nonces; none of it is shared between threads or
 * visible to callers.  Both the client (to sign) and the emulator (to
 * verify, by recomputing and comparing in constant time) use this module,
 * so one canonicalisation serves both; known-answer tests from the published
 * examples keep it honest (tests/unit/test_sign.c).
 *
 * Sources (see mqreset-protocol(7), SIGNATURE V1, SIGNATURE V3 and WIRE
 * FORMAT):
 *  - v1: Alibaba Cloud "Request signature" (RPC, HMAC-SHA1).
 *  - v3: "Request syntax and signature method V3" (ACS3-HMAC-SHA256).
 * HMAC, SHA-256, base64 and random bytes come from OpenSSL.
 *
 * Secrets are passed as `const char *` and never copied into any output
 * buffer; intermediate key material is wiped with OPENSSL_cleanse.
 * All functions are thread-safe.
 */
#ifndef MQR_SIGN_H
#define MQR_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "params.h"

/* base64 of a 20-byte HMAC-SHA1 is 28 chars; with NUL 29. */
#define SIGN_V1_LEN 29
/* hex of a 32-byte digest plus NUL. */
#define SIGN_HEX_LEN 65
/* SignatureNonce: 32 lowercase hex chars plus NUL (as the Node SDK). */
#define SIGN_NONCE_LEN 33
/* "YYYY-MM-DDThh:mm:ssZ" plus NUL. */
#define SIGN_TIMESTAMP_LEN 21

/*
 * Append the RFC 3986 percent-encoding of s[0..n) to out: A-Z a-z 0-9
 * '-' '_' '.' '~' stay, every other byte becomes %XY (uppercase hex);
 * space is %20, never '+'.
 */
err_code
sign_pct_encode(struct buf *out, const char *s, size_t n);

/*
 * enc(name)=enc(value) for every parameter of p, sorted by name (byte
 * order), joined by '&': the v3 CanonicalizedQueryString, and the query or
 * form a client sends.  `p` is not modified.
 */
err_code
sign_canonical_query(const struct params *p, struct buf *out);

/*
 * The v1 CanonicalizedQueryString: every parameter except "Signature",
 * sorted by name (byte order), "enc(name)=enc(value)" joined by '&'.
 * `p` is not modified (a sorted view is made internally).
 */
err_code
sign_v1_canonical(const struct params *p, struct buf *out);

/* StringToSign = METHOD "&" enc("/") "&" enc(CanonicalizedQueryString). */
err_code
sign_v1_string_to_sign(const char *method, const struct params *p,
    struct buf *out);

/*
 * The same StringToSign from a CanonicalizedQueryString already built by
 * sign_v1_canonical() (canonical[0..n)): a client that sends that string
 * as its query or body encodes the parameters once, for both.
 */
err_code
sign_v1_string_to_sign_canonical(const char *method, const char *canonical,
    size_t n, struct buf *out);

/*
 * Append "&Signature=" enc(sig) to a canonical query: the v1 query or form
 * to send (the server reads it into a map, so the order does not matter).
 */
err_code
sign_v1_append_signature(struct buf *query, const char *sig);

/* Base64(HMAC-SHA1(secret + "&", string_to_sign)) into out. */
err_code
sign_v1_signature(const char *secret, const char *string_to_sign,
    char out[SIGN_V1_LEN]);

/* Inputs of a v3 signature. */
struct sign_v3_input {
	const char *method;           /* "GET" or "POST" */
	const char *uri;              /* canonical URI, "/" for RPC */
	const struct params *query;   /* query parameters (may be NULL) */
	const struct params *headers; /* headers to sign: host and x-acs-*
	                                 (names any case; lowercased inside) */
	const char *payload_sha256;   /* hex SHA-256 of the body */
};

/*
 * CanonicalRequest (METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nHASH) into out,
 * and the SignedHeaders list ("host;x-acs-action;...") into signed_headers.
 */
err_code
sign_v3_canonical_request(const struct sign_v3_input *in, struct buf *out,
    struct buf *signed_headers);

/* "ACS3-HMAC-SHA256\n" + hex(SHA256(canonical_request)) into out. */
err_code
sign_v3_string_to_sign(const char *canonical_request, struct buf *out);

/* hex(HMAC-SHA256(secret, string_to_sign)) into out. */
err_code
sign_v3_signature(const char *secret, const char *string_to_sign,
    char out[SIGN_HEX_LEN]);

/* hex(SHA-256(data[0..n))) into out. */
void
sign_sha256_hex(const void *data, size_t n, char out[SIGN_HEX_LEN]);

/* A fresh SignatureNonce: 32 lowercase hex chars from RAND_bytes. */
err_code
sign_nonce(char out[SIGN_NONCE_LEN]);

/* Format wall_ms (ms since epoch, UTC) as "YYYY-MM-DDThh:mm:ssZ". */
void
sign_timestamp(int64_t wall_ms, char out[SIGN_TIMESTAMP_LEN]);

/* Constant-time string equality (for verifying signatures); 1 if equal. */
int
sign_equal(const char *a, const char *b);

#endif /* MQR_SIGN_H */
