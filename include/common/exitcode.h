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
	                         are marked not-run; or the operator said no
	                         at run's confirmation (nothing sent, no
	                         report) */
};

/* Map an error code to the exit status main() returns for it. */
enum exitcode
exitcode_from_err(err_code code);

/*
 * The exit status of a command that applied rows (run, reset): the error
 * that ended it when `code` is not ERR_OK; else 3 when it stopped early
 * (`aborted`: a failure limit, a signal, a stop), 1 when any row failed or
 * may have been applied (`rows_failed`), 0 otherwise.
 */
enum exitcode
exitcode_from_outcome(err_code code, int aborted, int rows_failed);

#endif /* MQR_EXITCODE_H */
