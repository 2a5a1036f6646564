/*
 * tstamp.h - reset timestamps: parse, check, format.
 *
 * Design: one calendar and one formatter for the whole program (plans,
 * reports, the intent journal, messages).  A plan's timestamp is either
 * milliseconds since the Unix epoch ("1717380000000") or RFC 3339 with an
 * explicit offset ("2024-06-03T10:00:00+08:00", "...Z", fractional
 * seconds).  Anything that a reader could take for two different
 * instants is refused: a time without an offset (which zone?), a 10-digit
 * number (seconds or milliseconds?).  The range check takes "now" as a parameter; this
 * module never reads the clock.  All functions are pure and thread-safe.
 */
#ifndef MQR_TSTAMP_H
#define MQR_TSTAMP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* 2000-01-01T00:00:00Z: nothing earlier is a plausible reset time. */
#define TSTAMP_MIN_MS INT64_C(946684800000)

/* How far past `now` a timestamp may lie (clock skew allowance). */
#define TSTAMP_FUTURE_MS INT64_C(300000)

/* Buffer size for tstamp_format(). */
#define TSTAMP_FMT_MAX 32

/*
 * Parse `s` (no surrounding spaces) into *ms, without the range check.
 * Returns ERR_OK, or ERR_PARSE with a one-line reason in *e (for example
 * "no time zone offset (ambiguous time zone): add Z or an offset like
 * +08:00" or "10 digits looks like seconds, not milliseconds").  The reason
 * does not repeat the input.
 */
err_code
tstamp_parse_syntax(const char *s, int64_t *ms, struct err *e);

/*
 * Check that `ms` is a plausible reset time: not before 2000-01-01 and not
 * more than 5 minutes after `now_ms`.  ERR_OK or ERR_PARSE with a reason.
 */
err_code
tstamp_check_range(int64_t ms, int64_t now_ms, struct err *e);

/* tstamp_parse_syntax() then tstamp_check_range(). */
err_code
tstamp_parse(const char *s, int64_t now_ms, int64_t *ms, struct err *e);

/*
 * Format `ms` as RFC 3339 UTC with milliseconds,
 * "2024-06-03T02:00:00.000Z", into out[TSTAMP_FMT_MAX].  Returns out.
 * Valid for years 0000-9999; other values give "out-of-range".
 */
const char *
tstamp_format(int64_t ms, char *out);

/* Buffer size for tstamp_show(). */
#define TSTAMP_SHOW_MAX 64

/*
 * The UTC offset in minutes of an RFC 3339 time written with one
 * ("...+08:00" is 480, "...-05:00" -300); 0 for "Z", a count of
 * milliseconds or anything else.  Pure.
 */
int
tstamp_cell_offset(const char *s);

/*
 * Format `ms` as RFC 3339 with milliseconds at the offset `off_min`
 * minutes east of UTC, "2024-06-03T10:00:00.000+08:00" ("Z" for 0),
 * into out[TSTAMP_FMT_MAX].  Returns out.
 */
const char *
tstamp_format_at(int64_t ms, int off_min, char *out);

/*
 * An instant for a message, in its writer's terms: in the offset of the
 * time `cell` it was read from (UTC when `cell` is NULL or a count of
 * milliseconds), and after a count of milliseconds that count in
 * parentheses, "2024-06-03T02:00:00.000Z (1717380000000 ms)", into
 * out[TSTAMP_SHOW_MAX].  Returns out.
 */
const char *
tstamp_show(int64_t ms, const char *cell, char *out);

/*
 * Parse exactly the form tstamp_format() writes (the report's and the
 * intent journal's canonical form), or a plain count of milliseconds of
 * at most 15 digits.  ERR_PARSE for anything else, including other RFC
 * 3339 spellings: a report is read back as it was written.
 */
err_code
tstamp_parse_canonical(const char *s, int64_t *ms);

#endif /* MQR_TSTAMP_H */
