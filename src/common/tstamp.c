/*
 * tstamp.c - parse, check and format reset timestamps.  See
 * include/common/tstamp.h.
 *
 * Design: a hand-written, strict scanner rather than strptime(3): the
 * accepted grammar is small (digits, or RFC 3339 date-time with offset),
 * strptime depends on the locale and silently accepts what we must refuse
 * (no offset), and every refusal needs its own precise reason.  Calendar
 * arithmetic uses the days-from-civil algorithm (proleptic Gregorian), so
 * no time zone database or timegm() is involved.
 */
#include "tstamp.h"

#include <stdio.h>
#include <string.h>

/* Bounds of the format: 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z */
#define TSTAMP_FMT_MIN_MS INT64_C(-62167219200000)
#define TSTAMP_FMT_MAX_MS INT64_C(253402300799999)

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12). */
static int64_t
tstamp_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of tstamp_days_from_civil. */
static void
tstamp_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
tstamp_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
tstamp_days_in_month(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return m == 2 && tstamp_is_leap(y) ? 29 : days[m - 1];
}

static int
tstamp_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly n digits at s into *v; 0 on success. */
static int
tstamp_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!tstamp_isdigit(s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* All-digit input: milliseconds since the epoch. */
static err_code
tstamp_parse_number(const char *s, size_t n, int64_t *ms, struct err *e)
{
	int64_t v = 0;
	size_t i;

	if (n == 10)
		return err_set(e, ERR_PARSE, "a 10-digit number looks like "
		    "seconds, not milliseconds (append 000 if it is seconds)");
	if (n == 16)
		return err_set(e, ERR_PARSE, "a 16-digit number looks like "
		    "microseconds, not milliseconds");
	if (n == 19)
		return err_set(e, ERR_PARSE, "a 19-digit number looks like "
		    "nanoseconds, not milliseconds");
	if (n > 15)
		return err_set(e, ERR_PARSE, "number too large for "
		    "milliseconds since the epoch");
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	*ms = v;
	return ERR_OK;
}

static err_code
tstamp_parse_rfc3339(const char *s, int64_t *ms, struct err *e)
{
	int year, mon, day, hour, min, sec, oh, om, frac_ms = 0, sign;
	int64_t days, t;
	const char *p;

	if (tstamp_digits(s, 4, &year) || s[4] != '-' ||
	    tstamp_digits(s + 5, 2, &mon) || s[7] != '-' ||
	    tstamp_digits(s + 8, 2, &day))
		return err_set(e, ERR_PARSE, "not a timestamp: expected "
		    "milliseconds since the epoch or RFC 3339 "
		    "(2024-06-03T10:00:00+08:00)");
	if (mon < 1 || mon > 12)
		return err_set(e, ERR_PARSE, "month %02d out of range", mon);
	if (day < 1 || day > tstamp_days_in_month(year, mon))
		return err_set(e, ERR_PARSE, "day %02d out of range for "
		    "%04d-%02d", day, year, mon);
	p = s + 10;
	if (*p == '\0')
		return err_set(e, ERR_PARSE, "a date without a time: write "
		    "%.10sT00:00:00 with an offset such as Z or +08:00", s);
	if (*p != 'T' && *p != 't' && *p != ' ')
		return err_set(e, ERR_PARSE, "expected 'T' between date and "
		    "time");
	p++;
	if (tstamp_digits(p, 2, &hour) || p[2] != ':' ||
	    tstamp_digits(p + 3, 2, &min))
		return err_set(e, ERR_PARSE, "expected the time as HH:MM:SS");
	if (p[5] != ':' || tstamp_digits(p + 6, 2, &sec))
		return err_set(e, ERR_PARSE, "expected the time as HH:MM:SS "
		    "(seconds are required)");
	if (hour > 23)
		return err_set(e, ERR_PARSE, "hour %02d out of range", hour);
	if (min > 59)
		return err_set(e, ERR_PARSE, "minute %02d out of range", min);
	if (sec == 60)
		return err_set(e, ERR_PARSE, "leap second :60 is not "
		    "supported");
	if (sec > 59)
		return err_set(e, ERR_PARSE, "second %02d out of range", sec);
	p += 8;
	if (*p == '.' || *p == ',') {
		int nd = 0;

		p++;
		while (tstamp_isdigit(*p)) {
			/* Keep milliseconds; finer digits are truncated. */
			if (nd < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
			nd++;
			p++;
		}
		if (nd == 0)
			return err_set(e, ERR_PARSE, "expected digits after "
			    "the decimal point");
		if (nd > 9)
			return err_set(e, ERR_PARSE, "more than 9 fractional "
			    "digits");
		for (; nd < 3; nd++)
			frac_ms *= 10;
	}
	if (*p == '\0')
		return err_set(e, ERR_PARSE, "no time zone offset (ambiguous "
		    "time zone): add Z for UTC or an offset such as +08:00");
	if (*p == 'Z' || *p == 'z') {
		sign = 0;
		oh = om = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (tstamp_digits(p + 1, 2, &oh))
			return err_set(e, ERR_PARSE, "offset must be written "
			    "+HH:MM or -HH:MM");
		if (p[3] != ':' || tstamp_digits(p + 4, 2, &om))
			return err_set(e, ERR_PARSE, "offset must be written "
			    "+HH:MM or -HH:MM (with a colon)");
		if (oh > 23 || om > 59)
			return err_set(e, ERR_PARSE, "offset %.6s out of "
			    "range", p);
		p += 6;
	} else
		return err_set(e, ERR_PARSE, "unexpected text where the "
		    "offset (Z or +HH:MM) belongs");
	if (*p != '\0')
		return err_set(e, ERR_PARSE, "unexpected text after the "
		    "offset");
	days = tstamp_days_from_civil(year, mon, day);
	t = ((days * 24 + hour) * 60 + min) * 60 + sec;
	if (sign != 0)
		t -= (int64_t)sign * (oh * 3600 + om * 60);
	*ms = t * 1000 + frac_ms;
	return ERR_OK;
}

err_code
tstamp_parse_syntax(const char *s, int64_t *ms, struct err *e)
{
	size_t n, i;

	if (s == NULL || *s == '\0')
		return err_set(e, ERR_PARSE, "empty timestamp");
	n = strlen(s);
	for (i = 0; i < n && tstamp_isdigit(s[i]); i++)
		;
	if (i == n)
		return tstamp_parse_number(s, n, ms, e);
	if (s[0] == '-' || s[0] == '+')
		return err_set(e, ERR_PARSE, "not a timestamp: a signed "
		    "number");
	if (i == 4 && s[4] == '-')
		return tstamp_parse_rfc3339(s, ms, e);
	for (i = 0; i < n; i++)
		if (!tstamp_isdigit(s[i]) && s[i] != '.')
			break;
	if (i == n)
		return err_set(e, ERR_PARSE, "not a timestamp: milliseconds "
		    "since the epoch must be a whole number");
	return err_set(e, ERR_PARSE, "not a timestamp: expected "
	    "milliseconds since the epoch or RFC 3339 "
	    "(2024-06-03T10:00:00+08:00)");
}

/* The range check, its times shown in the terms of `cell` (NULL: UTC). */
static err_code
tstamp_check_range_as(int64_t ms, int64_t now_ms, const char *cell,
    struct err *e)
{
	char when[TSTAMP_SHOW_MAX], now[TSTAMP_FMT_MAX];

	if (ms < TSTAMP_MIN_MS)
		return err_set(e, ERR_PARSE, "%s is before 2000-01-01",
		    tstamp_show(ms, cell, when));
	if (ms > now_ms + TSTAMP_FUTURE_MS)
		return err_set(e, ERR_PARSE, "%s is more than 5 minutes in "
		    "the future (now %s)", tstamp_show(ms, cell, when),
		    tstamp_format_at(now_ms, cell != NULL ?
		    tstamp_cell_offset(cell) : 0, now));
	return ERR_OK;
}

err_code
tstamp_check_range(int64_t ms, int64_t now_ms, struct err *e)
{
	return tstamp_check_range_as(ms, now_ms, NULL, e);
}

int
tstamp_cell_offset(const char *s)
{
	size_t n = strlen(s);
	const char *o;

	if (n < 25 || s[4] != '-' || s[10] != 'T')
		return 0;
	o = s + n - 6;
	if ((o[0] != '+' && o[0] != '-') || o[3] != ':' ||
	    !tstamp_isdigit(o[1]) || !tstamp_isdigit(o[2]) ||
	    !tstamp_isdigit(o[4]) || !tstamp_isdigit(o[5]))
		return 0;
	return (o[0] == '-' ? -1 : 1) * (((o[1] - '0') * 10 + (o[2] - '0')) *
	    60 + (o[4] - '0') * 10 + (o[5] - '0'));
}

const char *
tstamp_format_at(int64_t ms, int off_min, char *out)
{
	int a = off_min < 0 ? -off_min : off_min;

	tstamp_format(ms + (int64_t)off_min * 60000, out);
	if (off_min != 0 && strlen(out) == 24)
		snprintf(out + 23, TSTAMP_FMT_MAX - 23, "%c%02d:%02d",
		    off_min < 0 ? '-' : '+', a / 60 % 100, a % 60);
	return out;
}

const char *
tstamp_show(int64_t ms, const char *cell, char *out)
{
	char t[TSTAMP_FMT_MAX];
	size_t n;

	if (cell == NULL)
		return strcpy(out, tstamp_format(ms, t));
	n = strlen(cell);
	if (n > 0 && strspn(cell, "0123456789") == n)
		snprintf(out, TSTAMP_SHOW_MAX, "%s (%lld ms)",
		    tstamp_format(ms, t), (long long)ms);
	else
		snprintf(out, TSTAMP_SHOW_MAX, "%s", tstamp_format_at(ms,
		    tstamp_cell_offset(cell), t));
	return out;
}

err_code
tstamp_parse(const char *s, int64_t now_ms, int64_t *ms, struct err *e)
{
	int64_t v = 0;
	err_code rc;

	rc = tstamp_parse_syntax(s, &v, e);
	if (rc == ERR_OK)
		rc = tstamp_check_range_as(v, now_ms, s, e);
	if (rc == ERR_OK)
		*ms = v;
	return rc;
}

/* Write v as exactly n decimal digits (zero-padded) at out. */
static void
tstamp_digits_put(char *out, int n, unsigned v)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

const char *
tstamp_format(int64_t ms, char *out)
{
	int64_t days, rem, y;
	int m, d;

	if (ms < TSTAMP_FMT_MIN_MS || ms > TSTAMP_FMT_MAX_MS) {
		snprintf(out, TSTAMP_FMT_MAX, "out-of-range");
		return out;
	}
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	rem = ms - days * 86400000;
	tstamp_civil_from_days(days, &y, &m, &d);
	/* Digits placed by hand, not snprintf: a run formats two times per
	 * report row, and snprintf cost more than the rest of the row. */
	tstamp_digits_put(out, 4, (unsigned)y);
	out[4] = '-';
	tstamp_digits_put(out + 5, 2, (unsigned)m);
	out[7] = '-';
	tstamp_digits_put(out + 8, 2, (unsigned)d);
	out[10] = 'T';
	tstamp_digits_put(out + 11, 2, (unsigned)(rem / 3600000));
	out[13] = ':';
	tstamp_digits_put(out + 14, 2, (unsigned)(rem / 60000 % 60));
	out[16] = ':';
	tstamp_digits_put(out + 17, 2, (unsigned)(rem / 1000 % 60));
	out[19] = '.';
	tstamp_digits_put(out + 20, 3, (unsigned)(rem % 1000));
	out[23] = 'Z';
	out[24] = '\0';
	return out;
}

/* Read exactly n digits at s into *v; 0 when they are not all digits. */
static int
tstamp_digits_get(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

err_code
tstamp_parse_canonical(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se, f;
	size_t n = strlen(s), i;
	int64_t v = 0;

	if (n > 0 && n <= 15 && strspn(s, "0123456789") == n) {
		for (i = 0; i < n; i++)
			v = v * 10 + (s[i] - '0');
		*ms = v;
		return ERR_OK;
	}
	if (n != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
		return ERR_PARSE;
	if (!tstamp_digits_get(s, 4, &y) || !tstamp_digits_get(s + 5, 2, &mo) ||
	    !tstamp_digits_get(s + 8, 2, &d) ||
	    !tstamp_digits_get(s + 11, 2, &h) ||
	    !tstamp_digits_get(s + 14, 2, &mi) ||
	    !tstamp_digits_get(s + 17, 2, &se) ||
	    !tstamp_digits_get(s + 20, 3, &f))
		return ERR_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > tstamp_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || se > 59)
		return ERR_PARSE;
	*ms = ((tstamp_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) *
	    INT64_C(60000) + se * 1000 + f;
	return ERR_OK;
}
