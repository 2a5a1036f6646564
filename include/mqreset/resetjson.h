/*
 * resetjson.h - `mqreset reset --format json`: the outcome of the one
 * request (or of the dry run) as one JSON object on standard output, for
 * scripts.  Keys (a stable interface, mqreset(1) under reset):
 *   {"status":"ok"|"failed"|"unknown"|"dry-run", "outcome":CLASS|null,
 *    "request_id":ID|null, "http_status":N|null,
 *    "error":{"code":..., "message":..., "recommend":...}|null,
 *    "maybe_applied":BOOL, "latency_ms":N|null, "endpoint":URL,
 *    "instance":..., "group":..., "topic":..., "type":0|1,
 *    "reset_time":RFC3339|null, "reset_ms":N|null}
 * cJSON stays inside this module.  Pure apart from allocation.
 */
#ifndef MQR_RESETJSON_H
#define MQR_RESETJSON_H

#include <stdint.h>

#include "plan.h"

/* What the object says; strings borrowed, NULL or "" for none. */
struct resetjson {
	const char *status;      /* "ok", "failed", "unknown", "dry-run" */
	const char *outcome;     /* reply_class_name(), NULL in a dry run */
	const char *request_id;  /* the reply's RequestId */
	long http_status;        /* 0: none */
	const char *code;        /* error Code */
	const char *message;     /* error Message (or mqreset's detail) */
	const char *recommend;   /* the reply's Recommend */
	int maybe_applied;       /* it may have been applied */
	int64_t latency_ms;      /* < 0: none (dry run) */
	const char *endpoint;    /* the endpoint URL */
	const struct plan_key *key; /* what was (or would be) reset */
	const char *reset_time;  /* the reset time as shown, or NULL */
};

/*
 * The object as text (pretty-printed, no trailing newline), malloc'd:
 * the caller frees it with free().  NULL when out of memory.
 */
char *
resetjson_format(const struct resetjson *r);

#endif /* MQR_RESETJSON_H */
