/*
 * intent.c - the in-flight journal for type 0 rows.  See include/intent.h
 * for why it exists and what it guarantees.
 *
 * Design: a plain stdio stream on a file created with O_EXCL (or O_TRUNC
 * with INTENT_FORCE); each intent is one CSV record encoded by csvout.c,
 * written with one fwrite() and pushed to the kernel with fflush() before
 * intent_record() returns (and fdatasync()ed with INTENT_SYNC).  A record
 * cut short by a kill during the write is possible only while the request
 * has not been sent yet; the reader ignores it, which is right.
 */
#include "intent.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvout.h"

const char *const intent_columns[INTENT_NCOLUMNS] = {
	"line", "instance_id", "group_id", "topic", "type", "reset_timestamp",
	"sent_at"
};

struct intent {
	char *path;         /* the journal's path (owned) */
	FILE *fp;           /* open journal, NULL once closed */
	unsigned flags;     /* INTENT_* */
	unsigned long n;    /* lines recorded */
	struct buf line;    /* the record being encoded */
};

err_code
intent_path(const char *report_path, struct buf *out)
{
	buf_reset(out);
	return buf_printf(out, "%s%s", report_path, INTENT_SUFFIX);
}

/* Encode, write and flush the record in j->line. */
static err_code
intent_put(struct intent *j, struct err *e)
{
	if (fwrite(j->line.data, 1, j->line.len, j->fp) != j->line.len ||
	    fflush(j->fp) != 0)
		return err_set_errno(e, ERR_IO, errno, "writing %s", j->path);
	if ((j->flags & INTENT_SYNC) && fdatasync(fileno(j->fp)) != 0)
		return err_set_errno(e, ERR_IO, errno, "syncing %s", j->path);
	return ERR_OK;
}

err_code
intent_open(struct intent **out, const char *report_path, unsigned flags,
    struct err *e)
{
	struct intent *j;
	struct buf path;
	err_code rc;
	int fd;

	*out = NULL;
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	j->flags = flags;
	buf_init(&j->line, 1 << 16);
	buf_init(&path, 8192);
	rc = intent_path(report_path, &path);
	if (rc != ERR_OK) {
		rc = err_set(e, rc, "report path too long: %s", report_path);
		goto fail;
	}
	j->path = buf_steal(&path);
	if (j->path == NULL) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto fail;
	}
	fd = open(j->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND |
	    ((flags & INTENT_FORCE) ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		rc = errno == EEXIST ? err_set(e, ERR_EXISTS, "%s exists: a "
		    "run writing report %s was interrupted; pass the report "
		    "to --resume, or use --force", j->path, report_path) :
		    err_set_errno(e, ERR_IO, errno, "cannot create %s",
		    j->path);
		goto fail;
	}
	j->fp = fdopen(fd, "w");
	if (j->fp == NULL) {
		rc = err_set_errno(e, ERR_IO, errno, "%s", j->path);
		close(fd);
		goto fail;
	}
	rc = csvout_record(&j->line, intent_columns, INTENT_NCOLUMNS);
	if (rc == ERR_OK)
		rc = intent_put(j, e);
	else
		rc = err_set(e, rc, "%s: header: %s", j->path, err_text(rc));
	if (rc != ERR_OK)
		goto fail;
	*out = j;
	return ERR_OK;
fail:
	buf_free(&path);
	intent_destroy(j);
	return rc;
}

err_code
intent_record(struct intent *j, unsigned long line,
    const struct report_key *key, int64_t now_ms, struct err *e)
{
	char lbuf[32], tbuf[2][REPORT_TIME_MAX];
	const char *cells[INTENT_NCOLUMNS];
	err_code rc;

	if (j->fp == NULL)
		return err_set(e, ERR_BADSTATE, "%s is closed", j->path);
	snprintf(lbuf, sizeof lbuf, "%lu", line);
	cells[0] = lbuf;
	cells[1] = key->instance;
	cells[2] = key->group;
	cells[3] = key->topic;
	cells[4] = key->type == 0 ? "0" : "1";
	cells[5] = key->type == 0 ? "" :
	    report_format_time(key->reset_ms, tbuf[0]);
	cells[6] = report_format_time(now_ms, tbuf[1]);
	buf_reset(&j->line);
	rc = csvout_record(&j->line, cells, INTENT_NCOLUMNS);
	if (rc != ERR_OK)
		return err_set(e, rc, "%s: line for plan line %lu: %s",
		    j->path, line, err_text(rc));
	rc = intent_put(j, e);
	if (rc == ERR_OK)
		j->n++;
	return rc;
}

unsigned long
intent_count(const struct intent *j)
{
	return j->n;
}

err_code
intent_finish(struct intent *j, struct err *e)
{
	err_code rc = ERR_OK;

	if (j->fp == NULL)
		return err_set(e, ERR_BADSTATE, "%s is closed", j->path);
	if (fclose(j->fp) != 0)
		rc = err_set_errno(e, ERR_IO, errno, "closing %s", j->path);
	j->fp = NULL;
	if (unlink(j->path) != 0 && rc == ERR_OK)
		rc = err_set_errno(e, ERR_IO, errno, "removing %s", j->path);
	return rc;
}

void
intent_destroy(struct intent *j)
{
	if (j == NULL)
		return;
	if (j->fp != NULL) {
		(void)fflush(j->fp);
		(void)fsync(fileno(j->fp));
		(void)fclose(j->fp);
	}
	free(j->path);
	buf_free(&j->line);
	free(j);
}
