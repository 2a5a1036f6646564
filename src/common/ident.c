/*
 * ident.c - identifier checks for instance IDs, group IDs and topics.
 * See include/common/ident.h.
 *
 * Design: two layers.  The hard layer (errors) is the same for all kinds
 * and is about bytes: empty, too long, control characters, white space,
 * invalid UTF-8 - nothing the service could ever accept.  The soft layer
 * (warnings) encodes the console's naming rules as documented for
 * ApsaraMQ for RocketMQ 4.x (the Ons API's product): group IDs of 2-64
 * characters from [A-Za-z0-9_-], recommended prefix GID_ or GID- (older
 * consoles required it); topics of 3-64 characters from [A-Za-z0-9_-],
 * not starting with CID or GID; instance IDs MQ_INST_<digits>_<alnum>.
 * Values outside those rules may still exist (older resources,
 * namespaces), so they only warn.  One exception is an error: an instance
 * ID of the rmq- form belongs to ApsaraMQ for RocketMQ 5.x, a different
 * product with its own API (RocketMQ, version 2022-08-01), which the Ons
 * action never serves.
 */
#include "ident.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Console limits for new resources (4.x). */
#define IDENT_NAME_MAX 64

static enum ident_verdict
ident_say(enum ident_verdict v, char *why, size_t size, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static enum ident_verdict
ident_say(enum ident_verdict v, char *why, size_t size, const char *fmt,
    ...)
{
	va_list ap;

	if (why != NULL && size > 0 && v == IDENT_OK) {
		/* The common case, without the cost of formatting. */
		why[0] = '\0';
		return v;
	}
	if (why != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return v;
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid
 * (overlong forms, surrogates and code points past U+10FFFF included).
 */
static size_t
ident_utf8_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

/* [A-Za-z0-9_-] as a table: this test runs for every byte of a plan. */
static const unsigned char ident_name_chars[256] = {
	['-'] = 1, ['_'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static int
ident_is_name_char(unsigned char c)
{
	return ident_name_chars[c];
}

static int
ident_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * The hard checks.  *chars receives the length in characters, *plain
 * whether every byte is in [A-Za-z0-9_-], *bad the first byte that is
 * not.
 */
static enum ident_verdict
ident_check_bytes(const char *s, char *why, size_t size, size_t *chars,
    int *plain, unsigned char *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, len, nc = 0;
	unsigned char first_bad = 0;

	*chars = 0;
	*plain = 1;
	*bad = 0;
	if (n == 0)
		return ident_say(IDENT_ERROR, why, size, "is empty");
	if (n > IDENT_MAX)
		return ident_say(IDENT_ERROR, why, size, "is %zu bytes long "
		    "(at most %d)", n, IDENT_MAX);
	/*
	 * Fast path for the run of [A-Za-z0-9_-] (every sane identifier is
	 * one); locals, not the out-parameters, so nothing aliases.
	 */
	while (i < n && ident_name_chars[p[i]])
		i++;
	nc = i;
	while (i < n) {
		unsigned char c = p[i];

		if (c > 0x20 && c < 0x7f) {
			/* Printable ASCII: the fast path for every sane ID. */
			if (first_bad == 0 && !ident_is_name_char(c))
				first_bad = c;
			i++;
			nc++;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return ident_say(IDENT_ERROR, why, size, "contains a "
			    "control character (byte %zu)", i + 1);
		if (c == ' ')
			return ident_say(IDENT_ERROR, why, size, "contains a "
			    "space (byte %zu)", i + 1);
		len = ident_utf8_len(p + i);
		if (len == 0)
			return ident_say(IDENT_ERROR, why, size, "is not valid "
			    "UTF-8 (byte %zu)", i + 1);
		if (first_bad == 0)
			first_bad = c;
		i += len;
		nc++;
	}
	*chars = nc;
	*plain = first_bad == 0;
	*bad = first_bad;
	return IDENT_OK;
}

/* The character to name in a warning: printable ASCII, or "non-ASCII". */
static const char *
ident_char_name(unsigned char c, char *buf, size_t size)
{
	if (c >= 0x80)
		snprintf(buf, size, "non-ASCII characters");
	else
		snprintf(buf, size, "'%c'", c);
	return buf;
}

static enum ident_verdict
ident_check_instance(const char *s, int plain, unsigned char bad,
    char *why, size_t size)
{
	const char *p;
	char cb[32];

	if (strncmp(s, "MQ_INST_", 8) == 0) {
		p = s + 8;
		if (*p < '0' || *p > '9')
			goto mq_shape;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p++ != '_' || *p == '\0')
			goto mq_shape;
		while (ident_is_alnum((unsigned char)*p))
			p++;
		if (*p != '\0')
			goto mq_shape;
		return ident_say(IDENT_OK, why, size, "%s", "");
	}
	/* 5.x instance IDs (rmq-cn-..., whatever the region): every
	 * request would fail, and the operator needs the other API. */
	if (strncasecmp(s, "rmq-", 4) == 0)
		return ident_say(IDENT_ERROR, why, size, "belongs to ApsaraMQ "
		    "for RocketMQ 5.x: OnsConsumerResetOffset serves 4.x "
		    "instances only; 5.x instances use a different API "
		    "(RocketMQ 2022-08-01, ResetConsumeOffset)");
	if (!plain)
		return ident_say(IDENT_WARNING, why, size, "is unusual: "
		    "contains %s", ident_char_name(bad, cb, sizeof cb));
	return ident_say(IDENT_WARNING, why, size, "is unusual: "
	    "expected MQ_INST_<digits>_<letters/digits>");
mq_shape:
	return ident_say(IDENT_WARNING, why, size, "is unusual: "
	    "expected MQ_INST_<digits>_<letters/digits>");
}

/* "%RETRY%..." and "%DLQ%..." name the service's retry and DLQ topics. */
static int
ident_is_retry_or_dlq(const char *s)
{
	return strncmp(s, "%RETRY%", 7) == 0 || strncmp(s, "%DLQ%", 5) == 0;
}

/*
 * The console's rules shared by group IDs and topics: letters, digits,
 * '-' and '_' only, and min_chars to IDENT_NAME_MAX characters.  Returns
 * IDENT_OK when both hold, else the warning written to why.
 */
static enum ident_verdict
ident_check_console_name(size_t chars, int plain, unsigned char bad,
    size_t min_chars, char *why, size_t size)
{
	char cb[32];

	if (!plain)
		return ident_say(IDENT_WARNING, why, size, "is unusual: "
		    "contains %s (the console allows letters, digits, '-' "
		    "and '_')", ident_char_name(bad, cb, sizeof cb));
	if (chars < min_chars || chars > IDENT_NAME_MAX)
		return ident_say(IDENT_WARNING, why, size, "is unusual: "
		    "%zu character%s long (the console allows %zu to %d)",
		    chars, chars == 1 ? "" : "s", min_chars, IDENT_NAME_MAX);
	return IDENT_OK;
}

static enum ident_verdict
ident_check_group(const char *s, size_t chars, int plain,
    unsigned char bad, char *why, size_t size)
{
	enum ident_verdict v;

	if (ident_is_retry_or_dlq(s))
		return ident_say(IDENT_WARNING, why, size, "looks like a "
		    "retry or dead-letter topic, not a group");
	v = ident_check_console_name(chars, plain, bad, 2, why, size);
	if (v != IDENT_OK)
		return v;
	if (strncmp(s, "GID_", 4) != 0 && strncmp(s, "GID-", 4) != 0)
		return ident_say(IDENT_WARNING, why, size, "is unusual: "
		    "does not start with GID_ or GID-");
	if (s[4] == '\0')
		return ident_say(IDENT_WARNING, why, size, "is unusual: "
		    "nothing follows the GID prefix");
	return ident_say(IDENT_OK, why, size, "%s", "");
}

static enum ident_verdict
ident_check_topic(const char *s, size_t chars, int plain,
    unsigned char bad, char *why, size_t size)
{
	enum ident_verdict v;

	if (ident_is_retry_or_dlq(s))
		return ident_say(IDENT_WARNING, why, size, "is a retry or "
		    "dead-letter topic; resets usually target the "
		    "original topic");
	v = ident_check_console_name(chars, plain, bad, 3, why, size);
	if (v != IDENT_OK)
		return v;
	if (strncmp(s, "GID", 3) == 0 || strncmp(s, "CID", 3) == 0)
		return ident_say(IDENT_WARNING, why, size, "starts with %.3s: "
		    "is it a group ID in the topic column?", s);
	return ident_say(IDENT_OK, why, size, "%s", "");
}

enum ident_verdict
ident_check(enum ident_kind kind, const char *s, char *why, size_t size)
{
	enum ident_verdict v;
	size_t chars;
	int plain;
	unsigned char bad;

	if (s == NULL)
		s = "";
	v = ident_check_bytes(s, why, size, &chars, &plain, &bad);
	if (v != IDENT_OK)
		return v;
	switch (kind) {
	case IDENT_INSTANCE:
		return ident_check_instance(s, plain, bad, why, size);
	case IDENT_GROUP:
		return ident_check_group(s, chars, plain, bad, why, size);
	case IDENT_TOPIC:
		return ident_check_topic(s, chars, plain, bad, why, size);
	}
	return ident_say(IDENT_ERROR, why, size, "unknown identifier kind");
}

const char *
ident_kind_name(enum ident_kind kind)
{
	switch (kind) {
	case IDENT_INSTANCE:
		return "instance ID";
	case IDENT_GROUP:
		return "group ID";
	case IDENT_TOPIC:
		return "topic";
	}
	return "identifier";
}
