/*
 * test_attempt.c - the attempt loop's decisions (attempt.h, pacer.h),
 * with scripted replies and a fake clock: nothing sleeps, nothing is
 * sent.  Each row of the table is one plan row driven by a script of
 * replies, and the resulting status, attempts, fatal cause, throttle hold,
 * dead instances and stop of the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "cu.h"
#include "intent.h"
#include "pacer.h"
#include "reply.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MS INT64_C(1000000)

#define OKBODY "{\"RequestId\":\"R-ok\",\"Data\":true}"
#define ERRBODY(code) "{\"RequestId\":\"R-1\",\"Code\":\"" code "\"," \
	"\"Message\":\"m\"}"

/* The fake clock: sleeping moves time forward at once. */
struct fake_clock {
	int64_t now_ns;  /* monotonic */
	int64_t slept;   /* sleeps taken */
};

static int64_t
fake_mono(void *arg)
{
	return ((struct fake_clock *)arg)->now_ns;
}

static int64_t
fake_wall(void *arg)
{
	return INT64_C(1717380000000) +
	    ((struct fake_clock *)arg)->now_ns / MS;
}

static void
fake_sleep(void *arg, int64_t until)
{
	struct fake_clock *c = arg;

	if (until > c->now_ns)
		c->now_ns = until;
	c->slept++;
}

/* One scripted reply. */
struct step {
	long status;            /* HTTP status; 0: a transport failure */
	const char *body;       /* the reply body (status > 0) */
	const char *acs_hint;   /* x-acs-retry-after, or NULL */
	err_code err;           /* transport failure (status 0) */
	int sent;               /* the request had left */
	int abort_first;        /* a second signal arrives during it */
};

#define MAX_STEPS 6

/* The fake transport: the script, and what it saw. */
struct fake_tx {
	const struct step *steps; /* the script */
	size_t n;                 /* its length */
	size_t next;              /* next step */
	struct pacer *pacer;      /* to abort from inside a call */
	struct fake_clock *clock; /* to time the calls */
	int64_t sent_at[MAX_STEPS]; /* the clock at each call */
};

static void
fake_send(void *arg, const struct plan_key *key, struct reply *rep)
{
	struct fake_tx *tx = arg;
	const struct step *s;
	struct reply_hints h;

	(void)key;
	CU_ASSERT_FATAL(tx->next < tx->n);
	tx->sent_at[tx->next] = tx->clock->now_ns;
	s = &tx->steps[tx->next++];
	if (s->abort_first)
		pacer_abort(tx->pacer);
	if (s->status == 0) {
		reply_set_transport(rep, s->err, s->sent, NULL);
		return;
	}
	memset(&h, 0, sizeof h);
	h.acs_retry_after = s->acs_hint;
	reply_parse(rep, s->status, s->body, strlen(s->body), &h, 1);
	rep->latency_us = 1000;
}

#define OK200 { 200, OKBODY, NULL, ERR_OK, 1, 0 }
#define THROTTLE_1500 { 429, ERRBODY("Throttling.User"), "1500", ERR_OK, 1, 0 }
#define E500 { 500, ERRBODY("InternalError"), NULL, ERR_OK, 1, 0 }
#define NOINST { 400, ERRBODY("INSTANCE_NOT_FOUND"), NULL, ERR_OK, 1, 0 }
#define BADSIG { 400, ERRBODY("SignatureDoesNotMatch"), NULL, ERR_OK, 1, 0 }
#define REFUSED { 0, NULL, NULL, ERR_NET, 0, 0 }
#define ABORT_SENT { 0, NULL, NULL, ERR_INTERRUPTED, 1, 1 }
#define ABORT_UNSENT { 0, NULL, NULL, ERR_INTERRUPTED, 0, 1 }

static const struct {
	const char *name;
	int type;                 /* the row's type */
	unsigned max_attempts;    /* --max-attempts */
	unsigned max_consecutive; /* --max-consecutive-failures */
	struct step steps[MAX_STEPS];
	size_t nsteps;
	enum report_status status; /* expected */
	unsigned attempts;         /* expected */
	err_code fatal;            /* expected cause, ERR_OK none */
	const char *code;          /* expected code, NULL: not checked */
	int64_t hold_ms;           /* expected hold after the first call,
	                              0: none */
	int dead;                  /* the instance is dead afterwards */
	err_code stop;             /* the run's stop cause afterwards */
} rows[] = {
	{ "ok at once", 1, 5, 0, { OK200 }, 1, REPORT_OK, 1, ERR_OK, "",
	  0, 0, ERR_OK },
	{ "throttled with a hint, then ok", 1, 5, 0,
	  { THROTTLE_1500, OK200 }, 2, REPORT_OK, 2, ERR_OK, "", 1500, 0,
	  ERR_OK },
	{ "500 after apply, type 1: retried", 1, 5, 0, { E500, OK200 }, 2,
	  REPORT_OK, 2, ERR_OK, "", 0, 0, ERR_OK },
	{ "500 after apply, type 0: unknown, not retried", 0, 5, 0,
	  { E500 }, 1, REPORT_UNKNOWN, 1, ERR_OK, "InternalError", 0, 0,
	  ERR_OK },
	{ "instance failure: failed, instance dead", 1, 5, 0, { NOINST }, 1,
	  REPORT_FAILED, 1, ERR_OK, "INSTANCE_NOT_FOUND", 0, 1, ERR_OK },
	{ "bad signature: run-fatal, cause ERR_AUTH", 1, 5, 0, { BADSIG }, 1,
	  REPORT_FAILED, 1, ERR_AUTH, "SignatureDoesNotMatch", 0, 0, ERR_OK },
	{ "transport failures in a row stop the run", 1, 5, 3,
	  { REFUSED, REFUSED, REFUSED }, 3, REPORT_FAILED, 3, ERR_OK,
	  "mqreset.ConnectionError", 0, 0, ERR_NET },
	{ "out of attempts", 1, 2, 0, { REFUSED, REFUSED }, 2, REPORT_FAILED,
	  2, ERR_OK, "mqreset.ConnectionError", 0, 0, ERR_OK },
	{ "aborted after the request left: unknown", 0, 5, 0,
	  { ABORT_SENT }, 1, REPORT_UNKNOWN, 1, ERR_OK, "mqreset.Aborted", 0,
	  0, ERR_OK },
	{ "aborted before the request left: not-run", 0, 5, 0,
	  { ABORT_UNSENT }, 1, REPORT_NOT_RUN, 0, ERR_OK, NULL, 0, 0,
	  ERR_OK },
};

/* The pieces of one scenario. */
struct rig {
	struct fake_clock clock;
	struct pacer pacer;
	struct attempt_ctx ctx;
	struct fake_tx tx;
	struct rng rng;
	struct reply rep;
};

static void
rig_init(struct rig *g, unsigned max_attempts, unsigned max_consecutive,
    struct intent *journal)
{
	struct pacer_clock pc = { fake_mono, fake_wall, fake_sleep, NULL };
	struct attempt_config ac;
	struct err e;

	memset(g, 0, sizeof *g);
	g->clock.now_ns = 1000 * MS;
	pc.arg = &g->clock;
	CU_ASSERT_EQUAL_FATAL(pacer_init(&g->pacer, &pc, &e), ERR_OK);
	pacer_start(&g->pacer, 10.0, 1.0);
	ac.max_attempts = max_attempts;
	ac.retry_ambiguous = 0;
	ac.max_consecutive_failures = max_consecutive;
	attempt_ctx_init(&g->ctx, &ac, &g->pacer, journal);
	g->tx.pacer = &g->pacer;
	g->tx.clock = &g->clock;
	rng_seed(&g->rng, 7);
	reply_init(&g->rep);
}

static void
rig_free(struct rig *g)
{
	reply_free(&g->rep);
	attempt_ctx_free(&g->ctx);
	pacer_free(&g->pacer);
}

static const struct plan_key key1 = { "MQ_INST_1", "GID_a", "t", 1,
	INT64_C(1717380000000), NULL, NULL };
static const struct plan_key key0 = { "MQ_INST_1", "GID_a", "t", 0, -1, NULL,
	NULL };

static void
test_table(void)
{
	struct attempt_result res;
	struct rig g;
	size_t i;
	int ok;

	for (i = 0; i < NELEM(rows); i++) {
		rig_init(&g, rows[i].max_attempts, rows[i].max_consecutive,
		    NULL);
		g.tx.steps = rows[i].steps;
		g.tx.n = rows[i].nsteps;
		attempt_row(&g.ctx, 2, rows[i].type == 0 ? &key0 : &key1,
		    fake_send, &g.tx, &g.rng, &g.rep, &res);
		ok = res.status == rows[i].status &&
		    res.attempts == rows[i].attempts &&
		    res.fatal == rows[i].fatal &&
		    g.tx.next == rows[i].nsteps &&
		    (rows[i].code == NULL ||
		    strcmp(res.code, rows[i].code) == 0) &&
		    attempt_instance_dead(&g.ctx, "MQ_INST_1") == rows[i].dead &&
		    pacer_stopped(&g.pacer, NULL, 0) == rows[i].stop &&
		    atomic_load(&g.ctx.requests) == rows[i].attempts;
		if (rows[i].hold_ms > 0) {
			/* Every later request waits out the hint. */
			ok = ok && pacer_hold_until(&g.pacer) ==
			    g.tx.sent_at[0] + rows[i].hold_ms * MS &&
			    g.tx.sent_at[1] >= pacer_hold_until(&g.pacer);
		} else {
			ok = ok && pacer_hold_until(&g.pacer) == 0;
		}
		if (!ok)
			fprintf(stderr, "\n%s: status %s attempts %u fatal %d "
			    "code '%s' steps %zu\n", rows[i].name,
			    report_status_text(res.status), res.attempts,
			    (int)res.fatal, res.code, g.tx.next);
		CU_ASSERT(ok);
		rig_free(&g);
	}
}

/* A dead instance's next row fails unsent: no request. */
static void
test_dead_instance_next_row(void)
{
	static const struct step script[] = { NOINST };
	struct attempt_result res;
	struct rig g;

	rig_init(&g, 5, 0, NULL);
	g.tx.steps = script;
	g.tx.n = NELEM(script);
	attempt_row(&g.ctx, 2, &key1, fake_send, &g.tx, &g.rng, &g.rep, &res);
	CU_ASSERT_EQUAL(res.status, REPORT_FAILED);
	attempt_row(&g.ctx, 3, &key0, fake_send, &g.tx, &g.rng, &g.rep, &res);
	CU_ASSERT_EQUAL(res.status, REPORT_FAILED);
	CU_ASSERT_EQUAL(res.attempts, 0);
	CU_ASSERT_STRING_EQUAL(res.code, "INSTANCE_NOT_FOUND");
	CU_ASSERT_PTR_NOT_NULL(strstr(res.message, "not sent"));
	CU_ASSERT_EQUAL(g.tx.next, 1);
	rig_free(&g);
}

/* A stopped run sends nothing: not-run. */
static void
test_stopped_before(void)
{
	struct attempt_result res;
	struct rig g;

	rig_init(&g, 5, 0, NULL);
	pacer_stop(&g.pacer, ERR_INTERRUPTED, "interrupted by a signal");
	attempt_row(&g.ctx, 2, &key1, fake_send, &g.tx, &g.rng, &g.rep, &res);
	CU_ASSERT_EQUAL(res.status, REPORT_NOT_RUN);
	CU_ASSERT_EQUAL(res.attempts, 0);
	CU_ASSERT_EQUAL(res.fatal, ERR_OK);
	CU_ASSERT_EQUAL(g.tx.next, 0);
	rig_free(&g);
}

/*
 * Type 0 is journaled before it leaves; when the journal cannot take the
 * line the row is not sent and the run's cause is ERR_IO (not ERR_AUTH).
 */
static void
test_journal(void)
{
	static const struct step script[] = { OK200 };
	char dir[256];
	const char *report;
	struct attempt_result res;
	struct intent *j = NULL;
	struct rig g;
	struct err e;
	char *text;

	snprintf(dir, sizeof dir, "%s", cu_tmpdir());
	report = cu_path_in(dir, "r.csv");
	CU_ASSERT_EQUAL_FATAL(intent_open(&j, report, 0, &e), ERR_OK);
	rig_init(&g, 5, 0, j);
	g.tx.steps = script;
	g.tx.n = NELEM(script);
	attempt_row(&g.ctx, 7, &key0, fake_send, &g.tx, &g.rng, &g.rep, &res);
	CU_ASSERT_EQUAL(res.status, REPORT_OK);
	CU_ASSERT_EQUAL(intent_count(j), 1);
	text = cu_slurp(cu_path_in(dir, "r.csv.intent"), NULL);
	CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text,
	    "\n7,MQ_INST_1,GID_a,t,0,,") : NULL);
	free(text);
	/* A type 1 row needs no line. */
	g.tx.next = 0;
	attempt_row(&g.ctx, 8, &key1, fake_send, &g.tx, &g.rng, &g.rep, &res);
	CU_ASSERT_EQUAL(intent_count(j), 1);
	/* The journal is gone: the row is not sent, the cause is I/O. */
	CU_ASSERT_EQUAL(intent_finish(j, &e), ERR_OK);
	g.tx.next = 0;
	attempt_row(&g.ctx, 9, &key0, fake_send, &g.tx, &g.rng, &g.rep, &res);
	CU_ASSERT_EQUAL(res.status, REPORT_NOT_RUN);
	CU_ASSERT_EQUAL(res.attempts, 0);
	CU_ASSERT_EQUAL(res.fatal, ERR_IO);
	CU_ASSERT_STRING_EQUAL(res.code, "mqreset.JournalError");
	CU_ASSERT_EQUAL(g.tx.next, 0);
	rig_free(&g);
	intent_destroy(j);
	cu_rmdir(dir);
}

/* The pacer: one slot per attempt at the configured rate, no real sleep. */
static void
test_pacer_slots(void)
{
	struct rig g;
	int64_t t0;
	int i;

	rig_init(&g, 5, 0, NULL);
	t0 = g.clock.now_ns;
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(pacer_wait_turn(&g.pacer, 0), 0);
	/* 10 per second with a burst of 1: five slots span 400 ms. */
	CU_ASSERT(g.clock.now_ns - t0 >= 400 * MS);
	CU_ASSERT(g.clock.now_ns - t0 < 500 * MS);
	pacer_stop(&g.pacer, ERR_IO, "first");
	pacer_stop(&g.pacer, ERR_NET, "second");
	CU_ASSERT_EQUAL(pacer_wait_turn(&g.pacer, 0), -1);
	CU_ASSERT_EQUAL(pacer_stopped(&g.pacer, NULL, 0), ERR_IO);
	rig_free(&g);
}

/*
 * The limiter starts when the pacer does, one request ahead: time spent
 * before (validating a large plan) does not fill the bucket, so the
 * first second holds no burst.
 */
static void
test_pacer_starts_late(void)
{
	struct pacer_clock pc = { fake_mono, fake_wall, fake_sleep, NULL };
	struct fake_clock clock = { 1000 * MS, 0 };
	struct pacer p;
	struct err e;
	int64_t t0;

	pc.arg = &clock;
	CU_ASSERT_EQUAL_FATAL(pacer_init(&p, &pc, &e), ERR_OK);
	clock.now_ns += 10000 * MS;
	pacer_start(&p, 10.0, 5.0);
	t0 = clock.now_ns;
	CU_ASSERT_EQUAL(pacer_wait_turn(&p, 0), 0);
	CU_ASSERT_EQUAL(clock.now_ns, t0);
	CU_ASSERT_EQUAL(pacer_wait_turn(&p, 0), 0);
	CU_ASSERT(clock.now_ns - t0 >= 100 * MS);
	pacer_free(&p);
}

/* A scripted read-back: the answers in turn, and how often it was asked. */
struct fake_rb {
	enum attempt_resolution answers[4];
	size_t asked;
};

static enum attempt_resolution
fake_ambiguous(void *arg, const struct plan_key *key, char *msg,
    size_t msglen)
{
	struct fake_rb *f = arg;

	(void)key;
	snprintf(msg, msglen, "read-back: readings %zu", f->asked);
	return f->answers[f->asked++];
}

/* attempt_row_rb(): ambiguous type 0 attempts resolved by the state. */
static void
test_readback(void)
{
	static const struct step e500[] = { E500 };
	static const struct step e500_ok[] = { E500, OK200 };
	static const struct step e500_e500[] = { E500, E500 };
	static const struct {
		const char *name;
		const struct plan_key *key;
		const struct step *steps;
		size_t nsteps;
		unsigned max_attempts;
		enum attempt_resolution answers[2];
		enum report_status status;
		unsigned attempts;
		size_t asked;
		enum attempt_verified verified;
		const char *msg; /* expected at the message's start */
	} t[] = {
		{ "applied: ok, verified", &key0, e500, 1, 5,
		  { ATTEMPT_RB_APPLIED }, REPORT_OK, 1, 1,
		  ATTEMPT_VERIFIED_YES, "applied (confirmed by read-back); "
		  "read-back: readings 0" },
		{ "not applied: sent again", &key0, e500_ok, 2, 5,
		  { ATTEMPT_RB_NOT_APPLIED }, REPORT_OK, 2, 1,
		  ATTEMPT_VERIFIED_NONE, "" },
		{ "cannot tell: unknown with the readings", &key0, e500, 1,
		  5, { ATTEMPT_RB_CANNOT_TELL }, REPORT_UNKNOWN, 1, 1,
		  ATTEMPT_VERIFIED_NONE, "InternalError: m" },
		{ "not applied twice, out of attempts: failed", &key0,
		  e500_e500, 2, 2, { ATTEMPT_RB_NOT_APPLIED,
		  ATTEMPT_RB_NOT_APPLIED }, REPORT_FAILED, 2, 2,
		  ATTEMPT_VERIFIED_NONE, "InternalError: m" },
		{ "type 1: retried, no read-back", &key1, e500_ok, 2, 5,
		  { ATTEMPT_RB_APPLIED }, REPORT_OK, 2, 0,
		  ATTEMPT_VERIFIED_NONE, "" },
	};
	struct attempt_readback rb;
	struct attempt_result res;
	struct fake_rb f;
	struct rig g;
	size_t i;
	int ok;

	for (i = 0; i < NELEM(t); i++) {
		rig_init(&g, t[i].max_attempts, 0, NULL);
		g.tx.steps = t[i].steps;
		g.tx.n = t[i].nsteps;
		memset(&f, 0, sizeof f);
		f.answers[0] = t[i].answers[0];
		f.answers[1] = t[i].answers[1];
		rb.ambiguous = fake_ambiguous;
		rb.arg = &f;
		rb.before = NULL;
		attempt_row_rb(&g.ctx, 2, t[i].key, fake_send, &g.tx, &g.rng,
		    &g.rep, &res, &rb);
		ok = res.status == t[i].status &&
		    res.attempts == t[i].attempts && f.asked == t[i].asked &&
		    res.verified == t[i].verified &&
		    strncmp(res.message, t[i].msg, strlen(t[i].msg)) == 0;
		if (t[i].status == REPORT_UNKNOWN)
			ok = ok && strstr(res.message, "readings 0") != NULL;
		if (!ok)
			fprintf(stderr, "\n%s: status %d attempts %u asked %zu "
			    "verified %d message \"%s\"\n", t[i].name,
			    (int)res.status, res.attempts, f.asked,
			    (int)res.verified, res.message);
		CU_ASSERT_TRUE(ok);
		rig_free(&g);
	}
}

static CU_TestInfo tests[] = {
	{ "read-back of ambiguous clears", test_readback },
	{ "decision table", test_table },
	{ "dead instance: next row unsent", test_dead_instance_next_row },
	{ "stopped before the row", test_stopped_before },
	{ "journal before sending; its failure is ERR_IO", test_journal },
	{ "pacer slots and first stop cause", test_pacer_slots },
	{ "pacer: no burst at the start", test_pacer_starts_late },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "attempt", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_attempt", suites);
}
