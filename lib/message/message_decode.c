/*
 * message_decode.c - transfer encodings (RFC 2045 section 6), encoded
 * words (RFC 2047), parameter values (RFC 2045 section 5.1, RFC 2231) and
 * charset conversion to UTF-8 (iconv).
 *
 * Every decoder is a linear pass writing into a bounded arena buffer.
 * Broken input decodes to what can be recovered: bad base64 characters
 * are skipped, a bad quoted-printable escape is kept literally, bytes that
 * do not convert become U+FFFD.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "message/message_int.h"

static const signed char b64val[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['/'] = 64,
};

/* b64_decode - base64 into @b, skipping anything outside the alphabet */
static void
b64_decode(bk__buf *b, const char *p, size_t len)
{
	unsigned acc = 0, n = 0;
	char out[3];
	size_t i;

	for (i = 0; i < len; i++) {
		int v = b64val[(unsigned char)p[i]];

		if (p[i] == '=')
			break;
		if (v == 0)
			continue;
		acc = (acc << 6) | (unsigned)(v - 1);
		if (++n == 4) {
			out[0] = (char)(acc >> 16);
			out[1] = (char)(acc >> 8);
			out[2] = (char)acc;
			bk__buf_append(b, out, 3);
			acc = 0;
			n = 0;
			if (b->truncated)
				return;
		}
	}
	if (n == 2) {
		out[0] = (char)(acc >> 4);
		bk__buf_append(b, out, 1);
	} else if (n == 3) {
		out[0] = (char)(acc >> 10);
		out[1] = (char)(acc >> 2);
		bk__buf_append(b, out, 2);
	}
}

/* qp_decode - quoted-printable; @header: '_' is a space (RFC 2047 Q) */
static void
qp_decode(bk__buf *b, const char *p, size_t len, int header)
{
	size_t i = 0, run;

	while (i < len && !b->truncated) {
		if (!header) {
			const char *eq = memchr(p + i, '=', len - i);

			run = eq != NULL ? (size_t)(eq - p) : len;
		} else {
			run = i;
			while (run < len && p[run] != '=' && p[run] != '_')
				run++;
		}
		if (run > i)
			bk__buf_append(b, p + i, run - i);
		i = run;
		if (i >= len)
			break;
		if (p[i] == '_') {
			bk__buf_putc(b, ' ');
			i++;
			continue;
		}
		/* '=' */
		if (i + 2 < len + 0 && bk__hexval(p[i + 1]) >= 0 &&
		    bk__hexval(p[i + 2]) >= 0) {
			bk__buf_putc(b, bk__hexval(p[i + 1]) * 16 +
			    bk__hexval(p[i + 2]));
			i += 3;
			continue;
		}
		if (i + 2 == len && bk__hexval(p[i + 1]) >= 0) {
			bk__buf_putc(b, '=');
			i++;
			continue;
		}
		/* soft line break: '=' then optional blanks then LF */
		{
			size_t j = i + 1;

			while (j < len && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j >= len) {
				i = len;
				continue;
			}
			if (p[j] == '\n') {
				i = j + 1;
				continue;
			}
		}
		bk__buf_putc(b, '=');
		i++;
	}
}

/* is_utf8 - is the slice valid UTF-8 (RFC 3629) */
static int
is_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c;
		size_t n, k;

		i += bk__span_plain((const char *)p + i, len - i);
		if (i == len)
			break;
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		}
		i += n + 1;
	}
	return 1;
}

/* has_8bit - any byte >= 0x80 or an ISO-2022 escape */
static int
needs_conversion(const char *p, size_t len, int *esc)
{
	size_t i;
	int hi = 0;

	*esc = 0;
	i = bk__span_plain(p, len);
	if (i == len)
		return 0;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x80)
			hi = 1;
		else if (c == 0x1b && i + 2 < len && p[i + 1] == '$')
			*esc = 1;
	}
	return hi || *esc;
}

/* latin1 - bytes as ISO-8859-1 (never fails), the last resort */
static bk_str
latin1(bk_message *msg, const char *p, size_t len)
{
	bk__buf b;
	size_t i;

	bk__buf_init(&b, msg->arena, BK_LIMIT_DECODED_BYTES);
	for (i = 0; i < len && !b.truncated; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x80) {
			bk__buf_putc(&b, c);
		} else {
			bk__buf_putc(&b, 0xc0 | (c >> 6));
			bk__buf_putc(&b, 0x80 | (c & 0x3f));
		}
	}
	if (b.truncated)
		bk__message_damage(msg, BK_SEV_WARNING,
		    "decoded part truncated at the limit");
	if (b.ptr == NULL)
		return bk__str("", 0);
	return bk__str(b.ptr, b.len);
}

/*
 * bk__to_utf8 - convert to UTF-8.  ASCII and valid UTF-8 pass through
 * unchanged; unknown charsets fall back to UTF-8 when valid, else
 * ISO-2022-JP when it carries escapes, else ISO-8859-1.
 */
bk_str
bk__to_utf8(bk_message *msg, const char *p, size_t len, bk_str charset)
{
	char name[64];
	size_t n = 0, i, inleft, outleft, cap;
	iconv_t cd;
	char *out, *in, *o;
	int esc;

	if (!needs_conversion(p, len, &esc))
		return bk__str(p, len);
	if (charset.ptr != NULL) {
		charset = bk__trim(charset);
		for (i = 0; i < charset.len && n < sizeof(name) - 1; i++) {
			unsigned char c = (unsigned char)charset.ptr[i];

			if (c == '"' || c == '\'' || c <= 32)
				continue;
			name[n++] = (char)c;
		}
	}
	name[n] = '\0';
	if (n == 0 || bk__ieq(name, n, "us-ascii") ||
	    bk__ieq(name, n, "utf-8") || bk__ieq(name, n, "utf8") ||
	    bk__ieq(name, n, "unknown-8bit") || bk__ieq(name, n, "x-unknown")) {
		if (!esc && is_utf8((const unsigned char *)p, len))
			return bk__str(p, len);
		memcpy(name, esc ? "ISO-2022-JP" : "UTF-8", esc ? 12 : 6);
		if (!esc)
			return latin1(msg, p, len);
	}
	/* common aliases iconv does not know */
	if (bk__ieq(name, strlen(name), "ks_c_5601-1987"))
		memcpy(name, "CP949", 6);
	else if (bk__ieq(name, strlen(name), "iso-2022-jp"))
		memcpy(name, "ISO-2022-JP-3", 14);
	cd = iconv_open("UTF-8//TRANSLIT", name);
	if (cd == (iconv_t)-1) {
		if (is_utf8((const unsigned char *)p, len))
			return bk__str(p, len);
		return latin1(msg, p, len);
	}
	if (len > BK_LIMIT_DECODED_BYTES / 4) {
		/* up to 4 output bytes per input byte stay within the limit */
		len = BK_LIMIT_DECODED_BYTES / 4;
		bk__message_damage(msg, BK_SEV_WARNING,
		    "decoded part truncated at the limit");
	}
	cap = len * 4 + 16;
	out = bk__arena_alloc(msg->arena, cap);
	if (out == NULL) {
		iconv_close(cd);
		return bk__str(p, 0);
	}
	in = (char *)(uintptr_t)p;
	inleft = len;
	o = out;
	outleft = cap - 1;
	/* loop: each failed byte is replaced and skipped, so inleft falls */
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
			break;
		if (errno == E2BIG || outleft < 4)
			break;
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		outleft -= 3;
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv(cd, NULL, NULL, &o, &outleft);
	iconv_close(cd);
	*o = '\0';
	return bk__str(out, (size_t)(o - out));
}

/* bk__decode_body - undo the transfer encoding, then convert charset */
bk_str
bk__decode_body(bk_message *msg, const char *body, size_t len, bk_str cte,
    bk_str charset)
{
	bk__buf b;

	cte = bk__trim(cte);
	if (cte.ptr != NULL && (bk__ieq(cte.ptr, cte.len, "base64") ||
	    bk__ieq(cte.ptr, cte.len, "quoted-printable"))) {
		bk__buf_init(&b, msg->arena, BK_LIMIT_DECODED_BYTES);
		if (bk__lower(cte.ptr[0]) == 'b')
			b64_decode(&b, body, len);
		else
			qp_decode(&b, body, len, 0);
		if (b.truncated)
			bk__message_damage(msg, BK_SEV_WARNING,
			    "decoded part truncated at the limit");
		if (b.ptr == NULL)
			return bk__str("", 0);
		body = b.ptr;
		len = b.len;
	}
	return bk__to_utf8(msg, body, len, charset);
}

/* bk__part_text - decoded text of a leaf part, cached in the part */
bk_str
bk__part_text(bk_message *msg, bk__part *p)
{
	if (!p->text_done) {
		p->text = bk__decode_body(msg, p->body, p->body_len, p->cte,
		    p->charset);
		p->text_done = 1;
	}
	return p->text;
}

/*
 * decode_word - one RFC 2047 encoded word at @p ("=?cs?e?text?="),
 * appended to @b.  Returns the bytes consumed, 0 if not an encoded word.
 */
static size_t
decode_word(bk_message *msg, bk__buf *b, const char *p, size_t len)
{
	size_t i, cs_end, enc, text, stop;
	bk__buf raw;
	bk_str conv, cs;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	for (i = 2; i < len && p[i] != '?' && i < 80; i++) {
		if (p[i] == ' ' || p[i] == '\n')
			return 0;
	}
	if (i >= len || p[i] != '?' || i + 3 >= len || p[i + 2] != '?')
		return 0;
	cs_end = i;
	enc = (size_t)bk__lower(p[i + 1]);
	if (enc != 'b' && enc != 'q')
		return 0;
	text = i + 3;
	for (stop = text; stop + 1 < len; stop++) {
		if (p[stop] == '?' && p[stop + 1] == '=')
			break;
		if (p[stop] == '\n')
			return 0;
	}
	if (stop + 1 >= len)
		return 0;
	bk__buf_init(&raw, msg->arena, BK_LIMIT_HEADER_BYTES);
	if (enc == 'b')
		b64_decode(&raw, p + text, stop - text);
	else
		qp_decode(&raw, p + text, stop - text, 1);
	cs = bk__str(p + 2, cs_end - 2);
	/* RFC 2231 section 5: charset*language */
	{
		const char *star = memchr(cs.ptr, '*', cs.len);

		if (star != NULL)
			cs.len = (size_t)(star - cs.ptr);
	}
	if (raw.ptr != NULL) {
		conv = bk__to_utf8(msg, raw.ptr, raw.len, cs);
		bk__buf_append(b, conv.ptr, conv.len);
	}
	return stop + 2;
}

/*
 * word_plain - none of the 8 bytes of @w is >= 0x80, '\n' or '=' (the
 * "has a zero byte" bit trick, exact as to whether any byte matches)
 */
static inline int
word_plain(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t nl = w ^ (ones * '\n'), eq = w ^ (ones * '=');

	return ((w | ((nl - ones) & ~nl) | ((eq - ones) & ~eq)) & high) == 0;
}

/*
 * header_plain - a field value with no byte >= 0x80, no line break and
 * no '=' needs no decoding: most do.  Sixteen bytes at a time with SSE2,
 * else 8 (the last load ending at the end, overlapping bytes already
 * seen), a value under 8 bytes byte by byte.  A value with an '=' is
 * left to the exact scan.
 */
static int
header_plain(const char *p, size_t len)
{
	size_t i;

#if defined(__SSE2__)
	if (len >= 16) {
		const __m128i nl = _mm_set1_epi8('\n');
		const __m128i eq = _mm_set1_epi8('=');
		__m128i a;

		/* loop: i grows by 16 each pass; the last load ends at len */
		for (i = 0; i < len; i += 16) {
			if (len - i < 16)
				i = len - 16;
			a = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + i));
			if (_mm_movemask_epi8(_mm_or_si128(a, _mm_or_si128(
			    _mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(a, eq)))) !=
			    0)
				return 0;
		}
		return 1;
	}
#endif
	if (len >= 8) {
		uint64_t w;

		/* loop: i grows by 8 each pass; the last word ends at len */
		for (i = 0; i < len; i += 8) {
			if (len - i < 8)
				i = len - 8;
			memcpy(&w, p + i, 8);
			if (!word_plain(w))
				return 0;
		}
		return 1;
	}
	/* loop: one byte per pass, fewer than 8 */
	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] >= 0x80 || p[i] == '\n' || p[i] == '=')
			return 0;
	}
	return 1;
}

/*
 * bk__header_decode - unfold (RFC 5322 2.2.3) and decode encoded words;
 * white space between two adjacent encoded words is dropped (RFC 2047 6.2).
 * Raw 8-bit text is taken as UTF-8 when valid, else converted.
 */
bk_str
bk__header_decode(bk_message *msg, bk_str raw)
{
	bk__buf b;
	size_t i = 0, n, ws_start = 0;
	int last_word = 0, has8 = 0, has_ew = 0;
	const char *p = raw.ptr;

	raw = bk__trim(raw);
	if (header_plain(raw.ptr, raw.len))
		return raw;
	p = raw.ptr;
	for (i = 0; i < raw.len; i++) {
		if ((unsigned char)p[i] >= 0x80)
			has8 = 1;
		else if (p[i] == '\n' || (p[i] == '=' && i + 1 < raw.len &&
		    p[i + 1] == '?'))
			has_ew = 1;
	}
	if (!has_ew && !has8)
		return raw;
	if (!has_ew)
		return bk__to_utf8(msg, raw.ptr, raw.len, BK_STR_NULL);
	bk__buf_init(&b, msg->arena, BK_LIMIT_HEADER_BYTES);
	i = 0;
	/* loop: i advances each iteration */
	while (i < raw.len) {
		if (p[i] == '\n') {
			i++;
			continue;   /* unfold: drop the line break */
		}
		if (p[i] == '=' && (n = decode_word(msg, &b, p + i,
		    raw.len - i)) > 0) {
			if (last_word && ws_start) {
				/* drop blanks between two encoded words */
			}
			i += n;
			last_word = 1;
			ws_start = 0;
			continue;
		}
		if ((p[i] == ' ' || p[i] == '\t') && last_word) {
			size_t j = i;

			while (j < raw.len && (p[j] == ' ' || p[j] == '\t' ||
			    p[j] == '\n'))
				j++;
			if (j < raw.len && p[j] == '=' && j + 1 < raw.len &&
			    p[j + 1] == '?') {
				i = j;   /* adjacent encoded word follows */
				continue;
			}
			bk__buf_append(&b, p + i, j - i);
			i = j;
			last_word = 0;
			continue;
		}
		if (p[i] == '\t')
			bk__buf_putc(&b, ' ');
		else
			bk__buf_putc(&b, p[i]);
		last_word = 0;
		i++;
	}
	if (b.truncated)
		bk__message_damage(msg, BK_SEV_WARNING,
		    "decoded header field truncated at the limit");
	if (b.ptr == NULL)
		return bk__str("", 0);
	if (has8 && !is_utf8((unsigned char *)b.ptr, b.len))
		return latin1(msg, b.ptr, b.len);
	return bk__str(b.ptr, b.len);
}

/*
 * bk__ct_param - parameter @name of a structured field value.
 * Handles quoted strings with quoted-pairs, and RFC 2231 continuations
 * (name*0=, name*1*=) with charset'lang'%XX encoding.
 */
bk_str
bk__ct_param(bk_message *msg, bk_str ct, const char *name)
{
	const char *p = ct.ptr, *end = ct.ptr + ct.len;
	size_t nlen = strlen(name);
	bk__buf b;
	bk_str charset = BK_STR_NULL;
	int found = 0, encoded_any = 0;

	if (p == NULL)
		return BK_STR_NULL;
	bk__buf_init(&b, msg->arena, BK_LIMIT_HEADER_BYTES);
	/* loop: p advances past one parameter per iteration */
	while (p < end) {
		const char *semi, *key, *keyend, *val, *q;
		int ext = 0, extended_value = 0;

		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			break;
		p = semi + 1;
		while (p < end && (bk__is(*p, BK_C_SPACE | BK_C_EOL)))
			p++;
		key = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		if (p >= end || *p != '=')
			continue;
		keyend = p;
		while (keyend > key &&
		    bk__is(keyend[-1], BK_C_SPACE | BK_C_EOL))
			keyend--;
		val = p + 1;
		while (val < end && bk__is(*val, BK_C_SPACE | BK_C_EOL))
			val++;
		/* match name, name*, name*N, name*N* */
		if ((size_t)(keyend - key) < nlen ||
		    !bk__istarts(key, (size_t)(keyend - key), name))
			continue;
		q = key + nlen;
		if (q < keyend) {
			if (*q != '*')
				continue;
			ext = 1;
			q++;
			while (q < keyend && bk__is(*q, BK_C_DIGIT))
				q++;
			if (q < keyend && *q == '*') {
				extended_value = 1;
				q++;
			}
			if (q != keyend)
				continue;
			if (keyend[-1] == '*' &&
			    (size_t)(keyend - key) == nlen + 1)
				extended_value = 1;
		}
		if (found && !ext)
			continue;  /* first plain occurrence wins */
		found = 1;
		if (val < end && *val == '"') {
			val++;
			while (val < end && *val != '"') {
				if (*val == '\\' && val + 1 < end)
					val++;
				if (*val != '\n')
					bk__buf_putc(&b, *val);
				val++;
			}
			p = val;
			continue;
		}
		q = val;
		while (q < end && *q != ';' &&
		    !bk__is(*q, BK_C_SPACE | BK_C_EOL))
			q++;
		if (extended_value) {
			const char *v = val, *t;

			encoded_any = 1;
			if (charset.ptr == NULL) {
				t = memchr(v, '\'', (size_t)(q - v));
				if (t != NULL) {
					charset = bk__str(v, (size_t)(t - v));
					t = memchr(t + 1, '\'',
					    (size_t)(q - t - 1));
					if (t != NULL)
						v = t + 1;
				}
			}
			while (v < q) {
				if (*v == '%' && q - v >= 3 &&
				    bk__hexval(v[1]) >= 0 &&
				    bk__hexval(v[2]) >= 0) {
					bk__buf_putc(&b, bk__hexval(v[1]) * 16 +
					    bk__hexval(v[2]));
					v += 3;
				} else {
					bk__buf_putc(&b, *v++);
				}
			}
		} else {
			bk__buf_append(&b, val, (size_t)(q - val));
		}
		p = q;
	}
	if (!found)
		return BK_STR_NULL;
	if (b.ptr == NULL)
		return bk__str("", 0);
	if (encoded_any)
		return bk__to_utf8(msg, b.ptr, b.len, charset);
	return bk__str(b.ptr, b.len);
}
