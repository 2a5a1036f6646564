/*
 * err.h - the project-wide error codes and the error-detail struct.
 *
 * Design: every fallible function returns an `err_code` (ERR_OK == 0) and,
 * where detail helps, fills a caller-supplied `struct err` (which may be
 * NULL: every err_* function tolerates it).  The code says *what kind* of
 * failure; the struct carries the one-line, human-readable detail.  Only
 * main() maps codes to exit statuses (see exitcode.h); nothing below main
 * calls exit().
 *
 * err_text() is a switch without a default label so that -Wall -Werror
 * catches a code added here without a text.
 */
#ifndef MQR_ERR_H
#define MQR_ERR_H

#include <stddef.h>

typedef enum err_code {
	ERR_OK = 0,      /* success */
	ERR_NOMEM,       /* an allocation failed */
	ERR_IO,          /* reading or writing a file failed */
	ERR_USAGE,       /* bad command line */
	ERR_PLAN,        /* the plan has errors (details went to diagnostics) */
	ERR_PARSE,       /* a value could not be parsed */
	ERR_TOOBIG,      /* a capped buffer or field limit was exceeded */
	ERR_CRED,        /* no usable credentials, or a credential file is bad */
	ERR_NET,         /* connection or transport failure */
	ERR_TLS,         /* TLS handshake or peer verification failed */
	ERR_RESOLVE,     /* a host or proxy name does not resolve (DNS) */
	ERR_TIMEOUT,     /* the peer did not answer in time */
	ERR_PROTO,       /* the peer's reply broke the protocol (bad JSON...) */
	ERR_AUTH,        /* the service refused our identity or signature */
	ERR_REMOTE,      /* the service answered with an error for this row */
	ERR_BADSTATE,    /* an object was used in the wrong state (not
	                    ERR_STATE: OpenSSL typedefs that name) */
	ERR_INTERRUPTED, /* stopped by a signal or an abort request */
	ERR_EXISTS,      /* refusing to overwrite an existing file */
	ERR_MISMATCH,    /* two inputs disagree (e.g. report from another plan) */
	ERR_INTERNAL     /* a bug: an invariant did not hold */
} err_code;

/* Size of the detail buffer; messages are truncated, never overflowed. */
#define ERR_MSG_MAX 512

struct err {
	err_code code;          /* last code set, ERR_OK when clear */
	char msg[ERR_MSG_MAX];  /* one line of detail, NUL-terminated */
};

/* Reset *e to ERR_OK with an empty message.  NULL-tolerant. */
void
err_clear(struct err *e);

/*
 * Record `code` and a printf-style message in *e (NULL-tolerant) and return
 * `code`, so callers can write `return err_set(e, ERR_IO, "...")`.
 * The message must not contain secrets; msg.c redacts as a second line of
 * defence only.
 */
err_code
err_set(struct err *e, err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like err_set() but appends ": strerror(errnum)". */
err_code
err_set_errno(struct err *e, err_code code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A static, short description of `code` ("out of memory", ...). */
const char *
err_text(err_code code);

/*
 * The message to show for *e: its detail when set, else err_text(code).
 * Never NULL.
 */
const char *
err_message(const struct err *e);

#endif /* MQR_ERR_H */
