/*
 * test_emu_manpage.c - every option of mqreset-emulator's option table,
 * every fault kind and every action is documented in
 * man/mqreset-emulator.1 (docs are code).
 */
#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "emu_actions.h"
#include "emu_cli.h"
#include "emu_fault.h"
#include "manpage_check.h"

static int
man_setup(void)
{
	return manpage_load("man/mqreset-emulator.1");
}

static void
test_every_option_documented(void)
{
	const struct opts_spec *o;
	size_t i, n;

	o = emu_cli_opts(&n);
	CU_ASSERT_TRUE(n > 10);
	for (i = 0; i < n; i++) {
		/* A list entry under OPTIONS, by the whole name. */
		manpage_expect_option(".Sh OPTIONS", NULL, o[i].name,
		    o[i].name);
		/* The table is sorted, as --help shows it. */
		if (i + 1 < n)
			CU_ASSERT_TRUE(strcmp(o[i].name, o[i + 1].name) < 0);
	}
}

static void
test_every_fault_documented(void)
{
	char needle[128];
	int k;

	for (k = 0; k < EMU_FAULT_NKINDS; k++) {
		snprintf(needle, sizeof needle, ".It Cm %s\n",
		    emu_fault_name((enum emu_fault_kind)k));
		manpage_expect(needle,
		    emu_fault_name((enum emu_fault_kind)k));
	}
}

static void
test_every_action_documented(void)
{
	char needle[128];
	int a;

	for (a = 0; a < EMU_ACT_N; a++) {
		snprintf(needle, sizeof needle, ".It Ql %s\n",
		    emu_action_name(a));
		manpage_expect(needle, emu_action_name(a));
	}
}

static CU_TestInfo man_tests[] = {
	{ "every option documented", test_every_option_documented },
	{ "every fault kind documented", test_every_fault_documented },
	{ "every action documented", test_every_action_documented },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "emu_manpage", man_setup, manpage_unload, NULL, NULL, man_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_emu_manpage", suites);
}
