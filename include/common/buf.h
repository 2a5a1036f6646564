/*
 * buf.h - one capped, growable byte buffer for the whole project.
 *
 * Design: HTTP bodies, canonical strings, JSON and CSV lines all go through
 * `struct buf`.  Every buffer has a hard `limit`; an append that would pass
 * it fails with ERR_TOOBIG and leaves the buffer unchanged, so an oversized
 * reply is a clean error, never an allocation failure or an overflow.
 * The data is always NUL-terminated (the terminator is not counted in len
 * and does not count against the limit).
 *
 * Lifecycle: buf_init() cannot fail (no allocation until the first append);
 * buf_free() releases the memory and may be called on an initialised buffer
 * at any time, any number of times.  Not thread-safe: one owner at a time.
 */
#ifndef MQR_BUF_H
#define MQR_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct buf {
	char *data;   /* NUL-terminated content, NULL until first append */
	size_t len;   /* bytes used, excluding the NUL */
	size_t cap;   /* bytes allocated */
	size_t limit; /* maximum len; appends beyond it fail with ERR_TOOBIG */
};

/* Initialise an empty buffer that may grow to `limit` bytes. */
void
buf_init(struct buf *b, size_t limit);

/* Release the memory; the buffer is empty and reusable afterwards. */
void
buf_free(struct buf *b);

/* Forget the content but keep the allocation. */
void
buf_reset(struct buf *b);

/* Append n bytes.  ERR_TOOBIG past the limit, ERR_NOMEM on allocation. */
err_code
buf_append(struct buf *b, const void *p, size_t n);

/* Append a NUL-terminated string. */
err_code
buf_puts(struct buf *b, const char *s);

/* Append one byte. */
err_code
buf_putc(struct buf *b, char c);

/* Append printf-style formatted text. */
err_code
buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

err_code
buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* The content as a C string: "" (static) for a buffer never appended to. */
const char *
buf_cstr(const struct buf *b);

/*
 * Take ownership of the content (caller frees with free()); the buffer is
 * left empty.  Returns a malloc'd "" for an empty buffer, NULL on ERR_NOMEM.
 */
char *
buf_steal(struct buf *b);

#endif /* MQR_BUF_H */
