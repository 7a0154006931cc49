/*
 * vendor_p_ezweb.c - au by KDDI's EZweb mail (From Postmaster@ezweb.ne.jp,
 * Subject "Mail System Error - Returned Mail").  A few Japanese lines,
 * one English sentence saying what went wrong, then the recipients, each
 * with the SMTP exchange that failed when there was one:
 *
 *   Each of the following recipients was rejected by a remote
 *   mail server.
 *
 *       Recipient: <user@example.jp>
 *       >>> RCPT TO:<user@example.jp>
 *       <<< 550 <user@example.jp>: User unknown
 *
 * Older notices put the address alone on a line ("<user@example.jp>"),
 * before or after the sentence ("The user(s) account is disabled.",
 * "Your message was not delivered within 0 days and 1 hours.").  When an
 * RFC 3464 part comes along, its fields are kept and the sentence is the
 * diagnostic.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

int bk__vp_ezweb(bk__dctx *ctx);

/* is_ascii_text - a line of printable ASCII with a letter in it */
static int
is_ascii_text(bk_str l)
{
	size_t i;
	int alpha = 0;

	for (i = 0; i < l.len; i++) {
		if ((unsigned char)l.ptr[i] >= 0x80 || (unsigned char)l.ptr[i] <
		    0x20)
			return 0;
		if (bk__is(l.ptr[i], BK_C_ALPHA))
			alpha = 1;
	}
	return alpha;
}

/* ez_rcpt - "<a@b>", "a@b" or "Recipient: <a@b>" (text after ':' ok) */
static bk_str
ez_rcpt(bk_str l)
{
	bk_str a;
	const char *gt;

	if (bk__istarts(l.ptr, l.len, "recipient:"))
		l = bk__trim(bk__str(l.ptr + 10, l.len - 10));
	a = bk__addr_only(l);
	if (a.ptr != NULL)
		return a;
	/* "<a@b>: 550 user unknown ..." */
	if (l.len > 2 && l.ptr[0] == '<' && (gt = memchr(l.ptr, '>',
	    l.len)) != NULL && gt + 1 < bk__str_end(l) && gt[1] == ':')
		return bk__addr_only(bk__str(l.ptr, (size_t)(gt + 1 - l.ptr)));
	return BK_STR_NULL;
}

/* ez_is_mine - the bounce comes from EZweb's mail system */
static int
ez_is_mine(bk__dctx *ctx)
{
	static const char subj[] = "Mail System Error - Returned Mail";
	bk_str s = ctx->subject;

	/* trimming only shortens: a shorter field cannot start so */
	if (s.ptr == NULL || s.len < sizeof(subj) - 1)
		return 0;
	s = bk__trim(s);
	if (!bk__istarts(s.ptr, s.len, subj))
		return 0;
	if (bk__vp_from_has(ctx, "@ezweb.ne.jp") != NULL)
		return 1;
	return bk__dctx_stamp(ctx, BK__STAMP_EZWEB);
}

/* bk__vp_ezweb - see file comment */
int
bk__vp_ezweb(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, line, a, sentence;
	const char *p, *end;
	bk__buf sb;
	bk_record *r = NULL;
	size_t first, i;
	int added = 0, from_dsn = 0;

	if (t.ptr == NULL || !ez_is_mine(ctx))
		return 0;
	first = ctx->nrec;
	if (ctx->dsn != NULL) {
		added = bk__decode_dsn_text(ctx, bk__part_text(msg, ctx->dsn),
		    "ezweb");
		if (added < 0)
			return added;
		from_dsn = added > 0;
	}
	bk__buf_init(&sb, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	p = t.ptr;
	end = t.ptr + bk__dctx_cut(ctx);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			continue;
		/* a rule or a header block ends the notice */
		if (bk__istarts(line.ptr, line.len, "---") ||
		    bk__istarts(line.ptr, line.len, "received:"))
			break;
		a = ez_rcpt(line);
		if (a.ptr != NULL) {
			r = bk__dctx_find(ctx, a);
			if (r == NULL && !from_dsn) {
				r = bk__dctx_add(ctx, "ezweb");
				if (r == NULL)
					return ctx->oom ? BK_ENOMEM : added;
				r->recipient = a;
				r->action = bk__cstr("failed");
				added++;
			}
			continue;
		}
		if (r != NULL && line.len > 4 && (memcmp(line.ptr, ">>> ",
		    4) == 0)) {
			r->command = bk__vp_command(bk__str(line.ptr + 4,
			    line.len - 4 > 10 ? 10 : line.len - 4));
			continue;
		}
		if (r != NULL && line.len > 4 && memcmp(line.ptr, "<<< ",
		    4) == 0) {
			/* the remote's reply, added after the sentence */
			r->diagnostic = line;
			continue;
		}
		if (is_ascii_text(line) && bk__istr(line.ptr, line.len,
		    "following recipients did not") == NULL) {
			if (sb.len > 0)
				bk__buf_putc(&sb, ' ');
			bk__buf_append(&sb, line.ptr, line.len);
		}
	}
	sentence = sb.ptr != NULL && sb.len > 0 ? bk__squeeze(msg,
	    bk__str(sb.ptr, sb.len)) : BK_STR_NULL;
	for (i = first; i < ctx->nrec; i++) {
		bk_record *q = &ctx->rec[i];
		bk_str reply = q->diagnostic;

		if (reply.ptr != NULL && reply.len > 4 && memcmp(reply.ptr,
		    "<<< ", 4) == 0) {
			bk__buf b;

			bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
			if (sentence.len > 0) {
				bk__buf_append(&b, sentence.ptr, sentence.len);
				bk__buf_putc(&b, ' ');
			}
			bk__buf_append(&b, reply.ptr, reply.len);
			q->diagnostic = b.ptr ? bk__str(b.ptr, b.len) : reply;
			q->reply_code = bk__find_reply_code(
			    bk__str(reply.ptr + 4, reply.len - 4));
		} else if (q->diagnostic.ptr == NULL && sentence.len > 0)
			q->diagnostic = sentence;
		bk__vp_codes(q);
		if (q->diagnostic.ptr != NULL && bk__istr(q->diagnostic.ptr,
		    q->diagnostic.len, "was not delivered within") != NULL)
			q->reason_hint = BK_REASON_EXPIRED;
	}
	return added;
}
