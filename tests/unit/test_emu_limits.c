/*
 * test_emu_limits.c - the emulator's defences and fidelity details that
 * need no socket to the server: duplicate objects in a state file, RAM
 * denials (Deny list, Forbidden.RAM with its AccessDeniedDetail), the
 * request log's line format, the header-receive deadline guard (on a
 * socketpair, with a fake clock) and the faults added for may-have-been-
 * applied answers and throttle hints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cu.h"
#include "emu_actions.h"
#include "emu_auth.h"
#include "emu_fault.h"
#include "emu_guard.h"
#include "emu_reply.h"
#include "emu_reqlog.h"
#include "emu_state.h"

/* A state with one instance; %s is spliced into its Instances array. */
#define INST_A "{\"InstanceId\":\"MQ_INST_A\",\"Topics\":[{\"Topic\":" \
    "\"orders\"},{\"Topic\":\"pay\"}],\"Groups\":[{\"GroupId\":\"GID_a\"," \
    "\"Subscriptions\":[{\"Topic\":\"orders\"}]}]}"

static void
test_state_duplicates(void)
{
	static const struct {
		const char *json;  /* the document */
		const char *want;  /* message part, NULL: loads */
	} rows[] = {
		{ "{\"Instances\":[" INST_A "]}", NULL },
		/* The same names in another instance are other objects. */
		{ "{\"Instances\":[" INST_A ",{\"InstanceId\":\"MQ_INST_B\","
		    "\"Topics\":[{\"Topic\":\"orders\"}],\"Groups\":[{"
		    "\"GroupId\":\"GID_a\",\"Subscriptions\":[{\"Topic\":"
		    "\"orders\"}]}]}]}", NULL },
		{ "{\"Instances\":[" INST_A ",{\"InstanceId\":\"MQ_INST_B\"},"
		    INST_A "]}",
		    "doc.json: duplicate instance MQ_INST_A (Instances[0] and "
		    "[2])" },
		{ "{\"Instances\":[{\"InstanceId\":\"MQ_INST_A\",\"Topics\":["
		    "{\"Topic\":\"orders\"},{\"Topic\":\"orders\"}]}]}",
		    "doc.json: instance MQ_INST_A: duplicate topic orders "
		    "(Topics[0] and [1])" },
		{ "{\"Instances\":[{\"InstanceId\":\"MQ_INST_A\",\"Groups\":["
		    "{\"GroupId\":\"GID_a\"},{\"GroupId\":\"GID_b\"},"
		    "{\"GroupId\":\"GID_a\"}]}]}",
		    "doc.json: instance MQ_INST_A: duplicate group GID_a "
		    "(Groups[0] and [2])" },
		{ "{\"Instances\":[{\"InstanceId\":\"MQ_INST_A\",\"Topics\":["
		    "{\"Topic\":\"orders\"}],\"Groups\":[{\"GroupId\":\"GID_a\","
		    "\"Subscriptions\":[{\"Topic\":\"orders\"},{\"Topic\":"
		    "\"orders\"}]}]}]}",
		    "doc.json: instance MQ_INST_A: group GID_a: duplicate "
		    "subscription to topic orders (Subscriptions[0] and [1])" },
		{ "{\"Credentials\":[{\"AccessKeyId\":\"K1\",\"AccessKeySecret\":"
		    "\"s\"},{\"AccessKeyId\":\"K1\",\"AccessKeySecret\":\"t\"}]}",
		    "doc.json: duplicate credential K1 (Credentials[0] and [1])" },
	};
	struct emu_state *s;
	struct err e;
	err_code rc;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = emu_state_new();
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		err_clear(&e);
		rc = emu_state_load_json(s, rows[i].json, strlen(rows[i].json),
		    "doc.json", &e);
		if (rows[i].want == NULL) {
			CU_ASSERT_EQUAL(rc, ERR_OK);
		} else {
			CU_ASSERT_EQUAL(rc, ERR_PARSE);
			if (strstr(e.msg, rows[i].want) == NULL)
				fprintf(stderr, "row %zu: want '%s', got '%s'\n",
				    i, rows[i].want, e.msg);
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, rows[i].want));
		}
		emu_state_destroy(s);
	}
	/* A second document (or a rehearsal) still merges into the first. */
	s = emu_state_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	rc = emu_state_load_json(s, "{\"Instances\":[" INST_A "]}",
	    strlen("{\"Instances\":[" INST_A "]}"), "one", &e);
	CU_ASSERT_EQUAL(rc, ERR_OK);
	rc = emu_state_load_json(s, "{\"Instances\":[" INST_A "]}",
	    strlen("{\"Instances\":[" INST_A "]}"), "two", &e);
	CU_ASSERT_EQUAL(rc, ERR_OK);
	CU_ASSERT_EQUAL(s->ninstances, 1);
	emu_state_destroy(s);
}

static const char deny_json[] =
    "{\"Owner\":\"1234567890123456\",\"Credentials\":["
    "{\"AccessKeyId\":\"LTAI5tReader\",\"AccessKeySecret\":\"r\","
    "\"Deny\":[\"OnsConsumerResetOffset\"]},"
    "{\"AccessKeyId\":\"LTAI5tAdmin\",\"AccessKeySecret\":\"a\"},"
    "{\"AccessKeyId\":\"STS.Role\",\"AccessKeySecret\":\"s\","
    "\"SecurityToken\":\"tok\",\"Deny\":[\"OnsGroupList\"]}]}";

static void
test_ram_deny(void)
{
	static const struct {
		const char *key;    /* AccessKeyId */
		int action;         /* emu_action */
		int allowed;        /* expected */
		const char *type;   /* AuthPrincipalType when denied */
	} rows[] = {
		{ "LTAI5tReader", EMU_ACT_RESET, 0, "SubUser" },
		{ "LTAI5tReader", EMU_ACT_GROUP_LIST, 1, NULL },
		{ "LTAI5tAdmin", EMU_ACT_RESET, 1, NULL },
		{ "STS.Role", EMU_ACT_GROUP_LIST, 0, "AssumedRoleUser" },
		{ "STS.Role", EMU_ACT_RESET, 1, NULL },
	};
	struct emu_state *s;
	struct emu_auth a;
	struct emu_reply r;
	struct err e;
	cJSON *root, *d;
	size_t i;
	int ok;

	s = emu_state_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(emu_state_load_json(s, deny_json,
	    strlen(deny_json), "deny", &e), ERR_OK);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&a, 0, sizeof a);
		a.cred = emu_state_find_cred(s, rows[i].key);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a.cred);
		emu_reply_init(&r, "ons.test");
		ok = emu_auth_allowed(s, &a, emu_action_name(rows[i].action),
		    emu_action_ram(rows[i].action), &r);
		CU_ASSERT_EQUAL(ok, rows[i].allowed);
		if (!ok) {
			CU_ASSERT_EQUAL(r.status, 403);
			CU_ASSERT_STRING_EQUAL(r.code, "Forbidden.RAM");
			root = cJSON_Parse(buf_cstr(&r.body));
			CU_ASSERT_PTR_NOT_NULL_FATAL(root);
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(root,
			    "Code")->valuestring, "Forbidden.RAM");
			CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(root,
			    "RequestId"));
			d = cJSON_GetObjectItem(root, "AccessDeniedDetail");
			CU_ASSERT_PTR_NOT_NULL_FATAL(d);
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "AuthAction")->valuestring,
			    emu_action_ram(rows[i].action));
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "AuthPrincipalDisplayName")->valuestring,
			    rows[i].key);
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "AuthPrincipalOwnerId")->valuestring,
			    "1234567890123456");
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "AuthPrincipalType")->valuestring, rows[i].type);
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "PolicyType")->valuestring,
			    "AccountLevelIdentityBasedPolicy");
			CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d,
			    "NoPermissionType")->valuestring, "ImplicitDeny");
			CU_ASSERT_TRUE(strlen(cJSON_GetObjectItem(d,
			    "EncodedDiagnosticMessage")->valuestring) > 16);
			cJSON_Delete(root);
		}
		emu_reply_free(&r);
	}
	CU_ASSERT_STRING_EQUAL(emu_action_ram(EMU_ACT_RESET),
	    "mq:ResetConsumerOffset");
	emu_state_destroy(s);

	/* Deny must be a list of names. */
	s = emu_state_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(emu_state_load_json(s, "{\"Credentials\":[{"
	    "\"AccessKeyId\":\"K\",\"AccessKeySecret\":\"s\",\"Deny\":"
	    "\"OnsGroupList\"}]}", 81, "bad", &e), ERR_PARSE);
	emu_state_destroy(s);
}

static void
test_reqlog_format(void)
{
	struct emu_reqlog_entry en;
	struct buf b;

	memset(&en, 0, sizeof en);
	en.t_ms = 1000;
	en.t_done_ms = 1012;
	en.action = "OnsConsumerResetOffset";
	en.status = 400;
	en.code = "Throttling.User";
	en.group = "GID_\"q\"";
	en.topic = "orders";
	en.instance = "MQ_INST_A";
	en.type = 0;
	en.hint_ms = 1500;
	en.key_id = "LTAI5tK";
	en.fault = "throttle-hint";
	en.request_id = "ABC";
	buf_init(&b, 4096);
	CU_ASSERT_EQUAL(emu_reqlog_format(&en, &b), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "{\"t_ms\":1000,\"t_done_ms\":1012,"
	    "\"action\":\"OnsConsumerResetOffset\",\"status\":400,\"code\":"
	    "\"Throttling.User\",\"group_id\":\"GID_\\\"q\\\"\",\"topic\":"
	    "\"orders\",\"instance_id\":\"MQ_INST_A\",\"type\":0,\"hint_ms\":"
	    "1500,\"key_id\":\"LTAI5tK\",\"fault\":\"throttle-hint\","
	    "\"request_id\":\"ABC\"}");
	/* Absent values: empty strings, type null. */
	memset(&en, 0, sizeof en);
	en.type = -1;
	buf_reset(&b);
	CU_ASSERT_EQUAL(emu_reqlog_format(&en, &b), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "{\"t_ms\":0,\"t_done_ms\":0,"
	    "\"action\":\"\",\"status\":0,\"code\":\"\",\"group_id\":\"\","
	    "\"topic\":\"\",\"instance_id\":\"\",\"type\":null,\"hint_ms\":0,"
	    "\"key_id\":\"\",\"fault\":\"\",\"request_id\":\"\"}");
	buf_free(&b);
}

/* 1 when the peer of sv[0] sees the end of the stream (non-blocking). */
static int
peer_shut(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static void
test_guard_deadlines(void)
{
	const int64_t s = INT64_C(1000000000);
	struct emu_guard *g;
	struct emu_guard_conn *c1, *c2, *c3;
	int a[2], b[2], d[2];
	struct err e;

	CU_ASSERT_EQUAL_FATAL(emu_guard_new(2000, 120000, &g, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, d), 0);
	/* Accepted at 10 s, 11 s, 11 s: deadlines 12 s, 13 s, 13 s. */
	c1 = emu_guard_open(g, a[0], 10 * s);
	c2 = emu_guard_open(g, b[0], 11 * s);
	c3 = emu_guard_open(g, d[0], 11 * s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c3);
	/* c2's headers arrive in time; c3 finishes a request at 12 s and
	 * waits for its next one under the idle deadline. */
	emu_guard_headers(g, c2);
	emu_guard_headers(g, c3);
	emu_guard_rearm(g, c3, 12 * s);
	CU_ASSERT_EQUAL(emu_guard_reap(g, 12 * s - 1), 0);
	CU_ASSERT_FALSE(peer_shut(a[1]));
	/* However busy it looked, c1 is cut off at its deadline. */
	CU_ASSERT_EQUAL(emu_guard_reap(g, 12 * s), 1);
	CU_ASSERT_TRUE(peer_shut(a[1]));
	CU_ASSERT_EQUAL(emu_guard_reap(g, 100 * s), 0);
	CU_ASSERT_FALSE(peer_shut(b[1]));
	CU_ASSERT_FALSE(peer_shut(d[1]));
	CU_ASSERT_EQUAL(emu_guard_reap(g, 132 * s), 1);
	CU_ASSERT_TRUE(peer_shut(d[1]));
	CU_ASSERT_EQUAL(emu_guard_reaped(g), 2);
	/* Closed connections are forgotten, reaped or not. */
	emu_guard_close(g, c1);
	emu_guard_close(g, c2);
	emu_guard_close(g, c3);
	emu_guard_close(g, NULL);
	CU_ASSERT_EQUAL(emu_guard_reap(g, 1000 * s), 0);
	emu_guard_destroy(g);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
	close(d[0]); close(d[1]);
}

static void
test_guard_thread(void)
{
	struct emu_guard *g;
	struct emu_guard_conn *c;
	struct err e;
	int sv[2], i;

	CU_ASSERT_EQUAL_FATAL(emu_guard_new(100, 120000, &g, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(emu_guard_start(g, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c = emu_guard_open(g, sv[0], clock_mono_ns());
	for (i = 0; i < 300 && !peer_shut(sv[1]); i++)
		usleep(10000);
	CU_ASSERT_TRUE(i < 300);
	CU_ASSERT_EQUAL(emu_guard_reaped(g), 1);
	emu_guard_close(g, c);
	emu_guard_destroy(g);
	close(sv[0]);
	close(sv[1]);
}

static void
test_new_faults(void)
{
	struct emu_faults *f;
	struct emu_fault_decision d;
	struct err e;

	f = emu_faults_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(emu_faults_add(f, "500-after:every=2", &e), ERR_OK);
	CU_ASSERT_EQUAL(emu_faults_add(f, "504-after:every=3", &e), ERR_OK);
	CU_ASSERT_EQUAL(emu_faults_add(f, "throttle-hint:every=5", &e),
	    ERR_OK);
	CU_ASSERT_EQUAL(emu_faults_add(f, "throttle-hint:ms=1500,every=7",
	    &e), ERR_OK);
	CU_ASSERT_EQUAL(emu_faults_add(f, "throttle-hint:ms=x", &e),
	    ERR_USAGE);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_NONE);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_500_AFTER);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_504_AFTER);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_500_AFTER);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_THROTTLE_HINT);
	CU_ASSERT_EQUAL(d.wire_ms, 1000); /* the default hint */
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	emu_faults_decide(f, "OnsConsumerResetOffset", "G", "T", 0, &d);
	CU_ASSERT_EQUAL(d.kind, EMU_FAULT_THROTTLE_HINT);
	CU_ASSERT_EQUAL(d.wire_ms, 1500);
	CU_ASSERT_STRING_EQUAL(emu_fault_name(EMU_FAULT_500_AFTER), "500-after");
	CU_ASSERT_STRING_EQUAL(emu_fault_name(EMU_FAULT_504_AFTER), "504-after");
	CU_ASSERT_STRING_EQUAL(emu_fault_name(EMU_FAULT_THROTTLE_HINT),
	    "throttle-hint");
	emu_faults_destroy(f);
}

static CU_TestInfo limits_tests[] = {
	{ "state files with duplicates are refused", test_state_duplicates },
	{ "RAM Deny answers Forbidden.RAM with detail", test_ram_deny },
	{ "request log line format", test_reqlog_format },
	{ "header deadline: total, not idle", test_guard_deadlines },
	{ "header deadline: the reaper thread", test_guard_thread },
	{ "500-after, 504-after, throttle-hint", test_new_faults },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "emu_limits", NULL, NULL, NULL, NULL, limits_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_emu_limits", suites);
}
