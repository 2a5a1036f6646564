/*
 * emu_fault.h - misbehaviour on request, deterministic from a seed.
 *
 * A rule is written KIND[:KEY=VALUE[,KEY=VALUE...]] (flag --fault, or a
 * string in the state file's "Faults" array), for example
 *   latency:ms=50,jitter=20
 *   unavailable:p=0.1
 *   close-after:every=5,group=GID_orders
 *   reconsume-later:every=2,max=1
 * Kinds (emu_fault_kind below, names in emu_fault_name()):
 *   latency          add ms + uniform [0, jitter] ms before answering
 *   internal-error   HTTP 500 InternalError, nothing applied
 *   unavailable      HTTP 503 ServiceUnavailable, nothing applied
 *   throttle         HTTP 400 Throttling.User whatever the QPS
 *   close-before     close the connection before applying: no answer
 *   close-after      apply, then close the connection: no answer
 *   stall-after      apply, then hold the connection silent for ms
 *                    (default 60000), then close it
 *   drip             apply and answer, one byte every ms (default 100)
 *   non-json         HTTP 200 with an HTML body (a proxy page), nothing
 *                    applied
 *   no-request-id    apply, then HTTP 200 with "{}" (no RequestId)
 *   reconsume-later  OnsConsumerResetOffset Type=0 only: not applied,
 *                    HTTP 200 {"RequestId":...,"Code":"reconsumeLater",...}
 *   500-after        apply, then HTTP 500 InternalError (the API's JSON,
 *                    with a RequestId): a gateway that failed after the
 *                    backend acted
 *   504-after        apply, then HTTP 504 with a proxy's HTML page (no
 *                    RequestId)
 *   throttle-hint    HTTP 400 Throttling.User carrying the header
 *                    x-acs-retry-after: ms (default 1000), nothing applied
 *   ack-no-effect    OnsConsumerResetOffset only: a valid reset is
 *                    answered HTTP 200 {"RequestId":...} like a success,
 *                    but nothing is applied nor journaled (for --verify)
 * Keys: p=PROBABILITY (0..1, default 1), every=N (the Nth, 2Nth...
 * matching request; overrides p), max=N (fire at most N times),
 * group=GID, topic=T, action=A (match only those; default any),
 * ms=N and jitter=N (milliseconds, see the kinds).
 *
 * Determinism: rule i's decision for its k-th matching request is drawn
 * from an rng seeded with (seed, i, k), so the same --seed and the same
 * request sequence give the same faults, without a shared generator or
 * lock.  Latency rules add up; of the other kinds, the first rule (in the
 * order given) that fires decides the request's outcome.
 *
 * Thread-safety: emu_faults_decide() and the counters are lock-free
 * (atomics) once the rules are added; adding rules is not thread-safe.
 */
#ifndef MQR_EMU_FAULT_H
#define MQR_EMU_FAULT_H

#include <stdint.h>
#include "buf.h"
#include "err.h"

enum emu_fault_kind {
	EMU_FAULT_NONE = -1,
	EMU_FAULT_LATENCY = 0,
	EMU_FAULT_INTERNAL_ERROR,
	EMU_FAULT_UNAVAILABLE,
	EMU_FAULT_THROTTLE,
	EMU_FAULT_CLOSE_BEFORE,
	EMU_FAULT_CLOSE_AFTER,
	EMU_FAULT_STALL_AFTER,
	EMU_FAULT_DRIP,
	EMU_FAULT_NON_JSON,
	EMU_FAULT_NO_REQUEST_ID,
	EMU_FAULT_RECONSUME_LATER,
	EMU_FAULT_500_AFTER,
	EMU_FAULT_504_AFTER,
	EMU_FAULT_THROTTLE_HINT,
	EMU_FAULT_ACK_NO_EFFECT,
	EMU_FAULT_NKINDS
};

struct emu_faults;

/* What happens to one request. */
struct emu_fault_decision {
	int64_t delay_ms;          /* latency before handling, 0 = none */
	enum emu_fault_kind kind;  /* the outcome fault, or EMU_FAULT_NONE */
	int64_t wire_ms;           /* stall length / drip gap / retry hint
	                              for `kind` */
};

/* No rules yet; NULL on ERR_NOMEM. */
struct emu_faults *
emu_faults_new(uint64_t seed);

void
emu_faults_destroy(struct emu_faults *f);

/* Parse and add one rule; ERR_USAGE with the reason in *e when bad. */
err_code
emu_faults_add(struct emu_faults *f, const char *spec, struct err *e);

/* Number of rules. */
size_t
emu_faults_count(const struct emu_faults *f);

/*
 * Decide for one request of `action` on group/topic (NULL when the
 * request has none); `type` is the Type parameter (0/1) of a reset, -1
 * otherwise.  Counts what fired.
 */
void
emu_faults_decide(struct emu_faults *f, const char *action,
    const char *group, const char *topic, int type,
    struct emu_fault_decision *out);

/* Name of a kind ("close-after"), or "none". */
const char *
emu_fault_name(enum emu_fault_kind k);

/* How many times kind k fired so far. */
uint64_t
emu_faults_fired(const struct emu_faults *f, enum emu_fault_kind k);

/*
 * Append "faults: latency=N internal-error=N ..." (every kind, zeros
 * included, so scripts can parse it) to out, without a newline.
 */
err_code
emu_faults_summary(const struct emu_faults *f, struct buf *out);

#endif /* MQR_EMU_FAULT_H */
