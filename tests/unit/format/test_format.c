/*
 * test_format.c - output escaping: JSON stays valid UTF-8 whatever the
 * input bytes, text output never passes control bytes through, CSV quotes.
 */
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

BK_TEST_MAIN(
    BKT(test_format__json_escaping),
    BKT(test_format__json_nulls_and_keys),
    BKT(test_format__text_and_csv))
