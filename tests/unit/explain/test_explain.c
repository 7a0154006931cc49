/*
 * test_explain.c - explanations: structure, width, and hostile text
 * (empty, 1 MB, binary, invalid UTF-8, terminal escape sequences) that
 * must never reach the output raw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bktest.h"
#include "bouncekit/classify.h"
#include "bouncekit/errors.h"
#include "bouncekit/explain.h"
#include "bouncekit/limits.h"

static bk_classifier *
builtin(void)
{
	static bk_classifier *cls;
	char *err = NULL;

	if (cls == NULL && bk_classifier_new(&cls, NULL, &err) != 0) {
		fprintf(stderr, "built-in rules: %s\n", err ? err : "?");
		exit(1);
	}
	return cls;
}

/* render_w - the explanation of @line (host optional) at @width */
static char *
render_w(const char *line, size_t len, const char *host, unsigned flags,
    int width, size_t *outlen)
{
	bk_classifier *cls = builtin();
	bk_record rec;
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	if (fp == NULL)
		return NULL;
	if (bk_classify_reply(cls, &rec, line, len) == 0) {
		if (host != NULL) {
			rec.remote_mta.ptr = host;
			rec.remote_mta.len = strlen(host);
			(void)bk_classify(cls, &rec);
		}
		if (bk_explain_format(fp, cls, &rec, flags, width) != 0)
			BKT_FAIL("bk_explain_format failed");
	}
	fclose(fp);
	*outlen = n;
	return buf;
}

/* render - render_w() at 80 columns */
static char *
render(const char *line, size_t len, const char *host, unsigned flags,
    size_t *outlen)
{
	return render_w(line, len, host, flags, 80, outlen);
}

/*
 * explained - @line classified as a record for y@example.net, changed by
 * @adjust (may be NULL) and classified again, explained at @width
 * columns; the text (free() it) or NULL
 */
static char *
explained(const char *line, void (*adjust)(bk_record *), int width,
    bk_record *rec)
{
	bk_classifier *cls = builtin();
	char *buf = NULL;
	size_t n = 0;
	FILE *fp;

	if (bk_classify_reply(cls, rec, line, strlen(line)) != 0) {
		BKT_FAIL("classify");
		return NULL;
	}
	rec->recipient.ptr = "y@example.net";
	rec->recipient.len = strlen(rec->recipient.ptr);
	if (adjust != NULL)
		adjust(rec);
	(void)bk_classify(cls, rec);
	fp = open_memstream(&buf, &n);
	if (fp == NULL)
		return NULL;
	if (bk_explain_format(fp, cls, rec, 0, width) != 0)
		BKT_FAIL("bk_explain_format failed");
	fclose(fp);
	return buf;
}

/* other - the notice gave the record up with another's refusal */
static void
other(bk_record *rec)
{
	rec->other_reply = 1;
}

/* challenged - a challenge-response filter's answer */
static void
challenged(bk_record *rec)
{
	rec->kind = BK_KIND_AUTOREPLY;
	rec->decoder = "challenge";
}

/* test_explain__other_reply - a recipient the notice gave up with
 * another's refusal: not "refused", and the move is the sender's */
static void
test_explain__other_reply(void)
{
	bk_record rec;
	char *buf = explained("550 5.1.1 <x@example.net>: User unknown", other,
	    80, &rec);

	BKT_CHECK(buf != NULL && strstr(buf, "y@example.net given up with "
	    "the rest") != NULL);
	BKT_CHECK(buf != NULL && strstr(buf, "refused by") == NULL);
	BKT_CHECK(buf != NULL && strstr(buf, "your move") != NULL);
	BKT_CHECK(buf != NULL && strstr(buf, "[delivery.abandoned]") != NULL);
	free(buf);
}


/* test_explain__challenge - a challenge-response filter's answer: held
 * until answered, the sender's move, no retry, never "refused" */
static void
test_explain__challenge(void)
{
	bk_record rec;
	char *buf = explained("Reply to this message to be verified.",
	    challenged, 200, &rec);

	BKT_EQ_STR("cause", rec.cause.ptr, rec.cause.len,
	    "delivery.challenge");
	BKT_EQ_INT("reason", (int)rec.reason, (int)BK_REASON_ONHOLD);
	BKT_CHECK(buf != NULL && strstr(buf, "y@example.net not delivered "
	    "until its challenge") != NULL);
	BKT_CHECK(buf != NULL && strstr(buf, "refused") == NULL);
	BKT_CHECK(buf != NULL && strstr(buf, "Do not retry") != NULL);
	free(buf);
}

/* clean - no control byte but \n, no ESC, valid UTF-8 */
static int
clean(const char *p, size_t n, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k, m;

	while (i < n) {
		if (u[i] < 0x80) {
			if ((u[i] < 0x20 && u[i] != '\n') || u[i] == 0x7f) {
				*bad = i;
				return 0;
			}
			i++;
			continue;
		}
		m = u[i] >= 0xf0 ? 4 : u[i] >= 0xe0 ? 3 : u[i] >= 0xc2 ? 2 : 0;
		if (m == 0 || i + m > n) {
			*bad = i;
			return 0;
		}
		for (k = 1; k < m; k++)
			if ((u[i + k] & 0xc0) != 0x80) {
				*bad = i;
				return 0;
			}
		i += m;
	}
	return 1;
}

/* max_line - longest line, in bytes */
static size_t
max_line(const char *p, size_t n)
{
	size_t i, cur = 0, best = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			cur = 0;
			continue;
		}
		if (++cur > best)
			best = cur;
	}
	return best;
}

/* test_explain__hostile - untrusted bytes never reach the output raw */
static void
test_explain__hostile(void)
{
	static const char *const lines[] = {
		"550 5.1.1 \x1b[2J\x1b]0;owned\x07 user unknown",
		"550 5.7.1 \xff\xfe\xc0\x80 blocked \xed\xa0\x80 \xc2\x9b""31m",
		"554 \r\n\t\x01\x02\x7f zen.spamhaus.org \x1bP+q\x1b\\",
	};
	size_t big = BK_LIMIT_LINE_BYTES + 4096, i, n, bad = 0;
	unsigned f;
	char *buf, *out;

	buf = malloc(big);
	BKT_CHECK(buf != NULL);
	if (buf == NULL)
		return;
	for (f = 0; f < 2; f++) {
		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			out = render(lines[i], strlen(lines[i]),
			    "mx.\x1b[31mevil.example", f ? BK_EXPLAIN_JSON : 0,
			    &n);
			BKT_CHECK(out != NULL && n > 0);
			if (out != NULL && !clean(out, n, &bad))
				BKT_FAIL("line %zu (%s): raw byte 0x%02x at %zu",
				    i, f ? "json" : "text",
				    (unsigned char)out[bad], bad);
			if (out != NULL && f == 0 && max_line(out, n) > 300)
				BKT_FAIL("line %zu: a line of %zu bytes", i,
				    max_line(out, n));
			free(out);
		}
		/* 1 MB of binary after a reply code */
		for (i = 0; i < big; i++)
			buf[i] = (char)(i * 7 + 3);
		memcpy(buf, "550 ", 4);
		out = render(buf, big, NULL, f ? BK_EXPLAIN_JSON : 0, &n);
		BKT_CHECK(out != NULL);
		if (out != NULL && !clean(out, n, &bad))
			BKT_FAIL("binary (%s): raw byte at %zu", f ? "json" :
			    "text", bad);
		/* text quotes a bounded excerpt; JSON carries the text */
		if (out != NULL && f == 0)
			BKT_CHECK(n < 64 * 1024);
		free(out);
	}
	free(buf);
}

/* test_explain__sections - the text has its parts, JSON its keys */
static void
test_explain__sections(void)
{
	static const char *const want_text[] = { "What it means", "Evidence",
		"Likely causes", "What to check", "How to fix", "Retry",
		"Links", NULL };
	static const char *const want_json[] = { "\"cause\":{\"id\":",
		"\"likely_causes\":[{\"rank\":1", "\"fixes\":[",
		"\"whose_move\":", "\"retry_after\":", NULL };
	const char *line = "550 5.7.26 Unauthenticated email from example.com "
	    "is not accepted due to domain's DMARC policy";
	size_t i, n;
	char *out;

	out = render(line, strlen(line), "gmail-smtp-in.l.google.com", 0, &n);
	BKT_CHECK(out != NULL);
	for (i = 0; out != NULL && want_text[i] != NULL; i++)
		if (strstr(out, want_text[i]) == NULL)
			BKT_FAIL("text lacks \"%s\"", want_text[i]);
	if (out != NULL && max_line(out, n) > 80)
		BKT_FAIL("text is wider than 80 columns (%zu)",
		    max_line(out, n));
	free(out);
	out = render(line, strlen(line), "gmail-smtp-in.l.google.com",
	    BK_EXPLAIN_JSON, &n);
	BKT_CHECK(out != NULL);
	for (i = 0; out != NULL && want_json[i] != NULL; i++)
		if (strstr(out, want_json[i]) == NULL)
			BKT_FAIL("json lacks %s", want_json[i]);
	if (out != NULL)
		BKT_CHECK(n > 0 && out[n - 1] == '\n' &&
		    memchr(out, '\n', n) == out + n - 1);
	free(out);
	BKT_EQ_INT("null record", bk_explain_format(stdout, builtin(), NULL,
	    0, 80), BK_EINVAL);
}

/* test_wide - two columns: CJK, Hangul, fullwidth forms, emoji */
static int
test_wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) ||
	    (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd);
}

/*
 * widest - the widest line in display columns (an independent count:
 * ASCII 1, a wide code point 2, any other code point 1); *split is set
 * when an escape "\xNN" is cut by a line end.
 */
static size_t
widest(const char *p, size_t n, int *split)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, cur = 0, best = 0, m, k;
	unsigned cp;

	*split = 0;
	while (i < n) {
		if (u[i] == '\n') {
			cur = 0;
			i++;
			continue;
		}
		if (u[i] == '\\' && i + 1 < n && u[i + 1] == 'x' &&
		    (i + 3 >= n || u[i + 2] == '\n' || u[i + 3] == '\n'))
			*split = 1;
		m = u[i] >= 0xf0 ? 4 : u[i] >= 0xe0 ? 3 : u[i] >= 0xc0 ? 2 : 1;
		if (i + m > n)
			m = 1;
		cp = m == 1 ? u[i] : u[i] & (0x7fu >> m);
		for (k = 1; k < m; k++)
			cp = cp << 6 | (u[i + k] & 0x3fu);
		cur += test_wide(cp) ? 2 : 1;
		if (cur > best)
			best = cur;
		i += m;
	}
	return best;
}

/* squeezed - @s without white space, into @out */
static void
squeezed(char *out, size_t cap, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < cap; i++)
		if (s[i] != ' ' && s[i] != '\n')
			out[o++] = s[i];
	out[o] = '\0';
}

/*
 * test_explain__width - no line is wider than the width, whatever the
 * text: long URLs, host names and base64 runs are cut at the width and
 * come out whole when the line breaks are taken away; wide characters
 * count two columns, escaped bytes four, and neither is cut.
 */
static void
test_explain__width(void)
{
	static const struct {
		const char *name, *line, *host, *token;
	} rows[] = {
		{ "url", "554 5.7.1 Blocked, see https://www.spamhaus.org/"
		    "query/ip/198.51.100.9?with=a&very=long&query=string"
		    "&that=never&ends=here for details",
		    "mx.example.net", "https://www.spamhaus.org/query/ip/"
		    "198.51.100.9?with=a&very=long&query=string&that=never"
		    "&ends=here" },
		{ "host", "550 5.1.1 user unknown",
		    "mx01-very-long-host-name-of-a-receiving-cluster."
		    "eu-west-1.mail.protection.example.com",
		    "mx01-very-long-host-name-of-a-receiving-cluster."
		    "eu-west-1.mail.protection.example.com" },
		{ "base64", "550 5.7.1 rejected: id=QUJDREVGR0hJSktMTU5PUFFS"
		    "U1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3"
		    "ODkrLw==", NULL, "id=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVph"
		    "YmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw==" },
		{ "cjk", "550 5.1.1 \xe7\x94\xa8\xe6\x88\xb7\xe4\xb8"
		    "\x8d\xe5\xad\x98\xe5\x9c\xa8\xe7\x94\xa8\xe6"
		    "\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8"
		    "\xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad"
		    "\x98\xe5\x9c\xa8\xe7\x94\xa8\xe6\x88\xb7\xe4"
		    "\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8\xea\xb0\x80"
		    "\xea\xb0\x80\xef\xbc\xa1\xef\xbc\xa1\xf0\x9f"
		    "\x98\x80\xf0\x9f\x98\x80 user unknown", NULL, NULL },
		{ "escapes", "550 5.1.1 \x01\x02\x03\x04\x05\x06\x07"
		    "\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15"
		    "\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\xff"
		    "\xfe\xc0\x80 user unknown", NULL, NULL },
		{ "mixed", "550 5.1.1 <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaa@example.com>\xe7\x94\xa8\x1b"
		    "\xe6\x88\xb7\xff\xe4\xb8\x8dxx\xe5\xad\x98\x07"
		    "\xe5\x9c\xa8 blocked", "mx.\x1b[31mevil.example",
		    NULL },
	};
	static const int widths[] = { 40, 41, 57, 80, 120 };
	char got[4096], want[512];
	size_t i, j, n, w;
	int split;
	char *out;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (j = 0; j < sizeof(widths) / sizeof(widths[0]); j++) {
			out = render_w(rows[i].line, strlen(rows[i].line),
			    rows[i].host, 0, widths[j], &n);
			BKT_CHECK(out != NULL && n > 0);
			if (out == NULL)
				continue;
			w = widest(out, n, &split);
			if (w > (size_t)widths[j])
				BKT_FAIL("[%s] width %d: a line of %zu columns",
				    rows[i].name, widths[j], w);
			if (split)
				BKT_FAIL("[%s] width %d: \\xNN cut",
				    rows[i].name, widths[j]);
			if (rows[i].token != NULL) {
				squeezed(got, sizeof(got), out, n);
				squeezed(want, sizeof(want), rows[i].token,
				    strlen(rows[i].token));
				if (strstr(got, want) == NULL)
					BKT_FAIL("[%s] width %d: token lost",
					    rows[i].name, widths[j]);
			}
			free(out);
		}
	}
}

/*
 * test_explain__wrap_golden - at 40 columns an overlong host name and URL
 * are cut at the width, starting on the labelled line, and go on indented.
 */
static void
test_explain__wrap_golden(void)
{
	const char *line = "554 5.7.1 see https://www.example.com/a/very/"
	    "long/path/to/a/page/about/it";
	const char *want = "\nEvidence\n"
	    "  status 5.7.1, reply 554, reason\n"
	    "    securityerror\n"
	    "  remote server mx1.a-rather-long-cluste\n"
	    "    r-name.example.com\n"
	    "  said \"554 5.7.1 see https://www.exampl\n"
	    "    e.com/a/very/long/path/to/a/page/abo\n"
	    "    ut/it\"\n\n";
	size_t n;
	char *out;

	out = render_w(line, strlen(line), "mx1.a-rather-long-cluster-"
	    "name.example.com", 0, 40, &n);
	BKT_CHECK(out != NULL);
	if (out != NULL && strstr(out, want) == NULL)
		BKT_FAIL("got:\n%s\nwant (within):%s", out, want);
	free(out);
}

BK_TEST_MAIN(
	BKT(test_explain__hostile),
	BKT(test_explain__sections),
	BKT(test_explain__width),
	BKT(test_explain__wrap_golden),
	BKT(test_explain__other_reply),
	BKT(test_explain__challenge)
)
