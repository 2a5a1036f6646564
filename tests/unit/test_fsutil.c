/*
 * test_fsutil.c - the file-writing rules: targets that are links or
 * special files are refused (and left untouched), derived names are
 * checked against NAME_MAX and PATH_MAX at their edges, creation honours
 * --force, publishing replaces or refuses to and survives in the
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "fsutil.h"

static char dir[256];

static int
ft_setup(void)
{
	const char *d = cu_tmpdir();

	if (d == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%s", d);
	return 0;
}

static int
ft_teardown(void)
{
	cu_rmdir(dir);
	return 0;
}

/* The content of path, or "" when unreadable (freed by the caller). */
static char *
ft_read(const char *path)
{
	char *s = cu_slurp(path, NULL);

	return s != NULL ? s : strdup("");
}

static void
test_check_target(void)
{
	struct err e;
	char *reg = cu_path_in(dir, "t.csv");
	char *lnk = cu_path_in(dir, "t.link");
	char *sub = cu_path_in(dir, "t.dir");
	char want[512];

	err_clear(&e);
	CU_ASSERT_EQUAL(fsutil_check_target(reg, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(cu_write(reg, "x"), 0);
	CU_ASSERT_EQUAL(fsutil_check_target(reg, &e), ERR_OK);
	CU_ASSERT_EQUAL_FATAL(symlink(reg, lnk), 0);
	CU_ASSERT_EQUAL(fsutil_check_target(lnk, &e), ERR_USAGE);
	snprintf(want, sizeof want, "%s: is a symbolic link; mqreset does "
	    "not write through links", lnk);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0755), 0);
	CU_ASSERT_EQUAL(fsutil_check_target(sub, &e), ERR_USAGE);
	snprintf(want, sizeof want, "%s: is not a regular file", sub);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_EQUAL(fsutil_check_target("/dev/null", &e), ERR_USAGE);
	/* Below a regular file: ENOTDIR is not "does not exist". */
	CU_ASSERT_EQUAL(fsutil_check_target(cu_path_in(reg, "x"), &e),
	    ERR_IO);
	rmdir(sub);
	unlink(lnk);
	unlink(reg);
}

static void
test_check_derived(void)
{
	static const struct {
		size_t dirlen;  /* bytes of "a/a/..." before the name */
		size_t namelen; /* bytes of the last component */
		size_t suffix;
		err_code want;
	} rows[] = {
		{ 0, NAME_MAX - 7, 7, ERR_OK },
		{ 0, NAME_MAX - 6, 7, ERR_USAGE },
		{ 0, NAME_MAX, 0, ERR_OK },
		{ 0, NAME_MAX + 1, 0, ERR_USAGE },
		{ 0, 246, 11, ERR_USAGE },
		{ 0, 244, 11, ERR_OK },
		{ 4, 244, 11, ERR_OK },
		/* The whole path: PATH_MAX - 1 bytes at most. */
		{ PATH_MAX - 1 - 100 - 7, 100, 7, ERR_OK },
		{ PATH_MAX - 100 - 7, 100, 7, ERR_USAGE },
	};
	char *p;
	size_t i, j;
	struct err e;

	p = malloc(PATH_MAX * 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (j = 0; j < rows[i].dirlen; j++)
			p[j] = (j % 100 == 99) ? '/' : 'd';
		if (rows[i].dirlen > 0)
			p[rows[i].dirlen - 1] = '/';
		memset(p + rows[i].dirlen, 'n', rows[i].namelen);
		p[rows[i].dirlen + rows[i].namelen] = '\0';
		err_clear(&e);
		if (fsutil_check_derived(p, rows[i].suffix, &e) !=
		    rows[i].want) {
			CU_FAIL("fsutil_check_derived");
			fprintf(stderr, "row %zu: %s\n", i, e.msg);
		}
		if (rows[i].want != ERR_OK) {
			/* The message names the path (a long one by its
			 * last 300 bytes) and the limit. */
			j = strlen(p);
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg,
			    j > 300 ? p + j - 300 : p));
			CU_ASSERT(strstr(e.msg, "255") != NULL ||
			    strstr(e.msg, "4095") != NULL);
		}
	}
	free(p);
}

static void
test_open_new(void)
{
	struct err e;
	char *path = cu_path_in(dir, "new.csv");
	char *target = cu_path_in(dir, "target.csv");
	char *lnk = cu_path_in(dir, "new.link");
	char *fifo = cu_path_in(dir, "new.fifo");
	char want[512];
	char *s;
	int fd;

	err_clear(&e);
	fd = fsutil_open_new(path, 0, &e);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	CU_ASSERT_EQUAL(write(fd, "old", 3), 3);
	close(fd);
	/* Without force an existing file is never touched. */
	CU_ASSERT_EQUAL(fsutil_open_new(path, 0, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_EXISTS);
	snprintf(want, sizeof want, "%s already exists", path);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	/* With force a regular file is truncated. */
	fd = fsutil_open_new(path, 1, &e);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL((fcntl(fd, F_GETFL) & O_NONBLOCK), 0);
	CU_ASSERT_EQUAL(write(fd, "nu", 2), 2);
	close(fd);
	s = ft_read(path);
	CU_ASSERT_STRING_EQUAL(s, "nu");
	free(s);

	/* A link is refused with or without force; its target survives. */
	CU_ASSERT_EQUAL_FATAL(cu_write(target, "precious"), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, lnk), 0);
	err_clear(&e);
	CU_ASSERT_EQUAL(fsutil_open_new(lnk, 0, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_EXISTS);
	err_clear(&e);
	CU_ASSERT_EQUAL(fsutil_open_new(lnk, 1, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "symbolic link"));
	s = ft_read(target);
	CU_ASSERT_STRING_EQUAL(s, "precious");
	free(s);
	/* A dangling link: nothing is created behind it. */
	unlink(target);
	CU_ASSERT_EQUAL(fsutil_open_new(lnk, 1, &e), -1);
	CU_ASSERT_EQUAL(fsutil_open_new(lnk, 0, &e), -1);
	CU_ASSERT_EQUAL(access(target, F_OK), -1);

	/* A FIFO is refused with force, without hanging. */
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0644), 0);
	err_clear(&e);
	CU_ASSERT_EQUAL(fsutil_open_new(fifo, 1, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_USAGE);
	snprintf(want, sizeof want, "%s: is not a regular file", fifo);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_EQUAL(fsutil_open_new(dir, 1, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_USAGE);
	unlink(fifo);
	unlink(lnk);
	unlink(path);
}

static void
test_publish(void)
{
	struct err e;
	char *tmp = cu_path_in(dir, "pub.csv.tmp");
	char *fin = cu_path_in(dir, "pub.csv");
	char *target = cu_path_in(dir, "pub.target");
	char *s;

	/* replace == 0 onto a free name. */
	CU_ASSERT_EQUAL_FATAL(cu_write(tmp, "one"), 0);
	err_clear(&e);
	CU_ASSERT_EQUAL(fsutil_publish(tmp, fin, 0, &e), ERR_OK);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	s = ft_read(fin);
	CU_ASSERT_STRING_EQUAL(s, "one");
	free(s);
	/* replace == 0 onto an existing name: refused, both kept. */
	CU_ASSERT_EQUAL_FATAL(cu_write(tmp, "two"), 0);
	CU_ASSERT_EQUAL(fsutil_publish(tmp, fin, 0, &e), ERR_EXISTS);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, fin));
	s = ft_read(fin);
	CU_ASSERT_STRING_EQUAL(s, "one");
	free(s);
	s = ft_read(tmp);
	CU_ASSERT_STRING_EQUAL(s, "two");
	free(s);
	/* replace == 1 replaces. */
	CU_ASSERT_EQUAL(fsutil_publish(tmp, fin, 1, &e), ERR_OK);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	s = ft_read(fin);
	CU_ASSERT_STRING_EQUAL(s, "two");
	free(s);
	/* replace == 1 onto a link replaces the link, not its target. */
	unlink(fin);
	CU_ASSERT_EQUAL_FATAL(cu_write(target, "precious"), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, fin), 0);
	CU_ASSERT_EQUAL_FATAL(cu_write(tmp, "three"), 0);
	CU_ASSERT_EQUAL(fsutil_publish(tmp, fin, 1, &e), ERR_OK);
	s = ft_read(target);
	CU_ASSERT_STRING_EQUAL(s, "precious");
	free(s);
	s = ft_read(fin);
	CU_ASSERT_STRING_EQUAL(s, "three");
	free(s);
	/* A missing temporary file is an I/O error. */
	CU_ASSERT_EQUAL(fsutil_publish(tmp, fin, 1, &e), ERR_IO);
	CU_ASSERT_EQUAL(fsutil_publish(tmp, fin, 0, &e), ERR_IO);
	unlink(cu_path_in(dir, "other"));
	CU_ASSERT_EQUAL(fsutil_publish(tmp, cu_path_in(dir, "other"), 0, &e),
	    ERR_IO);
	unlink(fin);
	unlink(target);
}

/* Files in dir whose name contains `part`. */
static int
ft_count(const char *part)
{
	char cmd[512];
	FILE *fp;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c -F -- '%s'", dir, part);
	fp = popen(cmd, "r");
	if (fp != NULL) {
		if (fscanf(fp, "%d", &n) != 1)
			n = -1;
		pclose(fp);
	}
	return n;
}

/* Whole-file writes: content, replacement, links refused, no temporary
 * file left; new files get 0644 less the umask. */
static void
test_write_file(void)
{
	char *path = cu_path_in(dir, "w.json");
	char *link_path = cu_path_in(dir, "w-link.json");
	char *target = cu_path_in(dir, "w-target.json");
	char tmpl[512], *got;
	struct stat st;
	struct err e;
	mode_t mask;
	int fd;

	CU_ASSERT_EQUAL(fsutil_write_file(path, "one\n", 4, &e), ERR_OK);
	got = ft_read(path);
	CU_ASSERT_STRING_EQUAL(got, "one\n");
	free(got);
	CU_ASSERT_EQUAL(fsutil_write_file(path, "two", 3, &e), ERR_OK);
	got = ft_read(path);
	CU_ASSERT_STRING_EQUAL(got, "two");
	free(got);
	CU_ASSERT_EQUAL(ft_count(".tmp-"), 0);
	CU_ASSERT_EQUAL(cu_write(target, "keep"), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, link_path), 0);
	CU_ASSERT_EQUAL(fsutil_write_file(link_path, "x", 1, &e), ERR_USAGE);
	got = ft_read(target);
	CU_ASSERT_STRING_EQUAL(got, "keep");
	free(got);
	CU_ASSERT_EQUAL(ft_count(".tmp-"), 0);
	(void)unlink(link_path);

	mask = umask(022);
	snprintf(tmpl, sizeof tmpl, "%s/m.start-XXXXXX", dir);
	fd = fsutil_mkstemp(tmpl, "m", &e);
	umask(mask);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(fstat(fd, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	close(fd);
	(void)unlink(tmpl);
}

/* The directory of a path, as the lock, the publish and the report use. */
static void
test_dirname(void)
{
	static const struct {
		const char *path, *want;
	} rows[] = {
		{ "r.csv", "." }, { "/r.csv", "/" }, { "a/r.csv", "a" },
		{ "/a/b/r.csv", "/a/b" }, { "./r.csv", "." }, { "a/", "a" },
	};
	size_t i;
	char *d;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		d = fsutil_dirname(rows[i].path);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_STRING_EQUAL(d, rows[i].want);
		free(d);
	}
}

static CU_TestInfo fsutil_tests[] = {
	{ "dirname", test_dirname },
	{ "whole-file write, mkstemp mode", test_write_file },
	{ "check target", test_check_target },
	{ "check derived name lengths", test_check_derived },
	{ "open new, with and without force", test_open_new },
	{ "publish", test_publish },
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "fsutil", ft_setup, ft_teardown, NULL, NULL, fsutil_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return cu_main("test_fsutil", suites);
}
