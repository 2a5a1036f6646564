/*
 * lockfile.h - an exclusive advisory lock held through a lock file, so
 * that only one mqreset run at a time writes a given report.
 *
 * Design: flock(2) on a file created next to what it protects.  The lock
 * belongs to the open file description, so it goes away by itself when
 * the process dies (even by SIGKILL): a stale lock file never blocks a
 * later run; the file merely stays behind, and the next run locks it
 * again.  The holder writes its pid into the file, so a refused run can
 * name it.
 *
 * Unlinking on release is safe because every acquirer checks, after
 * flock() succeeds, that the path still names the inode it locked; a run
 * that locked a file the holder unlinked in between retries with a fresh
 * one (the pattern of lock files shared by several processes).
 *
 * Not thread-safe: one owner per struct lockfile.  Two acquires of the
 * same path in one process conflict like two processes (each opens its
 * own file description).
 */
#ifndef MQR_LOCKFILE_H
#define MQR_LOCKFILE_H

#include "err.h"

struct lockfile;

/*
 * Create or open `path` and take an exclusive lock on it without
 * waiting; on success *out is the held lock and "<pid>\n" is in the file.
 * ERR_EXISTS when another open file description holds the lock: "<path>
 * is locked by mqreset pid <PID> (another run is using this report)" (pid
 * "unknown" when the file does not hold one yet); ERR_USAGE when path is
 * a symbolic link or not a regular file (nothing is followed or opened
 * for writing); ERR_IO for any other failure (detail names the path);
 * ERR_NOMEM.  *out is NULL on any error.
 */
err_code
lockfile_acquire(struct lockfile **out, const char *path, struct err *e);

/*
 * Unlink the lock file while still holding the lock (only if the path
 * still names the locked file), then release it and free l.  Best effort:
 * errors are ignored, the lock goes with the descriptor in any case.
 * NULL-tolerant.
 */
void
lockfile_release(struct lockfile *l);

#endif /* MQR_LOCKFILE_H */
