/*
 * reltime.h - times relative to now, for the command line only:
 * "now", "-2h", "-30m", "-1d", "-90s", "-1h30m".
 *
 * Design: `mqreset reset --to -2h` is typed at a terminal and means "two
 * hours before this moment"; a plan must mean the same instant when it is
 * replayed next week, so the plan reader refuses these (it asks
 * reltime_is_relative() only to say why).  "Now" is a parameter: the
 * module never reads the clock.  Pure and thread-safe.
 */
#ifndef MQR_RELTIME_H
#define MQR_RELTIME_H

#include <stdint.h>

#include "err.h"

/*
 * Does `s` look like a relative time (for messages): "now" in any case,
 * or '-' followed by a digit and ending in one of the unit letters s, m,
 * h, d (so "-5" and "-1.5e12" are not)?  Pure.
 */
int
reltime_is_relative(const char *s);

/*
 * Parse `s` into *ms, milliseconds since the epoch, relative to `now_ms`:
 * "now" (case ignored) is now_ms; "-" then one or more groups of a whole
 * number and a unit (s, m, h, d; "-1h30m") is that long before now_ms.
 * Upper case units, spaces, a '+' (the future), fractions, repeated or
 * out-of-order units and spans over 100 years are ERR_PARSE with a
 * reason in *e that does not repeat the input.
 */
err_code
reltime_parse(const char *s, int64_t now_ms, int64_t *ms, struct err *e);

#endif /* MQR_RELTIME_H */
