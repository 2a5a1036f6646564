/*
 * tzconv.h - civil times in an IANA time zone ("Asia/Shanghai",
 * "America/New_York") to instants, for plans whose times were written
 * without an offset (`--assume-tz ZONE`).
 *
 * Design: the zone's rules come from the system's tz database through the
 * C library (tzcode: TZ, tzset(), localtime_r()), but only once, in
 * tzconv_new(): it walks 2000..2100 a day at a time and records every
 * change of the UTC offset to the second (bisection).  Every conversion
 * afterwards is a lookup in that table: pure, thread-safe, and safe while
 * worker threads run (the environment is never touched again).
 *
 * A civil time that the zone skips (the clocks went forward over it) or
 * that it has twice (the clocks went back) is refused: it names no
 * single instant, and a reset time must.  The operator writes the offset
 * for those rows.
 */
#ifndef MQR_TZCONV_H
#define MQR_TZCONV_H

#include <stdint.h>

#include "err.h"

struct tzconv;

/*
 * Load zone `name` (an IANA name: letters, digits, '/', '_', '-', '+';
 * no leading '/', no "..") from $TZDIR or /usr/share/zoneinfo.  ERR_USAGE
 * when the name is malformed or no such zone file exists (glibc would
 * silently take an unknown name for UTC), ERR_NOMEM.
 * NOT thread-safe: it sets TZ for a moment (and restores it); call it
 * before any other thread starts.
 */
err_code
tzconv_new(const char *name, struct tzconv **out, struct err *e);

/* Free; NULL-ok. */
void
tzconv_destroy(struct tzconv *tz);

/* The zone's name as given. */
const char *
tzconv_name(const struct tzconv *tz);

/* The UTC offset in seconds (east positive) at instant `utc_s`. */
long
tzconv_offset_at(const struct tzconv *tz, int64_t utc_s);

/*
 * The instant (seconds since the epoch) of civil time `local_s` (the same
 * civil time counted as if it were UTC).  ERR_PARSE, with a reason in *e
 * naming the two offsets, when the zone skips it or has it twice.
 */
err_code
tzconv_to_utc(const struct tzconv *tz, int64_t local_s, int64_t *utc_s,
    struct err *e);

/*
 * Parse an RFC 3339 time written without an offset
 * ("2024-06-03T10:00:00", fraction allowed) as a civil time in the zone,
 * then check its range as tstamp_parse() does against `now_ms`.
 * ERR_PARSE with a reason that does not repeat the input.
 */
err_code
tzconv_parse_local(const struct tzconv *tz, const char *s, int64_t now_ms,
    int64_t *ms, struct err *e);

#endif /* MQR_TZCONV_H */
