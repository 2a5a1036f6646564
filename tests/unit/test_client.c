/*
 * test_client.c - the API client end to end against a loopback responder
 * in this test: signatures (v1/v3, GET/POST, with and without an STS
 * token) checked by the responder the way the service checks them,
 * keep-alive, transport failures and the maybe_applied flag, the reply
 * cap, Retry-After, and --debug redaction.  Also the endpoint rules.
 *
 * The responder is a plain blocking socket server in one thread; each
 * test sets its mode before calling the client.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "creds.h"
#include "cu.h"
#include "http.h"
#include "msg.h"
#include "params.h"
#include "reply.h"
#include "sign.h"

#define KEY_ID "LTAI5tClientTest9Q7Z"
#define SECRET "cl1ent-Secret/+=Value"
#define TOKEN "CAIS+sts/Token==abc~ def"
/* hex SHA-256 of the empty string: the v3 body hash */
#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

enum mode {
	MODE_VERIFY,     /* check the signature, answer like the service */
	MODE_CLOSE,      /* read the request, close without answering */
	MODE_STALL,      /* read the request, never answer */
	MODE_HUGE,       /* answer with a 2 MiB body */
	MODE_THROTTLE,   /* 400 Throttling.User with Retry-After: 7 */
	MODE_ECHO,       /* 400 whose Message echoes the request (and its
	                    doubly encoded form, as a string to sign) */
	MODE_BIGHEADER   /* 200 with a reply header line over libcurl's
	                    100 KB limit */
};

static struct {
	int lfd;                  /* listening socket */
	int port;                 /* its port */
	pthread_t thr;            /* the responder thread */
	atomic_int stop;          /* ask the thread to finish */
	atomic_int mode;          /* what to do with the next request */
	_Atomic(const char *) token; /* the STS token to expect, or NULL */
	pthread_mutex_t lock;     /* guards last[] and accepted */
	char last[16384];         /* the last request received (raw) */
	int accepted;             /* connections accepted */
	int requests;             /* requests read */
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Read one HTTP request from fd into b; 0 ok, -1 closed or error. */
static int
srv_read_request(int fd, struct buf *b, size_t *hdr_len, size_t *body_len)
{
	char chunk[4096];
	const char *cl, *end;
	struct pollfd pfd;
	ssize_t n;
	size_t need;

	buf_reset(b);
	*hdr_len = 0;
	*body_len = 0;
	for (;;) {
		end = strstr(buf_cstr(b), "\r\n\r\n");
		if (end != NULL && *hdr_len == 0) {
			*hdr_len = (size_t)(end - buf_cstr(b)) + 4;
			cl = strcasestr(buf_cstr(b), "\r\nContent-Length:");
			*body_len = cl != NULL && cl < end ?
			    (size_t)strtoul(cl + 17, NULL, 10) : 0;
		}
		need = *hdr_len + *body_len;
		if (*hdr_len != 0 && b->len >= need)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) <= 0) {
			if (srv.stop)
				return -1;
			continue;
		}
		n = read(fd, chunk, sizeof chunk);
		if (n <= 0)
			return -1;
		if (buf_append(b, chunk, (size_t)n) != ERR_OK)
			return -1;
	}
}

/* A header's value from the raw request (case-insensitive), or NULL. */
static char *
srv_header(const char *req, const char *name, char *out, size_t size)
{
	const char *p, *eol;
	size_t n;

	n = strlen(name);
	for (p = strstr(req, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		if (p[2] == '\r')
			break;
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			p += 3 + n;
			while (*p == ' ')
				p++;
			eol = strstr(p, "\r\n");
			snprintf(out, size, "%.*s", (int)(eol - p), p);
			return out;
		}
	}
	return NULL;
}

/* Is `name` in the SignedHeaders list of a v3 request? */
static int
srv_v3_signs(const char *req, const char *name)
{
	char auth[2048], *p, *end, *tok, *save;

	if (srv_header(req, "Authorization", auth, sizeof auth) == NULL ||
	    (p = strstr(auth, "SignedHeaders=")) == NULL)
		return 0;
	p += 14;
	end = strchr(p, ',');
	if (end != NULL)
		*end = '\0';
	for (tok = strtok_r(p, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save))
		if (strcmp(tok, name) == 0)
			return 1;
	return 0;
}

/* Verify a v1 request; 1 when the signature is right. */
static int
srv_verify_v1(const char *method, struct params *p)
{
	const char *sig, *tok;
	char want[SIGN_V1_LEN], got[64];
	struct buf sts;
	int ok;

	sig = params_get(p, "Signature");
	if (sig == NULL)
		return 0;
	snprintf(got, sizeof got, "%s", sig);
	params_remove(p, "Signature");
	tok = params_get(p, "SecurityToken");
	if ((srv.token == NULL) != (tok == NULL) ||
	    (tok != NULL && strcmp(tok, srv.token) != 0))
		return 0;
	if (strcmp(params_get(p, "AccessKeyId") != NULL ?
	    params_get(p, "AccessKeyId") : "", KEY_ID) != 0)
		return 0;
	buf_init(&sts, 1 << 16);
	ok = sign_v1_string_to_sign(method, p, &sts) == ERR_OK &&
	    sign_v1_signature(SECRET, buf_cstr(&sts), want) == ERR_OK &&
	    sign_equal(want, got);
	buf_free(&sts);
	return ok;
}

/* Verify a v3 request; 1 when the signature is right. */
static int
srv_verify_v3(const char *req, const char *method, struct params *query,
    const char *body, size_t body_len)
{
	char auth[2048], val[2048], signed_h[1024], sig[SIGN_HEX_LEN],
	    hash[SIGN_HEX_LEN], want[SIGN_HEX_LEN], *s, *tokp;
	struct params h;
	struct sign_v3_input in;
	struct buf cr, sh, sts;
	const char *p;
	int ok;

	static const char prefix[] = "ACS3-HMAC-SHA256 Credential=" KEY_ID
	    ",SignedHeaders=";

	if (srv_header(req, "Authorization", auth, sizeof auth) == NULL ||
	    strncmp(auth, prefix, sizeof prefix - 1) != 0)
		return 0;
	p = auth + sizeof prefix - 1;
	s = strstr(p, ",Signature=");
	if (s == NULL)
		return 0;
	snprintf(signed_h, sizeof signed_h, "%.*s", (int)(s - p), p);
	snprintf(sig, sizeof sig, "%s", s + 11);
	sign_sha256_hex(body, body_len, hash);
	if (srv_header(req, "x-acs-content-sha256", val, sizeof val) == NULL ||
	    strcmp(val, hash) != 0)
		return 0;
	if ((srv.token == NULL) != (srv_header(req, "x-acs-security-token",
	    val, sizeof val) == NULL) ||
	    (srv.token != NULL && strcmp(val, srv.token) != 0))
		return 0;
	params_init(&h);
	for (tokp = strtok(signed_h, ";"); tokp != NULL;
	    tokp = strtok(NULL, ";"))
		if (srv_header(req, tokp, val, sizeof val) != NULL)
			params_add(&h, tokp, val);
	in.method = method;
	in.uri = "/";
	in.query = query;
	in.headers = &h;
	in.payload_sha256 = hash;
	buf_init(&cr, 1 << 16);
	buf_init(&sh, 4096);
	buf_init(&sts, 4096);
	ok = sign_v3_canonical_request(&in, &cr, &sh) == ERR_OK &&
	    sign_v3_string_to_sign(buf_cstr(&cr), &sts) == ERR_OK &&
	    sign_v3_signature(SECRET, buf_cstr(&sts), want) == ERR_OK &&
	    sign_equal(want, sig);
	buf_free(&cr);
	buf_free(&sh);
	buf_free(&sts);
	params_free(&h);
	return ok;
}

static void
srv_send(int fd, int status, const char *extra, const char *body)
{
	char head[512];

	snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n%s\r\n", status,
	    strlen(body), extra);
	(void)!write(fd, head, strlen(head));
	(void)!write(fd, body, strlen(body));
}

/* The end of MODE_BIGHEADER's answer: a small success. */
static void
srv_send_tail(int fd)
{
	static const char tail[] = "\r\nContent-Length: 26\r\n\r\n"
	    "{\"RequestId\":\"REQ-OK-1\"}";

	(void)!write(fd, tail, sizeof tail - 1);
}

/* Answer one request in MODE_VERIFY. */
static void
srv_answer(int fd, const char *req, size_t hdr_len, size_t body_len)
{
	char method[8], target[8192], val[256], *q;
	struct params query, form;
	const char *body;
	int ok;

	if (sscanf(req, "%7s %8191s", method, target) != 2) {
		srv_send(fd, 400, "", "{}");
		return;
	}
	body = req + hdr_len;
	params_init(&query);
	params_init(&form);
	q = strchr(target, '?');
	if (q != NULL)
		params_parse_form(&query, q + 1, strlen(q + 1), NULL);
	params_parse_form(&form, body, body_len, NULL);
	if (strstr(req, "\r\nAuthorization:") != NULL ||
	    strstr(req, "\r\nauthorization:") != NULL) {
		ok = srv_verify_v3(req, method, &query, body, body_len);
		/* v3 has no Format parameter: JSON is asked for by Accept. */
		ok = ok && srv_header(req, "Accept", val, sizeof val) !=
		    NULL && strcmp(val, "application/json") == 0;
		/* The SDK's shape, GET or POST: every parameter in the
		 * query, an empty body without a Content-Type, the hash of
		 * the empty string. */
		ok = ok && body_len == 0 && params_get(&query,
		    "InstanceId") != NULL && params_get(&query, "Type") !=
		    NULL && srv_header(req, "Content-Type", val, sizeof val) ==
		    NULL && srv_header(req, "x-acs-content-sha256", val,
		    sizeof val) != NULL && strcmp(val, EMPTY_SHA256) == 0;
		/* With STS the key id is also a signed header. */
		if (srv.token != NULL)
			ok = ok && srv_header(req, "x-acs-accesskey-id", val,
			    sizeof val) != NULL && strcmp(val, KEY_ID) == 0 &&
			    srv_v3_signs(req, "x-acs-accesskey-id") &&
			    srv_v3_signs(req, "x-acs-security-token");
		else
			ok = ok && srv_header(req, "x-acs-accesskey-id", val,
			    sizeof val) == NULL;
	} else {
		/* v1: parameters in the query or the body, merged. */
		size_t i;

		for (i = 0; i < form.n; i++)
			params_add(&query, form.items[i].name,
			    form.items[i].value);
		ok = srv_verify_v1(method, &query);
	}
	/* The transport's fixed headers: never "Expect: 100-continue", and a
	 * v1 POST body is a plain form (libcurl's own Content-Type line). */
	if (srv_header(req, "Expect", val, sizeof val) != NULL ||
	    (strcmp(method, "POST") == 0 && body_len > 0 &&
	    (srv_header(req, "Content-Type", val, sizeof val) == NULL ||
	    strcmp(val, "application/x-www-form-urlencoded") != 0)))
		ok = 0;
	if (ok)
		srv_send(fd, 200, "", "{\"RequestId\":\"REQ-OK-1\"}");
	else
		srv_send(fd, 400, "", "{\"RequestId\":\"REQ-BAD-1\",\"HostId\":"
		    "\"127.0.0.1\",\"Code\":\"SignatureDoesNotMatch\","
		    "\"Message\":\"Specified signature is not matched with "
		    "our calculation.\"}");
	params_free(&query);
	params_free(&form);
}

static void *
srv_main(void *arg)
{
	struct pollfd pfd;
	struct buf b;
	size_t hl, bl;
	char *big;
	int fd;

	(void)arg;
	buf_init(&b, 1 << 20);
	while (!srv.stop) {
		pfd.fd = srv.lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fd = accept(srv.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&srv.lock);
		srv.accepted++;
		pthread_mutex_unlock(&srv.lock);
		while (!srv.stop && srv_read_request(fd, &b, &hl, &bl) == 0) {
			pthread_mutex_lock(&srv.lock);
			snprintf(srv.last, sizeof srv.last, "%s", buf_cstr(&b));
			srv.requests++;
			pthread_mutex_unlock(&srv.lock);
			if (srv.mode == MODE_CLOSE)
				break;
			if (srv.mode == MODE_STALL) {
				/* Hold the connection until the client gives
				 * up (it closes: read returns 0). */
				char c;

				pfd.fd = fd;
				pfd.events = POLLIN;
				while (!srv.stop && poll(&pfd, 1, 100) == 0)
					;
				(void)!read(fd, &c, 1);
				break;
			}
			if (srv.mode == MODE_BIGHEADER) {
				big = malloc(120u << 10);
				memset(big, 'a', 120u << 10);
				big[(120u << 10) - 1] = '\0';
				(void)!write(fd, "HTTP/1.1 200 OK\r\nX-Big: ",
				    25);
				(void)!write(fd, big, strlen(big));
				free(big);
				srv_send_tail(fd);
				break;
			}
			if (srv.mode == MODE_HUGE) {
				big = malloc(2u << 20);
				memset(big, 'x', 2u << 20);
				big[(2u << 20) - 1] = '\0';
				srv_send(fd, 200, "", big);
				free(big);
				break;
			}
			if (srv.mode == MODE_ECHO) {
				struct buf m, enc;

				buf_init(&m, 1 << 18);
				buf_init(&enc, 1 << 18);
				sign_pct_encode(&enc, buf_cstr(&b) + hl, bl);
				buf_printf(&m, "{\"RequestId\":\"REQ-E\",\"Code\":"
				    "\"IncompleteSignature\",\"Message\":\"got "
				    "%s; as signed: ", buf_cstr(&b) + hl);
				sign_pct_encode(&m, buf_cstr(&enc), enc.len);
				buf_puts(&m, "\"}");
				srv_send(fd, 400, "", buf_cstr(&m));
				buf_free(&m);
				buf_free(&enc);
				continue;
			}
			if (srv.mode == MODE_THROTTLE) {
				srv_send(fd, 400, "Retry-After: 7\r\n",
				    "{\"RequestId\":\"REQ-T\",\"Code\":"
				    "\"Throttling.User\",\"Message\":\"Request "
				    "was denied due to user flow control.\"}");
				continue;
			}
			srv_answer(fd, buf_cstr(&b), hl, bl);
		}
		close(fd);
	}
	buf_free(&b);
	return NULL;
}

static int
suite_init(void)
{
	struct sockaddr_in a;
	socklen_t len;

	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv.lfd < 0)
		return 1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(srv.lfd, 16) != 0)
		return 1;
	len = sizeof a;
	getsockname(srv.lfd, (struct sockaddr *)&a, &len);
	srv.port = ntohs(a.sin_port);
	if (client_global_init() != ERR_OK)
		return 1;
	return pthread_create(&srv.thr, NULL, srv_main, NULL) != 0;
}

static int
suite_clean(void)
{
	srv.stop = 1;
	pthread_join(srv.thr, NULL);
	close(srv.lfd);
	client_global_cleanup();
	return 0;
}

static struct client *
make_client(struct creds *cr, int sigver, enum client_method m, int debug,
    long timeout_ms)
{
	struct client_config cc;
	char url[64];
	struct err e;
	struct client *c;

	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	memset(&cc, 0, sizeof cc);
	cc.endpoint = url;
	cc.signature_version = sigver;
	cc.method = m;
	cc.debug = debug;
	cc.timeout_ms = timeout_ms;
	cc.creds = cr;
	err_clear(&e);
	c = client_new(&cc, &e);
	CU_ASSERT_PTR_NOT_NULL(c);
	return c;
}

static const struct plan_key reset_req = {
	"MQ_INST_1234567890_BXyz", "GID_orders", "a*b~c d+e/f\xc3\xa9", 1,
	INT64_C(1764115200000), NULL, NULL
};

/* Each signature version and method, with and without a token. */
static const struct {
	int sigver;
	enum client_method method;
	int sts;
	const char *secret; /* the client's secret */
	enum reply_class cls;
	const char *request_id;
} sig_rows[] = {
	{ 1, CLIENT_POST, 0, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 1, CLIENT_GET, 0, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 1, CLIENT_POST, 1, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 1, CLIENT_GET, 1, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 3, CLIENT_POST, 0, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 3, CLIENT_GET, 0, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 3, CLIENT_POST, 1, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 3, CLIENT_GET, 1, SECRET, REPLY_OK, "REQ-OK-1" },
	{ 1, CLIENT_POST, 0, "wrong-secret", REPLY_FATAL, "REQ-BAD-1" },
	{ 1, CLIENT_GET, 1, "wrong-secret", REPLY_FATAL, "REQ-BAD-1" },
	{ 3, CLIENT_POST, 0, "wrong-secret", REPLY_FATAL, "REQ-BAD-1" },
	{ 3, CLIENT_GET, 1, "wrong-secret", REPLY_FATAL, "REQ-BAD-1" },
};

static void
test_signatures(void)
{
	struct creds *cr;
	struct client *c;
	struct reply r;
	struct err e;
	size_t i;
	err_code rc;

	srv.mode = MODE_VERIFY;
	for (i = 0; i < sizeof sig_rows / sizeof sig_rows[0]; i++) {
		srv.token = sig_rows[i].sts ? TOKEN : NULL;
		CU_ASSERT_EQUAL_FATAL(creds_new(KEY_ID, sig_rows[i].secret,
		    srv.token, &cr), ERR_OK);
		c = make_client(cr, sig_rows[i].sigver, sig_rows[i].method, 0,
		    5000);
		reply_init(&r);
		err_clear(&e);
		rc = client_reset_offset(c, &reset_req, &r, &e);
		if (r.cls != sig_rows[i].cls)
			fprintf(stderr, "row %zu: %s (%s)\n", i,
			    reply_class_name(r.cls), e.msg);
		CU_ASSERT_EQUAL(r.cls, sig_rows[i].cls);
		CU_ASSERT_EQUAL(rc, sig_rows[i].cls == REPLY_OK ? ERR_OK :
		    ERR_AUTH);
		CU_ASSERT_STRING_EQUAL(r.request_id, sig_rows[i].request_id);
		CU_ASSERT_EQUAL(r.maybe_applied, 0);
		if (rc != ERR_OK) {
			CU_ASSERT_STRING_EQUAL(r.code,
			    "SignatureDoesNotMatch");
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg,
			    "SignatureDoesNotMatch"));
		}
		pthread_mutex_lock(&srv.lock);
		CU_ASSERT_PTR_NOT_NULL(strstr(srv.last,
		    "User-Agent: mqreset/"));
		/* v1 POST: a form body; v3 POST: the query, an empty body. */
		CU_ASSERT_PTR_NOT_NULL(strstr(srv.last, sig_rows[i].method ==
		    CLIENT_GET ? "GET /?" : sig_rows[i].sigver == 3 ?
		    "POST /?" : "POST / "));
		if (sig_rows[i].method == CLIENT_POST &&
		    sig_rows[i].sigver == 3) {
			CU_ASSERT_PTR_NOT_NULL(strstr(srv.last,
			    "\r\nContent-Length: 0\r\n"));
		}
		pthread_mutex_unlock(&srv.lock);
		reply_free(&r);
		client_destroy(c);
		creds_destroy(cr);
	}
	srv.token = NULL;
}

static void
test_keepalive_and_stats(void)
{
	struct client_stats st;
	struct creds *cr;
	struct client *c;
	struct reply r;
	int i, before;

	srv.mode = MODE_VERIFY;
	CU_ASSERT_EQUAL_FATAL(creds_new(KEY_ID, SECRET, NULL, &cr), ERR_OK);
	c = make_client(cr, 1, CLIENT_POST, 0, 5000);
	pthread_mutex_lock(&srv.lock);
	before = srv.accepted;
	pthread_mutex_unlock(&srv.lock);
	reply_init(&r);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, NULL),
		    ERR_OK);
	client_stats(c, &st);
	CU_ASSERT_EQUAL(st.calls, 5);
	CU_ASSERT_EQUAL(st.connects, 1);
	CU_ASSERT_TRUE(st.bytes_sent > 0);
	pthread_mutex_lock(&srv.lock);
	CU_ASSERT_EQUAL(srv.accepted - before, 1);
	pthread_mutex_unlock(&srv.lock);
	reply_free(&r);
	client_destroy(c);
	creds_destroy(cr);
}

static atomic_int abort_flag;

/* Raise abort_flag once the responder holds the request. */
static void *
raise_abort(void *arg)
{
	int i, seen;

	(void)arg;
	for (i = 0; i < 500; i++) {
		pthread_mutex_lock(&srv.lock);
		seen = strstr(srv.last, "Type=1") != NULL;
		pthread_mutex_unlock(&srv.lock);
		if (seen)
			break;
		usleep(10000);
	}
	usleep(100000);
	atomic_store(&abort_flag, 1);
	return NULL;
}

static void
test_transport_failures(void)
{
	struct creds *cr;
	struct client *c;
	struct client_config cc;
	struct reply r;
	struct err e;
	struct sockaddr_in a;
	socklen_t len;
	char url[64];
	int fd, before;

	CU_ASSERT_EQUAL_FATAL(creds_new(KEY_ID, SECRET, NULL, &cr), ERR_OK);
	reply_init(&r);

	/* Closed after the request arrived: it may have been applied. */
	srv.mode = MODE_CLOSE;
	c = make_client(cr, 1, CLIENT_POST, 0, 5000);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_NET);
	CU_ASSERT_EQUAL(r.cls, REPLY_RETRYABLE);
	CU_ASSERT_EQUAL(r.maybe_applied, 1);
	CU_ASSERT_EQUAL(r.http_status, 0);
	client_destroy(c);

	/* The same on a reused connection: libcurl would silently send
	 * the request again; the client must not (it may be a type 0). */
	srv.mode = MODE_VERIFY;
	c = make_client(cr, 1, CLIENT_POST, 0, 5000);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_OK);
	srv.mode = MODE_CLOSE;
	pthread_mutex_lock(&srv.lock);
	before = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_NET);
	CU_ASSERT_EQUAL(r.maybe_applied, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not re-sent"));
	pthread_mutex_lock(&srv.lock);
	CU_ASSERT_EQUAL(srv.requests - before, 1);
	pthread_mutex_unlock(&srv.lock);
	/* The client is usable afterwards (a fresh connection). */
	srv.mode = MODE_VERIFY;
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_OK);
	client_destroy(c);

	/* No answer in time after sending: timeout, maybe applied. */
	srv.mode = MODE_STALL;
	c = make_client(cr, 1, CLIENT_GET, 0, 300);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e),
	    ERR_TIMEOUT);
	CU_ASSERT_EQUAL(r.cls, REPLY_RETRYABLE);
	CU_ASSERT_EQUAL(r.maybe_applied, 1);
	client_destroy(c);

	/* A raised abort flag stops a call waiting for its answer. */
	{
		struct client_config ac;
		pthread_t t;

		srv.mode = MODE_STALL;
		atomic_store(&abort_flag, 0);
		snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
		memset(&ac, 0, sizeof ac);
		ac.endpoint = url;
		ac.creds = cr;
		ac.timeout_ms = 20000;
		ac.abort_flag = &abort_flag;
		c = client_new(&ac, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		pthread_mutex_lock(&srv.lock);
		srv.last[0] = '\0';
		pthread_mutex_unlock(&srv.lock);
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, raise_abort,
		    NULL), 0);
		CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e),
		    ERR_INTERRUPTED);
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(r.cls, REPLY_FATAL);
		CU_ASSERT_EQUAL(r.maybe_applied, 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "may have been applied"));
		client_destroy(c);
	}

	/* A reply header over libcurl's limit after the request went out:
	 * whatever libcurl calls it, the request may have been applied. */
	srv.mode = MODE_BIGHEADER;
	c = make_client(cr, 1, CLIENT_POST, 0, 5000);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_NET);
	CU_ASSERT_EQUAL(r.cls, REPLY_RETRYABLE);
	CU_ASSERT_EQUAL(r.maybe_applied, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "may have been applied"));
	client_destroy(c);
	/* The transport itself says the request went out. */
	{
		struct http_config hc;
		struct http_request hq;
		struct http_response hr;
		struct http *h;

		memset(&hc, 0, sizeof hc);
		hc.connect_timeout_ms = 5000;
		hc.timeout_ms = 5000;
		hc.reply_cap = 1 << 20;
		h = http_new(&hc, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		snprintf(url, sizeof url, "http://127.0.0.1:%d/?a=1",
		    srv.port);
		memset(&hq, 0, sizeof hq);
		hq.method = "POST";
		hq.url = url;
		hq.body = "b=2";
		hq.body_len = 3;
		http_response_init(&hr, hc.reply_cap);
		CU_ASSERT_EQUAL(http_do(h, &hq, &hr, &e), ERR_NET);
		CU_ASSERT_EQUAL(hr.sent, 1);
		http_response_free(&hr);
		http_destroy(h);
	}

	/* Over the reply cap. */
	srv.mode = MODE_HUGE;
	c = make_client(cr, 1, CLIENT_POST, 0, 5000);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e),
	    ERR_TOOBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "larger than"));
	client_destroy(c);

	/* Throttled, with a Retry-After hint. */
	srv.mode = MODE_THROTTLE;
	c = make_client(cr, 3, CLIENT_POST, 0, 5000);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e),
	    ERR_REMOTE);
	CU_ASSERT_EQUAL(r.cls, REPLY_RETRYABLE);
	CU_ASSERT_EQUAL(r.throttled, 1);
	CU_ASSERT_EQUAL(r.retry_after_ms, 7000);
	CU_ASSERT_STRING_EQUAL(r.request_id, "REQ-T");
	client_destroy(c);
	srv.mode = MODE_VERIFY;

	/* Connection refused: nothing was sent. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
	close(fd);
	memset(&cc, 0, sizeof cc);
	cc.endpoint = url;
	cc.creds = cr;
	c = client_new(&cc, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_NET);
	CU_ASSERT_EQUAL(r.cls, REPLY_RETRYABLE);
	CU_ASSERT_EQUAL(r.maybe_applied, 0);
	client_destroy(c);

	reply_free(&r);
	creds_destroy(cr);
}

/*
 * Plain http:// (loopback only) never goes through a proxy, whatever the
 * environment says: the proxy would see the signed request in clear text.
 * The "proxy" is a listener nobody accepts on: a connection to it stays
 * pending in its backlog, where poll() sees it.
 */
static void
test_no_proxy_for_http(void)
{
	static const char *const vars[] = {
		"http_proxy", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"
	};
	char *saved[sizeof vars / sizeof vars[0]];
	struct sockaddr_in a;
	struct pollfd pfd;
	struct creds *cr;
	struct client *c;
	struct reply r;
	struct err e;
	socklen_t len;
	char purl[64];
	size_t i;
	int pfd_l;

	pfd_l = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(pfd_l >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(pfd_l, (struct sockaddr *)&a, sizeof a) == 0 &&
	    listen(pfd_l, 4) == 0);
	len = sizeof a;
	getsockname(pfd_l, (struct sockaddr *)&a, &len);
	snprintf(purl, sizeof purl, "http://127.0.0.1:%d", ntohs(a.sin_port));
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		saved[i] = getenv(vars[i]) != NULL ? strdup(getenv(vars[i])) :
		    NULL;
		if (strstr(vars[i], "no_") != NULL ||
		    strstr(vars[i], "NO_") != NULL)
			unsetenv(vars[i]);
		else
			setenv(vars[i], purl, 1);
	}
	CU_ASSERT_EQUAL_FATAL(creds_new(KEY_ID, SECRET, NULL, &cr), ERR_OK);
	srv.mode = MODE_VERIFY;
	c = make_client(cr, 1, CLIENT_POST, 0, 2000);
	reply_init(&r);
	err_clear(&e);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(r.request_id, "REQ-OK-1");
	pfd.fd = pfd_l;
	pfd.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
	reply_free(&r);
	client_destroy(c);
	creds_destroy(cr);
	close(pfd_l);
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if (saved[i] != NULL)
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

/* --debug output never holds the secret, the token, the whole key id
 * or the signature. */
static void
test_debug_redaction(void)
{
	static const int sv[] = { 1, 3 };
	struct params shown;
	struct creds *cr;
	struct client *c;
	struct reply r;
	struct err e;
	char path[1024], *text;
	FILE *fp;
	size_t i;

	snprintf(path, sizeof path, "%s/debug.txt", cu_tmpdir());
	fp = fopen(path, "w+");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	msg_set_stream(fp);
	msg_set_level(MSG_DEBUG);
	srv.mode = MODE_VERIFY;
	srv.token = TOKEN;
	CU_ASSERT_EQUAL_FATAL(creds_new(KEY_ID, SECRET, TOKEN, &cr), ERR_OK);
	reply_init(&r);
	for (i = 0; i < 2; i++) {
		c = make_client(cr, sv[i], i == 0 ? CLIENT_POST : CLIENT_GET,
		    1, 5000);
		CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, NULL),
		    ERR_OK);
		params_init(&shown);
		CU_ASSERT_EQUAL(client_preview(c, "OnsConsumerResetOffset",
		    NULL, &shown, NULL), ERR_OK);
		CU_ASSERT_PTR_NULL(params_get(&shown, "Signature"));
		CU_ASSERT_PTR_NULL(params_get(&shown, "SecurityToken"));
		CU_ASSERT_PTR_NULL(params_get(&shown, "x-acs-security-token"));
		CU_ASSERT_PTR_NULL(params_get(&shown, "Authorization"));
		CU_ASSERT_STRING_EQUAL(params_get(&shown, "AccessKeyId"),
		    "****9Q7Z");
		params_free(&shown);
		client_destroy(c);
	}
	/* A server echoing the request, raw and percent-encoded: the
	 * reply fields and the dump show it scrubbed. */
	srv.mode = MODE_ECHO;
	c = make_client(cr, 1, CLIENT_POST, 1, 5000);
	CU_ASSERT_EQUAL(client_reset_offset(c, &reset_req, &r, &e), ERR_AUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "AccessKeyId=****9Q7Z"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "SecurityToken=***"));
	CU_ASSERT_PTR_NULL(strstr(r.message, KEY_ID));
	CU_ASSERT_PTR_NULL(strstr(r.message, "Token%3D%3Dabc"));
	CU_ASSERT_PTR_NULL(strstr(r.message, "Token%253D%253Dabc"));
	CU_ASSERT_PTR_NULL(strstr(e.msg, KEY_ID));
	CU_ASSERT_PTR_NULL(strstr(e.msg, "Token%3D%3Dabc"));
	client_destroy(c);
	srv.mode = MODE_VERIFY;
	/* The signatures the server saw must not be in the output. */
	msg_set_stream(NULL);
	msg_set_level(MSG_INFO);
	fclose(fp);
	text = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "StringToSign"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "CanonicalRequest"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "****9Q7Z"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "REQ-OK-1"));
	CU_ASSERT_PTR_NULL(strstr(text, SECRET));
	CU_ASSERT_PTR_NULL(strstr(text, "cl1ent"));
	CU_ASSERT_PTR_NULL(strstr(text, "Token==abc"));
	CU_ASSERT_PTR_NULL(strstr(text, "Token%3D%3Dabc"));
	CU_ASSERT_PTR_NULL(strstr(text, "Token%253D%253Dabc"));
	CU_ASSERT_PTR_NULL(strstr(text, KEY_ID));
	CU_ASSERT_PTR_NULL(strstr(text, "LTAI5tClient"));
	CU_ASSERT_PTR_NULL(strstr(text, "Signature=%"));
	free(text);
	reply_free(&r);
	creds_destroy(cr);
	srv.token = NULL;
}

static const struct {
	const char *endpoint;
	const char *region;
	err_code rc;
	const char *out; /* or a substring of the error */
} ep_rows[] = {
	{ NULL, "cn-hangzhou", ERR_OK, "https://ons.cn-hangzhou.aliyuncs.com" },
	{ NULL, "ap-southeast-1", ERR_OK,
	  "https://ons.ap-southeast-1.aliyuncs.com" },
	{ NULL, "CN_Hangzhou", ERR_USAGE, "only lowercase" },
	{ NULL, "evil.com/x", ERR_USAGE, "only lowercase" },
	{ NULL, "", ERR_USAGE, "no region: give --region" },
	{ NULL, NULL, ERR_USAGE, "ALIBABA_CLOUD_REGION_ID" },
	{ "https://ons-vpc.cn-shanghai.aliyuncs.com", NULL, ERR_OK,
	  "https://ons-vpc.cn-shanghai.aliyuncs.com" },
	{ "https://ons.cn-shanghai.aliyuncs.com/", NULL, ERR_OK,
	  "https://ons.cn-shanghai.aliyuncs.com" },
	{ "HTTPS://example.com:8443", NULL, ERR_OK, "https://example.com:8443" },
	{ "http://127.0.0.1:8080", NULL, ERR_OK, "http://127.0.0.1:8080" },
	{ "http://127.1.2.3:8080/", NULL, ERR_OK, "http://127.1.2.3:8080" },
	{ "http://localhost:9", NULL, ERR_OK, "http://localhost:9" },
	{ "http://[::1]:8080", NULL, ERR_OK, "http://[::1]:8080" },
	{ "http://example.com", NULL, ERR_USAGE, "plain http:// is refused" },
	{ "http://10.0.0.1:80", NULL, ERR_USAGE, "plain http:// is refused" },
	{ "http://[::2]:80", NULL, ERR_USAGE, "plain http:// is refused" },
	{ "http://127.0.0.1.evil.com", NULL, ERR_USAGE,
	  "plain http:// is refused" },
	{ "ftp://127.0.0.1", NULL, ERR_USAGE, "must start with https://" },
	{ "ons.cn-hangzhou.aliyuncs.com", NULL, ERR_USAGE,
	  "must start with https://" },
	{ "https://h/path", NULL, ERR_USAGE, "no path" },
	{ "https://h/?a=1", NULL, ERR_USAGE, "no path" },
	{ "https://user@h", NULL, ERR_USAGE, "bad host" },
	{ "https://h:0", NULL, ERR_USAGE, "bad port" },
	{ "https://h:99999", NULL, ERR_USAGE, "bad port" },
	{ "https://h:", NULL, ERR_USAGE, "bad port" },
	{ "https://", NULL, ERR_USAGE, "bad host" },
	{ "https://[::1", NULL, ERR_USAGE, "unterminated" },
	{ "https://h\\x", NULL, ERR_USAGE, "bad character" },
};

/* The region of one table row from --region, the environment or the
 * profile: the endpoint is the same whichever way it came. */
static void
test_endpoints(void)
{
	struct client_where w;
	char out[CLIENT_URL_MAX];
	struct err e;
	size_t i, how;
	err_code rc;

	for (i = 0; i < sizeof ep_rows / sizeof ep_rows[0]; i++) {
		for (how = 0; how < 3; how++) {
			memset(&w, 0, sizeof w);
			w.endpoint = ep_rows[i].endpoint;
			if (how == 0)
				w.region = ep_rows[i].region;
			else if (how == 1)
				w.env_region = ep_rows[i].region;
			else
				w.profile_region = ep_rows[i].region;
			err_clear(&e);
			rc = client_endpoint(&w, out, &e);
			if (rc != ep_rows[i].rc)
				fprintf(stderr, "endpoint row %zu/%zu: rc %d "
				    "%s\n", i, how, rc, e.msg);
			CU_ASSERT_EQUAL(rc, ep_rows[i].rc);
			if (rc == ERR_OK && ep_rows[i].rc == ERR_OK) {
				CU_ASSERT_STRING_EQUAL(out, ep_rows[i].out);
			} else if (rc != ERR_OK) {
				if (strstr(e.msg, ep_rows[i].out) == NULL)
					fprintf(stderr, "endpoint row %zu: "
					    "%s\n", i, e.msg);
				CU_ASSERT_PTR_NOT_NULL(strstr(e.msg,
				    ep_rows[i].out));
			}
		}
	}
}

/* Which source of the region wins, the endpoint type, and the SDK's
 * exceptions to ons.REGION.aliyuncs.com. */
static const struct {
	const char *endpoint;
	const char *type;
	const char *region;
	const char *env_region;
	const char *profile_region;
	err_code rc;
	const char *out; /* or a substring of the error */
} where_rows[] = {
	{ NULL, NULL, "cn-beijing", "cn-shanghai", "cn-shenzhen", ERR_OK,
	  "https://ons.cn-beijing.aliyuncs.com" },
	{ NULL, NULL, NULL, "cn-shanghai", "cn-shenzhen", ERR_OK,
	  "https://ons.cn-shanghai.aliyuncs.com" },
	{ NULL, NULL, "", "", "cn-shenzhen", ERR_OK,
	  "https://ons.cn-shenzhen.aliyuncs.com" },
	{ NULL, "public", "cn-hangzhou", NULL, NULL, ERR_OK,
	  "https://ons.cn-hangzhou.aliyuncs.com" },
	{ NULL, "vpc", "cn-hangzhou", NULL, NULL, ERR_OK,
	  "https://ons-vpc.cn-hangzhou.aliyuncs.com" },
	{ NULL, "vpc", NULL, NULL, "eu-central-1", ERR_OK,
	  "https://ons-vpc.eu-central-1.aliyuncs.com" },
	{ NULL, "intranet", "cn-hangzhou", NULL, NULL, ERR_USAGE,
	  "use public or vpc" },
	{ "https://h", "vpc", NULL, NULL, NULL, ERR_USAGE,
	  "give one of them" },
	{ "http://127.0.0.1:1", NULL, "cn-hangzhou", NULL, NULL, ERR_OK,
	  "http://127.0.0.1:1" },
	{ NULL, NULL, NULL, NULL, NULL, ERR_USAGE, "--endpoint URL" },
	{ NULL, "vpc", NULL, "", NULL, ERR_USAGE, "no region" },
	/* The SDK's EndpointMap, whatever the type. */
	{ NULL, NULL, "cn-beijing-finance-1", NULL, NULL, ERR_OK,
	  "https://ons.aliyuncs.com" },
	{ NULL, "vpc", "cn-beijing-finance-1", NULL, NULL, ERR_OK,
	  "https://ons.aliyuncs.com" },
	{ NULL, NULL, "cn-beijing-gov-1", NULL, NULL, ERR_OK,
	  "https://ons.aliyuncs.com" },
	{ NULL, NULL, "cn-hangzhou-internal-prod-1", NULL, NULL, ERR_OK,
	  "https://ons.aliyuncs.com" },
	{ NULL, NULL, "cn-shanghai-inner", NULL, NULL, ERR_OK,
	  "https://ons.aliyuncs.com" },
	{ NULL, NULL, "cn-zhengzhou-nebula-1", NULL, NULL, ERR_OK,
	  "https://ons.aliyuncs.com" },
	{ NULL, NULL, "ap-northeast-2-pop", NULL, NULL, ERR_OK,
	  "https://ons.ap-northeast-1.aliyuncs.com" },
	{ NULL, NULL, "eu-west-1-oxs", NULL, NULL, ERR_OK,
	  "https://ons.ap-northeast-1.aliyuncs.com" },
	{ NULL, "vpc", "rus-west-1-pop", NULL, NULL, ERR_OK,
	  "https://ons.ap-northeast-1.aliyuncs.com" },
	/* Near misses of the map are ordinary regions. */
	{ NULL, NULL, "eu-west-1", NULL, NULL, ERR_OK,
	  "https://ons.eu-west-1.aliyuncs.com" },
	{ NULL, NULL, "cn-beijing-finance", NULL, NULL, ERR_OK,
	  "https://ons.cn-beijing-finance.aliyuncs.com" },
	{ NULL, NULL, "ap-northeast-1", NULL, NULL, ERR_OK,
	  "https://ons.ap-northeast-1.aliyuncs.com" },
};

static void
test_endpoint_sources(void)
{
	struct client_where w;
	char out[CLIENT_URL_MAX];
	struct err e;
	size_t i;
	err_code rc;

	for (i = 0; i < sizeof where_rows / sizeof where_rows[0]; i++) {
		memset(&w, 0, sizeof w);
		w.endpoint = where_rows[i].endpoint;
		w.endpoint_type = where_rows[i].type;
		w.region = where_rows[i].region;
		w.env_region = where_rows[i].env_region;
		w.profile_region = where_rows[i].profile_region;
		err_clear(&e);
		out[0] = '\0';
		rc = client_endpoint(&w, out, &e);
		if (rc != where_rows[i].rc || (rc == ERR_OK ?
		    strcmp(out, where_rows[i].out) != 0 :
		    strstr(e.msg, where_rows[i].out) == NULL))
			fprintf(stderr, "where row %zu: rc %d '%s' %s\n", i,
			    rc, out, e.msg);
		CU_ASSERT_EQUAL(rc, where_rows[i].rc);
		if (rc == ERR_OK) {
			CU_ASSERT_STRING_EQUAL(out, where_rows[i].out);
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg,
			    where_rows[i].out));
		}
	}
	/* client_endpoint_for() alone. */
	CU_ASSERT_EQUAL(client_endpoint_for("cn-hangzhou",
	    CLIENT_ENDPOINT_VPC, out, &e), ERR_OK);
	CU_ASSERT_STRING_EQUAL(out, "https://ons-vpc.cn-hangzhou.aliyuncs.com");
	CU_ASSERT_EQUAL(client_endpoint_for(NULL, CLIENT_ENDPOINT_PUBLIC,
	    out, &e), ERR_USAGE);
}

static void
test_bad_config(void)
{
	struct client_config cc;
	struct creds *cr;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(creds_new(KEY_ID, SECRET, NULL, &cr), ERR_OK);
	memset(&cc, 0, sizeof cc);
	cc.endpoint = "https://ons.cn-hangzhou.aliyuncs.com";
	cc.creds = cr;
	cc.signature_version = 2;
	err_clear(&e);
	CU_ASSERT_PTR_NULL(client_new(&cc, &e));
	CU_ASSERT_EQUAL(e.code, ERR_USAGE);
	cc.signature_version = 1;
	cc.endpoint = "http://example.com";
	CU_ASSERT_PTR_NULL(client_new(&cc, &e));
	CU_ASSERT_EQUAL(e.code, ERR_USAGE);
	cc.creds = NULL;
	CU_ASSERT_PTR_NULL(client_new(&cc, &e));
	CU_ASSERT_EQUAL(e.code, ERR_CRED);
	client_destroy(NULL);
	creds_destroy(cr);
}

static CU_TestInfo client_tests[] = {
	{ "endpoint rules table", test_endpoints },
	{ "endpoint: region sources, type, SDK exceptions",
	  test_endpoint_sources },
	{ "bad configuration", test_bad_config },
	{ "signatures v1/v3 GET/POST, STS, wrong secret", test_signatures },
	{ "keep-alive and stats", test_keepalive_and_stats },
	{ "transport failures and maybe_applied", test_transport_failures },
	{ "plain http never through a proxy", test_no_proxy_for_http },
	{ "debug output redaction", test_debug_redaction },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "client", suite_init, suite_clean, NULL, NULL, client_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_client", suites);
}
