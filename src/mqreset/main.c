/*
 * main.c - mqreset's entry point: dispatch to a subcommand.
 *
 * main() is the only place that turns results into the process exit
 * status, and it checks that stdout was written successfully (a full disk
 * or closed pipe must not pass silently), like jq does.
 *
 * Options may come before the command (`mqreset -v run PLAN ...`, as git
 * and docker allow): those that take no value, or are written
 * --name=VALUE, are moved after the command name and parsed with the
 * command's own table; one that takes a separate value is refused there,
 * since its value could not be told from the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "msg.h"
#include "version.h"

static void
main_usage(FILE *fp)
{
	size_t i;

	fputs("usage: mqreset COMMAND [options] [args]\n"
	      "       mqreset --version | --help\n\n"
	      "Apply consumer-offset reset plans to ApsaraMQ for RocketMQ "
	      "(Ons 2019-02-14).\n\ncommands:\n", fp);
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(fp, "  %-10s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fputs("\n'mqreset COMMAND --help' shows a command's options; "
	      "see mqreset(1).\n"
	      "exit status: 0 ok, 1 some rows failed, 2 invalid plan or "
	      "usage, 3 run aborted\n", fp);
}

/* Flush and close stdout; a failure here is an I/O error. */
static int
main_close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		msg_error("error writing standard output");
		if (status == EXITCODE_OK)
			status = EXITCODE_ABORTED;
	}
	return status;
}

/* "unknown command 'X'", with the nearest command when there is one. */
static void
main_unknown_command(const char *name)
{
	const struct cmd *best = NULL;
	size_t i, d, bestd = (size_t)-1;

	for (i = 0; cmd_table[i] != NULL; i++) {
		d = opts_nearness(name, strlen(name), cmd_table[i]->name);
		if (d != 0 && d < bestd) {
			bestd = d;
			best = cmd_table[i];
		}
	}
	if (best != NULL)
		msg_error("unknown command '%s': did you mean '%s'? (try "
		    "'mqreset --help')", name, best->name);
	else
		msg_error("unknown command '%s' (try 'mqreset --help')", name);
}

/*
 * The options before the command, argv[1..cmdi), checked against the
 * command's table.  Returns -1 when they can be moved after the command
 * name, or an exit status (message printed).
 */
static int
main_leading_options(const struct cmd *c, char **argv, int cmdi)
{
	const struct opts_spec *s;
	int i;

	for (i = 1; i < cmdi; i++) {
		s = opts_lookup(c->opts, c->nopts, argv[i]);
		if (s == NULL)
			continue; /* the command's parser names it */
		if (opts_spec_takes_value(s) && argv[i][1] == '-' &&
		    strchr(argv[i], '=') == NULL) {
			msg_error("--%s takes a value: put it after the command "
			    "(mqreset %s --%s %s ...) or write --%s=%s",
			    s->name, c->name, s->name, s->metavar != NULL ?
			    s->metavar : "ARG", s->name, s->metavar != NULL ?
			    s->metavar : "ARG");
			return EXITCODE_INVALID;
		}
		if (opts_spec_takes_value(s) && argv[i][1] != '-') {
			msg_error("-%c takes a value: put it after the command "
			    "(mqreset %s -%c %s ...)", s->short_name, c->name,
			    s->short_name, s->metavar != NULL ? s->metavar :
			    "ARG");
			return EXITCODE_INVALID;
		}
	}
	return -1;
}

/*
 * `opt`, just before what was taken for the command, is an option that
 * takes a separate value in some command ("mqreset --report r.csv run"):
 * say so and return 1; else 0.
 */
static int
main_value_before(const char *opt)
{
	const struct opts_spec *s;
	size_t i;

	if (opt[1] == '-' && strchr(opt, '=') != NULL)
		return 0;
	for (i = 0; cmd_table[i] != NULL; i++) {
		s = opts_lookup(cmd_table[i]->opts, cmd_table[i]->nopts, opt);
		if (s != NULL && opts_spec_takes_value(s)) {
			msg_error("%s takes a value: put it after the command "
			    "(mqreset COMMAND %s %s ...)", opt, opt,
			    s->metavar != NULL ? s->metavar : "ARG");
			return 1;
		}
	}
	return 0;
}

/* Run command c with the options before it moved after its name. */
static int
main_run_moved(const struct cmd *c, int argc, char **argv, int cmdi)
{
	char **v;
	int i, n = 0, status;

	status = main_leading_options(c, argv, cmdi);
	if (status >= 0)
		return status;
	v = calloc((size_t)argc, sizeof *v);
	if (v == NULL) {
		msg_error("out of memory");
		return exitcode_from_err(ERR_NOMEM);
	}
	v[n++] = argv[cmdi];
	for (i = 1; i < cmdi; i++)
		v[n++] = argv[i];
	for (i = cmdi + 1; i < argc; i++)
		v[n++] = argv[i];
	status = c->run(n, v);
	free(v);
	return status;
}

int
main(int argc, char **argv)
{
	const struct cmd *c;
	int status, cmdi;

	msg_init("mqreset");
	if (argc < 2) {
		main_usage(stderr);
		return EXITCODE_INVALID;
	}
	/* The command is the first word that is not an option. */
	for (cmdi = 1; cmdi < argc && argv[cmdi][0] == '-' &&
	    argv[cmdi][1] != '\0' && strcmp(argv[cmdi], "--") != 0; cmdi++)
		if (strcmp(argv[cmdi], "--version") == 0 ||
		    strcmp(argv[cmdi], "-V") == 0 ||
		    strcmp(argv[cmdi], "--help") == 0 ||
		    strcmp(argv[cmdi], "-h") == 0)
			break;
	if (cmdi > 1 && cmdi < argc && argv[cmdi][0] != '-') {
		c = cmd_find(argv[cmdi]);
		if (c == NULL && main_value_before(argv[cmdi - 1]))
			return EXITCODE_INVALID;
		if (c == NULL) {
			main_unknown_command(argv[cmdi]);
			return EXITCODE_INVALID;
		}
		return main_close_stdout(main_run_moved(c, argc, argv, cmdi));
	}
	if (cmdi > 1 && (cmdi == argc || strcmp(argv[cmdi], "--") == 0)) {
		msg_error("no command after '%s' (try 'mqreset --help')",
		    argv[cmdi - 1]);
		return EXITCODE_INVALID;
	}
	if (cmdi > 1)
		argv[1] = argv[cmdi]; /* --version or --help after options */
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("mqreset %s\n", MQR_VERSION);
		return main_close_stdout(EXITCODE_OK);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (c = cmd_find(argv[2])) != NULL) {
			opts_help(stdout, c->usage, c->summary, c->opts,
			    c->nopts);
		} else
			main_usage(stdout);
		return main_close_stdout(EXITCODE_OK);
	}
	c = cmd_find(argv[1]);
	if (c == NULL) {
		main_unknown_command(argv[1]);
		return EXITCODE_INVALID;
	}
	status = c->run(argc - 1, argv + 1);
	return main_close_stdout(status);
}
