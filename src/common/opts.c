/*
 * opts.c - table-driven option parsing and --help.  See include/common/opts.h.
 */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct opts_spec *
opts_find_long(const struct opts_spec *specs, size_t n, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(specs[i].name) == len &&
		    strncmp(specs[i].name, name, len) == 0)
			return &specs[i];
	return NULL;
}

static const struct opts_spec *
opts_find_short(const struct opts_spec *specs, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (specs[i].short_name != 0 && specs[i].short_name == c)
			return &specs[i];
	return NULL;
}

static int
opts_choice_ok(const char *choices, const char *val)
{
	const char *p = choices;
	size_t n = strlen(val);

	while (*p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, val, n) == 0)
			return 1;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return 0;
}

/*
 * Store `val` for spec `s` into cfg.  `res` and `argc` are needed only by
 * OPTS_LIST (its array, sized for every argument, lives in res).
 */
static err_code
opts_store(const struct opts_spec *s, const char *val, void *cfg,
    struct opts_result *res, size_t idx, int argc, struct err *e)
{
	char *field = (char *)cfg + s->offset;
	char *end;

	switch (s->type) {
	case OPTS_LIST: {
		struct opts_list *l = (struct opts_list *)(void *)field;
		if (res->lists[idx] == NULL) {
			res->lists[idx] = calloc((size_t)(argc > 0 ? argc : 1),
			    sizeof *res->lists[idx]);
			if (res->lists[idx] == NULL)
				return err_set(e, ERR_NOMEM, "out of memory");
			l->v = res->lists[idx];
			l->n = 0;
		}
		if (s->choices != NULL && !opts_choice_ok(s->choices, val))
			return err_set(e, ERR_USAGE,
			    "--%s: '%s' is not one of %s", s->name, val,
			    s->choices);
		l->v[l->n++] = val;
		return ERR_OK;
	}
	case OPTS_FLAG:
		*(int *)(void *)field = 1;
		return ERR_OK;
	case OPTS_COUNT:
		(*(int *)(void *)field)++;
		return ERR_OK;
	case OPTS_STRING:
		if (s->choices != NULL && !opts_choice_ok(s->choices, val))
			return err_set(e, ERR_USAGE,
			    "--%s: '%s' is not one of %s", s->name, val,
			    s->choices);
		*(const char **)(void *)field = val;
		return ERR_OK;
	case OPTS_INT: {
		long long v;
		errno = 0;
		v = strtoll(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0)
			return err_set(e, ERR_USAGE,
			    "--%s: '%s' is not a whole number", s->name, val);
		if ((double)v < s->min || (double)v > s->max)
			return err_set(e, ERR_USAGE,
			    "--%s: %lld is out of range (%.0f to %.0f)",
			    s->name, v, s->min, s->max);
		*(long long *)(void *)field = v;
		return ERR_OK;
	}
	case OPTS_DOUBLE: {
		double v;
		errno = 0;
		v = strtod(val, &end);
		if (*val == '\0' || *end != '\0' || errno != 0 || isnan(v))
			return err_set(e, ERR_USAGE,
			    "--%s: '%s' is not a number", s->name, val);
		if (v < s->min || v > s->max)
			return err_set(e, ERR_USAGE,
			    "--%s: %g is out of range (%g to %g)", s->name, v,
			    s->min, s->max);
		*(double *)(void *)field = v;
		return ERR_OK;
	}
	}
	return err_set(e, ERR_INTERNAL, "--%s: bad option type", s->name);
}

static int
opts_takes_arg(const struct opts_spec *s)
{
	return s->type != OPTS_FLAG && s->type != OPTS_COUNT;
}

int
opts_spec_takes_value(const struct opts_spec *s)
{
	return opts_takes_arg(s);
}

/*
 * Optimal string alignment distance (Levenshtein plus the transposition
 * of two neighbours) between a[0..alen) and b, case-insensitive, capped:
 * anything over OPTS_NEAR_CAP is OPTS_NEAR_CAP + 1.
 */
#define OPTS_NEAR_CAP 3
#define OPTS_NEAR_LEN 64

static size_t
opts_distance(const char *a, size_t alen, const char *b)
{
	size_t d[OPTS_NEAR_LEN + 1][OPTS_NEAR_LEN + 1];
	size_t blen = strlen(b), i, j;

	if (alen > OPTS_NEAR_LEN || blen > OPTS_NEAR_LEN)
		return OPTS_NEAR_CAP + 1;
	for (i = 0; i <= alen; i++)
		d[i][0] = i;
	for (j = 0; j <= blen; j++)
		d[0][j] = j;
	for (i = 1; i <= alen; i++)
		for (j = 1; j <= blen; j++) {
			int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
			size_t v = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) &&
			    (a[i - 2] | 0x20) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[alen][blen] > OPTS_NEAR_CAP ? OPTS_NEAR_CAP + 1 :
	    d[alen][blen];
}

size_t
opts_nearness(const char *word, size_t len, const char *name)
{
	size_t n = strlen(name), d, limit;

	/* An abbreviation of at least 3 letters is as near as a typo. */
	if (len >= 3 && len < n && strncmp(word, name, len) == 0)
		return 1;
	limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
	d = opts_distance(word, len, name);
	return d <= limit ? d : 0;
}

/* The option nearest to the unknown long name[0..len), or NULL. */
static const struct opts_spec *
opts_nearest(const struct opts_spec *specs, size_t n, const char *name,
    size_t len)
{
	const struct opts_spec *best = NULL;
	size_t i, d, bestd = OPTS_NEAR_CAP + 1;

	for (i = 0; i < n; i++) {
		d = opts_nearness(name, len, specs[i].name);
		if (d != 0 && d < bestd) {
			bestd = d;
			best = &specs[i];
		}
	}
	return best;
}

/*
 * Does `a` look like an option rather than a value: "--x..." or "-x"
 * with a letter?  "-" (standard input) and "-5" (a number) do not.
 */
static int
opts_looks_like_option(const char *a)
{
	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] == '-')
		return a[2] != '\0';
	return (a[1] >= 'a' && a[1] <= 'z') || (a[1] >= 'A' && a[1] <= 'Z');
}

const struct opts_spec *
opts_lookup(const struct opts_spec *specs, size_t nspecs, const char *arg)
{
	const char *eq;

	if (arg[0] != '-' || arg[1] == '\0')
		return NULL;
	if (arg[1] == '-') {
		eq = strchr(arg + 2, '=');
		return opts_find_long(specs, nspecs, arg + 2, eq != NULL ?
		    (size_t)(eq - (arg + 2)) : strlen(arg + 2));
	}
	return opts_find_short(specs, nspecs, arg[1]);
}

/*
 * "-vq": every letter a flag or a counter.  Stores them all and returns
 * 1, or returns 0 (nothing stored) when the bundle is not one.
 */
static int
opts_bundle(const struct opts_spec *specs, size_t nspecs, const char *a,
    void *cfg, struct opts_result *res, int argc, struct err *e)
{
	const struct opts_spec *s;
	const char *p;

	for (p = a + 1; *p != '\0'; p++) {
		s = opts_find_short(specs, nspecs, *p);
		if (s == NULL || opts_takes_arg(s))
			return 0;
	}
	for (p = a + 1; *p != '\0'; p++) {
		s = opts_find_short(specs, nspecs, *p);
		res->given[s - specs] = 1;
		(void)opts_store(s, NULL, cfg, res, (size_t)(s - specs), argc,
		    e);
	}
	return 1;
}

err_code
opts_parse(const struct opts_spec *specs, size_t nspecs, int argc,
    char **argv, int first, void *cfg, struct opts_result *res,
    struct err *e)
{
	size_t i;
	int ai, only_pos = 0;
	err_code rc = ERR_OK;

	memset(res, 0, sizeof *res);
	if (nspecs > OPTS_MAX)
		return err_set(e, ERR_INTERNAL, "option table too large");
	res->pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof *res->pos);
	if (res->pos == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < nspecs && rc == ERR_OK; i++)
		if (specs[i].def != NULL && opts_takes_arg(&specs[i]))
			rc = opts_store(&specs[i], specs[i].def, cfg, res, i,
			    argc, e);
	for (ai = first; ai < argc && rc == ERR_OK; ai++) {
		const char *a = argv[ai];
		const struct opts_spec *s;
		const char *val = NULL;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			res->pos[res->npos++] = argv[ai];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq != NULL ? (size_t)(eq - (a + 2))
						: strlen(a + 2);
			s = opts_find_long(specs, nspecs, a + 2, len);
			if (s == NULL) {
				const struct opts_spec *near = opts_nearest(
				    specs, nspecs, a + 2, len);

				if (near != NULL)
					rc = err_set(e, ERR_USAGE, "unknown "
					    "option '--%.*s': did you mean "
					    "--%s? (see --help)", (int)len,
					    a + 2, near->name);
				else
					rc = err_set(e, ERR_USAGE, "unknown "
					    "option '--%.*s' (see --help)",
					    (int)len, a + 2);
				break;
			}
			if (eq != NULL) {
				if (!opts_takes_arg(s)) {
					rc = err_set(e, ERR_USAGE,
					    "--%s takes no value", s->name);
					break;
				}
				val = eq + 1;
			}
		} else {
			s = opts_find_short(specs, nspecs, a[1]);
			if (a[2] != '\0' && opts_bundle(specs, nspecs, a, cfg,
			    res, argc, e))
				continue;
			if (s == NULL || a[2] != '\0') {
				rc = err_set(e, ERR_USAGE,
				    "unknown option '%s' (see --help)", a);
				break;
			}
		}
		if (opts_takes_arg(s) && val == NULL) {
			if (ai + 1 >= argc) {
				rc = err_set(e, ERR_USAGE,
				    "--%s needs a value (%s)", s->name,
				    s->metavar != NULL ? s->metavar : "ARG");
				break;
			}
			if (!only_pos && opts_looks_like_option(argv[ai + 1])) {
				/* "--report --endpoint URL": a forgotten
				 * value, not a file named "--endpoint". */
				rc = err_set(e, ERR_USAGE, "--%s needs a value "
				    "(%s), found the option '%s'; a value "
				    "that starts with '-' is written "
				    "--%s=VALUE", s->name, s->metavar !=
				    NULL ? s->metavar : "ARG", argv[ai + 1],
				    s->name);
				break;
			}
			val = argv[++ai];
		}
		res->given[s - specs] = 1;
		rc = opts_store(s, val, cfg, res, (size_t)(s - specs), argc, e);
	}
	if (rc != ERR_OK)
		opts_result_free(res);
	return rc;
}

void
opts_result_free(struct opts_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < OPTS_MAX; i++) {
		free(res->lists[i]);
		res->lists[i] = NULL;
	}
	free(res->pos);
	res->pos = NULL;
	res->npos = 0;
}

int
opts_given(const struct opts_spec *specs, size_t nspecs,
    const struct opts_result *res, const char *name)
{
	size_t i;

	for (i = 0; i < nspecs; i++)
		if (strcmp(specs[i].name, name) == 0)
			return res->given[i];
	return 0;
}

void
opts_help(FILE *fp, const char *usage, const char *summary,
    const struct opts_spec *specs, size_t nspecs)
{
	size_t i;
	char left[64];

	fprintf(fp, "usage: %s\n", usage);
	if (summary != NULL)
		fprintf(fp, "\n%s\n", summary);
	fputs("\noptions:\n", fp);
	for (i = 0; i < nspecs; i++) {
		const struct opts_spec *s = &specs[i];
		int n;

		if (s->short_name != 0)
			n = snprintf(left, sizeof left, "-%c, --%s",
			    s->short_name, s->name);
		else
			n = snprintf(left, sizeof left, "    --%s", s->name);
		if (opts_takes_arg(s) && n > 0 && (size_t)n < sizeof left)
			snprintf(left + n, sizeof left - (size_t)n, " %s",
			    s->metavar != NULL ? s->metavar : "ARG");
		fprintf(fp, "  %-28s %s", left, s->help);
		if (s->type == OPTS_LIST)
			fputs(" (repeatable)", fp);
		if (s->choices != NULL)
			fprintf(fp, " (%s)", s->choices);
		if (s->def != NULL && opts_takes_arg(s))
			fprintf(fp, " [default: %s]", s->def);
		fputc('\n', fp);
	}
}
