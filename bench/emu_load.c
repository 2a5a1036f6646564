/*
 * emu_load.c - load generator for the emulator and run benchmarks
 * (bench/emulator.sh and bench/run.sh build it with cc against
 * libmqreset.a).
 *
 *   emu_load URL CREDENTIALS_INI THREADS SECONDS INSTANCE GROUP TOPIC
 *            [RATE [CACERT]]
 *
 * Each thread owns one libcurl easy handle (keep-alive: one connection
 * per thread) and sends signed OnsConsumerResetOffset calls (POST form,
 * signature v1 through the project's sign module, a fresh nonce and
 * timestamp per request), for SECONDS:
 *  - RATE absent or 0: as fast as answers come back (emulator throughput);
 *  - RATE > 0: paced, RATE requests per second in all, thread i sending
 *    at t0 + (k * THREADS + i) / RATE with absolute sleeps.  This is the
 *    reference client of the run benchmark: the transport mqreset uses
 *    (libcurl easy handles, one per thread, TLS verified against CACERT)
 *    plus signing, and nothing else (no engine, queues, report), so its
 *    CPU time is the floor a thread-per-connection client can reach.
 * A request counts as ok only when the status is 200 and the body holds
 * a RequestId.  Threads share nothing but a stop flag; totals are summed
 * after pthread_join (the wrk model).  Prints one line:
 *   requests=N ok=N errors=N seconds=S rps=R
 * The secret is read from the INI file written by
 * `mqreset-emulator --write-credentials`, never from the command line.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "params.h"
#include "sign.h"

struct load_cfg {
	const char *url;      /* emulator base URL */
	char key_id[128];     /* AccessKeyId */
	char secret[128];     /* AccessKeySecret */
	const char *instance; /* InstanceId */
	const char *group;    /* GroupId */
	const char *topic;    /* Topic */
	int64_t until_ns;     /* stop time (monotonic) */
	int64_t start_ns;     /* pacing origin (monotonic) */
	double rate;          /* requests per second in all; 0: unpaced */
	int threads;          /* thread count (pacing stride) */
	const char *cacert;   /* CA bundle for https://, or NULL */
	atomic_int stop;      /* set when a thread fails hard */
};

struct load_thread {
	pthread_t tid;              /* the thread */
	int index;                  /* 0..threads-1 (pacing offset) */
	const struct load_cfg *cfg; /* shared, read-only */
	unsigned long requests;     /* sent */
	unsigned long ok;           /* 200 with RequestId */
	unsigned long errors;       /* anything else */
};

static size_t
load_write(char *p, size_t sz, size_t n, void *ud)
{
	struct buf *b = ud;

	return buf_append(b, p, sz * n) == ERR_OK ? sz * n : 0;
}

/* Build the signed form body for one request into body. */
static int
load_body(const struct load_cfg *c, struct buf *body)
{
	struct params p;
	struct buf sts;
	char nonce[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN], sig[SIGN_V1_LEN];
	int rc = -1;

	params_init(&p);
	buf_init(&sts, 1 << 16);
	buf_reset(body);
	if (sign_nonce(nonce) != ERR_OK)
		goto out;
	sign_timestamp(clock_wall_ms(), ts);
	if (params_add(&p, "AccessKeyId", c->key_id) != ERR_OK ||
	    params_add(&p, "Action", "OnsConsumerResetOffset") != ERR_OK ||
	    params_add(&p, "Format", "JSON") != ERR_OK ||
	    params_add(&p, "GroupId", c->group) != ERR_OK ||
	    params_add(&p, "InstanceId", c->instance) != ERR_OK ||
	    params_add(&p, "SignatureMethod", "HMAC-SHA1") != ERR_OK ||
	    params_add(&p, "SignatureNonce", nonce) != ERR_OK ||
	    params_add(&p, "SignatureVersion", "1.0") != ERR_OK ||
	    params_add(&p, "Timestamp", ts) != ERR_OK ||
	    params_add(&p, "Topic", c->topic) != ERR_OK ||
	    params_add(&p, "Type", "0") != ERR_OK ||
	    params_add(&p, "Version", "2019-02-14") != ERR_OK)
		goto out;
	/* As the client: the canonical query is signed, then sent with the
	 * signature appended. */
	if (sign_v1_canonical(&p, body) != ERR_OK ||
	    sign_v1_string_to_sign_canonical("POST", buf_cstr(body),
	    body->len, &sts) != ERR_OK ||
	    sign_v1_signature(c->secret, buf_cstr(&sts), sig) != ERR_OK ||
	    sign_v1_append_signature(body, sig) != ERR_OK)
		goto out;
	rc = 0;
out:
	buf_free(&sts);
	params_free(&p);
	return rc;
}

/* Sleep until the monotonic time at_ns (clock_mono_ns() scale). */
static void
load_sleep_until(int64_t at_ns)
{
	int64_t d;
	struct timespec ts;

	while ((d = at_ns - clock_mono_ns()) > 0) {
		ts.tv_sec = (time_t)(d / 1000000000);
		ts.tv_nsec = (long)(d % 1000000000);
		nanosleep(&ts, NULL);
	}
}

static void *
load_main(void *arg)
{
	struct load_thread *t = arg;
	const struct load_cfg *c = t->cfg;
	struct buf body, reply;
	CURL *h;
	long status;
	int64_t at;
	uint64_t k;

	h = curl_easy_init();
	if (h == NULL)
		return NULL;
	buf_init(&body, 1 << 16);
	buf_init(&reply, 1 << 16);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, load_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (c->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	for (k = 0; !atomic_load(&((struct load_cfg *)c)->stop); k++) {
		if (c->rate > 0) {
			at = c->start_ns + (int64_t)((double)(k * c->threads +
			    t->index) * 1e9 / c->rate);
			if (at >= c->until_ns)
				break;
			load_sleep_until(at);
		} else if (clock_mono_ns() >= c->until_ns) {
			break;
		}
		if (load_body(c, &body) != 0)
			break;
		buf_reset(&reply);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body.len);
		t->requests++;
		status = 0;
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && strstr(buf_cstr(&reply),
		    "\"RequestId\"") != NULL)
			t->ok++;
		else if (++t->errors == 1)
			fprintf(stderr, "emu_load: status %ld: %.200s\n",
			    status, buf_cstr(&reply));
	}
	buf_free(&body);
	buf_free(&reply);
	curl_easy_cleanup(h);
	return NULL;
}

/* access_key_id / access_key_secret from the INI file. */
static int
load_creds(const char *path, struct load_cfg *c)
{
	char line[512], *v;
	FILE *fp;

	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		v = strstr(line, " = ");
		if (v == NULL)
			continue;
		*v = '\0';
		v += 3;
		if (strcmp(line, "access_key_id") == 0)
			snprintf(c->key_id, sizeof c->key_id, "%s", v);
		else if (strcmp(line, "access_key_secret") == 0)
			snprintf(c->secret, sizeof c->secret, "%s", v);
	}
	fclose(fp);
	return c->key_id[0] != '\0' && c->secret[0] != '\0' ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static struct load_cfg cfg;
	struct load_thread *th;
	unsigned long req = 0, ok = 0, errs = 0;
	int64_t t0, t1;
	int n, i, secs;

	if (argc < 8 || argc > 10) {
		fprintf(stderr, "usage: emu_load URL CREDENTIALS_INI THREADS "
		    "SECONDS INSTANCE GROUP TOPIC [RATE [CACERT]]\n");
		return 2;
	}
	cfg.url = argv[1];
	if (load_creds(argv[2], &cfg) != 0) {
		fprintf(stderr, "emu_load: cannot read credentials from %s\n",
		    argv[2]);
		return 2;
	}
	n = atoi(argv[3]);
	secs = atoi(argv[4]);
	if (n < 1 || n > 256 || secs < 1) {
		fprintf(stderr, "emu_load: bad THREADS or SECONDS\n");
		return 2;
	}
	cfg.instance = argv[5];
	cfg.group = argv[6];
	cfg.topic = argv[7];
	cfg.rate = argc > 8 ? atof(argv[8]) : 0.0;
	cfg.cacert = argc > 9 ? argv[9] : NULL;
	cfg.threads = n;
	if (cfg.rate < 0) {
		fprintf(stderr, "emu_load: bad RATE\n");
		return 2;
	}
	atomic_init(&cfg.stop, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	th = calloc((size_t)n, sizeof *th);
	if (th == NULL)
		return 2;
	t0 = clock_mono_ns();
	cfg.until_ns = t0 + (int64_t)secs * 1000000000;
	cfg.start_ns = t0;
	for (i = 0; i < n; i++) {
		th[i].cfg = &cfg;
		th[i].index = i;
		pthread_create(&th[i].tid, NULL, load_main, &th[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i].tid, NULL);
		req += th[i].requests;
		ok += th[i].ok;
		errs += th[i].errors;
	}
	t1 = clock_mono_ns();
	printf("requests=%lu ok=%lu errors=%lu seconds=%.2f rps=%.0f\n", req,
	    ok, errs, (double)(t1 - t0) / 1e9,
	    (double)ok / ((double)(t1 - t0) / 1e9));
	free(th);
	curl_global_cleanup();
	return errs == 0 && ok > 0 ? 0 : 1;
}
