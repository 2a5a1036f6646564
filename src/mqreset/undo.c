/*
 * undo.c - the undo plan, written row by row before each reset leaves.
 * See include/mqreset/undo.h.
 */
#include "undo.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csvout.h"
#include "fsutil.h"
#include "tstamp.h"

struct undo {
	pthread_mutex_t lock; /* guards everything below */
	int fd;               /* the file, -1 once unusable */
	char *path;           /* its name, for messages */
	size_t nextra;        /* the plan's extra columns */
	size_t skip;          /* index of a plan column undo_of_line, or
	                         nextra when there is none */
	size_t rows;          /* rows written */
	struct buf line;      /* scratch record */
};

/* 1 when a and b name the same existing file. */
static int
undo_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (a == NULL || b == NULL || stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

err_code
undo_check(const char *path, int force, const char *plan_path,
    const char *report_path, struct err *e)
{
	err_code rc;

	if (strcmp(path, plan_path) == 0 || undo_same_file(path, plan_path) ||
	    (report_path != NULL && (strcmp(path, report_path) == 0 ||
	    undo_same_file(path, report_path))))
		return err_set(e, ERR_USAGE, "--undo-plan %s: is the plan or "
		    "the report of this run; give another file", path);
	rc = fsutil_check_target(path, e);
	if (rc == ERR_OK && !force && access(path, F_OK) == 0)
		rc = err_set(e, ERR_EXISTS, "undo plan %s already exists; "
		    "choose another name or use --force", path);
	return rc;
}

/* Write u->line whole and sync it; ERR_IO makes the file unusable. */
static err_code
undo_flush(struct undo *u, struct err *e)
{
	const char *p = u->line.data;
	size_t left = u->line.len;
	ssize_t n;

	if (u->fd < 0)
		return err_set(e, ERR_IO, "undo plan %s: unusable after an "
		    "earlier write error", u->path);
	while (left > 0) {
		n = write(u->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		left -= (size_t)n;
	}
	if (fsync(u->fd) != 0)
		goto fail;
	return ERR_OK;
fail:
	err_set_errno(e, ERR_IO, errno, "cannot write the undo plan %s",
	    u->path);
	close(u->fd);
	u->fd = -1;
	return ERR_IO;
}

err_code
undo_open(struct undo **out, const char *path, const char *plan_name,
    const char *const *extra_names, size_t nextra, int force,
    struct err *e)
{
	static const char *const fixed[] = { "instance", "group", "topic",
	    "type", "timestamp" };
	struct undo *u;
	const char **cells;
	size_t i, n = 0;
	err_code rc = ERR_OK;

	*out = NULL;
	u = calloc(1, sizeof *u);
	cells = calloc(nextra + 6, sizeof *cells);
	if (u == NULL || cells == NULL || (u->path = strdup(path)) == NULL) {
		if (u != NULL)
			free(u->path);
		free(u);
		free(cells);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&u->lock, NULL);
	buf_init(&u->line, (size_t)1 << 20);
	u->nextra = nextra;
	u->skip = nextra;
	for (i = 0; i < 5; i++)
		cells[n++] = fixed[i];
	for (i = 0; i < nextra; i++) {
		if (strcmp(extra_names[i], UNDO_LINE_COLUMN) == 0) {
			u->skip = i;
			continue;
		}
		cells[n++] = extra_names[i];
	}
	cells[n++] = UNDO_LINE_COLUMN;
	u->fd = fsutil_open_new(path, force, e);
	if (u->fd < 0)
		rc = e->code != ERR_OK ? e->code : ERR_IO;
	if (rc == ERR_OK)
		rc = buf_printf(&u->line, "# undo plan of %s, written by mqreset "
		    "run --undo-plan before each reset was sent\n", plan_name);
	if (rc == ERR_OK)
		rc = csvout_record(&u->line, cells, n);
	if (rc == ERR_NOMEM || rc == ERR_TOOBIG)
		rc = err_set(e, rc, "undo plan %s: header too long", path);
	if (rc == ERR_OK)
		rc = undo_flush(u, e);
	free(cells);
	if (rc != ERR_OK) {
		undo_close(u);
		return rc;
	}
	*out = u;
	return ERR_OK;
}

err_code
undo_record(struct undo *u, unsigned long line, const struct plan_key *key,
    int64_t position_ms, int64_t min_ms, const char *const *extra,
    size_t nextra, struct err *e)
{
	char ts[TSTAMP_FMT_MAX], lno[24];
	const char **cells;
	size_t i, n = 0;
	err_code rc;

	cells = calloc(u->nextra + 6, sizeof *cells);
	if (cells == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	snprintf(lno, sizeof lno, "%lu", line);
	pthread_mutex_lock(&u->lock);
	buf_reset(&u->line);
	rc = ERR_OK;
	if (position_ms <= 0) {
		rc = buf_printf(&u->line, "# line %lu: %s on %s has no "
		    "position (never consumed): it cannot be restored\n",
		    line, key->group, key->topic);
		goto write;
	}
	if (min_ms > 0 && position_ms < min_ms) {
		rc = buf_printf(&u->line, "# line %lu: the position %s is "
		    "older than the oldest stored message: restored to that "
		    "message instead\n", line, tstamp_format(position_ms, ts));
		position_ms = min_ms;
	}
	cells[n++] = key->instance;
	cells[n++] = key->group;
	cells[n++] = key->topic;
	cells[n++] = "1";
	cells[n++] = tstamp_format(position_ms, ts);
	for (i = 0; i < u->nextra; i++)
		if (i != u->skip)
			cells[n++] = i < nextra ? extra[i] : "";
	cells[n++] = lno;
	if (rc == ERR_OK)
		rc = csvout_record(&u->line, cells, n);
write:
	if (rc != ERR_OK)
		rc = err_set(e, rc, "undo plan %s: row of line %lu too long",
		    u->path, line);
	if (rc == ERR_OK)
		rc = undo_flush(u, e);
	if (rc == ERR_OK && position_ms > 0)
		u->rows++;
	pthread_mutex_unlock(&u->lock);
	free(cells);
	return rc;
}

size_t
undo_rows(struct undo *u)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = u->rows;
	pthread_mutex_unlock(&u->lock);
	return n;
}

void
undo_close(struct undo *u)
{
	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	buf_free(&u->line);
	pthread_mutex_destroy(&u->lock);
	free(u->path);
	free(u);
}
