/*
 * emu_reqlog.h - one JSON line per request the emulator received, so
 * tests can prove timing claims (who asked when, what was answered, which
 * retry hint was sent) from the server's side.
 *
 * Design: the journal (emu_journal.h) records applied resets only; this
 * log records every request whose headers arrived, whatever its outcome
 * (answered, refused, closed or stalled by a fault), written when the
 * request is finished and flushed line by line.  Members, in this order:
 *   t_ms        wall ms when the request's line arrived
 *   t_done_ms   wall ms when it was finished (answered or closed)
 *   action      Action (query, form or x-acs-action), "" if none
 *   status      HTTP status sent, 0 when the connection was closed or
 *               stalled without an answer
 *   code        the error Code sent, "" for none (success, HTML page)
 *   group_id, topic, instance_id   the request's parameters, "" if absent
 *   type        Type 0 or 1, null otherwise
 *   hint_ms     the x-acs-retry-after sent, 0 for none
 *   key_id      AccessKeyId (as claimed when authentication failed)
 *   fault       the fault that decided the outcome, "" for none
 *   request_id  the RequestId answered, "" when none was sent
 * Lines are ordered by t_done_ms (the order requests finished), not
 * t_ms.  Thread-safe: lines are written whole under a mutex.
 */
#ifndef MQR_EMU_REQLOG_H
#define MQR_EMU_REQLOG_H

#include <stdint.h>

#include "buf.h"
#include "err.h"

struct emu_reqlog;

/* One finished request.  Strings are borrowed; NULL is written "". */
struct emu_reqlog_entry {
	int64_t t_ms;           /* arrival, wall ms */
	int64_t t_done_ms;      /* finish, wall ms */
	const char *action;     /* Action */
	unsigned status;        /* HTTP status, 0 = none sent */
	const char *code;       /* error Code, or NULL */
	const char *group;      /* GroupId */
	const char *topic;      /* Topic */
	const char *instance;   /* InstanceId */
	int type;               /* 0, 1, or -1 (written null) */
	int64_t hint_ms;        /* retry hint sent, 0 = none */
	const char *key_id;     /* AccessKeyId */
	const char *fault;      /* deciding fault, or NULL */
	const char *request_id; /* RequestId answered, or NULL */
};

/* Open `path` for appending (created 0644); ERR_IO with detail. */
err_code
emu_reqlog_open(const char *path, struct emu_reqlog **out, struct err *e);

/* Close; NULL-tolerant. */
void
emu_reqlog_close(struct emu_reqlog *l);

/*
 * Format one entry as a JSON object (no newline) into out.  Pure; the
 * unit tests check the format through it.
 */
err_code
emu_reqlog_format(const struct emu_reqlog_entry *en, struct buf *out);

/* Write one line and flush it.  NULL l: no log, returns ERR_OK. */
err_code
emu_reqlog_write(struct emu_reqlog *l, const struct emu_reqlog_entry *en);

#endif /* MQR_EMU_REQLOG_H */
