/*
 * colmap.c - plan header names mapped to plan columns.  See
 * include/common/colmap.h.
 */
#include "colmap.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
colmap_init(struct colmap *m)
{
	memset(m, 0, sizeof *m);
}

void
colmap_free(struct colmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->v[i].column);
		free(m->v[i].header);
	}
	colmap_init(m);
}

err_code
colmap_add(struct colmap *m, const char *spec, struct err *e)
{
	const char *eq = strchr(spec, '=');
	struct colmap_entry *x;

	if (eq == NULL)
		return err_set(e, ERR_USAGE, "'%s' is not COLUMN=HEADER (for "
		    "example group=\"Consumer Group\")", spec);
	if (eq == spec || eq[1] == '\0')
		return err_set(e, ERR_USAGE, "'%s': both the column and the "
		    "header name are needed, as in group=\"Consumer Group\"",
		    spec);
	if (colmap_find(m, eq + 1) != NULL)
		return err_set(e, ERR_USAGE, "'%s': the header '%s' is already "
		    "mapped", spec, eq + 1);
	if (m->n == COLMAP_MAX)
		return err_set(e, ERR_USAGE, "more than %d mappings",
		    COLMAP_MAX);
	x = &m->v[m->n];
	x->column = strndup(spec, (size_t)(eq - spec));
	x->header = strdup(eq + 1);
	x->spec = spec;
	if (x->column == NULL || x->header == NULL) {
		free(x->column);
		free(x->header);
		x->column = x->header = NULL;
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	m->n++;
	return ERR_OK;
}

const struct colmap_entry *
colmap_find(const struct colmap *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcasecmp(m->v[i].header, name) == 0)
			return &m->v[i];
	return NULL;
}
