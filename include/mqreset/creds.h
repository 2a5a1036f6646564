/*
 * creds.h - Alibaba Cloud credentials: where they come from, and keeping
 * the secret secret.
 *
 * Chain (first source that yields a key wins; PROTOCOL.md section 7,
 * after aliyun/credentials-go providers/default.go):
 *   1. environment: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_
 *      SECRET, optional ALIBABA_CLOUD_SECURITY_TOKEN (skipped when a
 *      profile was named explicitly);
 *   2. the aliyun CLI config ~/.aliyun/config.json: the profile named by
 *      --profile, else ALIBABA_CLOUD_PROFILE, else its "current"; modes
 *      "AK" and "StsToken" (other modes are ERR_CRED "not supported yet");
 *   3. the shared INI file ~/.alibabacloud/credentials (or
 *      ALIBABA_CLOUD_CREDENTIALS_FILE): section = profile name (default
 *      "default"), "type = access_key" with access_key_id and
 *      access_key_secret.
 * A profile named explicitly must exist in one of the files.  A credential
 * file readable by group or others gives a warning (msg_warn).
 *
 * Secrets: the AccessKeySecret and the STS token each live in their own
 * allocation, are registered with msg_secret_add() so no message can show
 * them, and are wiped with OPENSSL_cleanse() by creds_destroy().  They are
 * never read from the command line.
 *
 * The environment's copies: creds_load() overwrites the values of
 * ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN in
 * place (the bytes getenv() points at, which /proc/PID/environ shows for
 * an inherited variable) and unsets them, whichever source is used.
 *
 * A loaded struct creds is immutable: all getters are thread-safe, so one
 * object serves every worker.  creds_load() reads and edits the
 * environment, so it must run before any other thread starts (the
 * commands call it before the engine's workers exist).
 */
#ifndef MQR_CREDS_H
#define MQR_CREDS_H

#include <stddef.h>

#include "err.h"

struct creds;

struct creds_options {
	const char *profile; /* --profile NAME, or NULL */
	const char *home;    /* home directory; NULL: $HOME (tests pass a
	                        temporary one) */
};

/*
 * Walk the chain and return a new credentials object in *out.
 * ERR_CRED when no source yields a key, a named profile is missing, a mode
 * or type is unsupported, or a file is malformed (detail in *e, naming the
 * file and profile, never a secret); ERR_NOMEM.
 */
err_code
creds_load(const struct creds_options *o, struct creds **out,
    struct err *e);

/*
 * Harden the process once a secret is held: no core dumps (RLIMIT_CORE 0)
 * and PR_SET_DUMPABLE 0 (no ptrace by same-uid processes; /proc/PID/mem
 * and /proc/PID/environ readable by root only).  Called by creds_new();
 * idempotent, thread-safe, best effort (errors ignored).
 */
void
creds_protect_process(void);

/*
 * Build credentials from explicit values (tests, the emulator's own
 * clients).  token may be NULL.  The strings are copied.
 */
err_code
creds_new(const char *key_id, const char *secret, const char *token,
    struct creds **out);

/* Wipe and free; NULL-tolerant. */
void
creds_destroy(struct creds *c);

/* The AccessKeyId (not secret, but show only creds_key_hint in logs). */
const char *
creds_key_id(const struct creds *c);

/* The AccessKeySecret; never print it. */
const char *
creds_secret(const struct creds *c);

/* The STS SecurityToken, or NULL when not using STS; never print it. */
const char *
creds_token(const struct creds *c);

/* The region the profile names (region_id / region_id), or NULL. */
const char *
creds_region(const struct creds *c);

/* Where the key came from, for messages: "environment",
 * "/home/u/.aliyun/config.json profile 'default'", ... */
const char *
creds_source(const struct creds *c);

/* The key id as shown in logs: "****" + its last 4 characters. */
const char *
creds_key_hint(const struct creds *c);

#endif /* MQR_CREDS_H */
