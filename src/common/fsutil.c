/*
 * fsutil.c - safe creation and replacement of the files mqreset writes.
 * See include/common/fsutil.h for the contract.
 *
 * Design: with --force an existing file is opened without O_TRUNC first
 * (O_NOFOLLOW refuses a link, O_NONBLOCK keeps a FIFO from hanging the
 * open), fstat() of the descriptor decides, and only a regular file is
 * truncated: nothing that is not ours is ever clobbered.
 */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of a path shown in a message about its length. */
#define FSUTIL_SHOWN_MAX 300

/* ERR_USAGE for a link or a non-regular file; ERR_OK for a regular one. */
static err_code
fsutil_refuse(const struct stat *st, const char *path, struct err *e)
{
	if (S_ISLNK(st->st_mode))
		return err_set(e, ERR_USAGE, "%s: is a symbolic link; mqreset "
		    "does not write through links", path);
	if (!S_ISREG(st->st_mode))
		return err_set(e, ERR_USAGE, "%s: is not a regular file",
		    path);
	return ERR_OK;
}

err_code
fsutil_check_target(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return ERR_OK;
		return err_set_errno(e, ERR_IO, errno, "%s", path);
	}
	return fsutil_refuse(&st, path, e);
}

err_code
fsutil_check_derived(const char *path, size_t longest_suffix,
    struct err *e)
{
	const char *last = strrchr(path, '/');
	size_t len = strlen(path);

	/* A message holds ERR_MSG_MAX bytes: show a long path by its
	 * tail, the part that tells which file it is. */
	const char *shown = len > FSUTIL_SHOWN_MAX ?
	    path + len - FSUTIL_SHOWN_MAX : path;
	const char *dots = shown != path ? "..." : "";

	last = last != NULL ? last + 1 : path;
	if (strlen(last) + longest_suffix > NAME_MAX)
		return err_set(e, ERR_USAGE, "%s%s: file name too long: the "
		    "files derived from it need %zu more bytes and a name "
		    "is limited to %d bytes", dots, shown, longest_suffix,
		    NAME_MAX);
	/* PATH_MAX counts the terminating NUL. */
	if (len + longest_suffix >= PATH_MAX)
		return err_set(e, ERR_USAGE, "%s%s: path too long (%zu "
		    "bytes): the files derived from it need %zu more bytes "
		    "and a path is limited to %d bytes", dots, shown, len,
		    longest_suffix, PATH_MAX - 1);
	return ERR_OK;
}

/* The --force open: refuse what is not a regular file, then truncate. */
static int
fsutil_open_force(const char *path, struct err *e)
{
	struct stat st;
	int fd, fl;

	if (fsutil_check_target(path, e) != ERR_OK)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK, 0644);
	if (fd < 0) {
		if (errno == ELOOP)
			err_set(e, ERR_USAGE, "%s: is a symbolic link; "
			    "mqreset does not write through links", path);
		else
			err_set_errno(e, ERR_IO, errno, "cannot create %s",
			    path);
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		err_set_errno(e, ERR_IO, errno, "%s: fstat", path);
		close(fd);
		return -1;
	}
	if (fsutil_refuse(&st, path, e) != ERR_OK) {
		close(fd);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    ftruncate(fd, 0) != 0) {
		err_set_errno(e, ERR_IO, errno, "%s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int
fsutil_open_new(const char *path, int force, struct err *e)
{
	int fd;

	if (force)
		return fsutil_open_force(path, e);
	/* O_CREAT | O_EXCL never follows a link: a link there is EEXIST. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd >= 0)
		return fd;
	if (errno == EEXIST)
		err_set(e, ERR_EXISTS, "%s already exists", path);
	else
		err_set_errno(e, ERR_IO, errno, "cannot create %s", path);
	return -1;
}

char *
fsutil_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* fsync the directory holding path, so a rename in it is durable. */
static err_code
fsutil_sync_dir(const char *path, struct err *e)
{
	char *dir;
	err_code rc = ERR_OK;
	int fd;

	dir = fsutil_dirname(path);
	if (dir == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		rc = err_set_errno(e, ERR_IO, errno, "%s: open directory",
		    dir);
	/* EINVAL: a file system that cannot sync directories (nothing
	 * more can be done there). */
	else if (fsync(fd) != 0 && errno != EINVAL)
		rc = err_set_errno(e, ERR_IO, errno, "%s: fsync", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

/* Name tmp_path final_path unless final_path exists. */
static err_code
fsutil_rename_noreplace(const char *tmp_path, const char *final_path,
    struct err *e)
{
	if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, final_path,
	    RENAME_NOREPLACE) == 0)
		return ERR_OK;
	if (errno == EEXIST)
		return err_set(e, ERR_EXISTS, "%s already exists",
		    final_path);
	if (errno != EINVAL && errno != ENOSYS)
		return err_set_errno(e, ERR_IO, errno, "cannot rename %s to "
		    "%s", tmp_path, final_path);
	/* No RENAME_NOREPLACE here: link() fails on an existing name just
	 * as atomically; then the temporary name goes. */
	if (link(tmp_path, final_path) != 0) {
		if (errno == EEXIST)
			return err_set(e, ERR_EXISTS, "%s already exists",
			    final_path);
		return err_set_errno(e, ERR_IO, errno, "cannot link %s to %s",
		    tmp_path, final_path);
	}
	if (unlink(tmp_path) != 0)
		return err_set_errno(e, ERR_IO, errno, "cannot remove %s",
		    tmp_path);
	return ERR_OK;
}

err_code
fsutil_publish(const char *tmp_path, const char *final_path, int replace,
    struct err *e)
{
	err_code rc;

	if (replace) {
		if (rename(tmp_path, final_path) != 0)
			return err_set_errno(e, ERR_IO, errno, "cannot rename "
			    "%s to %s", tmp_path, final_path);
		rc = ERR_OK;
	} else {
		rc = fsutil_rename_noreplace(tmp_path, final_path, e);
	}
	if (rc == ERR_OK)
		rc = fsutil_sync_dir(final_path, e);
	return rc;
}

int
fsutil_mkstemp(char *tmpl, const char *what, struct err *e)
{
	mode_t mask;
	int fd;

	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0) {
		err_set_errno(e, ERR_IO, errno, "cannot create %s", what);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0644 & ~mask);
	return fd;
}

err_code
fsutil_write_file(const char *path, const void *data, size_t len,
    struct err *e)
{
	const char *p = data;
	char *tmp;
	err_code rc;
	ssize_t n;
	int fd;

	rc = fsutil_check_target(path, e);
	if (rc != ERR_OK)
		return rc;
	if (asprintf(&tmp, "%s%s", path, FSUTIL_TMP_SUFFIX) < 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	fd = fsutil_mkstemp(tmp, path, e);
	if (fd < 0) {
		free(tmp);
		return ERR_IO;
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = err_set_errno(e, ERR_IO, n < 0 ? errno : ENOSPC,
			    "cannot write %s", path);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == ERR_OK && fsync(fd) != 0)
		rc = err_set_errno(e, ERR_IO, errno, "cannot write %s", path);
	if (close(fd) != 0 && rc == ERR_OK)
		rc = err_set_errno(e, ERR_IO, errno, "cannot write %s", path);
	if (rc == ERR_OK)
		rc = fsutil_publish(tmp, path, 1, e);
	if (rc != ERR_OK)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}
