/*
 * test_format.c - output escaping: JSON stays valid UTF-8 whatever the
 * input bytes, text output never passes control bytes through, CSV quotes.
 */
#include <stdint.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"

/* render - one record in @fmt into a malloc'd NUL-terminated string */
static char *
render(bk_format fmt, const bk_record *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	bk_format_header(fp, fmt);
	bk_format_record(fp, fmt, r, "t.eml");
	fclose(fp);
	return buf;
}

static void
test_format__json_escaping(void)
{
	static const struct {
		const char *name;
		const char *in;
		const char *want;   /* substring expected in the output */
	} rows[] = {
		{ "quote", "say \"hi\"", "\"diagnostic\":\"say \\\"hi\\\"\"" },
		{ "backslash", "a\\b", "\"a\\\\b\"" },
		{ "newline", "a\nb", "\"a\\nb\"" },
		{ "escape", "\x1b[31mred", "\"\\u001b[31mred\"" },
		{ "latin1", "caf\xe9", "\"caf\\ufffd\"" },
		{ "utf8", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "overlong", "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "del", "a\x7f", "\"a\\u007f\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_record r;
		char *out;

		memset(&r, 0, sizeof(r));
		r.kind = BK_KIND_BOUNCE;
		r.permanent = -1;
		r.diagnostic.ptr = rows[i].in;
		r.diagnostic.len = strlen(rows[i].in);
		out = render(BK_FORMAT_JSON, &r);
		if (strstr(out, rows[i].want) == NULL)
			BKT_FAIL("[%s] got %s, want it to contain %s",
			    rows[i].name, out, rows[i].want);
		if (!bkt_valid_utf8((const unsigned char *)out))
			BKT_FAIL("[%s] output is not valid UTF-8", rows[i].name);
		if (strchr(out, '\x1b') != NULL)
			BKT_FAIL("[%s] raw ESC in JSON", rows[i].name);
		free(out);
	}
}

/* json_ref - the JSON string the writer must give for @s (@n bytes, with
 * no byte >= 0x80), the definition */
static void
json_ref(char *o, const char *s, size_t n)
{
	size_t i;

	*o++ = '"';
	/* loop: one input byte per pass */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			memcpy(o, "\\n", 2);
			o += 2;
		} else if (c == '\t') {
			memcpy(o, "\\t", 2);
			o += 2;
		} else if (c == '\r') {
			memcpy(o, "\\r", 2);
			o += 2;
		} else if (c < 0x20 || c == 0x7f) {
			sprintf(o, "\\u%04x", c);
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
}

/*
 * Strings of every length from 1 to 40 with one byte that needs escaping at
 * every offset: the clean runs are copied 16 (or 8) bytes at a time, so
 * each split of a run is covered.  Each input is a heap copy of exactly
 * its length (a read past it is caught under ASan).
 */
static void
test_format__json_escaping_offsets(void)
{
	static const char special[] = { '"', '\\', '\n', 0x01, 0x1f, 0x7f,
	    '\t' };
	size_t len, at, k;

	/* loop: lengths, offsets, special bytes */
	for (len = 1; len <= 40; len++) {
		for (at = 0; at <= len; at++) {
			for (k = 0; k < sizeof(special); k++) {
				char *in = malloc(len), want[300], member[320];
				char *out;
				bk_record r;
				size_t i;

				for (i = 0; i < len; i++)
					in[i] = (char)('a' + i % 26);
				if (at < len)
					in[at] = special[k];
				json_ref(want, in, len);
				snprintf(member, sizeof(member),
				    ",\"diagnostic\":%s,", want);
				memset(&r, 0, sizeof(r));
				r.kind = BK_KIND_BOUNCE;
				r.permanent = -1;
				r.diagnostic.ptr = in;
				r.diagnostic.len = len;
				out = render(BK_FORMAT_JSON, &r);
				if (strstr(out, member) == NULL)
					BKT_FAIL("[len %zu at %zu byte %d] got %s, "
					    "want %s", len, at, special[k], out,
					    want);
				free(out);
				free(in);
			}
		}
	}
}

static void
test_format__json_nulls_and_keys(void)
{
	bk_record r;
	char *out;

	memset(&r, 0, sizeof(r));
	r.kind = BK_KIND_UNKNOWN;
	r.permanent = -1;
	out = render(BK_FORMAT_JSON, &r);
	BKT_CHECK(strncmp(out, "{\"format_version\":1,", 20) == 0);
	BKT_CHECK(strstr(out, "\"recipient\":null") != NULL);
	BKT_CHECK(strstr(out, "\"reply_code\":null") != NULL);
	BKT_CHECK(strstr(out, "\"permanent\":null") != NULL);
	BKT_CHECK(strstr(out, "\"kind\":\"unknown\"") != NULL);
	BKT_CHECK(out[strlen(out) - 1] == '\n');
	free(out);
}

static void
test_format__text_and_csv(void)
{
	bk_record r;
	char *out;

	memset(&r, 0, sizeof(r));
	r.kind = BK_KIND_BOUNCE;
	r.permanent = 1;
	r.recipient.ptr = "a@example.net";
	r.recipient.len = 13;
	r.diagnostic.ptr = "550 \x1b]0;pwned\x07 \"x\",y\r\nz";
	r.diagnostic.len = strlen(r.diagnostic.ptr);
	out = render(BK_FORMAT_TEXT, &r);
	BKT_CHECK(strchr(out, '\x1b') == NULL);
	BKT_CHECK(strchr(out, '\x07') == NULL);
	BKT_CHECK(strstr(out, "\\x1b]0;pwned\\x07") != NULL);
	free(out);
	out = render(BK_FORMAT_CSV, &r);
	BKT_CHECK(strncmp(out, "origin,kind,recipient,", 22) == 0);
	BKT_CHECK(strstr(out, "\"550  ]0;pwned  \"\"x\"\",y  z\"") != NULL);
	free(out);
}

/* reread - read @json back; the record, its origin, rc */
static int
reread(bk_record *r, bk_str *origin, const char *json, char **scratch)
{
	size_t len = strlen(json);

	*scratch = malloc(len + 1);
	if (*scratch == NULL)
		abort();
	return bk_format_read_json(r, origin, json, len, *scratch);
}

/*
 * A record written, read back and written again is the same text: every
 * member of the contract survives, including nulls, escapes, non-ASCII
 * text, the three states of permanent and the zone of the timestamp.
 */
static void
test_format__json_read_round_trip(void)
{
	static const char *const diags[] = {
		"550 5.1.1 <a@example.net>: user unknown",
		"say \"hi\" \\ \x1b[31m\x01 tab\there caf\xc3\xa9 \xf0\x9f\x93\xa7",
		NULL,
	};
	size_t i;

	for (i = 0; i < sizeof(diags) / sizeof(diags[0]); i++) {
		bk_record r, back;
		bk_str origin;
		char *first, *second, *scratch;
		int rc;

		memset(&r, 0, sizeof(r));
		r.kind = i == 2 ? BK_KIND_FEEDBACK : BK_KIND_BOUNCE;
		r.decoder = "rfc3464";
		r.recipient = i == 2 ? (bk_str){ NULL, 0 } :
		    (bk_str){ "a@example.net", 13 };
		r.status = (bk_str){ "5.1.1", 5 };
		r.reply_code = i == 1 ? 0 : 550;
		if (diags[i] != NULL)
			r.diagnostic = (bk_str){ diags[i], strlen(diags[i]) };
		r.has_timestamp = i != 2;
		r.timestamp = 1700000000;
		r.tz_offset = i == 0 ? 60 : -330;
		r.reason = BK_REASON_USERUNKNOWN;
		r.permanent = (int)i - 1;          /* -1, 0, 1 */
		r.hard = i == 0;
		r.cause = (bk_str){ "user.unknown", 12 };
		r.responsible = (bk_responsible)i;
		r.retry = (bk_retry)(i + 1);
		r.retry_after = i == 1 ? 600 : 0;
		r.confidence = 90;
		r.rule = (bk_str){ "r.x", 3 };
		r.feedback_type = i == 2 ? (bk_str){ "abuse", 5 } :
		    (bk_str){ NULL, 0 };
		first = render(BK_FORMAT_JSON, &r);
		first[strlen(first) - 1] = '\0';      /* the newline */
		rc = reread(&back, &origin, first, &scratch);
		BKT_EQ_INT("read", rc, 0);
		BKT_EQ_STR("origin", origin.ptr, origin.len, "t.eml");
		BKT_EQ_INT("kind", back.kind, r.kind);
		BKT_EQ_INT("permanent", back.permanent, r.permanent);
		BKT_EQ_INT("tz", back.tz_offset, r.has_timestamp ?
		    r.tz_offset : 0);
		BKT_EQ_INT("has timestamp", back.has_timestamp,
		    r.has_timestamp);
		second = render(BK_FORMAT_JSON, &back);
		second[strlen(second) - 1] = '\0';
		if (strcmp(first, second) != 0)
			BKT_FAIL("[%zu] round trip differs:\n%s\n%s", i, first,
			    second);
		free(second);
		free(scratch);
		free(first);
	}
}

/* a time past what RFC 3339 and the C library can write comes out as
 * its seconds, the same every time (the writer never reads an unset
 * broken-down time) */
static void
test_format__time_out_of_range(void)
{
	bk_record r;
	char *a, *b;

	memset(&r, 0, sizeof(r));
	r.kind = BK_KIND_BOUNCE;
	r.permanent = -1;
	r.has_timestamp = 1;
	r.timestamp = INT64_C(100000000000000000);
	a = render(BK_FORMAT_JSON, &r);
	b = render(BK_FORMAT_JSON, &r);
	BKT_CHECK(strstr(a, "\"timestamp\":\"@100000000000000000\"") !=
	    NULL);
	BKT_CHECK(strcmp(a, b) == 0);
	free(b);
	free(a);
	a = render(BK_FORMAT_CSV, &r);
	BKT_CHECK(strstr(a, ",\"@100000000000000000\",") != NULL);
	free(a);
}

/* what is not one JSON object of the contract is refused, whole */
static void
test_format__json_read_refuses(void)
{
	static const struct {
		const char *name, *in;
		int want;
	} rows[] = {
		{ "empty", "", BK_ESYNTAX },
		{ "array", "[]", BK_ESYNTAX },
		{ "open", "{", BK_ESYNTAX },
		{ "trailing comma", "{\"kind\":\"bounce\",}", BK_ESYNTAX },
		{ "garbage after", "{\"kind\":\"bounce\"} x", BK_ESYNTAX },
		{ "two objects", "{}{}", BK_ESYNTAX },
		{ "unknown kind", "{\"kind\":\"nope\"}", BK_ESYNTAX },
		{ "unknown reason", "{\"reason\":\"nope\"}", BK_ESYNTAX },
		{ "kind a number", "{\"kind\":1}", BK_ESYNTAX },
		{ "fraction", "{\"reply_code\":550.5}", BK_ESYNTAX },
		{ "too large", "{\"reply_code\":99999999999}", BK_ESYNTAX },
		{ "leading zero", "{\"reply_code\":0550}", BK_ESYNTAX },
		{ "raw control", "{\"subject\":\"a\x01\"}", BK_ESYNTAX },
		{ "not UTF-8", "{\"subject\":\"caf\xe9\"}", BK_ESYNTAX },
		{ "overlong", "{\"subject\":\"\xc0\xaf\"}", BK_ESYNTAX },
		{ "bad escape", "{\"subject\":\"\\x41\"}", BK_ESYNTAX },
		{ "short \\u", "{\"subject\":\"\\u12\"}", BK_ESYNTAX },
		{ "open string", "{\"subject\":\"abc", BK_ESYNTAX },
		{ "bool as string", "{\"hard\":\"true\"}", BK_ESYNTAX },
		{ "bare word", "{\"hard\":yes}", BK_ESYNTAX },
		{ "no colon", "{\"hard\" true}", BK_ESYNTAX },
		{ "year 10000", "{\"timestamp_unix\":253402300800}",
		    BK_ESYNTAX },
		{ "year 0", "{\"timestamp_unix\":-62135596801}", BK_ESYNTAX },
		{ "version 2", "{\"format_version\":2}", BK_EUNSUPPORTED },
		{ "deep unknown", "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", BK_ETOOBIG },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_record r;
		char *scratch;

		BKT_EQ_INT(rows[i].name, reread(&r, NULL, rows[i].in,
		    &scratch), rows[i].want);
		free(scratch);
	}
}

/* unknown members (later versions may add some) are skipped, nested
 * values too; escapes decode; a lone surrogate becomes U+FFFD */
static void
test_format__json_read_lenient(void)
{
	static const char in[] = " { \"future\" : {\"a\":[1,2.5e3,true,null,"
	    "\"]\"]}, \"kind\":\"delay\", \"subject\":\"\\u00e9\\ud83d\\udce7"
	    "\\ud800x\\/\\n\", \"hard\":true, \"permanent\":false,"
	    " \"timestamp_unix\":-5, \"responsible\":\"martian\" }\n";
	bk_record r;
	char *scratch;

	BKT_EQ_INT("read", reread(&r, NULL, in, &scratch), 0);
	BKT_EQ_INT("kind", r.kind, BK_KIND_DELAY);
	BKT_EQ_STR("subject", r.subject.ptr, r.subject.len,
	    "\xc3\xa9\xf0\x9f\x93\xa7\xef\xbf\xbdx/\n");
	BKT_EQ_INT("hard", r.hard, 1);
	BKT_EQ_INT("permanent", r.permanent, 0);
	BKT_EQ_INT("timestamp", r.timestamp, -5);
	BKT_EQ_INT("responsible unknown", r.responsible, BK_RESP_UNKNOWN);
	BKT_CHECK(r.recipient.ptr == NULL);
	free(scratch);
}

BK_TEST_MAIN(
    BKT(test_format__json_escaping),
    BKT(test_format__json_escaping_offsets),
    BKT(test_format__json_nulls_and_keys),
    BKT(test_format__text_and_csv),
    BKT(test_format__json_read_round_trip),
    BKT(test_format__json_read_refuses),
    BKT(test_format__json_read_lenient),
    BKT(test_format__time_out_of_range))
