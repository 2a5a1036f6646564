/*
 * emu_journal.h - one JSON line per reset the emulator applied.
 *
 * Design: tests and operators prove what was applied, and how many
 * times, from this file alone.  A line is written and flushed (fflush)
 * for every applied OnsConsumerResetOffset - including those whose
 * answer a fault then withheld (close-after, stall-after...) - and for
 * nothing else.  Members, in this order:
 *   time            "YYYY-MM-DDThh:mm:ss.mmmZ" when it was applied
 *   request_id      the RequestId of the request (as answered, if it was)
 *   access_key_id   who asked
 *   instance_id, group_id, topic
 *   type            0 or 1
 *   reset_timestamp ms for type 1, null for type 0
 *   backlog_before, backlog_after   messages pending before / after
 *   position        the consumer position after the reset, ms
 *   result          "applied"
 *   reply           what the client got: "ok", or the fault that
 *                   withheld or garbled the answer ("close-after",
 *                   "stall-after", "drip", "no-request-id")
 * Thread-safe: lines are written whole under a mutex.
 */
#ifndef MQR_EMU_JOURNAL_H
#define MQR_EMU_JOURNAL_H

#include <stdint.h>

#include "err.h"

struct emu_journal;

/* What one applied reset looked like. */
struct emu_journal_entry {
	int64_t time_ms;         /* when applied */
	const char *request_id;  /* RequestId */
	const char *key_id;      /* AccessKeyId */
	const char *instance;    /* InstanceId */
	const char *group;       /* GroupId */
	const char *topic;       /* Topic */
	int type;                /* 0 or 1 */
	int64_t reset_ms;        /* ResetTimestamp (type 1) */
	int64_t backlog_before;  /* backlog before */
	int64_t backlog_after;   /* backlog after */
	int64_t position_ms;     /* consumer position after */
	const char *reply;       /* "ok" or the fault name */
};

/* Open `path` for appending (created 0644); ERR_IO with detail. */
err_code
emu_journal_open(const char *path, struct emu_journal **out,
    struct err *e);

/* Close; NULL-tolerant. */
void
emu_journal_close(struct emu_journal *j);

/* Write one line and flush it.  NULL j: no journal, returns ERR_OK. */
err_code
emu_journal_write(struct emu_journal *j,
    const struct emu_journal_entry *en);

#endif /* MQR_EMU_JOURNAL_H */
