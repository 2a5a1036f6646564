/*
 * reply.h - one API call's outcome: the parsed reply and its class.
 *
 * Design: the only module that touches cJSON for API replies.  Callers
 * (the client, the run engine, `reset`, the dry run, tests) get a plain
 * struct of fixed-size strings plus an outcome decided in one place by
 * one table (reply_rules[] in reply.c), after curl's "one function
 * classifies the outcome".  An outcome has three parts:
 *
 *   cls            what to do with the row:
 *     REPLY_OK               2xx, a JSON object with a RequestId and no
 *                            error Code.
 *     REPLY_RETRYABLE        try again (type 1 always; type 0 only when
 *                            maybe_applied is 0): throttling, 503
 *                            ServiceUnavailable, 5xx, InternalError,
 *                            connection errors, timeouts, a body that is
 *                            not the API's JSON.
 *     REPLY_FATAL            stop the whole run: authentication,
 *                            signature, clock, permission, wrong region or
 *                            service, a host name that does not resolve,
 *                            TLS verification.
 *     REPLY_FAILED_ROW       this row is wrong and will stay wrong:
 *                            parameter codes, group or topic not found,
 *                            timestamp out of range, other 4xx.
 *     REPLY_FAILED_INSTANCE  this row's instance does not exist or is not
 *                            ours: every row of that instance fails the
 *                            same way, so none of them is sent.
 *     REPLY_RECONSUME_LATER  the backlog was not cleared because the
 *                            service is redelivering (OnsConsumerReset-
 *                            Offset page): retryable after a delay.
 *                            Recognised when the Code or the Message
 *                            contains "reconsumeLater" (case-insensitive):
 *                            the carrier field is not documented.
 *   maybe_applied  the service may have acted on the request although no
 *                  reply says so: a 5xx other than 503 with the API's JSON
 *                  (the gateway can fail after the backend applied the
 *                  reset), InternalError, UnknownError, ONS_SYSTEM_ERROR,
 *                  ONS_INVOKE_ERROR, a 2xx or 5xx whose body is not the
 *                  API's JSON, SignatureNonceUsed (this very request
 *                  reached the service before), a timeout or lost
 *                  connection after the request was sent.  Only ever set
 *                  when the request had been sent completely.  A repeated
 *                  type 0 clear is not the same as one, so decide.c never
 *                  re-sends such a row on its own.
 *   throttled      the service asked us to slow down: a throttling Code,
 *                  HTTP 429, or any 4xx/5xx carrying a throttle hint
 *                  header (struct reply_hints); retry_after_ms is the
 *                  longest hint.
 *
 * `cause` says which part of the setup an error points at (credentials,
 * clock, permission, endpoint, instance...), so callers can give advice
 * without matching Codes themselves.
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
	REPLY_RECONSUME_LATER, /* not applied; retry after a delay */
	REPLY_FAILED_INSTANCE  /* this row and every unsent row of its
	                          instance fail for good */
};

/* What an error points at, for advice; REPLY_CAUSE_NONE when nothing
 * more specific than the class can be said. */
enum reply_cause {
	REPLY_CAUSE_NONE = 0,     /* nothing specific */
	REPLY_CAUSE_CREDENTIALS,  /* key, secret, token or signature refused */
	REPLY_CAUSE_CLOCK,        /* our timestamp is outside the skew */
	REPLY_CAUSE_PERMISSION,   /* a RAM or account permission denial */
	REPLY_CAUSE_ENDPOINT,     /* wrong region, service or host name */
	REPLY_CAUSE_REQUEST,      /* our request's shape (version, action) */
	REPLY_CAUSE_INSTANCE,     /* the instance is unknown or not ours */
	REPLY_CAUSE_SERVICE       /* the service failed or is overloaded */
};

/*
 * The throttle hint headers of one reply, raw (each NULL or "" when
 * absent; values need not be valid: garbage is ignored).
 */
struct reply_hints {
	const char *acs_retry_after;    /* x-acs-retry-after: milliseconds */
	const char *ratelimit_user_api; /* x-ratelimit-user-api: fields
	                                   separated by ',' or ';', one of
	                                   them "TimeLeft:<ms>" */
	const char *ratelimit_user;     /* x-ratelimit-user: the same */
	const char *retry_after;        /* Retry-After: seconds (HTTP dates
	                                   are ignored) */
};

/* Longest hint honoured; longer ones are cut to it (10 minutes). */
#define REPLY_HINT_MAX_MS INT64_C(600000)

struct reply_body; /* the parsed JSON document (opaque, owned) */

struct reply {
	enum reply_class cls;         /* the outcome class */
	err_code err;                 /* the project error behind it: ERR_OK,
	                                 ERR_REMOTE (row/service error),
	                                 ERR_AUTH, ERR_NET, ERR_TIMEOUT,
	                                 ERR_TLS, ERR_RESOLVE, ERR_PROTO
	                                 (a 2xx that is not the API's JSON),
	                                 ERR_TOOBIG (reply over the cap) */
	long http_status;             /* 0 when no HTTP answer arrived */
	int maybe_applied;            /* 1: request fully sent, and nothing
	                                 says it was not applied (see above) */
	int throttled;                /* 1: a throttling reply (the rate
	                                 limiter should slow down) */
	enum reply_cause cause;       /* what an error points at */
	int64_t retry_after_ms;       /* the longest valid throttle hint,
	                                 capped at REPLY_HINT_MAX_MS; -1:
	                                 none */
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
 * NUL-terminated) and the throttle hint headers (`hints` may be NULL).
 * Parses the body, copies the top-level RequestId, Code, Message,
 * Recommend and HostId, and classifies.  retry_after_ms is the longest
 * valid hint (any status); on a 4xx/5xx any hint sets `throttled`, and a
 * gateway hint (x-acs-retry-after, x-ratelimit-*) also means the request
 * was not processed: class REPLY_RETRYABLE, not maybe_applied.  A
 * Retry-After alone does not clear maybe_applied: a proxy may add it to
 * a reply for a request the backend did process.  When the body has an
 * AccessDeniedDetail object (RAM denials), its action, principal, policy
 * type, no-permission type and the start of the encoded diagnostic are
 * appended to r->detail.  `sent` says the request had been sent
 * completely (it has, when an answer came); maybe_applied needs it.  Any
 * previous content of *r is freed first; latency_us is left to the
 * caller.  Returns r->err (ERR_OK only for REPLY_OK); ERR_NOMEM leaves cls
 * FATAL.
 */
err_code
reply_parse(struct reply *r, long status, const char *body, size_t n,
    const struct reply_hints *hints, int sent);

/*
 * Fill *r for a call that got no HTTP answer: `code` is ERR_NET,
 * ERR_TIMEOUT, ERR_TOOBIG (reply over the cap) - class REPLY_RETRYABLE -
 * or ERR_TLS, ERR_RESOLVE (a host or proxy name that does not resolve:
 * the endpoint is wrong for every row), ERR_INTERRUPTED (the caller's
 * abort flag) or a local error - class REPLY_FATAL.  `sent` says whether
 * the request had been sent completely (then maybe_applied is set for
 * ERR_NET, ERR_TIMEOUT, ERR_TOOBIG and ERR_INTERRUPTED); `what` is a
 * one-line description for r->detail.  Returns `code`.
 */
err_code
reply_set_transport(struct reply *r, err_code code, int sent,
    const char *what);

/* The classification of one error reply (see reply_classify()). */
struct reply_verdict {
	enum reply_class cls;   /* the outcome class */
	err_code err;           /* ERR_REMOTE, ERR_AUTH (fatal) or ERR_PROTO
	                           (a 2xx that is not the API's JSON) */
	int throttled;          /* a throttling reply */
	int maybe_applied;      /* the service may have acted on it (before
	                           `sent` is taken into account) */
	enum reply_cause cause; /* what it points at */
};

/*
 * Classify a reply that is not a success by the table: HTTP status, Code
 * (may be "" or NULL), Message (may be NULL; only searched for
 * reconsumeLater) and whether the body was the API's JSON (an object
 * with a RequestId).  Throttle hints are not considered here (see
 * reply_parse()).  Pure; used by reply_parse and the tests.
 */
struct reply_verdict
reply_classify(long status, const char *code, const char *message,
    int api_body);

/*
 * The Code pattern of the i-th Code rule of the table (for tests that
 * check every rule is exercised), *prefix set to 1 when it matches as a
 * prefix; NULL past the last rule.
 */
const char *
reply_rule_code(size_t i, int *prefix);

/*
 * The longest valid hint in *h in milliseconds, capped at
 * REPLY_HINT_MAX_MS; -1 when none is valid (h may be NULL).  *gateway
 * (may be NULL) is set to 1 when a valid one came from the gateway's own
 * headers (not Retry-After).
 */
int64_t
reply_hint_ms(const struct reply_hints *h, int *gateway);

/*
 * "ok", "retryable", "fatal", "failed-row", "reconsume-later",
 * "failed-instance".
 */
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
