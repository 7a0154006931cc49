/*
 * vendor_p_util.c - small text helpers shared by the provider and
 * gateway readers (vendor_p_*.c).  Each reader file repeats the
 * prototypes it uses; nothing here knows a particular format.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_field(bk_str t, const char *name);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
bk_str bk__vp_reply(bk_message *msg, bk_str s);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

/* bk__vp_line - the line at *pp (without its LF); *pp moves past it */
bk_str
bk__vp_line(const char **pp, const char *end)
{
	const char *p = *pp, *eol;

	if (p >= end)
		return BK_STR_NULL;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	*pp = eol < end ? eol + 1 : end;
	return bk__str(p, (size_t)(eol - p));
}

/*
 * bk__vp_find_line - the first line of @t whose text, after leading
 * blanks, starts with @prefix (case-insensitive); NULL if none.
 */
const char *
bk__vp_find_line(bk_str t, const char *prefix)
{
	const char *p = t.ptr, *end = bk__str_end(t);
	bk_str line;

	if (p == NULL)
		return NULL;
	/* loop: bk__vp_line advances p by one line each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.ptr != NULL && bk__istarts(line.ptr, line.len,
		    prefix))
			return line.ptr;
	}
	return NULL;
}

/*
 * bk__vp_field - the rest, trimmed, of the first line of @t that starts
 * with @name (bk__vp_find_line): "Status code: 550 5.7.1" -> "550 5.7.1"
 */
bk_str
bk__vp_field(bk_str t, const char *name)
{
	const char *at = bk__vp_find_line(t, name);
	const char *p = at;
	size_t n = strlen(name);
	bk_str line;

	if (at == NULL)
		return BK_STR_NULL;
	line = bk__vp_line(&p, bk__str_end(t));
	return bk__trim(bk__str(at + n, (size_t)(bk__str_end(line) - at - n)));
}

/* bk__vp_rest - the part of @t from @at to its end */
bk_str
bk__vp_rest(bk_str t, const char *at)
{
	if (at == NULL || t.ptr == NULL || at < t.ptr || at > bk__str_end(t))
		return BK_STR_NULL;
	return bk__str(at, (size_t)(bk__str_end(t) - at));
}

/*
 * bk__vp_between - the text after the line holding @from (NULL: from the
 * start) up to the first line starting with one of @stops (NULL-ended;
 * case-insensitive, leading blanks ignored), or the end of @t.
 */
bk_str
bk__vp_between(bk_str t, const char *from, const char *const *stops)
{
	const char *p, *end, *start, *lp;
	bk_str line;
	size_t i;

	if (t.ptr == NULL)
		return BK_STR_NULL;
	p = t.ptr;
	end = bk__str_end(t);
	if (from != NULL) {
		const char *f = bk__istr(t.ptr, t.len, from);

		if (f == NULL)
			return BK_STR_NULL;
		p = memchr(f, '\n', (size_t)(end - f));
		p = p != NULL ? p + 1 : end;
	}
	start = p;
	/* loop: p moves one line forward each time */
	while (p < end) {
		lp = p;
		line = bk__trim(bk__vp_line(&p, end));
		for (i = 0; stops != NULL && stops[i] != NULL; i++) {
			if (line.ptr != NULL && bk__istarts(line.ptr,
			    line.len, stops[i]))
				return bk__str(start, (size_t)(lp - start));
		}
	}
	return bk__str(start, (size_t)(end - start));
}

/* reply_prefix - length of a "550-5.7.1 " / "550 " line prefix, or 0 */
static size_t
reply_prefix(bk_str line, int *code)
{
	size_t k;
	bk_str st;

	if (line.len < 4 || !bk__is(line.ptr[0], BK_C_DIGIT) ||
	    !bk__is(line.ptr[1], BK_C_DIGIT) ||
	    !bk__is(line.ptr[2], BK_C_DIGIT) ||
	    (line.ptr[3] != '-' && line.ptr[3] != ' '))
		return 0;
	*code = (line.ptr[0] - '0') * 100 + (line.ptr[1] - '0') * 10 +
	    (line.ptr[2] - '0');
	k = 4;
	st = bk__find_status(bk__str(line.ptr + k, line.len - k));
	if (st.ptr == line.ptr + k) {
		k += st.len;
		while (k < line.len && line.ptr[k] == ' ')
			k++;
	}
	return k;
}

/*
 * bk__vp_reply - a multi-line SMTP reply as one line: the code prefix
 * ("550-5.7.26 ") of each continuation line is dropped when it repeats
 * the first line's code, then white space is squeezed.
 * "550-5.1.1 No\n550 5.1.1 such user" -> "550 5.1.1 No such user"
 */
bk_str
bk__vp_reply(bk_message *msg, bk_str s)
{
	const char *p, *end;
	bk_str line;
	bk__buf b;
	size_t k;
	int first = 1, code0 = 0, code;

	s = bk__trim(s);
	if (s.ptr == NULL || s.len == 0)
		return BK_STR_NULL;
	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	p = s.ptr;
	end = bk__str_end(s);
	/* loop: p moves one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			continue;
		code = 0;
		k = reply_prefix(line, &code);
		if (first) {
			code0 = code;
			if (k > 0 && line.ptr[3] == '-') {
				/* "550-5.7.1 x" is written "550 5.7.1 x" */
				bk__buf_append(&b, line.ptr, 3);
				bk__buf_putc(&b, ' ');
				bk__buf_append(&b, line.ptr + 4,
				    line.len - 4);
			} else
				bk__buf_append(&b, line.ptr, line.len);
			first = 0;
			continue;
		}
		bk__buf_putc(&b, ' ');
		if (k > 0 && code == code0)
			bk__buf_append(&b, line.ptr + k, line.len - k);
		else
			bk__buf_append(&b, line.ptr, line.len);
	}
	if (b.ptr == NULL)
		return bk__squeeze(msg, s);
	return bk__squeeze(msg, bk__str(b.ptr, b.len));
}

/*
 * bk__vp_command - the SMTP command named in a phrase such as "did not
 * like our RCPT TO", "in reply to end of DATA command", "MAIL FROM".
 */
bk_str
bk__vp_command(bk_str s)
{
	static const struct {
		const char *word;
		const char *cmd;
	} map[] = {
		{ "rcpt to", "RCPT" }, { "rcpt", "RCPT" },
		{ "mail from", "MAIL" }, { "end of data", "DATA" },
		{ "data", "DATA" }, { "ehlo", "EHLO" }, { "helo", "HELO" },
		{ "starttls", "STARTTLS" }, { "auth", "AUTH" },
		{ "connect", "CONN" }, { "banner", "CONN" },
		{ "greeting", "CONN" },
	};
	size_t i;
	const char *m;

	if (s.ptr == NULL)
		return BK_STR_NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		m = bk__istr(s.ptr, s.len, map[i].word);
		if (m == NULL)
			continue;
		/* whole words only: "data" is not "metadata" */
		if (m > s.ptr && bk__is(m[-1], BK_C_ALPHA))
			continue;
		if (m + strlen(map[i].word) < bk__str_end(s) &&
		    bk__is(m[strlen(map[i].word)], BK_C_ALPHA))
			continue;
		return bk__cstr(map[i].cmd);
	}
	return BK_STR_NULL;
}

/* bk__vp_codes - status and reply code from the diagnostic, if unset */
void
bk__vp_codes(bk_record *r)
{
	if (r->diagnostic.ptr == NULL)
		return;
	if (r->status.ptr == NULL)
		r->status = bk__find_status(r->diagnostic);
	if (r->reply_code == 0)
		r->reply_code = bk__find_reply_code(r->diagnostic);
}

/* bk__vp_received_has - does a Received field of the bounce hold @needle */
int
bk__vp_received_has(bk__dctx *ctx, const char *needle)
{
	const bk__headers *h = &ctx->msg->root->headers;
	size_t i;

	for (i = 0; i < h->n; i++) {
		if (bk__ieq(h->v[i].name.ptr, h->v[i].name.len, "received") &&
		    bk__istr(h->v[i].value.ptr, h->v[i].value.len,
		    needle) != NULL)
			return 1;
	}
	return 0;
}

/*
 * bk__vp_from_filter - see decode_int.h.  A byte matches a needle's
 * byte, ignoring case, only when both are equal or are the two cases of
 * a letter, which differ in bit 0x20 alone: bk__vp_from_bit drops that
 * bit, so an occurrence has all its needle's bits in the filter.  Other
 * bytes that fall together (0x40-0x5f with 0x60-0x7f, 0x00-0x1f with
 * 0x20-0x3f, bytes from 0x80 with ASCII) only let more needles through
 * to the search.
 *
 * Eight bytes at a time: each byte of @v becomes its bit number (below
 * 64, so (v >> k) & 63 is byte k / 8's); the last load may overlap the
 * one before, which adds no bit that is not there.
 */
void
bk__vp_from_filter(bk__dctx *ctx)
{
	const char *p = ctx->from.ptr;
	size_t n = p != NULL ? ctx->from.len : 0, i;
	unsigned k;
	uint64_t w = 0, v;

	if (n < 8) {
		/* loop: i walks the field, n bytes */
		for (i = 0; i < n; i++)
			w |= bk__vp_from_bit(p[i]);
	} else {
		/* loop: i grows by 8 up to n; each pass reads 8 bytes
		 * inside the field */
		for (i = 0; i < n; i += 8) {
			memcpy(&v, p + (i + 8 <= n ? i : n - 8), sizeof(v));
			v = (v & 0x1f1f1f1f1f1f1f1fu) |
			    ((v >> 1) & 0x2020202020202020u);
			for (k = 0; k < 64; k += 8)
				w |= (uint64_t)1 << ((v >> k) & 63u);
		}
	}
	ctx->from_bytes = w;
	ctx->from_bytes_done = 1;
}

/* bk__vp_failed - see decode_int.h */
int
bk__vp_failed(bk__dctx *ctx, const char *decoder, bk_str addr,
    bk_record **out)
{
	bk_record *r;

	*out = NULL;
	if (addr.ptr == NULL || bk__dctx_find(ctx, addr) != NULL)
		return 0;
	r = bk__dctx_add(ctx, decoder);
	if (r == NULL)
		return -1;
	r->recipient = addr;
	r->action = bk__cstr("failed");
	*out = r;
	return 1;
}
