/*
 * emu_nonce.h - the replay cache: which SignatureNonce values were used
 * in the last 15 minutes.
 *
 * Design: the service refuses a nonce seen again within 15 minutes
 * (SignatureNonceUsed).  The cache keys on a 64-bit hash of (AccessKeyId,
 * nonce) - a false "used" needs a 64-bit collision among the nonces of a
 * quarter of an hour, far below any other failure rate - and is split in
 * shards, each a ring of entries in arrival order plus a linear-probing
 * table of ring positions, under its own mutex.  Expired entries leave
 * from the ring's head; when a shard is full its oldest entry is
 * forgotten early and counted (emu_nonce_evicted), so memory is bounded
 * (`capacity` entries, 24 bytes each, touched lazily).
 *
 * Thread-safe.  Time is a parameter (ms since the epoch).
 */
#ifndef MQR_EMU_NONCE_H
#define MQR_EMU_NONCE_H

#include <stddef.h>
#include <stdint.h>

/* How long a nonce stays used: the service's 15 minutes. */
#define EMU_NONCE_WINDOW_MS (15 * 60 * 1000)
/* Default capacity: about 100 s at 10,000 requests/s. */
#define EMU_NONCE_DEFAULT_CAP ((size_t)1 << 20)

struct emu_nonce;

/* A cache for up to `capacity` nonces (rounded up); NULL on ERR_NOMEM. */
struct emu_nonce *
emu_nonce_new(size_t capacity);

void
emu_nonce_destroy(struct emu_nonce *nc);

/*
 * Record (key_id, nonce) seen at now_ms.  Returns 1 when it was fresh
 * (now recorded), 0 when it was already used within the window.
 */
int
emu_nonce_use(struct emu_nonce *nc, const char *key_id, const char *nonce,
    int64_t now_ms);

/* Entries forgotten before their 15 minutes because a shard was full. */
uint64_t
emu_nonce_evicted(struct emu_nonce *nc);

#endif /* MQR_EMU_NONCE_H */
