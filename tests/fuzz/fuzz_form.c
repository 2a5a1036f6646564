/*
 * fuzz_form.c - libFuzzer target: params_parse_form() on any input, then
 * a round trip: every parsed pair, percent-encoded by sign_pct_encode()
 * and parsed again, must come back identical; and the v1 canonical string
 * of the list must build.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "params.h"
#include "sign.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params p, q;
	struct buf b;
	size_t i;

	params_init(&p);
	params_init(&q);
	buf_init(&b, 1u << 22);
	if (params_parse_form(&p, (const char *)data, size, NULL) != ERR_OK)
		goto done;
	for (i = 0; i < p.n; i++) {
		if (i > 0)
			buf_putc(&b, '&');
		sign_pct_encode(&b, p.items[i].name, strlen(p.items[i].name));
		buf_putc(&b, '=');
		sign_pct_encode(&b, p.items[i].value,
		    strlen(p.items[i].value));
	}
	if (params_parse_form(&q, buf_cstr(&b), b.len, NULL) != ERR_OK)
		abort();
	/* Every parsed pair encodes to a non-empty "name=value". */
	if (q.n != p.n)
		abort();
	for (i = 0; i < p.n; i++)
		if (strcmp(p.items[i].name, q.items[i].name) != 0 ||
		    strcmp(p.items[i].value, q.items[i].value) != 0)
			abort();
	buf_reset(&b);
	if (sign_v1_canonical(&p, &b) != ERR_OK)
		abort();
done:
	buf_free(&b);
	params_free(&p);
	params_free(&q);
	return 0;
}
