/*
 * vendor_p_x.c - bounce formats of unidentified MTAs (Sisimai's X1, X3,
 * X6), recognised by their fixed wording.
 *
 * X1 ("Mail Deliver System", Subject "Returned Mail: ..."):
 *   ---The following addresses had delivery errors---
 *   user@example.co.jp [User unknown]
 *
 * X3 ("Mail Delivery System", Subject "Delivery status notification"):
 *   Delivery to the following recipients failed permanently:
 *      * user@example.com
 *   ...                 Technical details:
 *   SMTP:RCPT host 192.0.2.8: 553 5.3.0 <user@example.com>... No such user
 * A delivery "aborted after N hour(s)" ran out of time.
 *
 * X6 (Subject "There was an error sending your mail"):
 *   We had trouble delivering your message. Full details follow:
 *   SMTP Server <mx.example.org> rejected recipient <user@example.org>
 *   (Error following RCPT command). It responded as follows: [550 ...]
 *   The following recipients returned permanent errors: user@example.org.
 *   Reason: SMTP Server <192.0.2.1> refused to accept your message
 *   (DATA), with the following error message: [554 5.4.6 ...]
 */
#include "decode/decode_int.h"

int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);
bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
bk_str bk__vp_reply(bk_message *msg, bk_str s);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

int bk__vp_x1(bk__dctx *ctx);
int bk__vp_x3(bk__dctx *ctx);
int bk__vp_x6(bk__dctx *ctx);

/*
 * subject_starts - does the bounce's Subject, trimmed, start with @s.
 * Trimming only shortens it: a field shorter than @s is no match, and
 * most bounces' are ("x" against "Returned Mail: ").
 */
static inline int
subject_starts(bk__dctx *ctx, const char *s)
{
	bk_str v = ctx->subject;

	if (v.ptr == NULL || v.len < strlen(s))
		return 0;
	v = bk__trim(v);
	return bk__istarts(v.ptr, v.len, s);
}

/* bk__vp_x1 - see file comment */
int
bk__vp_x1(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a;
	const char *p, *end, *m, *lb, *rb;
	bk_record *r;
	int added = 0, k;

	if (!subject_starts(ctx, "Returned Mail: ") || bk__vp_from_has(ctx,
	    "Mail Deliver System") == NULL || t.ptr == NULL)
		return 0;
	m = bk__istr(t.ptr, t.len, "the following addresses had delivery "
	    "errors");
	if (m == NULL)
		return 0;
	p = m;
	end = bk__str_end(t);
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			continue;
		a = bk__addr_find(line.ptr, line.len);
		if (a.ptr != line.ptr)
			break;
		if ((k = bk__vp_failed(ctx, "x1", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		lb = memchr(bk__str_end(a), '[', (size_t)(bk__str_end(line) -
		    a.ptr - a.len));
		rb = bk__str_end(line);
		if (lb != NULL) {
			if (rb > lb && rb[-1] == ']')
				rb--;
			r->diagnostic = bk__trim(bk__str(lb + 1,
			    (size_t)(rb - lb - 1)));
		}
		bk__vp_codes(r);
		added++;
	}
	return added;
}

/* bk__vp_x3 - see file comment */
int
bk__vp_x3(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a, tech;
	const char *p, *end, *m;
	bk_record *r;
	int added = 0, aborted, k;

	if (!subject_starts(ctx, "Delivery status notification") ||
	    bk__vp_from_has(ctx, "Mail Delivery System") == NULL ||
	    t.ptr == NULL)
		return 0;
	m = bk__istr(t.ptr, t.len, "automatically generated Delivery Status "
	    "Notification");
	if (m == NULL)
		return 0;
	if (ctx->dsn != NULL) {
		/* a complete report is read by the RFC 3464 reader */
		bk_str d = bk__part_text(ctx->msg, ctx->dsn);

		if (d.ptr != NULL && bk__istr(d.ptr, d.len,
		    "final-recipient") != NULL)
			return 0;
	}
	/* the text after "Technical details:", up to the ==== rule */
	tech = BK_STR_NULL;
	{
		static const char *const stops[] = { "=====", NULL };

		if (bk__istr(t.ptr, t.len, "technical details:") != NULL)
			tech = bk__trim(bk__vp_between(t, "technical details:",
			    stops));
	}
	aborted = 0;
	p = m;
	end = bk__str_end(t);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (bk__istr(line.ptr, line.len, "following recipients") !=
		    NULL) {
			aborted = bk__istr(line.ptr, line.len,
			    "was aborted after") != NULL;
			continue;
		}
		if (bk__istarts(line.ptr, line.len, "technical details"))
			break;
		if (line.len < 3 || line.ptr[0] != '*')
			continue;
		a = bk__addr_only(bk__str(line.ptr + 1, line.len - 1));
		if ((k = bk__vp_failed(ctx, "x3", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		if (tech.len > 0) {
			r->diagnostic = bk__squeeze(ctx->msg, tech);
			/* "SMTP:RCPT host 192.0.2.8: 553 5.3.0 ..." */
			if (bk__istarts(tech.ptr, tech.len, "smtp:"))
				r->command = bk__vp_command(bk__str(tech.ptr +
				    5, tech.len > 10 ? 5 : tech.len - 5));
		}
		bk__vp_codes(r);
		if (aborted)
			r->reason_hint = BK_REASON_EXPIRED;
		added++;
	}
	return added;
}

/* bracket_tail - the text inside the last "[...]" of @s */
static bk_str
bracket_tail(bk_str s)
{
	const char *lb = NULL, *q;

	for (q = s.ptr; q < bk__str_end(s); q++) {
		if (*q == '[')
			lb = q;
	}
	if (lb == NULL)
		return BK_STR_NULL;
	q = memchr(lb, ']', (size_t)(bk__str_end(s) - lb));
	return bk__str(lb + 1, (size_t)((q ? q : bk__str_end(s)) - lb - 1));
}

/* angle_after - the text inside "<...>" following @word in @s */
static bk_str
angle_after(bk_str s, const char *word)
{
	const char *m = bk__istr(s.ptr, s.len, word), *lt, *gt;

	if (m == NULL)
		return BK_STR_NULL;
	lt = memchr(m, '<', (size_t)(bk__str_end(s) - m));
	if (lt == NULL)
		return BK_STR_NULL;
	gt = memchr(lt, '>', (size_t)(bk__str_end(s) - lt));
	if (gt == NULL)
		return BK_STR_NULL;
	return bk__str(lt + 1, (size_t)(gt - lt - 1));
}

/* bk__vp_x6 - see file comment */
int
bk__vp_x6(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a, v;
	const char *p, *end, *m;
	bk_record *r;
	int added = 0, k;

	if (!subject_starts(ctx, "There was an error sending your mail") ||
	    t.ptr == NULL)
		return 0;
	m = bk__istr(t.ptr, t.len, "we had trouble delivering your message");
	if (m == NULL)
		return 0;
	p = m;
	end = bk__str_end(t);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		a = BK_STR_NULL;
		if (bk__istarts(line.ptr, line.len, "smtp server <") &&
		    bk__istr(line.ptr, line.len, "rejected recipient") != NULL)
			a = bk__addr_only(angle_after(line,
			    "rejected recipient"));
		else if ((m = bk__istr(line.ptr, line.len,
		    "returned permanent errors:")) != NULL ||
		    (m = bk__istr(line.ptr, line.len,
		    "returned temporary errors:")) != NULL)
			a = bk__addr_find(m, (size_t)(bk__str_end(line) - m));
		if ((k = bk__vp_failed(ctx, "x6", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		v = bk__trim(bracket_tail(line));
		r->diagnostic = v.len ? v : line;
		v = angle_after(line, "smtp server");
		r->remote_mta = v.len ? v : BK_STR_NULL;
		if ((m = bk__istr(line.ptr, line.len, "error following ")) !=
		    NULL)
			r->command = bk__vp_command(bk__str(m + 16,
			    (size_t)(bk__str_end(line) - m - 16) > 12 ? 12 :
			    (size_t)(bk__str_end(line) - m - 16)));
		else if ((m = bk__istr(line.ptr, line.len,
		    "refused to accept your message (")) != NULL)
			r->command = bk__vp_command(bk__str(m + 32,
			    (size_t)(bk__str_end(line) - m - 32) > 8 ? 8 :
			    (size_t)(bk__str_end(line) - m - 32)));
		bk__vp_codes(r);
		added++;
	}
	return added;
}
