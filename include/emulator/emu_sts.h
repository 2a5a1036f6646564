/*
 * emu_sts.h - the emulator's STS (AssumeRole, AssumeRoleWithOIDC) and
 * ECS metadata service, for tests and rehearsals of role-based setups.
 *
 * Design: issued temporary credentials are ordinary struct emu_cred
 * (key "STS." + hex, a secret, a SecurityToken, an expiry) kept in a
 * table of their own, mutex-guarded and append-only (an issued
 * credential is never freed before emu_sts_destroy, so the pointer a
 * request thread holds stays valid).  emu_state_find_cred() falls back
 * to this table (emu_state.sts), so the Ons request path authenticates
 * them like state credentials and answers InvalidSecurityToken.Expired
 * once they are past their expiry.
 *
 * STS (with --sts): a request whose Action is AssumeRole (v1-signed by a
 * state credential or an issued one, Version 2015-04-01) or
 * AssumeRoleWithOIDC (unsigned; an OIDC provider ARN and a non-empty
 * token) for a RoleArn listed in the state's "Roles".  The credentials
 * last min(DurationSeconds, --sts-duration) seconds.
 *
 * Metadata (with --metadata): PUT /latest/api/token (IMDSv2, header
 * X-aliyun-ecs-metadata-token-ttl-seconds), GET
 * /latest/meta-data/ram/security-credentials/ (the role name: the last
 * part of the state's first role ARN) and .../ROLE (the credentials, as
 * the metadata service's JSON).  With --imdsv2-only the GETs need a
 * valid X-aliyun-ecs-metadata-token, else 401.
 *
 * Thread-safety: all functions are thread-safe.
 */
#ifndef MQR_EMU_STS_H
#define MQR_EMU_STS_H

#include <stdint.h>

#include "emu_reply.h"
#include "emu_request.h"
#include "emu_state.h"

/* The STS API version served. */
#define EMU_STS_VERSION "2015-04-01"
/* Issued credentials kept at most (a test issues a few dozen). */
#define EMU_STS_MAX 65536

struct emu_sts_config {
	int sts;              /* 1: serve AssumeRole / AssumeRoleWithOIDC */
	int metadata;         /* 1: serve the metadata paths */
	int imdsv2_only;      /* 1: metadata GETs need a token */
	int64_t duration_ms;  /* lifetime of issued credentials */
};

struct emu_sts;

/* A new service (config copied), or NULL when out of memory. */
struct emu_sts *
emu_sts_new(const struct emu_sts_config *cfg);

/* Free it and every issued credential (secrets wiped); NULL-tolerant. */
void
emu_sts_destroy(struct emu_sts *s);

/* An issued credential by AccessKeyId, or NULL. */
struct emu_cred *
emu_sts_find(const struct emu_sts *s, const char *key_id);

/*
 * If the request is for this service (an STS Action, or a metadata path
 * of `uri`), answer it into *r and return 1; else return 0 (the Ons path
 * goes on).  `st` supplies the roles and the signing credentials.
 */
int
emu_sts_handle(struct emu_sts *s, const struct emu_state *st,
    const char *uri, const struct emu_request *req, int64_t now_ms,
    struct emu_reply *r);

/* Is `uri` a metadata path this service would answer? */
int
emu_sts_is_metadata(const struct emu_sts *s, const char *uri);

#endif /* MQR_EMU_STS_H */
