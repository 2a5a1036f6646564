/*
 * plan.c - the streaming plan reader and validator.  See include/common/plan.h.
 *
 * Design: input is read in 64 KiB chunks and cut into segments that end
 * at a line break ('\n', or a '\r' not followed by '\n'), each fed to
 * libcsv (strict mode) on its own.  So at most one record completes per
 * csv_parse() call, plan_next() can pull records one at a time, and the
 * physical line where a record starts is known: it is the current line
 * whenever a segment begins while libcsv has no record in progress
 * (csv_parser.pstate == 0, ROW_NOT_BEGUN, a public field of libcsv 3).
 *
 * Lines are scanned before libcsv sees them: a line that is empty or
 * white space is blank, one whose first non-blank byte is '#' is a
 * comment and never reaches the CSV parser (comments are free text and
 * may hold unbalanced quotes).  A record whose first field starts with
 * '#' after unquoting is a comment too.
 *
 * A strict-mode parse error (a quote inside an unquoted field, text after
 * a closing quote) loses the record: it is reported, the parser is reset
 * and reading resumes at the next line.  A record longer than
 * PLAN_RECORD_MAX is reported; if libcsv's own buffer runs past that (an
 * unterminated quote swallowing the file) reading stops there, so memory
 * stays bounded whatever the input.
 *
 * Column numbers in diagnostics are 1-based field numbers.
 */
#include "plan.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "colmap.h"
#include "dupset.h"
#include "ident.h"
#include "reltime.h"
#include "tstamp.h"
#include "tzconv.h"

#define PLAN_CHUNK (64 * 1024)
#define PLAN_CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI)

/* The plan's own columns; extras are all others. */
enum plan_col {
	PLAN_COL_INSTANCE = 0,
	PLAN_COL_GROUP,
	PLAN_COL_TOPIC,
	PLAN_COL_TYPE,
	PLAN_COL_TIMESTAMP,
	PLAN_COL_PROFILE,   /* optional: the account's credentials */
	PLAN_COL_REGION,    /* optional: the account's region */
	PLAN_NCOLS
};

/* Longest profile name and region ID accepted. */
#define PLAN_PROFILE_MAX 128
#define PLAN_REGION_MAX 64

static const struct {
	const char *shortname; /* spelling 1 */
	const char *apiname;   /* spelling 2, as the API parameter */
	const char *alias;     /* spelling 3, as the console and
	                          spreadsheets write it (normalised), or
	                          NULL */
} plan_colnames[PLAN_NCOLS] = {
	{ "instance", "InstanceId", NULL },
	{ "group", "GroupId", NULL },
	{ "topic", "Topic", NULL },
	{ "type", "Type", "resettype" },
	{ "timestamp", "ResetTimestamp", "resettime" },
	{ "profile", "Profile", "profilename" },
	{ "region", "RegionId", NULL },
};

/*
 * The result columns of a run's report (mqreset(1), the report): not plan
 * input, so ignored when the plan is a report.
 */
static const char *const plan_report_results[] = {
	"line", "status", "http_status", "request_id", "error_code",
	"error_message", "attempts", "latency_ms", "finished_at", "verified"
};
#define PLAN_NREPORT_RESULTS \
	(sizeof plan_report_results / sizeof plan_report_results[0])

/* What the line scanner is doing with the current physical line. */
enum plan_linestate {
	PLAN_LS_START = 0, /* only blanks so far on this line */
	PLAN_LS_DATA,      /* feeding libcsv */
	PLAN_LS_COMMENT,   /* skipping a '#' line */
	PLAN_LS_RESYNC     /* skipping the rest of a line after an error */
};

struct plan_reader {
	struct plan_options opts;   /* copy of the caller's options */
	char *display;              /* name in diagnostics */
	FILE *fp;                   /* input */
	int own_fp;                 /* close fp (not stdin) */
	struct csv_parser csv;      /* libcsv state */
	int csv_ready;              /* csv was initialised */
	unsigned char *chunk;       /* read buffer, PLAN_CHUNK bytes */
	size_t chunk_len;           /* bytes in chunk */
	size_t chunk_pos;           /* next byte to consume */
	int input_eof;              /* fread reached the end */
	int input_done;             /* end of input fully processed */
	int bom_checked;            /* the first bytes were checked */
	unsigned long line;         /* physical line of the next byte */
	int prev_cr;                /* the last byte consumed was '\r' */
	int line_has_bytes;         /* current line has a non-break byte */
	enum plan_linestate ls;     /* scanner state for this line */
	unsigned long rec_line;     /* line where the current record began */
	struct buf fields;          /* fields of the record, NUL-separated */
	size_t *foff;               /* offset of each field in `fields` */
	size_t nf;                  /* fields in the record */
	size_t fcap;                /* foff allocated */
	int rec_toobig;             /* the record passed PLAN_RECORD_MAX */
	int rec_nomem;              /* allocation failed storing a field */
	int rec_ready;              /* a complete record is waiting */
	size_t rec_nul;             /* 1-based field with a NUL byte, 0 */
	int utf16;                  /* the file starts with a UTF-16 BOM */
	char delim;                 /* the field separator in use */
	int delim_detected;         /* delim was detected, not given */
	int have_header;            /* the header was read */
	int header_bad;             /* header (or --instance) has errors */
	int col[PLAN_NCOLS];        /* field index of each column, or -1 */
	size_t ncols;               /* fields in the header */
	char **extra_names;         /* extra column names (owned) */
	size_t *extra_idx;          /* field index of each extra column */
	const char **extra_vals;    /* values of the current row */
	size_t nextra;              /* number of extra columns */
	struct dupset *dups;        /* duplicate detection, or NULL */
	int dup_overflow_said;      /* "too many lines" reported */
	struct plan_counts counts;  /* running totals */
	int failed;                 /* an error was returned: stop */
	int at_eof;                 /* plan_next() reported the end */
};

const char *
plan_display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int
plan_parse_type(const char *s)
{
	if (strcmp(s, "0") == 0 || strcasecmp(s, "clear") == 0)
		return PLAN_TYPE_CLEAR;
	if (strcmp(s, "1") == 0 || strcasecmp(s, "timestamp") == 0)
		return PLAN_TYPE_TIMESTAMP;
	return -1;
}

/* Report a diagnostic: count it and pass it to the sink. */
static void
plan_diag(struct plan_reader *r, unsigned long line, unsigned long col,
    enum diag_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
plan_diag(struct plan_reader *r, unsigned long line, unsigned long col,
    enum diag_severity sev, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (sev == DIAG_ERROR)
		r->counts.errors++;
	else
		r->counts.warnings++;
	if (r->opts.diag == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	diag_add(r->opts.diag, line, col, sev, "%s", text);
}

/* libcsv field callback: store the field (or note the record is big). */
static void
plan_cb_field(void *s, size_t len, void *data)
{
	struct plan_reader *r = data;
	size_t *nf;
	err_code rc;

	if (r->rec_toobig || r->rec_nomem)
		return;
	if (r->nf == r->fcap) {
		size_t ncap = r->fcap == 0 ? 16 : r->fcap * 2;

		nf = realloc(r->foff, ncap * sizeof *nf);
		if (nf == NULL) {
			r->rec_nomem = 1;
			return;
		}
		r->foff = nf;
		r->fcap = ncap;
	}
	if (r->rec_nul == 0 && len > 0 && memchr(s, '\0', len) != NULL)
		r->rec_nul = r->nf + 1;
	r->foff[r->nf] = r->fields.len;
	rc = buf_append(&r->fields, s, len);
	if (rc == ERR_OK)
		rc = buf_putc(&r->fields, '\0');
	if (rc == ERR_TOOBIG)
		r->rec_toobig = 1;
	else if (rc != ERR_OK)
		r->rec_nomem = 1;
	else
		r->nf++;
}

/* libcsv record callback: a complete record is waiting. */
static void
plan_cb_record(int c, void *data)
{
	struct plan_reader *r = data;

	(void)c;
	r->rec_ready = 1;
}

static const char *
plan_field(const struct plan_reader *r, size_t i)
{
	return r->fields.data + r->foff[i];
}

static void
plan_record_clear(struct plan_reader *r)
{
	buf_reset(&r->fields);
	r->nf = 0;
	r->rec_toobig = 0;
	r->rec_nomem = 0;
	r->rec_ready = 0;
	r->rec_nul = 0;
}

/* Account for a consumed line-break byte c. */
static void
plan_line_break(struct plan_reader *r, unsigned char c)
{
	if (!(c == '\n' && r->prev_cr))
		r->line++;
	r->prev_cr = c == '\r';
	r->line_has_bytes = 0;
	r->counts.lines = r->line - 1;
}

/* Refill the chunk; sets input_eof at the end.  ERR_IO on read errors. */
static err_code
plan_refill(struct plan_reader *r, struct err *e)
{
	size_t n;

	n = fread(r->chunk, 1, PLAN_CHUNK, r->fp);
	if (n < PLAN_CHUNK && ferror(r->fp))
		return err_set_errno(e, ERR_IO, errno, "%s: read error",
		    r->display);
	if (n == 0)
		r->input_eof = 1;
	r->chunk_len = n;
	r->chunk_pos = 0;
	if (!r->bom_checked) {
		r->bom_checked = 1;
		if (n >= 3 && memcmp(r->chunk, "\xef\xbb\xbf", 3) == 0)
			r->chunk_pos = 3;
		if (n >= 2 && (memcmp(r->chunk, "\xff\xfe", 2) == 0 ||
		    memcmp(r->chunk, "\xfe\xff", 2) == 0)) {
			/* Not ours to transcode: say so instead of garbage. */
			r->utf16 = 1;
			r->chunk_len = 0;
			r->input_eof = 1;
		}
	}
	return ERR_OK;
}

/* Reset libcsv after a parse error and drop the partial record. */
static err_code
plan_csv_reset(struct plan_reader *r, struct err *e)
{
	csv_free(&r->csv);
	r->csv_ready = 0;
	if (csv_init(&r->csv, PLAN_CSV_OPTS) != 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	csv_set_delim(&r->csv, (unsigned char)r->delim);
	r->csv_ready = 1;
	plan_record_clear(r);
	return ERR_OK;
}

/* A record could not be parsed: count it as a row with an error. */
static void
plan_lost_record(struct plan_reader *r, const char *why)
{
	if (r->have_header)
		r->counts.rows++;
	else {
		/*
		 * An unreadable header: what follows must not be taken for
		 * the header instead; rows are counted but not checked.
		 */
		r->have_header = 1;
		r->header_bad = 1;
	}
	plan_diag(r, r->rec_line, r->nf + 1, DIAG_ERROR, "%s%s",
	    r->counts.rows == 0 ? "header: " : "", why);
}

static err_code
plan_input_end(struct plan_reader *r, struct err *e)
{
	r->input_done = 1;
	if (r->ls == PLAN_LS_COMMENT)
		r->counts.comments++;
	r->counts.lines = r->line - 1 + (r->line_has_bytes ? 1 : 0);
	if (csv_fini(&r->csv, plan_cb_field, plan_cb_record, r) != 0) {
		plan_lost_record(r, "unterminated quoted field: the closing "
		    "quote is missing");
		return plan_csv_reset(r, e);
	}
	return ERR_OK;
}

/*
 * Index of the first line-break byte in p[0..n), or n.  Two memchr()
 * scans (vectorised in libc) beat one byte loop testing two values.
 */
static size_t
plan_find_break(const unsigned char *p, size_t n)
{
	const unsigned char *lf, *cr;

	lf = memchr(p, '\n', n);
	cr = memchr(p, '\r', lf != NULL ? (size_t)(lf - p) : n);
	if (cr != NULL)
		return (size_t)(cr - p);
	return lf != NULL ? (size_t)(lf - p) : n;
}

/*
 * Consume input until a complete record is waiting (rec_ready) or the
 * input is done.  Over 100 lines: one loop over the input buffer whose
 * cases (refill, end of input, an over-long record, a line to skip) share
 * its state; split, they would pass that state around.
 */
static err_code
plan_read_record(struct plan_reader *r, struct err *e)
{
	err_code rc;

	plan_record_clear(r);
	while (!r->rec_ready && !r->input_done) {
		const unsigned char *p;
		size_t n, t, seg, fed;

		if (r->chunk_pos == r->chunk_len) {
			if (r->input_eof)
				return plan_input_end(r, e);
			rc = plan_refill(r, e);
			if (rc != ERR_OK)
				return rc;
			continue;
		}
		p = r->chunk + r->chunk_pos;
		n = r->chunk_len - r->chunk_pos;
		if (r->ls == PLAN_LS_COMMENT || r->ls == PLAN_LS_RESYNC) {
			t = plan_find_break(p, n);
			r->chunk_pos += t;
			if (t > 0)
				r->prev_cr = 0;
			if (t == n)
				continue;
			if (r->ls == PLAN_LS_COMMENT)
				r->counts.comments++;
			r->ls = PLAN_LS_START;
			r->chunk_pos++;
			plan_line_break(r, p[t]);
			continue;
		}
		if (r->ls == PLAN_LS_START && r->csv.pstate == 0) {
			if (*p == ' ' || (*p == '\t' && r->delim != '\t')) {
				r->chunk_pos++;
				r->prev_cr = 0;
				r->line_has_bytes = 1;
				continue;
			}
			if (*p == '\n' && r->prev_cr) {
				/* The LF of a CRLF whose CR ended a line. */
				r->chunk_pos++;
				r->prev_cr = 0;
				continue;
			}
			if (*p == '\n' || *p == '\r') {
				r->counts.blanks++;
				r->chunk_pos++;
				plan_line_break(r, *p);
				continue;
			}
			r->line_has_bytes = 1;
			if (*p == '#') {
				r->ls = PLAN_LS_COMMENT;
				continue;
			}
			r->ls = PLAN_LS_DATA;
			r->rec_line = r->line;
		}
		t = plan_find_break(p, n);
		seg = t < n ? t + 1 : n;
		if (t > 0) {
			/* A LF after other bytes is a line break of its own. */
			r->line_has_bytes = 1;
			r->prev_cr = 0;
		}
		fed = csv_parse(&r->csv, p, seg, plan_cb_field,
		    plan_cb_record, r);
		r->chunk_pos += seg;
		if (fed < seg) {
			if (csv_error(&r->csv) != CSV_EPARSE)
				return err_set(e, ERR_NOMEM, "%s: %s",
				    r->display,
				    csv_strerror(csv_error(&r->csv)));
			plan_lost_record(r, "malformed quoting: a quote "
			    "inside an unquoted field, or text after a "
			    "closing quote");
			rc = plan_csv_reset(r, e);
			if (rc != ERR_OK)
				return rc;
			if (t < n) {
				r->ls = PLAN_LS_START;
				plan_line_break(r, p[t]);
			} else
				r->ls = PLAN_LS_RESYNC;
			if (r->counts.rows == 0)
				return ERR_OK; /* the header was lost */
			continue;
		}
		if (t < n) {
			r->ls = PLAN_LS_START;
			plan_line_break(r, p[t]);
		}
		if (csv_get_buffer_size(&r->csv) > PLAN_RECORD_MAX + 1024) {
			plan_lost_record(r, "record longer than 64 KiB (an "
			    "unterminated quote?); stopped reading here");
			r->input_done = 1;
			r->counts.lines = r->line;
			return ERR_OK;
		}
		if (r->rec_nomem)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

/*
 * A header name in canonical form into out[n]: lower case, without
 * spaces, tabs and underscores ("Instance ID", "instance_id" and
 * "InstanceId" all give "instanceid").  A name too long for out gives
 * "", which matches nothing.
 */
static void
plan_header_norm(const char *name, char *out, size_t n)
{
	size_t k = 0;

	for (; *name != '\0'; name++) {
		unsigned char ch = (unsigned char)*name;

		if (ch == ' ' || ch == '\t' || ch == '_')
			continue;
		if (k + 1 >= n) {
			k = 0;
			break;
		}
		out[k++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' :
		    ch);
	}
	out[k] = '\0';
}

/* Match a header name against the columns' spellings; -1 for none. */
static int
plan_header_column(const char *name)
{
	char norm[64];
	int c;

	plan_header_norm(name, norm, sizeof norm);
	for (c = 0; c < PLAN_NCOLS; c++)
		if (strcasecmp(norm, plan_colnames[c].shortname) == 0 ||
		    strcasecmp(norm, plan_colnames[c].apiname) == 0 ||
		    (plan_colnames[c].alias != NULL &&
		    strcmp(norm, plan_colnames[c].alias) == 0))
			return c;
	return -1;
}

enum plan_account_col
plan_account_column(const char *name)
{
	int c = plan_header_column(name);

	if (c == PLAN_COL_PROFILE)
		return PLAN_ACCOUNT_PROFILE;
	if (c == PLAN_COL_REGION)
		return PLAN_ACCOUNT_REGION;
	return PLAN_ACCOUNT_NONE;
}

int
plan_column_named(const char *name)
{
	return plan_header_column(name) >= 0;
}

/*
 * The column a header name stands for: a --column mapping first, then
 * the names the reader knows; -1 for none.
 */
static int
plan_mapped_column(const struct plan_reader *r, const char *name)
{
	const struct colmap_entry *m;

	if (r->opts.columns != NULL &&
	    (m = colmap_find(r->opts.columns, name)) != NULL)
		return plan_header_column(m->column);
	return plan_header_column(name);
}

/* Every --column mapping names a column of the header. */
static void
plan_check_mappings(struct plan_reader *r, unsigned long line)
{
	const struct colmap *m = r->opts.columns;
	char q[DIAG_QUOTE_MAX];
	size_t k, i;

	for (k = 0; m != NULL && k < m->n; k++) {
		for (i = 0; i < r->nf; i++)
			if (strcasecmp(plan_field(r, i), m->v[k].header) == 0)
				break;
		if (i == r->nf) {
			plan_diag(r, line, 0, DIAG_ERROR, "--column %s: the "
			    "header has no column '%s'", m->v[k].spec,
			    diag_quote(m->v[k].header, q, sizeof q));
			r->header_bad = 1;
		}
	}
}

/* Is `name` one of a report's result columns? */
static int
plan_report_result(const char *name)
{
	size_t i;

	for (i = 0; i < PLAN_NREPORT_RESULTS; i++)
		if (strcmp(name, plan_report_results[i]) == 0)
			return 1;
	return 0;
}

/* Does the header (the current record) look like a run's report? */
static int
plan_header_is_report(const struct plan_reader *r)
{
	int status = 0, reqid = 0;
	size_t i;

	for (i = 0; i < r->nf; i++) {
		status |= strcmp(plan_field(r, i), "status") == 0;
		reqid |= strcmp(plan_field(r, i), "request_id") == 0;
	}
	return status && reqid;
}

/* The printable name of a separator, for messages. */
static const char *
plan_delim_name(char d)
{
	switch (d) {
	case ',':
		return "',' (comma)";
	case ';':
		return "';' (semicolon)";
	case '\t':
		return "tab";
	}
	return "?";
}

/*
 * A header that fails as one single field holding another separator
 * failed because of the separator: say so, once.
 */
static void
plan_header_delim_hint(struct plan_reader *r, unsigned long line)
{
	static const char seps[] = { ',', ';', '\t' };
	const char *f;
	size_t i;

	if (r->nf != 1)
		return;
	f = plan_field(r, 0);
	for (i = 0; i < sizeof seps; i++)
		if (seps[i] != r->delim && strchr(f, seps[i]) != NULL) {
			plan_diag(r, line, 1, DIAG_ERROR, "header: the whole "
			    "line is one column when split at %s, the %s "
			    "separator; it holds %s: give --delimiter%s",
			    plan_delim_name(r->delim),
			    r->delim_detected ? "detected" : "given",
			    plan_delim_name(seps[i]),
			    seps[i] == ';' ? " ';'" : seps[i] == ',' ?
			    " ','" : " tab");
			return;
		}
}

static err_code
plan_take_header(struct plan_reader *r, struct err *e)
{
	char q[DIAG_QUOTE_MAX];
	size_t i, k;
	int c, is_report;
	unsigned long line = r->rec_line;

	r->have_header = 1;
	r->ncols = r->nf;
	if (r->rec_nul != 0) {
		plan_diag(r, line, r->rec_nul, DIAG_ERROR, "header: field "
		    "contains a NUL byte (a UTF-16 or binary file?)");
		r->header_bad = 1;
		return ERR_OK;
	}
	for (c = 0; c < PLAN_NCOLS; c++)
		r->col[c] = -1;
	is_report = plan_header_is_report(r);
	r->extra_names = calloc(r->nf, sizeof *r->extra_names);
	r->extra_idx = calloc(r->nf, sizeof *r->extra_idx);
	r->extra_vals = calloc(r->nf + 1, sizeof *r->extra_vals);
	if (r->extra_names == NULL || r->extra_idx == NULL ||
	    r->extra_vals == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < r->nf; i++) {
		const char *name = plan_field(r, i);

		if (is_report && plan_report_result(name))
			continue; /* a result, not plan input */
		c = plan_mapped_column(r, name);
		if (c >= 0 && r->col[c] >= 0) {
			plan_diag(r, line, i + 1, DIAG_ERROR, "duplicate "
			    "column '%s': column %d is already the %s column",
			    diag_quote(name, q, sizeof q), r->col[c] + 1,
			    plan_colnames[c].shortname);
			r->header_bad = 1;
			continue;
		}
		if (c >= 0)
			r->col[c] = (int)i;
		/* The account columns are carried as extras too (plan.h). */
		if (c >= 0 && c != PLAN_COL_PROFILE && c != PLAN_COL_REGION)
			continue;
		if (*name == '\0')
			plan_diag(r, line, i + 1, DIAG_WARNING, "empty column "
			    "name: the column is kept as an unnamed extra "
			    "column");
		for (k = 0; k < r->nextra; k++)
			if (strcmp(r->extra_names[k], name) == 0 &&
			    *name != '\0') {
				plan_diag(r, line, i + 1, DIAG_WARNING,
				    "column '%s' appears twice (also column "
				    "%zu)", diag_quote(name, q, sizeof q),
				    r->extra_idx[k] + 1);
				break;
			}
		r->extra_names[r->nextra] = strdup(name);
		if (r->extra_names[r->nextra] == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		r->extra_idx[r->nextra++] = i;
	}
	plan_check_mappings(r, line);
	if ((r->col[PLAN_COL_GROUP] < 0 || r->col[PLAN_COL_TOPIC] < 0 ||
	    r->col[PLAN_COL_TYPE] < 0))
		plan_header_delim_hint(r, line);
	if (r->col[PLAN_COL_INSTANCE] < 0 && r->opts.instance == NULL) {
		plan_diag(r, line, 0, DIAG_ERROR, "missing column 'instance' "
		    "(or InstanceId): add it, or give --instance");
		r->header_bad = 1;
	}
	for (c = PLAN_COL_GROUP; c <= PLAN_COL_TYPE; c++)
		if (r->col[c] < 0) {
			plan_diag(r, line, 0, DIAG_ERROR, "missing required "
			    "column '%s' (or %s)", plan_colnames[c].shortname,
			    plan_colnames[c].apiname);
			r->header_bad = 1;
		}
	return ERR_OK;
}

/* Check an identifier cell; returns nonzero when it is an error. */
static int
plan_check_ident(struct plan_reader *r, enum ident_kind kind,
    const char *v, unsigned long line, unsigned long col)
{
	char why[256], q[DIAG_QUOTE_MAX];
	enum ident_verdict verdict;

	verdict = ident_check(kind, v, why, sizeof why);
	if (verdict == IDENT_OK)
		return 0;
	if (*v == '\0')
		plan_diag(r, line, col, DIAG_ERROR, "%s %s",
		    ident_kind_name(kind), why);
	else
		plan_diag(r, line, col, verdict == IDENT_ERROR ? DIAG_ERROR :
		    DIAG_WARNING, "%s '%s' %s", ident_kind_name(kind),
		    diag_quote(v, q, sizeof q), why);
	return verdict == IDENT_ERROR;
}

/*
 * Is s a number in scientific notation ("1.79619E+12"), as a spreadsheet
 * shows a long number in a cell formatted as a number?
 */
static int
plan_is_sci_number(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s)
		return 0;
	if (*p == '.' || *p == ',') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != 'E' && *p != 'e')
		return 0;
	p++;
	if (*p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}

/*
 * Does an RFC 3339 time lack its offset ("2024-06-03T10:00:00", with or
 * without a fraction)?  Only these get --assume-offset.
 */
static int
plan_lacks_offset(const char *ts)
{
	size_t n = strlen(ts);

	if (n < 19 || ts[4] != '-' || ts[10] == '\0')
		return 0;
	if (strpbrk(ts + 10, "Zz+") != NULL || strchr(ts + 10, '-') != NULL)
		return 0;
	return ts[n - 1] >= '0' && ts[n - 1] <= '9';
}

/*
 * Parse and range-check a timestamp cell; a time without an offset takes
 * opts.assume_offset when given.
 */
static err_code
plan_parse_time(const struct plan_reader *r, const char *ts, int64_t *ms,
    struct err *e)
{
	char buf[96];

	if (r->opts.assume_tz != NULL && plan_lacks_offset(ts))
		return tzconv_parse_local(r->opts.assume_tz, ts,
		    r->opts.now_ms, ms, e);
	if (r->opts.assume_offset != NULL && plan_lacks_offset(ts) &&
	    (size_t)snprintf(buf, sizeof buf, "%s%s", ts,
	    r->opts.assume_offset) < sizeof buf)
		return tstamp_parse(buf, r->opts.now_ms, ms, e);
	return tstamp_parse(ts, r->opts.now_ms, ms, e);
}

/* The cell of optional column c, or "" when the plan has none. */
static const char *
plan_opt_cell(const struct plan_reader *r, enum plan_col c)
{
	return r->col[c] >= 0 ? plan_field(r, (size_t)r->col[c]) : "";
}

/*
 * Check the account cells (profile, region) of a row; nonzero when one
 * is an error.  Whether a profile exists is the run's question (it has
 * the credential files): here only its form.
 */
static int
plan_check_account(struct plan_reader *r, unsigned long line,
    const char *profile, const char *region)
{
	char q[DIAG_QUOTE_MAX];
	unsigned long pc = (unsigned long)r->col[PLAN_COL_PROFILE] + 1;
	unsigned long rc = (unsigned long)r->col[PLAN_COL_REGION] + 1;
	const char *p;
	int bad = 0;

	for (p = profile; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (*p != '\0' || strlen(profile) > PLAN_PROFILE_MAX) {
		plan_diag(r, line, pc, DIAG_ERROR, "profile '%s' is not a "
		    "profile name (at most %d characters, no control "
		    "characters)", diag_quote(profile, q, sizeof q),
		    PLAN_PROFILE_MAX);
		bad = 1;
	} else if (*profile != '\0' && (profile[0] == ' ' ||
	    profile[strlen(profile) - 1] == ' ')) {
		plan_diag(r, line, pc, DIAG_ERROR, "profile '%s' begins or "
		    "ends with a space", diag_quote(profile, q, sizeof q));
		bad = 1;
	}
	for (p = region; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			break;
	if (*p != '\0' || strlen(region) > PLAN_REGION_MAX ||
	    region[0] == '-') {
		plan_diag(r, line, rc, DIAG_ERROR, "region '%s' is not a "
		    "region ID (lowercase letters, digits and '-', as "
		    "cn-hangzhou)", diag_quote(region, q, sizeof q));
		bad = 1;
	}
	return bad;
}

/*
 * Check a data record.  Fills *row and returns 1 when the row is valid,
 * 0 when it has errors (reported).  Over 100 lines: the checks of each
 * cell in column order, one diagnostic each, read best as one list.
 */
static int
plan_check_row(struct plan_reader *r, struct plan_row *row,
    struct err *e, err_code *rc)
{
	char q[DIAG_QUOTE_MAX], q2[DIAG_QUOTE_MAX];
	unsigned long line = r->rec_line, before = r->counts.errors;
	const char *inst, *group, *topic, *typetext, *ts, *profile, *region;
	char dupinst[PLAN_PROFILE_MAX + PLAN_REGION_MAX + 512];
	int type, keybad = 0, tc;
	int64_t ms = -1;
	struct err te;
	size_t i;

	*rc = ERR_OK;
	r->counts.rows++;
	if (r->rec_toobig) {
		plan_diag(r, line, 0, DIAG_ERROR, "record longer than 64 KiB");
		return 0;
	}
	if (r->header_bad)
		return 0;
	if (r->rec_nul != 0) {
		plan_diag(r, line, r->rec_nul, DIAG_ERROR, "field contains a "
		    "NUL byte (a UTF-16 or binary file?)");
		return 0;
	}
	if (r->nf != r->ncols) {
		plan_diag(r, line, (r->nf < r->ncols ? r->nf : r->ncols) + 1,
		    DIAG_ERROR, "expected %zu fields as in the header, found "
		    "%zu", r->ncols, r->nf);
		return 0;
	}
	if (r->col[PLAN_COL_INSTANCE] >= 0) {
		unsigned long col = (unsigned long)r->col[PLAN_COL_INSTANCE] +
		    1;

		inst = plan_field(r, (size_t)r->col[PLAN_COL_INSTANCE]);
		keybad |= plan_check_ident(r, IDENT_INSTANCE, inst, line,
		    col);
		if (r->opts.instance != NULL &&
		    strcmp(inst, r->opts.instance) != 0) {
			plan_diag(r, line, col, DIAG_ERROR, "instance ID '%s' "
			    "disagrees with --instance '%s'",
			    diag_quote(inst, q, sizeof q),
			    diag_quote(r->opts.instance, q2, sizeof q2));
			keybad = 1;
		}
	} else
		inst = r->opts.instance;
	group = plan_field(r, (size_t)r->col[PLAN_COL_GROUP]);
	keybad |= plan_check_ident(r, IDENT_GROUP, group, line,
	    (unsigned long)r->col[PLAN_COL_GROUP] + 1);
	topic = plan_field(r, (size_t)r->col[PLAN_COL_TOPIC]);
	keybad |= plan_check_ident(r, IDENT_TOPIC, topic, line,
	    (unsigned long)r->col[PLAN_COL_TOPIC] + 1);
	profile = plan_opt_cell(r, PLAN_COL_PROFILE);
	region = plan_opt_cell(r, PLAN_COL_REGION);
	keybad |= plan_check_account(r, line, profile, region);

	if (r->dups != NULL && !keybad) {
		const char *dinst = inst;

		/* The account is part of the identity: the same group and
		 * topic in two accounts are two rows.  Identifiers hold no
		 * control characters, so 0x1f separates. */
		if ((*profile != '\0' || *region != '\0') &&
		    (size_t)snprintf(dupinst, sizeof dupinst,
		    "%s\x1f%s\x1f%s", profile, region, inst) < sizeof dupinst)
			dinst = dupinst;

		uint32_t first = 0;

		if (line > UINT32_MAX) {
			if (!r->dup_overflow_said)
				plan_diag(r, line, 0, DIAG_ERROR, "too many lines "
				    "for duplicate detection");
			r->dup_overflow_said = 1;
		} else if (dupset_insert(r->dups, dinst, group, topic,
		    (uint32_t)line, &first) != ERR_OK) {
			*rc = err_set(e, ERR_NOMEM, "out of memory in "
			    "duplicate detection");
			return 0;
		} else if (first != 0)
			plan_diag(r, line,
			    (unsigned long)r->col[PLAN_COL_GROUP] + 1,
			    DIAG_ERROR, "duplicate of line %lu: the same "
			    "%sinstance, group and topic ('%s', '%s')",
			    (unsigned long)first, dinst != inst ?
			    "account, " : "",
			    diag_quote(group, q, sizeof q),
			    diag_quote(topic, q2, sizeof q2));
	}
	typetext = plan_field(r, (size_t)r->col[PLAN_COL_TYPE]);
	tc = r->col[PLAN_COL_TYPE] + 1;
	type = plan_parse_type(typetext);
	if (type == PLAN_TYPE_CLEAR)
		r->counts.type0++;
	else if (type == PLAN_TYPE_TIMESTAMP)
		r->counts.type1++;
	else if (*typetext == '\0')
		plan_diag(r, line, (unsigned long)tc, DIAG_ERROR, "missing "
		    "type: expected 0 (clear) or 1 (timestamp)");
	else
		plan_diag(r, line, (unsigned long)tc, DIAG_ERROR, "invalid "
		    "type '%s': expected 0 (clear) or 1 (timestamp)",
		    diag_quote(typetext, q, sizeof q));

	ts = r->col[PLAN_COL_TIMESTAMP] >= 0 ?
	    plan_field(r, (size_t)r->col[PLAN_COL_TIMESTAMP]) : "";
	tc = r->col[PLAN_COL_TIMESTAMP] + 1;
	if (type == PLAN_TYPE_CLEAR && *ts != '\0')
		plan_diag(r, line, (unsigned long)tc, DIAG_ERROR, "type 0 "
		    "(clear) takes no timestamp, found '%s': empty the cell "
		    "or use type 1", diag_quote(ts, q, sizeof q));
	else if (type == PLAN_TYPE_TIMESTAMP && *ts == '\0')
		plan_diag(r, line, (unsigned long)(tc > 0 ? tc : 0),
		    DIAG_ERROR, "type 1 (timestamp) needs a timestamp%s",
		    tc > 0 ? "" : ", and the plan has no timestamp column");
	else if (*ts != '\0' && plan_is_sci_number(ts))
		plan_diag(r, line, (unsigned long)tc, DIAG_ERROR, "timestamp "
		    "'%s' is a number in scientific notation: the "
		    "spreadsheet cell was formatted as a number and lost "
		    "digits; format the column as text and enter the times "
		    "again", diag_quote(ts, q, sizeof q));
	else if (*ts != '\0' && reltime_is_relative(ts))
		plan_diag(r, line, (unsigned long)tc, DIAG_ERROR, "timestamp "
		    "'%s' is relative to now: a plan replayed later must mean "
		    "the same instant; write the time (RFC 3339 with an "
		    "offset, or milliseconds); only reset --to takes relative "
		    "times", diag_quote(ts, q, sizeof q));
	else if (*ts != '\0') {
		err_clear(&te);
		if (plan_parse_time(r, ts, &ms, &te) != ERR_OK)
			plan_diag(r, line, (unsigned long)tc, DIAG_ERROR,
			    "timestamp '%s': %s%s", diag_quote(ts, q, sizeof q),
			    te.msg, r->opts.assume_offset == NULL &&
			    r->opts.assume_tz == NULL &&
			    plan_lacks_offset(ts) ? " (or give --assume-offset "
			    "or --assume-tz for the whole plan)" : "");
	}

	if (r->counts.errors != before)
		return 0;
	for (i = 0; i < r->nextra; i++)
		r->extra_vals[i] = plan_field(r, r->extra_idx[i]);
	row->line = line;
	row->key.instance = inst;
	row->key.group = group;
	row->key.topic = topic;
	row->key.type = type;
	row->key.reset_ms = type == PLAN_TYPE_TIMESTAMP ? ms : -1;
	row->key.profile = profile;
	row->key.region = region;
	row->profile_col = (unsigned long)(r->col[PLAN_COL_PROFILE] + 1);
	row->region_col = (unsigned long)(r->col[PLAN_COL_REGION] + 1);
	row->timestamp = ts;
	row->extra = r->extra_vals;
	row->nextra = r->nextra;
	r->counts.valid++;
	return 1;
}

/*
 * Detect the separator from the first line that is not blank or a
 * comment in the first chunk: the most frequent of ',', ';' and tab
 * outside quotes; ',' on a tie or when there is none.
 */
static err_code
plan_sniff_delim(struct plan_reader *r, struct err *e)
{
	size_t i, n, comma = 0, semi = 0, tab = 0;
	const unsigned char *p;
	int quoted = 0, start = 1, skip = 0;
	err_code rc;

	r->delim = ',';
	r->delim_detected = 1;
	rc = plan_refill(r, e);
	if (rc != ERR_OK)
		return rc;
	p = r->chunk + r->chunk_pos;
	n = r->chunk_len - r->chunk_pos;
	for (i = 0; i < n; i++) {
		unsigned char ch = p[i];

		if (start) {
			if (ch == ' ' || ch == '\t' || ch == '\r' ||
			    ch == '\n')
				continue;
			start = 0;
			skip = ch == '#';
		}
		if (skip) {
			if (ch == '\n' || ch == '\r') {
				skip = 0;
				start = 1;
			}
			continue;
		}
		if (ch == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (ch == '\n' || ch == '\r')
			break;
		else if (ch == ',')
			comma++;
		else if (ch == ';')
			semi++;
		else if (ch == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		r->delim = ';';
	else if (tab > comma && tab > semi)
		r->delim = '\t';
	return ERR_OK;
}

/* Is the record a comment (first field starts with '#')? */
static int
plan_is_comment(const struct plan_reader *r)
{
	return r->nf > 0 && plan_field(r, 0)[0] == '#';
}

err_code
plan_open(const char *path, const struct plan_options *opts,
    struct plan_reader **out, struct err *e)
{
	struct plan_reader *r;
	char why[256], q[DIAG_QUOTE_MAX];
	enum ident_verdict v;
	err_code rc = ERR_NOMEM;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	r->opts = *opts;
	r->line = 1;
	buf_init(&r->fields, PLAN_RECORD_MAX);
	r->display = strdup(plan_display_name(path));
	r->chunk = malloc(PLAN_CHUNK);
	if (r->display == NULL || r->chunk == NULL)
		goto fail_nomem;
	if (csv_init(&r->csv, PLAN_CSV_OPTS) != 0)
		goto fail_nomem;
	r->csv_ready = 1;
	if (opts->check_duplicates) {
		r->dups = dupset_new();
		if (r->dups == NULL)
			goto fail_nomem;
	}
	if (strcmp(path, "-") == 0)
		r->fp = stdin;
	else {
		r->fp = fopen(path, "rb");
		if (r->fp == NULL) {
			rc = err_set_errno(e, ERR_IO, errno, "%s", path);
			goto fail;
		}
		r->own_fp = 1;
	}
	if (opts->delimiter != 0)
		r->delim = opts->delimiter;
	else {
		rc = plan_sniff_delim(r, e);
		if (rc != ERR_OK)
			goto fail;
	}
	csv_set_delim(&r->csv, (unsigned char)r->delim);
	if (opts->instance != NULL) {
		v = ident_check(IDENT_INSTANCE, opts->instance, why,
		    sizeof why);
		if (v != IDENT_OK)
			plan_diag(r, 0, 0, v == IDENT_ERROR ? DIAG_ERROR :
			    DIAG_WARNING, "--instance '%s' %s",
			    diag_quote(opts->instance, q, sizeof q), why);
		if (v == IDENT_ERROR)
			r->header_bad = 1;
	}
	/* The first record that is not a comment is the header. */
	for (;;) {
		rc = plan_read_record(r, e);
		if (rc != ERR_OK)
			goto fail;
		if (!r->rec_ready)
			break;
		if (plan_is_comment(r)) {
			r->counts.comments++;
			continue;
		}
		if (r->rec_toobig) {
			plan_diag(r, r->rec_line, 0, DIAG_ERROR, "header "
			    "longer than 64 KiB");
			r->have_header = 1;
			r->header_bad = 1;
			break;
		}
		rc = plan_take_header(r, e);
		if (rc != ERR_OK)
			goto fail;
		break;
	}
	if (r->utf16) {
		plan_diag(r, 0, 0, DIAG_ERROR, "the plan is UTF-16 encoded: "
		    "save it as UTF-8 (CSV UTF-8)");
		r->have_header = 1;
		r->header_bad = 1;
	} else if (!r->have_header) {
		plan_diag(r, 0, 0, DIAG_ERROR, "no header row: the plan is "
		    "empty");
		r->header_bad = 1;
	}
	*out = r;
	return ERR_OK;
fail_nomem:
	rc = err_set(e, ERR_NOMEM, "out of memory");
fail:
	plan_close(r);
	return rc;
}

err_code
plan_next(struct plan_reader *r, struct plan_row *row, int *eof,
    struct err *e)
{
	err_code rc;

	*eof = 0;
	if (r->at_eof) {
		*eof = 1;
		return ERR_OK;
	}
	if (r->failed)
		return err_set(e, ERR_BADSTATE, "plan reader used after an "
		    "error");
	for (;;) {
		if (r->opts.stop_on_error && r->counts.errors > 0) {
			/* Header, option or unreadable record: all fatal. */
			rc = err_set(e, ERR_PLAN, "%s: the plan has errors",
			    r->display);
			break;
		}
		rc = plan_read_record(r, e);
		if (rc != ERR_OK)
			break;
		if (r->opts.stop_on_error && r->counts.errors > 0)
			continue; /* a record was lost on the way: stop */
		if (!r->rec_ready && !r->input_done)
			continue;
		if (!r->rec_ready) {
			if (r->have_header && r->counts.rows == 0 &&
			    !r->header_bad)
				plan_diag(r, 0, 0, DIAG_WARNING, "the plan has "
				    "no data rows");
			r->at_eof = 1;
			*eof = 1;
			return ERR_OK;
		}
		if (plan_is_comment(r)) {
			r->counts.comments++;
			continue;
		}
		if (plan_check_row(r, row, e, &rc))
			return ERR_OK;
		if (rc != ERR_OK)
			break;
		if (r->opts.stop_on_error) {
			rc = err_set(e, ERR_PLAN, "%s:%lu: invalid row",
			    r->display, r->rec_line);
			break;
		}
	}
	r->failed = 1;
	return rc;
}

const char *const *
plan_extra_names(const struct plan_reader *r, size_t *n)
{
	*n = r->nextra;
	return (const char *const *)r->extra_names;
}

const struct plan_counts *
plan_counts(const struct plan_reader *r)
{
	return &r->counts;
}

void
plan_close(struct plan_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->own_fp && r->fp != NULL)
		fclose(r->fp);
	if (r->csv_ready)
		csv_free(&r->csv);
	for (i = 0; i < r->nextra; i++)
		free(r->extra_names[i]);
	free(r->extra_names);
	free(r->extra_idx);
	free(r->extra_vals);
	dupset_destroy(r->dups);
	buf_free(&r->fields);
	free(r->foff);
	free(r->chunk);
	free(r->display);
	free(r);
}

err_code
plan_validate(const char *path, const struct plan_options *opts,
    struct plan_counts *counts, struct err *e)
{
	struct plan_options o = *opts;
	struct plan_reader *r = NULL;
	struct plan_row row;
	int eof = 0;
	err_code rc;

	memset(counts, 0, sizeof *counts);
	o.check_duplicates = 1;
	o.stop_on_error = 0;
	rc = plan_open(path, &o, &r, e);
	while (rc == ERR_OK && !eof) {
		rc = plan_next(r, &row, &eof, e);
		if (rc == ERR_OK && !eof && o.on_row != NULL &&
		    o.on_row(o.on_row_arg, &row) != 0)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	if (r != NULL)
		*counts = r->counts;
	plan_close(r);
	if (rc == ERR_OK && counts->errors > 0)
		rc = ERR_PLAN;
	return rc;
}

/* FNV-1a over one field, then a separator no field can hold (0xff). */
static uint64_t
plan_digest_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= 0xff;
	return h * UINT64_C(0x100000001b3);
}

static uint64_t
plan_digest_str(uint64_t h, const char *s)
{
	return plan_digest_add(h, s != NULL ? s : "", s != NULL ?
	    strlen(s) : 0);
}

err_code
plan_check_offset(const char *offset, struct err *e)
{
	char buf[48];
	int64_t ms;
	struct err te;

	err_clear(&te);
	if (strlen(offset) > 6 ||
	    (offset[0] != 'Z' && offset[0] != 'z' && offset[0] != '+' &&
	    offset[0] != '-'))
		return err_set(e, ERR_USAGE, "'%s' is not an offset: write Z "
		    "or +HH:MM / -HH:MM, as +08:00", offset);
	snprintf(buf, sizeof buf, "2024-01-01T00:00:00%s", offset);
	if (tstamp_parse_syntax(buf, &ms, &te) != ERR_OK)
		return err_set(e, ERR_USAGE, "'%s' is not an offset: %s",
		    offset, te.msg);
	return ERR_OK;
}

char
plan_parse_delimiter(const char *s)
{
	if (strcmp(s, ",") == 0 || strcasecmp(s, "comma") == 0)
		return ',';
	if (strcmp(s, ";") == 0 || strcasecmp(s, "semicolon") == 0)
		return ';';
	if (strcmp(s, "\t") == 0 || strcmp(s, "\\t") == 0 ||
	    strcasecmp(s, "tab") == 0)
		return '\t';
	return 0;
}

const char *
plan_key_str(const char *s)
{
	return s != NULL ? s : "";
}

int
plan_key_account_eq(const struct plan_key *a, const struct plan_key *b)
{
	return strcmp(plan_key_str(a->profile), plan_key_str(b->profile)) ==
	    0 && strcmp(plan_key_str(a->region), plan_key_str(b->region)) == 0;
}

int
plan_key_has_time(const struct plan_key *k)
{
	return k->type != PLAN_TYPE_CLEAR;
}

uint64_t
plan_row_digest(const struct plan_row *row)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	int64_t num[3];
	size_t i;

	num[0] = (int64_t)row->line;
	num[1] = row->key.type;
	num[2] = row->key.reset_ms;
	h = plan_digest_add(h, num, sizeof num);
	h = plan_digest_str(h, row->key.instance);
	h = plan_digest_str(h, row->key.group);
	h = plan_digest_str(h, row->key.topic);
	h = plan_digest_str(h, row->timestamp);
	for (i = 0; i < row->nextra; i++)
		h = plan_digest_str(h, row->extra != NULL ? row->extra[i] :
		    NULL);
	return h;
}
