/*
 * resume.c - reading a previous report (and its intent journal) for
 * `run --resume`, matching plan rows against it, and the resume decision.
 * See include/mqreset/resume.h for the contract and the decision table.
 *
 * Design: both files are read with csvin.c (strict, streaming, knows a
 * record cut short by a kill).  Each row becomes a 24-byte entry: a 96-bit
 * key digest, the report and plan line numbers, the status and two flags.
 * After loading, the entries are heap-sorted by digest (report rows before
 * journal lines of the same key) and folded: a journal line whose key has
 * a report row is dropped (the answer supersedes the intent), a second
 * journal line of a key is dropped, two report rows of one key are an
 * error.  Lookups are binary searches.
 */
#include "resume.h"

#include <errno.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "csvin.h"
#include "csvout.h"
#include "intent.h"
#include "tstamp.h"

/* Entry status value for a journal line (not a report status). */
#define RESUME_INFLIGHT 0xffu

/* Entry flags. */
#define RESUME_F_JOURNAL 0x1u /* from the journal */
#define RESUME_F_MATCHED 0x2u /* a plan row has this key */

struct resume_entry {
	uint32_t h[3];        /* key digest (first 96 bits of SHA-256) */
	uint32_t place;       /* digest of instance, group and topic only
	                         (32 bits): names the plan line that took
	                         the place of a changed row */
	uint32_t report_line; /* line in the report or journal */
	uint32_t plan_line;   /* plan line recorded in that line */
	uint32_t text;        /* ok and skipped rows: offset + 1 of their
	                         "request_id NUL finished_at NUL" in the
	                         text pool; 0: none */
	uint8_t status;       /* enum report_status or RESUME_INFLIGHT */
	uint8_t flags;        /* RESUME_F_* */
	uint16_t file;        /* which report of the chain (0-based) */
};

struct resume {
	struct resume_entry *v;  /* entries, sorted after loading */
	size_t n;                /* entries used */
	size_t cap;              /* entries allocated */
	struct resume_stats st;  /* counts from loading */
	char **report_names;     /* per file of the chain, for messages
	                            (owned) */
	char **journal_names;    /* the same for their journals (owned;
	                            NULL entries: no journal) */
	size_t nfiles;           /* files in the chain */
	char *pool;              /* request ids and times of ok rows */
	size_t pool_len;         /* bytes used in pool */
	size_t pool_cap;         /* bytes allocated */
	struct buf key;          /* scratch: the serialised key */
};

/* Loader state for one file. */
struct resume_loader {
	struct resume *r;      /* table being filled */
	const char *name;      /* file name for messages */
	uint16_t file;         /* index of the report in the chain */
	int journal;           /* reading the journal */
	size_t ncells;         /* cells per record, from the header */
	int have_header;       /* header seen */
	long pcol;             /* cell of the account's profile, or -1 */
	long rcol;             /* cell of the account's region, or -1 */
	struct err *e;         /* error detail */
};

const char *
resume_action_text(enum resume_action a)
{
	switch (a) {
	case RESUME_SEND: return "send";
	case RESUME_SKIP: return "skip";
	case RESUME_HOLD: return "hold";
	}
	return "invalid";
}

enum resume_action
resume_decide(const struct resume_prev *prev, int type, int retry_ambiguous)
{
	/* Only a repeated type 0 reset can do lasting harm. */
	enum resume_action ambiguous = (type == 0 && !retry_ambiguous) ?
	    RESUME_HOLD : RESUME_SEND;

	switch (prev->seen) {
	case RESUME_SEEN_NONE:
		return RESUME_SEND;
	case RESUME_SEEN_INFLIGHT:
		return ambiguous;
	case RESUME_SEEN_ROW:
		break;
	}
	switch (prev->status) {
	case REPORT_OK:
	case REPORT_SKIPPED:
		return RESUME_SKIP;
	case REPORT_FAILED:
	case REPORT_NOT_RUN:
	case REPORT_DRY_RUN:
		return RESUME_SEND;
	case REPORT_UNKNOWN:
		return ambiguous;
	}
	/* An out-of-range status: the safe answer is not to send. */
	return RESUME_HOLD;
}

int
resume_rank(enum resume_seen seen, enum report_status st)
{
	switch (seen) {
	case RESUME_SEEN_NONE:
		return 0;
	case RESUME_SEEN_INFLIGHT:
		return 4; /* as unknown: it may have been applied */
	case RESUME_SEEN_ROW:
		break;
	}
	switch (st) {
	case REPORT_OK:
		return 6; /* the answer that proves it */
	case REPORT_SKIPPED:
		return 5; /* ok in an earlier report */
	case REPORT_UNKNOWN:
		return 4;
	case REPORT_FAILED:
		return 3;
	case REPORT_NOT_RUN:
		return 2;
	case REPORT_DRY_RUN:
		return 1;
	}
	return 4; /* out of range: as unknown, the safe reading */
}

int
resume_has_effect(enum resume_seen seen, enum report_status st)
{
	return resume_rank(seen, st) >= 4;
}

/*
 * Digest of a key: fields separated by 0x1f (plan identifiers cannot hold
 * control characters), the instant as decimal milliseconds, "-" for type
 * 0 (whose instant means nothing).
 */
static err_code
resume_digest(struct buf *tmp, const struct plan_key *k, uint32_t h[3])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	err_code rc;

	buf_reset(tmp);
	/* The account (plan.h) only when there is one: a plan without
	 * account columns keeps the digests it always had. */
	rc = ERR_OK;
	if (*plan_key_str(k->profile) != '\0' ||
	    *plan_key_str(k->region) != '\0')
		rc = buf_printf(tmp, "\x1e%s\x1f%s\x1e", k->profile != NULL ?
		    k->profile : "", k->region != NULL ? k->region : "");
	if (rc == ERR_OK)
		rc = buf_printf(tmp, "%s\x1f%s\x1f%s\x1f%d\x1f",
		    k->instance != NULL ? k->instance : "", k->group != NULL ?
		    k->group : "", k->topic != NULL ? k->topic : "",
		    plan_key_has_time(k) ? 1 : 0);
	if (rc == ERR_OK && !plan_key_has_time(k))
		rc = buf_putc(tmp, '-');
	else if (rc == ERR_OK)
		rc = buf_printf(tmp, "%lld", (long long)k->reset_ms);
	if (rc != ERR_OK)
		return rc;
	SHA256((const unsigned char *)buf_cstr(tmp), tmp->len, md);
	memcpy(h, md, 3 * sizeof h[0]);
	return ERR_OK;
}

/* 32-bit digest of instance, group and topic (a row's place). */
static err_code
resume_place(struct buf *tmp, const struct plan_key *k, uint32_t *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	err_code rc;

	buf_reset(tmp);
	rc = buf_printf(tmp, "%s\x1f%s\x1f%s", k->instance != NULL ?
	    k->instance : "", k->group != NULL ? k->group : "",
	    k->topic != NULL ? k->topic : "");
	if (rc != ERR_OK)
		return rc;
	SHA256((const unsigned char *)buf_cstr(tmp), tmp->len, md);
	memcpy(out, md, sizeof *out);
	return ERR_OK;
}

/* Keep "request_id NUL finished_at NUL" of an ok row; 0 when it cannot. */
static uint32_t
resume_keep_text(struct resume *r, const char *rid, const char *fin)
{
	size_t a = strlen(rid) + 1, b = strlen(fin) + 1, at;

	if (r->pool_len + a + b >= UINT32_MAX)
		return 0;
	if (r->pool_len + a + b > r->pool_cap) {
		size_t ncap = r->pool_cap == 0 ? 65536 : r->pool_cap * 2;
		char *np;

		while (ncap < r->pool_len + a + b)
			ncap *= 2;
		np = realloc(r->pool, ncap);
		if (np == NULL)
			return 0; /* the row is only told with less detail */
		r->pool = np;
		r->pool_cap = ncap;
	}
	at = r->pool_len;
	memcpy(r->pool + at, rid, a);
	memcpy(r->pool + at + a, fin, b);
	r->pool_len += a + b;
	return (uint32_t)at + 1;
}

static int
resume_cmp_h(const uint32_t a[3], const uint32_t b[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* Sort order: digest, file, report rows before journal lines, line. */
static int
resume_cmp_entry(const struct resume_entry *a, const struct resume_entry *b)
{
	int c = resume_cmp_h(a->h, b->h);

	if (c != 0)
		return c;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if ((a->flags & RESUME_F_JOURNAL) != (b->flags & RESUME_F_JOURNAL))
		return (a->flags & RESUME_F_JOURNAL) ? 1 : -1;
	return (a->report_line > b->report_line) -
	    (a->report_line < b->report_line);
}

static void
resume_sift(struct resume_entry *v, size_t root, size_t n)
{
	struct resume_entry tmp;
	size_t child;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && resume_cmp_entry(&v[child],
		    &v[child + 1]) < 0)
			child++;
		if (resume_cmp_entry(&v[root], &v[child]) >= 0)
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

/*
 * Heapsort, in place: qsort() in glibc may allocate a copy of the array
 * (25 MB for a million rows), which would double the peak memory.
 */
static void
resume_sort(struct resume_entry *v, size_t n)
{
	struct resume_entry tmp;
	size_t i;

	for (i = n / 2; i-- > 0;)
		resume_sift(v, i, n);
	for (i = n; i-- > 1;) {
		tmp = v[0];
		v[0] = v[i];
		v[i] = tmp;
		resume_sift(v, 0, i);
	}
}

static uint32_t
resume_u32(unsigned long v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Parse a decimal line number (1..ULONG_MAX). */
static int
resume_parse_line(const char *s, unsigned long *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v == 0)
		return -1;
	return 0;
}

static err_code
resume_check_header(struct resume_loader *ld, char **cells, size_t n,
    unsigned long line)
{
	const char *const *want = ld->journal ? intent_columns :
	    report_fixed_columns;
	size_t nwant = ld->journal ? INTENT_NCOLUMNS : REPORT_NFIXED;
	size_t i;

	for (i = 0; i < nwant; i++) {
		if (i >= n || strcmp(cells[i], want[i]) != 0)
			return err_set(ld->e, ERR_PARSE, "%s:%lu: not a "
			    "mqreset %s: column %zu should be \"%s\"", ld->name,
			    line, ld->journal ? "intent journal" : "report",
			    i + 1, want[i]);
	}
	/* The account columns, in any spelling the plan used (plan.h). */
	for (i = nwant; i < n; i++) {
		enum plan_account_col ac = plan_account_column(cells[i]);

		if (ac == PLAN_ACCOUNT_PROFILE && ld->pcol < 0)
			ld->pcol = (long)i;
		else if (ac == PLAN_ACCOUNT_REGION && ld->rcol < 0)
			ld->rcol = (long)i;
	}
	ld->ncells = n;
	ld->have_header = 1;
	return ERR_OK;
}

/* csvin callback: one record of the report or the journal. */
static err_code
resume_record(void *arg, char **cells, size_t n, unsigned long line)
{
	struct resume_loader *ld = arg;
	struct resume *r = ld->r;
	struct resume_entry *ent;
	struct plan_key key;
	enum report_status st = REPORT_OK;
	unsigned long pline;
	size_t i;
	err_code rc;

	if (!ld->have_header)
		return resume_check_header(ld, cells, n, line);
	if (n != ld->ncells)
		return err_set(ld->e, ERR_PARSE, "%s:%lu: %zu cells, the "
		    "header has %zu", ld->name, line, n, ld->ncells);
	for (i = 1; i <= 6; i++)
		csvout_decode(cells[i]);
	if (resume_parse_line(cells[0], &pline) != 0)
		return err_set(ld->e, ERR_PARSE, "%s:%lu: bad plan line "
		    "number \"%s\"", ld->name, line, cells[0]);
	key.instance = cells[1];
	key.group = cells[2];
	key.topic = cells[3];
	key.reset_ms = -1;
	key.profile = "";
	key.region = "";
	if (ld->pcol >= 0) {
		csvout_decode(cells[ld->pcol]);
		key.profile = cells[ld->pcol];
	}
	if (ld->rcol >= 0) {
		csvout_decode(cells[ld->rcol]);
		key.region = cells[ld->rcol];
	}
	if (strcmp(cells[4], "0") == 0)
		key.type = PLAN_TYPE_CLEAR;
	else if (strcmp(cells[4], "1") == 0)
		key.type = PLAN_TYPE_TIMESTAMP;
	else
		return err_set(ld->e, ERR_PARSE, "%s:%lu: bad type \"%s\"",
		    ld->name, line, cells[4]);
	if (plan_key_has_time(&key) &&
	    tstamp_parse_canonical(cells[5], &key.reset_ms) != ERR_OK)
		return err_set(ld->e, ERR_PARSE, "%s:%lu: bad "
		    "reset_timestamp \"%s\"", ld->name, line, cells[5]);
	if (!ld->journal && report_status_parse(cells[6], &st) != ERR_OK)
		return err_set(ld->e, ERR_PARSE, "%s:%lu: unknown status "
		    "\"%s\"", ld->name, line, cells[6]);
	if (r->n == r->cap) {
		size_t ncap = r->cap == 0 ? 1024 : r->cap * 2;
		struct resume_entry *nv = realloc(r->v, ncap * sizeof *nv);

		if (nv == NULL)
			return err_set(ld->e, ERR_NOMEM, "out of memory");
		r->v = nv;
		r->cap = ncap;
	}
	ent = &r->v[r->n];
	memset(ent, 0, sizeof *ent);
	rc = resume_digest(&r->key, &key, ent->h);
	if (rc == ERR_OK)
		rc = resume_place(&r->key, &key, &ent->place);
	if (rc != ERR_OK)
		return err_set(ld->e, rc, "%s:%lu: key too long", ld->name,
		    line);
	ent->report_line = resume_u32(line);
	ent->plan_line = resume_u32(pline);
	ent->file = ld->file;
	if (!ld->journal && (st == REPORT_OK || st == REPORT_SKIPPED)) {
		csvout_decode(cells[8]);
		ent->text = resume_keep_text(r, cells[8], cells[13]);
	}
	if (ld->journal) {
		ent->status = RESUME_INFLIGHT;
		ent->flags = RESUME_F_JOURNAL;
		r->st.intents++;
	} else {
		ent->status = (uint8_t)st;
		r->st.rows++;
		r->st.by_status[st]++;
	}
	r->n++;
	return ERR_OK;
}

static err_code
resume_read(struct resume *r, FILE *fp, const char *name, uint16_t file,
    int journal, unsigned long *truncated, struct err *e)
{
	struct resume_loader ld;
	err_code rc;

	memset(&ld, 0, sizeof ld);
	ld.r = r;
	ld.name = name;
	ld.file = file;
	ld.journal = journal;
	ld.pcol = -1;
	ld.rcol = -1;
	ld.e = e;
	rc = csvin_read(fp, name, resume_record, &ld, truncated, e);
	if (rc == ERR_OK && !ld.have_header)
		rc = err_set(e, ERR_PARSE, "%s: no header line: not a mqreset "
		    "%s", name, journal ? "intent journal" : "report");
	return rc;
}

/* The rank of an entry (resume_rank()). */
static int
resume_entry_rank(const struct resume_entry *ent)
{
	if (ent->flags & RESUME_F_JOURNAL)
		return resume_rank(RESUME_SEEN_INFLIGHT, REPORT_UNKNOWN);
	return resume_rank(RESUME_SEEN_ROW, (enum report_status)ent->status);
}

/*
 * One key's entries v[0..n) (sorted: by file, report rows before journal
 * lines) into the one that speaks for it.  Within one file: a journal
 * line gives way to a report row (the answer supersedes the intent), a
 * not-run row to any other row (a run writes one for a line of a plan
 * edited while it ran), and two other rows are an error.  Across the
 * files of a chain the most telling entry wins (resume_rank(): ok proves
 * the row applied whatever came later; an unknown stays a possible
 * application), the latest file among equals.
 */
static err_code
resume_fold_key(struct resume *r, const struct resume_entry *v, size_t n,
    struct resume_entry *out, struct err *e)
{
	const struct resume_entry *best = NULL, *row, *journal, *notrun, *w;
	size_t i = 0, j;

	while (i < n) {
		row = journal = notrun = NULL;
		for (j = i; j < n && v[j].file == v[i].file; j++) {
			if (v[j].flags & RESUME_F_JOURNAL) {
				if (journal == NULL)
					journal = &v[j];
			} else if (v[j].status == REPORT_NOT_RUN) {
				notrun = &v[j];
			} else if (row != NULL) {
				return err_set(e, ERR_MISMATCH, "%s:%lu and "
				    "line %lu are the same plan row (plan "
				    "lines %lu and %lu): not a report mqreset "
				    "wrote", r->report_names[v[j].file],
				    (unsigned long)row->report_line,
				    (unsigned long)v[j].report_line,
				    (unsigned long)row->plan_line,
				    (unsigned long)v[j].plan_line);
			} else {
				row = &v[j];
			}
		}
		/* The file's word: its answer, else its intent, else its
		 * not-run row (which says nothing was sent). */
		w = row != NULL ? row : journal != NULL ? journal : notrun;
		if (best == NULL || resume_entry_rank(w) >=
		    resume_entry_rank(best))
			best = w;
		i = j;
	}
	*out = *best;
	return ERR_OK;
}

/* Sort, then fold each key's entries into one (resume_fold_key()). */
static err_code
resume_fold(struct resume *r, struct err *e)
{
	size_t i, j, out = 0;
	struct resume_entry keep;
	err_code rc;

	resume_sort(r->v, r->n);
	for (i = 0; i < r->n; i = j) {
		for (j = i + 1; j < r->n &&
		    resume_cmp_h(r->v[i].h, r->v[j].h) == 0; j++)
			;
		rc = resume_fold_key(r, &r->v[i], j - i, &keep, e);
		if (rc != ERR_OK)
			return rc;
		r->v[out++] = keep;
	}
	r->n = out;
	/* Give back the growth slack (up to half the table). */
	if (r->n > 0 && r->n < r->cap) {
		struct resume_entry *nv = realloc(r->v, r->n * sizeof *nv);

		if (nv != NULL) {
			r->v = nv;
			r->cap = r->n;
		}
	}
	for (i = 0; i < r->n; i++)
		r->st.in_flight += (r->v[i].flags & RESUME_F_JOURNAL) != 0;
	return ERR_OK;
}

/*
 * The end of a load: fold what was read (when `rc` says it all was) into
 * *out, or free it.  Returns the load's status.
 */
static err_code
resume_finish(struct resume *r, err_code rc, struct resume **out,
    struct err *e)
{
	if (rc == ERR_OK)
		rc = resume_fold(r, e);
	if (rc != ERR_OK) {
		resume_destroy(r);
		return rc;
	}
	*out = r;
	return ERR_OK;
}

static struct resume *
resume_new(size_t nfiles)
{
	struct resume *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	buf_init(&r->key, 1 << 16);
	r->nfiles = nfiles;
	r->report_names = calloc(nfiles, sizeof *r->report_names);
	r->journal_names = calloc(nfiles, sizeof *r->journal_names);
	if (r->report_names == NULL || r->journal_names == NULL) {
		resume_destroy(r);
		return NULL;
	}
	return r;
}

/* Read file `i` of the chain from open streams (journal may be NULL). */
static err_code
resume_add_fp(struct resume *r, size_t i, FILE *report,
    const char *report_name, FILE *journal, const char *journal_name,
    struct err *e)
{
	unsigned long trunc = 0;
	err_code rc;

	r->report_names[i] = strdup(report_name);
	if (journal != NULL)
		r->journal_names[i] = strdup(journal_name);
	if (r->report_names[i] == NULL ||
	    (journal != NULL && r->journal_names[i] == NULL))
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = resume_read(r, report, report_name, (uint16_t)i, 0, &trunc, e);
	if (rc == ERR_OK && trunc != 0 && r->st.truncated_line == 0) {
		r->st.truncated_line = trunc;
		r->st.truncated_name = r->report_names[i];
	}
	if (rc == ERR_OK && journal != NULL) {
		r->st.have_journal = 1;
		trunc = 0;
		rc = resume_read(r, journal, journal_name, (uint16_t)i, 1,
		    &trunc, e);
		if (trunc != 0 && r->st.journal_truncated_line == 0)
			r->st.journal_truncated_line = trunc;
	}
	return rc;
}

err_code
resume_load_fp(struct resume **out, FILE *report, const char *report_name,
    FILE *journal, const char *journal_name, struct err *e)
{
	struct resume *r;
	err_code rc;

	*out = NULL;
	r = resume_new(1);
	if (r == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = resume_add_fp(r, 0, report, report_name, journal, journal_name,
	    e);
	return resume_finish(r, rc, out, e);
}

/* Open and read file `i` of the chain with its journal, if any. */
static err_code
resume_add(struct resume *r, size_t i, const char *report_path,
    struct err *e)
{
	FILE *rep = NULL, *jr = NULL;
	struct buf jpath;
	err_code rc = ERR_OK;

	buf_init(&jpath, 8192);
	rep = fopen(report_path, "rb");
	if (rep == NULL)
		rc = err_set_errno(e, ERR_IO, errno, "cannot read previous "
		    "report %s", report_path);
	if (rc == ERR_OK && intent_path(report_path, &jpath) != ERR_OK)
		rc = err_set(e, ERR_TOOBIG, "path too long: %s", report_path);
	if (rc == ERR_OK) {
		jr = fopen(buf_cstr(&jpath), "rb");
		if (jr == NULL && errno != ENOENT)
			rc = err_set_errno(e, ERR_IO, errno, "cannot read "
			    "intent journal %s", buf_cstr(&jpath));
	}
	if (rc == ERR_OK)
		rc = resume_add_fp(r, i, rep, report_path, jr,
		    buf_cstr(&jpath), e);
	if (rep != NULL)
		fclose(rep);
	if (jr != NULL)
		fclose(jr);
	buf_free(&jpath);
	return rc;
}

err_code
resume_load_chain(struct resume **out, const char *const *paths,
    size_t n, struct err *e)
{
	struct resume *r;
	size_t i;
	err_code rc = ERR_OK;

	*out = NULL;
	if (n == 0 || n > RESUME_CHAIN_MAX)
		return err_set(e, ERR_USAGE, "--resume takes 1 to %d reports, "
		    "not %zu", RESUME_CHAIN_MAX, n);
	r = resume_new(n);
	if (r == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n && rc == ERR_OK; i++)
		rc = resume_add(r, i, paths[i], e);
	return resume_finish(r, rc, out, e);
}

err_code
resume_load(struct resume **out, const char *report_path, struct err *e)
{
	return resume_load_chain(out, &report_path, 1, e);
}

const struct resume_stats *
resume_stats(const struct resume *r)
{
	return &r->st;
}

void
resume_match(struct resume *r, const struct plan_key *key,
    struct resume_prev *prev)
{
	size_t lo = 0, hi = r->n, mid;
	struct resume_entry *ent;
	uint32_t h[3];
	int c;

	memset(prev, 0, sizeof *prev);
	prev->seen = RESUME_SEEN_NONE;
	/* Plan keys are short (identifiers <= 255 bytes); a key that does
	 * not fit cannot be in the table either. */
	if (resume_digest(&r->key, key, h) != ERR_OK)
		return;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		ent = &r->v[mid];
		c = resume_cmp_h(h, ent->h);
		if (c == 0) {
			ent->flags |= RESUME_F_MATCHED;
			prev->report_line = ent->report_line;
			prev->plan_line = ent->plan_line;
			prev->report_name = (ent->flags & RESUME_F_JOURNAL) ?
			    r->journal_names[ent->file] :
			    r->report_names[ent->file];
			if (ent->text != 0) {
				prev->request_id = r->pool + ent->text - 1;
				prev->finished_at = prev->request_id +
				    strlen(prev->request_id) + 1;
			}
			if (ent->flags & RESUME_F_JOURNAL)
				prev->seen = RESUME_SEEN_INFLIGHT;
			else {
				prev->seen = RESUME_SEEN_ROW;
				prev->status = (enum report_status)ent->status;
			}
			return;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
}

int
resume_first_conflict(const struct resume *r, struct resume_conflict *c)
{
	const struct resume_entry *first = NULL, *ent;
	size_t i, count = 0;

	memset(c, 0, sizeof *c);
	for (i = 0; i < r->n; i++) {
		ent = &r->v[i];
		if ((ent->flags & RESUME_F_MATCHED) ||
		    resume_entry_rank(ent) < 4)
			continue; /* in the plan, or had no effect */
		count++;
		/* Name the earliest line: by file of the chain, report rows
		 * before the journal, then by line. */
		if (first == NULL || ent->file < first->file ||
		    (ent->file == first->file &&
		    ((first->flags & RESUME_F_JOURNAL) >
		    (ent->flags & RESUME_F_JOURNAL) ||
		    ((first->flags & RESUME_F_JOURNAL) ==
		    (ent->flags & RESUME_F_JOURNAL) &&
		    ent->report_line < first->report_line))))
			first = ent;
	}
	if (first == NULL)
		return 0;
	c->name = (first->flags & RESUME_F_JOURNAL) ?
	    r->journal_names[first->file] : r->report_names[first->file];
	c->report_line = first->report_line;
	c->plan_line = first->plan_line;
	c->what = (first->flags & RESUME_F_JOURNAL) ? "in flight" :
	    report_status_text((enum report_status)first->status);
	c->place = first->place;
	c->count = count;
	return 1;
}

int
resume_same_place(struct resume *r, const struct resume_conflict *c,
    const struct plan_key *key)
{
	uint32_t p;

	return resume_place(&r->key, key, &p) == ERR_OK && p == c->place;
}

err_code
resume_check_unmatched(const struct resume *r, struct err *e)
{
	struct resume_conflict c;

	if (!resume_first_conflict(r, &c))
		return ERR_OK;
	return err_set(e, ERR_MISMATCH, "%s:%lu: the row for plan line %lu "
	    "(%s) is not in this plan%s: the previous report comes from a "
	    "different plan, or a row that may have been applied was "
	    "edited; refusing to resume", c.name, c.report_line,
	    c.plan_line, c.what, c.count > 1 ? " (nor are other rows of "
	    "it)" : "");
}

err_code
resume_check_paths(const char *resume_path, const char *report_path,
    struct err *e)
{
	struct stat a, b;
	int same = strcmp(resume_path, report_path) == 0;

	if (!same && stat(resume_path, &a) == 0 && stat(report_path, &b) == 0)
		same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	if (same)
		return err_set(e, ERR_USAGE, "--resume %s and --report %s name "
		    "the same file: the previous report is the record of what "
		    "was applied and must be kept; write the new report to "
		    "another file", resume_path, report_path);
	return ERR_OK;
}

err_code
resume_check_chain(const char *const *paths, size_t n, struct err *e)
{
	struct stat a, b;
	size_t i, j;

	if (n > RESUME_CHAIN_MAX)
		return err_set(e, ERR_USAGE, "--resume: at most %d reports, "
		    "not %zu", RESUME_CHAIN_MAX, n);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(paths[i], paths[j]) == 0 ||
			    (stat(paths[i], &a) == 0 &&
			    stat(paths[j], &b) == 0 && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino))
				return err_set(e, ERR_USAGE, "--resume %s and "
				    "--resume %s name the same report: give "
				    "each report of the chain once", paths[i],
				    paths[j]);
	return ERR_OK;
}

void
resume_destroy(struct resume *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nfiles; i++) {
		free(r->report_names[i]);
		free(r->journal_names[i]);
	}
	free(r->report_names);
	free(r->journal_names);
	free(r->pool);
	free(r->v);
	buf_free(&r->key);
	free(r);
}
