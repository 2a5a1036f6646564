/*
 * reply.h - one API call's outcome: the parsed reply and its class.
 *
 * Design: the only module that touches cJSON for API replies.  Callers
 * (the client, the run engine, the dry run, tests) get a plain struct of
 * fixed-size strings plus an outcome class decided in one place by one
 * table (reply.c), after curl's "one function classifies the outcome":
 *
 *   REPLY_OK               2xx, a JSON object with a RequestId and no
 *                          error Code.
 *   REPLY_RETRYABLE        throttling (Throttling, Throttling.User,
 *                          Throttling.Api, ONS_SYSTEM_FLOW_CONTROL,
 *                          SignatureNonceUsed), 5xx, ServiceUnavailable,
 *                          InternalError, ONS_SYSTEM_ERROR, connection
 *                          errors and timeouts; also a 2xx whose body is
 *                          not JSON or lacks a RequestId (the answer was
 *                          garbled: not a success, and maybe_applied says
 *                          whether the reset may have happened).
 *   REPLY_FATAL            fatal for the whole run: SignatureDoesNotMatch,
 *                          InvalidAccessKeyId.*, InvalidSecurityToken.*,
 *                          InvalidTimeStamp.* (clock skew), Forbidden*,
 *                          NoPermission, InvalidAuthorization*, and the
 *                          request-shape errors InvalidVersion and
 *                          InvalidAction* (every row would fail the same),
 *                          TLS peer verification failures,
 *                          and any other 401/403.
 *   REPLY_FAILED_ROW       this row is wrong and will stay wrong:
 *                          MissingParameter, Missing*, InvalidParameter,
 *                          Invalid* (not the auth ones above), BIZ_*,
 *                          INSTANCE_NOT_FOUND, timestamp out of range, and
 *                          any other 4xx.
 *   REPLY_RECONSUME_LATER  the backlog was not cleared because the service
 *                          is redelivering (OnsConsumerResetOffset page):
 *                          retryable after a delay.  Recognised when the
 *                          Code is "reconsumeLater" or the Code or Message
 *                          contains "reconsumeLater" (case-insensitive) -
 *                          the carrier field is not documented, so the
 *                          emulator should put it in Code.
 *
 * `maybe_applied` is separate from the class: it is set when the request
 * was completely sent and then no usable answer came (timeout, reset
 * connection, garbled 2xx body, or SignatureNonceUsed: that very request
 * arrived before), i.e. the service may have applied it.
 * A repeated type 0 clear is not the same as one, so the engine decides
 * on it.
 *
 * Lifecycle: reply_init() cannot fail; reply_free() releases the parsed
 * body and leaves an empty, reusable reply (NULL-tolerant, repeatable).
 * A reply is owned by one thread at a time.  Everything else is pure and
 * thread-safe.
 */
#ifndef MQR_REPLY_H
#define MQR_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Sizes of the string fields, NUL included; longer values are cut. */
#define REPLY_ID_MAX 128     /* RequestId, Code, HostId */
#define REPLY_TEXT_MAX 1024  /* Message, Recommend, detail */

enum reply_class {
	REPLY_OK = 0,          /* applied; RequestId present */
	REPLY_RETRYABLE,       /* try again after a backoff */
	REPLY_FATAL,           /* stop the whole run (auth, clock, TLS) */
	REPLY_FAILED_ROW,      /* this row failed for good */
	REPLY_RECONSUME_LATER  /* not applied; retry after a delay */
};

struct reply_body; /* the parsed JSON document (opaque, owned) */

struct reply {
	enum reply_class cls;         /* the outcome class */
	err_code err;                 /* the project error behind it: ERR_OK,
	                                 ERR_REMOTE (row/service error),
	                                 ERR_AUTH, ERR_NET, ERR_TIMEOUT,
	                                 ERR_TLS, ERR_PROTO (garbled body),
	                                 ERR_TOOBIG (reply over the cap) */
	long http_status;             /* 0 when no HTTP answer arrived */
	int maybe_applied;            /* 1: request fully sent, no usable
	                                 answer: it may have been applied */
	int throttled;                /* 1: a throttling reply (the rate
	                                 limiter should slow down) */
	int64_t retry_after_ms;       /* server hint (Retry-After), -1: none */
	int64_t latency_us;           /* from sending to the end of the reply
	                                 (or the failure), microseconds */
	char request_id[REPLY_ID_MAX]; /* RequestId, "" when absent */
	char code[REPLY_ID_MAX];      /* Code, "" when absent */
	char host_id[REPLY_ID_MAX];   /* HostId, "" when absent */
	char message[REPLY_TEXT_MAX]; /* Message, "" when absent */
	char recommend[REPLY_TEXT_MAX]; /* Recommend URL, "" when absent */
	char detail[REPLY_TEXT_MAX];  /* one line for humans and the report:
	                                 "Code: Message", or the transport
	                                 error ("timed out after the request
	                                 was sent"); never a secret */
	struct reply_body *body;      /* parsed JSON object, NULL when the
	                                 body was not a JSON object */
};

void
reply_init(struct reply *r);

void
reply_free(struct reply *r);

/*
 * Fill *r from an HTTP answer: status, the body bytes (need not be
 * NUL-terminated), and the Retry-After header value (NULL when absent;
 * seconds as an integer are understood).  Parses the body, copies the
 * top-level RequestId, Code, Message, Recommend and HostId, and
 * classifies.  `sent` says the request had been sent completely (it has,
 * when an answer came; it matters for garbled 2xx bodies).  Any previous
 * content of *r is freed first; latency_us is left to the caller.
 * Returns r->err (ERR_OK only for REPLY_OK); ERR_NOMEM leaves cls FATAL.
 */
err_code
reply_parse(struct reply *r, long status, const char *body, size_t n,
    const char *retry_after, int sent);

/*
 * Fill *r for a call that got no HTTP answer: `code` is ERR_NET,
 * ERR_TIMEOUT, ERR_TLS, ERR_TOOBIG (reply over the cap) or ERR_INTERRUPTED
 * (the caller's abort flag; class REPLY_FATAL), `sent` whether the
 * request had been sent completely (then maybe_applied is set for
 * ERR_NET, ERR_TIMEOUT, ERR_TOOBIG and ERR_INTERRUPTED), `what` a one-line description for
 * r->detail.  Returns `code`.
 */
err_code
reply_set_transport(struct reply *r, err_code code, int sent,
    const char *what);

/*
 * The class for an error reply with this HTTP status and Code (Code may
 * be "" or NULL; message may be NULL).  Pure; used by reply_parse and
 * the tests.  *throttled (may be NULL) is set to 1 for throttling codes.
 */
enum reply_class
reply_classify(long status, const char *code, const char *message,
    int *throttled);

/* "ok", "retryable", "fatal", "failed-row", "reconsume-later". */
const char *
reply_class_name(enum reply_class c);

/*
 * Accessors for the parsed body, for read-only actions (dry run,
 * preflight).  `path` is dot-separated; a component made of digits
 * indexes an array: "Data.SubscribeInfoDo.0.GroupId".  Returned strings
 * belong to *r and live until reply_free().
 */

/* The string at path, or NULL (absent, or not a string). */
const char *
reply_get_string(const struct reply *r, const char *path);

/*
 * The integer at path into *out: a JSON number without fraction within
 * int64 range, or a string of decimal digits.  Returns 0, or -1 when
 * absent or not an integer.
 */
int
reply_get_int64(const struct reply *r, const char *path, int64_t *out);

/* The number at path into *out (number or numeric string); 0 or -1. */
int
reply_get_double(const struct reply *r, const char *path, double *out);

/* The boolean at path (true/false, or "true"/"false"); 0 or -1. */
int
reply_get_bool(const struct reply *r, const char *path, int *out);

/* Number of elements of the array at path, or -1 when not an array. */
long
reply_get_count(const struct reply *r, const char *path);

#endif /* MQR_REPLY_H */
