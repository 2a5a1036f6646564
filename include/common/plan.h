/*
 * plan.h - the streaming reader and validator of reset plans (CSV).
 *
 * Design: a plan may have a million rows, so it is never held in memory,
 * neither as text nor as rows.  plan_open() reads and maps the header;
 * plan_next() then parses one record at a time with libcsv (RFC 4180:
 * quotes, embedded commas, quotes and newlines, CRLF, a UTF-8 BOM), checks
 * it and hands back the next *valid data row*.  Blank lines and records
 * whose first field starts with '#' are skipped but still counted as
 * lines.  Every problem goes to the diagnostic sink (diag.h) in compiler
 * form, with the physical line where the record starts and the 1-based
 * field number as column; a row with an error is never returned.
 *
 * Two passes, as the run engine uses it:
 *   1. plan_validate(): the complete check - every row, every diagnostic,
 *      duplicate (profile, region, instance, group, topic) detection -
 *      and the counts.
 *   2. plan_open()/plan_next()/plan_close(): re-read the (unchanged) file
 *      row by row to dispatch, with `stop_on_error` set so that a file
 *      changed between the passes stops the run rather than skipping rows.
 * Memory: a fixed base (one record, at most PLAN_RECORD_MAX bytes) plus,
 * with duplicate detection, 16 bytes per distinct key (dupset.h).
 *
 * The header names the columns in any of their spellings, case, spaces
 * and underscores ignored: instance / InstanceId / "Instance ID" /
 * instance_id, group / GroupId / "Group ID" / group_id, topic, type /
 * "Reset Type", timestamp / ResetTimestamp / "Reset Time" /
 * reset_timestamp, and the two optional account columns profile /
 * "Profile Name" / profile_name and region / RegionId / "Region ID" /
 * region_id (several accounts in one plan, mqreset-plan(5)).  The account
 * columns are also kept as extra columns, so a report carries them as
 * the plan wrote them and plan_row_digest() covers them.  A run's report
 * is a valid plan: when the header has
 * the report's "status" and "request_id" columns, its result columns
 * (line, status, http_status, request_id, error_code, error_message,
 * attempts, latency_ms, finished_at) are ignored, neither checked nor
 * carried as extra columns.
 *
 * "-" reads standard input (validate only: it can be read once).
 * Time checks use opts->now_ms, never the clock.  A reader is not
 * thread-safe: one owner at a time.
 */
#ifndef MQR_PLAN_H
#define MQR_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "err.h"

/* Largest record (all fields, quotes removed) accepted, in bytes. */
#define PLAN_RECORD_MAX (64 * 1024)

/* Plan row types, as the API's Type parameter. */
#define PLAN_TYPE_CLEAR 0     /* clear the whole backlog */
#define PLAN_TYPE_TIMESTAMP 1 /* reset to a point in time */

struct plan_row;

struct plan_options {
	const char *instance;  /* --instance: the instance for a plan
	                          without an instance column; where the
	                          column exists, rows must agree with it.
	                          NULL when not given.  Borrowed. */
	int64_t now_ms;        /* "now" for the not-in-the-future check,
	                          ms since the epoch (from clock_wall_ms()) */
	struct diag *diag;     /* where diagnostics go (borrowed); NULL
	                          discards them (counts are still kept) */
	int check_duplicates;  /* detect repeated (instance, group, topic);
	                          plan_validate() always does */
	int stop_on_error;     /* plan_next() fails with ERR_PLAN at the
	                          first row with an error instead of
	                          skipping it (the run engine's 2nd pass) */
	/* plan_validate() only: called with every valid row, in order
	   (NULL: not called); a nonzero return stops the validation with
	   ERR_NOMEM.  The row is valid during the call only. */
	int (*on_row)(void *arg, const struct plan_row *row);
	void *on_row_arg;      /* passed to on_row */
	char delimiter;        /* field separator: ',', ';' or '\t'; 0
	                          detects it from the header line (the most
	                          frequent of the three outside quotes,
	                          ',' on a tie) */
	const char *assume_offset; /* offset ("+08:00", "Z") for RFC 3339
	                          times written without one; NULL refuses
	                          them.  Check it with plan_check_offset().
	                          Borrowed. */
	const struct tzconv *assume_tz; /* or the time zone (tzconv.h) such
	                          times are civil times of; NULL: none.
	                          Not with assume_offset.  Borrowed. */
	const struct colmap *columns; /* header names mapped to the plan's
	                          columns (--column, colmap.h): each must
	                          be in the header; NULL: none.  Borrowed. */
};

/*
 * A plan row's identity: what one reset request names, what the report
 * row, the intent journal and --resume key on.  The one shape of it from
 * the plan reader to the report: the job, the client request, the report
 * row and the journal line all point to one.  Strings are borrowed.
 */
struct plan_key {
	const char *instance;     /* InstanceId (column or --instance) */
	const char *group;        /* GroupId */
	const char *topic;        /* Topic */
	int type;                 /* PLAN_TYPE_CLEAR or PLAN_TYPE_TIMESTAMP */
	int64_t reset_ms;         /* reset time in ms since the epoch for
	                             type 1; -1 for type 0, which has none
	                             (plan_next() guarantees it) */
	const char *profile;      /* the account: credentials profile of
	                             the row's profile cell; NULL or "" for
	                             the run's own credentials */
	const char *region;       /* the account's region (region cell);
	                             NULL or "": the run's endpoint */
};

/*
 * The same group and topic in two accounts are two rows: the account
 * (profile, region) is part of a key's identity, NULL and "" alike.
 * plan_key_account_eq() compares the accounts of two keys; Pure.
 */
int
plan_key_account_eq(const struct plan_key *a, const struct plan_key *b);

/* Which account column a header name is, in any of its spellings. */
enum plan_account_col {
	PLAN_ACCOUNT_NONE = 0, /* not an account column */
	PLAN_ACCOUNT_PROFILE,  /* profile / "Profile Name" / profile_name */
	PLAN_ACCOUNT_REGION    /* region / RegionId / "Region ID" */
};

/* The account column `name` spells, for readers of a report (resume).
 * Pure. */
enum plan_account_col
plan_account_column(const char *name);

/* s, or "" for NULL: a key's profile or region as text.  Pure. */
const char *
plan_key_str(const char *s);

/*
 * 1 when the key names a reset time (type 1), 0 for type 0 (clear the
 * backlog), whose time means nothing: the one place the rule is written.
 * Pure.
 */
int
plan_key_has_time(const struct plan_key *k);

/* One valid data row; pointers stay valid until the next plan_next(). */
struct plan_row {
	unsigned long line;       /* physical line where the record starts */
	struct plan_key key;      /* instance, group, topic, type, time */
	const char *timestamp;    /* the timestamp cell as written ("" for
	                             type 0) */
	const char *const *extra; /* values of the extra columns, in header
	                             order (plan_extra_names()) */
	size_t nextra;            /* number of extra values */
	unsigned long profile_col; /* 1-based field number of the profile
	                             column, 0 when the plan has none */
	unsigned long region_col; /* the same for the region column */
};

/* Running totals; final after the last row. */
struct plan_counts {
	unsigned long lines;    /* physical lines read */
	unsigned long rows;     /* data records (not header, comment, blank),
	                           valid or not */
	unsigned long valid;    /* rows without errors (what plan_next
	                           returned) */
	unsigned long type0;    /* rows whose type is 0 (valid type cell) */
	unsigned long type1;    /* rows whose type is 1 (valid type cell) */
	unsigned long comments; /* '#' records skipped */
	unsigned long blanks;   /* blank lines skipped */
	unsigned long warnings; /* diagnostics of severity warning */
	unsigned long errors;   /* diagnostics of severity error */
};

struct plan_reader;

/*
 * Open `path` ("-" for standard input), read up to and including the
 * header and map its columns.  Returns ERR_OK with *out set (even when the
 * header has errors: they are diagnostics, and plan_next() then returns no
 * rows); ERR_IO when the file cannot be opened or read (detail in *e);
 * ERR_NOMEM.  `opts` is copied; opts->diag and opts->instance must outlive
 * the reader.
 */
err_code
plan_open(const char *path, const struct plan_options *opts,
    struct plan_reader **out, struct err *e);

/*
 * Read the next valid data row into *row and set *eof = 0; at the end of
 * the plan set *eof = 1 (row untouched).  Rows with errors are reported
 * to the diagnostic sink and skipped, unless opts->stop_on_error: then
 * the first error of any kind (header, --instance, unreadable record,
 * invalid row) returns ERR_PLAN before any later row is returned.  A
 * malformed or over-long record is reported once and reading resumes at
 * the next line.  ERR_IO on a read error, ERR_NOMEM.  After an error
 * return only plan_close() is valid.  To detect a file that changed
 * between validation and the dispatch pass, compare the final
 * plan_counts() (rows, valid, lines) with plan_validate()'s.
 */
err_code
plan_next(struct plan_reader *r, struct plan_row *row, int *eof,
    struct err *e);

/*
 * Names of the extra (non-plan) columns, in header order, as written;
 * *n receives their count.  Valid until plan_close().
 */
const char *const *
plan_extra_names(const struct plan_reader *r, size_t *n);

/* The counts so far (final after *eof). */
const struct plan_counts *
plan_counts(const struct plan_reader *r);

/* Name to use in diagnostics for `path`: itself, or "<stdin>" for "-". */
const char *
plan_display_name(const char *path);

/* Close the file and free everything.  NULL-tolerant. */
void
plan_close(struct plan_reader *r);

/*
 * The complete check of one plan in one pass: every row, every
 * diagnostic, duplicates; *counts receives the totals.  Returns ERR_OK
 * when the plan has no errors (warnings allowed), ERR_PLAN when it has
 * errors (they went to opts->diag), or ERR_IO / ERR_NOMEM (detail in *e).
 */
err_code
plan_validate(const char *path, const struct plan_options *opts,
    struct plan_counts *counts, struct err *e);

/*
 * A 64-bit digest of a valid row as read: its line, identity (instance,
 * group, topic, type, reset instant), the timestamp cell as written and
 * every extra value.  The run engine keeps one per row from the
 * validation pass and compares it on every later pass, so that a row
 * edited in place after validation is never sent.  FNV-1a: it detects
 * edits, it is not meant to resist an adversary who controls the plan
 * (who could simply write the row he wants).  Pure.
 */
uint64_t
plan_row_digest(const struct plan_row *row);

/*
 * Parse a type cell: "0", "1", "clear" or "timestamp" (case-insensitive).
 * Returns 0 or 1, or -1 when the text is none of these.  Used by
 * `mqreset reset` for the same rules as a plan row.
 */
int
plan_parse_type(const char *s);

/*
 * Check an --assume-offset value: "Z" or +HH:MM / -HH:MM.  ERR_OK, or
 * ERR_USAGE with the reason in *e.  Pure.
 */
err_code
plan_check_offset(const char *offset, struct err *e);

/*
 * Is `name` the name of one of the plan's columns, in any spelling the
 * header accepts ("group", "GroupId", "Reset Time")?  For checking
 * --column.  Pure.
 */
int
plan_column_named(const char *name);

/*
 * Parse a --delimiter value: ",", ";", a tab, or the words "comma",
 * "semicolon", "tab" (also "\t").  Returns the character, or 0 when the
 * text is none of these.  Pure.
 */
char
plan_parse_delimiter(const char *s);

#endif /* MQR_PLAN_H */
