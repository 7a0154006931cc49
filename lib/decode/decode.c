/*
 * decode.c - run the decoders over a parsed message; shared helpers.
 *
 * Order: a feedback report (RFC 5965) is decisive; then vendor formats
 * that are recognised by their own markers; then an RFC 3464 report;
 * then auto-replies (RFC 3834); then the generic reader of notification
 * text.  When nothing applies, one record of kind unknown says why.
 */
#include <stddef.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decode/decode_int.h"

/* bk__dctx_reserve - see decode_int.h */
int
bk__dctx_reserve(bk__dctx *ctx, size_t n)
{
	bk_record *nv;

	if (n > BK_LIMIT_RECIPIENTS)
		n = BK_LIMIT_RECIPIENTS;
	if (n <= ctx->cap)
		return 0;
	nv = bk__arena_alloc(ctx->msg->arena, n * sizeof(*nv));
	if (nv == NULL) {
		ctx->oom = 1;
		return BK_ENOMEM;
	}
	if (ctx->nrec)
		memcpy(nv, ctx->rec, ctx->nrec * sizeof(*nv));
	ctx->rec = nv;
	ctx->cap = n;
	return 0;
}

/* bk__dctx_add - append a zeroed record */
bk_record *
bk__dctx_add(bk__dctx *ctx, const char *decoder)
{
	bk_record *r;

	if (ctx->nrec >= BK_LIMIT_RECIPIENTS) {
		bk__message_damage(ctx->msg, BK_SEV_DAMAGED,
		    "too many recipients; the rest were not reported");
		return NULL;
	}
	if (ctx->nrec == ctx->cap &&
	    bk__dctx_reserve(ctx, ctx->cap ? ctx->cap * 2 : 4) != 0)
		return NULL;
	r = &ctx->rec[ctx->nrec++];
	/* out of line: an inlined clear of the 440 bytes was a rep stos */
	bk__zero(r, sizeof(*r));
	r->kind = BK_KIND_BOUNCE;
	r->decoder = decoder;
	r->permanent = -1;
	return r;
}

/* bk__addr_hash - see decode_int.h */
uint32_t
bk__addr_hash(bk_str a)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	size_t i;

	for (i = 0; i < a.len; i++)
		h = (h ^ (uint32_t)bk__lower((unsigned char)a.ptr[i])) *
		    16777619u;
	return h;
}

/* bk__addr_same - see decode_int.h */
int
bk__addr_same(bk_str a, bk_str b)
{
	return a.ptr != NULL && b.ptr != NULL && a.len == b.len &&
	    bk__imeq(a.ptr, b.ptr, a.len);
}

/* rix_rcpt - the recipient of the record in index slot @s (not empty) */
static inline bk_str
rix_rcpt(const bk__dctx *ctx, size_t s)
{
	return ctx->rec[ctx->rix_slot[s] - 1].recipient;
}

/*
 * rix_add - index records [rix_n, nrec) that have a recipient, in a table
 * at most half full (grown as needed); an address already indexed keeps
 * its first record.  Stops at a record whose recipient is not set yet
 * (its reader sets it after adding it); 0 or BK_ENOMEM.
 */
static int
rix_add(bk__dctx *ctx)
{
	size_t i, s, size;

	if (2 * ctx->nrec > ctx->rix_mask) {
		/* rebuild at four times the records */
		uint32_t *t;

		for (size = 256; size < 4 * ctx->nrec; size *= 2)
			;
		t = bk__arena_zalloc(ctx->msg->arena, size * sizeof(*t));
		if (t == NULL)
			return BK_ENOMEM;
		ctx->rix_slot = t;
		ctx->rix_mask = size - 1;
		ctx->rix_n = 0;
	}
	for (i = ctx->rix_n; i < ctx->nrec; i++) {
		bk_str a = ctx->rec[i].recipient;

		if (a.ptr == NULL)
			break;
		/* invariant: at most half full, so an empty slot ends */
		for (s = bk__addr_hash(a) & ctx->rix_mask;
		    ctx->rix_slot[s] != 0; s = (s + 1) & ctx->rix_mask)
			if (bk__addr_same(rix_rcpt(ctx, s), a))
				break;
		if (ctx->rix_slot[s] == 0)
			ctx->rix_slot[s] = (uint32_t)(i + 1);
	}
	ctx->rix_n = i;
	return 0;
}

/*
 * bk__dctx_find - the first record for @addr.  Past RIX_MIN records the
 * records are indexed by address (readers ask once per recipient, so a
 * list searched each time made a report of thousands quadratic); the
 * records not indexed yet are searched one by one.
 */
#define RIX_MIN 32
bk_record *
bk__dctx_find(bk__dctx *ctx, bk_str addr)
{
	size_t i = 0, s;

	if (addr.ptr == NULL)
		return NULL;
	if (ctx->nrec >= RIX_MIN && rix_add(ctx) == 0) {
		for (s = bk__addr_hash(addr) & ctx->rix_mask;
		    ctx->rix_slot[s] != 0; s = (s + 1) & ctx->rix_mask)
			if (bk__addr_same(rix_rcpt(ctx, s), addr))
				return &ctx->rec[ctx->rix_slot[s] - 1];
		i = ctx->rix_n;
	}
	for (; i < ctx->nrec; i++)
		if (bk__addr_same(ctx->rec[i].recipient, addr))
			return &ctx->rec[i];
	return NULL;
}

/* local-part and domain characters accepted in a bare address */
static int
addr_char(unsigned char c)
{
	return bk__is(c, BK_C_ATEXT) || c >= 0x80;
}

/*
 * quoted_start - the opening quote of the quoted-string that @q (a '"')
 * closes, at most 64 bytes back (RFC 5321 4.5.3.1.1) and on one line;
 * @q + 1 (an empty local part) when there is none.  A backslash quotes
 * the byte after it.
 */
static const char *
quoted_start(const char *lo, const char *q)
{
	const char *s = q;

	/* loop: s moves back one byte per pass, 64 at most */
	while (s > lo && q - s < 64) {
		s--;
		if (*s == '\n' || *s == '\r')
			break;
		if (*s == '"' && !(s > lo && s[-1] == '\\'))
			return s + 1 < q ? s : q + 1;
	}
	return q + 1;
}

/*
 * bk__addr_find - first address in a slice.  Looks for '@' with atext on
 * both sides and a dot in the domain (or a bracketed literal).
 */
bk_str
bk__addr_find(const char *p, size_t len)
{
	const char *end, *at, *s, *e, *dot;

	if (p == NULL)
		return BK_STR_NULL;
	end = p + len;

	/* loop: p moves past each '@' examined */
	while (p < end && (at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		s = at;
		if (at > p + 1 && at[-1] == '"') {
			/* RFC 5321 quoted-string local part: "a..b"@c */
			s = quoted_start(p, at - 1);
		} else {
			while (s > p && addr_char((unsigned char)s[-1]))
				s--;
			/* a dot-atom does not start or end with a dot */
			while (s < at && *s == '.')
				s++;
		}
		e = at + 1;
		if (e < end && *e == '[') {
			while (e < end && *e != ']' && e - at < 64)
				e++;
			if (e < end && *e == ']')
				e++;
		} else {
			while (e < end && (bk__is(*e,
			    BK_C_ALPHA | BK_C_DIGIT) || *e == '-' ||
			    *e == '.' || *e == '_' ||
			    (unsigned char)*e >= 0x80))
				e++;
		}
		while (e > at + 1 && (e[-1] == '.' || e[-1] == '-'))
			e--;
		/* prose quotes an address in single quotes: 'a@b' */
		if (s < at && *s == '\'' && e < end && *e == '\'')
			s++;
		dot = memchr(at + 1, '.', (size_t)(e - at - 1));
		if (s < at && e > at + 1 && (dot != NULL || at[1] == '[' ||
		    e - at > 1)) {
			/* strip an "rfc822;" style prefix glued to it */
			return bk__str(s, (size_t)(e - s));
		}
		p = at + 1;
	}
	return BK_STR_NULL;
}

/* bk__addr_sole - see decode_int.h */
bk_str
bk__addr_sole(bk_str v)
{
	bk_str a;
	const char *rest;

	if (v.ptr == NULL)
		return BK_STR_NULL;
	a = bk__addr_find(v.ptr, v.len);
	if (a.ptr == NULL)
		return BK_STR_NULL;
	rest = bk__str_end(a);
	if (rest < bk__str_end(v) && bk__addr_find(rest,
	    (size_t)(bk__str_end(v) - rest)).ptr != NULL)
		return BK_STR_NULL;
	return a;
}

/* bk__addr_only - the slice is just one address (brackets allowed) */
bk_str
bk__addr_only(bk_str s)
{
	bk_str a;

	s = bk__trim(s);
	if (s.len >= 2 && s.ptr[0] == '<' && s.ptr[s.len - 1] == '>') {
		s.ptr++;
		s.len -= 2;
	}
	if (s.len == 0 || s.len > 320)
		return BK_STR_NULL;
	a = bk__addr_find(s.ptr, s.len);
	if (a.ptr != s.ptr || a.len != s.len)
		return BK_STR_NULL;
	return a;
}

/* bk__unfold - join folded lines with one space */
bk_str
bk__unfold(bk_message *msg, bk_str s)
{
	bk__buf b;
	size_t i;

	s = bk__trim(s);
	if (s.ptr == NULL || memchr(s.ptr, '\n', s.len) == NULL)
		return s;
	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	/* past the bound nothing more is kept: stop reading there */
	for (i = 0; i < s.len && !b.truncated; i++) {
		if (s.ptr[i] == '\n') {
			while (i + 1 < s.len && (s.ptr[i + 1] == ' ' ||
			    s.ptr[i + 1] == '\t'))
				i++;
			bk__buf_putc(&b, ' ');
			continue;
		}
		bk__buf_putc(&b, s.ptr[i]);
	}
	return b.ptr ? bk__str(b.ptr, b.len) : s;
}

/*
 * span_word - how many leading bytes of @p are not white space (SP, HT,
 * CR, LF); sixteen at a time where SSE2 is there.  Squeezing the
 * paragraphs of a notification is mostly stepping over words.
 */
static size_t
span_word(const char *p, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i sp = _mm_set1_epi8(' '), ht = _mm_set1_epi8('\t');
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

	/* loop: i grows by 16 each pass */
	for (; i + 16 <= len; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + i));
		__m128i blank = _mm_or_si128(_mm_cmpeq_epi8(a, sp),
		    _mm_cmpeq_epi8(a, ht));
		__m128i eol = _mm_or_si128(_mm_cmpeq_epi8(a, lf),
		    _mm_cmpeq_epi8(a, cr));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(blank,
		    eol));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < len && !bk__is(p[i], BK_C_SPACE | BK_C_EOL))
		i++;
	return i;
}

/* bk__squeeze - collapse white space runs to one space */
bk_str
bk__squeeze(bk_message *msg, bk_str s)
{
	bk__buf b;
	size_t i;
	int sp = 0, need = 0;

	s = bk__trim(s);
	if (s.ptr == NULL)
		return s;
	/* anything but single spaces between words needs a copy; loop: i
	 * moves to the next white space byte, then past it */
	for (i = span_word(s.ptr, s.len); i + 1 < s.len;
	    i += 1 + span_word(s.ptr + i + 1, s.len - i - 1)) {
		if (s.ptr[i] != ' ' || bk__is(s.ptr[i + 1],
		    BK_C_SPACE | BK_C_EOL)) {
			need = 1;
			break;
		}
	}
	if (!need)
		return s;
	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	/* copy runs of words with single spaces between them whole, one
	 * space between runs; past the bound nothing more is kept: stop
	 * reading there */
	for (i = 0; i < s.len && !b.truncated; ) {
		size_t j;

		if (bk__is(s.ptr[i], BK_C_SPACE | BK_C_EOL)) {
			sp = 1;
			i++;
			continue;
		}
		/* loop: j moves past one word and the space after it */
		for (j = i + 1 + span_word(s.ptr + i + 1, s.len - i - 1);
		    j + 1 < s.len && s.ptr[j] == ' ' && !bk__is(s.ptr[j + 1],
		    BK_C_SPACE | BK_C_EOL);
		    j += 2 + span_word(s.ptr + j + 2, s.len - j - 2))
			;
		if (sp)
			bk__buf_putc(&b, ' ');
		sp = 0;
		bk__buf_append(&b, s.ptr + i, j - i);
		i = j;
	}
	return b.ptr ? bk__str(b.ptr, b.len) : s;
}

/*
 * bk__find_status - an enhanced status code (RFC 3463: class "." subject
 * "." detail, class 2, 4 or 5, subject 1-3 digits, detail 1-3 digits)
 * standing as its own token.
 */
bk_str
bk__find_status(bk_str s)
{
	const char *p, *q, *end;
	size_t i, j, k;

	/* the shortest code, "5.1.1", has five bytes */
	if (s.ptr == NULL || s.len < 5)
		return BK_STR_NULL;
	end = s.ptr + s.len;
	/* every code has a '.' after its class digit: go from '.' to '.'
	 * (memchr) instead of testing every byte; loop: q moves past
	 * each '.', and p = q - 1 grows with it */
	for (q = s.ptr + 1; q < end && (q = memchr(q, '.', (size_t)(end -
	    q))) != NULL; q++) {
		p = q - 1;
		if (p + 5 > end)
			break;
		if (*p != '2' && *p != '4' && *p != '5')
			continue;
		if (p > s.ptr && (bk__is(p[-1], BK_C_DIGIT) || p[-1] == '.'))
			continue;
		i = 2;
		for (j = 0; p + i < end && j < 3 && bk__is(p[i], BK_C_DIGIT);
		    j++)
			i++;
		if (j == 0 || p + i >= end || p[i] != '.')
			continue;
		i++;
		for (k = 0; p + i < end && k < 3 && bk__is(p[i], BK_C_DIGIT);
		    k++)
			i++;
		if (k == 0)
			continue;
		if (p + i < end && (bk__is(p[i], BK_C_DIGIT | BK_C_ALPHA) ||
		    (p[i] == '.' && p + i + 1 < end &&
		    bk__is(p[i + 1], BK_C_DIGIT))))
			continue;
		return bk__str(p, i);
	}
	return BK_STR_NULL;
}

/*
 * scan_code - the first [245]xx code standing alone in [p, end), where
 * @base is the start of the text (what precedes p still bounds the
 * token); sets *at to it.  0 if none.
 */
static int
scan_code(const char *base, const char *p, const char *end,
    const char **at)
{
	/* loop: p moves one byte per pass, three before end at most */
	for (; p + 3 <= end; p++) {
		if (*p != '2' && *p != '4' && *p != '5')
			continue;
		if (!bk__is(p[1], BK_C_DIGIT) || !bk__is(p[2], BK_C_DIGIT))
			continue;
		if (p > base && (bk__is(p[-1], BK_C_DIGIT | BK_C_ALPHA) ||
		    p[-1] == '.' || p[-1] == '#' || p[-1] == '-' ||
		    p[-1] == ':' || p[-1] == '/'))
			continue;
		if (p + 3 < end && p[3] != ' ' && p[3] != '-' && p[3] != '\n')
			continue;
		if (p[1] > '5')
			continue;
		*at = p;
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}

/* bk__find_reply_code - a [245]xx code standing alone, 0 if none */
int
bk__find_reply_code(bk_str s)
{
	const char *at;

	if (s.ptr == NULL)
		return 0;
	return scan_code(s.ptr, s.ptr, bk__str_end(s), &at);
}

/*
 * Reply codes that RFC 5321 and its extensions define (RFC 3207 STARTTLS,
 * RFC 4954 AUTH, RFC 7504 521/556, RFC 3030 BDAT, RFC 6531 553/555).
 * Other three-digit numbers in a reply ("426 connection timed out",
 * FTP's code, or "220-banner 421 ...") are not the failing SMTP reply.
 */
static const short smtp_codes[] = {
	211, 214, 220, 221, 235, 250, 251, 252, 253,
	421, 422, 430, 432, 450, 451, 452, 453, 454, 455, 458, 459,
	500, 501, 502, 503, 504, 520, 521, 523, 524, 525, 530, 534, 535,
	538, 550, 551, 552, 553, 554, 555, 556, 557,
};

/* is_smtp_code - @c is a reply code SMTP defines */
static int
is_smtp_code(int c)
{
	size_t i;

	for (i = 0; i < sizeof(smtp_codes) / sizeof(smtp_codes[0]); i++) {
		if (smtp_codes[i] == c)
			return 1;
	}
	return 0;
}

/*
 * bk__reply_code_for - the reply code of a failure text that agrees with
 * its status: the first code SMTP defines whose class is the class of
 * the text's own enhanced code, else of @status (any of 4 and 5 when
 * both are missing).  A 2xx code counts only
 * for a 2.x.x status or, with no status, at the start of the text: a
 * greeting ("220-mx ESMTP") before "421 4.2.1 Service refused" is not
 * the reply that failed.  A code of the other failure class is not the
 * reply behind this status either (Postfix's "refused to talk to me:
 * 554 ..." deferred as 4.0.0): 0 then.
 */
int
bk__reply_code_for(bk_str s, bk_str status)
{
	const char *p, *end, *at;
	int c, want = 0;
	bk_str own;

	if (s.ptr == NULL)
		return 0;
	/* the text's own enhanced code goes with its reply */
	own = bk__find_status(s);
	if (own.ptr != NULL)
		status = own;
	if (status.ptr != NULL && status.len > 0)
		want = status.ptr[0] - '0';
	p = s.ptr;
	end = bk__str_end(s);
	/* loop: each pass moves p past the code it found */
	while (p < end && (c = scan_code(s.ptr, p, end, &at)) != 0) {
		p = at + 3;
		if (!is_smtp_code(c))
			continue;
		if (want != 0 && c / 100 != want)
			continue;
		if (want == 0 && c / 100 == 2 && at != s.ptr)
			continue;
		return c;
	}
	return 0;
}

/* key3 - three letters, lower-cased, as one number: a word compared
 * with a table of K3() constants in one integer comparison each */
#define K3(a, b, c) ((unsigned)(a) << 16 | (unsigned)(b) << 8 | (unsigned)(c))
static unsigned
key3(const char *w)
{
	return K3(bk__lower((unsigned char)w[0]),
	    bk__lower((unsigned char)w[1]), bk__lower((unsigned char)w[2]));
}

static const unsigned month_keys[12] = {
	K3('j', 'a', 'n'), K3('f', 'e', 'b'), K3('m', 'a', 'r'),
	K3('a', 'p', 'r'), K3('m', 'a', 'y'), K3('j', 'u', 'n'),
	K3('j', 'u', 'l'), K3('a', 'u', 'g'), K3('s', 'e', 'p'),
	K3('o', 'c', 't'), K3('n', 'o', 'v'), K3('d', 'e', 'c'),
};

/* two_digits - the number of the two digits at @p, -1 if not digits */
static long
two_digits(const char *p)
{
	if (!bk__is(p[0], BK_C_DIGIT) || !bk__is(p[1], BK_C_DIGIT))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* four_digits - the number of the four digits at @p, -1 if not digits */
static long
four_digits(const char *p)
{
	long hi = two_digits(p), lo = two_digits(p + 2);

	return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/*
 * canonical_date - the form nearly every MTA writes, "Tue, 14 Nov 2023
 * 22:13:20 +0100" (weekday optional, blanks around), read without the
 * general loop of bk__parse_date.  Returns 0 for anything else, which
 * the general loop then reads; where both read a string they agree:
 * the weekday must not be a month name, the minute and second must be
 * in the range the loop accepts, and nothing but blanks may follow the
 * zone (a named zone after "+0000" would change the loop's offset).
 * Sets @f to the day, year, hour, minute and second, *mon (0-11) and
 * *off (minutes east) only when it returns 1.
 */
static int
canonical_date(const char *p, const char *end, long f[5], int *mon,
    int *off)
{
	long v;
	int i, m = -1;
	unsigned k;

	while (p < end && bk__is(*p, BK_C_SPACE | BK_C_EOL))
		p++;
	while (end > p && bk__is(end[-1], BK_C_SPACE | BK_C_EOL))
		end--;
	if (end - p >= 5 && bk__is(p[0], BK_C_ALPHA)) {
		if (!bk__is(p[1], BK_C_ALPHA) || !bk__is(p[2], BK_C_ALPHA) ||
		    p[3] != ',' || p[4] != ' ')
			return 0;
		k = key3(p);
		for (i = 0; i < 12; i++) {
			if (k == month_keys[i])
				return 0;
		}
		p += 5;
	}
	/* "14 Nov 2023 22:13:20 +0100" or "4 Nov ..." */
	if (end - p >= 2 && bk__is(p[0], BK_C_DIGIT) && p[1] == ' ') {
		f[0] = p[0] - '0';
		p += 2;
	} else if (end - p >= 3 && p[2] == ' ' && (f[0] = two_digits(p)) >= 0)
		p += 3;
	else
		return 0;
	if (f[0] < 1 || f[0] > 31 || end - p != 23 || p[3] != ' ' ||
	    p[8] != ' ' || p[11] != ':' || p[14] != ':' || p[17] != ' ' ||
	    !bk__is(p[0], BK_C_ALPHA) || !bk__is(p[1], BK_C_ALPHA) ||
	    !bk__is(p[2], BK_C_ALPHA) || (p[18] != '+' && p[18] != '-'))
		return 0;
	k = key3(p);
	for (i = 0; i < 12 && m < 0; i++) {
		if (k == month_keys[i])
			m = i;
	}
	if (m < 0 || (f[1] = four_digits(p + 4)) < 0 ||
	    (f[2] = two_digits(p + 9)) < 0 ||
	    (f[3] = two_digits(p + 12)) < 0 || f[3] > 59 ||
	    (f[4] = two_digits(p + 15)) < 0 || f[4] > 60 ||
	    (v = four_digits(p + 19)) < 0)
		return 0;
	/* only a whole match sets what the general loop starts from */
	*mon = m;
	*off = (int)((v / 100) * 60 + v % 100);
	if (p[18] == '-')
		*off = -*off;
	return 1;
}

/*
 * bk__parse_date - RFC 5322 section 3.3 date-time, with the obsolete
 * forms real MTAs write (two-digit years, named zones, missing weekday).
 */
int
bk__parse_date(bk_str s, int64_t *out, int *tz)
{
	const char *p = s.ptr, *end;
	long day = -1, year = -1, hh = 0, mm = 0, ss = 0, v, f[5];
	int mon = -1, off = 0, i;
	size_t n;

	if (p == NULL)
		return BK_EINVAL;
	end = p + s.len;
	if (canonical_date(p, end, f, &mon, &off)) {
		day = f[0];
		year = f[1];
		hh = f[2];
		mm = f[3];
		ss = f[4];
		p = end;
	}
	/* loop: p advances by at least one byte per iteration */
	while (p < end) {
		if (bk__is(*p, BK_C_DIGIT)) {
			n = bk__digits(p, (size_t)(end - p), 0, 9999, &v);
			if (n == 0) {
				p++;
				continue;
			}
			if (p + n < end && p[n] == ':') {
				hh = v;
				p += n + 1;
				n = bk__digits(p, (size_t)(end - p), 0, 59,
				    &mm);
				p += n;
				if (p < end && *p == ':') {
					p++;
					n = bk__digits(p, (size_t)(end - p), 0,
					    60, &ss);
					p += n;
				}
				continue;
			}
			if (day < 0 && mon < 0 && v >= 1 && v <= 31 && n <= 2)
				day = v;
			else if (year < 0 && mon >= 0)
				year = v;
			else if (day < 0 && v >= 1 && v <= 31 && n <= 2)
				day = v;
			p += n;
			continue;
		}
		if ((*p == '+' || *p == '-') && p + 5 <= end &&
		    bk__digits(p + 1, 4, 0, 9999, &v) == 4 && year >= 0) {
			off = (int)((v / 100) * 60 + v % 100);
			if (*p == '-')
				off = -off;
			p += 5;
			continue;
		}
		if (bk__is(*p, BK_C_ALPHA)) {
			const char *w = p;

			while (p < end && bk__is(*p, BK_C_ALPHA))
				p++;
			if (mon < 0 && p - w >= 3) {
				/* "Nov" and "November" alike: the first three
				 * letters name the month */
				unsigned k = key3(w);

				for (i = 0; i < 12; i++) {
					if (k == month_keys[i]) {
						mon = i;
						break;
					}
				}
			}
			if (p - w == 3 && year >= 0 && off == 0) {
				static const struct {
					unsigned k;
					int o;
				} zones[] = {
					{ K3('e', 's', 't'), -300 },
					{ K3('e', 'd', 't'), -240 },
					{ K3('c', 's', 't'), -360 },
					{ K3('c', 'd', 't'), -300 },
					{ K3('m', 's', 't'), -420 },
					{ K3('m', 'd', 't'), -360 },
					{ K3('p', 's', 't'), -480 },
					{ K3('p', 'd', 't'), -420 },
					{ K3('j', 's', 't'), 540 },
					{ K3('g', 'm', 't'), 0 },
					{ K3('u', 't', 'c'), 0 },
					{ K3('c', 'e', 't'), 60 },
				};
				unsigned k = key3(w);

				for (i = 0; i < 12; i++) {
					if (k == zones[i].k && hh >= 0) {
						off = zones[i].o;
						break;
					}
				}
			}
			continue;
		}
		p++;
	}
	if (day < 1 || mon < 0 || year < 0)
		return BK_ESYNTAX;
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	*out = bk__days_from_civil(year, (unsigned)mon + 1,
	    (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss -
	    (int64_t)off * 60;
	if (tz != NULL)
		*tz = off;
	return 0;
}

/* bk__msgid - see decode_int.h */
bk_str
bk__msgid(bk_str s)
{
	const char *lt, *gt;

	s = bk__trim(s);
	if (s.ptr == NULL)
		return s;
	lt = memchr(s.ptr, '<', s.len);
	if (lt != NULL) {
		gt = memchr(lt, '>', s.len - (size_t)(lt - s.ptr));
		if (gt != NULL)
			return bk__str(lt + 1, (size_t)(gt - lt - 1));
	}
	return s;
}

/* bk__dctx_fill_original - copy the returned message's headers */
void
bk__dctx_fill_original(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str mid, subj, lid, from, to, addr;
	size_t i;

	if (!ctx->has_orig)
		return;
	mid = bk__msgid(bk__headers_value(msg, &ctx->orig_headers,
	    "message-id"));
	subj = bk__headers_value(msg, &ctx->orig_headers, "subject");
	lid = bk__headers_value(msg, &ctx->orig_headers, "list-id");
	from = bk__headers_value(msg, &ctx->orig_headers, "from");
	to = bk__headers_value(msg, &ctx->orig_headers, "to");
	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		if (r->message_id.ptr == NULL && mid.ptr != NULL &&
		    mid.len > 0)
			r->message_id = mid;
		if (r->subject.ptr == NULL)
			r->subject = subj.ptr ? bk__trim(subj) : subj;
		if (r->list_id.ptr == NULL)
			r->list_id = lid.ptr ? bk__trim(lid) : lid;
		if (r->from.ptr == NULL && from.ptr != NULL)
			r->from = bk__trim(from);
		if (r->sender.ptr == NULL && from.ptr != NULL) {
			addr = bk__addr_find(from.ptr, from.len);
			if (addr.ptr != NULL)
				r->sender = addr;
		}
		if (r->recipient.ptr == NULL && to.ptr != NULL &&
		    ctx->nrec == 1) {
			addr = bk__addr_find(to.ptr, to.len);
			if (addr.ptr != NULL)
				r->recipient = addr;
		}
	}
}

/* note_returned - where the returned message is, for bk_message_returned() */
static void
note_returned(bk_message *msg, const char *p, size_t len,
    bk_returned_kind kind)
{
	msg->returned = bk__str(p, len);
	msg->returned_kind = kind;
}

/* is_whole - a part that holds a whole message, not only its headers */
static int
is_whole(const bk__part *p)
{
	return p->is_message || strcmp(p->type, "message/rfc822") == 0 ||
	    strcmp(p->type, "message/global") == 0;
}

/*
 * bk__dctx_orig_from_text - find the returned message inline: the first
 * line after @p that starts a run of header fields ("Received:",
 * "Return-Path:", "From:", ...), parsed as its header block.
 */
void
bk__dctx_orig_from_text(bk__dctx *ctx, const char *p, size_t len)
{
	const char *end = p + len, *eol, *q;
	static const char *const starts[] = {
		"return-path:", "received:", "from:", "message-id:", "date:",
		"to:", "subject:", "mime-version:", "x-", "content-type:",
		"delivered-to:", "dkim-signature:", "reply-to:", "sender:",
		"authentication-results:", "x-original-to:", "arc-",
		"list-", "in-reply-to:", "references:", "cc:", NULL
	};
	int i;

	/* loop: p moves one line forward each time */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		q = p;
		while (q < eol && (*q == ' ' || *q == '>' || *q == '\t'))
			q++;
		if (q == p) {
			for (i = 0; starts[i] != NULL; i++) {
				if (bk__istarts(p, (size_t)(eol - p),
				    starts[i]))
					break;
			}
			if (starts[i] != NULL) {
				const char *hp = p;

				if (bk__headers_parse(ctx->msg,
				    &ctx->orig_headers, &hp, end) == 0 &&
				    ctx->orig_headers.n >= 2) {
					ctx->has_orig = 1;
					ctx->orig_body = bk__str(hp,
					    (size_t)(end - hp));
					note_returned(ctx->msg, p,
					    (size_t)(end - p),
					    BK_MESSAGE_RETURNED_INLINE);
					return;
				}
			}
		}
		p = eol < end ? eol + 1 : end;
	}
}

/* bk__names_recipient - see decode_int.h */
int
bk__names_recipient(bk_message *msg, bk__part *p)
{
	bk_str t = bk__part_text(msg, p);

	return t.ptr != NULL &&
	    (bk__istr(t.ptr, t.len, "final-recipient:") != NULL ||
	    bk__istr(t.ptr, t.len, "original-recipient:") != NULL);
}

/* find_parts - locate the notable parts once */
static void
find_parts(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	size_t i;

	for (i = 0; i < msg->nparts; i++) {
		bk__part *p = msg->parts[i];
		bk__part *a;
		int in_orig = 0, special;

		for (a = p->parent; a != NULL; a = a->parent) {
			if (a == ctx->orig || a->is_message)
				in_orig = 1;
		}
		if (in_orig && ctx->dsn != NULL)
			continue;
		/* only these two prefixes start the report's types below */
		special = strncmp(p->type, "message/", 8) == 0 ||
		    strncmp(p->type, "text/rfc822-header", 18) == 0;
		if (special && (strcmp(p->type,
		    "message/delivery-status") == 0 || strcmp(p->type,
		    "message/global-delivery-status") == 0)) {
			if (ctx->dsn == NULL) {
				ctx->dsn = p;
			} else if (!bk__names_recipient(msg, ctx->dsn) &&
			    bk__names_recipient(msg, p)) {
				/* the first was the notice's text, labelled a
				 * report (a real one follows it) */
				if (ctx->text_part == NULL)
					ctx->text_part = ctx->dsn;
				ctx->dsn = p;
			}
		} else if (special && strcmp(p->type,
		    "message/feedback-report") == 0) {
			if (ctx->arf == NULL)
				ctx->arf = p;
		} else if (special && (strcmp(p->type,
		    "message/disposition-notification") == 0 ||
		    strcmp(p->type,
		    "message/global-disposition-notification") == 0)) {
			if (ctx->mdn == NULL)
				ctx->mdn = p;
		} else if (p->is_message || (special && (strcmp(p->type,
		    "text/rfc822-headers") == 0 || strcmp(p->type,
		    "text/rfc822-header") == 0 || strcmp(p->type,
		    "message/rfc822-headers") == 0 || strcmp(p->type,
		    "message/global-headers") == 0 || strcmp(p->type,
		    "message/rfc822") == 0 || strcmp(p->type,
		    "message/global") == 0))) {
			if (ctx->orig == NULL && p != msg->root)
				ctx->orig = p;
		} else if (!in_orig && ctx->text_part == NULL &&
		    !p->is_multipart && (strcmp(p->type, "text/plain") == 0 ||
		    strncmp(p->type, "text/", 5) != 0 ||
		    strcmp(p->type, "text/html") == 0) &&
		    strncmp(p->type, "image/", 6) != 0) {
			if (strncmp(p->type, "text/", 5) == 0)
				ctx->text_part = p;
		}
	}
	if (ctx->orig != NULL) {
		bk__part *o = ctx->orig;

		if (o->is_message && o->first_child != NULL) {
			ctx->orig_headers = o->first_child->headers;
			ctx->orig_body = bk__str(o->first_child->body,
			    o->first_child->body_len);
			ctx->has_orig = 1;
			note_returned(msg, o->body, o->body_len,
			    BK_MESSAGE_RETURNED_WHOLE);
		} else {
			/* headers-only part or an encoded message/rfc822 */
			bk_str t = bk__part_text(msg, o);
			const char *hp = t.ptr;

			if (t.ptr != NULL && bk__headers_parse(msg,
			    &ctx->orig_headers, &hp, bk__str_end(t)) == 0) {
				ctx->has_orig = 1;
				ctx->orig_body = bk__str(hp,
				    (size_t)(bk__str_end(t) - hp));
				/* a message part the MTA transfer-encoded
				 * came back whole */
				note_returned(msg, t.ptr, t.len,
				    is_whole(o) ? BK_MESSAGE_RETURNED_WHOLE :
				    BK_MESSAGE_RETURNED_HEADERS);
			}
		}
	}
	ctx->dsn_named = ctx->dsn != NULL && bk__names_recipient(msg,
	    ctx->dsn);
	/* a multipart whose boundary never occurs is one text body */
	if (ctx->text_part == NULL && ctx->dsn == NULL &&
	    msg->root->first_child == NULL && msg->root->body_len > 0)
		ctx->text_part = msg->root;
	if (ctx->text_part != NULL)
		ctx->text = bk__part_text(msg, ctx->text_part);
	else
		ctx->text = bk__str("", 0);
}

/*
 * span_not2 - how many leading bytes of @p are neither @a nor @b;
 * sixteen at a time where SSE2 is there (an HTML notification is
 * mostly long tags and runs of text).
 */
static size_t
span_not2(const char *p, size_t len, char a, char b)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);

	/* loop: i grows by 16 each pass */
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < len && p[i] != a && p[i] != b)
		i++;
	return i;
}

/* html_to_text - a rough text rendering of an HTML notification */
static bk_str
html_to_text(bk_message *msg, bk_str h)
{
	bk__buf b;
	size_t i;
	int in_tag = 0;

	bk__buf_init(&b, msg->arena, BK_LIMIT_DECODED_BYTES);
	for (i = 0; i < h.len; i++) {
		char c = h.ptr[i];
		size_t run;

		if (in_tag && c != '>' && c != '<') {
			/* skip the inside of the tag at once */
			run = i + 1 + span_not2(h.ptr + i + 1, h.len - i - 1,
			    '>', '<');
			i = run - 1;
			continue;
		}
		if (!in_tag && c != '<' && c != '&') {
			/* copy the text up to the next tag or entity at once */
			run = i + 1 + span_not2(h.ptr + i + 1, h.len - i - 1,
			    '<', '&');
			bk__buf_append(&b, h.ptr + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '<') {
			in_tag = 1;
			/* a tag that breaks a line starts <b <p </ <d <t */
			if (i + 3 < h.len && memchr("bBpP/dDtT", h.ptr[i + 1],
			    9) != NULL && (bk__istarts(h.ptr + i,
			    h.len - i, "<br") || bk__istarts(h.ptr + i,
			    h.len - i, "<p") || bk__istarts(h.ptr + i,
			    h.len - i, "</p") || bk__istarts(h.ptr + i,
			    h.len - i, "<div") || bk__istarts(h.ptr + i,
			    h.len - i, "<tr") || bk__istarts(h.ptr + i,
			    h.len - i, "</tr")))
				bk__buf_putc(&b, '\n');
			continue;
		}
		if (c == '>' && in_tag) {
			in_tag = 0;
			continue;
		}
		if (in_tag)
			continue;
		if (c == '&') {
			static const struct {
				const char *e;
				char c;
			} ents[] = { { "&lt;", '<' }, { "&gt;", '>' },
				{ "&amp;", '&' }, { "&nbsp;", ' ' },
				{ "&quot;", '"' }, { "&#39;", '\'' } };
			size_t k;

			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				if (bk__istarts(h.ptr + i, h.len - i,
				    ents[k].e)) {
					bk__buf_putc(&b, ents[k].c);
					i += strlen(ents[k].e) - 1;
					break;
				}
			}
			if (k < sizeof(ents) / sizeof(ents[0]))
				continue;
		}
		bk__buf_putc(&b, c);
	}
	return b.ptr ? bk__str(b.ptr, b.len) : bk__str("", 0);
}

/* same_addr - the @n bytes at @p are address @a, ASCII case aside */
static int
same_addr(const char *p, size_t n, bk_str a)
{
	return a.ptr != NULL && a.len == n && n > 0 &&
	    bk__imeq(p, a.ptr, n);
}

/*
 * others_reply - a record whose diagnostic is a reply about another
 * recipient of the same notice ("550 5.1.1 <x@example.net>: User
 * unknown" under y@example.net: nullmailer gives up a whole message at
 * its first refused RCPT and reports every recipient with that reply,
 * tests/mta/nullmailer_e2e.sh) says nothing about its own address:
 * other_reply tells the classifier, whose verdict is then onhold, not
 * the other address's, so that it is never taken for a bad address.
 * Only an address in angle brackets counts, and only one that is the
 * recipient of another record, looked up with bk__dctx_find (its table
 * of the recipients keeps the time linear however many there are).
 */
static void
others_reply(bk__dctx *ctx)
{
	size_t i, n;

	for (i = 0; i < ctx->nrec; i++) {
		const char *p, *end, *lt, *gt;
		bk_record *o;
		int other = 0, own = 0;

		if (ctx->rec[i].diagnostic.ptr == NULL ||
		    ctx->rec[i].recipient.ptr == NULL)
			continue;
		p = ctx->rec[i].diagnostic.ptr;
		end = bk__str_end(ctx->rec[i].diagnostic);
		/* loop: p moves past each '<' */
		while (p < end && (lt = memchr(p, '<', (size_t)(end - p)))
		    != NULL) {
			gt = memchr(lt, '>', (size_t)(end - lt));
			if (gt == NULL)
				break;
			p = gt + 1;
			n = (size_t)(gt - lt - 1);
			if (same_addr(lt + 1, n, ctx->rec[i].recipient)) {
				own = 1;
				break;
			}
			/* ctx->rec may not move here: nothing is added */
			o = bk__dctx_find(ctx, bk__str(lt + 1, n));
			if (o != NULL && o != &ctx->rec[i])
				other = 1;
		}
		if (other && !own)
			ctx->rec[i].other_reply = 1;
	}
}

/*
 * looks_like_log - the message's first line is that of an MTA log file:
 * a PowerMTA accounting header ("type,timeLogged,...") or a syslog time
 * stamp ("Nov 28 06:35:12 ") or an ISO one ("2026-11-28 06:35:12 "), so
 * that the error can name the command that reads it
 */
static int
looks_like_log(const bk_message *msg)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = msg->data;
	size_t n = msg->len, i;

	if (n > 0 && *p == '#') {
		p++;
		n--;
	}
	if (bk__istarts(p, n, "type,timelogged,"))
		return 1;
	if (n >= 16 && p[3] == ' ' && p[6] == ' ' && p[9] == ':' &&
	    p[12] == ':')
		for (i = 0; i + 3 <= sizeof(months) - 1; i += 3)
			if (memcmp(p, months + i, 3) == 0)
				return 1;
	return n >= 20 && p[4] == '-' && p[7] == '-' && p[10] == ' ' &&
	    p[13] == ':' && p[16] == ':' && bk__is(p[0], BK_C_DIGIT);
}

static const bk__decoder decoders[] = {
	{ "webhook", bk__decode_webhook },
	{ "arf", bk__decode_arf },
	{ "mdn", bk__decode_mdn },
	{ "challenge", bk__decode_challenge },
	{ "vendor", bk__decode_vendor },
	{ "rfc3464", bk__decode_dsn },
	{ "rfc3834", bk__decode_autoreply },
	{ "text", bk__decode_text },
};

_Static_assert(offsetof(bk__dctx, marks) + sizeof(bk__marks) ==
    sizeof(bk__dctx), "bk__dctx.marks must be last: see bk_message_decode");

/* bk_message_decode - see message.h */
int
bk_message_decode(bk_message *msg, bk_record **out, size_t *n)
{
	bk__dctx ctx;
	size_t i;
	int rc = 0;
	bk_str date;
	int64_t ts = 0;
	int tz = 0, has_ts = -1;

	if (msg->decoded) {
		*out = msg->records;
		*n = msg->nrecords;
		return 0;
	}
	/* all but the markers' positions (see bk__dctx): clearing all
	 * 600 bytes was a few per cent of the time of a small message */
	bk__zero(&ctx, offsetof(bk__dctx, marks) + offsetof(bk__marks, at));
	ctx.msg = msg;
	note_returned(msg, NULL, 0, BK_MESSAGE_RETURNED_NONE);
	find_parts(&ctx);
	if (ctx.text_part && strcmp(ctx.text_part->type, "text/html") == 0)
		ctx.text = html_to_text(msg, ctx.text);
	ctx.subject = bk__headers_value(msg, &msg->root->headers, "subject");
	ctx.from = bk__headers_value(msg, &msg->root->headers, "from");
	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		rc = decoders[i].decode(&ctx);
		if (rc < 0 || ctx.oom)
			return ctx.oom ? BK_ENOMEM : rc;
		if (rc > 0)
			break;
	}
	/* report records (MIME or pasted) take what the text adds */
	if (ctx.nrec > 0 && (strcmp(ctx.rec[0].decoder, "rfc3464") == 0 ||
	    strcmp(ctx.rec[0].decoder, "text") == 0))
		bk__vendor_enrich(&ctx);
	if (ctx.nrec > 1)
		others_reply(&ctx);
	if (ctx.nrec == 0) {
		rc = bk__decode_dsn_bare(&ctx);
		if (rc < 0 || ctx.oom)
			return ctx.oom ? BK_ENOMEM : rc;
	}
	if (ctx.nrec == 0) {
		rc = bk__decode_notice(&ctx);
		if (rc < 0 || ctx.oom)
			return ctx.oom ? BK_ENOMEM : rc;
	}
	if (ctx.nrec == 0) {
		rc = bk__decode_autoreply_late(&ctx);
		if (rc < 0 || ctx.oom)
			return ctx.oom ? BK_ENOMEM : rc;
	}
	if (ctx.nrec == 0) {
		bk_record *r = bk__dctx_add(&ctx, "none");
		const char *why;

		if (r == NULL)
			return BK_ENOMEM;
		r->kind = BK_KIND_UNKNOWN;
		if (msg->len == 0)
			why = "empty message";
		else if (msg->root->headers.n == 0 && looks_like_log(msg))
			why = "no header fields: an MTA log or accounting "
			    "file? read it with 'bouncekit classify' (or "
			    "'report --log', 'ingest --log')";
		else if (msg->root->headers.n == 0)
			why = "no header fields: not an email message";
		else if (msg->worst >= BK_SEV_DAMAGED)
			why = msg->diag_text;
		else
			why = "no bounce, delay, delivery, feedback or "
			    "auto-reply report recognised";
		r->error = bk__cstr(why);
	}
	if (!ctx.has_orig && ctx.text.ptr != NULL && ctx.nrec > 0 &&
	    ctx.rec[0].kind != BK_KIND_UNKNOWN) {
		/* a reader that did not look for the returned copy */
		size_t cut = bk__dctx_cut(&ctx);

		if (cut < ctx.text.len)
			bk__dctx_orig_from_text(&ctx, ctx.text.ptr + cut,
			    ctx.text.len - cut);
	}
	bk__dctx_fill_original(&ctx);
	for (i = 0; i < ctx.nrec; i++) {
		bk_record *r = &ctx.rec[i];

		/* a one-line Diagnostic-Code is a slice of the message:
		 * bound it like the unfolded copies, at a character edge */
		if (r->diagnostic.len > BK_LIMIT_DIAGNOSTIC_BYTES) {
			size_t cut = BK_LIMIT_DIAGNOSTIC_BYTES;

			while (cut > 0 && ((unsigned char)r->diagnostic.ptr[cut]
			    & 0xc0) == 0x80)
				cut--;
			r->diagnostic.len = cut;
		}
		/* the bounce's Date, read when a record lacks a time */
		if (!r->has_timestamp && has_ts < 0) {
			date = bk__headers_get(&msg->root->headers, "date");
			has_ts = bk__parse_date(date, &ts, &tz) == 0;
		}
		if (!r->has_timestamp && has_ts) {
			r->timestamp = ts;
			r->tz_offset = tz;
			r->has_timestamp = 1;
		}
	}
	msg->records = ctx.rec;
	msg->nrecords = ctx.nrec;
	msg->decoded = 1;
	*out = ctx.rec;
	*n = ctx.nrec;
	return 0;
}
