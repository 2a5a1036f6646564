/*
 * params.h - an ordered list of name/value string pairs.
 *
 * Used for request parameters (query string or form body), HTTP headers
 * and parsed replies.  Names and values are copied in (the list owns its
 * strings).  Duplicated names are allowed (params_add) or replaced
 * (params_set).  Not thread-safe: one owner at a time.
 *
 * Lifecycle: params_init() cannot fail; params_free() accepts a
 * half-built list and may be called repeatedly.
 */
#ifndef MQR_PARAMS_H
#define MQR_PARAMS_H

#include <stddef.h>

#include "err.h"

struct params_item {
	char *name;  /* owned, NUL-terminated */
	char *value; /* owned, NUL-terminated (may be "") */
};

struct params {
	struct params_item *items; /* owned array */
	size_t n;                  /* items in use */
	size_t cap;                /* items allocated */
};

void
params_init(struct params *p);

void
params_free(struct params *p);

/* Append a copy of (name, value).  ERR_NOMEM on allocation failure. */
err_code
params_add(struct params *p, const char *name, const char *value);

/* Replace the value of the first item called `name`, or append. */
err_code
params_set(struct params *p, const char *name, const char *value);

/* Value of the first item called `name` (exact match), or NULL. */
const char *
params_get(const struct params *p, const char *name);

/* Value of the first item whose name matches case-insensitively, or NULL. */
const char *
params_get_ci(const struct params *p, const char *name);

/* Remove every item called `name`; returns how many were removed. */
size_t
params_remove(struct params *p, const char *name);

/* Sort by name in byte order (strcmp), stable for equal names. */
void
params_sort(struct params *p);

/*
 * Append the pairs of an application/x-www-form-urlencoded string (also a
 * URL query string without '?'): '&'-separated, '=' between name and value,
 * %XX decoded, '+' decoded as space.  ERR_PARSE on a malformed %-escape
 * or %00 (a NUL would cut the C strings short).
 */
err_code
params_parse_form(struct params *p, const char *s, size_t n, struct err *e);

#endif /* MQR_PARAMS_H */
