/*
 * manpage_check.c - load a man page and assert what it documents (see
 * manpage_check.h).  The page is a plain string: the checks look for
 * the exact mdoc source text (".Ss NAME", "Fl \-NAME"), not rendered
 * output, so they need no mandoc at test time.  Options are looked up
 * line by line within one section, as whole names.
 */
#include "manpage_check.h"

#include <ctype.h>
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

/* Length of the line at p, without its newline. */
static size_t
manpage_line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? (size_t)(nl - p) : strlen(p);
}

/* Is the line at p (len bytes) exactly s? */
static int
manpage_line_is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && strncmp(p, s, len) == 0;
}

/* Does the line at p (len bytes) hold "Fl \-NAME" as a whole name? */
static int
manpage_line_has_option(const char *p, size_t len, const char *name)
{
	char needle[128];
	size_t nlen, i;

	nlen = (size_t)snprintf(needle, sizeof needle, "Fl \\-%s", name);
	if (nlen >= sizeof needle)
		return 0;
	for (i = 0; i + nlen <= len; i++) {
		unsigned char next;

		if (strncmp(p + i, needle, nlen) != 0)
			continue;
		next = i + nlen < len ? (unsigned char)p[i + nlen] : ' ';
		if (!isalnum(next) && next != '-')
			return 1;
	}
	return 0;
}

void
manpage_expect_option(const char *head, const char *const *stops,
    const char *name, const char *what)
{
	const char *p = manpage_text;
	int in = 0, found = 0;
	size_t len, k;

	while (p != NULL && *p != '\0' && !found) {
		len = manpage_line_len(p);
		if (!in)
			in = manpage_line_is(p, len, head);
		else if (len >= 4 && strncmp(p, ".Sh ", 4) == 0)
			break;
		else {
			for (k = 0; stops != NULL && stops[k] != NULL; k++)
				if (manpage_line_is(p, len, stops[k]))
					break;
			if (stops != NULL && stops[k] != NULL)
				break;
			found = len > 4 && strncmp(p, ".It ", 4) == 0 &&
			    manpage_line_has_option(p, len, name);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (!found)
		fprintf(stderr, "%s: %s is not documented in '%s'%s\n",
		    manpage_path != NULL ? manpage_path : "(no man page)",
		    what, head, in ? "" : " (no such section)");
	CU_ASSERT_TRUE(found);
}
