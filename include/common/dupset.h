/*
 * dupset.h - a compact set of (instance, group, topic) keys that remembers
 * the line where each key was first seen, to report "duplicate of line N".
 *
 * Design: a million-row plan must be checked in well under 64 MiB, so the
 * set stores no strings: each key is reduced to a 96-bit hash (length-
 * prefixed fields, so ("ab","c") and ("a","bc") differ) kept with the
 * 32-bit line in a 16-byte slot of an open-addressed, linearly probed
 * table that grows by half when 3/4 full (about 21-32 bytes per key,
 * 40 MiB peak while growing past a million keys).  Equal keys always
 * collide, so a duplicate is never missed; two different keys are taken
 * for equal only if all 96 bits agree: for n keys the probability of any
 * such false "duplicate" is about n^2 / 2^97 (6e-18 for a million), and
 * the mistake would be a spurious error, never a silent pass.
 *
 * Not thread-safe: one owner at a time.
 */
#ifndef MQR_DUPSET_H
#define MQR_DUPSET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct dupset;

/* An empty set; NULL on allocation failure. */
struct dupset *
dupset_new(void);

/* Free the set.  NULL-tolerant. */
void
dupset_destroy(struct dupset *s);

/*
 * Insert the key (instance, group, topic) first seen at `line` (> 0).
 * *first receives 0 when the key is new (and was added), else the line
 * where it was first seen (the set is unchanged).  ERR_NOMEM when the
 * table cannot grow.
 */
err_code
dupset_insert(struct dupset *s, const char *instance, const char *group,
    const char *topic, uint32_t line, uint32_t *first);

/* Number of keys in the set. */
size_t
dupset_size(const struct dupset *s);

/* Bytes allocated by the table (for the benchmark and tests). */
size_t
dupset_bytes(const struct dupset *s);

#endif /* MQR_DUPSET_H */
