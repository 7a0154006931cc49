/*
 * util_str.c - byte classes, case-insensitive search, bounded buffers.
 *
 * Everything here works on (pointer, length) slices; NUL is ordinary data.
 */
#include <stdlib.h>

#include "util/util_int.h"

#define S BK_C_SPACE
#define D (BK_C_DIGIT | BK_C_ATEXT | BK_C_HEX)
#define L (BK_C_ALPHA | BK_C_ATEXT)
#define LH (BK_C_ALPHA | BK_C_ATEXT | BK_C_HEX)
#define U (BK_C_ALPHA | BK_C_ATEXT | BK_C_UPPER)
#define UH (BK_C_ALPHA | BK_C_ATEXT | BK_C_HEX | BK_C_UPPER)
#define A BK_C_ATEXT
#define E BK_C_EOL

const unsigned char bk__ctype[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, S, E, 0, 0, E, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* ' '  */ S, A, 0, A, A, A, A, A, 0, 0, A, A, 0, A, A, A,
	/* '0'  */ D, D, D, D, D, D, D, D, D, D, 0, 0, 0, A, 0, A,
	/* '@'  */ 0, UH, UH, UH, UH, UH, UH, U, U, U, U, U, U, U, U, U,
	/* 'P'  */ U, U, U, U, U, U, U, U, U, U, U, 0, 0, 0, A, A,
	/* '`'  */ A, LH, LH, LH, LH, LH, LH, L, L, L, L, L, L, L, L, L,
	/* 'p'  */ L, L, L, L, L, L, L, L, L, L, L, A, A, A, A, 0,
};

#undef S
#undef D
#undef L
#undef LH
#undef U
#undef UH
#undef A
#undef E

/* bk__ieq - does slice @a equal C string @b, ignoring ASCII case */
int
bk__ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' || bk__lower(a[i]) != bk__lower(b[i]))
			return 0;
	}
	return b[alen] == '\0';
}

/* bk__istarts - does slice @a start with @prefix, ignoring ASCII case */
int
bk__istarts(const char *a, size_t alen, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i] != '\0'; i++) {
		if (i >= alen || bk__lower(a[i]) != bk__lower(prefix[i]))
			return 0;
	}
	return 1;
}

/*
 * bk__imemmem - first case-insensitive occurrence of @needle in @hay.
 * Horspool's algorithm over case-folded bytes: the skip table lets long
 * needles (the usual case: phrases) jump ahead, so the scan is linear in
 * the worst case times the needle length and sublinear on average.
 */
const char *
bk__imemmem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	unsigned char skip[256];
	size_t i, pos, last, sk;
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *n = (const unsigned char *)needle;
	int c;

	if (nlen == 0)
		return hay;
	if (hlen < nlen)
		return NULL;
	if (nlen == 1) {
		const char *q1, *q2;

		c = bk__lower(n[0]);
		q1 = memchr(hay, c, hlen);
		q2 = (c >= 'a' && c <= 'z') ? memchr(hay, c - 32, hlen) : NULL;
		if (q1 == NULL || (q2 != NULL && q2 < q1))
			return q2;
		return q1;
	}
	last = nlen - 1;
	if (hlen < 4 * nlen + 64) {
		/* short haystack: the table would cost more than it saves */
		int c0 = bk__lower(n[0]);

		for (pos = 0; pos + nlen <= hlen; pos++) {
			if (bk__lower(h[pos]) != c0)
				continue;
			for (i = 1; i < nlen; i++) {
				if (bk__lower(h[pos + i]) != bk__lower(n[i]))
					break;
			}
			if (i == nlen)
				return hay + pos;
		}
		return NULL;
	}
	sk = nlen > 255 ? 255 : nlen;
	memset(skip, (int)sk, sizeof(skip));
	for (i = last > 254 ? last - 254 : 0; i < last; i++) {
		c = bk__lower(n[i]);
		skip[c] = (unsigned char)(last - i);
		if (c >= 'a' && c <= 'z')
			skip[c - 32] = (unsigned char)(last - i);
	}
	/* loop: pos grows by at least one each pass */
	for (pos = 0; pos + nlen <= hlen; pos += skip[h[pos + last]]) {
		if (bk__lower(h[pos + last]) != bk__lower(n[last]))
			continue;
		for (i = 0; i < last; i++) {
			if (bk__lower(h[pos + i]) != bk__lower(n[i]))
				break;
		}
		if (i == last)
			return hay + pos;
	}
	return NULL;
}

/* bk__istr - bk__imemmem with a C-string needle */
const char *
bk__istr(const char *hay, size_t hlen, const char *needle)
{
	return bk__imemmem(hay, hlen, needle, strlen(needle));
}

/* bk__trim - drop leading and trailing white space and line ends */
bk_str
bk__trim(bk_str s)
{
	if (s.ptr == NULL)
		return s;
	while (s.len > 0 && bk__is(s.ptr[0], BK_C_SPACE | BK_C_EOL)) {
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && bk__is(s.ptr[s.len - 1], BK_C_SPACE | BK_C_EOL))
		s.len--;
	return s;
}

/* bk__cstr - a slice over a C string (NULL stays absent) */
bk_str
bk__cstr(const char *s)
{
	return bk__str(s, s ? strlen(s) : 0);
}

/* bk__digits - bounded decimal reader; see util_int.h */
size_t
bk__digits(const char *p, size_t len, long lo, long hi, long *out)
{
	long v = 0;
	size_t i;

	for (i = 0; i < len && i < 18 && bk__is(p[i], BK_C_DIGIT); i++)
		v = v * 10 + (p[i] - '0');
	if (i == 0 || (i < len && bk__is(p[i], BK_C_DIGIT)) || v < lo ||
	    v > hi)
		return 0;
	*out = v;
	return i;
}

/* bk__buf_init - an empty buffer in @a that never grows past @max */
void
bk__buf_init(bk__buf *b, bk__arena *a, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->arena = a;
	b->max = max;
}

/* bk__buf_append - append what fits under the ceiling */
void
bk__buf_append(bk__buf *b, const void *p, size_t len)
{
	size_t want, ncap;
	char *n;

	if (b->failed || len == 0)
		return;
	if (len > b->max - b->len) {
		len = b->max - b->len;
		b->truncated = 1;
		if (len == 0)
			return;
	}
	want = b->len + len;  /* <= max, no overflow */
	if (want + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < want + 1)
			ncap = ncap > b->max / 2 ? b->max + 1 : ncap * 2;
		n = bk__arena_alloc(b->arena, ncap);
		if (n == NULL) {
			b->failed = 1;
			return;
		}
		if (b->len)
			memcpy(n, b->ptr, b->len);
		b->ptr = n;
		b->cap = ncap;
	}
	memcpy(b->ptr + b->len, p, len);
	b->len = want;
	b->ptr[b->len] = '\0';
}

/* bk__buf_putc - append one byte */
void
bk__buf_putc(bk__buf *b, int c)
{
	char ch = (char)c;

	bk__buf_append(b, &ch, 1);
}
