/*
 * emu_qps.h - the service's per-AccessKey, per-action QPS limits.
 *
 * Design: one token bucket (ratelimit.h, a pure function of state and
 * time) per (credential, action), each under its own mutex, created up
 * front because credentials and actions are fixed while the server runs.
 * A bucket holds one second's worth of tokens (burst = rate, at least 1),
 * like the service's per-second quota.  Over the limit the emulator
 * answers 400 Throttling.User, as documented for the OpenAPI gateway.
 *
 * Thread-safe.
 */
#ifndef MQR_EMU_QPS_H
#define MQR_EMU_QPS_H

#include <stddef.h>
#include <stdint.h>

struct emu_qps;

/*
 * Buckets for ncreds x nactions; rates[a] is action a's limit in
 * requests per second (<= 0: unlimited).  NULL on ERR_NOMEM.
 */
struct emu_qps *
emu_qps_new(size_t ncreds, size_t nactions, const double *rates,
    int64_t now_ns);

void
emu_qps_destroy(struct emu_qps *q);

/* Take a token for (cred, action) at now_ns: 1 granted, 0 throttled. */
int
emu_qps_take(struct emu_qps *q, size_t cred, size_t action, int64_t now_ns);

#endif /* MQR_EMU_QPS_H */
