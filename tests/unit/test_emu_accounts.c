/*
 * test_emu_accounts.c - several accounts in one emulator state: the
 * "Owner" of a credential or instance, its save/load round trip, an
 * account seeing only its own instances (reset and instance list), and
 * one QPS quota per account (emu_qps_new_accounts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cu.h"
#include "emu_actions.h"
#include "emu_qps.h"
#include "emu_reply.h"
#include "emu_state.h"

#define OWNER_A "1111111111111111"
#define OWNER_B "2222222222222222"
#define INST_A "MQ_INST_1111111111111111_BXaaaa01"
#define INST_B "MQ_INST_2222222222222222_BXbbbb01"
#define NOW_MS INT64_C(1795651200000)
#define MS INT64_C(1000000)

static const char state_json[] =
    "{ \"Owner\": \"" OWNER_A "\",\n"
    "  \"Credentials\": [\n"
    "    { \"AccessKeyId\": \"LTAI5tKeyA\", \"AccessKeySecret\": \"sa\" },\n"
    "    { \"AccessKeyId\": \"LTAI5tKeyB\", \"AccessKeySecret\": \"sb\",\n"
    "      \"Owner\": \"" OWNER_B "\" },\n"
    "    { \"AccessKeyId\": \"LTAI5tKeyA2\", \"AccessKeySecret\": \"sa2\",\n"
    "      \"Owner\": \"" OWNER_A "\" } ],\n"
    "  \"Instances\": [\n"
    "    { \"InstanceId\": \"" INST_A "\",\n"
    "      \"Topics\": [ { \"Topic\": \"orders\" } ],\n"
    "      \"Groups\": [ { \"GroupId\": \"GID_x\", \"Subscriptions\": [\n"
    "        { \"Topic\": \"orders\" } ] } ] },\n"
    "    { \"InstanceId\": \"" INST_B "\", \"Owner\": \"" OWNER_B "\",\n"
    "      \"Topics\": [ { \"Topic\": \"orders\" } ],\n"
    "      \"Groups\": [ { \"GroupId\": \"GID_x\", \"Subscriptions\": [\n"
    "        { \"Topic\": \"orders\" } ] } ] } ] }\n";

static struct emu_state *
load(void)
{
	struct emu_state *st = emu_state_new();
	struct err e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(emu_state_load_json(st, state_json,
	    strlen(state_json), "s.json", &e), ERR_OK);
	return st;
}

static void
test_owners(void)
{
	struct emu_state *st = load(), *st2;
	char path[512];
	struct err e;

	CU_ASSERT_EQUAL(emu_state_naccounts(st), 2);
	CU_ASSERT_EQUAL(emu_state_find_cred(st, "LTAI5tKeyA")->owner, 0);
	CU_ASSERT_EQUAL(emu_state_find_cred(st, "LTAI5tKeyA2")->owner, 0);
	CU_ASSERT_EQUAL(emu_state_find_cred(st, "LTAI5tKeyB")->owner, 1);
	CU_ASSERT_EQUAL(emu_state_find_instance(st, INST_A)->owner, 0);
	CU_ASSERT_EQUAL(emu_state_find_instance(st, INST_B)->owner, 1);
	CU_ASSERT_STRING_EQUAL(emu_state_owner(st, 0), OWNER_A);
	CU_ASSERT_STRING_EQUAL(emu_state_owner(st, 1), OWNER_B);
	CU_ASSERT_STRING_EQUAL(emu_state_owner(st, 9), "");
	CU_ASSERT_EQUAL(emu_state_owner_find(st, OWNER_B), 1);
	CU_ASSERT_EQUAL(emu_state_owner_find(st, "nobody"), 0);
	/* Saved and loaded again: the same owners. */
	snprintf(path, sizeof path, "%s/s.json", cu_tmpdir());
	CU_ASSERT_EQUAL_FATAL(emu_state_save_file(st, path, &e), ERR_OK);
	st2 = emu_state_new();
	CU_ASSERT_EQUAL_FATAL(emu_state_load_file(st2, path, &e), ERR_OK);
	CU_ASSERT_EQUAL(emu_state_naccounts(st2), 2);
	CU_ASSERT_EQUAL(emu_state_find_cred(st2, "LTAI5tKeyB")->owner, 1);
	CU_ASSERT_EQUAL(emu_state_find_instance(st2, INST_B)->owner, 1);
	CU_ASSERT_EQUAL(emu_state_find_instance(st2, INST_A)->owner, 0);
	emu_state_destroy(st2);
	emu_state_destroy(st);
}

/* Run action a as account `owner`; the reply's Code ("" on success). */
static void
run(struct emu_state *st, size_t owner, int a, const char *inst,
    struct emu_reply *r)
{
	struct emu_action_ctx ctx;
	struct params p;

	params_init(&p);
	params_add(&p, "InstanceId", inst);
	if (a == EMU_ACT_RESET) {
		params_add(&p, "GroupId", "GID_x");
		params_add(&p, "Topic", "orders");
		params_add(&p, "Type", "0");
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.st = st;
	ctx.key_id = owner == 0 ? "LTAI5tKeyA" : "LTAI5tKeyB";
	ctx.owner = owner;
	ctx.now_ms = NOW_MS;
	emu_reply_init(r, "ons.test");
	emu_actions_run(&ctx, a, &p, r);
	params_free(&p);
}

/* {account, instance, status}: each account resets only its own. */
static void
test_apart(void)
{
	static const struct {
		size_t owner;
		const char *inst;
		unsigned status;
	} t[] = {
		{ 0, INST_A, 200 }, { 0, INST_B, 404 },
		{ 1, INST_B, 200 }, { 1, INST_A, 404 },
	};
	struct emu_state *st = load();
	struct emu_reply r;
	cJSON *d;
	const cJSON *v;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		run(st, t[i].owner, EMU_ACT_RESET, t[i].inst, &r);
		CU_ASSERT_EQUAL(r.status, t[i].status);
		if (t[i].status == 404)
			CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&r.body),
			    "INSTANCE_NOT_FOUND"));
		emu_reply_free(&r);
	}
	/* The instance list shows the caller's own only. */
	run(st, 1, EMU_ACT_INSTANCES, INST_A, &r);
	d = cJSON_Parse(buf_cstr(&r.body));
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    d, "Data"), "InstanceVO");
	CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(v), 1);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(v, 0), "InstanceId")->valuestring, INST_B);
	cJSON_Delete(d);
	emu_reply_free(&r);
	emu_state_destroy(st);
}

/* One quota per account: account 1 is not throttled by account 0. */
static void
test_quota_per_account(void)
{
	static const double rates[2] = { 2, 0 };
	struct emu_qps *q = emu_qps_new_accounts(2, 2, rates, EMU_QPS_FIXED,
	    0);
	int i, a0 = 0, a1 = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	for (i = 0; i < 5; i++) {
		a0 += emu_qps_take(q, 0 * 2 + 0, 10 * MS);
		a1 += emu_qps_take(q, 1 * 2 + 0, 10 * MS);
	}
	CU_ASSERT_EQUAL(a0, 2);
	CU_ASSERT_EQUAL(a1, 2);
	/* Action 1 is unlimited in both accounts. */
	CU_ASSERT_EQUAL(emu_qps_take(q, 1 * 2 + 1, 10 * MS), 1);
	emu_qps_destroy(q);
}

static CU_TestInfo tests[] = {
	{ "owners: load, lookups, round trip", test_owners },
	{ "each account sees its own instances", test_apart },
	{ "a quota per account", test_quota_per_account },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "emu_accounts", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_emu_accounts", suites);
}
