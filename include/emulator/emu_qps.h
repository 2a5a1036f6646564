/*
 * emu_qps.h - the service's per-account, per-action QPS limits.
 *
 * Design: one limiter per action and account, shared by every
 * credential of that account (the service counts an account's quota
 * across all its keys and RAM users; a state may hold several accounts,
 * emu_state.h).  Each
 * sits under its own mutex and is created up front because the actions
 * are fixed while the server runs.  A limit of N per second is enforced
 * in one of three ways (enum emu_qps_window), so that a client's pacing
 * can be tried against the lenient and the strict kinds an API gateway
 * may use:
 *   EMU_QPS_TOKEN    a token bucket (ratelimit.h) of N per second holding
 *                    one second's worth (burst = N, at least 1), full at
 *                    start;
 *   EMU_QPS_FIXED    a counter per second of the emulator's monotonic
 *                    clock: at most N accepted in each [k s, k+1 s);
 *   EMU_QPS_SLIDING  at most N requests in any one-second window, the
 *                    throttled ones counted too (a client that keeps
 *                    sending over the limit stays throttled).
 * A limit below 1 per second (0.5) is N = 1 per 1/N-second window; a
 * limit above EMU_QPS_MAX_N is scaled down to that many per shorter
 * window.  Over the limit the emulator answers 400 Throttling.User, as
 * documented for the OpenAPI gateway.
 *
 * Thread-safe.
 */
#ifndef MQR_EMU_QPS_H
#define MQR_EMU_QPS_H

#include <stddef.h>
#include <stdint.h>

enum emu_qps_window {
	EMU_QPS_TOKEN,   /* token bucket, burst = limit */
	EMU_QPS_FIXED,   /* counter per clock second */
	EMU_QPS_SLIDING  /* at most N in any second, throttled counted */
};

/* Requests remembered per window at most (sliding memory bound). */
#define EMU_QPS_MAX_N 100000

struct emu_qps;

/*
 * Parse "token", "fixed" or "sliding" into *w.  Returns 0, or -1 for
 * anything else (*w unchanged).
 */
int
emu_qps_window_parse(const char *s, enum emu_qps_window *w);

/*
 * Limiters for nactions actions enforced the `window` way; rates[a] is
 * action a's limit in requests per second for the whole account (<= 0:
 * unlimited).  NULL on ERR_NOMEM.
 */
struct emu_qps *
emu_qps_new(size_t nactions, const double *rates, enum emu_qps_window window,
    int64_t now_ns);

/*
 * The same for `naccounts` accounts: action a of account k is the limiter
 * k * nactions + a passed to emu_qps_take(), each with rates[a].
 */
struct emu_qps *
emu_qps_new_accounts(size_t nactions, size_t naccounts, const double *rates,
    enum emu_qps_window window, int64_t now_ns);

void
emu_qps_destroy(struct emu_qps *q);

/*
 * Count a request for `action` at now_ns (monotonic): 1 granted, 0
 * throttled.  An out-of-range action is granted.
 */
int
emu_qps_take(struct emu_qps *q, size_t action, int64_t now_ns);

#endif /* MQR_EMU_QPS_H */
