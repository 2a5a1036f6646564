/*
 * creds.c - the credential chain.  See include/mqreset/creds.h.
 *
 * Design: each source is one function that either yields credentials,
 * says "not here" (ERR_OK with nothing found) or fails with ERR_CRED; the
 * chain walks them in order.  File contents and parsed trees hold copies
 * of the secret, so both are wiped (OPENSSL_cleanse) before they are
 * freed; the kept secret and token get their own allocations, registered
 * with msg for redaction.  cJSON is used here only to read the aliyun CLI
 * config, and the tree never leaves this file.
 *
 * Sources (PROTOCOL.md section 7): aliyun/credentials-go
 * credentials/providers/{env,cli_profile,profile,default}.go for the
 * variable names, file layouts and order; aliyun-cli for the StsToken
 * mode.
 */
#include "creds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "msg.h"

/* Credential files are small; anything bigger is not one. */
#define CREDS_FILE_MAX (1u << 20)
#define CREDS_PATH_MAX 4096

struct creds {
	char *key_id;     /* AccessKeyId (owned) */
	char *secret;     /* AccessKeySecret (owned, own allocation, wiped) */
	char *token;      /* STS SecurityToken or NULL (owned, wiped) */
	char *region;     /* region from the profile, or NULL (owned) */
	char *source;     /* where they came from, for messages (owned) */
	char hint[9];     /* "****" + last 4 characters of key_id */
};

/* Copy into a fresh allocation; NULL for NULL. */
static char *
creds_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
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

void
creds_destroy(struct creds *c)
{
	if (c == NULL)
		return;
	creds_wipe(c->secret);
	creds_wipe(c->token);
	free(c->key_id);
	free(c->region);
	free(c->source);
	free(c);
}

err_code
creds_new(const char *key_id, const char *secret, const char *token,
    struct creds **out)
{
	struct creds *c;
	size_t n;

	*out = NULL;
	creds_protect_process();
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return ERR_NOMEM;
	c->key_id = creds_strdup(key_id);
	c->secret = creds_strdup(secret);
	c->token = creds_strdup(token != NULL && token[0] != '\0' ? token :
	    NULL);
	c->source = creds_strdup("explicit");
	if (c->key_id == NULL || c->secret == NULL || c->source == NULL ||
	    (token != NULL && token[0] != '\0' && c->token == NULL)) {
		creds_destroy(c);
		return ERR_NOMEM;
	}
	msg_secret_add(c->secret);
	if (c->token != NULL)
		msg_secret_add(c->token);
	n = strlen(c->key_id);
	snprintf(c->hint, sizeof c->hint, "****%s",
	    n > 4 ? c->key_id + n - 4 : "");
	*out = c;
	return ERR_OK;
}

/* Replace c->source and c->region. */
static err_code
creds_describe(struct creds *c, const char *source, const char *region)
{
	char *s, *r;

	s = creds_strdup(source);
	r = region != NULL && region[0] != '\0' ? creds_strdup(region) : NULL;
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
creds_key_id(const struct creds *c)
{
	return c->key_id;
}

const char *
creds_secret(const struct creds *c)
{
	return c->secret;
}

const char *
creds_token(const struct creds *c)
{
	return c->token;
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
	return c->hint;
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
		msg_warn("%s: permissions %04o let group or others read it; "
		    "it holds a secret: chmod 600 %s", path,
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

/*
 * ~/.aliyun/config.json.  `profile` is the explicit name or NULL (then the
 * file's "current").  *out stays NULL when the file or profile is absent.
 */
static err_code
creds_from_cli(const char *path, const char *profile, struct creds **out,
    struct err *e)
{
	struct buf b;
	cJSON *root, *p;
	const cJSON *profiles;
	const char *name, *mode, *id, *sec, *tok;
	char src[CREDS_PATH_MAX + 128];
	int found;
	err_code rc;

	*out = NULL;
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
	profiles = cJSON_GetObjectItemCaseSensitive(root, "profiles");
	p = NULL;
	if (cJSON_IsArray(profiles)) {
		cJSON_ArrayForEach(p, profiles)
			if (cJSON_IsObject(p) &&
			    strcmp(creds_json_str(p, "name"), name) == 0)
				break;
	}
	if (p == NULL)
		goto done; /* not here: the next source may have it */
	mode = creds_json_str(p, "mode");
	id = creds_json_str(p, "access_key_id");
	sec = creds_json_str(p, "access_key_secret");
	tok = creds_json_str(p, "sts_token");
	snprintf(src, sizeof src, "%s profile '%s'", path, name);
	if (mode[0] != '\0' && strcmp(mode, "AK") != 0 &&
	    strcmp(mode, "StsToken") != 0) {
		rc = err_set(e, ERR_CRED, "%s: mode '%s' is not supported yet "
		    "(use AK or StsToken)", src, mode);
		goto done;
	}
	if (id[0] == '\0' || sec[0] == '\0') {
		rc = err_set(e, ERR_CRED, "%s: access_key_id or "
		    "access_key_secret is empty", src);
		goto done;
	}
	if (strcmp(mode, "StsToken") == 0 && tok[0] == '\0') {
		rc = err_set(e, ERR_CRED, "%s: mode StsToken without sts_token",
		    src);
		goto done;
	}
	rc = creds_new(id, sec, strcmp(mode, "StsToken") == 0 ? tok : NULL,
	    out);
	if (rc == ERR_OK)
		rc = creds_describe(*out, src, creds_json_str(p, "region_id"));
	if (rc != ERR_OK) {
		creds_destroy(*out);
		*out = NULL;
		err_set(e, rc, "out of memory");
	}
done:
	creds_json_wipe(root);
	cJSON_Delete(root);
	creds_buf_wipe(&b);
	return rc;
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

/*
 * The INI file ~/.alibabacloud/credentials: [profile] sections of
 * "key = value" lines; '#' and ';' start comments.
 */
static err_code
creds_from_ini(const char *path, const char *profile, struct creds **out,
    struct err *e)
{
	struct buf b;
	char *line, *next, *k, *v, *eq;
	const char *type, *id, *sec, *region;
	char src[CREDS_PATH_MAX + 128];
	int found, in, seen;
	unsigned long lineno;
	err_code rc;

	*out = NULL;
	buf_init(&b, CREDS_FILE_MAX);
	rc = creds_read_file(path, &b, &found, e);
	if (rc != ERR_OK || !found || b.len == 0)
		goto done;
	type = id = sec = region = NULL;
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
		if (strcmp(k, "type") == 0)
			type = v;
		else if (strcmp(k, "access_key_id") == 0)
			id = v;
		else if (strcmp(k, "access_key_secret") == 0)
			sec = v;
		else if (strcmp(k, "region_id") == 0)
			region = v;
	}
	if (rc != ERR_OK || !seen)
		goto done;
	snprintf(src, sizeof src, "%s profile '%s'", path, profile);
	if (type == NULL || strcmp(type, "access_key") != 0) {
		rc = err_set(e, ERR_CRED, "%s: type '%s' is not supported yet "
		    "(use type = access_key)", src, type != NULL ? type : "");
		goto done;
	}
	if (id == NULL || sec == NULL || id[0] == '\0' || sec[0] == '\0') {
		rc = err_set(e, ERR_CRED, "%s: access_key_id or "
		    "access_key_secret is missing", src);
		goto done;
	}
	rc = creds_new(id, sec, NULL, out);
	if (rc == ERR_OK)
		rc = creds_describe(*out, src, region);
	if (rc != ERR_OK) {
		creds_destroy(*out);
		*out = NULL;
		err_set(e, rc, "out of memory");
	}
done:
	creds_buf_wipe(&b);
	return rc;
}

err_code
creds_load(const struct creds_options *o, struct creds **out,
    struct err *e)
{
	const char *id, *sec, *tok, *home, *profile, *ini_env, *disabled;
	char cli[CREDS_PATH_MAX], ini[CREDS_PATH_MAX];
	err_code rc;

	*out = NULL;
	profile = o->profile;
	/* 1. Environment, unless a profile was named on the command line. */
	id = creds_env("ALIBABA_CLOUD_ACCESS_KEY_ID");
	sec = creds_env("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
	tok = creds_env("ALIBABA_CLOUD_SECURITY_TOKEN");
	if (profile == NULL && (id != NULL || sec != NULL)) {
		if (id == NULL || sec == NULL)
			rc = err_set(e, ERR_CRED, "%s is set but %s is not",
			    id != NULL ? "ALIBABA_CLOUD_ACCESS_KEY_ID" :
			    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
			    id != NULL ? "ALIBABA_CLOUD_ACCESS_KEY_SECRET" :
			    "ALIBABA_CLOUD_ACCESS_KEY_ID");
		else
			rc = creds_new(id, sec, tok, out);
		if (rc == ERR_OK)
			rc = creds_describe(*out, "environment", NULL);
		if (rc == ERR_NOMEM) {
			creds_destroy(*out);
			*out = NULL;
			err_set(e, rc, "out of memory");
		}
		creds_env_wipe();
		return rc;
	}
	/* Not used (a profile was named, or no key id): still not left in
	 * the environment. */
	creds_env_wipe();
	if (profile == NULL)
		profile = creds_env("ALIBABA_CLOUD_PROFILE");

	home = o->home != NULL ? o->home : creds_env("HOME");
	cli[0] = ini[0] = '\0';
	if (home != NULL) {
		snprintf(cli, sizeof cli, "%s/.aliyun/config.json", home);
		snprintf(ini, sizeof ini, "%s/.alibabacloud/credentials", home);
	}
	ini_env = creds_env("ALIBABA_CLOUD_CREDENTIALS_FILE");
	if (ini_env != NULL)
		snprintf(ini, sizeof ini, "%s", ini_env);
	disabled = creds_env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED");

	/* 2. The aliyun CLI configuration. */
	rc = ERR_OK;
	if (cli[0] != '\0' && (disabled == NULL ||
	    strcmp(disabled, "true") != 0))
		rc = creds_from_cli(cli, profile, out, e);
	/* 3. The shared INI file. */
	if (rc == ERR_OK && *out == NULL && ini[0] != '\0')
		rc = creds_from_ini(ini, profile != NULL ? profile : "default",
		    out, e);
	if (rc != ERR_OK)
		return rc;
	if (*out != NULL)
		return ERR_OK;
	if (profile != NULL)
		return err_set(e, ERR_CRED, "profile '%s' not found in %s or "
		    "%s", profile, cli[0] != '\0' ? cli : "~/.aliyun/config.json",
		    ini[0] != '\0' ? ini : "~/.alibabacloud/credentials");
	return err_set(e, ERR_CRED, "no credentials: set "
	    "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, "
	    "or configure a profile in ~/.aliyun/config.json or "
	    "~/.alibabacloud/credentials");
}
