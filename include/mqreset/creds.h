/*
 * creds.h - Alibaba Cloud credentials: where they come from, keeping them
 * fresh, and keeping the secret secret.
 *
 * Chain (the official default chain's order, see mqreset(1)
 * CREDENTIALS); each source either yields keys, is "not set", or fails,
 * and a failure is kept for the final message while the chain moves on:
 *   1. environment: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_
 *      SECRET, optional ALIBABA_CLOUD_SECURITY_TOKEN;
 *   2. OIDC: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
 *      ALIBABA_CLOUD_OIDC_TOKEN_FILE (STS AssumeRoleWithOIDC);
 *   3. the aliyun CLI config ~/.aliyun/config.json (or
 *      ALIBABA_CLOUD_CONFIG_FILE): the profile named by --profile, else
 *      ALIBABA_CLOUD_PROFILE, else its "current"; modes AK, StsToken,
 *      RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC;
 *   4. the INI file ~/.alibabacloud/credentials (or
 *      ALIBABA_CLOUD_CREDENTIALS_FILE): section = profile (default
 *      "default"); type access_key, ram_role_arn, ecs_ram_role;
 *   5. the ECS metadata service (unless ALIBABA_CLOUD_ECS_METADATA_
 *      DISABLED is "true");
 *   6. ALIBABA_CLOUD_CREDENTIALS_URI, when set.
 * A profile named with --profile does not fall through: only the two
 * files are consulted and the profile's own result is the answer.
 *
 * Refresh: credentials from STS, the metadata service or a URI carry an
 * expiry.  creds_acquire() hands out the current keys and, when little of
 * their lifetime is left (a tenth of it or 3 minutes, whichever is more,
 * but at most half), one caller fetches new ones while the others go on
 * with the current keys; once they have expired every caller waits for
 * the one refresh.  creds_refresh() forces one after the service said
 * the token expired.
 *
 * Secrets: each AccessKeySecret and STS token lives in its own
 * allocation, is registered with msg_secret_add() so no message can show
 * it, and is wiped with OPENSSL_cleanse() when the last user of its keys
 * releases them.  They are never read from the command line.
 *
 * The environment's copies: creds_load() overwrites the values of
 * ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN in
 * place and unsets them, whichever source is used.
 *
 * Thread-safety: creds_load() reads and edits the environment, so it must
 * run before any other thread starts.  creds_acquire(), creds_release(),
 * creds_refresh() and the creds_key_* getters are thread-safe; the
 * creds_key_id() / creds_secret() / creds_token() / creds_key_hint()
 * getters name the current keys and are meant for single-threaded use
 * (before workers start, or for credentials that never refresh).
 */
#ifndef MQR_CREDS_H
#define MQR_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct creds;
/* One set of keys (AccessKeyId, secret, token), immutable, shared. */
struct creds_key;

/* Which source yielded the credentials. */
enum creds_kind {
	CREDS_STATIC = 0, /* long-lived or given keys: never refreshed */
	CREDS_ROLE,       /* STS AssumeRole with other credentials */
	CREDS_OIDC,       /* STS AssumeRoleWithOIDC */
	CREDS_ECS,        /* the ECS metadata service */
	CREDS_URI         /* a credentials URI */
};

struct creds_options {
	const char *profile; /* --profile NAME, or NULL */
	const char *home;    /* home directory; NULL: $HOME (tests pass a
	                        temporary one) */
	const char *sts_endpoint;      /* --sts-endpoint URL, or NULL */
	const char *metadata_endpoint; /* --metadata-endpoint URL, or NULL */
	const char *cacert;  /* --cacert FILE for STS / URI, or NULL */
	/* Optional: called once per source tried, with its name ("env",
	 * "oidc", a file and profile...) and what it said ("ok", "not
	 * set", or the failure).  For `whoami`. */
	void (*trace)(void *arg, const char *source, const char *said);
	void *trace_arg;
};

/*
 * Walk the chain and return a new credentials object in *out.
 * ERR_CRED when no source yields keys (the message lists what each
 * source said) or the named profile fails; ERR_USAGE for a bad
 * --sts-endpoint / --metadata-endpoint; ERR_NOMEM.  Never a secret in *e.
 */
err_code
creds_load(const struct creds_options *o, struct creds **out,
    struct err *e);

/*
 * Harden the process once a secret is held: no core dumps (RLIMIT_CORE 0)
 * and PR_SET_DUMPABLE 0.  Called by creds_new(); idempotent, thread-safe,
 * best effort (errors ignored).
 */
void
creds_protect_process(void);

/*
 * Build static credentials from explicit values (tests, the emulator's
 * own clients).  token may be NULL.  The strings are copied.
 */
err_code
creds_new(const char *key_id, const char *secret, const char *token,
    struct creds **out);

/* Wipe and free; NULL-tolerant.  No creds_key may still be held. */
void
creds_destroy(struct creds *c);

/*
 * The keys to sign one request with, refreshed first when due, with a
 * reference the caller gives back with creds_release().  Fails (ERR_CRED
 * or a transport code, *e set) only when the keys have expired and the
 * refresh failed; a failed early refresh is a warning and the current
 * keys are returned.  Thread-safe.
 */
err_code
creds_acquire(struct creds *c, struct creds_key **out, struct err *e);

/* Give keys back; NULL-tolerant.  Thread-safe. */
void
creds_release(struct creds_key *k);

/*
 * The service refused `stale` as expired: fetch new keys unless another
 * thread already replaced them.  ERR_CRED when these credentials cannot
 * be refreshed (static keys) or the refresh failed.  Thread-safe.
 */
err_code
creds_refresh(struct creds *c, const struct creds_key *stale,
    struct err *e);

/* Getters of a held creds_key; thread-safe. */
const char *
creds_key_akid(const struct creds_key *k);    /* AccessKeyId */
const char *
creds_key_secret(const struct creds_key *k);  /* never print it */
const char *
creds_key_token(const struct creds_key *k);   /* or NULL; never print */
const char *
creds_key_khint(const struct creds_key *k);   /* "****" + last 4 */
int64_t
creds_key_expires(const struct creds_key *k); /* wall ms; 0: never */

/* The current AccessKeyId (single-threaded use, see above). */
const char *
creds_key_id(const struct creds *c);

/* The current AccessKeySecret; never print it. */
const char *
creds_secret(const struct creds *c);

/* The current STS SecurityToken, or NULL; never print it. */
const char *
creds_token(const struct creds *c);

/* The region the profile names (region_id), or NULL. */
const char *
creds_region(const struct creds *c);

/* Where the keys come from, for messages: "environment",
 * "/home/u/.aliyun/config.json profile 'default' (RamRoleArn)", ... */
const char *
creds_source(const struct creds *c);

/* The current key id as shown in logs: "****" + its last 4 characters. */
const char *
creds_key_hint(const struct creds *c);

/* The role: its ARN (STS) or name (ECS), or NULL. */
const char *
creds_role(const struct creds *c);

/* The kind of source. */
enum creds_kind
creds_kind(const struct creds *c);

/* The current keys' expiry (wall ms), 0 when they do not expire. */
int64_t
creds_expires(const struct creds *c);

/* How many refreshes succeeded so far.  Thread-safe. */
unsigned
creds_refreshes(const struct creds *c);

#endif /* MQR_CREDS_H */
