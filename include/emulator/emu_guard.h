/*
 * emu_guard.h - a deadline for receiving a request's headers, so that
 * trickling clients (slowloris) cannot hold the emulator's connections.
 *
 * Design: libmicrohttpd's connection timeout is an idle timeout: every
 * byte received restarts it, so a client sending one header line every
 * few seconds holds a connection for ever.  The guard measures the total
 * time instead.  A connection is registered when it is accepted
 * (emu_guard_open) with a deadline `header_ms` later; the server marks
 * it when a request's headers are complete (emu_guard_headers), which
 * takes it off the watch; when a request is finished on a kept-alive
 * connection it is watched again (emu_guard_rearm) with the longer
 * `idle_ms` deadline, since the next request may legitimately come much
 * later and its first byte is not observable.  A reaper thread shuts
 * down (shutdown(2), never close) the socket of every connection past its
 * deadline; the server then sees the end of the stream and closes the
 * connection itself.  Deadlines of one kind are appended in time order,
 * so each watch list is a FIFO and the reaper looks at its heads only.
 *
 * A record's socket is valid from emu_guard_open until emu_guard_close,
 * which the server calls before it closes the socket; both and the reaper
 * take one mutex, so a shut-down socket is never a reused descriptor.
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef MQR_EMU_GUARD_H
#define MQR_EMU_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct emu_guard;
struct emu_guard_conn;

/*
 * A guard with these deadlines (ms, > 0); no thread yet.  ERR_NOMEM with
 * detail.
 */
err_code
emu_guard_new(int64_t header_ms, int64_t idle_ms, struct emu_guard **out,
    struct err *e);

/* Start the reaper thread; ERR_INTERNAL with detail. */
err_code
emu_guard_start(struct emu_guard *g, struct err *e);

/*
 * Watch socket fd, accepted at monotonic now_ns.  Returns the record
 * (owned by the guard until emu_guard_close), or NULL when out of memory
 * (the connection is then not watched).
 */
struct emu_guard_conn *
emu_guard_open(struct emu_guard *g, int fd, int64_t now_ns);

/* The connection's request headers are complete.  NULL c: no-op. */
void
emu_guard_headers(struct emu_guard *g, struct emu_guard_conn *c);

/* A request finished at now_ns; watch for the next one.  NULL c: no-op. */
void
emu_guard_rearm(struct emu_guard *g, struct emu_guard_conn *c,
    int64_t now_ns);

/* The connection is closing: forget it and free c.  NULL c: no-op. */
void
emu_guard_close(struct emu_guard *g, struct emu_guard_conn *c);

/*
 * Shut down every watched socket whose deadline is <= now_ns; returns how
 * many.  The reaper thread calls it; tests call it with a fake time.
 */
size_t
emu_guard_reap(struct emu_guard *g, int64_t now_ns);

/* Connections shut down so far. */
uint64_t
emu_guard_reaped(const struct emu_guard *g);

/* Stop the reaper thread and free; NULL-tolerant. */
void
emu_guard_destroy(struct emu_guard *g);

#endif /* MQR_EMU_GUARD_H */
