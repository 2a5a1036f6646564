/*
 * exitcode.h - the documented exit statuses, shared by every subcommand.
 *
 * These numbers are a stable interface (README, mqreset(1)); never renumber.
 */
#ifndef MQR_EXITCODE_H
#define MQR_EXITCODE_H

#include "err.h"

enum exitcode {
	EXITCODE_OK = 0,      /* everything succeeded (or validated clean) */
	EXITCODE_FAILED = 1,  /* some rows failed; the report says which */
	EXITCODE_INVALID = 2, /* invalid plan, invalid arguments or usage */
	EXITCODE_ABORTED = 3  /* run aborted: authentication, credentials,
	                         I/O, signal, failure limit; rows not sent
	                         are marked not-run */
};

/* Map an error code to the exit status main() returns for it. */
enum exitcode
exitcode_from_err(err_code code);

#endif /* MQR_EXITCODE_H */
