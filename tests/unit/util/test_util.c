/*
 * test_util.c - the string helpers every reader leans on, checked against
 * plain byte-by-byte definitions over every length and offset that the
 * 16-byte paths split differently.
 */
#include <stdint.h>
#include <time.h>

#include "bktest.h"
#include "util/util_int.h"

/* lower_ref - ASCII lower case, the definition */
static int
lower_ref(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* imemmem_ref - first case-insensitive occurrence, the definition */
static const char *
imemmem_ref(const char *h, size_t hlen, const char *n, size_t nlen)
{
	size_t i, j;

	if (nlen == 0)
		return h;
	/* loop: every start position */
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++) {
			if (lower_ref((unsigned char)h[i + j]) !=
			    lower_ref((unsigned char)n[j]))
				break;
		}
		if (j == nlen)
			return h + i;
	}
	return NULL;
}

static void
test_util__lower(void)
{
	int c;

	/* loop: every byte value */
	for (c = 0; c < 256; c++)
		BKT_EQ_INT("lower", bk__lower(c), lower_ref(c));
	BKT_EQ_INT("signed char", bk__lower((char)0xc9), 0xc9);
}

/*
 * Every haystack length up to 90 (a heap copy of exactly that size, so
 * a read past its end is caught under ASan), every needle length up to
 * 70, the needle planted at every offset in upper case, and near misses:
 * the first and last bytes right, a middle one wrong.
 */
static void
test_util__imemmem(void)
{
	static const char alpha[] = "Tomorrow@Example.ORG: 550 5.1.1 "
	    "user unknown; mailbox full \x80\xff tail-END of the reply text";
	size_t hlen, nlen, at;
	unsigned seed = 12345;

	/* loop: haystack lengths */
	for (hlen = 0; hlen <= 90; hlen++) {
		char *hay = malloc(hlen + 1);
		size_t i;

		/* loop: fill with letters that repeat the needle's bytes */
		for (i = 0; i < hlen; i++) {
			seed = seed * 1103515245u + 12345u;
			hay[i] = "aAbB.x@"[(seed >> 16) % 7];
		}
		/* loop: needle lengths */
		for (nlen = 1; nlen <= 70 && nlen <= sizeof(alpha) - 1;
		    nlen++) {
			char *n = malloc(nlen);
			const char *got, *want;

			memcpy(n, alpha, nlen);
			got = bk__imemmem(hay, hlen, n, nlen);
			want = imemmem_ref(hay, hlen, n, nlen);
			if (got != want)
				BKT_FAIL("[random %zu/%zu] got %td, want %td",
				    hlen, nlen, got ? got - hay : -1,
				    want ? want - hay : -1);
			/* loop: plant it (upper-cased) at every offset */
			for (at = 0; at + nlen <= hlen; at++) {
				char *h2 = malloc(hlen);

				memcpy(h2, hay, hlen);
				for (i = 0; i < nlen; i++)
					h2[at + i] = (char)((n[i] >= 'a' &&
					    n[i] <= 'z') ? n[i] - 32 : n[i]);
				got = bk__imemmem(h2, hlen, n, nlen);
				want = imemmem_ref(h2, hlen, n, nlen);
				if (got != want)
					BKT_FAIL("[plant %zu/%zu@%zu] got %td, "
					    "want %td", hlen, nlen, at,
					    got ? got - h2 : -1,
					    want ? want - h2 : -1);
				if (nlen >= 3) {
					h2[at + nlen / 2] = '#';
					got = bk__imemmem(h2, hlen, n, nlen);
					want = imemmem_ref(h2, hlen, n, nlen);
					if (got != want)
						BKT_FAIL("[miss %zu/%zu@%zu]",
						    hlen, nlen, at);
				}
				free(h2);
			}
			free(n);
		}
		free(hay);
	}
	/* a long needle in a long haystack takes the skip-table path */
	{
		char big[3000];
		const char *nd = "THE QUICK BROWN FOX JUMPS";

		memset(big, 'q', sizeof(big));
		memcpy(big + 2970, "the quick brown fox jumps", 25);
		BKT_CHECK(bk__imemmem(big, sizeof(big), nd, strlen(nd)) ==
		    big + 2970);
		BKT_CHECK(bk__imemmem(big, 2994, nd, strlen(nd)) == NULL);
	}
}

/* json - bk__json_fput of @s (@len bytes) as a malloc'd string */
static char *
json(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	bk__json_fput(fp, s, len);
	fclose(fp);
	return buf;
}

static void
test_util__json_fput(void)
{
	static const struct {
		const char *name, *in, *want;
	} rows[] = {
		{ "plain", "550 5.1.1 user unknown", "\"550 5.1.1 user unknown\"" },
		{ "quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "short escapes", "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"" },
		{ "controls", "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "escape sequence", "\x1b[31m", "\"\\u001b[31m\"" },
		{ "C1 control", "a\xc2\x9b" "b", "\"a\\u009bb\"" },
		{ "UTF-8", "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"" },
		{ "not UTF-8", "caf\xe9!", "\"caf\\ufffd!\"" },
		{ "truncated sequence", "\xe2\x82", "\"\\ufffd\\ufffd\"" },
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = json(rows[i].in, strlen(rows[i].in));
		if (strcmp(got, rows[i].want) != 0)
			BKT_FAIL("[%s] got %s, want %s", rows[i].name, got,
			    rows[i].want);
		free(got);
	}
	got = json(NULL, 0);
	BKT_CHECK(strcmp(got, "null") == 0);
	free(got);
	got = json("a\0b", 3);
	BKT_CHECK(strcmp(got, "\"a\\u0000b\"") == 0);
	free(got);
}

/* at - Unix seconds of a UTC date and time, for the rows below */
static int64_t
at(int y, int mo, int d, int h, int mi, int s)
{
	return bk__days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
}

static void
test_util__iso_time(void)
{
	static const struct {
		const char *in;
		int rc, zoned, tz;
		int y, mo, d, h, mi, s;    /* UTC */
	} rows[] = {
		{ "2026-11-28T06:35:12Z", 0, 1, 0, 2026, 11, 28, 6, 35, 12 },
		{ "2026-11-28 06:35:12", 0, 0, 0, 2026, 11, 28, 6, 35, 12 },
		{ "2026-11-28T06:35:12.123+01:00", 0, 1, 60,
		    2026, 11, 28, 5, 35, 12 },
		{ "2026-11-28T06:35:12-0500 more", 0, 1, -300,
		    2026, 11, 28, 11, 35, 12 },
		{ "2024-02-29T23:59:60Z", 0, 1, 0, 2024, 3, 1, 0, 0, 0 },
		{ "2026-13-28T06:35:12Z", -1, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "2026-11-28T6:35:12Z", -1, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "2026-11-28T06:35", -1, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "Nov 28 06:35:12", -1, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t t = 0;
		int tz = 99, zoned = 99;
		int rc = bk__iso_time(rows[i].in, strlen(rows[i].in), &t, &tz,
		    &zoned);

		BKT_EQ_INT(rows[i].in, rc, rows[i].rc);
		if (rc != 0)
			continue;
		BKT_EQ_INT(rows[i].in, zoned, rows[i].zoned);
		BKT_EQ_INT(rows[i].in, tz, rows[i].tz);
		BKT_EQ_INT(rows[i].in, t, at(rows[i].y, rows[i].mo, rows[i].d,
		    rows[i].h, rows[i].mi, rows[i].s));
	}
}

/*
 * Log time stamps in a fixed zone (a POSIX TZ rule, so no zone files
 * are needed): Central European, +01:00 in winter, +02:00 in summer.
 */
static void
test_util__log_time(void)
{
	static const struct {
		const char *in;
		int rc, tz;
		size_t want;   /* index in want[] */
	} rows[] = {
		/* syslog: this year, local time */
		{ "Nov 28 06:35:12 mx postfix/smtp[1]:", 0, 60, 0 },
		{ "Jul  4 12:00:00 mx", 0, 120, 1 },
		/* up to a day ahead of now: this year; more: last year */
		{ "Nov 29 02:00:00 mx", 0, 60, 3 },
		{ "Nov 29 05:00:00 mx", 0, 60, 7 },
		{ "Dec 25 08:00:00 mx", 0, 60, 2 },
		/* ISO, with a zone and without (local time) */
		{ "2026-07-01T12:00:00+02:00 mx", 0, 120, 4 },
		{ "2026-07-01 12:00:00 1vXy-000A", 0, 120, 4 },
		{ "2026-01-15 12:00:00 1vXy-000A", 0, 60, 5 },
		{ "Nov 31 06:35:12 mx", -1, 0, 0 },
		{ "Feb 29 06:35:12 mx", 0, 60, 6 },
		{ "Foo 28 06:35:12 mx", -1, 0, 0 },
		{ "Nov 28 6:35:12 mx", -1, 0, 0 },
		{ "Nov 28", -1, 0, 0 },
		{ "550 5.1.1 user unknown", -1, 0, 0 },
	};
	/* the expected times, by the index in "want" above */
	const int64_t want[] = {
		at(2026, 11, 28, 5, 35, 12), at(2026, 7, 4, 10, 0, 0),
		at(2025, 12, 25, 7, 0, 0), at(2026, 11, 29, 1, 0, 0),
		at(2026, 7, 1, 10, 0, 0), at(2026, 1, 15, 11, 0, 0),
		/* 29 February of a year without one: 1 March, as mktime
		 * reads it */
		at(2026, 3, 1, 5, 35, 12),
		/* 25 hours ahead of now: last year */
		at(2025, 11, 29, 4, 0, 0),
	};
	const int64_t now = at(2026, 11, 28, 3, 0, 0);
	char *old;
	size_t i;

	old = bkt_tz_set("CET-1CEST,M3.5.0,M10.5.0/3");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t t = 0;
		int tz = 99;
		int rc = bk__log_time(rows[i].in, strlen(rows[i].in), now, &t,
		    &tz);

		BKT_EQ_INT(rows[i].in, rc, rows[i].rc);
		if (rc != 0)
			continue;
		BKT_EQ_INT(rows[i].in, tz, rows[i].tz);
		BKT_EQ_INT(rows[i].in, t, want[rows[i].want]);
	}
	bkt_tz_restore(old);
}

/* fold_ref - a text byte as bk__ipairs compares it: lower case, and a
 * NUL as a space (both are 0x20 once bit 0x20 is set) */
static int
fold_ref(unsigned char c)
{
	return c == 0 ? ' ' : lower_ref(c);
}

/* ipairs_ref - bk__ipairs by its definition, one position at a time */
static size_t
ipairs_ref(const char *p, size_t len, size_t from,
    const struct bk__ipairs *set)
{
	size_t i, k;

	/* loop: every start position with room for its second letter */
	for (i = from; i + set->gap < len; i++)
		for (k = 0; k < set->n; k++)
			if (fold_ref((unsigned char)p[i]) ==
			    set->first[k][0] &&
			    fold_ref((unsigned char)p[i + set->gap]) ==
			    set->second[k][0])
				return i;
	return len;
}

/*
 * bk__ipairs against its definition: every text length up to 70 (a heap
 * copy of exactly that size), every start, gaps 1 and 2, a text full of
 * near misses (first letters without their second, bytes one bit away
 * from a letter: '@', '[', 0xc1; a NUL, which passes for a space), and each pair
 * planted in upper case at every offset.
 */
static void
test_util__ipairs(void)
{
	static const struct bk__ipairs sets[] = {
		{ 2, 1, { BK_PAIR16('i'), BK_PAIR16('a') },
		  { BK_PAIR16('n'), BK_PAIR16('f') } },
		{ 3, 2, { BK_PAIR16('d'), BK_PAIR16('r'), BK_PAIR16('i') },
		  { BK_PAIR16('e'), BK_PAIR16('f'), BK_PAIR16(' ') } },
	};
	static const char fill[] = "iIaAdDrR@[ \xc1nNfFeE\0";
	unsigned seed = 777;
	size_t s, len, from, at, i;

	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		const struct bk__ipairs *set = &sets[s];

		/* loop: text lengths */
		for (len = 0; len <= 70; len++) {
			char *t = malloc(len + 1);

			for (i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				t[i] = fill[(seed >> 16) % (sizeof(fill) - 1)];
			}
			for (from = 0; from <= len; from++)
				if (bk__ipairs(t, len, from, set) !=
				    ipairs_ref(t, len, from, set))
					BKT_FAIL("[set %zu random %zu from %zu]",
					    s, len, from);
			/* loop: a pair in upper case at every offset of a
			 * text with none */
			for (at = 0; at + set->gap < len; at++) {
				memset(t, '.', len);
				t[at] = (char)(set->first[at % set->n][0] - 32);
				if (set->second[at % set->n][0] != ' ')
					t[at + set->gap] = (char)
					    (set->second[at % set->n][0] - 32);
				else
					t[at + set->gap] = ' ';
				BKT_EQ_INT("planted", (int)bk__ipairs(t, len, 0,
				    set), (int)at);
				BKT_EQ_INT("past it", (int)bk__ipairs(t, len,
				    at + 1, set), (int)len);
			}
			free(t);
		}
	}
}

BK_TEST_MAIN(
    BKT(test_util__lower),
    BKT(test_util__imemmem),
    BKT(test_util__ipairs),
    BKT(test_util__json_fput),
    BKT(test_util__iso_time),
    BKT(test_util__log_time))
