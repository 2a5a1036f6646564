/*
 * csvin.c - strict streaming reader of mqreset's own CSV files.  See
 * include/common/csvin.h for why this is not libcsv.
 *
 * Design: one pass over fread() blocks; the current record's cells are
 * kept NUL-separated in one capped buffer with their start offsets, and
 * turned into a char* array only when the record ends.  Runs of ordinary
 * bytes are appended in one call, so the cost per byte is a table test.
 */
#include "csvin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum csvin_state {
	CSVIN_CELL_START, /* at the start of a cell */
	CSVIN_UNQUOTED,   /* inside an unquoted cell */
	CSVIN_QUOTED,     /* inside a quoted cell */
	CSVIN_QUOTE,      /* a '"' inside a quoted cell: end or escape */
	CSVIN_CR          /* a CR outside quotes: LF must follow */
};

struct csvin {
	const char *name;          /* for messages */
	csvin_record_fn fn;        /* record callback */
	void *arg;                 /* its argument */
	struct err *e;             /* error detail */
	enum csvin_state state;    /* parser state */
	struct buf cells;          /* cell bytes, each NUL-terminated */
	size_t start[CSVIN_MAX_CELLS]; /* offset of each cell in cells */
	char *ptr[CSVIN_MAX_CELLS];    /* handed to the callback */
	size_t n;                  /* cells completed in this record */
	int began;                 /* the record has at least one byte */
	unsigned long line;        /* current physical line (1-based) */
	unsigned long rec_line;    /* line where the record began */
};

/* Close the current cell. */
static err_code
csvin_end_cell(struct csvin *c)
{
	err_code rc;

	if (c->n == CSVIN_MAX_CELLS)
		return err_set(c->e, ERR_TOOBIG, "%s:%lu: more than %d cells",
		    c->name, c->rec_line, CSVIN_MAX_CELLS);
	rc = buf_putc(&c->cells, '\0');
	if (rc != ERR_OK)
		return err_set(c->e, rc, "%s:%lu: record too long", c->name,
		    c->rec_line);
	c->n++;
	if (c->n < CSVIN_MAX_CELLS)
		c->start[c->n] = c->cells.len;
	c->state = CSVIN_CELL_START;
	return ERR_OK;
}

/* Close the current record and deliver it (blank lines are dropped). */
static err_code
csvin_end_record(struct csvin *c)
{
	err_code rc = ERR_OK;
	size_t i;

	if (c->began) {
		rc = csvin_end_cell(c);
		for (i = 0; rc == ERR_OK && i < c->n; i++)
			c->ptr[i] = c->cells.data + c->start[i];
		if (rc == ERR_OK)
			rc = c->fn(c->arg, c->ptr, c->n, c->rec_line);
	}
	buf_reset(&c->cells);
	c->n = 0;
	c->start[0] = 0;
	c->began = 0;
	c->state = CSVIN_CELL_START;
	c->line++;
	c->rec_line = c->line;
	return rc;
}

static err_code
csvin_append(struct csvin *c, const char *p, size_t n)
{
	err_code rc = buf_append(&c->cells, p, n);

	if (rc != ERR_OK)
		return err_set(c->e, rc, "%s:%lu: record too long", c->name,
		    c->rec_line);
	return ERR_OK;
}

static err_code
csvin_bad(struct csvin *c, const char *what)
{
	return err_set(c->e, ERR_PARSE, "%s:%lu: malformed CSV: %s", c->name,
	    c->line, what);
}

/* Feed one block. */
static err_code
csvin_feed(struct csvin *c, const char *p, size_t len)
{
	const char *end = p + len, *q;
	err_code rc = ERR_OK;

	while (rc == ERR_OK && p < end) {
		char ch = *p;

		switch (c->state) {
		case CSVIN_CELL_START:
			c->began |= ch != '\n' && ch != '\r';
			if (ch == '"') {
				c->state = CSVIN_QUOTED;
				p++;
				continue;
			}
			c->state = CSVIN_UNQUOTED;
			/* FALLTHROUGH */
		case CSVIN_UNQUOTED:
			q = p;
			while (q < end && *q != ',' && *q != '\n' &&
			    *q != '\r' && *q != '"')
				q++;
			rc = csvin_append(c, p, (size_t)(q - p));
			p = q;
			if (rc != ERR_OK || p == end)
				break;
			if (*p == ',') {
				c->began = 1;
				rc = csvin_end_cell(c);
			} else if (*p == '\n')
				rc = csvin_end_record(c);
			else if (*p == '\r')
				c->state = CSVIN_CR;
			else
				rc = csvin_bad(c, "quote inside an unquoted "
				    "cell");
			p++;
			break;
		case CSVIN_QUOTED:
			q = p;
			while (q < end && *q != '"' && *q != '\n')
				q++;
			rc = csvin_append(c, p, (size_t)(q - p));
			p = q;
			if (rc != ERR_OK || p == end)
				break;
			if (*p == '\n') {
				rc = csvin_append(c, "\n", 1);
				c->line++;
			} else
				c->state = CSVIN_QUOTE;
			p++;
			break;
		case CSVIN_QUOTE:
			if (ch == '"') {
				rc = csvin_append(c, "\"", 1);
				c->state = CSVIN_QUOTED;
			} else if (ch == ',')
				rc = csvin_end_cell(c);
			else if (ch == '\n')
				rc = csvin_end_record(c);
			else if (ch == '\r')
				c->state = CSVIN_CR;
			else
				rc = csvin_bad(c, "text after a closing quote");
			p++;
			break;
		case CSVIN_CR:
			if (ch != '\n')
				rc = csvin_bad(c, "carriage return without "
				    "line feed");
			else
				rc = csvin_end_record(c);
			p++;
			break;
		}
	}
	return rc;
}

err_code
csvin_read(FILE *fp, const char *name, csvin_record_fn fn, void *arg,
    unsigned long *truncated_line, struct err *e)
{
	static struct csvin zero;
	struct csvin *c;
	char block[65536];
	err_code rc = ERR_OK;
	size_t got;

	if (truncated_line != NULL)
		*truncated_line = 0;
	/* The cell tables are large: keep them off the stack. */
	c = malloc(sizeof *c);
	if (c == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	*c = zero;
	c->name = name;
	c->fn = fn;
	c->arg = arg;
	c->e = e;
	c->line = c->rec_line = 1;
	buf_init(&c->cells, CSVIN_MAX_RECORD);
	while (rc == ERR_OK && (got = fread(block, 1, sizeof block, fp)) > 0)
		rc = csvin_feed(c, block, got);
	if (rc == ERR_OK && ferror(fp))
		rc = err_set_errno(e, ERR_IO, errno ? errno : EIO,
		    "reading %s", name);
	/* Anything after the last line end is a record cut short. */
	if (rc == ERR_OK && (c->began || c->state != CSVIN_CELL_START) &&
	    truncated_line != NULL)
		*truncated_line = c->rec_line;
	buf_free(&c->cells);
	free(c);
	return rc;
}
