/*
 * util_str.c - byte classes, case-insensitive search, bounded buffers.
 *
 * Everything here works on (pointer, length) slices; NUL is ordinary data.
 */
#include <stdlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* bk__lc - each byte with A-Z made lower case (bk__lower) */
const unsigned char bk__lc[256] = {
#define R8(b) (b), (b) + 1, (b) + 2, (b) + 3, (b) + 4, (b) + 5, (b) + 6, (b) + 7
#define R32(b) R8(b), R8((b) + 8), R8((b) + 16), R8((b) + 24)
	R32(0x00), R32(0x20),
	/* 0x40 '@', then 'A'-'Z' as 'a'-'z', then "[\\]^_" */
	0x40, R8(0x61), R8(0x69), R8(0x71), 0x79, 0x7a, 0x5b, 0x5c, 0x5d,
	0x5e, 0x5f,
	R32(0x60), R32(0x80), R32(0xa0), R32(0xc0), R32(0xe0),
#undef R32
#undef R8
};

#undef S
#undef D
#undef L
#undef LH
#undef U
#undef UH
#undef A
#undef E

/* bk__zero - see util_int.h */
void
bk__zero(void *p, size_t n)
{
	memset(p, 0, n);
}

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

/* imatch - do @len bytes at @h equal those at @n, ignoring ASCII case */
static inline int
imatch(const unsigned char *h, const unsigned char *n, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (bk__lower(h[i]) != bk__lower(n[i]))
			return 0;
	}
	return 1;
}

/* bk__imeq - do the @len bytes at @a and @b agree, ignoring ASCII case */
int
bk__imeq(const char *a, const char *b, size_t len)
{
	return memcmp(a, b, len) == 0 || imatch((const unsigned char *)a,
	    (const unsigned char *)b, len);
}

/* Bytes of the zero-padded copy bk__imemmem scans its last positions in. */
#define TAIL_MAX 64

#if defined(__SSE2__)
/*
 * pair16 - a bit for each of the 16 start positions at @p where the first
 * byte folds to @v0 and the byte @last further on folds to @vl (@f0 and
 * @fl: 0x20 in every byte where the needle's byte is a letter, else 0)
 */
static inline unsigned
pair16(const unsigned char *p, size_t last, __m128i v0, __m128i vl,
    __m128i f0, __m128i fl)
{
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)
	    (p + last));

	return (unsigned)_mm_movemask_epi8(_mm_and_si128(
	    _mm_cmpeq_epi8(_mm_or_si128(a, f0), v0),
	    _mm_cmpeq_epi8(_mm_or_si128(b, fl), vl)));
}
#endif

/*
 * bk__imemmem - first case-insensitive occurrence of @needle in @hay.
 * Two strategies, both exact and returning the first occurrence:
 *  - long needle in a long haystack: Horspool's algorithm over
 *    case-folded bytes; the skip table lets the scan jump ahead.
 *  - otherwise (most calls: phrases in a paragraph): test the needle's
 *    first and last bytes at 16 positions at once (SSE2 where the
 *    compiler has it, the last positions through a zero-padded copy;
 *    a byte loop otherwise) and compare the rest only where both
 *    agree.  A letter is compared with bit 0x20 set on the haystack
 *    side, which folds A-Z onto a-z and nothing else onto a letter.
 */
const char *
bk__imemmem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	unsigned char skip[256];
	size_t i, pos, last, sk;
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *n = (const unsigned char *)needle;
	int c, c0, cl;

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
	c0 = bk__lower(n[0]);
	cl = bk__lower(n[last]);
	if (nlen < 12 || hlen < 1024) {
		pos = 0;
#if defined(__SSE2__)
		{
			const __m128i v0 = _mm_set1_epi8((char)c0);
			const __m128i vl = _mm_set1_epi8((char)cl);
			const __m128i f0 = _mm_set1_epi8((char)(
			    bk__is(c0, BK_C_ALPHA) ? 0x20 : 0));
			const __m128i fl = _mm_set1_epi8((char)(
			    bk__is(cl, BK_C_ALPHA) ? 0x20 : 0));
			unsigned m, bit;

			/* loop: pos grows by 16 each pass */
			for (; pos + last + 16 <= hlen; pos += 16) {
				m = pair16(h + pos, last, v0, vl, f0, fl);
				while (m != 0) {
					bit = (unsigned)__builtin_ctz(m);
					if (imatch(h + pos + bit + 1, n + 1,
					    last - 1))
						return hay + pos + bit;
					m &= m - 1;
				}
			}
			/* the last start positions, fewer than 16: once more
			 * over a zero-padded copy of the rest of the hay */
			if (pos + nlen <= hlen && last + 16 <= TAIL_MAX) {
				unsigned char tail[TAIL_MAX] = { 0 };
				size_t rest = hlen - pos;

				memcpy(tail, h + pos, rest);
				m = pair16(tail, last, v0, vl, f0, fl);
				/* starts past rest - nlen reach the padding */
				m &= (1u << (rest - last)) - 1;
				while (m != 0) {
					bit = (unsigned)__builtin_ctz(m);
					if (imatch(tail + bit + 1, n + 1,
					    last - 1))
						return hay + pos + bit;
					m &= m - 1;
				}
				return NULL;
			}
		}
#endif
		for (; pos + nlen <= hlen; pos++) {
			if (bk__lower(h[pos]) == c0 &&
			    bk__lower(h[pos + last]) == cl &&
			    imatch(h + pos + 1, n + 1, last - 1))
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
		if (bk__lower(h[pos + last]) != cl)
			continue;
		if (bk__lower(h[pos]) == c0 && imatch(h + pos + 1, n + 1,
		    last - 1))
			return hay + pos;
	}
	return NULL;
}

/*
 * bk__span_plain - how many leading bytes of @p are 7-bit and not ESC:
 * the text that needs no charset work.  Sixteen bytes at a time where
 * SSE2 is there; mail is mostly ASCII, so this is usually all of it.
 */
size_t
bk__span_plain(const char *p, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i esc = _mm_set1_epi8(0x1b);

	/* loop: i grows by 16 each pass */
	for (; i + 16 <= len; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(a) |
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, esc));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x80 || c == 0x1b)
			break;
	}
	return i;
}

/*
 * bk__find_dashes - the first "\n--" in @p (a line that may be a MIME
 * boundary), or NULL.  Tests sixteen positions at once where SSE2 is
 * there; equivalent to memmem(p, len, "\n--", 3).
 */
const char *
bk__find_dashes(const char *p, size_t len)
{
	size_t i = 0;

	if (len < 3)
		return NULL;
#if defined(__SSE2__)
	{
		const __m128i nl = _mm_set1_epi8('\n');
		const __m128i dash = _mm_set1_epi8('-');

		/* loop: i grows by 16 each pass */
		for (; i + 18 <= len; i += 16) {
			const char *q = p + i;
			__m128i a = _mm_loadu_si128((const __m128i *)
			    (const void *)q);
			__m128i b = _mm_loadu_si128((const __m128i *)
			    (const void *)(q + 1));
			__m128i c = _mm_loadu_si128((const __m128i *)
			    (const void *)(q + 2));
			unsigned m = (unsigned)_mm_movemask_epi8(
			    _mm_and_si128(_mm_cmpeq_epi8(a, nl),
			    _mm_and_si128(_mm_cmpeq_epi8(b, dash),
			    _mm_cmpeq_epi8(c, dash))));

			if (m != 0)
				return q + __builtin_ctz(m);
		}
	}
#endif
	for (; i + 3 <= len; i++) {
		if (p[i] == '\n' && p[i + 1] == '-' && p[i + 2] == '-')
			return p + i;
	}
	return NULL;
}


/* pair_at - does one of the pairs of @set start at @q */
static inline int
pair_at(const unsigned char *q, const struct bk__ipairs *set)
{
	size_t k;

	for (k = 0; k < set->n; k++)
		if ((q[0] | 0x20) == set->first[k][0] &&
		    (q[set->gap] | 0x20) == set->second[k][0])
			return 1;
	return 0;
}

/*
 * bk__ipairs - the first position at or after @from in @p where one of
 * the letter pairs of @set starts (its first letter there, its second
 * set->gap bytes on), ASCII case aside; @len when none does.  The first
 * test of a phrase search that has several leads: sixteen positions at
 * once where SSE2 is there, each letter compared with bit 0x20 set on
 * the text's side, which folds A-Z onto a-z and nothing else onto a
 * letter (but NUL onto a space).
 */
#if defined(__SSE2__)
/* pairs16 - a bit for each of the 16 places at @u where a pair of @set
 * starts */
static inline unsigned
pairs16(const unsigned char *u, const struct bk__ipairs *set)
{
	const __m128i fold = _mm_set1_epi8(0x20);
	__m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)
	    (const void *)u), fold);
	__m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)
	    (const void *)(u + set->gap)), fold);
	__m128i m = _mm_setzero_si128();
	size_t k;

	for (k = 0; k < set->n; k++)
		m = _mm_or_si128(m, _mm_and_si128(
		    _mm_cmpeq_epi8(a, _mm_loadu_si128((const __m128i *)
		    (const void *)set->first[k])),
		    _mm_cmpeq_epi8(b, _mm_loadu_si128((const __m128i *)
		    (const void *)set->second[k]))));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

size_t
bk__ipairs(const char *p, size_t len, size_t from,
    const struct bk__ipairs *set)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = from, gap = set->gap;

#if defined(__SSE2__)
	if (gap < 16) {
		unsigned bits;

		/* loop: i grows by 16 each pass */
		for (; i + 16 + gap <= len; i += 16) {
			bits = pairs16(u + i, set);
			if (bits != 0)
				return i + (size_t)__builtin_ctz(bits);
		}
		/* the last places, fewer than 16: once more over a
		 * zero-padded copy, keeping the places whose second letter
		 * is in the text */
		if (i + gap < len) {
			unsigned char tail[48] = { 0 };

			memcpy(tail, u + i, len - i);
			bits = pairs16(tail, set) &
			    ((1u << (len - gap - i)) - 1);
			return bits != 0 ? i + (size_t)__builtin_ctz(bits) :
			    len;
		}
		return len;
	}
#endif
	for (; i + gap < len; i++)
		if (pair_at(u + i, set))
			return i;
	return len;
}

/*
 * bk__utf8_len - length of the well-formed UTF-8 character at @p (RFC
 * 3629: no overlong forms, no surrogates, nothing past U+10FFFF): 1 for
 * ASCII, 2 to 4, or 0 when the bytes are not UTF-8 or @left is short.
 */
size_t
bk__utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
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

/* bk__buf_putc_slow - append one byte when the buffer must grow */
void
bk__buf_putc_slow(bk__buf *b, int c)
{
	char ch = (char)c;

	bk__buf_append(b, &ch, 1);
}
