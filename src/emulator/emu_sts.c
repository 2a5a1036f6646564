/*
 * emu_sts.c - STS and the ECS metadata service in the emulator.  See
 * include/emulator/emu_sts.h.
 */
#include "emu_sts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "emu_auth.h"
#include "sign.h"

#define EMU_STS_TOKENS 1024 /* IMDSv2 tokens remembered */
#define EMU_MD_PREFIX "/latest/"
#define EMU_MD_TOKEN "/latest/api/token"
#define EMU_MD_CREDS "/latest/meta-data/ram/security-credentials/"

struct emu_md_token {
	char value[SIGN_NONCE_LEN]; /* the token */
	int64_t expires_ms;         /* its end */
};

struct emu_sts {
	struct emu_sts_config cfg;   /* copied */
	pthread_mutex_t lock;        /* guards everything below */
	struct emu_cred **issued;    /* issued credentials (owned) */
	size_t nissued, capissued;   /* used / allocated */
	struct emu_md_token tokens[EMU_STS_TOKENS]; /* ring of tokens */
	size_t ntokens;              /* tokens issued so far */
};

struct emu_sts *
emu_sts_new(const struct emu_sts_config *cfg)
{
	struct emu_sts *s;

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

static void
emu_sts_wipe(char *p)
{
	if (p != NULL)
		OPENSSL_cleanse(p, strlen(p));
	free(p);
}

void
emu_sts_destroy(struct emu_sts *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nissued; i++) {
		free(s->issued[i]->key_id);
		emu_sts_wipe(s->issued[i]->secret);
		emu_sts_wipe(s->issued[i]->token);
		free(s->issued[i]);
	}
	free(s->issued);
	OPENSSL_cleanse(s->tokens, sizeof s->tokens);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct emu_cred *
emu_sts_find(const struct emu_sts *s, const char *key_id)
{
	struct emu_sts *m = (struct emu_sts *)(uintptr_t)s;
	struct emu_cred *c;
	size_t i;

	if (s == NULL || key_id == NULL || strncmp(key_id, "STS.", 4) != 0)
		return NULL;
	c = NULL;
	pthread_mutex_lock(&m->lock);
	for (i = m->nissued; i > 0; i--)
		if (strcmp(m->issued[i - 1]->key_id, key_id) == 0) {
			c = m->issued[i - 1];
			break;
		}
	pthread_mutex_unlock(&m->lock);
	return c;
}

/* "prefix" + 32 random hex characters, malloc'd; NULL on failure. */
static char *
emu_sts_random(const char *prefix)
{
	char hex[SIGN_NONCE_LEN], *out;
	size_t n;

	if (sign_nonce(hex) != ERR_OK)
		return NULL;
	n = strlen(prefix) + sizeof hex;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s%s", prefix, hex);
	OPENSSL_cleanse(hex, sizeof hex);
	return out;
}

/* Issue credentials that expire at expires_ms; NULL when full or out of
 * memory. */
static struct emu_cred *
emu_sts_issue(struct emu_sts *s, int64_t expires_ms, size_t owner)
{
	struct emu_cred *c, **grown;
	size_t cap;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->owner = owner;
	c->key_id = emu_sts_random("STS.");
	c->secret = emu_sts_random("");
	c->token = emu_sts_random("CAIS");
	c->expires_ms = expires_ms;
	if (c->key_id == NULL || c->secret == NULL || c->token == NULL)
		goto fail;
	pthread_mutex_lock(&s->lock);
	if (s->nissued == s->capissued && s->nissued < EMU_STS_MAX) {
		cap = s->capissued == 0 ? 16 : 2 * s->capissued;
		grown = realloc(s->issued, cap * sizeof *grown);
		if (grown != NULL) {
			s->issued = grown;
			s->capissued = cap;
		}
	}
	if (s->nissued == s->capissued || s->nissued >= EMU_STS_MAX) {
		pthread_mutex_unlock(&s->lock);
		goto fail;
	}
	s->issued[s->nissued++] = c;
	pthread_mutex_unlock(&s->lock);
	return c;
fail:
	free(c->key_id);
	emu_sts_wipe(c->secret);
	emu_sts_wipe(c->token);
	free(c);
	return NULL;
}

/*
 * The account a role belongs to: the UID in "acs:ram::UID:role/NAME"
 * when it is one of the state's accounts, else the state's Owner (0).
 */
static size_t
emu_sts_arn_owner(const struct emu_state *st, const char *arn)
{
	char uid[64];
	const char *p = arn + strlen("acs:ram::"), *end;

	if (strncmp(arn, "acs:ram::", 9) != 0)
		return 0;
	end = strchr(p, ':');
	if (end == NULL || (size_t)(end - p) >= sizeof uid)
		return 0;
	memcpy(uid, p, (size_t)(end - p));
	uid[end - p] = '\0';
	return emu_state_owner_find(st, uid);
}

/* Is `arn` one of the state's roles? */
static int
emu_sts_role_known(const struct emu_state *st, const char *arn)
{
	size_t i;

	for (i = 0; i < st->nroles; i++)
		if (strcmp(st->roles[i], arn) == 0)
			return 1;
	return 0;
}

/* The credentials object of a reply: "AccessKeyId":...,"Expiration":... */
static err_code
emu_sts_creds_json(struct buf *b, const struct emu_cred *c)
{
	char ts[SIGN_TIMESTAMP_LEN];
	err_code rc;

	sign_timestamp(c->expires_ms, ts);
	rc = buf_puts(b, "\"AccessKeyId\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(b, c->key_id);
	if (rc == ERR_OK)
		rc = buf_puts(b, ",\"AccessKeySecret\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(b, c->secret);
	if (rc == ERR_OK)
		rc = buf_puts(b, ",\"SecurityToken\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(b, c->token);
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"Expiration\":\"%s\"", ts);
	return rc;
}

/* Check the AssumeRole request's v1 signature; 1 when good. */
static int
emu_sts_signed(const struct emu_state *st, const struct emu_request *req,
    int64_t now_ms, struct emu_reply *r)
{
	const char *id, *sig, *tok;
	const struct emu_cred *c;
	struct buf sts;
	char want[SIGN_V1_LEN];
	int ok;

	id = params_get(&req->params, "AccessKeyId");
	sig = params_get(&req->params, "Signature");
	if (id == NULL || sig == NULL) {
		emu_reply_missing(r, id == NULL ? "AccessKeyId" : "Signature");
		return 0;
	}
	c = emu_state_find_cred(st, id);
	if (c == NULL) {
		emu_reply_error(r, 404, "InvalidAccessKeyId.NotFound",
		    "Specified access key is not found.");
		return 0;
	}
	if (c->disabled) {
		emu_reply_error(r, 400, "InvalidAccessKeyId.Inactive",
		    "Specified access key is disabled.");
		return 0;
	}
	tok = params_get(&req->params, "SecurityToken");
	if ((c->token != NULL) != (tok != NULL) ||
	    (c->token != NULL && !sign_equal(c->token, tok))) {
		emu_reply_error(r, 400,
		    "InvalidSecurityToken.MismatchWithAccessKey",
		    "Specified SecurityToken mismatch with the AccessKey.");
		return 0;
	}
	if (c->token != NULL && c->expires_ms != 0 && now_ms >= c->expires_ms) {
		emu_reply_error(r, 400, "InvalidSecurityToken.Expired",
		    "Specified SecurityToken is expired.");
		return 0;
	}
	buf_init(&sts, 256 * 1024);
	ok = sign_v1_string_to_sign(req->method, &req->params, &sts) ==
	    ERR_OK && sign_v1_signature(c->secret, buf_cstr(&sts), want) ==
	    ERR_OK && sign_equal(want, sig);
	buf_free(&sts);
	OPENSSL_cleanse(want, sizeof want);
	if (!ok)
		emu_reply_error(r, 400, "SignatureDoesNotMatch", "Specified "
		    "signature is not matched with our calculation.");
	return ok;
}

/* AssumeRole / AssumeRoleWithOIDC. */
static void
emu_sts_assume(struct emu_sts *s, const struct emu_state *st, int oidc,
    const struct emu_request *req, int64_t now_ms, struct emu_reply *r)
{
	const char *arn, *session, *ver, *dur_s, *pa, *tok;
	const struct emu_cred *c;
	int64_t dur_ms;
	long dur;
	char *end;
	err_code rc;

	ver = params_get(&req->params, "Version");
	if (ver == NULL || strcmp(ver, EMU_STS_VERSION) != 0) {
		emu_reply_error(r, 400, "InvalidVersion", "Specified parameter "
		    "Version is not valid.");
		return;
	}
	if (!oidc && !emu_sts_signed(st, req, now_ms, r))
		return;
	arn = params_get(&req->params, "RoleArn");
	session = params_get(&req->params, "RoleSessionName");
	if (arn == NULL || session == NULL) {
		emu_reply_missing(r, arn == NULL ? "RoleArn" :
		    "RoleSessionName");
		return;
	}
	if (oidc) {
		pa = params_get(&req->params, "OIDCProviderArn");
		tok = params_get(&req->params, "OIDCToken");
		if (pa == NULL || tok == NULL || tok[0] == '\0') {
			emu_reply_missing(r, pa == NULL ? "OIDCProviderArn" :
			    "OIDCToken");
			return;
		}
	}
	if (!emu_sts_role_known(st, arn)) {
		emu_reply_error(r, 404, "EntityNotExist.Role", "The specified "
		    "Role not exists: %.200s", arn);
		return;
	}
	dur = 3600;
	dur_s = params_get(&req->params, "DurationSeconds");
	if (dur_s != NULL) {
		dur = strtol(dur_s, &end, 10);
		if (*end != '\0' || dur < 900 || dur > 43200) {
			emu_reply_error(r, 400, "InvalidParameter.DurationSeconds",
			    "The Min/Max value of DurationSeconds is 15min/12hr.");
			return;
		}
	}
	dur_ms = (int64_t)dur * 1000;
	if (s->cfg.duration_ms > 0 && s->cfg.duration_ms < dur_ms)
		dur_ms = s->cfg.duration_ms;
	c = emu_sts_issue(s, now_ms + dur_ms, emu_sts_arn_owner(st, arn));
	if (c == NULL) {
		emu_reply_error(r, 500, "InternalError", "The request "
		    "processing has failed due to some unknown error.");
		return;
	}
	buf_reset(&r->body);
	r->status = 200;
	rc = buf_printf(&r->body, "{\"RequestId\":\"%s\",\"AssumedRoleUser\":"
	    "{\"Arn\":", r->request_id);
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, arn);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, "},\"Credentials\":{");
	if (rc == ERR_OK)
		rc = emu_sts_creds_json(&r->body, c);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, "}}");
	if (rc != ERR_OK)
		emu_reply_error(r, 500, "InternalError", "reply too large");
}

/* The ECS role name: the last part of the first role ARN. */
static const char *
emu_sts_ecs_role(const struct emu_state *st)
{
	const char *slash;

	if (st->nroles == 0)
		return NULL;
	slash = strrchr(st->roles[0], '/');
	return slash != NULL ? slash + 1 : st->roles[0];
}

/* A plain-text metadata reply. */
static void
emu_sts_text(struct emu_reply *r, unsigned status, const char *text)
{
	buf_reset(&r->body);
	r->status = status;
	r->code = NULL;
	r->content_type = "text/plain";
	(void)buf_puts(&r->body, text);
}

/* Is the request's metadata token one we issued and still valid? */
static int
emu_sts_token_ok(struct emu_sts *s, const struct emu_request *req,
    int64_t now_ms)
{
	const char *t;
	size_t i, n;
	int ok;

	t = params_get_ci(&req->headers, "X-aliyun-ecs-metadata-token");
	if (t == NULL)
		return 0;
	ok = 0;
	pthread_mutex_lock(&s->lock);
	n = s->ntokens < EMU_STS_TOKENS ? s->ntokens : EMU_STS_TOKENS;
	for (i = 0; i < n && !ok; i++)
		ok = strcmp(s->tokens[i].value, t) == 0 &&
		    now_ms < s->tokens[i].expires_ms;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static void
emu_sts_metadata(struct emu_sts *s, const struct emu_state *st,
    const char *path, const struct emu_request *req, int64_t now_ms,
    struct emu_reply *r)
{
	const char *ttl_s, *role;
	struct emu_md_token *t;
	const struct emu_cred *c;
	char *end;
	long ttl;
	err_code rc;

	role = emu_sts_ecs_role(st);
	if (strcmp(path, EMU_MD_TOKEN) == 0) {
		if (strcmp(req->method, "PUT") != 0) {
			emu_sts_text(r, 405, "method not allowed");
			return;
		}
		ttl_s = params_get_ci(&req->headers,
		    "X-aliyun-ecs-metadata-token-ttl-seconds");
		ttl = ttl_s != NULL ? strtol(ttl_s, &end, 10) : 0;
		if (ttl_s == NULL || *end != '\0' || ttl < 1 || ttl > 21600) {
			emu_sts_text(r, 400, "missing or invalid "
			    "X-aliyun-ecs-metadata-token-ttl-seconds");
			return;
		}
		pthread_mutex_lock(&s->lock);
		t = &s->tokens[s->ntokens++ % EMU_STS_TOKENS];
		rc = sign_nonce(t->value);
		t->expires_ms = now_ms + (int64_t)ttl * 1000;
		emu_sts_text(r, rc == ERR_OK ? 200 : 500, t->value);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		emu_sts_text(r, 405, "method not allowed");
		return;
	}
	if (s->cfg.imdsv2_only && !emu_sts_token_ok(s, req, now_ms)) {
		emu_sts_text(r, 401, "a valid X-aliyun-ecs-metadata-token is "
		    "required");
		return;
	}
	if (strncmp(path, EMU_MD_CREDS, strlen(EMU_MD_CREDS)) != 0) {
		emu_sts_text(r, 404, "not found");
		return;
	}
	path += strlen(EMU_MD_CREDS);
	if (path[0] == '\0') {
		if (role == NULL)
			emu_sts_text(r, 404, "not found");
		else
			emu_sts_text(r, 200, role);
		return;
	}
	if (role == NULL || strcmp(path, role) != 0) {
		emu_sts_text(r, 404, "not found");
		return;
	}
	c = emu_sts_issue(s, now_ms + (s->cfg.duration_ms > 0 ?
	    s->cfg.duration_ms : 3600000), 0);
	if (c == NULL) {
		emu_sts_text(r, 500, "internal error");
		return;
	}
	buf_reset(&r->body);
	r->status = 200;
	r->code = NULL;
	rc = buf_puts(&r->body, "{\"Code\":\"Success\",");
	if (rc == ERR_OK)
		rc = emu_sts_creds_json(&r->body, c);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, "}");
	if (rc != ERR_OK)
		emu_sts_text(r, 500, "internal error");
}

int
emu_sts_is_metadata(const struct emu_sts *s, const char *uri)
{
	return s != NULL && s->cfg.metadata && uri != NULL &&
	    strncmp(uri, EMU_MD_PREFIX, strlen(EMU_MD_PREFIX)) == 0;
}

int
emu_sts_handle(struct emu_sts *s, const struct emu_state *st,
    const char *uri, const struct emu_request *req, int64_t now_ms,
    struct emu_reply *r)
{
	char path[512];
	const char *action;
	size_t n;

	if (s == NULL)
		return 0;
	if (emu_sts_is_metadata(s, uri)) {
		n = strcspn(uri, "?");
		snprintf(path, sizeof path, "%.*s", (int)n, uri);
		emu_sts_metadata(s, st, path, req, now_ms, r);
		return 1;
	}
	if (!s->cfg.sts)
		return 0;
	action = params_get(&req->params, "Action");
	if (action == NULL)
		return 0;
	if (strcmp(action, "AssumeRole") == 0)
		emu_sts_assume(s, st, 0, req, now_ms, r);
	else if (strcmp(action, "AssumeRoleWithOIDC") == 0)
		emu_sts_assume(s, st, 1, req, now_ms, r);
	else
		return 0;
	return 1;
}
