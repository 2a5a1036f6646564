/*
 * cu.h - a thin runner over CUnit shared by every unit-test binary.
 *
 * Each tests/unit/test_NAME.c defines CU_TestInfo arrays and a
 * CU_SuiteInfo table, then `int main(void) { return cu_main(suites); }`.
 * cu_main runs them with CUnit's basic interface, prints CUnit's summary,
 * then one line "NAME: P passed, F failed" that tests/run adds up.
 * Exit status 0 only when every test passed and at least one ran.
 */
#ifndef MQR_TEST_CU_H
#define MQR_TEST_CU_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

int
cu_main(const char *name, CU_SuiteInfo *suites);

/*
 * Path to a file under the source tree's tests/ directory (the tests run
 * from the top of the tree).  Returns a static buffer.
 */
const char *
cu_path(const char *rel);

/* Make a fresh temporary directory; returns a static buffer. */
const char *
cu_tmpdir(void);

/* Read a whole file into a malloc'd NUL-terminated string (NULL on error). */
char *
cu_slurp(const char *path, size_t *len);

/* Write a string to a file; returns 0 on success. */
int
cu_write(const char *path, const char *content);

/*
 * "DIR/NAME" in one of 16 static buffers used in turn, so a test can hold
 * a few paths at once (the 17th call reuses the first buffer).
 */
char *
cu_path_in(const char *dir, const char *name);

/*
 * Remove a test directory: the files directly in it, then the directory
 * (not recursive; errors are ignored, a missing directory is fine).
 */
void
cu_rmdir(const char *dir);

#endif /* MQR_TEST_CU_H */
