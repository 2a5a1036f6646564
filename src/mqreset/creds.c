/*
 * creds.c - the credential chain and the shared, refreshing provider.
 * See include/mqreset/creds.h.
 *
 * Design: a struct creds is a recipe (how to get keys: static, STS
 * AssumeRole with other credentials, AssumeRoleWithOIDC, the metadata
 * service, a URI) plus the current generation of keys, a refcounted
 * struct creds_key.  Workers take a reference per request
 * (creds_acquire), so a refresh swaps the pointer under the mutex and
 * the old keys are wiped when the last request signed with them lets
 * go; nobody reads a secret that is being wiped.  A second mutex lets
 * one thread at a time fetch (network I/O happens outside the state
 * mutex).
 *
 * Each source of the chain is one function that yields credentials,
 * says "not set" (ERR_OK, nothing) or fails; the chain records each
 * answer (for whoami and the final message) and moves on.  Both files
 * are read into a wiped buffer, and a profile becomes a list of
 * name/value fields (wiped too) that one function turns into a recipe,
 * whichever file it came from.  cJSON is used here only to read the
 * aliyun CLI config, and the tree never leaves this file.
 *
 * Sources: the official credentials-go providers (env, oidc,
 * cli_profile, profile, ecs_ram_role, uri, default) for the variable
 * names, file layouts, modes and order; aliyun-cli for StsToken.
 */
#include "creds.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "client.h"
#include "clock.h"
#include "imds.h"
#include "msg.h"
#include "params.h"
#include "sts.h"
#include "tstamp.h"

/* Credential files are small; anything bigger is not one. */
#define CREDS_FILE_MAX (1u << 20)
#define CREDS_PATH_MAX 4096
/* An OIDC token file is a JWT: a few KiB. */
#define CREDS_TOKEN_FILE_MAX (64u * 1024)
/* Refresh when less than max(lifetime / 10, 3 min) is left, capped at
 * half the lifetime (short test credentials). */
#define CREDS_REFRESH_MIN_MS (180 * 1000)
/* After a failed early refresh, the next try waits this long. */
#define CREDS_RETRY_MS (10 * 1000)
/* ChainableRamRoleArn: how deep source_profile links may go. */
#define CREDS_CHAIN_MAX 4

struct creds_key {
	atomic_int refs;    /* the creds object's own + one per user */
	char *key_id;       /* AccessKeyId (owned) */
	char *secret;       /* AccessKeySecret (owned, wiped) */
	char *token;        /* SecurityToken or NULL (owned, wiped) */
	char hint[9];       /* "****" + last 4 characters of key_id */
	int64_t issued_ms;  /* wall ms when fetched */
	int64_t expires_ms; /* wall ms; 0: never */
};

struct creds {
	pthread_mutex_t mu;         /* guards cur, retry_ms */
	pthread_mutex_t fetch_mu;   /* held by the one thread fetching */
	struct creds_key *cur;      /* current keys (one reference) */
	int64_t retry_ms;           /* no early refresh before this */
	atomic_uint refreshes;      /* successful refreshes */
	enum creds_kind kind;       /* the recipe */
	char *region;               /* region from the profile, or NULL */
	char *source;               /* where they came from, for messages */
	char *role;                 /* role ARN or ECS role name, or NULL */
	/* Recipe (owned strings; NULL when unused). */
	struct creds *base;         /* CREDS_ROLE: the signing credentials */
	char *endpoint;             /* STS or metadata base URL, or URI */
	char *session;              /* RoleSessionName */
	char *policy;               /* Policy */
	char *external_id;          /* ExternalId */
	char *provider_arn;         /* OIDCProviderArn */
	char *token_file;           /* OIDC token file */
	char *cacert;               /* extra CA bundle */
	int duration;               /* DurationSeconds; 0: default */
	int v1_disabled;            /* metadata: IMDSv2 only */
};

/* Copy into a fresh allocation; NULL for NULL or "". */
static char *
creds_strdup(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* Wipe and free a NUL-terminated secret; NULL-tolerant. */
static void
creds_wipe(char *s)
{
	if (s == NULL)
		return;
	msg_secret_forget(s);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/*
 * Once a secret is in memory, keep it out of core files and out of reach
 * of other processes of the same user: no core dump (RLIMIT_CORE 0) and
 * not dumpable, which also makes /proc/PID/mem and /proc/PID/environ
 * (where an ALIBABA_CLOUD_ACCESS_KEY_SECRET variable lives) readable by
 * root only and refuses ptrace from same-uid processes.  Best effort:
 * failures are ignored (the tool still works, merely less hardened).
 */
static void
creds_protect_process_once(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void
creds_protect_process(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, creds_protect_process_once);
}


/* Drop a reference; the last one wipes the keys. */
void
creds_release(struct creds_key *k)
{
	if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
		return;
	creds_wipe(k->secret);
	creds_wipe(k->token);
	free(k->key_id);
	free(k);
}

/* New keys (copies) with one reference; NULL when out of memory. */
static struct creds_key *
creds_key_new(const char *key_id, const char *secret, const char *token,
    int64_t expires_ms)
{
	struct creds_key *k;
	size_t n;

	k = calloc(1, sizeof *k);
	if (k == NULL)
		return NULL;
	atomic_init(&k->refs, 1);
	k->key_id = creds_strdup(key_id);
	k->secret = creds_strdup(secret);
	k->token = creds_strdup(token);
	if (k->key_id == NULL || k->secret == NULL ||
	    (token != NULL && token[0] != '\0' && k->token == NULL)) {
		creds_release(k);
		return NULL;
	}
	msg_secret_add(k->secret);
	if (k->token != NULL)
		msg_secret_add(k->token);
	n = strlen(k->key_id);
	snprintf(k->hint, sizeof k->hint, "****%s",
	    n > 4 ? k->key_id + n - 4 : "");
	k->issued_ms = clock_wall_ms();
	k->expires_ms = expires_ms;
	return k;
}

void
creds_destroy(struct creds *c)
{
	if (c == NULL)
		return;
	creds_release(c->cur);
	creds_destroy(c->base);
	free(c->region);
	free(c->source);
	free(c->role);
	free(c->endpoint);
	free(c->session);
	free(c->policy);
	free(c->external_id);
	free(c->provider_arn);
	free(c->token_file);
	free(c->cacert);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->fetch_mu);
	free(c);
}

/* An empty object of `kind` with `source` (copied). */
static struct creds *
creds_alloc(enum creds_kind kind, const char *source)
{
	struct creds *c;

	creds_protect_process();
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->fetch_mu, NULL);
	atomic_init(&c->refreshes, 0);
	c->kind = kind;
	c->source = strdup(source);
	if (c->source == NULL) {
		creds_destroy(c);
		return NULL;
	}
	return c;
}

err_code
creds_new(const char *key_id, const char *secret, const char *token,
    struct creds **out)
{
	struct creds *c;

	*out = NULL;
	c = creds_alloc(CREDS_STATIC, "explicit");
	if (c == NULL)
		return ERR_NOMEM;
	c->cur = creds_key_new(key_id, secret, token, 0);
	if (c->cur == NULL) {
		creds_destroy(c);
		return ERR_NOMEM;
	}
	*out = c;
	return ERR_OK;
}

/* Replace c->source and c->region. */
static err_code
creds_describe(struct creds *c, const char *source, const char *region)
{
	char *s, *r;

	s = strdup(source);
	r = creds_strdup(region);
	if (s == NULL || (region != NULL && region[0] != '\0' && r == NULL)) {
		free(s);
		free(r);
		return ERR_NOMEM;
	}
	free(c->source);
	free(c->region);
	c->source = s;
	c->region = r;
	return ERR_OK;
}

const char *
creds_key_akid(const struct creds_key *k)
{
	return k->key_id;
}

const char *
creds_key_secret(const struct creds_key *k)
{
	return k->secret;
}

const char *
creds_key_token(const struct creds_key *k)
{
	return k->token;
}

const char *
creds_key_khint(const struct creds_key *k)
{
	return k->hint;
}

int64_t
creds_key_expires(const struct creds_key *k)
{
	return k->expires_ms;
}

const char *
creds_key_id(const struct creds *c)
{
	return c->cur->key_id;
}

const char *
creds_secret(const struct creds *c)
{
	return c->cur->secret;
}

const char *
creds_token(const struct creds *c)
{
	return c->cur->token;
}

const char *
creds_region(const struct creds *c)
{
	return c->region;
}

const char *
creds_source(const struct creds *c)
{
	return c->source;
}

const char *
creds_key_hint(const struct creds *c)
{
	return c->cur->hint;
}

const char *
creds_role(const struct creds *c)
{
	return c->role;
}

enum creds_kind
creds_kind(const struct creds *c)
{
	return c->kind;
}

int64_t
creds_expires(const struct creds *c)
{
	return c->cur->expires_ms;
}

unsigned
creds_refreshes(const struct creds *c)
{
	return atomic_load(&((struct creds *)(uintptr_t)c)->refreshes);
}

/* Read a small file (the OIDC token) into a wiped-on-free buffer. */
static err_code
creds_slurp(const char *path, struct buf *b, struct err *e)
{
	char chunk[4096];
	size_t n;
	FILE *fp;
	err_code rc;

	fp = fopen(path, "r");
	if (fp == NULL)
		return err_set_errno(e, ERR_CRED, errno, "%s", path);
	setvbuf(fp, NULL, _IONBF, 0);
	rc = ERR_OK;
	while (rc == ERR_OK && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		rc = buf_append(b, chunk, n);
	if (rc == ERR_OK && ferror(fp))
		rc = err_set_errno(e, ERR_CRED, errno, "%s: read error", path);
	else if (rc != ERR_OK)
		rc = err_set(e, ERR_CRED, "%s: %s", path, err_text(rc));
	OPENSSL_cleanse(chunk, sizeof chunk);
	fclose(fp);
	/* A trailing newline is not part of the token. */
	while (rc == ERR_OK && b->len > 0 && (b->data[b->len - 1] == '\n' ||
	    b->data[b->len - 1] == '\r'))
		b->data[--b->len] = '\0';
	if (rc == ERR_OK && b->len == 0)
		rc = err_set(e, ERR_CRED, "%s: empty", path);
	return rc;
}

/*
 * Fetch a new generation of keys per the recipe (network I/O; the caller
 * holds fetch_mu or is the only user).
 */
static err_code
creds_fetch(struct creds *c, struct creds_key **out, struct err *e)
{
	struct sts_request sr;
	struct imds_request ir;
	struct sts_creds sc;
	struct creds_key *bk;
	struct buf tok;
	char role[256];
	err_code rc;

	*out = NULL;
	sts_creds_init(&sc);
	memset(&sr, 0, sizeof sr);
	buf_init(&tok, CREDS_TOKEN_FILE_MAX);
	bk = NULL;
	rc = ERR_OK;
	sr.endpoint = c->endpoint;
	sr.role_arn = c->role;
	sr.session_name = c->session;
	sr.policy = c->policy;
	sr.external_id = c->external_id;
	sr.duration_s = c->duration;
	sr.cacert = c->cacert;
	switch (c->kind) {
	case CREDS_STATIC:
		return err_set(e, ERR_CRED, "%s: static keys cannot be "
		    "refreshed", c->source);
	case CREDS_ROLE:
		rc = creds_acquire(c->base, &bk, e);
		if (rc != ERR_OK)
			break;
		sr.key_id = bk->key_id;
		sr.secret = bk->secret;
		sr.token = bk->token;
		rc = sts_call(&sr, &sc, e);
		break;
	case CREDS_OIDC:
		/* Read each time: the token file is rotated by its issuer. */
		rc = creds_slurp(c->token_file, &tok, e);
		sr.oidc = 1;
		sr.oidc_provider_arn = c->provider_arn;
		sr.oidc_token = buf_cstr(&tok);
		if (rc == ERR_OK)
			rc = sts_call(&sr, &sc, e);
		break;
	case CREDS_ECS:
		ir.endpoint = c->endpoint;
		ir.role = c->role;
		ir.v1_disabled = c->v1_disabled;
		ir.cacert = c->cacert;
		role[0] = '\0';
		rc = imds_fetch(&ir, &sc, role, sizeof role, e);
		if (rc == ERR_OK && c->role == NULL) {
			c->role = strdup(role);
			if (c->role == NULL)
				rc = err_set(e, ERR_NOMEM, "out of memory");
		}
		break;
	case CREDS_URI:
		rc = imds_uri_fetch(c->endpoint, c->cacert, &sc, e);
		break;
	}
	creds_release(bk);
	if (tok.data != NULL)
		OPENSSL_cleanse(tok.data, tok.cap);
	buf_free(&tok);
	if (rc == ERR_OK) {
		*out = creds_key_new(sc.key_id, sc.secret, sc.token,
		    sc.expires_ms);
		if (*out == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	sts_creds_free(&sc);
	return rc;
}

/* When keys `k` should be replaced (wall ms); INT64_MAX: never. */
static int64_t
creds_due_ms(const struct creds_key *k)
{
	int64_t life, lead;

	if (k->expires_ms == 0)
		return INT64_MAX;
	life = k->expires_ms - k->issued_ms;
	if (life <= 0)
		return k->issued_ms;
	lead = life / 10;
	if (lead < CREDS_REFRESH_MIN_MS)
		lead = CREDS_REFRESH_MIN_MS;
	if (lead > life / 2)
		lead = life / 2;
	return k->expires_ms - lead;
}

/*
 * Fetch and install new keys unless c->cur is no longer `seen` (another
 * thread did it).  The caller holds fetch_mu.
 */
static err_code
creds_renew(struct creds *c, const struct creds_key *seen, struct err *e)
{
	struct creds_key *nk, *old;
	char when[TSTAMP_FMT_MAX];
	err_code rc;

	pthread_mutex_lock(&c->mu);
	old = c->cur;
	pthread_mutex_unlock(&c->mu);
	if (old != seen)
		return ERR_OK;
	rc = creds_fetch(c, &nk, e);
	pthread_mutex_lock(&c->mu);
	if (rc == ERR_OK) {
		old = c->cur;
		c->cur = nk;
		c->retry_ms = 0;
	} else {
		old = NULL;
		c->retry_ms = clock_wall_ms() + CREDS_RETRY_MS;
	}
	pthread_mutex_unlock(&c->mu);
	if (rc == ERR_OK) {
		atomic_fetch_add(&c->refreshes, 1);
		msg_debug("credentials refreshed (%s): key %s, expires %s",
		    c->source, nk->hint, nk->expires_ms != 0 ?
		    tstamp_format(nk->expires_ms, when) : "never");
	}
	creds_release(old);
	return rc;
}

err_code
creds_acquire(struct creds *c, struct creds_key **out, struct err *e)
{
	struct creds_key *k;
	int64_t now, due;
	int expired, locked;
	err_code rc;

	now = clock_wall_ms();
	pthread_mutex_lock(&c->mu);
	k = c->cur;
	atomic_fetch_add(&k->refs, 1);
	due = creds_due_ms(k);
	expired = k->expires_ms != 0 && now >= k->expires_ms;
	if (!expired && now < c->retry_ms)
		due = INT64_MAX;
	pthread_mutex_unlock(&c->mu);
	*out = k;
	if (c->kind == CREDS_STATIC || now < due)
		return ERR_OK;
	/* Due: one thread fetches; the others go on with k while it is
	 * still valid, and wait for the fetch once it is not. */
	if (expired) {
		pthread_mutex_lock(&c->fetch_mu);
		locked = 1;
	} else
		locked = pthread_mutex_trylock(&c->fetch_mu) == 0;
	if (!locked)
		return ERR_OK;
	rc = creds_renew(c, k, e);
	pthread_mutex_unlock(&c->fetch_mu);
	if (rc != ERR_OK && !expired) {
		msg_warn("credentials (%s): early refresh failed, keeping the "
		    "current keys for now: %s", c->source, err_message(e));
		return ERR_OK;
	}
	if (rc != ERR_OK) {
		creds_release(k);
		*out = NULL;
		return rc;
	}
	creds_release(k);
	pthread_mutex_lock(&c->mu);
	k = c->cur;
	atomic_fetch_add(&k->refs, 1);
	pthread_mutex_unlock(&c->mu);
	*out = k;
	return ERR_OK;
}

err_code
creds_refresh(struct creds *c, const struct creds_key *stale,
    struct err *e)
{
	err_code rc;

	if (c->kind == CREDS_STATIC)
		return err_set(e, ERR_CRED, "%s: the keys were refused as "
		    "expired and cannot be refreshed", c->source);
	pthread_mutex_lock(&c->fetch_mu);
	rc = creds_renew(c, stale, e);
	pthread_mutex_unlock(&c->fetch_mu);
	return rc;
}

/* A set, non-empty environment variable, or NULL. */
static const char *
creds_env(const char *name)
{
	const char *v;

	v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * The environment variables that carry a secret.  Their values live in
 * the process's environment block, which /proc/PID/environ shows (to
 * root once the process is not dumpable) and which a core file would
 * hold; creds_load() takes its copy and then wipes these.
 */
static const char *const creds_secret_env[] = {
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET",
	"ALIBABA_CLOUD_SECURITY_TOKEN",
};

/*
 * Overwrite the value of each secret-bearing variable in place, where
 * getenv() points (for a variable inherited at exec, the initial copy on
 * the stack that /proc/PID/environ reads), then remove the variable.
 * Not thread-safe (setenv/unsetenv): creds_load runs before any thread.
 */
static void
creds_env_wipe(void)
{
	char *v;
	size_t i;

	for (i = 0; i < sizeof creds_secret_env / sizeof creds_secret_env[0];
	    i++) {
		v = getenv(creds_secret_env[i]);
		if (v == NULL)
			continue;
		OPENSSL_cleanse(v, strlen(v));
		(void)unsetenv(creds_secret_env[i]);
	}
}

/*
 * Read a whole credential file into b.  *found = 0 when it does not exist
 * (not an error); warns when group or others may access it.
 */
static err_code
creds_read_file(const char *path, struct buf *b, int *found, struct err *e)
{
	struct stat st;
	char chunk[4096], *zeros;
	size_t n;
	FILE *fp;
	err_code rc;

	*found = 0;
	fp = fopen(path, "r");
	if (fp == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ERR_OK;
		return err_set_errno(e, ERR_CRED, errno, "%s", path);
	}
	*found = 1;
	/* Unbuffered: no stdio buffer keeps a copy we cannot wipe. */
	setvbuf(fp, NULL, _IONBF, 0);
	if (fstat(fileno(fp), &st) != 0) {
		rc = err_set_errno(e, ERR_CRED, errno, "%s", path);
		fclose(fp);
		return rc;
	}
	if ((st.st_mode & 077) != 0)
		msg_warn("%s: permissions %04o let group or others read it, "
		    "and it holds a secret (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
	rc = ERR_OK;
	/* Size the buffer once, so no realloc leaves a copy of the secret
	 * behind in freed memory. */
	if (st.st_size > (off_t)CREDS_FILE_MAX)
		rc = ERR_TOOBIG;
	else if (st.st_size > 0) {
		zeros = calloc(1, (size_t)st.st_size + 1);
		rc = zeros != NULL ? buf_append(b, zeros,
		    (size_t)st.st_size + 1) : ERR_NOMEM;
		free(zeros);
		buf_reset(b);
	}
	while (rc == ERR_OK && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		rc = buf_append(b, chunk, n);
	if (rc == ERR_OK && ferror(fp))
		rc = err_set_errno(e, ERR_CRED, errno, "%s: read error", path);
	else if (rc == ERR_TOOBIG)
		rc = err_set(e, ERR_CRED, "%s: larger than %u bytes", path,
		    CREDS_FILE_MAX);
	else if (rc != ERR_OK)
		rc = err_set(e, rc, "%s: out of memory", path);
	OPENSSL_cleanse(chunk, sizeof chunk);
	fclose(fp);
	return rc;
}

/* Wipe a buffer's content, then free it. */
static void
creds_buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* Wipe every string of a cJSON tree (it may hold secrets), then free. */
static void
creds_json_wipe(cJSON *it)
{
	cJSON *ch;

	if (it == NULL)
		return;
	if (cJSON_IsString(it) && it->valuestring != NULL)
		OPENSSL_cleanse(it->valuestring, strlen(it->valuestring));
	for (ch = it->child; ch != NULL; ch = ch->next)
		creds_json_wipe(ch);
}

/* A string member of a JSON object, or "" when absent. */
static const char *
creds_json_str(const cJSON *obj, const char *name)
{
	const cJSON *it;

	it = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(it) ? it->valuestring : "";
}

/* Trim blanks at both ends of [s, s+n) in place; returns the start. */
static char *
creds_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Put `pre` + ": " before e's message and set its code (the message
 * is copied first: err_set must not read the buffer it writes). */
static err_code
creds_prefix(struct err *e, err_code code, const char *pre)
{
	char m[ERR_MSG_MAX];

	snprintf(m, sizeof m, "%s", err_message(e));
	return err_set(e, code, "%s: %s", pre, m);
}

/* What the chain has heard so far, for the final message and whoami. */
struct creds_chain {
	const struct creds_options *o; /* the caller's options */
	char md[CLIENT_URL_MAX];       /* metadata base URL */
	char said[ERR_MSG_MAX];        /* "source: answer; ..." */
};

/* Record a source's answer (without the source's name again when the
 * answer starts with it). */
static void
creds_said(struct creds_chain *x, const char *source, const char *what)
{
	size_t n;

	n = strlen(source);
	if (strncmp(what, source, n) == 0 && what[n] == ' ')
		what += n + 1;

	if (x->o->trace != NULL)
		x->o->trace(x->o->trace_arg, source, what);
	n = strlen(x->said);
	snprintf(x->said + n, sizeof x->said - n, "%s%s: %s",
	    n > 0 ? "; " : "", source, what);
}

/* A set, non-empty field of a profile, or NULL. */
static const char *
creds_field(const struct params *f, const char *name)
{
	const char *v;

	v = params_get(f, name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Wipe every value of a field list (they may be secrets), then free. */
static void
creds_fields_wipe(struct params *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->items[i].value != NULL)
			OPENSSL_cleanse(f->items[i].value,
			    strlen(f->items[i].value));
	params_free(f);
}

/* Duration from a field ("3600"); 0 when absent; -1 when malformed. */
static int
creds_duration(const char *v)
{
	char *end;
	long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > 43200)
		return -1;
	return (int)n;
}

/* Store a copy of v in *slot (NULL for NULL or ""); 0, -1 on ENOMEM. */
static int
creds_set(char **slot, const char *v)
{
	*slot = creds_strdup(v);
	return v != NULL && v[0] != '\0' && *slot == NULL ? -1 : 0;
}

/* Static keys described as `src`. */
static err_code
creds_make_static(const char *id, const char *sec, const char *tok,
    const char *src, const char *region, struct creds **out, struct err *e)
{
	err_code rc;

	rc = creds_new(id, sec, tok, out);
	if (rc == ERR_OK)
		rc = creds_describe(*out, src, region);
	if (rc != ERR_OK) {
		creds_destroy(*out);
		*out = NULL;
		return err_set(e, rc, "out of memory");
	}
	return ERR_OK;
}

/* The recipe's parts for creds_make(). */
struct creds_recipe {
	enum creds_kind kind;
	struct creds *base;       /* CREDS_ROLE (ownership passes) */
	const char *role;         /* ARN, or ECS role name */
	const char *session;
	const char *policy;
	const char *external_id;
	const char *provider_arn;
	const char *token_file;
	const char *endpoint;     /* base URL, or URI */
	int duration;
	int v1_disabled;
	const char *region;       /* the profile's region_id */
};

/* Build a refreshing object and fetch its first keys. */
static err_code
creds_make(const struct creds_chain *x, struct creds_recipe *r,
    const char *src, struct creds **out, struct err *e)
{
	struct creds *c;
	err_code rc;

	*out = NULL;
	c = creds_alloc(r->kind, src);
	if (c == NULL) {
		creds_destroy(r->base);
		r->base = NULL;
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	c->base = r->base;
	r->base = NULL;
	c->duration = r->duration;
	c->v1_disabled = r->v1_disabled;
	if (creds_set(&c->role, r->role) != 0 ||
	    creds_set(&c->session, r->session) != 0 ||
	    creds_set(&c->policy, r->policy) != 0 ||
	    creds_set(&c->external_id, r->external_id) != 0 ||
	    creds_set(&c->provider_arn, r->provider_arn) != 0 ||
	    creds_set(&c->token_file, r->token_file) != 0 ||
	    creds_set(&c->endpoint, r->endpoint) != 0 ||
	    creds_set(&c->cacert, x->o->cacert) != 0 ||
	    creds_set(&c->region, r->region) != 0) {
		creds_destroy(c);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	rc = creds_fetch(c, &c->cur, e);
	if (rc != ERR_OK) {
		creds_destroy(c);
		return rc;
	}
	*out = c;
	return ERR_OK;
}

/* The STS endpoint of a recipe into ep. */
static err_code
creds_sts_ep(const struct creds_chain *x, const char *sts_region, int vpc,
    char ep[CLIENT_URL_MAX], struct err *e)
{
	return sts_endpoint(x->o->sts_endpoint, sts_region, vpc, ep, e);
}

static err_code
creds_from_cli_profile(struct creds_chain *x, const char *path,
    const cJSON *root, const char *name, int depth, struct creds **out,
    struct err *e);

/*
 * A profile's fields -> credentials.  `cli`: names of the aliyun CLI
 * config (mode, ram_role_arn...), else of the INI file (type, role_arn,
 * ...).  `root` (CLI only) resolves source_profile.  Over 100 lines on
 * purpose: one branch per mode of the two files (access key, STS token,
 * role ARN, chained role, ECS role, OIDC), each a few lines reading its
 * own fields; one function keeps the modes side by side, as the files'
 * documentation lists them.
 */
static err_code
creds_from_fields(struct creds_chain *x, const struct params *f, int cli,
    const char *path, const cJSON *root, const char *name, int depth,
    struct creds **out, struct err *e)
{
	struct creds_recipe r;
	const char *mode, *id, *sec, *tok, *region, *src_prof, *vpc;
	char src[CREDS_PATH_MAX + 512], ep[CLIENT_URL_MAX];
	err_code rc;

	memset(&r, 0, sizeof r);
	id = creds_field(f, "access_key_id");
	sec = creds_field(f, "access_key_secret");
	region = creds_field(f, "region_id");
	r.region = region;
	if (cli) {
		mode = creds_field(f, "mode");
		if (mode == NULL)
			mode = "AK";
	} else {
		mode = creds_field(f, "type");
		if (mode == NULL)
			mode = "";
		else if (strcmp(mode, "access_key") == 0)
			mode = "AK";
		else if (strcmp(mode, "ram_role_arn") == 0)
			mode = "RamRoleArn";
		else if (strcmp(mode, "ecs_ram_role") == 0)
			mode = "EcsRamRole";
		else
			return err_set(e, ERR_CRED, "%s profile '%s': type '%s' "
			    "is not supported (use access_key, ram_role_arn "
			    "or ecs_ram_role)", path, name, mode);
	}
	snprintf(src, sizeof src, "%s profile '%s' (%s)", path, name, mode);
	r.role = creds_field(f, cli ? "ram_role_arn" : "role_arn");
	r.session = creds_field(f, cli ? "ram_session_name" :
	    "role_session_name");
	r.policy = creds_field(f, "policy");
	r.external_id = creds_field(f, "external_id");
	r.duration = creds_duration(creds_field(f, "expired_seconds"));
	vpc = creds_field(f, "enable_vpc");
	if (r.duration < 0)
		return err_set(e, ERR_CRED, "%s: expired_seconds is not a "
		    "number of seconds", src);
	if (strcmp(mode, "AK") == 0 || strcmp(mode, "StsToken") == 0) {
		tok = strcmp(mode, "StsToken") == 0 ?
		    creds_field(f, "sts_token") : NULL;
		if (id == NULL || sec == NULL)
			return err_set(e, ERR_CRED, "%s: access_key_id or "
			    "access_key_secret is empty", src);
		if (strcmp(mode, "StsToken") == 0 && tok == NULL)
			return err_set(e, ERR_CRED, "%s: mode StsToken without "
			    "sts_token", src);
		return creds_make_static(id, sec, tok, src, region, out, e);
	}
	if (strcmp(mode, "RamRoleArn") == 0 ||
	    strcmp(mode, "ChainableRamRoleArn") == 0) {
		if (r.role == NULL)
			return err_set(e, ERR_CRED, "%s: no %s", src,
			    cli ? "ram_role_arn" : "role_arn");
		if (strcmp(mode, "RamRoleArn") == 0) {
			if (id == NULL || sec == NULL)
				return err_set(e, ERR_CRED, "%s: "
				    "access_key_id or access_key_secret is "
				    "empty", src);
			rc = creds_make_static(id, sec, cli ?
			    creds_field(f, "sts_token") : NULL, src, region,
			    &r.base, e);
		} else {
			src_prof = creds_field(f, "source_profile");
			if (src_prof == NULL || root == NULL)
				return err_set(e, ERR_CRED, "%s: no "
				    "source_profile", src);
			if (depth >= CREDS_CHAIN_MAX)
				return err_set(e, ERR_CRED, "%s: source_profile "
				    "links go deeper than %d (a loop?)", src,
				    CREDS_CHAIN_MAX);
			rc = creds_from_cli_profile(x, path, root, src_prof,
			    depth + 1, &r.base, e);
			if (rc == ERR_OK && r.base == NULL)
				rc = err_set(e, ERR_CRED, "%s: source_profile "
				    "'%s' not found", src, src_prof);
		}
		if (rc == ERR_OK)
			rc = creds_sts_ep(x, creds_field(f, "sts_region"),
			    vpc != NULL && strcmp(vpc, "true") == 0, ep, e);
		r.kind = CREDS_ROLE;
		r.endpoint = ep;
		if (rc == ERR_OK)
			rc = creds_make(x, &r, src, out, e);
		creds_destroy(r.base);
		if (rc != ERR_OK)
			return creds_prefix(e, rc == ERR_NOMEM ? rc :
			    ERR_CRED, src);
		return ERR_OK;
	}
	if (strcmp(mode, "EcsRamRole") == 0) {
		r.kind = CREDS_ECS;
		r.role = creds_field(f, cli ? "ram_role_name" : "role_name");
		r.endpoint = x->md;
		r.v1_disabled = getenv("ALIBABA_CLOUD_IMDSV1_DISABLED") !=
		    NULL && strcasecmp(getenv("ALIBABA_CLOUD_IMDSV1_DISABLED"),
		    "true") == 0;
		rc = creds_make(x, &r, src, out, e);
		if (rc != ERR_OK)
			return creds_prefix(e, rc == ERR_NOMEM ? rc :
			    ERR_CRED, src);
		return ERR_OK;
	}
	if (cli && strcmp(mode, "OIDC") == 0) {
		r.kind = CREDS_OIDC;
		r.provider_arn = creds_field(f, "oidc_provider_arn");
		r.token_file = creds_field(f, "oidc_token_file");
		if (r.role == NULL || r.provider_arn == NULL ||
		    r.token_file == NULL)
			return err_set(e, ERR_CRED, "%s: ram_role_arn, "
			    "oidc_provider_arn and oidc_token_file are all "
			    "needed", src);
		rc = creds_sts_ep(x, creds_field(f, "sts_region"),
		    vpc != NULL && strcmp(vpc, "true") == 0, ep, e);
		r.endpoint = ep;
		if (rc == ERR_OK)
			rc = creds_make(x, &r, src, out, e);
		if (rc != ERR_OK)
			return creds_prefix(e, rc == ERR_NOMEM ? rc :
			    ERR_CRED, src);
		return ERR_OK;
	}
	return err_set(e, ERR_CRED, "%s profile '%s': mode '%s' is not "
	    "supported (use AK, StsToken, RamRoleArn, ChainableRamRoleArn, "
	    "EcsRamRole or OIDC)", path, name, mode);
}

/* A profile of the CLI config; *out NULL when there is none by name. */
static err_code
creds_from_cli_profile(struct creds_chain *x, const char *path,
    const cJSON *root, const char *name, int depth, struct creds **out,
    struct err *e)
{
	const cJSON *profiles, *p, *it;
	struct params f;
	char num[32];
	err_code rc;

	*out = NULL;
	profiles = cJSON_GetObjectItemCaseSensitive(root, "profiles");
	p = NULL;
	if (cJSON_IsArray(profiles)) {
		cJSON_ArrayForEach(p, profiles)
			if (cJSON_IsObject(p) &&
			    strcmp(creds_json_str(p, "name"), name) == 0)
				break;
	}
	if (p == NULL)
		return ERR_OK;
	params_init(&f);
	rc = ERR_OK;
	cJSON_ArrayForEach(it, p) {
		if (it->string == NULL)
			continue;
		if (cJSON_IsString(it))
			rc = params_add(&f, it->string, it->valuestring);
		else if (cJSON_IsNumber(it)) {
			snprintf(num, sizeof num, "%.0f", it->valuedouble);
			rc = params_add(&f, it->string, num);
		} else if (cJSON_IsBool(it))
			rc = params_add(&f, it->string, cJSON_IsTrue(it) ?
			    "true" : "false");
		if (rc != ERR_OK)
			break;
	}
	if (rc != ERR_OK)
		rc = err_set(e, rc, "out of memory");
	else
		rc = creds_from_fields(x, &f, 1, path, root, name, depth, out,
		    e);
	creds_fields_wipe(&f);
	return rc;
}

/*
 * ~/.aliyun/config.json.  `profile` is the name to use (NULL: the file's
 * "current").  *out stays NULL when the file or profile is absent; then
 * *why says which.
 */
static err_code
creds_from_cli(struct creds_chain *x, const char *path, const char *profile,
    struct creds **out, const char **why, struct err *e)
{
	struct buf b;
	cJSON *root;
	const char *name;
	int found;
	err_code rc;

	*out = NULL;
	*why = "no such file";
	root = NULL;
	buf_init(&b, CREDS_FILE_MAX);
	rc = creds_read_file(path, &b, &found, e);
	if (rc != ERR_OK || !found)
		goto done;
	root = cJSON_ParseWithLength(buf_cstr(&b), b.len);
	if (!cJSON_IsObject(root)) {
		rc = err_set(e, ERR_CRED, "%s: not a valid aliyun CLI "
		    "configuration (JSON object expected)", path);
		goto done;
	}
	name = profile != NULL ? profile : creds_json_str(root, "current");
	if (name[0] == '\0')
		name = "default";
	rc = creds_from_cli_profile(x, path, root, name, 0, out, e);
	if (rc == ERR_OK && *out == NULL)
		*why = "no such profile";
done:
	creds_json_wipe(root);
	cJSON_Delete(root);
	creds_buf_wipe(&b);
	return rc;
}

/*
 * The INI file ~/.alibabacloud/credentials: [profile] sections of
 * "key = value" lines; '#' and ';' start comments.  *out stays NULL when
 * the file or section is absent (*why says which).
 */
static err_code
creds_from_ini(struct creds_chain *x, const char *path, const char *profile,
    struct creds **out, const char **why, struct err *e)
{
	struct buf b;
	struct params f;
	char *line, *next, *k, *v, *eq;
	int found, in, seen;
	unsigned long lineno;
	err_code rc;

	*out = NULL;
	*why = "no such file";
	buf_init(&b, CREDS_FILE_MAX);
	params_init(&f);
	rc = creds_read_file(path, &b, &found, e);
	if (rc != ERR_OK || !found)
		goto done;
	*why = "no such profile";
	if (b.len == 0)
		goto done;
	in = seen = 0;
	lineno = 0;
	for (line = b.data; rc == ERR_OK && line != NULL; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line = creds_trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			k = strchr(line, ']');
			if (k == NULL) {
				rc = err_set(e, ERR_CRED, "%s:%lu: section "
				    "header without ']'", path, lineno);
				break;
			}
			*k = '\0';
			in = strcmp(creds_trim(line + 1), profile) == 0;
			seen |= in;
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL) {
			rc = err_set(e, ERR_CRED, "%s:%lu: expected "
			    "'name = value'", path, lineno);
			break;
		}
		if (!in)
			continue;
		*eq = '\0';
		k = creds_trim(line);
		v = creds_trim(eq + 1);
		if (params_set(&f, k, v) != ERR_OK)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	if (rc == ERR_OK && seen)
		rc = creds_from_fields(x, &f, 0, path, NULL, profile, 0, out,
		    e);
done:
	creds_fields_wipe(&f);
	creds_buf_wipe(&b);
	return rc;
}

/* Is the variable set to "true" (any case)? */
static int
creds_env_true(const char *name)
{
	const char *v;

	v = creds_env(name);
	return v != NULL && strcasecmp(v, "true") == 0;
}

/* 1. The environment's keys. */
static err_code
creds_src_env(struct creds_chain *x, struct creds **out, struct err *e)
{
	const char *id, *sec, *tok;

	(void)x;
	id = creds_env("ALIBABA_CLOUD_ACCESS_KEY_ID");
	sec = creds_env("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
	tok = creds_env("ALIBABA_CLOUD_SECURITY_TOKEN");
	if (id == NULL && sec == NULL)
		return ERR_OK;
	if (id == NULL || sec == NULL)
		return err_set(e, ERR_CRED, "%s is set but %s is not",
		    id != NULL ? "ALIBABA_CLOUD_ACCESS_KEY_ID" :
		    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
		    id != NULL ? "ALIBABA_CLOUD_ACCESS_KEY_SECRET" :
		    "ALIBABA_CLOUD_ACCESS_KEY_ID");
	return creds_make_static(id, sec, tok, "environment", NULL, out, e);
}

/* 2. OIDC from the environment. */
static err_code
creds_src_oidc(struct creds_chain *x, struct creds **out, struct err *e)
{
	struct creds_recipe r;
	char ep[CLIENT_URL_MAX];
	err_code rc;

	memset(&r, 0, sizeof r);
	r.kind = CREDS_OIDC;
	r.role = creds_env("ALIBABA_CLOUD_ROLE_ARN");
	r.provider_arn = creds_env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
	r.token_file = creds_env("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
	r.session = creds_env("ALIBABA_CLOUD_ROLE_SESSION_NAME");
	if (r.role == NULL && r.provider_arn == NULL && r.token_file == NULL)
		return ERR_OK;
	if (r.role == NULL || r.provider_arn == NULL || r.token_file == NULL)
		return err_set(e, ERR_CRED, "ALIBABA_CLOUD_ROLE_ARN, "
		    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and "
		    "ALIBABA_CLOUD_OIDC_TOKEN_FILE are all needed");
	rc = creds_sts_ep(x, NULL, 0, ep, e);
	r.endpoint = ep;
	if (rc == ERR_OK)
		rc = creds_make(x, &r, "OIDC (ALIBABA_CLOUD_ROLE_ARN)", out, e);
	return rc;
}

/* 5. The ECS metadata service. */
static err_code
creds_src_ecs(struct creds_chain *x, struct creds **out, struct err *e)
{
	struct creds_recipe r;

	memset(&r, 0, sizeof r);
	r.kind = CREDS_ECS;
	r.role = creds_env("ALIBABA_CLOUD_ECS_METADATA");
	r.endpoint = x->md;
	r.v1_disabled = creds_env_true("ALIBABA_CLOUD_IMDSV1_DISABLED");
	return creds_make(x, &r, "ECS instance RAM role", out, e);
}

/* 6. ALIBABA_CLOUD_CREDENTIALS_URI. */
static err_code
creds_src_uri(struct creds_chain *x, struct creds **out, struct err *e)
{
	struct creds_recipe r;

	memset(&r, 0, sizeof r);
	r.kind = CREDS_URI;
	r.endpoint = creds_env("ALIBABA_CLOUD_CREDENTIALS_URI");
	if (r.endpoint == NULL)
		return ERR_OK;
	return creds_make(x, &r, "ALIBABA_CLOUD_CREDENTIALS_URI", out, e);
}

/*
 * Try one source: record its answer; ERR_OK with *out set on success,
 * ERR_OK with nothing when it is not set or failed (the chain goes on),
 * another code only for ERR_NOMEM.
 */
static err_code
creds_try(struct creds_chain *x, const char *name,
    err_code (*fn)(struct creds_chain *, struct creds **, struct err *),
    struct creds **out)
{
	struct err te;
	err_code rc;

	err_clear(&te);
	rc = fn(x, out, &te);
	if (rc == ERR_OK)
		creds_said(x, name, *out != NULL ? "ok" : "not set");
	else
		creds_said(x, name, err_message(&te));
	return rc == ERR_NOMEM ? rc : ERR_OK;
}

err_code
creds_load(const struct creds_options *o, struct creds **out,
    struct err *e)
{
	struct creds_chain x;
	const char *home, *profile, *env, *why;
	char cli[CREDS_PATH_MAX], ini[CREDS_PATH_MAX];
	struct client_where w;
	struct err te;
	err_code rc;

	*out = NULL;
	memset(&x, 0, sizeof x);
	x.o = o;
	profile = o->profile;
	snprintf(x.md, sizeof x.md, "%s", IMDS_DEFAULT_ENDPOINT);
	if (o->metadata_endpoint != NULL) {
		memset(&w, 0, sizeof w);
		w.endpoint = o->metadata_endpoint;
		if (client_endpoint(&w, x.md, e) != ERR_OK) {
			creds_env_wipe();
			return creds_prefix(e, ERR_USAGE,
			    "--metadata-endpoint");
		}
	}
	if (o->sts_endpoint != NULL &&
	    sts_endpoint(o->sts_endpoint, NULL, 0, cli, e) != ERR_OK) {
		creds_env_wipe();
		return ERR_USAGE;
	}
	home = o->home != NULL ? o->home : creds_env("HOME");
	cli[0] = ini[0] = '\0';
	if (home != NULL) {
		snprintf(cli, sizeof cli, "%s/.aliyun/config.json", home);
		snprintf(ini, sizeof ini, "%s/.alibabacloud/credentials", home);
	}
	env = creds_env("ALIBABA_CLOUD_CONFIG_FILE");
	if (env != NULL)
		snprintf(cli, sizeof cli, "%s", env);
	if (creds_env_true("ALIBABA_CLOUD_CLI_PROFILE_DISABLED"))
		cli[0] = '\0';
	env = creds_env("ALIBABA_CLOUD_CREDENTIALS_FILE");
	if (env != NULL)
		snprintf(ini, sizeof ini, "%s", env);

	if (profile != NULL) {
		/* Named on the command line: that profile is the answer. */
		creds_env_wipe();
		rc = ERR_OK;
		why = "no such file";
		if (cli[0] != '\0')
			rc = creds_from_cli(&x, cli, profile, out, &why, e);
		if (rc == ERR_OK && *out == NULL && ini[0] != '\0')
			rc = creds_from_ini(&x, ini, profile, out, &why, e);
		if (rc != ERR_OK || *out != NULL) {
			creds_said(&x, "--profile", rc == ERR_OK ? "ok" :
			    err_message(e));
			return rc;
		}
		creds_said(&x, "--profile", "not found");
		return err_set(e, ERR_CRED, "profile '%s' not found in %s or "
		    "%s", profile, cli[0] != '\0' ? cli :
		    "~/.aliyun/config.json", ini[0] != '\0' ? ini :
		    "~/.alibabacloud/credentials");
	}
	profile = creds_env("ALIBABA_CLOUD_PROFILE");

	rc = creds_try(&x, "environment", creds_src_env, out);
	/* Used or not, the secrets do not stay in the environment. */
	creds_env_wipe();
	if (rc == ERR_OK && *out == NULL)
		rc = creds_try(&x, "OIDC", creds_src_oidc, out);
	if (rc == ERR_OK && *out == NULL && cli[0] != '\0') {
		err_clear(&te);
		rc = creds_from_cli(&x, cli, profile, out, &why, &te);
		creds_said(&x, cli, rc != ERR_OK ? err_message(&te) :
		    *out != NULL ? "ok" : why);
		rc = rc == ERR_NOMEM ? rc : ERR_OK;
	}
	if (rc == ERR_OK && *out == NULL && ini[0] != '\0') {
		err_clear(&te);
		rc = creds_from_ini(&x, ini, profile != NULL ? profile :
		    "default", out, &why, &te);
		creds_said(&x, ini, rc != ERR_OK ? err_message(&te) :
		    *out != NULL ? "ok" : why);
		rc = rc == ERR_NOMEM ? rc : ERR_OK;
	}
	if (rc == ERR_OK && *out == NULL) {
		if (creds_env_true("ALIBABA_CLOUD_ECS_METADATA_DISABLED"))
			creds_said(&x, "ECS metadata",
			    "disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED)");
		else
			rc = creds_try(&x, "ECS metadata", creds_src_ecs, out);
	}
	if (rc == ERR_OK && *out == NULL)
		rc = creds_try(&x, "ALIBABA_CLOUD_CREDENTIALS_URI",
		    creds_src_uri, out);
	if (rc != ERR_OK)
		return err_set(e, rc, "out of memory");
	if (*out != NULL)
		return ERR_OK;
	return err_set(e, ERR_CRED, "no credentials (%s)", x.said);
}
