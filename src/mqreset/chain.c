/*
 * chain.c - merging a chain of run reports into one final view.  See
 * include/mqreset/chain.h for the rule that decides each row.
 *
 * Design: every record of every report (and journal) becomes one
 * observation that owns its decoded cells and a serialised key.  Merging
 * puts the reports in time order, sorts the observations by key, report
 * and kind, and folds each key's run into one chain_row that points into
 * the observations' cells: the same fold as resume.c's (resume_rank()),
 * but keeping the text, because this is what a person reads.
 */
#include "chain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"
#include "csvout.h"
#include "intent.h"
#include "resume.h"
#include "tstamp.h"

/* Report columns by position (report.h). */
enum {
	CH_LINE = 0, CH_INSTANCE, CH_GROUP, CH_TOPIC, CH_TYPE, CH_RESET,
	CH_STATUS, CH_HTTP, CH_REQID, CH_CODE, CH_MSG, CH_ATTEMPTS,
	CH_LATENCY, CH_FINISHED
};

struct chain_report {
	char *name;           /* path as given (owned) */
	int64_t time;         /* latest finished_at of rows it answered */
	int64_t skip_time;    /* latest finished_at of its skipped rows
	                         (the earlier answers they repeat) */
	size_t order;         /* position in time order */
	size_t *extra_map;    /* its extra column i -> chain extra index */
	size_t nextra;        /* its extra columns */
};

struct chain_obs {
	size_t report;        /* index in c->reports (order of adding) */
	unsigned long rline;  /* line in the report or journal */
	unsigned long pline;  /* plan line recorded there */
	enum report_status status; /* status (unknown for a journal line) */
	int journal;          /* from the journal */
	unsigned attempts;    /* requests */
	char **cells;         /* decoded cells (owned) */
	size_t ncells;        /* entries in cells */
	char *key;            /* serialised key (owned) */
	char *note;           /* journal line: the message (owned) */
};

struct chain {
	struct chain_report *reports; /* in order of adding */
	size_t nreports;
	size_t *by_time;      /* report indices in time order */
	struct chain_obs *obs;
	size_t nobs, capobs;
	char **extra_names;   /* chain extra columns (owned) */
	size_t nextra;
	struct chain_row *rows;
	size_t nrows;
	struct chain_word *words; /* backing store of rows' words */
	const char **extras;  /* backing store of rows' extra values */
	int merged;
};

/* Loader state for one file. */
struct chain_loader {
	struct chain *c;
	size_t report;        /* index of the report being read */
	const char *name;     /* file name for messages */
	int journal;          /* reading a journal */
	size_t ncells;        /* cells per record, from the header */
	int have_header;
	struct buf key;       /* scratch */
	struct err *e;
};

struct chain *
chain_new(void)
{
	return calloc(1, sizeof(struct chain));
}

static int
chain_parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* Find or add an extra column name; its chain index, or -1 (no memory). */
static long
chain_extra_index(struct chain *c, const char *name)
{
	char **nv;
	size_t i;

	for (i = 0; i < c->nextra; i++)
		if (strcmp(c->extra_names[i], name) == 0)
			return (long)i;
	nv = realloc(c->extra_names, (c->nextra + 1) * sizeof *nv);
	if (nv == NULL)
		return -1;
	c->extra_names = nv;
	nv[c->nextra] = strdup(name);
	if (nv[c->nextra] == NULL)
		return -1;
	return (long)c->nextra++;
}

static err_code
chain_header(struct chain_loader *ld, char **cells, size_t n,
    unsigned long line)
{
	const char *const *want = ld->journal ? intent_columns :
	    report_fixed_columns;
	size_t nwant = ld->journal ? INTENT_NCOLUMNS : REPORT_NFIXED, i;
	struct chain_report *rep = &ld->c->reports[ld->report];
	long x;

	for (i = 0; i < nwant; i++)
		if (i >= n || strcmp(cells[i], want[i]) != 0)
			return err_set(ld->e, ERR_PARSE, "%s:%lu: not a "
			    "mqreset %s: column %zu should be \"%s\"", ld->name,
			    line, ld->journal ? "intent journal" : "report",
			    i + 1, want[i]);
	ld->ncells = n;
	ld->have_header = 1;
	if (ld->journal)
		return ERR_OK;
	rep->nextra = n - nwant;
	rep->extra_map = calloc(rep->nextra + 1, sizeof *rep->extra_map);
	if (rep->extra_map == NULL)
		return err_set(ld->e, ERR_NOMEM, "out of memory");
	for (i = 0; i < rep->nextra; i++) {
		x = chain_extra_index(ld->c, cells[nwant + i]);
		if (x < 0)
			return err_set(ld->e, ERR_NOMEM, "out of memory");
		rep->extra_map[i] = (size_t)x;
	}
	return ERR_OK;
}

/* The key: instance, group, topic, type and instant (resume.h). */
static err_code
chain_key(struct chain_loader *ld, char **cells, unsigned long line,
    char **out)
{
	int64_t ms = 0;
	int type;
	err_code rc;

	if (strcmp(cells[CH_TYPE], "0") == 0)
		type = 0;
	else if (strcmp(cells[CH_TYPE], "1") == 0)
		type = 1;
	else
		return err_set(ld->e, ERR_PARSE, "%s:%lu: bad type \"%s\"",
		    ld->name, line, cells[CH_TYPE]);
	if (type == 1 && tstamp_parse_canonical(cells[CH_RESET], &ms) !=
	    ERR_OK)
		return err_set(ld->e, ERR_PARSE, "%s:%lu: bad "
		    "reset_timestamp \"%s\"", ld->name, line, cells[CH_RESET]);
	buf_reset(&ld->key);
	rc = buf_printf(&ld->key, "%s\x1f%s\x1f%s\x1f%d\x1f%lld",
	    cells[CH_INSTANCE], cells[CH_GROUP], cells[CH_TOPIC], type,
	    (long long)ms);
	if (rc != ERR_OK)
		return err_set(ld->e, rc, "%s:%lu: key too long", ld->name,
		    line);
	*out = strdup(buf_cstr(&ld->key));
	return *out == NULL ? err_set(ld->e, ERR_NOMEM, "out of memory") :
	    ERR_OK;
}

static void
chain_obs_free(struct chain_obs *o)
{
	size_t i;

	for (i = 0; i < o->ncells; i++)
		free(o->cells[i]);
	free(o->cells);
	free(o->key);
	free(o->note);
}

/* csvin callback: one record of a report or journal. */
static err_code
chain_record(void *arg, char **cells, size_t n, unsigned long line)
{
	struct chain_loader *ld = arg;
	struct chain *c = ld->c;
	struct chain_report *rep = &c->reports[ld->report];
	struct chain_obs o;
	unsigned long att = 0;
	int64_t fin;
	size_t i;
	err_code rc;

	if (!ld->have_header)
		return chain_header(ld, cells, n, line);
	if (n != ld->ncells)
		return err_set(ld->e, ERR_PARSE, "%s:%lu: %zu cells, the "
		    "header has %zu", ld->name, line, n, ld->ncells);
	memset(&o, 0, sizeof o);
	o.report = ld->report;
	o.rline = line;
	o.journal = ld->journal;
	o.cells = calloc(n, sizeof *o.cells);
	if (o.cells == NULL)
		return err_set(ld->e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		csvout_decode(cells[i]);
		o.cells[i] = strdup(cells[i]);
		if (o.cells[i] == NULL) {
			o.ncells = i;
			chain_obs_free(&o);
			return err_set(ld->e, ERR_NOMEM, "out of memory");
		}
	}
	o.ncells = n;
	rc = ERR_OK;
	if (chain_parse_ulong(o.cells[CH_LINE], &o.pline) != 0)
		rc = err_set(ld->e, ERR_PARSE, "%s:%lu: bad plan line number "
		    "\"%s\"", ld->name, line, o.cells[CH_LINE]);
	if (rc == ERR_OK)
		rc = chain_key(ld, o.cells, line, &o.key);
	if (rc == ERR_OK && ld->journal) {
		o.status = REPORT_UNKNOWN;
		o.attempts = 1;
		if (asprintf(&o.note, "in flight when the run writing %s was "
		    "interrupted (journal line %lu): it may have been applied",
		    rep->name, line) < 0) {
			o.note = NULL;
			rc = err_set(ld->e, ERR_NOMEM, "out of memory");
		}
	} else if (rc == ERR_OK) {
		if (report_status_parse(o.cells[CH_STATUS], &o.status) !=
		    ERR_OK)
			rc = err_set(ld->e, ERR_PARSE, "%s:%lu: unknown "
			    "status \"%s\"", ld->name, line,
			    o.cells[CH_STATUS]);
		else if (o.cells[CH_ATTEMPTS][0] != '\0' &&
		    chain_parse_ulong(o.cells[CH_ATTEMPTS], &att) != 0)
			rc = err_set(ld->e, ERR_PARSE, "%s:%lu: bad attempts "
			    "\"%s\"", ld->name, line, o.cells[CH_ATTEMPTS]);
		o.attempts = att > 1000000 ? 1000000 : (unsigned)att;
		/* Skipped rows repeat an earlier report's time. */
		if (rc == ERR_OK && tstamp_parse_canonical(
		    o.cells[CH_FINISHED], &fin) == ERR_OK) {
			if (o.status != REPORT_SKIPPED && fin > rep->time)
				rep->time = fin;
			if (o.status == REPORT_SKIPPED && fin > rep->skip_time)
				rep->skip_time = fin;
		}
	}
	if (rc == ERR_OK && c->nobs == c->capobs) {
		size_t ncap = c->capobs == 0 ? 256 : c->capobs * 2;
		struct chain_obs *nv = realloc(c->obs, ncap * sizeof *nv);

		if (nv == NULL)
			rc = err_set(ld->e, ERR_NOMEM, "out of memory");
		else {
			c->obs = nv;
			c->capobs = ncap;
		}
	}
	if (rc != ERR_OK) {
		chain_obs_free(&o);
		return rc;
	}
	c->obs[c->nobs++] = o;
	return ERR_OK;
}

static err_code
chain_read(struct chain *c, size_t report, FILE *fp, const char *name,
    int journal, struct err *e)
{
	struct chain_loader ld;
	unsigned long trunc = 0;
	err_code rc;

	memset(&ld, 0, sizeof ld);
	ld.c = c;
	ld.report = report;
	ld.name = name;
	ld.journal = journal;
	ld.e = e;
	buf_init(&ld.key, 1 << 16);
	rc = csvin_read(fp, name, chain_record, &ld, &trunc, e);
	if (rc == ERR_OK && !ld.have_header)
		rc = err_set(e, ERR_PARSE, "%s: no header line: not a mqreset "
		    "%s", name, journal ? "intent journal" : "report");
	buf_free(&ld.key);
	return rc;
}

err_code
chain_add_fp(struct chain *c, FILE *report, const char *name,
    FILE *journal, const char *journal_name, struct err *e)
{
	struct chain_report *nv;
	size_t i;
	err_code rc;

	if (c->merged)
		return err_set(e, ERR_BADSTATE, "chain already merged");
	if (c->nreports >= CHAIN_MAX_REPORTS)
		return err_set(e, ERR_USAGE, "at most %d reports in a chain",
		    CHAIN_MAX_REPORTS);
	for (i = 0; i < c->nreports; i++)
		if (strcmp(c->reports[i].name, name) == 0)
			return err_set(e, ERR_USAGE, "%s is given twice",
			    name);
	nv = realloc(c->reports, (c->nreports + 1) * sizeof *nv);
	if (nv == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	c->reports = nv;
	memset(&nv[c->nreports], 0, sizeof *nv);
	nv[c->nreports].name = strdup(name);
	if (nv[c->nreports].name == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	i = c->nreports++;
	rc = chain_read(c, i, report, name, 0, e);
	if (rc == ERR_OK && journal != NULL)
		rc = chain_read(c, i, journal, journal_name, 1, e);
	return rc;
}

err_code
chain_add(struct chain *c, const char *path, struct err *e)
{
	FILE *rep, *jr = NULL;
	char *jpath = NULL;
	err_code rc = ERR_OK;

	rep = fopen(path, "rb");
	if (rep == NULL)
		return err_set_errno(e, ERR_IO, errno, "cannot read report %s",
		    path);
	if (asprintf(&jpath, "%s%s", path, INTENT_SUFFIX) < 0) {
		jpath = NULL;
		rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	if (rc == ERR_OK) {
		jr = fopen(jpath, "rb");
		if (jr == NULL && errno != ENOENT)
			rc = err_set_errno(e, ERR_IO, errno, "cannot read "
			    "intent journal %s", jpath);
	}
	if (rc == ERR_OK)
		rc = chain_add_fp(c, rep, path, jr, jpath, e);
	fclose(rep);
	if (jr != NULL)
		fclose(jr);
	free(jpath);
	return rc;
}

static int
chain_cmp_time(const void *pa, const void *pb, void *arg)
{
	const struct chain *c = arg;
	const struct chain_report *a = &c->reports[*(const size_t *)pa];
	const struct chain_report *b = &c->reports[*(const size_t *)pb];
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return (ia > ib) - (ia < ib);
}

static int
chain_cmp_obs(const void *pa, const void *pb, void *arg)
{
	const struct chain *c = arg;
	const struct chain_obs *a = pa, *b = pb;
	size_t ta = c->reports[a->report].order;
	size_t tb = c->reports[b->report].order;
	int k = strcmp(a->key, b->key);

	if (k != 0)
		return k;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	if (a->journal != b->journal)
		return a->journal - b->journal;
	return (a->rline > b->rline) - (a->rline < b->rline);
}

static int
chain_cmp_rows(const void *pa, const void *pb)
{
	const struct chain_row *a = pa, *b = pb;
	int k;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	k = strcmp(a->group, b->group);
	if (k == 0)
		k = strcmp(a->topic, b->topic);
	return k;
}

static int
chain_obs_rank(const struct chain_obs *o)
{
	return resume_rank(o->journal ? RESUME_SEEN_INFLIGHT : RESUME_SEEN_ROW,
	    o->status);
}

/*
 * Fold the observations v[0..n) of one key (sorted by report in time
 * order, answers before journal lines) into `row`; `words` receives one
 * word per report, `extra` the extra values.
 */
static err_code
chain_fold(struct chain *c, struct chain_obs *v, size_t n,
    struct chain_row *row, struct chain_word *words, const char **extra,
    struct err *e)
{
	struct chain_obs *best = NULL, *ans, *jr, *nr, *w, *last = NULL;
	struct chain_report *rep;
	size_t i = 0, j, k, nw = 0, dec = 0;

	row->attempts = 0;
	while (i < n) {
		ans = jr = nr = NULL;
		for (j = i; j < n && v[j].report == v[i].report; j++) {
			if (v[j].journal) {
				if (jr == NULL)
					jr = &v[j];
			} else if (v[j].status == REPORT_NOT_RUN) {
				nr = &v[j];
			} else if (ans != NULL) {
				return err_set(e, ERR_MISMATCH, "%s:%lu and "
				    "line %lu are the same plan row: not a "
				    "report mqreset wrote",
				    c->reports[v[j].report].name, ans->rline,
				    v[j].rline);
			} else {
				ans = &v[j];
			}
			if (!v[j].journal)
				row->attempts += v[j].attempts;
		}
		w = ans != NULL ? ans : jr != NULL ? jr : nr;
		if (ans == NULL && jr != NULL)
			row->attempts += 1; /* at least the one in flight */
		words[nw].report = c->reports[w->report].order;
		words[nw].report_line = w->rline;
		words[nw].plan_line = w->pline;
		words[nw].status = w->status;
		words[nw].in_flight = w->journal;
		words[nw].attempts = w->journal ? 1 : w->attempts;
		if (best == NULL || chain_obs_rank(w) >= chain_obs_rank(best)) {
			best = w;
			dec = nw;
		}
		if (!w->journal)
			last = w;
		nw++;
		i = j;
	}
	if (last == NULL)
		last = best;
	row->line = last->pline;
	row->instance = best->cells[CH_INSTANCE];
	row->group = best->cells[CH_GROUP];
	row->topic = best->cells[CH_TOPIC];
	row->type = strcmp(best->cells[CH_TYPE], "0") == 0 ? 0 : 1;
	row->reset_timestamp = best->cells[CH_RESET];
	row->status = best->status;
	row->in_flight = best->journal;
	if (best->journal) {
		row->http_status = row->request_id = "";
		row->latency_ms = row->finished_at = "";
		row->error_code = "mqreset.InFlight";
		row->error_message = best->note;
	} else {
		row->http_status = best->cells[CH_HTTP];
		row->request_id = best->cells[CH_REQID];
		row->error_code = best->cells[CH_CODE];
		row->error_message = best->cells[CH_MSG];
		row->latency_ms = best->cells[CH_LATENCY];
		row->finished_at = best->cells[CH_FINISHED];
	}
	row->words = words;
	row->nwords = nw;
	row->dropped = chain_obs_rank(best) < 4 &&
	    words[nw - 1].report + 1 != c->nreports;
	row->decided = &words[dec];
	for (k = 0; k < c->nextra; k++)
		extra[k] = "";
	if (!last->journal) {
		rep = &c->reports[last->report];
		for (k = 0; k < rep->nextra; k++)
			extra[rep->extra_map[k]] =
			    last->cells[REPORT_NFIXED + k];
	}
	row->extra = extra;
	return ERR_OK;
}

err_code
chain_merge(struct chain *c, struct err *e)
{
	size_t i, j, nkeys = 0;
	err_code rc = ERR_OK;

	if (c->merged)
		return err_set(e, ERR_BADSTATE, "chain already merged");
	c->merged = 1;
	c->by_time = calloc(c->nreports + 1, sizeof *c->by_time);
	if (c->by_time == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < c->nreports; i++) {
		c->by_time[i] = i;
		/* A report that answered nothing (every row skipped) comes
		 * after the answers it repeats. */
		if (c->reports[i].time == 0 && c->reports[i].skip_time > 0)
			c->reports[i].time = c->reports[i].skip_time + 1;
	}
	qsort_r(c->by_time, c->nreports, sizeof *c->by_time, chain_cmp_time,
	    c);
	for (i = 0; i < c->nreports; i++)
		c->reports[c->by_time[i]].order = i;
	if (c->nobs > 0)
		qsort_r(c->obs, c->nobs, sizeof *c->obs, chain_cmp_obs, c);
	for (i = 0; i < c->nobs; i++)
		nkeys += i == 0 || strcmp(c->obs[i].key, c->obs[i - 1].key);
	c->rows = calloc(nkeys + 1, sizeof *c->rows);
	c->words = calloc(c->nobs + 1, sizeof *c->words);
	c->extras = calloc(nkeys * c->nextra + 1, sizeof *c->extras);
	if (c->rows == NULL || c->words == NULL || c->extras == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < c->nobs && rc == ERR_OK; i = j) {
		for (j = i + 1; j < c->nobs &&
		    strcmp(c->obs[i].key, c->obs[j].key) == 0; j++)
			;
		rc = chain_fold(c, &c->obs[i], j - i, &c->rows[c->nrows],
		    &c->words[i], &c->extras[c->nrows * c->nextra], e);
		c->nrows++;
	}
	if (rc == ERR_OK && c->nrows > 0)
		qsort(c->rows, c->nrows, sizeof *c->rows, chain_cmp_rows);
	return rc;
}

size_t
chain_count(const struct chain *c)
{
	return c->nrows;
}

const struct chain_row *
chain_row(const struct chain *c, size_t i)
{
	return i < c->nrows ? &c->rows[i] : NULL;
}

size_t
chain_nreports(const struct chain *c)
{
	return c->nreports;
}

const char *
chain_report_name(const struct chain *c, size_t i)
{
	if (i >= c->nreports)
		return NULL;
	return c->by_time != NULL ? c->reports[c->by_time[i]].name :
	    c->reports[i].name;
}

size_t
chain_nextra(const struct chain *c)
{
	return c->nextra;
}

const char *
chain_extra_name(const struct chain *c, size_t i)
{
	return i < c->nextra ? c->extra_names[i] : NULL;
}

int
chain_row_retry(const struct chain_row *row)
{
	switch (row->status) {
	case REPORT_OK:
	case REPORT_SKIPPED:
		return 0;
	case REPORT_FAILED:
	case REPORT_NOT_RUN:
	case REPORT_DRY_RUN:
		return !row->dropped;
	case REPORT_UNKNOWN:
		return row->type != 0;
	}
	return 0;
}

void
chain_destroy(struct chain *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nobs; i++)
		chain_obs_free(&c->obs[i]);
	free(c->obs);
	for (i = 0; i < c->nreports; i++) {
		free(c->reports[i].name);
		free(c->reports[i].extra_map);
	}
	free(c->reports);
	for (i = 0; i < c->nextra; i++)
		free(c->extra_names[i]);
	free(c->extra_names);
	free(c->by_time);
	free(c->rows);
	free(c->words);
	free(c->extras);
	free(c);
}
