/*
 * fuzz_tstamp.c - libFuzzer target for the timestamp parser (and the
 * identifier checks and message quoting, which take the same kind of
 * untrusted short strings).
 *
 * Invariants: an accepted timestamp lies in the allowed range and
 * survives format -> parse unchanged to the millisecond; every refusal has
 * a reason; quoting always yields a NUL-terminated string without control
 * bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "ident.h"
#include "tstamp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[512], fmt[TSTAMP_FMT_MAX], why[256], q[DIAG_QUOTE_MAX];
	int64_t ms = 0, back = 0;
	struct err e;
	size_t i;
	int k;

	if (size >= sizeof s)
		size = sizeof s - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	err_clear(&e);
	if (tstamp_parse(s, FUZZ_NOW_MS, &ms, &e) == ERR_OK) {
		fuzz_check(ms >= TSTAMP_MIN_MS &&
		    ms <= FUZZ_NOW_MS + TSTAMP_FUTURE_MS);
		tstamp_format(ms, fmt);
		fuzz_check(tstamp_parse_syntax(fmt, &back, &e) == ERR_OK);
		fuzz_check(back == ms);
	} else
		fuzz_check(e.code == ERR_PARSE && e.msg[0] != '\0');
	for (k = IDENT_INSTANCE; k <= IDENT_TOPIC; k++) {
		enum ident_verdict v = ident_check((enum ident_kind)k, s, why,
		    sizeof why);

		fuzz_check(v == IDENT_OK ? why[0] == '\0' : why[0] != '\0');
	}
	diag_quote(s, q, sizeof q);
	fuzz_check(strlen(q) < sizeof q);
	for (i = 0; q[i] != '\0'; i++)
		fuzz_check((unsigned char)q[i] >= 0x20 && q[i] != 0x7f);
	return 0;
}
