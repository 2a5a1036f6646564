/*
 * test_emu_core.c - the emulator's logic without a socket: state file
 * load/save round trip, backlog arithmetic, every action's reply shape
 * and error codes, reset semantics and the journal, fault rule parsing
 * and deterministic decisions, rehearsal of a plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cu.h"
#include "emu_actions.h"
#include "emu_fault.h"
#include "emu_journal.h"
#include "emu_rehearse.h"
#include "emu_reply.h"
#include "emu_state.h"

#define INST "MQ_INST_1234567890123456_BXhFqGdd"
#define NOW_MS INT64_C(1795651200000)

static struct emu_state *st;

static int
core_setup(void)
{
	st = emu_state_new();
	return st == NULL ||
	    emu_state_load_file(st, "samples/emulator-state.json", NULL) !=
	    ERR_OK;
}

static int
core_teardown(void)
{
	emu_state_destroy(st);
	return 0;
}

/* Run action `a` with "k=v" pairs; returns the parsed body (caller frees). */
static cJSON *
run(struct emu_journal *j, int a, struct emu_reply *r, int *applied,
    const char *const *kv)
{
	struct emu_action_ctx ctx;
	struct params p;
	char name[64];
	const char *eq;
	cJSON *doc;

	params_init(&p);
	for (; *kv != NULL; kv++) {
		eq = strchr(*kv, '=');
		snprintf(name, sizeof name, "%.*s", (int)(eq - *kv), *kv);
		params_add(&p, name, eq + 1);
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.st = st;
	ctx.journal = j;
	ctx.key_id = "LTAI5tEmulatorSample0001";
	ctx.now_ms = NOW_MS;
	emu_reply_init(r, "ons.test");
	*applied = emu_actions_run(&ctx, a, &p, r);
	params_free(&p);
	doc = cJSON_Parse(buf_cstr(&r->body));
	CU_ASSERT_PTR_NOT_NULL(doc);
	CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(doc,
	    "RequestId"));
	return doc;
}

static const cJSON *
path(const cJSON *o, const char *a, const char *b, const char *c)
{
	o = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b != NULL)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	if (c != NULL)
		o = cJSON_GetObjectItemCaseSensitive(o, c);
	return o;
}

static void
test_backlog_at(void)
{
	struct emu_topic t;
	static const struct {
		int64_t pos, want;
	} rows[] = {
		{ -5, 1000 }, { 0, 1000 }, { 250, 750 }, { 500, 500 },
		{ 1000, 0 }, { 99999, 0 },
	};
	size_t i;

	memset(&t, 0, sizeof t);
	t.earliest_ms = 0;
	t.latest_ms = 1000;
	t.message_count = 1000;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CU_ASSERT_EQUAL(emu_state_backlog_at(&t, rows[i].pos),
		    rows[i].want);
}

static void
test_state_lookups(void)
{
	CU_ASSERT_PTR_NOT_NULL(emu_state_find_instance(st, INST));
	CU_ASSERT_PTR_NULL(emu_state_find_instance(st, "MQ_INST_nope"));
	CU_ASSERT_PTR_NOT_NULL(emu_state_find_topic(st, INST, "orders"));
	CU_ASSERT_PTR_NULL(emu_state_find_topic(st, INST, "order"));
	CU_ASSERT_PTR_NOT_NULL(emu_state_find_group(st, INST,
	    "GID_order_sync"));
	CU_ASSERT_PTR_NOT_NULL(emu_state_find_sub(st, INST, "GID_billing",
	    "payments"));
	CU_ASSERT_PTR_NULL(emu_state_find_sub(st, INST, "GID_billing",
	    "orders"));
	CU_ASSERT_PTR_NOT_NULL(emu_state_find_cred(st,
	    "LTAI5tEmulatorSample0001"));
	CU_ASSERT_TRUE(emu_state_find_cred(st,
	    "LTAI5tEmulatorDisabled01")->disabled);
}

static void
test_state_bad_files(void)
{
	static const char *const bad[] = {
		"[]",
		"{\"Credentials\":[{\"AccessKeyId\":\"x\"}]}",
		"{\"Instances\":[{\"InstanceId\":\"\"}]}",
		"{\"Instances\":[{\"InstanceId\":\"i\",\"Topics\":[{\"Topic\":"
		    "\"t\",\"EarliestTime\":5,\"LatestTime\":1}]}]}",
		"{\"Instances\":[{\"InstanceId\":\"i\",\"Groups\":[{\"GroupId\":"
		    "\"g\",\"Subscriptions\":[{\"Topic\":\"missing\"}]}]}]}",
		"{\"Instances\":[{\"InstanceId\":\"i\",\"Topics\":[{\"Topic\":"
		    "\"t\",\"Perm\":3}]}]}",
		"{\"Faults\":[42]}",
		"{not json",
	};
	struct emu_state *s;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = emu_state_new();
		err_clear(&e);
		CU_ASSERT_EQUAL(emu_state_load_json(s, bad[i], strlen(bad[i]),
		    "bad.json", &e), ERR_PARSE);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bad.json"));
		emu_state_destroy(s);
	}
}

static void
test_state_round_trip(void)
{
	char path[512];
	struct emu_state *a;
	struct emu_sub *s1, *s2;
	char *t1, *t2;
	char path2[512];
	const char *dir = cu_tmpdir();

	snprintf(path, sizeof path, "%s/state1.json", dir);
	snprintf(path2, sizeof path2, "%s/state2.json", dir);
	CU_ASSERT_EQUAL_FATAL(emu_state_save_file(st, path, NULL), ERR_OK);
	a = emu_state_new();
	CU_ASSERT_EQUAL_FATAL(emu_state_load_file(a, path, NULL), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(emu_state_save_file(a, path2, NULL), ERR_OK);
	t1 = cu_slurp(path, NULL);
	t2 = cu_slurp(path2, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	CU_ASSERT_STRING_EQUAL(t1, t2);
	s1 = emu_state_find_sub(st, INST, "GID_order_sync", "orders");
	s2 = emu_state_find_sub(a, INST, "GID_order_sync", "orders");
	CU_ASSERT_EQUAL(s1->backlog, s2->backlog);
	CU_ASSERT_EQUAL(s1->position_ms, s2->position_ms);
	CU_ASSERT_EQUAL(a->ncreds, st->ncreds);
	CU_ASSERT_STRING_EQUAL(emu_state_find_cred(a,
	    "STS.NEmulatorSample0001")->token,
	    "CAIS.emulator.sample.sts.token");
	free(t1);
	free(t2);
	emu_state_destroy(a);
}

static void
test_read_actions(void)
{
	static const char *const gl[] = { "InstanceId=" INST, NULL };
	static const char *const gl_like[] = { "InstanceId=" INST,
		"GroupId=bill", NULL };
	static const char *const ts[] = { "InstanceId=" INST, "Topic=orders",
		NULL };
	static const char *const ts_empty[] = { "InstanceId=" INST,
		"Topic=audit", NULL };
	static const char *const acc[] = { "InstanceId=" INST,
		"GroupId=GID_order_sync", "Detail=true", NULL };
	static const char *const sub_off[] = { "InstanceId=" INST,
		"GroupId=GID_billing", NULL };
	static const char *const sub_on[] = { "InstanceId=" INST,
		"GroupId=GID_order_sync", NULL };
	struct emu_reply r;
	const cJSON *x;
	cJSON *d;
	int ap;

	d = run(NULL, EMU_ACT_GROUP_LIST, &r, &ap, gl);
	x = path(d, "Data", "SubscribeInfoDo", NULL);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(x), 2);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0),
	    "GroupId")->valuestring, "GID_order_sync");
	CU_ASSERT_PTR_NOT_NULL(path(cJSON_GetArrayItem(x, 0), "Tags", "Tag",
	    NULL));
	CU_ASSERT_EQUAL(r.status, 200);
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_GROUP_LIST, &r, &ap, gl_like);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(path(d, "Data", "SubscribeInfoDo",
	    NULL)), 1);
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_TOPIC_LIST, &r, &ap, gl);
	x = path(d, "Data", "PublishInfoDo", NULL);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(x), 3);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 1),
	    "MessageType")->valueint, 1);
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_TOPIC_STATUS, &r, &ap, ts);
	CU_ASSERT_EQUAL(path(d, "Data", "Perm", NULL)->valueint, 6);
	CU_ASSERT_EQUAL(path(d, "Data", "TotalCount", NULL)->valuedouble,
	    1200000);
	CU_ASSERT_EQUAL(path(d, "Data", "LastTimeStamp", NULL)->valuedouble,
	    1893456000000.0);
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_TOPIC_STATUS, &r, &ap, ts_empty);
	CU_ASSERT_EQUAL(path(d, "Data", "LastTimeStamp", NULL)->valuedouble,
	    0);
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_ACCUMULATE, &r, &ap, acc);
	x = path(d, "Data", "DetailInTopicList", "DetailInTopicDo");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(x), 2);
	CU_ASSERT_PTR_NOT_NULL(path(d, "Data", "TotalDiff", NULL));
	CU_ASSERT_PTR_NOT_NULL(path(d, "Data", "ConsumeTps", NULL));
	CU_ASSERT_TRUE(cJSON_IsTrue(path(d, "Data", "Online", NULL)));
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0),
	    "Topic")->valuestring, "orders");
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_GROUP_SUB, &r, &ap, sub_off);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(path(d, "Data",
	    "SubscriptionDataList", "SubscriptionDataList")), 0);
	CU_ASSERT_STRING_EQUAL(path(d, "Data", "MessageModel",
	    NULL)->valuestring, "CLUSTERING");
	cJSON_Delete(d);
	emu_reply_free(&r);

	d = run(NULL, EMU_ACT_GROUP_SUB, &r, &ap, sub_on);
	x = path(d, "Data", "SubscriptionDataList", "SubscriptionDataList");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(x), 2);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 1),
	    "SubString")->valuestring, "TagA||TagB");
	cJSON_Delete(d);
	emu_reply_free(&r);
}

struct err_case {
	int action;               /* emu_action */
	const char *kv[8];        /* parameters */
	const char *code;         /* expected Code */
	unsigned status;          /* expected status */
};

static const struct err_case err_cases[] = {
	{ EMU_ACT_RESET, { "GroupId=GID_order_sync", "Topic=orders",
	    "Type=0", NULL }, "MissingParameter", 400 },
	{ EMU_ACT_RESET, { "InstanceId=MQ_INST_nope", "GroupId=GID_order_sync",
	    "Topic=orders", "Type=0", NULL }, "INSTANCE_NOT_FOUND", 404 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_nope",
	    "Topic=orders", "Type=0", NULL }, "BIZ_SUBSCRIPTION_NOT_FOUND",
	    404 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=nope", "Type=0", NULL }, "BIZ_TOPIC_NOT_FOUND", 404 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_billing",
	    "Topic=orders", "Type=0", NULL }, "BIZ_SUBSCRIPTION_NOT_FOUND",
	    404 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=orders", "Type=2", NULL }, "InvalidParameter", 400 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=orders", NULL }, "MissingParameter", 400 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=orders", "Type=1", NULL }, "MissingParameter", 400 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=orders", "Type=1", "ResetTimestamp=12x", NULL },
	    "InvalidParameter", 400 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=orders", "Type=1", "ResetTimestamp=1000", NULL },
	    "BIZ_FIELD_CHECK_INVALID", 400 },
	{ EMU_ACT_RESET, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Topic=orders", "Type=1", "ResetTimestamp=1993456000000", NULL },
	    "BIZ_FIELD_CHECK_INVALID", 400 },
	{ EMU_ACT_TOPIC_STATUS, { "InstanceId=" INST, NULL },
	    "MissingParameter", 400 },
	{ EMU_ACT_ACCUMULATE, { "InstanceId=" INST, "GroupId=GID_order_sync",
	    "Detail=yes", NULL }, "InvalidParameter", 400 },
	{ EMU_ACT_GROUP_LIST, { "InstanceId=" INST, "GroupType=kafka", NULL },
	    "InvalidParameter", 400 },
	{ EMU_ACT_GROUP_SUB, { "InstanceId=" INST, NULL },
	    "MissingParameter", 400 },
	{ EMU_ACT_N, { "InstanceId=" INST, NULL }, "InvalidAction.NotFound",
	    404 },
};

static void
test_action_errors(void)
{
	struct emu_reply r;
	size_t i;
	cJSON *d;
	int ap;

	for (i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
		d = run(NULL, err_cases[i].action, &r, &ap, err_cases[i].kv);
		CU_ASSERT_FALSE(ap);
		CU_ASSERT_EQUAL(r.status, err_cases[i].status);
		CU_ASSERT_PTR_NOT_NULL(r.code);
		if (r.code == NULL || strcmp(r.code, err_cases[i].code) != 0)
			fprintf(stderr, "row %zu: %s\n", i, buf_cstr(&r.body));
		else
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "Code")->valuestring, err_cases[i].code);
		cJSON_Delete(d);
		emu_reply_free(&r);
	}
}

static void
test_reset_and_journal(void)
{
	static const char *const t0[] = { "InstanceId=" INST,
		"GroupId=GID_billing", "Topic=payments", "Type=0", NULL };
	static const char *const t1[] = { "InstanceId=" INST,
		"GroupId=GID_billing", "Topic=payments", "Type=1",
		"ResetTimestamp=1767225600000", NULL };
	struct emu_journal *j;
	struct emu_reply r;
	struct emu_sub *s;
	char jpath[512], *text, *line2;
	cJSON *d, *l;
	int ap;

	snprintf(jpath, sizeof jpath, "%s/journal.jsonl", cu_tmpdir());
	CU_ASSERT_EQUAL_FATAL(emu_journal_open(jpath, &j, NULL), ERR_OK);
	s = emu_state_find_sub(st, INST, "GID_billing", "payments");
	CU_ASSERT_TRUE(s->backlog > 0);
	/* Type 0: everything consumed. */
	d = run(j, EMU_ACT_RESET, &r, &ap, t0);
	CU_ASSERT_TRUE(ap);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(d), 1); /* {"RequestId":...} only */
	CU_ASSERT_EQUAL(s->backlog, 0);
	CU_ASSERT_EQUAL(s->position_ms, s->topic->latest_ms);
	cJSON_Delete(d);
	emu_reply_free(&r);
	/* Type 1 to the earliest message: the whole topic is pending. */
	d = run(j, EMU_ACT_RESET, &r, &ap, t1);
	CU_ASSERT_TRUE(ap);
	CU_ASSERT_EQUAL(s->backlog, s->topic->message_count);
	CU_ASSERT_EQUAL(s->position_ms, INT64_C(1767225600000));
	cJSON_Delete(d);
	emu_journal_close(j);
	text = cu_slurp(jpath, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	line2 = strchr(text, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(line2);
	*line2++ = '\0';
	CU_ASSERT_PTR_NOT_NULL(strchr(line2, '\n'));
	CU_ASSERT_STRING_EQUAL(strchr(line2, '\n') + 1, "");
	l = cJSON_Parse(line2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(l, "request_id")->valuestring,
	    r.request_id);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(l, "type")->valueint, 1);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(l, "backlog_before")->valueint, 0);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(l, "reset_timestamp")->valuedouble,
	    1767225600000.0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(l, "reply")->valuestring,
	    "ok");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(l, "group_id")->valuestring,
	    "GID_billing");
	cJSON_Delete(l);
	l = cJSON_Parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(l, "reset_timestamp")));
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(l, "backlog_after")->valueint, 0);
	cJSON_Delete(l);
	free(text);
	emu_reply_free(&r);
}

static void
test_reconsume_later(void)
{
	static const char *const t0[] = { "InstanceId=" INST,
		"GroupId=GID_order_sync", "Topic=orders", "Type=0", NULL };
	struct emu_action_ctx ctx;
	struct emu_reply r;
	struct emu_sub *s;
	struct params p;
	size_t i;
	int64_t before;

	s = emu_state_find_sub(st, INST, "GID_order_sync", "orders");
	s->backlog = 77;
	before = s->backlog;
	params_init(&p);
	for (i = 0; t0[i] != NULL; i++) {
		char name[32];
		const char *eq = strchr(t0[i], '=');

		snprintf(name, sizeof name, "%.*s", (int)(eq - t0[i]), t0[i]);
		params_add(&p, name, eq + 1);
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.st = st;
	ctx.key_id = "k";
	ctx.reconsume_later = 1;
	emu_reply_init(&r, "h");
	CU_ASSERT_FALSE(emu_actions_run(&ctx, EMU_ACT_RESET, &p, &r));
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.code, "reconsumeLater");
	CU_ASSERT_EQUAL(s->backlog, before);
	emu_reply_free(&r);
	params_free(&p);
}

/* ack-no-effect: a success reply, nothing applied, nothing journaled;
 * the fault matches resets only. */
static void
test_ack_no_effect(void)
{
	static const char *const t1[] = { "InstanceId=" INST,
		"GroupId=GID_order_sync", "Topic=orders", "Type=0", NULL };
	struct emu_action_ctx ctx;
	struct emu_fault_decision d;
	struct emu_faults *f;
	struct emu_reply r;
	struct emu_sub *s;
	struct params p;
	struct err e;
	int64_t pos;
	size_t i;
	cJSON *doc;

	s = emu_state_find_sub(st, INST, "GID_order_sync", "orders");
	s->backlog = 55;
	pos = s->position_ms;
	params_init(&p);
	for (i = 0; t1[i] != NULL; i++) {
		char name[32];
		const char *eq = strchr(t1[i], '=');

		snprintf(name, sizeof name, "%.*s", (int)(eq - t1[i]), t1[i]);
		params_add(&p, name, eq + 1);
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.st = st;
	ctx.key_id = "k";
	ctx.ack_no_effect = 1;
	emu_reply_init(&r, "h");
	CU_ASSERT_FALSE(emu_actions_run(&ctx, EMU_ACT_RESET, &p, &r));
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NULL(r.code);
	doc = cJSON_Parse(buf_cstr(&r.body));
	CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(doc, "RequestId"));
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(doc, "Code"));
	cJSON_Delete(doc);
	CU_ASSERT_EQUAL(s->backlog, 55);
	CU_ASSERT_EQUAL(s->position_ms, pos);
	emu_reply_free(&r);
	params_free(&p);

	f = emu_faults_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(emu_faults_add(f, "ack-no-effect", &e), ERR_OK);
	emu_faults_decide(f, "OnsConsumerTimeSpan", "G", "T", -1, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_NONE);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 1, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_ACK_NO_EFFECT);
	CU_ASSERT_STRING_EQUAL(emu_fault_name(EMU_FAULT_ACK_NO_EFFECT),
	    "ack-no-effect");
	emu_faults_destroy(f);
}

static void
test_fault_parse(void)
{
	static const struct {
		const char *spec;
		int ok;
	} rows[] = {
		{ "latency:ms=50,jitter=20", 1 },
		{ "latency", 0 },
		{ "unavailable:p=0.1", 1 },
		{ "unavailable:p=1.5", 0 },
		{ "close-after:every=5,group=GID_x", 1 },
		{ "close-after:every=0", 0 },
		{ "stall-after:ms=100,max=2", 1 },
		{ "drip:ms=5", 1 },
		{ "non-json", 1 },
		{ "no-request-id:action=OnsConsumerResetOffset", 1 },
		{ "reconsume-later:topic=orders", 1 },
		{ "throttle:p=0", 1 },
		{ "internal-error:color=red", 0 },
		{ "close-before:every", 0 },
		{ "explode", 0 },
		{ "latency:ms=-5", 0 },
	};
	struct emu_faults *f;
	struct err e;
	size_t i;

	f = emu_faults_new(1);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		err_clear(&e);
		CU_ASSERT_EQUAL(emu_faults_add(f, rows[i].spec, &e) == ERR_OK,
		    rows[i].ok);
		if (!rows[i].ok)
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, rows[i].spec));
	}
	emu_faults_destroy(f);
}

/* The outcome kinds of n requests under one rule set and seed. */
static void
fault_run(const char *const *specs, uint64_t seed, int n, const char *group,
    int type, int *kinds, int64_t *delays)
{
	struct emu_fault_decision d;
	struct emu_faults *f;
	int i;

	f = emu_faults_new(seed);
	for (; *specs != NULL; specs++)
		CU_ASSERT_EQUAL(emu_faults_add(f, *specs, NULL), ERR_OK);
	for (i = 0; i < n; i++) {
		emu_faults_decide(f, "OnsConsumerResetOffset", group, "orders",
		    type, &d);
		kinds[i] = d.kind;
		if (delays != NULL)
			delays[i] = d.delay_ms;
	}
	emu_faults_destroy(f);
}

static void
test_fault_decisions(void)
{
	static const char *const every3[] = { "close-after:every=3", NULL };
	static const char *const prob[] = { "unavailable:p=0.3",
		"latency:ms=10,jitter=5", NULL };
	static const char *const maxed[] = { "internal-error:max=2", NULL };
	static const char *const grp[] = { "throttle:group=GID_a", NULL };
	static const char *const rl[] = { "reconsume-later", NULL };
	static const char *const order[] = { "drip:every=2",
		"non-json:every=1", NULL };
	int a[200], b[200], i, hits;
	int64_t da[200], db[200];

	fault_run(every3, 1, 9, "g", 0, a, NULL);
	for (i = 0; i < 9; i++)
		CU_ASSERT_EQUAL(a[i], (i + 1) % 3 == 0 ? EMU_FAULT_CLOSE_AFTER :
		    EMU_FAULT_NONE);
	/* Same seed, same decisions; another seed, other decisions. */
	fault_run(prob, 42, 200, "g", 0, a, da);
	fault_run(prob, 42, 200, "g", 0, b, db);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
	CU_ASSERT_EQUAL(memcmp(da, db, sizeof da), 0);
	for (i = hits = 0; i < 200; i++) {
		hits += a[i] == EMU_FAULT_UNAVAILABLE;
		CU_ASSERT_TRUE(da[i] >= 10 && da[i] <= 15);
	}
	CU_ASSERT_TRUE(hits > 30 && hits < 90); /* p=0.3 of 200 */
	fault_run(prob, 43, 200, "g", 0, b, NULL);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof a), 0);
	fault_run(maxed, 1, 5, "g", 0, a, NULL);
	CU_ASSERT_EQUAL(a[0], EMU_FAULT_INTERNAL_ERROR);
	CU_ASSERT_EQUAL(a[1], EMU_FAULT_INTERNAL_ERROR);
	CU_ASSERT_EQUAL(a[2], EMU_FAULT_NONE);
	fault_run(grp, 1, 2, "GID_b", 0, a, NULL);
	CU_ASSERT_EQUAL(a[0], EMU_FAULT_NONE);
	fault_run(grp, 1, 2, "GID_a", 0, a, NULL);
	CU_ASSERT_EQUAL(a[0], EMU_FAULT_THROTTLE);
	/* reconsumeLater answers Type 0 only. */
	fault_run(rl, 1, 1, "g", 1, a, NULL);
	CU_ASSERT_EQUAL(a[0], EMU_FAULT_NONE);
	fault_run(rl, 1, 1, "g", 0, a, NULL);
	CU_ASSERT_EQUAL(a[0], EMU_FAULT_RECONSUME_LATER);
	/* The first rule that fires decides. */
	fault_run(order, 1, 4, "g", 0, a, NULL);
	CU_ASSERT_EQUAL(a[0], EMU_FAULT_NON_JSON);
	CU_ASSERT_EQUAL(a[1], EMU_FAULT_DRIP);
}

static void
test_fault_summary(void)
{
	struct emu_fault_decision d;
	struct emu_faults *f;
	struct buf b;

	f = emu_faults_new(7);
	emu_faults_add(f, "close-before:every=2", NULL);
	emu_faults_decide(f, "OnsTopicList", NULL, NULL, -1, &d);
	emu_faults_decide(f, "OnsTopicList", NULL, NULL, -1, &d);
	CU_ASSERT_EQUAL(emu_faults_fired(f, EMU_FAULT_CLOSE_BEFORE), 1);
	buf_init(&b, 4096);
	CU_ASSERT_EQUAL(emu_faults_summary(f, &b), ERR_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&b), " close-before=1 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&b), "faults: latency=0 "));
	buf_free(&b);
	emu_faults_destroy(f);
}

static void
test_rehearse(void)
{
	char plan[512];
	struct emu_state *s;
	struct emu_topic *t;
	struct emu_sub *u;
	unsigned long rows;
	int64_t now = NOW_MS;
	struct err e;

	snprintf(plan, sizeof plan, "%s/plan.csv", cu_tmpdir());
	CU_ASSERT_EQUAL_FATAL(cu_write(plan,
	    "instance,group,topic,type,timestamp\n"
	    "MQ_INST_1_a,GID_a,topic_one,0,\n"
	    "MQ_INST_1_a,GID_a,topic_two,1,1795000000000\n"
	    "MQ_INST_1_a,GID_b,topic_one,1,2026-11-25T10:00:00Z\n"), 0);
	s = emu_state_new();
	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(emu_rehearse(s, plan, NULL, now, 1, &rows, &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(rows, 3);
	CU_ASSERT_EQUAL(s->ninstances, 1);
	t = emu_state_find_topic(s, "MQ_INST_1_a", "topic_two");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* 1795000000000 is older than a week before NOW: range widened. */
	CU_ASSERT_TRUE(t->earliest_ms <= INT64_C(1795000000000));
	CU_ASSERT_EQUAL(t->latest_ms, now);
	CU_ASSERT_TRUE(t->message_count >= 100000);
	u = emu_state_find_sub(s, "MQ_INST_1_a", "GID_b", "topic_one");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_TRUE(u->backlog > 0);
	emu_state_destroy(s);
	/* An invalid plan is refused. */
	CU_ASSERT_EQUAL_FATAL(cu_write(plan,
	    "group,topic,type,timestamp\nGID_a,topic_one,7,\n"), 0);
	s = emu_state_new();
	CU_ASSERT_EQUAL(emu_rehearse(s, plan, "MQ_INST_1_a", now, 1, &rows,
	    &e), ERR_PLAN);
	emu_state_destroy(s);
}

static CU_TestInfo core_tests[] = {
	{ "backlog arithmetic", test_backlog_at },
	{ "state lookups", test_state_lookups },
	{ "bad state files", test_state_bad_files },
	{ "state save/load round trip", test_state_round_trip },
	{ "read-only actions", test_read_actions },
	{ "action errors", test_action_errors },
	{ "reset semantics and journal", test_reset_and_journal },
	{ "reconsumeLater", test_reconsume_later },
	{ "ack-no-effect", test_ack_no_effect },
	{ "fault rule parsing", test_fault_parse },
	{ "fault decisions", test_fault_decisions },
	{ "fault summary", test_fault_summary },
	{ "rehearsal", test_rehearse },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "emu_core", core_setup, core_teardown, NULL, NULL, core_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_emu_core", suites);
}
