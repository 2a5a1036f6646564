/*
 * emu_server.c - libmicrohttpd front end of the emulator.
 * See include/emulator/emu_server.h for the design.
 *
 * A request's context (struct emu_call) is created by MHD's URI log
 * callback, which sees the raw URI with its query string (so the query is
 * decoded by params_parse_form, the same decoder as the client's, rather
 * than by MHD's own), and freed by the completion callback.  It moves
 * through phases:
 *   RECV      collecting the body; on its end, authenticate, rate-limit
 *             and decide the faults
 *   DELAYED   suspended for a latency fault; resumed by the timer
 *   STALLED   suspended after applying (stall-after); on resume, closed
 *   ANSWERED  a response is queued (a drip response suspends itself
 *             between bytes)
 * Returning MHD_NO from the access handler makes MHD close the
 * connection without an answer: the close-before/close-after faults.
 *
 * Every connection is registered with the header deadline guard
 * (emu_guard) from MHD's connection notifications; the handler's first
 * call for a request (headers complete) takes it off the watch, and the
 * completion callback, which also writes the request log line, puts it
 * back for the next request of a kept-alive connection.
 */
#include "emu_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "buf.h"
#include "clock.h"
#include "emu_actions.h"
#include "emu_auth.h"
#include "emu_guard.h"
#include "emu_reply.h"
#include "emu_request.h"
#include "emu_sts.h"
#include "emu_timer.h"

/* Largest request body accepted (the service's limit is far larger than
 * any RPC form needs). */
#define EMU_BODY_MAX (1u << 20)
/* Idle keep-alive connections are dropped after this many seconds. */
#define EMU_IDLE_TIMEOUT_S 120

struct emu_server {
	struct emu_server_config cfg; /* copy; pointees borrowed */
	struct MHD_Daemon *daemon;    /* the HTTP daemon */
	struct emu_timer *timer;      /* resumes suspended connections */
	struct emu_guard *guard;      /* header-receive deadlines */
	unsigned port;                /* bound port */
	char host_id[64];             /* HostId in error replies */
	atomic_int stopping;          /* emu_server_stop() has begun */
	atomic_uint_fast64_t requests; /* requests handled */
	atomic_uint_fast64_t applied;  /* resets applied */
};

enum emu_phase {
	EMU_PH_RECV = 0,
	EMU_PH_DELAYED,
	EMU_PH_STALLED,
	EMU_PH_ANSWERED
};

struct emu_call {
	struct emu_server *srv;        /* the server */
	struct MHD_Connection *conn;   /* its connection */
	enum emu_phase phase;          /* see the file comment */
	int started;                   /* the handler has seen the headers */
	char *uri;                     /* raw request URI (owned) */
	struct buf body;               /* request body */
	int body_too_big;              /* body passed EMU_BODY_MAX */
	struct emu_request req;        /* parsed request */
	struct emu_reply reply;        /* the answer being built */
	struct emu_auth auth;          /* who is calling, which action */
	int action;                    /* emu_action, or -1 */
	struct emu_fault_decision fault; /* faults for this request */
	int64_t drip_next_ns;          /* drip: when the next byte may go */
	int64_t t_ms;                  /* wall ms when the request line came */
	unsigned sent_status;          /* HTTP status queued, 0 = none */
	int64_t hint_ms;               /* x-acs-retry-after to send, 0 = none */
};

/* ---- request context -------------------------------------------------- */

static void *
emu_call_new(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct emu_call *c;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->srv = cls;
	c->conn = conn;
	c->uri = strdup(uri != NULL ? uri : "/");
	buf_init(&c->body, EMU_BODY_MAX);
	params_init(&c->req.query);
	params_init(&c->req.params);
	params_init(&c->req.headers);
	emu_reply_init(&c->reply, c->srv->host_id);
	c->action = -1;
	c->fault.kind = EMU_FAULT_NONE;
	c->t_ms = clock_wall_ms();
	return c;
}

static void
emu_call_free(struct emu_call *c)
{
	if (c == NULL)
		return;
	free(c->uri);
	buf_free(&c->body);
	params_free(&c->req.query);
	params_free(&c->req.params);
	params_free(&c->req.headers);
	emu_reply_free(&c->reply);
	free(c);
}

/* The Action a request named, authenticated or not. */
static const char *
emu_call_action(const struct emu_call *c)
{
	const char *a = c->auth.action;

	if (a == NULL)
		a = params_get(&c->req.params, "Action");
	if (a == NULL)
		a = params_get_ci(&c->req.headers, "x-acs-action");
	return a;
}

/* One request log line for a request whose headers arrived. */
static void
emu_call_log(const struct emu_call *c)
{
	struct emu_reqlog_entry en;
	const char *ts;

	memset(&en, 0, sizeof en);
	en.t_ms = c->t_ms;
	en.t_done_ms = clock_wall_ms();
	en.action = emu_call_action(c);
	en.status = c->sent_status;
	if (c->sent_status != 0)
		en.code = c->reply.code;
	en.group = params_get(&c->req.params, "GroupId");
	en.topic = params_get(&c->req.params, "Topic");
	en.instance = params_get(&c->req.params, "InstanceId");
	ts = params_get(&c->req.params, "Type");
	en.type = ts != NULL && (strcmp(ts, "0") == 0 ||
	    strcmp(ts, "1") == 0) ? ts[0] - '0' : -1;
	en.hint_ms = c->sent_status != 0 ? c->hint_ms : 0;
	en.key_id = c->auth.cred != NULL ? c->auth.cred->key_id :
	    params_get(&c->req.params, "AccessKeyId");
	en.fault = c->fault.kind != EMU_FAULT_NONE ?
	    emu_fault_name(c->fault.kind) : NULL;
	if (c->sent_status != 0 && c->fault.kind != EMU_FAULT_NON_JSON &&
	    c->fault.kind != EMU_FAULT_NO_REQUEST_ID &&
	    c->fault.kind != EMU_FAULT_504_AFTER)
		en.request_id = c->reply.request_id;
	(void)emu_reqlog_write(c->srv->cfg.reqlog, &en);
}

static void
emu_call_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct emu_server *s = cls;
	struct emu_call *c = *con_cls;
	const union MHD_ConnectionInfo *ci;

	if (c != NULL && c->started)
		emu_call_log(c);
	/* A kept-alive connection waits for its next request's headers. */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && conn != NULL) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		if (ci != NULL)
			emu_guard_rearm(s->guard, ci->socket_context,
			    clock_mono_ns());
	}
	emu_call_free(c);
	*con_cls = NULL;
}

/* Connection opened / closed: watch it for the header deadline. */
static void
emu_conn_notify(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct emu_server *s = cls;
	const union MHD_ConnectionInfo *ci;

	switch (toe) {
	case MHD_CONNECTION_NOTIFY_STARTED:
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci != NULL ? emu_guard_open(s->guard,
		    ci->connect_fd, clock_mono_ns()) : NULL;
		break;
	case MHD_CONNECTION_NOTIFY_CLOSED:
		emu_guard_close(s->guard, *socket_context);
		*socket_context = NULL;
		break;
	}
}

static enum MHD_Result
emu_header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct params *h = cls;

	(void)kind;
	return params_add(h, key, value != NULL ? value : "") == ERR_OK ?
	    MHD_YES : MHD_NO;
}

/*
 * Fill c->req from the connection.  Returns 1, or 0 after making
 * c->reply an error answer.
 */
static int
emu_call_parse(struct emu_call *c, const char *method)
{
	struct emu_request *rq = &c->req;
	const char *q, *ct, *path_end;
	struct err e;
	size_t i;

	rq->method = method;
	MHD_get_connection_values(c->conn, MHD_HEADER_KIND, emu_header_cb,
	    &rq->headers);
	rq->host = params_get_ci(&rq->headers, "Host");
	if (rq->host == NULL)
		rq->host = "";
	rq->body = c->body.data;
	rq->body_len = c->body.len;
	if (c->uri == NULL || c->body_too_big) {
		emu_reply_error(&c->reply, c->uri == NULL ? 500 : 413,
		    c->uri == NULL ? "InternalError" : "InvalidParameter",
		    "The request could not be read.");
		return 0;
	}
	/* The metadata service's paths (--metadata) have their own rules
	 * (emu_sts.c). */
	if (emu_sts_is_metadata(c->srv->cfg.sts, c->uri))
		return 1;
	/* RPC calls are GET or POST; anything else is refused before
	 * authentication (the status and code are our choice: the sources
	 * document none for the Ons endpoint). */
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
		emu_reply_error(&c->reply, 405, "MethodNotAllowed",
		    "The HTTP method %.16s is not allowed; use GET or POST.",
		    method);
		return 0;
	}
	q = strchr(c->uri, '?');
	path_end = q != NULL ? q : c->uri + strlen(c->uri);
	/* RPC APIs live at "/" only. */
	if (path_end - c->uri != 1 || c->uri[0] != '/') {
		emu_reply_error(&c->reply, 404, "InvalidAction.NotFound",
		    "Specified api is not found, please check your url and "
		    "method.");
		return 0;
	}
	err_clear(&e);
	if (q != NULL && params_parse_form(&rq->query, q + 1, strlen(q + 1),
	    &e) != ERR_OK) {
		emu_reply_error(&c->reply, 400, "InvalidParameter",
		    "The query string is malformed: %s.", e.msg);
		return 0;
	}
	for (i = 0; i < rq->query.n; i++)
		if (params_add(&rq->params, rq->query.items[i].name,
		    rq->query.items[i].value) != ERR_OK)
			break;
	ct = params_get_ci(&rq->headers, "Content-Type");
	if (i == rq->query.n && c->body.len > 0 && ct != NULL &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	    params_parse_form(&rq->params, c->body.data, c->body.len, &e) !=
	    ERR_OK) {
		emu_reply_error(&c->reply, 400, "InvalidParameter",
		    "The form body is malformed: %s.", e.msg);
		return 0;
	}
	return 1;
}

/* ---- the request path ------------------------------------------------- */

static void
emu_resume_cb(void *arg)
{
	struct emu_call *c = arg;

	MHD_resume_connection(c->conn);
}

/* Suspend c for ms milliseconds (the timer resumes it). */
static void
emu_call_suspend(struct emu_call *c, int64_t ms)
{
	MHD_suspend_connection(c->conn);
	(void)emu_timer_add(c->srv->timer, clock_mono_ns() + ms * 1000000,
	    emu_resume_cb, c);
}

/*
 * Everything before the action: parse, authenticate, QPS, faults.
 * Returns 1 when the action should run (c->fault says how), 0 when
 * c->reply already holds the answer.
 */
static int
emu_call_admit(struct emu_call *c, const char *method)
{
	struct emu_server *s = c->srv;
	const char *type_s;
	int type = -1;

	if (!emu_call_parse(c, method))
		return 0;
	/* STS actions and metadata paths (--sts, --metadata). */
	if (emu_sts_handle(s->cfg.sts, s->cfg.st, c->uri, &c->req,
	    clock_wall_ms(), &c->reply))
		return 0;
	if (!emu_auth_check(s->cfg.st, s->cfg.nonce, &c->req,
	    clock_wall_ms(), &c->auth, &c->reply))
		return 0;
	c->action = emu_action_find(c->auth.action);
	if (c->action < 0) {
		emu_reply_error(&c->reply, 404, "InvalidAction.NotFound",
		    "Specified api is not found, please check your url and "
		    "method.");
		return 0;
	}
	if (!emu_auth_allowed(s->cfg.st, &c->auth, c->auth.action,
	    emu_action_ram(c->action), &c->reply))
		return 0;
	/* The quota is per account: one limiter per (account, action). */
	if (!emu_qps_take(s->cfg.qps, c->auth.cred->owner * EMU_ACT_N +
	    (size_t)c->action, clock_mono_ns())) {
		emu_reply_error(&c->reply, 400, "Throttling.User",
		    "Request was denied due to user flow control.");
		c->hint_ms = s->cfg.throttle_hint_ms;
		return 0;
	}
	type_s = params_get(&c->req.params, "Type");
	if (type_s != NULL && (strcmp(type_s, "0") == 0 ||
	    strcmp(type_s, "1") == 0))
		type = type_s[0] - '0';
	emu_faults_decide(s->cfg.faults, emu_action_name(c->action),
	    params_get(&c->req.params, "GroupId"),
	    params_get(&c->req.params, "Topic"), type, &c->fault);
	return 1;
}

/* The HTML a misbehaving proxy sends instead of the API's JSON. */
static const char emu_html[] =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine"
    "</center>\r\n</body>\r\n</html>\r\n";

/* The page of a gateway that gave up waiting for the backend. */
static const char emu_html_504[] =
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n"
    "<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr>"
    "<center>Tengine</center>\r\n</body>\r\n</html>\r\n";

/*
 * Run the outcome chosen by the faults and the action.  Returns the
 * wire behaviour; c->reply holds the answer for EMU_WIRE_ANSWER/DRIP.
 */
static enum emu_wire
emu_call_run(struct emu_call *c)
{
	struct emu_action_ctx ax;
	enum emu_fault_kind k = c->fault.kind;
	struct emu_reply *r = &c->reply;

	switch (k) {
	case EMU_FAULT_INTERNAL_ERROR:
		emu_reply_error(r, 500, "InternalError", "The request "
		    "processing has failed due to some unknown error.");
		return EMU_WIRE_ANSWER;
	case EMU_FAULT_UNAVAILABLE:
		emu_reply_error(r, 503, "ServiceUnavailable", "The request "
		    "has failed due to a temporary failure of the server.");
		return EMU_WIRE_ANSWER;
	case EMU_FAULT_THROTTLE:
	case EMU_FAULT_THROTTLE_HINT:
		emu_reply_error(r, 400, "Throttling.User", "Request was "
		    "denied due to user flow control.");
		if (k == EMU_FAULT_THROTTLE_HINT)
			c->hint_ms = c->fault.wire_ms;
		return EMU_WIRE_ANSWER;
	case EMU_FAULT_CLOSE_BEFORE:
		return EMU_WIRE_CLOSE;
	case EMU_FAULT_NON_JSON:
		r->status = 200;
		r->content_type = "text/html";
		buf_reset(&r->body);
		(void)buf_puts(&r->body, emu_html);
		return EMU_WIRE_ANSWER;
	default:
		break;
	}
	memset(&ax, 0, sizeof ax);
	ax.st = c->srv->cfg.st;
	ax.journal = c->srv->cfg.journal;
	ax.key_id = c->auth.cred->key_id;
	ax.owner = c->auth.cred->owner;
	ax.now_ms = clock_wall_ms();
	ax.reconsume_later = k == EMU_FAULT_RECONSUME_LATER;
	ax.ack_no_effect = k == EMU_FAULT_ACK_NO_EFFECT;
	if (k == EMU_FAULT_CLOSE_AFTER || k == EMU_FAULT_STALL_AFTER ||
	    k == EMU_FAULT_DRIP || k == EMU_FAULT_NO_REQUEST_ID ||
	    k == EMU_FAULT_500_AFTER || k == EMU_FAULT_504_AFTER)
		ax.after_fault = emu_fault_name(k);
	if (emu_actions_run(&ax, c->action, &c->req.params, r))
		atomic_fetch_add(&c->srv->applied, 1);
	switch (k) {
	case EMU_FAULT_CLOSE_AFTER:
		return EMU_WIRE_CLOSE;
	case EMU_FAULT_STALL_AFTER:
		return EMU_WIRE_STALL;
	case EMU_FAULT_DRIP:
		return EMU_WIRE_DRIP;
	case EMU_FAULT_NO_REQUEST_ID:
		if (r->status == 200) {
			buf_reset(&r->body);
			(void)buf_puts(&r->body, "{}");
		}
		return EMU_WIRE_ANSWER;
	case EMU_FAULT_500_AFTER:
		/* Whatever the backend answered, the gateway lost it. */
		emu_reply_error(r, 500, "InternalError", "The request "
		    "processing has failed due to some unknown error.");
		return EMU_WIRE_ANSWER;
	case EMU_FAULT_504_AFTER:
		r->status = 504;
		r->code = NULL;
		r->content_type = "text/html";
		buf_reset(&r->body);
		(void)buf_puts(&r->body, emu_html_504);
		return EMU_WIRE_ANSWER;
	default:
		return EMU_WIRE_ANSWER;
	}
}

/* Drip: hand out one byte per c->fault.wire_ms, suspending in between. */
static ssize_t
emu_drip_cb(void *cls, uint64_t pos, char *out, size_t max)
{
	struct emu_call *c = cls;
	int64_t now;

	if (pos >= c->reply.body.len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max == 0)
		return 0;
	now = clock_mono_ns();
	if (now < c->drip_next_ns && !atomic_load(&c->srv->stopping)) {
		emu_call_suspend(c, (c->drip_next_ns - now + 999999) / 1000000);
		return 0;
	}
	out[0] = c->reply.body.data[pos];
	c->drip_next_ns = now + c->fault.wire_ms * 1000000;
	return 1;
}

static enum MHD_Result
emu_call_answer(struct emu_call *c, enum emu_wire wire)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	c->phase = EMU_PH_ANSWERED;
	if (wire == EMU_WIRE_DRIP) {
		c->drip_next_ns = clock_mono_ns();
		resp = MHD_create_response_from_callback(c->reply.body.len, 1,
		    emu_drip_cb, c, NULL);
	} else
		resp = MHD_create_response_from_buffer(c->reply.body.len,
		    c->reply.body.data, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type",
	    c->reply.content_type);
	/* A proxy's HTML page carries no RequestId: the API never saw it,
	 * or its answer was lost behind the proxy. */
	if (c->fault.kind != EMU_FAULT_NON_JSON &&
	    c->fault.kind != EMU_FAULT_NO_REQUEST_ID &&
	    c->fault.kind != EMU_FAULT_504_AFTER)
		(void)MHD_add_response_header(resp, "x-acs-request-id",
		    c->reply.request_id);
	if (c->hint_ms > 0) {
		char hint[24];

		snprintf(hint, sizeof hint, "%lld", (long long)c->hint_ms);
		(void)MHD_add_response_header(resp, "x-acs-retry-after", hint);
	}
	ret = MHD_queue_response(c->conn, c->reply.status, resp);
	if (ret == MHD_YES)
		c->sent_status = c->reply.status;
	MHD_destroy_response(resp);
	return ret;
}

/* Run the action and deliver its outcome. */
static enum MHD_Result
emu_call_finish(struct emu_call *c)
{
	enum emu_wire wire = emu_call_run(c);

	switch (wire) {
	case EMU_WIRE_CLOSE:
		c->phase = EMU_PH_ANSWERED;
		return MHD_NO;
	case EMU_WIRE_STALL:
		if (atomic_load(&c->srv->stopping))
			return MHD_NO;
		c->phase = EMU_PH_STALLED;
		emu_call_suspend(c, c->fault.wire_ms);
		return MHD_YES;
	case EMU_WIRE_ANSWER:
	case EMU_WIRE_DRIP:
		break;
	}
	return emu_call_answer(c, wire);
}

static enum MHD_Result
emu_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct emu_server *s = cls;
	struct emu_call *c = *con_cls;

	(void)url;
	(void)version;
	if (c == NULL)
		return MHD_NO; /* out of memory in emu_call_new */
	c->conn = conn;
	if (!c->started) {
		const union MHD_ConnectionInfo *ci;

		/* Headers only: ask for the body (sends 100 Continue).  The
		 * headers arrived in time: the deadline is met. */
		c->started = 1;
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		if (ci != NULL)
			emu_guard_headers(s->guard, ci->socket_context);
		return MHD_YES;
	}
	switch (c->phase) {
	case EMU_PH_RECV:
		if (*upload_data_size != 0) {
			if (buf_append(&c->body, upload_data,
			    *upload_data_size) != ERR_OK)
				c->body_too_big = 1;
			*upload_data_size = 0;
			return MHD_YES;
		}
		atomic_fetch_add(&s->requests, 1);
		if (!emu_call_admit(c, method))
			return emu_call_answer(c, EMU_WIRE_ANSWER);
		if (c->fault.delay_ms > 0 && !atomic_load(&s->stopping)) {
			c->phase = EMU_PH_DELAYED;
			emu_call_suspend(c, c->fault.delay_ms);
			return MHD_YES;
		}
		return emu_call_finish(c);
	case EMU_PH_DELAYED:
		if (atomic_load(&s->stopping))
			return MHD_NO;
		return emu_call_finish(c);
	case EMU_PH_STALLED:
		return MHD_NO; /* the stall is over: hang up */
	case EMU_PH_ANSWERED:
		break;
	}
	return MHD_YES;
}

/* ---- start and stop --------------------------------------------------- */

/* Parse "ADDR:PORT" / "[ADDR]:PORT" into *ss; 0 on success. */
static int
emu_parse_listen(const char *listen, struct sockaddr_storage *ss,
    int *v6, struct err *e)
{
	char host[256];
	const char *colon, *h, *port_s;
	struct addrinfo hints, *res = NULL;
	size_t hl;
	char *end;
	long port;

	colon = strrchr(listen, ':');
	if (colon == NULL)
		return err_set(e, ERR_USAGE, "--listen %s: expected ADDR:PORT",
		    listen), -1;
	h = listen;
	hl = (size_t)(colon - listen);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	port_s = colon + 1;
	port = strtol(port_s, &end, 10);
	if (hl == 0 || hl >= sizeof host || *port_s == '\0' || *end != '\0' ||
	    port < 0 || port > 65535)
		return err_set(e, ERR_USAGE, "--listen %s: expected ADDR:PORT "
		    "with a port from 0 to 65535", listen), -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port_s, &hints, &res) != 0 || res == NULL)
		return err_set(e, ERR_USAGE, "--listen %s: cannot resolve %s",
		    listen, host), -1;
	memset(ss, 0, sizeof *ss);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

err_code
emu_server_start(const struct emu_server_config *cfg,
    struct emu_server **out, struct err *e)
{
	struct emu_server *s;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	int v6 = 0;
	err_code rc;

	*out = NULL;
	if (emu_parse_listen(cfg->listen, &ss, &v6, e) != 0)
		return ERR_USAGE;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->cfg = *cfg;
	if (s->cfg.threads < 1)
		s->cfg.threads = 1;
	atomic_init(&s->stopping, 0);
	atomic_init(&s->requests, 0);
	atomic_init(&s->applied, 0);
	/* What the service puts in HostId: its endpoint's host name. */
	snprintf(s->host_id, sizeof s->host_id, "ons.cn-hangzhou.aliyuncs.com");
	if (s->cfg.max_conns == 0)
		s->cfg.max_conns = EMU_SERVER_MAX_CONNS;
	if (s->cfg.max_conns_per_ip == 0)
		s->cfg.max_conns_per_ip = EMU_SERVER_MAX_CONNS_PER_IP;
	if (s->cfg.header_ms <= 0)
		s->cfg.header_ms = EMU_SERVER_HEADER_MS;
	/* MHD shares the total among its pool threads; each needs one. */
	if (s->cfg.max_conns < s->cfg.threads)
		s->cfg.max_conns = s->cfg.threads;
	rc = emu_guard_new(s->cfg.header_ms, (int64_t)EMU_IDLE_TIMEOUT_S *
	    1000, &s->guard, e);
	if (rc == ERR_OK)
		rc = emu_guard_start(s->guard, e);
	if (rc == ERR_OK)
		rc = emu_timer_start(&s->timer, e);
	if (rc != ERR_OK) {
		emu_guard_destroy(s->guard);
		free(s);
		return rc;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_cert_pem != NULL)
		flags |= MHD_USE_TLS;
	/* The TLS options come last so that one call serves both modes:
	 * MHD_OPTION_END in their place ends the list early. */
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, emu_handler, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads,
	    MHD_OPTION_URI_LOG_CALLBACK, emu_call_new, s,
	    MHD_OPTION_NOTIFY_COMPLETED, emu_call_done, s,
	    MHD_OPTION_NOTIFY_CONNECTION, emu_conn_notify, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)EMU_IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_conns_per_ip,
	    cfg->tls_cert_pem != NULL ? MHD_OPTION_HTTPS_MEM_CERT :
	    MHD_OPTION_END, cfg->tls_cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem,
	    MHD_OPTION_END);
	if (s->daemon == NULL) {
		emu_timer_stop(s->timer);
		emu_guard_destroy(s->guard);
		free(s);
		return err_set(e, ERR_NET, "cannot listen on %s (address in "
		    "use, or a bad TLS certificate or key)", cfg->listen);
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL ? info->port : 0;
	*out = s;
	return ERR_OK;
}

unsigned
emu_server_port(const struct emu_server *s)
{
	return s->port;
}

void
emu_server_stats(const struct emu_server *s, struct emu_server_stats *out)
{
	struct emu_server *m = (struct emu_server *)s;

	out->requests = atomic_load(&m->requests);
	out->applied = atomic_load(&m->applied);
	out->reaped = emu_guard_reaped(m->guard);
}

void
emu_server_stop(struct emu_server *s, struct emu_server_stats *out)
{
	if (s == NULL)
		return;
	atomic_store(&s->stopping, 1);
	/* Resume every suspended connection first: MHD must not stop with
	 * any left suspended.  Resumed, they see `stopping` and close. */
	emu_timer_stop(s->timer);
	MHD_stop_daemon(s->daemon);
	if (out != NULL)
		emu_server_stats(s, out);
	/* Every connection is closed now, so no record is left in use. */
	emu_guard_destroy(s->guard);
	free(s);
}
