/*
 * err.c - project error codes: texts and the detail struct.
 * See include/common/err.h for the contract.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

static void
err_vset(struct err *e, err_code code, const char *fmt, va_list ap)
{
	e->code = code;
	if (vsnprintf(e->msg, sizeof e->msg, fmt, ap) < 0)
		e->msg[0] = '\0';
}

err_code
err_set(struct err *e, err_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

err_code
err_set_errno(struct err *e, err_code code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	char ebuf[128];

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	/* The project builds with _GNU_SOURCE: GNU strerror_r returns
	 * the message (maybe static, maybe in ebuf). */
	const char *s = strerror_r(errnum, ebuf, sizeof ebuf);
	len = strlen(e->msg);
	if (len < sizeof e->msg)
		snprintf(e->msg + len, sizeof e->msg - len, ": %s", s);
	return code;
}

const char *
err_text(err_code code)
{
	switch (code) {
	case ERR_OK:          return "success";
	case ERR_NOMEM:       return "out of memory";
	case ERR_IO:          return "input/output error";
	case ERR_USAGE:       return "usage error";
	case ERR_PLAN:        return "invalid plan";
	case ERR_PARSE:       return "parse error";
	case ERR_TOOBIG:      return "value too large";
	case ERR_CRED:        return "credentials error";
	case ERR_NET:         return "network error";
	case ERR_TLS:         return "TLS error";
	case ERR_RESOLVE:     return "host name does not resolve";
	case ERR_TIMEOUT:     return "timed out";
	case ERR_PROTO:       return "protocol error";
	case ERR_AUTH:        return "authentication or authorisation failed";
	case ERR_REMOTE:      return "the service returned an error";
	case ERR_BADSTATE:    return "invalid state";
	case ERR_INTERRUPTED: return "interrupted";
	case ERR_EXISTS:      return "file exists";
	case ERR_MISMATCH:    return "inputs do not match";
	case ERR_INTERNAL:    return "internal error";
	}
	return "unknown error";
}

const char *
err_message(const struct err *e)
{
	if (e == NULL)
		return "unknown error";
	if (e->msg[0] != '\0')
		return e->msg;
	return err_text(e->code);
}
