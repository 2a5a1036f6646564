/*
 * ident.h - checks for instance IDs, group IDs and topic names.
 *
 * Design: the console and the API enforce naming rules; a plan that
 * breaks them fails at the API, row by row, long after the operator
 * walked away.  So each identifier is checked up front, in three verdicts:
 *   IDENT_ERROR    can never be right: empty, longer than 255 bytes,
 *                  control characters, invalid UTF-8 or white space; and
 *                  an instance ID starting with rmq- (ApsaraMQ for
 *                  RocketMQ 5.x, which OnsConsumerResetOffset does not
 *                  serve: its offsets are reset through another API);
 *   IDENT_WARNING  unusual but possible (naming rules changed over the
 *                  product's history): a group without the GID_/GID-
 *                  prefix, an instance ID that is not
 *                  MQ_INST_<digits>_<alnum>, characters or lengths
 *                  outside what the console accepts for new resources;
 *   IDENT_OK.
 * The reason is a predicate meant to follow the kind and the value,
 * "group ID 'x' <reason>": "is empty", "contains a control character
 * (byte 3)", "is unusual: does not start with GID_ or GID-".  It never
 * repeats the value.  Pure and thread-safe.
 */
#ifndef MQR_IDENT_H
#define MQR_IDENT_H

#include <stddef.h>

/* Hard limit for every identifier, in bytes. */
#define IDENT_MAX 255

enum ident_kind {
	IDENT_INSTANCE = 0, /* InstanceId */
	IDENT_GROUP = 1,    /* GroupId */
	IDENT_TOPIC = 2     /* Topic */
};

enum ident_verdict {
	IDENT_OK = 0,      /* fine */
	IDENT_WARNING = 1, /* unusual but possible */
	IDENT_ERROR = 2    /* never valid */
};

/*
 * Check `s` as an identifier of `kind`.  On IDENT_WARNING or IDENT_ERROR a
 * one-line reason is written to why[size] (if why is not NULL); on
 * IDENT_OK why is set to "".
 */
enum ident_verdict
ident_check(enum ident_kind kind, const char *s, char *why, size_t size);

/* "instance", "group" or "topic", for messages. */
const char *
ident_kind_name(enum ident_kind kind);

#endif /* MQR_IDENT_H */
