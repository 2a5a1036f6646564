/*
 * report.c - the run report writer.  See include/mqreset/report.h for the format,
 * the file protocol and the crash-safety argument.
 *
 * Design: rows are encoded (csvout.c) into one reusable line buffer and
 * written to the target file with one pwrite() per row at the file's known
 * end, so a failed write (a full disk) can be retried at the same offset
 * and never leaves a half record followed by a whole one.  Disk space for
 * the rows still to come is reserved ahead (fallocate, KEEP_SIZE) in
 * REPORT_RESERVE steps: when a step can no longer be reserved the writer
 * says so (report_space_low) while the rest of the previous step still
 * holds the rows in flight, and the engine stops dispatching.  For each
 * plan row the writer keeps one 64-bit slot, (offset << 24) | length, of
 * its record in that file; 0 means "not written yet" (no record can start
 * at offset 0, the header is there).  The final pass reads the records
 * back through a window buffer with pread(): the engine dispatches in plan
 * order and rows finish roughly in that order, so most records are found
 * in the window and the file is read almost sequentially.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csvout.h"
#include "fsutil.h"
#include "tstamp.h"

/* Bits of a slot that hold the record length; the rest is the offset. */
#define REPORT_LEN_BITS 24
#define REPORT_OFFSET_MAX (((uint64_t)1 << (64 - REPORT_LEN_BITS)) - 1)

/* Disk space reserved ahead of the streamed rows, and the reserve left
 * below which the writer reports that space is running out. */
#define REPORT_RESERVE ((uint64_t)256 << 10)
#define REPORT_RESERVE_LOW ((uint64_t)128 << 10)

/* Suffix of the staging file: "REPORT.start-XXXXXX". */
#define REPORT_STAGE_SUFFIX ".start-XXXXXX"

/* Largest and smallest read of the final pass. */
#define REPORT_WINDOW (1u << 20)
#define REPORT_PAGE 4096u

const char *const report_fixed_columns[REPORT_NFIXED] = {
	"line", "instance_id", "group_id", "topic", "type", "reset_timestamp",
	"status", "http_status", "request_id", "error_code", "error_message",
	"attempts", "latency_ms", "finished_at"
};

struct report {
	char *path;          /* target path (owned) */
	char *stage_path;    /* the staging file until published (owned),
	                        NULL once it has the target's name */
	unsigned flags;      /* REPORT_* from report_open */
	int fd;              /* the streamed file, -1 once closed */
	uint64_t reserved;   /* bytes allocated ahead up to this offset */
	int space_low;       /* the reserve could not be extended */
	uint64_t *slots;     /* per plan row: (offset << 24) | length, 0 */
	size_t nrows;        /* plan data rows: entries in slots */
	size_t written;      /* rows written */
	char **extra_names;  /* the plan's extra column names (owned) */
	size_t nextra;       /* entries in extra_names */
	uint64_t end;        /* bytes in the streamed file */
	size_t header_len;   /* bytes of the header record at offset 0 */
	size_t max_record;   /* longest record written, for the window */
	struct buf line;     /* the record being encoded */
	int broken;          /* a write failed: the file is unusable */
};

const char *
report_status_text(enum report_status st)
{
	switch (st) {
	case REPORT_OK:      return "ok";
	case REPORT_FAILED:  return "failed";
	case REPORT_UNKNOWN: return "unknown";
	case REPORT_NOT_RUN: return "not-run";
	case REPORT_SKIPPED: return "skipped";
	case REPORT_DRY_RUN: return "dry-run";
	}
	return "invalid";
}

err_code
report_status_parse(const char *s, enum report_status *st)
{
	int i;

	for (i = 0; i < REPORT_NSTATUS; i++) {
		if (strcmp(s, report_status_text((enum report_status)i)) == 0) {
			*st = (enum report_status)i;
			return ERR_OK;
		}
	}
	return ERR_PARSE;
}

err_code
report_check_target(const char *path, unsigned flags, struct err *e)
{
	struct stat st;
	char *dir;
	err_code rc = ERR_OK;

	if (!(flags & REPORT_FORCE) && stat(path, &st) == 0)
		return err_set(e, ERR_EXISTS, "report %s already exists "
		    "(the record of an earlier run): write the new report to "
		    "another file; --resume %s continues that run", path,
		    path);
	dir = fsutil_dirname(path);
	if (dir == NULL)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	else if (access(dir, W_OK | X_OK) != 0)
		rc = err_set_errno(e, ERR_IO, errno, "cannot create report "
		    "%s in %s", path, dir);
	free(dir);
	return rc;
}

/*
 * Keep REPORT_RESERVE bytes allocated past `off` (in steps, so the cost is
 * one fallocate per step); when a step cannot be had, note it: the
 * previous step still covers the rows in flight.  File systems without
 * fallocate get no reserve (and no warning: nothing to measure by).
 */
static void
report_reserve(struct report *r, uint64_t off)
{
	if (r->reserved >= off + REPORT_RESERVE_LOW)
		return;
	if (fallocate(r->fd, FALLOC_FL_KEEP_SIZE, (off_t)off,
	    (off_t)REPORT_RESERVE) == 0) {
		r->reserved = off + REPORT_RESERVE;
		r->space_low = 0;
	} else if (errno == ENOSPC || errno == EDQUOT) {
		r->space_low = 1;
	} else {
		r->reserved = UINT64_MAX; /* unsupported: do not ask again */
	}
}

/*
 * Write r->line at `off` completely; retried once at the same offset
 * (a full disk may have freed up; a partial write is overwritten).  On
 * failure the file is cut back to `off` so that it never ends in half a
 * record.  0 or -1 (errno set).
 */
static int
report_put(struct report *r, uint64_t off)
{
	const char *p;
	size_t left;
	ssize_t n;
	int tries, err;

	for (tries = 0; tries < 2; tries++) {
		p = r->line.data;
		left = r->line.len;
		n = 0;
		while (left > 0) {
			n = pwrite(r->fd, p, left, (off_t)(off +
			    (uint64_t)(p - r->line.data)));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			p += n;
			left -= (size_t)n;
		}
		if (left == 0) {
			report_reserve(r, off + r->line.len);
			return 0;
		}
		if (n == 0)
			errno = ENOSPC;
	}
	err = errno;
	(void)ftruncate(r->fd, (off_t)off);
	errno = err;
	return -1;
}

/* Encode and append the header record. */
static err_code
report_write_header(struct report *r, struct err *e)
{
	err_code rc = ERR_OK;
	size_t i;

	buf_reset(&r->line);
	for (i = 0; rc == ERR_OK && i < REPORT_NFIXED + r->nextra; i++) {
		if (i > 0)
			rc = buf_putc(&r->line, ',');
		if (rc == ERR_OK)
			rc = csvout_cell(&r->line, i < REPORT_NFIXED ?
			    report_fixed_columns[i] :
			    r->extra_names[i - REPORT_NFIXED]);
	}
	if (rc == ERR_OK)
		rc = buf_putc(&r->line, '\n');
	if (rc != ERR_OK)
		return err_set(e, rc, "report header: %s", err_text(rc));
	if (report_put(r, 0) != 0)
		return err_set_errno(e, ERR_IO, errno, "writing %s",
		    r->stage_path);
	r->end = r->line.len;
	r->header_len = r->line.len;
	return ERR_OK;
}

err_code
report_open(struct report **out, const char *path, size_t nrows,
    const char *const *extra_names, size_t nextra, unsigned flags,
    struct err *e)
{
	struct report *r;
	err_code rc = ERR_OK;
	size_t i;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	buf_init(&r->line, REPORT_RECORD_MAX);
	r->fd = -1;
	r->flags = flags;
	r->nrows = nrows;
	r->nextra = nextra;
	r->path = strdup(path);
	if (r->path != NULL &&
	    asprintf(&r->stage_path, "%s%s", path, REPORT_STAGE_SUFFIX) < 0)
		r->stage_path = NULL;
	r->slots = calloc(nrows > 0 ? nrows : 1, sizeof *r->slots);
	r->extra_names = calloc(nextra > 0 ? nextra : 1, sizeof(char *));
	if (r->path == NULL || r->stage_path == NULL || r->slots == NULL ||
	    r->extra_names == NULL)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; rc == ERR_OK && i < nextra; i++) {
		r->extra_names[i] = strdup(extra_names[i] != NULL ?
		    extra_names[i] : "");
		if (r->extra_names[i] == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	/* The target is refused now if it is a link or not a file (with
	 * or without --force); report_publish() gives the staged file its
	 * name without ever following one. */
	if (rc == ERR_OK)
		rc = fsutil_check_target(path, e);
	if (rc == ERR_OK && !(flags & REPORT_FORCE) &&
	    access(path, F_OK) == 0)
		rc = err_set(e, ERR_EXISTS, "report %s already exists "
		    "(the record of an earlier run): write the new report to "
		    "another file; --resume %s continues that run", path,
		    path);
	if (rc == ERR_OK) {
		r->fd = fsutil_mkstemp(r->stage_path, path, e);
		if (r->fd < 0) {
			rc = ERR_IO;
			free(r->stage_path);
			r->stage_path = NULL;
		}
	}
	if (rc == ERR_OK)
		rc = report_write_header(r, e);
	if (rc != ERR_OK) {
		report_destroy(r);
		return rc;
	}
	*out = r;
	return ERR_OK;
}

/* Append v in decimal (buf_printf's formatting cost, without it). */
static err_code
report_put_dec(struct buf *b, int64_t v)
{
	char tmp[24];
	size_t n;
	uint64_t u;

	n = sizeof tmp;
	u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--n] = '-';
	return buf_append(b, tmp + n, sizeof tmp - n);
}

/* Append a number cell (never neutralised: these are non-negative). */
static err_code
report_put_num(struct buf *b, int64_t v, int present)
{
	err_code rc = buf_putc(b, ',');

	if (rc == ERR_OK && present)
		rc = report_put_dec(b, v);
	return rc;
}

static err_code
report_put_str(struct buf *b, const char *s)
{
	err_code rc = buf_putc(b, ',');

	if (rc == ERR_OK)
		rc = csvout_cell(b, s);
	return rc;
}

/* Encode `row` into r->line. */
static err_code
report_encode(struct report *r, const struct report_row *row)
{
	struct buf *b = &r->line;
	char tbuf[TSTAMP_FMT_MAX];
	err_code rc;
	size_t i;

	buf_reset(b);
	rc = report_put_dec(b, (int64_t)row->line);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->key->instance);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->key->group);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->key->topic);
	if (rc == ERR_OK)
		rc = report_put_num(b, row->key->type, 1);
	if (rc == ERR_OK)
		rc = report_put_str(b, plan_key_has_time(row->key) ?
		    tstamp_format(row->key->reset_ms, tbuf) : "");
	if (rc == ERR_OK)
		rc = report_put_str(b, report_status_text(row->status));
	if (rc == ERR_OK)
		rc = report_put_num(b, row->http_status,
		    row->http_status > 0);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->request_id);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->error_code);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->error_message);
	if (rc == ERR_OK)
		rc = report_put_num(b, row->attempts, 1);
	if (rc == ERR_OK)
		rc = report_put_num(b, row->latency_ms,
		    row->attempts > 0 && row->latency_ms >= 0);
	if (rc == ERR_OK)
		rc = report_put_str(b, row->finished_ms <= 0 ? "" :
		    tstamp_format(row->finished_ms, tbuf));
	for (i = 0; rc == ERR_OK && i < r->nextra; i++)
		rc = report_put_str(b, i < row->nextra && row->extra != NULL ?
		    row->extra[i] : "");
	if (rc == ERR_OK)
		rc = buf_putc(b, '\n');
	return rc;
}

err_code
report_write(struct report *r, size_t index, const struct report_row *row,
    struct err *e)
{
	err_code rc;

	if (r->fd < 0 || r->broken)
		return err_set(e, r->broken ? ERR_IO : ERR_BADSTATE,
		    "report %s: %s", r->path, r->broken ?
		    "an earlier write failed" : "already closed");
	if (index >= r->nrows)
		return err_set(e, ERR_INTERNAL, "report row index %zu out of "
		    "range (%zu rows)", index, r->nrows);
	if (r->slots[index] != 0)
		return err_set(e, ERR_INTERNAL, "report row index %zu (plan "
		    "line %lu) written twice", index, row->line);
	if (row->nextra > r->nextra)
		return err_set(e, ERR_INTERNAL, "report row (plan line %lu) "
		    "has %zu extra values, the header %zu", row->line,
		    row->nextra, r->nextra);
	rc = report_encode(r, row);
	if (rc != ERR_OK)
		return err_set(e, rc, "report row for plan line %lu: %s",
		    row->line, err_text(rc));
	if (r->end > REPORT_OFFSET_MAX)
		return err_set(e, ERR_TOOBIG, "report %s is too large",
		    r->path);
	if (report_put(r, r->end) != 0) {
		r->broken = 1;
		return err_set_errno(e, ERR_IO, errno, "writing report %s",
		    r->stage_path != NULL ? r->stage_path : r->path);
	}
	r->slots[index] = (r->end << REPORT_LEN_BITS) | r->line.len;
	r->end += r->line.len;
	if (r->line.len > r->max_record)
		r->max_record = r->line.len;
	r->written++;
	return ERR_OK;
}

size_t
report_count(const struct report *r)
{
	return r->written;
}

int
report_space_low(const struct report *r)
{
	return r->space_low;
}

err_code
report_publish(struct report *r, struct err *e)
{
	err_code rc;

	if (r->fd < 0 || r->broken)
		return err_set(e, ERR_BADSTATE, "report %s: %s", r->path,
		    r->broken ? "an earlier write failed" : "closed");
	if (r->stage_path == NULL)
		return ERR_OK;
	if (fsync(r->fd) != 0)
		return err_set_errno(e, ERR_IO, errno, "syncing %s",
		    r->stage_path);
	rc = fsutil_publish(r->stage_path, r->path,
	    (r->flags & REPORT_FORCE) != 0, e);
	if (rc == ERR_EXISTS)
		return err_set(e, ERR_EXISTS, "report %s appeared while the "
		    "run was starting (nothing was sent); choose another "
		    "name", r->path);
	if (rc != ERR_OK)
		return rc;
	free(r->stage_path);
	r->stage_path = NULL;
	return ERR_OK;
}

/* Read exactly n bytes at off from fd. */
static int
report_pread_all(int fd, char *p, size_t n, uint64_t off)
{
	ssize_t got;

	while (n > 0) {
		got = pread(fd, p, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/*
 * Copy every record in plan order from the streamed file to `out`.
 * Reads are aligned blocks whose size adapts: a miss near the previous
 * block (rows finishing in about plan order) doubles it up to
 * REPORT_WINDOW, a miss far away (rows finishing in a scrambled order)
 * drops it back to a page, so neither case reads much more than it uses.
 */
static err_code
report_copy_ordered(struct report *r, FILE *out, struct err *e)
{
	size_t wsize = 2 * (r->max_record > REPORT_WINDOW ? r->max_record :
	    REPORT_WINDOW);
	char *win = malloc(wsize);
	uint64_t woff = 0, wlen = 0, off, len, want, chunk = REPORT_PAGE;
	err_code rc = ERR_OK;
	int fd = r->fd;
	size_t i;

	if (win == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	/* The header is the record before the first row. */
	for (i = 0; rc == ERR_OK && i <= r->nrows; i++) {
		if (i == 0) {
			off = 0;
			len = r->header_len;
		} else {
			off = r->slots[i - 1] >> REPORT_LEN_BITS;
			len = r->slots[i - 1] &
			    (((uint64_t)1 << REPORT_LEN_BITS) - 1);
		}
		if (off < woff || off + len > woff + wlen) {
			if (wlen > 0 && off + REPORT_WINDOW >= woff &&
			    off <= woff + wlen + REPORT_WINDOW)
				chunk = chunk * 2 > REPORT_WINDOW ?
				    REPORT_WINDOW : chunk * 2;
			else
				chunk = REPORT_PAGE;
			woff = off & ~(chunk - 1);
			want = off - woff + len;
			if (want < chunk)
				want = chunk;
			if (want > r->end - woff)
				want = r->end - woff;
			if (report_pread_all(fd, win, want, woff) != 0) {
				rc = err_set_errno(e, ERR_IO, errno ? errno :
				    EIO, "reading back report %s", r->path);
				break;
			}
			wlen = want;
		}
		if (fwrite(win + (off - woff), 1, len, out) != len)
			rc = err_set_errno(e, ERR_IO, errno, "writing the "
			    "ordered report for %s", r->path);
	}
	free(win);
	return rc;
}

/* fsync the streamed file. */
static err_code
report_sync(struct report *r, struct err *e)
{
	if (fsync(r->fd) != 0)
		return err_set_errno(e, ERR_IO, errno, "syncing report %s",
		    r->path);
	return ERR_OK;
}

/* Write the ordered copy to a temporary file and rename it over r->path. */
static err_code
report_rewrite(struct report *r, struct err *e)
{
	struct buf tmp;
	struct stat st;
	FILE *out = NULL;
	err_code rc;
	int fd = -1;

	buf_init(&tmp, 8192);
	rc = buf_printf(&tmp, "%s.sort-XXXXXX", r->path);
	if (rc != ERR_OK)
		return err_set(e, rc, "report path too long: %s", r->path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		rc = err_set_errno(e, ERR_IO, errno, "cannot create %s",
		    tmp.data);
		goto done;
	}
	/* mkstemp makes 0600; give the final copy the streamed one's mode. */
	if (fstat(r->fd, &st) == 0)
		(void)fchmod(fd, st.st_mode & 07777);
	out = fdopen(fd, "w");
	if (out == NULL) {
		rc = err_set_errno(e, ERR_IO, errno, "%s", tmp.data);
		close(fd);
		goto fail;
	}
	rc = report_copy_ordered(r, out, e);
	if (rc == ERR_OK && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		rc = err_set_errno(e, ERR_IO, errno, "writing %s", tmp.data);
	if (fclose(out) != 0 && rc == ERR_OK)
		rc = err_set_errno(e, ERR_IO, errno, "writing %s", tmp.data);
	if (rc != ERR_OK)
		goto fail;
	rc = fsutil_publish(tmp.data, r->path, 1, e);
	if (rc != ERR_OK)
		goto fail;
	goto done;
fail:
	(void)unlink(tmp.data);
done:
	buf_free(&tmp);
	return rc;
}

err_code
report_finish(struct report *r, struct err *e)
{
	err_code rc = ERR_OK;
	size_t i;

	if (r->fd < 0)
		return err_set(e, ERR_BADSTATE, "report %s already closed",
		    r->path);
	if (!r->broken && r->stage_path != NULL)
		rc = report_publish(r, e);
	if (rc == ERR_OK && r->broken)
		rc = err_set(e, ERR_IO, "report %s: an earlier write failed; "
		    "the streamed rows are kept as they are", r->path);
	if (rc == ERR_OK)
		rc = report_sync(r, e);
	for (i = 0; rc == ERR_OK && i < r->nrows; i++) {
		if (r->slots[i] == 0)
			rc = err_set(e, ERR_INTERNAL, "report %s: plan row "
			    "index %zu has no row (%zu of %zu written); the "
			    "streamed rows are kept in completion order",
			    r->path, i, r->written, r->nrows);
	}
	if (rc == ERR_OK)
		rc = report_rewrite(r, e);
	if (close(r->fd) != 0 && rc == ERR_OK)
		rc = err_set_errno(e, ERR_IO, errno, "closing %s", r->path);
	r->fd = -1;
	return rc;
}

void
report_destroy(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->fd >= 0) {
		/* Give back the space reserved past the end. */
		(void)ftruncate(r->fd, (off_t)r->end);
		(void)fsync(r->fd);
		(void)close(r->fd);
	}
	/* Never published: it holds nothing the operator was promised. */
	if (r->stage_path != NULL)
		(void)unlink(r->stage_path);
	free(r->stage_path);
	for (i = 0; r->extra_names != NULL && i < r->nextra; i++)
		free(r->extra_names[i]);
	free(r->extra_names);
	free(r->slots);
	free(r->path);
	buf_free(&r->line);
	free(r);
}
