/*
 * manpage_check.c - load a man page and assert what it documents (see
 * manpage_check.h).  The page is a plain string: the checks look for
 * the exact mdoc source text (".Ss NAME", "Fl \-NAME"), not rendered
 * output, so they need no mandoc at test time.
 */
#include "manpage_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"

static char *manpage_text;       /* the page, NUL-terminated, or NULL */
static const char *manpage_path; /* where it was read from */

int
manpage_load(const char *path)
{
	free(manpage_text);
	manpage_text = cu_slurp(path, NULL);
	manpage_path = path;
	return manpage_text == NULL;
}

int
manpage_unload(void)
{
	free(manpage_text);
	manpage_text = NULL;
	return 0;
}

void
manpage_expect(const char *needle, const char *what)
{
	const char *hit = NULL;

	if (manpage_text != NULL)
		hit = strstr(manpage_text, needle);
	if (hit == NULL)
		fprintf(stderr, "%s: %s is not documented (no '%s')\n",
		    manpage_path != NULL ? manpage_path : "(no man page)",
		    what, needle);
	CU_ASSERT_PTR_NOT_NULL(hit);
}
