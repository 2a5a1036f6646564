/*
 * reltime.c - times relative to now.  See include/common/reltime.h.
 */
#include "reltime.h"

#include <string.h>
#include <strings.h>

/* Longest span accepted: 100 years of days, far below int64 ms. */
#define RELTIME_MAX_MS (INT64_C(36525) * 86400000)

/* Milliseconds per unit letter; 0 for none.  `rank` orders them (d > h >
 * m > s) so that "-30m2h" is refused. */
static int64_t
reltime_unit(char c, int *rank)
{
	switch (c) {
	case 'd':
		*rank = 4;
		return INT64_C(86400000);
	case 'h':
		*rank = 3;
		return INT64_C(3600000);
	case 'm':
		*rank = 2;
		return INT64_C(60000);
	case 's':
		*rank = 1;
		return INT64_C(1000);
	}
	*rank = 0;
	return 0;
}

int
reltime_is_relative(const char *s)
{
	size_t n;

	if (strcasecmp(s, "now") == 0)
		return 1;
	n = strlen(s);
	return n >= 3 && s[0] == '-' && s[1] >= '0' && s[1] <= '9' &&
	    strchr("smhd", s[n - 1]) != NULL;
}

err_code
reltime_parse(const char *s, int64_t now_ms, int64_t *ms, struct err *e)
{
	const char *p;
	int64_t total = 0, n, unit;
	int rank, last = 5;

	if (strcasecmp(s, "now") == 0) {
		*ms = now_ms;
		return ERR_OK;
	}
	if (s[0] == '+')
		return err_set(e, ERR_PARSE, "a reset time cannot lie in the "
		    "future");
	if (s[0] != '-' || s[1] < '0' || s[1] > '9')
		return err_set(e, ERR_PARSE, "not a relative time: write now, "
		    "or '-' and a span such as -2h, -30m, -1d, -1h30m");
	p = s + 1;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return err_set(e, ERR_PARSE, "expected a number at "
			    "'%.8s' (spans are whole numbers with a unit: "
			    "-90m, not -1.5h)", p);
		n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n > RELTIME_MAX_MS)
				return err_set(e, ERR_PARSE, "span over 100 "
				    "years");
			n = n * 10 + (*p++ - '0');
		}
		if (*p == '.' || *p == ',')
			return err_set(e, ERR_PARSE, "spans are whole numbers "
			    "with a unit: -90m, not -1.5h");
		unit = reltime_unit(*p, &rank);
		if (unit == 0)
			return err_set(e, ERR_PARSE, "%s: use s, m, h or d "
			    "(seconds, minutes, hours, days)", *p == '\0' ?
			    "a number without a unit" : "unknown unit");
		if (rank >= last)
			return err_set(e, ERR_PARSE, "units out of order or "
			    "repeated: write the largest first, each once "
			    "(-1d2h30m)");
		last = rank;
		if (n > RELTIME_MAX_MS / unit ||
		    total + n * unit > RELTIME_MAX_MS)
			return err_set(e, ERR_PARSE, "span over 100 years");
		total += n * unit;
		p++;
	}
	*ms = now_ms - total;
	return ERR_OK;
}
