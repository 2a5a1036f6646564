/*
 * inventory.h - what an instance's consumer groups read and where they
 * stand, gathered through the read layer (onsread.h), for `mqreset
 * inventory` and `mqreset plan`.
 *
 * Design: one subscription is one (group, topic) pair.  The groups come
 * from OnsGroupList (filtered by a shell glob, fnmatch(3)); a group's
 * topics are those OnsConsumerAccumulate lists with a backlog, plus those
 * OnsGroupSubDetail lists for its online consumers (a group whose
 * consumers are offline has no subscription detail, but its backlog per
 * topic is still kept by the service); its position on each topic is
 * OnsConsumerTimeSpan's ConsumeTimeStamp.  Rows are sorted by group, then
 * topic (strcmp), so every output is stable.
 *
 * The connection (credentials, endpoint, client) is built as for `run`
 * and `reset`: the same sources, the same client_endpoint() resolution.
 *
 * Ownership: an inventory's strings point into the struct onsread that
 * filled it (its cache) and into itself: free the inventory first, then
 * the onsread.  Not thread-safe; one thread.
 */
#ifndef MQR_INVENTORY_H
#define MQR_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "creds.h"
#include "err.h"
#include "onsread.h"

/* One (group, topic) subscription. */
struct inventory_row {
	const char *instance;   /* InstanceId */
	const struct onsread_group *group; /* the group's OnsGroupList entry */
	const char *topic;      /* Topic */
	const char *model;      /* MessageModel, "" when not reported */
	int online;             /* consumers online */
	const char *expr;       /* SubString, NULL when unknown (offline) */
	int64_t position_ms;    /* ConsumeTimeStamp, -1 when unknown */
	int64_t min_ms, max_ms; /* the topic's stored range, -1 unknown */
	int64_t backlog;        /* TotalDiff of this topic */
	int64_t delay_ms;       /* DelayTime of this topic */
	double tps;             /* the group's ConsumeTps (whole group) */
};

struct inventory {
	struct inventory_row *v; /* owned, sorted by group then topic */
	size_t n, cap;           /* used / allocated */
	unsigned long skipped;   /* groups skipped: gone while we looked */
};

/* What to gather. */
struct inventory_select {
	const char *instance;    /* InstanceId (required) */
	const char *group_glob;  /* fnmatch pattern of GroupId, NULL: all */
	const char *topic_glob;  /* fnmatch pattern of Topic, NULL: all */
	int positions;           /* 1: ask OnsConsumerTimeSpan per row */
	int progress;            /* 1: a progress line on a terminal */
};

/*
 * Gather the subscriptions `sel` picks into *inv (zeroed by the caller).
 * A group that vanished meanwhile (the service answers that it does not
 * exist) is skipped with a warning and counted; any other failure stops
 * with its error in *e (ERR_AUTH, ERR_NET, ERR_REMOTE...).
 */
err_code
inventory_collect(struct onsread *r, const struct inventory_select *sel,
    struct inventory *inv, struct err *e);

/* Free the rows; NULL-tolerant, leaves an empty inventory. */
void
inventory_free(struct inventory *inv);

/* A connected read layer: what inventory_connect() builds. */
struct inventory_link {
	struct creds *creds;            /* owned */
	struct client *client;          /* owned */
	struct onsread *reader;         /* owned */
	int inited;                     /* client_global_init() done */
	char endpoint[CLIENT_URL_MAX];  /* the resolved endpoint */
};

/*
 * Load credentials, resolve the endpoint and open the client and read
 * layer into *l (zeroed by the caller) for command `cmd` (messages), from
 * the connection options every API command shares (cmd.h).  Returns an
 * exit status: 0, 2 (ERR_USAGE: endpoint or region), 3.
 */
int
inventory_connect(const char *cmd, const struct cmd_conn *c, int debug,
    struct inventory_link *l);

/* Undo inventory_connect(); NULL-tolerant, safe after a failure. */
void
inventory_disconnect(struct inventory_link *l);

/*
 * Write b's content to `path` (NULL or "-": standard output), through a
 * temporary file and rename(2); never through a link.  ERR_IO/ERR_USAGE
 * with a message.
 */
err_code
inventory_write(const char *path, const struct buf *b, struct err *e);

/*
 * Before anything is asked of the service: the output (NULL or "-" is
 * standard output) and the --summary-json file (NULL: none) may be
 * written (fsutil_check_target: no link, a regular file).  ERR_USAGE /
 * ERR_IO with the detail in *e.
 */
err_code
inventory_check_outputs(const char *output, const char *summary_json,
    struct err *e);

/*
 * Write {"command":..., "instance":..., "rows":N, "calls":{"Action":n,
 * ...}, "throttled":{...}} to path, as --summary-json.  ERR_IO.
 */
err_code
inventory_summary_json(const char *path, const char *cmd,
    const char *instance, size_t rows, const struct onsread *r,
    struct err *e);

/* Append s to b as a JSON string (quotes and escapes). */
err_code
inventory_json_str(struct buf *b, const char *s);

#endif /* MQR_INVENTORY_H */
