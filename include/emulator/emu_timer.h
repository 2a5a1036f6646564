/*
 * emu_timer.h - run callbacks at given monotonic times on one thread.
 *
 * Design: the emulator's delays (latency, stall, slow drip) must not hold
 * a server thread: the connection is suspended and a timer resumes it.
 * One thread sleeps on a condition variable until the earliest deadline
 * of a binary heap, pops due entries and calls them outside the lock.
 * emu_timer_stop() calls every pending callback at once (so suspended
 * connections are resumed before the daemon stops) and joins the thread.
 *
 * Thread-safe: emu_timer_add may be called from any thread.
 */
#ifndef MQR_EMU_TIMER_H
#define MQR_EMU_TIMER_H

#include <stdint.h>

#include "err.h"

struct emu_timer;

typedef void (*emu_timer_fn)(void *arg);

/* Start the timer thread; ERR_NOMEM / ERR_INTERNAL with detail. */
err_code
emu_timer_start(struct emu_timer **out, struct err *e);

/*
 * Call fn(arg) on the timer thread at monotonic time due_ns
 * (clock_mono_ns), or at once if stopping.  ERR_NOMEM when the heap
 * cannot grow: the callback is then called right away by the caller's
 * thread, so nothing is ever left suspended.
 */
err_code
emu_timer_add(struct emu_timer *t, int64_t due_ns, emu_timer_fn fn,
    void *arg);

/* Call every pending callback now, join the thread, free.  NULL-safe. */
void
emu_timer_stop(struct emu_timer *t);

#endif /* MQR_EMU_TIMER_H */
