/*
 * exitcode.c - error code to exit status.  See include/common/exitcode.h.
 */
#include "exitcode.h"

enum exitcode
exitcode_from_err(err_code code)
{
	switch (code) {
	case ERR_OK:
		return EXITCODE_OK;
	case ERR_USAGE:
	case ERR_PLAN:
	case ERR_PARSE:
	case ERR_EXISTS:   /* refusing to overwrite: a usage problem */
	case ERR_MISMATCH: /* e.g. --resume with another plan's report */
		return EXITCODE_INVALID;
	case ERR_REMOTE:
		return EXITCODE_FAILED;
	case ERR_NOMEM:
	case ERR_IO:
	case ERR_TOOBIG:
	case ERR_CRED:
	case ERR_NET:
	case ERR_TLS:
	case ERR_RESOLVE:
	case ERR_TIMEOUT:
	case ERR_PROTO:
	case ERR_AUTH:
	case ERR_BADSTATE:
	case ERR_INTERRUPTED:
	case ERR_INTERNAL:
		return EXITCODE_ABORTED;
	}
	return EXITCODE_ABORTED;
}

enum exitcode
exitcode_from_outcome(err_code code, int aborted, int rows_failed)
{
	if (code != ERR_OK)
		return exitcode_from_err(code);
	if (aborted)
		return EXITCODE_ABORTED;
	return rows_failed ? EXITCODE_FAILED : EXITCODE_OK;
}
