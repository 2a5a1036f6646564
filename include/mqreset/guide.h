/*
 * guide.h - what `mqreset run` tells the operator around the rows: the
 * start banner, the confirmation before type 0 clears on a terminal, the
 * warning for a rate above the service quota, the advice after the
 * service refused the credentials, and the list of failed and unknown
 * lines in the final summary.
 *
 * Design: formatters and decisions are pure (tested as tables in
 * test_guide); the few functions that print or read a terminal say so.
 * Nothing here ever receives a secret: the credentials are shown as their
 * source and the AccessKeyId hint (creds_key_hint(), "****" and the last
 * four characters).
 */
#ifndef MQR_GUIDE_H
#define MQR_GUIDE_H

#include <stddef.h>
#include <stdio.h>

#include "reply.h"

/* The documented per-account quota of OnsConsumerResetOffset (req/s). */
#define GUIDE_QUOTA_RATE 10.0

/* Lines the final summary names; the rest are counted. */
#define GUIDE_LINES_MAX 20

/* Longest line guide formats (banner lines, advice). */
#define GUIDE_LINE_MAX 1024

/* What the banner shows.  Strings are borrowed; NULL prints nothing. */
struct guide_banner {
	const char *plan;        /* plan path */
	const char *report;      /* report path */
	int execute;             /* 1: --execute; 0: dry run */
	const char *endpoint;    /* the API endpoint URL */
	const char *region;      /* region ID, or NULL (from --endpoint) */
	const char *cred_source; /* creds_source() */
	const char *key_hint;    /* creds_key_hint(): never the secret */
	size_t rows;             /* valid plan rows */
	size_t to_send;          /* rows this run sends (after --resume) */
	size_t type0;            /* type 0 rows of the plan */
	double rate;             /* --rate */
	unsigned workers;        /* --workers */
	int resume;              /* --resume given */
	int offline;             /* --offline: no credentials read */
	size_t held;             /* rows the preflight holds back */
	size_t held_type0;       /* of them type 0 */
};

/*
 * The banner's lines, the i-th (0-based) into out[size]; returns 0 past
 * the last line (out untouched), 1 otherwise.  Pure.
 */
int
guide_banner_line(const struct guide_banner *b, size_t i, char *out,
    size_t size);

/* Print the banner through msg_info().  Thread-safe (msg). */
void
guide_banner_print(const struct guide_banner *b);

/*
 * Should `run --execute` ask before sending: on a terminal (stdin and
 * the message stream both TTYs), with type 0 rows, without --yes.  Pure.
 */
int
guide_should_confirm(int execute, int yes, int tty, size_t type0);

/* The question, "clear 38 backlogs? [y/N] " ("up to" with --resume). */
void
guide_confirm_question(size_t type0, int resume, char *out, size_t size);

/*
 * Is `answer` (a line as typed, newline included or not) a yes: "y" or
 * "yes" in any case, surrounded by blanks or not?  Anything else,
 * the empty line included, is a no.  Pure.
 */
int
guide_answer_is_yes(const char *answer);

/*
 * Ask the question on `out` and read one line from `in`: 1 for yes, 0
 * otherwise (end of file included).  Not thread-safe (the terminal).
 */
int
guide_confirm(FILE *in, FILE *out, size_t type0, int resume);

/*
 * The warning for a --rate above the quota into out[size]; returns 0
 * (out = "") when `rate` is within it.  Pure.
 */
int
guide_rate_warning(double rate, char *out, size_t size);

/*
 * One message for a run-fatal reply (reply.c's classification: `cause`
 * from reply_classify()) with Code `code`: what the service refused, the
 * credentials (source and key hint, never the secret) and what to
 * check; the caller puts the plan line in front.  Pure.
 */
void
guide_fatal_advice(enum reply_cause cause, const char *code,
    const char *cred_source, const char *key_hint, char *out, size_t size);

/*
 * The short reason the run stopped for that reply, as the rows not sent
 * carry it ("the service refused the credentials at line 2
 * (SignatureDoesNotMatch)").  Pure.
 */
void
guide_fatal_reason(enum reply_cause cause, const char *code,
    unsigned long line, char *out, size_t size);

/*
 * The plan lines of the rows that failed or are unknown: the
 * GUIDE_LINES_MAX smallest, sorted, and how many in all.  Zero it with
 * guide_lines_init(); one owner.
 */
struct guide_lines {
	unsigned long line[GUIDE_LINES_MAX]; /* smallest lines, ascending */
	size_t n;                            /* entries in line[] */
	size_t total;                        /* lines added in all */
};

void
guide_lines_init(struct guide_lines *g);

void
guide_lines_add(struct guide_lines *g, unsigned long line);

/*
 * "2, 5, 9" or "2, 5, ... 40 (and 12 more)" into out[size]; "" when none
 * were added.  Pure.
 */
void
guide_lines_format(const struct guide_lines *g, char *out, size_t size);

#endif /* MQR_GUIDE_H */
