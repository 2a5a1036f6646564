/*
 * emu_server.h - the emulator's HTTP(S) front end on libmicrohttpd.
 *
 * Design: MHD runs its own thread pool (epoll, `threads` threads); each
 * request is handled by the pool thread that owns its connection:
 * collect the query and (POST) form body, authenticate (emu_auth),
 * check the key's RAM Deny list, check the account's QPS (emu_qps), decide
 * faults (emu_fault), run the action (emu_actions), answer, and write
 * the request log line (emu_reqlog) when the request is finished.  Delays never block a pool thread: the
 * connection is suspended and resumed by the timer thread (emu_timer),
 * so a latency fault delays only its own request.  The only shared
 * writes on the request path are the state's subscription fields (one
 * short mutex), the nonce cache shard, a QPS bucket and atomic counters.
 *
 * Slow clients: the number of connections is capped in total and per
 * client address, and a request's headers must arrive within a total
 * deadline (emu_guard), so trickling connections cannot starve others.
 *
 * Lifecycle: emu_server_start() binds and starts serving;
 * emu_server_stop() resumes any suspended connection (closing it),
 * stops the daemon and frees.  The borrowed objects in the config must
 * outlive the server.
 */
#ifndef MQR_EMU_SERVER_H
#define MQR_EMU_SERVER_H

#include <stdint.h>

#include "emu_fault.h"
#include "emu_journal.h"
#include "emu_nonce.h"
#include "emu_qps.h"
#include "emu_reqlog.h"
#include "emu_state.h"
#include "err.h"

struct emu_server_config {
	const char *listen;       /* "ADDR:PORT", "[ADDR]:PORT"; port 0
	                             picks a free one */
	const char *tls_cert_pem; /* PEM text of the certificate chain,
	                             or NULL for plain HTTP */
	const char *tls_key_pem;  /* PEM text of its private key */
	unsigned threads;         /* MHD pool threads, >= 1 */
	struct emu_state *st;     /* the world (borrowed) */
	struct emu_nonce *nonce;  /* replay cache (borrowed) */
	struct emu_faults *faults;/* fault rules (borrowed) */
	struct emu_qps *qps;      /* QPS buckets (borrowed) */
	struct emu_journal *journal; /* applied resets (borrowed, NULL ok) */
	struct emu_reqlog *reqlog;/* every request (borrowed, NULL ok) */
	struct emu_sts *sts;      /* STS and metadata service (borrowed,
	                             NULL: off; emu_sts.h) */
	int64_t throttle_hint_ms; /* x-acs-retry-after on QPS throttling
	                             replies, 0 = none */
	unsigned max_conns;       /* connections at once, all clients; 0 =
	                             EMU_SERVER_MAX_CONNS */
	unsigned max_conns_per_ip;/* connections at once per client address;
	                             0 = EMU_SERVER_MAX_CONNS_PER_IP */
	int64_t header_ms;        /* a request's headers must arrive within
	                             this many ms of the connection's start;
	                             0 = EMU_SERVER_HEADER_MS */
};

/* Defaults of the connection limits (see mqreset-emulator(1), LIMITS). */
#define EMU_SERVER_MAX_CONNS 1000
#define EMU_SERVER_MAX_CONNS_PER_IP 256
#define EMU_SERVER_HEADER_MS 10000

struct emu_server;

/* Bind and start serving.  ERR_NET / ERR_USAGE / ERR_NOMEM with detail. */
err_code
emu_server_start(const struct emu_server_config *cfg,
    struct emu_server **out, struct err *e);

/* The TCP port actually bound (useful with port 0). */
unsigned
emu_server_port(const struct emu_server *s);

/* Totals of a server's life. */
struct emu_server_stats {
	uint64_t requests; /* requests handled (answered, closed or stalled) */
	uint64_t applied;  /* resets applied */
	uint64_t reaped;   /* connections closed for sending their headers
	                      too slowly */
};

/* The totals so far (final after the daemon stopped). */
void
emu_server_stats(const struct emu_server *s, struct emu_server_stats *out);

/*
 * Stop serving, close every connection, store the final totals in *out
 * (may be NULL), free.  NULL-tolerant.
 */
void
emu_server_stop(struct emu_server *s, struct emu_server_stats *out);

#endif /* MQR_EMU_SERVER_H */
