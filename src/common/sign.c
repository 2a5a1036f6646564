/*
 * sign.c - Alibaba Cloud OpenAPI request signatures, v1 (HMAC-SHA1) and
 * v3 (ACS3-HMAC-SHA256).  See include/common/sign.h for the contract and
 * mqreset-protocol(7), SIGNATURE V1 and SIGNATURE V3, for the algorithms
 * and their sources.
 *
 * Design: every function builds text into a caller's struct buf and is a
 * pure function of its arguments.  Keys derived from the secret (the v1
 * "secret&" key) live in their own allocation, wiped with
 * OPENSSL_clear_free when no longer used.  All crypto is OpenSSL's.
 *
 * Cost: OpenSSL 3's one-shot HMAC(), SHA256() and RAND_bytes() look their
 * algorithm up in the provider store on every call (locks, hash tables),
 * which would cost more than the signing itself at every request.  So the
 * HMAC and digest algorithms are fetched once per process (pthread_once)
 * and each thread keeps, in a pthread key, one keyed EVP_MAC_CTX per HMAC
 * digest and a small pool of RAND_bytes output that nonces are cut from.
 * A context is reused as is while the key is the same (compared in
 * constant time with the key allocation it keeps) and rekeyed otherwise,
 * so the results are still a function of the arguments only.  Keys and
 * contexts are per thread, never shared, and wiped (OPENSSL_clear_free,
 * EVP_MAC_CTX_free) when replaced or when the thread exits.
 */
#include "sign.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* Limit for internal scratch buffers (sorted views, canonical headers). */
#define SIGN_SCRATCH_MAX (1u << 20)

/* Random bytes drawn at once for nonces (16 bytes per nonce). */
#define SIGN_RAND_POOL 512

static const char sign_hex_upper[] = "0123456789ABCDEF";
static const char sign_hex_lower[] = "0123456789abcdef";

/*
 * RFC 3986 unreserved bytes (A-Z a-z 0-9 - _ . ~): 1 in this table.
 * Encoding is on the signing path of every request, so it is one load
 * per byte, not a chain of comparisons.
 */
static const unsigned char sign_unreserved[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, /* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, /* 0x50 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, /* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xf0 */
};

/* Bytes gathered on the stack between two appends to the output. */
#define SIGN_ENC_CHUNK 512

/*
 * A writer that gathers output on the stack and appends it to a buf a
 * chunk at a time: an encoded query is dozens of short pieces, and one
 * buf_append per piece cost more than the encoding itself.  The first
 * error sticks in rc; later writes do nothing.
 */
struct sign_out {
	struct buf *buf;
	err_code rc;
	size_t k;                  /* bytes used in chunk */
	char chunk[SIGN_ENC_CHUNK];
};

static void
sign_out_init(struct sign_out *o, struct buf *buf)
{
	o->buf = buf;
	o->rc = ERR_OK;
	o->k = 0;
}

/* Make room for need (<= SIGN_ENC_CHUNK) bytes; 0 after an error. */
static int
sign_out_room(struct sign_out *o, size_t need)
{
	if (o->k + need > sizeof o->chunk) {
		if (o->rc == ERR_OK)
			o->rc = buf_append(o->buf, o->chunk, o->k);
		o->k = 0;
	}
	return o->rc == ERR_OK;
}

/* Write one byte as it is (the separators). */
static void
sign_out_putc(struct sign_out *o, char ch)
{
	if (sign_out_room(o, 1))
		o->chunk[o->k++] = ch;
}

/* Write the percent-encoding of s[0..n) (uppercase hex, RFC 3986). */
static void
sign_out_escape(struct sign_out *o, const char *s, size_t n)
{
	const unsigned char *u;
	char *c;
	size_t i, k, m, end;

	/* The position lives in a local: stores through the char chunk
	 * could alias o->k and force a reload per byte. */
	u = (const unsigned char *)s;
	c = o->chunk;
	k = o->k;
	i = 0;
	while (i < n) {
		/* As many bytes as surely fit (3 out per byte in), then no
		 * bound check per byte. */
		m = (sizeof o->chunk - k) / 3;
		if (m == 0) {
			o->k = k;
			if (!sign_out_room(o, 3))
				return;
			k = o->k;
			continue;
		}
		end = n - i < m ? n : i + m;
		for (; i < end; i++) {
			if (sign_unreserved[u[i]]) {
				c[k++] = (char)u[i];
				continue;
			}
			c[k++] = '%';
			c[k++] = sign_hex_upper[u[i] >> 4];
			c[k++] = sign_hex_upper[u[i] & 0x0f];
		}
	}
	o->k = k;
}

/* Append what is left in the chunk; the writer's result. */
static err_code
sign_out_finish(struct sign_out *o)
{
	if (o->rc == ERR_OK && o->k > 0)
		o->rc = buf_append(o->buf, o->chunk, o->k);
	o->k = 0;
	return o->rc;
}

err_code
sign_pct_encode(struct buf *out, const char *s, size_t n)
{
	struct sign_out o;

	sign_out_init(&o, out);
	sign_out_escape(&o, s, n);
	return sign_out_finish(&o);
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

/*
 * The parameters of p sorted by name, skipping items named `skip` (NULL:
 * none), each written as enc(name) "=" enc(value) and joined by '&'.
 */
static err_code
sign_join_sorted(const struct params *p, const char *skip, struct buf *out)
{
	struct sign_out o;
	size_t *idx, n, i;
	const char *name, *value;

	if (p == NULL || p->n == 0)
		return ERR_OK;
	idx = sign_sorted_view(p, skip, &n);
	if (idx == NULL)
		return ERR_NOMEM;
	sign_out_init(&o, out);
	for (i = 0; o.rc == ERR_OK && i < n; i++) {
		name = p->items[idx[i]].name;
		value = p->items[idx[i]].value;
		if (i > 0)
			sign_out_putc(&o, '&');
		sign_out_escape(&o, name, strlen(name));
		sign_out_putc(&o, '=');
		sign_out_escape(&o, value, strlen(value));
	}
	free(idx);
	return sign_out_finish(&o);
}

err_code
sign_canonical_query(const struct params *p, struct buf *out)
{
	return sign_join_sorted(p, NULL, out);
}

err_code
sign_v1_canonical(const struct params *p, struct buf *out)
{
	return sign_join_sorted(p, "Signature", out);
}

/*
 * The canonical string first, then the string to sign from it.  The
 * canonical string is never longer than its encoding, so out's limit
 * serves for both.
 */
err_code
sign_v1_string_to_sign(const char *method, const struct params *p,
    struct buf *out)
{
	struct buf canonical;
	err_code rc;

	buf_init(&canonical, out->limit);
	rc = sign_v1_canonical(p, &canonical);
	if (rc == ERR_OK)
		rc = sign_v1_string_to_sign_canonical(method,
		    buf_cstr(&canonical), canonical.len, out);
	buf_free(&canonical);
	return rc;
}

err_code
sign_v1_string_to_sign_canonical(const char *method, const char *canonical,
    size_t n, struct buf *out)
{
	err_code rc;

	rc = buf_puts(out, method);
	if (rc == ERR_OK)
		rc = buf_puts(out, "&%2F&");
	if (rc == ERR_OK)
		rc = sign_pct_encode(out, canonical, n);
	return rc;
}

err_code
sign_v1_append_signature(struct buf *query, const char *sig)
{
	err_code rc;

	rc = buf_puts(query, "&Signature=");
	if (rc == ERR_OK)
		rc = sign_pct_encode(query, sig, strlen(sig));
	return rc;
}

/* The HMAC digests a thread keeps a context for. */
enum sign_mac {
	SIGN_MAC_SHA1,   /* v1 */
	SIGN_MAC_SHA256, /* v3 */
	SIGN_MAC_N
};

/* Fetched once per process; read-only afterwards (NULL: fetch failed). */
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;
static EVP_MAC *sign_hmac;       /* the HMAC algorithm */
static EVP_MD *sign_sha256_md;   /* SHA-256 for payload hashes */
static pthread_key_t sign_key;   /* -> struct sign_tls of this thread */
static int sign_key_ok;          /* sign_key was created */

/* Per-thread state, freed (and wiped) when the thread exits. */
struct sign_tls {
	EVP_MAC_CTX *mac[SIGN_MAC_N]; /* HMAC contexts, digest set and keyed
	                                 with key[]; NULL until first use */
	unsigned char *key[SIGN_MAC_N]; /* the key mac[] holds, in its own
	                                   allocation; NULL: none valid */
	size_t keylen[SIGN_MAC_N];    /* length of key[] */
	unsigned char pool[SIGN_RAND_POOL]; /* RAND_bytes output not yet
	                                       used */
	size_t pool_left;             /* unused bytes at the pool's end */
};

static void
sign_tls_free(void *p)
{
	struct sign_tls *t;
	size_t i;

	t = p;
	if (t == NULL)
		return;
	for (i = 0; i < SIGN_MAC_N; i++) {
		EVP_MAC_CTX_free(t->mac[i]);
		if (t->key[i] != NULL)
			OPENSSL_clear_free(t->key[i], t->keylen[i]);
	}
	OPENSSL_cleanse(t, sizeof *t);
	free(t);
}

static void
sign_global_once(void)
{
	sign_hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	sign_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	sign_key_ok = pthread_key_create(&sign_key, sign_tls_free) == 0;
}

/* This thread's state, created on first use; NULL when unavailable. */
static struct sign_tls *
sign_tls_get(void)
{
	struct sign_tls *t;

	pthread_once(&sign_once, sign_global_once);
	if (!sign_key_ok)
		return NULL;
	t = pthread_getspecific(sign_key);
	if (t != NULL)
		return t;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	if (pthread_setspecific(sign_key, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* Forget the key of one cached context (after a failure or a new key). */
static void
sign_tls_forget(struct sign_tls *t, enum sign_mac which)
{
	if (t->key[which] != NULL)
		OPENSSL_clear_free(t->key[which], t->keylen[which]);
	t->key[which] = NULL;
	t->keylen[which] = 0;
}

/* Does k[0..klen) equal secret || sfx?  Constant time in the content. */
static int
sign_key_equal(const unsigned char *k, size_t klen, const char *secret,
    size_t slen, const char *sfx, size_t xlen)
{
	if (k == NULL || klen != slen + xlen)
		return 0;
	return CRYPTO_memcmp(k, secret, slen) == 0 &&
	    CRYPTO_memcmp(k + slen, sfx, xlen) == 0;
}

/* secret || sfx in a new allocation (free with OPENSSL_clear_free). */
static unsigned char *
sign_key_new(const char *secret, size_t slen, const char *sfx, size_t xlen)
{
	unsigned char *k;

	k = OPENSSL_malloc(slen + xlen > 0 ? slen + xlen : 1);
	if (k == NULL)
		return NULL;
	memcpy(k, secret, slen);
	memcpy(k + slen, sfx, xlen);
	return k;
}

/*
 * This thread's context for `which`, keyed with secret || sfx: reused as
 * is when it already holds that key, else rekeyed (the key allocation is
 * kept to compare with next time).  NULL on failure.
 */
static EVP_MAC_CTX *
sign_tls_mac(struct sign_tls *t, enum sign_mac which, const char *secret,
    size_t slen, const char *sfx, size_t xlen)
{
	static const char *const names[SIGN_MAC_N] = { "SHA1", "SHA256" };
	OSSL_PARAM prm[2];
	EVP_MAC_CTX *ctx;
	unsigned char *k;

	ctx = t->mac[which];
	if (ctx == NULL) {
		ctx = EVP_MAC_CTX_new(sign_hmac);
		if (ctx == NULL)
			return NULL;
		prm[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)names[which], 0);
		prm[1] = OSSL_PARAM_construct_end();
		if (EVP_MAC_CTX_set_params(ctx, prm) != 1) {
			EVP_MAC_CTX_free(ctx);
			return NULL;
		}
		t->mac[which] = ctx;
	}
	if (sign_key_equal(t->key[which], t->keylen[which], secret, slen, sfx,
	    xlen)) {
		/* Same key: restart from the keyed state. */
		if (EVP_MAC_init(ctx, NULL, 0, NULL) == 1)
			return ctx;
		sign_tls_forget(t, which);
		return NULL;
	}
	sign_tls_forget(t, which);
	k = sign_key_new(secret, slen, sfx, xlen);
	if (k == NULL)
		return NULL;
	if (EVP_MAC_init(ctx, k, slen + xlen, NULL) != 1) {
		OPENSSL_clear_free(k, slen + xlen);
		return NULL;
	}
	t->key[which] = k;
	t->keylen[which] = slen + xlen;
	return ctx;
}

/*
 * mac = HMAC-<digest>(secret || sfx, msg); *maclen its length.  Uses this
 * thread's cached context when there is one; otherwise OpenSSL's one-shot
 * HMAC() with a key allocation wiped after use.  Returns 0 on success, -1
 * on failure.
 */
static int
sign_hmac_compute(enum sign_mac which, const char *secret, const char *sfx,
    const char *msg, unsigned char mac[EVP_MAX_MD_SIZE], size_t *maclen)
{
	struct sign_tls *t;
	EVP_MAC_CTX *ctx;
	unsigned char *k;
	unsigned int n;
	size_t slen, xlen;
	int ok;

	*maclen = 0;
	slen = strlen(secret);
	xlen = strlen(sfx);
	t = sign_tls_get();
	if (t == NULL || sign_hmac == NULL) {
		k = sign_key_new(secret, slen, sfx, xlen);
		if (k == NULL)
			return -1;
		n = 0;
		ok = HMAC(which == SIGN_MAC_SHA1 ? EVP_sha1() : EVP_sha256(),
		    k, (int)(slen + xlen), (const unsigned char *)msg,
		    strlen(msg), mac, &n) != NULL;
		OPENSSL_clear_free(k, slen + xlen);
		*maclen = n;
		return ok ? 0 : -1;
	}
	ctx = sign_tls_mac(t, which, secret, slen, sfx, xlen);
	if (ctx == NULL ||
	    EVP_MAC_update(ctx, (const unsigned char *)msg, strlen(msg)) != 1 ||
	    EVP_MAC_final(ctx, mac, maclen, EVP_MAX_MD_SIZE) != 1) {
		/* Never reuse a context left in an unknown state. */
		sign_tls_forget(t, which);
		*maclen = 0;
		return -1;
	}
	return 0;
}

err_code
sign_v1_signature(const char *secret, const char *string_to_sign,
    char out[SIGN_V1_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen;
	err_code rc;

	out[0] = '\0';
	rc = ERR_OK;
	/* The key is secret + "&". */
	if (sign_hmac_compute(SIGN_MAC_SHA1, secret, "&", string_to_sign,
	    mac, &maclen) != 0 || maclen != 20)
		rc = ERR_INTERNAL;
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
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	pthread_once(&sign_once, sign_global_once);
	mdlen = 0;
	if (sign_sha256_md == NULL ||
	    EVP_Digest(data, n, md, &mdlen, sign_sha256_md, NULL) != 1 ||
	    mdlen != SHA256_DIGEST_LENGTH)
		SHA256(data, n, md);
	sign_hex(md, SHA256_DIGEST_LENGTH, out);
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
		rc = sign_canonical_query(in->query, out);
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
	size_t maclen;

	out[0] = '\0';
	if (sign_hmac_compute(SIGN_MAC_SHA256, secret, "", string_to_sign,
	    mac, &maclen) != 0 ||
	    maclen != SHA256_DIGEST_LENGTH) {
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
	struct sign_tls *t;

	out[0] = '\0';
	t = sign_tls_get();
	if (t == NULL) {
		if (RAND_bytes(r, sizeof r) != 1)
			return ERR_INTERNAL;
	} else {
		/* Cut the nonce from the pool, refilled from RAND_bytes. */
		if (t->pool_left < sizeof r) {
			if (RAND_bytes(t->pool, sizeof t->pool) != 1)
				return ERR_INTERNAL;
			t->pool_left = sizeof t->pool;
		}
		t->pool_left -= sizeof r;
		memcpy(r, t->pool + t->pool_left, sizeof r);
		/* Each byte goes into one nonce only. */
		OPENSSL_cleanse(t->pool + t->pool_left, sizeof r);
	}
	sign_hex(r, sizeof r, out);
	return ERR_OK;
}

/* v (0 <= v < 10^width) as `width` decimal digits, zero-padded. */
static void
sign_digits(char *p, int v, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
sign_timestamp(int64_t wall_ms, char out[SIGN_TIMESTAMP_LEN])
{
	struct tm tm;
	time_t t;

	/* Floor division, so times before 1970 still round down. */
	t = (time_t)(wall_ms >= 0 ? wall_ms / 1000 : -((-wall_ms + 999) / 1000));
	/* "%Y-%m-%dT%H:%M:%SZ" by hand (strftime cost more than the rest of
	 * the timestamp path); years outside 0..9999 do not fit: "". */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		out[0] = '\0';
		return;
	}
	sign_digits(out, tm.tm_year + 1900, 4);
	out[4] = '-';
	sign_digits(out + 5, tm.tm_mon + 1, 2);
	out[7] = '-';
	sign_digits(out + 8, tm.tm_mday, 2);
	out[10] = 'T';
	sign_digits(out + 11, tm.tm_hour, 2);
	out[13] = ':';
	sign_digits(out + 14, tm.tm_min, 2);
	out[16] = ':';
	sign_digits(out + 17, tm.tm_sec, 2);
	out[19] = 'Z';
	out[20] = '\0';
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
