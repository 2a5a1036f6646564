/*
 * sign.c - Alibaba Cloud OpenAPI request signatures, v1 (HMAC-SHA1) and
 * v3 (ACS3-HMAC-SHA256).  See include/sign.h for the contract and
 * ../shared/reference/PROTOCOL.md sections 2, 3 and 9 for the sources.
 *
 * Design: every function builds text into a caller's struct buf and is a
 * pure function of its arguments.  Keys derived from the secret (the v1
 * "secret&" key) live in a private heap buffer that is wiped with
 * OPENSSL_cleanse before it is freed.  All crypto is OpenSSL's.
 */
#include "sign.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* Limit for internal scratch buffers (sorted views, canonical headers). */
#define SIGN_SCRATCH_MAX (1u << 20)

static const char sign_hex_upper[] = "0123456789ABCDEF";
static const char sign_hex_lower[] = "0123456789abcdef";

/* RFC 3986 unreserved characters. */
static int
sign_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

err_code
sign_pct_encode(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u;
	char esc[3];
	size_t i, run;
	err_code rc;

	u = (const unsigned char *)s;
	rc = ERR_OK;
	i = 0;
	while (rc == ERR_OK && i < n) {
		/* Copy runs of unreserved bytes in one append. */
		run = 0;
		while (i + run < n && sign_unreserved(u[i + run]))
			run++;
		if (run > 0) {
			rc = buf_append(out, s + i, run);
			i += run;
			continue;
		}
		esc[0] = '%';
		esc[1] = sign_hex_upper[u[i] >> 4];
		esc[2] = sign_hex_upper[u[i] & 0x0f];
		rc = buf_append(out, esc, 3);
		i++;
	}
	return rc;
}

static err_code
sign_pct_encode_str(struct buf *out, const char *s)
{
	return sign_pct_encode(out, s, strlen(s));
}

/*
 * Indices of p's items sorted by name (byte order, stable), skipping
 * items named `skip` (NULL: skip nothing).  Returns a malloc'd array and
 * its length in *count; NULL on allocation failure (or empty list, with
 * *count 0 -- callers check count first).
 */
static size_t *
sign_sorted_view(const struct params *p, const char *skip, size_t *count)
{
	size_t *idx, i, j, k, t;

	*count = 0;
	if (p == NULL || p->n == 0)
		return NULL;
	idx = malloc(p->n * sizeof *idx);
	if (idx == NULL)
		return NULL;
	k = 0;
	for (i = 0; i < p->n; i++) {
		if (skip != NULL && strcmp(p->items[i].name, skip) == 0)
			continue;
		t = i;
		j = k;
		while (j > 0 &&
		    strcmp(p->items[idx[j - 1]].name, p->items[t].name) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = t;
		k++;
	}
	*count = k;
	return idx;
}

/* enc(name)=enc(value) joined by '&', sorted, skipping `skip`. */
static err_code
sign_canonical_query(const struct params *p, const char *skip,
    struct buf *out)
{
	size_t *idx, n, i;
	err_code rc;

	if (p == NULL || p->n == 0)
		return ERR_OK;
	idx = sign_sorted_view(p, skip, &n);
	if (idx == NULL)
		return ERR_NOMEM;
	rc = ERR_OK;
	for (i = 0; rc == ERR_OK && i < n; i++) {
		if (i > 0)
			rc = buf_putc(out, '&');
		if (rc == ERR_OK)
			rc = sign_pct_encode_str(out, p->items[idx[i]].name);
		if (rc == ERR_OK)
			rc = buf_putc(out, '=');
		if (rc == ERR_OK)
			rc = sign_pct_encode_str(out, p->items[idx[i]].value);
	}
	free(idx);
	return rc;
}

err_code
sign_v1_canonical(const struct params *p, struct buf *out)
{
	return sign_canonical_query(p, "Signature", out);
}

err_code
sign_v1_string_to_sign(const char *method, const struct params *p,
    struct buf *out)
{
	struct buf cq;
	err_code rc;

	buf_init(&cq, out->limit);
	rc = sign_v1_canonical(p, &cq);
	if (rc == ERR_OK)
		rc = buf_puts(out, method);
	if (rc == ERR_OK)
		rc = buf_puts(out, "&%2F&");
	if (rc == ERR_OK)
		rc = sign_pct_encode(out, buf_cstr(&cq), cq.len);
	buf_free(&cq);
	return rc;
}

err_code
sign_v1_signature(const char *secret, const char *string_to_sign,
    char out[SIGN_V1_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	size_t slen;
	char *key;
	err_code rc;

	out[0] = '\0';
	slen = strlen(secret);
	/* The key is secret + "&" in its own allocation, wiped after use. */
	key = malloc(slen + 2);
	if (key == NULL)
		return ERR_NOMEM;
	memcpy(key, secret, slen);
	key[slen] = '&';
	key[slen + 1] = '\0';
	rc = ERR_OK;
	maclen = 0;
	if (HMAC(EVP_sha1(), key, (int)(slen + 1),
	    (const unsigned char *)string_to_sign, strlen(string_to_sign),
	    mac, &maclen) == NULL || maclen != 20)
		rc = ERR_INTERNAL;
	OPENSSL_cleanse(key, slen + 2);
	free(key);
	if (rc == ERR_OK &&
	    EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen) !=
	    SIGN_V1_LEN - 1)
		rc = ERR_INTERNAL;
	OPENSSL_cleanse(mac, sizeof mac);
	if (rc != ERR_OK)
		out[0] = '\0';
	return rc;
}

static void
sign_hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = sign_hex_lower[d[i] >> 4];
		out[2 * i + 1] = sign_hex_lower[d[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

void
sign_sha256_hex(const void *data, size_t n, char out[SIGN_HEX_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, n, md);
	sign_hex(md, sizeof md, out);
}

/* Trim leading and trailing white space: [*start, *end). */
static void
sign_trim(const char *s, const char **start, const char **end)
{
	const char *b, *e;

	b = s;
	e = s + strlen(s);
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	*start = b;
	*end = e;
}

/* Lowercase copy of s (malloc'd), or NULL. */
static char *
sign_lower(const char *s)
{
	size_t i, n;
	char *d;

	n = strlen(s);
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	for (i = 0; i <= n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	return d;
}

err_code
sign_v3_canonical_request(const struct sign_v3_input *in, struct buf *out,
    struct buf *signed_headers)
{
	struct params lower;
	const char *b, *e;
	size_t *idx, n, i;
	char *name;
	err_code rc;

	params_init(&lower);
	idx = NULL;
	n = 0;
	rc = ERR_OK;
	/* Header names are case-insensitive: sign their lowercase form. */
	for (i = 0; rc == ERR_OK && in->headers != NULL &&
	    i < in->headers->n; i++) {
		name = sign_lower(in->headers->items[i].name);
		if (name == NULL) {
			rc = ERR_NOMEM;
			break;
		}
		rc = params_add(&lower, name, in->headers->items[i].value);
		free(name);
	}
	if (rc == ERR_OK && lower.n > 0) {
		idx = sign_sorted_view(&lower, NULL, &n);
		if (idx == NULL)
			rc = ERR_NOMEM;
	}
	if (rc == ERR_OK)
		rc = buf_printf(out, "%s\n%s\n", in->method, in->uri);
	if (rc == ERR_OK)
		rc = sign_canonical_query(in->query, NULL, out);
	if (rc == ERR_OK)
		rc = buf_putc(out, '\n');
	for (i = 0; rc == ERR_OK && i < n; i++) {
		sign_trim(lower.items[idx[i]].value, &b, &e);
		rc = buf_puts(out, lower.items[idx[i]].name);
		if (rc == ERR_OK)
			rc = buf_putc(out, ':');
		if (rc == ERR_OK)
			rc = buf_append(out, b, (size_t)(e - b));
		if (rc == ERR_OK)
			rc = buf_putc(out, '\n');
	}
	if (rc == ERR_OK)
		rc = buf_putc(out, '\n');
	for (i = 0; rc == ERR_OK && i < n; i++) {
		if (i > 0)
			rc = buf_putc(signed_headers, ';');
		if (rc == ERR_OK)
			rc = buf_puts(signed_headers,
			    lower.items[idx[i]].name);
	}
	if (rc == ERR_OK)
		rc = buf_append(out, buf_cstr(signed_headers),
		    signed_headers->len);
	if (rc == ERR_OK)
		rc = buf_printf(out, "\n%s", in->payload_sha256);
	free(idx);
	params_free(&lower);
	return rc;
}

err_code
sign_v3_string_to_sign(const char *canonical_request, struct buf *out)
{
	char hex[SIGN_HEX_LEN];

	sign_sha256_hex(canonical_request, strlen(canonical_request), hex);
	return buf_printf(out, "ACS3-HMAC-SHA256\n%s", hex);
}

err_code
sign_v3_signature(const char *secret, const char *string_to_sign,
    char out[SIGN_HEX_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;

	maclen = 0;
	out[0] = '\0';
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)string_to_sign, strlen(string_to_sign),
	    mac, &maclen) == NULL || maclen != SHA256_DIGEST_LENGTH) {
		OPENSSL_cleanse(mac, sizeof mac);
		return ERR_INTERNAL;
	}
	sign_hex(mac, maclen, out);
	OPENSSL_cleanse(mac, sizeof mac);
	return ERR_OK;
}

err_code
sign_nonce(char out[SIGN_NONCE_LEN])
{
	unsigned char r[16];

	out[0] = '\0';
	if (RAND_bytes(r, sizeof r) != 1)
		return ERR_INTERNAL;
	sign_hex(r, sizeof r, out);
	return ERR_OK;
}

void
sign_timestamp(int64_t wall_ms, char out[SIGN_TIMESTAMP_LEN])
{
	struct tm tm;
	time_t t;

	/* Floor division, so times before 1970 still round down. */
	t = (time_t)(wall_ms >= 0 ? wall_ms / 1000 : -((-wall_ms + 999) / 1000));
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, SIGN_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

int
sign_equal(const char *a, const char *b)
{
	size_t na, nb;

	na = strlen(a);
	nb = strlen(b);
	/* Length is not secret; the content comparison is constant-time. */
	if (na != nb)
		return 0;
	return CRYPTO_memcmp(a, b, na) == 0;
}
