/*
 * buf.c - the capped byte buffer.  See include/common/buf.h.
 *
 * Growth doubles the allocation (amortised O(1) appends) but never beyond
 * limit + 1 (room for the terminator).
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for `extra` more bytes plus the NUL. */
static err_code
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->limit - b->len)
		return ERR_TOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return ERR_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->limit + 1)
		ncap = b->limit + 1;
	if (ncap < need)
		ncap = need;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return ERR_NOMEM;
	b->data = p;
	b->cap = ncap;
	return ERR_OK;
}

err_code
buf_append(struct buf *b, const void *p, size_t n)
{
	err_code rc = buf_reserve(b, n);

	if (rc != ERR_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ERR_OK;
}

err_code
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

err_code
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

err_code
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	err_code rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return ERR_INTERNAL;
	rc = buf_reserve(b, (size_t)n);
	if (rc != ERR_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return ERR_OK;
}

err_code
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	err_code rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		return strdup("");
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
