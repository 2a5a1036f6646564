/*
 * fuzz_onsread.c - libFuzzer target: the read layer's parsers
 * (onsread_parse_*) on any reply body, and the credential Expiration
 * parser on any text.  Byte 0 picks the parser; the rest is the body
 * (or the Expiration text).  Each result is freed: a parser must leave
 * nothing behind whatever the body holds, and never read past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onsread.h"
#include "reply.h"
#include "sts.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct onsread_instances in;
	struct onsread_groups g;
	struct onsread_topics t;
	struct onsread_group_sub gs;
	struct onsread_accum a;
	struct onsread_span sp;
	struct onsread_topic_status ts;
	struct reply r;
	struct err e;
	char text[64];
	int64_t ms;
	size_t n;

	if (size < 1)
		return 0;
	if (data[0] % 8 == 7) {
		n = size - 1 < sizeof text - 1 ? size - 1 : sizeof text - 1;
		memcpy(text, data + 1, n);
		text[n] = '\0';
		(void)sts_parse_expiration(text, &ms);
		return 0;
	}
	reply_init(&r);
	(void)reply_parse(&r, 200, (const char *)data + 1, size - 1, NULL, 1);
	switch (data[0] % 8) {
	case 0:
		memset(&in, 0, sizeof in);
		(void)onsread_parse_instances(&r, &in, &e);
		onsread_instances_free(&in);
		break;
	case 1:
		memset(&g, 0, sizeof g);
		(void)onsread_parse_groups(&r, &g, &e);
		onsread_groups_free(&g);
		break;
	case 2:
		memset(&t, 0, sizeof t);
		(void)onsread_parse_topics(&r, &t, &e);
		onsread_topics_free(&t);
		break;
	case 3:
		memset(&gs, 0, sizeof gs);
		(void)onsread_parse_group_sub(&r, &gs, &e);
		onsread_group_sub_free(&gs);
		break;
	case 4:
		memset(&a, 0, sizeof a);
		(void)onsread_parse_accum(&r, &a, &e);
		onsread_accum_free(&a);
		break;
	case 5:
		memset(&sp, 0, sizeof sp);
		(void)onsread_parse_span(&r, &sp, &e);
		break;
	default:
		memset(&ts, 0, sizeof ts);
		(void)onsread_parse_topic_status(&r, &ts, &e);
		break;
	}
	reply_free(&r);
	return 0;
}
