/*
 * engine.c - the run engine: plan -> workers -> report.  See engine.h.
 *
 * Flow of engine_run():
 *   1. Checks that cost nothing: the report may be created, --resume is
 *      another file.
 *   2. Pass 1 over the plan: plan_validate() (every diagnostic,
 *      duplicates).  An invalid plan stops here: nothing was sent.
 *   3. With --resume: load the previous report and its journal, pass 2
 *      over the plan matching every row, refuse a report of another plan.
 *   4. One API client per worker, the report, the intent journal.
 *   5. Workers start (every signal blocked in them); the main thread runs
 *      the dispatch loop: pass 3 over the plan, one row at a time, never
 *      more than `jobs capacity + workers` rows outstanding, so memory
 *      does not grow with the plan (the report writer keeps 8 bytes per
 *      row to reorder at the end; that is its business).
 *   6. When the plan is exhausted or the run stops, the remaining rows are
 *      written as not-run (or skipped/held per --resume), the workers are
 *      joined, the report is put in plan order and the journal removed.
 *
 * The rules for retries are in decide.c; the pacing in ratelimit.c and
 * backoff.c; this file only wires them together.
 */
#include "engine.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backoff.h"
#include "clock.h"
#include "decide.h"
#include "diag.h"
#include "fsutil.h"
#include "intent.h"
#include "lockfile.h"
#include "msg.h"
#include "plan.h"
#include "queue.h"
#include "ratelimit.h"
#include "reply.h"
#include "report.h"
#include "resume.h"
#include "rng.h"

/* Jobs waiting for a worker, per worker: enough to never starve one. */
#define ENGINE_JOBS_PER_WORKER 2
/* Main loop wake-up when idle (signals, progress). */
#define ENGINE_TICK_NS INT64_C(100000000)
/* Progress line refresh. */
#define ENGINE_PROGRESS_NS INT64_C(250000000)
/* Cap on diagnostics printed per severity by the validation pass. */
#define ENGINE_DIAG_MAX 50
/* Room for a row's error message: the reply's detail plus our reason. */
#define ENGINE_MSG_MAX (REPLY_TEXT_MAX + 512)
#define ENGINE_ACTION "OnsConsumerResetOffset"
/* The lock file next to a report. */
#define ENGINE_LOCK_SUFFIX ".lock"
/* Longest suffix of a file derived from the report's name: the intent
 * journal's staging name ".intent.start-XXXXXX" (report.h, intent.h). */
#define ENGINE_SUFFIX_MAX (sizeof(INTENT_SUFFIX INTENT_STAGE_SUFFIX) - 1)

/*
 * One plan row on its way through a worker and back.  The identity and
 * extra cells are copied into the same allocation (after the struct) and
 * are read-only once the job is queued; the result fields are written by
 * the one worker holding the job and read by the main thread after the
 * results queue handed it back (the queue's mutex orders the two).
 */
struct job {
	size_t index;          /* position among the plan's data rows */
	size_t slot;           /* index in engine.inflight while out */
	unsigned long line;    /* plan line */
	struct report_key key; /* instance, group, topic, type, reset_ms */
	char **extra;          /* extra cells (into this allocation) */
	size_t nextra;         /* number of extra cells */
	/* results */
	enum report_status status;     /* final status */
	int fatal;                     /* the run must stop (auth, I/O...) */
	int http_status;               /* of the final attempt, 0 none */
	unsigned attempts;             /* requests sent */
	int64_t latency_us;            /* time spent in requests */
	int64_t finished_ms;           /* wall time of the outcome */
	char request_id[REPLY_ID_MAX]; /* of the final attempt */
	char code[REPLY_ID_MAX];       /* service Code or local reason */
	char message[ENGINE_MSG_MAX];  /* detail for the report */
};

struct engine;

/* An instance the service said is gone or not ours (reply class
 * REPLY_FAILED_INSTANCE): every row of it not sent yet fails unsent. */
struct engine_dead_instance {
	char instance[128];            /* InstanceId */
	unsigned long line;            /* plan line whose reply said so */
	char code[REPLY_ID_MAX];       /* the service's Code */
	char detail[REPLY_TEXT_MAX];   /* its detail line */
};
/* Instances remembered as failed (beyond it, rows are simply sent and
 * fail on their own reply). */
#define ENGINE_DEAD_MAX 64

/* A worker thread: its own client and random generator. */
struct worker {
	struct engine *eng;       /* shared engine (read-only config) */
	pthread_t tid;            /* the thread */
	int started;              /* tid is valid */
	struct client *client;    /* owned: one curl handle, kept alive */
	struct rng rng;           /* jitter draws */
	struct client_stats stats; /* the client's counters at exit */
};

struct engine {
	const struct engine_config *cfg; /* read-only once workers start */
	struct queue *jobs;       /* main -> workers */
	struct queue *results;    /* workers -> main */
	pthread_mutex_t rl_lock;  /* guards rl */
	struct ratelimit rl;      /* shared adaptive limiter */
	pthread_mutex_t journal_lock; /* guards journal */
	struct intent *journal;   /* type 0 in-flight records (execute) */
	atomic_int stopping;      /* no new rows, no new retries */
	atomic_int hard_abort;    /* do not wait for in-flight requests */
	pthread_mutex_t stop_lock; /* orders the flags above with stop_cv */
	pthread_cond_t stop_cv;   /* broadcast when a flag is raised: wakes
	                             workers sleeping for a slot or backoff */
	int stop_cv_ok;           /* stop_cv was initialised */
	atomic_uint_fast64_t requests;  /* attempts sent */
	atomic_uint_fast64_t retries;   /* attempts after a row's first */
	atomic_uint_fast64_t throttled; /* throttling replies */
	atomic_ulong failed_rows;  /* failed or unknown rows, by workers */
	int64_t hold_until_ns;    /* guarded by rl_lock: no request leaves
	                             before this monotonic time (the
	                             server's throttle hint) */
	atomic_uint endpoint_failures; /* attempts in a row that failed at
	                             the transport or endpoint level */
	pthread_mutex_t inst_lock; /* guards the failed instances */
	struct engine_dead_instance dead[ENGINE_DEAD_MAX]; /* instances
	                             that failed as a whole: their unsent
	                             rows are not sent */
	size_t ndead;             /* entries in dead */
	struct worker *workers;   /* cfg->workers entries */
	unsigned nworkers;        /* workers created (clients made) */
	/* main thread only */
	struct lockfile *lock;    /* held on REPORT.lock for the whole run */
	struct lockfile *resume_lock; /* held on PREVIOUS_REPORT.lock */
	struct report *report;    /* the report writer */
	struct resume *resume;    /* previous run, or NULL */
	struct job **inflight;    /* jobs handed out, by slot */
	size_t ninflight_cap;     /* slots */
	size_t outstanding;       /* jobs handed out and not back */
	size_t by_status[REPORT_NSTATUS]; /* rows written per status */
	size_t written;           /* rows written to the report */
	size_t to_send;           /* rows the plan asks to send */
	unsigned long fail_limit; /* failures that stop the run, 0 none;
	                             set before the workers start */
	size_t failures;          /* failed + unknown rows of this run */
	size_t held;              /* type 0 held on resume */
	char stop_reason[SUMMARY_REASON_MAX]; /* why the run stopped
	                             (stop_lock: workers may stop the run) */
	err_code stop_code;       /* ERR_OK while not stopped (stop_lock) */
	int detached;             /* workers abandoned: never free */
	/* set by engine_prepare */
	int64_t now_ms;           /* "now" for every pass over the plan */
	struct stat plan_st;      /* the plan file as validated */
	struct plan_counts counts; /* from the validation */
	size_t total;             /* plan data rows */
	uint64_t *digests;        /* plan_row_digest() of every valid row
	                             as validated, by index */
	size_t ndigests;          /* entries in digests */
	size_t digests_cap;       /* allocated entries */
};

/* ------------------------------------------------------------------ */
/* Jobs */

/* Copy a plan row into a new job (one allocation).  NULL on ENOMEM. */
static struct job *
engine_job_new(const struct plan_row *row, size_t index)
{
	struct job *j;
	size_t need, i, off;
	char *p;

	need = sizeof(*j) + row->nextra * sizeof(char *);
	need += strlen(row->instance) + strlen(row->group) +
	    strlen(row->topic) + 3;
	for (i = 0; i < row->nextra; i++)
		need += strlen(row->extra[i] ? row->extra[i] : "") + 1;
	j = calloc(1, need);
	if (j == NULL)
		return NULL;
	j->extra = (char **)(void *)(j + 1);
	p = (char *)(j->extra + row->nextra);
	off = 0;
#define ENGINE_COPY(dst, src)                                              \
	do {                                                               \
		size_t n_ = strlen(src) + 1;                               \
		memcpy(p + off, (src), n_);                                \
		(dst) = p + off;                                           \
		off += n_;                                                 \
	} while (0)
	ENGINE_COPY(j->key.instance, row->instance);
	ENGINE_COPY(j->key.group, row->group);
	ENGINE_COPY(j->key.topic, row->topic);
	for (i = 0; i < row->nextra; i++)
		ENGINE_COPY(j->extra[i], row->extra[i] ? row->extra[i] : "");
#undef ENGINE_COPY
	j->nextra = row->nextra;
	j->index = index;
	j->line = row->line;
	j->key.type = row->type;
	j->key.reset_ms = row->type == PLAN_TYPE_CLEAR ? -1 : row->reset_ms;
	j->status = REPORT_NOT_RUN;
	return j;
}

/* A local reason code for an outcome without a service Code. */
static const char *
engine_local_code(err_code code)
{
	switch (code) {
	case ERR_TIMEOUT:
		return "mqreset.Timeout";
	case ERR_NET:
		return "mqreset.ConnectionError";
	case ERR_TLS:
		return "mqreset.TLSError";
	case ERR_PROTO:
		return "mqreset.BadReply";
	case ERR_TOOBIG:
		return "mqreset.ReplyTooBig";
	case ERR_IO:
		return "mqreset.JournalError";
	case ERR_INTERRUPTED:
		return "mqreset.Interrupted";
	default:
		return "mqreset.Error";
	}
}

/* Append "; text" (or "text" to an empty message), truncating. */
static void
engine_msg_append(char *msg, const char *text)
{
	size_t n;

	if (text == NULL || *text == '\0')
		return;
	n = strlen(msg);
	if (n > 0 && n + 2 < ENGINE_MSG_MAX) {
		memcpy(msg + n, "; ", 3);
		n += 2;
	}
	snprintf(msg + n, ENGINE_MSG_MAX - n, "%s", text);
}

/* Final fields of a job from its last reply and the decision. */
static void
engine_job_finish(struct job *j, const struct reply *rep,
    const struct decide_result *d)
{
	j->status = d->status;
	j->http_status = (int)rep->http_status;
	snprintf(j->request_id, sizeof(j->request_id), "%s",
	    rep->request_id);
	j->code[0] = '\0';
	j->message[0] = '\0';
	if (d->status != REPORT_OK) {
		snprintf(j->code, sizeof(j->code), "%s", rep->code[0] != '\0' ?
		    rep->code : engine_local_code(rep->err));
		snprintf(j->message, sizeof(j->message), "%s", rep->detail);
		engine_msg_append(j->message, decide_reason_text(d->reason));
	}
	j->fatal = d->action == DECIDE_ABORT_RUN;
	j->finished_ms = clock_wall_ms();
}

/* ------------------------------------------------------------------ */
/* Workers */

static void
engine_stop(struct engine *eng, err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
engine_should_stop(struct engine *eng)
{
	return atomic_load(&eng->stopping) || atomic_load(&eng->hard_abort);
}

/*
 * Raise `flag` (eng->stopping or eng->hard_abort) and wake the workers
 * sleeping in engine_sleep_until().  The broadcast is made under
 * stop_lock, which a sleeper holds from its check of the flags until it
 * waits, so no wake-up is lost.
 */
static void
engine_raise(struct engine *eng, atomic_int *flag)
{
	atomic_store(flag, 1);
	pthread_mutex_lock(&eng->stop_lock);
	pthread_cond_broadcast(&eng->stop_cv);
	pthread_mutex_unlock(&eng->stop_lock);
}

/*
 * Sleep until the monotonic time `until`; -1 on a stop.  One timed wait
 * per rate slot or backoff (not a loop of short sleeps: issue 6 counts
 * the client's wake-ups), cut short by engine_raise().
 */
static int
engine_sleep_until(struct engine *eng, int64_t until)
{
	struct timespec ts;
	int stop;

	if (engine_should_stop(eng))
		return -1;
	if (clock_mono_ns() >= until)
		return 0;
	ts.tv_sec = (time_t)(until / 1000000000);
	ts.tv_nsec = (long)(until % 1000000000);
	pthread_mutex_lock(&eng->stop_lock);
	while (!(stop = engine_should_stop(eng)) && clock_mono_ns() < until)
		if (pthread_cond_timedwait(&eng->stop_cv, &eng->stop_lock,
		    &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&eng->stop_lock);
	return stop ? -1 : 0;
}

/*
 * Sleep `delay_ns` (a backoff), then wait for this attempt's rate-limit
 * slot: one reservation per attempt, so waiting workers wake once per
 * request instead of polling the bucket.  Returns 0 when the attempt may
 * go, -1 when the run is stopping.
 */
static int
engine_wait_turn(struct engine *eng, int64_t delay_ns)
{
	int64_t now, w, hold;

	if (engine_sleep_until(eng, clock_mono_ns() + delay_ns) != 0)
		return -1;
	for (;;) {
		now = clock_mono_ns();
		pthread_mutex_lock(&eng->rl_lock);
		hold = eng->hold_until_ns;
		w = hold > now ? 0 : ratelimit_reserve(&eng->rl, now);
		pthread_mutex_unlock(&eng->rl_lock);
		if (hold > now) {
			/* The server asked for quiet: nobody sends. */
			if (engine_sleep_until(eng, hold) != 0)
				return -1;
			continue;
		}
		if (engine_sleep_until(eng, now + w) != 0)
			return -1;
		/* A hint that came while this worker waited for its slot
		 * holds it too: the slot is given up, a new one taken. */
		pthread_mutex_lock(&eng->rl_lock);
		hold = eng->hold_until_ns;
		pthread_mutex_unlock(&eng->rl_lock);
		if (hold <= clock_mono_ns())
			return 0;
	}
}

/*
 * A reply carried a throttle hint (x-acs-retry-after, x-ratelimit-user*,
 * Retry-After: reply.h): no worker sends before it expires, not only the
 * one that got it.
 */
static void
engine_hold(struct engine *eng, const struct reply *rep)
{
	int64_t until;

	if (rep->http_status < 400 || rep->retry_after_ms <= 0)
		return;
	until = clock_mono_ns() + rep->retry_after_ms * INT64_C(1000000);
	pthread_mutex_lock(&eng->rl_lock);
	if (until > eng->hold_until_ns)
		eng->hold_until_ns = until;
	pthread_mutex_unlock(&eng->rl_lock);
	msg_debug("the service asked for %lld ms of quiet: every worker "
	    "waits", (long long)rep->retry_after_ms);
}

/*
 * Did this attempt fail at the transport or endpoint level (no HTTP
 * answer, an answer that is not the API's JSON, a 5xx)?  Such failures in
 * a row, with no answer of the API in between, mean the endpoint itself
 * is wrong or down: after cfg->max_consecutive_failures of them the run
 * stops instead of spending every row's retries.
 */
static void
engine_count_endpoint(struct engine *eng, const struct reply *rep)
{
	unsigned n, lim = eng->cfg->max_consecutive_failures;

	if (rep->err == ERR_INTERRUPTED)
		return;
	if (rep->http_status > 0 && rep->http_status < 500 &&
	    rep->body != NULL) {
		atomic_store(&eng->endpoint_failures, 0);
		return;
	}
	n = atomic_fetch_add(&eng->endpoint_failures, 1) + 1;
	if (lim > 0 && n == lim)
		engine_stop(eng, ERR_NET, "%u requests in a row failed at the "
		    "transport or endpoint level with no answer from the API "
		    "(last: %s); check the endpoint, region and network "
		    "(--max-consecutive-failures)", n, rep->detail);
}

/* Has the job's instance failed as a whole?  Then fail it unsent. */
static int
engine_instance_dead(struct engine *eng, struct job *j)
{
	const struct engine_dead_instance *d = NULL;
	size_t i;

	pthread_mutex_lock(&eng->inst_lock);
	for (i = 0; i < eng->ndead && d == NULL; i++)
		if (strcmp(eng->dead[i].instance, j->key.instance) == 0)
			d = &eng->dead[i];
	if (d != NULL) {
		j->status = REPORT_FAILED;
		snprintf(j->code, sizeof(j->code), "%s", d->code);
		snprintf(j->message, sizeof(j->message), "not sent: instance "
		    "%s failed at plan line %lu: %s", d->instance, d->line,
		    d->detail);
		j->finished_ms = clock_wall_ms();
	}
	pthread_mutex_unlock(&eng->inst_lock);
	return d != NULL;
}

/* Remember that the job's instance failed as a whole. */
static void
engine_instance_fail(struct engine *eng, const struct job *j,
    const struct reply *rep)
{
	struct engine_dead_instance *d;
	size_t i;

	pthread_mutex_lock(&eng->inst_lock);
	for (i = 0; i < eng->ndead; i++)
		if (strcmp(eng->dead[i].instance, j->key.instance) == 0)
			break;
	if (i == eng->ndead && eng->ndead < ENGINE_DEAD_MAX) {
		d = &eng->dead[eng->ndead++];
		snprintf(d->instance, sizeof(d->instance), "%s",
		    j->key.instance);
		d->line = j->line;
		snprintf(d->code, sizeof(d->code), "%s", rep->code);
		snprintf(d->detail, sizeof(d->detail), "%s", rep->detail);
	}
	pthread_mutex_unlock(&eng->inst_lock);
}

static enum decide_outcome
engine_outcome(const struct reply *rep)
{
	switch (rep->cls) {
	case REPLY_OK:
		return DECIDE_IN_OK;
	case REPLY_RETRYABLE:
		return rep->throttled ? DECIDE_IN_THROTTLED :
		    DECIDE_IN_TRANSIENT;
	case REPLY_FATAL:
		return DECIDE_IN_FATAL;
	case REPLY_FAILED_ROW:
		return DECIDE_IN_ROW_FAILED;
	case REPLY_RECONSUME_LATER:
		return DECIDE_IN_RECONSUME;
	case REPLY_FAILED_INSTANCE:
		return DECIDE_IN_INSTANCE_FAILED;
	}
	return DECIDE_IN_FATAL;
}

static const struct backoff_policy engine_policies[] = {
	[DECIDE_BACKOFF_NONE] = { 0, 0, 0 },
	[DECIDE_BACKOFF_TRANSIENT] = BACKOFF_POLICY_TRANSIENT,
	[DECIDE_BACKOFF_THROTTLE] = BACKOFF_POLICY_THROTTLE,
	[DECIDE_BACKOFF_RECONSUME] = BACKOFF_POLICY_RECONSUME,
};

/* The job was not sent: status not-run (or failed and fatal). */
static void
engine_job_unsent(struct job *j, const char *why, int fatal)
{
	j->status = REPORT_NOT_RUN;
	j->fatal = fatal;
	snprintf(j->message, sizeof(j->message), "%s", why);
	j->finished_ms = clock_wall_ms();
}

/* Dry run: sign the request as for real, send nothing. */
static void
engine_dry_run(struct worker *w, struct job *j)
{
	struct client_reset_req req;
	struct params p, shown;
	struct err e;
	err_code rc;

	err_clear(&e);
	params_init(&p);
	params_init(&shown);
	req.instance_id = j->key.instance;
	req.group_id = j->key.group;
	req.topic = j->key.topic;
	req.type = j->key.type;
	req.reset_ms = j->key.reset_ms;
	rc = client_reset_params(&req, &p);
	if (rc == ERR_OK)
		rc = client_preview(w->client, ENGINE_ACTION, &p, &shown, &e);
	if (rc == ERR_OK) {
		j->status = REPORT_DRY_RUN;
		j->finished_ms = clock_wall_ms();
	} else {
		/* A signing failure is the same for every row. */
		engine_job_unsent(j, err_message(&e), 1);
		snprintf(j->code, sizeof(j->code), "%s",
		    engine_local_code(rc));
	}
	params_free(&shown);
	params_free(&p);
}

/* Send one row with its retries; fills the job's result fields. */
static void
engine_execute(struct worker *w, struct job *j, struct reply *rep)
{
	struct engine *eng = w->eng;
	struct client_reset_req req;
	struct decide_input in;
	struct decide_result d;
	struct err e;
	int64_t delay, hint;
	int journaled, amb;

	req.instance_id = j->key.instance;
	req.group_id = j->key.group;
	req.topic = j->key.topic;
	req.type = j->key.type;
	req.reset_ms = j->key.reset_ms;
	memset(&in, 0, sizeof(in));
	in.type = j->key.type;
	in.max_attempts = eng->cfg->max_attempts;
	in.retry_ambiguous = eng->cfg->retry_ambiguous;
	journaled = 0;
	amb = 0;
	delay = 0;
	for (;;) {
		if (engine_wait_turn(eng, delay) != 0) {
			if (j->attempts == 0) {
				engine_job_unsent(j, "not sent: the run was "
				    "stopping", 0);
				return;
			}
			/* Retry abandoned: the last attempt decides. */
			in.stopping = 1;
			d = decide(&in);
			engine_job_finish(j, rep, &d);
			return;
		}
		if (j->attempts == 0 && engine_instance_dead(eng, j))
			return;
		if (j->key.type == PLAN_TYPE_CLEAR && !journaled) {
			/* The intent is on disk before the request leaves. */
			err_clear(&e);
			pthread_mutex_lock(&eng->journal_lock);
			if (intent_record(eng->journal, j->line, &j->key,
			    clock_wall_ms(), &e) != ERR_OK) {
				pthread_mutex_unlock(&eng->journal_lock);
				if (j->attempts == 0) {
					engine_job_unsent(j, err_message(&e),
					    1);
					snprintf(j->code, sizeof(j->code), "%s",
					    engine_local_code(ERR_IO));
					return;
				}
				in.stopping = 1;
				d = decide(&in);
				engine_job_finish(j, rep, &d);
				j->fatal = 1;
				return;
			}
			pthread_mutex_unlock(&eng->journal_lock);
			journaled = 1;
		}
		err_clear(&e);
		client_reset_offset(w->client, &req, rep, &e);
		j->attempts++;
		atomic_fetch_add(&eng->requests, 1);
		if (j->attempts > 1)
			atomic_fetch_add(&eng->retries, 1);
		if (rep->latency_us > 0)
			j->latency_us += rep->latency_us;
		if (rep->throttled) {
			atomic_fetch_add(&eng->throttled, 1);
			pthread_mutex_lock(&eng->rl_lock);
			ratelimit_throttled(&eng->rl, clock_mono_ns());
			pthread_mutex_unlock(&eng->rl_lock);
		}
		engine_hold(eng, rep);
		engine_count_endpoint(eng, rep);
		in.outcome = engine_outcome(rep);
		/* reply.c says when an answer does not prove the request
		 * unapplied (a 5xx, a replayed nonce...). */
		in.maybe_applied = rep->maybe_applied;
		in.ambiguous_before = amb;
		in.attempts = j->attempts;
		in.stopping = engine_should_stop(eng);
		d = decide(&in);
		if (d.fail_instance)
			engine_instance_fail(eng, j, rep);
		if (d.action != DECIDE_RETRY) {
			engine_job_finish(j, rep, &d);
			return;
		}
		amb |= rep->maybe_applied;
		hint = rep->retry_after_ms > 0 ? rep->retry_after_ms *
		    INT64_C(1000000) : 0;
		delay = backoff_delay_ns(&engine_policies[d.policy],
		    j->attempts, rng_double(&w->rng), hint);
		msg_debug("line %lu: attempt %u: %s; retrying in %lld ms",
		    j->line, j->attempts, rep->detail,
		    (long long)(delay / 1000000));
	}
}

/*
 * Stop the other workers from taking new rows as soon as this result
 * makes the run stop (a fatal reply, the failure limit), without waiting
 * for the main thread to read it: with --stop-on-error no row may start
 * after the failing one ended.  The main thread records the reason.
 */
static void
engine_worker_limits(struct engine *eng, const struct job *j)
{
	unsigned long n;

	if (j->fatal)
		engine_raise(eng, &eng->stopping);
	if (j->status != REPORT_FAILED && j->status != REPORT_UNKNOWN)
		return;
	n = (unsigned long)atomic_fetch_add(&eng->failed_rows, 1) + 1;
	if (eng->fail_limit > 0 && n >= eng->fail_limit)
		engine_raise(eng, &eng->stopping);
}

static void *
engine_worker(void *arg)
{
	struct worker *w = arg;
	struct engine *eng = w->eng;
	struct reply rep;
	void *item;
	struct job *j;

	reply_init(&rep);
	while (queue_pop(eng->jobs, &item) == QUEUE_OK) {
		j = item;
		if (engine_should_stop(eng))
			engine_job_unsent(j, "not sent: the run was stopping",
			    0);
		else if (eng->cfg->execute)
			engine_execute(w, j, &rep);
		else
			engine_dry_run(w, j);
		reply_free(&rep);
		engine_worker_limits(eng, j);
		if (queue_push(eng->results, j) != QUEUE_OK)
			free(j); /* results closed: the main thread is gone */
	}
	reply_free(&rep);
	client_stats(w->client, &w->stats);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Main thread: report rows, stopping, progress */

/* Stop dispatching (first reason wins).  Any thread. */
static void
engine_stop(struct engine *eng, err_code code, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&eng->stop_lock);
	if (eng->stop_code == ERR_OK) {
		eng->stop_code = code;
		va_start(ap, fmt);
		vsnprintf(eng->stop_reason, sizeof(eng->stop_reason), fmt,
		    ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&eng->stop_lock);
	engine_raise(eng, &eng->stopping);
}

/* Why the run stopped: ERR_OK while it has not; the reason into out. */
static err_code
engine_stopped(struct engine *eng, char *out, size_t size)
{
	err_code code;

	pthread_mutex_lock(&eng->stop_lock);
	code = eng->stop_code;
	if (out != NULL)
		snprintf(out, size, "%s", eng->stop_reason);
	pthread_mutex_unlock(&eng->stop_lock);
	return code;
}

/* Write one report row; an I/O error stops the run. */
static err_code
engine_write(struct engine *eng, size_t index, const struct report_row *row,
    struct err *e)
{
	err_code rc;

	rc = report_write(eng->report, index, row, e);
	if (rc != ERR_OK) {
		engine_stop(eng, rc, "cannot write the report: %s",
		    err_message(e));
		return rc;
	}
	eng->by_status[row->status]++;
	eng->written++;
	if (report_space_low(eng->report))
		engine_stop(eng, ERR_IO, "the disk holding the report %s is "
		    "full: stopped before a row could be lost",
		    eng->cfg->report_path);
	return ERR_OK;
}

/* A report row for a job. */
static void
engine_job_row(const struct job *j, struct report_row *row)
{
	memset(row, 0, sizeof(*row));
	row->line = j->line;
	row->key = j->key;
	row->status = j->status;
	row->http_status = j->http_status;
	row->request_id = j->request_id;
	row->error_code = j->code;
	row->error_message = j->message;
	row->attempts = j->attempts;
	row->latency_ms = j->attempts > 0 ? (j->latency_us + 500) / 1000 : -1;
	row->finished_ms = j->finished_ms;
	row->extra = (const char *const *)j->extra;
	row->nextra = j->nextra;
}

/* A result came back from a worker: report it, check the limits. */
static void
engine_record(struct engine *eng, struct job *j, struct err *e)
{
	struct report_row row;

	eng->inflight[j->slot] = NULL;
	eng->outstanding--;
	engine_job_row(j, &row);
	if (engine_write(eng, j->index, &row, e) != ERR_OK)
		return;
	if (j->status == REPORT_FAILED || j->status == REPORT_UNKNOWN) {
		eng->failures++;
		msg_verbose("%s:%lu: %s %s: %s: %s%s%s",
		    plan_display_name(eng->cfg->plan_path), j->line,
		    j->key.group, j->key.topic, report_status_text(j->status),
		    j->code, j->message[0] ? " " : "", j->message);
	}
	if (j->fatal) {
		msg_error("%s:%lu: %s: %s; stopping the run",
		    plan_display_name(eng->cfg->plan_path), j->line, j->code,
		    j->message);
		engine_stop(eng, ERR_AUTH, "run-fatal error at line %lu: "
		    "%s: %s", j->line, j->code, j->message);
	} else if (eng->fail_limit > 0 && eng->failures >= eng->fail_limit) {
		engine_stop(eng, ERR_REMOTE, "failure limit reached: %zu "
		    "row%s failed or unknown (limit %lu)", eng->failures,
		    eng->failures == 1 ? "" : "s", eng->fail_limit);
	}
}

/* A row written without being sent (skipped, held, not-run). */
static void
engine_write_unsent(struct engine *eng, const struct plan_row *prow,
    size_t index, enum report_status st, const char *code,
    const char *message, struct err *e)
{
	struct report_row row;

	memset(&row, 0, sizeof(row));
	row.line = prow->line;
	row.key.instance = prow->instance;
	row.key.group = prow->group;
	row.key.topic = prow->topic;
	row.key.type = prow->type;
	row.key.reset_ms = prow->type == PLAN_TYPE_CLEAR ? -1 :
	    prow->reset_ms;
	row.status = st;
	row.error_code = code;
	row.error_message = message;
	row.latency_ms = -1;
	row.finished_ms = st == REPORT_SKIPPED ? 0 : clock_wall_ms();
	row.extra = prow->extra;
	row.nextra = prow->nextra;
	engine_write(eng, index, &row, e);
}

/*
 * A row that differs from the validated one (the plan was edited during
 * the run): never sent, reported as read with that reason.  Its key may
 * repeat another row's; the resume reader lets a not-run row give way.
 */
static void
engine_write_changed(struct engine *eng, const struct plan_row *prow,
    size_t index, struct err *e)
{
	engine_write_unsent(eng, prow, index, REPORT_NOT_RUN,
	    "mqreset.PlanChanged", "not sent: this line changed after the "
	    "plan was validated (the plan was edited during the run)", e);
}

/* What --resume says about a plan row (RESUME_SEND without --resume). */
static enum resume_action
engine_resume_action(struct engine *eng, const struct plan_row *prow,
    struct resume_prev *prev)
{
	struct report_key key;

	memset(prev, 0, sizeof(*prev));
	if (eng->resume == NULL)
		return RESUME_SEND;
	key.instance = prow->instance;
	key.group = prow->group;
	key.topic = prow->topic;
	key.type = prow->type;
	key.reset_ms = prow->type == PLAN_TYPE_CLEAR ? -1 : prow->reset_ms;
	resume_match(eng->resume, &key, prev);
	return resume_decide(prev, prow->type, eng->cfg->retry_ambiguous);
}

/*
 * Handle a row that --resume says not to send: returns 1 when it is not
 * to be sent (and, with `write`, writes its row), 0 when it is to be sent.
 */
static int
engine_resume_row(struct engine *eng, const struct plan_row *prow,
    size_t index, int write, struct err *e)
{
	struct resume_prev prev;
	char why[256];
	enum resume_action act;

	act = engine_resume_action(eng, prow, &prev);
	if (act != RESUME_SEND && !write)
		return 1;
	switch (act) {
	case RESUME_SEND:
		return 0;
	case RESUME_SKIP:
		snprintf(why, sizeof(why), "ok in %s line %lu, not sent "
		    "again", eng->cfg->resume_path, prev.report_line);
		engine_write_unsent(eng, prow, index, REPORT_SKIPPED, "",
		    why, e);
		return 1;
	case RESUME_HOLD:
		snprintf(why, sizeof(why), "type 0 row %s %s%s line %lu: "
		    "the backlog may have been cleared; not sent again "
		    "without --retry-ambiguous",
		    prev.seen == RESUME_SEEN_INFLIGHT ? "in flight and never "
		    "answered in" : "unknown in", eng->cfg->resume_path,
		    prev.seen == RESUME_SEEN_INFLIGHT ? INTENT_SUFFIX : "",
		    prev.report_line);
		engine_write_unsent(eng, prow, index, REPORT_UNKNOWN,
		    "mqreset.AmbiguousHeld", why, e);
		eng->held++;
		return 1;
	}
	return 0;
}

static void
engine_progress(struct engine *eng, size_t total, int64_t start_ns)
{
	char line[256], eta[32];
	double el, rate, done_rate;
	size_t done, left;
	int64_t now;

	if (!eng->cfg->progress)
		return;
	now = clock_mono_ns();
	el = (double)(now - start_ns) / 1e9;
	pthread_mutex_lock(&eng->rl_lock);
	rate = ratelimit_rate(&eng->rl, now);
	pthread_mutex_unlock(&eng->rl_lock);
	done = eng->written;
	left = total > done ? total - done : 0;
	done_rate = el > 0.5 ? (double)done / el : 0;
	if (done_rate > 0) {
		long s = (long)ceil((double)left / done_rate);

		if (s >= 3600)
			snprintf(eta, sizeof(eta), "%ldh%02ldm", s / 3600,
			    s / 60 % 60);
		else if (s >= 60)
			snprintf(eta, sizeof(eta), "%ldm%02lds", s / 60, s % 60);
		else
			snprintf(eta, sizeof(eta), "%lds", s);
	} else
		snprintf(eta, sizeof(eta), "?");
	snprintf(line, sizeof(line), "run: %zu/%zu rows, ok %zu, failed %zu, "
	    "unknown %zu, %.1f req/s (limiter at %.1f/s), ETA %s", done, total,
	    eng->by_status[REPORT_OK] + eng->by_status[REPORT_DRY_RUN] +
	    eng->by_status[REPORT_SKIPPED], eng->by_status[REPORT_FAILED],
	    eng->by_status[REPORT_UNKNOWN], el > 0 ?
	    (double)atomic_load(&eng->requests) / el : 0.0,
	    eng->cfg->execute ? rate : 0.0, eta);
	msg_status(line);
}

/* Look at the signal counter: 1 stops dispatching, 2 aborts. */
static void
engine_signals(struct engine *eng, volatile sig_atomic_t *signals,
    int *seen)
{
	int n;

	if (signals == NULL)
		return;
	n = (int)*signals;
	if (n == *seen)
		return;
	*seen = n;
	if (n == 1) {
		msg_warn("interrupted: finishing %zu row%s in flight, the "
		    "rest will be not-run (interrupt again to abort them)",
		    eng->outstanding, eng->outstanding == 1 ? "" : "s");
		engine_stop(eng, ERR_INTERRUPTED, "interrupted by a signal");
	} else if (n >= 2) {
		msg_warn("interrupted again: not waiting for %zu row%s in "
		    "flight (reported unknown)", eng->outstanding,
		    eng->outstanding == 1 ? "" : "s");
		engine_stop(eng, ERR_INTERRUPTED, "interrupted by a signal");
		engine_raise(eng, &eng->hard_abort);
	}
}

/* Put a job out to the workers; 1 when queued. */
static int
engine_hand_out(struct engine *eng, struct job *j)
{
	size_t i;

	for (i = 0; i < eng->ninflight_cap; i++)
		if (eng->inflight[i] == NULL)
			break;
	if (i == eng->ninflight_cap)
		return 0;
	j->slot = i;
	eng->inflight[i] = j;
	if (queue_trypush(eng->jobs, j) != QUEUE_OK) {
		eng->inflight[i] = NULL;
		return 0;
	}
	eng->outstanding++;
	return 1;
}

/*
 * After a second signal: rows still queued were never sent (not-run);
 * rows a worker holds may have been sent (unknown).  The workers are not
 * waited for.
 */
static void
engine_abandon(struct engine *eng, struct err *e)
{
	void *item;
	struct job *j;
	size_t i;

	while (queue_trypop(eng->results, &item) == QUEUE_OK)
		engine_record(eng, item, e);
	while (queue_trypop(eng->jobs, &item) == QUEUE_OK) {
		j = item;
		engine_job_unsent(j, "not sent: the run was aborted", 0);
		engine_record(eng, j, e);
		free(j);
	}
	for (i = 0; i < eng->ninflight_cap; i++) {
		struct job tmp;

		if ((j = eng->inflight[i]) == NULL)
			continue;
		/* The worker still owns *j: report from a private copy. */
		memset(&tmp, 0, sizeof(tmp));
		tmp.index = j->index;
		tmp.slot = j->slot;
		tmp.line = j->line;
		tmp.key = j->key;
		tmp.extra = j->extra;
		tmp.nextra = j->nextra;
		tmp.status = REPORT_UNKNOWN;
		tmp.finished_ms = clock_wall_ms();
		snprintf(tmp.code, sizeof(tmp.code), "mqreset.Aborted");
		snprintf(tmp.message, sizeof(tmp.message), "aborted by a "
		    "second signal while in flight: it may or may not have "
		    "been applied");
		engine_record(eng, &tmp, e);
	}
	/* Results pushed from now on are dropped by the workers. */
	queue_close(eng->results);
}

/* ------------------------------------------------------------------ */
/* Setup */

/*
 * The plan is read up to three times, so it must be a regular file that
 * does not change meanwhile: *st receives its identity for
 * engine_plan_unchanged().
 */
static err_code
engine_plan_stat(const struct engine_config *cfg, struct stat *st,
    struct err *e)
{
	if (strcmp(cfg->plan_path, "-") == 0)
		return err_set(e, ERR_USAGE, "run reads the plan more than "
		    "once: give a file, not standard input");
	if (stat(cfg->plan_path, st) != 0)
		return err_set_errno(e, ERR_IO, errno, "%s", cfg->plan_path);
	if (!S_ISREG(st->st_mode))
		return err_set(e, ERR_USAGE, "%s is not a regular file: run "
		    "reads the plan more than once", cfg->plan_path);
	return ERR_OK;
}

/* ERR_MISMATCH when the plan file changed since *was was taken. */
static err_code
engine_plan_unchanged(const struct engine_config *cfg,
    const struct stat *was, struct err *e)
{
	struct stat now;

	if (stat(cfg->plan_path, &now) != 0)
		return err_set_errno(e, ERR_IO, errno, "%s", cfg->plan_path);
	if (now.st_dev != was->st_dev || now.st_ino != was->st_ino ||
	    now.st_size != was->st_size ||
	    now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
		return err_set(e, ERR_MISMATCH, "%s changed after it was "
		    "validated: nothing was sent; run again",
		    cfg->plan_path);
	return ERR_OK;
}

/* plan_validate()'s row callback: keep the row's digest. */
static int
engine_keep_digest(void *arg, const struct plan_row *row)
{
	struct engine *eng = arg;
	uint64_t *p;
	size_t cap;

	if (eng->ndigests == eng->digests_cap) {
		cap = eng->digests_cap > 0 ? eng->digests_cap * 2 : 1024;
		p = realloc(eng->digests, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		eng->digests = p;
		eng->digests_cap = cap;
	}
	eng->digests[eng->ndigests++] = plan_row_digest(row);
	return 0;
}

/* Pass 1: the complete check.  ERR_PLAN when the plan is invalid. */
static err_code
engine_validate(struct engine *eng, int64_t now_ms,
    struct plan_counts *counts, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	struct plan_options po;
	struct diag *d;
	err_code rc;

	d = diag_new(plan_display_name(cfg->plan_path), DIAG_PRINT,
	    ENGINE_DIAG_MAX);
	if (d == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	memset(&po, 0, sizeof(po));
	po.instance = cfg->instance;
	po.now_ms = now_ms;
	po.diag = d;
	po.check_duplicates = 1;
	po.on_row = engine_keep_digest;
	po.on_row_arg = eng;
	rc = plan_validate(cfg->plan_path, &po, counts, e);
	diag_finish(d);
	if (rc == ERR_PLAN)
		err_set(e, ERR_PLAN, "%s: %lu error%s: nothing was sent",
		    plan_display_name(cfg->plan_path), counts->errors,
		    counts->errors == 1 ? "" : "s");
	diag_destroy(d);
	return rc;
}

/* Open the plan for a later pass (no diagnostics, stop at any error). */
static err_code
engine_plan_open(const struct engine_config *cfg, int64_t now_ms,
    struct plan_reader **out, struct err *e)
{
	struct plan_options po;

	memset(&po, 0, sizeof(po));
	po.instance = cfg->instance;
	po.now_ms = now_ms;
	po.stop_on_error = 1;
	return plan_open(cfg->plan_path, &po, out, e);
}

/*
 * plan_next() for passes 2 and 3, the row at `index`: a row with an error,
 * a row whose digest is not the validated one, or more rows than were
 * validated all mean that the file changed since it was validated (edited
 * in place while running): ERR_MISMATCH, so the row is never sent.  A row
 * that was read but differs also sets *changed (the reader can go on);
 * otherwise the reader is done.
 */
static err_code
engine_plan_next(struct engine *eng, struct plan_reader *r, size_t index,
    struct plan_row *row, int *eof, int *changed, struct err *e)
{
	const char *name = plan_display_name(eng->cfg->plan_path);
	err_code rc;

	*changed = 0;
	rc = plan_next(r, row, eof, e);
	if (rc == ERR_PLAN)
		return err_set(e, ERR_MISMATCH, "%s changed while it was "
		    "being run (a row that was valid no longer is): not sent",
		    name);
	if (rc != ERR_OK || *eof)
		return rc;
	if (index >= eng->ndigests || eng->digests[index] !=
	    plan_row_digest(row)) {
		*changed = 1;
		return err_set(e, ERR_MISMATCH, "%s:%lu: the plan changed "
		    "while it was being run (this row is not the one that was "
		    "validated): not sent, nor anything after it", name,
		    row->line);
	}
	return ERR_OK;
}

/* Pass 2 (--resume): match every plan row; refuse another plan's report. */
static err_code
engine_resume_load(struct engine *eng, int64_t now_ms, size_t *to_send,
    struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	const struct resume_stats *st;
	struct plan_reader *r;
	struct plan_row row;
	struct resume_prev prev;
	err_code rc;
	int eof, changed;
	size_t skip, hold, index;

	rc = resume_load(&eng->resume, cfg->resume_path, e);
	if (rc != ERR_OK)
		return rc;
	rc = engine_plan_open(cfg, now_ms, &r, e);
	skip = hold = index = 0;
	eof = 0;
	while (rc == ERR_OK && !eof) {
		rc = engine_plan_next(eng, r, index++, &row, &eof, &changed,
		    e);
		if (rc != ERR_OK || eof)
			break;
		switch (engine_resume_action(eng, &row, &prev)) {
		case RESUME_SKIP:
			skip++;
			break;
		case RESUME_HOLD:
			hold++;
			break;
		case RESUME_SEND:
			break;
		}
	}
	plan_close(r);
	if (rc == ERR_OK)
		rc = resume_check_unmatched(eng->resume, e);
	if (rc == ERR_MISMATCH)
		err_set(e, ERR_MISMATCH, "%s does not belong to %s: %s",
		    cfg->resume_path, plan_display_name(cfg->plan_path),
		    err_message(e));
	if (rc != ERR_OK)
		return rc;
	st = resume_stats(eng->resume);
	if (st->truncated_line != 0)
		msg_warn("%s:%lu: last record cut short (the run was killed); "
		    "ignored", cfg->resume_path, st->truncated_line);
	msg_info("resuming from %s: %zu row%s ok (skipped), %zu to send%s",
	    cfg->resume_path, skip, skip == 1 ? "" : "s",
	    *to_send - skip - hold, st->have_journal ? ", intent journal "
	    "read" : "");
	if (hold > 0)
		msg_warn("%zu type 0 row%s may already have cleared the "
		    "backlog (unknown or in flight when the previous run "
		    "ended): reported unknown and not sent; use "
		    "--retry-ambiguous to send %s again", hold, hold == 1 ?
		    "" : "s", hold == 1 ? "it" : "them");
	else if (cfg->retry_ambiguous && st->in_flight > 0)
		msg_warn("--retry-ambiguous: sending again %zu type 0 "
		    "row%s that may already have been applied", st->in_flight,
		    st->in_flight == 1 ? "" : "s");
	*to_send -= skip + hold;
	return ERR_OK;
}

/*
 * Before the first request of a resumed run: write every skipped and held
 * row into the staged report, which takes its name only once they are
 * all in (report_publish), so that a report of this run, even cut short
 * by a kill -9, knows everything the previous one did (resume.h, engine
 * protocol step 3).
 */
static err_code
engine_write_resumed(struct engine *eng, int64_t now_ms, struct err *e)
{
	struct plan_reader *r;
	struct plan_row row;
	size_t index;
	err_code rc;
	int eof, changed;

	rc = engine_plan_open(eng->cfg, now_ms, &r, e);
	index = 0;
	eof = 0;
	while (rc == ERR_OK && !eof) {
		rc = engine_plan_next(eng, r, index, &row, &eof, &changed, e);
		if (rc != ERR_OK || eof)
			break;
		engine_resume_row(eng, &row, index, 1, e);
		if (engine_stopped(eng, NULL, 0) != ERR_OK)
			rc = engine_stopped(eng, NULL, 0);
		index++;
	}
	plan_close(r);
	return rc;
}

static err_code
engine_start_workers(struct engine *eng, struct err *e)
{
	sigset_t all, old;
	unsigned i;
	int prc;

	/* Threads inherit the mask: workers never see a signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	prc = 0;
	for (i = 0; i < eng->nworkers && prc == 0; i++) {
		prc = pthread_create(&eng->workers[i].tid, NULL,
		    engine_worker, &eng->workers[i]);
		eng->workers[i].started = prc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0)
		return err_set_errno(e, ERR_INTERNAL, prc, "cannot start "
		    "worker threads");
	return ERR_OK;
}

/* Fill the summary from the engine's counters. */
static void
engine_summarise(struct engine *eng, struct summary *sum, size_t total,
    int64_t start_ns)
{
	unsigned i;

	sum->plan = eng->cfg->plan_path;
	sum->report = eng->cfg->report_path;
	sum->execute = eng->cfg->execute;
	sum->aborted = engine_stopped(eng, sum->stop_reason,
	    sizeof(sum->stop_reason)) != ERR_OK;
	sum->rows = total;
	memcpy(sum->by_status, eng->by_status, sizeof(sum->by_status));
	sum->held_ambiguous = eng->held;
	sum->requests = atomic_load(&eng->requests);
	sum->retries = atomic_load(&eng->retries);
	sum->throttled = atomic_load(&eng->throttled);
	sum->workers = eng->cfg->workers;
	sum->rate_limit = eng->cfg->rate;
	pthread_mutex_lock(&eng->rl_lock);
	sum->final_rate = ratelimit_rate(&eng->rl, clock_mono_ns());
	sum->rate_cuts = eng->rl.cuts;
	pthread_mutex_unlock(&eng->rl_lock);
	sum->connections = 0;
	if (!atomic_load(&eng->hard_abort))
		for (i = 0; i < eng->nworkers; i++)
			sum->connections += eng->workers[i].stats.connects;
	sum->elapsed_s = (double)(clock_mono_ns() - start_ns) / 1e9;
}

/* ------------------------------------------------------------------ */
/* The dispatch loop (pass 3) */

static void
engine_dispatch(struct engine *eng, struct plan_reader *r, size_t total,
    volatile sig_atomic_t *signals, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	struct plan_row row;
	struct job *pending;
	size_t index;
	int eof, busy, sigseen, changed;
	int64_t start_ns, next_progress;
	enum queue_rc qrc;
	void *item;
	err_code rc;

	index = 0;
	eof = 0;
	pending = NULL;
	sigseen = 0;
	start_ns = clock_mono_ns();
	next_progress = start_ns;
	for (;;) {
		engine_signals(eng, signals, &sigseen);
		if (atomic_load(&eng->hard_abort))
			break;
		busy = 0;
		if (pending == NULL && !eof && !atomic_load(&eng->stopping) &&
		    eng->outstanding < eng->ninflight_cap) {
			rc = engine_plan_next(eng, r, index, &row, &eof,
			    &changed, e);
			if (rc != ERR_OK) {
				msg_error("%s", err_message(e));
				engine_stop(eng, rc, "%s", err_message(e));
				/* An edited row is reported as read, not
				 * sent; the rows after it are read below
				 * for their not-run rows. */
				if (changed)
					engine_write_changed(eng, &row,
					    index++, e);
				eof = !changed;
			} else if (!eof) {
				busy = 1;
				if (!engine_resume_row(eng, &row, index, 0,
				    e)) {
					pending = engine_job_new(&row, index);
					if (pending == NULL) {
						engine_stop(eng, ERR_NOMEM,
						    "out of memory");
						engine_write_unsent(eng, &row,
						    index, REPORT_NOT_RUN, "",
						    "not sent: out of memory",
						    e);
					}
				}
				index++;
			}
		}
		if (pending != NULL && atomic_load(&eng->stopping)) {
			/* Read but never handed out. */
			engine_job_unsent(pending, "not sent: the run was "
			    "stopping", 0);
			{
				struct report_row rr;

				engine_job_row(pending, &rr);
				engine_write(eng, pending->index, &rr, e);
			}
			free(pending);
			pending = NULL;
		}
		if (pending != NULL && engine_hand_out(eng, pending)) {
			pending = NULL;
			busy = 1;
		}
		if (busy)
			qrc = queue_trypop(eng->results, &item);
		else
			qrc = queue_pop_until(eng->results, &item,
			    clock_mono_ns() + ENGINE_TICK_NS);
		if (qrc == QUEUE_OK) {
			engine_record(eng, item, e);
			free(item);
		}
		if (clock_mono_ns() >= next_progress) {
			engine_progress(eng, total, start_ns);
			next_progress = clock_mono_ns() + ENGINE_PROGRESS_NS;
		}
		if ((eof || atomic_load(&eng->stopping)) && pending == NULL &&
		    eng->outstanding == 0)
			break;
	}
	if (atomic_load(&eng->hard_abort))
		engine_abandon(eng, e);
	/* The rows never read: not-run, or what --resume says (an edited
	 * row: not-run as read). */
	while (!eof) {
		char why[SUMMARY_REASON_MAX + 32];

		rc = engine_plan_next(eng, r, index, &row, &eof, &changed, e);
		if (rc != ERR_OK) {
			engine_stop(eng, rc, "%s", err_message(e));
			if (!changed)
				break;
			engine_write_changed(eng, &row, index++, e);
			continue;
		}
		if (eof)
			break;
		if (!engine_resume_row(eng, &row, index, 0, e)) {
			char reason[SUMMARY_REASON_MAX];

			engine_stopped(eng, reason, sizeof(reason));
			snprintf(why, sizeof(why), "not sent: %s", reason);
			engine_write_unsent(eng, &row, index, REPORT_NOT_RUN,
			    "", why, e);
		}
		index++;
	}
	if (index != total && engine_stopped(eng, NULL, 0) == ERR_OK)
		engine_stop(eng, ERR_MISMATCH, "%s changed while it was being "
		    "run: %zu rows read, %zu validated",
		    plan_display_name(cfg->plan_path), index, total);
	msg_status(NULL);
}

/*
 * Lock PATH.lock (a report being written, or one a resume reads: its run
 * must be over).  ERR_EXISTS names the pid holding it.
 */
static err_code
engine_lock(const char *path, struct lockfile **out, struct err *e)
{
	char *lpath;
	err_code rc;

	if (asprintf(&lpath, "%s%s", path, ENGINE_LOCK_SUFFIX) < 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = lockfile_acquire(out, lpath, e);
	free(lpath);
	return rc;
}

/* ------------------------------------------------------------------ */

err_code
engine_prepare(const struct engine_config *cfg, struct engine **out,
    struct err *e)
{
	struct engine *eng;
	pthread_condattr_t ca;
	err_code rc;

	*out = NULL;
	/* On the heap: abandoned workers may outlive engine_run's frame. */
	eng = calloc(1, sizeof(*eng));
	if (eng == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	eng->cfg = cfg;
	pthread_mutex_init(&eng->rl_lock, NULL);
	pthread_mutex_init(&eng->journal_lock, NULL);
	pthread_mutex_init(&eng->stop_lock, NULL);
	pthread_mutex_init(&eng->inst_lock, NULL);
	if (pthread_condattr_init(&ca) == 0) {
		/* Deadlines are monotonic, immune to clock steps. */
		if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
		    pthread_cond_init(&eng->stop_cv, &ca) == 0)
			eng->stop_cv_ok = 1;
		pthread_condattr_destroy(&ca);
	}
	if (!eng->stop_cv_ok) {
		pthread_mutex_destroy(&eng->rl_lock);
		pthread_mutex_destroy(&eng->journal_lock);
		pthread_mutex_destroy(&eng->stop_lock);
		pthread_mutex_destroy(&eng->inst_lock);
		free(eng);
		return err_set(e, ERR_INTERNAL, "cannot create a condition "
		    "variable");
	}
	atomic_init(&eng->stopping, 0);
	atomic_init(&eng->hard_abort, 0);
	atomic_init(&eng->requests, 0);
	atomic_init(&eng->retries, 0);
	atomic_init(&eng->throttled, 0);
	atomic_init(&eng->failed_rows, 0);
	atomic_init(&eng->endpoint_failures, 0);
	eng->now_ms = clock_wall_ms();

	/* Everything that can refuse the run, before any request: first
	 * the names and the locks, so that nothing below races another run
	 * on the same report (a second run, --force or not, dry or not,
	 * and a run resuming from a report still being written). */
	rc = fsutil_check_derived(cfg->report_path, ENGINE_SUFFIX_MAX, e);
	if (rc == ERR_OK && cfg->resume_path != NULL)
		rc = resume_check_paths(cfg->resume_path, cfg->report_path, e);
	if (rc == ERR_OK)
		rc = engine_lock(cfg->report_path, &eng->lock, e);
	if (rc == ERR_OK && cfg->resume_path != NULL)
		rc = engine_lock(cfg->resume_path, &eng->resume_lock, e);
	if (rc == ERR_OK)
		rc = report_check_target(cfg->report_path, cfg->force ?
		    REPORT_FORCE : 0, e);
	if (rc == ERR_OK)
		rc = engine_plan_stat(cfg, &eng->plan_st, e);
	if (rc == ERR_OK)
		rc = engine_validate(eng, eng->now_ms, &eng->counts, e);
	eng->total = eng->counts.valid;
	eng->to_send = eng->total;
	if (rc == ERR_OK && cfg->resume_path != NULL)
		rc = engine_resume_load(eng, eng->now_ms, &eng->to_send, e);
	if (rc != ERR_OK) {
		engine_destroy(eng);
		return rc;
	}
	if (cfg->max_failures > 0)
		eng->fail_limit = cfg->max_failures;
	if (cfg->max_failures_pct >= 0) {
		unsigned long lim = (unsigned long)(cfg->max_failures_pct /
		    100.0 * (double)eng->to_send);

		if (lim < 1)
			lim = 1;
		if (eng->fail_limit == 0 || lim < eng->fail_limit)
			eng->fail_limit = lim;
	}
	*out = eng;
	return ERR_OK;
}

size_t
engine_rows_to_send(const struct engine *eng)
{
	return eng->to_send;
}

err_code
engine_run(struct engine *eng, volatile sig_atomic_t *signals,
    struct summary *sum, int *detached, struct err *e)
{
	const struct engine_config *cfg = eng->cfg;
	struct plan_reader *r;
	const char *const *xnames;
	size_t nx, jobcap;
	int64_t start_ns;
	unsigned i;
	err_code rc;
	struct err werr;

	*detached = 0;
	r = NULL;

	/* Clients, queues, report, journal. */
	eng->workers = calloc(cfg->workers, sizeof(*eng->workers));
	jobcap = (size_t)cfg->workers * ENGINE_JOBS_PER_WORKER;
	eng->ninflight_cap = jobcap + cfg->workers;
	eng->inflight = calloc(eng->ninflight_cap, sizeof(*eng->inflight));
	eng->jobs = queue_new(jobcap);
	/* Results never block a worker: room for every outstanding job. */
	eng->results = queue_new(eng->ninflight_cap);
	if (eng->workers == NULL || eng->inflight == NULL || eng->jobs == NULL ||
	    eng->results == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < cfg->workers; i++) {
		struct worker *w = &eng->workers[i];

		w->eng = eng;
		w->client = client_new(cfg->client, e);
		if (w->client == NULL)
			return e != NULL && e->code != ERR_OK ? e->code :
			    ERR_INTERNAL;
		eng->nworkers++;
		if (cfg->seed != 0)
			rng_seed(&w->rng, cfg->seed + i);
		else
			rng_seed_random(&w->rng, NULL);
	}
	rc = engine_plan_unchanged(cfg, &eng->plan_st, e);
	if (rc == ERR_OK)
		rc = engine_plan_open(cfg, eng->now_ms, &r, e);
	if (rc != ERR_OK)
		goto out;
	xnames = plan_extra_names(r, &nx);
	/* The report is staged with every row a resume inherits, and only
	 * then takes its name: a kill during the copy-forward leaves no
	 * report that forgets what the previous run did (report.h).  The
	 * journal comes after it, the first request after both. */
	rc = report_open(&eng->report, cfg->report_path, eng->total, xnames,
	    nx, cfg->force ? REPORT_FORCE : 0, e);
	if (rc == ERR_OK && eng->resume != NULL)
		rc = engine_write_resumed(eng, eng->now_ms, e);
	if (rc == ERR_OK)
		rc = report_publish(eng->report, e);
	if (rc == ERR_OK && cfg->execute)
		rc = intent_open(&eng->journal, cfg->report_path,
		    (cfg->force ? INTENT_FORCE : 0) |
		    (cfg->intent_sync ? INTENT_SYNC : 0), e);
	if (rc != ERR_OK)
		goto out;
	start_ns = clock_mono_ns();
	ratelimit_init(&eng->rl, cfg->rate, cfg->burst, start_ns);

	/* Workers and the dispatch loop. */
	msg_verbose("%s %zu row%s of %s with %u worker%s at %.1f req/s",
	    cfg->execute ? "applying" : "dry run of", eng->to_send,
	    eng->to_send == 1 ? "" : "s", plan_display_name(cfg->plan_path),
	    cfg->workers, cfg->workers == 1 ? "" : "s", cfg->rate);
	rc = engine_start_workers(eng, e);
	if (rc != ERR_OK) {
		engine_stop(eng, rc, "%s", err_message(e));
		msg_error("%s", err_message(e));
	}
	err_clear(&werr);
	engine_dispatch(eng, r, eng->total, signals, &werr);

	/* Join, order the report, drop the journal. */
	queue_close(eng->jobs);
	if (atomic_load(&eng->hard_abort)) {
		*detached = 1;
		eng->detached = 1;
	} else {
		for (i = 0; i < eng->nworkers; i++)
			if (eng->workers[i].started)
				pthread_join(eng->workers[i].tid, NULL);
	}
	engine_summarise(eng, sum, eng->total, start_ns);
	rc = report_finish(eng->report, e);
	if (rc == ERR_OK && eng->journal != NULL && !*detached)
		rc = intent_finish(eng->journal, e);
	if (rc != ERR_OK && engine_stopped(eng, NULL, 0) != ERR_OK) {
		/* The stop explains the unfinished report (a full disk, a
		 * plan edited while running): say both. */
		char reason[SUMMARY_REASON_MAX];

		engine_stopped(eng, reason, sizeof(reason));
		msg_error("%s", err_message(e));
		rc = err_set(e, ERR_INTERRUPTED, "%s; the report %s keeps "
		    "every row answered, in completion order; rows missing "
		    "from it were not sent", reason, cfg->report_path);
	} else if (rc == ERR_OK && engine_stopped(eng, NULL, 0) != ERR_OK) {
		char reason[SUMMARY_REASON_MAX];

		engine_stopped(eng, reason, sizeof(reason));
		rc = err_set(e, ERR_INTERRUPTED, "%s", reason);
	}
	if (rc != ERR_OK)
		sum->aborted = 1;
out:
	plan_close(r);
	report_destroy(eng->report);
	eng->report = NULL;
	return rc;
}

void
engine_destroy(struct engine *eng)
{
	unsigned i;
	void *item;

	if (eng == NULL || eng->detached)
		return; /* workers may still use it: the process exits soon;
		           its locks go with it */
	intent_destroy(eng->journal);
	lockfile_release(eng->resume_lock);
	lockfile_release(eng->lock);
	resume_destroy(eng->resume);
	if (eng->workers != NULL)
		for (i = 0; i < eng->nworkers; i++)
			client_destroy(eng->workers[i].client);
	free(eng->workers);
	if (eng->jobs != NULL) {
		queue_close(eng->jobs);
		while (queue_trypop(eng->jobs, &item) == QUEUE_OK)
			free(item);
	}
	queue_destroy(eng->jobs);
	queue_destroy(eng->results);
	free(eng->inflight);
	pthread_mutex_destroy(&eng->rl_lock);
	pthread_mutex_destroy(&eng->journal_lock);
	pthread_cond_destroy(&eng->stop_cv);
	pthread_mutex_destroy(&eng->stop_lock);
	pthread_mutex_destroy(&eng->inst_lock);
	free(eng->digests);
	free(eng);
}
