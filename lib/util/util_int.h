/*
 * util_int.h - arena, bounded buffers and byte helpers (no mail knowledge).
 *
 * Invariants: an arena only grows until it is freed as a whole; every
 * size computation goes through bk__size_add/bk__size_mul, which report
 * overflow instead of wrapping.
 */
#ifndef BK_UTIL_INT_H
#define BK_UTIL_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "bouncekit/errors.h"
#include "bouncekit/record.h"

/* BK_ASSERT - "cannot happen" guard: aborts in debug, recovers in release. */
#ifdef NDEBUG
#define BK_ASSERT(cond, recover)                                           \
	do {                                                               \
		if (!(cond)) {                                             \
			recover;                                           \
		}                                                          \
	} while (0)
#else
#include <assert.h>
/* the recovery stays, unreachable, so that its labels are still used */
#define BK_ASSERT(cond, recover)                                           \
	do {                                                               \
		assert(cond);                                              \
		if (!(cond)) {                                             \
			recover;                                           \
		}                                                          \
	} while (0)
#endif

typedef struct bk__arena bk__arena;

int bk__arena_new(bk__arena **out, size_t first_block);
void bk__arena_free(bk__arena *a);
void bk__arena_reset(bk__arena *a);
void *bk__arena_alloc(bk__arena *a, size_t size);
void *bk__arena_zalloc(bk__arena *a, size_t size);
char *bk__arena_memdup(bk__arena *a, const void *p, size_t len);
size_t bk__arena_used(const bk__arena *a);

/* checked size arithmetic: 0 on success, BK_ETOOBIG on overflow */
static inline int
bk__size_add(size_t *out, size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		return BK_ETOOBIG;
	*out = a + b;
	return 0;
}

static inline int
bk__size_mul(size_t *out, size_t a, size_t b)
{
	if (a != 0 && b > SIZE_MAX / a)
		return BK_ETOOBIG;
	*out = a * b;
	return 0;
}

/*
 * A growable byte buffer in an arena with a hard ceiling.  Appending past
 * the ceiling keeps what fits and sets truncated.
 */
typedef struct bk__buf {
	bk__arena *arena;
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;
	int truncated;
	int failed;
} bk__buf;

void bk__buf_init(bk__buf *b, bk__arena *a, size_t max);
void bk__buf_append(bk__buf *b, const void *p, size_t len);
void bk__buf_putc_slow(bk__buf *b, int c);

/* bk__buf_putc - append one byte (the usual case inline) */
static inline void
bk__buf_putc(bk__buf *b, int c)
{
	if (!b->failed && b->len < b->max && b->len + 2 <= b->cap) {
		b->ptr[b->len++] = (char)c;
		b->ptr[b->len] = '\0';
		return;
	}
	bk__buf_putc_slow(b, c);
}

/* byte classes, for unsigned char values */
extern const unsigned char bk__ctype[256];
#define BK_C_SPACE 0x01   /* SP HT */
#define BK_C_DIGIT 0x02
#define BK_C_ALPHA 0x04
#define BK_C_EOL 0x08     /* CR LF */
#define BK_C_ATEXT 0x10   /* RFC 5322 atext plus '.' */
#define BK_C_HEX 0x20
#define BK_C_UPPER 0x40

#define bk__is(c, cls) ((bk__ctype[(unsigned char)(c)] & (cls)) != 0)

extern const unsigned char bk__lc[256];

/* bk__lower - @c (a byte) with A-Z made lower case: one table load */
static inline int
bk__lower(int c)
{
	return bk__lc[(unsigned char)c];
}

/* bk__hexval - the value of hex digit @c (either case), -1 if not one */
static inline int
bk__hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = bk__lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* case-insensitive helpers over slices */
int bk__ieq(const char *a, size_t alen, const char *b);
int bk__istarts(const char *a, size_t alen, const char *prefix);
int bk__imeq(const char *a, const char *b, size_t len);

/*
 * a set of up to 8 letter pairs for bk__ipairs(), each letter lower case
 * (or a space) and given sixteen times over (BK_PAIR16), its second
 * letter @gap (1 or more) bytes after its first; initialised statically.
 * The text's bytes are compared with bit 0x20 set, so a NUL passes for a
 * space: a caller compares its whole phrase at each place found.
 */
struct bk__ipairs {
	size_t n;
	size_t gap;
	unsigned char first[8][16];
	unsigned char second[8][16];
};
#define BK_PAIR16(c) \
	{ c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c }
size_t bk__ipairs(const char *p, size_t len, size_t from,
    const struct bk__ipairs *set);
const char *bk__imemmem(const char *hay, size_t hlen, const char *needle,
    size_t nlen);

/* bk__istr - bk__imemmem with a C-string needle; inline, so a literal
 * needle's length is known at compile time and a haystack shorter than
 * it costs one comparison */
static inline const char *
bk__istr(const char *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle);

	if (hlen < nlen || hay == NULL)
		return NULL;
	return bk__imemmem(hay, hlen, needle, nlen);
}
size_t bk__span_plain(const char *p, size_t len);

/*
 * bk__zero - memset(@p, 0, @n), out of line: for a struct of a few
 * hundred bytes cleared once per record or message, where the compiler
 * would inline a constant-size clear as `rep stos`, whose start-up costs
 * more than the C library's vector stores
 */
void bk__zero(void *p, size_t n);

/* days since 1970-01-01 of a proleptic Gregorian date (month 1-12) */
int64_t bk__days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * bk__iso_time - an ISO 8601 / RFC 3339 date and time at the start of
 * @p ("2026-11-28T06:35:12", 'T' or a space, fractions, then 'Z',
 * "+01:00", "+0100" or nothing) to Unix seconds *@t and minutes east
 * *@tz; *@zoned says whether a zone was written (without one the time is
 * taken as UTC here).  0, or -1 when @p does not start with one.
 */
int bk__iso_time(const char *p, size_t len, int64_t *t, int *tz,
    int *zoned);

/*
 * bk__log_time - the time stamp an MTA log line starts with: an ISO one
 * (bk__iso_time; without a zone, local time) or syslog's RFC 3164
 * "Nov 28 06:35:12" (local time, the year that puts it no more than a
 * day after @now).  0 with *@t and *@tz set, or -1.
 */
int bk__log_time(const char *p, size_t len, int64_t now, int64_t *t,
    int *tz);

/*
 * bk__json_fput - @s (@len bytes) as a JSON string (RFC 8259) on @fp, or
 * null when @s is NULL: '"', '\\' and controls escaped (\n, \t, \r,
 * else \u00XX, C1 controls too), valid UTF-8 as it is, any other byte as
 * U+FFFD
 */
void bk__json_fput(FILE *fp, const char *s, size_t len);
size_t bk__utf8_len(const unsigned char *p, size_t left);
const char *bk__find_dashes(const char *p, size_t len);

/* slices */
static inline bk_str
bk__str(const char *p, size_t len)
{
	bk_str s;

	s.ptr = p;
	s.len = len;
	return s;
}
#define BK_STR_NULL bk__str(NULL, 0)

/*
 * bk__str_end - one past the last byte of a slice; NULL for an absent
 * slice (adding even 0 to a null pointer is undefined in C).
 */
static inline const char *
bk__str_end(bk_str s)
{
	return s.ptr != NULL ? s.ptr + s.len : NULL;
}
bk_str bk__trim(bk_str s);
bk_str bk__cstr(const char *s);

/*
 * bk__digits - read a run of decimal digits at most @max, within [lo,hi].
 * Returns the count of digits read, 0 when none or out of range.
 */
size_t bk__digits(const char *p, size_t len, long lo, long hi, long *out);

#endif /* BK_UTIL_INT_H */
