/*
 * csvin.h - a streaming reader of the CSV files mqreset writes itself
 * (reports and intent journals), over libcsv.
 *
 * Design: the file is read in blocks and fed to libcsv one physical line
 * at a time, so each record is delivered with the line number where it
 * ends; nothing but the current record is held in memory.  Cells are
 * delivered verbatim (no space trimming, quotes removed, "" undone),
 * NUL-terminated.  A record whose line end is missing (the file ends in
 * its middle: a writer killed mid-record, or a disk that filled up) is not
 * delivered; its starting line is returned in *truncated_line instead.
 * Blank lines are skipped.
 *
 * Not thread-safe per reader; the function keeps no state between calls.
 */
#ifndef MQR_CSVIN_H
#define MQR_CSVIN_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Maximum cells per record and bytes per cell the reader accepts. */
#define CSVIN_MAX_CELLS 1024
#define CSVIN_MAX_CELL ((size_t)1 << 24)

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
 * Errors: ERR_IO (read error), ERR_PARSE (a malformed quoted cell before
 * the last record), ERR_TOOBIG (a cell or record over the limits),
 * ERR_NOMEM, or the callback's code.
 */
err_code
csvin_read(FILE *fp, const char *name, csvin_record_fn fn, void *arg,
    unsigned long *truncated_line, struct err *e);

#endif /* MQR_CSVIN_H */
