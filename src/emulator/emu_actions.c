/*
 * emu_actions.c - OnsConsumerResetOffset and the read-only Ons actions.
 * See include/emulator/emu_actions.h for parameters, replies and codes.
 *
 * Reply bodies are built with buf_printf and emu_reply_json_str (every
 * name from a request or the state is escaped); lists are written while
 * the state lock is held so one reply shows one consistent moment.
 */
#include "emu_actions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * RAM actions: mq:ResetConsumerOffset is the one the API reference names
 * for OnsConsumerResetOffset; the others follow the product's pattern
 * (OnsConsumerStatus is mq:QueryConsumerStatus) and are our reading.
 */
static const struct {
	const char *name; /* API action */
	double qps;       /* documented per-account limit */
	const char *ram;  /* RAM action a policy allows or denies */
} emu_actions_tab[EMU_ACT_N] = {
	{ "OnsConsumerResetOffset", 10, "mq:ResetConsumerOffset" },
	{ "OnsGroupList", 10, "mq:ListGroup" },
	{ "OnsTopicList", 10, "mq:ListTopic" },
	{ "OnsTopicStatus", 1, "mq:QueryTopicStatus" },
	{ "OnsConsumerAccumulate", 10, "mq:QueryConsumerAccumulate" },
	{ "OnsGroupSubDetail", 10, "mq:QueryGroupSubDetail" },
	{ "OnsConsumerTimeSpan", 10, "mq:QueryConsumerTimeSpan" },
	{ "OnsInstanceInServiceList", 50, "mq:QueryInstanceInServiceList" },
};

int
emu_action_find(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < EMU_ACT_N; i++)
		if (strcmp(emu_actions_tab[i].name, name) == 0)
			return i;
	return -1;
}

const char *
emu_action_name(int a)
{
	return a >= 0 && a < EMU_ACT_N ? emu_actions_tab[a].name : "?";
}

const char *
emu_action_ram(int a)
{
	return a >= 0 && a < EMU_ACT_N ? emu_actions_tab[a].ram : "mq:*";
}

double
emu_action_default_qps(int a)
{
	return a >= 0 && a < EMU_ACT_N ? emu_actions_tab[a].qps : 10;
}

/* Required, non-empty parameter; answers MissingParameter when absent. */
static const char *
emu_need(const struct params *p, const char *name, struct emu_reply *r)
{
	const char *v = params_get(p, name);

	if (v == NULL || v[0] == '\0') {
		emu_reply_missing(r, name);
		return NULL;
	}
	return v;
}

static void
emu_invalid(struct emu_reply *r, const char *name)
{
	emu_reply_error(r, 400, "InvalidParameter", "The specified parameter "
	    "\"%s\" is not valid.", name);
}

static struct emu_instance *
emu_need_instance(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	const char *id;

	if ((id = emu_need(p, "InstanceId", r)) == NULL)
		return NULL;
	in = emu_state_find_instance(c->st, id);
	/* Another account's instance does not exist for this caller. */
	if (in != NULL && in->owner != c->owner)
		in = NULL;
	if (in == NULL)
		emu_reply_error(r, 404, "INSTANCE_NOT_FOUND", "The instance %s "
		    "does not exist.", id);
	return in;
}

static struct emu_group *
emu_need_group(const struct emu_action_ctx *c, const struct params *p,
    const struct emu_instance *in, struct emu_reply *r)
{
	struct emu_group *g;
	const char *id;

	if ((id = emu_need(p, "GroupId", r)) == NULL)
		return NULL;
	g = emu_state_find_group(c->st, in->id, id);
	if (g == NULL)
		emu_reply_error(r, 404, "BIZ_SUBSCRIPTION_NOT_FOUND", "The "
		    "group %s does not exist in instance %s.", id, in->id);
	return g;
}

static struct emu_topic *
emu_need_topic(const struct emu_action_ctx *c, const struct params *p,
    const struct emu_instance *in, struct emu_reply *r)
{
	struct emu_topic *t;
	const char *name;

	if ((name = emu_need(p, "Topic", r)) == NULL)
		return NULL;
	t = emu_state_find_topic(c->st, in->id, name);
	if (t == NULL)
		emu_reply_error(r, 404, "BIZ_TOPIC_NOT_FOUND", "The topic %s "
		    "does not exist in instance %s.", name, in->id);
	return t;
}

/* Strict decimal integer; 0 on success. */
static int
emu_parse_ll(const char *s, long long *out)
{
	char *end;

	if (s[0] == '\0' || s[0] == '+' || s[0] == ' ')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/* {"RequestId":"...","Data": */
static err_code
emu_data_open(struct emu_reply *r)
{
	err_code rc;

	buf_reset(&r->body);
	rc = buf_puts(&r->body, "{\"RequestId\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, r->request_id);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, ",\"Data\":");
	return rc;
}

/* ,"name":"value" */
static err_code
emu_member(struct buf *b, const char *name, const char *value)
{
	err_code rc = buf_printf(b, ",\"%s\":", name);

	return rc == ERR_OK ? emu_reply_json_str(b, value) : rc;
}

static void
emu_body_failed(struct emu_reply *r, err_code rc)
{
	if (rc != ERR_OK)
		emu_reply_error(r, 500, "InternalError", "The request "
		    "processing has failed due to some unknown error.");
}

static int
emu_reset(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_journal_entry en;
	struct emu_instance *in;
	struct emu_group *g;
	struct emu_topic *t;
	struct emu_sub *s;
	const char *type_s, *ts_s;
	long long type, ts = -1;

	if ((in = emu_need_instance(c, p, r)) == NULL ||
	    (g = emu_need_group(c, p, in, r)) == NULL ||
	    (t = emu_need_topic(c, p, in, r)) == NULL ||
	    (type_s = emu_need(p, "Type", r)) == NULL)
		return 0;
	if (emu_parse_ll(type_s, &type) != 0 || (type != 0 && type != 1)) {
		emu_invalid(r, "Type");
		return 0;
	}
	if (type == 1) {
		if ((ts_s = emu_need(p, "ResetTimestamp", r)) == NULL)
			return 0;
		if (emu_parse_ll(ts_s, &ts) != 0 || ts < 0) {
			emu_invalid(r, "ResetTimestamp");
			return 0;
		}
	}
	s = emu_state_find_sub(c->st, in->id, g->group_id, t->name);
	if (s == NULL) {
		emu_reply_error(r, 404, "BIZ_SUBSCRIPTION_NOT_FOUND", "The "
		    "group %s does not subscribe to topic %s.", g->group_id,
		    t->name);
		return 0;
	}
	if (type == 1 && t->message_count == 0) {
		emu_reply_error(r, 400, "BIZ_NO_MESSAGE", "The topic %s has no "
		    "message to reset to.", t->name);
		return 0;
	}
	if (type == 1 && (ts < t->earliest_ms || ts > t->latest_ms)) {
		emu_reply_error(r, 400, "BIZ_FIELD_CHECK_INVALID", "The "
		    "ResetTimestamp %lld is outside the topic's stored messages "
		    "(%lld to %lld).", ts, (long long)t->earliest_ms,
		    (long long)t->latest_ms);
		return 0;
	}
	if (type == 0 && c->reconsume_later) {
		/* reply.h recognises the code; 200 is the hostile choice: a
		 * client that trusts the status alone is fooled. */
		emu_reply_error(r, 200, "reconsumeLater", "reconsumeLater: the "
		    "accumulated messages are not cleared because the system "
		    "is resending them to consumers.");
		return 0;
	}
	if (c->ack_no_effect) {
		/* The answer of a success, with nothing behind it: what
		 * --verify exists to catch. */
		buf_reset(&r->body);
		emu_body_failed(r, buf_printf(&r->body,
		    "{\"RequestId\":\"%s\"}", r->request_id));
		return 0;
	}
	memset(&en, 0, sizeof en);
	emu_state_lock(c->st);
	en.backlog_before = s->backlog;
	if (type == 0) {
		s->backlog = 0;
		s->position_ms = t->latest_ms;
	} else {
		s->position_ms = ts;
		s->backlog = emu_state_backlog_at(t, ts);
	}
	s->resets++;
	en.backlog_after = s->backlog;
	en.position_ms = s->position_ms;
	en.time_ms = c->now_ms;
	en.request_id = r->request_id;
	en.key_id = c->key_id;
	en.instance = in->id;
	en.group = g->group_id;
	en.topic = t->name;
	en.type = (int)type;
	en.reset_ms = ts;
	en.reply = c->after_fault != NULL ? c->after_fault : "ok";
	(void)emu_journal_write(c->journal, &en);
	emu_state_unlock(c->st);
	buf_reset(&r->body);
	emu_body_failed(r, buf_printf(&r->body, "{\"RequestId\":\"%s\"}",
	    r->request_id));
	return 1;
}

static err_code
emu_tags_empty(struct buf *b)
{
	return buf_puts(b, ",\"Tags\":{\"Tag\":[]}");
}

static void
emu_group_list(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	const char *like, *type;
	struct buf *b = &r->body;
	err_code rc;
	size_t i;
	int first = 1;

	if ((in = emu_need_instance(c, p, r)) == NULL)
		return;
	like = params_get(p, "GroupId");
	type = params_get(p, "GroupType");
	if (type != NULL && type[0] != '\0' && strcmp(type, "tcp") != 0 &&
	    strcmp(type, "http") != 0) {
		emu_invalid(r, "GroupType");
		return;
	}
	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_puts(b, "{\"SubscribeInfoDo\":[");
	for (i = 0; rc == ERR_OK && i < in->ngroups; i++) {
		const struct emu_group *g = in->groups[i];

		if (like != NULL && like[0] != '\0' &&
		    strstr(g->group_id, like) == NULL)
			continue;
		if (type != NULL && type[0] != '\0' &&
		    strcmp(type, g->group_type) != 0)
			continue;
		rc = buf_printf(b, "%s{\"Owner\":", first ? "" : ",");
		first = 0;
		if (rc == ERR_OK)
			rc = emu_reply_json_str(b, emu_state_owner(c->st,
			    c->owner));
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"UpdateTime\":%lld,"
			    "\"IndependentNaming\":true", (long long)g->create_ms);
		if (rc == ERR_OK)
			rc = emu_member(b, "GroupId", g->group_id);
		if (rc == ERR_OK)
			rc = emu_member(b, "Remark", g->remark);
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"CreateTime\":%lld",
			    (long long)g->create_ms);
		if (rc == ERR_OK)
			rc = emu_tags_empty(b);
		if (rc == ERR_OK)
			rc = emu_member(b, "InstanceId", in->id);
		if (rc == ERR_OK)
			rc = emu_member(b, "GroupType", g->group_type);
		if (rc == ERR_OK)
			rc = buf_putc(b, '}');
	}
	if (rc == ERR_OK)
		rc = buf_puts(b, "]}}");
	emu_body_failed(r, rc);
}

static void
emu_topic_list(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	struct buf *b = &r->body;
	const char *like;
	err_code rc;
	size_t i;
	int first = 1;

	if ((in = emu_need_instance(c, p, r)) == NULL)
		return;
	like = params_get(p, "Topic");
	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_puts(b, "{\"PublishInfoDo\":[");
	for (i = 0; rc == ERR_OK && i < in->ntopics; i++) {
		const struct emu_topic *t = in->topics[i];

		if (like != NULL && like[0] != '\0' &&
		    strstr(t->name, like) == NULL)
			continue;
		rc = buf_printf(b, "%s{\"Topic\":", first ? "" : ",");
		first = 0;
		if (rc == ERR_OK)
			rc = emu_reply_json_str(b, t->name);
		/* Relation 6 = publish and subscribe, as for the owner's own
		 * topics (RelationName wording unconfirmed). */
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"MessageType\":%d,\"Relation\":6,"
			    "\"RelationName\":\"Publish and subscribe\"",
			    t->message_type);
		if (rc == ERR_OK)
			rc = emu_member(b, "Owner", emu_state_owner(c->st,
			    c->owner));
		if (rc == ERR_OK)
			rc = buf_puts(b, ",\"IndependentNaming\":true");
		if (rc == ERR_OK)
			rc = emu_member(b, "Remark", t->remark);
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"CreateTime\":%lld",
			    (long long)t->create_ms);
		if (rc == ERR_OK)
			rc = emu_member(b, "InstanceId", in->id);
		if (rc == ERR_OK)
			rc = emu_tags_empty(b);
		if (rc == ERR_OK)
			rc = buf_putc(b, '}');
	}
	if (rc == ERR_OK)
		rc = buf_puts(b, "]}}");
	emu_body_failed(r, rc);
}

static void
emu_topic_status(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	struct emu_topic *t;
	err_code rc;

	if ((in = emu_need_instance(c, p, r)) == NULL ||
	    (t = emu_need_topic(c, p, in, r)) == NULL)
		return;
	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_printf(&r->body, "{\"Perm\":%d,\"LastTimeStamp\":%lld,"
		    "\"TotalCount\":%lld}}", t->perm,
		    (long long)(t->message_count > 0 ? t->latest_ms : 0),
		    (long long)t->message_count);
	emu_body_failed(r, rc);
}

/* Consumption delay of one subscription: how far behind the newest. */
static int64_t
emu_delay(const struct emu_sub *s)
{
	int64_t d = s->topic->latest_ms - s->position_ms;

	return s->backlog > 0 && d > 0 ? d : 0;
}

static void
emu_accumulate(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	struct emu_group *g;
	struct buf *b = &r->body;
	const char *detail;
	int64_t total = 0, delay = 0, last = 0;
	double tps = 0;
	err_code rc;
	size_t i;
	int want;

	if ((in = emu_need_instance(c, p, r)) == NULL ||
	    (g = emu_need_group(c, p, in, r)) == NULL)
		return;
	detail = params_get(p, "Detail");
	if (detail != NULL && strcmp(detail, "true") != 0 &&
	    strcmp(detail, "false") != 0) {
		emu_invalid(r, "Detail");
		return;
	}
	want = detail != NULL && strcmp(detail, "true") == 0;
	emu_state_lock(c->st);
	for (i = 0; i < g->nsubs; i++) {
		total += g->subs[i]->backlog;
		tps += g->subs[i]->consume_tps;
		if (emu_delay(g->subs[i]) > delay)
			delay = emu_delay(g->subs[i]);
		if (g->subs[i]->position_ms > last)
			last = g->subs[i]->position_ms;
	}
	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_printf(b, "{\"ConsumeTps\":%.2f,\"DelayTime\":%lld,"
		    "\"LastTimestamp\":%lld,\"TotalDiff\":%lld,\"Online\":%s,"
		    "\"DetailInTopicList\":{\"DetailInTopicDo\":[", tps,
		    (long long)delay, (long long)last, (long long)total,
		    g->online ? "true" : "false");
	for (i = 0; want && rc == ERR_OK && i < g->nsubs; i++) {
		const struct emu_sub *s = g->subs[i];

		rc = buf_printf(b, "%s{\"Topic\":", i > 0 ? "," : "");
		if (rc == ERR_OK)
			rc = emu_reply_json_str(b, s->topic->name);
		if (rc == ERR_OK)
			rc = buf_printf(b, ",\"TotalDiff\":%lld,\"DelayTime\":"
			    "%lld,\"LastTimestamp\":%lld}",
			    (long long)s->backlog, (long long)emu_delay(s),
			    (long long)s->position_ms);
	}
	emu_state_unlock(c->st);
	if (rc == ERR_OK)
		rc = buf_puts(b, "]}}}");
	emu_body_failed(r, rc);
}

static void
emu_group_sub(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	struct emu_group *g;
	struct buf *b = &r->body;
	err_code rc;
	size_t i;

	if ((in = emu_need_instance(c, p, r)) == NULL ||
	    (g = emu_need_group(c, p, in, r)) == NULL)
		return;
	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_puts(b, "{\"GroupId\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(b, g->group_id);
	if (rc == ERR_OK)
		rc = emu_member(b, "MessageModel", g->message_model);
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"Online\":%s,\"SubscriptionDataList\":"
		    "{\"SubscriptionDataList\":[", g->online ? "true" :
		    "false");
	/* The service lists subscriptions of online consumers only. */
	for (i = 0; g->online && rc == ERR_OK && i < g->nsubs; i++) {
		rc = buf_printf(b, "%s{\"Topic\":", i > 0 ? "," : "");
		if (rc == ERR_OK)
			rc = emu_reply_json_str(b, g->subs[i]->topic->name);
		if (rc == ERR_OK)
			rc = emu_member(b, "SubString", g->subs[i]->sub_string);
		if (rc == ERR_OK)
			rc = buf_putc(b, '}');
	}
	if (rc == ERR_OK)
		rc = buf_puts(b, "]}}}");
	emu_body_failed(r, rc);
}

/*
 * The topic's stored range (MinTimeStamp..MaxTimeStamp, the valid range
 * of a type 1 reset) and the group's position on it (ConsumeTimeStamp),
 * read under the state lock so a reset in flight is seen whole.
 */
static void
emu_time_span(const struct emu_action_ctx *c, const struct params *p,
    struct emu_reply *r)
{
	struct emu_instance *in;
	struct emu_group *g;
	struct emu_topic *t;
	struct emu_sub *s;
	int64_t pos;
	err_code rc;

	if ((in = emu_need_instance(c, p, r)) == NULL ||
	    (g = emu_need_group(c, p, in, r)) == NULL ||
	    (t = emu_need_topic(c, p, in, r)) == NULL)
		return;
	s = emu_state_find_sub(c->st, in->id, g->group_id, t->name);
	if (s == NULL) {
		emu_reply_error(r, 404, "BIZ_SUBSCRIPTION_NOT_FOUND", "The "
		    "group %s does not subscribe to topic %s.", g->group_id,
		    t->name);
		return;
	}
	emu_state_lock(c->st);
	pos = s->position_ms;
	emu_state_unlock(c->st);
	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, "{\"Topic\":");
	if (rc == ERR_OK)
		rc = emu_reply_json_str(&r->body, t->name);
	if (rc == ERR_OK)
		rc = buf_printf(&r->body, ",\"MinTimeStamp\":%lld,"
		    "\"MaxTimeStamp\":%lld,\"ConsumeTimeStamp\":%lld",
		    (long long)t->earliest_ms, (long long)t->latest_ms,
		    (long long)pos);
	if (rc == ERR_OK)
		rc = emu_member(&r->body, "InstanceId", in->id);
	if (rc == ERR_OK)
		rc = buf_puts(&r->body, "}}");
	emu_body_failed(r, rc);
}

/*
 * Every instance of the state, running (InstanceStatus 5), as the
 * service lists a region's instances in service.  InstanceType 2
 * (Enterprise Platinum) when the instance has its own namespace, which
 * every emulated instance has.
 */
static void
emu_instances(const struct emu_action_ctx *c, struct emu_reply *r)
{
	struct buf *b = &r->body;
	err_code rc;
	size_t i;
	int first = 1;

	rc = emu_data_open(r);
	if (rc == ERR_OK)
		rc = buf_puts(b, "{\"InstanceVO\":[");
	for (i = 0; rc == ERR_OK && i < c->st->ninstances; i++) {
		const struct emu_instance *in = c->st->instances[i];

		if (in->owner != c->owner)
			continue; /* another account's */
		rc = buf_printf(b, "%s{\"InstanceId\":", first ? "" : ",");
		first = 0;
		if (rc == ERR_OK)
			rc = emu_reply_json_str(b, in->id);
		if (rc == ERR_OK)
			rc = emu_member(b, "InstanceName", in->id);
		if (rc == ERR_OK)
			rc = buf_puts(b, ",\"InstanceStatus\":5,"
			    "\"InstanceType\":2,\"ReleaseTime\":0,"
			    "\"IndependentNaming\":true");
		if (rc == ERR_OK)
			rc = emu_tags_empty(b);
		if (rc == ERR_OK)
			rc = buf_putc(b, '}');
	}
	if (rc == ERR_OK)
		rc = buf_puts(b, "]}}");
	emu_body_failed(r, rc);
}

int
emu_actions_run(const struct emu_action_ctx *ctx, int a,
    const struct params *p, struct emu_reply *reply)
{
	switch (a) {
	case EMU_ACT_RESET:
		return emu_reset(ctx, p, reply);
	case EMU_ACT_GROUP_LIST:
		emu_group_list(ctx, p, reply);
		return 0;
	case EMU_ACT_TOPIC_LIST:
		emu_topic_list(ctx, p, reply);
		return 0;
	case EMU_ACT_TOPIC_STATUS:
		emu_topic_status(ctx, p, reply);
		return 0;
	case EMU_ACT_ACCUMULATE:
		emu_accumulate(ctx, p, reply);
		return 0;
	case EMU_ACT_GROUP_SUB:
		emu_group_sub(ctx, p, reply);
		return 0;
	case EMU_ACT_TIME_SPAN:
		emu_time_span(ctx, p, reply);
		return 0;
	case EMU_ACT_INSTANCES:
		emu_instances(ctx, reply);
		return 0;
	}
	emu_reply_error(reply, 404, "InvalidAction.NotFound", "Specified api "
	    "is not found, please check your url and method.");
	return 0;
}
