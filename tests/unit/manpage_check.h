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

/*
 * Assert that the section of the loaded page that starts at the line
 * `head` (".Ss run", ".Sh OPTIONS") has a list entry for option `name`:
 * an ".It" line holding "Fl \-NAME" as a whole name (not followed by a
 * letter, digit or '-', so "--to" is not found in "--topic").  The section
 * ends at the next ".Sh" line or at the next line equal to one of `stops`
 * (NULL-terminated; NULL for none).  When missing, print "PATH: WHAT is
 * not documented in HEAD".
 */
void
manpage_expect_option(const char *head, const char *const *stops,
    const char *name, const char *what);

#endif /* MQR_TEST_MANPAGE_CHECK_H */
