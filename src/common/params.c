/*
 * params.c - an ordered list of owned name/value string pairs.
 * See include/common/params.h.
 *
 * Design: a plain growable array; lists are short (a dozen request
 * parameters or headers), so lookups are linear and sorting is an
 * insertion sort, which is stable as the contract requires.
 */
#include "params.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
params_init(struct params *p)
{
	p->items = NULL;
	p->n = 0;
	p->cap = 0;
}

void
params_free(struct params *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->items[i].name);
		free(p->items[i].value);
	}
	free(p->items);
	params_init(p);
}

/* Copy n bytes of s into a fresh NUL-terminated string. */
static char *
params_dup(const char *s, size_t n)
{
	char *d;

	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Append (name[0..nn), value[0..vn)), copying both. */
static err_code
params_add_n(struct params *p, const char *name, size_t nn,
    const char *value, size_t vn)
{
	struct params_item *items;
	size_t cap;
	char *n, *v;

	if (p->n == p->cap) {
		cap = p->cap == 0 ? 16 : p->cap * 2;
		items = realloc(p->items, cap * sizeof *items);
		if (items == NULL)
			return ERR_NOMEM;
		p->items = items;
		p->cap = cap;
	}
	n = params_dup(name, nn);
	v = params_dup(value, vn);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return ERR_NOMEM;
	}
	p->items[p->n].name = n;
	p->items[p->n].value = v;
	p->n++;
	return ERR_OK;
}

err_code
params_add(struct params *p, const char *name, const char *value)
{
	return params_add_n(p, name, strlen(name), value, strlen(value));
}

err_code
params_set(struct params *p, const char *name, const char *value)
{
	size_t i;
	char *v;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->items[i].name, name) != 0)
			continue;
		v = params_dup(value, strlen(value));
		if (v == NULL)
			return ERR_NOMEM;
		free(p->items[i].value);
		p->items[i].value = v;
		return ERR_OK;
	}
	return params_add(p, name, value);
}

const char *
params_get(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return p->items[i].value;
	return NULL;
}

const char *
params_get_ci(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcasecmp(p->items[i].name, name) == 0)
			return p->items[i].value;
	return NULL;
}

size_t
params_remove(struct params *p, const char *name)
{
	size_t i, j, removed;

	removed = 0;
	for (i = 0, j = 0; i < p->n; i++) {
		if (strcmp(p->items[i].name, name) == 0) {
			free(p->items[i].name);
			free(p->items[i].value);
			removed++;
			continue;
		}
		p->items[j++] = p->items[i];
	}
	p->n = j;
	return removed;
}

void
params_sort(struct params *p)
{
	struct params_item tmp;
	size_t i, j;

	/* Insertion sort: stable, and the lists are short. */
	for (i = 1; i < p->n; i++) {
		tmp = p->items[i];
		j = i;
		while (j > 0 && strcmp(p->items[j - 1].name, tmp.name) > 0) {
			p->items[j] = p->items[j - 1];
			j--;
		}
		p->items[j] = tmp;
	}
}

static int
params_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) ('+' -> space, %XX -> byte) into out (>= n + 1 bytes). */
static err_code
params_decode(const char *s, size_t n, char *out, size_t *outlen,
    struct err *e)
{
	size_t i, o;
	int hi, lo;

	for (i = 0, o = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return err_set(e, ERR_PARSE,
				    "truncated %%-escape at offset %zu", i);
			hi = params_hexval(s[i + 1]);
			lo = params_hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return err_set(e, ERR_PARSE,
				    "bad %%-escape at offset %zu", i);
			/* A NUL would silently cut the C string short. */
			if (hi == 0 && lo == 0)
				return err_set(e, ERR_PARSE,
				    "%%00 at offset %zu", i);
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return ERR_OK;
}

err_code
params_parse_form(struct params *p, const char *s, size_t n, struct err *e)
{
	const char *pair, *end, *eq;
	char *name, *value;
	size_t nlen, vlen, plen;
	err_code rc;

	rc = ERR_OK;
	name = NULL;
	value = NULL;
	pair = s;
	while (rc == ERR_OK && pair < s + n) {
		end = memchr(pair, '&', (size_t)(s + n - pair));
		if (end == NULL)
			end = s + n;
		plen = (size_t)(end - pair);
		if (plen == 0) {
			/* "a=1&&b=2" or a trailing '&': nothing to add. */
			pair = end + 1;
			continue;
		}
		eq = memchr(pair, '=', plen);
		if (eq == NULL)
			eq = end;
		name = malloc((size_t)(eq - pair) + 1);
		value = malloc(eq < end ? (size_t)(end - eq) : 1);
		if (name == NULL || value == NULL) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			break;
		}
		rc = params_decode(pair, (size_t)(eq - pair), name, &nlen, e);
		if (rc == ERR_OK && eq < end)
			rc = params_decode(eq + 1, (size_t)(end - eq - 1),
			    value, &vlen, e);
		else if (rc == ERR_OK) {
			value[0] = '\0';
			vlen = 0;
		}
		if (rc == ERR_OK) {
			rc = params_add_n(p, name, nlen, value, vlen);
			if (rc != ERR_OK)
				err_set(e, rc, "out of memory");
		}
		free(name);
		free(value);
		name = NULL;
		value = NULL;
		pair = end + 1;
	}
	free(name);
	free(value);
	return rc;
}
