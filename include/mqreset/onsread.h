/*
 * onsread.h - the read-only Ons actions, typed, paced and cached: the
 * read layer of `mqreset inventory`, `mqreset plan` and the preflight.
 *
 * Design: every call goes through one client (client.h, client_call) and
 * one token bucket per action (ratelimit.h), paced at 90% of the
 * per-account quota the service documents for that action (10/s for the
 * group, topic and consumer actions, 1/s for OnsTopicStatus, 50/s for
 * OnsInstanceInServiceList: mqreset(1), inventory), so jitter
 * between our clock and the service's never crosses it.  A throttling or
 * transient answer is retried up to ONSREAD_MAX_ATTEMPTS times with the
 * project's backoff (backoff.h), honouring the service's hint; anything
 * else ends the call.  The replies are parsed here into plain structs
 * (cJSON stays in reply.c) and cached: an instance's group and topic
 * lists, a group's subscription detail and backlog, a (group, topic)'s
 * time span and a topic's status are each asked for once per
 * struct onsread, however many callers want them.
 *
 * Ownership: the results returned by onsread_*() belong to the struct
 * onsread and live until onsread_destroy().  The strings inside are
 * never NULL ("" when the reply had none).
 *
 * Thread-safety: the buckets, counters and cache are guarded by a mutex
 * (never held across a network call), so onsread_fetch() and
 * onsread_has() may be called from several threads at once, each with
 * its own client, sharing the per-action buckets: the quotas hold for
 * the account, whatever the number of threads.  The other calls use the
 * client given to onsread_new() and are for one thread at a time (not
 * while onsread_fetch() runs elsewhere); the results they point to are
 * never changed once cached.  The parse functions and the table
 * accessors are pure.
 */
#ifndef MQR_ONSREAD_H
#define MQR_ONSREAD_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "err.h"
#include "reply.h"

/* Attempts per read call (throttling and transient failures only). */
#define ONSREAD_MAX_ATTEMPTS 5
/* Share of the documented quota the buckets use. */
#define ONSREAD_QUOTA_SHARE 0.9

enum onsread_action {
	ONSREAD_INSTANCES = 0, /* OnsInstanceInServiceList */
	ONSREAD_GROUP_LIST,    /* OnsGroupList */
	ONSREAD_TOPIC_LIST,    /* OnsTopicList */
	ONSREAD_GROUP_SUB,     /* OnsGroupSubDetail */
	ONSREAD_ACCUMULATE,    /* OnsConsumerAccumulate (Detail=true) */
	ONSREAD_TIME_SPAN,     /* OnsConsumerTimeSpan */
	ONSREAD_TOPIC_STATUS,  /* OnsTopicStatus */
	ONSREAD_N
};

/* The API name of action a ("OnsGroupList"). */
const char *
onsread_action_name(enum onsread_action a);

/* The documented per-account quota of action a, calls per second. */
double
onsread_action_qps(enum onsread_action a);

/* One instance of OnsInstanceInServiceList. */
struct onsread_instance {
	char *id;    /* InstanceId */
	char *name;  /* InstanceName */
	int status;  /* InstanceStatus (5: running), -1 when absent */
	int type;    /* InstanceType (1 standard, 2 platinum), -1 absent */
};

struct onsread_instances {
	struct onsread_instance *v; /* owned */
	size_t n;                   /* entries */
};

/* One group of OnsGroupList. */
struct onsread_group {
	char *id;          /* GroupId */
	char *type;        /* GroupType: "tcp" or "http" */
	char *remark;      /* Remark */
	char *owner;       /* Owner: the account UID */
	int64_t create_ms; /* CreateTime, 0 when absent */
};

struct onsread_groups {
	struct onsread_group *v; /* owned, in the service's order */
	size_t n;                /* entries */
};

/* One topic of OnsTopicList. */
struct onsread_topic {
	char *name;        /* Topic */
	int message_type;  /* MessageType */
	char *remark;      /* Remark */
	int64_t create_ms; /* CreateTime, 0 when absent */
};

struct onsread_topics {
	struct onsread_topic *v; /* owned, in the service's order */
	size_t n;                /* entries */
};

/* OnsGroupSubDetail: the subscriptions of the consumers online. */
struct onsread_sub {
	char *topic; /* Topic */
	char *expr;  /* SubString: the tag expression */
};

struct onsread_group_sub {
	char *model;           /* MessageModel: CLUSTERING, BROADCASTING or
	                          "" (the service may omit it offline) */
	int online;            /* Online */
	struct onsread_sub *v; /* owned; empty while consumers are offline */
	size_t n;              /* entries */
};

/* OnsConsumerAccumulate with Detail=true: the backlog per topic. */
struct onsread_backlog {
	char *topic;      /* Topic */
	int64_t diff;     /* TotalDiff: messages not consumed */
	int64_t delay_ms; /* DelayTime */
	int64_t last_ms;  /* LastTimestamp: last consumed, ms */
};

struct onsread_accum {
	int online;                /* Online */
	double tps;                /* ConsumeTps */
	int64_t diff;              /* TotalDiff over every topic */
	int64_t delay_ms;          /* DelayTime */
	struct onsread_backlog *v; /* owned, one per subscribed topic */
	size_t n;                  /* entries */
};

/* OnsConsumerTimeSpan of one (group, topic). */
struct onsread_span {
	int64_t min_ms;     /* MinTimeStamp: oldest stored message */
	int64_t max_ms;     /* MaxTimeStamp: newest stored message */
	int64_t consume_ms; /* ConsumeTimeStamp: the group's position */
};

/* OnsTopicStatus. */
struct onsread_topic_status {
	int perm;        /* Perm: 2 publish, 4 subscribe, 6 both */
	int64_t last_ms; /* LastTimeStamp, 0 when the topic is empty */
	int64_t total;   /* TotalCount: messages stored */
};

struct onsread;

/*
 * A read layer over client `cl` (borrowed: it must outlive the result).
 * NULL with *e set (ERR_NOMEM) on failure.
 */
struct onsread *
onsread_new(struct client *cl, struct err *e);

/* Free it and every cached result; NULL-tolerant. */
void
onsread_destroy(struct onsread *r);

/*
 * The calls.  Each returns ERR_OK and points *out at the cached result,
 * or an error with one line in *e naming the action and the service's
 * answer: the reply's err (ERR_AUTH, ERR_NET, ERR_REMOTE for an answer
 * about this call's names...).  onsread_last_class() then says how the
 * last answer was classified (reply.h), so a caller can skip a group
 * that vanished (REPLY_FAILED_ROW) and stop on anything else.
 */
err_code
onsread_instances(struct onsread *r, const struct onsread_instances **out,
    struct err *e);

err_code
onsread_groups(struct onsread *r, const char *instance,
    const struct onsread_groups **out, struct err *e);

err_code
onsread_topics(struct onsread *r, const char *instance,
    const struct onsread_topics **out, struct err *e);

err_code
onsread_group_sub(struct onsread *r, const char *instance,
    const char *group, const struct onsread_group_sub **out, struct err *e);

err_code
onsread_accumulate(struct onsread *r, const char *instance,
    const char *group, const struct onsread_accum **out, struct err *e);

err_code
onsread_time_span(struct onsread *r, const char *instance,
    const char *group, const char *topic, const struct onsread_span **out,
    struct err *e);

err_code
onsread_topic_status(struct onsread *r, const char *instance,
    const char *topic, const struct onsread_topic_status **out,
    struct err *e);

/*
 * Uncached reads, for state that changes under us (a group's position
 * after a reset: verify.h).  Always ask, paced and retried like the
 * others; the result is copied into the caller's *out and nothing is
 * cached (an earlier cached result of the same call is left alone).
 * onsread_backlog_now() reads OnsConsumerAccumulate (Detail=true) and
 * gives the backlog of `topic` (-1 when the reply lists no such topic)
 * and whether consumers are online.
 */
err_code
onsread_time_span_now(struct onsread *r, const char *instance,
    const char *group, const char *topic, struct onsread_span *out,
    struct err *e);

err_code
onsread_backlog_now(struct onsread *r, const char *instance,
    const char *group, const char *topic, int64_t *backlog, int *online,
    struct err *e);

/*
 * Thread-safe: make the cached call (a, names) with client `cl` (the
 * caller's, used by this thread alone) unless it is cached already: the
 * names an action does not take are NULL (OnsTopicStatus: instance and
 * topic).  Paced by the shared buckets, retried as the others; *cls
 * receives the class of the last answer (REPLY_OK when cached).
 */
err_code
onsread_fetch(struct onsread *r, struct client *cl, enum onsread_action a,
    const char *instance, const char *group, const char *topic,
    enum reply_class *cls, struct err *e);

/* Thread-safe: 1 when the call (a, names) is cached, else 0. */
int
onsread_has(struct onsread *r, enum onsread_action a, const char *instance,
    const char *group, const char *topic);

/*
 * Thread-safe: the cached result of (a, names) (a const struct of the
 * action's type: onsread_group_sub for ONSREAD_GROUP_SUB...), or NULL
 * when it is not cached.  Never calls.
 */
const void *
onsread_peek(struct onsread *r, enum onsread_action a, const char *instance,
    const char *group, const char *topic);

/* The class of the last answer (REPLY_OK after a success). */
enum reply_class
onsread_last_class(const struct onsread *r);

/* Requests sent per action so far, retries included; into calls[]
 * (when no onsread_fetch() runs). */
void
onsread_calls(const struct onsread *r, uint64_t calls[ONSREAD_N]);

/* Throttling answers received per action so far; into out[]. */
void
onsread_throttled(const struct onsread *r, uint64_t out[ONSREAD_N]);

/*
 * Parsers of a successful reply's body (exposed for tests): fill *out
 * (zeroed by the caller; free with the matching _free).  ERR_PROTO with
 * a message when the body lacks the member the result needs, ERR_NOMEM.
 * OnsGroupSubDetail's list is read at SubscriptionDataList.
 * SubscriptionDataList (the API reference) or .SubscriptionDataListItem
 * (the C++ SDK's model).
 */
err_code
onsread_parse_instances(const struct reply *rp,
    struct onsread_instances *out, struct err *e);

err_code
onsread_parse_groups(const struct reply *rp, struct onsread_groups *out,
    struct err *e);

err_code
onsread_parse_topics(const struct reply *rp, struct onsread_topics *out,
    struct err *e);

err_code
onsread_parse_group_sub(const struct reply *rp,
    struct onsread_group_sub *out, struct err *e);

err_code
onsread_parse_accum(const struct reply *rp, struct onsread_accum *out,
    struct err *e);

err_code
onsread_parse_span(const struct reply *rp, struct onsread_span *out,
    struct err *e);

err_code
onsread_parse_topic_status(const struct reply *rp,
    struct onsread_topic_status *out, struct err *e);

/* Free what a parser filled (NULL-tolerant, leaves it empty). */
void
onsread_instances_free(struct onsread_instances *x);

void
onsread_groups_free(struct onsread_groups *x);

void
onsread_topics_free(struct onsread_topics *x);

void
onsread_group_sub_free(struct onsread_group_sub *x);

void
onsread_accum_free(struct onsread_accum *x);

#endif /* MQR_ONSREAD_H */
