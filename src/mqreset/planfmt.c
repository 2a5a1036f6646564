/*
 * planfmt.c - --assume-tz and --column for the plan reader.  See
 * include/mqreset/planfmt.h.
 */
#include "planfmt.h"

#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "msg.h"

int
planfmt_setup(struct planfmt *pf, const char *delimiter,
    const char *assume_offset, const char *assume_tz,
    const struct opts_list *columns, struct plan_options *po)
{
	struct err e;
	size_t i;
	int status;

	memset(pf, 0, sizeof *pf);
	colmap_init(&pf->columns);
	po->assume_tz = NULL;
	po->columns = NULL;
	err_clear(&e);
	status = cmd_plan_format(delimiter, assume_offset, po);
	if (status >= 0)
		return status;
	if (assume_tz != NULL && assume_offset != NULL) {
		msg_error("--assume-tz and --assume-offset both say how to "
		    "read times without an offset: give one");
		return EXITCODE_INVALID;
	}
	if (assume_tz != NULL) {
		if (tzconv_new(assume_tz, &pf->tz, &e) != ERR_OK) {
			msg_error("--assume-tz: %s", err_message(&e));
			return exitcode_from_err(e.code);
		}
		po->assume_tz = pf->tz;
	}
	for (i = 0; columns != NULL && i < columns->n; i++) {
		const char *spec = columns->v[i];
		const char *col;

		if (colmap_add(&pf->columns, spec, &e) != ERR_OK) {
			msg_error("--column %s", err_message(&e));
			return exitcode_from_err(e.code);
		}
		col = pf->columns.v[pf->columns.n - 1].column;
		if (!plan_column_named(col)) {
			msg_error("--column %s: '%s' is not a plan column: "
			    "write instance, group, topic, type or timestamp",
			    spec, col);
			return EXITCODE_INVALID;
		}
	}
	if (pf->columns.n > 0)
		po->columns = &pf->columns;
	return -1;
}

void
planfmt_free(struct planfmt *pf)
{
	if (pf == NULL)
		return;
	tzconv_destroy(pf->tz);
	pf->tz = NULL;
	colmap_free(&pf->columns);
}
