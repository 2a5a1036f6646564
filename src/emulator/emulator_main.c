/*
 * emulator_main.c - mqreset-emulator: a local Ons OpenAPI server that
 * misbehaves on request.  See mqreset-emulator(1).
 *
 * main() parses the option table, builds the state (--state, then
 * --rehearse), the fault rules (state file first, then every --fault in
 * command-line order), the QPS buckets, the nonce cache, the journal and
 * the request log,
 * starts the server and prints "listening on URL" as the first line of
 * standard output.  Signals are blocked in every thread before any is
 * created; the main thread alone waits for SIGINT/SIGTERM or the
 * --max-seconds deadline, then stops the server, saves the state and
 * prints the summaries (requests, applied resets, faults) to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "clock.h"
#include "emu_actions.h"
#include "emu_cli.h"
#include "emu_fault.h"
#include "emu_journal.h"
#include "emu_nonce.h"
#include "emu_qps.h"
#include "emu_rehearse.h"
#include "emu_sts.h"
#include "emu_reqlog.h"
#include "emu_server.h"
#include "emu_state.h"
#include "exitcode.h"
#include "msg.h"
#include "opts.h"
#include "version.h"

/* "A=N,B=M" into rates[]. */
static err_code
emu_parse_qps_action(const char *s, double *rates, struct err *e)
{
	char *copy, *tok, *save = NULL, *eq, *end;
	err_code rc = ERR_OK;
	double v;
	int a;

	copy = strdup(s);
	if (copy == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == ERR_OK;
	    tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (eq == NULL) {
			rc = err_set(e, ERR_USAGE, "--qps-action: '%s' is not "
			    "ACTION=N", tok);
			break;
		}
		*eq = '\0';
		a = emu_action_find(tok);
		errno = 0;
		v = strtod(eq + 1, &end);
		if (a < 0)
			rc = err_set(e, ERR_USAGE, "--qps-action: unknown "
			    "action '%s'", tok);
		else if (eq[1] == '\0' || *end != '\0' || errno != 0 ||
		    !(v >= 0))
			rc = err_set(e, ERR_USAGE, "--qps-action: '%s' is not "
			    "a rate", eq + 1);
		else
			rates[a] = v;
	}
	free(copy);
	return rc;
}

/* Read a whole (small) file; NULL with detail in *e. */
static char *
emu_read_pem(const char *path, struct err *e)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *fp;
	char *out;

	fp = fopen(path, "r");
	if (fp == NULL) {
		err_set_errno(e, ERR_IO, errno, "%s", path);
		return NULL;
	}
	buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_append(&b, chunk, n) != ERR_OK)
			break;
	if (ferror(fp) || !feof(fp)) {
		err_set(e, ERR_IO, "%s: cannot read (or larger than 1 MiB)",
		    path);
		fclose(fp);
		buf_free(&b);
		return NULL;
	}
	fclose(fp);
	out = buf_steal(&b);
	OPENSSL_cleanse(chunk, sizeof chunk);
	if (out == NULL)
		err_set(e, ERR_NOMEM, "out of memory");
	return out;
}

/* n random characters from [A-Za-z0-9] into out (NUL-terminated). */
static err_code
emu_random_alnum(char *out, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[64];
	size_t i;

	if (n > sizeof r || RAND_bytes(r, (int)n) != 1)
		return ERR_INTERNAL;
	for (i = 0; i < n; i++)
		out[i] = set[r[i] % (sizeof set - 1)];
	out[n] = '\0';
	OPENSSL_cleanse(r, sizeof r);
	return ERR_OK;
}

/* A state without credentials gets one random AccessKey pair. */
static err_code
emu_default_cred(struct emu_state *st, const struct emu_cli *cfg,
    struct err *e)
{
	char id[32] = "LTAI5t", secret[31];
	err_code rc;

	if (st->ncreds > 0)
		return ERR_OK;
	rc = emu_random_alnum(id + 6, 18);
	if (rc == ERR_OK)
		rc = emu_random_alnum(secret, 30);
	if (rc == ERR_OK && emu_state_add_cred(st, id, secret) == NULL)
		rc = ERR_NOMEM;
	OPENSSL_cleanse(secret, sizeof secret);
	if (rc != ERR_OK)
		return err_set(e, rc, "cannot create the default credential");
	if (cfg->write_creds == NULL && cfg->save_state == NULL)
		msg_warn("created credential %s, but its secret is shown "
		    "nowhere: give --write-credentials FILE", id);
	else
		msg_info("created credential %s (no credentials in the state; "
		    "the secret is in --%s)", id, cfg->write_creds != NULL ?
		    "write-credentials" : "save-state");
	return ERR_OK;
}

/*
 * Write the first usable credential as an INI profile, the format of
 * ~/.alibabacloud/credentials (type access_key), mode 0600, created
 * fresh: a test reads the secret from it, never from a command line.
 */
static err_code
emu_write_creds(const struct emu_state *st, const char *path, struct err *e)
{
	const struct emu_cred *c = NULL;
	struct buf b;
	size_t i;
	int fd;
	err_code rc;

	for (i = 0; i < st->ncreds && c == NULL; i++)
		if (!st->creds[i]->disabled && st->creds[i]->token == NULL)
			c = st->creds[i];
	if (c == NULL)
		return err_set(e, ERR_CRED, "--write-credentials: the state has "
		    "no enabled AccessKey without an STS token");
	buf_init(&b, 64 * 1024);
	rc = buf_printf(&b, "[default]\ntype = access_key\naccess_key_id = "
	    "%s\naccess_key_secret = %s\n", c->key_id, c->secret);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = err_set_errno(e, ERR_IO, errno, "%s", path);
	else if (rc != ERR_OK || write(fd, b.data, b.len) != (ssize_t)b.len)
		rc = err_set_errno(e, ERR_IO, errno, "%s", path);
	if (fd >= 0 && close(fd) != 0 && rc == ERR_OK)
		rc = err_set_errno(e, ERR_IO, errno, "%s", path);
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return rc;
}

/* Wait for SIGINT/SIGTERM/SIGHUP or the deadline (0: none). */
static void
emu_wait(const sigset_t *set, long long max_seconds)
{
	struct timespec ts;
	int64_t deadline, left;
	int sig;

	deadline = max_seconds > 0 ? clock_mono_ns() +
	    (int64_t)max_seconds * 1000000000 : 0;
	for (;;) {
		left = deadline != 0 ? deadline - clock_mono_ns() : 1000000000;
		if (left <= 0) {
			msg_info("--max-seconds reached, stopping");
			return;
		}
		if (left > 1000000000)
			left = 1000000000;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0) {
			msg_info("SIG%s received, stopping", sigabbrev_np(sig));
			return;
		}
	}
}

static void
emu_print_summary(const struct emu_server_stats *ss,
    const struct emu_faults *f, struct emu_nonce *nc)
{
	struct buf b;

	msg_info("requests: %llu, resets applied: %llu",
	    (unsigned long long)ss->requests,
	    (unsigned long long)ss->applied);
	if (ss->reaped > 0)
		msg_info("connections closed for slow headers: %llu",
		    (unsigned long long)ss->reaped);
	buf_init(&b, 4096);
	if (emu_faults_summary(f, &b) == ERR_OK)
		msg_info("%s", buf_cstr(&b));
	buf_free(&b);
	if (emu_nonce_evicted(nc) > 0)
		msg_warn("the nonce cache forgot %llu nonces early (raise "
		    "--nonce-cache)", (unsigned long long)emu_nonce_evicted(nc));
}

/*
 * Everything after option parsing; returns an error code.  Over 100
 * lines on purpose: the emulator's life in order (state, faults,
 * credentials, TLS, server, wait, summary, save), each step a few lines
 * with one cleanup label at the end; splitting it would scatter the
 * ownership of what the cleanup frees.
 */
static err_code
emu_run(const struct emu_cli *cfg, struct err *e)
{
	struct emu_server_config sc;
	struct emu_server_stats stats;
	struct emu_state *st = NULL;
	struct emu_faults *faults = NULL;
	struct emu_nonce *nc = NULL;
	struct emu_qps *qps = NULL;
	enum emu_qps_window win = EMU_QPS_TOKEN;
	struct emu_journal *journal = NULL;
	struct emu_reqlog *reqlog = NULL;
	struct emu_server *srv = NULL;
	struct emu_sts_config stscfg;
	struct emu_sts *sts = NULL;
	char *cert = NULL, *key = NULL;
	double rates[EMU_ACT_N];
	unsigned long rows;
	sigset_t set;
	size_t i;
	int a;
	err_code rc = ERR_OK;

	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
		return err_set(e, ERR_USAGE, "--tls-cert and --tls-key go "
		    "together");
	/* Block the stop signals in every thread (all are created below);
	 * the main thread takes them with sigtimedwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	st = emu_state_new();
	faults = emu_faults_new((uint64_t)cfg->seed);
	if (st == NULL || faults == NULL)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK && cfg->state != NULL)
		rc = emu_state_load_file(st, cfg->state, e);
	if (rc == ERR_OK && cfg->rehearse != NULL) {
		rc = emu_rehearse(st, cfg->rehearse, cfg->instance,
		    clock_wall_ms(), (uint64_t)cfg->seed, &rows, e);
		if (rc == ERR_OK)
			msg_info("rehearsal: %lu plan rows, %zu instances",
			    rows, st->ninstances);
	}
	if (rc == ERR_OK)
		rc = emu_default_cred(st, cfg, e);
	for (i = 0; rc == ERR_OK && i < st->nfaults; i++)
		rc = emu_faults_add(faults, st->faults[i], e);
	for (i = 0; rc == ERR_OK && i < cfg->faults.n; i++)
		rc = emu_faults_add(faults, cfg->faults.v[i], e);
	for (a = 0; a < EMU_ACT_N; a++)
		rates[a] = cfg->qps > 0 ? cfg->qps : emu_action_default_qps(a);
	if (rc == ERR_OK && cfg->qps_action != NULL)
		rc = emu_parse_qps_action(cfg->qps_action, rates, e);
	if (rc == ERR_OK && emu_qps_window_parse(cfg->qps_window, &win) != 0)
		rc = err_set(e, ERR_USAGE, "--qps-window: '%s' is not token, "
		    "fixed or sliding", cfg->qps_window);
	if (rc == ERR_OK) {
		nc = emu_nonce_new((size_t)cfg->nonce_cache);
		qps = emu_qps_new_accounts(EMU_ACT_N, emu_state_naccounts(st),
		    rates, win, clock_mono_ns());
		if (nc == NULL || qps == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	if (rc == ERR_OK && cfg->journal != NULL)
		rc = emu_journal_open(cfg->journal, &journal, e);
	if (rc == ERR_OK && cfg->request_log != NULL)
		rc = emu_reqlog_open(cfg->request_log, &reqlog, e);
	if (rc == ERR_OK && cfg->tls_cert != NULL) {
		cert = emu_read_pem(cfg->tls_cert, e);
		key = cert != NULL ? emu_read_pem(cfg->tls_key, e) : NULL;
		if (key == NULL)
			rc = e->code;
	}
	if (rc == ERR_OK && cfg->write_creds != NULL)
		rc = emu_write_creds(st, cfg->write_creds, e);
	if (rc == ERR_OK && cfg->imdsv2_only && !cfg->metadata)
		rc = err_set(e, ERR_USAGE, "--imdsv2-only needs --metadata");
	if (rc == ERR_OK && (cfg->sts || cfg->metadata)) {
		stscfg.sts = cfg->sts;
		stscfg.metadata = cfg->metadata;
		stscfg.imdsv2_only = cfg->imdsv2_only;
		stscfg.duration_ms = cfg->sts_duration * 1000;
		sts = emu_sts_new(&stscfg);
		if (sts == NULL)
			rc = err_set(e, ERR_NOMEM, "out of memory");
		st->sts = sts;
	}
	if (rc == ERR_OK) {
		memset(&sc, 0, sizeof sc);
		sc.sts = sts;
		sc.listen = cfg->listen;
		sc.tls_cert_pem = cert;
		sc.tls_key_pem = key;
		sc.threads = (unsigned)cfg->threads;
		sc.st = st;
		sc.nonce = nc;
		sc.faults = faults;
		sc.qps = qps;
		sc.journal = journal;
		sc.reqlog = reqlog;
		sc.throttle_hint_ms = cfg->throttle_hint_ms;
		sc.max_conns = (unsigned)cfg->max_conns;
		sc.max_conns_per_ip = (unsigned)cfg->max_conns_per_ip;
		sc.header_ms = cfg->header_ms;
		rc = emu_server_start(&sc, &srv, e);
	}
	if (rc == ERR_OK) {
		const char *h = cfg->listen;
		const char *colon = strrchr(h, ':');

		printf("listening on %s://%.*s:%u\n", cert != NULL ? "https" :
		    "http", (int)(colon - h), h, emu_server_port(srv));
		if (fflush(stdout) != 0)
			msg_warn("cannot write to standard output");
		if (emu_faults_count(faults) > 0)
			msg_info("%zu fault rules, seed %lld",
			    emu_faults_count(faults), cfg->seed);
		emu_wait(&set, cfg->max_seconds);
		emu_server_stop(srv, &stats);
		emu_print_summary(&stats, faults, nc);
	}
	if (rc == ERR_OK && cfg->save_state != NULL)
		rc = emu_state_save_file(st, cfg->save_state, e);
	emu_journal_close(journal);
	emu_reqlog_close(reqlog);
	emu_qps_destroy(qps);
	emu_nonce_destroy(nc);
	emu_faults_destroy(faults);
	emu_state_destroy(st);
	emu_sts_destroy(sts);
	if (key != NULL)
		OPENSSL_cleanse(key, strlen(key));
	free(key);
	free(cert);
	return rc;
}

int
main(int argc, char **argv)
{
	struct emu_cli cfg;
	const struct opts_spec *opts;
	struct opts_result res;
	size_t nopts;
	struct err e;
	err_code rc;

	msg_init("mqreset-emulator");
	memset(&cfg, 0, sizeof cfg);
	err_clear(&e);
	opts = emu_cli_opts(&nopts);
	rc = opts_parse(opts, nopts, argc, argv, 1, &cfg, &res, &e);
	if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		return EXITCODE_INVALID;
	}
	if (res.npos > 0) {
		msg_error("unexpected argument '%s' (see --help)", res.pos[0]);
		opts_result_free(&res);
		return EXITCODE_INVALID;
	}
	if (cfg.help) {
		opts_result_free(&res);
		opts_help(stdout, emu_cli_usage, emu_cli_summary, opts,
		    nopts);
		return fclose(stdout) == 0 ? EXITCODE_OK : EXITCODE_ABORTED;
	}
	if (cfg.version) {
		opts_result_free(&res);
		printf("mqreset-emulator %s\n", MQR_VERSION);
		return fclose(stdout) == 0 ? EXITCODE_OK : EXITCODE_ABORTED;
	}
	if (cfg.quiet)
		msg_set_level(MSG_WARN);
	rc = emu_run(&cfg, &e);
	opts_result_free(&res); /* after emu_run: cfg.faults points into it */
	if (rc != ERR_OK) {
		msg_error("%s", err_message(&e));
		return (int)exitcode_from_err(rc);
	}
	return EXITCODE_OK;
}
