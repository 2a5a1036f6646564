/*
 * test_onsread.c - the read layer's parsers on reply bodies shaped as the
 * API reference and the SDK models show them (both list names of
 * OnsGroupSubDetail, an offline group without a list, missing members),
 * and its action table (names and the documented quotas).
 */
#include <stdint.h>
#include <string.h>

#include "cu.h"
#include "onsread.h"

static void
parse(struct reply *r, const char *body)
{
	reply_init(r);
	reply_parse(r, 200, body, strlen(body), NULL, 1);
	CU_ASSERT_EQUAL(r->cls, REPLY_OK);
}

static void
test_group_sub(void)
{
	static const char *const bodies[] = {
		"{\"RequestId\":\"R\",\"Data\":{\"GroupId\":\"GID_a\","
		"\"MessageModel\":\"BROADCASTING\",\"Online\":true,"
		"\"SubscriptionDataList\":{\"SubscriptionDataList\":["
		"{\"Topic\":\"orders\",\"SubString\":\"TagA||TagB\"},"
		"{\"Topic\":\"pay\",\"SubString\":\"*\"}]}}}",
		"{\"RequestId\":\"R\",\"Data\":{\"GroupId\":\"GID_a\","
		"\"MessageModel\":\"BROADCASTING\",\"Online\":\"true\","
		"\"SubscriptionDataList\":{\"SubscriptionDataListItem\":["
		"{\"Topic\":\"orders\",\"SubString\":\"TagA||TagB\"},"
		"{\"Topic\":\"pay\",\"SubString\":\"*\"}]}}}",
	};
	struct onsread_group_sub gs;
	struct reply r;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		parse(&r, bodies[i]);
		memset(&gs, 0, sizeof gs);
		err_clear(&e);
		CU_ASSERT_EQUAL(onsread_parse_group_sub(&r, &gs, &e), ERR_OK);
		CU_ASSERT_STRING_EQUAL(gs.model, "BROADCASTING");
		CU_ASSERT_EQUAL(gs.online, 1);
		CU_ASSERT_EQUAL_FATAL(gs.n, 2);
		CU_ASSERT_STRING_EQUAL(gs.v[0].topic, "orders");
		CU_ASSERT_STRING_EQUAL(gs.v[0].expr, "TagA||TagB");
		CU_ASSERT_STRING_EQUAL(gs.v[1].topic, "pay");
		onsread_group_sub_free(&gs);
		reply_free(&r);
	}
	/* Offline: no list at all, no model. */
	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"GroupId\":\"GID_a\","
	    "\"Online\":false}}");
	memset(&gs, 0, sizeof gs);
	CU_ASSERT_EQUAL(onsread_parse_group_sub(&r, &gs, &e), ERR_OK);
	CU_ASSERT_EQUAL(gs.n, 0);
	CU_ASSERT_EQUAL(gs.online, 0);
	CU_ASSERT_STRING_EQUAL(gs.model, "");
	onsread_group_sub_free(&gs);
	onsread_group_sub_free(&gs);
	reply_free(&r);
}

static void
test_accum_span_status(void)
{
	struct onsread_accum ac;
	struct onsread_span sp;
	struct onsread_topic_status ts;
	struct reply r;
	struct err e;

	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"ConsumeTps\":2.5,"
	    "\"DelayTime\":900,\"LastTimestamp\":5,\"TotalDiff\":30,"
	    "\"Online\":true,\"DetailInTopicList\":{\"DetailInTopicDo\":["
	    "{\"Topic\":\"orders\",\"TotalDiff\":10,\"DelayTime\":900,"
	    "\"LastTimestamp\":1717380000123},{\"Topic\":\"pay\","
	    "\"TotalDiff\":20,\"DelayTime\":0,\"LastTimestamp\":0}]}}}");
	memset(&ac, 0, sizeof ac);
	err_clear(&e);
	CU_ASSERT_EQUAL(onsread_parse_accum(&r, &ac, &e), ERR_OK);
	CU_ASSERT_EQUAL(ac.diff, 30);
	CU_ASSERT_EQUAL(ac.online, 1);
	CU_ASSERT_DOUBLE_EQUAL(ac.tps, 2.5, 1e-9);
	CU_ASSERT_EQUAL_FATAL(ac.n, 2);
	CU_ASSERT_STRING_EQUAL(ac.v[0].topic, "orders");
	CU_ASSERT_EQUAL(ac.v[0].diff, 10);
	CU_ASSERT_EQUAL(ac.v[0].last_ms, INT64_C(1717380000123));
	CU_ASSERT_EQUAL(ac.v[1].diff, 20);
	onsread_accum_free(&ac);
	reply_free(&r);

	/* No TotalDiff: not an accumulate reply. */
	parse(&r, "{\"RequestId\":\"R\",\"Data\":{}}");
	memset(&ac, 0, sizeof ac);
	CU_ASSERT_EQUAL(onsread_parse_accum(&r, &ac, &e), ERR_PROTO);
	onsread_accum_free(&ac);
	memset(&sp, 0, sizeof sp);
	CU_ASSERT_EQUAL(onsread_parse_span(&r, &sp, &e), ERR_PROTO);
	CU_ASSERT_EQUAL(onsread_parse_topic_status(&r, &ts, &e), ERR_PROTO);
	reply_free(&r);

	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"Topic\":\"orders\","
	    "\"MinTimeStamp\":1000,\"MaxTimeStamp\":\"9000\","
	    "\"ConsumeTimeStamp\":4000,\"InstanceId\":\"I\"}}");
	CU_ASSERT_EQUAL(onsread_parse_span(&r, &sp, &e), ERR_OK);
	CU_ASSERT_EQUAL(sp.min_ms, 1000);
	CU_ASSERT_EQUAL(sp.max_ms, 9000);
	CU_ASSERT_EQUAL(sp.consume_ms, 4000);
	reply_free(&r);

	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"Perm\":4,"
	    "\"LastTimeStamp\":1570864984364,\"TotalCount\":2310}}");
	CU_ASSERT_EQUAL(onsread_parse_topic_status(&r, &ts, &e), ERR_OK);
	CU_ASSERT_EQUAL(ts.perm, 4);
	CU_ASSERT_EQUAL(ts.total, 2310);
	CU_ASSERT_EQUAL(ts.last_ms, INT64_C(1570864984364));
	reply_free(&r);
}

static void
test_lists(void)
{
	struct onsread_instances in;
	struct onsread_groups gl;
	struct onsread_topics tl;
	struct reply r;
	struct err e;

	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"InstanceVO\":["
	    "{\"InstanceId\":\"MQ_INST_1_a\",\"InstanceName\":\"prod\","
	    "\"InstanceStatus\":5,\"InstanceType\":2}]}}");
	memset(&in, 0, sizeof in);
	err_clear(&e);
	CU_ASSERT_EQUAL(onsread_parse_instances(&r, &in, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(in.n, 1);
	CU_ASSERT_STRING_EQUAL(in.v[0].id, "MQ_INST_1_a");
	CU_ASSERT_STRING_EQUAL(in.v[0].name, "prod");
	CU_ASSERT_EQUAL(in.v[0].status, 5);
	onsread_instances_free(&in);
	reply_free(&r);

	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"SubscribeInfoDo\":["
	    "{\"Owner\":\"123\",\"GroupId\":\"GID_a\",\"GroupType\":\"tcp\","
	    "\"CreateTime\":77,\"Remark\":\"r\"},{\"GroupId\":\"GID_b\"}]}}");
	memset(&gl, 0, sizeof gl);
	CU_ASSERT_EQUAL(onsread_parse_groups(&r, &gl, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(gl.n, 2);
	CU_ASSERT_STRING_EQUAL(gl.v[0].owner, "123");
	CU_ASSERT_EQUAL(gl.v[0].create_ms, 77);
	CU_ASSERT_STRING_EQUAL(gl.v[1].id, "GID_b");
	CU_ASSERT_STRING_EQUAL(gl.v[1].type, "");
	onsread_groups_free(&gl);
	reply_free(&r);

	/* A group without a name, a list that is not one. */
	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"SubscribeInfoDo\":["
	    "{\"Owner\":\"123\"}],\"PublishInfoDo\":{}}}");
	memset(&gl, 0, sizeof gl);
	CU_ASSERT_EQUAL(onsread_parse_groups(&r, &gl, &e), ERR_PROTO);
	onsread_groups_free(&gl);
	memset(&tl, 0, sizeof tl);
	CU_ASSERT_EQUAL(onsread_parse_topics(&r, &tl, &e), ERR_PROTO);
	onsread_topics_free(&tl);
	reply_free(&r);

	parse(&r, "{\"RequestId\":\"R\",\"Data\":{\"PublishInfoDo\":["
	    "{\"Topic\":\"orders\",\"MessageType\":1,\"CreateTime\":5}]}}");
	memset(&tl, 0, sizeof tl);
	CU_ASSERT_EQUAL(onsread_parse_topics(&r, &tl, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(tl.n, 1);
	CU_ASSERT_STRING_EQUAL(tl.v[0].name, "orders");
	CU_ASSERT_EQUAL(tl.v[0].message_type, 1);
	onsread_topics_free(&tl);
	reply_free(&r);
}

/* The documented per-account quotas, one row per action. */
static void
test_table(void)
{
	static const struct {
		enum onsread_action a;
		const char *name;
		double qps;
	} want[] = {
		{ ONSREAD_INSTANCES, "OnsInstanceInServiceList", 50 },
		{ ONSREAD_GROUP_LIST, "OnsGroupList", 10 },
		{ ONSREAD_TOPIC_LIST, "OnsTopicList", 10 },
		{ ONSREAD_GROUP_SUB, "OnsGroupSubDetail", 10 },
		{ ONSREAD_ACCUMULATE, "OnsConsumerAccumulate", 10 },
		{ ONSREAD_TIME_SPAN, "OnsConsumerTimeSpan", 10 },
		{ ONSREAD_TOPIC_STATUS, "OnsTopicStatus", 1 },
	};
	size_t i;

	CU_ASSERT_EQUAL(sizeof want / sizeof want[0], ONSREAD_N);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		CU_ASSERT_STRING_EQUAL(onsread_action_name(want[i].a),
		    want[i].name);
		CU_ASSERT_DOUBLE_EQUAL(onsread_action_qps(want[i].a),
		    want[i].qps, 1e-9);
	}
}

static CU_TestInfo onsread_tests[] = {
	{ "OnsGroupSubDetail: both list names, offline", test_group_sub },
	{ "accumulate, time span, topic status", test_accum_span_status },
	{ "instance, group and topic lists", test_lists },
	{ "actions and quotas", test_table },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "onsread", NULL, NULL, NULL, NULL, onsread_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_onsread", suites);
}
