/*
 * fuzz_reply.c - libFuzzer target: reply_parse() on any body, status and
 * throttle hint header, then the accessors and the classification
 * invariants.
 *
 * Input layout: byte 0 picks the HTTP status from a table, byte 1 the
 * length of a hint value taken from the following bytes, and which of
 * the four hint headers carries it (byte 1 / 64), the rest is the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reply.h"

static const long statuses[] = {
	200, 201, 204, 301, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504,
	0, 99, 600
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r;
	struct reply_hints h;
	char ra[64];
	const char *s;
	size_t n;
	int64_t v;
	double d;
	int b, which;
	long status;

	if (size < 2)
		return 0;
	status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	memset(&h, 0, sizeof h);
	which = data[1] / 64;
	n = data[1] % sizeof ra;
	if (n > size - 2)
		n = size - 2;
	memcpy(ra, data + 2, n);
	ra[n] = '\0';
	data += 2 + n;
	size -= 2 + n;
	switch (which) {
	case 0:
		h.retry_after = ra;
		break;
	case 1:
		h.acs_retry_after = ra;
		break;
	case 2:
		h.ratelimit_user_api = ra;
		break;
	default:
		h.ratelimit_user = ra;
		break;
	}
	reply_init(&r);
	reply_parse(&r, status, (const char *)data, size, n > 0 ? &h : NULL,
	    1);
	/* Invariants: ok only for a 2xx with a RequestId; strings bounded
	 * and terminated; a class name always. */
	if (r.cls == REPLY_OK && (status < 200 || status > 299 ||
	    r.request_id[0] == '\0' || r.err != ERR_OK))
		abort();
	if (strlen(r.request_id) >= REPLY_ID_MAX ||
	    strlen(r.message) >= REPLY_TEXT_MAX ||
	    strlen(r.detail) >= REPLY_TEXT_MAX)
		abort();
	if (reply_class_name(r.cls) == NULL)
		abort();
	/* Hints are bounded; an ok reply is neither ambiguous nor
	 * throttled; only a retryable class may have been applied. */
	if (r.retry_after_ms < -1 || r.retry_after_ms > REPLY_HINT_MAX_MS)
		abort();
	if (r.cls == REPLY_OK && (r.maybe_applied || r.throttled))
		abort();
	if (r.maybe_applied && r.cls != REPLY_RETRYABLE)
		abort();
	s = reply_get_string(&r, "Data.SubscribeInfoDo.0.GroupId");
	(void)s;
	(void)reply_get_int64(&r, "Data.LastTimeStamp", &v);
	(void)reply_get_double(&r, "Data.ConsumeTps", &d);
	(void)reply_get_bool(&r, "Data.Online", &b);
	(void)reply_get_count(&r, "Data.SubscribeInfoDo");
	reply_free(&r);
	return 0;
}
