/*
 * opts.h - command-line options as data.
 *
 * Design (after curl's tool_getparam.c and redis' config.c): each command
 * declares one table of `struct opts_spec` rows: name, argument type,
 * bounds, default, help text, and where in the command's config struct the
 * value goes (offsetof).  opts_parse() fills the struct from argv, checks
 * types, bounds and choices, and collects positional arguments;
 * opts_help() prints --help from the same table; a test checks that every
 * row appears in the man page.
 *
 * Accepted forms: --name, --name=value, --name value, -x, -x value, and
 * bundles of letters that take no value (-vv, -vq); "--" ends options;
 * "-" alone is a positional argument (stdin).  Options and positionals
 * may be interleaved.  Unknown options (with the nearest known one as "did
 * you mean"), missing or extra values, and out-of-bounds numbers are
 * ERR_USAGE with a message naming the option.  A separate value that
 * looks like an option ("--report --endpoint URL": "--x" or "-" and a
 * letter) is refused as a missing value; "-" and negative numbers are
 * values, and --name=VALUE takes anything.
 *
 * Field types by opts_type:
 *   OPTS_FLAG   -> int       (set to 1; "--no-NAME" is not supported)
 *   OPTS_STRING -> const char *  (points into argv; NULL when not given
 *                                 and no default)
 *   OPTS_INT    -> long long (bounds min..max)
 *   OPTS_DOUBLE -> double    (bounds min..max)
 *   OPTS_COUNT  -> int       (incremented each time: -v -v)
 *   OPTS_LIST   -> struct opts_list (every value of a repeatable string
 *                                 option, in command-line order; the
 *                                 array is owned by the opts_result and
 *                                 freed by opts_result_free)
 * Every option also sets the "given" bit for its row (opts_given()).
 */
#ifndef MQR_OPTS_H
#define MQR_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum opts_type {
	OPTS_FLAG,
	OPTS_STRING,
	OPTS_INT,
	OPTS_DOUBLE,
	OPTS_COUNT,
	OPTS_LIST
};

/* The values of an OPTS_LIST option. */
struct opts_list {
	const char **v; /* values, pointing into argv; NULL when none */
	size_t n;       /* number of values */
};

struct opts_spec {
	const char *name;      /* long name without "--" */
	char short_name;       /* single-letter alias, or 0 */
	enum opts_type type;   /* argument type, see above */
	const char *metavar;   /* argument name in help ("N", "FILE") */
	double min, max;       /* bounds for OPTS_INT/OPTS_DOUBLE */
	const char *choices;   /* "a|b|c" allowed values for strings, or NULL */
	const char *def;       /* default as text (parsed like the argument),
	                          or NULL */
	size_t offset;         /* offsetof(config struct, field) */
	const char *help;      /* one line for --help */
};

#define OPTS_MAX 64 /* rows per table */

struct opts_result {
	unsigned char given[OPTS_MAX]; /* given[i]: row i was on the line */
	char **pos;                    /* positional args (malloc'd array) */
	size_t npos;                   /* number of positional args */
	const char **lists[OPTS_MAX];  /* arrays behind OPTS_LIST fields */
};

/*
 * Apply defaults to `cfg`, then parse argv[first..argc) into it.
 * On success fills *res (free with opts_result_free).  On ERR_USAGE the
 * message in *e names the option and the problem.
 */
err_code
opts_parse(const struct opts_spec *specs, size_t nspecs, int argc,
    char **argv, int first, void *cfg, struct opts_result *res,
    struct err *e);

/*
 * Free the positional array and the OPTS_LIST arrays (the struct
 * opts_list fields of the config point into them: free the result only
 * when done with the config).  NULL-tolerant, safe after a failed parse.
 */
void
opts_result_free(struct opts_result *res);

/*
 * The row for argument `arg` ("--name", "--name=value" or "-x"; for a
 * bundle "-xy" the row of x), or NULL when it names no option.
 */
const struct opts_spec *
opts_lookup(const struct opts_spec *specs, size_t nspecs, const char *arg);

/* 1 when the row's option takes a value (not a flag or a counter). */
int
opts_spec_takes_value(const struct opts_spec *s);

/*
 * How near the unknown word[0..len) is to `name`, for "did you mean":
 * 0 when not near; else 1 (an abbreviation of 3 letters or more, or one
 * typo) up to 3, smaller is nearer.  Edits (insert, delete, change,
 * swap two neighbours, case ignored) allowed: 1 for names up to 4
 * letters, 2 up to 8, 3 beyond.  Pure.
 */
size_t
opts_nearness(const char *word, size_t len, const char *name);

/* Was option `name` given on the command line? */
int
opts_given(const struct opts_spec *specs, size_t nspecs,
    const struct opts_result *res, const char *name);

/* Print "usage: ..." and the option table to fp. */
void
opts_help(FILE *fp, const char *usage, const char *summary,
    const struct opts_spec *specs, size_t nspecs);

#endif /* MQR_OPTS_H */
