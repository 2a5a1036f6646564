/*
 * tzconv.c - civil times in an IANA zone.  See include/common/tzconv.h.
 */
#include "tzconv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tstamp.h"

/* The table covers [TZCONV_FROM, TZCONV_TO): reset times start in 2000. */
#define TZCONV_FROM INT64_C(946598400)  /* 1999-12-31T00:00:00Z */
#define TZCONV_TO   INT64_C(4102444800) /* 2100-01-01T00:00:00Z */
#define TZCONV_STEP INT64_C(86400)
#define TZCONV_NAME_MAX 128

/* From `at` on (UTC seconds), the offset is `off`. */
struct tzconv_span {
	int64_t at;
	long off;
};

struct tzconv {
	char name[TZCONV_NAME_MAX];
	struct tzconv_span *spans; /* ascending; spans[0].at = TZCONV_FROM */
	size_t n;
};

/* The C library's offset at `t` for the TZ set now. */
static long
tzconv_libc_offset(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

/* A plausible IANA name, so that it cannot point outside the database. */
static int
tzconv_name_ok(const char *name)
{
	const char *p;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL ||
	    strlen(name) >= TZCONV_NAME_MAX)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '-' || *p == '+'))
			return 0;
	return 1;
}

/* Is there a TZif file for `name`? */
static int
tzconv_file_ok(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[512], magic[4];
	FILE *fp;
	size_t n;

	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path)
		return 0;
	fp = fopen(path, "rb");
	if (fp == NULL)
		return 0;
	n = fread(magic, 1, sizeof magic, fp);
	fclose(fp);
	return n == sizeof magic && memcmp(magic, "TZif", 4) == 0;
}

static int
tzconv_push(struct tzconv *tz, size_t *cap, int64_t at, long off)
{
	struct tzconv_span *s;

	if (tz->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		s = realloc(tz->spans, *cap * sizeof *s);
		if (s == NULL)
			return -1;
		tz->spans = s;
	}
	tz->spans[tz->n].at = at;
	tz->spans[tz->n].off = off;
	tz->n++;
	return 0;
}

/* Walk the years with TZ set: every change of offset, to the second. */
static int
tzconv_walk(struct tzconv *tz)
{
	size_t cap = 0;
	int64_t t, lo, hi, mid;
	long off, prev;

	prev = tzconv_libc_offset(TZCONV_FROM);
	if (tzconv_push(tz, &cap, TZCONV_FROM, prev) != 0)
		return -1;
	for (t = TZCONV_FROM + TZCONV_STEP; t < TZCONV_TO; t += TZCONV_STEP) {
		off = tzconv_libc_offset(t);
		if (off == prev)
			continue;
		/* The change lies in (t - step, t]: first second of `off`. */
		lo = t - TZCONV_STEP;
		hi = t;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (tzconv_libc_offset(mid) == prev)
				lo = mid;
			else
				hi = mid;
		}
		if (tzconv_push(tz, &cap, hi, off) != 0)
			return -1;
		prev = off;
	}
	return 0;
}

err_code
tzconv_new(const char *name, struct tzconv **out, struct err *e)
{
	struct tzconv *tz;
	char *old = NULL;
	const char *cur;
	int bad;

	*out = NULL;
	if (!tzconv_name_ok(name) || !tzconv_file_ok(name))
		return err_set(e, ERR_USAGE, "'%s' is not a time zone of the "
		    "tz database (write an IANA name such as Asia/Shanghai "
		    "or America/New_York)", name);
	tz = calloc(1, sizeof *tz);
	cur = getenv("TZ");
	if (tz == NULL || (cur != NULL && (old = strdup(cur)) == NULL)) {
		free(tz);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	snprintf(tz->name, sizeof tz->name, "%s", name);
	bad = setenv("TZ", name, 1) != 0;
	if (!bad) {
		tzset();
		bad = tzconv_walk(tz) != 0;
	}
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	if (bad) {
		tzconv_destroy(tz);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	*out = tz;
	return ERR_OK;
}

void
tzconv_destroy(struct tzconv *tz)
{
	if (tz == NULL)
		return;
	free(tz->spans);
	free(tz);
}

const char *
tzconv_name(const struct tzconv *tz)
{
	return tz->name;
}

long
tzconv_offset_at(const struct tzconv *tz, int64_t utc_s)
{
	size_t lo = 0, hi = tz->n, mid;

	/* The last span starting at or before utc_s (the first before
	 * the table). */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->spans[mid].at <= utc_s)
			lo = mid;
		else
			hi = mid;
	}
	return tz->spans[lo].off;
}

/* "+08:00" for an offset in seconds. */
static void
tzconv_fmt_off(long off, char *out, size_t size)
{
	long a = off < 0 ? -off : off;

	snprintf(out, size, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600,
	    a / 60 % 60);
}

err_code
tzconv_to_utc(const struct tzconv *tz, int64_t local_s, int64_t *utc_s,
    struct err *e)
{
	/* A day either side holds every offset that can apply. */
	long cand[3], before, after;
	int64_t sol[3];
	size_t i, j, nsol = 0;
	char a[24], b[24];

	cand[0] = tzconv_offset_at(tz, local_s - TZCONV_STEP);
	cand[1] = tzconv_offset_at(tz, local_s);
	cand[2] = tzconv_offset_at(tz, local_s + TZCONV_STEP);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < i; j++)
			if (cand[j] == cand[i])
				break;
		if (j < i)
			continue;
		if (tzconv_offset_at(tz, local_s - cand[i]) == cand[i])
			sol[nsol++] = local_s - cand[i];
	}
	if (nsol == 1) {
		*utc_s = sol[0];
		return ERR_OK;
	}
	before = cand[0];
	after = cand[2];
	tzconv_fmt_off(before, a, sizeof a);
	tzconv_fmt_off(after, b, sizeof b);
	if (nsol == 0)
		return err_set(e, ERR_PARSE, "does not exist in %s: the clocks "
		    "went forward over it (from %s to %s); write the offset",
		    tz->name, a, b);
	return err_set(e, ERR_PARSE, "happens twice in %s: the clocks went "
	    "back (it is both %s and %s); write the offset you mean",
	    tz->name, a, b);
}

err_code
tzconv_parse_local(const struct tzconv *tz, const char *s, int64_t now_ms,
    int64_t *ms, struct err *e)
{
	char buf[96];
	int64_t civil_ms, local_s, frac, utc_s;
	err_code rc;

	if ((size_t)snprintf(buf, sizeof buf, "%sZ", s) >= sizeof buf)
		return err_set(e, ERR_PARSE, "too long for a time");
	rc = tstamp_parse_syntax(buf, &civil_ms, e);
	if (rc != ERR_OK)
		return rc;
	/* Whole seconds through the table, the fraction kept as is. */
	local_s = civil_ms / 1000;
	frac = civil_ms % 1000;
	if (frac < 0) {
		local_s--;
		frac += 1000;
	}
	rc = tzconv_to_utc(tz, local_s, &utc_s, e);
	if (rc != ERR_OK)
		return rc;
	*ms = utc_s * 1000 + frac;
	return tstamp_check_range(*ms, now_ms, e);
}
