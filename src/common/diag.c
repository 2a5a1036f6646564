/*
 * diag.c - counted, capped diagnostics about one input file.  See
 * include/common/diag.h.
 *
 * Design: the sink owns its counters and (in DIAG_COLLECT mode) a growing
 * array of entries capped at `max` per severity, so a plan with a million
 * bad rows costs a bounded amount of memory.  Printing goes through
 * msg_diag(), which adds the prefix, filters warnings under --quiet and
 * writes whole lines.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

struct diag {
	char *file;                 /* name shown in diagnostics */
	enum diag_mode mode;        /* print or collect */
	unsigned long max;          /* cap per severity, 0 = none */
	unsigned long count[2];     /* totals by severity */
	unsigned long omitted[2];   /* held back by the cap, by severity */
	unsigned long dropped;      /* not stored: out of memory */
	struct diag_entry *entries; /* stored entries (collect mode) */
	size_t n;                   /* entries in use */
	size_t cap;                 /* entries allocated */
	int finished;               /* diag_finish() already printed */
};

struct diag *
diag_new(const char *file, enum diag_mode mode, unsigned long max)
{
	struct diag *d = calloc(1, sizeof *d);

	if (d == NULL)
		return NULL;
	d->file = strdup(file != NULL ? file : "");
	if (d->file == NULL) {
		free(d);
		return NULL;
	}
	d->mode = mode;
	d->max = max;
	return d;
}

void
diag_destroy(struct diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->entries[i].message);
	free(d->entries);
	free(d->file);
	free(d);
}

static void
diag_store(struct diag *d, unsigned long line, unsigned long col,
    enum diag_severity sev, const char *text)
{
	struct diag_entry *ne;
	char *m;

	if (d->n == d->cap) {
		size_t ncap = d->cap == 0 ? 16 : d->cap * 2;

		ne = realloc(d->entries, ncap * sizeof *ne);
		if (ne == NULL) {
			d->dropped++;
			return;
		}
		d->entries = ne;
		d->cap = ncap;
	}
	m = strdup(text);
	if (m == NULL) {
		d->dropped++;
		return;
	}
	d->entries[d->n].line = line;
	d->entries[d->n].col = col;
	d->entries[d->n].severity = sev;
	d->entries[d->n].message = m;
	d->n++;
}

void
diag_add(struct diag *d, unsigned long line, unsigned long col,
    enum diag_severity sev, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int s = sev == DIAG_WARNING ? 1 : 0;

	if (d == NULL)
		return;
	d->count[s]++;
	if (d->max != 0 && d->count[s] > d->max) {
		d->omitted[s]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (d->mode == DIAG_COLLECT)
		diag_store(d, line, col, sev, text);
	else
		msg_diag(d->file, line, col, s ? MSG_WARN : MSG_ERROR, "%s",
		    text);
}

void
diag_finish(struct diag *d)
{
	if (d == NULL || d->finished)
		return;
	d->finished = 1;
	if (d->mode != DIAG_PRINT)
		return;
	if (d->omitted[0] > 0)
		msg_diag(d->file, 0, 0, MSG_ERROR, "... and %lu more error%s",
		    d->omitted[0], d->omitted[0] == 1 ? "" : "s");
	if (d->omitted[1] > 0)
		msg_diag(d->file, 0, 0, MSG_WARN, "... and %lu more "
		    "warning%s", d->omitted[1], d->omitted[1] == 1 ? "" : "s");
}

unsigned long
diag_errors(const struct diag *d)
{
	return d == NULL ? 0 : d->count[0];
}

unsigned long
diag_warnings(const struct diag *d)
{
	return d == NULL ? 0 : d->count[1];
}

unsigned long
diag_omitted(const struct diag *d, enum diag_severity sev)
{
	if (d == NULL)
		return 0;
	return d->omitted[sev == DIAG_WARNING ? 1 : 0];
}

unsigned long
diag_dropped(const struct diag *d)
{
	return d == NULL ? 0 : d->dropped;
}

size_t
diag_count(const struct diag *d)
{
	return d == NULL ? 0 : d->n;
}

const struct diag_entry *
diag_entry_at(const struct diag *d, size_t i)
{
	if (d == NULL || i >= d->n)
		return NULL;
	return &d->entries[i];
}

const char *
diag_file(const struct diag *d)
{
	return d == NULL ? "" : d->file;
}

const char *
diag_quote(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t o = 0, i;

	if (size == 0)
		return out;
	for (i = 0; p[i] != '\0'; i++) {
		char tmp[5];
		size_t k = 0;

		if (i >= 60 && (p[i] & 0xc0) != 0x80) {
			if (o + 4 <= size) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[p[i] >> 4];
			tmp[k++] = hex[p[i] & 15];
		} else if (p[i] == '\'' || p[i] == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = (char)p[i];
		} else
			tmp[k++] = (char)p[i];
		if (o + k + 1 > size)
			break;
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o] = '\0';
	return out;
}
