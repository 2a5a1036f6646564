/*
 * msg.h - every user-facing message goes through here.
 *
 * Design: one place decides the prefix ("mqreset: error: ..."), the
 * verbosity, and redaction (callers add no prefix of their own: every
 * command's messages look alike), and writes whole lines under a mutex so that
 * messages from worker threads never interleave.  Input diagnostics use the
 * compiler form "plan.csv:12:3: error: message".
 *
 * Redaction, two layers:
 *  1. Registered secrets (msg_secret_add): any occurrence of the exact bytes
 *     is replaced with "***" in every line written.
 *  2. Patterns: the value after a key that names a secret
 *     (AccessKeySecret, access_key_secret, SecurityToken, sts_token,
 *     Signature, x-acs-security-token, Authorization ... Signature=) is
 *     replaced with "***" up to the next '&', ',', quote or white space.
 * Code must still never *put* a secret in a message; this is a safety net.
 *
 * A one-line status (progress) can be shown on a TTY with msg_status(); any
 * other message first clears it, then the status is redrawn.
 *
 * All functions are thread-safe after msg_init().
 */
#ifndef MQR_MSG_H
#define MQR_MSG_H

#include <stdarg.h>
#include <stdio.h>

#include "buf.h"

enum msg_level {
	MSG_ERROR = 0,  /* always shown */
	MSG_WARN = 1,   /* shown unless --quiet */
	MSG_INFO = 2,   /* the default threshold */
	MSG_VERBOSE = 3,/* --verbose */
	MSG_DEBUG = 4   /* --debug */
};

/* Set the program name used as prefix; stream defaults to stderr. */
void
msg_init(const char *prog);

/* Show messages at `level` and below (default MSG_INFO). */
void
msg_set_level(enum msg_level level);

enum msg_level
msg_get_level(void);

/* Redirect output (tests).  NULL restores stderr. */
void
msg_set_stream(FILE *fp);

/*
 * Register a secret to be redacted from every message.  The bytes are
 * referenced, not copied: call msg_secret_forget(s) before wiping or
 * freeing them.  Secrets shorter than 4 bytes are ignored (they would
 * redact ordinary words).  Up to 16 secrets; returns 0, -1 when full.
 */
int
msg_secret_add(const char *s);

void
msg_secret_forget(const char *s);

/*
 * Write the redacted form of `in` to `out` (appended).  Used by msg itself
 * and by --debug dumps of requests and replies.
 */
err_code
msg_redact(const char *in, struct buf *out);

/* "prog: error: ..." etc.  A trailing newline is added. */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Generic form: level decides both the filter and the word. */
void
msg_log(enum msg_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
msg_vlog(enum msg_level level, const char *fmt, va_list ap);

/*
 * A diagnostic in compiler form: "file:line:col: error: text".  line or
 * col 0 omits that part.  `level` is MSG_ERROR or MSG_WARN (the word is
 * "error" or "warning").  Filtered by the level like other messages,
 * except that errors are always shown.
 */
void
msg_diag(const char *file, unsigned long line, unsigned long col,
    enum msg_level level, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Show (or replace) the one-line status on the stream when it is a TTY;
 * a no-op otherwise.  NULL or "" clears it.
 */
void
msg_status(const char *line);

/* Nonzero when the message stream is a terminal. */
int
msg_is_tty(void);

#endif /* MQR_MSG_H */
