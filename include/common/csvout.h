/*
 * csvout.h - how one CSV cell is written (and read back) in reports.
 *
 * Two transformations, in this order:
 *
 * 1. Formula neutralisation.  A spreadsheet opening a report would run a
 *    cell starting with '=', '+', '-', '@', TAB, CR or LF as a formula (CSV
 *    injection: error messages and plan columns come from outside; a line
 *    break before '=' still starts one), and readers that trim leading
 *    spaces look past them: so these characters count after any leading
 *    spaces too.  Such a cell is written with one apostrophe in front
 *    ("=1+1" -> "'=1+1", "\n=X" -> "'\n=X"), the convention spreadsheets
 *    display as text.  Two exceptions and one addition, all documented in
 *    mqreset(1):
 *     - a cell that is a plain negative or positive decimal number
 *       ("-5", "+3", "-0.25": sign, digits, optional '.' and digits) is left
 *       alone: spreadsheets read it as a number, never as a formula, and
 *       ticket columns legitimately hold such numbers;
 *     - an empty cell is left alone;
 *     - a cell that already starts with an apostrophe gets one more, so the
 *       transformation is reversible: csvout_decode() removes exactly one
 *       leading apostrophe from any cell that has one.
 * 2. RFC 4180 quoting.  A cell containing ',', '"', CR or LF, or starting or
 *    ending with a space or TAB, is enclosed in double quotes with each '"'
 *    doubled; other cells are written as they are.  Bytes are not
 *    interpreted otherwise: UTF-8 passes through unchanged.
 *
 * Pure functions; thread-safe.
 */
#ifndef MQR_CSVOUT_H
#define MQR_CSVOUT_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Nonzero when `s` would get an apostrophe in front (rule 1). */
int
csvout_needs_neutral(const char *s);

/* Nonzero when `s` (after rule 1) must be quoted (rule 2). */
int
csvout_needs_quotes(const char *s);

/*
 * Append the encoded form of `s` (NULL = empty) to `out`, no separator.
 * Returns ERR_OK or buf_append's ERR_TOOBIG / ERR_NOMEM (out may then hold
 * part of the cell: callers discard the line).
 */
err_code
csvout_cell(struct buf *out, const char *s);

/*
 * Append cells[0..n) (NULL entries empty) as one record: cells joined by
 * ',' and ended with '\n'.  Same errors as csvout_cell().
 */
err_code
csvout_record(struct buf *out, const char *const *cells, size_t n);

/*
 * Undo rule 1 on a cell already unquoted by a CSV reader, in place: remove
 * one leading apostrophe if there is one.  NULL-tolerant.
 */
void
csvout_decode(char *cell);

#endif /* MQR_CSVOUT_H */
