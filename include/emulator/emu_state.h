/*
 * emu_state.h - the emulator's world: credentials, instances, topics,
 * groups and subscriptions, loaded from and saved to a JSON state file.
 *
 * Design: the object graph is built once (state file, rehearsal) before
 * the server starts and is never reshaped while it runs: no object is
 * added or removed at run time, only the mutable fields of a subscription
 * (backlog, consumer position, reset count) change.  So lookups through
 * the hash index need no lock, and the mutable fields are guarded by one
 * mutex (emu_state_lock) held for a few hundred nanoseconds per request.
 * cJSON lives only in emu_state.c; callers see plain structs.
 *
 * Objects are allocated individually and referenced by pointer arrays, so
 * a pointer returned by a find or add function stays valid until
 * emu_state_destroy().  The file format is documented in
 * mqreset-emulator(1), section STATE FILE; samples/emulator-state.json is
 * an example.  All times are milliseconds since the Unix epoch (UTC).
 */
#ifndef MQR_EMU_STATE_H
#define MQR_EMU_STATE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* An AccessKey pair, optionally an STS token bound to it. */
struct emu_cred {
	char *key_id;      /* AccessKeyId */
	char *secret;      /* AccessKeySecret: own allocation, wiped on free */
	char *token;       /* SecurityToken required with this key, or NULL */
	int64_t expires_ms;/* token expiry (ms), 0 = never */
	int disabled;      /* 1: requests answer InvalidAccessKeyId.Inactive */
	size_t index;      /* position in emu_state.creds (rate limits) */
	char **deny;       /* API actions a RAM policy denies this key
	                      ("OnsConsumerResetOffset"), owned */
	size_t ndeny;      /* entries in deny */
	size_t owner;      /* its account: 0 the state's Owner, i > 0
	                      emu_state.owners[i - 1] (emu_state_owner()) */
};

struct emu_topic {
	char *name;            /* Topic */
	int message_type;      /* 0 normal, 1 partition order, 2 global
	                          order, 4 transactional, 5 scheduled */
	int perm;              /* 2 publish, 4 subscribe, 6 both */
	int64_t earliest_ms;   /* publish time of the oldest stored message */
	int64_t latest_ms;     /* publish time of the newest stored message */
	int64_t message_count; /* messages stored (TotalCount) */
	int64_t create_ms;     /* CreateTime */
	char *remark;          /* Remark ("" when none) */
};

/* A group's subscription to one topic: where its consumers stand. */
struct emu_sub {
	struct emu_topic *topic; /* the subscribed topic (same instance) */
	char *sub_string;        /* tag expression, "*" by default */
	int64_t backlog;         /* messages not yet consumed (TotalDiff) */
	int64_t position_ms;     /* publish time of the next message to
	                            consume; latest_ms when caught up */
	double consume_tps;      /* ConsumeTps reported by accumulate */
	int64_t resets;          /* resets applied since start (not saved) */
};

struct emu_group {
	char *group_id;        /* GroupId */
	char *group_type;      /* "tcp" or "http" */
	char *message_model;   /* "CLUSTERING" or "BROADCASTING" */
	int online;            /* consumers connected */
	int64_t create_ms;     /* CreateTime */
	char *remark;          /* Remark ("" when none) */
	struct emu_sub **subs; /* owned subscriptions */
	size_t nsubs;          /* entries in subs */
	size_t capsubs;        /* allocated entries */
};

struct emu_instance {
	char *id;                  /* InstanceId */
	struct emu_topic **topics; /* owned topics */
	size_t ntopics, captopics; /* used / allocated */
	struct emu_group **groups; /* owned groups */
	size_t ngroups, capgroups; /* used / allocated */
	size_t owner;              /* its account, as emu_cred.owner: only
	                              that account's keys see it */
};

struct emu_state_index; /* private hash index (emu_state.c) */
struct emu_sts;         /* the emulator's STS (emu_sts.h) */

struct emu_state {
	char *owner;                     /* account UID shown as Owner */
	char **owners;                   /* the other accounts' UIDs, for a
	                                    state holding several ("Owner"
	                                    of a credential or instance) */
	size_t nowners, capowners;       /* used / allocated */
	struct emu_cred **creds;         /* owned credentials */
	size_t ncreds, capcreds;         /* used / allocated */
	struct emu_instance **instances; /* owned instances */
	size_t ninstances, capinstances; /* used / allocated */
	char **faults;                   /* fault specs from the file */
	size_t nfaults, capfaults;       /* used / allocated */
	char **roles;                    /* RAM role ARNs STS may assume
	                                    ("Roles" in the file) */
	size_t nroles, caproles;         /* used / allocated */
	struct emu_sts *sts;             /* issued temporary credentials
	                                    (borrowed, NULL: none), which
	                                    emu_state_find_cred also finds */
	struct emu_state_index *index;   /* name -> object lookups */
	pthread_mutex_t lock;            /* guards emu_sub mutable fields */
};

/* A new empty state, or NULL on allocation failure. */
struct emu_state *
emu_state_new(void);

/* Free everything, wiping secrets.  NULL-tolerant. */
void
emu_state_destroy(struct emu_state *st);

/*
 * Merge the JSON document text[0..n) into st (objects with an existing
 * name, from an earlier document or rehearsal, are updated in place).
 * Within one document a credential, instance, topic or group (per
 * instance) or subscription (per group) listed twice is an error naming
 * what is duplicated.  `source` names the input in messages.
 * ERR_PARSE with the offending path in *e on a bad document; st may then
 * hold part of it.  Not thread-safe: call before the server starts.
 */
err_code
emu_state_load_json(struct emu_state *st, const char *text, size_t n,
    const char *source, struct err *e);

/* Read `path` and emu_state_load_json() it. */
err_code
emu_state_load_file(struct emu_state *st, const char *path, struct err *e);

/*
 * Write st as JSON (the format load reads) to `path` through a temporary
 * file and rename(2); mode 0600, since it holds secrets.  Takes the lock
 * for the mutable fields, so it may run while the server does.
 */
err_code
emu_state_save_file(struct emu_state *st, const char *path, struct err *e);

/*
 * Find-or-create functions for building a state (rehearsal, loader).
 * They return the object (existing or new) or NULL on ERR_NOMEM.  Not
 * thread-safe.  emu_state_add_sub() requires topic to belong to the same
 * instance as group.
 */
struct emu_instance *
emu_state_add_instance(struct emu_state *st, const char *id);

struct emu_topic *
emu_state_add_topic(struct emu_state *st, struct emu_instance *in,
    const char *name);

struct emu_group *
emu_state_add_group(struct emu_state *st, struct emu_instance *in,
    const char *group_id);

struct emu_sub *
emu_state_add_sub(struct emu_state *st, struct emu_instance *in,
    struct emu_group *g, struct emu_topic *t);

/* Add (or replace the secret of) a credential; NULL on ERR_NOMEM. */
struct emu_cred *
emu_state_add_cred(struct emu_state *st, const char *key_id,
    const char *secret);

/* Add a RAM role ARN STS may assume (copied; a repeat is ignored);
 * ERR_NOMEM on failure. */
err_code
emu_state_add_role(struct emu_state *st, const char *arn);

/* Append a fault spec string (copied); ERR_NOMEM on failure. */
err_code
emu_state_add_fault(struct emu_state *st, const char *spec);

/*
 * Lookups by name: NULL when absent.  Lock-free and thread-safe once the
 * server runs, because the graph no longer changes then.
 */
struct emu_cred *
emu_state_find_cred(const struct emu_state *st, const char *key_id);

struct emu_instance *
emu_state_find_instance(const struct emu_state *st, const char *id);

struct emu_topic *
emu_state_find_topic(const struct emu_state *st, const char *instance,
    const char *topic);

struct emu_group *
emu_state_find_group(const struct emu_state *st, const char *instance,
    const char *group_id);

struct emu_sub *
emu_state_find_sub(const struct emu_state *st, const char *instance,
    const char *group_id, const char *topic);

/*
 * Several accounts in one state: a credential or instance may name its
 * "Owner"; the others belong to the state's Owner (index 0).  Each
 * account sees only its own instances and has its own QPS quota.
 * emu_state_owner() is the UID of account i ("" when out of range);
 * emu_state_owner_find() the index of a UID, 0 for an unknown one;
 * emu_state_naccounts() 1 + the other accounts.  Lock-free once the
 * server runs.
 */
const char *
emu_state_owner(const struct emu_state *st, size_t i);

size_t
emu_state_owner_find(const struct emu_state *st, const char *uid);

size_t
emu_state_naccounts(const struct emu_state *st);

/* 1 when c's "Deny" list names `action`.  Lock-free, thread-safe. */
int
emu_state_cred_denied(const struct emu_cred *c, const char *action);

/* Guard reads and writes of emu_sub's mutable fields. */
void
emu_state_lock(struct emu_state *st);

void
emu_state_unlock(struct emu_state *st);

/*
 * The backlog left when the consumer position is `pos_ms`, assuming the
 * topic's messages are spread evenly between earliest and latest: all of
 * them before earliest, none after latest.  Pure function.
 */
int64_t
emu_state_backlog_at(const struct emu_topic *t, int64_t pos_ms);

#endif /* MQR_EMU_STATE_H */
