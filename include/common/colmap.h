/*
 * colmap.h - `--column COLUMN=HEADER`: a plan's own header names mapped
 * to the plan columns (group="Consumer Group", timestamp="Reset at").
 *
 * Design: a small list parsed from the command line once, then read-only
 * (the plan reader consults it for every header field; thread-safe once
 * built).  The module does not know which columns exist: the caller
 * checks COLUMN (plan_column_named(), plan.h) so that the list of columns
 * stays in the plan reader.
 */
#ifndef MQR_COLMAP_H
#define MQR_COLMAP_H

#include <stddef.h>

#include "err.h"

/* Mappings kept; more is a usage error. */
#define COLMAP_MAX 16

struct colmap_entry {
	char *column;  /* the plan column, as given ("group") */
	char *header;  /* the header name it takes ("Consumer Group") */
	const char *spec; /* the option's value as given (borrowed) */
};

struct colmap {
	struct colmap_entry v[COLMAP_MAX];
	size_t n;
};

/* Empty map.  Cannot fail. */
void
colmap_init(struct colmap *m);

/* Free the strings; the map is empty again.  NULL-ok. */
void
colmap_free(struct colmap *m);

/*
 * Add "COLUMN=HEADER" (HEADER may hold spaces and '='; surrounding quotes
 * are the shell's business).  ERR_USAGE, with a reason that does not
 * name the option, when there is no '=', either side is empty, HEADER is
 * already mapped, or the map is full; ERR_NOMEM.  `spec` is borrowed and
 * must outlive the map.
 */
err_code
colmap_add(struct colmap *m, const char *spec, struct err *e);

/*
 * The entry whose HEADER is `name` (case ignored, exact otherwise), or
 * NULL.  Pure.
 */
const struct colmap_entry *
colmap_find(const struct colmap *m, const char *name);

#endif /* MQR_COLMAP_H */
