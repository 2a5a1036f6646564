/*
 * manpage_check.h - what the man page tests share: load a page once per
 * suite and assert that a string (an option, a section, a list item)
 * appears in it, naming what is undocumented when it does not.
 *
 * Used by test_manpage.c (man/mqreset.1) and test_emu_manpage.c
 * (man/mqreset-emulator.1).  Not thread-safe: one page per test binary.
 */
#ifndef MQR_TEST_MANPAGE_CHECK_H
#define MQR_TEST_MANPAGE_CHECK_H

/*
 * Read the man page at `path` (relative to the top of the tree) for the
 * checks below.  Returns 0 on success, 1 when it cannot be read (a CUnit
 * suite set-up return value).  Calling it again replaces the page.
 */
int
manpage_load(const char *path);

/* Free the loaded page.  Always returns 0 (a CUnit suite tear-down). */
int
manpage_unload(void);

/*
 * Assert that `needle` occurs in the loaded page.  When it does not,
 * print "PATH: WHAT is not documented (no 'NEEDLE')" on stderr, so a
 * failure says what to add.
 */
void
manpage_expect(const char *needle, const char *what);

#endif /* MQR_TEST_MANPAGE_CHECK_H */
