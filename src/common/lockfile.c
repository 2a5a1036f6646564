/*
 * lockfile.c - exclusive run lock through flock(2) on a lock file.  See
 * include/common/lockfile.h for the contract.
 *
 * Design: lstat() first, for a clear message about a link or a special
 * file; then open() with O_NOFOLLOW (a link put there in between is still
 * refused) and O_NONBLOCK (opening a FIFO put there does not hang), and
 * fstat() of what was opened decides.  After flock() the path must name
 * the locked inode: a holder unlinks on release, and a file unlinked after
 * our open() protects nothing, so we go round again (a few times: each
 * round needs a run to start and finish in between).
 */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCKFILE_TRIES 8

struct lockfile {
	int fd;     /* open, flock()ed; -1 never (freed instead) */
	char *path; /* as given, to unlink on release */
	dev_t dev;  /* identity of the locked file, checked on release */
	ino_t ino;
};

/* ERR_USAGE for a symbolic link or a non-regular file at path. */
static err_code
lockfile_refuse(const struct stat *st, const char *path, struct err *e)
{
	if (S_ISLNK(st->st_mode))
		return err_set(e, ERR_USAGE,
		    "%s: is a symbolic link; refusing", path);
	if (!S_ISREG(st->st_mode))
		return err_set(e, ERR_USAGE,
		    "%s: is not a regular file; refusing", path);
	return ERR_OK;
}

/*
 * The holder's pid from the file ("<digits>\n"), into buf; "unknown" when
 * the holder has not written it yet or the content is anything else.
 */
static void
lockfile_holder(int fd, char *buf, size_t size)
{
	char tmp[24];
	ssize_t n;
	size_t i;

	snprintf(buf, size, "unknown");
	n = pread(fd, tmp, sizeof tmp - 1, 0);
	if (n <= 1)
		return;
	for (i = 0; i < (size_t)n && tmp[i] >= '0' && tmp[i] <= '9'; i++)
		;
	if (i == 0 || i >= (size_t)n || tmp[i] != '\n' || i >= size)
		return;
	memcpy(buf, tmp, i);
	buf[i] = '\0';
}

/* Write "<pid>\n" to the locked file and make it durable. */
static err_code
lockfile_write_pid(int fd, const char *path, struct err *e)
{
	char buf[24];
	ssize_t w;
	int n;

	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0)
		return err_set_errno(e, ERR_IO, errno, "%s: truncate", path);
	w = pwrite(fd, buf, (size_t)n, 0);
	if (w != n)
		return err_set_errno(e, ERR_IO, w < 0 ? errno : ENOSPC,
		    "%s: write", path);
	if (fsync(fd) != 0)
		return err_set_errno(e, ERR_IO, errno, "%s: fsync", path);
	return ERR_OK;
}

/*
 * One round: open, check, lock, check the path still names the file.
 * ERR_OK with *fdp and *st set; ERR_BADSTATE (internal: go round again)
 * when the path changed after the open; any other code is final.
 */
static err_code
lockfile_try(const char *path, int *fdp, struct stat *st, struct err *e)
{
	struct stat now;
	char pid[24];
	err_code rc;
	int fd;

	*fdp = -1;
	if (lstat(path, &now) == 0) {
		rc = lockfile_refuse(&now, path, e);
		if (rc != ERR_OK)
			return rc;
	} else if (errno != ENOENT) {
		return err_set_errno(e, ERR_IO, errno, "%s", path);
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    0644);
	if (fd < 0) {
		if (errno == ELOOP)
			return err_set(e, ERR_USAGE,
			    "%s: is a symbolic link; refusing", path);
		return err_set_errno(e, ERR_IO, errno, "%s: open", path);
	}
	if (fstat(fd, st) != 0) {
		rc = err_set_errno(e, ERR_IO, errno, "%s: fstat", path);
		close(fd);
		return rc;
	}
	rc = lockfile_refuse(st, path, e);
	if (rc != ERR_OK) {
		close(fd);
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			lockfile_holder(fd, pid, sizeof pid);
			rc = err_set(e, ERR_EXISTS, "%s is locked by mqreset "
			    "pid %s (another run is using this report)", path,
			    pid);
		} else {
			rc = err_set_errno(e, ERR_IO, errno, "%s: flock",
			    path);
		}
		close(fd);
		return rc;
	}
	if (lstat(path, &now) != 0 || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		/* Unlinked (or replaced) between our open and our lock. */
		close(fd);
		return ERR_BADSTATE;
	}
	*fdp = fd;
	return ERR_OK;
}

err_code
lockfile_acquire(struct lockfile **out, const char *path, struct err *e)
{
	struct lockfile *l;
	struct stat st;
	err_code rc = ERR_BADSTATE;
	int fd = -1;
	int i;

	*out = NULL;
	for (i = 0; i < LOCKFILE_TRIES && rc == ERR_BADSTATE; i++)
		rc = lockfile_try(path, &fd, &st, e);
	if (rc == ERR_BADSTATE)
		return err_set(e, ERR_IO, "%s: the lock file kept being "
		    "replaced while locking it", path);
	if (rc != ERR_OK)
		return rc;
	l = calloc(1, sizeof *l);
	if (l != NULL)
		l->path = strdup(path);
	if (l == NULL || l->path == NULL) {
		free(l);
		unlink(path);
		close(fd);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	rc = lockfile_write_pid(fd, path, e);
	if (rc != ERR_OK) {
		lockfile_release(l);
		return rc;
	}
	*out = l;
	return ERR_OK;
}

void
lockfile_release(struct lockfile *l)
{
	struct stat st;

	if (l == NULL)
		return;
	/* Unlink only what we locked: another process may have (wrongly)
	 * put a different file there, and that one is not ours. */
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
	    st.st_ino == l->ino)
		(void)unlink(l->path);
	close(l->fd);
	free(l->path);
	free(l);
}
