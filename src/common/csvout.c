/*
 * csvout.c - one report cell: formula neutralisation, then RFC 4180
 * quoting.  See include/common/csvout.h for the rules and why they are reversible.
 */
#include "csvout.h"

#include <string.h>

/* A plain decimal number with a sign: [+-]digits[.digits]. */
static int
csvout_is_signed_number(const char *s)
{
	const char *p = s + 1;
	const char *start;

	if (*s != '-' && *s != '+')
		return 0;
	start = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == start)
		return 0;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return 0;
	}
	return *p == '\0';
}

int
csvout_needs_neutral(const char *s)
{
	const char *p;

	if (s == NULL)
		return 0;
	/* Readers that trim leading spaces would see the character after
	 * them first. */
	for (p = s; *p == ' '; p++)
		;
	switch (*p) {
	case '=':
	case '@':
	case '\t':
	case '\r':
	case '\n': /* a line break before '=' still starts a formula */
		return 1;
	case '\'':
		/* Only a first-byte apostrophe would be taken for ours. */
		return p == s;
	case '+':
	case '-':
		return !csvout_is_signed_number(p);
	default:
		return 0;
	}
}

static int
csvout_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
csvout_needs_quotes(const char *s)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return 0;
	if (strpbrk(s, ",\"\r\n") != NULL)
		return 1;
	n = strlen(s);
	/* Leading or trailing blanks survive every reader only when quoted. */
	return csvout_blank(s[0]) || csvout_blank(s[n - 1]);
}

err_code
csvout_cell(struct buf *out, const char *s)
{
	err_code rc = ERR_OK;
	int neutral, quote;
	const char *p, *q;

	if (s == NULL || s[0] == '\0')
		return ERR_OK;
	neutral = csvout_needs_neutral(s);
	/* Quoting looks at the cell as written: after the apostrophe a
	 * leading TAB is no longer leading, a trailing one still is. */
	quote = csvout_needs_quotes(s);
	if (quote && neutral && strpbrk(s, ",\"\r\n") == NULL &&
	    !csvout_blank(s[strlen(s) - 1]))
		quote = 0;
	if (quote)
		rc = buf_putc(out, '"');
	if (rc == ERR_OK && neutral)
		rc = buf_putc(out, '\'');
	if (rc == ERR_OK && !quote)
		return buf_puts(out, s);
	for (p = s; rc == ERR_OK && *p != '\0'; p = q + 1) {
		q = strchr(p, '"');
		if (q == NULL) {
			rc = buf_puts(out, p);
			break;
		}
		rc = buf_append(out, p, (size_t)(q - p) + 1);
		if (rc == ERR_OK)
			rc = buf_putc(out, '"');
	}
	if (rc == ERR_OK)
		rc = buf_putc(out, '"');
	return rc;
}

err_code
csvout_record(struct buf *out, const char *const *cells, size_t n)
{
	err_code rc = ERR_OK;
	size_t i;

	for (i = 0; rc == ERR_OK && i < n; i++) {
		if (i > 0)
			rc = buf_putc(out, ',');
		if (rc == ERR_OK)
			rc = csvout_cell(out, cells[i]);
	}
	if (rc == ERR_OK)
		rc = buf_putc(out, '\n');
	return rc;
}

void
csvout_decode(char *cell)
{
	if (cell == NULL || cell[0] != '\'')
		return;
	memmove(cell, cell + 1, strlen(cell));
}
