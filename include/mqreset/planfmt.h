/*
 * planfmt.h - the plan-reading options that need more than a string
 * (validate, run): --assume-tz ZONE (tzconv.h) and the repeatable
 * --column COLUMN=HEADER (colmap.h), checked and built once, before any
 * thread starts, and handed to the plan reader through struct
 * plan_options.  Command layer: its messages name the options.
 */
#ifndef MQR_PLANFMT_H
#define MQR_PLANFMT_H

#include "colmap.h"
#include "opts.h"
#include "plan.h"
#include "tzconv.h"

/* What the options built; owned here, borrowed by plan_options. */
struct planfmt {
	struct tzconv *tz;      /* --assume-tz, or NULL */
	struct colmap columns;  /* --column mappings */
};

/*
 * Check --delimiter and --assume-offset (cmd_plan_format(), either NULL
 * when not given), build --assume-tz (NULL when not given; not together
 * with --assume-offset) and every --column value
 * (each COLUMN a plan column, plan_column_named()), and point
 * po->assume_tz and po->columns at them.  Returns -1 to go on, or the
 * exit status of a usage error (message printed).  Call before any
 * other thread starts (tzconv_new()).  *pf is initialised either way:
 * free it with planfmt_free().
 */
int
planfmt_setup(struct planfmt *pf, const char *delimiter,
    const char *assume_offset, const char *assume_tz,
    const struct opts_list *columns, struct plan_options *po);

/* Free what planfmt_setup() built.  NULL-ok. */
void
planfmt_free(struct planfmt *pf);

#endif /* MQR_PLANFMT_H */
