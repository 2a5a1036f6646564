/*
 * test_manpage.c - every command and every option in the option tables
 * is documented in man/mqreset.1, by its whole name in the section that
 * documents it (docs are code: a new option without a man page entry
 * fails the build's tests), and an option two commands share is defined
 * once.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cu.h"
#include "manpage_check.h"

static int
man_setup(void)
{
	return manpage_load("man/mqreset.1");
}

/* The shared rows, instantiated to tell which rows a command shares. */
struct man_probe {
	struct cmd_common common; /* the common options */
	struct cmd_conn conn;     /* the connection options */
};

static const struct opts_spec man_common[] = {
	CMD_COMMON_OPTS(struct man_probe),
};

static const struct opts_spec man_conn[] = {
	CMD_CONN_OPTS(struct man_probe),
};

#define MAN_N(a) (sizeof (a) / sizeof (a)[0])

/* The row of `specs` named `name`, or NULL. */
static const struct opts_spec *
man_row(const struct opts_spec *specs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(specs[i].name, name) == 0)
			return &specs[i];
	return NULL;
}

/*
 * Every option has a list entry, by its whole name, in the section that
 * documents it: the common options in DESCRIPTION, the connection options
 * under "Connection options", the others in their command's section.
 */
static void
test_every_option_documented(void)
{
	const char *stops[8];
	const char *desc_stops[] = { ".Ss Connection options", NULL };
	char heads[8][64], head[64], what[128];
	size_t i, j, n;

	for (n = 0; cmd_table[n] != NULL && n + 1 < MAN_N(stops); n++) {
		snprintf(heads[n], sizeof heads[n], ".Ss %s",
		    cmd_table[n]->name);
		stops[n] = heads[n];
	}
	stops[n] = NULL;
	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd *c = cmd_table[i];

		snprintf(head, sizeof head, ".Ss %s\n", c->name);
		snprintf(what, sizeof what, "command %s", c->name);
		manpage_expect(head, what);
		for (j = 0; j < c->nopts; j++) {
			const char *name = c->opts[j].name;

			snprintf(what, sizeof what, "%s --%s", c->name, name);
			if (man_row(man_common, MAN_N(man_common), name))
				manpage_expect_option(".Sh DESCRIPTION",
				    desc_stops, name, what);
			else if (man_row(man_conn, MAN_N(man_conn), name))
				manpage_expect_option(".Ss Connection options",
				    NULL, name, what);
			else
				manpage_expect_option(heads[i], stops, name,
				    what);
		}
	}
}

/* Two rows for one option agree on everything but where the value goes
 * and the help text. */
static void
man_same_option(const char *where, const struct opts_spec *a,
    const struct opts_spec *b)
{
	int same;

	same = a->type == b->type && a->short_name == b->short_name &&
	    a->min == b->min && a->max == b->max &&
	    (a->choices == NULL) == (b->choices == NULL) &&
	    (a->choices == NULL || strcmp(a->choices, b->choices) == 0) &&
	    (a->def == NULL) == (b->def == NULL) &&
	    (a->def == NULL || strcmp(a->def, b->def) == 0);
	if (!same)
		fprintf(stderr, "%s --%s: two definitions (type, bounds, "
		    "choices or default differ)\n", where, a->name);
	CU_ASSERT_TRUE(same);
}

/*
 * An option named like a common or a connection option is that option:
 * the same type, bounds, choices and default in every command (the
 * connection options once drifted: --connect-timeout 0.1-600 in reset,
 * 0.001-3600 in run).  The commands that call the API carry every
 * connection option.  Other options may share a name and differ
 * (validate's --format is not another command's).
 */
static void
test_shared_options_agree(void)
{
	size_t i, j;
	const struct opts_spec *o;

	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd *c = cmd_table[i];

		for (j = 0; j < c->nopts; j++) {
			o = man_row(man_common, MAN_N(man_common),
			    c->opts[j].name);
			if (o == NULL)
				o = man_row(man_conn, MAN_N(man_conn),
				    c->opts[j].name);
			if (o != NULL)
				man_same_option(c->name, &c->opts[j], o);
		}
	}
	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd *c = cmd_table[i];

		if (strcmp(c->name, "reset") != 0 &&
		    strcmp(c->name, "run") != 0)
			continue;
		for (j = 0; j < MAN_N(man_conn); j++)
			CU_ASSERT_PTR_NOT_NULL(man_row(c->opts, c->nopts,
			    man_conn[j].name));
	}
}

/* The ranges of the timeouts are written once in the page, as the
 * table has them. */
static void
test_ranges_documented(void)
{
	const struct opts_spec *o;
	char needle[128];

	o = man_row(man_conn, MAN_N(man_conn), "connect-timeout");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	snprintf(needle, sizeof needle, "%g to %g, default %s", o->min,
	    o->max, o->def);
	manpage_expect(needle, "--connect-timeout's range");
	o = man_row(man_conn, MAN_N(man_conn), "timeout");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	snprintf(needle, sizeof needle, "%g to %g, default %s", o->min,
	    o->max, o->def);
	manpage_expect(needle, "--timeout's range");
}

static void
test_table_sorted_and_described(void)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		CU_ASSERT_PTR_NOT_NULL(cmd_table[i]->summary);
		CU_ASSERT_PTR_NOT_NULL(cmd_table[i]->usage);
		if (cmd_table[i + 1] != NULL)
			CU_ASSERT_TRUE(strcmp(cmd_table[i]->name,
			    cmd_table[i + 1]->name) < 0);
	}
}

static CU_TestInfo man_tests[] = {
	{ "every option documented", test_every_option_documented },
	{ "shared options agree", test_shared_options_agree },
	{ "ranges documented", test_ranges_documented },
	{ "command table sorted", test_table_sorted_and_described },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "manpage", man_setup, manpage_unload, NULL, NULL, man_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_manpage", suites);
}
