/*
 * cmd.c - the subcommand table and the parsing shared by all commands.
 * See include/mqreset/cmd.h.  To add a command: write src/cmd_NAME.c exporting
 * `const struct cmd cmd_NAME`, declare it below and add it to the table
 * (sorted by name).
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "msg.h"

/* extern const struct cmd cmd_NAME; -- one line per command, sorted */
extern const struct cmd cmd_reset;
extern const struct cmd cmd_run;
extern const struct cmd cmd_validate;

const struct cmd *const cmd_table[] = {
	/* &cmd_NAME, -- sorted by name */
	&cmd_reset,
	&cmd_run,
	&cmd_validate,
	NULL
};

const struct cmd *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void
cmd_common_apply(const struct cmd_common *c)
{
	if (c->quiet)
		msg_set_level(MSG_ERROR);
	else if (c->debug)
		msg_set_level(MSG_DEBUG);
	else if (c->verbose > 0)
		msg_set_level(MSG_VERBOSE);
	else
		msg_set_level(MSG_INFO);
}

int
cmd_parse(const struct cmd *c, int argc, char **argv, void *cfg,
    size_t common_offset, struct opts_result *res)
{
	struct err e;
	const struct cmd_common *common;

	err_clear(&e);
	if (opts_parse(c->opts, c->nopts, argc, argv, 1, cfg, res, &e) !=
	    ERR_OK) {
		msg_error("%s: %s", c->name, err_message(&e));
		return EXITCODE_INVALID;
	}
	common = (const struct cmd_common *)(const void *)((const char *)cfg +
	    common_offset);
	if (common->help) {
		opts_help(stdout, c->usage, c->summary, c->opts, c->nopts);
		opts_result_free(res);
		return EXITCODE_OK;
	}
	cmd_common_apply(common);
	return -1;
}
