/*
 * vendor_p_yahoo.c - Yahoo! Mail's failure notice (From MAILER-DAEMON@
 * yahoo.com and the domains it hosts):
 *
 *   Sorry, we were unable to deliver your message to the following
 *   address.
 *
 *   <user@example.jp>:
 *   Remote host said: 550 5.1.1 <user@example.jp>... User Unknown
 *   [RCPT_TO]
 *
 *   --- Below this line is a copy of the message.
 *
 * The reply code may be glued to a colon ("550: 5.2.2 ..."); the
 * bracketed tag names the SMTP stage ([RCPT_TO], [MAIL_FROM], [DATA]).
 * "Unable to deliver message after multiple retries, giving up." means
 * the retry period ran out.
 *
 * A later notice names the recipient only in a summary of the message:
 *
 *   I'm afraid I wasn't able to deliver the following message.
 *   This is a permanent error; I've given up. Sorry it didn't work out.
 *
 *   Subject: ...
 *   To: user@example.jp
 *
 *   --- Below this line is a copy of the message.
 *
 * The summary's To is the recipient when it names one address only.
 */
#include "decode/decode_int.h"

int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);
bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_field(bk_str t, const char *name);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
bk_str bk__vp_reply(bk_message *msg, bk_str s);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

int bk__vp_yahoo(bk__dctx *ctx);

static const char *const yh_stops[] = {
	"--- below this line is a copy of the message", NULL
};

/* yh_fill - facts of one recipient's error text */
static void
yh_fill(bk_record *r, bk_str d)
{
	const char *m;
	long v;

	if (d.ptr == NULL)
		return;
	if ((m = bk__istr(d.ptr, d.len, "[rcpt_to]")) != NULL)
		r->command = bk__cstr("RCPT");
	else if ((m = bk__istr(d.ptr, d.len, "[mail_from]")) != NULL)
		r->command = bk__cstr("MAIL");
	else if ((m = bk__istr(d.ptr, d.len, "[data]")) != NULL)
		r->command = bk__cstr("DATA");
	if (bk__istarts(d.ptr, d.len, "remote host said:")) {
		d.ptr += 17;
		d.len -= 17;
		d = bk__trim(d);
	}
	/* "550: 5.2.2 ..." */
	if (d.len > 4 && bk__digits(d.ptr, 3, 200, 599, &v) == 3 &&
	    (d.ptr[3] == ':' || d.ptr[3] == ' '))
		r->reply_code = (int)v;
	if (r->reply_code == 0)
		r->reply_code = bk__find_reply_code(d);
	r->status = bk__find_status(d);
	if (bk__istr(d.ptr, d.len, "after multiple retries, giving up") !=
	    NULL)
		r->reason_hint = BK_REASON_EXPIRED;
}

/* yh_summary - the later notice (file comment): records added */
static int
yh_summary(bk__dctx *ctx, bk_str t)
{
	bk_str region, to, why, a;
	const char *p, *end, *m;
	bk_record *r;

	m = bk__dctx_mark(ctx, BK__MARK_YAHOO_AFRAID);
	if (m == NULL)
		return 0;
	region = bk__vp_between(bk__vp_rest(t, m), NULL, yh_stops);
	p = region.ptr;
	end = bk__str_end(region);
	(void)bk__vp_line(&p, end);
	why = bk__trim(bk__vp_line(&p, end));
	to = bk__vp_field(bk__vp_rest(region, p), "to:");
	if (to.ptr == NULL || memchr(to.ptr, ',', to.len) != NULL)
		return 0;
	a = bk__addr_find(to.ptr, to.len);
	if (a.ptr == NULL)
		return 0;
	r = bk__dctx_add(ctx, "yahoo");
	if (r == NULL)
		return ctx->oom ? BK_ENOMEM : 0;
	r->recipient = a;
	r->action = bk__cstr("failed");
	r->diagnostic = why.len > 0 ? bk__squeeze(ctx->msg, why) :
	    BK_STR_NULL;
	return 1;
}

/* bk__vp_yahoo - see file comment */
int
bk__vp_yahoo(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, region, line, a, d;
	const char *p, *end, *m, *start, *lp;
	bk_record *r;
	int added = 0;

	if (ctx->from.ptr == NULL || !bk__istarts(ctx->from.ptr,
	    ctx->from.len, "mailer-daemon@") || t.ptr == NULL)
		return 0;
	m = bk__dctx_mark(ctx, BK__MARK_YAHOO);
	if (m == NULL) {
		added = yh_summary(ctx, t);
		goto orig;
	}
	region = bk__vp_between(bk__vp_rest(t, m), NULL, yh_stops);
	p = region.ptr;
	end = bk__str_end(region);
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len < 4 || line.ptr[0] != '<' ||
		    line.ptr[line.len - 1] != ':')
			continue;
		a = bk__addr_only(bk__str(line.ptr, line.len - 1));
		if (a.ptr == NULL || bk__dctx_find(ctx, a) != NULL)
			continue;
		/* the error: following lines up to a blank or next address */
		start = p;
		lp = p;
		while (lp < end) {
			const char *here = lp;
			bk_str l2 = bk__trim(bk__vp_line(&lp, end));

			if (l2.len == 0 || (l2.ptr[0] == '<' &&
			    l2.ptr[l2.len - 1] == ':')) {
				lp = here;
				break;
			}
		}
		d = bk__squeeze(msg, bk__str(start, (size_t)(lp - start)));
		p = lp;
		r = bk__dctx_add(ctx, "yahoo");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->recipient = a;
		r->action = bk__cstr("failed");
		r->diagnostic = d.len ? d : BK_STR_NULL;
		yh_fill(r, r->diagnostic);
		added++;
	}
orig:
	if (added > 0 && !ctx->has_orig) {
		m = bk__vp_find_line(t, "--- below this line is a copy");
		if (m != NULL)
			bk__dctx_orig_from_text(ctx, m,
			    (size_t)(bk__str_end(t) - m));
	}
	return added;
}
