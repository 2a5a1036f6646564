/*
 * emu_reply.h - one emulator answer: HTTP status, JSON body, RequestId,
 * and what the connection should do (answer, close, stall, drip).
 *
 * Design: actions, authentication and faults all fill a `struct
 * emu_reply`; the server module turns it into bytes on the wire.  Error
 * bodies have the service's shape and member order:
 *   {"RequestId":"...","HostId":"...","Code":"...","Message":"...",
 *    "Recommend":"https://api.aliyun.com/troubleshoot?q=CODE&product=Ons
 *     &requestId=ID"}
 * RequestIds are uppercase UUIDs (8-4-4-4-12 hex) like the service's,
 * from OpenSSL's RAND_bytes.  JSON text is built with emu_reply_json_str()
 * so names taken from requests are always escaped.
 *
 * A reply is owned by the thread that handles the request; nothing here
 * is shared.
 */
#ifndef MQR_EMU_REPLY_H
#define MQR_EMU_REPLY_H

#include <stdint.h>

#include "buf.h"
#include "err.h"

/* "8-4-4-4-12" + NUL */
#define EMU_REQUEST_ID_LEN 37
/* Replies are small; a capped body catches a runaway list. */
#define EMU_REPLY_MAX (64u << 20)

/* What the connection does with the reply. */
enum emu_wire {
	EMU_WIRE_ANSWER = 0, /* send status + body */
	EMU_WIRE_CLOSE,      /* close the connection without an answer */
	EMU_WIRE_STALL,      /* hold the connection silent, then close */
	EMU_WIRE_DRIP        /* send the answer one byte at a time */
};

struct emu_reply {
	unsigned status;                      /* HTTP status */
	struct buf body;                      /* response body */
	char request_id[EMU_REQUEST_ID_LEN];  /* this request's RequestId */
	const char *host_id;                  /* HostId (borrowed) */
	const char *code;                     /* error Code (static) or NULL */
	const char *content_type;             /* Content-Type (static) */
	enum emu_wire wire;                   /* delivery, see above */
	int64_t wire_ms;                      /* stall length, or the gap
	                                         between dripped bytes */
};

/* Fresh reply: 200, empty body, a new RequestId; host_id borrowed. */
void
emu_reply_init(struct emu_reply *r, const char *host_id);

void
emu_reply_free(struct emu_reply *r);

/* Write a new uppercase UUID into out (RAND_bytes). */
void
emu_reply_new_id(char out[EMU_REQUEST_ID_LEN]);

/* Append s as a JSON string literal (quotes included, escaped). */
err_code
emu_reply_json_str(struct buf *b, const char *s);

/*
 * Make r an error reply: status, `code` (a static string) and a
 * printf-style message, in the service's JSON shape.  Replaces any body.
 */
void
emu_reply_error(struct emu_reply *r, unsigned status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Who a RAM policy denied what (emu_reply_denied). */
struct emu_reply_denial {
	const char *auth_action;    /* RAM action, "mq:ResetConsumerOffset" */
	const char *principal;      /* AuthPrincipalDisplayName */
	const char *owner_id;       /* AuthPrincipalOwnerId: the account */
	const char *principal_type; /* "SubUser", "AssumedRoleUser" */
};

/*
 * Make r the gateway's RAM denial: 403 Forbidden.RAM, the usual error
 * members plus an "AccessDeniedDetail" object with PolicyType,
 * AuthAction, AuthPrincipalDisplayName, AuthPrincipalOwnerId,
 * AuthPrincipalType, EncodedDiagnosticMessage (base64, opaque) and
 * NoPermissionType, as the SDKs read it.
 */
void
emu_reply_denied(struct emu_reply *r, const struct emu_reply_denial *d);

/*
 * The MissingParameter reply, worded like the service:
 * The input parameter "NAME" that is mandatory for processing this
 * request is not supplied.
 */
void
emu_reply_missing(struct emu_reply *r, const char *name);

#endif /* MQR_EMU_REPLY_H */
