/*
 * accounts.c - a plan's accounts: grouping, resolution, limiters and
 * counters.  See include/mqreset/accounts.h.
 *
 * Design: a plan names few accounts (a handful, rarely dozens), so the
 * set is a small array searched linearly; each account is allocated on
 * its own because its lane (a pacer, with a mutex) must not move once
 * started.  Lookups compare the key's (profile, region) with plan.h's
 * plan_key_account_eq(), the same identity the duplicate check and
 * --resume use.
 */
#include "accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "msg.h"

void
accounts_init(struct accounts *a)
{
	memset(a, 0, sizeof(*a));
}

static void
accounts_destroy_one(struct account *ac)
{
	if (ac == NULL)
		return;
	if (ac->lane_ok)
		pacer_free(&ac->lane);
	if (ac->own_creds)
		creds_destroy(ac->creds);
	free(ac->profile);
	free(ac->region);
	free(ac);
}

void
accounts_free(struct accounts *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		accounts_destroy_one(a->v[i]);
	free(a->v);
	free(a->sum);
	memset(a, 0, sizeof(*a));
}

size_t
accounts_index(const struct accounts *a, const struct plan_key *k)
{
	struct plan_key ak;
	size_t i;

	memset(&ak, 0, sizeof(ak));
	for (i = 0; i < a->n; i++) {
		ak.profile = a->v[i]->profile;
		ak.region = a->v[i]->region;
		if (plan_key_account_eq(&ak, k))
			return i;
	}
	return a->n;
}

struct account *
accounts_find(const struct accounts *a, const struct plan_key *k)
{
	size_t i = accounts_index(a, k);

	return i < a->n ? a->v[i] : NULL;
}

int
accounts_on_row(void *arg, const struct plan_row *row)
{
	struct accounts *a = arg;
	struct account *ac, **nv;

	if (row->profile_col > 0 || row->region_col > 0)
		a->columns = 1;
	ac = accounts_find(a, &row->key);
	if (ac != NULL) {
		ac->rows++;
		return 0;
	}
	if (a->n == ACCOUNTS_MAX) {
		if (a->too_many == 0)
			a->too_many = row->line;
		return 0;
	}
	if (a->n == a->cap) {
		size_t ncap = a->cap == 0 ? 4 : a->cap * 2;

		nv = realloc(a->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	ac = calloc(1, sizeof(*ac));
	if (ac == NULL)
		return -1;
	ac->profile = strdup(plan_key_str(row->key.profile));
	ac->region = strdup(plan_key_str(row->key.region));
	if (ac->profile == NULL || ac->region == NULL) {
		accounts_destroy_one(ac);
		return -1;
	}
	ac->line = row->line;
	ac->profile_col = row->profile_col;
	ac->region_col = row->region_col;
	ac->rows = 1;
	ac->pacer = NULL;
	atomic_init(&ac->requests, 0);
	atomic_init(&ac->throttled, 0);
	a->v[a->n++] = ac;
	return 0;
}

err_code
accounts_scan(struct accounts *a, const char *path,
    const struct plan_options *po, struct err *e)
{
	struct plan_options o = *po;
	struct plan_counts pc;
	err_code rc;

	o.diag = NULL;
	o.on_row = accounts_on_row;
	o.on_row_arg = a;
	rc = plan_validate(path, &o, &pc, e);
	return rc == ERR_PLAN ? ERR_OK : rc;
}

int
accounts_multi(const struct accounts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i]->profile[0] != '\0' || a->v[i]->region[0] != '\0')
			return 1;
	return 0;
}

int
accounts_need_default(const struct accounts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i]->profile[0] == '\0')
			return 1;
	return a->n == 0;
}

/* The default loader: the profile as `--profile NAME` resolves it. */
static err_code
accounts_load_profile(const struct accounts_setup *s, const char *profile,
    struct creds **out, struct err *e)
{
	struct creds_options co;

	if (s->load != NULL)
		return s->load(s->load_arg, profile, out, e);
	memset(&co, 0, sizeof(co));
	co.profile = profile;
	co.sts_endpoint = s->conn->sts_endpoint;
	co.metadata_endpoint = s->conn->metadata_endpoint;
	co.cacert = s->conn->cacert;
	return creds_load(&co, out, e);
}

/* --endpoint serves every account: refused when the plan names two
 * regions (it could only be right for one of them). */
static err_code
accounts_check_endpoint(const struct accounts *a,
    const struct accounts_setup *s, struct err *e)
{
	const char *first = NULL;
	size_t i;

	if (s->conn->endpoint == NULL)
		return ERR_OK;
	for (i = 0; i < a->n; i++) {
		const char *r = a->v[i]->region;

		if (*r == '\0')
			continue;
		if (first != NULL && strcmp(first, r) != 0)
			return err_set(e, ERR_USAGE, "--endpoint serves every "
			    "account, but the plan names the regions %s and %s "
			    "(line %lu): leave --endpoint out, each region's "
			    "host is used", first, r, a->v[i]->line);
		if (first == NULL)
			first = r;
	}
	return ERR_OK;
}

/* Credentials of every account; ERR_PLAN after reporting each profile
 * that cannot be resolved. */
static err_code
accounts_resolve_creds(struct accounts *a, const struct accounts_setup *s,
    struct err *e)
{
	struct diag *d;
	struct err pe;
	size_t i, j, bad = 0;
	err_code rc = ERR_OK;

	d = diag_new(s->plan_name, DIAG_PRINT, 0);
	if (d == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < a->n && rc == ERR_OK; i++) {
		struct account *ac = a->v[i];

		ac->keys = ac->profile[0] != '\0' ? ac->profile :
		    s->conn->profile != NULL ? s->conn->profile : "";
		if (ac->profile[0] == '\0') {
			ac->creds = s->creds;
			continue;
		}
		/* The same profile in another region: the same keys. */
		for (j = 0; j < i; j++)
			if (strcmp(a->v[j]->profile, ac->profile) == 0)
				break;
		if (j < i) {
			ac->creds = a->v[j]->creds;
			continue;
		}
		err_clear(&pe);
		rc = accounts_load_profile(s, ac->profile, &ac->creds, &pe);
		if (rc == ERR_CRED) {
			diag_add(d, ac->line, ac->profile_col, DIAG_ERROR,
			    "cannot resolve the row's profile: %s",
			    err_message(&pe));
			ac->creds = NULL;
			bad++;
			rc = ERR_OK;
		} else if (rc != ERR_OK)
			err_set(e, rc, "%s:%lu:%lu: profile '%s': %s",
			    s->plan_name, ac->line, ac->profile_col,
			    ac->profile, err_message(&pe));
		else
			ac->own_creds = 1;
	}
	diag_finish(d);
	diag_destroy(d);
	if (rc == ERR_OK && bad > 0)
		rc = err_set(e, ERR_PLAN, "%s: %zu profile%s cannot be "
		    "resolved: nothing was sent", s->plan_name, bad,
		    bad == 1 ? "" : "s");
	return rc;
}

err_code
accounts_resolve(struct accounts *a, const struct accounts_setup *s,
    struct err *e)
{
	struct cmd_conn conn;
	struct err pe;
	size_t i;
	err_code rc;

	if (a->too_many != 0)
		return err_set(e, ERR_USAGE, "%s:%lu: the plan names more than "
		    "%d accounts (profile, region): split it", s->plan_name,
		    a->too_many, ACCOUNTS_MAX);
	rc = accounts_check_endpoint(a, s, e);
	if (rc == ERR_OK)
		rc = accounts_resolve_creds(a, s, e);
	for (i = 0; rc == ERR_OK && i < a->n; i++) {
		struct account *ac = a->v[i];

		conn = *s->conn;
		if (ac->region[0] != '\0')
			conn.region = ac->region;
		err_clear(&pe);
		rc = cmd_conn_endpoint(&conn, ac->creds, ac->url, &pe);
		if (rc != ERR_OK) {
			err_set(e, rc, "%s:%lu: the account of profile '%s' "
			    "region '%s': %s", s->plan_name, ac->line,
			    ac->profile, ac->region, err_message(&pe));
			break;
		}
		cmd_conn_client_config(&conn, ac->url, ac->creds, s->debug,
		    &ac->cc);
		msg_verbose("account %zu (profile '%s', region '%s', %zu "
		    "row%s): endpoint %s, key %s from %s", i + 1, ac->profile,
		    ac->region, ac->rows, ac->rows == 1 ? "" : "s", ac->url,
		    creds_key_hint(ac->creds), creds_source(ac->creds));
	}
	return rc;
}

void
accounts_start(struct accounts *a, struct pacer *run, double rate,
    double burst)
{
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		struct account *ac = a->v[i];

		if (i == 0) {
			ac->pacer = run;
			continue;
		}
		for (j = 0; j < i; j++)
			if (ac->keys != NULL && a->v[j]->keys != NULL &&
			    strcmp(ac->keys, a->v[j]->keys) == 0 &&
			    strcmp(ac->url, a->v[j]->url) == 0)
				break;
		if (j < i) {
			ac->pacer = a->v[j]->pacer;
			continue;
		}
		pacer_init_lane(&ac->lane, run);
		ac->lane_ok = 1;
		pacer_start(&ac->lane, rate, burst);
		ac->pacer = &ac->lane;
	}
}

struct pacer *
accounts_pacer_for(void *arg, const struct plan_key *k)
{
	struct account *ac = accounts_find(arg, k);

	return ac != NULL ? ac->pacer : NULL;
}

void
accounts_count_row(struct accounts *a, const struct plan_key *k,
    enum report_status st)
{
	struct account *ac = accounts_find(a, k);

	if (ac != NULL)
		ac->by_status[st]++;
}

void
accounts_count_request(struct accounts *a, size_t i, int throttled)
{
	if (i >= a->n)
		return;
	atomic_fetch_add(&a->v[i]->requests, 1);
	if (throttled)
		atomic_fetch_add(&a->v[i]->throttled, 1);
}

void
accounts_summary(struct accounts *a, struct summary *s)
{
	size_t i;

	if (!accounts_multi(a))
		return;
	free(a->sum);
	a->sum = calloc(a->n, sizeof(*a->sum));
	if (a->sum == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		const struct account *ac = a->v[i];
		struct summary_account *sa = &a->sum[i];

		sa->profile = ac->profile;
		sa->region = ac->region;
		sa->rows = ac->rows;
		memcpy(sa->by_status, ac->by_status, sizeof(sa->by_status));
		sa->requests = atomic_load(&ac->requests);
		sa->throttled = atomic_load(&ac->throttled);
	}
	s->accounts = a->sum;
	s->naccounts = a->n;
}
