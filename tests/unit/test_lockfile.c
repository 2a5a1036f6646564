/*
 * test_lockfile.c - the run lock: acquire writes the pid and release
 * unlinks; a second holder (another open file description in this
 * process, or a child process) is refused with the holder's pid; a
 * holder's death frees the lock; links and special files are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cu.h"
#include "lockfile.h"

static char dir[256];

static int
lt_setup(void)
{
	const char *d = cu_tmpdir();

	if (d == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%s", d);
	return 0;
}

static int
lt_teardown(void)
{
	cu_rmdir(dir);
	return 0;
}

static void
test_acquire_release(void)
{
	struct lockfile *l = NULL;
	struct err e;
	char want[32];
	char *path = cu_path_in(dir, "r.csv.lock");
	char *s;

	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(lockfile_acquire(&l, path, &e), ERR_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	s = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, want);
	free(s);
	lockfile_release(l);
	/* Released: the file is gone, and the lock can be taken again. */
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, path, &e), ERR_OK);
	lockfile_release(l);
	lockfile_release(NULL);
}

static void
test_second_acquire_refused(void)
{
	struct lockfile *l1 = NULL, *l2 = NULL;
	struct err e;
	char want[256];
	char *path = cu_path_in(dir, "second.lock");

	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(lockfile_acquire(&l1, path, &e), ERR_OK);
	/* flock belongs to the open file description: a second open in
	 * the same process conflicts like another process would. */
	CU_ASSERT_EQUAL(lockfile_acquire(&l2, path, &e), ERR_EXISTS);
	CU_ASSERT_PTR_NULL(l2);
	snprintf(want, sizeof want, "%s is locked by mqreset pid %ld "
	    "(another run is using this report)", path, (long)getpid());
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	/* The refused attempt left the holder's file alone. */
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	lockfile_release(l1);
	CU_ASSERT_EQUAL(lockfile_acquire(&l2, path, &e), ERR_OK);
	lockfile_release(l2);
}

static void
test_holder_pid_unknown(void)
{
	struct lockfile *l = NULL;
	struct err e;
	char want[256];
	char *path = cu_path_in(dir, "empty.lock");
	char *s;
	int fd;

	/* A holder that has locked but not yet written its pid (or a file
	 * with something else in it). */
	fd = open(path, O_RDWR | O_CREAT, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(flock(fd, LOCK_EX), 0);
	err_clear(&e);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, path, &e), ERR_EXISTS);
	snprintf(want, sizeof want, "%s is locked by mqreset pid unknown "
	    "(another run is using this report)", path);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_EQUAL(write(fd, "12x\n", 4), 4);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, path, &e), ERR_EXISTS);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_EQUAL(pwrite(fd, "99999999999999999999\n", 21, 0), 21);
	close(fd);
	/* Stale content from a dead holder is replaced, not overwritten
	 * in part. */
	CU_ASSERT_EQUAL(lockfile_acquire(&l, path, &e), ERR_OK);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	s = cu_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, want);
	free(s);
	lockfile_release(l);
}

static void
test_child_holds_lock(void)
{
	struct lockfile *l = NULL;
	struct err e;
	char want[256];
	char *path = cu_path_in(dir, "child.lock");
	int ready[2], go[2];
	pid_t pid;
	char c = 0;
	int st;

	CU_ASSERT_EQUAL_FATAL(pipe(ready), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct lockfile *cl = NULL;

		close(ready[0]);
		close(go[1]);
		c = lockfile_acquire(&cl, path, NULL) == ERR_OK ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		/* Wait for the parent, then die holding the lock. */
		if (read(go[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	CU_ASSERT_EQUAL(read(ready[0], &c, 1), 1);
	CU_ASSERT_EQUAL(c, 'y');
	err_clear(&e);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, path, &e), ERR_EXISTS);
	snprintf(want, sizeof want, "%s is locked by mqreset pid %ld "
	    "(another run is using this report)", path, (long)pid);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	close(go[1]);
	close(ready[0]);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The holder died without releasing: the file stays, the lock
	 * does not. */
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, path, &e), ERR_OK);
	lockfile_release(l);
}

static void
test_symlink_refused(void)
{
	struct lockfile *l = NULL;
	struct err e;
	char *target = cu_path_in(dir, "target");
	char *link = cu_path_in(dir, "link.lock");
	char want[256];
	char *s;

	CU_ASSERT_EQUAL_FATAL(cu_write(target, "precious\n"), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, link), 0);
	err_clear(&e);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, link, &e), ERR_USAGE);
	CU_ASSERT_PTR_NULL(l);
	snprintf(want, sizeof want, "%s: is a symbolic link; refusing",
	    link);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	s = cu_slurp(target, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "precious\n");
	free(s);
	/* A dangling link is refused too (nothing created behind it). */
	CU_ASSERT_EQUAL(unlink(target), 0);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, link, &e), ERR_USAGE);
	CU_ASSERT_EQUAL(access(target, F_OK), -1);
	unlink(link);
}

static void
test_non_regular_refused(void)
{
	struct lockfile *l = NULL;
	struct err e;
	char *sub = cu_path_in(dir, "subdir");
	char *fifo = cu_path_in(dir, "fifo");
	char want[256];

	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0755), 0);
	err_clear(&e);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, sub, &e), ERR_USAGE);
	snprintf(want, sizeof want, "%s: is not a regular file; refusing",
	    sub);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	rmdir(sub);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0644), 0);
	CU_ASSERT_EQUAL(lockfile_acquire(&l, fifo, &e), ERR_USAGE);
	snprintf(want, sizeof want, "%s: is not a regular file; refusing",
	    fifo);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_PTR_NULL(l);
	unlink(fifo);
	/* A missing directory is an I/O error naming the path. */
	CU_ASSERT_EQUAL(lockfile_acquire(&l, cu_path_in(sub, "x.lock"), &e),
	    ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "subdir/x.lock"));
}

static void
test_release_only_unlinks_own_file(void)
{
	struct lockfile *l = NULL;
	struct err e;
	char *path = cu_path_in(dir, "swap.lock");
	char *other = cu_path_in(dir, "swap.other");

	err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(lockfile_acquire(&l, path, &e), ERR_OK);
	/* Someone replaced the lock file behind our back: release must not
	 * delete the stranger's file. */
	CU_ASSERT_EQUAL_FATAL(cu_write(other, "x"), 0);
	CU_ASSERT_EQUAL_FATAL(rename(other, path), 0);
	lockfile_release(l);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	unlink(path);
}

static CU_TestInfo lockfile_tests[] = {
	{ "acquire writes pid, release unlinks", test_acquire_release },
	{ "second acquire refused with holder pid",
	    test_second_acquire_refused },
	{ "holder pid unknown", test_holder_pid_unknown },
	{ "child process holds, its death frees", test_child_holds_lock },
	{ "symbolic link refused", test_symlink_refused },
	{ "non-regular file refused", test_non_regular_refused },
	{ "release unlinks only its own file",
	    test_release_only_unlinks_own_file },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "lockfile", lt_setup, lt_teardown, NULL, NULL, lockfile_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_lockfile", suites);
}
