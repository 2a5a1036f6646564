/*
 * msg.c - user-facing messages: prefix, verbosity, redaction, whole lines.
 * See include/common/msg.h for the contract.
 *
 * Each message is formatted into a private buffer, redacted, and written
 * with one fputs under the mutex, so lines from different threads never
 * interleave and a redaction can never be split across two writes.
 */
#include "msg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MSG_LINE_MAX 8192 /* longer messages are truncated */
#define MSG_SECRETS_MAX 16

static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *msg_prog = "mqreset";
static FILE *msg_stream;           /* NULL means stderr */
static atomic_int msg_level = MSG_INFO;
static const char *msg_secrets[MSG_SECRETS_MAX];
static char msg_status_line[512];  /* currently shown status, "" if none */

/*
 * Keys whose value is secret; matched case-insensitively.  The first
 * MSG_SECRET_NAMED are names no sentence uses: "key: value" and
 * "key=value" both hide the value.  The generic words after them also
 * occur in prose ("it holds a secret: chmod 600 FILE"): they hide a
 * value only as key=value or as a quoted JSON key ("token": "...").
 */
static const char *const msg_secret_keys[] = {
	"AccessKeySecret", "access_key_secret", "SecurityToken",
	"security_token", "sts_token", "x-acs-security-token", "Signature",
	"secret", "password", "token",
};
#define MSG_SECRET_NAMED 7

static FILE *
msg_out(void)
{
	return msg_stream != NULL ? msg_stream : stderr;
}

void
msg_init(const char *prog)
{
	pthread_mutex_lock(&msg_lock);
	if (prog != NULL && *prog != '\0') {
		const char *slash = strrchr(prog, '/');
		msg_prog = slash != NULL ? slash + 1 : prog;
	}
	pthread_mutex_unlock(&msg_lock);
}

void
msg_set_level(enum msg_level level)
{
	atomic_store(&msg_level, (int)level);
}

enum msg_level
msg_get_level(void)
{
	return (enum msg_level)atomic_load(&msg_level);
}

void
msg_set_stream(FILE *fp)
{
	pthread_mutex_lock(&msg_lock);
	msg_stream = fp;
	pthread_mutex_unlock(&msg_lock);
}

int
msg_secret_add(const char *s)
{
	int i, rc = -1;

	if (s == NULL || strlen(s) < 4)
		return 0;
	pthread_mutex_lock(&msg_lock);
	for (i = 0; i < MSG_SECRETS_MAX; i++) {
		if (msg_secrets[i] == s) {
			rc = 0;
			break;
		}
		if (msg_secrets[i] == NULL) {
			msg_secrets[i] = s;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&msg_lock);
	return rc;
}

void
msg_secret_forget(const char *s)
{
	int i;

	pthread_mutex_lock(&msg_lock);
	for (i = 0; i < MSG_SECRETS_MAX; i++)
		if (msg_secrets[i] == s)
			msg_secrets[i] = NULL;
	pthread_mutex_unlock(&msg_lock);
}

/* Is the character at p the end of a secret value? */
static int
msg_value_end(char c)
{
	return c == '\0' || c == '&' || c == ',' || c == '"' || c == '\'' ||
	    c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' ||
	    c == '}' || c == ']';
}

/*
 * If `p` starts a "key<sep>value" where key is a secret key, return the
 * length of key plus separator (the value follows); else 0.  Separators:
 * '=', ':', '": "', '"="' and optional spaces.
 */
static size_t
msg_secret_key_at(const char *p, int quoted)
{
	size_t i, k, n;

	for (i = 0; i < sizeof msg_secret_keys / sizeof msg_secret_keys[0];
	    i++) {
		n = strlen(msg_secret_keys[i]);
		if (strncasecmp(p, msg_secret_keys[i], n) != 0)
			continue;
		k = n;
		if (p[k] == '"')
			k++;
		while (p[k] == ' ')
			k++;
		if (p[k] != '=' && p[k] != ':')
			continue;
		if (i >= MSG_SECRET_NAMED && p[k] == ':' &&
		    !(quoted && p[n] == '"'))
			continue; /* prose: "a secret: the words after" */
		k++;
		while (p[k] == ' ')
			k++;
		if (p[k] == '"')
			k++;
		return k;
	}
	return 0;
}

/* Called with msg_lock held (reads msg_secrets). */
static err_code
msg_redact_locked(const char *in, struct buf *out)
{
	const char *p = in;
	err_code rc = ERR_OK;
	size_t k;
	int i, hit;

	while (*p != '\0' && rc == ERR_OK) {
		hit = 0;
		for (i = 0; i < MSG_SECRETS_MAX; i++) {
			size_t n;
			if (msg_secrets[i] == NULL)
				continue;
			n = strlen(msg_secrets[i]);
			if (strncmp(p, msg_secrets[i], n) == 0) {
				rc = buf_puts(out, "***");
				p += n;
				hit = 1;
				break;
			}
		}
		if (hit)
			continue;
		/* Only match a key at a word start, not inside "mysecretary". */
		if ((p == in || !(p[-1] >= 'a' && p[-1] <= 'z')) &&
		    (k = msg_secret_key_at(p, p > in && p[-1] == '"')) != 0 &&
		    !msg_value_end(p[k])) {
			rc = buf_append(out, p, k);
			if (rc == ERR_OK)
				rc = buf_puts(out, "***");
			p += k;
			while (!msg_value_end(*p))
				p++;
			continue;
		}
		rc = buf_putc(out, *p++);
	}
	return rc;
}

err_code
msg_redact(const char *in, struct buf *out)
{
	err_code rc;

	pthread_mutex_lock(&msg_lock);
	rc = msg_redact_locked(in, out);
	pthread_mutex_unlock(&msg_lock);
	return rc;
}

int
msg_is_tty(void)
{
	return isatty(fileno(msg_out()));
}

/* With the lock held: erase the status line if one is shown. */
static void
msg_status_clear_locked(FILE *fp)
{
	if (msg_status_line[0] != '\0')
		fputs("\r\033[K", fp);
}

static void
msg_status_redraw_locked(FILE *fp)
{
	if (msg_status_line[0] != '\0') {
		fputs(msg_status_line, fp);
		fflush(fp);
	}
}

/* Format, redact and write one whole line (prefix already in `head`). */
static void
msg_emit(const char *head, const char *fmt, va_list ap)
{
	struct buf raw, red;
	FILE *fp;

	buf_init(&raw, MSG_LINE_MAX);
	buf_init(&red, MSG_LINE_MAX * 2);
	buf_puts(&raw, head);
	if (buf_vprintf(&raw, fmt, ap) == ERR_TOOBIG)
		buf_puts(&raw, "...");
	pthread_mutex_lock(&msg_lock);
	fp = msg_out();
	msg_redact_locked(buf_cstr(&raw), &red);
	msg_status_clear_locked(fp);
	fputs(buf_cstr(&red), fp);
	fputc('\n', fp);
	msg_status_redraw_locked(fp);
	fflush(fp);
	pthread_mutex_unlock(&msg_lock);
	buf_free(&raw);
	buf_free(&red);
}

static const char *
msg_word(enum msg_level level)
{
	switch (level) {
	case MSG_ERROR:   return "error: ";
	case MSG_WARN:    return "warning: ";
	case MSG_INFO:    return "";
	case MSG_VERBOSE: return "";
	case MSG_DEBUG:   return "debug: ";
	}
	return "";
}

void
msg_vlog(enum msg_level level, const char *fmt, va_list ap)
{
	char head[160];

	if (level != MSG_ERROR && (int)level > atomic_load(&msg_level))
		return;
	snprintf(head, sizeof head, "%s: %s", msg_prog, msg_word(level));
	msg_emit(head, fmt, ap);
}

void
msg_log(enum msg_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(level, fmt, ap);
	va_end(ap);
}

#define MSG_LEVEL_FN(name, level)                                  \
	void name(const char *fmt, ...)                            \
	{                                                          \
		va_list ap;                                        \
		va_start(ap, fmt);                                 \
		msg_vlog(level, fmt, ap);                          \
		va_end(ap);                                        \
	}

MSG_LEVEL_FN(msg_error, MSG_ERROR)
MSG_LEVEL_FN(msg_warn, MSG_WARN)
MSG_LEVEL_FN(msg_info, MSG_INFO)
MSG_LEVEL_FN(msg_verbose, MSG_VERBOSE)
MSG_LEVEL_FN(msg_debug, MSG_DEBUG)

void
msg_diag(const char *file, unsigned long line, unsigned long col,
    enum msg_level level, const char *fmt, ...)
{
	char head[1200];
	size_t n;
	va_list ap;

	if (level != MSG_ERROR && (int)level > atomic_load(&msg_level))
		return;
	n = (size_t)snprintf(head, sizeof head, "%s:", file);
	if (line > 0 && n < sizeof head)
		n += (size_t)snprintf(head + n, sizeof head - n, "%lu:", line);
	if (line > 0 && col > 0 && n < sizeof head)
		n += (size_t)snprintf(head + n, sizeof head - n, "%lu:", col);
	if (n < sizeof head)
		snprintf(head + n, sizeof head - n, " %s",
		    level == MSG_ERROR ? "error: " : "warning: ");
	va_start(ap, fmt);
	msg_emit(head, fmt, ap);
	va_end(ap);
}

void
msg_status(const char *line)
{
	FILE *fp;

	pthread_mutex_lock(&msg_lock);
	fp = msg_out();
	if (!isatty(fileno(fp))) {
		pthread_mutex_unlock(&msg_lock);
		return;
	}
	msg_status_clear_locked(fp);
	if (line == NULL)
		line = "";
	snprintf(msg_status_line, sizeof msg_status_line, "%s", line);
	if (msg_status_line[0] != '\0')
		fputs(msg_status_line, fp);
	fflush(fp);
	pthread_mutex_unlock(&msg_lock);
}
