/*
 * test_pfhold.c - the rows a preflight holds back from an execute run
 * (pfhold.h): the rule per outcome (a table), and the set keyed by plan
 * line (found, not found, order enforced, copies kept).
 */
#include <string.h>

#include "cu.h"
#include "pfhold.h"

/* outcome (0 would-reset, 1 would-fail, 2 unknown), strict -> action */
static const struct {
	int outcome, strict;
	enum pfhold_action want;
} rules[] = {
	{ 0, 0, PFHOLD_SEND },
	{ 0, 1, PFHOLD_SEND },
	{ 1, 0, PFHOLD_HOLD },
	{ 1, 1, PFHOLD_HOLD },
	{ 2, 0, PFHOLD_SEND_WARN },
	{ 2, 1, PFHOLD_HOLD },
};

static void
test_rule(void)
{
	size_t i;

	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		CU_ASSERT_EQUAL(pfhold_decide(rules[i].outcome,
		    rules[i].strict), rules[i].want);
}

static void
test_set(void)
{
	struct pfhold *h = pfhold_new();
	const struct pfhold_row *r;
	char code[32] = "BIZ_TOPIC_NOT_FOUND";
	unsigned long line;
	struct err e;

	err_clear(&e);
	CU_ASSERT_PTR_NULL(pfhold_find(NULL, 2));
	CU_ASSERT_EQUAL(pfhold_count(NULL), 0);
	CU_ASSERT_PTR_NULL(pfhold_find(h, 2));
	for (line = 3; line < 3000; line += 7)
		CU_ASSERT_EQUAL(pfhold_add(h, line, line % 2,
		    code, "why", &e), ERR_OK);
	strcpy(code, "changed");
	CU_ASSERT_EQUAL(pfhold_count(h), (3000 - 3 + 6) / 7);
	r = pfhold_find(h, 3 + 7 * 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->line, 703);
	CU_ASSERT_STRING_EQUAL(r->code, "BIZ_TOPIC_NOT_FOUND");
	CU_ASSERT_STRING_EQUAL(r->message, "why");
	CU_ASSERT_PTR_NOT_NULL(pfhold_find(h, 3));
	CU_ASSERT_PTR_NOT_NULL(pfhold_find(h, 2999));
	CU_ASSERT_PTR_NULL(pfhold_find(h, 704));
	CU_ASSERT_PTR_NULL(pfhold_find(h, 1));
	CU_ASSERT_PTR_NULL(pfhold_find(h, 3001));
	/* Lines come in plan order: a line out of order is a bug. */
	CU_ASSERT_EQUAL(pfhold_add(h, 703, 1, "x", "y", &e), ERR_INTERNAL);
	CU_ASSERT_EQUAL(pfhold_add(h, 2999, 1, "x", "y", &e), ERR_INTERNAL);
	CU_ASSERT_EQUAL(pfhold_clears(NULL), 0);
	/* The odd lines of 3, 10, 17...: every other one. */
	CU_ASSERT_EQUAL(pfhold_clears(h), ((3000 - 3 + 6) / 7 + 1) / 2);
	CU_ASSERT_EQUAL(pfhold_add(h, 5000, 0, NULL, NULL, &e), ERR_OK);
	CU_ASSERT_EQUAL(pfhold_clears(h), ((3000 - 3 + 6) / 7 + 1) / 2);
	CU_ASSERT_STRING_EQUAL(pfhold_find(h, 5000)->code, "");
	pfhold_destroy(h);
	pfhold_destroy(NULL);
}

static CU_TestInfo pfhold_tests[] = {
	{ "what is held, per outcome", test_rule },
	{ "the set, by plan line", test_set },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "pfhold", NULL, NULL, NULL, NULL, pfhold_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_pfhold", suites);
}
