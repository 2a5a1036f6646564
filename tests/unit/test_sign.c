/*
 * test_sign.c - params (list, form parsing) and sign (v1 and v3) with
 * known-answer vectors.
 *
 * Where the expected values come from:
 *  - DOC_*: the published example of Alibaba Cloud's "Request signature"
 *    page (mqreset-protocol(7), SIGNATURE V1): GET signature
 *    OLeaidS1JvxuMvnyHOwuJ+uX5qY= is published; the POST one was computed
 *    locally.
 *  - ONS_* and V3_*: computed by tests/tools/sign_vectors.py, an independent
 *    implementation in Python's standard library (urllib.parse.quote,
 *    hmac, hashlib, base64) that also reproduces the published example.
 *    ONS GET and V3 POST were cross-checked with the openssl CLI:
 *      printf '%s' "$STS" | openssl dgst -sha1 -hmac 'k3y/S3cret+With=Chars&' \
 *          -binary | base64
 *      printf 'ACS3-HMAC-SHA256\n<hash>' | openssl dgst -sha256 \
 *          -hmac 'k3y/S3cret+With=Chars'
 *  - Encoding rows: RFC 3986 by hand (UTF-8 bytes of U+4E3B are E4 B8 BB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cu.h"
#include "params.h"
#include "sign.h"

#define LIMIT (1u << 16)

/* ---- percent-encoding ------------------------------------------------- */

static const struct {
	const char *in;
	const char *out;
} enc_rows[] = {
	{ "", "" },
	{ "AZaz09-_.~", "AZaz09-_.~" },
	{ "*", "%2A" },
	{ "~", "~" },
	{ " ", "%20" },
	{ "+", "%2B" },
	{ "/", "%2F" },
	{ "=", "%3D" },
	{ "&", "%26" },
	{ "%", "%25" },
	{ ":", "%3A" },
	{ "!'()", "%21%27%28%29" },
	{ "\xc3\xa9", "%C3%A9" },             /* e-acute */
	{ "\xe4\xb8\xbb\xe9\xa2\x98", "%E4%B8%BB%E9%A2%98" }, /* U+4E3B U+9898 */
	{ "\x7f\x01", "%7F%01" },
	{ "a b+c", "a%20b%2Bc" },
};

static void
test_pct_encode(void)
{
	struct buf b;
	size_t i;

	for (i = 0; i < sizeof enc_rows / sizeof enc_rows[0]; i++) {
		buf_init(&b, LIMIT);
		CU_ASSERT_EQUAL(sign_pct_encode(&b, enc_rows[i].in,
		    strlen(enc_rows[i].in)), ERR_OK);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&b), enc_rows[i].out);
		buf_free(&b);
	}
	/* Every byte value, alone and in one long string (which crosses the
	 * encoder's internal chunks), against the RFC 3986 definition. */
	{
		char in[4 * 256], want[4 * 256 * 3 + 1], *w;
		size_t k;
		int c;

		w = want;
		for (k = 0; k < sizeof in; k++) {
			c = (int)(k % 256);
			in[k] = (char)c;
			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '.' || c == '~')
				*w++ = (char)c;
			else
				w += sprintf(w, "%%%02X", c);
		}
		*w = '\0';
		buf_init(&b, LIMIT);
		CU_ASSERT_EQUAL(sign_pct_encode(&b, in, sizeof in), ERR_OK);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&b), want);
		buf_free(&b);
	}
	/* The cap is honoured: 3 bytes out per byte in. */
	buf_init(&b, 5);
	CU_ASSERT_EQUAL(sign_pct_encode(&b, "**", 2), ERR_TOOBIG);
	buf_free(&b);
}

/* ---- params ----------------------------------------------------------- */

static void
test_params_basic(void)
{
	struct params p;

	params_init(&p);
	CU_ASSERT_EQUAL(params_add(&p, "b", "2"), ERR_OK);
	CU_ASSERT_EQUAL(params_add(&p, "a", "1"), ERR_OK);
	CU_ASSERT_EQUAL(params_add(&p, "b", "3"), ERR_OK);
	CU_ASSERT_EQUAL(params_add(&p, "Host", "h"), ERR_OK);
	CU_ASSERT_STRING_EQUAL(params_get(&p, "b"), "2");
	CU_ASSERT_PTR_NULL(params_get(&p, "host"));
	CU_ASSERT_STRING_EQUAL(params_get_ci(&p, "host"), "h");
	CU_ASSERT_EQUAL(params_set(&p, "a", "9"), ERR_OK);
	CU_ASSERT_STRING_EQUAL(params_get(&p, "a"), "9");
	CU_ASSERT_EQUAL(params_set(&p, "c", ""), ERR_OK);
	CU_ASSERT_STRING_EQUAL(params_get(&p, "c"), "");
	params_sort(&p);
	CU_ASSERT_EQUAL(p.n, 5);
	CU_ASSERT_STRING_EQUAL(p.items[0].name, "Host");
	CU_ASSERT_STRING_EQUAL(p.items[1].name, "a");
	/* Stable: the two "b" keep their order. */
	CU_ASSERT_STRING_EQUAL(p.items[2].value, "2");
	CU_ASSERT_STRING_EQUAL(p.items[3].value, "3");
	CU_ASSERT_EQUAL(params_remove(&p, "b"), 2);
	CU_ASSERT_EQUAL(p.n, 3);
	CU_ASSERT_PTR_NULL(params_get(&p, "b"));
	params_free(&p);
	params_free(&p);
	CU_ASSERT_EQUAL(p.n, 0);
}

static const struct {
	const char *in;
	err_code rc;
	const char *out; /* "name=value|..." of the parsed pairs */
} form_rows[] = {
	{ "", ERR_OK, "" },
	{ "a=1&b=2", ERR_OK, "a=1|b=2|" },
	{ "a=1&&b=&c", ERR_OK, "a=1|b=|c=|" },
	{ "x=a+b%20c%2B%2a", ERR_OK, "x=a b c+*|" },
	{ "T%C3%A9=%E4%B8%BB&", ERR_OK, "T\xc3\xa9=\xe4\xb8\xbb|" },
	{ "k=v=w", ERR_OK, "k=v=w|" },
	{ "a=%", ERR_PARSE, NULL },
	{ "a=%4", ERR_PARSE, NULL },
	{ "a=%zz", ERR_PARSE, NULL },
	{ "a%=1", ERR_PARSE, NULL },
	{ "a=%00", ERR_PARSE, NULL },
};

static void
test_params_form(void)
{
	struct params p;
	struct buf b;
	struct err e;
	size_t i, j;
	err_code rc;

	for (i = 0; i < sizeof form_rows / sizeof form_rows[0]; i++) {
		params_init(&p);
		err_clear(&e);
		rc = params_parse_form(&p, form_rows[i].in,
		    strlen(form_rows[i].in), &e);
		CU_ASSERT_EQUAL(rc, form_rows[i].rc);
		if (rc == ERR_OK && form_rows[i].out != NULL) {
			buf_init(&b, LIMIT);
			for (j = 0; j < p.n; j++)
				buf_printf(&b, "%s=%s|", p.items[j].name,
				    p.items[j].value);
			CU_ASSERT_STRING_EQUAL(buf_cstr(&b),
			    form_rows[i].out);
			buf_free(&b);
		} else if (rc != ERR_OK) {
			CU_ASSERT_NOT_EQUAL(e.msg[0], '\0');
		}
		params_free(&p);
	}
	/* Length, not NUL, bounds the input. */
	params_init(&p);
	CU_ASSERT_EQUAL(params_parse_form(&p, "a=1&b=2", 3, NULL), ERR_OK);
	CU_ASSERT_EQUAL(p.n, 1);
	params_free(&p);
}

/* ---- v1 --------------------------------------------------------------- */

struct kv {
	const char *k, *v;
};

static void
load(struct params *p, const struct kv *kv)
{
	for (; kv->k != NULL; kv++)
		CU_ASSERT_EQUAL_FATAL(params_add(p, kv->k, kv->v), ERR_OK);
}

/* Deliberately unsorted: canonicalisation must sort. */
static const struct kv doc_params[] = {
	{ "Version", "2014-05-26" },
	{ "Timestamp", "2016-02-23T12:46:24Z" },
	{ "AccessKeyId", "testid" },
	{ "Action", "DescribeRegions" },
	{ "Format", "XML" },
	{ "SignatureMethod", "HMAC-SHA1" },
	{ "SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf" },
	{ "SignatureVersion", "1.0" },
	{ "Signature", "ignored-when-signing" },
	{ NULL, NULL },
};

#define DOC_STS_TAIL "&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions" \
	"%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D" \
	"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26" \
	"Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"

static void
test_v1_doc(void)
{
	struct params p;
	struct buf cq, sts;
	char sig[SIGN_V1_LEN];

	params_init(&p);
	load(&p, doc_params);
	buf_init(&cq, LIMIT);
	CU_ASSERT_EQUAL(sign_v1_canonical(&p, &cq), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&cq), "AccessKeyId=testid&Action="
	    "DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&"
	    "SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&"
	    "SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&"
	    "Version=2014-05-26");
	/* The list itself is not reordered. */
	CU_ASSERT_STRING_EQUAL(p.items[0].name, "Version");

	buf_init(&sts, LIMIT);
	CU_ASSERT_EQUAL(sign_v1_string_to_sign("GET", &p, &sts), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&sts), "GET" DOC_STS_TAIL);
	CU_ASSERT_EQUAL(sign_v1_signature("testsecret", buf_cstr(&sts), sig),
	    ERR_OK);
	CU_ASSERT_STRING_EQUAL(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");

	buf_reset(&sts);
	CU_ASSERT_EQUAL(sign_v1_string_to_sign("POST", &p, &sts), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&sts), "POST" DOC_STS_TAIL);
	CU_ASSERT_EQUAL(sign_v1_signature("testsecret", buf_cstr(&sts), sig),
	    ERR_OK);
	CU_ASSERT_STRING_EQUAL(sig, "MxbnVAM4w6sft9xjVpe/GCKueuk=");
	/* From the canonical string: the same text, for both methods. */
	buf_reset(&sts);
	CU_ASSERT_EQUAL(sign_v1_string_to_sign_canonical("POST", buf_cstr(&cq),
	    cq.len, &sts), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&sts), "POST" DOC_STS_TAIL);
	buf_reset(&sts);
	CU_ASSERT_EQUAL(sign_v1_string_to_sign_canonical("GET", buf_cstr(&cq),
	    cq.len, &sts), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&sts), "GET" DOC_STS_TAIL);
	buf_free(&cq);
	buf_free(&sts);
	params_free(&p);
}

#define ONS_SECRET "k3y/S3cret+With=Chars"
#define ONS_TOKEN "CAIS+gF1q6Ft5B2yfSjIr5b/Ml3w/X==~tok en"
#define ONS_TOPIC_ENC "a*b~c d+e/f\xe4\xb8\xbb\xe9\xa2\x98\xc3\xa9"

/* Table: one OnsConsumerResetOffset request per row. */
static const struct {
	const char *name;
	const char *method;
	const char *key_id;
	const char *token;     /* SecurityToken, or NULL */
	const char *type;
	const char *reset_ts;  /* NULL: not sent (Type 0) */
	const char *topic;
	const char *canonical; /* NULL: not checked */
	const char *sig;
} ons_rows[] = {
	{ "ons GET", "GET", "LTAI5tMqresetTest0001", NULL, "1",
	  "1764115200000", "orders",
	  "AccessKeyId=LTAI5tMqresetTest0001&Action=OnsConsumerResetOffset&"
	  "Format=JSON&GroupId=GID_orders&InstanceId=MQ_INST_1234567890_BXyz&"
	  "ResetTimestamp=1764115200000&SignatureMethod=HMAC-SHA1&"
	  "SignatureNonce=0123456789abcdef0123456789abcdef&"
	  "SignatureVersion=1.0&Timestamp=2026-11-26T03%3A40%3A00Z&"
	  "Topic=orders&Type=1&Version=2019-02-14",
	  "cmeTn8PZZh9lwJbOwihIjA2QeH4=" },
	{ "ons POST", "POST", "LTAI5tMqresetTest0001", NULL, "1",
	  "1764115200000", "orders", NULL, "7F1m8tDTo+AkcPFFLnIGEyZWMAs=" },
	{ "ons STS GET", "GET", "STS.NUx8sJmEuq3bQ", ONS_TOKEN, "0", NULL,
	  "orders",
	  "AccessKeyId=STS.NUx8sJmEuq3bQ&Action=OnsConsumerResetOffset&"
	  "Format=JSON&GroupId=GID_orders&InstanceId=MQ_INST_1234567890_BXyz&"
	  "SecurityToken=CAIS%2BgF1q6Ft5B2yfSjIr5b%2FMl3w%2FX%3D%3D~tok%20en&"
	  "SignatureMethod=HMAC-SHA1&"
	  "SignatureNonce=0123456789abcdef0123456789abcdef&"
	  "SignatureVersion=1.0&Timestamp=2026-11-26T03%3A40%3A00Z&"
	  "Topic=orders&Type=0&Version=2019-02-14",
	  "eeB6TjYDNKxMa3bE5dflLcErB1g=" },
	{ "ons STS POST", "POST", "STS.NUx8sJmEuq3bQ", ONS_TOKEN, "0", NULL,
	  "orders", NULL, "byMnh0vQjhz2zXCOpveUG65ZSWc=" },
	{ "ons encoding POST", "POST", "LTAI5tMqresetTest0001", NULL, "1",
	  "1764115200000", ONS_TOPIC_ENC,
	  "AccessKeyId=LTAI5tMqresetTest0001&Action=OnsConsumerResetOffset&"
	  "Format=JSON&GroupId=GID_orders&InstanceId=MQ_INST_1234567890_BXyz&"
	  "ResetTimestamp=1764115200000&SignatureMethod=HMAC-SHA1&"
	  "SignatureNonce=0123456789abcdef0123456789abcdef&"
	  "SignatureVersion=1.0&Timestamp=2026-11-26T03%3A40%3A00Z&"
	  "Topic=a%2Ab~c%20d%2Be%2Ff%E4%B8%BB%E9%A2%98%C3%A9&Type=1&"
	  "Version=2019-02-14",
	  "nq3Y6MxQDbngLP9Po/3NdI6PpZw=" },
};

static void
test_v1_ons(void)
{
	struct params p;
	struct buf cq, sts, sts2;
	char sig[SIGN_V1_LEN];
	size_t i;

	for (i = 0; i < sizeof ons_rows / sizeof ons_rows[0]; i++) {
		params_init(&p);
		params_add(&p, "Topic", ons_rows[i].topic);
		params_add(&p, "Action", "OnsConsumerResetOffset");
		params_add(&p, "Version", "2019-02-14");
		params_add(&p, "Format", "JSON");
		params_add(&p, "AccessKeyId", ons_rows[i].key_id);
		params_add(&p, "SignatureMethod", "HMAC-SHA1");
		params_add(&p, "SignatureVersion", "1.0");
		params_add(&p, "SignatureNonce",
		    "0123456789abcdef0123456789abcdef");
		params_add(&p, "Timestamp", "2026-11-26T03:40:00Z");
		params_add(&p, "InstanceId", "MQ_INST_1234567890_BXyz");
		params_add(&p, "GroupId", "GID_orders");
		params_add(&p, "Type", ons_rows[i].type);
		if (ons_rows[i].reset_ts != NULL)
			params_add(&p, "ResetTimestamp", ons_rows[i].reset_ts);
		if (ons_rows[i].token != NULL)
			params_add(&p, "SecurityToken", ons_rows[i].token);
		buf_init(&cq, LIMIT);
		buf_init(&sts, LIMIT);
		CU_ASSERT_EQUAL(sign_v1_canonical(&p, &cq), ERR_OK);
		if (ons_rows[i].canonical != NULL)
			CU_ASSERT_STRING_EQUAL(buf_cstr(&cq),
			    ons_rows[i].canonical);
		CU_ASSERT_EQUAL(sign_v1_string_to_sign(ons_rows[i].method, &p,
		    &sts), ERR_OK);
		CU_ASSERT_EQUAL(sign_v1_signature(ONS_SECRET, buf_cstr(&sts),
		    sig), ERR_OK);
		if (strcmp(sig, ons_rows[i].sig) != 0)
			fprintf(stderr, "%s: got %s want %s\n",
			    ons_rows[i].name, sig, ons_rows[i].sig);
		CU_ASSERT_STRING_EQUAL(sig, ons_rows[i].sig);
		/* A wrong secret gives another signature. */
		CU_ASSERT_EQUAL(sign_v1_signature("k3y/S3cret+With=Charz",
		    buf_cstr(&sts), sig), ERR_OK);
		CU_ASSERT_STRING_NOT_EQUAL(sig, ons_rows[i].sig);
		/* The client's path (canonical first) gives the same text. */
		buf_init(&sts2, LIMIT);
		CU_ASSERT_EQUAL(sign_v1_string_to_sign_canonical(
		    ons_rows[i].method, buf_cstr(&cq), cq.len, &sts2), ERR_OK);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&sts2), buf_cstr(&sts));
		buf_free(&sts2);
		buf_free(&cq);
		buf_free(&sts);
		params_free(&p);
	}
}

/* ---- v3 --------------------------------------------------------------- */

#define V3_EMPTY_SHA \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define V3_QUERY "GroupId=GID_orders&InstanceId=MQ_INST_1234567890_BXyz&" \
	"ResetTimestamp=1764115200000&Topic=a%2Ab~c%20d%2Be%2Ff%C3%A9&Type=1"

static const struct {
	const char *method;
	const char *token;     /* x-acs-security-token (padded), or NULL */
	const char *canonical;
	const char *sts;
	const char *sig;
	const char *signed_headers;
} v3_rows[] = {
	{ "POST", NULL,
	  "POST\n/\n" V3_QUERY "\n"
	  "host:ons.cn-hangzhou.aliyuncs.com\n"
	  "x-acs-action:OnsConsumerResetOffset\n"
	  "x-acs-content-sha256:" V3_EMPTY_SHA "\n"
	  "x-acs-date:2026-11-26T03:40:00Z\n"
	  "x-acs-signature-nonce:0123456789abcdef0123456789abcdef\n"
	  "x-acs-version:2019-02-14\n\n"
	  "host;x-acs-action;x-acs-content-sha256;x-acs-date;"
	  "x-acs-signature-nonce;x-acs-version\n" V3_EMPTY_SHA,
	  "ACS3-HMAC-SHA256\n"
	  "689ede250e650077d52097108863fd0ab4f964fd3117dd0cd8e3aa9a8c457231",
	  "b44d4672dc94998a709dc34a776cf65e72074280a607b5480228fb21e1c05373",
	  "host;x-acs-action;x-acs-content-sha256;x-acs-date;"
	  "x-acs-signature-nonce;x-acs-version" },
	{ "GET", "  CAIS+gF1q6Ft5B2y/tok  ",
	  "GET\n/\n" V3_QUERY "\n"
	  "host:ons.cn-hangzhou.aliyuncs.com\n"
	  "x-acs-action:OnsConsumerResetOffset\n"
	  "x-acs-content-sha256:" V3_EMPTY_SHA "\n"
	  "x-acs-date:2026-11-26T03:40:00Z\n"
	  "x-acs-security-token:CAIS+gF1q6Ft5B2y/tok\n"
	  "x-acs-signature-nonce:0123456789abcdef0123456789abcdef\n"
	  "x-acs-version:2019-02-14\n\n"
	  "host;x-acs-action;x-acs-content-sha256;x-acs-date;"
	  "x-acs-security-token;x-acs-signature-nonce;x-acs-version\n"
	  V3_EMPTY_SHA,
	  "ACS3-HMAC-SHA256\n"
	  "1134a9302062e8aaf78c2c10083590ebb9902b18b5acb958d8329f39dabb4f65",
	  "9ac6dcff0b4f5d28ae58eca5cbf6e1df44c8b70233514cf01354f5b0293432ca",
	  "host;x-acs-action;x-acs-content-sha256;x-acs-date;"
	  "x-acs-security-token;x-acs-signature-nonce;x-acs-version" },
};

static void
test_v3(void)
{
	struct params q, h;
	struct sign_v3_input in;
	struct buf cr, sh, sts;
	char hash[SIGN_HEX_LEN], sig[SIGN_HEX_LEN];
	size_t i;

	sign_sha256_hex("", 0, hash);
	CU_ASSERT_STRING_EQUAL(hash, V3_EMPTY_SHA);
	for (i = 0; i < sizeof v3_rows / sizeof v3_rows[0]; i++) {
		params_init(&q);
		params_init(&h);
		params_add(&q, "Type", "1");
		params_add(&q, "Topic", "a*b~c d+e/f\xc3\xa9");
		params_add(&q, "ResetTimestamp", "1764115200000");
		params_add(&q, "InstanceId", "MQ_INST_1234567890_BXyz");
		params_add(&q, "GroupId", "GID_orders");
		/* Mixed case: names are lowercased before signing. */
		params_add(&h, "X-Acs-Version", "2019-02-14");
		params_add(&h, "x-acs-action", "OnsConsumerResetOffset");
		params_add(&h, "Host", "ons.cn-hangzhou.aliyuncs.com");
		params_add(&h, "x-acs-date", "2026-11-26T03:40:00Z");
		params_add(&h, "x-acs-signature-nonce",
		    "0123456789abcdef0123456789abcdef");
		params_add(&h, "x-acs-content-sha256", hash);
		if (v3_rows[i].token != NULL)
			params_add(&h, "X-Acs-Security-Token", v3_rows[i].token);
		in.method = v3_rows[i].method;
		in.uri = "/";
		in.query = &q;
		in.headers = &h;
		in.payload_sha256 = hash;
		buf_init(&cr, LIMIT);
		buf_init(&sh, LIMIT);
		buf_init(&sts, LIMIT);
		CU_ASSERT_EQUAL(sign_v3_canonical_request(&in, &cr, &sh),
		    ERR_OK);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&cr), v3_rows[i].canonical);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&sh), v3_rows[i].signed_headers);
		CU_ASSERT_EQUAL(sign_v3_string_to_sign(buf_cstr(&cr), &sts),
		    ERR_OK);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&sts), v3_rows[i].sts);
		CU_ASSERT_EQUAL(sign_v3_signature(ONS_SECRET, buf_cstr(&sts),
		    sig), ERR_OK);
		CU_ASSERT_STRING_EQUAL(sig, v3_rows[i].sig);
		buf_free(&cr);
		buf_free(&sh);
		buf_free(&sts);
		params_free(&q);
		params_free(&h);
	}
}

/* ---- helpers ---------------------------------------------------------- */

static const struct {
	int64_t ms;
	const char *ts;
} ts_rows[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ 1456231584999, "2016-02-23T12:46:24Z" }, /* ms are dropped */
	{ 1764128400000, "2025-11-26T03:40:00Z" },
	{ -1, "1969-12-31T23:59:59Z" },
	{ 951782400000, "2000-02-29T00:00:00Z" },           /* leap day */
	{ 253402300799999, "9999-12-31T23:59:59Z" },        /* last that fits */
	{ 253402300800000, "" },                            /* year 10000 */
	{ -62167219200000, "0000-01-01T00:00:00Z" },        /* first that fits */
	{ -62167219201000, "" },                            /* year -1 */
};

static void
test_helpers(void)
{
	char ts[SIGN_TIMESTAMP_LEN], n1[SIGN_NONCE_LEN], n2[SIGN_NONCE_LEN];
	size_t i;

	for (i = 0; i < sizeof ts_rows / sizeof ts_rows[0]; i++) {
		sign_timestamp(ts_rows[i].ms, ts);
		CU_ASSERT_STRING_EQUAL(ts, ts_rows[i].ts);
	}
	CU_ASSERT_EQUAL(sign_nonce(n1), ERR_OK);
	CU_ASSERT_EQUAL(sign_nonce(n2), ERR_OK);
	CU_ASSERT_EQUAL(strlen(n1), 32);
	CU_ASSERT_EQUAL(strspn(n1, "0123456789abcdef"), 32);
	CU_ASSERT_STRING_NOT_EQUAL(n1, n2);
	CU_ASSERT_TRUE(sign_equal("abc", "abc"));
	CU_ASSERT_FALSE(sign_equal("abc", "abd"));
	CU_ASSERT_FALSE(sign_equal("abc", "abcd"));
	CU_ASSERT_TRUE(sign_equal("", ""));
}

/*
 * Canonical strings longer than the encoder's internal chunk (an STS token
 * alone is about a kilobyte): the joined, sorted, encoded text equals the
 * pieces encoded one by one, and both ways to the string to sign agree.
 */
static void
test_v1_long(void)
{
	static const char alphabet[] = "aZ09-_.~ /+=&%*\xc3\xa9";
	struct params p;
	struct buf want, cq, sts, sts2;
	char *big;
	size_t i, n;

	n = 5000;
	big = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (i = 0; i < n; i++)
		big[i] = alphabet[(i * 7) % (sizeof alphabet - 1)];
	big[n] = '\0';
	params_init(&p);
	params_add(&p, "Zeta", "last");
	params_add(&p, "SecurityToken", big);
	params_add(&p, "Signature", "not signed");
	params_add(&p, "Action", "OnsConsumerResetOffset");
	buf_init(&want, LIMIT);
	buf_init(&cq, LIMIT);
	buf_init(&sts, LIMIT);
	buf_init(&sts2, LIMIT);
	buf_puts(&want, "Action=OnsConsumerResetOffset&SecurityToken=");
	sign_pct_encode(&want, big, n);
	buf_puts(&want, "&Zeta=last");
	CU_ASSERT_EQUAL(sign_v1_canonical(&p, &cq), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&cq), buf_cstr(&want));
	CU_ASSERT_EQUAL(sign_v1_string_to_sign("POST", &p, &sts), ERR_OK);
	CU_ASSERT_EQUAL(sign_v1_string_to_sign_canonical("POST", buf_cstr(&cq),
	    cq.len, &sts2), ERR_OK);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&sts), buf_cstr(&sts2));
	/* The cap is honoured across chunks too. */
	buf_free(&cq);
	buf_init(&cq, 1000);
	CU_ASSERT_EQUAL(sign_v1_canonical(&p, &cq), ERR_TOOBIG);
	buf_free(&want);
	buf_free(&cq);
	buf_free(&sts);
	buf_free(&sts2);
	params_free(&p);
	free(big);
}

static CU_TestInfo sign_tests[] = {
	{ "percent-encoding table", test_pct_encode },
	{ "params list", test_params_basic },
	{ "params form parsing table", test_params_form },
	{ "v1 published example GET/POST", test_v1_doc },
	{ "v1 OnsConsumerResetOffset vectors", test_v1_ons },
	{ "v1 canonical strings longer than a chunk", test_v1_long },
	{ "v3 vectors", test_v3 },
	{ "timestamp, nonce, equal", test_helpers },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "sign", NULL, NULL, NULL, NULL, sign_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return cu_main("test_sign", suites);
}
