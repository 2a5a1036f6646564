/*
 * cmd.h - subcommand descriptors and the table of them.
 *
 * Design (after tmux's cmd-*.c): each subcommand lives in its own file
 * src/cmd_NAME.c and exports one `const struct cmd cmd_NAME` descriptor;
 * src/mqreset/cmd.c collects them in one table that main() dispatches through and
 * that tests iterate (every option must appear in man/mqreset.1).
 *
 * A command's run function receives the whole argv (argv[0] is the command
 * name) and returns an exit status from exitcode.h.  It must never call
 * exit(): it returns, so reports are always finished.
 */
#ifndef MQR_CMD_H
#define MQR_CMD_H

#include <stddef.h>

#include "opts.h"

/* Options every command accepts; embed as a member named `common`. */
struct cmd_common {
	int help;    /* --help: print usage and exit 0 */
	int quiet;   /* --quiet: errors only */
	int verbose; /* --verbose (repeatable) */
	int debug;   /* --debug: protocol dumps, secrets redacted */
};

/* Rows for the common options; `type` is the command's config struct. */
#define CMD_COMMON_OPTS(type)                                              \
	{ "help", 'h', OPTS_FLAG, NULL, 0, 0, NULL, NULL,                  \
	  offsetof(type, common.help), "show this help and exit" },       \
	{ "quiet", 'q', OPTS_FLAG, NULL, 0, 0, NULL, NULL,                 \
	  offsetof(type, common.quiet), "print errors only" },            \
	{ "verbose", 'v', OPTS_COUNT, NULL, 0, 0, NULL, NULL,              \
	  offsetof(type, common.verbose), "print more (repeatable)" },    \
	{ "debug", 0, OPTS_FLAG, NULL, 0, 0, NULL, NULL,                   \
	  offsetof(type, common.debug),                                    \
	  "print protocol detail (secrets redacted)" }

struct cmd {
	const char *name;              /* "validate" */
	const char *usage;             /* "mqreset validate [options] PLAN..." */
	const char *summary;           /* one line for `mqreset --help` */
	const struct opts_spec *opts;  /* the option table */
	size_t nopts;                  /* rows in opts */
	int (*run)(int argc, char **argv); /* returns an exitcode */
};

/* The table, NULL-terminated, sorted by name. */
extern const struct cmd *const cmd_table[];

/* Look a command up by name; NULL when unknown. */
const struct cmd *
cmd_find(const char *name);

/* Set the message level from the common options. */
void
cmd_common_apply(const struct cmd_common *c);

/*
 * Parse argv for `c` into cfg (which embeds struct cmd_common at
 * `common_offset`).  Returns -1 to continue, or an exit status to return at
 * once: 0 after printing --help, 2 after a usage error (message printed).
 */
int
cmd_parse(const struct cmd *c, int argc, char **argv, void *cfg,
    size_t common_offset, struct opts_result *res);

#endif /* MQR_CMD_H */
