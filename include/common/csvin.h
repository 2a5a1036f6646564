/*
 * csvin.h - a streaming reader of the CSV files mqreset writes itself
 * (reports and intent journals).
 *
 * Design: a small strict RFC 4180 state machine rather than libcsv (which
 * the plan reader uses for operators' files): here the input is our own
 * output, so strictness is a feature (a damaged report is refused, not
 * guessed at), and we need what libcsv does not give: the physical line
 * where each record starts, and whether the last record was cut short.
 * Nothing but the current record is held in memory.  Cells are delivered
 * verbatim (no space trimming, quotes removed, "" undone), NUL-terminated.
 * Records end with LF or CRLF; a bare CR or a quote inside an unquoted
 * cell is an error.  A record whose line end is missing (the file ends in
 * its middle: a writer killed mid-record, or a disk that filled up) is not
 * delivered; its starting line is returned in *truncated_line instead.
 * Blank lines are skipped (they still count as lines).
 *
 * Not thread-safe per reader; the function keeps no state between calls.
 */
#ifndef MQR_CSVIN_H
#define MQR_CSVIN_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Maximum cells per record and bytes per record the reader accepts. */
#define CSVIN_MAX_CELLS 1024
#define CSVIN_MAX_RECORD ((size_t)1 << 24)

/*
 * Called once per complete record: cells[0..n) are NUL-terminated and
 * writable (the callee may modify them in place, e.g. csvout_decode()),
 * valid until it returns.  `line` is the physical line where the record
 * starts (1-based).  A nonzero return stops reading and is passed back as
 * the err_code of csvin_read() (the callee fills the err).
 */
typedef err_code (*csvin_record_fn)(void *arg, char **cells, size_t n,
    unsigned long line);

/*
 * Read `fp` to its end (or until the callback fails).  `name` is for
 * messages ("NAME:LINE: ...").  *truncated_line (may be NULL) gets the
 * starting line of a last record without line end, or 0.
 * Errors: ERR_IO (read error), ERR_PARSE (malformed quoting, a bare CR;
 * "NAME:LINE: ..."), ERR_TOOBIG (a record over the limits), ERR_NOMEM, or
 * the callback's code.
 */
err_code
csvin_read(FILE *fp, const char *name, csvin_record_fn fn, void *arg,
    unsigned long *truncated_line, struct err *e);

#endif /* MQR_CSVIN_H */
