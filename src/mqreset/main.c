/*
 * main.c - mqreset's entry point: dispatch to a subcommand.
 *
 * main() is the only place that turns results into the process exit
 * status, and it checks that stdout was written successfully (a full disk
 * or closed pipe must not pass silently), like jq does.
 */
#include <stdio.h>
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

int
main(int argc, char **argv)
{
	const struct cmd *c;
	int status;

	msg_init("mqreset");
	if (argc < 2) {
		main_usage(stderr);
		return EXITCODE_INVALID;
	}
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
		msg_error("unknown command '%s' (try 'mqreset --help')",
		    argv[1]);
		return EXITCODE_INVALID;
	}
	status = c->run(argc - 1, argv + 1);
	return main_close_stdout(status);
}
