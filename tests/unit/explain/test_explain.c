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

/* render - the explanation of @line (host optional) into a new buffer */
static char *
render(const char *line, size_t len, const char *host, unsigned flags,
    size_t *outlen)
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
		if (bk_explain_format(fp, cls, &rec, flags, 80) != 0)
			BKT_FAIL("bk_explain_format failed");
	}
	fclose(fp);
	*outlen = n;
	return buf;
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

BK_TEST_MAIN(
	BKT(test_explain__hostile),
	BKT(test_explain__sections)
)
