/*
 * emu_request.h - one HTTP request as the emulator's logic sees it.
 *
 * The server module (emu_server.c) fills it from libmicrohttpd; the auth,
 * fault and action modules only read it, so they are tested without a
 * socket.  No functions: a plain struct owned by the request's thread.
 */
#ifndef MQR_EMU_REQUEST_H
#define MQR_EMU_REQUEST_H

#include <stddef.h>

#include "params.h"

struct emu_request {
	const char *method;     /* "GET", "POST", ... (borrowed) */
	struct params query;    /* parameters of the URL query, decoded */
	struct params params;   /* query and form body merged: what the
	                           actions read (query first) */
	struct params headers;  /* request headers, names as received */
	const char *body;       /* raw body (may be NULL when empty) */
	size_t body_len;        /* bytes in body */
	const char *host;       /* Host header, "" when absent (borrowed) */
};

#endif /* MQR_EMU_REQUEST_H */
