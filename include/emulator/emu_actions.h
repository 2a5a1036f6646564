/*
 * emu_actions.h - the Ons actions the emulator serves.
 *
 *   OnsConsumerResetOffset  InstanceId, GroupId, Topic, Type (0|1),
 *                           ResetTimestamp (ms, Type 1): applies the
 *                           reset, answers {"RequestId":...}
 *   OnsGroupList            InstanceId, opt GroupId (substring), GroupType
 *   OnsTopicList            InstanceId, opt Topic (substring)
 *   OnsTopicStatus          InstanceId, Topic
 *   OnsConsumerAccumulate   InstanceId, GroupId, opt Detail=true
 *   OnsGroupSubDetail       InstanceId, GroupId (subscriptions listed
 *                           only while the group's consumers are online)
 *   OnsConsumerTimeSpan     InstanceId, GroupId, Topic: the topic's
 *                           stored range and the group's position on it
 *   OnsInstanceInServiceList  no parameters: every instance of the state
 *                           (the emulator serves one region)
 * Replies use the real API's member names and nesting (mqreset-protocol(7),
 * REPLIES): {"RequestId":..., "Data":{...}}.
 *
 * Error codes (HTTP status): MissingParameter (400), InvalidParameter
 * (400), INSTANCE_NOT_FOUND, BIZ_TOPIC_NOT_FOUND and
 * BIZ_SUBSCRIPTION_NOT_FOUND (404: the gateway's status for unknown
 * resources; the Ons code page gives no status), BIZ_FIELD_CHECK_INVALID
 * (400: ResetTimestamp outside the topic's stored messages),
 * BIZ_NO_MESSAGE (400: Type 1 on an empty topic).
 *
 * Thread-safe: the state's mutable fields are read and written under the
 * state lock, and a reset's journal line is written inside the same
 * critical section, so the journal's order is the order of application.
 */
#ifndef MQR_EMU_ACTIONS_H
#define MQR_EMU_ACTIONS_H

#include <stdint.h>

#include "emu_journal.h"
#include "emu_reply.h"
#include "emu_state.h"
#include "params.h"

enum emu_action {
	EMU_ACT_RESET = 0,      /* OnsConsumerResetOffset */
	EMU_ACT_GROUP_LIST,     /* OnsGroupList */
	EMU_ACT_TOPIC_LIST,     /* OnsTopicList */
	EMU_ACT_TOPIC_STATUS,   /* OnsTopicStatus */
	EMU_ACT_ACCUMULATE,     /* OnsConsumerAccumulate */
	EMU_ACT_GROUP_SUB,      /* OnsGroupSubDetail */
	EMU_ACT_TIME_SPAN,      /* OnsConsumerTimeSpan */
	EMU_ACT_INSTANCES,      /* OnsInstanceInServiceList */
	EMU_ACT_N
};

/* The action called `name`, or -1 (answer InvalidAction.NotFound). */
int
emu_action_find(const char *name);

/* The API name of action a. */
const char *
emu_action_name(int a);

/* The RAM action of action a ("mq:ResetConsumerOffset"). */
const char *
emu_action_ram(int a);

/* The documented per-account QPS limit of action a (mqreset-protocol(7),
 * RATE LIMITS). */
double
emu_action_default_qps(int a);

/* How one request is run. */
struct emu_action_ctx {
	struct emu_state *st;        /* the world */
	struct emu_journal *journal; /* applied resets (NULL: none) */
	const char *key_id;          /* the caller's AccessKeyId */
	size_t owner;                /* the caller's account (emu_state.h):
	                                only its instances exist for it */
	int64_t now_ms;              /* wall time, for journal and delays */
	int reconsume_later;         /* fault: answer reconsumeLater to a
	                                valid Type 0 reset, apply nothing */
	int ack_no_effect;           /* fault: answer a valid reset with
	                                success, apply and journal nothing */
	const char *after_fault;     /* fault that will withhold or garble
	                                the answer ("close-after"...), or
	                                NULL: recorded in the journal */
};

/*
 * Run action a with parameters p; fills *reply (status and body).
 * Returns 1 when a reset was applied, else 0.
 */
int
emu_actions_run(const struct emu_action_ctx *ctx, int a,
    const struct params *p, struct emu_reply *reply);

#endif /* MQR_EMU_ACTIONS_H */
