/*
 * format.c - JSON Lines, CSV (RFC 4180) and text output of records.
 *
 * JSON: keys in a fixed order, null for unknown, strings valid UTF-8
 * (RFC 8259): invalid sequences become U+FFFD, control characters and
 * DEL are escaped.  Text output escapes non-printable bytes as \xNN.
 *
 * A JSON record is written in one pass into room reserved once (the keys
 * plus ESC_MAX bytes per byte of every string), so no write checks for
 * space; clean runs of a string are checked and copied 16 bytes at a
 * time (8 without SSE2), and the timestamp is formatted without gmtime_r
 * or snprintf.
 * The CLI then hands the whole line to one fwrite.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "bouncekit/errors.h"
#include "bouncekit/format.h"
#include "format/format_int.h"
#include "util/util_int.h"

/* bk__fbuf_init - see format_int.h */
void
bk__fbuf_init(bk__fbuf *b, char *stack, size_t cap)
{
	b->p = stack;
	b->cap = stack != NULL ? cap : 0;
	b->len = 0;
	b->owned = 0;
	b->oom = 0;
}

/* bk__fbuf_free - see format_int.h */
void
bk__fbuf_free(bk__fbuf *b)
{
	if (b->owned)
		free(b->p);
	bk__fbuf_init(b, NULL, 0);
}

/* room - make room for @n more bytes and a NUL; 0 or -1 (oom set) */
static int
room(bk__fbuf *b, size_t n)
{
	size_t want, ncap;
	char *np;

	if (b->oom)
		return -1;
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? 2 * b->cap : 1024;
	/* loop: doubles until it fits */
	while (ncap < want)
		ncap *= 2;
	if (b->owned) {
		np = realloc(b->p, ncap);
	} else {
		np = malloc(ncap);
		if (np != NULL && b->len > 0)
			memcpy(np, b->p, b->len);
	}
	if (np == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	b->owned = 1;
	return 0;
}

/*
 * The JSON writer works on a cursor into room made once per record (see
 * bk__format_json): the writers below never check for space.
 */

/* LIT - copy a string literal to the cursor @o and move past it */
#define LIT(o, lit) do {                                                   \
	memcpy((o), (lit), sizeof(lit) - 1);                               \
	(o) += sizeof(lit) - 1;                                            \
} while (0)

/* Longest decimal int64_t: "-9223372036854775808". */
#define INT_MAX_CHARS 20

/* "00" to "99", for writing two digits at a time */
static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* w_int - a decimal integer, as printf's %d / PRId64 writes it */
static char *
w_int(char *o, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	/* loop: two digits per pass, at most 10 passes */
	while (u >= 100) {
		unsigned d = (unsigned)(u % 100) * 2;

		u /= 100;
		tmp[--i] = digits2[d + 1];
		tmp[--i] = digits2[d];
	}
	if (u >= 10) {
		tmp[--i] = digits2[u * 2 + 1];
		tmp[--i] = digits2[u * 2];
	} else {
		tmp[--i] = (char)('0' + u);
	}
	if (v < 0)
		tmp[--i] = '-';
	memcpy(o, tmp + i, sizeof(tmp) - i);
	return o + (sizeof(tmp) - i);
}

/*
 * esc_table - for each byte: 0 copied as it is, 'U' the start of a UTF-8
 * sequence (checked), else the second character of its two-character
 * escape, or 'u' for \u00XX
 */
#define U8 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U'
static const char esc_table[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 't', 'n', 'u', 'u', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'u',
	U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8,
};
#undef U8

#if defined(__SSE2__)
/*
 * special16 - a bit for each of the 16 bytes of @a that needs more than a
 * copy (< 0x20, '"', '\\', 0x7f, >= 0x80).  The signed compare puts the
 * bytes >= 0x80 below 0x20 as well.
 */
static inline unsigned
special16(__m128i a)
{
	__m128i m = _mm_cmplt_epi8(a, _mm_set1_epi8(0x20));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(a, _mm_set1_epi8('"')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(a, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(a, _mm_set1_epi8(0x7f)));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/*
 * word_special - does any of the 8 bytes of @w need more than a copy
 * (< 0x20, '"', '\\', 0x7f, >= 0x80)?  The "has a zero byte" and "has a
 * byte less than n" bit tricks are exact as to whether any byte matches.
 */
static inline int
word_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
	uint64_t del = w ^ (ones * 0x7f);

	return ((w | ((w - ones * 0x20) & ~w) |
	    ((q - ones) & ~q) | ((bs - ones) & ~bs) |
	    ((del - ones) & ~del)) & high) != 0;
}

/* Most bytes one input byte becomes in a JSON string: \u00XX, \ufffd. */
#define ESC_MAX 6

/*
 * Room past the reserved total: a run of clean bytes is stored 16 at a
 * time, so a store may reach up to 15 bytes beyond what it keeps.
 */
#define STORE_SLACK 16

/*
 * plain_run - copy the bytes at the start of @p (@len of them) that need
 * no escape to @o; returns how many.  A run of 16 bytes or more is
 * checked and stored 16 at a time with SSE2 (8 without), its last bytes
 * through one load that ends at @p + @len and overlaps bytes already
 * found clean, so their bits are 0; a shorter one as two overlapping
 * 8-byte words.  A store may write bytes past the run's end (the room
 * holds them), never past STORE_SLACK beyond @o + @len.
 */
static inline size_t
plain_run(char *o, const unsigned char *p, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	if (len >= 16) {
		__m128i a;
		unsigned m;

		/* loop: i grows by 16 each pass */
		while (len - i >= 16) {
			a = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + i));
			_mm_storeu_si128((__m128i *)(void *)(o + i), a);
			m = special16(a);
			if (m != 0)
				return i + (size_t)__builtin_ctz(m);
			i += 16;
		}
		if (i == len)
			return i;
		i = len - 16;
		a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		_mm_storeu_si128((__m128i *)(void *)(o + i), a);
		m = special16(a);
		return m != 0 ? i + (size_t)__builtin_ctz(m) : len;
	}
#else
	/* loop: i grows by 8 each pass */
	while (len - i >= 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (word_special(w))
			break;
		memcpy(o + i, &w, 8);
		i += 8;
	}
#endif
	if (len - i >= 8) {
		uint64_t w1, w2;

		memcpy(&w1, p + i, 8);
		memcpy(&w2, p + len - 8, 8);
		if (!word_special(w1) && !word_special(w2)) {
			memcpy(o + i, &w1, 8);
			memcpy(o + len - 8, &w2, 8);
			return len;
		}
	}
	/* loop: one byte per pass over the few bytes left */
	while (i < len && esc_table[p[i]] == 0) {
		o[i] = (char)p[i];
		i++;
	}
	return i;
}

/*
 * w_str - a JSON string, or null for an absent slice, at @o, which has
 * room for ESC_MAX * s.len + 2 bytes plus STORE_SLACK.
 */
static char *
w_str(char *o, bk_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n;

	if (s.ptr == NULL) {
		LIT(o, "null");
		return o;
	}
	*o++ = '"';
	/* invariant: i only grows; every pass consumes >= 1 byte */
	while (i < s.len) {
		unsigned c;

		n = plain_run(o, p + i, s.len - i);
		o += n;
		i += n;
		if (i == s.len)
			break;
		c = p[i];
		if (c >= 0x80) {
			n = bk__utf8_len(p + i, s.len - i);
			if (n == 0) {
				LIT(o, "\\ufffd");
				i++;
			} else {
				memcpy(o, p + i, n);
				o += n;
				i += n;
			}
			continue;
		}
		*o++ = '\\';
		if (esc_table[c] != 'u') {
			*o++ = esc_table[c];
		} else {
			static const char hex[] = "0123456789abcdef";

			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		i++;
	}
	*o++ = '"';
	return o;
}

/* cs - a slice over a C string, NULL staying absent (bk__cstr, inline) */
static inline bk_str
cs(const char *s)
{
	bk_str r;

	r.ptr = s;
	r.len = s != NULL ? strlen(s) : 0;
	return r;
}

/* the format version as the text of its digits */
#define VERSION_TEXT(v) VERSION_TEXT_(v)
#define VERSION_TEXT_(v) #v

/*
 * The longest string member the writer takes: with it, the room counted
 * for S_COUNT strings of ESC_MAX bytes per byte cannot overflow.
 */
#define STR_LEN_MAX ((SIZE_MAX / 2 - JSON_FIXED - STORE_SLACK) / \
    (ESC_MAX * S_COUNT) - 2)

/* rfc3339 - the timestamp in the zone it was written in */
static void
rfc3339(char *buf, size_t size, int64_t t, int tz)
{
	time_t local = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	int a = tz < 0 ? -tz : tz;

	if (gmtime_r(&local, &tm) == NULL) {
		/* past what the C library can break down: the seconds */
		snprintf(buf, size, "@%lld", (long long)t);
		return;
	}
	if (tz == 0)
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tz < 0 ? '-' : '+', a / 60, a % 60);
}

/* empty_null - treat empty slices as absent */
static bk_str
nz(bk_str s)
{
	if (s.ptr != NULL && s.len == 0)
		return BK_STR_NULL;
	return s;
}

/* bk_format_header - see format.h */
int
bk_format_header(FILE *fp, bk_format fmt)
{
	if (fmt == BK_FORMAT_CSV)
		fputs("origin,kind,recipient,status,reply_code,reason,hard,"
		    "permanent,command,remote_mta,diagnostic,sender,"
		    "message_id,timestamp,rule\r\n", fp);
	return ferror(fp) ? BK_EIO : 0;
}

/* csv_field - RFC 4180 quoting; control bytes become spaces */
static void
csv_field(FILE *fp, bk_str s, int last)
{
	size_t i;

	if (s.ptr != NULL) {
		fputc('"', fp);
		for (i = 0; i < s.len; i++) {
			unsigned char c = (unsigned char)s.ptr[i];

			if (c == '"')
				fputs("\"\"", fp);
			else if (c < 0x20 || c == 0x7f)
				fputc(' ', fp);
			else
				fputc(c, fp);
		}
		fputc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

/* text_str - printable text, other bytes as \xNN (valid UTF-8 kept) */
static void
text_str(FILE *fp, bk_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n;

	if (s.ptr == NULL) {
		fputs("-", fp);
		return;
	}
	while (i < s.len) {
		if (p[i] >= 0x80 && (n = bk__utf8_len(p + i, s.len - i)) > 0 &&
		    !(n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			fwrite(p + i, 1, n, fp);
			i += n;
			continue;
		}
		if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(fp, "\\x%02x", p[i]);
		else
			fputc(p[i], fp);
		i++;
	}
}

/* two - two decimal digits */
static char *
two(char *o, int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* Room for a timestamp: rfc3339() fills at most 95 bytes, all ASCII. */
#define TIME_MAX_CHARS (ESC_MAX * 96 + 2)

/* Seconds from 0000-01-01T00:00:00Z and to 10000-01-01T00:00:00Z. */
#define YEAR0_SECS (-62167219200LL)
#define YEAR10K_SECS 253402300800LL

/*
 * civil - year, month and day of @days since 1970-01-01 in the proleptic
 * Gregorian calendar, as gmtime_r gives them (H. Hinnant's
 * civil_from_days: 400-year eras of 146097 days, years starting in
 * March).  Example: 19675 is 2023-11-14.
 */
static void
civil(int64_t days, int *y, int *m, int *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	days += 719468;            /* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);            /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);    /* [0, 365] */
	mp = (5 * doy + 2) / 153;                         /* March is 0 */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/*
 * w_time - rfc3339() as a JSON string, without snprintf or gmtime_r for
 * years 0 to 9999 and offsets under 100 hours (the fixed-width form)
 */
static char *
w_time(char *o, int64_t t, int tz)
{
	int64_t local = t + (int64_t)tz * 60, days, sod;
	int a = tz < 0 ? -tz : tz, year, mon, mday;
	char buf[96];

	if (local < YEAR0_SECS || local >= YEAR10K_SECS || a / 60 > 99) {
		/* out of the fixed-width range: as printf writes it */
		rfc3339(buf, sizeof(buf), t, tz);
		return w_str(o, bk__cstr(buf));
	}
	days = local / 86400;
	sod = local % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil(days, &year, &mon, &mday);
	*o++ = '"';
	o = two(o, year / 100);
	o = two(o, year % 100);
	*o++ = '-';
	o = two(o, mon);
	*o++ = '-';
	o = two(o, mday);
	*o++ = 'T';
	o = two(o, (int)(sod / 3600));
	*o++ = ':';
	o = two(o, (int)(sod / 60 % 60));
	*o++ = ':';
	o = two(o, (int)(sod % 60));
	if (tz == 0) {
		*o++ = 'Z';
	} else {
		*o++ = tz < 0 ? '-' : '+';
		o = two(o, a / 60);
		*o++ = ':';
		o = two(o, a % 60);
	}
	*o++ = '"';
	return o;
}

/*
 * Room for everything but the strings' own bytes: the keys with their
 * punctuation (about 700 bytes, each null written as "null"), five
 * integers and the timestamp.  A debug build asserts that a record never
 * writes more than it reserved.
 */
#define JSON_FIXED (1024 + 5 * INT_MAX_CHARS + TIME_MAX_CHARS)

/*
 * Members.  @key is the literal ",\"name\":" (every member but the first
 * starts with a comma).  With BK__JSON_OMIT_NULL a null value leaves the
 * whole member out.
 */
#define MEMBER_STR(o, fl, key, s) do {                                     \
	bk_str s_ = (s);                                                   \
	if (s_.ptr != NULL) {                                              \
		LIT((o), key);                                             \
		(o) = w_str((o), s_);                                      \
	} else if (!((fl) & BK__JSON_OMIT_NULL)) {                         \
		LIT((o), key "null");                                      \
	}                                                                  \
} while (0)
#define MEMBER_INT(o, fl, key, present, v) do {                            \
	if (present) {                                                     \
		LIT((o), key);                                             \
		(o) = w_int((o), (v));                                     \
	} else if (!((fl) & BK__JSON_OMIT_NULL)) {                         \
		LIT((o), key "null");                                      \
	}                                                                  \
} while (0)

/*
 * The string members of a record, in output order, so that their room is
 * counted in one pass and no C string is measured twice.
 */
enum {
	S_ORIGIN, S_KIND, S_DECODER, S_RECIPIENT, S_ORIG_RCPT, S_SENDER,
	S_ACTION, S_STATUS, S_COMMAND, S_DIAGNOSTIC, S_DIAG_TYPE,
	S_REMOTE_MTA, S_REPORTING_MTA, S_MESSAGE_ID, S_SUBJECT, S_LIST_ID,
	S_FROM, S_FEEDBACK_TYPE, S_REASON, S_CATEGORY, S_CAUSE, S_PROVIDER,
	S_PROVIDER_CODE, S_BLOCKLIST, S_RESPONSIBLE, S_RETRY, S_RULE,
	S_EVIDENCE, S_ERROR, S_COUNT
};

/* TAKE - v[@i] = @expr, its length added to sum and over (see below) */
#define TAKE(i, expr) do {                                                 \
	bk_str t_ = (expr);                                                \
	v[(i)] = t_;                                                       \
	sum += t_.len + 2;                                                 \
	over |= t_.len;                                                    \
} while (0)

/* bk__format_json - see format_int.h */
int
bk__format_json(bk__fbuf *b, const bk_record *r, const char *origin,
    int fl)
{
	bk_str v[S_COUNT];
	size_t total = JSON_FIXED, sum, over;
	char *o, *start;

	/* each string with its room counted as it is taken (not read back
	 * from v[]): ESC_MAX bytes a byte and two quotes ("null" for an
	 * absent one is counted with the keys); the OR of the lengths is at
	 * least the longest, so one test afterwards bounds them all */
	sum = 0;
	over = 0;
	TAKE(S_ORIGIN, cs(origin));
	TAKE(S_KIND, cs(bk_kind_name(r->kind)));
	TAKE(S_DECODER, cs(r->decoder));
	TAKE(S_RECIPIENT, nz(r->recipient));
	TAKE(S_ORIG_RCPT, nz(r->original_recipient));
	TAKE(S_SENDER, nz(r->sender));
	TAKE(S_ACTION, nz(r->action));
	TAKE(S_STATUS, nz(r->status));
	TAKE(S_COMMAND, nz(r->command));
	TAKE(S_DIAGNOSTIC, nz(r->diagnostic));
	TAKE(S_DIAG_TYPE, nz(r->diagnostic_type));
	TAKE(S_REMOTE_MTA, nz(r->remote_mta));
	TAKE(S_REPORTING_MTA, nz(r->reporting_mta));
	TAKE(S_MESSAGE_ID, nz(r->message_id));
	TAKE(S_SUBJECT, r->subject);
	TAKE(S_LIST_ID, nz(r->list_id));
	TAKE(S_FROM, nz(r->from));
	TAKE(S_FEEDBACK_TYPE, nz(r->feedback_type));
	TAKE(S_REASON, cs(bk_reason_name(r->reason)));
	TAKE(S_CATEGORY, r->category);
	TAKE(S_CAUSE, r->cause);
	TAKE(S_PROVIDER, r->provider);
	TAKE(S_PROVIDER_CODE, r->provider_code);
	TAKE(S_BLOCKLIST, r->blocklist);
	TAKE(S_RESPONSIBLE, cs(bk_responsible_name(r->responsible)));
	TAKE(S_RETRY, cs(bk_retry_name(r->retry)));
	TAKE(S_RULE, r->rule);
	TAKE(S_EVIDENCE, r->evidence);
	TAKE(S_ERROR, r->error);
	if (over > STR_LEN_MAX) {
		b->oom = 1;
		return BK_ENOMEM;
	}
	total += ESC_MAX * sum;
	if (room(b, total + STORE_SLACK) != 0)
		return BK_ENOMEM;
	start = o = b->p + b->len;
	LIT(o, "{\"format_version\":" VERSION_TEXT(BK_FORMAT_VERSION));
	MEMBER_STR(o, fl, ",\"origin\":", v[S_ORIGIN]);
	MEMBER_STR(o, fl, ",\"kind\":", v[S_KIND]);
	MEMBER_STR(o, fl, ",\"decoder\":", v[S_DECODER]);
	MEMBER_STR(o, fl, ",\"recipient\":", v[S_RECIPIENT]);
	MEMBER_STR(o, fl, ",\"original_recipient\":", v[S_ORIG_RCPT]);
	MEMBER_STR(o, fl, ",\"sender\":", v[S_SENDER]);
	MEMBER_STR(o, fl, ",\"action\":", v[S_ACTION]);
	MEMBER_STR(o, fl, ",\"status\":", v[S_STATUS]);
	MEMBER_INT(o, fl, ",\"reply_code\":", r->reply_code > 0,
	    r->reply_code);
	MEMBER_STR(o, fl, ",\"command\":", v[S_COMMAND]);
	MEMBER_STR(o, fl, ",\"diagnostic\":", v[S_DIAGNOSTIC]);
	MEMBER_STR(o, fl, ",\"diagnostic_type\":", v[S_DIAG_TYPE]);
	MEMBER_STR(o, fl, ",\"remote_mta\":", v[S_REMOTE_MTA]);
	MEMBER_STR(o, fl, ",\"reporting_mta\":", v[S_REPORTING_MTA]);
	if (r->has_timestamp) {
		LIT(o, ",\"timestamp\":");
		o = w_time(o, r->timestamp, r->tz_offset);
	} else if (!(fl & BK__JSON_OMIT_NULL)) {
		LIT(o, ",\"timestamp\":null");
	}
	MEMBER_INT(o, fl, ",\"timestamp_unix\":", r->has_timestamp,
	    r->timestamp);
	MEMBER_STR(o, fl, ",\"message_id\":", v[S_MESSAGE_ID]);
	MEMBER_STR(o, fl, ",\"subject\":", v[S_SUBJECT]);
	MEMBER_STR(o, fl, ",\"list_id\":", v[S_LIST_ID]);
	MEMBER_STR(o, fl, ",\"from\":", v[S_FROM]);
	MEMBER_STR(o, fl, ",\"feedback_type\":", v[S_FEEDBACK_TYPE]);
	MEMBER_STR(o, fl, ",\"reason\":", v[S_REASON]);
	MEMBER_STR(o, fl, ",\"category\":", v[S_CATEGORY]);
	MEMBER_STR(o, fl, ",\"cause\":", v[S_CAUSE]);
	MEMBER_STR(o, fl, ",\"provider\":", v[S_PROVIDER]);
	MEMBER_STR(o, fl, ",\"provider_code\":", v[S_PROVIDER_CODE]);
	MEMBER_STR(o, fl, ",\"blocklist\":", v[S_BLOCKLIST]);
	if (r->permanent > 0)
		LIT(o, ",\"permanent\":true");
	else if (r->permanent == 0)
		LIT(o, ",\"permanent\":false");
	else if (!(fl & BK__JSON_OMIT_NULL))
		LIT(o, ",\"permanent\":null");
	if (r->hard)
		LIT(o, ",\"hard\":true");
	else
		LIT(o, ",\"hard\":false");
	MEMBER_STR(o, fl, ",\"responsible\":", v[S_RESPONSIBLE]);
	MEMBER_STR(o, fl, ",\"retry\":", v[S_RETRY]);
	MEMBER_INT(o, fl, ",\"retry_after\":", r->retry_after > 0,
	    r->retry_after);
	LIT(o, ",\"confidence\":");
	o = w_int(o, r->confidence);
	MEMBER_STR(o, fl, ",\"rule\":", v[S_RULE]);
	MEMBER_STR(o, fl, ",\"evidence\":", v[S_EVIDENCE]);
	MEMBER_STR(o, fl, ",\"error\":", v[S_ERROR]);
	LIT(o, "}");
	/* room() reserved total + 1: the NUL always fits */
	BK_ASSERT((size_t)(o - start) <= total, return BK_ERROR);
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
	return 0;
}

/* bk_format_record - see format.h */
int
bk_format_record(FILE *fp, bk_format fmt, const bk_record *r,
    const char *origin)
{
	char ts[96] = "", code[16] = "";
	bk_str tss = BK_STR_NULL, codes = BK_STR_NULL;

	if (fmt != BK_FORMAT_CSV && fmt != BK_FORMAT_TEXT)
		goto json;
	if (r->has_timestamp) {
		rfc3339(ts, sizeof(ts), r->timestamp, r->tz_offset);
		tss = bk__cstr(ts);
	}
	if (r->reply_code > 0) {
		snprintf(code, sizeof(code), "%d", r->reply_code);
		codes = bk__cstr(code);
	}
	if (fmt == BK_FORMAT_CSV) {
		csv_field(fp, bk__cstr(origin), 0);
		csv_field(fp, bk__cstr(bk_kind_name(r->kind)), 0);
		csv_field(fp, r->recipient, 0);
		csv_field(fp, r->status, 0);
		csv_field(fp, codes, 0);
		csv_field(fp, bk__cstr(bk_reason_name(r->reason)), 0);
		csv_field(fp, bk__cstr(r->hard ? "true" : "false"), 0);
		csv_field(fp, bk__cstr(r->permanent < 0 ? NULL :
		    r->permanent ? "true" : "false"), 0);
		csv_field(fp, r->command, 0);
		csv_field(fp, r->remote_mta, 0);
		csv_field(fp, r->diagnostic, 0);
		csv_field(fp, r->sender, 0);
		csv_field(fp, r->message_id, 0);
		csv_field(fp, tss, 0);
		csv_field(fp, r->rule, 1);
		return ferror(fp) ? BK_EIO : 0;
	}
	if (fmt == BK_FORMAT_TEXT) {
		fputs(origin, fp);
		fputs(": ", fp);
		text_str(fp, r->recipient);
		fprintf(fp, "\n  kind %s, reason %s%s, status ",
		    bk_kind_name(r->kind), bk_reason_name(r->reason),
		    r->hard ? " (address is bad)" : "");
		text_str(fp, r->status);
		fprintf(fp, ", reply %s\n", code[0] ? code : "-");
		if (r->cause.ptr != NULL || r->category.ptr != NULL) {
			fputs("  cause ", fp);
			text_str(fp, r->cause);
			fputs(" (", fp);
			text_str(fp, r->category);
			fputs(")", fp);
			if (r->provider.ptr != NULL) {
				fputs(", provider ", fp);
				text_str(fp, r->provider);
				if (r->provider_code.ptr != NULL) {
					fputc(' ', fp);
					text_str(fp, r->provider_code);
				}
			}
			if (r->blocklist.ptr != NULL) {
				fputs(", blocklist ", fp);
				text_str(fp, r->blocklist);
			}
			fputc('\n', fp);
		}
		if (r->kind != BK_KIND_UNKNOWN)
			fprintf(fp, "  whose move: %s, retry: %s\n",
			    bk_responsible_name(r->responsible),
			    bk_retry_name(r->retry) ? bk_retry_name(r->retry) :
			    "-");
		if (r->diagnostic.ptr != NULL) {
			fputs("  said: ", fp);
			text_str(fp, r->diagnostic);
			fputc('\n', fp);
		}
		if (r->error.ptr != NULL) {
			fputs("  error: ", fp);
			text_str(fp, r->error);
			fputc('\n', fp);
		}
		return ferror(fp) ? BK_EIO : 0;
	}
json:
	{
		char stack[8192];
		bk__fbuf b;
		int rc;

		bk__fbuf_init(&b, stack, sizeof(stack));
		rc = bk__format_json(&b, r, origin, 0);
		if (rc == 0) {
			b.p[b.len++] = '\n';   /* room: the NUL's byte */
			fwrite(b.p, 1, b.len, fp);
		}
		bk__fbuf_free(&b);
		if (rc != 0)
			return rc;
	}
	return ferror(fp) ? BK_EIO : 0;
}
