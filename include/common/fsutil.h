/*
 * fsutil.h - the rules every file mqreset writes obeys: never through a
 * symbolic link, never onto something that is not a regular file, derived
 * names checked before any work, replacement by rename of a complete
 * temporary file.
 *
 * Design: the checks that give the operator a clear message (lstat) are
 * separate from the opens that enforce the rule race-free (O_NOFOLLOW,
 * O_EXCL, fstat of what was opened), so a link planted between the two is
 * still refused, only with a terser message.  Paths are used as given
 * (relative to the working directory).  No state: thread-safe.
 */
#ifndef MQR_FSUTIL_H
#define MQR_FSUTIL_H

#include <stddef.h>

#include "err.h"

/*
 * Whether `path` may be written: ERR_OK when it does not exist or is a
 * regular file (lstat: a link is never followed); ERR_USAGE "PATH: is a
 * symbolic link; mqreset does not write through links" or "PATH: is not a
 * regular file"; ERR_IO when lstat fails otherwise (EACCES...).
 */
err_code
fsutil_check_target(const char *path, struct err *e);

/*
 * Whether files named `path` + a suffix of up to `longest_suffix` bytes
 * (".intent", ".tmp.XXXXXX"...) can exist: ERR_USAGE naming the path and
 * the limit when the last component would exceed NAME_MAX bytes or the
 * whole path PATH_MAX bytes (its NUL included); else ERR_OK.  Pure
 * string check: call it before the first request, so that no file
 * created after sending fails for its name.
 */
err_code
fsutil_check_derived(const char *path, size_t longest_suffix,
    struct err *e);

/*
 * Create `path` for reading and writing (mode 0644 before umask), never
 * through a link, close-on-exec.  force == 0: the file must not exist
 * (O_EXCL; ERR_EXISTS "PATH already exists": the caller says what to do
 * about it).  force != 0: an existing regular file is truncated; a link
 * or a non-regular file is refused with ERR_USAGE as
 * fsutil_check_target() words it, and left untouched.  Returns the
 * descriptor (the caller closes it), or -1 with *e set (ERR_IO for other
 * failures).
 */
int
fsutil_open_new(const char *path, int force, struct err *e);

/*
 * Give the complete file tmp_path the name final_path (same directory,
 * the caller has already written and fsync'd it), then fsync the
 * directory so the new name survives a crash.  replace != 0: rename(2),
 * atomically replacing final_path (a link there is replaced, not
 * followed).  replace == 0: never replace: renameat2(RENAME_NOREPLACE),
 * or link(2) + unlink(2) on file systems without it; ERR_EXISTS when
 * final_path exists (tmp_path is left in place).  ERR_IO otherwise.
 */
err_code
fsutil_publish(const char *tmp_path, const char *final_path, int replace,
    struct err *e);

/* Suffix of the temporary name fsutil_write_file() uses. */
#define FSUTIL_TMP_SUFFIX ".tmp-XXXXXX"
#define FSUTIL_TMP_SUFFIX_LEN (sizeof(FSUTIL_TMP_SUFFIX) - 1)

/*
 * Create a new file from the template `tmpl` (a path ending in XXXXXX,
 * completed in place) for writing: O_EXCL, close-on-exec, mode 0644 less
 * the umask (mkostemp alone gives 0600), as any file the operator
 * creates.  Returns the descriptor, or -1 with ERR_IO in *e naming `what`.
 * Reads and restores the umask: call it before threads start, or from
 * one thread at a time.
 */
int
fsutil_mkstemp(char *tmpl, const char *what, struct err *e);

/*
 * Make `len` bytes the whole content of `path`: written to a temporary
 * file next to it (path + FSUTIL_TMP_SUFFIX), synced, renamed over `path`
 * (fsutil_publish, replacing), so a reader sees the old file or the new
 * one, whole.  A link or a non-regular file at `path` is refused
 * (ERR_USAGE); ERR_IO, ERR_NOMEM.  The temporary file never outlives a
 * failure.
 */
err_code
fsutil_write_file(const char *path, const void *data, size_t len,
    struct err *e);

/*
 * The directory part of `path` ("." when it has none, "/" for a file in
 * the root), malloc'd (the caller frees it); NULL on ENOMEM.  Pure.
 */
char *
fsutil_dirname(const char *path);

#endif /* MQR_FSUTIL_H */
