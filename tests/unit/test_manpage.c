/*
 * test_manpage.c - every command and every option in the option tables
 * is documented in man/mqreset.1 (docs are code: a new option without a
 * man page entry fails the build's tests).
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

static void
test_every_option_documented(void)
{
	size_t i, j;
	char needle[128], what[128];

	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd *c = cmd_table[i];

		snprintf(needle, sizeof needle, ".Ss %s\n", c->name);
		snprintf(what, sizeof what, "command %s", c->name);
		manpage_expect(needle, what);
		for (j = 0; j < c->nopts; j++) {
			snprintf(needle, sizeof needle, "Fl \\-%s",
			    c->opts[j].name);
			snprintf(what, sizeof what, "%s --%s", c->name,
			    c->opts[j].name);
			manpage_expect(needle, what);
		}
	}
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
