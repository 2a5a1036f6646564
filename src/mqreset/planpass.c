/*
 * planpass.c - the run's passes over its plan file.  See
 * include/mqreset/planpass.h.
 */
#include "planpass.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void
planpass_init(struct planpass *pp, const char *path, const char *instance,
    int64_t now_ms)
{
	memset(pp, 0, sizeof(*pp));
	pp->path = path;
	pp->instance = instance;
	pp->now_ms = now_ms;
}

void
planpass_free(struct planpass *pp)
{
	if (pp == NULL)
		return;
	free(pp->digests);
	pp->digests = NULL;
	pp->ndigests = pp->cap = 0;
}

/* The plan is read more than once: a regular file, not standard input. */
static err_code
planpass_stat(struct planpass *pp, struct err *e)
{
	if (strcmp(pp->path, "-") == 0)
		return err_set(e, ERR_USAGE, "run reads the plan more than "
		    "once: give a file, not standard input");
	if (stat(pp->path, &pp->st) != 0)
		return err_set_errno(e, ERR_IO, errno, "%s", pp->path);
	if (!S_ISREG(pp->st.st_mode))
		return err_set(e, ERR_USAGE, "%s is not a regular file: run "
		    "reads the plan more than once", pp->path);
	return ERR_OK;
}

/* plan_validate()'s row callback: keep the row's digest. */
static int
planpass_keep_digest(void *arg, const struct plan_row *row)
{
	struct planpass *pp = arg;
	uint64_t *p;
	size_t cap;

	if (pp->ndigests == pp->cap) {
		cap = pp->cap > 0 ? pp->cap * 2 : 1024;
		p = realloc(pp->digests, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		pp->digests = p;
		pp->cap = cap;
	}
	pp->digests[pp->ndigests++] = plan_row_digest(row);
	return pp->on_row != NULL ? pp->on_row(pp->on_row_arg, row) : 0;
}

err_code
planpass_validate(struct planpass *pp, unsigned diag_max, struct err *e)
{
	struct plan_options po;
	struct diag *d;
	err_code rc;

	rc = planpass_stat(pp, e);
	if (rc != ERR_OK)
		return rc;
	d = diag_new(plan_display_name(pp->path), DIAG_PRINT, diag_max);
	if (d == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	memset(&po, 0, sizeof(po));
	po.instance = pp->instance;
	po.now_ms = pp->now_ms;
	po.delimiter = pp->delimiter;
	po.assume_offset = pp->assume_offset;
	po.assume_tz = pp->assume_tz;
	po.columns = pp->columns;
	po.diag = d;
	po.check_duplicates = 1;
	po.on_row = planpass_keep_digest;
	po.on_row_arg = pp;
	rc = plan_validate(pp->path, &po, &pp->counts, e);
	diag_finish(d);
	if (rc == ERR_PLAN)
		err_set(e, ERR_PLAN, "%s: %lu error%s: nothing was sent",
		    plan_display_name(pp->path), pp->counts.errors,
		    pp->counts.errors == 1 ? "" : "s");
	diag_destroy(d);
	return rc;
}

err_code
planpass_unchanged(const struct planpass *pp, struct err *e)
{
	const struct stat *was = &pp->st;
	struct stat now;

	if (stat(pp->path, &now) != 0)
		return err_set_errno(e, ERR_IO, errno, "%s", pp->path);
	if (now.st_dev != was->st_dev || now.st_ino != was->st_ino ||
	    now.st_size != was->st_size ||
	    now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
		return err_set(e, ERR_MISMATCH, "%s changed after it was "
		    "validated: nothing was sent; run again", pp->path);
	return ERR_OK;
}

err_code
planpass_open(const struct planpass *pp, struct plan_reader **out,
    struct err *e)
{
	struct plan_options po;

	memset(&po, 0, sizeof(po));
	po.instance = pp->instance;
	po.now_ms = pp->now_ms;
	po.delimiter = pp->delimiter;
	po.assume_offset = pp->assume_offset;
	po.assume_tz = pp->assume_tz;
	po.columns = pp->columns;
	po.stop_on_error = 1;
	return plan_open(pp->path, &po, out, e);
}

err_code
planpass_next(const struct planpass *pp, struct plan_reader *r,
    size_t index, struct plan_row *row, int *eof, int *changed,
    struct err *e)
{
	const char *name = plan_display_name(pp->path);
	err_code rc;

	*changed = 0;
	rc = plan_next(r, row, eof, e);
	if (rc == ERR_PLAN)
		return err_set(e, ERR_MISMATCH, "%s changed while it was "
		    "being run (a row that was valid no longer is): not sent",
		    name);
	if (rc != ERR_OK || *eof)
		return rc;
	if (index >= pp->ndigests || pp->digests[index] !=
	    plan_row_digest(row)) {
		*changed = 1;
		return err_set(e, ERR_MISMATCH, "%s:%lu: the plan changed "
		    "while it was being run (this row is not the one that was "
		    "validated): not sent, nor anything after it", name,
		    row->line);
	}
	return ERR_OK;
}
