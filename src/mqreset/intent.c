/*
 * intent.c - the in-flight journal for type 0 rows.  See include/mqreset/intent.h
 * for why it exists and what it guarantees.
 *
 * Design: the journal is staged under a temporary name with its header
 * and renamed into place (never following or, without INTENT_FORCE,
 * replacing anything); each intent is one CSV record encoded by csvout.c
 * and handed to the kernel with pwrite() at the known end of the file
 * before intent_record() returns (and fdatasync()ed with INTENT_SYNC).  A
 * record cut short by a kill during the write is possible only while the
 * request has not been sent yet; the reader ignores it, which is right.
 */
#include "intent.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvout.h"
#include "fsutil.h"
#include "tstamp.h"

const char *const intent_columns[INTENT_NCOLUMNS] = {
	"line", "instance_id", "group_id", "topic", "type", "reset_timestamp",
	"sent_at"
};

/* After the fixed columns: the row's account (plan.h), empty when the
 * plan has none.  Readers find them by name (resume.c), so a journal
 * written before they existed still reads. */
static const char *const intent_account_columns[INTENT_NACCOUNT] = {
	"profile", "region"
};

/* Then the state read before the send (empty when none was). */
const char *const intent_reading_columns[INTENT_NREADING] = {
	"before_newest_ms", "before_position_ms", "before_backlog"
};

/* Cells in a journal line. */
#define INTENT_NCELLS (INTENT_NCOLUMNS + INTENT_NACCOUNT + INTENT_NREADING)

struct intent {
	char *path;         /* the journal's path (owned) */
	int fd;             /* open journal, -1 once closed */
	unsigned flags;     /* INTENT_* */
	unsigned long n;    /* lines recorded */
	uint64_t end;       /* bytes of whole records in the file */
	int broken;         /* a write failed: every later record fails */
	struct buf line;    /* the record being encoded */
};

err_code
intent_path(const char *report_path, struct buf *out)
{
	buf_reset(out);
	return buf_printf(out, "%s%s", report_path, INTENT_SUFFIX);
}

err_code
intent_check_absent(const char *report_path, unsigned flags, struct err *e)
{
	struct buf jpath;
	struct stat st;
	err_code rc;

	if (flags & INTENT_FORCE)
		return ERR_OK;
	buf_init(&jpath, 8192);
	rc = intent_path(report_path, &jpath);
	if (rc != ERR_OK)
		rc = err_set(e, rc, "report path too long: %s", report_path);
	else if (stat(buf_cstr(&jpath), &st) == 0)
		rc = err_set(e, ERR_EXISTS, "%s exists: the run writing %s "
		    "was interrupted; continue it with --resume %s (and a new "
		    "--report); keep both files, they are the record of what "
		    "may have been applied", buf_cstr(&jpath), report_path,
		    report_path);
	buf_free(&jpath);
	return rc;
}

/*
 * Write the record in j->line at the end of the file, completely, before
 * returning (and sync it with INTENT_SYNC).  A write that fails (a full
 * disk) is cut back, so the file never holds half a line followed by
 * another, and the journal refuses every later record: the engine sends
 * no type 0 request without its line.
 */
static err_code
intent_put(struct intent *j, struct err *e)
{
	const char *p = j->line.data;
	size_t left = j->line.len;
	ssize_t n;
	int err;

	if (j->broken)
		return err_set(e, ERR_IO, "%s: an earlier write failed",
		    j->path);
	while (left > 0) {
		n = pwrite(j->fd, p, left, (off_t)(j->end +
		    (uint64_t)(p - j->line.data)));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n == 0 ? ENOSPC : errno;
			(void)ftruncate(j->fd, (off_t)j->end);
			j->broken = 1;
			return err_set_errno(e, ERR_IO, err, "writing %s",
			    j->path);
		}
		p += n;
		left -= (size_t)n;
	}
	j->end += j->line.len;
	if ((j->flags & INTENT_SYNC) && fdatasync(j->fd) != 0) {
		j->broken = 1;
		return err_set_errno(e, ERR_IO, errno, "syncing %s", j->path);
	}
	return ERR_OK;
}

err_code
intent_open(struct intent **out, const char *report_path, unsigned flags,
    struct err *e)
{
	struct intent *j;
	struct buf path;
	char *stage = NULL;
	err_code rc;

	*out = NULL;
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	j->fd = -1;
	j->flags = flags;
	buf_init(&j->line, 1 << 16);
	buf_init(&path, 8192);
	rc = intent_path(report_path, &path);
	if (rc != ERR_OK) {
		rc = err_set(e, rc, "report path too long: %s", report_path);
		goto fail;
	}
	j->path = buf_steal(&path);
	if (j->path == NULL ||
	    asprintf(&stage, "%s%s", j->path, INTENT_STAGE_SUFFIX) < 0) {
		stage = NULL;
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto fail;
	}
	rc = fsutil_check_target(j->path, e);
	if (rc != ERR_OK)
		goto fail;
	/* Staged, then renamed: the journal, when it exists, always has
	 * its whole header (the resume reader refuses a broken one). */
	j->fd = fsutil_mkstemp(stage, j->path, e);
	if (j->fd < 0) {
		rc = ERR_IO;
		goto fail;
	}
	{
		const char *hdr[INTENT_NCELLS];

		memcpy(hdr, intent_columns, sizeof intent_columns);
		memcpy(hdr + INTENT_NCOLUMNS, intent_account_columns,
		    sizeof intent_account_columns);
		memcpy(hdr + INTENT_NCOLUMNS + INTENT_NACCOUNT,
		    intent_reading_columns, sizeof intent_reading_columns);
		rc = csvout_record(&j->line, hdr, INTENT_NCELLS);
	}
	if (rc == ERR_OK)
		rc = intent_put(j, e);
	else
		rc = err_set(e, rc, "%s: header: %s", j->path, err_text(rc));
	if (rc == ERR_OK && fsync(j->fd) != 0)
		rc = err_set_errno(e, ERR_IO, errno, "syncing %s", stage);
	if (rc == ERR_OK)
		rc = fsutil_publish(stage, j->path,
		    (flags & INTENT_FORCE) != 0, e);
	if (rc == ERR_EXISTS)
		rc = err_set(e, ERR_EXISTS, "%s exists: the run writing %s "
		    "was interrupted; continue it with --resume %s (and a new "
		    "--report)", j->path, report_path, report_path);
	if (rc != ERR_OK) {
		(void)unlink(stage);
		goto fail;
	}
	free(stage);
	*out = j;
	return ERR_OK;
fail:
	free(stage);
	buf_free(&path);
	intent_destroy(j);
	return rc;
}

err_code
intent_record(struct intent *j, unsigned long line,
    const struct plan_key *key, int64_t now_ms, struct err *e)
{
	return intent_record_rb(j, line, key, now_ms, NULL, e);
}

err_code
intent_record_rb(struct intent *j, unsigned long line,
    const struct plan_key *key, int64_t now_ms,
    const struct intent_reading *before, struct err *e)
{
	char lbuf[32], tbuf[2][TSTAMP_FMT_MAX], rbuf[INTENT_NREADING][32];
	const char *cells[INTENT_NCELLS];
	size_t i;
	err_code rc;

	if (j->fd < 0)
		return err_set(e, ERR_BADSTATE, "%s is closed", j->path);
	snprintf(lbuf, sizeof lbuf, "%lu", line);
	cells[0] = lbuf;
	cells[1] = key->instance;
	cells[2] = key->group;
	cells[3] = key->topic;
	cells[4] = key->type == PLAN_TYPE_CLEAR ? "0" : "1";
	cells[5] = plan_key_has_time(key) ?
	    tstamp_format(key->reset_ms, tbuf[0]) : "";
	cells[6] = tstamp_format(now_ms, tbuf[1]);
	cells[7] = plan_key_str(key->profile);
	cells[8] = plan_key_str(key->region);
	for (i = 0; i < INTENT_NREADING; i++)
		rbuf[i][0] = '\0';
	if (before != NULL) {
		snprintf(rbuf[0], sizeof rbuf[0], "%" PRId64,
		    before->newest_ms);
		snprintf(rbuf[1], sizeof rbuf[1], "%" PRId64,
		    before->position_ms);
		snprintf(rbuf[2], sizeof rbuf[2], "%" PRId64, before->backlog);
	}
	for (i = 0; i < INTENT_NREADING; i++)
		cells[INTENT_NCOLUMNS + INTENT_NACCOUNT + i] = rbuf[i];
	buf_reset(&j->line);
	rc = csvout_record(&j->line, cells, INTENT_NCELLS);
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

	if (j->fd < 0)
		return err_set(e, ERR_BADSTATE, "%s is closed", j->path);
	if (close(j->fd) != 0)
		rc = err_set_errno(e, ERR_IO, errno, "closing %s", j->path);
	j->fd = -1;
	if (unlink(j->path) != 0 && rc == ERR_OK)
		rc = err_set_errno(e, ERR_IO, errno, "removing %s", j->path);
	return rc;
}

void
intent_destroy(struct intent *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0) {
		(void)fsync(j->fd);
		(void)close(j->fd);
	}
	free(j->path);
	buf_free(&j->line);
	free(j);
}
